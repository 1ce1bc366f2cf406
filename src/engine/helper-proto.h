/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "engine/policy.h"

#include <stddef.h>

/**
 * What berth-monitor-helper tells berth-monitor (cmd/berth-monitor-helper/
 * helper.h) on its fd 3, a pipe the monitor reads to its end before it
 * reaps the helper. One line of text, written once the helper's work is
 * committed to berth.db:
 *
 *   `record`   "restart <ms>\n"  the exit is recorded and the container is
 *                                "restarting": start it again in <ms>;
 *              "exited\n"        the exit is recorded: it stays exited.
 *   `health`   "health <status>\n" the probe's result is recorded; the
 *                                status is starting, healthy or unhealthy.
 *   `create`   nothing when it started; else the error, as text.
 *
 * Anything else (nothing at all: the helper died or failed before its
 * transaction committed) decides nothing: the monitor does not restart the
 * container and leaves the record to berth_engine_reconcile(), which finds
 * it live with its monitor gone once the monitor exits. The helper's exit
 * status is only success or failure; it carries no decision.
 */

#define BERTH_HELPER_LINE_MAX 64

/** The line for a restart decision (buf of BERTH_HELPER_LINE_MAX). */
void berth_helper_format_exit(const berth_restart_decision *d, char *buf, size_t sz);
/** Read it back: 0, or -EINVAL when text is not such a line (nothing was decided). */
int berth_helper_parse_exit(const char *text, berth_restart_decision *ret);
/** The line for a probe's recorded result (buf of BERTH_HELPER_LINE_MAX). */
void berth_helper_format_health(berth_health_status s, char *buf, size_t sz);
/** Read it back: 0, or -EINVAL. */
int berth_helper_parse_health(const char *text, berth_health_status *ret);
