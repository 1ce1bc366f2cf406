/* SPDX-License-Identifier: Apache-2.0 */
/* Docker image references: grammar, normalisation, familiar forms. */
#include "reference.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DOMAIN  "docker.io"
#define LEGACY_DOMAIN   "index.docker.io"
#define OFFICIAL_PREFIX "library/"
#define DEFAULT_TAG     "latest"
#define PATH_MAX_LEN    255
#define TAG_MAX_LEN     128

/* ASCII classes; never the locale's. */
static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
        return is_alnum(c) || c == '_';
}

static bool is_hex_lower(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool has_upper(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (s[i] >= 'A' && s[i] <= 'Z')
                        return true;
        return false;
}

/* [a-z0-9]+ (separator [a-z0-9]+)* where separator is ".", "_", "__" or "-"+. */
static bool valid_component(const char *c, size_t n)
{
        size_t i = 0;
        for (;;) {
                size_t start = i;
                while (i < n && is_lower_alnum(c[i]))
                        i++;
                if (i == start)
                        return false;
                if (i == n)
                        return true;
                if (c[i] == '.') {
                        i++;
                } else if (c[i] == '_') {
                        i++;
                        if (i < n && c[i] == '_')
                                i++;
                } else if (c[i] == '-') {
                        while (i < n && c[i] == '-')
                                i++;
                } else {
                        return false;
                }
        }
}

/* The first invalid "/"-separated component of path (its start, *ret_len its length). */
static const char *invalid_component(const char *path, size_t *ret_len)
{
        const char *p = path;
        for (;;) {
                const char *slash = strchr(p, '/');
                size_t n = slash ? (size_t)(slash - p) : strlen(p);
                if (!valid_component(p, n)) {
                        *ret_len = n;
                        return p;
                }
                if (slash == NULL)
                        return NULL;
                p = slash + 1;
        }
}

/* host [":" port]; host is DNS-like components ([a-zA-Z0-9] or [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9],
 * joined by ".") or "[" [a-fA-F0-9:]+ "]"; port is [0-9]+. */
static bool valid_domain(const char *d)
{
        const char *p = d;
        if (*p == '[') {
                p++;
                const char *start = p;
                while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
                       (*p >= 'A' && *p <= 'F') || *p == ':')
                        p++;
                if (p == start || *p != ']')
                        return false;
                p++;
        } else {
                for (;;) {
                        if (!is_alnum(*p))
                                return false;
                        while (is_alnum(*p) || *p == '-')
                                p++;
                        if (p[-1] == '-')
                                return false;
                        if (*p != '.')
                                break;
                        p++;
                }
        }
        if (*p == ':') {
                p++;
                if (!(*p >= '0' && *p <= '9'))
                        return false;
                while (*p >= '0' && *p <= '9')
                        p++;
        }
        return *p == '\0';
}

static bool valid_tag(const char *t)
{
        size_t n = strlen(t);
        if (n == 0 || n > TAG_MAX_LEN || !is_word(t[0]))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!is_word(t[i]) && t[i] != '.' && t[i] != '-')
                        return false;
        return true;
}

static bool all_hex(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!is_hex_lower(s[i]))
                        return false;
        return true;
}

static int invalid(berth_error *err, const char *s, const char *why)
{
        return berth_errx(err, EINVAL, "invalid reference format: %s: '%s'", why, s);
}

/*
 * Split s into domain and the rest, as Docker does: the first element is a
 * domain only when it looks like one. *ret_rest points into s, or is a new
 * string (*ret_owned) when "library/" had to be put in front.
 */
static void split_domain(const char *s, char **ret_domain, const char **ret_rest, char **ret_owned)
{
        const char *slash = strchr(s, '/');
        char *domain = NULL;
        const char *rest = s;
        if (slash) {
                size_t n = (size_t)(slash - s);
                bool is_domain = (n == 9 && strncmp(s, "localhost", 9) == 0) || memchr(s, '.', n) ||
                                 memchr(s, ':', n) || has_upper(s, n);
                if (is_domain) {
                        domain = strndup(s, n);
                        if (domain == NULL)
                                abort();
                        rest = slash + 1;
                        if (strcmp(domain, LEGACY_DOMAIN) == 0) {
                                free(domain);
                                domain = NULL;
                        }
                }
        }
        *ret_owned = NULL;
        if (domain == NULL) {
                domain = berth_xstrdup(DEFAULT_DOMAIN);
                if (strchr(rest, '/') == NULL)
                        rest = *ret_owned = berth_xasprintf(OFFICIAL_PREFIX "%s", rest);
        } else if (strcmp(domain, DEFAULT_DOMAIN) == 0 && strchr(rest, '/') == NULL) {
                rest = *ret_owned = berth_xasprintf(OFFICIAL_PREFIX "%s", rest);
        }
        *ret_domain = domain;
        *ret_rest = rest;
}

