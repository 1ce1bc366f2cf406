/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/cleanup.h"
#include "base/strutil.h"
#include "engine/engine.h"
#include "engine/events.h"

/* jansson's own json_decrefp */
#include "base/cleanup-json.h"

struct berth_engine {
        char *root, *runroot, *rt_root;
        berth_db *db;           /* berth.db: the engine's; the image and volume layers borrow it */
        berth_images *images;   /* NULL until opened (BERTH_ENGINE_LAZY_STORES) */
        berth_volumes *volumes; /* the same */
        unsigned images_flags;
        berth_rt_ctx rt;
};

/** The create body merged with the image config as Docker merges them (new reference). */
json_t *engine_merge_config(const json_t *body, const json_t *image);

/** Resolve the body's binds, mounts, volumes-from and anonymous volumes into an inspect
 * "Mounts" array, making named volumes as needed (their names go to *made). Every
 * destination, and first the volumes of image (its config; nullable), is checked with
 * berth_engine_check_mount_dest() before anything is made. */
json_t *engine_resolve_mounts(berth_engine *e, const json_t *body, const json_t *image,
                              char ***made, berth_error *err);

/** Record a container event with Docker's attributes (image, name) plus key=value. */
void engine_event(berth_engine *e, const berth_container *c, const char *action, const char *key,
                  const char *value);

/** The container's /etc/hostname, /etc/hosts and /etc/resolv.conf, in its dir. net (nullable:
 * at create): its addresses (a line each in hosts) and its networks' resolver (resolv.conf's
 * only name server), from engine_net_start. */
typedef struct engine_net_info engine_net_info;
int engine_write_etc_files(const char *dir, const char *id, const json_t *body,
                           const engine_net_info *net, berth_error *err);

/** Whether the record's status says a process may be running. */

/** Wait (on the monitor's socket) until the container exits; timeout_ms < 0: forever.
 * Returns 1 when it exited (or was not running), 0 on timeout. */
int engine_wait_exit(berth_engine *e, const berth_container *c, int timeout_ms, int *ret_code);

/** flock() the container's directory (exclusive, waiting): start and cp take it, so a snapshot
 * that cp mounted is not unmounted under a container starting meanwhile. Returns the fd to
 * close, or -errno. */
int engine_lock_container(berth_engine *e, const char *id);

/** The restart policy of a HostConfig, as dockerd checks it (and AutoRemove with one). */
int engine_validate_restart(const json_t *hc, berth_error *err);
/** A create body as Docker's daemon checks it (validate.c): -EINVAL with its message. dir is
 * the container's directory (its rootfs not made yet). */
int engine_validate_create(berth_engine *e, const char *dir, const json_t *merged,
                           const json_t *mounts, const json_t *image_cfg, berth_error *err);

/* berth.db watched (events-stream.c): every commit writes its log (or, after a checkpoint,
 * the database), so an inotify watch on the root's directory wakes a waiter for any change.
 * A commit writes its log before it becomes visible: read again a moment after a wake-up. */
/** The watch's fd (-1 when inotify cannot be had: then waits are timeouts). */
int engine_db_watch(const berth_engine *e);
/** Wait up to ms (-1: for ever) for a change: 1 woken, 0 timed out, -errno. */
int engine_db_wait(int watch, int ms);
