/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* GNU C predefines `linux` as 1, which would break the oci_spec.linux member below. */
#undef linux

/**
 * OCI runtime-spec (1.2) config.json as C types.
 *
 * berth_oci_spec_parse() turns JSON text into an oci_spec and validates it
 * completely before anything is created: a missing field, a wrong type, an
 * unknown namespace, a bad id mapping, a mount option it does not know, a
 * relative destination… is refused with a message naming the field, e.g.
 *   "linux.namespaces[2].type: unknown namespace type 'foo'".
 * Everything in an oci_spec is owned by it; berth_oci_spec_free() frees it.
 * Arrays come as (pointer, count); string vectors are NULL-terminated.
 * Optional scalars are oci_opt_* with .set.
 *
 * Unknown fields are ignored (forward compatibility); a JSON null counts as
 * absent. Mount options needing mount_setattr(2) (idmap, ridmap, rro, rnosuid
 * and the other recursive attributes) and mounts with uidMappings/gidMappings
 * are refused as not supported. Integers above INT64_MAX (e.g. a seccomp
 * value of 2^64-1) are refused by the JSON reader as "invalid JSON".
 * process.json and resources documents name fields from their own root
 * ("args: …", "memory.limit: …").
 */

typedef struct {
        bool set;
        int64_t v;
} oci_opt_i64;
typedef struct {
        bool set;
        uint64_t v;
} oci_opt_u64;

enum oci_ns_type {
        OCI_NS_PID = 0,
        OCI_NS_NETWORK,
        OCI_NS_MOUNT,
        OCI_NS_IPC,
        OCI_NS_UTS,
        OCI_NS_USER,
        OCI_NS_CGROUP,
        OCI_NS_TIME,
        OCI_NS_COUNT,
};
/** "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time". */
const char *berth_oci_ns_name(enum oci_ns_type t);
/** CLONE_NEW* flag for t. */
int berth_oci_ns_clone_flag(enum oci_ns_type t);
/** Name of t under /proc/<pid>/ns/: "pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time". */
const char *berth_oci_ns_proc_name(enum oci_ns_type t);

typedef struct {
        enum oci_ns_type type;
        char *path; /* NULL: create a new one */
} oci_namespace;

typedef struct {
        uint32_t container_id, host_id, size;
} oci_id_mapping;

typedef struct {
        char *destination; /* absolute, cleaned */
        char *type;        /* may be NULL (bind) */
        char *source;      /* may be NULL */
        char **options;    /* as given */
        /* Derived from options by the parser: */
        unsigned long flags;       /* MS_* to set (MS_BIND, MS_RDONLY, MS_NOSUID, …) */
        unsigned long clear_flags; /* MS_* explicitly cleared (rw, suid, dev, exec, …) */
        unsigned long propagation; /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE [|MS_REC], 0 */
        bool recursive_propagation;
        char *data;     /* unknown options joined by ',' (fs-specific data) */
        bool bind;      /* "bind" or "rbind" or type "bind" */
        bool rbind;     /* "rbind" */
        bool tmpcopyup; /* "tmpcopyup" (crun): copy the destination's contents into the tmpfs */
        /* MOUNT_ATTR_IDMAP mappings: not supported yet (parser refuses them). */
} oci_mount;

typedef struct {
        int resource; /* RLIMIT_* */
        uint64_t hard, soft;
} oci_rlimit;

/** Capability sets as names ("CAP_SYS_ADMIN"). Each may be NULL (= empty set). */
typedef struct {
        char **bounding, **effective, **inheritable, **permitted, **ambient;
} oci_caps;

typedef struct {
        uint32_t uid, gid;
        oci_opt_u64 umask;
        uint32_t *additional_gids;
        size_t n_additional_gids;
} oci_user;

