/* SPDX-License-Identifier: Apache-2.0 */
/* Small Go-alike helpers for the run flags: quoting, paths, integers. */
#include "runflags-int.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *rf_quote(const char *s)
{
        size_t n = strlen(s);
        char *out = berth_xmalloc0(n * 4 + 3);
        char *o = out;
        *o++ = '"';
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                switch (*p) {
                case '"':
                case '\\':
                        *o++ = '\\';
                        *o++ = (char)*p;
                        break;
                case '\n':
                        o = stpcpy(o, "\\n");
                        break;
                case '\t':
                        o = stpcpy(o, "\\t");
                        break;
                case '\r':
                        o = stpcpy(o, "\\r");
                        break;
                default:
                        if (*p < ' ' || *p == 0x7f)
                                o += sprintf(o, "\\x%02x", *p);
                        else
                                *o++ = (char)*p;
                }
        }
        *o++ = '"';
        *o = '\0';
        return out;
}

char *rf_path_clean(const char *p)
{
        return berth_path_clean_go(p ? p : "", p ? strlen(p) : 0);
}

char *rf_path_abs(const char *p)
{
        if (p[0] == '/')
                return rf_path_clean(p);
        char cwd[4096];
        if (getcwd(cwd, sizeof(cwd)) == NULL)
                return rf_path_clean(p);
        _cleanup_free_ char *joined = berth_xasprintf("%s/%s", cwd, p);
        return rf_path_clean(joined);
}

bool rf_path_is_local(const char *p)
{
        if (*p == '\0' || *p == '/')
                return false;
        _cleanup_free_ char *c = rf_path_clean(p);
        return !(strcmp(c, "..") == 0 || berth_str_has_prefix(c, "../"));
}

const char *rf_cut(const char *s, char sep, char **ret_key)
{
        const char *at = strchr(s, sep);
        *ret_key = at ? strndup(s, (size_t)(at - s)) : berth_xstrdup(s);
        if (*ret_key == NULL)
                abort();
        return at ? at + 1 : NULL;
}

json_t *rf_strv_json(char **v)
{
        json_t *a = json_array();
        STRV_FOREACH (s, v)
                json_array_append_new(a, json_string(*s));
        return a;
}

/* 0 and the value, -EINVAL on bad syntax, -ERANGE past `bits`. */
static int parse_uint_core(const char *s, int base, int bits, uint64_t *ret)
{
        if (*s == '\0')
                return -EINVAL;
        if (base == 0) {
                base = 10;
                if (s[0] == '0') {
                        if (s[1] == 'x' || s[1] == 'X') {
                                base = 16;
                                s += 2;
                        } else if (s[1] == 'o' || s[1] == 'O') {
                                base = 8;
                                s += 2;
                        } else if (s[1] == 'b' || s[1] == 'B') {
                                base = 2;
                                s += 2;
                        } else {
                                base = 8;
                                s++;
                                if (*s == '\0') {
                                        *ret = 0;
                                        return 0;
                                }
                        }
                        if (*s == '\0')
                                return -EINVAL;
                }
        }
        uint64_t max = bits >= 64 ? UINT64_MAX : (1ULL << bits) - 1;
        uint64_t v = 0;
        bool range = false;
        for (; *s; s++) {
                int d;
                if (*s >= '0' && *s <= '9')
                        d = *s - '0';
                else if (*s >= 'a' && *s <= 'z')
                        d = *s - 'a' + 10;
                else if (*s >= 'A' && *s <= 'Z')
                        d = *s - 'A' + 10;
                else
                        return -EINVAL;
                if (d >= base)
                        return -EINVAL;
                if (range)
                        continue;
                if (v > (max - (uint64_t)d) / (uint64_t)base)
                        range = true;
                else
                        v = v * (uint64_t)base + (uint64_t)d;
        }
        if (range)
                return -ERANGE;
        *ret = v;
        return 0;
}

static int strconv_err(berth_error *err, const char *fn, const char *s, int r)
{
        _cleanup_free_ char *q = rf_quote(s);
        return berth_errx(err, EINVAL, "strconv.%s: parsing %s: %s", fn, q,
                          r == -ERANGE ? "value out of range" : "invalid syntax");
}

int rf_parse_uint(const char *s, int base, int bits, uint64_t *ret, berth_error *err)
{
        uint64_t v;
        int r = parse_uint_core(s, base, bits, &v);
        if (r < 0)
                return strconv_err(err, "ParseUint", s, r);
        *ret = v;
        return 0;
}

int rf_parse_int(const char *s, int base, int bits, int64_t *ret, berth_error *err)
{
        const char *p = s;
        bool neg = false;
        if (*p == '+' || *p == '-') {
                neg = *p == '-';
                p++;
        }
        uint64_t v;
        int r = parse_uint_core(p, base, 64, &v);
        uint64_t cutoff = 1ULL << (bits - 1);
        if (r == 0 && ((!neg && v >= cutoff) || (neg && v > cutoff)))
                r = -ERANGE;
        if (r < 0)
                return strconv_err(err, "ParseInt", s, r);
        *ret = neg ? (int64_t)(0 - v) : (int64_t)v;
        return 0;
}
