/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * Load libarchive (berth loads it on first use, base/lazylib.h); an error
 * that names it when it cannot be. Whatever reads or writes tar streams
 * calls it before it changes anything.
 */
int berth_libarchive_load(berth_error *err);

/**
 * Unpacking one image layer (a tar stream, plain, gzip or zstd) into a
 * directory, safely.
 *
 * Every entry is written through fds resolved with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) under dest_dirfd, then
 * created by its last name component relative to a pinned parent fd with
 * O_NOFOLLOW / AT_SYMLINK_NOFOLLOW: nothing is ever written outside the
 * destination, whatever the names, symlinks or hard links in the layer.
 *
 * Names are confined as Docker does: leading '/' is dropped and '..' is
 * cleaned lexically ("/etc/x" and "../../etc/x" both mean "etc/x"); a
 * symlinked parent directory is followed only inside the destination.
 * Hard link targets are refused when they climb out of the layer
 * ("../../x") or pass through a symbolic link; symlinks are written as-is
 * (their targets are only followed later, inside a container's root).
 *
 * Kept: regular files (sparse ones with holes), directories, symlinks,
 * hard links, char/block devices, fifos, uid/gid, modes (setuid, setgid,
 * sticky), mtimes (directories' set after their contents) and xattrs
 * (security.capability, user.*, trusted.* except trusted.overlay.*; those
 * the file system refuses with ENOTSUP are skipped).
 *
 * Whiteouts become overlayfs whiteouts: ".wh.<name>" becomes a 0/0 char
 * device <name> (replacing whatever this layer had there), ".wh..wh..opq"
 * sets trusted.overlay.opaque=y on its directory; other ".wh..wh.*" (aufs
 * metadata) are skipped. ".wh.d" followed by "d/…" in the same layer makes
 * d an opaque directory (the lower d is deleted, this layer's d is new).
 *
 * An entry whose path already exists replaces it, unless both are
 * directories: those merge, taking the new entry's metadata.
 *
 * On error the destination is left half-written: the caller removes it.
 * The message names the entry:
 *   "layer entry 'etc/passwd': hard link target '../../x' is outside the layer".
 */
typedef struct berth_unpack_opts {
        /** Limit on the data of all entries plus trailing bytes (0: none). */
        uint64_t max_bytes;
        /** Limit on the number of entries (0: none). */
        uint64_t max_entries;
} berth_unpack_opts;

/**
 * Unpack the tar stream read from tar_fd (read to its end) into dest_dirfd
 * (a directory fd, O_PATH is fine). o may be NULL (no limits).
 * *ret_diff_id gets the sha256 of the uncompressed tar stream, trailing
 * bytes included (the image-spec diff id); *ret_unpacked_bytes the sum of
 * the entries' data sizes. Both outputs are nullable.
 */
int berth_unpack_tar(int tar_fd, int dest_dirfd, const berth_unpack_opts *o,
                     berth_digest *ret_diff_id, uint64_t *ret_unpacked_bytes, berth_error *err);

/**
 * The diff id of the layer stream read from fd (to its end): the sha256 of
 * its uncompressed bytes (gzip and zstd decompressed, plain passed through),
 * without unpacking anything. *ret_size (nullable) gets the uncompressed
 * length. For a blob whose layer is already unpacked: its content must still
 * be checked against the config's diff id.
 */
int berth_unpack_diff_id(int fd, berth_digest *ret_diff_id, uint64_t *ret_size, berth_error *err);

/**
 * ADD's local archives, as Docker detects and extracts them.
 *
 * berth_unpack_archive_probe(): whether the regular file open at fd is a tar
 * archive, plain or compressed with gzip, bzip2, xz or zstd (libarchive's
 * own decoders, never an external program): 1 when its first entry header
 * reads, 0 when not (a text file, a zip, an empty file, a tar without
 * entries: Docker copies those as they are), <0 when libarchive cannot be
 * used. Reads from offset 0 with pread-like independence: fd's offset is
 * set back to 0 afterwards.
 *
 * berth_unpack_archive(): extract that archive into dest_dirfd with the
 * layer writer's confinement (berth_unpack_tar() above: every name, symlink
 * and hard link stays under dest_dirfd, which is the archive's root: an
 * absolute symlink in it points inside dest_dirfd), except that ".wh.*"
 * names are ordinary entries (Docker's ADD writes them as files, it makes
 * no whiteouts). Owners are the archive's unless o->set_owner (every entry
 * o->uid:o->gid: BuildKit's ADD --chown); mtimes later than o->epoch
 * (>= 0) are clamped to it. Modes, device nodes, FIFOs, xattrs as in a
 * layer. On error dest is left half-written (the caller drops it).
 */
typedef struct berth_unpack_archive_opts {
        bool set_owner;
        uid_t uid;
        gid_t gid;
        int64_t epoch; /* -1: none */
} berth_unpack_archive_opts;
int berth_unpack_archive_probe(int fd, berth_error *err);
int berth_unpack_archive(int fd, int dest_dirfd, const berth_unpack_archive_opts *o,
                         berth_error *err);