typedef struct {
        bool terminal;
        bool has_console_size;
        uint32_t console_height, console_width;
        oci_user user;
        char **args; /* at least one element */
        char **env;
        char *cwd; /* absolute */
        bool has_caps;
        oci_caps caps;
        oci_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        oci_opt_i64 oom_score_adj;
        /* execCPUAffinity (exec only): CPU lists, NULL if not given. initial: the runtime's own
         * before the container's cgroups; final: the process's after them */
        char *exec_cpus_initial, *exec_cpus_final;
        char *apparmor_profile; /* accepted, not applied */
        char *selinux_label;    /* accepted, not applied */
} oci_process;

typedef struct {
        char *path; /* absolute */
        char **args;
        char **env;
        oci_opt_i64 timeout; /* seconds, > 0 */
} oci_hook;

enum oci_hook_kind {
        OCI_HOOK_PRESTART = 0,
        OCI_HOOK_CREATE_RUNTIME,
        OCI_HOOK_CREATE_CONTAINER,
        OCI_HOOK_START_CONTAINER,
        OCI_HOOK_POSTSTART,
        OCI_HOOK_POSTSTOP,
        OCI_HOOK_COUNT,
};

typedef struct {
        char type; /* 'c', 'b', 'u', 'p' */
        char *path;
        int64_t major, minor;
        oci_opt_u64 file_mode;
        oci_opt_u64 uid, gid;
} oci_device;

typedef struct {
        bool allow;
        char type;            /* 'a', 'c', 'b' */
        int64_t major, minor; /* -1: wildcard */
        char *access;         /* subset of "rwm", NULL = "rwm" */
} oci_device_rule;

typedef struct {
        int64_t major, minor;
        oci_opt_u64 weight, leaf_weight; /* weight devices */
        uint64_t rate;                   /* throttle devices */
} oci_blkio_device;

typedef struct {
        char *pagesize; /* "2MB", "1GB" */
        uint64_t limit;
} oci_hugepage_limit;

typedef struct {
        char *key, *value;
} oci_kv;

typedef struct {
        oci_device_rule *devices;
        size_t n_devices;
        struct {
                oci_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
                oci_opt_u64 swappiness;
                bool disable_oom_killer;
                oci_opt_u64 use_hierarchy; /* 0/1 */
                bool check_before_update;
        } memory;
        struct {
                oci_opt_u64 shares, period, realtime_period, burst;
                oci_opt_i64 quota, realtime_runtime, idle;
                char *cpus, *mems;
        } cpu;
        struct {
                oci_opt_i64 limit; /* <=0: unlimited */
        } pids;
        struct {
                oci_opt_u64 weight, leaf_weight;
                oci_blkio_device *weight_device;
                size_t n_weight_device;
                oci_blkio_device *throttle_read_bps, *throttle_write_bps;
                oci_blkio_device *throttle_read_iops, *throttle_write_iops;
                size_t n_throttle_read_bps, n_throttle_write_bps;
                size_t n_throttle_read_iops, n_throttle_write_iops;
        } blkio;
        oci_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;
        struct {
                oci_opt_u64 class_id;
                oci_kv *priorities; /* name -> priority as decimal string */
                size_t n_priorities;
        } network;
        oci_kv *unified; /* cgroup v2 file -> value */
        size_t n_unified;
} oci_resources;

enum oci_seccomp_action {
        OCI_SECCOMP_KILL = 0, /* SCMP_ACT_KILL (thread) */
        OCI_SECCOMP_KILL_PROCESS,
        OCI_SECCOMP_KILL_THREAD,
        OCI_SECCOMP_TRAP,
        OCI_SECCOMP_ERRNO,
        OCI_SECCOMP_TRACE,
        OCI_SECCOMP_ALLOW,
        OCI_SECCOMP_LOG,
        OCI_SECCOMP_NOTIFY,
};

enum oci_seccomp_op {
        OCI_SECCOMP_OP_NE = 0,
        OCI_SECCOMP_OP_LT,
        OCI_SECCOMP_OP_LE,
        OCI_SECCOMP_OP_EQ,
        OCI_SECCOMP_OP_GE,
        OCI_SECCOMP_OP_GT,
        OCI_SECCOMP_OP_MASKED_EQ,
};

typedef struct {
        uint32_t index;
        uint64_t value, value_two;
        enum oci_seccomp_op op;
} oci_seccomp_arg;

