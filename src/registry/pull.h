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
 * image already in the store only fetches the manifest (one GET; for an
 * index, the entry's manifest too unless it is stored); one whose layers are
 * all present also reads or fetches the config.
 *
 * Push of NAME[:TAG]: for each layer, HEAD (present: skip), else a
 * cross-repository mount when the blob is known to be in another repository
 * of the same registry, else an upload; then the config, then the manifest
 * under the tag. The image's stored manifest is pushed as it is, its layer
 * blobs as they are stored (import, load and commit all store a manifest;
 * an image without one gets an OCI manifest made from its layer blobs).
 * Foreign (nondistributable) layers are not uploaded.
 *
 * Names: NAME is normalised as Docker does (image/reference.h). The
 * registry is the name's domain (registry-1.docker.io for docker.io, after
 * opts->mirrors); credentials are opts->registry's, else the auth file's for
 * that domain (registry/auth.h). Plain http is allowed for loopback hosts
 * (localhost, 127.0.0.0/8, ::1, as docker allows), for
 * opts->registry.insecure and for the hosts in opts->insecure_registries.
 *
 * The image is registered through berth_images_register() (as load does):
 * its tag, and its repo digest "<name>@<digest of the document the registry
 * served>" (for an index, the index's digest, as docker records it; the
 * image's stored manifest is the index's entry for our platform). A pull by
 * digest sets no tag. Push records the pushed manifest's repo digest too, so
 * a later push of the same layers to another repository of that registry
 * mounts them from there instead of uploading them.
 *
 * Progress: one event per layer state change (docker's lines: "Pulling fs
 * layer", "Waiting", "Downloading", "Verifying Checksum", "Download
 * complete", "Extracting", "Pull complete", "Already exists"; "Preparing",
 * "Waiting", "Pushing", "Pushed", "Layer already exists", "Mounted from
 * <repo>"), with bytes
 * done/total for "Downloading"/"Pushing" (at most one such event per layer
 * every 100 ms, and one when it is whole), so the CLI can draw bars on a
 * terminal or print lines, and the API server can send them as JSON. Whole-
 * image lines have id "": "Digest: sha256:…", "Status: Downloaded newer
 * image for busybox:latest" / "Status: Image is up to date for …" (pull),
 * "The push refers to repository [127.0.0.1:5000/app]", "latest: digest:
 * sha256:… size: 528" (push); "Pulling from library/busybox" has the tag
 * (or digest) as its id, as docker sends it. The callback is called from
 * the transfer's threads, one call at a time, never concurrently.
 */
typedef struct {
        const char *id;     /* short layer digest (12 hex), the tag ("Pulling from"), or "" */
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

/**
 * *ret_id (nullable): the image pulled (with all_tags: the last one). With
 * all_tags, NAME must have neither tag nor digest, and every tag the
 * registry lists is pulled in turn (each as one pull, registered on its own).
 */
int berth_pull(berth_images *im, const char *name, const berth_transfer_opts *o,
               berth_digest *ret_id, berth_error *err);
/**
 * *ret_digest (nullable): the manifest digest the registry stored. NAME must
 * be a tag of a local image (":latest" when none is given); a digest
 * reference is refused.
 */
int berth_push(berth_images *im, const char *name, const berth_transfer_opts *o,
               berth_digest *ret_digest, berth_error *err);

/**
 * The insecure registries configured on this host, for
 * berth_transfer_opts.insecure_registries: $BERTH_INSECURE_REGISTRIES
 * (comma-separated host[:port]) and the `insecure-registries = a:5000, b`
 * lines of /etc/berth/registries.conf ('#' comments; quotes and brackets
 * around the names are ignored). An entry without a port matches the host
 * on any port. NULL-terminated, never NULL; caller frees.
 */
char **berth_insecure_registries(void);
/**
 * Mirrors for docker.io, tried in order before it: $BERTH_REGISTRY_MIRRORS
 * (comma-separated host[:port] or URLs) and "registry-mirrors = …" lines of
 * /etc/berth/registries.conf. NULL-terminated; caller frees.
 */
char **berth_registry_mirrors(void);

/**
 * The registry a `login`/`logout` SERVER names, as the auth file keys it:
 * scheme and path dropped ("https://127.0.0.1:5000/v2/" → "127.0.0.1:5000"),
 * Docker Hub's names ("index.docker.io", "https://index.docker.io/v1/",
 * "registry-1.docker.io") and NULL → "docker.io". Malloc'd.
 */
char *berth_registry_server(const char *server);

/**
 * `login`: check user and pass against the registry of server (a ping that
 * must succeed with them: GET /v2/ and the Basic or token auth it asks for)
 * and only then store them in the auth file (registry/auth.h, mode 0600).
 * o (nullable): insecure registries, TLS; its credentials are ignored. A
 * refusal is -EACCES with the registry's words ("unauthorized: …").
 */
int berth_login(const char *server, const char *user, const char *pass,
                const berth_transfer_opts *o, berth_error *err);
