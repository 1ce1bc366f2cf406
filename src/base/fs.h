/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
#include <dirent.h>

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * File and fd helpers. Every fd is opened O_CLOEXEC.
 *
 * Paths inside an untrusted tree (a container rootfs, a layer) are resolved
 * with berth_open_in_root(): openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS),
 * so ".." and symlinks, absolute or relative, cannot leave the root.
 */

/** Write len bytes to path (O_WRONLY|O_TRUNC|extra_flags, created 0644 if O_CREAT). */
int berth_write_file(const char *path, const void *data, size_t len, int extra_flags,
                     berth_error *err);
/** Write a NUL-terminated string to dirfd/name (no O_CREAT, no O_TRUNC: for cgroupfs, procfs). */
int berth_write_str_at(int dirfd, const char *name, const char *s, berth_error *err);
/** Write to a temp file next to path, fsync, rename over path, fsync the dir. */
int berth_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                            berth_error *err);
/**
 * Like berth_write_file_atomic() but without the fsyncs: readers see the old
 * or the new content whole, but a power loss may lose the update. For state
 * that does not outlive a reboot (runtime state on tmpfs, pid files).
 */
int berth_write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
                             berth_error *err);
/** berth_write_file_replace() unless path holds exactly data already (a read instead of a new
 * file, a rename and the old one's removal); only a regular file of len bytes is read. */
int berth_write_file_update(const char *path, const void *data, size_t len, mode_t mode,
                            berth_error *err);

/** Read a whole file; *ret is NUL-terminated and owned by the caller. */
int berth_read_file(const char *path, char **ret, size_t *ret_len, berth_error *err);
int berth_read_file_at(int dirfd, const char *name, char **ret, size_t *ret_len, berth_error *err);

/**
 * Read path inside rootfd (berth_open_in_root(): symlinks and ".." stay in
 * the root) whole, for files of an untrusted tree such as a container's
 * /etc/passwd. It must be a regular file (not a FIFO, socket or device:
 * -EINVAL "'PATH' is not a regular file"), which is checked on an O_PATH fd
 * before that inode is opened for reading (O_NONBLOCK|O_NOCTTY): a FIFO is
 * never waited on, a device never opened, a name swapped meanwhile never
 * followed. At most max bytes are read (-EFBIG "'PATH' is larger than MAX
 * bytes"; the size is what is read, not what fstat said). A missing file is
 * -ENOENT. *ret is NUL-terminated, owned by the caller; ret_len nullable.
 */
int berth_read_file_in_root(int rootfd, const char *path, size_t max, char **ret, size_t *ret_len,
                            berth_error *err);

/** mkdir -p; existing directories are fine. */
int berth_mkdir_p(const char *path, mode_t mode, berth_error *err);
/** rm -rf on a host path without crossing mount points. Missing is fine. */
int berth_rm_rf(const char *path, berth_error *err);
/**
 * The names in directory dirfd but "." and "..", sorted bytewise (what a
 * reproducible walk needs): a NULL-terminated strv, or NULL with errno set.
 */
char **berth_dir_names_sorted(int dirfd);
/**
 * rm -rf of atfd/name: never follows a symlink, never crosses a mount point
 * (-EBUSY), and checks that each directory opened is the one inspected.
 * Missing is fine. Returns 0 or -errno.
 */
int berth_rm_rf_at(int atfd, const char *name);

/** openat2(dirfd, path ("" is "."), flags|O_CLOEXEC, resolve), retried on EAGAIN: an fd, or -1
 * with errno set (as openat). No mode: not for O_CREAT. */
int berth_openat2(int dirfd, const char *path, int flags, uint64_t resolve);
/** openat2(rootfd, path, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS). Returns fd or <0. */
int berth_open_in_root(int rootfd, const char *path, int flags, mode_t mode, berth_error *err);
/**
 * Create every missing directory of path inside rootfd (mode for new ones)
 * and return an O_PATH|O_DIRECTORY fd of the last one. Never leaves the root.
 */
