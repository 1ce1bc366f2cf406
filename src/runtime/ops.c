/* SPDX-License-Identifier: Apache-2.0 */
#include "container.h"
#include "hooks.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
        const char *name;
        int sig;
} signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

int berth_rt_signal_parse(const char *s)
{
        if (s == NULL || *s == '\0')
                return -1;
        long long n;
        if (berth_parse_i64(s, &n) == 0)
                return n > 0 && n <= SIGRTMAX ? (int)n : -1;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
                if (strcasecmp(s, signals[i].name) == 0)
                        return signals[i].sig;
        if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
                bool min = strncasecmp(s, "RTMIN", 5) == 0;
                int base = min ? SIGRTMIN : SIGRTMAX;
                if (s[5] == '\0')
                        return base;
                if ((s[5] == '+' || s[5] == '-') && berth_parse_i64(s + 6, &n) == 0) {
                        int v = s[5] == '+' ? base + (int)n : base - (int)n;
                        return v >= SIGRTMIN && v <= SIGRTMAX ? v : -1;
                }
        }
        return -1;
}

static int open_cgroup(container *c, berth_cgroup **ret, berth_error *err)
{
        if (c->st.cgroup_path == NULL)
                return berth_errx(err, ENOENT, "container '%s' has no cgroup", c->st.id);
        return berth_cgroup_open(c->st.cgroup_path, ret, err);
}

int berth_rt_start(const berth_rt_ctx *ctx, const char *id, berth_error *err)
{
        container c;
        _cleanup_free_ char *fifo = NULL;
        _cleanup_close_ int fd = -1;
        int r = container_open(ctx, id, &c, err);
        if (r < 0)
                return r;
        enum berth_rt_status status = container_status(&c);
        if (status != BERTH_RT_CREATED) {
                r = berth_errx(err, EINVAL, "cannot start container '%s': it is %s", id,
                               berth_rt_status_name(status));
                goto out;
        }
        fifo = berth_xasprintf("%s/exec.fifo", c.dir);
        fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
                r = berth_err(err, errno, "cannot open '%s'", fifo);
                goto out;
        }
        /* The init writes one byte once it sees us; wait for it while it lives. */
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                int n = poll(&p, 1, 100);
                if (n > 0) {
                        char b;
                        ssize_t got = read(fd, &b, 1);
                        if (got == 1)
                                break;
                }
                if (berth_pid_start_time(c.st.pid) != c.pid_start) {
                        r = berth_errx(err, ESRCH,
                                       "cannot start container '%s': its init has exited", id);
                        goto out;
                }
                if (n > 0) /* EOF before the writer arrived: wait a little */
                        usleep(1000);
        }
        unlink(fifo);
        oci_spec *s = container_spec(&c, NULL);
        if (s) {
                c.st.status = BERTH_RT_RUNNING;
                _cleanup_free_ char *sj = berth_rt_state_json(&c.st);
                r = berth_hooks_run(s, OCI_HOOK_POSTSTART, sj, err);
                berth_oci_spec_free(s);
        }
out:
        container_close(&c);
        return r;
}

int berth_rt_kill(const berth_rt_ctx *ctx, const char *id, int sig, bool all, berth_error *err)
{
        container c;
        int r = container_open(ctx, id, &c, err);
        if (r < 0)
                return r;
        enum berth_rt_status status = container_status(&c);
        if (all) {
                berth_cgroup *cg = NULL;
                r = open_cgroup(&c, &cg, err);
                if (r == 0)
                        r = berth_cgroup_kill_all(cg, sig, err);
                berth_cgroup_free(cg);
        } else if (status == BERTH_RT_STOPPED) {
                r = berth_errx(err, ESRCH, "container '%s' is not running", id);
        } else if (c.st.pid <= 0) {
                /* being made: no process yet (kill(0) would signal our own group) */
                r = berth_errx(err, ESRCH, "container '%s' has no process yet: it is %s", id,
                               berth_rt_status_name(status));
        } else if (kill(c.st.pid, sig) < 0) {
                r = berth_err(err, errno, "cannot signal container '%s'", id);
        }
        if (r == 0 && status == BERTH_RT_PAUSED && (sig == SIGKILL || sig == SIGTERM)) {
                /* A frozen process cannot die: thaw it so the signal lands. */
                berth_cgroup *cg = NULL;
                if (open_cgroup(&c, &cg, NULL) == 0)
                        berth_cgroup_freeze(cg, false, NULL);
                berth_cgroup_free(cg);
        }
        container_close(&c);
        return r;
}

static void wait_gone(pid_t pid, unsigned long long start)
{
        for (int i = 0; i < 500 && berth_pid_start_time(pid) == start && start; i++)
                usleep(2000);
}

/* The saved spec when it has poststop hooks (parsed only then: most have none,
 * and the whole spec is ~10 KB of JSON to parse and check on every delete). */
static oci_spec *poststop_spec(container *c)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/config.json", c->dir);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (berth_read_file(path, &text, &len, NULL) < 0 || strstr(text, "\"poststop\"") == NULL)
                return NULL;
        return berth_oci_spec_parse(text, len, NULL);
}

