/* SPDX-License-Identifier: Apache-2.0 */
#include "rootfs.h"
#include "cgroup.h"
#include "runtime/runtime.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* Flags a remount in a user namespace must keep, or the kernel refuses it. */
static unsigned long locked_flags(const char *path)
{
        struct statvfs sv;
        if (statvfs(path, &sv) < 0)
                return 0;
        unsigned long f = 0;
        if (sv.f_flag & ST_NOSUID)
                f |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV)
                f |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC)
                f |= MS_NOEXEC;
        if (sv.f_flag & ST_RDONLY)
                f |= MS_RDONLY;
        if (sv.f_flag & ST_NOATIME)
                f |= MS_NOATIME;
        if (sv.f_flag & ST_NODIRATIME)
                f |= MS_NODIRATIME;
        if (sv.f_flag & ST_RELATIME)
                f |= MS_RELATIME;
        return f;
}

/* Re-resolve dest inside the root (it is a mount point now) and remount it. */
static int remount_in_root(int rootfd, const char *dest, unsigned long flags, bool userns,
                           berth_error *err)
{
        _cleanup_close_ int fd = berth_open_in_root(rootfd, dest, O_PATH, 0, err);
        if (fd < 0)
                return berth_wrap(err, "cannot remount '%s'", dest);
        char p[32];
        berth_fd_path(fd, p);
        if (userns)
                flags |= locked_flags(p) & ~MS_RDONLY;
        if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
                return berth_err(err, errno, "cannot remount '%s'", dest);
        return 0;
}

static int set_propagation_in_root(int rootfd, const oci_mount *m, berth_error *err)
{
        _cleanup_close_ int fd = berth_open_in_root(rootfd, m->destination, O_PATH, 0, err);
        if (fd < 0)
                return fd;
        char p[32];
        berth_fd_path(fd, p);
        unsigned long f = m->propagation | (m->recursive_propagation ? MS_REC : 0);
        if (mount(NULL, p, NULL, f, NULL) < 0)
                return berth_err(err, errno, "cannot set propagation of '%s'", m->destination);
        return 0;
}

/* Files of procfs a mount may cover: runc's list (checkProcMount, as of runc
 * 1.4; it dropped /proc/net/dev, which is /proc/self/net/dev, per process and
 * namespaced already). Anything else in /proc — /proc/sys/kernel with a fake
 * cap_last_cap, /proc/self/attr, a sysctl — is the kernel's word to the
 * runtime and to the container, and nobody may put their own over it. */
static const char *const proc_allowed[] = {
    "/proc/cpuinfo",
    "/proc/diskstats",
    "/proc/meminfo",
    "/proc/stat",
    "/proc/swaps",
    "/proc/uptime",
    "/proc/loadavg",
    "/proc/slabinfo",
    "/proc/sys/kernel/ns_last_pid",
    "/proc/sys/crypto/fips_enabled",
};

bool berth_rt_proc_mount_allowed(const char *dest)
{
        for (size_t i = 0; i < ARRAY_SIZE(proc_allowed); i++)
                if (strcmp(dest, proc_allowed[i]) == 0)
                        return true;
        return false;
}

/* Refuse a mount whose target, as resolved in the rootfs (symlinks and all),
 * is on procfs, unless it is a new procfs on /proc itself or one of the
 * allowed files. */
static int check_proc_destination(int target, const oci_mount *m, berth_error *err)
{
        struct statfs sf;
        if (fstatfs(target, &sf) < 0)
                return berth_err(err, errno, "cannot stat mount point '%s'", m->destination);
        if (sf.f_type != PROC_SUPER_MAGIC)
                return 0;
        _cleanup_free_ char *rel = berth_path_clean_rel(m->destination, NULL);
        _cleanup_free_ char *dest = berth_xasprintf("/%s", rel);
        if (m->type && strcmp(m->type, "proc") == 0 && strcmp(dest, "/proc") == 0)
                return 0;
        struct stat st;
        if (berth_rt_proc_mount_allowed(dest) && fstat(target, &st) == 0 && S_ISREG(st.st_mode))
                return 0;
        return berth_errx(err, EPERM, "'%s' cannot be mounted because it is inside /proc",
                          m->destination);
}

