/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "image/cp-view.h"

#include "base/error.h"
#include "engine/engine.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * Copying files in and out of a container (`cp`) and its whole file system
 * out (`export`), as tar streams.
 *
 * A container's files are seen as its processes see them: the snapshot's
 * overlay (mounted for the copy when the container is not running, and
 * unmounted after) with its volumes and bind mounts on top. A path inside a
 * mount's Destination goes to the mount's host Source; /etc/hostname,
 * /etc/hosts and /etc/resolv.conf to the container's own files.
 *
 * Nothing inside the container is trusted. Symbolic links are followed by
 * berth itself, one component at a time, the way the kernel would inside
 * the container ("/" and ".." stop at the container's root), and every
 * file is then opened with openat2(RESOLVE_IN_ROOT) under the root of the
 * rootfs or of the mount it lies in: a link to "/etc" or "../../.." reaches
 * the container's /etc, never the host's. Walking a directory opens each
 * child by name relative to its parent, never following a link.
 *
 * While a copy runs, the container's directory is flock()ed: `start` waits
 * for it, so a snapshot mounted for the copy is not unmounted under a
 * container that starts meanwhile.
 */

/** What docker's "stat" of a container path says. */
typedef struct {
        char *name; /* the base name, as asked for */
        int64_t size;
        uint32_t mode;     /* st_mode */
        int64_t mtime;     /* unix seconds */
        char *link_target; /* a symlink's target resolved in the container (absolute), or NULL */
} berth_cp_stat;
void berth_cp_stat_clear(berth_cp_stat *s);

/**
 * Stat path in the container. The last component is not followed unless
 * follow is set or path ends in "/" or "/.". -ENOENT "could not find the
 * file <path> in container <name>" when it is missing (and the engine's
 * "No such container" when the container is).
 */
int berth_engine_cp_stat(berth_engine *e, const char *name, const char *path, bool follow,
                         berth_cp_stat *ret, berth_error *err);

/**
 * `cp CONTAINER:path`: write a tar of path (a directory with everything
 * under it) to out_fd. Entries are named "<base>" and "<base>/…" where base
 * is rebase if not NULL, else path's last component ("." for "dir/." and
 * for "/"). A symlink as the last component is archived as the link itself
 * unless follow is set (its target is archived, under the link's name) or
 * path ends in "/" or "/.".
 */
int berth_engine_cp_from(berth_engine *e, const char *name, const char *path, bool follow,
                         const char *rebase, int out_fd, berth_error *err);

/**
 * `cp … CONTAINER:path`: extract the tar read from in_fd (to its end) into
 * the directory path (every link followed, in the container). Existing
 * files are replaced, directories merged; a directory never replaces a
 * non-directory nor the other way round. Owners come from the tar, or, with
 * copy_uid_gid and a container User, are that user's uid and gid (looked up
 * in the container). Refused on a read-only rootfs or mount. Errors:
 * -ENOENT (as above), -ENOTDIR "extraction point is not a directory".
 */
int berth_engine_cp_to(berth_engine *e, const char *name, const char *path, int in_fd,
                       bool copy_uid_gid, berth_error *err);

/**
 * `export`: the container's root file system (the overlay alone: no
 * volume, bind or /etc file of the engine's) as a tar, names relative
 * ("bin", "bin/sh"), to out_fd.
 */
int berth_engine_export(berth_engine *e, const char *name, int out_fd, berth_error *err);
