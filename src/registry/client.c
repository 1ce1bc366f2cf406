/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry handle (host, TLS material, credentials), ping, manifests and
 * tags. The HTTP exchange is client-http.c, auth client-auth.c, blobs
 * client-blob.c.
 */
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "registry/auth.h"
#include "registry/client-internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_CERTS_DIRS   "/etc/berth/certs.d:/etc/docker/certs.d"
#define DEFAULT_STALL_S      30
#define DEFAULT_MANIFEST_MAX (4 * 1024 * 1024)
#define TAGS_PAGE_MAX        (16 * 1024 * 1024)
#define TAGS_MAX_PAGES       10000
#define SYSTEM_CA_BUNDLE     "/etc/ssl/certs/ca-certificates.crt"

static const char manifest_accept[] = "Accept: application/vnd.oci.image.index.v1+json, "
                                      "application/vnd.oci.image.manifest.v1+json, "
                                      "application/vnd.docker.distribution.manifest.list.v2+json, "
                                      "application/vnd.docker.distribution.manifest.v2+json";

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init(void)
{
        curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int berth_libcurl_ready(berth_error *err)
{
        if (berth_libcurl_load(err) < 0)
                return -err->code;
        pthread_once(&curl_once, curl_init);
        if (curl_init_result != CURLE_OK)
                return berth_errx(err, EIO, "cannot initialise libcurl: %s",
                                  curl_easy_strerror(curl_init_result));
        return 0;
}

static bool valid_host(const char *h)
{
        if (h == NULL || *h == '\0' || strlen(h) > 255)
                return false;
        for (const char *p = h; *p; p++)
                if (!(isalnum((unsigned char)*p) || strchr(".-:[]_", *p)))
                        return false;
        return true;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
        *buf = berth_xrealloc(*buf, *len + n + 2);
        memcpy(*buf + *len, data, n);
        *len += n;
        if (n > 0 && data[n - 1] != '\n')
                (*buf)[(*len)++] = '\n';
        (*buf)[*len] = '\0';
}

static int alpha_sort(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

/* <dir>/<host>/: *.crt are CAs, <name>.cert + <name>.key a client certificate (as docker). */
static int load_certs_dir(berth_registry *r, const char *dir, char **extra, size_t *extra_len,
                          berth_error *err)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/%s", dir, r->host);
        struct dirent **names = NULL;
        int n = scandir(path, &names, NULL, alpha_sort);
        if (n < 0)
                return errno == ENOENT || errno == ENOTDIR
                           ? 0
                           : berth_err(err, errno, "cannot read certs dir %s", path);
        int k = 0;
        for (int i = 0; i < n; i++) {
                const char *name = names[i]->d_name;
                _cleanup_free_ char *file = berth_xasprintf("%s/%s", path, name);
                if (k == 0 && berth_str_has_suffix(name, ".crt")) {
                        _cleanup_free_ char *pem = NULL;
                        size_t len = 0;
                        k = berth_read_file(file, &pem, &len, err);
                        if (k < 0)
                                berth_wrap(err, "cannot read CA certificate");
                        else
                                append(extra, extra_len, pem, len);
                } else if (k == 0 && berth_str_has_suffix(name, ".cert") &&
                           r->client_cert == NULL) {
                        _cleanup_free_ char *key =
                            berth_xasprintf("%.*s.key", (int)(strlen(file) - 5), file);
                        if (access(key, R_OK) < 0)
                                k = berth_err(err, errno,
                                              "missing key %s for client certificate %s", key,
                                              file);
                        else {
                                r->client_cert = TAKE_PTR(file);
                                r->client_key = TAKE_PTR(key);
                        }
                }
        }
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return k;
}

static int load_certs(berth_registry *r, const char *dirs, berth_error *err)
{
        _cleanup_free_ char *copy = berth_xstrdup(dirs ? dirs : DEFAULT_CERTS_DIRS);
        _cleanup_free_ char *extra = NULL;
        size_t extra_len = 0;
        char *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                int k = load_certs_dir(r, d, &extra, &extra_len, err);
                if (k < 0)
                        return k;
        }
        if (extra == NULL)
                return 0; /* curl's own CA settings */
        /* CURLOPT_CAINFO_BLOB replaces the CA file: give it the system's bundle too */
        char *sys = NULL;
        if (curl_easy_getinfo(r->curl, CURLINFO_CAINFO, &sys) != CURLE_OK || sys == NULL)
                sys = SYSTEM_CA_BUNDLE;
        _cleanup_free_ char *pem = NULL;
        size_t len = 0;
        berth_error ignored = {0};
        if (berth_read_file(sys, &pem, &len, &ignored) == 0)
                append(&r->ca_pem, &r->ca_len, pem, len);
        append(&r->ca_pem, &r->ca_len, extra, extra_len);
        return 0;
}

