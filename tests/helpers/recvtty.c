/* SPDX-License-Identifier: Apache-2.0 */
/*
 * recvtty SOCKET [INPUT]: a console-socket receiver for tests, like runc's.
 * Listens on SOCKET, takes one PTY master sent with SCM_RIGHTS, writes
 * INPUT (if given) to it, and copies everything the container prints to
 * stdout until the PTY closes. Exits 0 after the PTY hangs up.
 */
#include "listen-one.h"
#include "runtime/sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: recvtty SOCKET [INPUT]\n");
                return 2;
        }
        int c = listen_accept_one("recvtty", argv[1]);
        if (c < 0)
                return 1;
        char name[256];
        int master = berth_recv_fd(c, name, sizeof(name));
        if (master < 0) {
                fprintf(stderr, "recvtty: no fd received: %s\n", strerror(-master));
                return 1;
        }
        fprintf(stderr, "recvtty: got %s\n", name);
        if (argc > 2 && write(master, argv[2], strlen(argv[2])) < 0)
                perror("recvtty: write");
        char buf[4096];
        for (;;) {
                ssize_t n = read(master, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break; /* EIO once the last slave fd is closed */
                if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
                        break;
        }
        unlink(argv[1]);
        return 0;
}
