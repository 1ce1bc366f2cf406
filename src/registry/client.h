/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * The OCI distribution API, client side, on libcurl: one handle per
 * registry host ("registry-1.docker.io", "127.0.0.1:5000", …).
 *
 * Transport: HTTPS by default, with the system CAs plus
 * <certs_dir>/<host>/ca.crt (and *.crt) from /etc/berth/certs.d and
 * /etc/docker/certs.d; plain HTTP only when insecure is set (then TLS is
 * tried first and http used when the server speaks no TLS, as docker does
 * for insecure registries, with TLS certificates not checked), or TLS without
 * verification with tls_no_verify. (A zeroed berth_registry_opts is the safe
 * default: TLS, verified, anonymous unless the auth file has credentials.) Redirects (e.g. a
 * 302/307 to blob storage on another host) are followed, without sending our Authorization header
 * to another host.
 *
 * Auth: requests go out anonymously (or with the Bearer token cached for
 * their scope); a 401 with `WWW-Authenticate: Basic …` is answered with the
 * credentials, `Bearer realm=…,service=…,scope=…` by fetching a token from
 * the realm (with the credentials as Basic auth when there are any,
 * anonymously otherwise) and retrying; tokens are reused per scope
 * ("repository:<name>:pull" / "…:pull,push") until they expire. A 401
 * without a challenge, or a second 401, is an error naming the registry:
 * "unauthorized: authentication required" (docker's words).
 *
 * Every error says what failed on what ("cannot fetch manifest
 * 127.0.0.1:5000/app:1: 404 manifest unknown"), including the registry's
 * JSON error message when it sent one. Every call has a stall timeout (no
 * byte for stall_timeout_s seconds → error) but no total timeout.
 */
typedef struct berth_registry berth_registry;

typedef struct {
        const char *username, *password; /* NULL: anonymous, or from the auth file */
        bool insecure;                   /* allow plain http for this host */
        bool tls_no_verify;              /* TLS without certificate/host checks (zero: checked) */
        const char *certs_dirs; /* ":"-separated; NULL: /etc/berth/certs.d:/etc/docker/certs.d */
        int stall_timeout_s;    /* 0: 30 s */
        const char *user_agent; /* NULL: "berth/<version>" */
} berth_registry_opts;

int berth_registry_open(const char *host, const berth_registry_opts *o, berth_registry **ret,
                        berth_error *err);
void berth_registry_close(berth_registry *r);

/** GET /v2/: reachable, and the credentials (if any) accepted. */
int berth_registry_ping(berth_registry *r, berth_error *err);

/**
 * GET (or HEAD with body NULL) /v2/<repo>/manifests/<ref>, ref a tag or a
 * digest, accepting OCI and Docker manifests and indexes/lists. The body is
 * read up to max bytes (larger → an error, nothing kept); *ret_digest is the
 * digest of the body (checked against Docker-Content-Digest when the server
 * sends one, and against ref when ref is a digest: a mismatch is an error).
 * media_type is the Content-Type. Caller frees body and media_type.
 */
int berth_registry_get_manifest(berth_registry *r, const char *repo, const char *ref, size_t max,
                                char **ret_body, size_t *ret_len, char **ret_media_type,
                                berth_digest *ret_digest, berth_error *err);
/** PUT a manifest under ref (tag or digest) with its media type; *ret_digest what the
 * registry says it stored (checked against our own digest of body). */
int berth_registry_put_manifest(berth_registry *r, const char *repo, const char *ref,
                                const char *media_type, const void *body, size_t len,
                                berth_digest *ret_digest, berth_error *err);

/** HEAD /v2/<repo>/blobs/<digest>: 1 present (and *ret_size), 0 absent. */
int berth_registry_blob_exists(berth_registry *r, const char *repo, const berth_digest *d,
                               int64_t *ret_size, berth_error *err);

/**
 * GET a blob (following redirects), calling write_fn with each chunk as it
 * arrives (non-zero return aborts). The bytes are hashed on the way and a
 * body that does not match d, or is not expected_size long (when >= 0), is
 * an error after the last chunk ("blob sha256:… is corrupt: digest mismatch"),
 * so the caller must not commit what it wrote before the call returns 0.
 * progress (nullable) is called with bytes done so far.
 */
int berth_registry_get_blob(berth_registry *r, const char *repo, const berth_digest *d,
                            int64_t expected_size,
                            int (*write_fn)(const void *data, size_t len, void *userdata),
                            void (*progress)(int64_t done, void *userdata), void *userdata,
                            berth_error *err);

/**
 * Upload a blob of size bytes read from fd (from its current offset): a
 * cross-repository mount first when from_repo is given (POST
 * ?mount=&from=; 201 means done), else POST then one PUT (monolithic) or,
 * with chunk_size > 0, PATCHes of chunk_size then the final PUT with
 * ?digest=. *ret_mounted (nullable) says whether the mount did it.
 */
int berth_registry_put_blob(berth_registry *r, const char *repo, const berth_digest *d,
                            int64_t size, int fd, const char *from_repo, size_t chunk_size,
                            void (*progress)(int64_t done, void *userdata), void *userdata,
                            bool *ret_mounted, berth_error *err);

/** GET /v2/<repo>/tags/list (following Link pagination); NULL-terminated, caller frees. */
int berth_registry_list_tags(berth_registry *r, const char *repo, char ***ret, berth_error *err);