int berth_registry_open(const char *host, const berth_registry_opts *o, berth_registry **ret,
                        berth_error *err)
{
        static const berth_registry_opts defaults = {0};
        if (o == NULL)
                o = &defaults;
        if (!valid_host(host))
                return berth_errx(err, EINVAL, "invalid registry host '%s'", host ? host : "");
        if (berth_libcurl_ready(err) < 0)
                return -err->code;

        berth_registry *r = berth_xmalloc0(sizeof(*r));
        r->host = berth_xstrdup(host);
        r->scheme = berth_xstrdup("https");
        r->insecure = o->insecure;
        /* docker's insecure registries: TLS if they speak it, but unchecked */
        r->no_verify = o->tls_no_verify || o->insecure;
        r->stall_s = o->stall_timeout_s > 0 ? o->stall_timeout_s : DEFAULT_STALL_S;
        r->user_agent = berth_xstrdup(o->user_agent ? o->user_agent : "berth/" BERTH_VERSION);
        int k = 0;
        if (o->username && *o->username) {
                r->username = berth_xstrdup(o->username);
                r->password = berth_xstrdup(o->password ? o->password : "");
        } else {
                k = berth_auth_get(host, &r->username, &r->password, err);
                if (k == -ENOENT)
                        k = 0;
                else if (k < 0)
                        berth_wrap(err, "cannot read credentials for %s", host);
        }
        if (k == 0) {
                r->curl = curl_easy_init();
                if (r->curl == NULL)
                        k = berth_errx(err, ENOMEM, "cannot make a curl handle");
        }
        if (k == 0)
                k = load_certs(r, o->certs_dirs, err);
        if (k < 0) {
                berth_registry_close(r);
                return k;
        }
        *ret = r;
        return 0;
}

void berth_registry_close(berth_registry *r)
{
        if (r == NULL)
                return;
        if (r->curl)
                curl_easy_cleanup(r->curl);
        free(r->host);
        free(r->scheme);
        free(r->username);
        if (r->password) {
                explicit_bzero(r->password, strlen(r->password));
                free(r->password);
        }
        free(r->user_agent);
        free(r->ca_pem);
        free(r->client_cert);
        free(r->client_key);
        free(r->realm);
        free(r->service);
        reg_tokens_free(r->tokens);
        free(r);
}

int berth_registry_ping(berth_registry *r, berth_error *err)
{
        _cleanup_req_ reg_req q = {.method = "GET", .body.fd = -1};
        _cleanup_free_ char *what = berth_xasprintf("cannot reach registry %s", r->host);
        q.url = reg_url(r, "/v2/");
        int k = reg_request(r, &q, what, err);
        if (k < 0)
                return k;
        if (q.status != 200)
                return reg_http_error(&q, err, "%s", what);
        return 0;
}

static char *media_type_of(const char *content_type, const char *body, size_t len)
{
        if (content_type) {
                size_t n = strcspn(content_type, "; \t");
                char *mt = strndup(content_type, n);
                if (mt == NULL)
                        abort();
                if (*mt && strcasecmp(mt, "application/json") != 0 &&
                    strcasecmp(mt, "text/plain") != 0 &&
                    strcasecmp(mt, "application/octet-stream") != 0)
                        return mt;
                free(mt);
        }
        /* no useful Content-Type: the manifest's own mediaType, when it has one */
        if (body) {
                _cleanup_json_ json_t *j = json_loadb(body, len, 0, NULL);
                const char *mt = json_string_value(json_object_get(j, "mediaType"));
                if (mt && *mt)
                        return berth_xstrdup(mt);
        }
        return berth_xstrdup(content_type ? content_type : "");
}

