/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry auth: WWW-Authenticate challenges (RFC 7235), Basic credentials,
 * and Bearer tokens from the realm the registry names (docker's token
 * protocol: GET realm?service=…&scope=…, answered with {"token" or
 * "access_token", "expires_in", "issued_at"}), cached per scope until they
 * expire.
 */
#include "base/cleanup.h"
#include "base/strutil.h"
#include "base/units.h"
#include "registry/client-internal.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

/* A cached token is not used in its last seconds: it could expire on the way. */
#define TOKEN_MARGIN_S 10
/* A token's life when the server does not say: the protocol's default and minimum. */
#define TOKEN_DEFAULT_S 60

static bool is_tchar(char c)
{
        return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~/", c));
}

static void challenge_free(reg_challenge *c)
{
        if (c == NULL)
                return;
        free(c->scheme);
        berth_strv_free(c->keys);
        berth_strv_free(c->values);
        free(c);
}

void reg_challenges_free(reg_challenge **list)
{
        for (reg_challenge **c = list; c && *c; c++)
                challenge_free(*c);
        free(list);
}

static void push_challenge(reg_challenge ***list, reg_challenge *c)
{
        size_t n = 0;
        while (*list && (*list)[n])
                n++;
        *list = berth_xrealloc(*list, (n + 2) * sizeof(**list));
        (*list)[n] = c;
        (*list)[n + 1] = NULL;
}

