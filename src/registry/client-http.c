/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One HTTP exchange on the registry's curl handle: headers and bodies in and
 * out, redirects followed by hand (so our Authorization never leaves the
 * host it is for), the 401 → credentials/token → retry loop, and the
 * registry's JSON errors turned into messages.
 */
#include "base/cleanup.h"
#include "base/strutil.h"
#include "registry/client-internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static void resp_reset(reg_req *q)
{
        q->status = 0;
        q->reason[0] = '\0';
        free(q->location);
        free(q->content_type);
        free(q->digest);
        free(q->link);
        free(q->range);
        free(q->content_range);
        q->location = q->content_type = q->digest = q->link = q->range = q->content_range = NULL;
        q->content_length = -1;
        berth_strv_free(q->www_auth);
        q->www_auth = NULL;
        free(q->resp);
        q->resp = NULL;
        q->resp_len = 0;
        q->too_large = false;
        q->sink_ret = 0;
        q->curl_code = CURLE_OK;
}

static double elapsed_s(const struct timespec *since)
{
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double)(now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

/* The stall timeout, to the second: curl calls this at least once a second. */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
        reg_req *q = userdata;
        if (dlnow != q->seen_dl || ulnow != q->seen_ul) {
                q->seen_dl = dlnow;
                q->seen_ul = ulnow;
                clock_gettime(CLOCK_MONOTONIC, &q->last_move);
                return 0;
        }
        /* a registry may read a big blob again to check it before it answers the last
         * request of an upload: more time for that */
        double limit = (double)q->stall_s;
        if (q->has_body && q->body.len > 0 && ulnow >= q->body.len && dlnow == 0)
                limit *= 10;
        if (elapsed_s(&q->last_move) >= limit) {
                q->stalled = true;
                return 1;
        }
        return 0;
}

void reg_req_clear(reg_req *q)
{
        if (q == NULL)
                return;
        resp_reset(q);
        free(q->url);
        q->url = NULL;
}

char *reg_url(berth_registry *r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *path = NULL;
        if (vasprintf(&path, fmt, ap) < 0)
                abort();
        va_end(ap);
        return berth_xasprintf("%s://%s%s", r->scheme, r->host, path);
}

static bool status_ok(long s)
{
        return s >= 200 && s < 300;
}

static void set_str(char **field, const char *v)
{
        free(*field);
        *field = berth_xstrdup(v);
}

static size_t on_header(char *buf, size_t size, size_t n, void *userdata)
{
        reg_req *q = userdata;
        size_t len = size * n;
        _cleanup_free_ char *line = strndup(buf, len);
        if (line == NULL)
                return 0;
        size_t l = strlen(line);
        while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == '\n'))
                line[--l] = '\0';
        if (strncmp(line, "HTTP/", 5) == 0) {
                /* a new response (after a 100 Continue): forget the last one's headers */
                resp_reset(q);
                const char *p = strchr(line, ' ');
                if (p == NULL)
                        return len;
                q->status = strtol(p + 1, NULL, 10);
                p = strchr(p + 1, ' ');
                snprintf(q->reason, sizeof(q->reason), "%s", p ? p + 1 : "");
                return len;
        }
        char *colon = strchr(line, ':');
        if (colon == NULL)
                return len;
        *colon = '\0';
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
                v++;
        if (strcasecmp(line, "Location") == 0)
                set_str(&q->location, v);
        else if (strcasecmp(line, "Content-Type") == 0)
                set_str(&q->content_type, v);
        else if (strcasecmp(line, "Docker-Content-Digest") == 0)
                set_str(&q->digest, v);
        else if (strcasecmp(line, "Link") == 0)
                set_str(&q->link, v);
        else if (strcasecmp(line, "Range") == 0)
                set_str(&q->range, v);
        else if (strcasecmp(line, "Content-Range") == 0)
                set_str(&q->content_range, v);
        else if (strcasecmp(line, "WWW-Authenticate") == 0)
                berth_strv_push(&q->www_auth, v);
        else if (strcasecmp(line, "Content-Length") == 0) {
                long long cl;
                if (berth_parse_i64(v, &cl) == 0 && cl >= 0)
                        q->content_length = cl;
                /* a body we keep in memory that says it is too big: stop before it comes */
                if (status_ok(q->status) && q->sink == NULL && q->max > 0 &&
                    q->content_length > (int64_t)q->max) {
                        q->too_large = true;
                        return 0;
                }
        }
        return len;
}

