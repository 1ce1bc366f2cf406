/* SPDX-License-Identifier: Apache-2.0 */
#include "sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sync_send(int fd, int type, int value, const char *text)
{
        struct sync_msg m = {.type = type, .value = value};
        if (text)
                snprintf(m.text, sizeof(m.text), "%s", text);
        size_t len = offsetof(struct sync_msg, text) + strlen(m.text) + 1;
        ssize_t n;
        do
                n = send(fd, &m, len, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : 0;
}

/* recvmsg into buf; an fd passed with SCM_RIGHTS goes to *ret_fd (closed if NULL). */
static ssize_t recv_with_fd(int sock, void *buf, size_t len, int *ret_fd)
{
        char cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = {.iov_base = buf, .iov_len = len};
        struct msghdr msg = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = cbuf,
            .msg_controllen = sizeof(cbuf),
        };
        ssize_t n;
        if (ret_fd)
                *ret_fd = -1;
        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int got;
                memcpy(&got, CMSG_DATA(c), sizeof(int));
                if (ret_fd)
                        *ret_fd = got;
                else
                        close(got);
        }
        return n;
}

/* sendmsg buf with fd attached (SCM_RIGHTS). */
static int send_with_fd(int sock, const void *buf, size_t len, int fd)
{
        char cbuf[CMSG_SPACE(sizeof(int))];
        memset(cbuf, 0, sizeof(cbuf));
        struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
        struct msghdr msg = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = cbuf,
            .msg_controllen = sizeof(cbuf),
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        ssize_t n;
        do
                n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : 0;
}

int sync_recv_fd(int fd, struct sync_msg *m, int *ret_fd)
{
        memset(m, 0, sizeof(*m));
        ssize_t n = recv_with_fd(fd, m, sizeof(*m), ret_fd);
        if (n < 0)
                return (int)n;
        if (n == 0)
                return -EPIPE;
        if ((size_t)n < offsetof(struct sync_msg, text))
                return -EBADMSG;
        m->text[sizeof(m->text) - 1] = '\0';
        return 0;
}

int sync_recv(int fd, struct sync_msg *m)
{
        return sync_recv_fd(fd, m, NULL);
}

int sync_send_fd(int fd, int type, int passfd)
{
        struct sync_msg m = {.type = type};
        return send_with_fd(fd, &m, offsetof(struct sync_msg, text) + 1, passfd);
}

int sync_expect(int fd, int type, struct sync_msg *m, berth_error *err)
{
        int r = sync_recv(fd, m);
        if (r == -EPIPE)
                return berth_errx(err, EPIPE, "the container's init exited during setup");
        if (r < 0)
                return berth_err(err, -r, "cannot read from the container's init");
        if (m->type == SYNC_ERROR)
                return berth_errx(err, m->value > 0 ? m->value : EIO, "%s", m->text);
        if (m->type != type)
                return berth_errx(err, EPROTO, "unexpected message %d from the container's init",
                                  m->type);
        return 0;
}

_Noreturn void sync_fail(int fd, const berth_error *err)
{
        sync_send(fd, SYNC_ERROR, err->code, err->msg);
        _exit(1);
}

int berth_send_fd(int sock, int fd, const char *text)
{
        const char *payload = text && *text ? text : "-";
        return send_with_fd(sock, payload, strlen(payload), fd);
}

int berth_recv_fd(int sock, char *text, size_t textsz)
{
        char dummy[256];
        char *buf = text ? text : dummy;
        size_t len = (text ? textsz : sizeof(dummy)) - 1;
        int fd;
        ssize_t n = recv_with_fd(sock, buf, len, &fd);
        if (n < 0)
                return (int)n;
        buf[n] = '\0';
        if (fd < 0)
                return -EBADMSG;
        return fd;
}