static int check_names(const char *repo, const char *ref, berth_error *err)
{
        if (repo == NULL || !reg_valid_repo(repo))
                return berth_errx(err, EINVAL, "invalid repository name '%s'", repo ? repo : "");
        if (ref && !reg_valid_ref(ref))
                return berth_errx(err, EINVAL, "invalid reference '%s'", ref);
        return 0;
}

static char *manifest_name(berth_registry *r, const char *repo, const char *ref)
{
        return berth_xasprintf("%s/%s%s%s", r->host, repo, strchr(ref, ':') ? "@" : ":", ref);
}

int berth_registry_get_manifest(berth_registry *r, const char *repo, const char *ref, size_t max,
                                char **ret_body, size_t *ret_len, char **ret_media_type,
                                berth_digest *ret_digest, berth_error *err)
{
        int k = check_names(repo, ref, err);
        if (k < 0)
                return k;
        _cleanup_free_ char *name = manifest_name(r, repo, ref);
        _cleanup_free_ char *what = berth_xasprintf("cannot fetch manifest %s", name);
        _cleanup_free_ char *scope = berth_xasprintf("repository:%s:pull", repo);
        _cleanup_req_ reg_req q = {.body.fd = -1, .scope = scope};
        struct curl_slist *h = curl_slist_append(NULL, manifest_accept);
        q.headers = h;
        q.method = ret_body ? "GET" : "HEAD";
        q.max = max > 0 ? max : DEFAULT_MANIFEST_MAX;
        q.url = reg_url(r, "/v2/%s/manifests/%s", repo, ref);
        k = reg_request(r, &q, what, err);
        curl_slist_free_all(h);
        if (k < 0)
                return k;
        if (q.status != 200)
                return reg_http_error(&q, err, "%s", what);

        berth_digest want = {{0}}, said = {{0}}, got = {{0}};
        bool ref_is_digest = berth_digest_parse(ref, &want, NULL) == 0;
        bool has_said = q.digest && berth_digest_parse(q.digest, &said, NULL) == 0;
        if (ret_body == NULL) {
                if (has_said)
                        got = said;
                else if (ref_is_digest)
                        got = want;
                else {
                        /* a HEAD that does not say the digest: the body will */
                        _cleanup_free_ char *b = NULL;
                        size_t blen = 0;
                        k = berth_registry_get_manifest(r, repo, ref, max, &b, &blen,
                                                        ret_media_type, ret_digest, err);
                        if (k == 0 && ret_len)
                                *ret_len = blen;
                        return k;
                }
        } else {
                berth_digest_of(q.resp ? q.resp : "", q.resp_len, &got);
                if (has_said && !berth_digest_equal(&said, &got))
                        return berth_errx(err, EBADMSG,
                                          "%s: digest mismatch: the registry says %s, the "
                                          "content is %s",
                                          what, said.s, got.s);
        }
        if (ref_is_digest && !berth_digest_equal(&want, &got))
                return berth_errx(err, EBADMSG, "%s: digest mismatch: the content is %s", what,
                                  got.s);
        if (ret_media_type)
                *ret_media_type = media_type_of(q.content_type, q.resp, q.resp_len);
        if (ret_len)
                *ret_len =
                    ret_body ? q.resp_len : (size_t)(q.content_length >= 0 ? q.content_length : 0);
        if (ret_digest)
                *ret_digest = got;
        if (ret_body)
                *ret_body = q.resp ? TAKE_PTR(q.resp) : berth_xstrdup("");
        return 0;
}

