/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's healthcheck rules, decided from the facts (policy.h). */
#include "engine/policy.h"

#include <string.h>

static const char *const status_names[] = {
    [BERTH_HEALTH_STARTING] = "starting",
    [BERTH_HEALTH_HEALTHY] = "healthy",
    [BERTH_HEALTH_UNHEALTHY] = "unhealthy",
};

const char *berth_health_status_name(berth_health_status s)
{
        return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s]
                                                                            : "unhealthy";
}

int berth_health_status_parse(const char *name)
{
        for (unsigned i = 0; name && i < sizeof(status_names) / sizeof(status_names[0]); i++)
                if (strcmp(name, status_names[i]) == 0)
                        return (int)i;
        return -1;
}

void berth_policy_health_defaults(berth_health_config *c)
{
        if (c->interval_ns <= 0)
                c->interval_ns = BERTH_HEALTH_INTERVAL_DEFAULT_NS;
        if (c->timeout_ns <= 0)
                c->timeout_ns = BERTH_HEALTH_TIMEOUT_DEFAULT_NS;
        if (c->start_period_ns < 0)
                c->start_period_ns = 0;
        if (c->start_interval_ns <= 0)
                c->start_interval_ns = BERTH_HEALTH_START_INTERVAL_DEFAULT_NS;
        if (c->retries <= 0)
                c->retries = BERTH_HEALTH_RETRIES_DEFAULT;
}

berth_health_state berth_policy_health_started(void)
{
        return (berth_health_state){.status = BERTH_HEALTH_STARTING, .failing_streak = 0};
}

bool berth_policy_health_result(const berth_health_config *cp, berth_health_state *s, int exit_code,
                                int64_t since_start_ns)
{
        berth_health_config c = *cp;
        berth_policy_health_defaults(&c);
        berth_health_status was = s->status;
        if (exit_code == 0) {
                s->failing_streak = 0;
                s->status = BERTH_HEALTH_HEALTHY;
        } else if (s->status != BERTH_HEALTH_STARTING || since_start_ns >= c.start_period_ns) {
                /* a failure while starting, inside the start period, does not count */
                s->failing_streak++;
                if (s->failing_streak >= c.retries)
                        s->status = BERTH_HEALTH_UNHEALTHY;
        }
        return s->status != was;
}

int64_t berth_policy_health_interval(const berth_health_config *cp, berth_health_status status,
                                     int64_t since_start_ns)
{
        berth_health_config c = *cp;
        berth_policy_health_defaults(&c);
        if (since_start_ns >= c.start_period_ns)
                return c.interval_ns;
        int64_t left = c.start_period_ns - since_start_ns;
        int64_t want = status == BERTH_HEALTH_STARTING ? c.start_interval_ns : c.interval_ns;
        return want < left ? want : left;
}
