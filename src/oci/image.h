/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"
#include "oci/spec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * OCI image-spec (1.1) and Docker image (manifest v2 schema 2, manifest
 * list, image config v1.2) documents as C types.
 *
 * Parsing validates before anything is used and names the offending field
 * by its JSON path, e.g.
 *   "layers[3].mediaType: unknown layer media type 'application/x-foo'",
 *   "rootfs.diff_ids[1]: invalid digest 'sha256:xyz': want 64 hex characters".
 * Everything a parsed struct points to is owned by it and freed by its
 * *_free() function (which accepts NULL). Arrays come as (pointer, count);
 * string vectors are NULL-terminated, and NULL when the field is absent or
 * null (an empty JSON array gives an empty, non-NULL vector: Docker tells
 * `"Cmd": []` from no Cmd). Unknown fields are ignored; JSON null counts as
 * absent.
 *
 * Each parsed document keeps the exact bytes it came from in .raw/.raw_len:
 * an image's id is the digest of its config bytes and a manifest's digest is
 * that of its bytes, so `image inspect`, `save` and `push` hand back .raw,
 * never a re-emission. *_to_json() emits canonical JSON (compact, object keys
 * sorted, fields from the struct only) so that what berth makes is
 * reproducible: the same struct always gives the same bytes and digest.
 *
 * Digests are sha256 only (base/digest.h).
 */

/* --- Media types ------------------------------------------------------------------------ */

#define BERTH_MT_OCI_MANIFEST        "application/vnd.oci.image.manifest.v1+json"
#define BERTH_MT_OCI_INDEX           "application/vnd.oci.image.index.v1+json"
#define BERTH_MT_OCI_CONFIG          "application/vnd.oci.image.config.v1+json"
#define BERTH_MT_OCI_LAYOUT          "application/vnd.oci.layout.header.v1+json"
#define BERTH_MT_OCI_EMPTY           "application/vnd.oci.empty.v1+json"
#define BERTH_MT_OCI_LAYER           "application/vnd.oci.image.layer.v1.tar"
#define BERTH_MT_OCI_LAYER_GZIP      "application/vnd.oci.image.layer.v1.tar+gzip"
#define BERTH_MT_OCI_LAYER_ZSTD      "application/vnd.oci.image.layer.v1.tar+zstd"
#define BERTH_MT_OCI_LAYER_ND        "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define BERTH_MT_OCI_LAYER_ND_GZIP   "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define BERTH_MT_OCI_LAYER_ND_ZSTD   "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
#define BERTH_MT_DOCKER_MANIFEST     "application/vnd.docker.distribution.manifest.v2+json"
#define BERTH_MT_DOCKER_LIST         "application/vnd.docker.distribution.manifest.list.v2+json"
#define BERTH_MT_DOCKER_SCHEMA1      "application/vnd.docker.distribution.manifest.v1+json"
#define BERTH_MT_DOCKER_SCHEMA1_JWS  "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define BERTH_MT_DOCKER_CONFIG       "application/vnd.docker.container.image.v1+json"
#define BERTH_MT_DOCKER_LAYER        "application/vnd.docker.image.rootfs.diff.tar"
#define BERTH_MT_DOCKER_LAYER_GZIP   "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define BERTH_MT_DOCKER_LAYER_ZSTD   "application/vnd.docker.image.rootfs.diff.tar.zstd"
#define BERTH_MT_DOCKER_FOREIGN      "application/vnd.docker.image.rootfs.foreign.diff.tar"
#define BERTH_MT_DOCKER_FOREIGN_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

/*
 * The helpers compare media types as RFC 6838 says: case-insensitively, and
 * ignoring parameters (an HTTP Content-Type's "; charset=utf-8"). NULL is
 * no media type.
 */
/** Same media type (parameters and case ignored). */
bool berth_mt_equal(const char *a, const char *b);
/** An OCI or Docker schema 2 image manifest. */
bool berth_mt_is_manifest(const char *mt);
/** An OCI index or Docker manifest list. */
bool berth_mt_is_index(const char *mt);
/** An image config (OCI or Docker). */
bool berth_mt_is_config(const char *mt);
/** A layer type berth can unpack (OCI, Docker, nondistributable and foreign). */
bool berth_mt_is_layer(const char *mt);
/** A nondistributable / foreign layer (may have urls; not pushed). */
bool berth_mt_is_foreign_layer(const char *mt);

