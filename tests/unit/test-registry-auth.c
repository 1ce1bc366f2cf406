/* SPDX-License-Identifier: Apache-2.0 */
/* Credentials files (registry/auth.h) in a temp HOME / DOCKER_CONFIG. */
#include "base/fs.h"
#include "base/strutil.h"
#include "registry/auth.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp[] = "/tmp/berth-test-auth.XXXXXX";

static void clean_env(void)
{
        unsetenv("BERTH_AUTH_FILE");
        unsetenv("REGISTRY_AUTH_FILE");
        unsetenv("XDG_RUNTIME_DIR");
        unsetenv("DOCKER_CONFIG");
        setenv("HOME", tmp, 1);
}

static char *path(const char *rel)
{
        return berth_xasprintf("%s/%s", tmp, rel);
}

static void write_text(const char *rel, const char *text)
{
        char *p = path(rel);
        char *dir = berth_xstrdup(p);
        *strrchr(dir, '/') = '\0';
        berth_mkdir_p(dir, 0700, NULL);
        berth_write_file(p, text, strlen(text), O_CREAT, NULL);
        free(dir);
        free(p);
}

static json_t *load(const char *rel)
{
        char *p = path(rel);
        json_t *j = json_load_file(p, 0, NULL);
        free(p);
        return j;
}

static void check_get(const char *host, const char *user, const char *pass, const char *name)
{
        char *u = NULL, *p = NULL;
        berth_error err = {0};
        int k = berth_auth_get(host, &u, &p, &err);
        if (!ok(k == 0, "%s: found", name))
                printf("#   %d %s\n", k, err.msg);
        is_str(u, user, "%s: user", name);
        is_str(p, pass, "%s: password", name);
        free(u);
        free(p);
}

