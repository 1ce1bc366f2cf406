/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>

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
 *
 * Details the caller may rely on:
 *  - Mounts entries: RW absent means read-write; binds and volumes become
 *    "rbind" (+ "ro", + the Propagation given; shared/slave need a source
 *    on a shared/slave mount, as in Docker, and set rootfsPropagation); a
 *    tmpfs entry takes its size/mode from its own "TmpfsOptions"
 *    ({SizeBytes, Mode}) or from the HostConfig.Mounts entry with the same
 *    Target. Parents are mounted before children; a user mount replaces a
 *    default one on the same destination.
 *  - Namespace modes "container:<id>" are refused (EOPNOTSUPP): the caller
 *    resolves them. IpcMode "host" binds the host's /dev/shm, "none" has
 *    no /dev/shm. With NetworkMode "host" and no Config.Hostname the
 *    hostname is the host's.
 *  - With a network namespace of its own the container gets Docker's
 *    sysctls (net.ipv4.ping_group_range "0 2147483647",
 *    net.ipv4.ip_unprivileged_port_start "0") when the host has them;
 *    HostConfig.Sysctls must be namespaced ones of a namespace it owns.
 *  - Ulimits of -1 become INT64_MAX (JSON integers stop there).
 *  - "seccomp=<profile>" in SecurityOpt is the profile's JSON text in
 *    Docker's format (archMap, includes/excludes); "unconfined" turns
 *    seccomp off, "builtin" is the default. --privileged has no filter
 *    unless a profile is given.
 *  - Privileged: every capability this process holds (CapEff), as Docker
 *    hands out only what its daemon has.
 *  - The result is checked with berth_oci_spec_parse(): what is returned
 *    is a config berth-runtime takes; a bad seccomp profile, mount option…
 *    is an error here rather than at start.
 * Errors name the field ("HostConfig.Memory: expected an integer, got
 * string") or repeat Docker's own message ("unknown capability:
 * \"CAP_FOO\"", "unable to find user foo: no matching entries in passwd
 * file", "no command specified").
 */
typedef struct {
        const char *id;        /* container id; hostname defaults to its first 12 chars */
        const char *rootfs;    /* absolute path of the mounted rootfs (root.path) */
        const json_t *image;   /* the image config's "config" object, or NULL */
        const json_t *body;    /* the create body (Config + "HostConfig") */
        const json_t *mounts;  /* inspect-shaped Mounts array, or NULL */
        const char *init_path; /* host path of berth-init, for HostConfig.Init (required then) */
        const char *hostname_path; /* host files bound to /etc/… (NULL: not bound) */
        const char *hosts_path;
        const char *resolv_path;
        /* The network namespace to join (the engine made it for the container's networks,
         * or container:<name>'s); NULL: a new one (or the host's with NetworkMode host). */
        const char *netns_path;
        /* cgroupsPath is "<parent>/<id>": this, else HostConfig.CgroupParent, else "/berth";
         * made absolute, so berth-runtime puts it under that path in each hierarchy. */
        const char *cgroup_parent;
        /* Skip checking the result with the OCI parser (a dump and a parse of ~10 KB):
         * for a start, whose runtime parses and checks the config anyway and whose
         * error reaches the user all the same. */
        bool unchecked;
        /* Leave the user unresolved (uid 0): create's check of a body, before the rootfs is
         * mounted; start resolves it, as Docker does. */
        bool no_user;
        /* Leave Docker's default seccomp profile out (a given profile is still checked):
         * create's check of a body. It is the same for every container and cannot be wrong,
         * and generating, dumping and parsing its ~400 syscalls is most of a check's time. */
        bool no_default_seccomp;
} berth_specgen_input;

/** The config.json object (caller decrefs), or NULL with *err saying which input was bad. */
json_t *berth_specgen(const berth_specgen_input *in, berth_error *err);
/** berth_specgen() written to path (a bundle's config.json: compact, 0600, replaced whole). */
int berth_specgen_write(const berth_specgen_input *in, const char *path, berth_error *err);

/**
 * The runtime spec's linux.resources for a HostConfig's limits alone — memory, cpu, blockIO,
 * pids, as a container's config has them; no devices — what `update` hands the runtime. NULL
 * and -EINVAL with Docker's words for a bad value.
 */
json_t *berth_specgen_limits(const json_t *hostconfig, berth_error *err);

/** Every capability a --privileged container or exec gets: those this process holds
 * (CapEff), NULL-terminated; caller frees. */
char **berth_specgen_all_caps(void);

/** Docker's default capability set, NULL-terminated ("CAP_CHOWN", …). */
extern const char *const berth_specgen_default_caps[];

/**
 * process.user for spec ("", "name", "uid", "name:group", "uid:gid", …)
 * resolved against <rootfs>/etc/passwd and /etc/group (read inside the
 * rootfs: symlinks cannot leave it; a missing file is an empty one), with
 * the groups of HostConfig.GroupAdd. additionalGids: the primary gid, the
 * user's groups in /etc/group, then GroupAdd.
 */
int berth_specgen_user(const char *rootfs, const char *spec, const json_t *group_add, json_t **ret,
                       berth_error *err);