enum berth_compression {
        BERTH_COMPRESSION_NONE = 0,
        BERTH_COMPRESSION_GZIP,
        BERTH_COMPRESSION_ZSTD,
        BERTH_COMPRESSION_UNKNOWN,
};
/** Compression of a layer media type; UNKNOWN when mt is not a layer type. */
enum berth_compression berth_mt_layer_compression(const char *mt);

/* --- Descriptors ------------------------------------------------------------------------ */

typedef struct {
        char *architecture; /* Go names: "amd64", "arm64", "arm", "386", … */
        char *os;           /* "linux", … */
        char *variant;      /* "v7", "v8", … or NULL */
        char *os_version;   /* "os.version", or NULL */
        char **os_features; /* "os.features", or NULL */
} oci_platform;

typedef struct {
        char *media_type; /* never NULL in a parsed descriptor */
        berth_digest digest;
        int64_t size; /* >= 0 */
        char **urls;  /* or NULL */
        oci_kv *annotations;
        size_t n_annotations;
        oci_platform *platform; /* NULL when absent */
        char *artifact_type;    /* "artifactType", or NULL */
} oci_descriptor;

/* --- Manifests and indexes -------------------------------------------------------------- */

enum oci_manifest_kind {
        OCI_KIND_UNKNOWN = 0,
        OCI_KIND_MANIFEST, /* OCI image manifest or Docker schema 2 manifest */
        OCI_KIND_INDEX,    /* OCI image index or Docker manifest list */
        OCI_KIND_SCHEMA1,  /* Docker schema 1: refused by the parsers */
};

/**
 * What a fetched manifest document is. Decided by its "mediaType" field,
 * then by hint (the HTTP Content-Type or the descriptor's mediaType; may be
 * NULL), then by its shape: "manifests" → index, "config"/"layers" →
 * manifest, schemaVersion 1 or "fsLayers" → schema 1. Invalid JSON and
 * anything else → OCI_KIND_UNKNOWN.
 */
enum oci_manifest_kind berth_oci_manifest_kind(const char *json, size_t len, const char *hint);

typedef struct {
        int schema_version; /* 2 */
        char *media_type;   /* as in the document; NULL when it has none */
        char *artifact_type;
        oci_descriptor config; /* media type: an image config (OCI or Docker) */
        oci_descriptor *layers;
        size_t n_layers;
        oci_kv *annotations;
        size_t n_annotations;
        oci_descriptor *subject; /* NULL when absent */
        char *raw;               /* the bytes parsed (NUL-terminated copy), NULL when built */
        size_t raw_len;
} oci_manifest;

typedef struct {
        int schema_version; /* 2 */
        char *media_type;   /* as in the document; NULL when it has none */
        char *artifact_type;
        oci_descriptor *manifests;
        size_t n_manifests;
        oci_kv *annotations;
        size_t n_annotations;
        oci_descriptor *subject;
        char *raw;
        size_t raw_len;
} oci_index;

/** Most layers (and diff_ids) an image may have: overlayfs stacks at most 500 lowers. */
#define BERTH_OCI_MAX_LAYERS 500

/**
 * Parse and validate an image manifest. hint is the media type the caller
 * was told (HTTP Content-Type, descriptor); NULL when none. Refused: a
 * document whose kind (berth_oci_manifest_kind) is not a manifest ("schema 1
 * manifests are not supported" for schema 1), a "mediaType" of the other
 * kind than hint, schemaVersion other than 2, a missing or invalid config
 * descriptor, a config media type that is not an image config, a layer media
 * type berth cannot unpack, more than BERTH_OCI_MAX_LAYERS layers.
 */
oci_manifest *berth_oci_manifest_parse(const char *json, size_t len, const char *hint,
                                       berth_error *err);
void berth_oci_manifest_free(oci_manifest *m);

/**
 * Parse and validate an image index / manifest list: schemaVersion 2, every
 * entry a valid descriptor (at most 4 × BERTH_OCI_MAX_LAYERS of them); the
 * entries' media types are not checked (indexes carry attestations and
 * artifacts too).
 */
oci_index *berth_oci_index_parse(const char *json, size_t len, const char *hint, berth_error *err);
void berth_oci_index_free(oci_index *ix);

/** Canonical JSON of m / ix (malloc'd, NUL-terminated); *ret_len may be NULL. */
char *berth_oci_manifest_to_json(const oci_manifest *m, size_t *ret_len);
char *berth_oci_index_to_json(const oci_index *ix, size_t *ret_len);

/* --- Platforms -------------------------------------------------------------------------- */

