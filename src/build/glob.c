/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Globs of the build context (glob.h): a pattern becomes a list of tokens,
 * matched by a set-of-states simulation so that no pattern can make a match
 * take more than pattern length times name length steps.
 */
#include "glob.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind {
        TOK_RUNE,        /* one given rune */
        TOK_ANY,         /* '?': one rune but '/' */
        TOK_CLASS,       /* '[...]' */
        TOK_STAR,        /* '*': any run of runes but '/' */
        TOK_DSTAR_SLASH, /* '**' inside a pattern: empty, or anything ending with '/' */
        TOK_DSTAR_END,   /* '**' at the end: anything */
};

struct glob_range {
        uint32_t lo, hi;
};

struct glob_tok {
        enum tok_kind kind;
        bool negated;
        uint32_t rune;
        size_t nranges;
        struct glob_range *ranges;
};

/* How a whole pattern is matched; the first three as patternmatcher does. */
enum glob_kind {
        KIND_EXACT,   /* name == fixed */
        KIND_PREFIX,  /* name starts with fixed ("dir/" then a final "**") */
        KIND_SUFFIX,  /* name ends with fixed, or equals it without its leading '/' ("**.txt") */
        KIND_GENERAL, /* the tokens */
};

struct berth_glob {
        enum glob_kind kind;
        char *fixed;
        size_t fixed_len;
        char *literal; /* berth_glob_literal() */
        size_t ntok;
        struct glob_tok *tok;
};

/* An invalid byte stands for itself, out of the range of runes (Go reads it as one
 * U+FFFD of width 1; here only the same byte matches it). */
#define INVALID_BYTE(b) (0x110000u + (uint32_t)(b))

static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret)
{
        size_t len = berth_utf8_decode((const char *)s, n, ret);
        if (*ret == BERTH_UTF8_INVALID)
                *ret = INVALID_BYTE(s[0]);
        return len;
}

/* Go's getEsc: one class character, maybe escaped, which must not end the pattern. */
static int class_char(const char *p, size_t len, size_t *pos, uint32_t *ret)
{
        size_t i = *pos;
        if (i >= len || p[i] == '-' || p[i] == ']')
                return -EINVAL;
        if (p[i] == '\\' && ++i >= len)
                return -EINVAL;
        size_t w = utf8_decode((const unsigned char *)p + i, len - i, ret);
        if (*ret >= INVALID_BYTE(0))
                return -EINVAL;
        i += w;
        if (i >= len)
                return -EINVAL;
        *pos = i;
        return 0;
}

static int parse_class(const char *p, size_t len, size_t *pos, bool strict, struct glob_tok *t)
{
        size_t i = *pos + 1, cap = 0;
        t->kind = TOK_CLASS;
        if (i < len && p[i] == '^') {
                t->negated = true;
                i++;
        }
        for (;;) {
                if (i < len && p[i] == ']' && t->nranges > 0) {
                        i++;
                        break;
                }
                uint32_t lo, hi;
                if (class_char(p, len, &i, &lo) < 0)
                        return -EINVAL;
                hi = lo;
                if (p[i] == '-') {
                        i++;
                        if (class_char(p, len, &i, &hi) < 0)
                                return -EINVAL;
                }
                /* filepath.Match lets such a range match nothing; Docker's regexp refuses it. */
                if (strict && lo > hi)
                        return -EINVAL;
                if (t->nranges == cap) {
                        cap = cap ? cap * 2 : 4;
                        t->ranges = berth_xrealloc(t->ranges, cap * sizeof(*t->ranges));
                }
                t->ranges[t->nranges++] = (struct glob_range){lo, hi};
        }
        *pos = i;
        return 0;
}

void berth_glob_free(berth_glob *g)
{
        if (g == NULL)
                return;
        for (size_t i = 0; i < g->ntok; i++)
                free(g->tok[i].ranges);
        free(g->tok);
        free(g->fixed);
        free(g->literal);
        free(g);
}

static void glob_freep(berth_glob **g)
{
        berth_glob_free(*g);
}

int berth_glob_compile(const char *pattern, berth_glob_dialect dialect, berth_glob **ret)
{
        _cleanup_(glob_freep) berth_glob *g = berth_xmalloc0(sizeof(*g));
        size_t len = strlen(pattern), pos = 0, lit_len = 0, prefix_end = 0;
        bool literal_only = true;
        _cleanup_free_ char *lit = berth_xmalloc0(len + 1);
        enum glob_kind kind = KIND_EXACT;
        g->tok = berth_xmalloc0((len + 1) * sizeof(*g->tok));

        while (pos < len) {
                bool at_start = pos == 0;
                char c = pattern[pos];
                struct glob_tok *t = &g->tok[g->ntok];
                if (c == '*' && dialect == BERTH_GLOB_DOCKERIGNORE && pattern[pos + 1] == '*') {
                        prefix_end = pos;
                        pos += 2;
                        if (pattern[pos] == '/')
                                pos++;
                        if (pos == len) {
                                t->kind = TOK_DSTAR_END;
                                kind = kind == KIND_EXACT ? KIND_PREFIX : KIND_GENERAL;
                        } else {
                                t->kind = TOK_DSTAR_SLASH;
                                kind = KIND_GENERAL;
                        }
                        if (at_start)
                                kind = KIND_SUFFIX;
                        literal_only = false;
                } else if (c == '*' || c == '?') {
                        t->kind = c == '*' ? TOK_STAR : TOK_ANY;
                        pos++;
                        kind = KIND_GENERAL;
                        literal_only = false;
                } else if (c == '[') {
                        if (parse_class(pattern, len, &pos, dialect == BERTH_GLOB_DOCKERIGNORE, t) <
                            0) {
                                g->ntok++; /* its ranges are freed with g */
                                return -EINVAL;
                        }
                        kind = KIND_GENERAL;
                        literal_only = false;
                } else {
                        if (c == '\\') {
                                if (++pos == len)
                                        return -EINVAL;
                                kind = KIND_GENERAL;
                        } else if (c == ']') {
                                kind = KIND_GENERAL;
                        }
                        size_t w =
                            utf8_decode((const unsigned char *)pattern + pos, len - pos, &t->rune);
                        t->kind = TOK_RUNE;
                        memcpy(lit + lit_len, pattern + pos, w);
                        lit_len += w;
                        pos += w;
                }
                g->ntok++;
        }

        if (dialect == BERTH_GLOB_MATCH) {
                kind = literal_only ? KIND_EXACT : KIND_GENERAL;
                if (literal_only)
                        g->fixed = berth_xstrdup(lit);
        } else if (kind == KIND_EXACT) {
                g->fixed = berth_xstrdup(pattern);
        } else if (kind == KIND_PREFIX) {
                g->fixed = strndup(pattern, prefix_end);
                if (g->fixed == NULL)
                        abort();
        } else if (kind == KIND_SUFFIX) {
                g->fixed = berth_xstrdup(pattern + 2);
        }
        if (g->fixed)
                g->fixed_len = strlen(g->fixed);
        if (literal_only)
                g->literal = TAKE_PTR(lit);
        g->kind = kind;
        *ret = TAKE_PTR(g);
        return 0;
}

