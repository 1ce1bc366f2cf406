/* SPDX-License-Identifier: Apache-2.0 */
/* Credentials in Docker's config.json / containers' auth.json format. */
#include "registry/auth.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "registry/client-internal.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DOCKER_IO_KEY "https://index.docker.io/v1/"

static const char *env(const char *name)
{
        const char *v = getenv(name);
        return v && *v ? v : NULL;
}

static char *home_docker_config(void)
{
        const char *dc = env("DOCKER_CONFIG");
        if (dc)
                return berth_xasprintf("%s/config.json", dc);
        const char *home = env("HOME");
        if (home)
                return berth_xasprintf("%s/.docker/config.json", home);
        /* getpwuid_r: handles are opened from several threads */
        char buf[4096];
        struct passwd pw, *res = NULL;
        if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) != 0 || res == NULL ||
            res->pw_dir == NULL)
                return berth_xstrdup("/.docker/config.json");
        return berth_xasprintf("%s/.docker/config.json", res->pw_dir);
}

/* The files credentials are read from, in order (NULL-terminated). */
static char **auth_files(void)
{
        char **v = NULL;
        const char *e;
        if ((e = env("BERTH_AUTH_FILE")))
                berth_strv_push(&v, e);
        if ((e = env("REGISTRY_AUTH_FILE")))
                berth_strv_push(&v, e);
        if ((e = env("XDG_RUNTIME_DIR"))) {
                _cleanup_free_ char *p = berth_xasprintf("%s/containers/auth.json", e);
                berth_strv_push(&v, p);
        }
        _cleanup_free_ char *d = home_docker_config();
        berth_strv_push(&v, d);
        return v;
}

char *berth_auth_file(void)
{
        const char *e;
        if ((e = env("BERTH_AUTH_FILE")) || (e = env("REGISTRY_AUTH_FILE")))
                return berth_xstrdup(e);
        if ((e = env("XDG_RUNTIME_DIR"))) {
                char *p = berth_xasprintf("%s/containers/auth.json", e);
                if (access(p, F_OK) == 0)
                        return p;
                free(p);
        }
        return home_docker_config();
}

/* A host or a key of "auths" as docker compares them: no scheme, no path, lowercase, and
 * Docker Hub's names as one. */
static char *normalize(const char *s)
{
        if (strncasecmp(s, "https://", 8) == 0)
                s += 8;
        else if (strncasecmp(s, "http://", 7) == 0)
                s += 7;
        char *h = strndup(s, strcspn(s, "/"));
        if (h == NULL)
                abort();
        for (char *p = h; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        static const char *const hub[] = {"index.docker.io", "registry-1.docker.io",
                                          "registry.hub.docker.com", "docker.io"};
        for (size_t i = 0; i < ARRAY_SIZE(hub); i++)
                if (strcmp(h, hub[i]) == 0) {
                        free(h);
                        return berth_xstrdup("docker.io");
                }
        return h;
}

static bool key_matches(const char *key, const char *host)
{
        _cleanup_free_ char *a = normalize(key);
        _cleanup_free_ char *b = normalize(host);
        return strcmp(a, b) == 0;
}

/* Load path: 0 and *ret (an object), -ENOENT when there is no file, <0 when it is bad. */
static int load(const char *path, json_t **ret, berth_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        berth_error e = {0};
        int k = berth_read_file(path, &data, &len, &e);
        if (k == -ENOENT)
                return -ENOENT;
        if (k < 0) {
                *err = e;
                return berth_wrap(err, "cannot read credentials");
        }
        json_error_t jerr;
        json_t *j = len == 0 ? json_object() : json_loadb(data, len, 0, &jerr);
        if (j == NULL)
                return berth_errx(err, EINVAL, "bad credentials file %s: line %d: %s", path,
                                  jerr.line, jerr.text);
        if (!json_is_object(j) ||
            (json_object_get(j, "auths") && !json_is_object(json_object_get(j, "auths")))) {
                json_decref(j);
                return berth_errx(err, EINVAL,
                                  "bad credentials file %s: not an object with an \"auths\" "
                                  "object",
                                  path);
        }
        *ret = j;
        return 0;
}

static int entry_credentials(const char *path, const char *key, json_t *entry, char **ret_user,
                             char **ret_pass, berth_error *err)
{
        const char *auth = json_string_value(json_object_get(entry, "auth"));
        if (auth && *auth) {
                _cleanup_free_ char *plain = NULL;
                size_t len = 0;
                if (reg_base64_decode(auth, &plain, &len) < 0 || strlen(plain) != len)
                        return berth_errx(err, EINVAL,
                                          "bad credentials file %s: \"auth\" of %s is not base64",
                                          path, key);
                char *colon = strchr(plain, ':');
                if (colon == NULL)
                        return berth_errx(err, EINVAL,
                                          "bad credentials file %s: \"auth\" of %s is not "
                                          "user:password",
                                          path, key);
                *colon = '\0';
                *ret_user = berth_xstrdup(plain);
                *ret_pass = berth_xstrdup(colon + 1);
                explicit_bzero(plain, len);
                return 0;
        }
        /* the older form some tools write */
        const char *u = json_string_value(json_object_get(entry, "username"));
        const char *p = json_string_value(json_object_get(entry, "password"));
        if (u && *u && p) {
                *ret_user = berth_xstrdup(u);
                *ret_pass = berth_xstrdup(p);
                return 0;
        }
        return -ENOENT;
}

int berth_auth_get(const char *host, char **ret_user, char **ret_pass, berth_error *err)
{
        _cleanup_strv_ char **files = auth_files();
        STRV_FOREACH (f, files) {
                json_t *j = NULL;
                int k = load(*f, &j, err);
                if (k == -ENOENT)
                        continue;
                if (k < 0)
                        return k;
                /* an exact key first, then any that means the same host */
                json_t *auths = json_object_get(j, "auths");
                json_t *entry = json_object_get(auths, host);
                const char *key = host;
                if (entry == NULL) {
                        const char *kk;
                        json_t *v;
                        json_object_foreach (auths, kk, v) {
                                if (key_matches(kk, host)) {
                                        entry = v;
                                        key = kk;
                                        break;
                                }
                        }
                }
                k = entry ? entry_credentials(*f, key, entry, ret_user, ret_pass, err) : -ENOENT;
                json_decref(j);
                if (k != -ENOENT)
                        return k;
        }
        return -ENOENT;
}

static int save(const char *path, json_t *j, berth_error *err)
{
        _cleanup_free_ char *dir = berth_xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                int k = berth_mkdir_p(dir, 0700, err);
                if (k < 0)
                        return berth_wrap(err, "cannot save credentials");
        }
        _cleanup_free_ char *text = json_dumps(j, JSON_INDENT(8) | JSON_PRESERVE_ORDER);
        if (text == NULL)
                return berth_errx(err, ENOMEM, "cannot save credentials to %s", path);
        size_t len = strlen(text);
        text = berth_xrealloc(text, len + 2);
        text[len++] = '\n';
        text[len] = '\0';
        int k = berth_write_file_atomic(path, text, len, 0600, err);
        if (k < 0)
                return berth_wrap(err, "cannot save credentials");
        return 0;
}

