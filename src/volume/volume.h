/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/db.h"
#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/**
 * Named volumes ("local" driver): BERTH_ROOT/volumes/<name>/_data, with a
 * row each in berth.db (module "volume": name, created, labels, options,
 * anonymous flag, copy-up state) and a row per (volume, container) that
 * uses it. BERTH_ROOT/volumes is 0701 and each volume's directories 0755,
 * as Docker makes them.
 *
 * A volume in use cannot be removed (-EBUSY, "remove <name>: volume is in
 * use - [<container id>, …]", as Docker says it). Creating a volume that
 * exists returns it (Docker's idempotent create: the labels and options
 * given the second time are ignored). Names: [a-zA-Z0-9][a-zA-Z0-9_.-]+
 * (Docker's rule, at most 255 characters); generated names are 64 hex
 * characters.
 *
 * Crash safety: the row is written before the directory is made and
 * dropped after it is gone; a removal first marks its row (from then on
 * the volume is invisible and cannot get users), so a crash leaves either a
 * row without its directory or a marked row. open() finishes what a crash
 * left: a marked row's removal is completed, an unmarked row with no
 * directory gets its directory, a directory with no row is removed (after
 * unmounting what is mounted in it). When another process holds the store
 * lock at that moment, the repair is left to the next open.
 *
 * Concurrency: many processes may use one store. Rows change in
 * BEGIN IMMEDIATE transactions; directory work (make, mount, remove,
 * repair) is serialised by a flock on BERTH_ROOT/volumes/.lock, copy-up by
 * a flock on the volume's directory. No lock is ever taken inside a
 * database transaction.
 */
typedef struct berth_volumes berth_volumes;

typedef struct {
        char *name;
        char *created;    /* RFC 3339, seconds, local time zone (as Docker shows it) */
        char *mountpoint; /* <root>/volumes/<name>/_data (absolute) */
        json_t *labels;   /* object, never NULL; owned */
        json_t *options;  /* object, never NULL (driver options: type, device, o, as Docker's
                             local driver) */
        bool anonymous;
} berth_volume;
void berth_volume_clear(berth_volume *v);

/** Label Docker puts on anonymous volumes; berth keeps it in step with the anonymous flag. */
#define BERTH_VOLUME_ANONYMOUS_LABEL "com.docker.volume.anonymous"

/**
 * root: BERTH_ROOT (made absolute). db is borrowed and must outlive the
 * handle. Creates root/volumes (0701), brings the tables up to date and
 * repairs crash leftovers (see above).
 */
int berth_volumes_open(berth_db *db, const char *root, berth_volumes **ret, berth_error *err);
void berth_volumes_close(berth_volumes *vs);

/**
 * name NULL (or ""): a generated name (64 random hex characters), as
 * `docker volume create` without a name. anonymous: the volume belongs to
 * a container (`run -v /path`): it gets BERTH_VOLUME_ANONYMOUS_LABEL,
 * `volume prune` without all removes it, and berth_volume_release() with
 * remove_anonymous does too. A label BERTH_VOLUME_ANONYMOUS_LABEL in labels
 * makes a volume anonymous as well (as in Docker, where the label is the
 * mark). labels and options (nullable) are objects of strings.
 *
 * Options are Docker's local driver's: "type", "device", "o" (mount(8)
 * options: flags such as bind, ro, nosuid and data such as size=64m) and
 * "size" (refused: no quota support). Another key is an error
 * (-EINVAL, `create <name>: invalid option key: "<key>"`); "device" needs
 * "type", "type" needs "device", "o" needs both ("missing required
 * option"). A volume with options is mounted by berth_volume_mount().
 *
 * *ret_created (nullable): whether it was new. ret (nullable) gets the
 * volume.
 */
int berth_volume_create(berth_volumes *vs, const char *name, const json_t *labels,
                        const json_t *options, bool anonymous, berth_volume *ret, bool *ret_created,
                        berth_error *err);
/** -ENOENT with "no such volume: <name>". */
int berth_volume_get(berth_volumes *vs, const char *name, berth_volume *ret, berth_error *err);
/** Every volume, sorted by name (bytewise). *ret is NULL when there is none. */
int berth_volume_list(berth_volumes *vs, berth_volume **ret, size_t *ret_n, berth_error *err);
void berth_volumes_free(berth_volume *v, size_t n);
/** Containers using a volume (ids sorted, NULL-terminated; caller frees with strv_free). */
int berth_volume_users(berth_volumes *vs, const char *name, char ***ret, berth_error *err);
/**
 * `volume rm`: unmounts what is mounted on the volume, removes its
 * directory, then its row. -EBUSY when used (force does not override use,
 * as in Docker); -ENOENT "no such volume: <name>" when missing, which
 * force turns into success (as `docker volume rm -f`).
 */
int berth_volume_remove(berth_volumes *vs, const char *name, bool force, berth_error *err);
/**
 * `volume prune`: unused anonymous volumes, or every unused volume with
 * all. As in Docker, volumes with options (mounted from elsewhere: tmpfs,
 * nfs, bind) are never pruned. ret_names (nullable) gets the removed
 * names (NULL-terminated, sorted); ret_freed (nullable) the bytes their
 * files took (apparent sizes, each inode counted once, as Docker counts).
 */
int berth_volume_prune(berth_volumes *vs, bool all, char ***ret_names, uint64_t *ret_freed,
                       berth_error *err);
/**
 * berth_volume_prune() keeping only volumes for which want (nullable:
 * every one) returns true; what to want (Docker's prune filters) is the
 * engine's to say (berth_prune_volumes).
 */
int berth_volume_prune_matching(berth_volumes *vs, bool all,
                                bool (*want)(const berth_volume *v, void *ud), void *ud,
                                char ***ret_names, uint64_t *ret_freed, berth_error *err);

/** Record that container_id uses the volume (it must exist). Idempotent. */
int berth_volume_use(berth_volumes *vs, const char *name, const char *container_id,
                     berth_error *err);
/** Forget every use by container_id; with remove_anonymous, remove its anonymous volumes
 * that nothing else uses (`rm -v`). */
int berth_volume_release(berth_volumes *vs, const char *container_id, bool remove_anonymous,
                         berth_error *err);

/**
 * The host path to bind into a container for this volume (*ret_path,
 * malloc'd: its _data directory). A volume with options is mounted there
 * first (mount(2) of device with type and o, as Docker's local driver does)
 * unless it is mounted already; it stays mounted until the volume is
 * removed. Call berth_volume_use() first: users, not mounts, keep a
 * volume from removal.
 */
int berth_volume_mount(berth_volumes *vs, const char *name, char **ret_path, berth_error *err);

/**
 * Docker's copy-up: when a volume is mounted for the first time and is
 * empty, the image's content at that path is copied in (modes, owners,
 * times, symlinks, hard links, device nodes, fifos, xattrs kept; the volume
 * directory itself takes the owner and mode of the image's directory).
 * rootfs is the container's mounted root; path the mount destination
 * inside it. Call it before the volume is mounted at path.
 *
 * Reads go through openat2(RESOLVE_IN_ROOT) so a symlink in the image (at
 * path or above it) cannot make it read outside the rootfs; below path no
 * symlink is followed (symlinks are copied as symlinks) and no file is
 * opened but a regular file or a directory.
 *
 * Done at most once per volume (its row records it): the first call
 * decides, whether it copied something, found nothing at path (or no
 * directory), or found the volume not empty (never copied into). A copy
 * cut short by an error is undone (the volume is emptied again, and the
 * next call tries again); one cut short by a crash is undone by the next
 * call. Mounts the volume (berth_volume_mount()) when it has options.
 */
int berth_volume_copy_up(berth_volumes *vs, const char *name, const char *rootfs, const char *path,
                         berth_error *err);

/** `volume inspect` JSON (Docker's shape: CreatedAt, Driver, Labels, Mountpoint, Name,
 * Options, Scope). Caller decrefs. */
json_t *berth_volume_json(const berth_volume *v);
