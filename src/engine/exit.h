/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/db.h"
#include "engine/policy.h"
#include "runtime/runtime.h"

/**
 * A container's process exited with code: whether the kernel OOM-killed in
 * its cgroup, its runtime state deleted (cgroups included), the exit in its
 * record and the "oom" and "die" events (image and name as attributes).
 * What a foreground run --rm records itself (it removes the container
 * right after): no restart policy goes with --rm.
 */
int berth_container_record_exit(berth_db *db, const berth_rt_ctx *rt, const char *id,
                                const char *image, const char *name, int code, berth_error *err);

/**
 * The same, and the restart policy's decision, in one transaction (a
 * process killed at any moment leaves the record as it was, or with both):
 * berth_policy_restart() from f (exit_code, ran_ms, last_delay_ms: the
 * monitor's facts) and the record's manual stop and restart count (filled
 * in f); the record becomes "restarting" with one more restart, or stays
 * "exited". *ret gets the decision. What berth-monitor-helper `record`
 * does after each exit.
 */
int berth_container_record_exit_policy(berth_db *db, const berth_rt_ctx *rt, const char *id,
                                       const char *image, const char *name,
                                       const berth_restart_policy *p, berth_exit_facts *f,
                                       berth_restart_decision *ret, berth_error *err);
