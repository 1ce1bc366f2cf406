/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * The content-addressed blob store under BERTH_ROOT:
 *
 *   root/                 0700
 *   root/blobs/sha256/<hex>  one file per blob, 0444, named by the sha256 of its content
 *   root/layers/          unpacked layers (not managed here)
 *   root/tmp/<pid>-<rand> blobs being written
 *
 * A blob is written to root/tmp, hashed while it is written, checked against
 * the digest and size the caller expects, fsynced, and renamed into
 * blobs/sha256/ (then the directory is fsynced). So a blob under blobs/ is
 * there whole or not at all, whatever is killed when; a killed writer leaves
 * at most a temp file, which the next berth_store_open() removes.
 *
 * A writer holds an exclusive flock() on its temp file for as long as it
 * lives; berth_store_open() removes a temp file only when that lock is free
 * and its writer's pid is dead or the file is older than an hour (a pid in
 * another pid namespace cannot be told from a dead one, the lock can).
 *
 * Paths are only ever made from digests that berth_digest_parse() accepts:
 * a berth_digest holding anything else ("sha256:../../etc/passwd") is
 * refused by every function here.
 *
 * Many processes may use one root at once: concurrent writers of the same
 * blob all succeed and leave one copy. Every fd is O_CLOEXEC.
 */

/** What callers pass as max to berth_store_read_blob() for manifests and configs. */
#define BERTH_STORE_MANIFEST_MAX (4 * 1024 * 1024)

typedef struct berth_store berth_store;

/**
 * Open (creating what is missing) the store under root, and remove stale temp
 * files left in root/tmp by writers that died. *ret is freed with
 * berth_store_free().
 */
int berth_store_open(const char *root, berth_store **ret, berth_error *err);
/** Flags of berth_store_open_flags(). */
#define BERTH_STORE_KEEP_TEMP 1u /* leave root/tmp alone (for `system check`, to report it) */
int berth_store_open_flags(const char *root, unsigned flags, berth_store **ret, berth_error *err);
void berth_store_free(berth_store *s);
/**
 * Whether root/tmp/<name> is a dead writer's leftover, as berth_store_open()
 * judges it: no writer holds its lock, and its writer's pid is dead or it is
 * older than an hour. (For `system check`, which opens with KEEP_TEMP.)
 */
bool berth_store_temp_is_stale(berth_store *s, const char *name);
/** The root directory the store was opened on (owned by the store). */
const char *berth_store_root(const berth_store *s);

/**
 * The store lock, root/store.lock, keeps garbage collection away from what a
 * writer has stored but not yet registered. A writer (import, load, commit,
 * pull) makes its blobs and layers visible (a blob commit, a layer rename, or
 * relying on one already there) before its image's row in berth.db names
 * them; in between, nothing seems to use them.
 *
 *   BERTH_STORE_LOCK_WRITE    shared: held by a writer from just before the
 *                             first blob or layer it relies on until its
 *                             image's row is committed. Writers run together.
 *   BERTH_STORE_LOCK_COLLECT  exclusive: held by whatever removes blobs or
 *                             layers because no row names them (gc, rmi's
 *                             clean-up, `system check`, a failed writer's
 *                             clean-up). It waits for running writers; while
 *                             it waits no new writer starts, so a stream of
 *                             overlapping writers cannot starve it.
 *
 * What is still being written (root/tmp files, layers/.tmp-* dirs) is never
 * collected, lock or not; the lock covers the span after that.
 *
 * Each call opens the lock file anew and returns its fd (>= 0), the lock,
 * released by berth_store_unlock() (or when the fd is closed, or at exit).
 * So locks belong to a call, not to a process: they are not re-entrant (a
 * holder that asks again, in either mode, may wait for itself), and threads
 * exclude each other as processes do. A child forked while a lock is held
 * shares it until it closes its copy, exits or execs (the fd is O_CLOEXEC).
 * With BERTH_STORE_LOCK_NOWAIT a lock that is not free at once fails with
 * -EWOULDBLOCK.
 *
 * Order: take it before a berth.db transaction, never inside one (the
 * transaction's holder would wait for the lock while the lock's holder waits
 * for the database).
 */
