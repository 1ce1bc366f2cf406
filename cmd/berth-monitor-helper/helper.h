/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/db.h"
#include "engine/monitor-conf.h"

/**
 * berth-monitor-helper: the work berth-monitor hands to short-lived
 * children, so that the monitor itself needs nothing but libc. Each mode
 * reads <dir>/monitor.conf:
 *
 *   create DIR CONSOLE-FD|- first|restart
 *       create and start the container through the runtime library (stdio
 *       is the container's; fd 3 takes an error message; fd CONSOLE-FD is
 *       the console socket under a TTY), record it running; exit 0. A
 *       restart the user cancelled while it waited (stop, kill, rm) is
 *       recorded exited and fails.
 *   record DIR EXIT-CODE RAN-MS LAST-DELAY-MS
 *       the container's init exited after running RAN-MS; LAST-DELAY-MS is
 *       the wait before the previous restart (0 before the first): its OOM
 *       kills from the cgroup, runtime delete, and in one transaction the
 *       exit, its events and the restart policy's decision
 *       (engine/exit.h, engine/policy.h); then the decision on fd 3
 *       ("restart <ms>" or "exited", engine/helper-proto.h). Exit 0, or 2
 *       on error (nothing written on fd 3: nothing decided).
 *   health DIR STARTED-NS
 *       run the healthcheck in the container, record the result
 *       (engine/health-record.h) and write "health <status>" on fd 3.
 *       STARTED-NS: when the container started, on CLOCK_MONOTONIC.
 *
 * The exit status says only whether the work was done; what was decided
 * goes on fd 3.
 *
 * create and health enter the container: the monitor execs this program
 * through a read-only overlay of its directory (runtime/selfclone.h), or it
 * re-executes itself from a sealed memfd copy, so nothing in the container
 * can reach the host's binary through /proc/<pid>/exe. record is skipped
 * when a foreground run --rm takes the exit on (it records it itself).
 */
int helper_create(const berth_monitor_conf *c, const char *console, bool restarted);
/** decide: false for the old `record DIR CODE` (a monitor from an older berth): the policy
 * is taken as "no", so the record ends exited and whole. */
int helper_record(const berth_monitor_conf *c, berth_exit_facts *f, bool decide);
int helper_health(const berth_monitor_conf *c, int64_t started_ns);

/** berth.db of the container's root. */
int helper_open_db(const berth_monitor_conf *c, berth_db **ret, berth_error *err);
/** A container event with its image and name. */
void helper_event(berth_db *db, const berth_monitor_conf *c, const char *action, const char *key,
                  const char *value);
/** <runroot>/runtime, where the runtime keeps the container's state (caller frees). */
char *helper_rt_root(const berth_monitor_conf *c);