int berth_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, berth_error *err);
/** berth_mkdir_p_in_root(), each directory it makes then owned by uid:gid with exactly mode
 * (whatever the umask): COPY's missing parents. */
int berth_mkdir_p_in_root_owned(int rootfd, const char *path, mode_t mode, uid_t uid, gid_t gid,
                                berth_error *err);
/**
 * Make sure path exists inside rootfd, as a directory (dir=true) or an empty
 * regular file, creating parents; return an O_PATH fd to it.
 */
int berth_ensure_in_root(int rootfd, const char *path, bool dir, mode_t mode, berth_error *err);

/**
 * Whether fd (an O_PATH|O_NOFOLLOW one, typically) is a node of type kind
 * (S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK) and, for a device, number rdev: 1
 * yes, 0 no, -errno when fstat fails. The check made before a node that was
 * just made, or named in a tree someone else can write, is trusted.
 */
int berth_fd_is_node(int fd, mode_t kind, dev_t rdev);

/** "/proc/self/fd/N" into buf. */
const char *berth_fd_path(int fd, char buf[static 32]);

/** Close every fd >= from except those in keep[0..nkeep). */
int berth_close_fds_from(int from, const int *keep, size_t nkeep);
/** In a child about to exec (a vfork's too): fds 0..n-1 (n <= 8) become want[i] — -1: /dev/null
 *  for 0-2, closed above — and every fd past them is closed. 0, or -errno. */
int berth_fds_arrange(const int *want, int n);

/** Blocking I/O loops that retry EINTR and short transfers. */
ssize_t berth_read_all(int fd, void *buf, size_t len);
/**
 * A path made relative and lexically clean: no leading '/', no "." or empty
 * components, ".." applied; ".." above the top is dropped and reported in
 * *ret_escaped (nullable). Caller frees. (For tar member names and paths in
 * a container, resolved inside a root afterwards.)
 */
char *berth_path_clean_rel(const char *path, bool *ret_escaped);
/**
 * Go's path.Clean (filepath.Clean on Unix) of p[0..n): "." for nothing, no
 * empty or "." components, ".." applied (kept where a relative path cannot
 * back up), no trailing '/'. For what Docker cleans that way: mount
 * destinations, .dockerignore patterns. Caller frees.
 */
char *berth_path_clean_go(const char *p, size_t n);
/** Start time of a live, non-zombie pid (clock ticks since boot, /proc/<pid>/stat field 22);
 * 0 when it is gone. Together with the pid it names one process, whatever pid reuse does. */
unsigned long long berth_pid_start_time(pid_t pid);
/** Whether pid is alive and, unless start is 0, started at start. */
bool berth_pid_alive(pid_t pid, unsigned long long start);
/** Bytes in the regular files at or under name (relative to atfd, or absolute), not
 * following symlinks: what docker reports as a size on disk or as bytes copied. */
int64_t berth_usage_at(int atfd, const char *name);
ssize_t berth_write_all(int fd, const void *buf, size_t len);
/** Whether fd leads nowhere on the host that a process holding it could act on through
 *  /proc/self/fd/N: a pipe, a socket or a null device (1:3). A terminal, a regular file or
 *  another device does (chmod, chown, reopen); such stdio goes to a container through a pipe. */
bool berth_fd_private(int fd);
/** Copy what a non-blocking fd has now to `to` (written whole): 1 when more may come later
 *  (it would block), 0 at its end, -1 on an error of either side. */
int berth_fd_relay(int from, int to);

/**
 * A helper program's path: $env if set, else the first executable one of: next to
 * the running binary; ../<name>/<name> from it (the build tree); its installed
 * sibling relative to it (bin/ → libexec/berth/ and back, so an unpacked package
 * works where it lies); the configured libexec and bin dirs (meson's prefix).
 * Else next to the running binary, where the error will name it. Caller frees.
 */
char *berth_program_path(const char *name, const char *env);

/** A DIR stream of its own on the directory dfd is open on (dfd stays open, its offset
 * untouched); NULL with errno set. */
DIR *berth_dir_reopen(int dfd);