int berth_ref_parse(const char *s, berth_ref *ret, berth_error *err)
{
        _cleanup_free_ char *domain = NULL, *owned = NULL, *path = NULL, *tag = NULL;
        const char *rest;
        berth_digest digest;
        bool has_digest = false;

        if (s == NULL || s[0] == '\0')
                return invalid(err, "", "repository name must have at least one component");
        if (strlen(s) == 64 && all_hex(s, 64))
                return berth_errx(err, EINVAL,
                                  "invalid repository name: cannot specify 64-byte hexadecimal "
                                  "strings: '%s'",
                                  s);

        split_domain(s, &domain, &rest, &owned);

        /* rest is path [":" tag] ["@" digest]; neither path nor tag has ":" or "@". */
        const char *at = strchr(rest, '@');
        size_t name_len = at ? (size_t)(at - rest) : strlen(rest);
        const char *colon = memchr(rest, ':', name_len);
        size_t path_len = colon ? (size_t)(colon - rest) : name_len;
        path = strndup(rest, path_len);
        if (path == NULL)
                abort();
        if (colon) {
                tag = strndup(colon + 1, name_len - path_len - 1);
                if (tag == NULL)
                        abort();
        }

        if (has_upper(path, path_len))
                return invalid(err, s, "repository name must be lowercase");
        if (strcmp(domain, DEFAULT_DOMAIN) != 0 && !valid_domain(domain)) {
                _cleanup_free_ char *why = berth_xasprintf("invalid domain '%s'", domain);
                return invalid(err, s, why);
        }
        size_t bad_len;
        const char *bad = invalid_component(path, &bad_len);
        if (bad) {
                _cleanup_free_ char *why =
                    berth_xasprintf("invalid path component '%.*s'", (int)bad_len, bad);
                return invalid(err, s, why);
        }
        if (path_len > PATH_MAX_LEN)
                return invalid(err, s, "repository name must not be more than 255 characters");
        if (tag && !valid_tag(tag)) {
                _cleanup_free_ char *why = berth_xasprintf("invalid tag '%s'", tag);
                return invalid(err, s, why);
        }
        if (at) {
                berth_error derr = {0};
                if (berth_digest_parse(at + 1, &digest, &derr) < 0)
                        return invalid(err, s, derr.msg);
                has_digest = true;
        }
        if (tag == NULL && !has_digest)
                tag = berth_xstrdup(DEFAULT_TAG);

        ret->domain = TAKE_PTR(domain);
        ret->path = TAKE_PTR(path);
        ret->tag = TAKE_PTR(tag);
        ret->has_digest = has_digest;
        if (has_digest)
                ret->digest = digest;
        else
                memset(&ret->digest, 0, sizeof(ret->digest));
        return 0;
}

void berth_ref_clear(berth_ref *ref)
{
        if (ref == NULL)
                return;
        free(ref->domain);
        free(ref->path);
        free(ref->tag);
        memset(ref, 0, sizeof(*ref));
}

/* name, then ":tag" and "@digest" when present. */
static char *with_suffixes(const berth_ref *ref, const char *name)
{
        return berth_xasprintf("%s%s%s%s%s", name, ref->tag ? ":" : "", ref->tag ? ref->tag : "",
                               ref->has_digest ? "@" : "", ref->has_digest ? ref->digest.s : "");
}

char *berth_ref_name(const berth_ref *ref)
{
        return berth_xasprintf("%s/%s", ref->domain, ref->path);
}

char *berth_ref_string(const berth_ref *ref)
{
        _cleanup_free_ char *name = berth_ref_name(ref);
        return with_suffixes(ref, name);
}

char *berth_ref_repository(const berth_ref *ref)
{
        if (strcmp(ref->domain, DEFAULT_DOMAIN) != 0)
                return berth_ref_name(ref);
        const char *p = ref->path;
        if (berth_str_has_prefix(p, OFFICIAL_PREFIX) &&
            strchr(p + strlen(OFFICIAL_PREFIX), '/') == NULL)
                p += strlen(OFFICIAL_PREFIX);
        return berth_xstrdup(p);
}

char *berth_ref_familiar(const berth_ref *ref)
{
        _cleanup_free_ char *repo = berth_ref_repository(ref);
        return with_suffixes(ref, repo);
}

bool berth_ref_looks_like_id(const char *s)
{
        if (s == NULL)
                return false;
        if (berth_str_has_prefix(s, "sha256:"))
                s += 7;
        size_t n = strlen(s);
        return n >= 3 && n <= 64 && all_hex(s, n);
}

char *berth_ref_familiar_of(const char *full)
{
        berth_ref ref = {0};
        if (berth_ref_parse(full, &ref, NULL) < 0)
                return berth_xstrdup(full);
        char *f = berth_ref_familiar(&ref);
        berth_ref_clear(&ref);
        return f;
}
