/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/db.h"
#include "runtime/runtime.h"

/**
 * A container's process exited with code: whether the kernel OOM-killed in
 * its cgroup, its runtime state deleted (cgroups included), the exit in its
 * record and the "oom" and "die" events (image and name as attributes).
 * What the monitor's helper records after each exit — or, for a foreground
 * run --rm, the CLI, which removes the container right after.
 */
int berth_container_record_exit(berth_db *db, const berth_rt_ctx *rt, const char *id,
                                const char *image, const char *name, int code, berth_error *err);
