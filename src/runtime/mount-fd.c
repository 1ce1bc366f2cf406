/* SPDX-License-Identifier: Apache-2.0 */
#include "rootfs.h"
#include "base/cleanup.h"
#include "base/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

int berth_mount_bind_fd(int src_fd, int target_fd, bool recursive, berth_error *err)
{
        return berth_mount_bind_fd_attr(src_fd, target_fd, recursive, 0, err);
}

int berth_mount_bind_fd_attr(int src_fd, int target_fd, bool recursive, uint64_t attr,
                             berth_error *err)
{
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
        if (recursive)
                flags |= AT_RECURSIVE;
        _cleanup_close_ int tree = (int)syscall(SYS_open_tree, src_fd, "", flags);
        if (tree < 0)
                return berth_err(err, errno, "cannot clone the mount to bind");
        struct mount_attr a = {.attr_set = attr};
        if (attr && syscall(SYS_mount_setattr, tree, "",
                            AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) < 0)
                return berth_err(err, errno, "cannot set the bind mount's attributes");
        if (syscall(SYS_move_mount, tree, "", target_fd, "",
                    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return berth_err(err, errno, "cannot attach the bind mount");
        return 0;
}
