/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/cleanup.h"
#include "base/db.h"
#include "base/error.h"
#include "engine/state.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * Container records in berth.db (module "engine"): what `ps` and `inspect`
 * show. This file only reads and writes rows; it links nothing but base,
 * so berth-monitor (which records starts and exits) can use it.
 *
 * The body is the Docker Engine API create body (Config fields at top level
 * plus "HostConfig"), mounts the resolved inspect "Mounts" array. Names are
 * unique (without Docker's leading '/'); ids are 64 hex characters.
 *
 * Status is what the last writer recorded (state.h: its name in the row, the
 * enum in the struct). A "running" record
 * whose monitor is gone is not the truth: the engine checks the monitor's
 * pid (and its start time, against pid reuse) before it believes one.
 */
typedef struct {
        char *id, *name;
        char *image_id;   /* "sha256:…" */
        char *image_name; /* as the user named it */
        char *created;    /* RFC 3339 */
        json_t *body;
        json_t *mounts;
        char *status;      /* its name, as stored */
        berth_state state; /* the same, for the questions state.h answers */
        pid_t pid;
        pid_t monitor_pid;
        uint64_t monitor_start; /* start time of monitor_pid (clock ticks since boot) */
        int exit_code;
        bool oom_killed;
        char *error;
        char *started_at, *finished_at;
        int restart_count;
        bool manual_stop; /* stopped by the user: no restart (unless-stopped stays stopped) */
        json_t *health;   /* {Status, FailingStreak, Log} or NULL */
} berth_container;

void berth_container_clear(berth_container *c);
void berth_containers_free(berth_container *v, size_t n);

int berth_containers_migrate(berth_db *db, berth_error *err);

/** Insert a new record; -EEXIST with Docker's "Conflict. The container name …" message. */
int berth_container_insert(berth_db *db, const berth_container *c, berth_error *err);

/**
 * Find by full id, name (a leading '/' is ignored) or unique id prefix, as
 * Docker does; -ENOENT "no such container: <name>".
 */
int berth_container_get(berth_db *db, const char *name, berth_container *ret, berth_error *err);
/** Every record, newest first. */
int berth_container_list(berth_db *db, berth_container **ret, size_t *ret_n, berth_error *err);
int berth_container_delete(berth_db *db, const char *id, berth_error *err);
int berth_container_rename(berth_db *db, const char *id, const char *name, berth_error *err);
/** The create body replaced (network connect/disconnect). */
int berth_container_set_body(berth_db *db, const char *id, const json_t *body, berth_error *err);

/**
 * The monitor reports a start: status running, pid, started_at, error cleared.
 * A user's start (!restarted) also clears the restart count and the manual
 * stop, as Docker's does; a restart policy's keeps them.
 */
int berth_container_set_running(berth_db *db, const char *id, pid_t pid, bool restarted,
                                berth_error *err);
/** A restart policy's decision after an exit: status restarting, restart count + 1. */
int berth_container_set_restarting(berth_db *db, const char *id, berth_error *err);
/** An exit: status exited (or restarting when restarting), exit code, oom, finished_at. */
int berth_container_set_exited(berth_db *db, const char *id, int exit_code, bool oom_killed,
                               const char *error, berth_error *err);
/** A start that failed: status stays/becomes created or exited with the error and code. */
int berth_container_set_failed(berth_db *db, const char *id, int exit_code, const char *error,
                               berth_error *err);
/**
 * Record the transition to `to`, only from a state berth_state_may() allows
 * (one statement: whoever makes it wins). -EALREADY when it is `to` already
 * and that is not allowed (a second removal), -EBUSY from another state
 * ("container X is removing: it cannot become paused"), -ENOENT when no
 * such record.
 */
int berth_container_set_status(berth_db *db, const char *id, berth_state to, berth_error *err);
int berth_container_set_monitor(berth_db *db, const char *id, pid_t pid, uint64_t start,
                                berth_error *err);
int berth_container_set_manual_stop(berth_db *db, const char *id, bool manual, berth_error *err);
int berth_container_set_health(berth_db *db, const char *id, const json_t *health,
                               berth_error *err);

/** A random free name "adjective_name" (Docker style); caller frees. */
char *berth_container_random_name(berth_db *db, berth_error *err);
/** Docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool berth_container_name_valid(const char *name);
