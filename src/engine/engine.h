/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "build/build.h"
#include "build/sweep.h"
#include "engine/containers.h"
#include "image/images.h"
#include "runtime/runtime.h"
#include "volume/volume.h"

#include <jansson.h>
#include <stdbool.h>

/**
 * The engine: containers made from images, run by the library itself with
 * one berth-monitor per running container, and no daemon.
 *
 *   create  → a record in berth.db, an overlay snapshot and the container's
 *             files under <root>/containers/<id>/ (hostname, hosts,
 *             resolv.conf, its log), volumes made and recorded as used;
 *   start   → the snapshot is mounted, config.json written (Docker's
 *             defaults, see specgen.h), and berth-monitor spawned in its own
 *             session: it creates and starts the container through the
 *             runtime library, records it running, holds its stdio (or
 *             PTY), writes its json-file log, records its exit, applies the
 *             restart policy and healthcheck, and serves attach on
 *             <runroot>/monitor/<id>. start returns once the monitor says the
 *             container runs (or why it could not);
 *   stop    → the stop signal, then SIGKILL after the timeout; the monitor
 *             records the exit, and does not restart a stopped container;
 *   remove  → (force: kill first) runtime state, snapshot, files, volumes'
 *             use and the record, in that order.
 *
 * Any process may die at any time: the monitor needs nothing from the
 * process that started it, and a record that says "running" is believed
 * only while its monitor lives.
 */
typedef struct berth_engine berth_engine;

int berth_engine_open(const char *root, const char *runroot, berth_engine **ret, berth_error *err);
/** With flags for berth_images_open_flags() (KEEP_LEFTOVERS: for `system check`, which reports
 *  the leftovers a normal open would quietly remove), and BERTH_ENGINE_LAZY_STORES. */
int berth_engine_open_flags(const char *root, const char *runroot, unsigned images_flags,
                            berth_engine **ret, berth_error *err);
/** The image store and the volumes are opened when first asked for, not by the open: for a
 *  command that uses neither (exec), a millisecond less. berth_engine_images() and _volumes()
 *  are NULL if opening them fails then. */
#define BERTH_ENGINE_LAZY_STORES (1u << 16)
void berth_engine_close(berth_engine *e);
berth_images *berth_engine_images(berth_engine *e);
berth_volumes *berth_engine_volumes(berth_engine *e);
berth_db *berth_engine_db(berth_engine *e);
const char *berth_engine_root(berth_engine *e);
const char *berth_engine_runroot(berth_engine *e);
/** The runtime context the engine's containers live in (<runroot>/runtime). */
const berth_rt_ctx *berth_engine_rt(berth_engine *e);

/** <root>/containers/<id> (caller frees). */
char *berth_engine_container_dir(berth_engine *e, const char *id);
/** <root>/containers/<id>/<id>-json.log (caller frees). */
char *berth_engine_log_path(berth_engine *e, const char *id);

/**
 * Whether a mount may go at dest inside a container, checked at create for
 * every mount (-v, --mount, --tmpfs, --volumes-from, anonymous volumes) and,
 * with image_volume, for the image's VOLUMEs. dest is compared after
 * lexical cleaning ("/proc/../proc/sys", "//proc/sys/" are /proc/sys; the
 * runtime checks the target it resolves separately).
 *  - Nothing on /proc or inside it, but for the files runc lets a mount
 *    cover (lxcfs's: /proc/cpuinfo, /proc/meminfo, /proc/uptime …).
 *  - An image volume on /proc or /sys or inside them, none at all: an image
 *    cannot ask for a writable mount over the kernel's knobs. (-v into /sys
 *    is the user's choice, as in Docker.)
 * -EINVAL with `invalid mount config: destination "/proc/sys" is inside
 * /proc` or `invalid mount config: image volume "/sys/kernel" is inside
 * /sys` (the cleaned path in parentheses when it differs).
 */
int berth_engine_check_mount_dest(const char *dest, bool image_volume, berth_error *err);

/**
 * `create`: body is the Engine API create body ("Image" names the image).
 * name NULL: a random one. *ret_id gets the new id (caller frees). On any
 * failure nothing is left: no record, no directory, no volume it made.
 */
int berth_engine_create(berth_engine *e, const char *name, const json_t *body, char **ret_id,
                        berth_error *err);

/**
 * Find a container, as it really is: a live record whose monitor is gone is
 * returned as exited (255, "the container's monitor is gone"). Reading never
 * kills, unmounts or writes (ps, inspect, logs, the API's GETs): that is
 * berth_engine_reconcile()'s.
 */
int berth_engine_get(berth_engine *e, const char *name, berth_container *ret, berth_error *err);
/** Every container (seen as get sees it), newest first. */
int berth_engine_list(berth_engine *e, berth_container **ret, size_t *ret_n, berth_error *err);
/**
 * The one repair of a container whose monitor died: it is stopped, its
 * runtime state and mount removed, and recorded exited; then *ret is what
 * get returns. Every command that changes a container's state starts with
 * it (start, stop, kill, pause, rm, commit's pause, restart).
 */
int berth_engine_reconcile(berth_engine *e, const char *name, berth_container *ret,
                           berth_error *err);
/** Every container that needs it (system check): each a line in *problems, and with
 * do_repair reconciled, each a line in *actions. */
int berth_engine_reconcile_all(berth_engine *e, char ***problems, char ***actions, bool do_repair,
                               berth_error *err);

typedef struct {
        int attach_fd;           /* -1, or one end of a stream socket: the first attached client */
        unsigned attach_streams; /* BERTH_ATTACH_* for attach_fd */
} berth_start_opts;

/** `start`: -EALREADY (and no error text) when it already runs. */
int berth_engine_start(berth_engine *e, const char *name, const berth_start_opts *o,
                       berth_error *err);
