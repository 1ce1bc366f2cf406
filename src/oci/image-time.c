/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 3339 times, as image configs and history entries write them. */
#include "image-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Read exactly n digits at *s into *ret. */
static bool digits(const char **s, int n, int *ret)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                char c = (*s)[i];
                if (c < '0' || c > '9')
                        return false;
                v = v * 10 + (c - '0');
        }
        *s += n;
        *ret = v;
        return true;
}

static bool is_leap(int y)
{
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

int berth_rfc3339_parse(const char *s, int64_t *ret_sec, int32_t *ret_nsec)
{
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int Y, M, D, h, m, sec, oh = 0, om = 0;
        int32_t nsec = 0;
        if (s == NULL)
                return -EINVAL;
        if (!digits(&s, 4, &Y) || *s++ != '-' || !digits(&s, 2, &M) || *s++ != '-' ||
            !digits(&s, 2, &D) || (*s != 'T' && *s != 't') || !(s++, digits(&s, 2, &h)) ||
            *s++ != ':' || !digits(&s, 2, &m) || *s++ != ':' || !digits(&s, 2, &sec))
                return -EINVAL;
        if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] + (M == 2 && is_leap(Y)) || h > 23 ||
            m > 59 || sec > 59)
                return -EINVAL;
        if (*s == '.') {
                s++;
                int n = 0;
                int32_t scale = 100000000;
                while (*s >= '0' && *s <= '9') {
                        if (n < 9)
                                nsec += (int32_t)(*s - '0') * scale;
                        scale /= 10;
                        s++;
                        n++;
                }
                if (n == 0)
                        return -EINVAL;
        }
        int sign = 0;
        if (*s == 'Z' || *s == 'z') {
                s++;
        } else if (*s == '+' || *s == '-') {
                sign = *s++ == '+' ? 1 : -1;
                if (!digits(&s, 2, &oh) || *s++ != ':' || !digits(&s, 2, &om) || oh > 23 || om > 59)
                        return -EINVAL;
        } else {
                return -EINVAL;
        }
        if (*s != '\0')
                return -EINVAL;
        int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec;
        t -= sign * (oh * 3600 + om * 60);
        *ret_sec = t;
        *ret_nsec = nsec;
        return 0;
}

char *berth_rfc3339_format(int64_t sec, int32_t nsec, char *buf, size_t size)
{
        /* civil_from_days, the inverse of days_from_civil. */
        int64_t days = sec / 86400, rem = sec % 86400;
        if (rem < 0) {
                rem += 86400;
                days--;
        }
        int64_t z = days + 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t y = yoe + era * 400;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        int64_t d = doy - (153 * mp + 2) / 5 + 1;
        int64_t mo = mp < 10 ? mp + 3 : mp - 9;
        y += mo <= 2;
        char frac[16] = "";
        if (nsec > 0 && nsec < 1000000000) {
                snprintf(frac, sizeof(frac), ".%09d", (int)nsec);
                size_t n = strlen(frac);
                while (frac[n - 1] == '0')
                        frac[--n] = '\0';
        }
        snprintf(buf, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld%sZ", (long long)y,
                 (long long)mo, (long long)d, (long long)(rem / 3600), (long long)(rem / 60 % 60),
                 (long long)(rem % 60), frac);
        return buf;
}
