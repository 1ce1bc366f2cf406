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
 *      paths) and the network o->network ("none", "host", or "default": a
 *      namespace on the default bridge that o->net joins before the process
 *      and leaves after it, whatever happened); its stdout and
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
#include "build/build.h"
#include "build/context.h"
#include "build/dockerfile.h"
#include "image/images.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
        const char *runtime_root;       /* berth-runtime --root */
        const char *work_dir;           /* where step snapshots live (BERTH_ROOT/build) */
        const berth_digest *base;       /* a registered image */
        oci_image_config *config;       /* the new image's config (the caller owns it) */
        char *const *args;              /* the process: {"/bin/sh", "-c", "…"} or exec form */
        char *const *env;               /* its environment; NULL: config's Env */
        const char *network;            /* "none" (NULL), "host" or "default" (needs net) */
        const berth_build_net_ops *net; /* joins and leaves "default" (build.h) */
        const char *created;            /* RFC 3339 for the new image (NULL: now) */
        const char *created_by;         /* the history entry, e.g. "/bin/sh -c make" */
        const char *cache_key;          /* nullable: the builder's key, recorded with the image */
        const int64_t *epoch; /* nullable: SOURCE_DATE_EPOCH, the layer's mtimes clamped */
        char *const *mkdirs;  /* WORKDIRs since the last layer step: made (0755, root's) first */
        /* RUN --mount's mounts (run-mount.h), attached before the process starts */
        const struct berth_build_run_mount *mounts;
        size_t n_mounts;
        int out_fd; /* the process's stdout and stderr */
        /* nullable: set (by a signal handler) to stop the step: its process is killed, the
         * step fails with -ECANCELED and leaves nothing. Signals must interrupt waitpid
         * (no SA_RESTART). */
        const volatile sig_atomic_t *cancel;
} berth_build_run_opts;

int berth_build_step_run(berth_images *im, const berth_build_run_opts *o, int *ret_status,
                         berth_digest *ret_id, berth_error *err);

/**
 * A build step that copies files (COPY, ADD): a snapshot of o->base (as for
 * RUN), the files written into its mounted root, the upper dir committed as
 * a layer and berth_image_derive() with o->config and a history entry
 * created_by o->created_by; the snapshot goes whatever happened, and on
 * failure nothing is registered.
 *
 * Sources: the items of o->sel (berth_context_select() on o->src_dirfd, the
 * context or the root of a --from image, berth_build_source_open()), in
 * order, then o->inlines (COPY <<EOF: a file named as the heredoc's word).
 * Each file is read again through o->src_dirfd (openat2 RESOLVE_IN_ROOT |
 * RESOLVE_NO_SYMLINKS on the path the selection resolved) and must still be
 * what was selected (type; for a regular file its content digest, checked
 * while copying): the cache key the caller made of sel->digest holds.
 *
 * Destination (Docker's rules): o->dest is relative to the config's
 * WorkingDir unless absolute. It names a directory when it ends in '/', is
 * "." or ends in "/." (BuildKit's reading: "COPY a b ." works) or is the
 * root; more than one source without that is -EINVAL "When using COPY with
 * more than one source file, the destination must be a directory and end
 * with a /". A source directory copies its contents into dest (made with
 * the source directory's mode and times when missing or not a directory;
 * an existing directory, or a symlink to one, keeps its own). Another
 * source lands at dest/<name> when dest names a directory or is an existing
 * one (a symlink to one included), else at dest itself, replacing what is
 * there (a symlink at dest that leads to no directory is replaced, never
 * written through). Missing parents are made 0755, owned by --chown's
 * owner (0:0 without); a dangling symlink on the way has its target made
 * inside the root.
 *
 * Confinement: the snapshot's root is only ever reached through fds:
 * every path in it is resolved by openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) from the merged root, so a symlink in the base
 * image on the way (/app -> /etc, -> /proc/self/fd/3) is followed inside the
 * image; each entry is made by its last name under its parent's fd with
 * O_CREAT|O_EXCL|O_NOFOLLOW (mkdirat, symlinkat, mknodat) after what was
 * there is removed (never followed), and its owner, mode and times are set
 * through the fd it was made with (nodes: an O_PATH fd checked to be the
 * node made; symlinks: by name with AT_SYMLINK_NOFOLLOW).
 *
 * What is copied: regular files (content, mode), directories, symlinks as
 * links with their target as written (never followed inside a copied
 * directory), FIFOs and device nodes as nodes (as Docker's tar copy does);
 * sockets are skipped (Docker's tar cannot hold them). Hard links become
 * separate files. Owner 0:0, or o->chown ("user[:group]", names and ids
 * looked up in the destination image's /etc/passwd and /etc/group read
 * inside its root; "user" alone is that user's uid and primary gid, a
 * number alone N is N:N, as BuildKit does). Mode preserved, or o->chmod
 * (octal, files and directories alike). Mtimes preserved, clamped to
 * o->epoch when it is >= 0 (SOURCE_DATE_EPOCH); extended attributes are not
 * copied. A heredoc file is mode 0644 (or o->chmod), its mtime o->epoch or
 * now.
 *
 * ADD (o->add): a source item that is a regular file holding a tar archive
 * (plain, gzip, bzip2, xz or zstd, detected by content:
 * berth_unpack_archive_probe()) is extracted into dest, which is then a
 * directory, with the layer unpacker's confinement (image/unpack.h: names,
 * symlinks and hard links stay inside dest); owners from the archive, or
 * all --chown's; --chmod does not apply to extracted files. Any other file
 * is copied as COPY would. URLs never reach this function: the driver
 * downloads them and copies the files (add false: never extracted).
 */
