/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blobs: HEAD, GET (streamed, hashed on the way, checked at the end), and
 * uploads (cross-repository mount, POST → monolithic PUT or PATCH chunks →
 * PUT ?digest=).
 */
#include "base/cleanup.h"
#include "base/strutil.h"
#include "registry/client-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

static int check_repo(const char *repo, const char *what, berth_error *err)
{
        if (repo == NULL || !reg_valid_repo(repo))
                return berth_errx(err, EINVAL, "%s: invalid repository name '%s'", what,
                                  repo ? repo : "");
        return 0;
}

int berth_registry_blob_exists(berth_registry *r, const char *repo, const berth_digest *d,
                               int64_t *ret_size, berth_error *err)
{
        _cleanup_free_ char *what =
            berth_xasprintf("cannot check blob %s in %s/%s", d->s, r->host, repo ? repo : "");
        int k = check_repo(repo, what, err);
        if (k < 0)
                return k;
        _cleanup_free_ char *scope = berth_xasprintf("repository:%s:pull", repo);
        _cleanup_req_ reg_req q = {.method = "HEAD", .body.fd = -1, .scope = scope};
        q.url = reg_url(r, "/v2/%s/blobs/%s", repo, d->s);
        k = reg_request(r, &q, what, err);
        if (k < 0)
                return k;
        if (q.status == 404)
                return 0;
        if (q.status != 200)
                return reg_http_error(&q, err, "%s", what);
        if (ret_size)
                *ret_size = q.content_length;
        return 1;
}

/* A download that breaks off after some bytes is resumed with a Range request, as long as
 * each try brings new bytes, at most this many times. */
#define BLOB_MAX_RESUMES 5

typedef struct {
        berth_hasher *h;
        int64_t done, expected;
        int (*write_fn)(const void *data, size_t len, void *userdata);
        void (*progress)(int64_t done, void *userdata);
        void *userdata;
        bool overflow;
        int user_ret;
        /* this try: the response (for its status), and the bytes of it we have already */
        const reg_req *q;
        bool started;
        int64_t skip;
} blob_sink;

static int sink_write(const void *data, size_t len, void *userdata)
{
        blob_sink *s = userdata;
        if (!s->started) {
                /* a 206 goes on where we are; a 200 starts again from byte 0 */
                s->started = true;
                s->skip = s->q->status == 200 ? s->done : 0;
        }
        if (s->skip > 0) {
                size_t drop = (int64_t)len < s->skip ? len : (size_t)s->skip;
                s->skip -= (int64_t)drop;
                data = (const char *)data + drop;
                len -= drop;
                if (len == 0)
                        return 0;
        }
        if (s->expected >= 0 && s->done + (int64_t)len > s->expected) {
                s->overflow = true;
                return -EFBIG;
        }
        berth_hasher_update(s->h, data, len);
        int k = s->write_fn(data, len, s->userdata);
        if (k != 0) {
                s->user_ret = k;
                return k;
        }
        s->done += (int64_t)len;
        if (s->progress)
                s->progress(s->done, s->userdata);
        return 0;
}

static bool resumable(CURLcode c)
{
        return c == CURLE_PARTIAL_FILE || c == CURLE_RECV_ERROR || c == CURLE_GOT_NOTHING ||
               c == CURLE_OPERATION_TIMEDOUT || c == CURLE_SEND_ERROR;
}

/* "bytes <start>-<end>/<total>" of a 206 starts where we are. */
static bool range_starts_at(const char *content_range, int64_t at)
{
        long long start;
        if (content_range == NULL || strncmp(content_range, "bytes ", 6) != 0)
                return false;
        _cleanup_free_ char *s = strndup(content_range + 6, strcspn(content_range + 6, "-"));
        return s && berth_parse_i64(s, &start) == 0 && start == at;
}

