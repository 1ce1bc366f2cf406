/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"
#include "dockerignore.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * The build context as COPY and ADD read it: which files a list of sources
 * selects, with their metadata and content digests, and one digest of the
 * whole selection for the step's cache key.
 *
 * Sources. Each is cleaned lexically first, as BuildKit does: a leading '/'
 * or "./" means the context root, "a//b/./c" is "a/b/c", a ".." above the root
 * stays at the root ("../x" is "x"), a trailing '/' is dropped. A source
 * without wildcards (glob.h's berth_glob_has_wildcards(): an unescaped '*',
 * '?' or '[') is a plain path, backslashes included. Otherwise it is split at
 * its first component with wildcards: the components before are a plain path,
 * each one after is a Go filepath.Match pattern matched against one directory
 * level (so '*' never crosses '/'; a malformed pattern matches nothing, as in
 * Docker). Matches of one source come in sorted order.
 *
 * Resolution. Everything is resolved inside the context, never outside it:
 * each component is looked up by openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS)
 * under the fd of its directory, with O_NOFOLLOW. Where the plain part of a
 * source goes through a symlink, berth reads it and follows it itself,
 * relative to the context root ("/etc" is the context's "etc"; ".." never goes
 * above the root), at most 40 times (-ELOOP). Like Docker, a source or match
 * that is itself a symlink is followed the same way: "COPY link /x" copies what
 * link points to inside the context (a link to "/etc/passwd" is the context's
 * "etc/passwd", usually missing). Below a wildcard, directories that are
 * symlinks are not entered, as Docker's walk does not. Within a directory that
 * is copied, nothing is followed: a symlink is an entry of its own with its
 * target as written, wherever it points.
 *
 * .dockerignore (ign, nullable). The context is what Docker would transfer:
 * an excluded file or symlink is not there, and neither is anything reached
 * through an excluded symlink; an excluded directory is there only with what
 * the rules re-include under it (berth_dockerignore_descend()), and not at all
 * when that is nothing. Every path is judged where it really is, after
 * symlinks, so a link to an excluded file does not reach it.
 *
 * Errors are the legacy builder's words (BuildKit says 'failed to compute cache
 * key: "/x": not found' for all of them); the caller puts "COPY failed: " in
 * front: a plain source that is not there (or is excluded) is -ENOENT "file not
 * found in build context or excluded by .dockerignore: stat SRC: file does not
 * exist"; sources that select nothing at all (only wildcards, none matching)
 * are -ENOENT "no source files were specified". A wildcard source without a
 * match is fine when another source selects something.
 *
 * Only what the sources name is looked at: the directories on the way, the
 * directories a wildcard lists, and the whole tree of what is selected. Nothing
 * else is listed, opened or read. Regular files are opened for reading (by
 * reopening the O_PATH fd whose fstat said "regular file"); FIFOs, sockets and
 * devices are recorded by type and never opened.
 *
 * Not recorded (yet): hard links (each name is a file of its own), extended
 * attributes, mtimes.
 *
 * The digest (sel->digest) is a sha256 over, for each item in order: "item",
 * its match; then for each of its entries in order: its rel, its type letter
 * (f d l p c b s), its permission bits in octal (st_mode & 07777), uid, gid, and
 * for a regular file the hex sha256 of its content, for a symlink its target,
 * for a device "major,minor" (each field NUL-terminated). Not mtimes, not inode
 * numbers, not sizes on disk: a fresh checkout of the same tree gives the same
 * digest; a rename, a mode change, a content change, a new file a wildcard
 * matches change it.
 */

typedef struct berth_context_entry {
        char *path;  /* where it is in the context: "src/lib/a.c", "." for the root */
        char *rel;   /* below its item: "" for the item itself, "lib/a.c" inside it */
        mode_t mode; /* st_mode: type and permission bits */
        uid_t uid;
        gid_t gid;
        dev_t rdev;           /* character and block devices */
        uint64_t size;        /* regular files: bytes read */
        char *link;           /* symlinks: the target as written; NULL otherwise */
        berth_digest content; /* regular files: sha256 of the content; zeroed otherwise */
} berth_context_entry;

typedef struct berth_context_item {
        char *source;     /* the source it came from, as given */
        char *match;      /* the path matched, cleaned, before a last symlink is followed */
        char *path;       /* where that is once resolved: the path of entries[first] */
        const char *name; /* match's last component: its name when it lands in a directory */
        size_t first;     /* its entries: entries[first] is the item itself (rel ""), then, */
        size_t count;     /* for a directory, what is under it, depth first, names sorted */
} berth_context_item;

typedef struct berth_context_stats {
        uint64_t dirs_listed;  /* directories whose names were read */
        uint64_t lookups;      /* names looked up and fstat'ed */
        uint64_t files_hashed; /* regular files read */
        uint64_t bytes_hashed;
} berth_context_stats;

typedef struct berth_context_selection {
        berth_context_item *items; /* one per match, sources in the order given */
        size_t n_items;
        berth_context_entry *entries;
        size_t n_entries;
        berth_digest digest;
        berth_context_stats stats; /* what it cost: for tests and --debug */
} berth_context_selection;

/**
 * Select what sources (NULL-terminated) name in the context directory
 * context_dirfd (any fd of a directory; not consumed) under the rules ign
 * (NULL: no rules). *ret is the caller's, freed with
 * berth_context_selection_free().
 */
int berth_context_select(int context_dirfd, const berth_dockerignore *ign, char *const *sources,
                         berth_context_selection **ret, berth_error *err);

void berth_context_selection_free(berth_context_selection *sel);

/**
 * COPY --exclude: sel without what patterns (dockerignore syntax, '!' exceptions
 * included) exclude, matched against an item's name and, below a directory
 * item, each entry's path under it ("sub/a.txt"); an excluded directory takes
 * what is under it along unless an exception may re-include some of it (then
 * it stays, with only what is re-included). *ret has its own digest.
 */
int berth_context_selection_exclude(const berth_context_selection *sel, char *const *patterns,
                                    berth_context_selection **ret, berth_error *err);
static inline void berth_context_selection_freep(berth_context_selection **sel)
{
        berth_context_selection_free(*sel);
}
