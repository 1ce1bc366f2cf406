/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"
#include "unpack.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct archive;
struct archive_entry;

/**
 * The layer's byte source: reads the raw fd, decompresses gzip or zstd
 * itself (detected by magic bytes; plain tar passes through) and hashes
 * every decompressed byte it hands out, in order, exactly once. So the
 * digest of everything read up to the end is the diff id.
 */
typedef struct unpack_source unpack_source;

int unpack_source_new(int fd, unpack_source **ret, berth_error *err);
/** Next decompressed chunk in *ret_buf (owned by s): its length, 0 at the end, <0 on error. */
ssize_t unpack_source_read(unpack_source *s, const void **ret_buf, berth_error *err);
/** Decompressed bytes handed out so far. */
uint64_t unpack_source_total(const unpack_source *s);
void unpack_source_digest(unpack_source *s, berth_digest *ret);
void unpack_source_free(unpack_source *s);

/** A directory whose times are set once its contents are written. */
typedef struct unpack_dir_time {
        char *path;
        struct timespec ts[2];
} unpack_dir_time;

/** What the entry writer keeps across entries of one layer. */
typedef struct unpack_writer {
        int rootfd;
        uint64_t max_bytes;
        uint64_t bytes; /* data of every entry, written or skipped */
        unpack_dir_time *dirs;
        size_t ndirs;
        /* The last parent directory resolved: its cleaned path and an O_PATH fd. */
        char *parent_path;
        int parent_fd;
        /* ADD's archives: ".wh.*" names are ordinary entries (no whiteouts made), every
         * owner is owner_uid:owner_gid when set_owner, mtimes are at most epoch (>= 0). */
        bool plain_names;
        bool set_owner;
        uid_t owner_uid;
        gid_t owner_gid;
        int64_t epoch;
} unpack_writer;

void unpack_writer_init(unpack_writer *w, int rootfd, uint64_t max_bytes);
/** Write one entry (its data read from a); errors name the entry. */
int unpack_write_entry(unpack_writer *w, struct archive *a, struct archive_entry *e,
                       berth_error *err);
/** Set the deferred directory times. */
int unpack_writer_finish(unpack_writer *w, berth_error *err);
void unpack_writer_done(unpack_writer *w);

/**
 * Clean a tar name into a relative path inside the layer: leading '/'
 * dropped, '.' and empty components removed, '..' applied lexically.
 * "" is the layer's root. *ret_escaped tells whether '..' climbed above it.
 */

/** rm -rf of atfd/name: never follows symlinks nor crosses mount points. 0 or -errno. */
