/* SPDX-License-Identifier: Apache-2.0 */
/* pull/push without a registry: names, insecure hosts, login servers, refusals. */
#include "base/fs.h"
#include "base/strutil.h"
#include "registry/pull.h"
#include "registry/transfer-internal.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_servers(void)
{
        static const struct {
                const char *in, *want;
        } cases[] = {
            {NULL, "docker.io"},
            {"", "docker.io"},
            {"docker.io", "docker.io"},
            {"index.docker.io", "docker.io"},
            {"https://index.docker.io/v1/", "docker.io"},
            {"registry-1.docker.io", "docker.io"},
            {"127.0.0.1:5000", "127.0.0.1:5000"},
            {"http://127.0.0.1:5000/", "127.0.0.1:5000"},
            {"https://reg.example:443/v2/", "reg.example:443"},
            {"[::1]:5000", "[::1]:5000"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *got = berth_registry_server(cases[i].in);
                is_str(got, cases[i].want, "server '%s'", cases[i].in ? cases[i].in : "(null)");
                free(got);
        }
}

static void test_loopback(void)
{
        static const struct {
                const char *host;
                bool want;
        } cases[] = {
            {"localhost", true},       {"localhost:5000", true},
            {"LOCALHOST:1", true},     {"127.0.0.1", true},
            {"127.0.0.1:5000", true},  {"127.9.8.7:80", true},
            {"[::1]:5000", true},      {"::1", true},
            {"128.0.0.1:5000", false}, {"10.0.0.1:5000", false},
            {"docker.io", false},      {"localhost.evil:5000", false},
            {"[::2]:5000", false},     {"1270.0.0.1", false},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                ok(xfer_host_is_loopback(cases[i].host) == cases[i].want, "%s is %sloopback",
                   cases[i].host, cases[i].want ? "" : "not ");
}

static void test_insecure(void)
{
        setenv("BERTH_INSECURE_REGISTRIES", " reg.a:5000, \"reg.b\" ,[reg.c:1],,reg.a:5000", 1);
        char **v = berth_insecure_registries();
        /* the host's /etc/berth/registries.conf may add more: ours come first */
        ok(berth_strv_length(v) >= 3, "three from the environment");
        ok(v[0] && strcmp(v[0], "reg.a:5000") == 0, "spaces dropped: %s", v[0] ? v[0] : "");
        ok(v[1] && strcmp(v[1], "reg.b") == 0, "quotes dropped");
        ok(v[2] && strcmp(v[2], "reg.c:1") == 0, "brackets dropped");
        ok(berth_strv_contains(v, "reg.a:5000") && !berth_strv_contains(v, ""),
           "no empty entries, no duplicates");
        unsetenv("BERTH_INSECURE_REGISTRIES");

        berth_transfer_opts o = {.insecure_registries = v};
        static const struct {
                const char *domain;
                bool want;
        } cases[] = {
            {"reg.a:5000", true},  {"reg.a:5001", false}, {"reg.b:443", true},
            {"reg.b", true},       {"reg.c:1", true},     {"reg.c:2", false},
            {"127.0.0.1:1", true}, {"localhost", true},   {"other.example", false},
            {"docker.io", false},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                xfer x;
                xfer_init(&x, &o, cases[i].domain);
                ok(x.ro.insecure == cases[i].want, "%s is %sinsecure", cases[i].domain,
                   cases[i].want ? "" : "not ");
                xfer_clear(&x);
        }
        xfer x;
        xfer_init(&x, &o, "docker.io");
        is_str(x.host, "registry-1.docker.io", "docker.io is reached at registry-1.docker.io");
        xfer_clear(&x);
        berth_transfer_opts secure = {.registry = {.insecure = true}};
        xfer_init(&x, &secure, "example.org");
        ok(x.ro.insecure, "the caller's insecure flag stays");
        xfer_clear(&x);
        berth_strv_free(v);
}

static void test_refusals(const char *root)
{
        berth_images *im = NULL;
        berth_error err = {0};
        ok(berth_images_open(root, &im, &err) == 0, "open images: %s", err.msg);
        berth_transfer_opts o = {.all_tags = true};
        ok(berth_pull(im, "127.0.0.1:1/a:1", &o, NULL, &err) == -EINVAL, "all tags with a tag");
        like(err.msg, "tag can't be used with --all-tags/-a", "%s", err.msg);
        ok(berth_pull(im,
                      "127.0.0.1:1/a@sha256:"
                      "0000000000000000000000000000000000000000000000"
                      "000000000000000000",
                      &o, NULL, &err) == -EINVAL,
           "all tags with a digest");
        o = (berth_transfer_opts){.platform = "linux"};
        ok(berth_pull(im, "127.0.0.1:1/a", &o, NULL, &err) == -EINVAL, "platform without arch");
        like(err.msg, "invalid platform 'linux'", "%s", err.msg);
        o.platform = "linux/arm64/v8/x";
        ok(berth_pull(im, "127.0.0.1:1/a", &o, NULL, &err) == -EINVAL, "platform with 4 parts");
        ok(berth_pull(im, "Bad/Name", NULL, NULL, &err) < 0, "bad name");
        like(err.msg, "invalid reference format", "%s", err.msg);
        ok(berth_push(im,
                      "127.0.0.1:1/a@sha256:"
                      "00000000000000000000000000000000000000000000"
                      "00000000000000000000",
                      NULL, NULL, &err) == -EINVAL,
           "push of a digest reference");
        like(err.msg, "cannot push a digest reference", "%s", err.msg);
        ok(berth_push(im, "127.0.0.1:1/none:1", NULL, NULL, &err) == -ENOENT,
           "push of a tag that is not here");
        like(err.msg, "an image does not exist locally with the tag: 127.0.0.1:1/none", "%s",
             err.msg);
        /* nothing listens on port 1: an error naming the registry, not a hang */
        ok(berth_pull(im, "127.0.0.1:1/a:1", NULL, NULL, &err) < 0, "pull from a closed port");
        like(err.msg, "cannot pull 127.0.0.1:1/a:1", "%s", err.msg);
        ok(berth_login("127.0.0.1:1", "u", "p", NULL, &err) < 0, "login to a closed port");
        like(err.msg, "cannot log in to 127.0.0.1:1", "%s", err.msg);
        berth_images_close(im);
}

int main(void)
{
        char tmpl[] = "/tmp/berth-test-transfer.XXXXXX";
        char *root = mkdtemp(tmpl);
        if (root == NULL)
                return 1;
        /* no credentials of the machine's user */
        char *auth = berth_xasprintf("%s/auth.json", root);
        setenv("BERTH_AUTH_FILE", auth, 1);
        test_servers();
        test_loopback();
        test_insecure();
        test_refusals(root);
        berth_rm_rf(root, NULL);
        free(auth);
        return tap_done();
}
