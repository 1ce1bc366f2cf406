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
 * "OomScoreAdj", "ShmSize", "ExtraHosts", "Dns"…), with the values in the
 * API's units (bytes, nano-CPUs, nanoseconds).
 *
 * Values are checked here, with docker's messages: a bad --memory,
 * --restart, --ulimit, --device or -v gives one error naming the flag.
 * Parsing stops at the image name: what follows is the command.
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
        char *pull;        /* --pull missing|always|never, or NULL */
        char *platform;    /* --platform, or NULL */
        bool help;         /* --help was given: print usage, nothing else */
} berth_run_flags;

/** is_run: `run` (has -d, --rm's meaning, --sig-proxy…) vs `create`. argv[0] is the verb. */
int berth_runflags_parse(int argc, char **argv, bool is_run, berth_run_flags *ret,
                         berth_error *err);
void berth_run_flags_clear(berth_run_flags *f);
/** The usage text docker prints for `run`/`create` --help. */
void berth_runflags_usage(FILE *f, bool is_run);
