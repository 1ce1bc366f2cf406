/* SPDX-License-Identifier: Apache-2.0 */
/* A container's state: one table of names, its questions, the transitions the engine records. */
#include "base/cleanup.h"
#include "base/strutil.h"
#include "engine/containers.h"
#include "engine/state.h"
#include "records.h"
#include "base/fs.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char ID[] = "3333333333333333333333333333333333333333333333333333333333333333";

static berth_state state_of(berth_db *db)
{
        berth_container c;
        berth_error err = {0};
        if (berth_container_get(db, ID, &c, &err) < 0)
                return BERTH_STATE_UNKNOWN;
        berth_state s = c.state;
        ok(strcmp(c.status, berth_state_name(s)) == 0, "the record's name and enum agree (%s)",
           c.status);
        berth_container_clear(&c);
        return s;
}

int main(void)
{
        const char *docker[] = {"created",  "running", "paused", "restarting",
                                "removing", "exited",  "dead"};
        for (size_t i = 0; i < 7; i++) {
                berth_state s = berth_state_parse(docker[i]);
                ok(s != BERTH_STATE_UNKNOWN && strcmp(berth_state_name(s), docker[i]) == 0,
                   "%s: one name each way", docker[i]);
        }
        ok(berth_state_parse("Running") == BERTH_STATE_UNKNOWN && !berth_state_valid("up") &&
               !berth_state_valid(NULL),
           "nothing else is a state (status filters are checked with it)");
        ok(berth_state_up(BERTH_STATE_PAUSED) && !berth_state_up(BERTH_STATE_RESTARTING),
           "up: running or paused (inspect's Running)");
        ok(berth_state_live(BERTH_STATE_RESTARTING) && !berth_state_live(BERTH_STATE_EXITED),
           "live: up or restarting (ps without -a)");
        ok(berth_state_stopped(BERTH_STATE_CREATED) && berth_state_stopped(BERTH_STATE_DEAD) &&
               !berth_state_stopped(BERTH_STATE_REMOVING),
           "stopped: created, exited, dead (what prune takes)");

        char tmpl[] = "/tmp/berth-state-XXXXXX";
        char *dir = mkdtemp(tmpl);
        _cleanup_free_ char *path = berth_xasprintf("%s/berth.db", dir);
        berth_error err = {0};
        berth_db *db = NULL;
        ok(berth_db_open(path, &db, &err) == 0 && berth_containers_migrate(db, &err) == 0,
           "open: %s", err.msg);
        ok(test_insert_container(db, ID, "st", &err) == 0, "a record: %s", err.msg);
        is_int(state_of(db), BERTH_STATE_CREATED, "a new record is created");

        is_int(berth_container_set_status(db, ID, BERTH_STATE_PAUSED, &err), -EBUSY,
               "created cannot become paused");
        like(err.msg, "container st is created: it cannot become paused", "docker-like words");
        is_int(state_of(db), BERTH_STATE_CREATED, "and nothing changed");
        ok(berth_container_set_running(db, ID, 42, false, &err) == 0, "a start");
        is_int(berth_container_set_status(db, ID, BERTH_STATE_PAUSED, &err), 0, "running → paused");
        is_int(berth_container_set_status(db, ID, BERTH_STATE_PAUSED, &err), -EALREADY,
               "paused → paused is no transition");
        is_int(berth_container_set_status(db, ID, BERTH_STATE_RUNNING, &err), 0,
               "paused → running");
        is_int(berth_container_set_status(db, ID, BERTH_STATE_RESTARTING, &err), 0,
               "running → restarting (a restart policy)");
        is_int(berth_container_set_status(db, ID, BERTH_STATE_REMOVING, &err), 0,
               "→ removing, once");
        is_int(berth_container_set_status(db, ID, BERTH_STATE_REMOVING, &err), -EALREADY,
               "a second removal is refused");
        is_int(berth_container_set_status(db, ID, BERTH_STATE_RUNNING, &err), -EBUSY,
               "a removing container does not start");
        is_int(berth_container_set_status(db, ID, BERTH_STATE_DEAD, &err), 0,
               "removing → dead (a removal that failed)");
        is_int(state_of(db), BERTH_STATE_DEAD, "recorded");
        is_int(berth_container_set_status(db, "nope", BERTH_STATE_DEAD, &err), -ENOENT,
               "no such container");
        berth_db_close(db);
        berth_rm_rf(dir, NULL); /* the database, and the WAL it keeps */
        return tap_done();
}