int berth_registry_get_blob(berth_registry *r, const char *repo, const berth_digest *d,
                            int64_t expected_size,
                            int (*write_fn)(const void *data, size_t len, void *userdata),
                            void (*progress)(int64_t done, void *userdata), void *userdata,
                            berth_error *err)
{
        _cleanup_free_ char *name =
            berth_xasprintf("%s from %s/%s", d->s, r->host, repo ? repo : "");
        _cleanup_free_ char *what = berth_xasprintf("cannot fetch blob %s", name);
        int k = check_repo(repo, what, err);
        if (k < 0)
                return k;
        blob_sink s = {.h = berth_hasher_new(),
                       .expected = expected_size,
                       .write_fn = write_fn,
                       .progress = progress,
                       .userdata = userdata};
        _cleanup_free_ char *scope = berth_xasprintf("repository:%s:pull", repo);
        _cleanup_free_ char *url = reg_url(r, "/v2/%s/blobs/%s", repo, d->s);
        for (int resumes = 0;; resumes++) {
                _cleanup_req_ reg_req q = {.method = "GET", .body.fd = -1, .scope = scope};
                _cleanup_free_ char *range = berth_xasprintf("Range: bytes=%" PRId64 "-", s.done);
                struct curl_slist *h = s.done > 0 ? curl_slist_append(NULL, range) : NULL;
                int64_t before = s.done;
                q.headers = h;
                q.sink = sink_write;
                q.sink_userdata = &s;
                q.url = berth_xstrdup(url);
                s.q = &q;
                s.started = false;
                k = reg_request(r, &q, what, err);
                curl_slist_free_all(h);
                if (s.overflow || s.user_ret != 0)
                        break;
                if (k < 0 && (resumable(q.curl_code) || q.stalled) && s.done > before &&
                    resumes < BLOB_MAX_RESUMES) {
                        berth_error_clear(err);
                        continue;
                }
                if (k < 0)
                        break;
                if (q.status == 206 && before > 0 && !range_starts_at(q.content_range, before))
                        k = berth_errx(err, EPROTO, "%s: resumed at the wrong offset (%s)", what,
                                       q.content_range ? q.content_range : "no Content-Range");
                else if (q.status != 200 && !(q.status == 206 && before > 0))
                        k = reg_http_error(&q, err, "%s", what);
                break;
        }
        berth_digest got;
        berth_hasher_final(s.h, &got);
        berth_hasher_free(s.h);
        if (s.overflow)
                return berth_errx(err, EBADMSG,
                                  "blob %s is corrupt: longer than the %" PRId64 " bytes expected",
                                  name, expected_size);
        if (s.user_ret != 0)
                return s.user_ret < 0 ? berth_err(err, -s.user_ret, "cannot write blob %s", name)
                                      : berth_errx(err, EIO, "cannot write blob %s", name);
        if (k < 0)
                return k;
        if (expected_size >= 0 && s.done != expected_size)
                return berth_errx(err, EBADMSG,
                                  "blob %s is corrupt: %" PRId64 " bytes, expected %" PRId64, name,
                                  s.done, expected_size);
        if (!berth_digest_equal(&got, d))
                return berth_errx(err, EBADMSG, "blob %s is corrupt: digest mismatch (got %s)",
                                  name, got.s);
        return 0;
}

typedef struct {
        void (*progress)(int64_t done, void *userdata);
        void *userdata;
        int64_t base;
} upload_progress;

static void on_upload_progress(int64_t done, void *userdata)
{
        upload_progress *p = userdata;
        p->progress(p->base + done, p->userdata);
}

/* The upload session's URL from a 202's Location (absolute or relative to the request). */
static int session_url(reg_req *q, char **session, const char *what, berth_error *err)
{
        if (q->location == NULL || *q->location == '\0')
                return berth_errx(err, EPROTO, "%s: the registry sent no upload location", what);
        char *u = reg_url_resolve(q->url, q->location);
        if (u == NULL)
                return berth_errx(err, EPROTO, "%s: bad upload location '%s'", what, q->location);
        free(*session);
        *session = u;
        return 0;
}

