/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's short-lived children. Everything that needs the runtime
 * library or berth.db runs in berth-monitor-helper (create + start, the exit
 * record and restart decision, healthchecks), so the monitor that stays
 * behind is the event loop and libc only.
 */
#include "monitor.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "base/vfork.h"
#include "engine/helper-proto.h"
#include "runtime/selfclone.h"
#include "runtime/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char *pid_path(const berth_monitor_conf *c)
{
        return berth_xasprintf("%s/monitor/%s.pid", c->runroot, c->id);
}

/* In a forked child: default signals and mask, as a new program expects. */
static void child_reset(void)
{
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
}

_Noreturn static void exec_helper(const monitor *m, char *const argv[])
{
        /* sealed from the start (no copy, no second exec in the helper), where it can be */
        if (m->cfg.helper)
                berth_exec_sealed(m->cfg.helper, argv, environ);
        execv(m->cfg.helper, argv);
        dprintf(3, "cannot run %s: %s", m->cfg.helper ? m->cfg.helper : "berth-monitor-helper",
                strerror(errno));
        _exit(127);
}

/* A helper's process: its fds 0-4 (-1: /dev/null for 0-2, none for 3 and 4) and argv. */
typedef struct {
        const monitor *m;
        char *const *argv;
        int fd[5];
} helper_spawn;

/* In the helper's process, a vfork sharing our memory (its fd table, signal handlers and mask
 * its own) or a fork: its fds, then the helper. */
_Noreturn static void helper_child(void *arg)
{
        const helper_spawn *h = arg;
        child_reset();
        if (berth_fds_arrange(h->fd, 5) < 0)
                _exit(127);
        exec_helper(h->m, h->argv);
}

static size_t read_text(int fd, char *buf, size_t sz)
{
        size_t n = 0;
        while (n + 1 < sz) {
                ssize_t r = read(fd, buf + n, sz - 1 - n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                n += (size_t)r;
        }
        buf[n] = '\0';
        return n;
}

int monitor_start_container(monitor *m, bool restarted, char *errbuf, size_t errsz)
{
        int ep[2], cs[2] = {-1, -1};
        if (pipe2(ep, O_CLOEXEC) < 0) {
                snprintf(errbuf, errsz, "cannot make a pipe: %s", strerror(errno));
                return -1;
        }
        if (m->cfg.tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cs) < 0) {
                snprintf(errbuf, errsz, "cannot make a socket pair: %s", strerror(errno));
                close(ep[0]);
                close(ep[1]);
                return -1;
        }
        _cleanup_free_ char *pidfile = pid_path(&m->cfg);
        unlink(pidfile);
        char *argv[] = {
            "berth-monitor-helper",          "create", m->cfg.dir, m->cfg.tty ? "4" : "-",
            restarted ? "restart" : "first", NULL};
        helper_spawn h = {.m = m, .argv = argv, .fd = {-1, -1, -1, ep[1], -1}};
        if (m->cfg.tty)
                h.fd[4] = cs[1];
        else {
                h.fd[0] = m->in[0] >= 0 && !m->stdin_closed ? m->in[0] : -1;
                h.fd[1] = m->out[1];
                h.fd[2] = m->errp[1];
        }
        pid_t child = berth_vfork_or_fork(helper_child, &h);
        if (child < 0) {
                snprintf(errbuf, errsz, "cannot fork: %s", strerror(errno));
                for (int i = 0; i < 2; i++) {
                        close(ep[i]);
                        if (cs[i] >= 0)
                                close(cs[i]);
                }
                return -1;
        }
        close(ep[1]);
        if (cs[1] >= 0)
                close(cs[1]);
        if (m->cfg.tty) {
                int master = berth_recv_fd(cs[0], NULL, 0); /* the PTY master */
                close(cs[0]);
                if (master >= 0) {
                        fcntl(master, F_SETFL, O_NONBLOCK);
                        m->master = master;
                }
        }
        size_t n = read_text(ep[0], errbuf, errsz);
        close(ep[0]);
        int status = 0;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                ;
        if (n > 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                if (n == 0)
                        snprintf(errbuf, errsz, "the container could not be started");
                if (m->master >= 0) {
                        close(m->master);
                        m->master = -1;
                }
                return -1;
        }
        _cleanup_free_ char *pidtxt = NULL;
        if (berth_read_file(pidfile, &pidtxt, NULL, NULL) < 0) {
                snprintf(errbuf, errsz, "the container's pid file is missing");
                return -1;
        }
        m->pid = atoi(pidtxt);
        m->started_ns = monitor_now_ns();
        m->health_status = BERTH_HEALTH_STARTING;
        if (m->cfg.health_test && m->health_pid <= 0)
                m->next_health_ns = m->started_ns + berth_policy_health_interval(
                                                        &m->cfg.health, m->health_status, 0);
        /* the init may have exited (and be waiting, reparented to us) already */
        return 0;
}

