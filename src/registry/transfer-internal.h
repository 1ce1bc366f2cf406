/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Inside pull and push (pull.c, pull-layers.c, push.c, transfer.c): the
 * registry a transfer talks to, its handles, and the progress events. Not
 * for use outside src/registry.
 */
#include "base/digest.h"
#include "base/error.h"
#include "image/images.h"
#include "image/reference.h"
#include "oci/image.h"
#include "registry/pull.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* One transfer: the host to connect to and how, shared by its threads. */
typedef struct {
        const berth_transfer_opts *o;
        char *domain; /* the reference's ("docker.io", "127.0.0.1:5000") */
        char *host;   /* what we connect to ("registry-1.docker.io" for docker.io, or a mirror) */
        berth_registry_opts ro; /* o->registry, with credentials and insecure decided */
        char *user, *pass;      /* credentials from the auth file (owned), or NULL */
        pthread_mutex_t lock;   /* one progress call at a time; the first failure */
        atomic_bool failed;     /* a task of xfer_parallel() failed: the others stop */
} xfer;

/**
 * Set x up for the registry of domain: credentials (o's, else the auth
 * file's for domain), insecure (o's flag, o's list, $BERTH_INSECURE_REGISTRIES
 * is the CLI's business; loopback hosts always). x->host is domain, or
 * registry-1.docker.io for docker.io.
 */
void xfer_init(xfer *x, const berth_transfer_opts *o, const char *domain);
void xfer_clear(xfer *x);
/** A new handle on x->host (each thread opens its own). */
int xfer_open(xfer *x, berth_registry **ret, berth_error *err);
/** Use another host for x (a mirror), keeping the rest. */
void xfer_set_host(xfer *x, const char *host);

/** Send one progress event (nothing when o->progress is NULL), serialised. */
void xfer_progress(xfer *x, const char *id, const char *status, int64_t current, int64_t total);
/** The 12 hex characters docker shows for a layer. */
void xfer_short_id(const berth_digest *d, char out[13]);

/** Whether host (with or without a port) is a loopback name or address. */
bool xfer_host_is_loopback(const char *host);

/**
 * Run fn(ctx, i, &reg, err) for every i < n on at most o->max_parallel (0: 3)
 * threads, in order of i, each thread with its own registry handle (*reg,
 * NULL until fn opens it with xfer_open(); closed when the thread is done).
 * The first failure sets x->failed (long tasks check it and give up) and is
 * returned once every thread has stopped; tasks not started by then are not.
 * The threads block every signal: the caller's thread keeps them. Tasks use
 * files and their handle only, never berth.db (its connection and statement
 * cache belong to the caller's thread): look things up before.
 */
typedef int (*xfer_task_fn)(void *ctx, size_t i, berth_registry **reg, berth_error *err);
int xfer_parallel(xfer *x, size_t n, xfer_task_fn fn, void *ctx, berth_error *err);

/* Pull's layers (pull-layers.c). */
typedef struct {
        const oci_descriptor *desc; /* the manifest's layer */
        berth_digest diff_id, chain;
        bool has_parent;
        berth_digest parent;        /* chain id below */
        bool have_blob, have_layer; /* what the store had before the pull */
} pull_layer;

/**
 * Fetch and unpack what v[] lacks, at most o->max_parallel layers at once,
 * each worker with its own registry handle: a layer with neither blob nor
 * directory is downloaded into the blob writer and unpacked from the same
 * bytes as they arrive; one with its blob only is unpacked from the blob; one
 * with its directory only gets its blob downloaded and checked against its
 * diff id. The first failure stops the others and is returned.
 */
int pull_layers(xfer *x, berth_images *im, const char *repo, pull_layer *v, size_t n,
                berth_error *err);

/** GET a small blob (a config) into memory, checked; caller frees *ret. */
int xfer_get_small_blob(berth_registry *r, const char *repo, const oci_descriptor *d, char **ret,
                        size_t *ret_len, berth_error *err);
