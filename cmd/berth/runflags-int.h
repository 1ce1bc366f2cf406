/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "runflags.h"

#include <stdint.h>

/**
 * What runflags.c, runflags-mounts.c, runflags-net.c and
 * runflags-resources.c share: the flag ids, the values gathered from argv,
 * and the per-topic pieces.
 *
 * Parsing runs in two steps, as docker's (pflag, then its parse()):
 *  1. argv → rf_state. Each value is checked when it is read, by its kind
 *     (bool, int, size, duration…) and by the flag's own check function;
 *     a bad value fails with pflag's wording, naming the flag:
 *     `invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'`.
 *  2. rf_state → the create body, by topic (rf_build_*). Errors found only
 *     here name the flag too (rf_flag_err) unless docker's own text
 *     already does ("--pid: invalid PID mode").
 */
enum rf_id {
        RF_ADD_HOST,
        RF_ATTACH,
        RF_BLKIO_WEIGHT,
        RF_CAP_ADD,
        RF_CAP_DROP,
        RF_CGROUP_PARENT,
        RF_CGROUPNS,
        RF_CIDFILE,
        RF_CPU_PERIOD,
        RF_CPU_QUOTA,
        RF_CPU_SHARES,
        RF_CPUS,
        RF_CPUSET_CPUS,
        RF_CPUSET_MEMS,
        RF_DETACH,
        RF_DETACH_KEYS,
        RF_DEVICE,
        RF_DEVICE_CGROUP_RULE,
        RF_DNS,
        RF_DNS_OPTION,
        RF_DNS_SEARCH,
        RF_DOMAINNAME,
        RF_ENTRYPOINT,
        RF_ENV,
        RF_ENV_FILE,
        RF_EXPOSE,
        RF_GROUP_ADD,
        RF_HEALTH_CMD,
        RF_HEALTH_INTERVAL,
        RF_HEALTH_RETRIES,
        RF_HEALTH_START_INTERVAL,
        RF_HEALTH_START_PERIOD,
        RF_HEALTH_TIMEOUT,
        RF_HELP,
        RF_HOSTNAME,
        RF_INIT,
        RF_INTERACTIVE,
        RF_IP,
        RF_IP6,
        RF_IPC,
        RF_LABEL,
        RF_LABEL_FILE,
        RF_LOG_DRIVER,
        RF_LOG_OPT,
        RF_MAC_ADDRESS,
        RF_MEMORY,
        RF_MEMORY_RESERVATION,
        RF_MEMORY_SWAP,
        RF_MEMORY_SWAPPINESS,
        RF_MOUNT,
        RF_NAME,
        RF_NETWORK,
        RF_NETWORK_ALIAS,
        RF_NO_HEALTHCHECK,
        RF_OOM_KILL_DISABLE,
        RF_OOM_SCORE_ADJ,
        RF_PID,
        RF_PIDS_LIMIT,
        RF_PLATFORM,
        RF_PRIVILEGED,
        RF_PUBLISH,
        RF_PUBLISH_ALL,
        RF_PULL,
        RF_QUIET,
        RF_READ_ONLY,
        RF_RESTART,
        RF_RM,
        RF_RUNTIME,
        RF_SECURITY_OPT,
        RF_SHM_SIZE,
        RF_SIG_PROXY,
        RF_STOP_SIGNAL,
        RF_STOP_TIMEOUT,
        RF_SYSCTL,
        RF_TMPFS,
        RF_TTY,
        RF_ULIMIT,
        RF_USER,
        RF_USERNS,
        RF_UTS,
        RF_VOLUME,
        RF_VOLUME_DRIVER,
        RF_VOLUMES_FROM,
        RF_WORKDIR,
        RF__COUNT
};

/** One flag's values. For lists every value in order; for the rest the last one. */
typedef struct {
        bool set;    /* given at least once (pflag's Changed) */
        char *str;   /* last value, as stored by its check (NULL if none) */
        char **list; /* list flags: each stored value, in order */
        int64_t num; /* bool (0/1), int, size, duration (ns), --cpus (nano-CPUs) */
} rf_value;

typedef struct {
        rf_value v[RF__COUNT];
        json_t *mounts;   /* --mount: HostConfig.Mounts entries, in order */
        json_t *ulimits;  /* --ulimit: name → {"Name","Soft","Hard"} (later wins) */
        json_t *networks; /* --network: [{"Target", "Aliases", "IPv4Address", …}] */
        json_t *sysctls;  /* --sysctl: name → value */
} rf_state;