int berth_registry_put_manifest(berth_registry *r, const char *repo, const char *ref,
                                const char *media_type, const void *body, size_t len,
                                berth_digest *ret_digest, berth_error *err)
{
        int k = check_names(repo, ref, err);
        if (k < 0)
                return k;
        _cleanup_free_ char *name = manifest_name(r, repo, ref);
        _cleanup_free_ char *what = berth_xasprintf("cannot push manifest %s", name);
        berth_digest ours, said, want;
        berth_digest_of(body, len, &ours);
        if (berth_digest_parse(ref, &want, NULL) == 0 && !berth_digest_equal(&want, &ours))
                return berth_errx(err, EINVAL, "%s: the manifest's digest is %s", what, ours.s);
        if (media_type == NULL || *media_type == '\0' || strpbrk(media_type, "\r\n"))
                return berth_errx(err, EINVAL, "%s: bad media type", what);

        _cleanup_free_ char *scope = berth_xasprintf("repository:%s:pull,push", repo);
        _cleanup_free_ char *ct = berth_xasprintf("Content-Type: %s", media_type);
        _cleanup_req_ reg_req q = {.method = "PUT", .scope = scope, .has_body = true};
        q.body = (reg_body){.mem = body ? body : "", .fd = -1, .len = (int64_t)len};
        struct curl_slist *h = curl_slist_append(NULL, ct);
        q.headers = h;
        q.url = reg_url(r, "/v2/%s/manifests/%s", repo, ref);
        k = reg_request(r, &q, what, err);
        curl_slist_free_all(h);
        if (k < 0)
                return k;
        if (q.status < 200 || q.status >= 300)
                return reg_http_error(&q, err, "%s", what);
        if (q.digest && berth_digest_parse(q.digest, &said, NULL) == 0 &&
            !berth_digest_equal(&said, &ours))
                return berth_errx(err, EBADMSG, "%s: the registry stored %s, we sent %s", what,
                                  said.s, ours.s);
        if (ret_digest)
                *ret_digest = ours;
        return 0;
}

/* The target of `Link: <url>; rel="next"`, or NULL. */
static char *link_next(const char *link)
{
        if (link == NULL)
                return NULL;
        const char *lt = strchr(link, '<');
        const char *gt = lt ? strchr(lt, '>') : NULL;
        if (gt == NULL || (strstr(gt, "rel=\"next\"") == NULL && strstr(gt, "rel=next") == NULL))
                return NULL;
        return strndup(lt + 1, (size_t)(gt - lt - 1));
}

int berth_registry_list_tags(berth_registry *r, const char *repo, char ***ret, berth_error *err)
{
        int k = check_names(repo, NULL, err);
        if (k < 0)
                return k;
        _cleanup_free_ char *what = berth_xasprintf("cannot list tags of %s/%s", r->host, repo);
        _cleanup_free_ char *scope = berth_xasprintf("repository:%s:pull", repo);
        _cleanup_free_ char *url = reg_url(r, "/v2/%s/tags/list", repo);
        _cleanup_strv_ char **tags = NULL;
        for (int page = 0; url; page++) {
                if (page >= TAGS_MAX_PAGES)
                        return berth_errx(err, ELOOP, "%s: more than %d pages", what, page);
                _cleanup_req_ reg_req q = {.method = "GET", .body.fd = -1, .scope = scope};
                q.max = TAGS_PAGE_MAX;
                q.url = berth_xstrdup(url);
                k = reg_request(r, &q, what, err);
                if (k < 0)
                        return k;
                if (q.status != 200)
                        return reg_http_error(&q, err, "%s", what);
                json_error_t jerr;
                _cleanup_json_ json_t *j = json_loadb(q.resp ? q.resp : "", q.resp_len, 0, &jerr);
                json_t *list = json_object_get(j, "tags");
                if (!json_is_object(j) || !(json_is_array(list) || json_is_null(list) || !list))
                        return berth_errx(err, EPROTO, "%s: bad response", what);
                size_t i;
                json_t *t;
                json_array_foreach (list, i, t) {
                        if (!json_is_string(t))
                                return berth_errx(err, EPROTO, "%s: bad response", what);
                        if (!berth_strv_contains(tags, json_string_value(t)))
                                berth_strv_push(&tags, json_string_value(t));
                }
                _cleanup_free_ char *next = link_next(q.link);
                char *abs = next ? reg_url_resolve(q.url, next) : NULL;
                if (abs && strcmp(abs, url) == 0) {
                        free(abs); /* a link to itself: done */
                        abs = NULL;
                }
                free(url);
                url = abs;
        }
        if (tags == NULL)
                tags = berth_xmalloc0(sizeof(char *));
        *ret = TAKE_PTR(tags);
        return 0;
}
