/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Getting a container's first process into its cgroups.
 *
 * Writing a pid to cgroup.procs takes the kernel's global threadgroup lock
 * for writing, and the first writer after a quiet spell waits out an RCU
 * grace period: ~8 ms on this machine, a third of a whole `run`. Two moves
 * avoid that lock: a thread moving itself through a v1 hierarchy's `tasks`
 * file (writing "0"), and a child created inside a cgroup2 directory with
 * clone3(CLONE_INTO_CGROUP). So the runtime forks stage 1 into the cgroup2
 * directory and stage 1, still single-threaded and before it joins any
 * namespace, moves itself into every v1 hierarchy.
 */
#include "runtime/cgroup.h"
#include "cgroup-internal.h"
#include "base/vfork.h"
#include "base/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int berth_cgroup_enter(berth_cgroup *cg, pid_t pid, berth_error *err)
{
        bool any = false;
        for (size_t i = 0; i < cg->n; i++) {
                if (!cg_dir_exists(cg->h[i].dir))
                        continue;
                int r = cg_writef(cg->h[i].dir, "cgroup.procs", err, "%d", (int)pid);
                if (r < 0)
                        return berth_wrap(err, "cannot move pid %d into cgroup '%s'", (int)pid,
                                          cg->path);
                any = true;
        }
        if (!any)
                return berth_errx(err, ENOENT,
                                  "cannot move pid %d into cgroup '%s': it does not exist",
                                  (int)pid, cg->path);
        return 0;
}

int berth_cgroup_enter_self(berth_cgroup *cg, bool skip_v2, berth_error *err)
{
        bool any = skip_v2;
        for (size_t i = 0; i < cg->n; i++) {
                struct cg_hier *h = &cg->h[i];
                if (h->v2 && skip_v2)
                        continue;
                /* cgroup2 has no tasks file: its cgroup.procs, with the lock */
                const char *file = h->v2 ? "cgroup.procs" : "tasks";
                if (!cg_dir_exists(h->dir))
                        continue;
                if (cg_write(h->dir, file, "0", err) < 0)
                        return berth_wrap(err, "cannot enter cgroup '%s'", cg->path);
                any = true;
        }
        if (!any)
                return berth_errx(err, ENOENT, "cannot enter cgroup '%s': it does not exist",
                                  cg->path);
        return 0;
}

/* Threads of this process, from /proc/self/stat (0 when unreadable). */
static long thread_count(void)
{
        _cleanup_close_ int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
        char buf[1024];
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        char *p = strrchr(buf, ')'); /* the command name may hold anything */
        long threads = 0;
        /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt
         * cmajflt utime stime cutime cstime priority nice num_threads */
        if (p == NULL || sscanf(p + 1,
                                " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
                                "%*d %*d %ld",
                                &threads) != 1)
                return 0;
        return threads;
}

pid_t berth_cgroup_fork(berth_cgroup *cg, bool *in_v2)
{
        *in_v2 = false;
        struct cg_hier *u = cg ? cg_v2_hier(cg) : NULL;
#ifdef CLONE_INTO_CGROUP
        if (u && thread_count() == 1) {
                _cleanup_close_ int dfd = open(u->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0) {
                        struct clone_args a = {
                            .flags = CLONE_INTO_CGROUP,
                            .exit_signal = SIGCHLD,
                            .cgroup = (unsigned long long)dfd,
                        };
                        long pid = syscall(SYS_clone3, &a, sizeof(a));
                        if (pid >= 0) {
                                *in_v2 = true;
                                return (pid_t)pid;
                        }
                        /* ENOSYS (before 5.3), E2BIG/EINVAL (before 5.7), a seccomp
                         * filter: the usual fork, and cgroup.procs after */
                }
        }
#else
        (void)u;
#endif
        return fork();
}

pid_t berth_cgroup_vfork(berth_cgroup *cg, bool *in_v2, void (*fn)(void *), void *arg)
{
        *in_v2 = false;
        if (thread_count() != 1) {
                errno = ENOSYS;
                return -1;
        }
        struct cg_hier *u = cg ? cg_v2_hier(cg) : NULL;
#ifdef CLONE_INTO_CGROUP
        if (u) {
                _cleanup_close_ int dfd = open(u->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0) {
                        *in_v2 = true; /* before fn runs: it reads it */
                        pid_t pid = berth_vfork_call(CLONE_INTO_CGROUP, dfd, fn, arg);
                        if (pid >= 0)
                                return pid;
                        *in_v2 = false;
                        if (errno == ENOSYS)
                                return -1;
                }
        }
#else
        (void)u;
#endif
        return berth_vfork_call(0, -1, fn, arg);
}
