/* SPDX-License-Identifier: Apache-2.0 */
/* CPU lists, "0-3,7" (cpulist.h). */
#include "base/cpulist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int cpu_number(const char **p, long *ret)
{
        if (!isdigit((unsigned char)**p))
                return -EINVAL;
        char *end;
        errno = 0;
        long v = strtol(*p, &end, 10);
        if (errno || v < 0 || v >= CPU_SETSIZE)
                return -EINVAL;
        *p = end;
        *ret = v;
        return 0;
}

int berth_cpulist_parse(const char *s, cpu_set_t *ret)
{
        CPU_ZERO(ret);
        const char *p = s;
        if (p == NULL || *p == '\0')
                return -EINVAL;
        for (;;) {
                long lo, hi;
                if (cpu_number(&p, &lo) < 0)
                        return -EINVAL;
                hi = lo;
                if (*p == '-') {
                        p++;
                        if (cpu_number(&p, &hi) < 0 || hi < lo)
                                return -EINVAL;
                }
                for (long c = lo; c <= hi; c++)
                        CPU_SET((int)c, ret);
                if (*p == '\0')
                        return 0;
                if (*p++ != ',')
                        return -EINVAL;
        }
}

int berth_cpulist_format(const cpu_set_t *set, char *buf, size_t n)
{
        size_t w = 0;
        if (n == 0)
                return -ENOSPC;
        buf[0] = '\0';
        for (int c = 0; c < CPU_SETSIZE; c++) {
                if (!CPU_ISSET(c, set))
                        continue;
                int last = c;
                while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, set))
                        last++;
                int k = last == c ? snprintf(buf + w, n - w, "%s%d", w ? "," : "", c)
                                  : snprintf(buf + w, n - w, "%s%d-%d", w ? "," : "", c, last);
                if (k < 0 || (size_t)k >= n - w) {
                        buf[w] = '\0';
                        return -ENOSPC;
                }
                w += (size_t)k;
                c = last;
        }
        return 0;
}
