/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz .dockerignore reading and matching. The input is an ignore file; its
 * lines are also the paths tried. Checked besides "no crash":
 *  - the cleaned patterns, written out again, read back the same;
 *  - every pattern agrees with a second, naive matcher (backtracking over the
 *    pattern text, memoised) on every ASCII path tried;
 *  - a path's verdict is the same however its parents' info is computed.
 */
#include "build/dockerignore.h"
#include "build/glob.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *berth_fuzz_target_name = "fuzz-dockerignore";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXLEN 64

struct oracle {
        const char *p, *s;
        size_t plen, slen;
        uint8_t memo[MAXLEN + 1][MAXLEN + 1]; /* 0 unknown, 1 no, 2 yes */
};

static bool om(struct oracle *o, size_t i, size_t j);

static bool om_memo(struct oracle *o, size_t i, size_t j)
{
        if (o->memo[i][j] == 0)
                o->memo[i][j] = om(o, i, j) ? 2 : 1;
        return o->memo[i][j] == 2;
}

/* A class at p[i] (valid: compile accepted it) against c; *next gets what follows. */
static bool oclass(const char *p, size_t i, char c, size_t *next)
{
        bool neg = false, in = false, first = true;
        i++;
        if (p[i] == '^')
                neg = true, i++;
        while (first || p[i] != ']') {
                char lo = p[i] == '\\' ? p[++i] : p[i];
                i++;
                char hi = lo;
                if (p[i] == '-') {
                        i++;
                        hi = p[i] == '\\' ? p[++i] : p[i];
                        i++;
                }
                if (lo <= c && c <= hi)
                        in = true;
                first = false;
        }
        *next = i + 1;
        return in != neg;
}

static bool om(struct oracle *o, size_t i, size_t j)
{
        const char *p = o->p, *s = o->s;
        if (i == o->plen)
                return j == o->slen;
        if (p[i] == '*' && p[i + 1] == '*') {
                size_t q = i + 2;
                if (p[q] == '/')
                        q++;
                if (q == o->plen)
                        return true;
                if (om_memo(o, q, j))
                        return true;
                for (size_t k = j; k < o->slen; k++)
                        if (s[k] == '/' && om_memo(o, q, k + 1))
                                return true;
                return false;
        }
        if (p[i] == '*') {
                for (size_t k = j;; k++) {
                        if (om_memo(o, i + 1, k))
                                return true;
                        if (k == o->slen || s[k] == '/')
                                return false;
                }
        }
        if (j == o->slen)
                return false;
        if (p[i] == '?')
                return s[j] != '/' && om_memo(o, i + 1, j + 1);
        if (p[i] == '[') {
                size_t next;
                return oclass(p, i, s[j], &next) && om_memo(o, next, j + 1);
        }
        if (p[i] == '\\')
                return p[i + 1] == s[j] && om_memo(o, i + 2, j + 1);
        return p[i] == s[j] && om_memo(o, i + 1, j + 1);
}

static bool oracle_match(const char *p, const char *s)
{
        size_t plen = strlen(p), slen = strlen(s);
        /* patternmatcher's suffix match: "**" then plain text. */
        if (p[0] == '*' && p[1] == '*' && strpbrk(p + 2, "*?[]\\") == NULL) {
                const char *suf = p + 2;
                size_t n = strlen(suf);
                if (slen >= n && memcmp(s + slen - n, suf, n) == 0)
                        return true;
                return suf[0] == '/' && strcmp(s, suf + 1) == 0;
        }
        static struct oracle o;
        memset(o.memo, 0, sizeof(o.memo));
        o.p = p, o.s = s, o.plen = plen, o.slen = slen;
        return om(&o, 0, 0);
}

static bool ascii_short(const char *s)
{
        size_t n = 0;
        for (; s[n]; n++)
                if ((unsigned char)s[n] >= 0x80 || n >= MAXLEN)
                        return false;
        return true;
}

