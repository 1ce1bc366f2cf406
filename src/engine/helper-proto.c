/* SPDX-License-Identifier: Apache-2.0 */
/* The lines berth-monitor-helper writes to berth-monitor (helper-proto.h). */
#include "engine/helper-proto.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void berth_helper_format_exit(const berth_restart_decision *d, char *buf, size_t sz)
{
        if (d->restart)
                snprintf(buf, sz, "restart %" PRId64 "\n", d->delay_ms);
        else
                snprintf(buf, sz, "exited\n");
}

int berth_helper_parse_exit(const char *text, berth_restart_decision *ret)
{
        int64_t ms;
        char end;
        if (strcmp(text, "exited\n") == 0) {
                *ret = (berth_restart_decision){.restart = false};
                return 0;
        }
        if (sscanf(text, "restart %" SCNd64 "%c", &ms, &end) == 2 && end == '\n' && ms >= 0 &&
            strchr(text, '\n')[1] == '\0') {
                *ret = (berth_restart_decision){.restart = true, .delay_ms = ms};
                return 0;
        }
        return -EINVAL;
}

void berth_helper_format_health(berth_health_status s, char *buf, size_t sz)
{
        snprintf(buf, sz, "health %s\n", berth_health_status_name(s));
}

int berth_helper_parse_health(const char *text, berth_health_status *ret)
{
        char name[BERTH_HELPER_LINE_MAX];
        size_t n = strlen(text);
        if (n < 8 || n >= sizeof(name) + 7 || strncmp(text, "health ", 7) != 0 ||
            text[n - 1] != '\n')
                return -EINVAL;
        memcpy(name, text + 7, n - 8);
        name[n - 8] = '\0';
        int s = berth_health_status_parse(name);
        if (s < 0)
                return -EINVAL;
        *ret = (berth_health_status)s;
        return 0;
}