/**
 * The entry of ix to run on os/arch[/variant]. Names are normalised as
 * containerd does (x86_64 → amd64, aarch64 → arm64, arm64/v8 is arm64,
 * arm without variant is arm/v7, amd64/v1 is amd64). os and arch must match;
 * an arm host of variant vN runs v5…vN and an amd64 host of level vN runs
 * v1…vN, preferring the closest; other architectures need the same variant
 * or none in the index. variant NULL means the default for arch. Ties go to
 * the first entry. Only entries whose media type is a manifest or an index
 * count. When none matches:
 *   "no linux/amd64 image in the index (it has: linux/arm64/v8, linux/s390x)".
 * The result points into ix.
 */
const oci_descriptor *berth_oci_index_select(const oci_index *ix, const char *os, const char *arch,
                                             const char *variant, berth_error *err);

/**
 * Go's names for a uname(2) machine: x86_64 → amd64, aarch64 → arm64 (v8),
 * armv7l → arm (v7), armv6l → arm (v6), i686 → 386, ppc64le, s390x, riscv64
 * as they are. *ret_variant is NULL when there is none. Unknown machines are
 * returned as given. Results are static strings, or machine itself.
 */
void berth_oci_arch_from_machine(const char *machine, const char **ret_arch,
                                 const char **ret_variant);
/** The host's platform from uname(2); static strings (or uname's); *ret_variant may be NULL. */
void berth_host_platform(const char **ret_os, const char **ret_arch, const char **ret_variant);

/* --- Image configs ---------------------------------------------------------------------- */

typedef struct {
        char **test;          /* ["NONE"], ["CMD", args…], ["CMD-SHELL", cmd], or NULL */
        int64_t interval;     /* nanoseconds; 0: inherit the default */
        int64_t timeout;      /* nanoseconds */
        int64_t start_period; /* nanoseconds */
        int64_t start_interval;
        int64_t retries; /* 0: inherit */
} oci_healthcheck;

/** The "config" object: what a container of the image runs by default. */
typedef struct {
        char *user;
        char **exposed_ports; /* keys of ExposedPorts: "80/tcp", "53/udp" */
        char **env;           /* "KEY=value" */
        char **entrypoint;
        char **cmd;
        char **volumes; /* keys of Volumes */
        char *working_dir;
        oci_kv *labels;
        size_t n_labels;
        char *stop_signal;
        oci_healthcheck *healthcheck; /* NULL when absent */
        bool args_escaped;
        char **on_build;
        char **shell;
} oci_container_config;

typedef struct {
        char *created; /* RFC 3339, or NULL */
        char *created_by;
        char *author;
        char *comment;
        bool empty_layer; /* true: this step made no layer (no diff_id for it) */
} oci_history;

typedef struct {
        char *created; /* RFC 3339, or NULL */
        char *author;
        char *architecture; /* required */
        char *os;           /* required */
        char *variant;
        char *os_version;
        char **os_features;
        bool has_config; /* "config" present */
        oci_container_config config;
        char *rootfs_type; /* "layers" */
        berth_digest *diff_ids;
        size_t n_diff_ids;
        oci_history *history;
        size_t n_history;
        /* The bytes parsed (a NUL-terminated copy); NULL for a built config. The
         * builders below free it, as it no longer says what the struct does;
         * whoever edits fields by hand must free it too. */
        char *raw;
        size_t raw_len;
} oci_image_config;

/**
 * Parse and validate an image config (OCI or Docker). Required:
 * architecture, os, rootfs with type "layers" and diff_ids (at most
 * BERTH_OCI_MAX_LAYERS, each a valid digest). Times ("created") must be
 * RFC 3339, healthcheck durations and retries >= 0, history at most
 * 4 × BERTH_OCI_MAX_LAYERS entries. ExposedPorts keys and StopSignal are kept
 * as text, not checked (whoever runs the image parses them).
 */
oci_image_config *berth_oci_image_config_parse(const char *json, size_t len, berth_error *err);
void berth_oci_image_config_free(oci_image_config *c);
/** Canonical JSON of c (never c->raw). */
char *berth_oci_image_config_to_json(const oci_image_config *c, size_t *ret_len);

/**
 * Check a manifest and its config against each other: as many layers as
 * diff_ids (as containerd does). History is not checked: tools write none,
 * or entries that do not add up, and Docker runs those images.
 */
int berth_oci_image_check(const oci_manifest *m, const oci_image_config *c, berth_error *err);

