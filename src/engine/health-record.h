/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/db.h"
#include "engine/policy.h"

#include <jansson.h>

/**
 * A container's State.Health in berth.db, as Docker keeps it: Status,
 * FailingStreak and the last BERTH_HEALTH_LOG_MAX probe results (Start,
 * End, ExitCode, Output), moved on by the rules of policy.h.
 */

/** One probe's result. */
typedef struct {
        const char *start, *end; /* RFC 3339 */
        int exit_code;           /* -1: it timed out, or could not run */
        const char *output;      /* at most BERTH_HEALTH_OUTPUT_MAX bytes */
        int64_t since_start_ns;  /* from the container's start to the probe's */
} berth_health_probe;

/**
 * Record a probe's result in one transaction: the result appended to the
 * log (the oldest dropped past the maximum), the status and streak moved on
 * (berth_policy_health_result), and a "health_status: <status>" event when
 * the status changed. *ret_status (may be NULL) gets the new status.
 */
int berth_container_record_health(berth_db *db, const char *id, const char *image, const char *name,
                                  const berth_health_config *c, const berth_health_probe *p,
                                  berth_health_status *ret_status, berth_error *err);

/** The Health a (re)start records, from the one before (NULL for none): starting, no
 * failing streak, the log kept (as Docker does). A new reference. */
json_t *berth_health_started(const json_t *before);

/** The message of a probe that timed out, as Docker words it ("Health check exceeded
 * timeout (30s)", then ": " and what it wrote, if anything); caller frees. */
char *berth_health_timeout_message(int64_t timeout_ns, const char *output);
