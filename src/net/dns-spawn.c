/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Start a network's berth-dns on demand (dns.h): the lock DIR/dns.lock says
 * whether one runs; if none does, spawn it detached (nobody's child but its
 * session's, and outlives the command) and wait for its "ok" on a pipe.
 */
#include "net/dns.h"
#include "base/cleanup.h"
#include "base/detach.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LISTEN_MAX   16
#define SYNC_TIMEOUT 10000 /* ms: berth-dns binds a few sockets, nothing slow */

/*
 * true when a berth-dns holds dir's lock: it runs, and has its sockets (it binds before it
 * locks). -errno if the lock cannot be tried. Tried shared, and let go at once: a berth-dns
 * about to take it exclusive retries past us.
 */
static int running(const char *dir, berth_error *err)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/dns.lock", dir);
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return berth_err(err, errno, "cannot open %s", path);
        if (flock(fd, LOCK_SH | LOCK_NB) == 0)
                return 0; /* nobody's: closing the fd lets it go */
        if (errno == EWOULDBLOCK)
                return 1;
        return berth_err(err, errno, "cannot lock %s", path);
}

/* What berth-dns said on the pipe before it closed it (or SYNC_TIMEOUT passed). */
static void read_reply(int fd, char *buf, size_t size)
{
        size_t n = 0;
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (n + 1 < size) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                long left = SYNC_TIMEOUT - ((now.tv_sec - t0.tv_sec) * 1000 +
                                            (now.tv_nsec - t0.tv_nsec) / 1000000);
                struct pollfd p = {fd, POLLIN, 0};
                if (left <= 0 || poll(&p, 1, (int)left) == 0)
                        break;
                ssize_t r = read(fd, buf + n, size - 1 - n);
                if (r < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (r <= 0)
                        break;
                n += (size_t)r;
        }
        buf[n] = '\0';
        if (n > 0 && buf[n - 1] == '\n')
                buf[n - 1] = '\0';
}

int berth_dns_ensure(const char *program, const char *dir, const char *const *listen, size_t n,
                     berth_error *err)
{
        if (n == 0 || n > LISTEN_MAX)
                return berth_errx(err, EINVAL, "berth-dns takes 1 to %d addresses, not %zu",
                                  LISTEN_MAX, n);
        /* it runs in "/": relative paths would name other files there */
        if (program[0] != '/' || dir[0] != '/')
                return berth_errx(err, EINVAL, "berth-dns needs absolute paths, not '%s' and '%s'",
                                  program, dir);
        int rc = running(dir, err);
        if (rc != 0)
                return rc < 0 ? rc : 0;
        /* everything the child needs is made before the spawn: it only calls what is safe */
        const char *argv[5 + LISTEN_MAX + 1] = {"berth-dns", "--sync-fd", "3", dir};
        for (size_t i = 0; i < n; i++)
                argv[4 + i] = listen[i];
        int sp[2];
        if (pipe2(sp, O_CLOEXEC) < 0)
                return berth_err(err, errno, "cannot make a pipe");
        int r = berth_spawn_detached(program, (char *const *)argv, sp[1], -1);
        close(sp[1]);
        if (r < 0) {
                close(sp[0]);
                return berth_err(err, -r, "cannot start %s", program);
        }
        char reply[2200];
        read_reply(sp[0], reply, sizeof(reply));
        close(sp[0]);
        if (strcmp(reply, "ok") == 0)
                return 0;
        if (strncmp(reply, "error: ", 7) == 0)
                return berth_errx(err, EIO, "berth-dns for %s: %s", dir, reply + 7);
        return berth_errx(err, EIO, "berth-dns for %s did not start%s%s", dir, *reply ? ": " : "",
                          reply);
}
