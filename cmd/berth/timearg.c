/* SPDX-License-Identifier: Apache-2.0 */
/* --since/--until values, as docker takes them. */
#include "cli.h"
#include "base/units.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

int cli_parse_time(const char *s, int64_t *ret_ns)
{
        int64_t t = berth_parse_rfc3339(s);
        if (t >= 0) {
                *ret_ns = t * 1000000000;
                return 0;
        }
        char *end;
        double d = strtod(s, &end);
        if (end != s && *end == '\0') {
                *ret_ns = (int64_t)(d * 1e9);
                return 0;
        }
        int64_t ns;
        if (berth_parse_go_duration(s, &ns, NULL) == 0) {
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                *ret_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - ns;
                return 0;
        }
        return -EINVAL;
}
