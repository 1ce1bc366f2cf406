/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers of the Dockerfile parser: byte strings, UTF-8 classes as Go
 * has them, Go's %q, BuildKit's "did you mean" and Go's time.ParseDuration. */
#include "dockerfile-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <wctype.h>

void df_buf_add(df_buf *b, const char *s, size_t n)
{
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 32;
                while (cap < b->len + n + 1)
                        cap *= 2;
                b->s = berth_xrealloc(b->s, cap);
                b->cap = cap;
        }
        if (n)
                memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
}

void df_buf_addc(df_buf *b, char c)
{
        df_buf_add(b, &c, 1);
}

void df_buf_adds(df_buf *b, const char *s)
{
        df_buf_add(b, s, strlen(s));
}

char *df_buf_take(df_buf *b)
{
        if (b->s == NULL)
                return berth_xstrdup("");
        char *s = b->s;
        *b = (df_buf){0};
        return s;
}

void df_buf_free(df_buf *b)
{
        free(b->s);
        *b = (df_buf){0};
}

static size_t df_cap(size_t n)
{
        size_t c = 4;
        while (c < n)
                c <<= 1;
        return c;
}

void *df_grow(void *p, size_t used, size_t want, size_t size)
{
        if (p && used > 0 && df_cap(used) >= want)
                return p;
        return berth_xrealloc(p, df_cap(want) * size);
}

char *df_strndup(const char *s, size_t n)
{
        char *r = berth_xmalloc0(n + 1);
        memcpy(r, s, n);
        return r;
}

uint32_t df_rune(const char *s, size_t n, size_t *ret_len)
{
        uint32_t r;
        *ret_len = berth_utf8_decode(s, n, &r);
        return r == BERTH_UTF8_INVALID ? 0xfffd : r;
}

size_t df_rune_len(const char *s, size_t n)
{
        size_t l;
        (void)df_rune(s, n, &l);
        return l;
}

static bool rune_is_space(uint32_t r)
{
        switch (r) {
        case '\t':
        case '\n':
        case '\v':
        case '\f':
        case '\r':
        case ' ':
        case 0x85:
        case 0xa0:
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202f:
        case 0x205f:
        case 0x3000:
                return true;
        default:
                return r >= 0x2000 && r <= 0x200a;
        }
}

size_t df_space_len(const char *s, size_t n)
{
        if (n == 0)
                return 0;
        if ((unsigned char)s[0] < 0x80)
                return rune_is_space((unsigned char)s[0]) ? 1 : 0;
        size_t l;
        uint32_t r = df_rune(s, n, &l);
        return rune_is_space(r) && r != 0xfffd ? l : 0;
}

size_t df_space_len_back(const char *s, size_t n)
{
        for (size_t l = 1; l <= 3 && l <= n; l++) {
                size_t got = df_space_len(s + n - l, l);
                if (got == l)
                        return l;
        }
        return 0;
}

void df_trim_space(const char **s, size_t *n)
{
        size_t l;
        while (*n > 0 && (l = df_space_len(*s, *n)) > 0) {
                *s += l;
                *n -= l;
        }
        while (*n > 0 && (l = df_space_len_back(*s, *n)) > 0)
                *n -= l;
}

/* Unicode letters and digits: glibc's C.UTF-8 knows them; without that
 * locale, any non-ASCII rune but a space counts as a letter. */
static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_init(void)
{
        utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

bool df_rune_is_alnum(uint32_t r)
{
        if (r < 0x80)
                return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9');
        if (r == 0xfffd)
                return false;
        pthread_once(&utf8_once, utf8_init);
        if (utf8_locale == (locale_t)0)
                return !rune_is_space(r);
        return iswalnum_l((wint_t)r, utf8_locale) != 0;
}

#define QUOTE_MAX 256

void df_go_quote(df_buf *b, const char *s, size_t n)
{
        bool cut = n > QUOTE_MAX;
        if (cut)
                n = QUOTE_MAX;
        df_buf_addc(b, '"');
        for (size_t i = 0; i < n;) {
                unsigned char c = (unsigned char)s[i];
                char tmp[8];
                if (c >= 0x80) {
                        size_t l;
                        uint32_t r = df_rune(s + i, n - i, &l);
                        if (r == 0xfffd && l == 1) {
                                snprintf(tmp, sizeof(tmp), "\\x%02x", c);
                                df_buf_adds(b, tmp);
                        } else {
                                df_buf_add(b, s + i, l);
                        }
                        i += l;
                        continue;
                }
                switch (c) {
                case '"':
                        df_buf_adds(b, "\\\"");
                        break;
                case '\\':
                        df_buf_adds(b, "\\\\");
                        break;
                case '\a':
                        df_buf_adds(b, "\\a");
                        break;
                case '\b':
                        df_buf_adds(b, "\\b");
                        break;
                case '\f':
                        df_buf_adds(b, "\\f");
                        break;
                case '\n':
                        df_buf_adds(b, "\\n");
                        break;
                case '\r':
                        df_buf_adds(b, "\\r");
                        break;
                case '\t':
                        df_buf_adds(b, "\\t");
                        break;
                case '\v':
                        df_buf_adds(b, "\\v");
                        break;
                default:
                        if (c < 0x20 || c == 0x7f) {
                                snprintf(tmp, sizeof(tmp), "\\x%02x", c);
                                df_buf_adds(b, tmp);
                        } else {
                                df_buf_addc(b, (char)c);
                        }
                }
                i++;
        }
        df_buf_addc(b, '"');
        if (cut)
                df_buf_adds(b, "...");
}

/* Levenshtein distance of two short strings (both at most 32 bytes). */
static size_t distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        size_t row[33];
        for (size_t j = 0; j <= lb; j++)
                row[j] = j;
        for (size_t i = 1; i <= la; i++) {
                size_t diag = row[0];
                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t up = row[j];
                        size_t best = diag + (a[i - 1] != b[j - 1]);
                        if (up + 1 < best)
                                best = up + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        row[j] = best;
                        diag = up;
                }
        }
        return row[lb];
}

static void ascii_case(char *s, bool upper)
{
        for (; *s; s++)
                if (upper && *s >= 'a' && *s <= 'z')
                        *s = (char)(*s - 'a' + 'A');
                else if (!upper && *s >= 'A' && *s <= 'Z')
                        *s = (char)(*s - 'A' + 'a');
}

const char *df_suggest(const char *val, const char *const *options, size_t n_options, bool fold,
                       char *out, size_t outsz)
{
        char v[33], o[33];
        size_t best = 3;
        const char *match = NULL;
        if (strlen(val) > 32)
                return NULL;
        strcpy(v, val);
        if (fold)
                ascii_case(v, false);
        for (size_t i = 0; i < n_options; i++) {
                if (strlen(options[i]) > 32)
                        continue;
                strcpy(o, options[i]);
                if (fold)
                        ascii_case(o, false);
                if (strcmp(v, o) == 0)
                        return NULL;
                size_t d = distance(v, o);
                if (d < best) {
                        best = d;
                        match = options[i];
                }
        }
        if (match == NULL || strlen(match) >= outsz)
                return NULL;
        strcpy(out, match);
        if (fold) {
                strcpy(v, val);
                ascii_case(v, false);
                bool lower = strcmp(v, val) == 0;
                ascii_case(v, true);
                bool upper = strcmp(v, val) == 0;
                if (lower)
                        ascii_case(out, false);
                else if (upper)
                        ascii_case(out, true);
        }
        return out;
}
