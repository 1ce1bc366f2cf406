/* SPDX-License-Identifier: Apache-2.0 */
#include "units.h"

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
