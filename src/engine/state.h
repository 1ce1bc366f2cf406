/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/**
 * A container's state, Docker's: one enum and its one table of names (what
 * berth.db stores, `ps --filter status=` takes and inspect's State.Status
 * shows), the questions every command asks of it, and which transitions the
 * engine may record (berth_container_set_status() refuses the others).
 *
 *   created ──start──▶ running ◀──unpause── paused
 *      ▲                 │  └────pause──────▶
 *      │                 ▼ exit
 *   (a failed       exited / restarting (a restart policy's wait)
 *    first start)        │
 *                        ▼
 *   any but removing ──rm──▶ removing ──▶ (gone, or dead when it failed half-way);
 *   any ──lost──▶ dead (system check)
 *
 * Links nothing but base (berth-monitor records starts and exits with it).
 */
#include <stdbool.h>

typedef enum {
        BERTH_STATE_CREATED,
        BERTH_STATE_RUNNING,
        BERTH_STATE_PAUSED,
        BERTH_STATE_RESTARTING,
        BERTH_STATE_REMOVING,
        BERTH_STATE_EXITED,
        BERTH_STATE_DEAD,
        BERTH_STATE_UNKNOWN, /* a name berth does not know (never written) */
} berth_state;

/** Docker's word: "created", "running", … ("unknown" for BERTH_STATE_UNKNOWN). */
const char *berth_state_name(berth_state s);
/** The state of a name; BERTH_STATE_UNKNOWN for anything else (NULL too). */
berth_state berth_state_parse(const char *name);
/** Whether name is one of Docker's states (for `--filter status=`). */
bool berth_state_valid(const char *name);

/** It has a process now: running or paused (inspect's State.Running). */
bool berth_state_up(berth_state s);
/** It has a process or a monitor waiting to start one: up, or restarting (`ps` without -a). */
bool berth_state_live(berth_state s);
/** Nothing runs and nothing will unless asked: created, exited, dead (what prune takes). */
bool berth_state_stopped(berth_state s);

/** Whether the engine may record to over from. */
bool berth_state_may(berth_state from, berth_state to);