static size_t on_write(char *buf, size_t size, size_t n, void *userdata)
{
        reg_req *q = userdata;
        size_t len = size * n;
        size_t limit = REG_ERROR_BODY_MAX;
        if (status_ok(q->status)) {
                if (q->sink) {
                        int k = q->sink(buf, len, q->sink_userdata);
                        if (k != 0) {
                                q->sink_ret = k;
                                return 0;
                        }
                        return len;
                }
                if (q->max > 0 && q->resp_len + len > q->max) {
                        q->too_large = true;
                        return 0;
                }
                if (q->max > 0)
                        limit = q->max;
        }
        if (q->resp_len + len > limit) {
                len = limit - q->resp_len; /* a body nobody asked for: the start is enough */
                if (len == 0)
                        return size * n;
        }
        q->resp = berth_xrealloc(q->resp, q->resp_len + len + 1);
        memcpy(q->resp + q->resp_len, buf, len);
        q->resp_len += len;
        q->resp[q->resp_len] = '\0';
        return size * n;
}

static size_t on_read(char *buf, size_t size, size_t n, void *userdata)
{
        reg_req *q = userdata;
        reg_body *b = &q->body;
        size_t want = size * n;
        if ((int64_t)want > b->len - b->pos)
                want = (size_t)(b->len - b->pos);
        if (want == 0)
                return 0;
        if (b->mem) {
                memcpy(buf, (const char *)b->mem + b->pos, want);
        } else {
                ssize_t k;
                do {
                        k = b->seekable ? pread(b->fd, buf, want, b->off + b->pos)
                                        : read(b->fd, buf, want);
                } while (k < 0 && errno == EINTR);
                if (k <= 0) {
                        b->read_errno = k < 0 ? errno : ENODATA;
                        return CURL_READFUNC_ABORT;
                }
                want = (size_t)k;
        }
        b->pos += (int64_t)want;
        if (q->upload_progress)
                q->upload_progress(b->pos, q->progress_userdata);
        return want;
}

static int on_seek(void *userdata, curl_off_t offset, int origin)
{
        reg_req *q = userdata;
        if (origin != SEEK_SET || offset < 0 || offset > q->body.len ||
            (!q->body.mem && !q->body.seekable))
                return CURL_SEEKFUNC_CANTSEEK;
        q->body.pos = offset;
        return CURL_SEEKFUNC_OK;
}

static bool is_redirect(long s)
{
        return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

static bool body_rewindable(const reg_req *q)
{
        return !q->has_body || q->body.mem || q->body.seekable || q->body.pos == 0;
}

static int transport_errno(CURLcode c)
{
        switch (c) {
        case CURLE_COULDNT_CONNECT:
                return ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                return EHOSTUNREACH;
        case CURLE_OPERATION_TIMEDOUT:
                return ETIMEDOUT;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
                return EPROTO;
        case CURLE_OUT_OF_MEMORY:
                return ENOMEM;
        default:
                return EIO;
        }
}

static int transport_error(berth_registry *r, reg_req *q, const char *what, berth_error *err)
{
        const char *detail = r->errbuf[0] ? r->errbuf : curl_easy_strerror(q->curl_code);
        int e = transport_errno(q->curl_code);
        switch (q->curl_code) {
        case CURLE_OPERATION_TIMEDOUT:
                return berth_errx(err, e, "%s: stalled (%s)", what, detail);
        case CURLE_ABORTED_BY_CALLBACK:
                if (q->stalled)
                        return berth_errx(err, ETIMEDOUT, "%s: stalled: no data for %ld s", what,
                                          r->stall_s);
                if (q->body.read_errno)
                        return berth_err(err, q->body.read_errno, "%s: cannot read the upload",
                                         what);
                break;
        case CURLE_PARTIAL_FILE:
                return berth_errx(err, e, "%s: connection closed early (%s)", what, detail);
        case CURLE_SSL_CONNECT_ERROR:
                if (!r->insecure)
                        return berth_errx(err, e,
                                          "%s: TLS handshake failed (%s); if the registry "
                                          "speaks plain http, it must be marked insecure",
                                          what, detail);
                break;
        case CURLE_READ_ERROR:
                if (q->body.read_errno)
                        return berth_err(err, q->body.read_errno, "%s: cannot read the upload",
                                         what);
                break;
        default:
                break;
        }
        return berth_errx(err, e, "%s: %s", what, detail);
}

static void apply_common(berth_registry *r, CURL *c)
{
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, r->user_agent);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, r->stall_s);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        /* only a backstop: on_progress keeps the stall timeout to the second */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, r->stall_s * 10 + 10);
        if (r->no_verify) {
                curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        if (r->ca_pem) {
                struct curl_blob blob = {
                    .data = r->ca_pem, .len = r->ca_len, .flags = CURL_BLOB_NOCOPY};
                curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
        }
        if (r->client_cert) {
                curl_easy_setopt(c, CURLOPT_SSLCERT, r->client_cert);
                curl_easy_setopt(c, CURLOPT_SSLKEY, r->client_key);
        }
}