int monitor_exit_code(int status)
{
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run the helper with argv, its fd 3 a pipe; in the parent, the pipe's read end (or -1). */
static pid_t helper_with_pipe(monitor *m, char *const argv[], int *ret_fd)
{
        int pp[2];
        *ret_fd = -1;
        if (pipe2(pp, O_CLOEXEC) < 0)
                return -1;
        helper_spawn h = {.m = m, .argv = argv, .fd = {-1, -1, -1, pp[1], -1}};
        pid_t p = berth_vfork_or_fork(helper_child, &h);
        close(pp[1]);
        if (p < 0)
                close(pp[0]);
        else
                *ret_fd = pp[0];
        return p;
}

berth_restart_decision monitor_record_exit(monitor *m, int status)
{
        int code = monitor_exit_code(status);
        m->exit_code = code;
        char codes[16], ran[32], last[32];
        snprintf(codes, sizeof(codes), "%d", code);
        snprintf(ran, sizeof(ran), "%lld",
                 (long long)((monitor_now_ns() - m->started_ns) / 1000000));
        snprintf(last, sizeof(last), "%lld", (long long)m->last_delay_ms);
        char *argv[] = {"berth-monitor-helper", "record", m->cfg.dir, codes, ran, last, NULL};
        int fd;
        pid_t p = helper_with_pipe(m, argv, &fd);
        char line[BERTH_HELPER_LINE_MAX] = "";
        if (fd >= 0) {
                read_text(fd, line, sizeof(line));
                close(fd);
        }
        int st = 0;
        while (p > 0 && waitpid(p, &st, 0) < 0 && errno == EINTR)
                ;
        berth_restart_decision d = {.restart = false};
        if (p <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
            berth_helper_parse_exit(line, &d) < 0)
                d.restart = false;
        return d;
}

void monitor_finish(monitor *m)
{
        /* the [::1] ports are free before anyone hears of the exit (a start right after a stop
         * binds them again) */
        monitor_forward_close();
        _cleanup_free_ char *merged = berth_xasprintf("%s/merged", m->cfg.dir);
        umount2(merged, MNT_DETACH);
        if (!m->cfg.auto_remove || m->cfg.berth == NULL)
                return;
        pid_t p = fork();
        if (p == 0) {
                child_reset();
                int null = open("/dev/null", O_RDWR);
                dup2(null, 0);
                dup2(null, 1);
                berth_close_fds_from(3, NULL, 0);
                execl(m->cfg.berth, "berth", "--root", m->cfg.root, "--runroot", m->cfg.runroot,
                      "rm", "--force", m->cfg.id, (char *)NULL);
                _exit(127);
        }
        int st;
        while (p > 0 && waitpid(p, &st, 0) < 0 && errno == EINTR)
                ;
}

void monitor_health_tick(monitor *m)
{
        if (m->cfg.health_test == NULL || m->health_pid > 0 || m->pid <= 0 ||
            m->next_health_ns <= 0)
                return;
        if (monitor_now_ns() < m->next_health_ns)
                return;
        m->next_health_ns = 0; /* the next is counted from this one's end */
        m->health_probe_ns = monitor_now_ns();
        char started[32];
        snprintf(started, sizeof(started), "%lld", (long long)m->started_ns);
        char *argv[] = {"berth-monitor-helper", "health", m->cfg.dir, started, NULL};
        pid_t p = helper_with_pipe(m, argv, &m->health_fd);
        if (p > 0)
                m->health_pid = p;
        else
                monitor_health_done(m);
}

void monitor_health_done(monitor *m)
{
        m->health_pid = 0;
        if (m->health_fd >= 0) {
                char line[BERTH_HELPER_LINE_MAX];
                /* the helper is gone: what it said is in the pipe; never wait on it */
                fcntl(m->health_fd, F_SETFL, O_NONBLOCK);
                read_text(m->health_fd, line, sizeof(line));
                close(m->health_fd);
                m->health_fd = -1;
                berth_health_status s;
                /* (a probe of the run before a restart says nothing about this one) */
                if (berth_helper_parse_health(line, &s) == 0 && m->health_probe_ns >= m->started_ns)
                        m->health_status = s;
        }
        if (m->pid <= 0)
                return; /* it exited meanwhile: its next start schedules the first probe */
        int64_t now = monitor_now_ns();
        m->next_health_ns = now + berth_policy_health_interval(&m->cfg.health, m->health_status,
                                                               now - m->started_ns);
}
