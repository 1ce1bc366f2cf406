/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp-agent SOCKET STATEFILE ERRNO: a seccomp notify listener for tests.
 * Accepts one connection on SOCKET, takes the notify fd (SCM_RIGHTS) and the
 * containerProcessState JSON that comes with it (written to STATEFILE), then
 * answers every notification with -ERRNO until the container is gone.
 */
#include "listen-one.h"
#include "runtime/sync.h"

#include <errno.h>
#include <poll.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: seccomp-agent SOCKET STATEFILE ERRNO\n");
                return 2;
        }
        int c = listen_accept_one("seccomp-agent", argv[1]);
        if (c < 0)
                return 1;
        static char state[65536];
        int fd = berth_recv_fd(c, state, sizeof(state));
        if (fd < 0) {
                fprintf(stderr, "seccomp-agent: no fd: %s\n", strerror(-fd));
                return 1;
        }
        FILE *f = fopen(argv[2], "w");
        if (f) {
                fputs(state, f);
                fclose(f);
        }
        int answer = atoi(argv[3]);
        struct seccomp_notif *req = NULL;
        struct seccomp_notif_resp *resp = NULL;
        if (seccomp_notify_alloc(&req, &resp) < 0)
                return 1;
        for (;;) {
                /* poll first: the receive ioctl itself does not return once the
                 * filter has no users on every kernel (6.1 blocks; POLLHUP says it) */
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (!(p.revents & POLLIN))
                        break; /* the container is gone */
                memset(req, 0, sizeof(*req));
                if (seccomp_notify_receive(fd, req) < 0)
                        break; /* the container is gone */
                memset(resp, 0, sizeof(*resp));
                resp->id = req->id;
                resp->error = -answer;
                seccomp_notify_respond(fd, resp);
        }
        seccomp_notify_free(req, resp);
        unlink(argv[1]);
        return 0;
}
