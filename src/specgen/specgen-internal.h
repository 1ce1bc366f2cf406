/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The parts of berth_specgen() (specgen.h), one file each: reading the
 * create body (specgen-json.c), capabilities and security options
 * (specgen-security.c), the user (specgen-user.c), resources, devices and
 * rlimits (specgen-resources.c), mounts (specgen-mounts.c), the default
 * seccomp profile (seccomp-default.c) and docker-format profiles given with
 * --security-opt seccomp=… (seccomp-profile.c).
 *
 * Every sg_* function that fills a JSON object leaves it untouched on error
 * only as far as the caller cares: on error the caller drops the whole spec.
 */
#include "specgen/specgen.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- reading the create body (specgen-json.c) ---------------------------
 * Each getter takes the object, the key and the object's path for messages
 * ("HostConfig"), returns 0 with the value (or the default when the key is
 * absent or null) or <0 with "HostConfig.Memory: expected an integer, got
 * string" in *err. */
int sg_get_str(const json_t *o, const char *where, const char *key, const char **ret,
               berth_error *err);
int sg_get_int(const json_t *o, const char *where, const char *key, int64_t *ret, berth_error *err);
/** Like sg_get_int, but *set says whether the key was there (and not null). */
int sg_get_opt_int(const json_t *o, const char *where, const char *key, int64_t *ret, bool *set,
                   berth_error *err);
int sg_get_bool(const json_t *o, const char *where, const char *key, bool *ret, berth_error *err);
/** An array (of anything); *ret NULL when absent or null. */
int sg_get_array(const json_t *o, const char *where, const char *key, const json_t **ret,
                 berth_error *err);
/** An object; *ret NULL when absent or null. */
int sg_get_object(const json_t *o, const char *where, const char *key, const json_t **ret,
                  berth_error *err);
/**
 * A list of strings, as the API's StrSlice: an array of strings, or one
 * string (a one-element list). *ret NULL when absent or null, else a new
 * vector (possibly empty) the caller frees with berth_strv_free().
 */
int sg_get_strv(const json_t *o, const char *where, const char *key, char ***ret, berth_error *err);
/** A JSON array of strings from a NULL-terminated vector (v may be NULL: empty array). */
json_t *sg_strv_json(char *const *v);
/** Append s to *v unless it is already there. */
void sg_strv_add_unique(char ***v, const char *s);

/** True when the running kernel's version is at least major.minor. */
bool sg_kernel_at_least(int major, int minor);

/* ---- capabilities and security options (specgen-security.c) ------------ */

/**
 * The container's capability set from HostConfig (Privileged, CapAdd,
 * CapDrop) as Docker computes it: every capability the kernel has when
 * privileged; else the default set less CapDrop plus CapAdd, "ALL" in
 * CapAdd meaning every capability (less CapDrop), "ALL" in CapDrop meaning
 * only CapAdd. Names are upper-cased and get "CAP_" in front; an unknown
 * one is `unknown capability: "CAP_FOO"`. New vector, no duplicates.
 */
int sg_capabilities(const json_t *hc, bool privileged, char ***ret, berth_error *err);

typedef struct {
        bool no_new_privileges;
        bool seccomp_unconfined;
        char *seccomp_profile; /* docker-format profile text; NULL: the default */
        int writable_cgroups;  /* -1 unset, 0 / 1 */
} sg_security;

/** Parse HostConfig.SecurityOpt; sec is zeroed first (writable_cgroups -1). */
int sg_security_opts(const json_t *hc, sg_security *sec, berth_error *err);
void sg_security_clear(sg_security *sec);

/**
 * linux.seccomp for the container, or NULL in *ret for none (unconfined, or
 * privileged without an explicit profile, or a profile with neither a
 * default action nor syscalls).
 */
int sg_seccomp(const sg_security *sec, bool privileged, char *const *caps, json_t **ret,
               berth_error *err);

/** Docker's masked and read-only paths (linux.maskedPaths / readonlyPaths). */
json_t *sg_masked_paths(void);
json_t *sg_readonly_paths(void);

/* ---- seccomp profiles (seccomp-default.c, seccomp-profile.c) ----------- */

/**
 * The default profile as linux.seccomp for a process whose capability set
 * (bounding) is caps: an allow-list with EPERM for everything else; the
 * syscalls a capability guards are allowed only with that capability;
 * clone without namespace flags and clone3 failing with ENOSYS unless
 * CAP_SYS_ADMIN; personality limited to the harmless personas; socket for
 * every family but AF_ALG and AF_VSOCK. Architectures: the native one and
 * the ones it can run (x86_64: x86, x32; aarch64: arm).
 */
json_t *sg_seccomp_default(char *const *caps);

/**
 * A docker-format seccomp profile (as in `--security-opt seccomp=FILE`,
 * whose content the CLI sends) turned into linux.seccomp: "archMap" picks
 * the native architecture's entry, each rule's "includes"/"excludes"
 * (caps against caps, arches against the native one, minKernel against
 * this kernel) decide whether it is kept, "name" becomes "names".
 * *ret NULL when the profile has neither a default action nor syscalls.
 */
int sg_seccomp_from_profile(const char *text, char *const *caps, json_t **ret, berth_error *err);

/** The go/docker name of the native architecture ("amd64", "arm64", …). */
const char *sg_native_arch(void);

/* ---- the user (specgen-user.c) ------------------------------------------ */

/* ---- resources, devices, rlimits (specgen-resources.c) ----------------- */

/**
 * linux.resources (memory, cpu, pids, blockIO, devices cgroup rules) and
 * linux.devices from HostConfig; privileged: every host device, all
 * allowed.
 */
int sg_resources(const json_t *hc, bool privileged, json_t *linux_obj, berth_error *err);
/** process.rlimits from HostConfig.Ulimits; *ret NULL when there are none. */
int sg_rlimits(const json_t *hc, json_t **ret, berth_error *err);

/* ---- mounts (specgen-mounts.c) ----------------------------------------- */

typedef struct {
        const berth_specgen_input *in;
        const json_t *hc;
        bool privileged;
        bool readonly_rootfs;
        bool init;            /* bind init_path at /sbin/docker-init */
        int writable_cgroups; /* -1 unset */
        const char *ipc_mode; /* "", "private", "shareable", "host", "none" */
        int64_t shm_size;     /* bytes, > 0 */
} sg_mount_opts;

/**
 * The mounts array: Docker's defaults (less those a user mount replaces,
 * everything under /dev when /dev is a user mount, /dev/shm with ipc
 * "none"), the init binary, then the user's (Mounts, HostConfig.Tmpfs,
 * /etc/hostname, /etc/hosts, /etc/resolv.conf) parents first. May set
 * linux.rootfsPropagation for shared or slave binds.
 */
int sg_mounts(const sg_mount_opts *o, json_t *linux_obj, json_t **ret, berth_error *err);
