/* SPDX-License-Identifier: Apache-2.0 */
#include "units.h"
#include "strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void berth_human_size(int64_t bytes, char *buf, size_t bufsz)
{
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        double v = (double)(bytes < 0 ? 0 : bytes);
        size_t i = 0;
        while (v >= 1000.0 && i + 1 < sizeof(units) / sizeof(units[0])) {
                v /= 1000.0;
                i++;
        }
        snprintf(buf, bufsz, "%.3g%s", v, units[i]);
}

/* Divide by base while the value reaches it, as go-units' getSizeAndUnit does. */
static void size_in_units(double v, double base, const char *const *units, size_t n, int prec,
                          char *buf, size_t bufsz)
{
        size_t i = 0;
        if (v < 0)
                v = 0;
        while (v >= base && i + 1 < n) {
                v /= base;
                i++;
        }
        snprintf(buf, bufsz, "%.*g%s", prec, v, units[i]);
}

void berth_human_size_prec(double bytes, int precision, char *buf, size_t bufsz)
{
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
        size_in_units(bytes, 1000.0, units, sizeof(units) / sizeof(units[0]), precision, buf,
                      bufsz);
}

void berth_bytes_size(double bytes, char *buf, size_t bufsz)
{
        static const char *const units[] = {"B",   "KiB", "MiB", "GiB", "TiB",
                                            "PiB", "EiB", "ZiB", "YiB"};
        size_in_units(bytes, 1024.0, units, sizeof(units) / sizeof(units[0]), 4, buf, bufsz);
}

void berth_human_duration(int64_t s, char *buf, size_t bufsz)
{
        int64_t minutes = s / 60;
        int64_t hours = (int64_t)((double)s / 3600.0 + 0.5);
        if (s < 1)
                snprintf(buf, bufsz, "Less than a second");
        else if (s == 1)
                snprintf(buf, bufsz, "1 second");
        else if (s < 60)
                snprintf(buf, bufsz, "%lld seconds", (long long)s);
        else if (minutes == 1)
                snprintf(buf, bufsz, "About a minute");
        else if (minutes < 60)
                snprintf(buf, bufsz, "%lld minutes", (long long)minutes);
        else if (hours == 1)
                snprintf(buf, bufsz, "About an hour");
        else if (hours < 48)
                snprintf(buf, bufsz, "%lld hours", (long long)hours);
        else if (hours < 24 * 7 * 2)
                snprintf(buf, bufsz, "%lld days", (long long)(hours / 24));
        else if (hours < 24 * 30 * 2)
                snprintf(buf, bufsz, "%lld weeks", (long long)(hours / 24 / 7));
        else if (hours < 24 * 365 * 2)
                snprintf(buf, bufsz, "%lld months", (long long)(hours / 24 / 30));
        else
                snprintf(buf, bufsz, "%lld years", (long long)(s / 3600 / 24 / 365));
}

int64_t berth_parse_rfc3339(const char *s)
{
        if (s == NULL)
                return -1;
        struct tm tm = {0};
        const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (rest == NULL)
                return -1;
        if (*rest == '.')
                for (rest++; *rest >= '0' && *rest <= '9'; rest++)
                        ;
        int64_t t = (int64_t)timegm(&tm);
        if (*rest == 'Z' || *rest == 'z')
                return t;
        if ((*rest == '+' || *rest == '-') && strlen(rest) >= 6) {
                int hh = atoi(rest + 1), mm = atoi(rest + 4);
                int64_t off = (int64_t)hh * 3600 + mm * 60;
                return *rest == '+' ? t - off : t + off;
        }
        return *rest == '\0' ? t : -1;
}

/* Go's time.quote(): the string in double quotes, bytes outside printable
 * ASCII as \xNN, quotes and backslashes escaped. */
static void go_quote(const char *s, char *buf, size_t bufsz)
{
        size_t o = 0;
        if (bufsz < 3) {
                if (bufsz)
                        buf[0] = '\0';
                return;
        }
        buf[o++] = '"';
        for (const unsigned char *p = (const unsigned char *)s; *p && o + 6 < bufsz; p++) {
                if (*p < ' ' || *p >= 0x80) {
                        o += (size_t)snprintf(buf + o, bufsz - o, "\\x%02x", *p);
                        continue;
                }
                if (*p == '"' || *p == '\\')
                        buf[o++] = '\\';
                buf[o++] = (char)*p;
        }
        buf[o++] = '"';
        buf[o] = '\0';
}