/**
 * A flag's own check: validate `value`, and either set *ret to the
 * string to store (malloc'd; it may differ, e.g. normalized) or leave it
 * NULL to store nothing (the check kept what it needed in st). On error
 * return <0 with docker's message for the value alone; the caller adds
 * `invalid argument "…" for "…" flag: `.
 */
typedef int (*rf_check_fn)(rf_state *st, const char *value, char **ret, berth_error *err);

/* Checks, by topic. */
int rf_check_attach(rf_state *st, const char *value, char **ret, berth_error *err);
int rf_check_env(rf_state *st, const char *value, char **ret, berth_error *err);
int rf_check_label(rf_state *st, const char *value, char **ret, berth_error *err);
int rf_check_mount(rf_state *st, const char *value, char **ret, berth_error *err);
int rf_check_device_cgroup_rule(rf_state *st, const char *value, char **ret, berth_error *err);
int rf_check_ulimit(rf_state *st, const char *value, char **ret, berth_error *err);
int rf_check_sysctl(rf_state *st, const char *value, char **ret, berth_error *err);
int rf_check_dns(rf_state *st, const char *value, char **ret, berth_error *err);
int rf_check_dns_search(rf_state *st, const char *value, char **ret, berth_error *err);
int rf_check_add_host(rf_state *st, const char *value, char **ret, berth_error *err);
int rf_check_network(rf_state *st, const char *value, char **ret, berth_error *err);

/* Builders: fill `body` (Config) and `hc` (HostConfig) from st, in this order. */
/** Attach*, Tty, OpenStdin, StdinOnce, Image, Cmd, Entrypoint, Hostname, User, WorkingDir, Stop*.
 */
int rf_build_config(rf_state *st, json_t *body, const char *image, char **cmd, bool is_run,
                    berth_error *err);
int rf_build_mounts(rf_state *st, json_t *body, json_t *hc, berth_error *err);
int rf_build_network(rf_state *st, json_t *body, json_t *hc, berth_error *err);
/** Env (--env-file, then -e) and Labels (--label-file, then -l). */
int rf_build_env_labels(rf_state *st, json_t *body, berth_error *err);
/** Namespaces, RestartPolicy, LogConfig, SecurityOpt, caps, AutoRemove, Init… */
int rf_build_host(rf_state *st, json_t *hc, berth_error *err);
int rf_build_healthcheck(rf_state *st, json_t *body, berth_error *err);
int rf_build_resources(rf_state *st, json_t *hc, berth_error *err);

/**
 * Set *err to `invalid argument "<value>" for "<-x, --flag>" flag: <fmt>`,
 * the wording pflag uses for a value its flag refuses. Returns -EINVAL.
 */
int rf_flag_err(berth_error *err, enum rf_id id, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Prefix *err with the same `invalid argument … flag: ` words. Returns -EINVAL. */
int rf_flag_wrap(berth_error *err, enum rf_id id, const char *value);

/** Go's strconv.Quote, near enough: "…" with \" \\ and control bytes escaped. Malloc'd. */
char *rf_quote(const char *s);
/** Go's path.Clean. Malloc'd. */
char *rf_path_clean(const char *p);
/** Go's filepath.Abs: p against the working directory, cleaned. Malloc'd. */
char *rf_path_abs(const char *p);
/** Go's filepath.IsLocal on a Unix path: relative, non-empty, not escaping with "..". */
bool rf_path_is_local(const char *p);
/** s split at the first `sep`: *ret_key (malloc'd) and a pointer to the rest (or NULL). */
const char *rf_cut(const char *s, char sep, char **ret_key);
/** A JSON array of strings from a NULL-terminated vector. */
json_t *rf_strv_json(char **v);
/** Go's strconv.ParseInt(s, base, bits) with its errors ("strconv.ParseInt: parsing …"). */
int rf_parse_int(const char *s, int base, int bits, int64_t *ret, berth_error *err);
/** docker's --cpus: a rational number ("1.5", "3/2") in nano-CPUs, which must be whole. */
int rf_parse_nano_cpus(const char *s, int64_t *ret, berth_error *err);
/** Go's strconv.ParseUint(s, base, bits) with its errors. */
int rf_parse_uint(const char *s, int base, int bits, uint64_t *ret, berth_error *err);
