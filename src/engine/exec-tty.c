/* SPDX-License-Identifier: Apache-2.0 */
/* An exec with a terminal as an attach stream: berth-runtime exec sends us the PTY master
 * (--console-fd), the handle holds it, and a table of this process's such execs lets a resize
 * by exec id find it (exec.h). */
#include "engine/attach-internal.h"
#include "engine/exec-internal.h"
#include "engine/exec.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "runtime/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

/* ---- the execs whose PTY master this process holds (a server's threads share it) ---- */

typedef struct {
        char id[65];
        int master;
} held_tty;

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static held_tty *held;
static size_t n_held;

static void held_add(const char *id, int master)
{
        pthread_mutex_lock(&held_lock);
        held_tty *v = realloc(held, (n_held + 1) * sizeof(*held));
        if (v) {
                held = v;
                snprintf(held[n_held].id, sizeof(held[n_held].id), "%s", id);
                held[n_held++].master = master;
        }
        pthread_mutex_unlock(&held_lock);
}

static void held_remove(int master)
{
        pthread_mutex_lock(&held_lock);
        for (size_t i = 0; i < n_held; i++)
                if (held[i].master == master) {
                        held[i] = held[--n_held];
                        break;
                }
        pthread_mutex_unlock(&held_lock);
}

static int set_size(int fd, unsigned rows, unsigned cols)
{
        struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
        return ioctl(fd, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
}

/* Resize the one we hold: 1 when found (r its result), 0 when not ours. */
static int held_resize(const char *id, unsigned rows, unsigned cols, int *r)
{
        int found = 0;
        pthread_mutex_lock(&held_lock);
        for (size_t i = 0; i < n_held && !found; i++)
                if (strcmp(held[i].id, id) == 0) {
                        *r = set_size(held[i].master, rows, cols);
                        found = 1;
                }
        pthread_mutex_unlock(&held_lock);
        return found;
}

/* ---- the stream ---- */

static int tty_read(berth_attach *h, berth_attach_frame *ret, berth_error *err)
{
        char *buf = malloc(16384 + 1);
        if (buf == NULL)
                return berth_errx(err, ENOMEM, "out of memory");
        ssize_t n;
        while ((n = read(h->fd, buf, 16384)) < 0 && errno == EINTR)
                ;
        if (n > 0) {
                buf[n] = '\0';
                *ret = (berth_attach_frame){
                    .stream = BERTH_ATTACH_OUT_STDOUT, .data = buf, .len = (size_t)n};
                return 1;
        }
        free(buf);
        if (n < 0 && errno != EIO)
                return berth_err(err, errno, "cannot read the terminal of exec %.12s", h->exec_id);
        /* EIO: every holder of the terminal's other side is gone, the process has exited */
        held_remove(h->fd);
        int code = exec_wait_runtime(h->runtime);
        h->runtime = -1;
        berth_container c;
        exec_rec x;
        if (exec_get(h->e, h->exec_id, &x, NULL) == 0) {
                if (berth_engine_get(h->e, x.container, &c, NULL) == 0) {
                        exec_record_exit(h->e, x.id, &c, code);
                        berth_container_clear(&c);
                }
                exec_rec_clear(&x);
        }
        unlink(h->pid_file);
        *ret = (berth_attach_frame){.stream = BERTH_ATTACH_OUT_EXIT, .code = code};
        return 1;
}

static int tty_send(berth_attach *h, const void *data, size_t len, berth_error *err)
{
        if (berth_write_all(h->fd, data, len) < 0)
                return berth_err(err, errno, "cannot write to the terminal of exec %.12s",
                                 h->exec_id);
        return 0;
}

static int tty_close_stdin(berth_attach *h, berth_error *err)
{
        /* a terminal has no end of input but its ^D (EOF at the start of a line) */
        return tty_send(h, "\004", 1, err);
}

static int tty_resize(berth_attach *h, unsigned rows, unsigned cols, berth_error *err)
{
        int r = set_size(h->fd, rows, cols);
        if (r < 0)
                return berth_err(err, -r, "cannot resize the terminal of exec %.12s", h->exec_id);
        return 0;
}

/* Detached before its end: the process runs on, and its terminal with it. A process of our
 * own holds the master and drains it (nobody reads the output, as under Docker) until the
 * exec's side closes; the runtime, which waits for the process, is left to itself. */
static void tty_detach(berth_attach *h)
{
        held_remove(h->fd);
        exec_record_detached(h->e, h->exec_id, h->pid_file);
        /* the caller's terminal may hang up the moment we are gone (its session leader
         * exits): the holder is born with SIGHUP blocked, and leaves that session */
        sigset_t hup, old;
        sigemptyset(&hup);
        sigaddset(&hup, SIGHUP);
        sigprocmask(SIG_BLOCK, &hup, &old);
        pid_t pid = fork();
        if (pid != 0)
                sigprocmask(SIG_SETMASK, &old, NULL);
        if (pid == 0) {
                signal(SIGHUP, SIG_IGN);
                int keep[] = {h->fd};
                berth_close_fds_from(3, keep, 1);
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                for (int i = 0; i < 3 && null >= 0; i++)
                        dup2(null, i);
                setsid();
                char buf[4096];
                for (;;) {
                        ssize_t n = read(h->fd, buf, sizeof(buf));
                        if (n == 0 || (n < 0 && errno != EINTR))
                                _exit(0);
                }
        }
}

static const attach_ops tty_ops = {.read = tty_read,
                                   .send = tty_send,
                                   .close_stdin = tty_close_stdin,
                                   .resize = tty_resize,
                                   .detach = tty_detach};

int berth_engine_exec_start_attach(berth_engine *e, const char *exec_id, const berth_attach_opts *o,
                                   berth_attach **ret, berth_error *err)
{
        exec_rec x;
        int r = attach_check_keys(o, err);
        if (r < 0 || (r = exec_get(e, exec_id, &x, err)) < 0)
                return r;
        bool tty = json_is_true(json_object_get(x.config, "Tty"));
        _cleanup_free_ char *id = berth_xstrdup(x.id);
        exec_rec_clear(&x);
        if (!tty)
                return berth_errx(err, EINVAL, "exec %.12s has no terminal", id);
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return berth_err(err, errno, "cannot make a socket pair");
        _cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        _cleanup_free_ char *pid_file = exec_pid_file(e, id);
        exec_run how = {.stdin_fd = null,
                        .stdout_fd = null,
                        .stderr_fd = -1, /* the runtime's own errors: ours */
                        .console_fd = sv[1],
                        .pid_file = pid_file,
                        .own_session = true};
        berth_container c;
        pid_t rt = -1;
        r = exec_launch(e, id, &how, &x, &c, &rt, err);
        close(sv[1]);
        if (r < 0) {
                close(sv[0]);
                return r;
        }
        int master = berth_recv_fd(sv[0], NULL, 0);
        close(sv[0]);
        if (master < 0) {
                /* it failed before the process had a terminal (and said why on stderr) */
                int code = exec_wait_runtime(rt);
                exec_record_exit(e, x.id, &c, code);
                r = berth_errx(err, EIO, "exec %.12s did not start (berth-runtime exit %d)", x.id,
                               code);
                goto out;
        }
        berth_attach *h;
        berth_attach_opts so = {.in = o->in, .out = true, .detach_keys = o->detach_keys};
        if ((r = attach_new(e, &tty_ops, master, true, &so, &h, err)) < 0) {
                kill(rt, SIGKILL);
                exec_record_exit(e, x.id, &c, exec_wait_runtime(rt));
                goto out;
        }
        h->exec_id = berth_xstrdup(x.id);
        h->pid_file = TAKE_PTR(pid_file);
        h->runtime = rt;
        held_add(x.id, master);
        *ret = h;
out:
        berth_container_clear(&c);
        exec_rec_clear(&x);
        return r;
}

int berth_engine_exec_resize(berth_engine *e, const char *exec_id, unsigned rows, unsigned cols,
                             berth_error *err)
{
        exec_rec x;
        int r = exec_get(e, exec_id, &x, err);
        if (r < 0)
                return r;
        int rr = 0;
        if (held_resize(x.id, rows, cols, &rr)) {
                r = rr < 0 ? berth_err(err, -rr, "cannot resize the terminal of exec %.12s", x.id)
                           : 0;
        } else if (!json_is_true(json_object_get(x.config, "Tty"))) {
                r = berth_errx(err, EINVAL, "exec %.12s has no terminal", x.id);
        } else if (strcmp(x.state, "detached") != 0 || !berth_pid_alive(x.pid, x.pid_start)) {
                r = berth_errx(err, EINVAL, "exec %.12s is not running", x.id);
        } else {
                /* left running detached: its terminal is its stdin, whoever holds the master */
                _cleanup_free_ char *path = berth_xasprintf("/proc/%d/fd/0", (int)x.pid);
                _cleanup_close_ int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
                if (fd < 0 || !isatty(fd))
                        r = berth_errx(err, EINVAL, "exec %.12s has no terminal", x.id);
                else if ((rr = set_size(fd, rows, cols)) < 0)
                        r = berth_err(err, -rr, "cannot resize the terminal of exec %.12s", x.id);
        }
        exec_rec_clear(&x);
        return r;
}