/*
 * Builders, for import/commit/build. Fields may also be set by hand (they
 * are owned by the config: free what you replace, and free and NULL raw).
 * Strings should be UTF-8; invalid bytes are emitted as '?'.
 */
/** A new config for os/arch[/variant] with rootfs type "layers" and nothing else. */
oci_image_config *berth_oci_image_config_new(const char *os, const char *arch, const char *variant);
/** A deep copy without raw (to derive a new image from a base). */
oci_image_config *berth_oci_image_config_dup(const oci_image_config *c);
/** Set the "created" time (RFC 3339 text, or NULL to remove); -EINVAL when not RFC 3339. */
int berth_oci_image_config_set_created(oci_image_config *c, const char *created);

/**
 * Editing the container config, for import -c, commit --change and the
 * builder's metadata instructions (one home for each edit):
 * berth_oci_image_config_edit() marks the config built (has_config, its raw
 * bytes dropped) and returns it; set_env/set_label replace an earlier key in
 * place or append; add_volume and expose add once. expose takes Docker's
 * EXPOSE forms: "80", "80/udp", "8000-8002/tcp" (a range adds each port);
 * anything else is `invalid containerPort: x` or `invalid proto: x`.
 */
oci_container_config *berth_oci_image_config_edit(oci_image_config *c);
void berth_oci_config_set_env(oci_container_config *cc, const char *key, const char *value);
void berth_oci_config_set_label(oci_container_config *cc, const char *key, const char *value);
void berth_oci_config_add_volume(oci_container_config *cc, const char *path);
int berth_oci_config_expose(oci_container_config *cc, const char *spec, berth_error *err);
/** Append a diff id to rootfs.diff_ids. */
void berth_oci_image_config_add_diff_id(oci_image_config *c, const berth_digest *diff_id);
/** Append a history entry (strings may be NULL); -EINVAL when created is not RFC 3339. */
int berth_oci_image_config_add_history(oci_image_config *c, const char *created,
                                       const char *created_by, const char *author,
                                       const char *comment, bool empty_layer);

/**
 * Parse RFC 3339 ("2024-01-31T12:34:56.123456789Z", "…+02:00") into seconds
 * since the epoch and nanoseconds. -EINVAL when the text is not one.
 */
int berth_rfc3339_parse(const char *s, int64_t *ret_sec, int32_t *ret_nsec);
/** Format as Go's time.RFC3339Nano in UTC ("2024-01-31T12:34:56.5Z"); buf >= 40 bytes. */
char *berth_rfc3339_format(int64_t sec, int32_t nsec, char *buf, size_t size);

/* --- docker-archive (docker save / load) ------------------------------------------------ */

/** One image of a docker-archive's manifest.json. */
typedef struct {
        char *config;     /* archive path of the config ("<hex>.json", "blobs/sha256/<hex>") */
        char **repo_tags; /* "busybox:latest", …; NULL when none */
        char **layers;    /* archive paths of the layer tars, bottom first */
        char *parent;     /* or NULL */
} docker_archive_entry;

typedef struct {
        docker_archive_entry *entries;
        size_t n_entries;
} docker_archive_manifest;

/**
 * Parse a docker-archive manifest.json (a JSON array). Config and Layers
 * are required; every path must be relative and stay inside the archive
 * (no "..", no leading "/"): "[0].Layers[2]: path '../x' leaves the archive".
 * LayerSources (foreign layers) is ignored.
 */
docker_archive_manifest *berth_docker_archive_manifest_parse(const char *json, size_t len,
                                                             berth_error *err);
void berth_docker_archive_manifest_free(docker_archive_manifest *m);
char *berth_docker_archive_manifest_to_json(const docker_archive_manifest *m, size_t *ret_len);

/** One tag of a docker-archive's legacy "repositories" file: {repo: {tag: layer id}}. */
typedef struct {
        char *repo;  /* "busybox" */
        char *tag;   /* "latest" */
        char *layer; /* 64-hex id of the top layer (legacy v1 id) */
} docker_archive_repo_tag;

typedef struct {
        docker_archive_repo_tag *tags;
        size_t n_tags;
} docker_archive_repositories;

docker_archive_repositories *berth_docker_archive_repositories_parse(const char *json, size_t len,
                                                                     berth_error *err);
void berth_docker_archive_repositories_free(docker_archive_repositories *r);
char *berth_docker_archive_repositories_to_json(const docker_archive_repositories *r,
                                                size_t *ret_len);