int berth_registry_put_blob(berth_registry *r, const char *repo, const berth_digest *d,
                            int64_t size, int fd, const char *from_repo, size_t chunk_size,
                            void (*progress)(int64_t done, void *userdata), void *userdata,
                            bool *ret_mounted, berth_error *err)
{
        _cleanup_free_ char *what =
            berth_xasprintf("cannot push blob %s to %s/%s", d->s, r->host, repo ? repo : "");
        int k = check_repo(repo, what, err);
        if (k < 0)
                return k;
        if (from_repo && !reg_valid_repo(from_repo))
                return berth_errx(err, EINVAL, "%s: invalid repository name '%s'", what, from_repo);
        if (size < 0)
                return berth_errx(err, EINVAL, "%s: bad size %" PRId64, what, size);
        _cleanup_free_ char *scope =
            from_repo
                ? berth_xasprintf("repository:%s:pull,push repository:%s:pull", repo, from_repo)
                : berth_xasprintf("repository:%s:pull,push", repo);
        off_t start = lseek(fd, 0, SEEK_CUR);
        bool seekable = start >= 0;
        if (!seekable)
                start = 0;
        upload_progress up = {.progress = progress, .userdata = userdata};

        /* POST: a mount, or a new upload session */
        _cleanup_free_ char *session = NULL;
        {
                _cleanup_req_ reg_req q = {.method = "POST", .scope = scope, .has_body = true};
                q.body = (reg_body){.mem = "", .fd = -1};
                q.url = from_repo ? reg_url(r, "/v2/%s/blobs/uploads/?mount=%s&from=%s", repo, d->s,
                                            from_repo)
                                  : reg_url(r, "/v2/%s/blobs/uploads/", repo);
                k = reg_request(r, &q, what, err);
                if (k < 0)
                        return k;
                if (q.status == 201 && from_repo) {
                        if (progress)
                                progress(size, userdata);
                        if (ret_mounted)
                                *ret_mounted = true;
                        return 0;
                }
                if (q.status != 202)
                        return reg_http_error(&q, err, "%s", what);
                k = session_url(&q, &session, what, err);
                if (k < 0)
                        return k;
        }

        /* PATCH chunks (when asked), each answered with the next Location */
        int64_t sent = 0;
        while (chunk_size > 0 && sent < size) {
                int64_t n = size - sent < (int64_t)chunk_size ? size - sent : (int64_t)chunk_size;
                _cleanup_free_ char *range =
                    berth_xasprintf("Content-Range: %" PRId64 "-%" PRId64, sent, sent + n - 1);
                _cleanup_req_ reg_req q = {.method = "PATCH", .scope = scope, .has_body = true};
                q.body = (reg_body){.fd = fd, .seekable = seekable, .off = start + sent, .len = n};
                q.url = berth_xstrdup(session);
                struct curl_slist *h = curl_slist_append(NULL, range);
                h = curl_slist_append(h, "Content-Type: application/octet-stream");
                q.headers = h;
                up.base = sent;
                if (progress) {
                        q.upload_progress = on_upload_progress;
                        q.progress_userdata = &up;
                }
                k = reg_request(r, &q, what, err);
                curl_slist_free_all(h);
                if (k < 0)
                        return k;
                if (q.status != 202)
                        return reg_http_error(&q, err, "%s", what);
                /* Range: 0-<last byte the registry has> */
                long long last = -2;
                if (q.range) {
                        const char *dash = strchr(q.range, '-');
                        if (dash == NULL || berth_parse_i64(dash + 1, &last) < 0)
                                last = -2;
                }
                if (last != -2 && last != sent + n - 1)
                        return berth_errx(err, EPROTO,
                                          "%s: the registry has %lld bytes of the upload, we "
                                          "sent %" PRId64,
                                          what, last + 1, sent + n);
                k = session_url(&q, &session, what, err);
                if (k < 0)
                        return k;
                sent += n;
        }

        /* PUT ?digest=: the whole blob (monolithic) or nothing more */
        _cleanup_req_ reg_req q = {.method = "PUT", .scope = scope, .has_body = true};
        if (chunk_size > 0)
                q.body = (reg_body){.mem = "", .fd = -1};
        else
                q.body = (reg_body){.fd = fd, .seekable = seekable, .off = start, .len = size};
        q.url = reg_url_add_query(session, "digest", d->s);
        if (q.url == NULL)
                return berth_errx(err, EPROTO, "%s: bad upload location '%s'", what, session);
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/octet-stream");
        q.headers = h;
        up.base = 0;
        if (progress && chunk_size == 0) {
                q.upload_progress = on_upload_progress;
                q.progress_userdata = &up;
        }
        k = reg_request(r, &q, what, err);
        curl_slist_free_all(h);
        if (k < 0)
                return k;
        if (q.status != 201 && q.status != 204 && q.status != 200)
                return reg_http_error(&q, err, "%s", what);
        berth_digest said;
        if (q.digest && berth_digest_parse(q.digest, &said, NULL) == 0 &&
            !berth_digest_equal(&said, d))
                return berth_errx(err, EBADMSG, "%s: the registry stored %s", what, said.s);
        if (seekable)
                lseek(fd, start + size, SEEK_SET);
        if (progress)
                progress(size, userdata);
        if (ret_mounted)
                *ret_mounted = false;
        return 0;
}
