/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared between cgroup.c, cgroup-v1.c, cgroup-v2.c, cgroup-devices-bpf.c. */

#include "runtime/cgroup.h"

#include <stdbool.h>
#include <stdint.h>

/** One mounted hierarchy. */
struct cg_hier {
        char *mnt;  /* mount point, e.g. "/sys/fs/cgroup/memory" */
        char *name; /* basename of mnt: "memory", "cpu,cpuacct", "systemd", "unified" */
        char *opts; /* v1 mount options: "memory", "cpu,cpuacct", "name=systemd"; NULL for v2 */
        bool v2;
        char *dir;      /* mnt + cgroup path */
        char **created; /* directories create() made, outermost first (for rollback) */
};

struct berth_cgroup {
        char *path;
        enum berth_cgroup_mode mode;
        struct cg_hier *h;
        size_t n;
};

/** Allocate cg for path with every hierarchy of the layout (nothing created). */
int cg_new(const char *path, berth_cgroup **ret, berth_error *err);

/** Write val to dir/file in one write(2) (cgroupfs needs that). */
int cg_write(const char *dir, const char *file, const char *val, berth_error *err);
int cg_writef(const char *dir, const char *file, berth_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Read dir/file into a malloc'd NUL-terminated string. */
int cg_read(const char *dir, const char *file, char **ret, berth_error *err);
/** Read a single unsigned number ("max" reads as 0). */
int cg_read_u64(const char *dir, const char *file, uint64_t *ret, berth_error *err);
/** Value of "key N" in a flat keyed file (memory.stat, cpu.stat, memory.events). */
int cg_keyed_u64(const char *content, const char *key, uint64_t *ret);
bool cg_exists(const char *dir, const char *file);
bool cg_dir_exists(const char *path);

/** The v1 hierarchy carrying controller ctrl ("memory", "name=systemd"), or NULL. */
struct cg_hier *cg_v1_find(berth_cgroup *cg, const char *ctrl);
/** The cgroup2 hierarchy (unified or hybrid), or NULL. */
struct cg_hier *cg_v2_hier(berth_cgroup *cg);

/* cgroup-v1.c */
/** Copy cpuset.cpus/mems from the parent directory when dir's are empty. */
int cg_v1_cpuset_init(const char *dir, berth_error *err);
int cg_v1_apply(berth_cgroup *cg, const oci_resources *res, berth_error *err);
int cg_v1_freeze(const char *dir, bool frozen, berth_error *err);
int cg_v1_stats(berth_cgroup *cg, berth_cgroup_stats *st, berth_error *err);

/* cgroup-v2.c */
/**
 * Enable, in dir's cgroup.subtree_control, the controllers dir/cgroup.controllers
 * lists (only `only` when not NULL). Best effort: a controller that cannot be
 * enabled (e.g. dir has processes) is skipped.
 */
int cg_v2_enable_controllers(const char *dir, const char *only, berth_error *err);
int cg_v2_apply(const char *dir, const oci_resources *res, bool hybrid, berth_error *err);
int cg_v2_freeze(const char *dir, bool frozen, berth_error *err);
int cg_v2_stats(const char *dir, berth_cgroup_stats *st, berth_error *err);

/** shares → cpu.weight, blkio weight → io.weight; 0 stays 0 (unset). */
uint64_t cg_shares_to_weight(uint64_t shares);
uint64_t cg_blkio_to_io_weight(uint64_t weight);

/* cgroup-devices-bpf.c */
/**
 * Replace the device rules of the cgroup2 directory dir with a BPF program
 * (BPF_PROG_TYPE_CGROUP_DEVICE, attached with BPF_F_ALLOW_MULTI). Programs
 * this function attached earlier are detached.
 */
int cg_v2_devices_apply(const char *dir, const oci_device_rule *rules, size_t n, berth_error *err);
