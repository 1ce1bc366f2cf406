/* SPDX-License-Identifier: Apache-2.0 */
/* What pull and push share: the registry of a reference, its handles, progress events. */
#include "transfer-internal.h"
#include "registry/auth.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <signal.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CONF_PATH "/etc/berth/registries.conf"

/* "host:port" → "host"; "[::1]:5000" → "::1". Malloc'd. */
static char *host_only(const char *host)
{
        if (host[0] == '[') {
                const char *end = strchr(host, ']');
                if (end)
                        return berth_xasprintf("%.*s", (int)(end - host - 1), host + 1);
        }
        const char *colon = strrchr(host, ':');
        if (colon && strchr(host, ':') == colon)
                return berth_xasprintf("%.*s", (int)(colon - host), host);
        return berth_xstrdup(host);
}

bool xfer_host_is_loopback(const char *host)
{
        _cleanup_free_ char *h = host_only(host);
        if (strcasecmp(h, "localhost") == 0)
                return true;
        struct in_addr a4;
        struct in6_addr a6;
        if (inet_pton(AF_INET, h, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127;
        if (inet_pton(AF_INET6, h, &a6) == 1)
                return IN6_IS_ADDR_LOOPBACK(&a6);
        return false;
}

/* Whether host is in list ("host:port" entries match exactly, "host" ones any port). */
static bool listed(char *const *list, const char *host)
{
        _cleanup_free_ char *bare = host_only(host);
        STRV_FOREACH (e, (char **)list) {
                const char *s = *e;
                if (berth_str_has_prefix(s, "http://"))
                        s += 7;
                else if (berth_str_has_prefix(s, "https://"))
                        s += 8;
                size_t len = strcspn(s, "/");
                if ((strlen(host) == len && strncasecmp(s, host, len) == 0) ||
                    (strlen(bare) == len && strncasecmp(s, bare, len) == 0))
                        return true;
        }
        return false;
}

/* Split "a, b,c" (quotes and brackets dropped) and push each onto *v. */
static void push_list(char ***v, const char *text)
{
        _cleanup_free_ char *copy = berth_xstrdup(text);
        char *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                while (*tok &&
                       (isspace((unsigned char)*tok) || *tok == '"' || *tok == '[' || *tok == '\''))
                        tok++;
                size_t len = strlen(tok);
                while (len && (isspace((unsigned char)tok[len - 1]) || tok[len - 1] == '"' ||
                               tok[len - 1] == ']' || tok[len - 1] == '\''))
                        tok[--len] = '\0';
                if (len && !berth_strv_contains(*v, tok))
                        berth_strv_push(v, tok);
        }
}

/* A list from $env and from the lines "key = a, b" (any of keys) of registries.conf. */
static char **conf_list(const char *env_name, const char *const *keys)
{
        char **v = berth_xmalloc0(sizeof(char *));
        const char *env = getenv(env_name);
        if (env)
                push_list(&v, env);
        _cleanup_free_ char *conf = NULL;
        if (berth_read_file(CONF_PATH, &conf, NULL, NULL) < 0)
                return v;
        char *save = NULL;
        for (char *line = strtok_r(conf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                while (isspace((unsigned char)*line))
                        line++;
                if (*line == '#')
                        continue;
                char *eq = strchr(line, '=');
                if (eq == NULL)
                        continue;
                size_t klen = (size_t)(eq - line);
                while (klen && isspace((unsigned char)line[klen - 1]))
                        klen--;
                for (const char *const *k = keys; *k; k++)
                        if (klen == strlen(*k) && strncmp(line, *k, klen) == 0)
                                push_list(&v, eq + 1);
        }
        return v;
}

char **berth_insecure_registries(void)
{
        static const char *const keys[] = {"insecure-registries", "insecure", NULL};
        return conf_list("BERTH_INSECURE_REGISTRIES", keys);
}

char **berth_registry_mirrors(void)
{
        static const char *const keys[] = {"registry-mirrors", "mirrors", NULL};
        return conf_list("BERTH_REGISTRY_MIRRORS", keys);
}

void xfer_init(xfer *x, const berth_transfer_opts *o, const char *domain)
{
        *x = (xfer){.o = o, .ro = o->registry};
        pthread_mutex_init(&x->lock, NULL);
        x->domain = berth_xstrdup(domain);
        x->host = berth_xstrdup(strcmp(domain, "docker.io") == 0 ? "registry-1.docker.io" : domain);
        if (x->ro.username == NULL && berth_auth_get(domain, &x->user, &x->pass, NULL) == 0) {
                x->ro.username = x->user;
                x->ro.password = x->pass;
        }
        if (xfer_host_is_loopback(domain) || listed(o->insecure_registries, domain))
                x->ro.insecure = true;
}

void xfer_set_host(xfer *x, const char *host)
{
        free(x->host);
        x->host = berth_xstrdup(host);
        /* decided for each host anew: a mirror's plain http never carries over to
         * the registry tried after it */
        x->ro.insecure = x->o->registry.insecure || xfer_host_is_loopback(host) ||
                         listed(x->o->insecure_registries, host);
}

void xfer_clear(xfer *x)
{
        free(x->domain);
        free(x->host);
        if (x->pass)
                explicit_bzero(x->pass, strlen(x->pass));
        free(x->user);
        free(x->pass);
        pthread_mutex_destroy(&x->lock);
        x->domain = x->host = x->user = x->pass = NULL;
}

int xfer_open(xfer *x, berth_registry **ret, berth_error *err)
{
        return berth_registry_open(x->host, &x->ro, ret, err);
}

void xfer_progress(xfer *x, const char *id, const char *status, int64_t current, int64_t total)
{
        if (x->o->progress == NULL)
                return;
        berth_progress_event ev = {
            .id = id ? id : "", .status = status, .current = current, .total = total};
        pthread_mutex_lock(&x->lock);
        x->o->progress(&ev, x->o->userdata);
        pthread_mutex_unlock(&x->lock);
}

void xfer_short_id(const berth_digest *d, char out[13])
{
        memcpy(out, berth_digest_hex(d), 12);
        out[12] = '\0';
}

typedef struct {
        char *buf;
        size_t len, max;
} membuf;

static int mem_write(const void *data, size_t len, void *userdata)
{
        membuf *m = userdata;
        if (m->len + len > m->max)
                return -1;
        m->buf = berth_xrealloc(m->buf, m->len + len + 1);
        memcpy(m->buf + m->len, data, len);
        m->len += len;
        m->buf[m->len] = '\0';
        return 0;
}

int xfer_get_small_blob(berth_registry *r, const char *repo, const oci_descriptor *d, char **ret,
                        size_t *ret_len, berth_error *err)
{
        if (d->size > BERTH_STORE_MANIFEST_MAX)
                return berth_errx(err, EFBIG, "blob %s is too large (%lld bytes)", d->digest.s,
                                  (long long)d->size);
        membuf m = {.max = BERTH_STORE_MANIFEST_MAX};
        int rc = berth_registry_get_blob(r, repo, &d->digest, d->size, mem_write, NULL, &m, err);
        if (rc < 0) {
                free(m.buf);
                return rc;
        }
        if (m.buf == NULL)
                m.buf = berth_xstrdup("");
        *ret = m.buf;
        *ret_len = m.len;
        return 0;
}

#define DEFAULT_PARALLEL 3

typedef struct {
        xfer *x;
        size_t n, next;
        xfer_task_fn fn;
        void *ctx;
        int rc; /* the first failure, and its message */
        berth_error err;
} pool;

static void *pool_main(void *arg)
{
        pool *p = arg;
        berth_registry *reg = NULL;
        for (;;) {
                pthread_mutex_lock(&p->x->lock);
                size_t i = p->next < p->n ? p->next++ : p->n;
                pthread_mutex_unlock(&p->x->lock);
                if (i >= p->n || atomic_load(&p->x->failed))
                        break;
                berth_error err = {0};
                int r = p->fn(p->ctx, i, &reg, &err);
                if (r < 0) {
                        pthread_mutex_lock(&p->x->lock);
                        if (p->rc == 0) {
                                p->rc = r;
                                p->err = err;
                        }
                        pthread_mutex_unlock(&p->x->lock);
                        atomic_store(&p->x->failed, true);
                        break;
                }
        }
        berth_registry_close(reg);
        return NULL;
}

int xfer_parallel(xfer *x, size_t n, xfer_task_fn fn, void *ctx, berth_error *err)
{
        pool p = {.x = x, .n = n, .fn = fn, .ctx = ctx};
        if (n == 0)
                return 0;
        size_t workers = x->o->max_parallel > 0 ? (size_t)x->o->max_parallel : DEFAULT_PARALLEL;
        if (workers > n)
                workers = n;
        pthread_t *th = berth_xmalloc0(workers * sizeof(*th));
        /* A worker's SIGPIPE (a pipe whose reader stopped) stays pending on it and
         * dies with it; the caller's thread takes the signals meant for the process. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        size_t started = 0;
        int r = 0;
        for (; started < workers; started++)
                if ((r = pthread_create(&th[started], NULL, pool_main, &p)) != 0)
                        break;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        for (size_t i = 0; i < started; i++)
                pthread_join(th[i], NULL);
        free(th);
        if (started == 0)
                return berth_err(err, r, "cannot start a transfer thread");
        if (p.rc < 0) {
                *err = p.err;
                return p.rc;
        }
        return 0;
}
