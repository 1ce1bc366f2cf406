/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "oci/spec.h"
#include "runtime/cgroup.h"

#include <stdbool.h>
#include <sys/types.h>

/**
 * The OCI runtime: containers from bundles, with runc's lifecycle.
 *
 *   create  → the container's init waits, with namespaces, mounts and
 *             cgroups ready, on <root>/<id>/exec.fifo ("created");
 *   start   → opens the fifo; init execs the user process ("running");
 *   kill    → signals init (or every process with all=true);
 *   delete  → removes the cgroup and state of a stopped container (with
 *             force=true: kills it first) and runs poststop hooks.
 *
 * No process of the runtime stays behind: after create, the container's
 * init is the only process left (reparented to the caller's subreaper or
 * to init). State lives in <root>/<id>/state.json, written atomically.
 * Every function here is safe to call from several processes at once for
 * different ids; for one id, the state dir's lock serialises them.
 */

typedef struct {
        const char *root; /* state root, e.g. /run/berth-runtime */
        bool systemd_cgroup;
} berth_rt_ctx;

typedef struct {
        const char *id;
        const char *bundle;         /* directory holding config.json */
        const char *pid_file;       /* optional */
        const char *console_socket; /* unix socket path for the PTY master, or NULL */
        bool has_console_fd;        /* instead of console_socket: a connected socket */
        int console_fd;             /* (borrowed; the runtime dups it) */
        bool no_pivot;
        bool no_new_keyring;
        int preserve_fds; /* fds 3..3+n-1 go to the container */
        /* Called while the container's init sets its root up (between its go and its
         * ready), for work of the caller's that overlaps with it (NULL: none); what it fails
         * at is the caller's to report after. */
        void (*while_init)(void *arg);
        void *while_init_arg;
} berth_rt_create_opts;

typedef struct {
        oci_process *process; /* owned by the caller */
        /* the container's config.json as the caller parsed it already (owned by the caller);
         * NULL: read here */
        const oci_spec *spec;
        const char *console_socket;
        bool has_console_fd; /* as in berth_rt_create_opts */
        int console_fd;
        const char *pid_file;
        bool detach;
        int preserve_fds;
} berth_rt_exec_opts;

enum berth_rt_status {
        BERTH_RT_CREATING = 0,
        BERTH_RT_CREATED,
        BERTH_RT_RUNNING,
        BERTH_RT_PAUSED,
        BERTH_RT_STOPPED,
};
const char *berth_rt_status_name(enum berth_rt_status s);

typedef struct {
        char *id;
        pid_t pid; /* 0 once stopped */
        enum berth_rt_status status;
        char *bundle;
        char *rootfs;
        char *created; /* RFC 3339 */
        char *owner;
        char *annotations_json; /* "{...}" */
        char *cgroup_path;
} berth_rt_state;
void berth_rt_state_clear(berth_rt_state *s);

int berth_rt_create(const berth_rt_ctx *ctx, const berth_rt_create_opts *o, berth_error *err);
int berth_rt_start(const berth_rt_ctx *ctx, const char *id, berth_error *err);
/**
 * create + start; unless detach, wait for the container, forward signals,
 * delete it and put its exit status (128+signal when killed) in *ret_status.
 */
int berth_rt_run(const berth_rt_ctx *ctx, const berth_rt_create_opts *o, bool detach,
                 int *ret_status, berth_error *err);
int berth_rt_state_get(const berth_rt_ctx *ctx, const char *id, berth_rt_state *ret,
                       berth_error *err);
/** The state as the runtime spec's JSON (caller frees). */
char *berth_rt_state_json(const berth_rt_state *s);
int berth_rt_list(const berth_rt_ctx *ctx, berth_rt_state **ret, size_t *ret_n, berth_error *err);
int berth_rt_kill(const berth_rt_ctx *ctx, const char *id, int sig, bool all, berth_error *err);
int berth_rt_delete(const berth_rt_ctx *ctx, const char *id, bool force, berth_error *err);
int berth_rt_pause(const berth_rt_ctx *ctx, const char *id, bool pause, berth_error *err);
int berth_rt_ps(const berth_rt_ctx *ctx, const char *id, pid_t **ret, size_t *ret_n,
                berth_error *err);
int berth_rt_update(const berth_rt_ctx *ctx, const char *id, const oci_resources *res,
                    berth_error *err);
int berth_rt_stats(const berth_rt_ctx *ctx, const char *id, berth_cgroup_stats *ret,
                   berth_error *err);
/** Run a process in the container; unless detach, wait and return its exit status. */
int berth_rt_exec(const berth_rt_ctx *ctx, const char *id, const berth_rt_exec_opts *o,
                  int *ret_status, berth_error *err);

/** Signal number for "KILL", "SIGKILL", "9", "SIGRTMIN+3"; -1 if unknown. */
int berth_rt_signal_parse(const char *s);
/**
 * Whether a mount may cover dest (absolute, lexically clean) although it is
 * inside /proc: runc's few files, the ones lxcfs and its kind emulate. The
 * runtime refuses every other mount whose resolved target is on procfs, and
 * the engine refuses such destinations at create.
 */
bool berth_rt_proc_mount_allowed(const char *dest);
