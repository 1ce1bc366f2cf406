/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Inside the registry client: the handle, one HTTP exchange (reg_req), the
 * auth state, and the helpers the client's files share. Not for use outside
 * src/registry (the unit tests reach the parsers through it).
 */
#include "base/cleanup.h"
#include "base/error.h"
#include "registry/client.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/cleanup-json.h"

/* Error bodies and redirect bodies are kept up to this much (for the message). */
#define REG_ERROR_BODY_MAX (64 * 1024)
/* Redirect hops followed before giving up. */
#define REG_MAX_REDIRECTS 10

enum reg_auth_kind { REG_AUTH_NONE, REG_AUTH_BASIC, REG_AUTH_BEARER };

typedef struct reg_token {
        char *scope; /* the scope string our request asked for (cache key) */
        char *token;
        time_t expires; /* wall clock */
        struct reg_token *next;
} reg_token;

struct berth_registry {
        char *host;   /* "127.0.0.1:5000", as given */
        char *scheme; /* "https" or "http" */
        bool scheme_known, insecure, no_verify;
        char *username, *password; /* NULL: anonymous */
        char *user_agent;
        long stall_s;
        CURL *curl;
        char *ca_pem; /* system bundle + the certs dirs' *.crt; NULL: curl's defaults */
        size_t ca_len;
        char *client_cert, *client_key; /* from the certs dirs (PEM files) */
        /* what the registry asked for the last time it said 401 */
        enum reg_auth_kind auth_kind;
        char *realm, *service;
        reg_token *tokens;
        char errbuf[CURL_ERROR_SIZE];
};

/** One challenge of a WWW-Authenticate header: the scheme (lowercased) and its params. */
typedef struct {
        char *scheme;
        char **keys, **values; /* NULL-terminated, same length; keys lowercased */
} reg_challenge;

/**
 * Parse a WWW-Authenticate value (one or more challenges: `Bearer
 * realm="…",service="…", Basic realm="…"`) and append them to *list (a
 * NULL-terminated array of pointers). Quoted values may hold commas and
 * backslash escapes. Returns the number of challenges found, -EINVAL on
 * garbage (what was parsed before it is kept).
 */
int reg_parse_challenges(const char *header, reg_challenge ***list);
const char *reg_challenge_param(const reg_challenge *c, const char *key);
void reg_challenges_free(reg_challenge **list);

/** A request body: memory, or len bytes of fd from off (pread when seekable, read() else). */
typedef struct {
        const void *mem;
        int fd; /* -1 when mem (or no body) */
        bool seekable;
        int64_t off, len, pos;
        int read_errno;
} reg_body;

typedef struct {
        /* in */
        const char *method; /* GET HEAD PUT POST PATCH DELETE */
        char *url;          /* absolute; reg_request() may replace it as redirects are followed */
        const char *scope;  /* auth scope(s), space-separated; NULL: none needed */
        struct curl_slist *headers; /* extra headers (Accept, Content-Type …), caller frees */
        bool has_body;
        reg_body body;
        /* a 2xx body: to sink (streamed), else kept in memory up to max */
        int (*sink)(const void *data, size_t len, void *userdata);
        void *sink_userdata;
        size_t max; /* a 2xx body kept in memory: larger is an error; 0: kept up to
                     * REG_ERROR_BODY_MAX, the rest dropped (bodies we do not read) */
        void (*upload_progress)(int64_t done, void *userdata);
        void *progress_userdata;

        /* out: the last response */
        long status;
        char reason[128];
        char *location, *content_type, *digest, *link, *range, *content_range;
        int64_t content_length; /* -1: none */
        char **www_auth;
        char *resp; /* body (2xx without sink; or the error body, cut at REG_ERROR_BODY_MAX) */
        size_t resp_len;
        bool too_large; /* a 2xx body passed max */
        int sink_ret;   /* what sink returned when it stopped the transfer */
        bool stalled;   /* no byte moved for stall_s seconds */
        long stall_s;
        int64_t seen_dl, seen_ul;
        struct timespec last_move;
        CURLcode curl_code;
} reg_req;

void reg_req_clear(reg_req *q);
static inline void reg_req_clearp(reg_req *q)
{
        reg_req_clear(q);
}
#define _cleanup_req_ _cleanup_(reg_req_clearp)

/** "<scheme>://<host><path>"; path starts with "/". */
char *reg_url(berth_registry *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * Send q: the auth the registry wants (Basic, or a Bearer token for q->scope,
 * fetched or from the cache), redirects followed by hand (our Authorization
 * only ever to the registry's own scheme://host:port), a 401 answered once,
 * insecure hosts moved to http when they speak no TLS. Returns 0 when an HTTP
 * response came (any status: the caller judges it, q->status), <0 on a
 * transport error, a bad challenge or a second 401, with *err saying so
 * after "what: ".
 */
int reg_request(berth_registry *r, reg_req *q, const char *what, berth_error *err);

/**
 * One exchange on the handle (redirects followed when follow), no 401 logic:
 * for reg_request and token fetches. auth_header ("Basic …", "Bearer …") is
 * sent only to URLs of auth_origin's scheme://host:port.
 */
int reg_perform(berth_registry *r, reg_req *q, const char *auth_header, const char *auth_origin,
                bool follow, const char *what, berth_error *err);

/**
 * Fill *err for an HTTP status we did not want: "<what>: <status> <message>",
 * message from the registry's JSON errors ("manifest unknown"), else the
 * reason phrase; 401s as docker says them ("unauthorized: …"). An empty
 * what: the message alone.
 */
int reg_http_error(reg_req *q, berth_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** The messages of a registry's JSON error body, "; "-joined (caller frees), or NULL. */
char *reg_error_messages(const char *body, size_t len);

/** Auth (client-auth.c): the Authorization header value for scope, fetching a token if the
 * registry wants Bearer and none is cached; *ret NULL when none is to be sent. */
int reg_auth_header(berth_registry *r, const char *scope, char **ret, berth_error *err);
/** Learn from a 401's challenges; drop the cached token of scope. -EACCES when it cannot be
 * answered (no challenge, Basic without credentials). */
int reg_auth_challenged(berth_registry *r, reg_req *q, berth_error *err);
/** Fetch a token from the known realm for scope (NULL: none), with the credentials if any, and
 * cache it under scope. */
int reg_fetch_token(berth_registry *r, const char *scope, char **ret_token, berth_error *err);
void reg_tokens_free(reg_token *t);

/** Base64 (standard alphabet, padded); caller frees. Decode: -EINVAL on garbage. */
char *reg_base64_encode(const void *data, size_t len);
int reg_base64_decode(const char *s, char **ret, size_t *ret_len);

/** Repository names and references as the distribution spec allows them (no "..", no "%"). */
bool reg_valid_repo(const char *repo);
bool reg_valid_ref(const char *ref);

/** Add "key=value" (value URL-encoded) to url's query, keeping what is there; caller frees. */
char *reg_url_add_query(const char *url, const char *key, const char *value);
/** Resolve a Location (absolute, or relative to base); caller frees. NULL on garbage. */
char *reg_url_resolve(const char *base, const char *location);
/** Whether a and b have the same scheme, host and port. */
bool reg_same_origin(const char *a, const char *b);