int berth_rt_delete(const berth_rt_ctx *ctx, const char *id, bool force, berth_error *err)
{
        container c;
        int r = container_open(ctx, id, &c, err);
        if (r < 0)
                return r;
        enum berth_rt_status status = container_status(&c);
        if (status == BERTH_RT_RUNNING || status == BERTH_RT_PAUSED) {
                if (!force) {
                        r = berth_errx(err, EBUSY,
                                       "cannot delete container '%s': it is %s (use --force)", id,
                                       berth_rt_status_name(status));
                        goto out;
                }
        }
        berth_cgroup *cg = NULL;
        if (c.st.cgroup_path && berth_cgroup_open(c.st.cgroup_path, &cg, NULL) == 0) {
                if (status != BERTH_RT_STOPPED)
                        berth_cgroup_kill_all(cg, SIGKILL, NULL);
        }
        if (status != BERTH_RT_STOPPED && c.st.pid > 0) {
                kill(c.st.pid, SIGKILL);
                wait_gone(c.st.pid, c.pid_start);
        }
        if (cg) {
                r = berth_cgroup_destroy(cg, err);
                berth_cgroup_free(cg);
                if (r < 0)
                        goto out;
        }
        oci_spec *s = poststop_spec(&c);
        c.st.status = BERTH_RT_STOPPED;
        c.st.pid = 0;
        r = berth_rm_rf(c.dir, err);
        if (s) {
                /* poststop failures are warnings only: the container is gone already. */
                _cleanup_free_ char *sj = berth_rt_state_json(&c.st);
                berth_hooks_run(s, OCI_HOOK_POSTSTOP, sj, NULL);
                berth_oci_spec_free(s);
        }
out:
        container_close(&c);
        return r;
}

int berth_rt_pause(const berth_rt_ctx *ctx, const char *id, bool pause, berth_error *err)
{
        container c;
        int r = container_open(ctx, id, &c, err);
        if (r < 0)
                return r;
        enum berth_rt_status status = container_status(&c);
        enum berth_rt_status need = pause ? BERTH_RT_RUNNING : BERTH_RT_PAUSED;
        if (status != need) {
                r = berth_errx(err, EINVAL, "container '%s' is %s, not %s", id,
                               berth_rt_status_name(status), berth_rt_status_name(need));
        } else {
                berth_cgroup *cg = NULL;
                r = open_cgroup(&c, &cg, err);
                if (r == 0)
                        r = berth_cgroup_freeze(cg, pause, err);
                berth_cgroup_free(cg);
        }
        container_close(&c);
        return r;
}

int berth_rt_ps(const berth_rt_ctx *ctx, const char *id, pid_t **ret, size_t *ret_n,
                berth_error *err)
{
        container c;
        int r = container_open(ctx, id, &c, err);
        if (r < 0)
                return r;
        berth_cgroup *cg = NULL;
        *ret = NULL;
        *ret_n = 0;
        if (container_status(&c) != BERTH_RT_STOPPED) {
                r = open_cgroup(&c, &cg, err);
                if (r == 0)
                        r = berth_cgroup_pids(cg, ret, ret_n, err);
        }
        berth_cgroup_free(cg);
        container_close(&c);
        return r;
}

int berth_rt_update(const berth_rt_ctx *ctx, const char *id, const oci_resources *res,
                    berth_error *err)
{
        container c;
        int r = container_open(ctx, id, &c, err);
        if (r < 0)
                return r;
        berth_cgroup *cg = NULL;
        if (container_status(&c) == BERTH_RT_STOPPED)
                r = berth_errx(err, EINVAL, "container '%s' is stopped", id);
        else if ((r = open_cgroup(&c, &cg, err)) == 0)
                r = berth_cgroup_update(cg, res, err);
        berth_cgroup_free(cg);
        container_close(&c);
        return r;
}

int berth_rt_stats(const berth_rt_ctx *ctx, const char *id, berth_cgroup_stats *ret,
                   berth_error *err)
{
        container c;
        int r = container_open(ctx, id, &c, err);
        if (r < 0)
                return r;
        berth_cgroup *cg = NULL;
        if ((r = open_cgroup(&c, &cg, err)) == 0)
                r = berth_cgroup_read_stats(cg, ret, err);
        berth_cgroup_free(cg);
        container_close(&c);
        return r;
}

/* Signals a foreground run/exec passes on to its container process. */
static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
static volatile sig_atomic_t forward_pid;
static void forward(int sig)
{
        if (forward_pid > 0)
                kill(forward_pid, sig);
}

void berth_forward_block(sigset_t *ret_old)
{
        sigset_t set;
        sigemptyset(&set);
        for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
                sigaddset(&set, forwarded[i]);
        sigprocmask(SIG_BLOCK, &set, ret_old);
}

int berth_wait_forwarding(pid_t pid, const sigset_t *old, int *ret_status)
{
        struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
        sigemptyset(&sa.sa_mask);
        forward_pid = pid;
        for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
                sigaction(forwarded[i], &sa, NULL);
        /* what came while the process was being set up is passed on now */
        sigprocmask(SIG_SETMASK, old, NULL);
        int status;
        while (waitpid(pid, &status, 0) < 0) {
                if (errno != EINTR)
                        return -errno;
        }
        forward_pid = 0;
        *ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return 0;
}

int berth_rt_run(const berth_rt_ctx *ctx, const berth_rt_create_opts *o, bool detach,
                 int *ret_status, berth_error *err)
{
        /* A Ctrl-C or SIGTERM while the container is being made must not kill us halfway
         * (state, mounts and a waiting init left behind): held until the process runs, then
         * passed on to it; on a failure, taken as they come once everything is removed. */
        sigset_t old;
        berth_forward_block(&old);
        pid_t pid = 0;
        int r = berth_rt_create_internal(ctx, o, &pid, err);
        if (r == 0 && (r = berth_rt_start(ctx, o->id, err)) < 0)
                berth_rt_delete(ctx, o->id, true, NULL);
        if (r < 0 || detach) {
                sigprocmask(SIG_SETMASK, &old, NULL);
                *ret_status = 0;
                return r;
        }
        r = berth_wait_forwarding(pid, &old, ret_status);
        berth_rt_delete(ctx, o->id, true, NULL);
        if (r < 0)
                return berth_err(err, -r, "cannot wait for container '%s'", o->id);
        return 0;
}
