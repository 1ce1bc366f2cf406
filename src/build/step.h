/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/**
 * A build step that runs a process (RUN): no container record, as Buildah
 * does it — a snapshot of the step's base image, berth-runtime run with a
 * config made by specgen, and the snapshot's changes committed as a layer.
 *
 * berth_build_step_run():
 *   1. a snapshot of o->base under o->work_dir/<id> (a row in berth.db, so a
 *      crash leaves nothing `system check --repair` cannot find);
 *   2. the process (o->args, with the Env, WorkingDir and User of o->config,
 *      never the image's entrypoint) runs in it through `berth-runtime run`
 *      with Docker's default confinement (capabilities, seccomp, masked
 *      paths) and the network o->network ("none" or "host"); its stdout and
 *      stderr go to o->out_fd, its stdin is /dev/null; /etc/hosts,
 *      /etc/resolv.conf and /etc/hostname are copies of the step's own, never
 *      the host's files;
 *   3. on exit 0, the upper dir becomes a layer on top of the base's and
 *      berth_image_derive() registers a new image with o->config (the
 *      stage's config as it is after this step; the caller's, not changed
 *      here but for created, the diff id and the history entry) and a history
 *      entry created_by o->created_by;
 *   4. the snapshot goes, whatever happened.
 * A process that fails is an error in Docker's words ("The command '…'
 * returned a non-zero code: N", errno ECHILD) with *ret_status set; nothing
 * is registered and nothing is left behind.
 */
#include "base/digest.h"
#include "base/error.h"
#include "build/dockerfile.h"
#include "image/images.h"

#include <signal.h>
#include <stdbool.h>

typedef struct {
        const char *runtime_root; /* berth-runtime --root */
        const char *work_dir;     /* where step snapshots live (BERTH_ROOT/build) */
        const berth_digest *base; /* a registered image */
        oci_image_config *config; /* the new image's config (the caller owns it) */
        char *const *args;        /* the process: {"/bin/sh", "-c", "…"} or exec form */
        char *const *env;         /* its environment; NULL: config's Env */
        const char *network;      /* "none" (default) or "host" */
        const char *created;      /* RFC 3339 for the new image (NULL: now) */
        const char *created_by;   /* the history entry, e.g. "/bin/sh -c make" */
        const char *cache_key;    /* nullable: the builder's key, recorded with the image */
        const int64_t *epoch;     /* nullable: SOURCE_DATE_EPOCH, the layer's mtimes clamped */
        int out_fd;               /* the process's stdout and stderr */
        /* nullable: set (by a signal handler) to stop the step: its process is killed, the
         * step fails with -ECANCELED and leaves nothing. Signals must interrupt waitpid
         * (no SA_RESTART). */
        const volatile sig_atomic_t *cancel;
} berth_build_run_opts;

int berth_build_step_run(berth_images *im, const berth_build_run_opts *o, int *ret_status,
                         berth_digest *ret_id, berth_error *err);

/**
 * What a stage's instructions see and change: its config (ENV, WORKDIR,
 * USER, SHELL… as they stand), its build arguments in effect ("NAME=value":
 * ARGs declared in the stage, with --build-arg or their default), the
 * Dockerfile's escape character, and whether the stage has set CMD itself
 * (an ENTRYPOINT resets a CMD it inherited, not one it set).
 */
typedef struct {
        oci_image_config *cfg;
        char **args;
        char escape;
        bool cmd_set;
} berth_build_scope;

/** A berth_build_lookup_fn over a scope (ctx): ENV over ARG. */
const char *berth_build_scope_lookup(const char *name, void *ctx);

/** RUN, CMD, ENTRYPOINT's command: exec form as written; shell form through the stage's
 * SHELL (["/bin/sh", "-c"] by default). NULL-terminated, caller frees. */
char **berth_build_command(const berth_build_scope *sc, const berth_dockerfile_instr *in);

/** Expand word as Docker does for in's stage: ENV over ARG, the file's escape character. */
int berth_build_expand_in(berth_build_scope *sc, const char *word, char **ret, berth_error *err);

/**
 * A metadata instruction (ENV LABEL WORKDIR USER EXPOSE VOLUME STOPSIGNAL CMD
 * ENTRYPOINT SHELL HEALTHCHECK ONBUILD MAINTAINER) applied to sc->cfg, its
 * arguments expanded where Docker expands them (all pairs of one ENV or
 * LABEL against the environment from before it; WORKDIR relative to the
 * current one and cleaned; EXPOSE split into words and port ranges; CMD and
 * ENTRYPOINT through the stage's SHELL in shell form). *ret_created_by is the
 * history entry as the legacy builder writes it ("/bin/sh -c #(nop)  ENV
 * A=1"). Anything else (FROM, RUN, COPY, ADD, ARG) is EINVAL; on error sc->cfg
 * may be half changed (the build stops).
 */
int berth_build_step_meta(berth_build_scope *sc, const berth_dockerfile_instr *in,
                          char **ret_created_by, berth_error *err);
