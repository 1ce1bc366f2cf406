/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry client's parsers without a network: WWW-Authenticate
 * challenges, the registry's JSON errors, base64, names, URLs. The client
 * against real registries is tests/integration/registry-client.bats.
 */
#include "base/strutil.h"
#include "registry/client-internal.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_challenges(void)
{
        reg_challenge **l = NULL;
        int n = reg_parse_challenges(
            "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\","
            "scope=\"repository:samalba/my-app:pull,push\"",
            &l);
        is_int(n, 1, "one bearer challenge");
        is_str(l[0]->scheme, "bearer", "scheme lowercased");
        is_str(reg_challenge_param(l[0], "realm"), "https://auth.example.com/token", "realm");
        is_str(reg_challenge_param(l[0], "service"), "registry.example.com", "service");
        is_str(reg_challenge_param(l[0], "scope"), "repository:samalba/my-app:pull,push",
               "a quoted comma stays in the value");
        ok(reg_challenge_param(l[0], "error") == NULL, "absent param is NULL");
        reg_challenges_free(l);

        l = NULL;
        n = reg_parse_challenges("Negotiate abc==, BASIC Realm=\"a, \\\"q\\\" b\" , "
                                 "bearer realm=x,service = svc ,error=\"insufficient_scope\"",
                                 &l);
        is_int(n, 3, "three challenges, one a token68");
        is_str(l[0]->scheme, "negotiate", "token68 scheme");
        ok(l[0]->keys == NULL, "token68 gives no params");
        is_str(l[1]->scheme, "basic", "BASIC lowercased");
        is_str(reg_challenge_param(l[1], "realm"), "a, \"q\" b", "key lowercased, escapes undone");
        is_str(l[2]->scheme, "bearer", "third");
        is_str(reg_challenge_param(l[2], "realm"), "x", "unquoted value");
        is_str(reg_challenge_param(l[2], "service"), "svc", "spaces around '='");
        is_str(reg_challenge_param(l[2], "error"), "insufficient_scope", "error param");
        reg_challenges_free(l);

        l = NULL;
        is_int(reg_parse_challenges("Bearer realm=\"unterminated", &l), -EINVAL,
               "unterminated quote is an error");
        reg_challenges_free(l);
        l = NULL;
        is_int(reg_parse_challenges("realm=\"x\"", &l), -EINVAL, "a param without a scheme");
        reg_challenges_free(l);
        l = NULL;
        is_int(reg_parse_challenges("", &l), 0, "empty header: none");
        ok(l == NULL, "nothing allocated");
        is_int(reg_parse_challenges("Basic", &l), 1, "a bare scheme");
        reg_challenges_free(l);
}

static void test_errors(void)
{
        const char *body = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
                           "unknown\",\"detail\":{\"Tag\":\"x\"}},{\"code\":\"NAME_INVALID\"}]}";
        char *m = reg_error_messages(body, strlen(body));
        is_str(m, "manifest unknown; name invalid", "messages joined, code when no message");
        free(m);
        const char *details = "{\"details\":\"incorrect username or password\"}";
        m = reg_error_messages(details, strlen(details));
        is_str(m, "incorrect username or password", "a token server's details");
        free(m);
        ok(reg_error_messages("<html>", 6) == NULL, "not JSON: none");
        ok(reg_error_messages("{\"errors\":[]}", 13) == NULL, "empty errors: none");

        reg_req q = {.status = 404};
        q.resp = berth_xstrdup(body);
        q.resp_len = strlen(body);
        berth_error err = {0};
        is_int(reg_http_error(&q, &err, "cannot fetch manifest %s", "h/app:1"), -ENOENT,
               "404 is ENOENT");
        is_str(err.msg, "cannot fetch manifest h/app:1: 404 manifest unknown; name invalid",
               "status and the registry's words");
        free(q.resp);
        q = (reg_req){.status = 401};
        reg_http_error(&q, &err, "cannot reach registry %s", "h");
        is_str(err.msg, "cannot reach registry h: unauthorized: authentication required",
               "docker's words for a bare 401");
        q = (reg_req){.status = 502};
        snprintf(q.reason, sizeof(q.reason), "Bad Gateway");
        is_int(reg_http_error(&q, &err, "x"), -EIO, "5xx is EIO");
        is_str(err.msg, "x: 502 Bad Gateway", "reason phrase without a JSON body");
        q = (reg_req){.status = 503};
        reg_http_error(&q, &err, "x");
        is_str(err.msg, "x: 503 Service Unavailable", "HTTP/2: no reason phrase, the usual one");
        q = (reg_req){.status = 403};
        reg_http_error(&q, &err, "%s", "");
        is_str(err.msg, "denied: requested access to the resource is denied", "empty what");
}