static int mount_one(int rootfd, const berth_rootfs_opts *o, const oci_mount *m, berth_error *err)
{
        int r;
        bool is_dir = true;
        if (m->bind) {
                struct stat st;
                if (m->source == NULL || stat(m->source, &st) < 0)
                        return berth_err(err, m->source ? errno : EINVAL, "bind mount source '%s'",
                                         m->source ? m->source : "");
                is_dir = S_ISDIR(st.st_mode);
        }
        _cleanup_close_ int target =
            berth_ensure_in_root(rootfd, m->destination, is_dir, 0755, err);
        if (target < 0)
                return berth_wrap(err, "cannot create mount point '%s'", m->destination);
        if ((r = check_proc_destination(target, m, err)) < 0)
                return r;
        char tp[32];
        berth_fd_path(target, tp);

        if (m->type && strcmp(m->type, "cgroup") == 0 && !m->bind)
                return berth_cgroup_mount(target, o->cgroup_path, o->cgroupns,
                                          m->flags & ~PROPAGATION_FLAGS, err);

        unsigned long extra = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | PROPAGATION_FLAGS);
        if (m->bind) {
                unsigned long f = MS_BIND | (m->rbind ? MS_REC : 0);
                if (mount(m->source, tp, NULL, f, NULL) < 0)
                        return berth_err(err, errno, "cannot bind mount '%s' on '%s'", m->source,
                                         m->destination);
                if (extra) {
                        r = remount_in_root(rootfd, m->destination, extra, o->userns, err);
                        if (r < 0)
                                return r;
                }
        } else {
                const char *src = m->source ? m->source : m->type;
                if (mount(src, tp, m->type, extra, m->data) < 0) {
                        int e = errno;
                        /* In a user namespace without its own network namespace the
                         * kernel refuses a new sysfs (and mqueue without an ipc ns):
                         * bind the host's instead, as runc does. */
                        const char *fallback = NULL;
                        if (e == EPERM && m->type && strcmp(m->type, "sysfs") == 0)
                                fallback = "/sys";
                        else if (e == EPERM && m->type && strcmp(m->type, "mqueue") == 0)
                                fallback = "/dev/mqueue";
                        if (fallback == NULL ||
                            mount(fallback, tp, NULL, MS_BIND | MS_REC, NULL) < 0)
                                return berth_err(err, e, "cannot mount %s on '%s'",
                                                 m->type ? m->type : "(none)", m->destination);
                        r = remount_in_root(rootfd, m->destination, extra, true, err);
                        if (r < 0)
                                return r;
                }
        }
        if (m->propagation)
                return set_propagation_in_root(rootfd, m, err);
        return 0;
}

