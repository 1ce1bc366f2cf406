/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attacker of tests/security/volume-copyup.bats, run inside a container
 * that shares a volume (mounted with nocopy, so the volume stays empty until
 * another container's copy-up starts). The image being copied has
 * directories at the top of the volume, each with a device node or FIFO
 * called NODE among other files. As soon as inotify says copy-up made such a
 * directory, the racer puts a symlink to TARGET (a host path: berth, on the
 * host, would follow it) beside it and spins on renameat2(RENAME_EXCHANGE)
 * until NODE exists: the moment copy-up makes the node, its name is the
 * symlink, before berth sets the node's owner, mode and times. It stops a
 * second after its last swap, or after SECONDS, and prints "swaps N".
 *
 *   copyup-racer DIR NODE TARGET SECONDS
 *
 * Static, so that it runs in a busybox image.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Swap dir/node for a symlink to target the moment it exists; 1 when done. */
static int swap_in(int dfd, const char *dir, const char *node, const char *target)
{
        int sub = openat(dfd, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
                return 0;
        int done = 0;
        if (symlinkat(target, sub, ".racer") == 0) {
                double end = now() + 0.05;
                for (long i = 0; !done; i++) {
                        if (renameat2(sub, ".racer", sub, node, RENAME_EXCHANGE) == 0)
                                done = 1;
                        else if (errno != ENOENT || ((i & 255) == 0 && now() > end))
                                break;
                }
                if (!done)
                        unlinkat(sub, ".racer", 0);
        }
        close(sub);
        return done;
}

int main(int argc, char **argv)
{
        if (argc < 5) {
                fprintf(stderr, "usage: copyup-racer DIR NODE TARGET SECONDS\n");
                return 2;
        }
        const char *node = argv[2], *target = argv[3];
        int dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int in = inotify_init1(IN_CLOEXEC);
        if (dfd < 0 || in < 0 || inotify_add_watch(in, argv[1], IN_CREATE) < 0) {
                perror("copyup-racer");
                return 1;
        }
        printf("ready\n");
        fflush(stdout);
        time_t end = time(NULL) + atol(argv[4]);
        long swaps = 0;
        int quiet = 0; /* polls without an event since the last swap */
        char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
        while (time(NULL) < end && !(swaps > 0 && quiet >= 5)) {
                struct pollfd p = {.fd = in, .events = POLLIN};
                if (poll(&p, 1, 200) <= 0) {
                        quiet++;
                        continue;
                }
                quiet = 0;
                ssize_t n = read(in, buf, sizeof(buf));
                for (char *e = buf; n > 0 && e < buf + n;) {
                        struct inotify_event *ev = (struct inotify_event *)e;
                        e += sizeof(*ev) + ev->len;
                        if (ev->len > 0 && (ev->mask & IN_ISDIR))
                                swaps += swap_in(dfd, ev->name, node, target);
                }
        }
        printf("swaps %ld\n", swaps);
        return 0;
}