static void test_default_file(void)
{
        clean_env();
        berth_error err = {0};
        char *f = berth_auth_file();
        char *want = path(".docker/config.json");
        is_str(f, want, "login writes ~/.docker/config.json by default");
        free(f);

        char *u = NULL, *p = NULL;
        is_int(berth_auth_get("127.0.0.1:5000", &u, &p, &err), -ENOENT, "nothing yet");
        ok(u == NULL && p == NULL, "outputs untouched");

        /* other keys of the file are kept */
        write_text(".docker/config.json",
                   "{\"auths\":{\"other.example\":{\"auth\":\"eDp5\"}},\"psFormat\":\"{{.ID}}\","
                   "\"credHelpers\":{\"gcr.io\":\"gcloud\"}}");
        is_int(berth_auth_set("127.0.0.1:5000", "alice", "s3cr:et", &err), 0, "set");
        struct stat st;
        ok(stat(want, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
        json_t *j = load(".docker/config.json");
        is_str(json_string_value(json_object_get(j, "psFormat")), "{{.ID}}", "psFormat kept");
        ok(json_object_get(j, "credHelpers") != NULL, "credHelpers kept");
        json_t *auths = json_object_get(j, "auths");
        is_str(json_string_value(json_object_get(json_object_get(auths, "other.example"), "auth")),
               "eDp5", "other host kept");
        is_str(json_string_value(json_object_get(json_object_get(auths, "127.0.0.1:5000"), "auth")),
               "YWxpY2U6czNjcjpldA==", "base64(user:pass)");
        json_decref(j);
        check_get("127.0.0.1:5000", "alice", "s3cr:et", "password with a colon");
        check_get("other.example", "x", "y", "an entry we did not write");
        check_get("HTTPS://127.0.0.1:5000/v2/", "alice", "s3cr:et", "scheme and path ignored");

        /* set again replaces, also a key written with a scheme */
        write_text(".docker/config.json",
                   "{\"auths\":{\"https://127.0.0.1:5000\":{\"auth\":\"eDp5\"}}}");
        is_int(berth_auth_set("127.0.0.1:5000", "bob", "pw", &err), 0, "set over a scheme key");
        j = load(".docker/config.json");
        auths = json_object_get(j, "auths");
        is_int(json_object_size(auths), 1, "one key for the host");
        ok(json_object_get(auths, "127.0.0.1:5000") != NULL, "under host:port");
        json_decref(j);
        check_get("127.0.0.1:5000", "bob", "pw", "replaced");

        is_int(berth_auth_remove("127.0.0.1:5000", &err), 0, "remove");
        is_int(berth_auth_get("127.0.0.1:5000", &u, &p, &err), -ENOENT, "gone");
        is_int(berth_auth_remove("127.0.0.1:5000", &err), -ENOENT, "remove again");
        is_str(err.msg, "not logged in to 127.0.0.1:5000", "message");
        is_int(berth_auth_set("h", "a:b", "p", &err), -EINVAL, "user with ':' refused");
        is_int(berth_auth_set("h", "", "p", &err), -EINVAL, "empty user refused");
        free(want);
}

static void test_docker_io(void)
{
        clean_env();
        berth_error err = {0};
        is_int(berth_auth_set("docker.io", "hubuser", "hubpw", &err), 0, "set docker.io");
        json_t *j = load(".docker/config.json");
        ok(json_object_get(json_object_get(j, "auths"), "https://index.docker.io/v1/") != NULL,
           "docker.io is stored under https://index.docker.io/v1/");
        json_decref(j);
        check_get("registry-1.docker.io", "hubuser", "hubpw", "registry-1.docker.io");
        check_get("index.docker.io", "hubuser", "hubpw", "index.docker.io");
        check_get("docker.io", "hubuser", "hubpw", "docker.io");
        is_int(berth_auth_set("index.docker.io", "hub2", "pw2", &err), 0, "set an alias");
        j = load(".docker/config.json");
        is_int(json_object_size(json_object_get(j, "auths")), 1, "still one key");
        json_decref(j);
        is_int(berth_auth_remove("registry-1.docker.io", &err), 0, "remove by another alias");
}

static void test_order_and_env(void)
{
        clean_env();
        berth_error err = {0};
        /* DOCKER_CONFIG moves the docker file */
        char *dc = path("dockercfg");
        setenv("DOCKER_CONFIG", dc, 1);
        char *f = berth_auth_file();
        char *want = path("dockercfg/config.json");
        is_str(f, want, "$DOCKER_CONFIG/config.json");
        free(f);
        free(want);
        is_int(berth_auth_set("h.example", "d", "1", &err), 0, "set into DOCKER_CONFIG");

        /* XDG_RUNTIME_DIR's auth.json is read first, but written only when it exists */
        char *xdg = path("xdg");
        setenv("XDG_RUNTIME_DIR", xdg, 1);
        f = berth_auth_file();
        want = path("dockercfg/config.json");
        is_str(f, want, "no containers/auth.json: still the docker file");
        free(f);
        free(want);
        write_text("xdg/containers/auth.json",
                   "{\"auths\":{\"h.example\":{\"username\":\"x\",\"password\":\"2\"}}}");
        check_get("h.example", "x", "2", "auth.json first, username/password form");
        f = berth_auth_file();
        want = path("xdg/containers/auth.json");
        is_str(f, want, "an existing containers/auth.json is the login file");
        free(f);
        free(want);

        /* REGISTRY_AUTH_FILE and BERTH_AUTH_FILE come first, even when they do not exist */
        char *reg = path("reg.json");
        setenv("REGISTRY_AUTH_FILE", reg, 1);
        f = berth_auth_file();
        is_str(f, reg, "REGISTRY_AUTH_FILE");
        free(f);
        char *berth = path("sub/dir/berth.json");
        setenv("BERTH_AUTH_FILE", berth, 1);
        f = berth_auth_file();
        is_str(f, berth, "BERTH_AUTH_FILE before it");
        free(f);
        is_int(berth_auth_set("h.example", "b", "3", &err), 0, "set makes the dirs");
        check_get("h.example", "b", "3", "BERTH_AUTH_FILE wins");
        struct stat st;
        char *sub = path("sub/dir");
        ok(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700, "new dirs 0700");
        free(sub);
        /* remove takes it out of every file */
        is_int(berth_auth_remove("h.example", &err), 0, "remove everywhere");
        char *u = NULL, *p = NULL;
        is_int(berth_auth_get("h.example", &u, &p, &err), -ENOENT, "none left in any file");
        free(dc);
        free(xdg);
        free(reg);
        free(berth);
}

static void test_bad_files(void)
{
        clean_env();
        berth_error err = {0};
        char *u = NULL, *p = NULL;
        write_text(".docker/config.json", "{\"auths\": {");
        is_int(berth_auth_get("h", &u, &p, &err), -EINVAL, "bad JSON is an error");
        char *want = path(".docker/config.json");
        like(err.msg, "bad credentials file ", "message says so");
        like(err.msg, want, "and names the file");
        is_int(berth_auth_set("h", "a", "b", &err), -EINVAL, "set will not overwrite it");
        like(err.msg, "cannot save credentials for h: bad credentials file", "set's message");
        char *text = NULL;
        berth_read_file(want, &text, NULL, NULL);
        is_str(text, "{\"auths\": {", "the file is as it was");
        free(text);
        write_text(".docker/config.json", "{\"auths\": []}");
        is_int(berth_auth_get("h", &u, &p, &err), -EINVAL, "auths not an object");
        write_text(".docker/config.json", "{\"auths\": {\"h\": {\"auth\": \"!!!\"}}}");
        is_int(berth_auth_get("h", &u, &p, &err), -EINVAL, "auth not base64");
        like(err.msg, "\"auth\" of h is not base64", "message");
        write_text(".docker/config.json", "{\"auths\": {\"h\": {\"auth\": \"eHk=\"}}}");
        is_int(berth_auth_get("h", &u, &p, &err), -EINVAL, "auth without a colon");
        like(err.msg, "is not user:password", "message");
        write_text(".docker/config.json", "{\"auths\": {\"h\": {\"auth\": \"\"}}}");
        is_int(berth_auth_get("h", &u, &p, &err), -ENOENT, "empty auth: none (a helper's)");
        write_text(".docker/config.json", "");
        is_int(berth_auth_get("h", &u, &p, &err), -ENOENT, "empty file: none");
        is_int(berth_auth_set("h", "a", "b", &err), 0, "an empty file is written");
        check_get("h", "a", "b", "after the empty file");
        free(want);
}

int main(void)
{
        if (mkdtemp(tmp) == NULL)
                return 1;
        test_default_file();
        test_docker_io();
        test_order_and_env();
        test_bad_files();
        berth_rm_rf(tmp, NULL);
        return tap_done();
}
