/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "engine/containers.h"
#include "engine/policy.h"

#include <jansson.h>

/**
 * A container's policies as its create body states them (HostConfig.
 * RestartPolicy, Healthcheck), for the rules of policy.h.
 */

/** HostConfig.RestartPolicy; none (or a name validate.c would have refused): "no". */
berth_restart_policy berth_container_restart_policy(const json_t *body);

/**
 * The Healthcheck: its Test as compact JSON text (caller frees), or NULL
 * when there is none (no Test, or ["NONE"]); *ret its settings with
 * Docker's defaults filled in.
 */
char *berth_container_healthcheck(const json_t *body, berth_health_config *ret);

/**
 * Whether berth starting up (`berth start --all --restart-policy`, as
 * Docker's daemon does when it comes up) starts c: from its policy, its
 * last exit code, the user's stop and its restart count
 * (berth_policy_restart_at_boot). A container up already is not started.
 */
bool berth_container_restart_at_boot(const berth_container *c);
