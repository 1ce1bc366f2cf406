/* SPDX-License-Identifier: Apache-2.0 */
#include "strutil.h"
#include "cleanup.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/random.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
        static const char m[] = "berth: out of memory\n";
        ssize_t w = write(STDERR_FILENO, m, sizeof(m) - 1);
        (void)w;
        abort();
}

void *berth_xmalloc0(size_t n)
{
        void *p = calloc(1, n ? n : 1);
        if (p == NULL)
                oom();
        return p;
}

void *berth_xrealloc(void *p, size_t n)
{
        void *r = realloc(p, n ? n : 1);
        if (r == NULL)
                oom();
        return r;
}

char *berth_xstrdup(const char *s)
{
        if (s == NULL)
                return NULL;
        char *r = strdup(s);
        if (r == NULL)
                oom();
        return r;
}

char *berth_xasprintf(const char *fmt, ...)
{
        char *r;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&r, fmt, ap);
        va_end(ap);
        if (n < 0)
                oom();
        return r;
}

bool berth_str_has_prefix(const char *s, const char *prefix)
{
        return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool berth_str_has_suffix(const char *s, const char *suffix)
{
        if (s == NULL)
                return false;
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && strcmp(s + a - b, suffix) == 0;
}

size_t berth_strv_length(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

const char *berth_strv_env_get(char *const *v, const char *name)
{
        size_t n = strlen(name);
        for (size_t i = 0; v && v[i]; i++)
                if (strncmp(v[i], name, n) == 0 && v[i][n] == '=')
                        return v[i] + n + 1;
        return NULL;
}

char **berth_strv_dup(char *const *v)
{
        size_t n = berth_strv_length(v);
        char **r = berth_xmalloc0((n + 1) * sizeof(char *));
        for (size_t i = 0; i < n; i++)
                r[i] = berth_xstrdup(v[i]);
        return r;
}

bool berth_strv_contains(char *const *v, const char *s)
{
        for (size_t i = 0; v && v[i]; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

void berth_strv_push(char ***v, const char *s)
{
        size_t n = berth_strv_length(*v);
        *v = berth_xrealloc(*v, (n + 2) * sizeof(char *));
        (*v)[n] = berth_xstrdup(s);
        (*v)[n + 1] = NULL;
}

void berth_strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

void berth_json_escape(const char *s, char *out, size_t outsz)
{
        size_t o = 0;
        if (outsz == 0)
                return;
        for (; s && *s && o + 7 < outsz; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\') {
                        out[o++] = '\\';
                        out[o++] = (char)c;
                } else if (c == '\n') {
                        out[o++] = '\\';
                        out[o++] = 'n';
                } else if (c == '\t') {
                        out[o++] = '\\';
                        out[o++] = 't';
                } else if (c < 0x20) {
                        o += snprintf(out + o, outsz - o, "\\u%04x", c);
                } else {
                        out[o++] = (char)c;
                }
        }
        out[o] = '\0';
}

int berth_parse_i64(const char *s, long long *ret)
{
        if (s == NULL || *s == '\0')
                return -EINVAL;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 0);
        if (errno != 0 || *end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

int berth_random_hex(char *buf, size_t nbytes, berth_error *err)
{
        unsigned char b[64];
        if (nbytes > sizeof(b))
                return berth_errx(err, EINVAL, "too many random bytes asked for");
        size_t got = 0;
        while (got < nbytes) {
                ssize_t n = getrandom(b + got, nbytes - got, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "cannot read random bytes");
                got += (size_t)n;
        }
        for (size_t i = 0; i < nbytes; i++)
                snprintf(buf + 2 * i, 3, "%02x", b[i]);
        return 0;
}

size_t berth_utf8_decode(const char *s, size_t n, uint32_t *ret)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t len;
        uint32_t r, min;
        if (u[0] < 0x80) {
                *ret = u[0];
                return 1;
        }
        if ((u[0] & 0xe0) == 0xc0)
                len = 2, r = u[0] & 0x1f, min = 0x80;
        else if ((u[0] & 0xf0) == 0xe0)
                len = 3, r = u[0] & 0x0f, min = 0x800;
        else if ((u[0] & 0xf8) == 0xf0)
                len = 4, r = u[0] & 0x07, min = 0x10000;
        else
                goto bad;
        if (n < len)
                goto bad;
        for (size_t i = 1; i < len; i++) {
                if ((u[i] & 0xc0) != 0x80)
                        goto bad;
                r = (r << 6) | (u[i] & 0x3f);
        }
        if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
                goto bad;
        *ret = r;
        return len;
bad:
        *ret = BERTH_UTF8_INVALID;
        return 1;
}

char *berth_strv_join(char *const *v, size_t n, const char *sep)
{
        size_t len = 1, sl = strlen(sep), i;
        for (i = 0; v && v[i] && i < n; i++)
                len += strlen(v[i]) + sl;
        char *r = berth_xmalloc0(len), *w = r;
        for (size_t j = 0; j < i; j++) {
                if (j) {
                        memcpy(w, sep, sl);
                        w += sl;
                }
                size_t k = strlen(v[j]);
                memcpy(w, v[j], k);
                w += k;
        }
        *w = '\0';
        return r;
}
