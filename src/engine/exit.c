/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/exit.h"
#include "engine/containers.h"
#include "engine/events.h"

#include <stdio.h>

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
                berth_container_event(db, id, image, name, "oom", NULL, NULL);
        berth_container_event(db, id, image, name, "die", "exitCode", codes);
        return berth_db_commit(db, err);
}
