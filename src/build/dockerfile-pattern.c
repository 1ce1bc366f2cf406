/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The wildcard patterns of ${V#p}, ${V%p} and ${V/p/r}, as BuildKit turns
 * them into Go regular expressions: '*' is any run of characters, '?' one
 * character (neither crosses a newline, like Go's '.'), '\' makes '*', '?'
 * or '\' literal and is dropped before '}' and '/'; anything else is
 * literal. Matching is a set-of-positions simulation (no backtracking), so
 * the work is bounded by value length times pattern length, and counted
 * against the caller's budget.
 */
#include "dockerfile-internal.h"

#include "base/strutil.h"

#include <stdlib.h>
#include <string.h>

enum { T_LIT, T_ANY, T_STAR };

typedef struct tok {
        unsigned char kind, len;
        char b[4];
} tok;

struct df_pattern {
        tok *t;
        size_t n;
};

int df_pattern_compile(const char *s, size_t n, df_pattern **ret, df_buf *msg)
{
        df_pattern *p = berth_xmalloc0(sizeof(*p));
        p->t = berth_xmalloc0((n + 1) * sizeof(tok));
        for (size_t i = 0; i < n;) {
                size_t l = df_rune_len(s + i, n - i);
                tok t = {.kind = T_LIT};
                if (s[i] == '*') {
                        i++;
                        if (p->n > 0 && p->t[p->n - 1].kind == T_STAR)
                                continue; /* ** matches what * does */
                        p->t[p->n++] = (tok){.kind = T_STAR};
                        continue;
                }
                if (s[i] == '?') {
                        i++;
                        p->t[p->n++] = (tok){.kind = T_ANY};
                        continue;
                }
                if (s[i] == '\\') {
                        i++;
                        if (i < n && (s[i] == '}' || s[i] == '/'))
                                continue; /* escaped for ${}, not for the pattern */
                        if (i >= n || !(s[i] == '*' || s[i] == '?' || s[i] == '\\')) {
                                df_buf_adds(msg, "invalid escape '\\");
                                if (i >= n)
                                        df_buf_adds(msg, "\xef\xbf\xbd");
                                else
                                        df_buf_add(msg, s + i, df_rune_len(s + i, n - i));
                                df_buf_addc(msg, '\'');
                                df_pattern_free(p);
                                return -1;
                        }
                        l = 1;
                }
                t.len = (unsigned char)l;
                memcpy(t.b, s + i, l);
                p->t[p->n++] = t;
                i += l;
        }
        *ret = p;
        return 0;
}

void df_pattern_free(df_pattern *p)
{
        if (p == NULL)
                return;
        free(p->t);
        free(p);
}

/* The positions of the pattern reached so far; a star also lets the next one in. */
static void closure(const tok *t, size_t m, unsigned char *set)
{
        for (size_t j = 0; j < m; j++)
                if (set[j] && t[j].kind == T_STAR)
                        set[j + 1] = 1;
}

/* Advance over one rune; false when no position is left. */
static bool step(const tok *t, size_t m, const unsigned char *cur, unsigned char *next,
                 const char *r, size_t rl)
{
        bool nl = rl == 1 && r[0] == '\n';
        bool any = false;
        memset(next, 0, m + 1);
        for (size_t j = 0; j < m; j++) {
                if (!cur[j])
                        continue;
                switch (t[j].kind) {
                case T_STAR:
                        if (!nl)
                                next[j] = 1, any = true;
                        break;
                case T_ANY:
                        if (!nl)
                                next[j + 1] = 1, any = true;
                        break;
                default:
                        if (t[j].len == rl && memcmp(t[j].b, r, rl) == 0)
                                next[j + 1] = 1, any = true;
                }
        }
        closure(t, m, next);
        return any;
}

static int spend(uint64_t *budget, size_t m, df_buf *msg)
{
        if (*budget < m + 1) {
                df_buf_adds(msg, "pattern substitution needs too much work");
                return -1;
        }
        *budget -= m + 1;
        return 0;
}

/* Rune start offsets of v, plus n at the end. */
static uint32_t *rune_offsets(const char *v, size_t n, size_t *ret_count)
{
        uint32_t *o = berth_xmalloc0((n + 1) * sizeof(uint32_t));
        size_t k = 0;
        for (size_t i = 0; i < n; i += df_rune_len(v + i, n - i))
                o[k++] = (uint32_t)i;
        o[k] = (uint32_t)n;
        *ret_count = k;
        return o;
}

/*
 * Match t (m tokens) anchored at rune index `from` of v, walking forward
 * (dir 1) or backward (dir -1, tokens reversed). *ret is the rune index
 * where the shortest (or, greedy, longest) match ends, or -1.
 */
static int anchored(const tok *t, size_t m, const char *v, const uint32_t *off, size_t count,
                    size_t from, int dir, bool greedy, long *ret, uint64_t *budget, df_buf *msg)
{
        unsigned char *cur = berth_xmalloc0(m + 1), *next = berth_xmalloc0(m + 1);
        long best = -1;
        int r = 0;
        cur[0] = 1;
        closure(t, m, cur);
        long i = (long)from;
        if (cur[m]) {
                best = i;
                if (!greedy)
                        goto out;
        }
        for (;;) {
                size_t a, b;
                if (dir > 0) {
                        if ((size_t)i >= count)
                                break;
                        a = off[i], b = off[i + 1];
                } else {
                        if (i <= 0)
                                break;
                        a = off[i - 1], b = off[i];
                }
                r = spend(budget, m, msg);
                if (r < 0)
                        goto out;
                if (!step(t, m, cur, next, v + a, b - a))
                        break;
                unsigned char *tmp = cur;
                cur = next, next = tmp;
                i += dir;
                if (cur[m]) {
                        best = i;
                        if (!greedy)
                                break;
                }
        }
out:
        free(cur);
        free(next);
        *ret = best;
        return r;
}

int df_pattern_trim(const df_pattern *p, const char *v, size_t n, bool suffix, bool greedy,
                    df_buf *out, uint64_t *budget, df_buf *msg)
{
        size_t count;
        uint32_t *off = rune_offsets(v, n, &count);
        tok *t = p->t;
        tok *rev = NULL;
        long end;
        int r;

        if (suffix) {
                /* ${V%p}: BuildKit reverses value and pattern and trims a prefix. */
                rev = berth_xmalloc0((p->n + 1) * sizeof(tok));
                for (size_t j = 0; j < p->n; j++)
                        rev[j] = p->t[p->n - 1 - j];
                t = rev;
        }
        r = anchored(t, p->n, v, off, count, suffix ? count : 0, suffix ? -1 : 1, greedy, &end,
                     budget, msg);
        if (r >= 0) {
                if (end < 0)
                        df_buf_add(out, v, n);
                else if (suffix)
                        df_buf_add(out, v, off[end]);
                else
                        df_buf_add(out, v + off[end], n - off[end]);
        }
        free(rev);
        free(off);
        return r;
}

/* Go's Regexp.Expand for a pattern without groups: $0 / ${0} is the match,
 * other well-formed names are empty, $$ is '$', a malformed $ is literal. */
static void expand_template(const char *repl, const char *match, size_t mlen, df_buf *out)
{
        for (const char *s = repl; *s;) {
                const char *d = strchr(s, '$');
                if (d == NULL) {
                        df_buf_adds(out, s);
                        return;
                }
                df_buf_add(out, s, (size_t)(d - s));
                s = d + 1;
                if (*s == '$') {
                        df_buf_addc(out, '$');
                        s++;
                        continue;
                }
                const char *name = s;
                bool brace = *name == '{';
                if (brace)
                        name++;
                size_t i = 0, rest = strlen(name);
                while (i < rest) {
                        size_t l;
                        uint32_t r = df_rune(name + i, rest - i, &l);
                        if (r != '_' && !df_rune_is_alnum(r))
                                break;
                        i += l;
                }
                if (i == 0 || (brace && name[i] != '}')) {
                        df_buf_addc(out, '$'); /* malformed: the $ is text */
                        continue;
                }
                bool zero = i == 1 && name[0] == '0';
                s = name + i + (brace ? 1 : 0);
                if (zero)
                        df_buf_add(out, match, mlen);
        }
}

int df_pattern_replace(const df_pattern *p, const char *v, size_t n, const char *repl, bool all,
                       df_buf *out, uint64_t *budget, df_buf *msg)
{
        size_t count;
        uint32_t *off = rune_offsets(v, n, &count);
        size_t last_end = 0, sp = 0; /* byte offsets */
        size_t si = 0;               /* rune index of sp */
        int r = 0;
        bool done = false;

        while (!done && sp <= n) {
                long ms = -1, me = -1;
                for (size_t s = si; s <= count; s++) {
                        long end;
                        r = anchored(p->t, p->n, v, off, count, s, 1, true, &end, budget, msg);
                        if (r < 0)
                                goto out;
                        if (end >= 0) {
                                ms = (long)s, me = end;
                                break;
                        }
                }
                if (ms < 0)
                        break;
                size_t a = off[ms], b = off[me];
                df_buf_add(out, v + last_end, a - last_end);
                if (!all) {
                        df_buf_adds(out, repl);
                        last_end = b;
                        break;
                }
                if (b > last_end || a == 0)
                        expand_template(repl, v + a, b - a, out);
                last_end = b;
                /* Advance past the match, at least one character. */
                size_t width = sp < n ? off[si + 1] - off[si] : 0;
                if (sp + width > b) {
                        sp += width;
                        si++;
                } else if (sp + 1 > b) {
                        sp++;
                        done = true; /* only at the end of the value */
                } else {
                        sp = b;
                        si = (size_t)me;
                }
                if (si > count)
                        done = true;
        }
        df_buf_add(out, v + last_end, n - last_end);
out:
        free(off);
        return r;
}
