/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/exit.h"
#include "engine/containers.h"
#include "engine/events.h"

#include <stdio.h>

/* Inside the transaction: the decision from the record's facts, recorded. */
static int decide(berth_db *db, const char *id, const berth_restart_policy *p, berth_exit_facts *f,
                  berth_restart_decision *ret, berth_error *err)
{
        berth_container c;
        int r = berth_container_get(db, id, &c, err);
        if (r < 0)
                return r;
        f->manual_stop = c.manual_stop;
        f->restart_count = c.restart_count;
        berth_container_clear(&c);
        *ret = berth_policy_restart(p, f);
        return ret->restart ? berth_container_set_restarting(db, id, err) : 0;
}

static int record(berth_db *db, const berth_rt_ctx *rt, const char *id, const char *image,
                  const char *name, const berth_restart_policy *p, berth_exit_facts *f,
                  berth_restart_decision *ret, berth_error *err)
{
        berth_cgroup_stats st = {0};
        bool oom = berth_rt_stats(rt, id, &st, NULL) == 0 && st.oom_kill_count > 0;
        berth_rt_delete(rt, id, true, NULL);
        int r = berth_db_begin(db, err);
        if (r < 0)
                return r;
        if ((r = berth_container_set_exited(db, id, f->exit_code, oom, NULL, err)) < 0 ||
            (p && (r = decide(db, id, p, f, ret, err)) < 0)) {
                berth_db_rollback(db);
                return r;
        }
        char codes[16];
        snprintf(codes, sizeof(codes), "%d", f->exit_code);
        if (oom)
                berth_container_event(db, id, image, name, "oom", NULL, NULL);
        berth_container_event(db, id, image, name, "die", "exitCode", codes);
        return berth_db_commit(db, err);
}

int berth_container_record_exit(berth_db *db, const berth_rt_ctx *rt, const char *id,
                                const char *image, const char *name, int code, berth_error *err)
{
        berth_exit_facts f = {.exit_code = code};
        return record(db, rt, id, image, name, NULL, &f, NULL, err);
}

int berth_container_record_exit_policy(berth_db *db, const berth_rt_ctx *rt, const char *id,
                                       const char *image, const char *name,
                                       const berth_restart_policy *p, berth_exit_facts *f,
                                       berth_restart_decision *ret, berth_error *err)
{
        *ret = (berth_restart_decision){.restart = false, .delay_ms = f->last_delay_ms};
        int r = record(db, rt, id, image, name, p, f, ret, err);
        if (r < 0)
                ret->restart = false; /* nothing was recorded: nothing is decided */
        return r;
}