static bool is_space(char c)
{
        return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The patterns written out so that reading them gives them back. */
static char *serialize(const berth_dockerignore *ign, size_t *ret_len)
{
        size_t cap = 16, len = 0;
        for (size_t i = 0; i < berth_dockerignore_count(ign); i++)
                cap += strlen(berth_dockerignore_pattern(ign, i, NULL)) + 10;
        char *out = malloc(cap);
        if (out == NULL)
                abort();
        for (size_t i = 0; i < berth_dockerignore_count(ign); i++) {
                bool exc = false;
                const char *p = berth_dockerignore_pattern(ign, i, &exc);
                if (exc &&
                    (is_space(p[0]) || (unsigned char)p[0] >= 0x80 || p[0] == '/' || p[0] == '.')) {
                        /* "! a" would lose its space, "!/b" its slash, "!./c" its "./": the
                         * cleaner sees "!" and what follows as one name, so "./! a", "./!/b"
                         * and "./!./c" give them back (in Docker "./!x" is an exception). */
                        memcpy(out + len, "./", 2);
                        len += 2;
                }
                if (exc) {
                        out[len++] = '!';
                } else if (p[0] == '#') {
                        out[len++] = '/'; /* not a comment */
                } else if (is_space(p[0]) || (unsigned char)p[0] >= 0x80) {
                        /* "\fx" from "/\f./\fx" (trim, clean, drop '/', trim, clean); a BOM too */
                        memcpy(out + len, "/ ./", 4);
                        len += 4;
                } else if (p[0] == '/' && p[1] != '\0') {
                        memcpy(out + len, "./ ", 3); /* "/ /x" gives "/x" in Docker too */
                        len += 3;
                }
                memcpy(out + len, p, strlen(p));
                len += strlen(p);
                size_t plen = strlen(p);
                if (plen > 0 && (is_space(p[plen - 1]) || (unsigned char)p[plen - 1] >= 0x80)) {
                        /* "x\t" comes from a line such as "x\t/ /.": the reader's trim, clean,
                         * trim and clean leave the tab where the line's last trim would not. */
                        memcpy(out + len, "/ /.", 4);
                        len += 4;
                }
                out[len++] = '\n';
        }
        *ret_len = len;
        return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 4096)
                return 0;
        berth_error err = {0};
        berth_dockerignore *ign = NULL;
        if (berth_dockerignore_parse((const char *)data, size, "fuzz", &ign, &err) < 0)
                return 0;
        size_t n = berth_dockerignore_count(ign);

        size_t slen;
        char *text = serialize(ign, &slen);
        berth_dockerignore *again = NULL;
        if (berth_dockerignore_parse(text, slen, "again", &again, &err) < 0)
                abort();
        if (berth_dockerignore_count(again) != n)
                abort();
        for (size_t i = 0; i < n; i++) {
                bool e1, e2;
                const char *a = berth_dockerignore_pattern(ign, i, &e1);
                const char *b = berth_dockerignore_pattern(again, i, &e2);
                if (strcmp(a, b) != 0 || e1 != e2)
                        abort();
        }
        free(text);
        berth_dockerignore_free(again);

        /* Paths: the input's lines, and a few fixed ones. */
        static const char *fixed[] = {"a",    "a/b",   "dir/file.txt",
                                      ".foo", "x/y/z", "docs/README.md"};
        size_t npaths = 0;
        char *paths[64];
        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
                paths[npaths++] = strdup(fixed[i]);
        for (size_t pos = 0; pos < size && npaths < 64;) {
                const char *line = (const char *)data + pos;
                const char *nl = memchr(line, '\n', size - pos);
                size_t len = nl ? (size_t)(nl - line) : size - pos;
                pos += len + 1;
                if (len > 0 && memchr(line, '\0', len) == NULL)
                        paths[npaths++] = strndup(line, len);
        }

        bool *info = calloc(n + 1, sizeof(bool));
        for (size_t k = 0; k < npaths; k++) {
                if (paths[k] == NULL)
                        abort();
                for (size_t i = 0; i < n; i++) {
                        const char *p = berth_dockerignore_pattern(ign, i, NULL);
                        if (!ascii_short(p) || !ascii_short(paths[k]))
                                continue;
                        berth_glob *g = NULL;
                        if (berth_glob_compile(p, BERTH_GLOB_DOCKERIGNORE, &g) < 0)
                                abort(); /* it was accepted once */
                        if (berth_glob_match(g, paths[k]) != oracle_match(p, paths[k]))
                                abort();
                        berth_glob_free(g);
                }
                bool ex = berth_dockerignore_excluded(ign, paths[k]);
                /* Top-level paths have no parent: both readings agree. */
                if (strchr(paths[k], '/') == NULL &&
                    berth_dockerignore_match(ign, paths[k], NULL, info) != ex)
                        abort();
                (void)berth_dockerignore_descend(ign, paths[k]);
                free(paths[k]);
        }
        free(info);
        berth_dockerignore_free(ign);
        return 0;
}
