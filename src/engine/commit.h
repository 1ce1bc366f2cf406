/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"
#include "engine/engine.h"
#include "image/snapshot.h"

#include <stdbool.h>
#include <stddef.h>

/**
 * `diff` and `commit` of a container's snapshot (image/snapshot.h does the
 * work; these find the container and keep it still).
 */

/** `diff`: the container's changes, in docker's order (see berth_snapshot_diff()). */
int berth_engine_diff(berth_engine *e, const char *name, berth_change **ret, size_t *ret_n,
                      berth_error *err);

typedef struct {
        const char *author;   /* nullable */
        const char *message;  /* nullable */
        char *const *changes; /* `--change` lines, nullable */
        const char *tag;      /* REPOSITORY[:TAG], nullable */
        bool pause;           /* pause a running container while its changes are packed */
} berth_commit_opts;

/**
 * `commit`: a new image of the container's image plus its changes, whose
 * config is the container's own (Cmd, Entrypoint, Env, WorkingDir, User and
 * Labels as it runs with, as docker takes them) with o->changes applied
 * after. A running container is paused meanwhile when o->pause (and
 * unpaused after, also on failure). *ret_id gets the image id.
 */
int berth_engine_commit(berth_engine *e, const char *name, const berth_commit_opts *o,
                        berth_digest *ret_id, berth_error *err);
