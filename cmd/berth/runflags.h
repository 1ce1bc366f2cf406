/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/**
 * `berth run` and `berth create` flags, as docker takes them, turned into
 * the Docker Engine API's create body (POST /containers/create): Config
 * fields at top level ("Image", "Cmd", "Entrypoint", "Env", "WorkingDir",
 * "User", "Hostname", "Domainname", "Labels", "Tty", "OpenStdin",
 * "StdinOnce", "AttachStdin/Stdout/Stderr", "StopSignal", "StopTimeout",
 * "Healthcheck", "ExposedPorts", "Volumes") plus "HostConfig" ("Binds",
 * "Mounts", "Tmpfs", "VolumesFrom", "ReadonlyRootfs", "Memory",
 * "MemorySwap", "MemoryReservation", "NanoCpus", "CpuShares",
 * "CpusetCpus", "PidsLimit", "Ulimits", "CapAdd", "CapDrop", "Privileged",
 * "SecurityOpt", "Devices", "Init", "RestartPolicy", "AutoRemove",
 * "LogConfig", "NetworkMode", "PortBindings", "GroupAdd", "OomKillDisable",
 * "OomScoreAdj", "ShmSize", "ExtraHosts", "Dns"…) and, when a network has
 * settings of its own (--network-alias, `--network name=…,alias=…`),
 * "NetworkingConfig": {"EndpointsConfig": {"<net>": {"Aliases": […]}}}.
 * Names, types and units are the API's: bytes, nano-CPUs, nanoseconds for
 * Healthcheck durations, seconds for StopTimeout, microseconds for
 * CpuPeriod/CpuQuota; "PortBindings" {"80/tcp": [{"HostIp", "HostPort"}]}.
 *
 * Which keys are there: always "Image", the three "Attach*", "Tty",
 * "OpenStdin", "StdinOnce", and HostConfig's "NetworkMode" ("default"
 * unless --network), "RestartPolicy" ({"Name": "no", "MaximumRetryCount":
 * 0} unless --restart) and "AutoRemove"; every other key only when its flag
 * was given (so `--init=false` sends "Init": false, no --init sends none,
 * and the engine or the image decides). A consumer must take the same keys
 * missing or null, as docker's own clients send nulls.
 *
 * Attach as docker's CLI sets it: without -a, stdout and stderr are
 * attached (run in the foreground, and create); -i opens stdin and
 * attaches it, and then StdinOnce; `run -d` attaches nothing (StdinOnce
 * false, OpenStdin still follows -i).
 *
 * argv[0] is the verb ("run"/"create", used in messages). Flags are read
 * as pflag reads them: `--flag=value`, `--flag value`, `-dit`, `-eK=V`,
 * `-e=K=V`, booleans with no separate value (`--rm`, `--rm=false`), list
 * flags repeated. The first word that is not a flag is the image and all
 * that follows is the command, flags or not (`run img ls -la`); `--` ends
 * the flags too. Run-only flags (-d, --sig-proxy, --detach-keys) are
 * unknown to create, as in docker.
 *
 * -e KEY and a bare KEY line of --env-file take our environment's value,
 * and are dropped when we have none; --env-file, --label-file and a
 * `--security-opt seccomp=<file>` profile are read here.
 *
 * Values are checked here, with docker's messages, client and daemon side
 * (what the daemon would refuse without looking at the host): a value a
 * flag refuses gives pflag's words naming the flag, `invalid argument "abc"
 * for "-m, --memory" flag: invalid size: 'abc'`; the same for -v, --mount,
 * --device, --restart, -p, --tmpfs, --volumes-from, --workdir. Messages
 * docker words itself stay as docker has them ("unknown flag: --foo",
 * "--pid: invalid PID mode", "conflicting options: cannot specify both
 * --attach and --detach", "conflicting options: cannot specify both
 * --restart and --rm", `"berth run" requires at least 1 argument.`). Left
 * to the engine, which sees the API's bodies too: that bind sources exist,
 * names, signals, memory minimums, NanoCpus against CpuQuota.
 */
typedef struct {
        json_t *body;      /* the create body; owned */
        char *name;        /* --name, or NULL */
        bool detach;       /* -d (run only) */
        bool rm;           /* --rm (also HostConfig.AutoRemove) */
        bool sig_proxy;    /* --sig-proxy (default true) */
        char *detach_keys; /* --detach-keys, or NULL */
        char *cidfile;     /* --cidfile, or NULL */
        bool quiet;        /* -q: no pull progress */
        char *pull;        /* --pull missing|always|never, or NULL (docker's default: missing) */
        char *platform;    /* --platform, else $DOCKER_DEFAULT_PLATFORM, or NULL */
        bool help;         /* --help was given: print usage, nothing else (body NULL) */
} berth_run_flags;

/**
 * is_run: `run` (has -d, --sig-proxy, --detach-keys) vs `create`. argv[0]
 * is the verb. On success returns 0 and fills *ret (free it with
 * berth_run_flags_clear); with --help only ret->help is set and nothing
 * else is checked, not even the image. On failure returns <0 (-EINVAL, or
 * -errno when a file named by a flag cannot be read), leaves *ret alone and
 * says why in *err, one line with no "berth:" prefix: the caller prints it
 * as a usage error (cli_usage: exit 125, "See 'berth run --help'.").
 */
int berth_runflags_parse(int argc, char **argv, bool is_run, berth_run_flags *ret,
                         berth_error *err);
/** Frees what *f owns and zeroes it; NULL and a zeroed struct are fine. */
void berth_run_flags_clear(berth_run_flags *f);
/** The --help text for `run`/`create`, docker's layout: usage line, summary, flags sorted. */
void berth_runflags_usage(FILE *f, bool is_run);
/** Each flag `run` (is_run) or `create` takes, hidden ones too, as --help would list them:
 * long name, shorthand (0 for none), whether it takes a value, its help line. */
void berth_runflags_each(bool is_run,
                         void (*fn)(const char *name, char shorthand, bool value, const char *help,
                                    void *userdata),
                         void *userdata);