typedef struct {
        char **names;
        enum oci_seccomp_action action;
        oci_opt_u64 errno_ret; /* for ERRNO / TRACE */
        oci_seccomp_arg *args;
        size_t n_args;
} oci_seccomp_syscall;

typedef struct {
        enum oci_seccomp_action default_action;
        oci_opt_u64 default_errno_ret;
        char **architectures; /* "SCMP_ARCH_X86_64", … */
        char **flags;         /* "SECCOMP_FILTER_FLAG_LOG", … */
        char *listener_path;
        char *listener_metadata;
        oci_seccomp_syscall *syscalls;
        size_t n_syscalls;
} oci_seccomp;

typedef struct {
        int64_t secs;
        uint32_t nanosecs;
        bool set;
} oci_time_offset;

typedef struct {
        oci_namespace *namespaces;
        size_t n_namespaces;
        oci_id_mapping *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
        oci_kv *sysctl;
        size_t n_sysctl;
        bool has_resources;
        oci_resources resources;
        char *cgroups_path; /* may be NULL */
        oci_device *devices;
        size_t n_devices;
        oci_seccomp *seccomp;             /* NULL: none */
        unsigned long rootfs_propagation; /* MS_* or 0 */
        char **masked_paths;
        char **readonly_paths;
        char *mount_label;
        bool has_personality;
        unsigned long personality; /* PER_LINUX / PER_LINUX32 */
        oci_time_offset time_monotonic, time_boottime;
        bool has_intel_rdt; /* accepted and ignored (no RDT here) */
} oci_linux;

typedef struct oci_spec {
        char *oci_version;
        char *root_path; /* as given; relative to the bundle when not absolute */
        bool root_readonly;
        oci_mount *mounts;
        size_t n_mounts;
        oci_process *process; /* NULL allowed by the spec; create needs it */
        char *hostname;
        char *domainname;
        oci_hook *hooks[OCI_HOOK_COUNT];
        size_t n_hooks[OCI_HOOK_COUNT];
        oci_kv *annotations;
        size_t n_annotations;
        oci_linux *linux; /* NULL when absent */
} oci_spec;

/** Parse and validate config.json text. On error returns NULL and names the field in *err. */
oci_spec *berth_oci_spec_parse(const char *json, size_t len, berth_error *err);
/** The same from JSON already parsed (root is not kept). */
oci_spec *berth_oci_spec_parse_json(json_t *root, berth_error *err);
/** Read <bundle>/config.json and parse it. */
oci_spec *berth_oci_spec_load(const char *path, berth_error *err);
void berth_oci_spec_free(oci_spec *s);

/** Parse a process.json (as for `exec --process`) alone. */
oci_process *berth_oci_process_parse(const char *json, size_t len, berth_error *err);
/** The same from JSON already parsed (root is not kept). */
oci_process *berth_oci_process_parse_json(json_t *root, berth_error *err);
void berth_oci_process_free(oci_process *p);

/** Parse a linux.resources object alone (as for `update -r`). Caller frees with _free. */
oci_resources *berth_oci_resources_parse(const char *json, size_t len, berth_error *err);
void berth_oci_resources_free(oci_resources *r);

/** The namespace entry of type t, or NULL when the config does not ask for one. */
const oci_namespace *berth_oci_spec_namespace(const oci_spec *s, enum oci_ns_type t);

/** CAP_* number of a capability name ("CAP_SYS_ADMIN"), or -1 when unknown. */
int berth_oci_cap_from_name(const char *name);
/** Name of capability number cap ("CAP_CHOWN" for 0), or NULL past the last known one. */
const char *berth_oci_cap_name(int cap);
/** Highest capability number the parser knows (CAP_CHECKPOINT_RESTORE, 40). */
#define BERTH_OCI_CAP_LAST 40

/** The default config.json that `berth-runtime spec` writes (rootless variant if rootless). */
char *berth_oci_spec_default_json(bool rootless);
/** The JSON that `berth-runtime features` prints. */
char *berth_oci_features_json(void);
