/* SPDX-License-Identifier: Apache-2.0 */
/* A process of its own, detached from the caller (detach.h). */
#include "base/detach.h"
#include "base/fs.h"
#include "base/vfork.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
        const char *path;
        char *const *argv;
        int fd3, fd4;
} detached;

/* The program's process. In a vfork it shares the caller's memory, not its fd table, signal
 * handlers, mask or cwd: everything changed here is its own. */
_Noreturn static void detached_exec(void *arg)
{
        const detached *d = arg;
        /* every signal is blocked here (berth_spawn_detached): the caller's handlers, which
         * would run on its memory, are gone before any can come */
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        for (int s = 1; s < NSIG; s++)
                sigaction(s, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        const int want[] = {-1, -1, -1, d->fd3, d->fd4};
        if (berth_fds_arrange(want, 5) < 0)
                _exit(127);
        if (chdir("/") < 0)
                _exit(127);
        execv(d->path, d->argv);
        if (d->fd3 >= 0)
                dprintf(3, "error: cannot run %s: %s\n", d->path, strerror(errno));
        _exit(127);
}

/* The intermediate child: a session of its own, the program's process, gone. */
_Noreturn static void detached_session(void *arg)
{
        setsid();
        _exit(berth_vfork_or_fork(detached_exec, arg) < 0);
}

int berth_spawn_detached(const char *path, char *const argv[], int fd3, int fd4)
{
        detached d = {.path = path, .argv = argv, .fd3 = fd3, .fd4 = fd4};
        sigset_t all, old;
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, &old);
        pid_t p = berth_vfork_or_fork(detached_session, &d);
        int e = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (p < 0)
                return -e;
        int st;
        while (waitpid(p, &st, 0) < 0 && errno == EINTR)
                ;
        return 0;
}
