/* SPDX-License-Identifier: Apache-2.0 */
/* A container's restart policy and healthcheck, read from its create body. */
#include "engine/container-policy.h"

#include <string.h>

berth_restart_policy berth_container_restart_policy(const json_t *body)
{
        json_t *rp = json_object_get(json_object_get(body, "HostConfig"), "RestartPolicy");
        berth_restart_policy p = {.mode = BERTH_RESTART_NO};
        if (berth_policy_restart_parse(
                json_string_value(json_object_get(rp, "Name")),
                (int)json_integer_value(json_object_get(rp, "MaximumRetryCount")), &p) < 0)
                p = (berth_restart_policy){.mode = BERTH_RESTART_NO};
        return p;
}

char *berth_container_healthcheck(const json_t *body, berth_health_config *ret)
{
        json_t *hc = json_object_get(body, "Healthcheck");
        *ret = (berth_health_config){
            .interval_ns = json_integer_value(json_object_get(hc, "Interval")),
            .timeout_ns = json_integer_value(json_object_get(hc, "Timeout")),
            .start_period_ns = json_integer_value(json_object_get(hc, "StartPeriod")),
            .start_interval_ns = json_integer_value(json_object_get(hc, "StartInterval")),
            .retries = (int)json_integer_value(json_object_get(hc, "Retries")),
        };
        berth_policy_health_defaults(ret);
        json_t *test = json_object_get(hc, "Test");
        const char *kind = json_string_value(json_array_get(test, 0));
        if (kind == NULL || strcmp(kind, "NONE") == 0 || json_array_size(test) < 2)
                return NULL;
        return json_dumps(test, JSON_COMPACT);
}

bool berth_container_restart_at_boot(const berth_container *c)
{
        if (berth_state_up(c->state))
                return false;
        berth_restart_policy p = berth_container_restart_policy(c->body);
        berth_exit_facts f = {.exit_code = c->exit_code,
                              .manual_stop = c->manual_stop,
                              .restart_count = c->restart_count};
        return berth_policy_restart_at_boot(&p, &f);
}
