/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Shared by the Dockerfile parser's files (dockerfile-*.c); not exported
 * from the module. Strings here are byte strings that are usually UTF-8:
 * where Docker's Go code classifies runes (unicode.IsSpace, IsLetter), the
 * helpers below decode UTF-8; an invalid byte counts as one rune that is
 * neither space nor letter.
 */
#include "dockerfile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable byte string, always NUL-terminated once anything was added. */
typedef struct df_buf {
        char *s;
        size_t len, cap;
} df_buf;

void df_buf_add(df_buf *b, const char *s, size_t n);
void df_buf_addc(df_buf *b, char c);
void df_buf_adds(df_buf *b, const char *s);
/** Hand the string on (never NULL: "" when empty) and reset b. */
char *df_buf_take(df_buf *b);
void df_buf_free(df_buf *b);

/** Length of the UTF-8 sequence at s (1 for an invalid byte); n > 0. */
size_t df_rune_len(const char *s, size_t n);
/** Decode the rune at s (U+FFFD for an invalid byte) and its length. */
uint32_t df_rune(const char *s, size_t n, size_t *ret_len);
/** Go's unicode.IsSpace on the rune at s: its length, 0 when not a space. */
size_t df_space_len(const char *s, size_t n);
/** Length of a Unicode space rune ending at s + n, 0 when none. */
size_t df_space_len_back(const char *s, size_t n);
/** Go's unicode.IsLetter || unicode.IsDigit. */
bool df_rune_is_alnum(uint32_t r);
/** ASCII whitespace as in Go's regexp [\t\v\f\r ] (no newline). */
static inline bool df_is_hspace(char c)
{
        return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}
/** Go regexp \s: [\t\n\f\r ]. */
static inline bool df_is_re_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/** strings.TrimSpace: [*s, *s + *n) without Unicode spaces at both ends. */
void df_trim_space(const char **s, size_t *n);

/** Go's %q of s[0..n) into b (long strings are cut with "..." to keep messages short). */
void df_go_quote(df_buf *b, const char *s, size_t n);

/** The option closest to val (Levenshtein distance < 3, as BuildKit's suggest), or
 * NULL. Case-insensitive when fold, and then the match takes val's case. */
const char *df_suggest(const char *val, const char *const *options, size_t n_options, bool fold,
                       char *out, size_t outsz);

char *df_strndup(const char *s, size_t n);
/** Room for want elements of size in p, which holds used (0: p was not made here):
 * capacities double, so appending one by one stays linear. */
void *df_grow(void *p, size_t used, size_t want, size_t size);

/* dockerfile-parse.c: the first pass. */
typedef struct df_parser df_parser;

/* The expansion lexer with every knob BuildKit's parser uses (dockerfile-expand.c). */
typedef struct df_lex_opts {
        char escape;
        bool raw_quotes, raw_escapes, skip_unset, no_quotes;
} df_lex_opts;

/** Lex word; words (may be NULL) receives the split words. msg gets the reason
 * on failure (the bare reason, without 'failed to process'). */
int df_lex(const char *word, size_t len, const df_lex_opts *o, berth_build_lookup_fn lookup,
           void *ctx, df_buf *result, char ***words, df_buf *msg);

/* Heredoc words (dockerfile-parse.c), used by the second pass for ADD/COPY
 * sources: 1 and *ret filled when word is a heredoc, 0 when not, <0 with msg. */
int df_heredoc_word(const char *word, size_t len, berth_dockerfile_heredoc *ret, df_buf *msg);
void df_heredoc_clear(berth_dockerfile_heredoc *h);

/* Wildcard patterns of ${V#p} ${V%p} ${V/p/r} (dockerfile-pattern.c). */
typedef struct df_pattern df_pattern;
int df_pattern_compile(const char *pat, size_t len, df_pattern **ret, df_buf *msg);
void df_pattern_free(df_pattern *p);
/** ${V#p} (suffix false) / ${V%p} (suffix true), shortest or (greedy) longest:
 * the value with the match removed, appended to out. *budget counts work down; when it
 * runs out the call fails with msg. */
int df_pattern_trim(const df_pattern *p, const char *v, size_t n, bool suffix, bool greedy,
                    df_buf *out, uint64_t *budget, df_buf *msg);
/** ${V/p/r} and ${V//p/r}: Go's Regexp.ReplaceAllString/first-match semantics. */
int df_pattern_replace(const df_pattern *p, const char *v, size_t n, const char *repl, bool all,
                       df_buf *out, uint64_t *budget, df_buf *msg);

/* dockerfile-instr.c: the second pass over the instructions made by the first. */
int df_check_instr(berth_dockerfile_instr *in, df_buf *msg);
void df_instr_clear(berth_dockerfile_instr *in);
berth_dockerfile_cmd df_cmd_lookup(const char *keyword, size_t len);
const char *df_cmd_name(berth_dockerfile_cmd cmd);
