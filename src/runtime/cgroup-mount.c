/* SPDX-License-Identifier: Apache-2.0 */
/* berth_cgroup_mount(): the container's view of /sys/fs/cgroup. */
#include "runtime/cgroup-internal.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define MOUNT_FLAGS_MASK (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME)

static unsigned int mount_attrs(unsigned long flags)
{
        unsigned int attr = 0;
        if (flags & MS_RDONLY)
                attr |= MOUNT_ATTR_RDONLY;
        if (flags & MS_NOSUID)
                attr |= MOUNT_ATTR_NOSUID;
        if (flags & MS_NODEV)
                attr |= MOUNT_ATTR_NODEV;
        if (flags & MS_NOEXEC)
                attr |= MOUNT_ATTR_NOEXEC;
        return attr;
}

/* Bind a detached clone of src, with flags applied, onto the directory fd. */
static int bind_at(const char *src, int fd, unsigned long flags, berth_error *err)
{
        _cleanup_close_ int t =
            open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (t < 0)
                return berth_err(err, errno, "cannot clone '%s'", src);
        struct mount_attr a = {.attr_set = mount_attrs(flags)};
        if (a.attr_set && mount_setattr(t, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
                return berth_err(err, errno, "cannot set flags 0x%lx on the bind of '%s'", flags,
                                 src);
        if (move_mount(t, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return berth_err(err, errno, "cannot bind '%s'", src);
        return 0;
}

static int mount_unified(berth_cgroup *cg, int target_fd, bool cgroupns, unsigned long flags,
                         berth_error *err)
{
        if (!cgroupns)
                return bind_at(cg->h[0].dir, target_fd, flags, err);
        char p[32];
        berth_fd_path(target_fd, p);
        if (mount("cgroup2", p, "cgroup2", flags & MOUNT_FLAGS_MASK, NULL) < 0)
                return berth_err(err, errno, "cannot mount cgroup2");
        return 0;
}

/* A fresh tmpfs, mounted over target_fd; returns an fd of its root (attached). */
static int mount_tmpfs(int target_fd, unsigned long flags, berth_error *err)
{
        _cleanup_close_ int fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return berth_err(err, errno, "cannot open a tmpfs context");
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", "755", 0) < 0 ||
            fsconfig(fsfd, FSCONFIG_SET_STRING, "size", "64k", 0) < 0 ||
            fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return berth_err(err, errno, "cannot create a tmpfs");
        /* Read-only comes last, once the directories are made. */
        _cleanup_close_ int mfd =
            fsmount(fsfd, FSMOUNT_CLOEXEC, mount_attrs(flags & ~(unsigned long)MS_RDONLY));
        if (mfd < 0)
                return berth_err(err, errno, "cannot make a tmpfs mount");
        if (move_mount(mfd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
            0)
                return berth_err(err, errno, "cannot move the tmpfs onto the target");
        return TAKE_FD(mfd);
}

/* mkdir name in the tmpfs root and return an O_PATH fd of it. */
static int subdir(int rootfd, const char *name, berth_error *err)
{
        if (mkdirat(rootfd, name, 0755) < 0 && errno != EEXIST)
                return berth_err(err, errno, "cannot create '%s'", name);
        int fd = openat(rootfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s'", name);
        return fd;
}

static int mount_hier(struct cg_hier *h, int rootfd, bool cgroupns, unsigned long flags,
                      berth_error *err)
{
        _cleanup_close_ int fd = subdir(rootfd, h->name, err);
        if (fd < 0)
                return fd;
        if (!cgroupns)
                return bind_at(h->dir, fd, flags, err);
        char p[32];
        berth_fd_path(fd, p);
        if (h->v2) {
                if (mount("cgroup2", p, "cgroup2", flags & MOUNT_FLAGS_MASK, NULL) < 0)
                        return berth_err(err, errno, "cannot mount cgroup2 on '%s'", h->name);
        } else if (mount("cgroup", p, "cgroup", flags & MOUNT_FLAGS_MASK, h->opts) < 0) {
                return berth_err(err, errno, "cannot mount cgroup '%s' on '%s'", h->opts, h->name);
        }
        return 0;
}

/* "cpu,cpuacct" → symlinks cpu and cpuacct pointing at it. */
static int link_comounted(struct cg_hier *h, int rootfd, berth_error *err)
{
        if (!strchr(h->name, ','))
                return 0;
        _cleanup_free_ char *copy = berth_xstrdup(h->name);
        char *save = NULL;
        for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
                if (symlinkat(h->name, rootfd, c) < 0 && errno != EEXIST)
                        return berth_err(err, errno, "cannot create symlink '%s'", c);
        }
        return 0;
}

int berth_cgroup_mount(int target_fd, const char *path, bool cgroupns, unsigned long flags,
                       berth_error *err)
{
        berth_cgroup *cg = NULL;
        _cleanup_close_ int rootfd = -1;
        int r = cg_new(path, &cg, err);
        if (r < 0)
                return berth_wrap(err, "cannot mount cgroups");
        if (cg->mode == BERTH_CGROUP_UNIFIED) {
                r = mount_unified(cg, target_fd, cgroupns, flags, err);
                goto out;
        }
        rootfd = mount_tmpfs(target_fd, flags, err);
        if (rootfd < 0) {
                r = rootfd;
                goto out;
        }
        for (size_t i = 0; i < cg->n && r >= 0; i++) {
                r = mount_hier(&cg->h[i], rootfd, cgroupns, flags, err);
                if (r >= 0)
                        r = link_comounted(&cg->h[i], rootfd, err);
        }
        if (r >= 0 && (flags & MS_RDONLY) &&
            mount_setattr(rootfd, "", AT_EMPTY_PATH,
                          &(struct mount_attr){.attr_set = MOUNT_ATTR_RDONLY},
                          sizeof(struct mount_attr)) < 0)
                r = berth_err(err, errno, "cannot make the cgroup tmpfs read-only");
out:
        berth_cgroup_free(cg);
        if (r < 0)
                return berth_wrap(err, "cannot mount cgroups for '%s'", path);
        return 0;
}