typedef struct {
        const char *name; /* its name where it lands in a directory: the heredoc's word */
        const char *data; /* its content (expanded or not, as the caller decided) */
        size_t len;
} berth_build_copy_inline;

typedef struct {
        const char *work_dir;                   /* where step snapshots live (BERTH_ROOT/build) */
        const berth_digest *base;               /* a registered image (scratch: an empty one) */
        oci_image_config *config;               /* the new image's config (the caller owns it) */
        int src_dirfd;                          /* the root o->sel was selected in; -1 without */
        const berth_context_selection *sel;     /* nullable: only inline sources */
        const berth_build_copy_inline *inlines; /* COPY <<EOF sources, after sel's items */
        size_t n_inlines;
        const char *dest;       /* expanded, as written */
        const char *chown;      /* --chown, nullable */
        const char *chmod;      /* --chmod (octal), nullable */
        bool add;               /* ADD: local tar archives are extracted */
        bool keep_owners;       /* COPY --from: the source's owners, unless --chown */
        char *const *mkdirs;    /* WORKDIRs since the last layer step: made (0755, root's) first */
        const char *created;    /* RFC 3339 for the new image (NULL: now) */
        const char *created_by; /* the history entry */
        const char *cache_key;  /* nullable: the builder's key, recorded with the image */
        int64_t epoch;          /* SOURCE_DATE_EPOCH: mtimes clamped to it; -1: none */
} berth_build_copy_opts;

int berth_build_step_copy(berth_images *im, const berth_build_copy_opts *o, berth_digest *ret_id,
                          berth_error *err);
/** Make each of dirs (absolute paths in the image) inside rootfd, as WORKDIR does: missing
 * parts 0755 and root's, resolved in the root (berth_mkdir_p_in_root). NULL is none. */
int berth_build_mkdirs(int rootfd, char *const *dirs, berth_error *err);

/** The same copy into the directory root (a host path the caller made; no snapshot, no
 * image: work_dir, base, config and the history fields are not used). */
int berth_build_copy_into(const berth_build_copy_opts *o, const char *root, berth_error *err);

/**
 * Sources of COPY (add false) or ADD checked before they are selected: a
 * URL (http:// or https://) is -EINVAL "source can't be a URL for COPY" for
 * COPY; ADD takes URLs (the driver downloads them: build-steps.c) but not mixed
 * with local paths (-ENOTSUP).
 */
int berth_build_copy_check_sources(char *const *sources, bool add, berth_error *err);
/** http:// or https:// */
bool berth_build_is_url(const char *s);

/**
 * The root of an image to copy from (COPY --from=<stage or image>): a
 * snapshot of image under work_dir (with its sweep lock, as a step's),
 * mounted; berth_build_source_fd() is an O_PATH|O_DIRECTORY fd of its root
 * for berth_context_select() and o->src_dirfd, valid until close. While it
 * is open the image cannot be removed. berth_build_source_close() unmounts
 * and removes the snapshot and frees s (NULL is fine).
 */
typedef struct berth_build_source berth_build_source;

int berth_build_source_open(berth_images *im, const char *work_dir, const berth_digest *image,
                            berth_build_source **ret, berth_error *err);
int berth_build_source_fd(const berth_build_source *s);
void berth_build_source_close(berth_build_source *s);

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

/** "<the stage's SHELL> #(nop) ", what the legacy builder's history entries of steps that run
 * nothing start with ("/bin/sh -c #(nop) "). Caller frees. */
char *berth_build_nop_prefix(const berth_build_scope *sc);

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
