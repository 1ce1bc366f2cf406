/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth run` / `berth create` flags → the Engine API create body. This file
 * has the flag table, the argv walk (pflag's rules), --help, and the Config
 * side of the body (attach, env, labels, command, healthcheck) plus the
 * HostConfig fields that are neither mounts, network nor resources.
 */
#include "runflags-int.h"
#include "engine/detach-keys.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "base/units.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum rf_kind { K_BOOL, K_STRING, K_LIST, K_INT, K_UINT16, K_BYTES, K_SWAP, K_DURATION, K_DECIMAL };

#define V_RUN    1u
#define V_CREATE 2u
#define V_BOTH   3u

typedef struct {
        const char *name;
        char shorthand;
        enum rf_kind kind;
        enum rf_id id;
        unsigned verbs;
        bool hidden;      /* accepted, not listed (docker's --net, --dns-opt…) */
        const char *type; /* the word --help shows after the name; NULL: the kind's */
        const char *help;
        rf_check_fn check;
} rf_flag;

/* Sorted by name: --help lists them in this order. */
static const rf_flag flags[] = {
    {"add-host", 0, K_LIST, RF_ADD_HOST, V_BOTH, false, NULL,
     "Add a line to the container's /etc/hosts (host:ip)", rf_check_add_host},
    {"attach", 'a', K_LIST, RF_ATTACH, V_BOTH, false, NULL,
     "Attach the named stream: STDIN, STDOUT or STDERR", rf_check_attach},
    {"blkio-weight", 0, K_UINT16, RF_BLKIO_WEIGHT, V_BOTH, false, NULL,
     "Relative block IO weight, 10 to 1000; 0 leaves it unset", NULL},
    {"cap-add", 0, K_LIST, RF_CAP_ADD, V_BOTH, false, NULL,
     "Give the container these Linux capabilities", NULL},
    {"cap-drop", 0, K_LIST, RF_CAP_DROP, V_BOTH, false, NULL, "Take these Linux capabilities away",
     NULL},
    {"cgroup-parent", 0, K_STRING, RF_CGROUP_PARENT, V_BOTH, false, NULL,
     "Cgroup to create the container's cgroup under", NULL},
    {"cgroupns", 0, K_STRING, RF_CGROUPNS, V_BOTH, false, NULL,
     "Cgroup namespace: host or private (default: the engine's choice)", NULL},
    {"cidfile", 0, K_STRING, RF_CIDFILE, V_BOTH, false, NULL,
     "Write the new container's ID to this file", NULL},
    {"cpu-period", 0, K_INT, RF_CPU_PERIOD, V_BOTH, false, NULL,
     "CFS scheduler period, in microseconds", NULL},
    {"cpu-quota", 0, K_INT, RF_CPU_QUOTA, V_BOTH, false, NULL,
     "CFS scheduler quota per period, in microseconds", NULL},
    {"cpu-shares", 'c', K_INT, RF_CPU_SHARES, V_BOTH, false, NULL, "Relative CPU weight", NULL},
    {"cpus", 0, K_DECIMAL, RF_CPUS, V_BOTH, false, NULL,
     "How many CPUs the container may use (1.5: one and a half)", NULL},
    {"cpuset-cpus", 0, K_STRING, RF_CPUSET_CPUS, V_BOTH, false, NULL,
     "CPUs the container may run on (0-3, 0,1)", NULL},
    {"cpuset-mems", 0, K_STRING, RF_CPUSET_MEMS, V_BOTH, false, NULL,
     "Memory nodes the container may allocate from (0-3, 0,1)", NULL},
    {"detach", 'd', K_BOOL, RF_DETACH, V_RUN, false, NULL,
     "Start the container in the background and print its ID", NULL},
    {"detach-keys", 0, K_STRING, RF_DETACH_KEYS, V_RUN, false, NULL,
     "Key sequence that detaches from the container", NULL},
    {"device", 0, K_LIST, RF_DEVICE, V_BOTH, false, NULL,
     "Give the container a host device (host[:container][:rwm])", NULL},
    {"device-cgroup-rule", 0, K_LIST, RF_DEVICE_CGROUP_RULE, V_BOTH, false, NULL,
     "Allow devices by cgroup rule ('c 1:3 rwm')", rf_check_device_cgroup_rule},
    {"dns", 0, K_LIST, RF_DNS, V_BOTH, false, NULL, "DNS server for the container's resolv.conf",
     rf_check_dns},
    {"dns-opt", 0, K_LIST, RF_DNS_OPTION, V_BOTH, true, NULL,
     "Option for the container's resolv.conf", NULL},
    {"dns-option", 0, K_LIST, RF_DNS_OPTION, V_BOTH, false, NULL,
     "Option for the container's resolv.conf", NULL},
    {"dns-search", 0, K_LIST, RF_DNS_SEARCH, V_BOTH, false, NULL,
     "Search domain for the container's resolv.conf", rf_check_dns_search},
    {"domainname", 0, K_STRING, RF_DOMAINNAME, V_BOTH, false, NULL,
     "The container's NIS domain name", NULL},
    {"entrypoint", 0, K_STRING, RF_ENTRYPOINT, V_BOTH, false, NULL,
     "Run this instead of the image's ENTRYPOINT", NULL},
    {"env", 'e', K_LIST, RF_ENV, V_BOTH, false, NULL,
     "Set an environment variable (KEY=VALUE, or KEY to pass ours on)", rf_check_env},
    {"env-file", 0, K_LIST, RF_ENV_FILE, V_BOTH, false, NULL,
     "Read environment variables from a file", NULL},
    {"expose", 0, K_LIST, RF_EXPOSE, V_BOTH, false, NULL,
     "Expose a port or a range of ports (80, 7000-7010/udp)", NULL},
    {"group-add", 0, K_LIST, RF_GROUP_ADD, V_BOTH, false, NULL,
     "Run with this supplementary group too", NULL},
    {"health-cmd", 0, K_STRING, RF_HEALTH_CMD, V_BOTH, false, NULL,
     "Command that checks the container's health", NULL},
    {"health-interval", 0, K_DURATION, RF_HEALTH_INTERVAL, V_BOTH, false, NULL,
     "Time between two checks (ms|s|m|h) (default 0s)", NULL},
    {"health-retries", 0, K_INT, RF_HEALTH_RETRIES, V_BOTH, false, NULL,
     "Failures in a row before the container is unhealthy", NULL},
    {"health-start-interval", 0, K_DURATION, RF_HEALTH_START_INTERVAL, V_BOTH, false, NULL,
     "Time between checks during the start period (ms|s|m|h) (default 0s)", NULL},
    {"health-start-period", 0, K_DURATION, RF_HEALTH_START_PERIOD, V_BOTH, false, NULL,
     "Grace time before failed checks count (ms|s|m|h) (default 0s)", NULL},
    {"health-timeout", 0, K_DURATION, RF_HEALTH_TIMEOUT, V_BOTH, false, NULL,
     "Time a check may take (ms|s|m|h) (default 0s)", NULL},
    {"help", 0, K_BOOL, RF_HELP, V_BOTH, false, NULL, "Print usage", NULL},
    {"hostname", 'h', K_STRING, RF_HOSTNAME, V_BOTH, false, NULL, "The container's host name",
     NULL},
    {"init", 0, K_BOOL, RF_INIT, V_BOTH, false, NULL,
     "Run an init as PID 1 that forwards signals and reaps zombies", NULL},
    {"interactive", 'i', K_BOOL, RF_INTERACTIVE, V_BOTH, false, NULL,
     "Keep STDIN open even when not attached", NULL},
    {"ip", 0, K_STRING, RF_IP, V_BOTH, false, NULL, "IPv4 address (e.g., 172.30.100.104)", NULL},
    {"ip6", 0, K_STRING, RF_IP6, V_BOTH, false, NULL, "IPv6 address (e.g., 2001:db8::33)", NULL},
    {"ipc", 0, K_STRING, RF_IPC, V_BOTH, false, NULL,
     "IPC namespace to use (private, shareable, host, container:NAME, none)", NULL},
    {"label", 'l', K_LIST, RF_LABEL, V_BOTH, false, NULL,
     "Set a label on the container (key=value)", rf_check_label},
    {"label-file", 0, K_LIST, RF_LABEL_FILE, V_BOTH, false, NULL,
     "Read labels from a file, one per line", NULL},
    {"log-driver", 0, K_STRING, RF_LOG_DRIVER, V_BOTH, false, NULL,
     "Logging driver for the container", NULL},
    {"log-opt", 0, K_LIST, RF_LOG_OPT, V_BOTH, false, NULL,
     "Option for the logging driver (key=value)", NULL},
    {"mac-address", 0, K_STRING, RF_MAC_ADDRESS, V_BOTH, false, NULL,
     "Container MAC address (e.g., 92:d0:c6:0a:29:33)", NULL},
    {"memory", 'm', K_BYTES, RF_MEMORY, V_BOTH, false, NULL, "Memory limit (512m, 2g)", NULL},
    {"memory-reservation", 0, K_BYTES, RF_MEMORY_RESERVATION, V_BOTH, false, NULL,
     "Soft memory limit", NULL},
    {"memory-swap", 0, K_SWAP, RF_MEMORY_SWAP, V_BOTH, false, NULL,
     "Memory plus swap limit; -1 for unlimited swap", NULL},
    {"memory-swappiness", 0, K_INT, RF_MEMORY_SWAPPINESS, V_BOTH, false, NULL,
     "Swappiness, 0 to 100 (default -1: the kernel's)", NULL},
    {"mount", 0, K_LIST, RF_MOUNT, V_BOTH, false, "mount",
     "Mount a filesystem (type=bind|volume|tmpfs,source=...,target=...)", rf_check_mount},
    {"name", 0, K_STRING, RF_NAME, V_BOTH, false, NULL, "Name the container", NULL},
    {"net", 0, K_LIST, RF_NETWORK, V_BOTH, true, "network", "Network to connect the container to",
     rf_check_network},
    {"net-alias", 0, K_LIST, RF_NETWORK_ALIAS, V_BOTH, true, NULL,
     "Another name for the container on its network", NULL},
    {"network", 0, K_LIST, RF_NETWORK, V_BOTH, false, "network",
     "Network to connect the container to", rf_check_network},
    {"network-alias", 0, K_LIST, RF_NETWORK_ALIAS, V_BOTH, false, NULL,
     "Another name for the container on its network", NULL},
    {"no-healthcheck", 0, K_BOOL, RF_NO_HEALTHCHECK, V_BOTH, false, NULL,
     "Turn off the image's HEALTHCHECK", NULL},
    {"oom-kill-disable", 0, K_BOOL, RF_OOM_KILL_DISABLE, V_BOTH, false, NULL,
     "Keep the OOM killer away from the container", NULL},
    {"oom-score-adj", 0, K_INT, RF_OOM_SCORE_ADJ, V_BOTH, false, NULL,
     "OOM score adjustment, -1000 to 1000", NULL},
    {"pid", 0, K_STRING, RF_PID, V_BOTH, false, NULL, "PID namespace to use (host, container:NAME)",
     NULL},
    {"pids-limit", 0, K_INT, RF_PIDS_LIMIT, V_BOTH, false, NULL,
     "Most processes the container may have (-1: no limit)", NULL},
    {"platform", 0, K_STRING, RF_PLATFORM, V_BOTH, false, NULL,
     "Platform of the image, for multi-platform images (os/arch)", NULL},
    {"privileged", 0, K_BOOL, RF_PRIVILEGED, V_BOTH, false, NULL,
     "Give the container every capability and every device", NULL},
    {"publish", 'p', K_LIST, RF_PUBLISH, V_BOTH, false, NULL,
     "Publish a container port on the host ([ip:][hostPort:]port[/proto])", NULL},
    {"publish-all", 'P', K_BOOL, RF_PUBLISH_ALL, V_BOTH, false, NULL,
     "Publish every exposed port on a random host port", NULL},
    {"pull", 0, K_STRING, RF_PULL, V_BOTH, false, NULL,
     "When to pull the image: always, missing or never (default \"missing\")", NULL},
    {"quiet", 'q', K_BOOL, RF_QUIET, V_BOTH, false, NULL, "Print no pull progress", NULL},
    {"read-only", 0, K_BOOL, RF_READ_ONLY, V_BOTH, false, NULL,
     "Mount the root filesystem read-only", NULL},
    {"restart", 0, K_STRING, RF_RESTART, V_BOTH, false, NULL,
     "When to restart: no, always, unless-stopped, on-failure[:N] (default \"no\")", NULL},
    {"rm", 0, K_BOOL, RF_RM, V_BOTH, false, NULL,
     "Remove the container and its anonymous volumes when it exits", NULL},
    {"runtime", 0, K_STRING, RF_RUNTIME, V_BOTH, false, NULL, "OCI runtime for this container",
     NULL},
    {"security-opt", 0, K_LIST, RF_SECURITY_OPT, V_BOTH, false, NULL,
     "Security option (seccomp=..., apparmor=..., label=..., no-new-privileges)", NULL},
    {"shm-size", 0, K_BYTES, RF_SHM_SIZE, V_BOTH, false, NULL, "Size of /dev/shm (64m)", NULL},
    {"sig-proxy", 0, K_BOOL, RF_SIG_PROXY, V_RUN, false, NULL,
     "Forward the signals we receive to the container (default true)", NULL},
    {"stop-signal", 0, K_STRING, RF_STOP_SIGNAL, V_BOTH, false, NULL,
     "Signal that stops the container", NULL},
    {"stop-timeout", 0, K_INT, RF_STOP_TIMEOUT, V_BOTH, false, NULL,
     "Seconds to wait for a stop before killing", NULL},
    {"sysctl", 0, K_LIST, RF_SYSCTL, V_BOTH, false, "map",
     "Set a namespaced kernel parameter (name=value) (default map[])", rf_check_sysctl},
    {"tmpfs", 0, K_LIST, RF_TMPFS, V_BOTH, false, NULL, "Mount a tmpfs (path[:options])", NULL},
    {"tty", 't', K_BOOL, RF_TTY, V_BOTH, false, NULL, "Give the container a terminal", NULL},
    {"ulimit", 0, K_LIST, RF_ULIMIT, V_BOTH, false, "ulimit",
     "Resource limit (name=soft[:hard]) (default [])", rf_check_ulimit},
    {"user", 'u', K_STRING, RF_USER, V_BOTH, false, NULL, "User to run as (name|uid[:group|gid])",
     NULL},
    {"userns", 0, K_STRING, RF_USERNS, V_BOTH, false, NULL, "User namespace to use (host)", NULL},
    {"uts", 0, K_STRING, RF_UTS, V_BOTH, false, NULL, "UTS namespace to use (host)", NULL},
    {"volume", 'v', K_LIST, RF_VOLUME, V_BOTH, false, NULL,
     "Bind a host path or a volume ([source:]/path[:options])", NULL},
    {"volume-driver", 0, K_STRING, RF_VOLUME_DRIVER, V_BOTH, false, NULL,
     "Driver for the volumes this container creates", NULL},
    {"volumes-from", 0, K_LIST, RF_VOLUMES_FROM, V_BOTH, false, NULL,
     "Mount the volumes of another container (name[:ro|rw])", NULL},
    {"workdir", 'w', K_STRING, RF_WORKDIR, V_BOTH, false, NULL,
     "Working directory inside the container", NULL},
};

static const rf_flag *flag_by_id(enum rf_id id)
{
        for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
                if (flags[i].id == id && !flags[i].hidden)
                        return &flags[i];
        return NULL;
}

static char *flag_display(const rf_flag *f)
{
        if (f->shorthand)
                return berth_xasprintf("-%c, --%s", f->shorthand, f->name);
        return berth_xasprintf("--%s", f->name);
}

static int flag_err_v(berth_error *err, const rf_flag *f, const char *value, const char *fmt,
                      va_list ap)
{
        char msg[sizeof(err->msg)];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        _cleanup_free_ char *q = rf_quote(value);
        _cleanup_free_ char *name = flag_display(f);
        return berth_errx(err, EINVAL, "invalid argument %s for \"%s\" flag: %s", q, name, msg);
}

static int flag_err(berth_error *err, const rf_flag *f, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int flag_err(berth_error *err, const rf_flag *f, const char *value, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = flag_err_v(err, f, value, fmt, ap);
        va_end(ap);
        return r;
}

int rf_flag_err(berth_error *err, enum rf_id id, const char *value, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = flag_err_v(err, flag_by_id(id), value, fmt, ap);
        va_end(ap);
        return r;
}

int rf_flag_wrap(berth_error *err, enum rf_id id, const char *value)
{
        char msg[sizeof(err->msg)];
        memcpy(msg, err->msg, sizeof(msg));
        return rf_flag_err(err, id, value, "%s", msg);
}

/* ---- reading argv ---- */

static int parse_bool(const char *s, bool *ret, berth_error *err)
{
        static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
        for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
                if (strcmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        _cleanup_free_ char *q = rf_quote(s);
        return berth_errx(err, EINVAL, "strconv.ParseBool: parsing %s: invalid syntax", q);
}

/* docker's --cpus: a rational number ("1.5", "3/2", "2e-1") times 1e9, which must be whole. */
int rf_parse_nano_cpus(const char *s, int64_t *ret, berth_error *err)
{
        const char *slash = strchr(s, '/');
        long double num, den = 1;
        char *end;
        bool good = *s != '\0' && !strchr(" \t\n", *s);
        if (good && slash) {
                _cleanup_free_ char *a = strndup(s, (size_t)(slash - s));
                int64_t n;
                uint64_t d;
                berth_error ignored = {0};
                good = a && rf_parse_int(a, 10, 64, &n, &ignored) == 0 &&
                       rf_parse_uint(slash + 1, 10, 64, &d, &ignored) == 0 && d != 0;
                num = good ? (long double)n : 0;
                den = good ? (long double)d : 1;
        } else if (good) {
                errno = 0;
                num = strtold(s, &end);
                /* plain decimal notation only: no hex, inf or nan */
                good = *end == '\0' && errno == 0 && strspn(s, "+-0123456789.eE") == strlen(s);
        }
        if (!good)
                return berth_errx(err, EINVAL, "failed to parse %s as a rational number", s);
        long double nano = num * 1e9L / den;
        long double whole =
            nano < 0 ? -(long double)(int64_t)(-nano + 0.5L) : (long double)(int64_t)(nano + 0.5L);
        long double diff = nano - whole;
        if (diff < 0)
                diff = -diff;
        if (diff > 1e-6L)
                return berth_errx(err, EINVAL, "value is too precise");
        if (whole > 9.2e18L || whole < -9.2e18L)
                return berth_errx(err, EINVAL, "value is too precise");
        *ret = (int64_t)whole;
        return 0;
}

static int set_value(rf_state *st, const rf_flag *f, const char *value, berth_error *err)
{
        rf_value *v = &st->v[f->id];
        int64_t num = 0;
        int r = 0;
        char *stored = NULL;
        berth_error e = {0};

        switch (f->kind) {
        case K_BOOL: {
                bool b = false;
                r = parse_bool(value, &b, &e);
                num = b;
                break;
        }
        case K_INT:
                r = rf_parse_int(value, 0, 64, &num, &e);
                break;
        case K_UINT16: {
                uint64_t u;
                r = rf_parse_uint(value, 0, 16, &u, &e);
                num = (int64_t)u;
                break;
        }
        case K_SWAP:
                if (strcmp(value, "-1") == 0) {
                        num = -1;
                        break;
                }
                /* fall through */
        case K_BYTES:
                r = berth_parse_ram_bytes(value, &num, &e);
                break;
        case K_DURATION:
                r = berth_parse_go_duration(value, &num, &e);
                break;
        case K_DECIMAL:
                r = rf_parse_nano_cpus(value, &num, &e);
                break;
        case K_STRING:
        case K_LIST:
                break;
        }
        if (r == 0 && f->check)
                r = f->check(st, value, &stored, &e);
        else if (r == 0)
                stored = berth_xstrdup(value);
        if (r < 0)
                return flag_err(err, f, value, "%s", e.msg);
        v->set = true;
        v->num = num;
        if (f->kind == K_LIST) {
                if (stored)
                        berth_strv_push(&v->list, stored);
                free(stored);
        } else {
                free(v->str);
                v->str = stored;
        }
        return 0;
}

static const rf_flag *find_long(const char *name, size_t len, unsigned verb)
{
        for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
                if ((flags[i].verbs & verb) && strlen(flags[i].name) == len &&
                    strncmp(flags[i].name, name, len) == 0)
                        return &flags[i];
        return NULL;
}

static const rf_flag *find_short(char c, unsigned verb)
{
        for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
                if ((flags[i].verbs & verb) && flags[i].shorthand == c)
                        return &flags[i];
        return NULL;
}

/* "--name", "--name=value" or "--name value"; *i moves past what was used. */
static int parse_long(rf_state *st, unsigned verb, int argc, char **argv, int *i, berth_error *err)
{
        const char *s = argv[*i];
        const char *name = s + 2;
        if (name[0] == '-' || name[0] == '=')
                return berth_errx(err, EINVAL, "bad flag syntax: %s", s);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const rf_flag *f = find_long(name, len, verb);
        if (f == NULL)
                return berth_errx(err, EINVAL, "unknown flag: --%.*s", (int)len, name);
        const char *value;
        if (eq)
                value = eq + 1;
        else if (f->kind == K_BOOL)
                value = "true";
        else if (*i + 1 < argc)
                value = argv[++*i];
        else
                return berth_errx(err, EINVAL, "flag needs an argument: %s", s);
        return set_value(st, f, value, err);
}

/* "-dit", "-eK=V", "-e=K=V", "-e K=V", "-p80:80". */
static int parse_shorts(rf_state *st, unsigned verb, int argc, char **argv, int *i,
                        berth_error *err)
{
        const char *s = argv[*i];
        for (const char *p = s + 1; *p;) {
                const rf_flag *f = find_short(*p, verb);
                if (f == NULL)
                        return berth_errx(err, EINVAL, "unknown shorthand flag: '%c' in -%s", *p,
                                          p);
                const char *value;
                if (p[1] == '=') {
                        value = p + 2;
                        p += strlen(p);
                } else if (f->kind == K_BOOL) {
                        value = "true";
                        p++;
                } else if (p[1]) {
                        value = p + 1;
                        p += strlen(p);
                } else if (*i + 1 < argc) {
                        value = argv[++*i];
                        p++;
                } else {
                        return berth_errx(err, EINVAL, "flag needs an argument: '%c' in -%s", *p,
                                          p);
                }
                int r = set_value(st, f, value, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void state_done(rf_state *st)
{
        for (size_t i = 0; i < RF__COUNT; i++) {
                free(st->v[i].str);
                berth_strv_free(st->v[i].list);
        }
        json_decref(st->mounts);
        json_decref(st->ulimits);
        json_decref(st->networks);
        json_decref(st->sysctls);
}

/* The docker CLI's check of --detach-keys (the engine parses them). */
static int check_detach_keys(const char *keys, berth_error *err)
{
        berth_detach_keys k;
        _cleanup_free_ char *unknown = NULL;
        if (berth_detach_keys_parse(keys, &k, &unknown, NULL) == 0)
                return 0;
        return berth_errx(err, EINVAL, "invalid detach keys (%s): Unknown character: '%s'", keys,
                          unknown ? unknown : "");
}

int berth_runflags_parse(int argc, char **argv, bool is_run, berth_run_flags *ret, berth_error *err)
{
        _cleanup_(state_done) rf_state st = {0};
        const char *verb = argc > 0 && argv[0] ? argv[0] : (is_run ? "run" : "create");
        unsigned verbmask = is_run ? V_RUN : V_CREATE;
        const char *image = NULL;
        char **cmd = NULL;

        st.v[RF_SIG_PROXY].num = 1;
        st.v[RF_MEMORY_SWAPPINESS].num = -1;
        for (int i = 1; i < argc; i++) {
                const char *s = argv[i];
                int r;
                if (s[0] != '-' || s[1] == '\0') {
                        image = s;
                        cmd = argv + i + 1;
                        break;
                }
                if (strcmp(s, "--") == 0) {
                        if (i + 1 < argc) {
                                image = argv[i + 1];
                                cmd = argv + i + 2;
                        }
                        break;
                }
                if (s[1] == '-')
                        r = parse_long(&st, verbmask, argc, argv, &i, err);
                else
                        r = parse_shorts(&st, verbmask, argc, argv, &i, err);
                if (r < 0)
                        return r;
        }
        if (st.v[RF_HELP].num) {
                *ret = (berth_run_flags){.help = true, .sig_proxy = true};
                return 0;
        }
        if (image == NULL)
                return berth_errx(err, EINVAL, "\"berth %s\" requires at least 1 argument.", verb);
        const char *pull = st.v[RF_PULL].str;
        if (pull && *pull && strcmp(pull, "always") != 0 && strcmp(pull, "missing") != 0 &&
            strcmp(pull, "never") != 0)
                return berth_errx(err, EINVAL,
                                  "invalid pull option: '%s': must be one of \"always\", "
                                  "\"missing\" or \"never\"",
                                  pull);
        if (is_run && st.v[RF_DETACH_KEYS].str && check_detach_keys(st.v[RF_DETACH_KEYS].str, err))
                return -EINVAL;

        json_t *body = json_object();
        json_t *hc = json_object();
        json_object_set_new(body, "HostConfig", hc);
        int r = rf_build_config(&st, body, image, cmd, is_run, err);
        if (r == 0 && st.v[RF_MEMORY_SWAPPINESS].num != -1 &&
            (st.v[RF_MEMORY_SWAPPINESS].num < 0 || st.v[RF_MEMORY_SWAPPINESS].num > 100))
                r = berth_errx(err, EINVAL,
                               "invalid value: %lld. Valid memory swappiness range is 0-100",
                               (long long)st.v[RF_MEMORY_SWAPPINESS].num);
        if (r == 0)
                r = rf_build_mounts(&st, body, hc, err);
        if (r == 0)
                r = rf_build_network(&st, body, hc, err);
        if (r == 0)
                r = rf_build_env_labels(&st, body, err);
        if (r == 0)
                r = rf_build_host(&st, hc, err);
        if (r == 0)
                r = rf_build_healthcheck(&st, body, err);
        if (r == 0)
                r = rf_build_resources(&st, hc, err);
        if (r < 0) {
                json_decref(body);
                return r;
        }

        const char *platform = st.v[RF_PLATFORM].str;
        if (!st.v[RF_PLATFORM].set && getenv("DOCKER_DEFAULT_PLATFORM") &&
            *getenv("DOCKER_DEFAULT_PLATFORM"))
                platform = getenv("DOCKER_DEFAULT_PLATFORM");
        *ret = (berth_run_flags){
            .body = body,
            .name =
                st.v[RF_NAME].str && *st.v[RF_NAME].str ? berth_xstrdup(st.v[RF_NAME].str) : NULL,
            .detach = is_run && st.v[RF_DETACH].num,
            .rm = st.v[RF_RM].num,
            .sig_proxy = st.v[RF_SIG_PROXY].num,
            .detach_keys = st.v[RF_DETACH_KEYS].str && *st.v[RF_DETACH_KEYS].str
                               ? berth_xstrdup(st.v[RF_DETACH_KEYS].str)
                               : NULL,
            .cidfile = st.v[RF_CIDFILE].str && *st.v[RF_CIDFILE].str
                           ? berth_xstrdup(st.v[RF_CIDFILE].str)
                           : NULL,
            .quiet = st.v[RF_QUIET].num,
            .pull = pull && *pull ? berth_xstrdup(pull) : NULL,
            .platform = platform && *platform ? berth_xstrdup(platform) : NULL,
        };
        return 0;
}

void berth_run_flags_clear(berth_run_flags *f)
{
        if (f == NULL)
                return;
        json_decref(f->body);
        free(f->name);
        free(f->detach_keys);
        free(f->cidfile);
        free(f->pull);
        free(f->platform);
        *f = (berth_run_flags){0};
}

/* ---- --help ---- */

static const char *kind_type(const rf_flag *f)
{
        if (f->type)
                return f->type;
        switch (f->kind) {
        case K_BOOL:
                return "";
        case K_STRING:
                return "string";
        case K_LIST:
                return "list";
        case K_INT:
                return "int";
        case K_UINT16:
                return "uint16";
        case K_BYTES:
        case K_SWAP:
                return "bytes";
        case K_DURATION:
                return "duration";
        case K_DECIMAL:
                return "decimal";
        }
        return "";
}

void berth_runflags_usage(FILE *f, bool is_run)
{
        unsigned verb = is_run ? V_RUN : V_CREATE;
        char lines[ARRAY_SIZE(flags)][96];
        size_t width = 0;
        for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
                const rf_flag *fl = &flags[i];
                const char *type = kind_type(fl);
                if (fl->shorthand)
                        snprintf(lines[i], sizeof(lines[i]), "  -%c, --%s%s%s", fl->shorthand,
                                 fl->name, *type ? " " : "", type);
                else
                        snprintf(lines[i], sizeof(lines[i]), "      --%s%s%s", fl->name,
                                 *type ? " " : "", type);
                if ((fl->verbs & verb) && !fl->hidden && strlen(lines[i]) > width)
                        width = strlen(lines[i]);
        }
        fprintf(f, "Usage:  berth %s [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n%s\n\nOptions:\n",
                is_run ? "run" : "create",
                is_run ? "Create and run a new container from an image" : "Create a new container");
        for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
                if ((flags[i].verbs & verb) && !flags[i].hidden)
                        fprintf(f, "%-*s   %s\n", (int)width, lines[i], flags[i].help);
}

void berth_runflags_each(bool is_run,
                         void (*fn)(const char *name, char shorthand, bool value, const char *help,
                                    void *userdata),
                         void *userdata)
{
        unsigned verb = is_run ? V_RUN : V_CREATE;
        for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
                if (flags[i].verbs & verb)
                        fn(flags[i].name, flags[i].shorthand, flags[i].kind != K_BOOL,
                           flags[i].help, userdata);
}