static int duration_error(berth_error *err, const char *what, const char *unit, const char *orig)
{
        char q[256], u[128];
        go_quote(orig, q, sizeof(q));
        if (unit) {
                go_quote(unit, u, sizeof(u));
                return berth_errx(err, EINVAL, "time: unknown unit %s in duration %s", u, q);
        }
        return berth_errx(err, EINVAL, "time: %s %s", what, q);
}

int berth_parse_go_duration(const char *s, int64_t *ret_ns, berth_error *err)
{
        static const struct {
                const char *name;
                uint64_t ns;
        } units[] = {
            {"ns", 1ULL},
            {"us", 1000ULL},
            {"\xc2\xb5s", 1000ULL}, /* U+00B5 micro sign */
            {"\xce\xbcs", 1000ULL}, /* U+03BC greek mu */
            {"ms", 1000000ULL},
            {"s", 1000000000ULL},
            {"m", 60ULL * 1000000000ULL},
            {"h", 3600ULL * 1000000000ULL},
        };
        const uint64_t limit = 1ULL << 63;
        const char *orig = s ? s : "";
        const char *p = orig;
        bool neg = false;
        uint64_t d = 0;

        if (*p == '-' || *p == '+') {
                neg = *p == '-';
                p++;
        }
        if (strcmp(p, "0") == 0) {
                *ret_ns = 0;
                return 0;
        }
        if (*p == '\0')
                return duration_error(err, "invalid duration", NULL, orig);
        while (*p) {
                uint64_t v = 0, f = 0;
                double scale = 1;
                if (!(*p == '.' || (*p >= '0' && *p <= '9')))
                        return duration_error(err, "invalid duration", NULL, orig);
                const char *start = p;
                for (; *p >= '0' && *p <= '9'; p++) {
                        if (v > limit / 10)
                                return duration_error(err, "invalid duration", NULL, orig);
                        v = v * 10 + (uint64_t)(*p - '0');
                        if (v > limit)
                                return duration_error(err, "invalid duration", NULL, orig);
                }
                bool pre = p != start, post = false;
                if (*p == '.') {
                        p++;
                        const char *fstart = p;
                        bool overflow = false;
                        for (; *p >= '0' && *p <= '9'; p++) {
                                if (overflow)
                                        continue;
                                if (f > (limit - 1) / 10) {
                                        overflow = true;
                                        continue;
                                }
                                uint64_t y = f * 10 + (uint64_t)(*p - '0');
                                if (y > limit) {
                                        overflow = true;
                                        continue;
                                }
                                f = y;
                                scale *= 10;
                        }
                        post = p != fstart;
                }
                if (!pre && !post)
                        return duration_error(err, "invalid duration", NULL, orig);
                size_t ulen = 0;
                while (p[ulen] && p[ulen] != '.' && !(p[ulen] >= '0' && p[ulen] <= '9'))
                        ulen++;
                if (ulen == 0)
                        return duration_error(err, "missing unit in duration", NULL, orig);
                uint64_t unit = 0;
                for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                        if (strlen(units[i].name) == ulen && strncmp(units[i].name, p, ulen) == 0)
                                unit = units[i].ns;
                if (unit == 0) {
                        char u[64];
                        snprintf(u, sizeof(u), "%.*s", (int)(ulen < 63 ? ulen : 63), p);
                        return duration_error(err, NULL, u, orig);
                }
                p += ulen;
                if (v > limit / unit)
                        return duration_error(err, "invalid duration", NULL, orig);
                v *= unit;
                if (f > 0) {
                        v += (uint64_t)((double)f * ((double)unit / scale));
                        if (v > limit)
                                return duration_error(err, "invalid duration", NULL, orig);
                }
                d += v;
                if (d > limit)
                        return duration_error(err, "invalid duration", NULL, orig);
        }
        if (neg) {
                *ret_ns = d == limit ? INT64_MIN : -(int64_t)d;
                return 0;
        }
        if (d > limit - 1)
                return duration_error(err, "invalid duration", NULL, orig);
        *ret_ns = (int64_t)d;
        return 0;
}

/* What Go's strconv.ParseFloat takes in decimal form: [+-]digits[.digits][e[+-]digits]. */
static bool decimal_float_syntax(const char *s, size_t n)
{
        size_t i = 0, digits = 0;
        if (i < n && (s[i] == '+' || s[i] == '-'))
                i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                digits++;
        if (i < n && s[i] == '.')
                for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                        digits++;
        if (digits == 0)
                return false;
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
                size_t edigits = 0;
                i++;
                if (i < n && (s[i] == '+' || s[i] == '-'))
                        i++;
                for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                        edigits++;
                if (edigits == 0)
                        return false;
        }
        return i == n;
}

