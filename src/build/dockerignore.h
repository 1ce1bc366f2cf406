/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>

/**
 * .dockerignore: which files of the build context a build may not see, with
 * Docker's semantics (moby/patternmatcher and its ignorefile reader, as
 * BuildKit's context transfer applies them).
 *
 * The file. One pattern a line (LF or CRLF). A UTF-8 BOM on the first line is
 * dropped. A line whose first character is '#' is a comment (only in the first
 * column: "  #x" is the pattern "#x"). Whitespace around a line is trimmed and
 * blank lines skipped. A leading '!' makes an exception (whitespace after it
 * trimmed too); a lone "!" is an error. The rest is cleaned lexically like Go's
 * filepath.Clean ("a//b/./c/../d" is "a/b/d", "a/" is "a") and one leading '/'
 * dropped ("/a" is "a"); what still starts with ".." ("../x", "..") stays so and
 * matches nothing in the context. A line holding a NUL byte cannot match a file
 * name and is skipped. The syntax of a pattern is glob.h's
 * BERTH_GLOB_DOCKERIGNORE; a malformed one is an error (-EINVAL) naming the
 * file, the line and the pattern.
 *
 * Matching is on a path relative to the context root, slash-separated and
 * clean ("src/a.c", never "./src/a.c"); the root itself is never excluded.
 * Patterns are applied in order and the last one that matches decides:
 * an exclusion pattern excludes, an exception ("!") re-includes. A pattern
 * that matches a directory matches everything under it ("docs" excludes
 * "docs/a/b"). As in Docker's walk, "matches a directory" is carried from
 * parent to child (berth_dockerignore_match()'s info arrays): pattern i
 * counts as matching a path when it matched the parent's, or when, evaluated
 * in order, it is reached and matches the path itself. Docker does not try
 * an exception on a path that is not excluded so far, nor an exclusion on a
 * path already excluded, and then does not record them as matching for the
 * children either (so "a/b" then "!a" leaves "a/b/c" excluded: "!a" was never
 * tried on "a"); berth does the same, for the same results.
 *
 * An excluded directory may still hold re-included files ("docs" then
 * "!docs/README.md"): berth_dockerignore_descend() says whether a walk must
 * look inside it (Docker's Exclusions() shortcut: never when there is no
 * exception; when every exception is a plain path, only if one lies under the
 * directory; always when an exception has wildcards). Such a directory is part
 * of the context only if something under it is.
 *
 * Which file applies: berth_dockerignore_load() takes "<Dockerfile
 * name>.dockerignore" beside the Dockerfile when there is one (BuildKit's
 * rule: the name is the Dockerfile's base name, in the Dockerfile's own
 * directory, which need not be the context), and ".dockerignore" at the
 * context root otherwise; the two are never merged. Neither file nor the
 * Dockerfile is subject to the rules when the build reads it, but both are
 * ordinary context files to COPY: when the rules exclude them a COPY does not
 * see them (the legacy builder removes them from the context after reading,
 * BuildKit reads them through a separate transfer).
 *
 * A berth_dockerignore is immutable once made and may be shared by threads.
 */
typedef struct berth_dockerignore berth_dockerignore;

/**
 * Parse the text of an ignore file (len bytes, NUL bytes allowed). name is
 * only for messages (".dockerignore"). An empty text gives an empty rule set.
 */
int berth_dockerignore_parse(const char *text, size_t len, const char *name,
                             berth_dockerignore **ret, berth_error *err);

/**
 * Rules from patterns already split into lines, each read as the file reader
 * would read one line (trimmed, '!', cleaned, leading '/' dropped; comments are
 * not recognised here). patterns is NULL-terminated; NULL is no patterns.
 */
int berth_dockerignore_new(char *const *patterns, berth_dockerignore **ret, berth_error *err);

/** Largest ignore file read, in bytes: beyond it loading fails with -EFBIG. */
#define BERTH_DOCKERIGNORE_MAX (16u << 20)

/**
 * Load the rules that apply to a build: "<dockerfile_name>.dockerignore" in
 * dockerfile_dirfd when present, else ".dockerignore" in context_dirfd, else
 * none (an empty rule set). dockerfile_dirfd < 0 (a Dockerfile from stdin)
 * skips the first; dockerfile_name is the Dockerfile's name within its
 * directory as the build will read it (after the "Dockerfile" to "dockerfile"
 * fallback). Both are read inside their directory (berth_read_file_in_root():
 * symlinks stay inside, only regular files); a missing one, or one that is not
 * a regular file, counts as absent, as BuildKit ignores it.
 */
int berth_dockerignore_load(int context_dirfd, int dockerfile_dirfd, const char *dockerfile_name,
                            berth_dockerignore **ret, berth_error *err);

void berth_dockerignore_free(berth_dockerignore *ign);

/** Which file the rules came from ("build.Dockerfile.dockerignore"), NULL if none. */
const char *berth_dockerignore_source(const berth_dockerignore *ign);

/** The number of patterns: the size of berth_dockerignore_match()'s info arrays. */
size_t berth_dockerignore_count(const berth_dockerignore *ign);

/** Pattern i as cleaned, without its '!'; *ret_exception (nullable) says whether it had one. */
const char *berth_dockerignore_pattern(const berth_dockerignore *ign, size_t i,
                                       bool *ret_exception);

/** Whether there is any exception ("!") pattern. */
bool berth_dockerignore_has_exceptions(const berth_dockerignore *ign);

/**
 * Whether path is excluded, given what its parent directory's call gave in
 * parent_info (count() elements; NULL for a path at the top of the context,
 * or when unknown: then each pattern is also tried on path's ancestors). When
 * ret_info is not NULL it receives path's own info for its children (count()
 * elements). This is patternmatcher's MatchesUsingParentResults.
 */
bool berth_dockerignore_match(const berth_dockerignore *ign, const char *path,
                              const bool *parent_info, bool *ret_info);

/**
 * Whether path is excluded, evaluating each of its ancestors from the top
 * first, exactly as a walk of the context from its root would. (Whether an
 * excluded directory still shows because of what is under it is the walk's
 * business: berth_dockerignore_descend().)
 */
bool berth_dockerignore_excluded(const berth_dockerignore *ign, const char *path);

/** For an excluded directory: whether anything under it may be re-included. */
bool berth_dockerignore_descend(const berth_dockerignore *ign, const char *dir);
