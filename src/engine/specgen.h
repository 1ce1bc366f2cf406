/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <jansson.h>

/**
 * A container's OCI config.json, made the way Docker makes it: from the
 * image's config, the Docker Engine API create body (Config fields at top
 * level plus "HostConfig", exactly as POST /containers/create takes them)
 * and the container's resolved mounts.
 *
 * Docker's secure defaults unless HostConfig says otherwise: Docker's
 * default capability set, a default seccomp profile (an allow-list; EPERM
 * for the rest, with the capability-gated syscalls allowed only when the
 * capability is added), masked and read-only paths, private ipc/uts/mnt/
 * pid/cgroup namespaces (network: "none" → a new netns, "host" → none),
 * /dev with the default nodes, /dev/shm (ShmSize), /dev/mqueue, sysfs and
 * cgroupfs read-only, no new privileges when SecurityOpt asks.
 * --privileged: every capability, no seccomp, no masked/read-only paths,
 * the host's devices.
 *
 * The process: Entrypoint + Cmd (the body's, else the image's: a body
 * Entrypoint resets the image Cmd, as in Docker), Env (image's, then the
 * body's, PATH and HOSTNAME and TERM=xterm under Tty as Docker adds them),
 * WorkingDir, User ("name", "uid", "uid:gid", "name:group", resolved
 * against the rootfs's /etc/passwd and /etc/group read safely inside it;
 * supplementary groups from /etc/group and HostConfig.GroupAdd), Tty,
 * rlimits from HostConfig.Ulimits, OomScoreAdj, StopSignal is not part of
 * the spec. With HostConfig.Init the process runs under init_path, bound at
 * /sbin/docker-init: ["/sbin/docker-init", "--", entrypoint…].
 *
 * Resources from HostConfig: Memory, MemorySwap, MemoryReservation,
 * NanoCpus / CpuQuota / CpuPeriod, CpuShares, CpusetCpus, CpusetMems,
 * PidsLimit, BlkioWeight, Devices (+ cgroup rules), OomKillDisable.
 *
 * Mounts: the Docker "Mounts" array of `inspect` (Type "bind"|"volume"|
 * "tmpfs", Source (host path; none for tmpfs), Destination, RW,
 * Propagation), HostConfig.Tmpfs (dest → options), and the per-container
 * /etc/hostname, /etc/hosts, /etc/resolv.conf files when given.
 * ReadonlyRootfs makes the root read-only.
 */
typedef struct {
        const char *id;            /* container id; hostname defaults to its first 12 chars */
        const char *rootfs;        /* absolute path of the mounted rootfs (root.path) */
        const json_t *image;       /* the image config's "config" object, or NULL */
        const json_t *body;        /* the create body (Config + "HostConfig") */
        const json_t *mounts;      /* inspect-shaped Mounts array, or NULL */
        const char *init_path;     /* host path of berth-init, for HostConfig.Init */
        const char *hostname_path; /* host files bound to /etc/… (NULL: not bound) */
        const char *hosts_path;
        const char *resolv_path;
        const char *cgroup_parent; /* default "/berth" (cgroupsPath "<parent>/<id>") */
} berth_specgen_input;

/** The config.json object (caller decrefs), or NULL with *err saying which input was bad. */
json_t *berth_specgen(const berth_specgen_input *in, berth_error *err);

/** Docker's default capability set, NULL-terminated ("CAP_CHOWN", …). */
extern const char *const berth_specgen_default_caps[];