struct default_dev {
        const char *path;
        unsigned maj, min;
};
static const struct default_dev default_devices[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

/* The node just made (or bound) at dfd/base, checked by fd: the type and
 * device numbers we asked for, not whatever a writer of that directory (a
 * volume shared with another container) put there in between. */
static int open_made_node(int dfd, const char *base, const char *path, mode_t kind, dev_t dev,
                          berth_error *err)
{
        _cleanup_close_ int fd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open device '%s'", path);
        int is = berth_fd_is_node(fd, kind, dev);
        if (is < 0)
                return berth_err(err, -is, "cannot stat device '%s'", path);
        if (!is)
                return berth_errx(err, EPERM, "device '%s' was replaced while it was made", path);
        return TAKE_FD(fd);
}

static int make_device(int rootfd, const char *path, char type, unsigned maj, unsigned min,
                       mode_t perm, uid_t uid, gid_t gid, bool userns, berth_error *err)
{
        _cleanup_free_ char *dir = berth_xstrdup(path);
        char *slash = strrchr(dir, '/');
        const char *base = path + (slash - dir) + 1;
        *slash = '\0';
        _cleanup_close_ int dpath = berth_mkdir_p_in_root(rootfd, dir, 0755, err);
        if (dpath < 0)
                return berth_wrap(err, "cannot create device '%s'", path);
        _cleanup_close_ int dfd = openat(dpath, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_err(err, errno, "cannot open the directory of '%s'", path);
        mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
        dev_t dev = makedev(maj, min);
        unlinkat(dfd, base, 0);
        if (!userns) {
                /* the exact mode at birth (no umask), so no chmod by name follows */
                mode_t old = umask(0);
                int r = mknodat(dfd, base, kind | perm, dev);
                int e = errno;
                umask(old);
                if (r == 0) {
                        _cleanup_close_ int fd = open_made_node(dfd, base, path, kind, dev, err);
                        if (fd < 0)
                                return fd;
                        if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
                                return berth_err(err, errno, "cannot chown device '%s'", path);
                        return 0;
                }
                if (e != EPERM)
                        return berth_err(err, e, "cannot create device '%s'", path);
        }
        /* No mknod here (user namespace): bind the host's node, checked, onto
         * the file we create (its fd, not its name, is the target). */
        _cleanup_close_ int host = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        int is = host < 0 ? -errno : berth_fd_is_node(host, kind, dev);
        if (is < 0)
                return berth_err(err, -is, "cannot open the host's '%s'", path);
        if (!is)
                return berth_errx(err, EPERM, "the host's '%s' is not device %u:%u", path, maj,
                                  min);
        _cleanup_close_ int t =
            openat(dfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (t < 0)
                return berth_err(err, errno, "cannot create '%s'", path);
        if (berth_mount_bind_fd(host, t, false, err) < 0)
                return berth_wrap(err, "cannot bind the host's '%s'", path);
        return 0;
}

static int setup_dev(int rootfd, const berth_rootfs_opts *o, berth_error *err)
{
        const oci_linux *l = o->spec->linux;
        int r;
        for (size_t i = 0; l && i < l->n_devices; i++) {
                const oci_device *d = &l->devices[i];
                mode_t perm = d->file_mode.set ? (mode_t)(d->file_mode.v & 07777) : 0666;
                r = make_device(rootfd, d->path, d->type == 'u' ? 'c' : d->type, (unsigned)d->major,
                                (unsigned)d->minor, perm, d->uid.set ? (uid_t)d->uid.v : 0,
                                d->gid.set ? (gid_t)d->gid.v : 0, o->userns, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
                bool given = false;
                for (size_t j = 0; l && j < l->n_devices; j++)
                        given |= strcmp(l->devices[j].path, default_devices[i].path) == 0;
                if (given)
                        continue;
                r = make_device(rootfd, default_devices[i].path, 'c', default_devices[i].maj,
                                default_devices[i].min, 0666, 0, 0, o->userns, err);
                if (r < 0)
                        return r;
        }
        static const char *const links[][2] = {
            {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
            {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
            {"pts/ptmx", "ptmx"},
        };
        _cleanup_close_ int dpath = berth_mkdir_p_in_root(rootfd, "/dev", 0755, err);
        if (dpath < 0)
                return dpath;
        _cleanup_close_ int dfd = openat(dpath, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_err(err, errno, "cannot open /dev in the container");
        for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
                if (strcmp(links[i][1], "ptmx") == 0)
                        unlinkat(dfd, "ptmx", 0);
                if (symlinkat(links[i][0], dfd, links[i][1]) < 0 && errno != EEXIST)
                        return berth_err(err, errno, "cannot create /dev/%s", links[i][1]);
        }
        if (o->terminal) {
                int fd = openat(dfd, "console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        return berth_err(err, errno, "cannot create /dev/console");
                close(fd);
        }
        return 0;
}

/* The propagation of the mount holding the rootfs, as runc and crun make it:
 * never shared, or pivot_root refuses (the kernel wants new_root's parent
 * mount unshared) and the bind of the rootfs on itself would show on the host.
 * Slave when the root is to be a slave, private otherwise. Only that one
 * mount changes (no MS_REC), so the rootfs's own submounts and the other
 * mounts keep what / was given. */
static int rootfs_parent_unshare(const char *rootfs, unsigned long rootprop, berth_error *err)
{
        unsigned long f = (rootprop & MS_SLAVE) ? MS_SLAVE : MS_PRIVATE;
        _cleanup_free_ char *p = berth_xstrdup(rootfs);
        for (;;) {
                if (mount(NULL, p, NULL, f, NULL) == 0)
                        return 0;
                /* EINVAL: not a mount point; the mount holding it is further up */
                char *slash = strrchr(p, '/');
                if (errno != EINVAL || slash == NULL || strcmp(p, "/") == 0)
                        return berth_err(err, errno, "cannot make the mount of the rootfs %s",
                                         f == MS_SLAVE ? "slave" : "private");
                if (slash == p)
                        slash[1] = '\0';
                else
                        *slash = '\0';
        }
}

int berth_rootfs_prepare(const berth_rootfs_opts *o, berth_error *err)
{
        const oci_linux *l = o->spec->linux;
        /* The copy of the host's mounts: rslave unless rootfsPropagation says
         * otherwise. A shared bind reaches back to the host only if its
         * source is still a peer of the host's mount here, so "rshared" and
         * "shared" (which containerd, CRI-O and docker set for a
         * Bidirectional or rshared bind) are applied as they are, as runc
         * does: "shared" to / alone, the rest left as the host has it. A
         * private or slave root is made so recursively, whatever the spec
         * says: the same root alone would leave the rest of the copy in the
         * host's peer groups, where no one asking for it to be private wants
         * it. */
        unsigned long rootprop = MS_SLAVE | MS_REC;
        if (l && (l->rootfs_propagation & PROPAGATION_FLAGS)) {
                rootprop = l->rootfs_propagation;
                if (rootprop & (MS_PRIVATE | MS_SLAVE))
                        rootprop |= MS_REC;
        }
        if (mount(NULL, "/", NULL, rootprop, NULL) < 0)
                return berth_err(err, errno, "cannot set the propagation of /");
        int r = rootfs_parent_unshare(o->rootfs, rootprop, err);
        if (r < 0)
                return r;
        if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return berth_err(err, errno, "cannot bind mount the rootfs '%s'", o->rootfs);
        _cleanup_close_ int rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berth_err(err, errno, "cannot open the rootfs '%s'", o->rootfs);
        for (size_t i = 0; i < o->spec->n_mounts; i++) {
                r = mount_one(rootfd, o, &o->spec->mounts[i], err);
                if (r < 0)
                        return berth_wrap(err, "mounts[%zu]", i);
        }
        r = setup_dev(rootfd, o, err);
        if (r < 0)
                return r;
        if (o->spec->process && o->spec->process->cwd) {
                _cleanup_close_ int cwd =
                    berth_mkdir_p_in_root(rootfd, o->spec->process->cwd, 0755, err);
                if (cwd < 0)
                        return berth_wrap(err, "cannot create the working directory '%s'",
                                          o->spec->process->cwd);
        }
        return 0;
}

int berth_rootfs_pivot(const char *rootfs, bool no_pivot, berth_error *err)
{
        if (chdir(rootfs) < 0)
                return berth_err(err, errno, "cannot chdir to '%s'", rootfs);
        if (no_pivot) {
                if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
                        return berth_err(err, errno, "cannot move the rootfs to /");
                if (chroot(".") < 0)
                        return berth_err(err, errno, "cannot chroot into the rootfs");
        } else {
                _cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (oldroot < 0)
                        return berth_err(err, errno, "cannot open the old root");
                if (syscall(SYS_pivot_root, ".", ".") < 0)
                        return berth_err(err, errno, "cannot pivot_root into '%s'", rootfs);
                /* The old root is stacked on the new one, but "." is still the
                 * new root: a propagation change there would make every mount
                 * of the container a slave, rshared binds too, and nothing
                 * mounted inside them would reach the host again. Stand in the
                 * old root itself; make it a slave so that detaching it does
                 * not unmount anything on the host, and detach it. */
                if (fchdir(oldroot) < 0)
                        return berth_err(err, errno, "cannot chdir to the old root");
                if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                        return berth_err(err, errno, "cannot make the old root slave");
                if (umount2(".", MNT_DETACH) < 0)
                        return berth_err(err, errno, "cannot detach the old root");
        }
        if (chdir("/") < 0)
                return berth_err(err, errno, "cannot chdir to /");
        return 0;
}

/* The container's /dev/null, checked: a character device 1:3 and not a link
 * to one (O_NOFOLLOW), so that a /dev the container can write (a volume shared
 * with another container) cannot hand us something else to bind over the
 * masked paths (CVE-2025-31133). We bind this fd, never the path again. */
static int open_dev_null(int rootfd, berth_error *err)
{
        _cleanup_close_ int fd =
            berth_open_in_root(rootfd, "/dev/null", O_PATH | O_NOFOLLOW, 0, err);
        if (fd < 0)
                return berth_wrap(err, "cannot mask paths");
        int is = berth_fd_is_node(fd, S_IFCHR, makedev(1, 3));
        if (is < 0)
                return berth_err(err, -is, "cannot stat /dev/null in the container");
        if (!is)
                return berth_errx(err, EPERM,
                                  "cannot mask paths: /dev/null in the container is not the null "
                                  "device");
        return TAKE_FD(fd);
}

static int mask_path(int rootfd, int devnull, const char *path, berth_error *err)
{
        _cleanup_close_ int fd = berth_open_in_root(rootfd, path, O_PATH, 0, NULL);
        if (fd < 0)
                return 0; /* nothing to mask */
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_err(err, errno, "cannot stat masked path '%s'", path);
        if (S_ISDIR(st.st_mode)) {
                char p[32];
                if (mount("tmpfs", berth_fd_path(fd, p), "tmpfs", MS_RDONLY, "size=0k") < 0)
                        return berth_err(err, errno, "cannot mask '%s'", path);
                return 0;
        }
        if (berth_mount_bind_fd(devnull, fd, false, err) < 0)
                return berth_wrap(err, "cannot mask '%s'", path);
        return 0;
}

static int readonly_path(int rootfd, const char *path, berth_error *err)
{
        _cleanup_close_ int fd = berth_open_in_root(rootfd, path, O_PATH, 0, NULL);
        if (fd < 0)
                return 0;
        if (berth_mount_bind_fd(fd, fd, true, err) < 0)
                return berth_wrap(err, "cannot bind read-only path '%s'", path);
        return remount_in_root(rootfd, path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true,
                               err);
}

int berth_rootfs_protect(const char *rootfs, const oci_spec *s, berth_error *err)
{
        const oci_linux *l = s->linux;
        if (l == NULL || (l->masked_paths == NULL && l->readonly_paths == NULL))
                return 0;
        _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berth_err(err, errno, "cannot open the rootfs '%s'", rootfs);
        _cleanup_close_ int devnull = -1;
        int r;
        STRV_FOREACH (p, l->masked_paths) {
                if (devnull < 0 && (devnull = open_dev_null(rootfd, err)) < 0)
                        return devnull;
                if ((r = mask_path(rootfd, devnull, *p, err)) < 0)
                        return r;
        }
        STRV_FOREACH (p, l->readonly_paths) {
                if ((r = readonly_path(rootfd, *p, err)) < 0)
                        return r;
        }
        return 0;
}

int berth_rootfs_finalize(const oci_spec *s, berth_error *err)
{
        const oci_linux *l = s->linux;
        if (s->root_readonly) {
                unsigned long f = MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags("/");
                if (mount(NULL, "/", NULL, f, NULL) < 0)
                        return berth_err(err, errno, "cannot make the root read-only");
        }
        /* Shared or unbindable now that / is the rootfs; a private or slave
         * root was made before the mounts, and making it again here,
         * recursively, would undo the propagation that binds asked for. */
        if (l && (l->rootfs_propagation & (MS_SHARED | MS_UNBINDABLE))) {
                if (mount(NULL, "/", NULL, l->rootfs_propagation, NULL) < 0)
                        return berth_err(err, errno, "cannot set the rootfs propagation");
        }
        return 0;
}