static void test_base64(void)
{
        const char *cases[][2] = {{"", ""},
                                  {"f", "Zg=="},
                                  {"fo", "Zm8="},
                                  {"foo", "Zm9v"},
                                  {"alice:secret", "YWxpY2U6c2VjcmV0"},
                                  {"foob", "Zm9vYg=="}};
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *e = reg_base64_encode(cases[i][0], strlen(cases[i][0]));
                is_str(e, cases[i][1], "encode '%s'", cases[i][0]);
                free(e);
                char *d = NULL;
                size_t len = 99;
                is_int(reg_base64_decode(cases[i][1], &d, &len), 0, "decode '%s'", cases[i][1]);
                is_str(d, cases[i][0], "round trip '%s'", cases[i][0]);
                is_int(len, strlen(cases[i][0]), "length of '%s'", cases[i][0]);
                free(d);
        }
        char *d = NULL;
        is_int(reg_base64_decode("Zm9v!", &d, NULL), -EINVAL, "bad character");
        is_int(reg_base64_decode("Z", &d, NULL), -EINVAL, "one char is not base64");
        is_int(reg_base64_decode("Zg=x", &d, NULL), -EINVAL, "data after padding");
        is_int(reg_base64_decode("Zg", &d, NULL), 0, "missing padding tolerated");
        is_str(d, "f", "unpadded");
        free(d);
}

static void test_names(void)
{
        ok(reg_valid_repo("app"), "app");
        ok(reg_valid_repo("library/busybox"), "library/busybox");
        ok(reg_valid_repo("a.b_c-d/e__f"), "separators");
        ok(!reg_valid_repo("App"), "uppercase");
        ok(!reg_valid_repo("/app"), "leading slash");
        ok(!reg_valid_repo("app/"), "trailing slash");
        ok(!reg_valid_repo("a//b"), "empty component");
        ok(!reg_valid_repo("a/../b"), "dot-dot");
        ok(!reg_valid_repo("a/-b"), "component starting with '-'");
        ok(!reg_valid_repo("a%2fb"), "percent");
        ok(!reg_valid_repo(""), "empty");
        ok(reg_valid_ref("v1.0_rc-1"), "tag");
        ok(reg_valid_ref("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
           "digest");
        ok(!reg_valid_ref("sha256:0123"), "short digest");
        ok(!reg_valid_ref("-x"), "tag starting with '-'");
        ok(!reg_valid_ref("a/b"), "slash in tag");
        ok(!reg_valid_ref(".."), "dot-dot tag");
}

static void test_urls(void)
{
        char *u = reg_url_resolve("https://r.example:5000/v2/app/blobs/uploads/",
                                  "/v2/app/blobs/uploads/abc?_state=x%3D");
        is_str(u, "https://r.example:5000/v2/app/blobs/uploads/abc?_state=x%3D",
               "relative Location");
        char *v = reg_url_add_query(u, "digest", "sha256:00ff");
        is_str(v,
               "https://r.example:5000/v2/app/blobs/uploads/abc?_state=x%3D&digest=sha256%3a00ff",
               "digest added, the query kept");
        free(u);
        free(v);
        u = reg_url_resolve("https://r.example/v2/x", "http://storage.example/b?sig=1");
        is_str(u, "http://storage.example/b?sig=1", "absolute Location");
        free(u);
        u = reg_url_add_query("http://h/upload", "digest", "sha256:ab");
        is_str(u, "http://h/upload?digest=sha256%3aab", "first query param");
        free(u);
        ok(reg_url_resolve("https://r.example/v2/x", "file:///etc/passwd") == NULL,
           "only http(s) redirects");
        ok(reg_same_origin("https://r.example/v2/", "https://R.example:443/x"), "default port");
        ok(!reg_same_origin("https://r.example/", "http://r.example/"), "scheme differs");
        ok(!reg_same_origin("http://127.0.0.1:5000/", "http://127.0.0.1:5001/"), "port differs");
        ok(!reg_same_origin("http://127.0.0.1:5000/", "http://localhost:5000/"), "host differs");
}

static void test_open(void)
{
        berth_registry *r = NULL;
        berth_error err = {0};
        setenv("BERTH_AUTH_FILE", "/nonexistent/auth.json", 1);
        is_int(berth_registry_open("bad host", NULL, &r, &err), -EINVAL, "bad host refused");
        like(err.msg, "invalid registry host 'bad host'", "message names it");
        is_int(berth_registry_open("127.0.0.1:1", NULL, &r, &err), 0, "open with NULL opts");
        is_str(r->scheme, "https", "https by default");
        ok(!r->no_verify, "zeroed opts verify TLS");
        ok(r->username == NULL, "anonymous without an auth file");
        berth_registry_close(r);
        berth_registry_opts o = {.insecure = true, .username = "u", .password = "p"};
        is_int(berth_registry_open("127.0.0.1:1", &o, &r, &err), 0, "open insecure");
        ok(r->no_verify, "insecure registries' TLS is not checked");
        is_str(r->username, "u", "credentials kept");
        berth_registry_close(r);
        berth_registry_close(NULL);
}

int main(void)
{
        test_challenges();
        test_errors();
        test_base64();
        test_names();
        test_urls();
        test_open();
        return tap_done();
}