static void apply_method(CURL *c, reg_req *q)
{
        if (strcmp(q->method, "GET") == 0) {
                curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        } else if (strcmp(q->method, "HEAD") == 0) {
                curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        } else {
                /* every other method goes out as an upload (possibly of 0 bytes), so the body
                 * and its Content-Length are ours to give */
                curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
                curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                                 (curl_off_t)(q->has_body ? q->body.len : 0));
                curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
                curl_easy_setopt(c, CURLOPT_READDATA, q);
                curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
                curl_easy_setopt(c, CURLOPT_SEEKDATA, q);
        }
}

int reg_perform(berth_registry *r, reg_req *q, const char *auth_header, const char *auth_origin,
                bool follow, const char *what, berth_error *err)
{
        CURL *c = r->curl;
        for (int hop = 0;; hop++) {
                resp_reset(q);
                q->body.pos = 0;
                q->body.read_errno = 0;
                curl_easy_reset(c);
                apply_common(r, c);
                curl_easy_setopt(c, CURLOPT_URL, q->url);
                apply_method(c, q);
                curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
                curl_easy_setopt(c, CURLOPT_HEADERDATA, q);
                curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
                curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
                q->stalled = false;
                q->seen_dl = q->seen_ul = 0;
                q->stall_s = r->stall_s;
                clock_gettime(CLOCK_MONOTONIC, &q->last_move);
                curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
                curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
                curl_easy_setopt(c, CURLOPT_XFERINFODATA, q);

                struct curl_slist *h = NULL;
                for (struct curl_slist *e = q->headers; e; e = e->next)
                        h = curl_slist_append(h, e->data);
                /* our credentials go only where they are for: never to a host we were
                 * redirected to (blob storage, another port, another scheme) */
                if (auth_header && auth_origin && reg_same_origin(q->url, auth_origin)) {
                        _cleanup_free_ char *a = berth_xasprintf("Authorization: %s", auth_header);
                        h = curl_slist_append(h, a);
                }
                curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
                r->errbuf[0] = '\0';
                q->curl_code = curl_easy_perform(c);
                curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
                curl_slist_free_all(h);

                if (q->too_large && status_ok(q->status))
                        return berth_errx(err, EFBIG, "%s: response is larger than %zu bytes", what,
                                          q->max);
                if (q->sink_ret != 0)
                        return berth_errx(err, q->sink_ret < 0 ? -q->sink_ret : EIO,
                                          "%s: stopped by the receiver", what);
                if (q->curl_code != CURLE_OK)
                        return transport_error(r, q, what, err);
                if (!follow || !is_redirect(q->status) || q->location == NULL)
                        return 0;

                if (hop >= REG_MAX_REDIRECTS)
                        return berth_errx(err, ELOOP, "%s: too many redirects", what);
                char *next = reg_url_resolve(q->url, q->location);
                if (next == NULL)
                        return berth_errx(err, EPROTO, "%s: bad redirect to '%s'", what,
                                          q->location);
                free(q->url);
                q->url = next;
                if (q->status == 303 ||
                    ((q->status == 301 || q->status == 302) && strcmp(q->method, "HEAD") != 0)) {
                        /* as browsers do: the next request is a GET without the body */
                        if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "HEAD") != 0) {
                                q->method = "GET";
                                q->has_body = false;
                        }
                } else if (!body_rewindable(q)) {
                        return berth_errx(err, EPROTO, "%s: redirected after the upload was read",
                                          what);
                }
        }
}

static bool tls_failure(CURLcode c)
{
        return c == CURLE_SSL_CONNECT_ERROR || c == CURLE_GOT_NOTHING || c == CURLE_RECV_ERROR ||
               c == CURLE_SEND_ERROR;
}

/* A URL of the registry made before it turned out to speak plain http: http now. */
static char *with_scheme(berth_registry *r, const char *url)
{
        _cleanup_free_ char *prefix = berth_xasprintf("https://%s/", r->host);
        if (strcmp(r->scheme, "http") == 0 && berth_str_has_prefix(url, prefix))
                return berth_xasprintf("http://%s", url + strlen("https://"));
        return berth_xstrdup(url);
}