#define BERTH_STORE_LOCK_WRITE   0u
#define BERTH_STORE_LOCK_COLLECT 1u
#define BERTH_STORE_LOCK_NOWAIT  2u
int berth_store_lock(berth_store *s, unsigned flags, berth_error *err);
/** Release a lock from berth_store_lock(); -1 is ignored. */
void berth_store_unlock(int lock);
static inline void berth_store_unlockp(int *lock)
{
        berth_store_unlock(*lock);
}

/**
 * Streaming writer: berth_blob_writer_new() → berth_blob_write()* →
 * berth_blob_writer_commit() or berth_blob_writer_abort(); then
 * berth_blob_writer_free() (which aborts a writer that was not committed).
 *
 * expected (NULL: unknown) and expected_size (-1: unknown) are checked at
 * commit (a write past expected_size fails at once). Any failure of write or
 * commit removes the temp file: the writer can then only be freed.
 * The store must outlive its writers.
 */
typedef struct berth_blob_writer berth_blob_writer;

int berth_blob_writer_new(berth_store *s, const berth_digest *expected, int64_t expected_size,
                          berth_blob_writer **ret, berth_error *err);
/**
 * A writer for bytes whose digest the caller checks itself as they pass (the
 * registry client hashes every byte it hands out, once, in order, and fails
 * the download on a mismatch): they are not hashed a second time here, and
 * the blob is committed under expected (required). The caller commits only
 * once its own check has passed; the size is still checked.
 */
int berth_blob_writer_new_verified(berth_store *s, const berth_digest *expected,
                                   int64_t expected_size, berth_blob_writer **ret,
                                   berth_error *err);
int berth_blob_write(berth_blob_writer *w, const void *data, size_t len, berth_error *err);
/**
 * Verify, fsync and move the blob into place (a no-op when the same blob is
 * already there). ret and ret_size may be NULL. On a digest mismatch the
 * message names both: "blob digest mismatch: expected sha256:…, got sha256:…".
 */
int berth_blob_writer_commit(berth_blob_writer *w, berth_digest *ret, uint64_t *ret_size,
                             berth_error *err);
/** Drop what was written. Safe to call more than once, and after commit (no-op). */
void berth_blob_writer_abort(berth_blob_writer *w);
void berth_blob_writer_free(berth_blob_writer *w);

/** Store a buffer; expected may be NULL. ret may be NULL. */
int berth_store_put_buf(berth_store *s, const void *data, size_t len, const berth_digest *expected,
                        berth_digest *ret, berth_error *err);
/** Store everything readable from fd (from its offset); expected NULL / expected_size -1: unknown.
 */
int berth_store_put_fd(berth_store *s, int fd, const berth_digest *expected, int64_t expected_size,
                       berth_digest *ret, uint64_t *ret_size, berth_error *err);

/** Whether the blob is present (false for an invalid digest). */
bool berth_store_has(berth_store *s, const berth_digest *d);
/** "root/blobs/sha256/<hex>", malloc'd; NULL (and *err) for an invalid digest. */
char *berth_store_blob_path(berth_store *s, const berth_digest *d, berth_error *err);
/**
 * Open a blob read-only; *ret_fd is the caller's. ret_size may be NULL.
 * A missing blob fails with -ENOENT. The content is not verified.
 */
int berth_store_open_blob(berth_store *s, const berth_digest *d, int *ret_fd, uint64_t *ret_size,
                          berth_error *err);
/**
 * Read a whole blob of at most max bytes into *ret (malloc'd, NUL-terminated
 * past *ret_len bytes) and verify that its content has digest d: a corrupted
 * blob is an error (-EBADMSG) naming it. For manifests and configs
 * (max = BERTH_STORE_MANIFEST_MAX); a larger blob fails with -EFBIG.
 */
int berth_store_read_blob(berth_store *s, const berth_digest *d, size_t max, char **ret,
                          size_t *ret_len, berth_error *err);
/** Hash a stored blob and fail (-EBADMSG, naming it) when its content does not match d. */
int berth_store_verify_blob(berth_store *s, const berth_digest *d, berth_error *err);
/** Remove a blob; -ENOENT when it is not there. */
int berth_store_remove_blob(berth_store *s, const berth_digest *d, berth_error *err);
/**
 * Every blob in the store, sorted; *ret is malloc'd (NULL when *n is 0).
 * Files under blobs/sha256/ whose names are not digests are skipped.
 */
int berth_store_list_blobs(berth_store *s, berth_digest **ret, size_t *n, berth_error *err);
