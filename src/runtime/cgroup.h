/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "oci/spec.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * Control groups for one container, on every layout a host may have:
 *  - v1 ("legacy"): one hierarchy per controller under /sys/fs/cgroup/<ctrl>;
 *  - hybrid: v1 controllers plus a cgroup2 tree at /sys/fs/cgroup/unified
 *    (the container is placed in both; limits go to the v1 controllers,
 *    hugetlb may live in unified);
 *  - v2 ("unified"): one cgroup2 tree at /sys/fs/cgroup; `unified` keys of
 *    the config are written as files there.
 *
 * Calling sequence for a new container:
 *   berth_cgroup_create(path, resources) → berth_cgroup_fork() and, in the
 *   child, berth_cgroup_enter_self() (or berth_cgroup_enter(pid)) → …
 *   berth_cgroup_kill_all() → berth_cgroup_destroy() → berth_cgroup_free().
 * An existing one (state, kill, delete, update, pause, stats) is reached with
 * berth_cgroup_open(path).
 *
 * A failing create removes every directory it made before returning.
 */

enum berth_cgroup_mode {
        BERTH_CGROUP_LEGACY = 1,
        BERTH_CGROUP_HYBRID,
        BERTH_CGROUP_UNIFIED,
};

typedef struct berth_cgroup berth_cgroup;

/**
 * Use fsroot (e.g. a fake tree made by a unit test) instead of
 * /sys/fs/cgroup, with the given layout. NULL restores auto-detection.
 */
void berth_cgroup_set_root(const char *fsroot, enum berth_cgroup_mode mode);
/** The host's layout (detected once, from statfs of /sys/fs/cgroup and /sys/fs/cgroup/unified). */
int berth_cgroup_mode(enum berth_cgroup_mode *ret, berth_error *err);

/**
 * The cgroup path to use for a container:
 *  - cgroups_path absolute ("/a/b"): as is, relative to each hierarchy's root;
 *  - relative ("a/b"): under the runtime's own cgroup… we use "/" + it;
 *  - systemd form ("slice:prefix:name", with systemd=true): "/<slice>/<prefix>-<name>.scope",
 *    nested slices expanded ("a-b.slice" → "/a.slice/a-b.slice");
 *  - NULL: "/berth/<id>".
 * Returns a malloc'd string or NULL with *err set (e.g. "..").
 */
char *berth_cgroup_path_for(const char *cgroups_path, const char *id, bool systemd,
                            berth_error *err);

/** mkdir the cgroup in every hierarchy (and enable v2 controllers on the way), apply res. */
int berth_cgroup_create(const char *path, const oci_resources *res, berth_cgroup **ret,
                        berth_error *err);
/** Open an existing container cgroup; missing directories are tolerated. */
int berth_cgroup_open(const char *path, berth_cgroup **ret, berth_error *err);
/** Move pid into the cgroup in every hierarchy. */
int berth_cgroup_enter(berth_cgroup *cg, pid_t pid, berth_error *err);
/**
 * fork(), with the child born inside cg's cgroup2 directory where the kernel
 * can do that (clone3 with CLONE_INTO_CGROUP, Linux 5.7+, and only from a
 * single-threaded process, since the child of a raw clone must not meet a
 * lock another thread held). *in_v2 says whether it did. cg may be NULL.
 */
pid_t berth_cgroup_fork(berth_cgroup *cg, bool *in_v2);
/**
 * berth_cgroup_fork() without the copy of our memory: fn(arg) runs in a child
 * that shares it while we wait (base/vfork.h says what fn may do), born in
 * cg's cgroup2 directory where the kernel can. *in_v2 is set before fn runs,
 * so it may point into arg. Returns the child's pid once it has exited or
 * exec'd, or -1 with errno set (ENOSYS: not here, or we have threads): the
 * caller uses berth_cgroup_fork() then.
 */
pid_t berth_cgroup_vfork(berth_cgroup *cg, bool *in_v2, void (*fn)(void *), void *arg);
/**
 * Move the calling process, which must be single-threaded, into cg in every
 * hierarchy (but the cgroup2 one when skip_v2). A thread that moves itself
 * through a v1 `tasks` file is the one move for which the kernel does not
 * take its global threadgroup lock, whose first writer after a quiet spell
 * waits out an RCU grace period (~8 ms here; see cgroup-enter.c).
 */
int berth_cgroup_enter_self(berth_cgroup *cg, bool skip_v2, berth_error *err);
/** Apply (only) the resources set in res, e.g. for `update`. */
int berth_cgroup_update(berth_cgroup *cg, const oci_resources *res, berth_error *err);
/** Freeze (pause) or thaw (resume) every process; waits until the freeze takes. */
int berth_cgroup_freeze(berth_cgroup *cg, bool frozen, berth_error *err);
int berth_cgroup_is_frozen(berth_cgroup *cg, bool *ret, berth_error *err);
/** Every pid in the cgroup (and its descendants), malloc'd array. */
int berth_cgroup_pids(berth_cgroup *cg, pid_t **ret, size_t *ret_n, berth_error *err);
/** Send sig to every process in the cgroup (frozen first so none can fork away). */
int berth_cgroup_kill_all(berth_cgroup *cg, int sig, berth_error *err);
/** rmdir the cgroup everywhere, retrying briefly while the last processes exit. */
int berth_cgroup_destroy(berth_cgroup *cg, berth_error *err);
void berth_cgroup_free(berth_cgroup *cg);
/** The path the cgroup was created or opened with. */
const char *berth_cgroup_get_path(const berth_cgroup *cg);

typedef struct {
        uint64_t memory_usage, memory_limit, memory_max_usage, memory_swap_usage;
        uint64_t memory_cache;
        /* page cache the kernel may reclaim first: v1 total_inactive_file (inactive_file without
         * hierarchy), v2 inactive_file; docker's stats subtract it from the usage */
        uint64_t memory_inactive_file;
        uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;
        uint64_t cpu_throttled_periods, cpu_throttled_ns;
        uint64_t pids_current, pids_limit; /* limit 0 = max */
        uint64_t io_read_bytes, io_write_bytes;
        uint64_t oom_kill_count; /* memory.events oom_kill (v2) or memory.oom_control (v1) */
} berth_cgroup_stats;

int berth_cgroup_read_stats(berth_cgroup *cg, berth_cgroup_stats *ret, berth_error *err);

/**
 * Mount a cgroup filesystem view at target_fd (an O_PATH fd of the
 * directory inside the container's rootfs, normally /sys/fs/cgroup) from
 * inside the container's mount namespace, before pivot_root:
 *  - v2: a cgroup2 mount (the container's own cgroup is its root when it has
 *    a cgroup namespace; otherwise a bind of its cgroup directory);
 *  - v1/hybrid: a tmpfs with one bind or cgroup mount per hierarchy (and
 *    symlinks such as cpu -> cpu,cpuacct), the unified tree too when hybrid.
 * flags are the mount's MS_RDONLY/MS_NOSUID/… to apply to each.
 */
int berth_cgroup_mount(int target_fd, const char *path, bool cgroupns, unsigned long flags,
                       berth_error *err);
