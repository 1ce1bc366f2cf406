/* SPDX-License-Identifier: Apache-2.0 */
/* Frames between berth-monitor and its clients, and its socket. */
#include "engine/monitor-proto.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int berth_frame_write(int fd, int type, const void *data, size_t len)
{
        unsigned char hdr[BERTH_FRAME_HEADER] = {(unsigned char)type,
                                                 0,
                                                 0,
                                                 0,
                                                 (unsigned char)(len >> 24),
                                                 (unsigned char)(len >> 16),
                                                 (unsigned char)(len >> 8),
                                                 (unsigned char)len};
        if (berth_write_all(fd, hdr, sizeof(hdr)) < 0)
                return -errno;
        if (len > 0 && berth_write_all(fd, data, len) < 0)
                return -errno;
        return 0;
}

int64_t berth_frame_parse_header(const unsigned char hdr[BERTH_FRAME_HEADER], int *ret_type)
{
        if (hdr[1] || hdr[2] || hdr[3])
                return -1;
        uint32_t len =
            ((uint32_t)hdr[4] << 24) | ((uint32_t)hdr[5] << 16) | ((uint32_t)hdr[6] << 8) | hdr[7];
        if (len > BERTH_FRAME_MAX)
                return -1;
        *ret_type = hdr[0];
        return len;
}

int berth_frame_read(int fd, int *ret_type, char **ret_data, size_t *ret_len)
{
        unsigned char hdr[BERTH_FRAME_HEADER];
        ssize_t n = berth_read_all(fd, hdr, sizeof(hdr));
        if (n == 0)
                return 0;
        if (n != (ssize_t)sizeof(hdr))
                return n < 0 ? -errno : -EPROTO;
        int type;
        int64_t len = berth_frame_parse_header(hdr, &type);
        if (len < 0)
                return -EPROTO;
        char *buf = malloc((size_t)len + 1);
        if (buf == NULL)
                return -ENOMEM;
        if (len > 0 && berth_read_all(fd, buf, (size_t)len) != len) {
                free(buf);
                return -EPROTO;
        }
        buf[len] = '\0';
        *ret_type = type;
        *ret_data = buf;
        *ret_len = (size_t)len;
        return 1;
}

char *berth_monitor_dir(const char *runroot)
{
        return berth_xasprintf("%s/monitor", runroot);
}

static int sockaddr_at(int dirfd, const char *name, struct sockaddr_un *sa)
{
        memset(sa, 0, sizeof(*sa));
        sa->sun_family = AF_UNIX;
        int n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dirfd, name);
        return n > 0 && (size_t)n < sizeof(sa->sun_path) ? 0 : -ENAMETOOLONG;
}

int berth_unix_listen_at(int dirfd, const char *name, berth_error *err)
{
        struct sockaddr_un sa;
        if (sockaddr_at(dirfd, name, &sa) < 0)
                return berth_errx(err, ENAMETOOLONG, "socket name too long: %s", name);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return berth_err(err, errno, "cannot make a socket");
        unlinkat(dirfd, name, 0);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return berth_err(err, errno, "cannot bind the monitor socket %s", name);
        if (listen(fd, 64) < 0)
                return berth_err(err, errno, "cannot listen on the monitor socket %s", name);
        return TAKE_FD(fd);
}

int berth_monitor_connect(const char *runroot, const char *id, unsigned streams, berth_error *err)
{
        _cleanup_free_ char *dir = berth_monitor_dir(runroot);
        _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_err(err, errno, "no monitor for container %s", id);
        struct sockaddr_un sa;
        if (sockaddr_at(dfd, id, &sa) < 0)
                return berth_errx(err, ENAMETOOLONG, "socket name too long: %s", id);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return berth_err(err, errno, "cannot make a socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return berth_err(err, errno, "cannot reach the monitor of container %s", id);
        unsigned char s = (unsigned char)streams;
        if (berth_frame_write(fd, BERTH_FRAME_HELLO, &s, 1) < 0)
                return berth_err(err, errno, "cannot talk to the monitor of container %s", id);
        return TAKE_FD(fd);
}
