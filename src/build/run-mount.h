/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/**
 * RUN --mount, as BuildKit has it: type=bind (default), cache, tmpfs, secret,
 * ssh (the agent socket given with --ssh, bound in; SSH_AUTH_SOCK set).
 *
 * berth_build_mount_parse() reads one flag value ("type=cache,target=/x,…",
 * docker's CSV). Keys: type; target|dst|destination (relative: to the
 * working directory); source|src; from; id; ro|readonly, rw|readwrite (a
 * bare key is true); required; sharing (shared, private, locked); mode
 * (octal); uid; gid; size (tmpfs, bytes or with a unit). Defaults: bind is
 * read-only, source "/" of the context or of `from`; cache's id is its
 * target, its directory 0755 root's; a secret's id is its target's name and
 * its target /run/secrets/<id>, mode 0400; ssh's id is "default", its target
 * /run/buildkit/ssh_agent.<n> (n: the how-manieth ssh mount of the step).
 *
 * The step attaches the mounts itself (berth_build_mounts_attach()), in the
 * host's mount namespace, onto the step's root before the process starts:
 * every source is an fd opened and checked (the context's paths resolved
 * inside the context, never outside), every target resolved inside the
 * step's root and created there (it stays in the layer, as with BuildKit),
 * and binds go fd to fd (open_tree/move_mount), read-only ones made so
 * before they are attached. What the process writes to a bind or tmpfs is
 * lost; to a cache it stays for the next build (BERTH_ROOT/build/cache/).
 * Nothing under a mount reaches the layer.
 */
#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum {
        BERTH_BUILD_MOUNT_BIND,
        BERTH_BUILD_MOUNT_CACHE,
        BERTH_BUILD_MOUNT_TMPFS,
        BERTH_BUILD_MOUNT_SECRET,
        BERTH_BUILD_MOUNT_SSH,
} berth_build_mount_type;

typedef enum {
        BERTH_BUILD_SHARING_SHARED,
        BERTH_BUILD_SHARING_PRIVATE,
        BERTH_BUILD_SHARING_LOCKED
} berth_build_sharing;

typedef struct {
        berth_build_mount_type type;
        char *target; /* absolute, cleaned */
        char *source; /* bind: a path in the context or in `from` */
        char *from;   /* bind: a stage or an image; NULL: the context */
        char *id;     /* cache, secret */
        bool readonly;
        bool required; /* secret: a missing one is an error, else the mount is left out */
        berth_build_sharing sharing;
        mode_t mode;
        uid_t uid;
        gid_t gid;
        uint64_t size; /* tmpfs: 0 is the kernel's default */
} berth_build_mount;

/** Parse one --mount value; workdir makes a relative target absolute; n_ssh: how many ssh
 * mounts the step had before this one. */
int berth_build_mount_parse(const char *value, const char *workdir, unsigned n_ssh,
                            berth_build_mount *ret, berth_error *err);
void berth_build_mount_clear(berth_build_mount *m);

/** A mount ready to attach: its source open (bind, cache), or its content (secret). */
typedef struct berth_build_run_mount {
        berth_build_mount_type type;
        char *target;
        int src_fd; /* O_PATH: bind, cache; -1 otherwise */
        bool src_dir;
        bool readonly;
        uint64_t size;
        char *data; /* secret */
        size_t len;
        mode_t mode;
        uid_t uid;
        gid_t gid;
        int lock_fd; /* a cache's lock (alone with sharing=locked), held while the step runs; -1 */
} berth_build_run_mount;

void berth_build_run_mount_clear(berth_build_run_mount *m);

/**
 * Attach mounts onto the step's root (merged: a host path, the snapshot's
 * mounted root), in order. On failure what was attached stays for the
 * snapshot's unmount (MNT_DETACH takes the whole tree) to remove.
 */
int berth_build_mounts_attach(const char *merged, const berth_build_run_mount *mounts, size_t n,
                              berth_error *err);

/** The cache directory of id under root (BERTH_ROOT/build/cache/<sha256 of id>), made with
 * m's mode and owner on first use; *ret an O_PATH fd of it, *ret_lock an fd holding its lock
 * (shared; alone with sharing=locked) while the step uses it: a prune leaves it be. */
int berth_build_cache_dir(const char *root, const berth_build_mount *m, int *ret, int *ret_lock,
                          berth_error *err);

/**
 * Remove the cache directories of RUN --mount=type=cache under root that no build uses
 * now (docker builder prune's cache mounts); *ret_ids (nullable) the removed ones' ids
 * (the directory names), *ret_reclaimed their size. What a prune killed midway left is
 * removed too.
 */
int berth_build_cache_prune(const char *root, char ***ret_ids, uint64_t *ret_reclaimed,
                            berth_error *err);
