/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/units.h"
#include "runtime/runtime.h"

#include <signal.h>
#include <stdbool.h>

/**
 * Internal: one container's state directory, <root>/<id>/, holding
 *   state.json  — id, pid (+ its start time, against pid reuse), bundle,
 *                 rootfs, created, annotations, cgroup path;
 *   config.json — the config the container was created with (exec uses it);
 *   exec.fifo   — present while the container is "created".
 * container_open() takes an exclusive flock on the directory; it is held
 * until container_close().
 */
typedef struct {
        char *dir;
        int lock_fd;
        berth_rt_state st;
        unsigned long long pid_start;
        bool creating;
} container;

int container_validate_id(const char *id, berth_error *err);
char *container_dir(const berth_rt_ctx *ctx, const char *id);
/** Lock and load; -ENOENT (with "container 'x' does not exist") when absent. */
int container_open(const berth_rt_ctx *ctx, const char *id, container *ret, berth_error *err);
void container_close(container *c);
int container_save(container *c, berth_error *err);
/** Compute the live status from the pid, its start time, the fifo and the freezer. */
enum berth_rt_status container_status(container *c);
/** The config saved at create time. */
oci_spec *container_spec(container *c, berth_error *err);

/** Write pid to a --pid-file (relative paths are relative to our cwd). */
int container_write_pid_file(const char *path, pid_t pid, berth_error *err);

/** create, keeping the container's init as our child: *ret_pid is it (run waits for it). */
int berth_rt_create_internal(const berth_rt_ctx *ctx, const berth_rt_create_opts *o, pid_t *ret_pid,
                             berth_error *err);
/** Block the signals a foreground run/exec passes on (*ret_old: the mask before), so that
 * they wait while the process is set up. */
void berth_forward_block(sigset_t *ret_old);
/** Wait for our child pid, passing on the signals a foreground run/exec gets; the mask goes
 * back to *old once they are passed on (those that came while blocked, first). */
int berth_wait_forwarding(pid_t pid, const sigset_t *old, int *ret_status);

/** Where compiled seccomp filters are kept: <root>/.seccomp-cache (caller frees). */
char *berth_runtime_seccomp_cache(const berth_rt_ctx *ctx);
