/* SPDX-License-Identifier: Apache-2.0 */
/* A process of its own, detached from the caller (detach.h). */
#include "base/detach.h"
#include "base/fs.h"
#include "base/vfork.h"

#include <errno.h>
#include <fcntl.h>
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
        /* above the fds they go to, first, so that no dup2 overwrites another's source */
        int null = open("/dev/null", O_RDWR);
        int a = d->fd3 >= 0 ? fcntl(d->fd3, F_DUPFD, 10) : -1;
        int b = d->fd4 >= 0 ? fcntl(d->fd4, F_DUPFD, 10) : -1;
        if (null < 0 || (d->fd3 >= 0 && a < 0) || (d->fd4 >= 0 && b < 0) || dup2(null, 0) < 0 ||
            dup2(null, 1) < 0 || dup2(null, 2) < 0 || (a >= 0 && dup2(a, 3) < 0) ||
            (b >= 0 && dup2(b, 4) < 0))
                _exit(127);
        berth_close_fds_from(b >= 0 ? 5 : a >= 0 ? 4 : 3, NULL, 0);
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
        pid_t q = berth_vfork_call(0, -1, detached_exec, arg);
        if (q < 0) {
                q = fork();
                if (q == 0)
                        detached_exec(arg);
        }
        _exit(q < 0);
}

int berth_spawn_detached(const char *path, char *const argv[], int fd3, int fd4)
{
        detached d = {.path = path, .argv = argv, .fd3 = fd3, .fd4 = fd4};
        sigset_t all, old;
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, &old);
        pid_t p = berth_vfork_call(0, -1, detached_session, &d);
        if (p < 0) {
                p = fork();
                if (p == 0)
                        detached_session(&d);
        }
        int e = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (p < 0)
                return -e;
        int st;
        while (waitpid(p, &st, 0) < 0 && errno == EINTR)
                ;
        return 0;
}