/* Remove every key of auths that means host; returns how many. */
static int drop_host(json_t *auths, const char *host)
{
        int n = 0;
        const char *kk;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(auths, tmp, kk, v)
        {
                if (key_matches(kk, host)) {
                        json_object_del(auths, kk);
                        n++;
                }
        }
        return n;
}

int berth_auth_set(const char *host, const char *user, const char *pass, berth_error *err)
{
        if (host == NULL || *host == '\0')
                return berth_errx(err, EINVAL, "cannot save credentials: no registry host");
        if (user == NULL || *user == '\0' || strchr(user, ':'))
                return berth_errx(err, EINVAL,
                                  "cannot save credentials for %s: the username must be "
                                  "non-empty and without ':'",
                                  host);
        _cleanup_free_ char *path = berth_auth_file();
        json_t *j = NULL;
        int k = load(path, &j, err);
        if (k == -ENOENT)
                j = json_object();
        else if (k < 0)
                return berth_wrap(err, "cannot save credentials for %s", host);
        json_t *auths = json_object_get(j, "auths");
        if (auths == NULL) {
                auths = json_object();
                json_object_set_new(j, "auths", auths);
        }
        drop_host(auths, host);
        _cleanup_free_ char *norm = normalize(host);
        const char *key = strcmp(norm, "docker.io") == 0 ? DOCKER_IO_KEY : norm;
        _cleanup_free_ char *up = berth_xasprintf("%s:%s", user, pass ? pass : "");
        _cleanup_free_ char *b = reg_base64_encode(up, strlen(up));
        explicit_bzero(up, strlen(up));
        json_object_set_new(auths, key, json_pack("{s:s}", "auth", b));
        k = save(path, j, err);
        json_decref(j);
        return k;
}

int berth_auth_remove(const char *host, berth_error *err)
{
        _cleanup_strv_ char **files = auth_files();
        int removed = 0;
        STRV_FOREACH (f, files) {
                json_t *j = NULL;
                int k = load(*f, &j, err);
                if (k == -ENOENT)
                        continue;
                if (k < 0)
                        return berth_wrap(err, "cannot remove credentials for %s", host);
                int n = drop_host(json_object_get(j, "auths"), host);
                k = n > 0 ? save(*f, j, err) : 0;
                json_decref(j);
                if (k < 0)
                        return k;
                removed += n;
        }
        if (removed == 0)
                return berth_errx(err, ENOENT, "not logged in to %s", host);
        return 0;
}
