/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "engine/cp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * A container's file system as `cp` sees it: the rootfs and the mounts on
 * it, each a directory fd to resolve under (RESOLVE_IN_ROOT), found by the
 * longest Destination that holds a path. Paths here are canonical
 * container paths: absolute, no ".", "..", "//" nor symlink in any
 * component but maybe the last (cp_canon() makes them).
 */
typedef struct {
        char *dest; /* canonical */
        int fd; /* a directory mount: its source dir (O_PATH); a file mount: the source's parent */
        char *file; /* a file mount: the source's base name; NULL for a directory */
        bool rw;
} cp_mount;

typedef struct {
        int rootfd; /* O_PATH|O_DIRECTORY */
        bool ro_rootfs;
        cp_mount *m;
        size_t n;
} cp_view;

/** Where a canonical path is: rel ("" = base itself) under base (borrowed), in mount (NULL =
 * rootfs). */
typedef struct {
        int base;
        const char *rel; /* points into the path given to cp_view_map() */
        const cp_mount *mount;
} cp_loc;

void cp_view_init(cp_view *v, int rootfd);
/** Add a mount (takes fd and file); dest is canonicalised with the mounts added so far. */
int cp_view_add(cp_view *v, const char *dest, int fd, char *file, bool rw, berth_error *err);
void cp_view_done(cp_view *v);

void cp_view_map(const cp_view *v, const char *cpath, cp_loc *ret);
/** The mount whose Destination is exactly cpath, or NULL. */
const cp_mount *cp_view_mount_at(const cp_view *v, const char *cpath);
/** Whether a mount lies strictly below cpath. */
bool cp_view_has_mount_below(const cp_view *v, const char *cpath);
/** An O_PATH|O_NOFOLLOW fd of the canonical cpath; <0 (-errno) with *err. */
int cp_view_open(const cp_view *v, const char *cpath, berth_error *err);
/**
 * Resolve the container path (absolute or not) to a canonical one, each
 * symlink followed inside the view (the last only with follow_last);
 * missing components are kept as they are. -ELOOP after 40 links.
 */
int cp_canon(const cp_view *v, const char *path, bool follow_last, char **ret, berth_error *err);
/** "/a" + "b" → "/a/b", "/" + "b" → "/b" (malloc'd). */
char *cp_join(const char *dir, const char *name);

/** Tar the object fd (O_PATH, not followed) at canonical cpath (NULL: no view), named tarname
 * ("" : the root itself is not written, its children are named relative). */
int cp_tar_write(const cp_view *v, int fd, const char *cpath, const char *tarname, int out_fd,
                 berth_error *err);
/** Extract into canonical directory dest of the view; check_ro: refuse read-only mounts. */
int cp_tar_extract(const cp_view *v, const char *dest, int tar_fd, const berth_cp_extract_opts *o,
                   bool check_ro, uint64_t *ret_bytes, berth_error *err);