int reg_request(berth_registry *r, reg_req *q, const char *what, berth_error *err)
{
        _cleanup_free_ char *orig = with_scheme(r, q->url);
        const char *orig_method = q->method;
        bool orig_has_body = q->has_body;
        bool challenged = false;
        for (;;) {
                _cleanup_free_ char *auth = NULL;
                _cleanup_free_ char *origin = berth_xasprintf("%s://%s/", r->scheme, r->host);
                if (reg_auth_header(r, q->scope, &auth, err) < 0)
                        return berth_wrap(err, "%s", what);
                set_str(&q->url, orig);
                q->method = orig_method;
                q->has_body = orig_has_body;
                int k = reg_perform(r, q, auth, origin, true, what, err);
                if (k < 0) {
                        /* an insecure registry that speaks no TLS: plain http from now on */
                        if (!r->scheme_known && r->insecure && strcmp(r->scheme, "https") == 0 &&
                            tls_failure(q->curl_code)) {
                                set_str(&r->scheme, "http");
                                r->scheme_known = true;
                                char *u = with_scheme(r, orig);
                                bool changed = strcmp(u, orig) != 0;
                                free(orig);
                                orig = u;
                                if (changed) {
                                        berth_error_clear(err);
                                        continue;
                                }
                        }
                        return k;
                }
                r->scheme_known = true;
                if (q->status != 401)
                        return 0;
                if (challenged || !body_rewindable(q))
                        return reg_http_error(q, err, "%s", what);
                if (reg_auth_challenged(r, q, err) < 0)
                        return berth_wrap(err, "%s", what);
                challenged = true;
        }
}

static void lower_code(const char *code, char *out, size_t outsz)
{
        size_t i = 0;
        for (; code[i] && i + 1 < outsz; i++)
                out[i] = code[i] == '_' ? ' ' : (char)tolower((unsigned char)code[i]);
        out[i] = '\0';
}

char *reg_error_messages(const char *body, size_t len)
{
        if (body == NULL || len == 0)
                return NULL;
        _cleanup_json_ json_t *j = json_loadb(body, len, 0, NULL);
        json_t *errs = json_object_get(j, "errors");
        if (!json_is_array(errs) || json_array_size(errs) == 0) {
                /* some token servers say {"details": "…"} or {"error": "…"} */
                const char *s = json_string_value(json_object_get(j, "details"));
                if (s == NULL)
                        s = json_string_value(json_object_get(j, "error"));
                return s && *s ? berth_xstrdup(s) : NULL;
        }
        char *out = NULL;
        size_t i;
        json_t *e;
        json_array_foreach (errs, i, e) {
                const char *msg = json_string_value(json_object_get(e, "message"));
                const char *code = json_string_value(json_object_get(e, "code"));
                char buf[128];
                if (msg == NULL || *msg == '\0') {
                        if (code == NULL)
                                continue;
                        lower_code(code, buf, sizeof(buf));
                        msg = buf;
                }
                char *n = out ? berth_xasprintf("%s; %s", out, msg) : berth_xstrdup(msg);
                free(out);
                out = n;
        }
        return out;
}

static int status_errno(long s)
{
        switch (s) {
        case 400:
                return EINVAL;
        case 401:
        case 403:
                return EACCES;
        case 404:
                return ENOENT;
        case 405:
                return EOPNOTSUPP;
        case 413:
                return EFBIG;
        case 416:
                return ERANGE;
        case 429:
                return EAGAIN;
        default:
                return EIO;
        }
}

/* HTTP/2 sends no reason phrase: the usual one. */
static const char *reason_of(long s)
{
        switch (s) {
        case 400:
                return "Bad Request";
        case 404:
                return "Not Found";
        case 405:
                return "Method Not Allowed";
        case 409:
                return "Conflict";
        case 413:
                return "Payload Too Large";
        case 416:
                return "Range Not Satisfiable";
        case 429:
                return "Too Many Requests";
        case 500:
                return "Internal Server Error";
        case 502:
                return "Bad Gateway";
        case 503:
                return "Service Unavailable";
        case 504:
                return "Gateway Timeout";
        default:
                return "unexpected response";
        }
}

int reg_http_error(reg_req *q, berth_error *err, const char *fmt, ...)
{
        char what[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        _cleanup_free_ char *msg = reg_error_messages(q->resp, q->resp_len);
        const char *sep = what[0] ? ": " : "";
        int e = status_errno(q->status);
        if (q->status == 401)
                return berth_errx(err, e, "%s%sunauthorized: %s", what, sep,
                                  msg ? msg : "authentication required");
        if (q->status == 403)
                return berth_errx(err, e, "%s%sdenied: %s", what, sep,
                                  msg ? msg : "requested access to the resource is denied");
        const char *text = msg ? msg : q->reason[0] ? q->reason : reason_of(q->status);
        return berth_errx(err, e, "%s%s%ld %s", what, sep, q->status, text);
}