int berth_parse_ram_bytes(const char *s, int64_t *ret, berth_error *err)
{
        const char *str = s ? s : "";
        size_t numlen;
        const char *sfx;
        const char *space = strchr(str, ' ');
        if (space) {
                numlen = (size_t)(space - str);
                sfx = space + 1;
        } else {
                const char *last = NULL;
                for (const char *p = str; *p; p++)
                        if ((*p >= '0' && *p <= '9') || *p == '.')
                                last = p;
                if (last == NULL)
                        return berth_errx(err, EINVAL, "invalid size: '%s'", str);
                numlen = (size_t)(last - str) + 1;
                sfx = last + 1;
        }
        if (!decimal_float_syntax(str, numlen))
                return berth_errx(err, EINVAL,
                                  "strconv.ParseFloat: parsing \"%.*s\": invalid syntax",
                                  (int)numlen, str);
        char num[128];
        if (numlen >= sizeof(num))
                return berth_errx(err, EINVAL, "invalid size: '%s'", str);
        memcpy(num, str, numlen);
        num[numlen] = '\0';
        errno = 0;
        double size = strtod(num, NULL);
        if (errno == ERANGE && (size > 1 || size < -1))
                return berth_errx(err, EINVAL,
                                  "strconv.ParseFloat: parsing \"%s\": value out of range", num);
        if (size < 0)
                return berth_errx(err, EINVAL, "invalid size: '%s'", str);

        size_t sl = strlen(sfx);
        if (sl > 0) {
                static const char units[] = "kmgtp";
                char low[4];
                if (sl > 3)
                        return berth_errx(err, EINVAL, "invalid suffix: '%s'", sfx);
                for (size_t i = 0; i <= sl; i++)
                        low[i] = (char)tolower((unsigned char)sfx[i]);
                if (low[0] == 'b') {
                        if (sl > 1)
                                return berth_errx(err, EINVAL, "invalid suffix: '%s'", low);
                } else {
                        const char *u = strchr(units, low[0]);
                        if (u == NULL || low[0] == '\0')
                                return berth_errx(err, EINVAL, "invalid suffix: '%s'", low);
                        if ((sl == 2 && low[1] != 'b') || (sl == 3 && strcmp(low + 1, "ib") != 0))
                                return berth_errx(err, EINVAL, "invalid suffix: '%s'", low);
                        for (long i = 0; i <= u - units; i++)
                                size *= 1024.0;
                }
        }
        if (size >= 9223372036854775808.0)
                return berth_errx(err, EINVAL, "invalid size: '%s'", str);
        *ret = (int64_t)size;
        return 0;
}

char *berth_now_rfc3339(void)
{
        struct timespec ts;
        struct tm tm;
        char buf[64];
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        return berth_xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

/* "<whole>[.<frac>]" of v/div, the fraction's trailing zeros dropped. */
static int format_fraction(char *buf, size_t bufsz, uint64_t v, uint64_t div, int digits)
{
        uint64_t frac = v % div;
        if (frac == 0)
                return snprintf(buf, bufsz, "%llu", (unsigned long long)(v / div));
        while (frac % 10 == 0) {
                frac /= 10;
                digits--;
        }
        return snprintf(buf, bufsz, "%llu.%0*llu", (unsigned long long)(v / div), digits,
                        (unsigned long long)frac);
}

void berth_format_go_duration(int64_t ns, char *buf, size_t bufsz)
{
        uint64_t u = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
        size_t n = 0;
        if (ns < 0 && bufsz > 1)
                buf[n++] = '-';
        if (u == 0) {
                snprintf(buf, bufsz, "0s");
                return;
        }
        if (u < 1000000000) {
                static const struct {
                        uint64_t div;
                        int digits;
                        const char *unit;
                } units[] = {{1, 0, "ns"}, {1000, 3, "\u00b5s"}, {1000000, 6, "ms"}};
                int i = u < 1000 ? 0 : u < 1000000 ? 1 : 2;
                n += (size_t)format_fraction(buf + n, bufsz - n, u, units[i].div, units[i].digits);
                if (n < bufsz)
                        snprintf(buf + n, bufsz - n, "%s", units[i].unit);
                return;
        }
        uint64_t h = u / 3600000000000ULL, m = u / 60000000000ULL % 60;
        if (h > 0)
                n += (size_t)snprintf(buf + n, bufsz - n, "%lluh", (unsigned long long)h);
        if ((h > 0 || m > 0) && n < bufsz)
                n += (size_t)snprintf(buf + n, bufsz - n, "%llum", (unsigned long long)m);
        if (n < bufsz)
                n += (size_t)format_fraction(buf + n, bufsz - n, u % 60000000000ULL, 1000000000, 9);
        if (n < bufsz)
                snprintf(buf + n, bufsz - n, "s");
}
