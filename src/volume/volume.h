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
 * anonymous flag) and a row per (volume, container) that uses it.
 *
 * A volume in use cannot be removed (-EBUSY, "remove <name>: volume is in
 * use - [<container id>]", as Docker says it). Creating a volume that
 * exists returns it (Docker's idempotent create). Names: [a-zA-Z0-9][a-zA-Z0-9_.-]+
 * (Docker's rule); anonymous volumes get 64 hex characters.
 *
 * Crash safety: the row is written before the directory is made and
 * dropped after it is gone; open() finishes what a crash left (a row with
 * no directory gets its directory, a directory with no row is removed).
 */
typedef struct berth_volumes berth_volumes;

typedef struct {
        char *name;
        char *created;    /* RFC 3339 */
        char *mountpoint; /* <root>/volumes/<name>/_data */
        json_t *labels;   /* object; owned */
        json_t *options;  /* object (driver options: type, device, o, as Docker's local driver) */
        bool anonymous;
} berth_volume;
void berth_volume_clear(berth_volume *v);

/** root: BERTH_ROOT. db is borrowed and must outlive the handle. */
int berth_volumes_open(berth_db *db, const char *root, berth_volumes **ret, berth_error *err);
void berth_volumes_close(berth_volumes *vs);

/** name NULL: an anonymous volume. *ret_created (nullable): whether it was new. */
int berth_volume_create(berth_volumes *vs, const char *name, const json_t *labels,
                        const json_t *options, bool anonymous, berth_volume *ret, bool *ret_created,
                        berth_error *err);
/** -ENOENT with "no such volume: <name>". */
int berth_volume_get(berth_volumes *vs, const char *name, berth_volume *ret, berth_error *err);
/** Every volume, sorted by name. */
int berth_volume_list(berth_volumes *vs, berth_volume **ret, size_t *ret_n, berth_error *err);
void berth_volumes_free(berth_volume *v, size_t n);
/** Containers using a volume (ids, NULL-terminated; caller frees with strv_free). */
int berth_volume_users(berth_volumes *vs, const char *name, char ***ret, berth_error *err);
/** `volume rm`: -EBUSY when used (force does not override use, as in Docker). */
int berth_volume_remove(berth_volumes *vs, const char *name, bool force, berth_error *err);
/**
 * `volume prune`: unused anonymous volumes, or every unused volume with
 * all. ret_names (nullable) gets the removed names; ret_freed the bytes.
 */
int berth_volume_prune(berth_volumes *vs, bool all, char ***ret_names, uint64_t *ret_freed,
                       berth_error *err);

/** Record that container_id uses the volume (it must exist). Idempotent. */
int berth_volume_use(berth_volumes *vs, const char *name, const char *container_id,
                     berth_error *err);
/** Forget every use by container_id; with remove_anonymous, remove its anonymous volumes
 * that nothing else uses (`rm -v`). */
int berth_volume_release(berth_volumes *vs, const char *container_id, bool remove_anonymous,
                         berth_error *err);

/**
 * Docker's copy-up: when a volume is mounted for the first time and is
 * empty, the image's content at that path is copied in (modes, owners,
 * times, symlinks, xattrs kept). rootfs is the container's mounted root;
 * path the mount destination inside it. Reads go through
 * openat2(RESOLVE_IN_ROOT) so a symlink in the image cannot make it read
 * outside the rootfs. Done at most once per volume (a flag in its row).
 */
int berth_volume_copy_up(berth_volumes *vs, const char *name, const char *rootfs, const char *path,
                         berth_error *err);

/** `volume inspect` JSON (Docker's shape: CreatedAt, Driver, Labels, Mountpoint, Name,
 * Options, Scope). Caller decrefs. */
json_t *berth_volume_json(const berth_volume *v);
