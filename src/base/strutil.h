/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * String helpers. The x-functions abort on out-of-memory, like crun's
 * xmalloc: an engine that cannot allocate a few bytes has nothing
 * sensible left to do.
 */
void *berth_xmalloc0(size_t n);
void *berth_xrealloc(void *p, size_t n);
char *berth_xstrdup(const char *s);
char *berth_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

bool berth_str_has_prefix(const char *s, const char *prefix);
bool berth_str_has_suffix(const char *s, const char *suffix);

/* NULL-terminated string vectors. */
size_t berth_strv_length(char *const *v);
char **berth_strv_dup(char *const *v);
/** The value of name in an environment-like list ("K=V" entries): NULL when absent. */
const char *berth_strv_env_get(char *const *v, const char *name);
bool berth_strv_contains(char *const *v, const char *s);
/** Append a copy of s to *v (which may be NULL). */
void berth_strv_push(char ***v, const char *s);
void berth_strv_free(char **v);
/** The first n strings of v (fewer if v ends first; SIZE_MAX: all) joined by sep; caller frees. */
char *berth_strv_join(char *const *v, size_t n, const char *sep);
/** nbytes (at most 64) random bytes as lowercase hex in buf (2 * nbytes + 1 long): ids, names. */
int berth_random_hex(char *buf, size_t nbytes, berth_error *err);

/** Escape s for a JSON string body into out (always NUL-terminated). */
void berth_json_escape(const char *s, char *out, size_t outsz);

/** Parse a whole decimal/hex integer string; -EINVAL on garbage or overflow. */
int berth_parse_i64(const char *s, long long *ret);

/**
 * The UTF-8 sequence at s[0..n) (n >= 1), as Go's utf8.DecodeRune reads it:
 * returns its length (1..4) and sets *ret to the code point; an invalid or
 * truncated sequence, an overlong form or a surrogate is 1 byte long and
 * sets *ret to BERTH_UTF8_INVALID.
 */
#define BERTH_UTF8_INVALID 0xffffffffu
size_t berth_utf8_decode(const char *s, size_t n, uint32_t *ret);
