/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Test helpers' shared start: listen on a unix socket path, accept one client. */
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/** The accepted connection, or -1 after printing "<who>: …" to stderr. */
static inline int listen_accept_one(const char *who, const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        unlink(path);
        if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0) {
                fprintf(stderr, "%s: cannot listen on '%s'\n", who, path);
                return -1;
        }
        int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
                fprintf(stderr, "%s: cannot accept on '%s'\n", who, path);
        close(ls);
        return c;
}