/** The exit code `run` gives for a start error: 127 not found, 126 cannot execute, else 125. */
int berth_engine_start_error_code(const char *msg);
/** timeout < 0: the container's StopTimeout, else 10 s. Stopped already is fine. */
int berth_engine_stop(berth_engine *e, const char *name, int timeout, berth_error *err);
/** `kill`: -EINVAL when it does not run ("container … is not running"). */
int berth_engine_kill(berth_engine *e, const char *name, int sig, berth_error *err);
int berth_engine_restart(berth_engine *e, const char *name, int timeout, berth_error *err);
/**
 * Record that name's process exited with code (berth_container_record_exit):
 * what a foreground run --rm does when its monitor leaves that to it.
 */
int berth_engine_record_exit(berth_engine *e, const char *name, int code, berth_error *err);
/** `rm`: a running container needs force; volumes: remove its anonymous volumes (-v). */
int berth_engine_remove(berth_engine *e, const char *name, bool force, bool volumes,
                        berth_error *err);
int berth_engine_pause(berth_engine *e, const char *name, bool pause, berth_error *err);
int berth_engine_rename(berth_engine *e, const char *name, const char *new_name, berth_error *err);
/** What a container that is not running still holds on its networks (leases, veths, its
 * namespace, ports) let go; a running one is left as it is. */
int berth_engine_cleanup(berth_engine *e, const char *name, berth_error *err);

/**
 * `wait`: block until the container is not running (condition
 * "not-running", default), next exits ("next-exit") or is removed
 * ("removed"); *ret_code gets its exit code.
 */
int berth_engine_wait(berth_engine *e, const char *name, const char *condition, int *ret_code,
                      berth_error *err);

/** `inspect`: Docker's JSON object for one container (caller decrefs). */
json_t *berth_engine_inspect(berth_engine *e, const char *name, berth_error *err);

/** A container's sizes as docker gives them (`ps -s`, `inspect -s`): *ret_rw the bytes of its
 *  writable layer, *ret_rootfs those and its image's. */
void berth_engine_container_size(berth_engine *e, const char *id, const char *image_id,
                                 int64_t *ret_rw, int64_t *ret_rootfs);
/**
 * `update`: changes (a HostConfig's BlkioWeight, CpuShares, CpuPeriod, CpuQuota, CpusetCpus,
 * CpusetMems, NanoCpus, Memory, MemoryReservation, MemorySwap, PidsLimit, RestartPolicy) made to
 * the container's record, to its cgroups when it runs, to its restart policy from its next
 * exit on; an "update" event. -EINVAL with Docker's words for anything else or a bad value
 * (nothing changed then), -ENOENT for no such container.
 */
int berth_engine_update(berth_engine *e, const char *name, const json_t *changes, berth_error *err);

/** `inspect --size`: SizeRw and SizeRootFs added to a container's inspect object. */
void berth_engine_inspect_add_size(berth_engine *e, json_t *inspect);

/** The image config ("config" object of the image's config blob) of an image id. */
json_t *berth_engine_image_config(berth_engine *e, const char *image_id, berth_error *err);

/**
 * "user[:group]" (names or ids) as "uid:gid" for a process in the running
 * container c, as its own user is resolved at start: names (and a uid's
 * primary group) looked up in its /etc/passwd and /etc/group, read inside
 * its root, only regular files and of a bounded size (a FIFO or a device
 * there is an error naming the file, never waited on). *ret is malloc'd.
 */
int berth_engine_resolve_user(berth_engine *e, const berth_container *c, const char *user,
                              char **ret, berth_error *err);

/**
 * `system check` for containers: container directories without a record
 * (an interrupted create; removed with repair once older than a minute, so a
 * create running elsewhere is never touched) and records without a
 * directory (marked "dead", which rm removes). Lines are appended to
 * *problems and *actions.
 */
int berth_engine_check(berth_engine *e, bool repair, char ***problems, char ***actions,
                       berth_error *err);

/**
 * A build context sent as a tar (the API's body, `berth build -`): plain or
 * compressed, unpacked as `cp` extracts (every name and link confined to the
 * directory, owners from the tar) into a new directory under <root>/build/,
 * locked as build/sweep.h says while it is in use. Remove it with
 * berth_engine_build_context_remove() whatever happens. A bad tar leaves
 * nothing.
 */
typedef berth_build_scratch berth_build_context;
int berth_engine_build_context_unpack(berth_engine *e, int tar_fd, berth_build_context *ret,
                                      berth_error *err);
void berth_engine_build_context_remove(berth_engine *e, berth_build_context *c);

/**
 * The default network of a build's RUN steps (build.h: berth_build_net_ops) on this
 * root's default bridge: a step joins as a container does (a lease, a namespace, a veth,
 * /etc files as a container's on the bridge), by its step id and without a container
 * record, and leaves when it ends; a killed build's steps are swept by the next build,
 * the next container start and `system check --repair`. Usable in the stages' child
 * processes (each opens an engine of its own there). NULL for a NULL e. Free with
 * berth_engine_build_net_free() after the build.
 */
berth_build_net_ops *berth_engine_build_net_new(berth_engine *e);
void berth_engine_build_net_free(berth_build_net_ops *ops);

/**
 * `build --output`: the filesystem of image id (a build's result), without
 * the image: type "tar" writes it as a tar to dest (a file, written beside
 * and renamed over it once whole) or to out_fd when dest is "-"; type
 * "local" unpacks it into the directory dest (made if missing; what is there
 * stays unless the image replaces it), owners kept.
 */
int berth_engine_build_output(berth_engine *e, const berth_digest *id, const char *type,
                              const char *dest, int out_fd, berth_error *err);
