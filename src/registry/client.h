/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * The OCI distribution API, client side, on libcurl: one handle per
 * registry host ("registry-1.docker.io", "127.0.0.1:5000", …), keeping its
 * connections, its auth state and its token cache between calls.
 *
 * Threads: a handle is used by one thread at a time (it owns one curl easy
 * handle); it may move between threads but must not be shared by two at
 * once. Open one handle per download thread. berth_registry_open() may be
 * called from any thread (libcurl's global init is done once inside).
 *
 * Transport: HTTPS by default, with the system CAs plus every *.crt of
 * <certs_dir>/<host>/ for each of certs_dirs (default /etc/berth/certs.d,
 * /etc/docker/certs.d), and a client certificate <name>.cert with its
 * <name>.key from the same dirs (as docker; a .cert without its .key is an
 * error). Plain HTTP only when insecure is set: then TLS is tried first,
 * without certificate checks, and http used from then on when the server
 * speaks no TLS, as docker does for its insecure registries (which hosts
 * count as insecure, e.g. docker's default 127.0.0.0/8, is the caller's
 * policy). tls_no_verify: TLS without certificate or host checks. A zeroed
 * berth_registry_opts (or NULL) is the safe default: TLS, verified,
 * anonymous unless the auth file (registry/auth.h) has credentials for host.
 *
 * Redirects (e.g. a 307 to blob storage) are followed by the client itself,
 * at most 10, http(s) only; our Authorization header (Basic or Bearer) goes
 * only to the registry's own scheme://host:port, never to another host,
 * port, scheme or host name.
 *
 * Auth: a request goes out anonymously until the registry says 401; then
 * `WWW-Authenticate: Basic …` is answered with the credentials (sent on every
 * later request of the handle), `Bearer realm=…,service=…,scope=…` by
 * fetching a token from the realm (GET ?service=&scope=…, with the
 * credentials as Basic auth when there are any, anonymously otherwise;
 * "token" or "access_token", "expires_in" (default and minimum 60 s),
 * "issued_at") and retrying. Tokens are cached per scope
 * ("repository:<name>:pull", "…:pull,push", plus the source's pull for a
 * mount) and fetched before the request once the registry is known to want
 * them, until 10 s before they expire. A 401 without a challenge we can
 * answer, or a second 401, is an error: "unauthorized: authentication
 * required" (docker's words, or the registry's message); a token service
 * refusing the credentials: "cannot get a token from <realm> for <user>:
 * unauthorized: …".
 *
 * Errors: every message says what failed on what ("cannot fetch manifest
 * 127.0.0.1:5000/app:1: 404 manifest unknown"), with the registry's JSON
 * error messages when it sent some (else the HTTP reason phrase). err->code:
 * EACCES (401/403), ENOENT (404), EINVAL (400, bad names), EBADMSG (content
 * that does not match its digest or size), EFBIG (over a size limit),
 * ETIMEDOUT (stall), ECONNREFUSED, EPROTO (TLS, protocol), EIO (the rest).
 * Repository names and references are checked before anything is sent.
 * Every call has a stall timeout (no byte for stall_timeout_s seconds, also
 * the connect timeout; 10 times that for the answer to a request whose body
 * was sent whole, as registries check big blobs before they answer) but no
 * total timeout. Nothing is retried except the
 * one 401 → auth → retry, the insecure https → http fallback, and blob
 * downloads that break off (see berth_registry_get_blob).
 */
typedef struct berth_registry berth_registry;

typedef struct {
        const char *username, *password; /* NULL/"" username: from the auth file, else anonymous */
        bool insecure;                   /* allow plain http (and unchecked TLS) for this host */
        bool tls_no_verify;              /* TLS without certificate/host checks (zero: checked) */
        const char *certs_dirs; /* ":"-separated; NULL: /etc/berth/certs.d:/etc/docker/certs.d */
        int stall_timeout_s;    /* 0: 30 s */
        const char *user_agent; /* NULL: "berth/<version>" */
} berth_registry_opts;

/**
 * Load libcurl (berth loads it on first use, base/lazylib.h); an error that
 * names it when it cannot be. berth_registry_open calls it.
 */
int berth_libcurl_load(berth_error *err);
/** berth_libcurl_load() and libcurl's global init (once per process). */
int berth_libcurl_ready(berth_error *err);

/**
 * GET url (http or https only; TLS verified against the system's CAs;
 * redirects followed, at most 10, http(s) only) into out_fd, at most max
 * bytes (-EFBIG beyond). *ret_mtime (nullable): the Last-Modified header in
 * seconds since the epoch, -1 without one. A status other than 2xx is an
 * error naming it: "cannot download URL: 404 Not Found" (ENOENT for 404).
 */
int berth_fetch_url(const char *url, int out_fd, uint64_t max, int64_t *ret_mtime,
                    berth_error *err);
/** o may be NULL (defaults). Fails on a bad host name, an unreadable auth file or certs dir. */
int berth_registry_open(const char *host, const berth_registry_opts *o, berth_registry **ret,
                        berth_error *err);
/** Accepts NULL. */
void berth_registry_close(berth_registry *r);

/**
 * GET /v2/: reachable, and the credentials (if any) accepted: Basic ones by
 * the registry, Bearer ones by the token service (a token with no scope).
 * Anonymous: fine where the token service gives anonymous tokens, unauthorized
 * where the registry wants Basic credentials.
 */
int berth_registry_ping(berth_registry *r, berth_error *err);

/**
 * GET (or HEAD with body NULL) /v2/<repo>/manifests/<ref>, ref a tag or a
 * digest, accepting OCI and Docker manifests and indexes/lists. The body is
 * read up to max bytes (larger → an error, nothing kept); *ret_digest is the
 * digest of the body (checked against Docker-Content-Digest when the server
 * sends one, and against ref when ref is a digest: a mismatch is an error).
 * media_type is the Content-Type without parameters (or, when the server
 * sends none or a generic one, the body's "mediaType"). Caller frees body
 * and media_type. max 0: 4 MiB. Every ret_ pointer but ret_body may be NULL.
 * HEAD: *ret_len is the Content-Length, *ret_digest the Docker-Content-Digest
 * (or ref when a digest; a registry saying neither gets a GET instead).
 */
int berth_registry_get_manifest(berth_registry *r, const char *repo, const char *ref, size_t max,
                                char **ret_body, size_t *ret_len, char **ret_media_type,
                                berth_digest *ret_digest, berth_error *err);
/** PUT a manifest under ref (tag or digest: then it must be body's) with its media type as
 * Content-Type; *ret_digest (nullable) our digest of body, which the registry's
 * Docker-Content-Digest must match when it sends one. */
int berth_registry_put_manifest(berth_registry *r, const char *repo, const char *ref,
                                const char *media_type, const void *body, size_t len,
                                berth_digest *ret_digest, berth_error *err);

/** HEAD /v2/<repo>/blobs/<digest>: 1 present (and *ret_size, nullable: the Content-Length, -1
 * if none), 0 absent (404), <0 on any other answer. */
int berth_registry_blob_exists(berth_registry *r, const char *repo, const berth_digest *d,
                               int64_t *ret_size, berth_error *err);

/**
 * GET a blob (following redirects), calling write_fn with each chunk as it
 * arrives (non-zero return aborts). The bytes are hashed on the way and a
 * body that does not match d, or is not expected_size long (when >= 0), is
 * an error after the last chunk ("blob sha256:… is corrupt: digest mismatch"),
 * so the caller must not commit what it wrote before the call returns 0.
 * A download that breaks off (connection closed, reset, stalled) after new
 * bytes is resumed with `Range: bytes=<done>-` (a 206 goes on, a 200 is
 * read again from the start with the bytes we have skipped), up to 5 times;
 * write_fn sees every byte once, in order.
 * progress (nullable) is called with bytes done so far. A body longer than
 * expected_size is stopped as soon as it passes it. write_fn returning
 * -errno makes the error carry that errno ("cannot write blob …").
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
 * ?digest=. *ret_mounted (nullable) says whether the mount did it; a mount
 * answered 202 goes on as an upload in the session the registry opened.
 * Upload Locations may be relative or absolute; their query is kept. A
 * seekable fd is read with pread() (so a request the registry answers 401 can
 * be sent again) and left at offset + size; a pipe is read as it comes (no
 * second try). progress (nullable) gets bytes sent so far.
 */
int berth_registry_put_blob(berth_registry *r, const char *repo, const berth_digest *d,
                            int64_t size, int fd, const char *from_repo, size_t chunk_size,
                            void (*progress)(int64_t done, void *userdata), void *userdata,
                            bool *ret_mounted, berth_error *err);

/** GET /v2/<repo>/tags/list (following Link pagination); NULL-terminated (empty when the
 * repository has none), caller frees with berth_strv_free(). */
int berth_registry_list_tags(berth_registry *r, const char *repo, char ***ret, berth_error *err);
