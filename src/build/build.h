/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/**
 * `berth build`: a Dockerfile and its context to an image, daemonless. The
 * CLI and the API server are front ends of berth_build(): they read flags or
 * a request, open the context, and print what it writes to out_fd.
 *
 * The build:
 *   1. parses the whole Dockerfile (an error stops it before any step runs);
 *   2. picks the stages the target needs (FROM <stage>, COPY --from=<stage>,
 *      in any depth): stages it does not need are not built;
 *   3. builds them in file order, each instruction a step: metadata
 *      instructions change the stage's config and add a history entry; RUN,
 *      COPY and ADD make a layer and an image (step.h); at the end of the
 *      stage its config is registered as an image if the last step was not a
 *      layer step;
 *   4. sets --label, tags the target stage's image, warns about build
 *      arguments no ARG consumed.
 *
 * Cache. Each step has a key, a sha256 chained from the previous step's:
 * the base image id (or "scratch" and the platform), then for each step its
 * instruction text, its heredocs, the build arguments in effect and, for
 * COPY and ADD, the digest of what it copies (content, modes, owners, names;
 * not mtimes) and the id of a --from image. Images of layer steps and of
 * stage ends are found by key (berth_build_cache_get) unless no_cache (or
 * the stage is in no_cache_filter); a metadata step is just the next link.
 *
 * Output (out_fd), the legacy builder's lines: "Step 3/7 : RUN make",
 * " ---> Using cache", " ---> 3f2a…" (the image a layer step made or
 * found), RUN's output as it comes, "[Warning] …". With quiet, RUN's output
 * is kept and written to out_fd only when the step fails.
 *
 * RUN's network: the step's --network flag, else o->network, else "default":
 * a namespace of the step's own on berth's default bridge, made and let go by
 * o->net (the engine's: the builder has no networks of its own; without
 * o->net "default" is "none"); "none" (only lo) and "host" (the host's).
 */
#include "base/digest.h"
#include "base/error.h"
#include "image/images.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Get name (a reference) from its registry into the store: the front end's transfer
 * options (credentials, progress) are its business. */
typedef int (*berth_build_pull_fn)(const char *name, void *userdata, berth_digest *ret_id,
                                   berth_error *err);

struct berth_dockerignore;

/** An ssh agent for RUN --mount=type=ssh,id=ID (`--ssh ID[=SOCKET]`, default
 * $SSH_AUTH_SOCK): the socket is bound into the step. */
typedef struct {
        const char *id;
        const char *socket;
} berth_build_ssh;

/** A secret for RUN --mount=type=secret,id=ID (`--secret id=ID,src=FILE|env=VAR`). */
typedef struct {
        const char *id;
        const char *data;
        size_t len;
} berth_build_secret;

/**
 * A RUN step's network on the default bridge ("default"), for the builder by
 * whoever owns networks (the engine: berth_engine_build_net_new()). step_id is
 * "build-<hex>": the step's snapshot <hex> under root/build, whose lock
 * (sweep.h) says whether the step is alive.
 *   join:  an address leased for the step, its namespace (*ret_netns, a path
 *          to join) on the bridge with a veth, and the step's hosts,
 *          resolv.conf and hostname (hostname as given) written into etc_dir
 *          as a container's on the default bridge has them. Nothing is left
 *          on failure.
 *   leave: all of it let go (the step's process is gone).
 *   sweep: what dead steps (a killed build) still hold let go; at a build's
 *          start, after berth_build_sweep().
 * Called in the stages' child processes too.
 */
typedef struct {
        int (*join)(void *userdata, const char *step_id, const char *hostname, const char *etc_dir,
                    char **ret_netns, berth_error *err);
        void (*leave)(void *userdata, const char *step_id);
        void (*sweep)(void *userdata);
        void *userdata;
} berth_build_net_ops;

typedef struct {
        const char *root;    /* BERTH_ROOT: step snapshots in root/build */
        const char *runroot; /* BERTH_RUNROOT: RUN's runtime state in runroot/runtime */

        const char *dockerfile; /* the Dockerfile's bytes */
        size_t dockerfile_len;
        const char *dockerfile_name;             /* for messages: "Dockerfile" */
        int context_dirfd;                       /* the context; -1: none (COPY of it fails) */
        const struct berth_dockerignore *ignore; /* the context's rules, nullable */

        char *const *build_args; /* "K=V", or "K" (its value from the environment) */
        char *const *labels;     /* "K=V" for the target's image */
        char *const *tags;       /* full or short references */
        const char *target;      /* a stage name; NULL: the last stage */
        const char *platform;    /* --platform; NULL: the host's (another is refused) */
        const char *network;     /* RUN's network when a step does not say: NULL "default", "none",
                                  * "host" */
        const berth_build_net_ops *net; /* nullable: "default" is then "none" */
        bool no_cache;
        char *const *no_cache_filter; /* stages built without the cache */
        bool pull;                    /* pull every FROM image, even one that is here */
        char *const *cache_from;      /* images whose steps may be taken (build-cache-from.c) */
        const berth_build_secret *secrets; /* never in an image, a history entry or a key */
        size_t n_secrets;
        const berth_build_ssh *ssh; /* agents for RUN --mount=type=ssh */
        size_t n_ssh;
        bool quiet;
        int64_t source_date_epoch; /* -1: none; else created dates are this time */

        int out_fd;
        /* nullable: set by a signal handler to stop the build (build steps' cancel) */
        const volatile sig_atomic_t *cancel;
        berth_build_pull_fn pull_image; /* nullable: a missing image is an error */
        void *userdata;
} berth_build_opts;

/** Build; *ret_id is the target stage's image. On failure nothing is tagged. */
int berth_build(berth_images *im, const berth_build_opts *o, berth_digest *ret_id,
                berth_error *err);

/**
 * The Dockerfile of a context: name (NULL: "Dockerfile", or "dockerfile" when
 * that is missing) read inside ctx_dirfd (berth_read_file_in_root: symlinks
 * stay inside, a regular file, at most BERTH_DOCKERFILE_MAX_SIZE bytes).
 * *ret_name is the name read. -ENOENT: "Cannot locate specified Dockerfile: NAME".
 */
int berth_build_read_dockerfile(int ctx_dirfd, const char *name, char **ret, size_t *ret_len,
                                char **ret_name, berth_error *err);
