/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"
#include "image/images.h"
#include "registry/client.h"

#include <stdbool.h>

/**
 * pull and push between the image store (image/images.h) and a registry.
 *
 * Pull of NAME[:TAG|@DIGEST] (normalised as Docker does): the manifest (an
 * index/list → the entry for the host's platform, or opts->platform), the
 * config, then the layers that are not in the store yet — downloaded in
 * parallel (at most max_parallel at once), each streamed through the
 * store's verifying blob writer and unpacked as it arrives (gzip, zstd or
 * plain), its diff id checked. The image is registered (and tagged, and its
 * repo digest recorded) only when everything is there: an interrupted or
 * failed pull leaves no image, the finished layers stay for the next try
 * (which skips them), and gc reclaims them if there is none. A pull of an
 * image whose layers are all present only fetches the manifest (and config).
 *
 * Push of NAME[:TAG]: for each layer, HEAD (present: skip), else a
 * cross-repository mount when the blob is known to be in another repository
 * of the same registry, else an upload; then the config, then the manifest
 * under the tag. The image's stored manifest is pushed as it is when its
 * layers' blobs are in the store; an image without one (import, commit)
 * gets a manifest made from its compressed layer blobs.
 *
 * Progress: one event per layer state change (docker's lines: "Pulling fs
 * layer", "Downloading", "Verifying Checksum", "Download complete",
 * "Extracting", "Pull complete", "Already exists"; "Preparing", "Waiting",
 * "Pushing", "Pushed", "Layer already exists", "Mounted from <repo>"), with
 * bytes done/total, so the CLI can draw bars on a terminal or print lines,
 * and the API server can send them as JSON.
 */
typedef struct {
        const char *id;     /* short layer digest (12 hex) or "" for whole-image lines */
        const char *status; /* docker's words, see above */
        int64_t current, total;
} berth_progress_event;

typedef void (*berth_progress_fn)(const berth_progress_event *ev, void *userdata);

typedef struct {
        berth_registry_opts registry; /* credentials, insecure, TLS, timeouts */
        const char *platform;         /* "linux/amd64" …; NULL: the host's */
        bool all_tags;                /* pull: every tag of the repository */
        int max_parallel;             /* 0: 3, as docker */
        berth_progress_fn progress;   /* nullable */
        void *userdata;
        /* insecure registries by host (NULL-terminated), besides registry.insecure */
        char **insecure_registries;
        char **mirrors; /* for docker.io, tried in order before it */
} berth_transfer_opts;

/** *ret_id: the image pulled (with all_tags: the last one). */
int berth_pull(berth_images *im, const char *name, const berth_transfer_opts *o,
               berth_digest *ret_id, berth_error *err);
/** *ret_digest: the manifest digest the registry stored. */
int berth_push(berth_images *im, const char *name, const berth_transfer_opts *o,
               berth_digest *ret_digest, berth_error *err);
