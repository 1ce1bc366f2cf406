/* SPDX-License-Identifier: Apache-2.0 */
#include "procfs.h"
#include "base/cleanup.h"
#include "base/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROC_ROOT_INO 1

static bool on_procfs(int fd)
{
        struct statfs sf;
        return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

int berth_procfs_open(berth_error *err)
{
        _cleanup_close_ int fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open /proc");
        struct stat st;
        if (!on_procfs(fd) || fstat(fd, &st) < 0 || st.st_ino != PROC_ROOT_INO)
                return berth_errx(err, EPERM, "/proc is not the root of a procfs");
        return TAKE_FD(fd);
}

int berth_procfs_write(int procfd, const char *rel, const char *value, size_t len, berth_error *err)
{
        struct open_how how = {
            .flags = O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
            .resolve =
                RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        int fd;
        do
                fd = (int)syscall(SYS_openat2, procfd, rel, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN);
        if (fd < 0)
                return berth_err(err, errno, "cannot open /proc/%s", rel);
        _cleanup_close_ int f = fd;
        if (!on_procfs(f))
                return berth_errx(err, EPERM, "/proc/%s is not a procfs file", rel);
        ssize_t n = write(f, value, len);
        if (n < 0)
                return berth_err(err, errno, "cannot write /proc/%s", rel);
        if ((size_t)n != len)
                return berth_errx(err, EIO, "short write to /proc/%s", rel);
        return 0;
}

int berth_procfs_write_pid(pid_t pid, const char *file, const char *value, size_t len,
                           berth_error *err)
{
        _cleanup_close_ int proc = berth_procfs_open(err);
        if (proc < 0)
                return proc;
        char rel[64];
        snprintf(rel, sizeof(rel), "%d/%s", (int)pid, file);
        return berth_procfs_write(proc, rel, value, len, err);
}
