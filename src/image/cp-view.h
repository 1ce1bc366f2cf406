/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * The file-system side of `cp` (and of build contexts and outputs): a view of a
 * root with mounts on it that paths resolve in (openat2 RESOLVE_IN_ROOT), docker's
 * path rules, and the tar writer and reader that keep every name and link inside.
 * No container record is needed: the engine's cp (engine/cp.h) gives it a
 * container's rootfs and mounts; the builder can give it any root.
 */
#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- the host side of `cp`: the same tar writer and reader, for the user's own files ---- */

/**
 * Write a tar of dirfd/entry (entry "." is dirfd itself; a symlink is
 * archived as a link) to out_fd, its entries named tarname and tarname/….
 */
int berth_cp_archive(int dirfd, const char *entry, const char *tarname, int out_fd,
                     berth_error *err);

typedef enum {
        BERTH_CP_OWNER_NONE, /* leave files to whoever made them (docker's NoLchown) */
        BERTH_CP_OWNER_TAR,  /* the tar's uid/gid */
        BERTH_CP_OWNER_FIXED /* uid/gid below for every file */
} berth_cp_owner;

typedef struct {
        berth_cp_owner owner;
        uid_t uid;
        gid_t gid;
} berth_cp_extract_opts;

/**
 * Extract the tar read from tar_fd into dest_dirfd (a directory), every
 * name and link confined to it (openat2 RESOLVE_IN_ROOT). As docker's copy
 * does: an existing directory is never replaced by a non-directory nor the
 * other way round; a relative symlink or hard link that climbs out of the
 * destination is refused ("invalid symlink …"). *ret_bytes (nullable) gets
 * the bytes of file data written.
 */
int berth_cp_extract(int tar_fd, int dest_dirfd, const berth_cp_extract_opts *o,
                     uint64_t *ret_bytes, berth_error *err);

/* ---- path rules of docker's cp (pure string functions; results malloc'd) ---- */

/**
 * path as an absolute, cleaned container path that keeps a trailing "/" or
 * "/." of the original: "a//b/../c/" → "/a/c/", "x/." → "/x/.", "" → "/".
 */
char *berth_cp_clean(const char *path);
/** Whether path says "directory": it ends in "/" or its last component is ".". */
bool berth_cp_asserts_dir(const char *path);
/**
 * docker's SplitPathDirEntry: the cleaned path's parent and last component,
 * a trailing "." kept: "/a/b/" → "/a", "b"; "/a/b/." → "/a/b", "."; "/" → "/", "/".
 */
void berth_cp_split(const char *path, char **ret_dir, char **ret_base);
/**
 * Lexically clean a relative or absolute path into components joined by
 * '/', without leading '/'; ".." never climbs above the start ("" is the
 * start). *ret_escaped (nullable) tells whether it tried to.
 */

/* ---- a root and its mounts, as cp sees them ---- */

/**
 * A container's file system as `cp` sees it: the rootfs and the mounts on
 * it, each a directory fd to resolve under (RESOLVE_IN_ROOT), found by the
 * longest Destination that holds a path. Paths here are canonical
 * container paths: absolute, no ".", "..", "//" nor symlink in any
 * component but maybe the last (berth_cp_canon() makes them).
 */
typedef struct {
        char *dest; /* canonical */
        int fd; /* a directory mount: its source dir (O_PATH); a file mount: the source's parent */
        char *file; /* a file mount: the source's base name; NULL for a directory */
        bool rw;
} berth_cp_mount;

typedef struct {
        int rootfd; /* O_PATH|O_DIRECTORY */
        bool ro_rootfs;
        berth_cp_mount *m;
        size_t n;
} berth_cp_view;

/** Where a canonical path is: rel ("" = base itself) under base (borrowed), in mount (NULL =
 * rootfs). */
typedef struct {
        int base;
        const char *rel; /* points into the path given to berth_cp_view_map() */
        const berth_cp_mount *mount;
} berth_cp_loc;

void berth_cp_view_init(berth_cp_view *v, int rootfd);
/** Add a mount (takes fd and file); dest is canonicalised with the mounts added so far. */
int berth_cp_view_add(berth_cp_view *v, const char *dest, int fd, char *file, bool rw,
                      berth_error *err);
void berth_cp_view_done(berth_cp_view *v);

void berth_cp_view_map(const berth_cp_view *v, const char *cpath, berth_cp_loc *ret);
/** The mount whose Destination is exactly cpath, or NULL. */
const berth_cp_mount *berth_cp_view_mount_at(const berth_cp_view *v, const char *cpath);
/** Whether a mount lies strictly below cpath. */
bool berth_cp_view_has_mount_below(const berth_cp_view *v, const char *cpath);
/** An O_PATH|O_NOFOLLOW fd of the canonical cpath; <0 (-errno) with *err. */
int berth_cp_view_open(const berth_cp_view *v, const char *cpath, berth_error *err);
/**
 * Resolve the container path (absolute or not) to a canonical one, each
 * symlink followed inside the view (the last only with follow_last);
 * missing components are kept as they are. -ELOOP after 40 links.
 */
int berth_cp_canon(const berth_cp_view *v, const char *path, bool follow_last, char **ret,
                   berth_error *err);
/** "/a" + "b" → "/a/b", "/" + "b" → "/b" (malloc'd). */
char *berth_cp_join(const char *dir, const char *name);

/** Tar the object fd (O_PATH, not followed) at canonical cpath (NULL: no view), named tarname
 * ("" : the root itself is not written, its children are named relative). */
int berth_cp_tar_write(const berth_cp_view *v, int fd, const char *cpath, const char *tarname,
                       int out_fd, berth_error *err);
/** Extract into canonical directory dest of the view; check_ro: refuse read-only mounts. */
int berth_cp_tar_extract(const berth_cp_view *v, const char *dest, int tar_fd,
                         const berth_cp_extract_opts *o, bool check_ro, uint64_t *ret_bytes,
                         berth_error *err);
