/* SPDX-License-Identifier: Apache-2.0 */
/* A container's State.Health in berth.db, moved on by the healthcheck rules (policy.h). */
#include "engine/health-record.h"
#include "base/cleanup-json.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "base/units.h"
#include "engine/containers.h"
#include "engine/events.h"

#include <errno.h>

/* The status and streak a Health object says (a missing or odd one: starting). */
static berth_health_state state_of(const json_t *h)
{
        berth_health_state s = berth_policy_health_started();
        int st = berth_health_status_parse(json_string_value(json_object_get(h, "Status")));
        if (st >= 0)
                s.status = (berth_health_status)st;
        s.failing_streak = (int)json_integer_value(json_object_get(h, "FailingStreak"));
        return s;
}

static json_t *with_state(const json_t *before, berth_health_state s)
{
        json_t *h = json_is_object(before) ? json_deep_copy(before) : json_object();
        json_object_set_new(h, "Status", json_string(berth_health_status_name(s.status)));
        json_object_set_new(h, "FailingStreak", json_integer(s.failing_streak));
        if (!json_is_array(json_object_get(h, "Log")))
                json_object_set_new(h, "Log", json_array());
        return h;
}

json_t *berth_health_started(const json_t *before)
{
        return with_state(before, berth_policy_health_started());
}

char *berth_health_timeout_message(int64_t timeout_ns, const char *output)
{
        char d[32];
        berth_format_go_duration(timeout_ns, d, sizeof(d));
        if (output && *output)
                return berth_xasprintf("Health check exceeded timeout (%s): %s", d, output);
        return berth_xasprintf("Health check exceeded timeout (%s)", d);
}

/* Inside the transaction: the record's Health moved on by one probe. */
static int apply(berth_db *db, const char *id, const char *image, const char *name,
                 const berth_health_config *cfg, const berth_health_probe *p,
                 berth_health_status *ret_status, berth_error *err)
{
        berth_container c;
        int r = berth_container_get(db, id, &c, err);
        if (r < 0)
                return r;
        berth_health_state s = state_of(c.health);
        bool changed = berth_policy_health_result(cfg, &s, p->exit_code, p->since_start_ns);
        _cleanup_json_ json_t *h = with_state(c.health, s);
        berth_container_clear(&c);
        json_t *log = json_object_get(h, "Log");
        json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:s}", "Start", p->start, "End",
                                             p->end, "ExitCode", p->exit_code, "Output",
                                             p->output ? p->output : ""));
        while (json_array_size(log) > BERTH_HEALTH_LOG_MAX)
                json_array_remove(log, 0);
        if ((r = berth_container_set_health(db, id, h, err)) < 0)
                return r;
        if (changed) {
                _cleanup_free_ char *action =
                    berth_xasprintf("health_status: %s", berth_health_status_name(s.status));
                berth_container_event(db, id, image, name, action, NULL, NULL);
        }
        if (ret_status)
                *ret_status = s.status;
        return 0;
}

int berth_container_record_health(berth_db *db, const char *id, const char *image, const char *name,
                                  const berth_health_config *c, const berth_health_probe *p,
                                  berth_health_status *ret_status, berth_error *err)
{
        int r = berth_db_begin(db, err);
        if (r < 0)
                return r;
        if ((r = apply(db, id, image, name, c, p, ret_status, err)) < 0) {
                berth_db_rollback(db);
                return r;
        }
        return berth_db_commit(db, err);
}
