/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by archive-load.c, archive-read.c and archive-save.c only. */
#include "store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * The members of an archive being loaded, read in one pass. Names are
 * cleaned ("./a//b" → "a/b"); members whose names leave the archive are
 * dropped. A later member of the same name replaces an earlier one, as tar
 * extraction would.
 *
 * A regular file is kept in memory when it is small (metadata, configs),
 * otherwise streamed into the blob store as it is read (verified when its
 * name is "blobs/sha256/<hex>"; not read at all when that blob is already
 * stored). Symbolic and hard links are kept as links and followed by
 * archive_lookup() (docker 20.10 links a layer.tar shared by two images).
 */
typedef enum { AM_FILE, AM_SYMLINK, AM_HARDLINK } archive_member_kind;

typedef struct {
        char *name;
        archive_member_kind kind;
        char *target; /* links: the cleaned archive path they point to (NULL: outside) */
        char *data;   /* a file kept in memory (NUL-terminated), or NULL */
        size_t len;
        bool stored; /* a file in the blob store: blob/size */
        berth_digest blob;
        uint64_t size;
} archive_member;

typedef struct {
        berth_store *store;
        archive_member *v;
        size_t n;
        size_t mem_bytes;  /* kept in memory so far */
        berth_digest *had; /* the store's blobs before the load, sorted */
        size_t n_had;
        berth_digest *added; /* blobs this load put into the store */
        size_t n_added;
} archive_members;

/** Read every member of the tar (plain or compressed) on fd into t (zeroed, store set). */
int archive_members_read(archive_members *t, int fd, berth_error *err);
void archive_members_clear(archive_members *t);

/** The file at path, links followed; NULL when there is none. */
const archive_member *archive_lookup(const archive_members *t, const char *path);
/**
 * The blob of the file at path (links followed), put into the store if it
 * was kept in memory. expected (nullable) is checked. -ENOENT with
 * "'<path>' is not in the archive" when it is missing.
 */
int archive_member_blob(archive_members *t, const char *path, const berth_digest *expected,
                        berth_digest *ret, uint64_t *ret_size, berth_error *err);
/** Record that this load put d into the store (unless it was there before). */
void archive_note_blob(archive_members *t, const berth_digest *d);

/**
 * The diff id (sha256 of the uncompressed tar) and uncompressed size of a
 * stored layer blob, plain, gzip or zstd. Outputs nullable.
 */
int archive_blob_diff_id(berth_store *s, const berth_digest *blob, berth_digest *ret_diff_id,
                         uint64_t *ret_size, berth_error *err);
/** Whether a stored blob starts with gzip or zstd magic. */
bool archive_blob_compressed(int fd);
