/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

/**
 * The two glob dialects of a build context, compiled once and matched many times.
 *
 * BERTH_GLOB_MATCH is Go's filepath.Match, which COPY/ADD sources use, one
 * path component at a time:
 *   '*'      any run of characters but '/'
 *   '?'      one character (a UTF-8 rune) but '/'
 *   '[...]'  one rune in the class: ranges 'a-c', negation '[^...]', '\\' escapes
 *            inside; a class must be non-empty, '-' and ']' must be escaped
 *            where they would be ambiguous (Go's rules: "[]a]", "[-]", "[x-]",
 *            "[a-b-c]" are malformed)
 *   '\\c'    the character c itself; a trailing '\\' is malformed
 *
 * BERTH_GLOB_DOCKERIGNORE is moby/patternmatcher, which .dockerignore lines
 * use against a whole slash-separated path. The same syntax (patternmatcher
 * checks it with filepath.Match), plus '**':
 *   '**' at the start followed only by plain characters: the path ends with
 *            the rest ("**.txt" matches "a/b.txt" and "xb.txt"; "**" then "/foo" matches
 *            "foo" and "a/foo"), as patternmatcher's suffix match does
 *   '**' at the end: anything, '/' included ("dir/" then "**" matches "dir/a/b",
 *            not "dir")
 *   '**' elsewhere, with the '/' after it if any: "any number of directories",
 *            zero included ("a/", "**", "/b" matches "a/b" and "a/x/y/b"; "a**b" matches
 *            "ab" and "ax/b" but not "axb": Docker's optional "anything, then '/'")
 *   a class may match '/' (Docker's regular expression "[^x]" does).
 * Docker turns a pattern into a Go regular expression; where that gives a
 * character a meaning filepath.Match does not ("\\d" a digit, "[*]" inside a
 * class, '^' an anchor, '.' in "**" not matching a newline) berth keeps
 * filepath.Match's reading: an escaped character is itself, a class holds
 * literal characters. A class range whose ends are reversed ("[z-a]") makes
 * Docker's regular expression fail to compile: here it is malformed.
 *
 * Matching takes at most pattern length times name length steps, whatever
 * the pattern (no backtracking), and allocates only for patterns of more than
 * 256 tokens.
 */
typedef enum berth_glob_dialect {
        BERTH_GLOB_MATCH,
        BERTH_GLOB_DOCKERIGNORE,
} berth_glob_dialect;

typedef struct berth_glob berth_glob;

/** Compile pattern; -EINVAL when it is malformed (Go's filepath.ErrBadPattern). */
int berth_glob_compile(const char *pattern, berth_glob_dialect dialect, berth_glob **ret);
/** Whether name matches the whole pattern. */
bool berth_glob_match(const berth_glob *g, const char *name);
/**
 * For a pattern without '*', '?' or a class: the one name it matches, escapes
 * removed ("a\\*b" gives "a*b"); NULL otherwise. Valid while g lives.
 */
const char *berth_glob_literal(const berth_glob *g);
void berth_glob_free(berth_glob *g);

/**
 * Whether a COPY source has wildcards, as BuildKit decides: an unescaped '*',
 * '?' or '['. A source without them is a plain path, backslashes and all.
 */
bool berth_glob_has_wildcards(const char *s);