static char *lowered(const char *s, size_t n)
{
        char *out = strndup(s, n);
        if (out == NULL)
                abort();
        for (char *p = out; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        return out;
}

int reg_parse_challenges(const char *header, reg_challenge ***list)
{
        reg_challenge *cur = NULL;
        int found = 0;
        const char *p = header;
        for (;;) {
                while (*p == ' ' || *p == '\t' || *p == ',')
                        p++;
                if (*p == '\0')
                        return found;
                const char *tok = p;
                while (is_tchar(*p))
                        p++;
                size_t toklen = (size_t)(p - tok);
                if (toklen == 0)
                        return -EINVAL;
                const char *after = p;
                while (*after == ' ' || *after == '\t')
                        after++;
                if (*after != '=') {
                        /* a token not followed by '=': the scheme of a new challenge */
                        cur = berth_xmalloc0(sizeof(*cur));
                        cur->scheme = lowered(tok, toklen);
                        push_challenge(list, cur);
                        found++;
                        continue;
                }
                if (cur == NULL)
                        return -EINVAL;
                p = after + 1;
                while (*p == ' ' || *p == '\t')
                        p++;
                _cleanup_free_ char *value = NULL;
                if (*p == '"') {
                        p++;
                        size_t cap = strlen(p) + 1, n = 0;
                        value = berth_xmalloc0(cap);
                        for (; *p && *p != '"'; p++) {
                                if (*p == '\\' && p[1])
                                        p++;
                                value[n++] = *p;
                        }
                        if (*p != '"')
                                return -EINVAL; /* unterminated */
                        p++;
                } else {
                        const char *v = p;
                        while (*p && *p != ',' && *p != ' ' && *p != '\t')
                                p++;
                        if (p == v || *v == '=') {
                                /* a token68 ("Negotiate abc=="): not a parameter, skip it */
                                while (*p == '=')
                                        p++;
                                continue;
                        }
                        value = strndup(v, (size_t)(p - v));
                }
                _cleanup_free_ char *key = lowered(tok, toklen);
                berth_strv_push(&cur->keys, key);
                berth_strv_push(&cur->values, value);
        }
}

const char *reg_challenge_param(const reg_challenge *c, const char *key)
{
        for (size_t i = 0; c->keys && c->keys[i]; i++)
                if (strcmp(c->keys[i], key) == 0)
                        return c->values[i];
        return NULL;
}

void reg_tokens_free(reg_token *t)
{
        while (t) {
                reg_token *next = t->next;
                free(t->scope);
                free(t->token);
                free(t);
                t = next;
        }
}

static reg_token *token_find(berth_registry *r, const char *key)
{
        for (reg_token *t = r->tokens; t; t = t->next)
                if (strcmp(t->scope, key) == 0)
                        return t;
        return NULL;
}

static void token_drop(berth_registry *r, const char *key)
{
        for (reg_token **pp = &r->tokens; *pp; pp = &(*pp)->next) {
                if (strcmp((*pp)->scope, key) == 0) {
                        reg_token *t = *pp;
                        *pp = t->next;
                        t->next = NULL;
                        reg_tokens_free(t);
                        return;
                }
        }
}

static char *basic_value(berth_registry *r)
{
        _cleanup_free_ char *up =
            berth_xasprintf("%s:%s", r->username, r->password ? r->password : "");
        _cleanup_free_ char *b = reg_base64_encode(up, strlen(up));
        return berth_xasprintf("Basic %s", b);
}

/* Every scope of want and of extra (space-separated), once each, as query params of url. */
static char *token_url(const char *realm, const char *service, const char *want, const char *extra)
{
        char *url = berth_xstrdup(realm);
        if (service && *service) {
                char *u = reg_url_add_query(url, "service", service);
                free(url);
                url = u;
        }
        _cleanup_strv_ char **seen = NULL;
        const char *lists[] = {want, extra};
        for (size_t i = 0; url && i < ARRAY_SIZE(lists); i++) {
                if (lists[i] == NULL)
                        continue;
                _cleanup_free_ char *copy = berth_xstrdup(lists[i]);
                char *save = NULL;
                for (char *s = strtok_r(copy, " ", &save); s && url;
                     s = strtok_r(NULL, " ", &save)) {
                        if (berth_strv_contains(seen, s))
                                continue;
                        berth_strv_push(&seen, s);
                        char *u = reg_url_add_query(url, "scope", s);
                        free(url);
                        url = u;
                }
        }
        return url;
}

static int fetch_token(berth_registry *r, const char *scope, const char *extra_scope,
                       char **ret_token, berth_error *err)
{
        _cleanup_req_ reg_req q = {.method = "GET", .body.fd = -1, .max = 1024 * 1024};
        _cleanup_free_ char *basic = r->username ? basic_value(r) : NULL;
        _cleanup_free_ char *what = berth_xasprintf("cannot get a token from %s", r->realm);
        q.url = token_url(r->realm, r->service, scope, extra_scope);
        if (q.url == NULL)
                return berth_errx(err, EPROTO, "%s: bad realm", what);
        int k = reg_perform(r, &q, basic, r->realm, true, what, err);
        if (k < 0)
                return k;
        if (q.status == 401 && r->username)
                return reg_http_error(&q, err, "%s for %s", what, r->username);
        if (q.status != 200)
                return reg_http_error(&q, err, "%s", what);

        json_error_t jerr;
        _cleanup_json_ json_t *j = json_loadb(q.resp ? q.resp : "", q.resp_len, 0, &jerr);
        if (!json_is_object(j))
                return berth_errx(err, EPROTO, "%s: bad token response: %s", what, jerr.text);
        const char *tok = json_string_value(json_object_get(j, "token"));
        if (tok == NULL || *tok == '\0')
                tok = json_string_value(json_object_get(j, "access_token"));
        if (tok == NULL || *tok == '\0')
                return berth_errx(err, EPROTO, "%s: the response has no token", what);
        json_t *ein = json_object_get(j, "expires_in");
        long long life = json_is_number(ein) ? (long long)json_number_value(ein) : 0;
        if (life < TOKEN_DEFAULT_S)
                life = TOKEN_DEFAULT_S;
        time_t now = time(NULL);
        time_t expires = now + life;
        const char *iat = json_string_value(json_object_get(j, "issued_at"));
        int64_t issued = iat ? berth_parse_rfc3339(iat) : -1;
        /* from issued_at when given, unless the server's clock makes it expired already */
        if (issued > 0 && issued + life > now)
                expires = (time_t)(issued + life);

        const char *key = scope ? scope : "";
        token_drop(r, key);
        reg_token *t = berth_xmalloc0(sizeof(*t));
        t->scope = berth_xstrdup(key);
        t->token = berth_xstrdup(tok);
        t->expires = expires;
        t->next = r->tokens;
        r->tokens = t;
        if (ret_token)
                *ret_token = berth_xstrdup(tok);
        return 0;
}

int reg_fetch_token(berth_registry *r, const char *scope, char **ret_token, berth_error *err)
{
        if (r->realm == NULL)
                return berth_errx(err, EINVAL, "no token realm known for %s", r->host);
        return fetch_token(r, scope, NULL, ret_token, err);
}

int reg_auth_header(berth_registry *r, const char *scope, char **ret, berth_error *err)
{
        *ret = NULL;
        if (r->auth_kind == REG_AUTH_BASIC) {
                if (r->username)
                        *ret = basic_value(r);
                return 0;
        }
        if (r->auth_kind != REG_AUTH_BEARER)
                return 0;
        reg_token *t = token_find(r, scope ? scope : "");
        if (t && t->expires - TOKEN_MARGIN_S > time(NULL)) {
                *ret = berth_xasprintf("Bearer %s", t->token);
                return 0;
        }
        /* the registry wants tokens: get this scope's before asking, saving a 401 */
        _cleanup_free_ char *tok = NULL;
        int k = reg_fetch_token(r, scope, &tok, err);
        if (k < 0)
                return k;
        *ret = berth_xasprintf("Bearer %s", tok);
        return 0;
}

int reg_auth_challenged(berth_registry *r, reg_req *q, berth_error *err)
{
        reg_challenge **list = NULL;
        STRV_FOREACH (h, q->www_auth)
                reg_parse_challenges(*h, &list); /* what parsed before garbage is kept */
        const reg_challenge *bearer = NULL, *basic = NULL;
        for (reg_challenge **c = list; c && *c; c++) {
                if (strcmp((*c)->scheme, "bearer") == 0 && !bearer &&
                    reg_challenge_param(*c, "realm"))
                        bearer = *c;
                else if (strcmp((*c)->scheme, "basic") == 0 && !basic)
                        basic = *c;
        }
        int k = 0;
        if (bearer) {
                const char *realm = reg_challenge_param(bearer, "realm");
                if (!berth_str_has_prefix(realm, "https://") &&
                    !berth_str_has_prefix(realm, "http://")) {
                        k = berth_errx(err, EPROTO, "bad token realm '%s'", realm);
                } else {
                        free(r->realm);
                        free(r->service);
                        r->realm = berth_xstrdup(realm);
                        const char *svc = reg_challenge_param(bearer, "service");
                        r->service = svc ? berth_xstrdup(svc) : NULL;
                        r->auth_kind = REG_AUTH_BEARER;
                        /* the token we sent (if any) is not enough: a new one, for our scope
                         * and the one the registry names */
                        token_drop(r, q->scope ? q->scope : "");
                        k = fetch_token(r, q->scope, reg_challenge_param(bearer, "scope"), NULL,
                                        err);
                }
        } else if (basic && r->username) {
                if (r->auth_kind == REG_AUTH_BASIC)
                        k = reg_http_error(q, err, "%s", ""); /* sent, refused */
                r->auth_kind = REG_AUTH_BASIC;
        } else {
                /* no challenge we can answer (or Basic and no credentials) */
                k = reg_http_error(q, err, "%s", "");
        }
        reg_challenges_free(list);
        return k;
}
