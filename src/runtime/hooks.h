/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "oci/spec.h"

/**
 * Run the hooks of one kind in order, each with the container state JSON
 * on its stdin, its own args/env, and its timeout (SIGKILL when it runs
 * out). The first hook that fails, exits non-zero or times out stops the
 * run with an error naming the hook kind and path.
 */
int berth_hooks_run(const oci_spec *s, enum oci_hook_kind kind, const char *state_json,
                    berth_error *err);
const char *berth_hook_kind_name(enum oci_hook_kind kind);