const char *berth_glob_literal(const berth_glob *g)
{
        return g->literal;
}

static bool class_has(const struct glob_tok *t, uint32_t r)
{
        bool in = false;
        for (size_t i = 0; i < t->nranges && !in; i++)
                in = t->ranges[i].lo <= r && r <= t->ranges[i].hi;
        return in != t->negated;
}

/* States: at[i] = before token i (at[ntok] = accepted); inside[i] = within the
 * "anything ending with '/'" of a TOK_DSTAR_SLASH i. Empty moves only go forward,
 * so one pass in token order closes a set. */
static void closure(const berth_glob *g, uint8_t *at, uint8_t *inside)
{
        for (size_t i = 0; i < g->ntok; i++) {
                if (!at[i])
                        continue;
                switch (g->tok[i].kind) {
                case TOK_DSTAR_SLASH:
                        inside[i] = 1;
                        at[i + 1] = 1;
                        break;
                case TOK_STAR:
                case TOK_DSTAR_END:
                        at[i + 1] = 1;
                        break;
                default:
                        break;
                }
        }
}

static bool match_tokens(const berth_glob *g, const char *name)
{
        size_t n = g->ntok + 1, len = strlen(name);
        uint8_t stackbuf[4 * 257];
        _cleanup_free_ uint8_t *heap = NULL;
        uint8_t *buf = stackbuf;
        if (n > 257)
                buf = heap = berth_xmalloc0(4 * n);
        uint8_t *at = buf, *inside = buf + n, *nat = buf + 2 * n, *ninside = buf + 3 * n;
        memset(buf, 0, 4 * n);
        at[0] = 1;
        closure(g, at, inside);
        for (size_t pos = 0; pos < len;) {
                uint32_t r;
                pos += utf8_decode((const unsigned char *)name + pos, len - pos, &r);
                memset(nat, 0, 2 * n);
                bool live = false;
                for (size_t i = 0; i < g->ntok; i++) {
                        if (inside[i]) {
                                ninside[i] = 1;
                                if (r == '/')
                                        nat[i + 1] = 1;
                                live = true;
                        }
                        if (!at[i])
                                continue;
                        const struct glob_tok *t = &g->tok[i];
                        switch (t->kind) {
                        case TOK_RUNE:
                                nat[i + 1] |= r == t->rune;
                                break;
                        case TOK_ANY:
                                nat[i + 1] |= r != '/';
                                break;
                        case TOK_CLASS:
                                nat[i + 1] |= class_has(t, r);
                                break;
                        case TOK_STAR:
                                nat[i] |= r != '/';
                                break;
                        case TOK_DSTAR_END:
                                nat[i] = 1;
                                break;
                        case TOK_DSTAR_SLASH:
                                break;
                        }
                }
                for (size_t i = 0; i < n && !live; i++)
                        live = nat[i];
                if (!live)
                        return false;
                closure(g, nat, ninside);
                uint8_t *tmp = at;
                at = nat, nat = tmp;
                tmp = inside;
                inside = ninside, ninside = tmp;
        }
        return at[g->ntok];
}

bool berth_glob_match(const berth_glob *g, const char *name)
{
        size_t len;
        switch (g->kind) {
        case KIND_EXACT:
                return strcmp(name, g->fixed) == 0;
        case KIND_PREFIX:
                return strncmp(name, g->fixed, g->fixed_len) == 0;
        case KIND_SUFFIX:
                len = strlen(name);
                if (len >= g->fixed_len &&
                    memcmp(name + len - g->fixed_len, g->fixed, g->fixed_len) == 0)
                        return true;
                return g->fixed[0] == '/' && strcmp(name, g->fixed + 1) == 0;
        case KIND_GENERAL:
                return match_tokens(g, name);
        }
        return false;
}

bool berth_glob_has_wildcards(const char *s)
{
        for (; *s; s++) {
                if (*s == '\\') {
                        if (*++s == '\0')
                                break;
                } else if (*s == '*' || *s == '?' || *s == '[') {
                        return true;
                }
        }
        return false;
}
