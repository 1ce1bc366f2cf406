/* SPDX-License-Identifier: Apache-2.0 */
/* A process of its own, detached from the caller (detach.h). */
#include "base/detach.h"
#include "base/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int berth_fork_detached(int fd3, int fd4)
{
        pid_t p = fork();
        if (p < 0)
                return -errno;
        if (p > 0) {
                int st;
                while (waitpid(p, &st, 0) < 0 && errno == EINTR)
                        ;
                return (int)p;
        }
        setsid();
        pid_t q = fork();
        if (q != 0)
                _exit(q < 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int s = 1; s < NSIG; s++)
                signal(s, SIG_DFL);
        /* above the fds they go to, first, so that no dup2 overwrites another's source */
        int null = open("/dev/null", O_RDWR);
        int a = fd3 >= 0 ? fcntl(fd3, F_DUPFD, 10) : -1;
        int b = fd4 >= 0 ? fcntl(fd4, F_DUPFD, 10) : -1;
        if (null < 0 || (fd3 >= 0 && a < 0) || (fd4 >= 0 && b < 0) || dup2(null, 0) < 0 ||
            dup2(null, 1) < 0 || dup2(null, 2) < 0 || (a >= 0 && dup2(a, 3) < 0) ||
            (b >= 0 && dup2(b, 4) < 0))
                _exit(127);
        berth_close_fds_from(b >= 0 ? 5 : a >= 0 ? 4 : 3, NULL, 0);
        if (chdir("/") < 0)
                _exit(127);
        return 0;
}
