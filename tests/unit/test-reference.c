/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references. The cases come from what Docker does
 * (distribution/reference's normalize tests and `docker pull` behaviour).
 */
#include "base/cleanup.h"
#include "image/reference.h"
#include "tap.h"

#include <stdlib.h>

struct ref_case {
        const char *in, *full, *familiar;
};
struct bad_case {
        const char *in, *error;
};

static const struct ref_case valid_cases[] = {
    {"busybox", "docker.io/library/busybox:latest", "busybox:latest"},
    {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
    {"library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
    {"docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
    {"docker.io/library/busybox:latest", "docker.io/library/busybox:latest", "busybox:latest"},
    {"index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
    {"index.docker.io/busybox:glibc", "docker.io/library/busybox:glibc", "busybox:glibc"},
    {"registry-1.docker.io/library/busybox", "registry-1.docker.io/library/busybox:latest",
     "registry-1.docker.io/library/busybox:latest"},
    {"user/app:1.0", "docker.io/user/app:1.0", "user/app:1.0"},
    {"index.docker.io/fooo/bar", "docker.io/fooo/bar:latest", "fooo/bar:latest"},
    {"docker.io/library/foo/bar", "docker.io/library/foo/bar:latest", "library/foo/bar:latest"},
    {"store/foo/bar", "docker.io/store/foo/bar:latest", "store/foo/bar:latest"},
    /* Familiar forms are lossy, as Docker's are: this one reads back as a domain. */
    {"docker.io/foo.bar/baz", "docker.io/foo.bar/baz:latest", "foo.bar/baz:latest"},
    {"other/library", "docker.io/other/library:latest", "other/library:latest"},
    {"localhost:5000/a/b@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
     "localhost:5000/a/b@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
     "localhost:5000/a/b@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"},
    {"localhost/foo", "localhost/foo:latest", "localhost/foo:latest"},
    {"localhost", "docker.io/library/localhost:latest", "localhost:latest"},
    {"localhost:5000", "docker.io/library/localhost:5000", "localhost:5000"},
    {"registry.example.com/x", "registry.example.com/x:latest", "registry.example.com/x:latest"},
    {"127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase:latest",
     "127.0.0.1:8000/private/moonbase:latest"},
    {"example.com:8000/privatebasee:v1", "example.com:8000/privatebasee:v1",
     "example.com:8000/privatebasee:v1"},
    {"[fc00::1]:5000/docker", "[fc00::1]:5000/docker:latest", "[fc00::1]:5000/docker:latest"},
    {"[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest",
     "[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest"},
    {"Foo/bar", "Foo/bar:latest", "Foo/bar:latest"},
    {"test_com/foo", "docker.io/test_com/foo:latest", "test_com/foo:latest"},
    {"test-com:8080/foo", "test-com:8080/foo:latest", "test-com:8080/foo:latest"},
    {"xn--n3h.com:18080/foo", "xn--n3h.com:18080/foo:latest", "xn--n3h.com:18080/foo:latest"},
    {"busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
     "docker.io/library/"
     "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
     "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"},
    {"busybox@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
     "docker.io/library/"
     "busybox@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
     "busybox@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"},
    {"docker---rules/docker", "docker.io/docker---rules/docker:latest",
     "docker---rules/docker:latest"},
    {"dock__er/docker", "docker.io/dock__er/docker:latest", "dock__er/docker:latest"},
    {"d/docker", "docker.io/d/docker:latest", "d/docker:latest"},
    {"ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base:latest", "ubuntu-12.04-base:latest"},
    {"192.168.0.1", "docker.io/library/192.168.0.1:latest", "192.168.0.1:latest"},
    {"192.168.0.1:80", "docker.io/library/192.168.0.1:80", "192.168.0.1:80"},
    {"docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
     "docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest",
     "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest"},
    {"dbcc1", "docker.io/library/dbcc1:latest", "dbcc1:latest"},
    {"busybox:_Under.score-TAG", "docker.io/library/busybox:_Under.score-TAG",
     "busybox:_Under.score-TAG"},
};
static const struct bad_case invalid_cases[] = {
    {"", "invalid reference format: repository name must have at least one component: ''"},
    {"Busybox", "invalid reference format: repository name must be lowercase: 'Busybox'"},
    {"docker/Docker",
     "invalid reference format: repository name must be lowercase: 'docker/Docker'"},
    {"docker.io/docker/Docker",
     "invalid reference format: repository name must be lowercase: 'docker.io/docker/Docker'"},
    {"localhost:5000/Foo:tag",
     "invalid reference format: repository name must be lowercase: 'localhost:5000/Foo:tag'"},
    {"1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
     "invalid repository name: cannot specify 64-byte hexadecimal strings: "
     "'1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a'"},
    {"https://github.com/docker/docker",
     "invalid reference format: invalid domain 'https:': 'https://github.com/docker/docker'"},
    {"-docker", "invalid reference format: invalid path component '-docker': '-docker'"},
    {"-docker/docker",
     "invalid reference format: invalid path component '-docker': '-docker/docker'"},
    {"docker-/docker",
     "invalid reference format: invalid path component 'docker-': 'docker-/docker'"},
    {"-docker.io/docker/docker",
     "invalid reference format: invalid domain '-docker.io': '-docker.io/docker/docker'"},
    {"docker///docker", "invalid reference format: invalid path component '': 'docker///docker'"},
    {"docker.io/docker///docker",
     "invalid reference format: invalid path component '': 'docker.io/docker///docker'"},
    {"[fc00::1]", "invalid reference format: invalid path component '[fc00': '[fc00::1]'"},
    {"fc00::1:5000/debian",
     "invalid reference format: invalid domain 'fc00::1:5000': 'fc00::1:5000/debian'"},
    {"[fe80::1%eth0]:5000/debian", "invalid reference format: invalid domain "
                                   "'[fe80::1%eth0]:5000': '[fe80::1%eth0]:5000/debian'"},
    {"[2001:db8:3:4::192.0.2.33]:5000/debian",
     "invalid reference format: invalid domain '[2001:db8:3:4::192.0.2.33]:5000': "
     "'[2001:db8:3:4::192.0.2.33]:5000/debian'"},
    {"____/____", "invalid reference format: invalid path component '____': '____/____'"},
    {"_docker/_docker",
     "invalid reference format: invalid path component '_docker': '_docker/_docker'"},
    {"dock..er/docker", "invalid reference format: invalid domain 'dock..er': 'dock..er/docker'"},
    {"dock_.er/docker", "invalid reference format: invalid domain 'dock_.er': 'dock_.er/docker'"},
    {"dock-.er/docker", "invalid reference format: invalid domain 'dock-.er': 'dock-.er/docker'"},
    {"dock___er/docker",
     "invalid reference format: invalid path component 'dock___er': 'dock___er/docker'"},
    {"docker/", "invalid reference format: invalid path component '': 'docker/'"},
    {"a_b.com/x", "invalid reference format: invalid domain 'a_b.com': 'a_b.com/x'"},
    {"a b", "invalid reference format: invalid path component 'a b': 'a b'"},
    {":tag", "invalid reference format: invalid path component '': ':tag'"},
    {"@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
     "invalid reference format: invalid path component '': "
     "'@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa'"},
    {"busybox:", "invalid reference format: invalid tag '': 'busybox:'"},
    {"busybox:-x", "invalid reference format: invalid tag '-x': 'busybox:-x'"},
    {"busybox:.x", "invalid reference format: invalid tag '.x': 'busybox:.x'"},
    {"busybox:tag:more", "invalid reference format: invalid tag 'tag:more': 'busybox:tag:more'"},
    {"busybox@",
     "invalid reference format: invalid digest '': only sha256 is supported: 'busybox@'"},
    {"busybox@sha256:abc", "invalid reference format: invalid digest 'sha256:abc': want 64 hex "
                           "characters: 'busybox@sha256:abc'"},
    {"busybox@sha512:"
     "ababababababababababababababababababababababababababababababababababababababababababababababa"
     "bababababababababababababababababab",
     "invalid reference format: invalid digest "
     "'sha512:"
     "ababababababababababababababababababababababababababababababababababababababababababababababa"
     "bababababababababababababababababab': only sha256 is supported: "
     "'busybox@sha512:"
     "ababababababababababababababababababababababababababababababababababababababababababababababa"
     "bababababababababababababababababab'"},
    {"busybox@sha256:86E0E091D0DA6BDE2456DBB48306F3956BBEB2EAE1B5B9A43045843F69FE4AAA",
     "invalid reference format: invalid digest "
     "'sha256:86E0E091D0DA6BDE2456DBB48306F3956BBEB2EAE1B5B9A43045843F69FE4AAA': not lowercase "
     "hex: 'busybox@sha256:86E0E091D0DA6BDE2456DBB48306F3956BBEB2EAE1B5B9A43045843F69FE4AAA'"},
    {"busybox@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa@sha256:"
     "86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
     "invalid reference format: invalid digest "
     "'sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa@sha256:"
     "86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa': want 64 hex characters: "
     "'busybox@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa@sha256:"
     "86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa'"},
    {"foo:5000:bar/baz",
     "invalid reference format: invalid domain 'foo:5000:bar': 'foo:5000:bar/baz'"},
    {"this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_"
     "namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_"
     "lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_"
     "255/docker",
     "invalid reference format: repository name must not be more than 255 characters: "
     "'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_"
     "namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_"
     "lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_"
     "255/docker'"},
};

static void test_table(void)
{
        for (size_t i = 0; i < ARRAY_SIZE(valid_cases); i++) {
                const struct ref_case *c = &valid_cases[i];
                berth_ref ref = {0};
                berth_error err = {0};
                if (!ok(berth_ref_parse(c->in, &ref, &err) == 0, "parse '%s'", c->in)) {
                        printf("#   %s\n", err.msg);
                        continue;
                }
                _cleanup_free_ char *full = berth_ref_string(&ref);
                _cleanup_free_ char *fam = berth_ref_familiar(&ref);
                is_str(full, c->full, "'%s' in full", c->in);
                is_str(fam, c->familiar, "'%s' familiar", c->in);
                /* The full form parses back to itself. */
                berth_ref again = {0};
                _cleanup_free_ char *full2 = NULL;
                if (berth_ref_parse(full, &again, &err) == 0)
                        full2 = berth_ref_string(&again);
                is_str(full2, full, "'%s' full form is a fixed point", c->in);
                berth_ref_clear(&again);
                berth_ref_clear(&ref);
        }
        for (size_t i = 0; i < ARRAY_SIZE(invalid_cases); i++) {
                const struct bad_case *c = &invalid_cases[i];
                berth_ref ref = {0};
                berth_error err = {0};
                ok(berth_ref_parse(c->in, &ref, &err) < 0 && ref.domain == NULL, "refuse '%.80s'",
                   c->in);
                is_str(err.msg, c->error, "message for '%.80s'", c->in);
        }
}

static void test_parts(void)
{
        berth_ref ref = {0};
        berth_error err = {0};
        ok(berth_ref_parse("busybox", &ref, &err) == 0, "parse busybox");
        is_str(ref.domain, "docker.io", "domain");
        is_str(ref.path, "library/busybox", "path");
        is_str(ref.tag, "latest", "tag defaults to latest");
        ok(!ref.has_digest, "no digest");
        _cleanup_free_ char *repo = berth_ref_repository(&ref);
        is_str(repo, "busybox", "repository");
        _cleanup_free_ char *name = berth_ref_name(&ref);
        is_str(name, "docker.io/library/busybox", "full name");
        berth_ref_clear(&ref);
        ok(ref.domain == NULL && ref.path == NULL && ref.tag == NULL, "clear zeroes");
        berth_ref_clear(&ref);
        berth_ref_clear(NULL);

        const char *d = "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";
        _cleanup_free_ char *s = NULL;
        char in[200];
        snprintf(in, sizeof(in), "localhost:5000/a/b@%s", d);
        ok(berth_ref_parse(in, &ref, &err) == 0, "parse a digest reference");
        is_str(ref.domain, "localhost:5000", "registry with port is the domain");
        is_str(ref.path, "a/b", "path has no library/ off docker.io");
        ok(ref.tag == NULL, "only a digest: no tag, latest is not added");
        ok(ref.has_digest && strcmp(ref.digest.s, d) == 0, "digest kept");
        repo = (free(repo), berth_ref_repository(&ref));
        is_str(repo, "localhost:5000/a/b", "repository off docker.io keeps the domain");
        berth_ref_clear(&ref);

        snprintf(in, sizeof(in), "user/app:1.0@%s", d);
        ok(berth_ref_parse(in, &ref, &err) == 0, "parse name:tag@digest");
        ok(ref.tag && strcmp(ref.tag, "1.0") == 0 && ref.has_digest, "both tag and digest kept");
        berth_ref_clear(&ref);
}

static void test_lengths(void)
{
        berth_ref ref = {0};
        berth_error err = {0};
        char in[600];
        /* The path, with library/ in front, may have 255 characters, not 256. */
        memset(in, 'a', 247);
        in[247] = '\0';
        ok(berth_ref_parse(in, &ref, &err) == 0 && strlen(ref.path) == 255,
           "a 255-character path is fine: %s", err.msg);
        berth_ref_clear(&ref);
        memset(in, 'a', 248);
        in[248] = '\0';
        ok(berth_ref_parse(in, &ref, &err) < 0, "a 256-character path is refused");
        like(err.msg, "must not be more than 255 characters", "message: %.80s", err.msg);

        /* Tags: 128 characters at most. */
        memcpy(in, "busybox:", 8);
        memset(in + 8, 't', 128);
        in[8 + 128] = '\0';
        ok(berth_ref_parse(in, &ref, &err) == 0 && strlen(ref.tag) == 128, "a 128-character tag");
        berth_ref_clear(&ref);
        in[8 + 128] = 't';
        in[8 + 129] = '\0';
        ok(berth_ref_parse(in, &ref, &err) < 0, "a 129-character tag is refused");
        like(err.msg, "invalid tag", "message: %.60s", err.msg);
        ok(berth_ref_parse(NULL, &ref, &err) < 0, "NULL is refused");
}

static void test_looks_like_id(void)
{
        ok(berth_ref_looks_like_id(
               "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"),
           "a full id");
        ok(berth_ref_looks_like_id(
               "sha256:1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"),
           "a full id with sha256:");
        ok(berth_ref_looks_like_id("1a3f5e7d9c1b"), "a short id");
        ok(berth_ref_looks_like_id("abc"), "three hex characters");
        ok(!berth_ref_looks_like_id("ab"), "two are too few");
        ok(!berth_ref_looks_like_id("busybox"), "a name is not an id");
        ok(!berth_ref_looks_like_id("ABCDEF"), "uppercase is not an id");
        ok(!berth_ref_looks_like_id(
               "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a0"),
           "65 characters are too many");
        ok(!berth_ref_looks_like_id("sha256:"), "sha256: alone");
        ok(!berth_ref_looks_like_id(""), "empty");
        ok(!berth_ref_looks_like_id(NULL), "NULL");
}

int main(void)
{
        ok(ARRAY_SIZE(valid_cases) + ARRAY_SIZE(invalid_cases) >= 40, "at least 40 cases");
        test_table();
        test_parts();
        test_lengths();
        test_looks_like_id();
        return tap_done();
}
