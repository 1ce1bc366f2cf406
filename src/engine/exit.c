/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/exit.h"
#include "engine/containers.h"
#include "engine/events.h"

#include <jansson.h>
#include <stdio.h>

static void event(berth_db *db, const char *id, const char *image, const char *name,
                  const char *action, const char *key, const char *value)
{
        json_t *a = json_pack("{s:s, s:s}", "image", image ? image : "", "name", name ? name : "");
        if (key)
                json_object_set_new(a, key, json_string(value));
        berth_event_record(db, "container", action, id, a, NULL);
        json_decref(a);
}

int berth_container_record_exit(berth_db *db, const berth_rt_ctx *rt, const char *id,
                                const char *image, const char *name, int code, berth_error *err)
{
        berth_cgroup_stats st = {0};
        bool oom = berth_rt_stats(rt, id, &st, NULL) == 0 && st.oom_kill_count > 0;
        berth_rt_delete(rt, id, true, NULL);
        int r = berth_db_begin(db, err);
        if (r < 0)
                return r;
        if ((r = berth_container_set_exited(db, id, code, oom, NULL, err)) < 0) {
                berth_db_rollback(db);
                return r;
        }
        char codes[16];
        snprintf(codes, sizeof(codes), "%d", code);
        if (oom)
                event(db, id, image, name, "oom", NULL, NULL);
        event(db, id, image, name, "die", "exitCode", codes);
        return berth_db_commit(db, err);
}
