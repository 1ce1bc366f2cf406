/* SPDX-License-Identifier: Apache-2.0 */
#include "container.h"
#include "console.h"
#include "init.h"
#include "seccomp-listener.h"
#include "base/cleanup.h"
#include "base/cpulist.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

/* Open the container init's namespaces that differ from ours. */
static int open_namespaces(pid_t pid, int fds[OCI_NS_COUNT], berth_error *err)
{
        for (int t = 0; t < OCI_NS_COUNT; t++) {
                fds[t] = -1;
                const char *name = berth_oci_ns_proc_name((enum oci_ns_type)t);
                char theirs[64], ours[64];
                snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", pid, name);
                snprintf(ours, sizeof(ours), "/proc/self/ns/%s", name);
                struct stat a, b;
                if (stat(theirs, &a) < 0) {
                        if (errno == ENOENT)
                                continue; /* kernel without this namespace type */
                        return berth_err(err, errno, "cannot open '%s'", theirs);
                }
                if (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
                        continue;
                fds[t] = open(theirs, O_RDONLY | O_CLOEXEC);
                if (fds[t] < 0)
                        return berth_err(err, errno, "cannot open '%s'", theirs);
        }
        return 0;
}

static void close_namespaces(int fds[OCI_NS_COUNT])
{
        for (int t = 0; t < OCI_NS_COUNT; t++)
                if (fds[t] >= 0)
                        close(fds[t]);
}

/* What stage 1 prepares for stage 2, which is a copy of it. */
typedef struct {
        const oci_spec *spec;
        const berth_rt_exec_opts *o;
        berth_seccomp *seccomp;
        int console_fd;
        int slave; /* the PTY, for stage 2 to take */
        char *exe;
} exec_prep;

/* In stage 1, in every namespace of the container but outside its pid
 * namespace: make the PTY, then cwd, rlimits, seccomp, user and capabilities.
 * Stage 2 is born with all of it and only execs, so no process of the
 * container (even one with CAP_SYS_PTRACE) ever sees a process of ours that
 * holds more than the exec'd process will. */
static int exec_prepare(void *arg, int *ret_pass_fd, berth_error *err)
{
        exec_prep *x = arg;
        const oci_process *p = x->o->process;
        if (p->terminal) {
                x->slave = berth_console_open(x->console_fd, p, false, err);
                if (x->slave < 0)
                        return x->slave;
                close(x->console_fd);
                x->console_fd = -1;
        }
        return berth_process_prepare(p, x->spec, x->seccomp, &x->exe, ret_pass_fd, err);
}

/* execCPUAffinity's initial (the runtime, before the container's cgroups) or final (the
 * process, after them: the kernel keeps it within the container's cpuset). */
static int exec_set_cpus(const char *list, const char *which, berth_error *err)
{
        cpu_set_t set;
        if (berth_cpulist_parse(list, &set) < 0)
                return berth_errx(err, EINVAL, "execCPUAffinity.%s: not a list of CPUs: '%s'",
                                  which, list);
        if (sched_setaffinity(0, sizeof(set), &set) < 0)
                return berth_err(err, errno, "cannot set the CPU affinity to %s (%s)", list, which);
        return 0;
}

/* Stage 2: born with everything set (stage 1's work and its oom_score_adj). It waits for the
 * runtime's go, which comes once stage 1's SYNC_PID is in: its own messages (SYNC_READY, an
 * error) must not overtake that one on the socket they share. */
_Noreturn static void exec_child(const exec_prep *x, int sync_fd)
{
        berth_error err = {0};
        struct sync_msg m;
        if (sync_expect(sync_fd, SYNC_GO, &m, &err) < 0)
                _exit(1);
        if (x->o->process->exec_cpus_final &&
            exec_set_cpus(x->o->process->exec_cpus_final, "final", &err) < 0)
                sync_fail(sync_fd, &err);
        if (x->slave >= 0) {
                if (berth_console_take(x->slave, &err) < 0)
                        sync_fail(sync_fd, &err);
        } else if (setsid() < 0) {
                /* already a session leader: fine */
        }
        int keep[] = {sync_fd};
        berth_close_fds_from(3 + x->o->preserve_fds, keep, 1);
        sync_send(sync_fd, SYNC_READY, 0, NULL);
        /* sync_fd is O_CLOEXEC: a successful exec closes it, an error is reported on it. */
        berth_process_exec(x->o->process, x->exe, sync_fd);
}

typedef struct {
        exec_prep x;
        berth_stage1_opts so;
        int parent_fd; /* our end of the sync socket: not stage 1's */
} exec_stage1_arg;

/* Stage 1 (a vfork'd or forked child), and in its child stage 2 (berth_stage1 returns there). */
_Noreturn static void exec_stage1(void *arg)
{
        exec_stage1_arg *s = arg;
        close(s->parent_fd);
        berth_stage1(&s->so);
        exec_child(&s->x, s->so.sync_fd);
}

int berth_rt_exec(const berth_rt_ctx *ctx, const char *id, const berth_rt_exec_opts *o,
                  int *ret_status, berth_error *err)
{
        container c;
        int r = container_open(ctx, id, &c, err);
        if (r < 0)
                return r;
        int ns[OCI_NS_COUNT];
        for (int t = 0; t < OCI_NS_COUNT; t++)
                ns[t] = -1;
        int sync[2] = {-1, -1};
        int console_fd = -1;
        pid_t stage1 = -1, pid = -1;
        berth_cgroup *cg = NULL;
        oci_spec *loaded = NULL;
        const oci_spec *spec = o->spec;
        berth_seccomp *seccomp = NULL;
        /* a foreground exec's signals wait until the process runs, then go to it */
        sigset_t old;
        berth_forward_block(&old);

        enum berth_rt_status status = container_status(&c);
        if (status != BERTH_RT_RUNNING && status != BERTH_RT_CREATED) {
                r = berth_errx(err, EINVAL, "cannot exec in container '%s': it is %s", id,
                               berth_rt_status_name(status));
                goto out;
        }
        if (spec == NULL && (spec = loaded = container_spec(&c, err)) == NULL) {
                r = -err->code;
                goto out;
        }
        if (o->process->exec_cpus_initial &&
            (r = exec_set_cpus(o->process->exec_cpus_initial, "initial", err)) < 0)
                goto out;
        if (spec->linux && spec->linux->seccomp) {
                _cleanup_free_ char *cache = berth_runtime_seccomp_cache(ctx);
                if ((r = berth_seccomp_prepare(spec->linux->seccomp, cache, &seccomp, err)) < 0)
                        goto out;
        }
        if ((r = open_namespaces(c.st.pid, ns, err)) < 0)
                goto out;
        if (o->process->terminal) {
                if (o->has_console_fd) {
                        if ((console_fd = fcntl(o->console_fd, F_DUPFD_CLOEXEC, 3)) < 0) {
                                r = berth_err(err, errno, "cannot dup the console socket");
                                goto out;
                        }
                } else if (o->console_socket == NULL) {
                        r = berth_errx(err, EINVAL, "a terminal needs --console-socket");
                        goto out;
                } else if ((console_fd = berth_unix_connect(o->console_socket, err)) < 0) {
                        r = console_fd;
                        goto out;
                }
        }
        if (c.st.cgroup_path && (r = berth_cgroup_open(c.st.cgroup_path, &cg, err)) < 0)
                goto out;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
                r = berth_err(err, errno, "cannot create a socketpair");
                goto out;
        }
        exec_stage1_arg s1 = {
            .x = {.spec = spec, .o = o, .seccomp = seccomp, .console_fd = console_fd, .slave = -1},
            .so = {.sync_fd = sync[1],
                   .cg = cg,
                   .keep_fds = {console_fd},
                   .n_keep = 1,
                   .preserve_fds = o->preserve_fds,
                   .prepare = exec_prepare,
                   .oom_process = o->process},
            .parent_fd = sync[0]};
        s1.so.prepare_arg = &s1.x;
        memcpy(s1.so.ns_fds, ns, sizeof(ns));
        /* Others may use the container while this exec runs. */
        flock(c.lock_fd, LOCK_UN);
        /* Stage 1 goes at once: it may run to its end before we are back. */
        sync_send(sync[0], SYNC_GO, 0, NULL);
        /* stage 1 shares our memory while we wait, where it can: no copy of our page tables */
        stage1 = berth_stage1_start(cg, true, &s1.so.cg_v2_done, exec_stage1, &s1);
        if (stage1 < 0) {
                r = berth_err(err, errno, "cannot fork");
                goto out;
        }
        close(sync[1]);
        sync[1] = -1;
        struct sync_msg m;
        if ((r = sync_expect(sync[0], SYNC_PID, &m, err)) < 0)
                goto out;
        pid = m.value;
        waitpid(stage1, NULL, 0);
        stage1 = -1;
        sync_send(sync[0], SYNC_GO, 0, NULL);
        c.st.status = BERTH_RT_RUNNING;
        {
                _cleanup_free_ char *sj = berth_rt_state_json(&c.st);
                if ((r = berth_wait_ready(sync[0], spec, pid, sj, err)) < 0)
                        goto out;
        }
        r = sync_recv(sync[0], &m);
        if (r == 0 && m.type == SYNC_ERROR) {
                r = berth_errx(err, m.value > 0 ? m.value : EIO, "%s", m.text);
                goto out;
        }
        r = 0;
        if (o->pid_file && (r = container_write_pid_file(o->pid_file, pid, err)) < 0)
                goto out;
        if (o->detach) {
                *ret_status = 0;
                pid = -1;
        } else {
                r = berth_wait_forwarding(pid, &old, ret_status);
                pid = -1;
                if (r < 0)
                        r = berth_err(err, -r, "cannot wait for the process");
        }
out:
        if (r < 0 && pid > 0) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
        }
        if (stage1 > 0) {
                kill(stage1, SIGKILL);
                waitpid(stage1, NULL, 0);
        }
        for (int i = 0; i < 2; i++)
                if (sync[i] >= 0)
                        close(sync[i]);
        if (console_fd >= 0)
                close(console_fd);
        close_namespaces(ns);
        berth_cgroup_free(cg);
        berth_oci_spec_free(loaded);
        berth_seccomp_free(seccomp);
        container_close(&c);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}
