/* SPDX-License-Identifier: Apache-2.0 */
/*
 * .dockerignore: reading the file and matching with Docker's semantics. The
 * pattern tables follow the cases of moby/patternmatcher's own tests (their
 * behaviour, in our own table), plus the edges found reading its code.
 */
#include "base/cleanup.h"
#include "base/fs.h"
#include "build/dockerignore.h"
#include "build/glob.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void ign_freep(berth_dockerignore **p)
{
        berth_dockerignore_free(*p);
}
#define _cleanup_ign_ _cleanup_(ign_freep)

/* Rules from patterns given one per argument; NULL (and a diagnostic) on error. */
static berth_dockerignore *rules(char *const *patterns)
{
        berth_dockerignore *ign = NULL;
        berth_error err = {0};
        if (berth_dockerignore_new(patterns, &ign, &err) < 0) {
                printf("# %s\n", err.msg);
                return NULL;
        }
        return ign;
}

static berth_dockerignore *parse(const char *text, berth_error *err)
{
        berth_dockerignore *ign = NULL;
        berth_error e = {0};
        if (berth_dockerignore_parse(text, strlen(text), ".dockerignore", &ign, err ? err : &e) < 0)
                return NULL;
        return ign;
}

/* Whether path is excluded by the single pattern. -1 when the pattern is refused. */
static int excl1(const char *pattern, const char *path)
{
        char *v[] = {(char *)pattern, NULL};
        _cleanup_ign_ berth_dockerignore *ign = rules(v);
        if (ign == NULL)
                return -1;
        return berth_dockerignore_excluded(ign, path);
}

struct one {
        const char *pattern, *path;
        int excluded; /* -1: the pattern is malformed */
};

static const struct one single[] = {
    /* "**" in all its places */
    {"**", "file", 1},
    {"**", "file/", 1},
    {"**/", "file", 1},
    {"**/", "file/", 1},
    {"**", "/", 1},
    {"**/", "/", 1},
    {"**", "dir/file", 1},
    {"**/", "dir/file", 1},
    {"**", "dir/file/", 1},
    {"**/", "dir/file/", 1},
    {"**/**", "dir/file", 1},
    {"**/**", "dir/file/", 1},
    {"dir/**", "dir/file", 1},
    {"dir/**", "dir/file/", 1},
    {"dir/**", "dir/dir2/file", 1},
    {"dir/**", "dir/dir2/file/", 1},
    {"**/dir", "dir", 1},
    {"**/dir", "dir/file", 1},
    {"**/dir2/*", "dir/dir2/file", 1},
    {"**/dir2/*", "dir/dir2/file/", 1},
    {"**/dir2/**", "dir/dir2/dir3/file", 1},
    {"**/dir2/**", "dir/dir2/dir3/file/", 1},
    {"**file", "file", 1},
    {"**file", "dir/file", 1},
    {"**/file", "dir/file", 1},
    {"**file", "dir/dir/file", 1},
    {"**/file", "dir/dir/file", 1},
    {"**/file*", "dir/dir/file", 1},
    {"**/file*", "dir/dir/file.txt", 1},
    {"**/file*txt", "dir/dir/file.txt", 1},
    {"**/file*.txt", "dir/dir/file.txt", 1},
    {"**/file*.txt*", "dir/dir/file.txt", 1},
    {"**/**/*.txt", "dir/dir/file.txt", 1},
    {"**/**/*.txt2", "dir/dir/file.txt", 0},
    {"**/*.txt", "file.txt", 1},
    {"**/**/*.txt", "file.txt", 1},
    {"a**/*.txt", "a/file.txt", 1},
    {"a**/*.txt", "a/dir/file.txt", 1},
    {"a**/*.txt", "a/dir/dir/file.txt", 1},
    {"a/*.txt", "a/dir/file.txt", 0},
    {"a/*.txt", "a/file.txt", 1},
    {"a/*.txt**", "a/file.txt", 1},
    {"**/foo/bar", "foo/bar", 1},
    {"**/foo/bar", "dir/foo/bar", 1},
    {"**/foo/bar", "dir/dir2/foo/bar", 1},
    {"abc/**", "abc", 0},
    {"abc/**", "abc/def", 1},
    {"abc/**", "abc/def/ghi", 1},
    {"**/.foo", ".foo", 1},
    {"**/.foo", "bar.foo", 0},
    /* patternmatcher's suffix match: a leading "**" then plain text is "ends with" */
    {"**file", "dir/myfile", 1},
    {"**.txt", "a/b/c.txt", 1},
    {"**.txt", "c.txt2", 0},
    /* "**" inside, not followed by '/': "(anything ending in /)?" */
    {"a**b", "ab", 1},
    {"a**b", "ax/b", 1},
    {"a**b", "axb", 0},
    /* classes, '?', '.', regexp characters taken literally */
    {"a[b-d]e", "ae", 0},
    {"a[b-d]e", "ace", 1},
    {"a[b-d]e", "aae", 0},
    {"a[^b-d]e", "aze", 1},
    {"a[^x]b", "a/b", 1}, /* Docker's class crosses '/' */
    {".*", ".foo", 1},
    {".*", "foo", 0},
    {"abc.def", "abcdef", 0},
    {"abc.def", "abc.def", 1},
    {"abc.def", "abcZdef", 0},
    {"abc?def", "abcZdef", 1},
    {"abc?def", "abcdef", 0},
    {"a\\\\", "a\\", 1},
    {"a(b)c/def", "a(b)c/def", 1},
    {"a(b)c/def", "a(b)c/xyz", 0},
    {"a.|)$(}+{bc", "a.|)$(}+{bc", 1},
    {"dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
     "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", 1},
    {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", 1},
    {"a\\*b", "a*b", 1},
    {"a\\*b", "ab", 0},
    /* Go's filepath.Match cases as patternmatcher runs them */
    {"*", "fileutils.go", 1},
    {"*.go", "fileutils.go", 1},
    {"abc", "abc", 1},
    {"*", "abc", 1},
    {"*c", "abc", 1},
    {"a*", "a", 1},
    {"a*", "abc", 1},
    {"a*", "ab/c", 1}, /* through its parent "ab" */
    {"a*/b", "abc/b", 1},
    {"a*/b", "a/c/b", 0},
    {"a*b*c*d*e*/f", "axbxcxdxe/f", 1},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/f", 1},
    {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", 0},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", 0},
    {"a*b?c*x", "abxbbxdbxebxczzx", 1},
    {"a*b?c*x", "abxbbxdbxebxczzy", 0},
    {"ab[c]", "abc", 1},
    {"ab[b-d]", "abc", 1},
    {"ab[e-g]", "abc", 0},
    {"ab[^c]", "abc", 0},
    {"ab[^b-d]", "abc", 0},
    {"ab[^e-g]", "abc", 1},
    {"a?b",
     "a\xe2\x98\xba"
     "b",
     1}, /* one rune */
    {"a[^a]b",
     "a\xe2\x98\xba"
     "b",
     1},
    {"a???b",
     "a\xe2\x98\xba"
     "b",
     0},
    {"a[^a][^a][^a]b",
     "a\xe2\x98\xba"
     "b",
     0},
    {"[a-\xce\xb6]*", "\xce\xb1", 1}, /* [a-ζ] and α */
    {"*[a-\xce\xb6]", "A", 0},
    {"a?b", "a/b", 0},
    {"a*b", "a/b", 0},
    {"[\\]a]", "]", 1},
    {"[\\-]", "-", 1},
    {"[x\\-]", "x", 1},
    {"[x\\-]", "-", 1},
    {"[x\\-]", "z", 0},
    {"[\\-x]", "x", 1},
    {"[\\-x]", "-", 1},
    {"[\\-x]", "a", 0},
    {"*x", "xxx", 1},
    {"[]a]", "]", -1},
    {"[-]", "-", -1},
    {"[x-]", "x", -1},
    {"[-x]", "x", -1},
    {"\\", "a", -1},
    {"[a-b-c]", "a", -1},
    {"[", "a", -1},
    {"[^", "a", -1},
    {"[^bc", "a", -1},
    {"a[", "a", -1},
    {"[]", "a", -1},
    {"[z-a]", "a", -1}, /* Docker's regexp refuses a reversed range */
    {"[Local-Only]", "x", -1},
    /* a pattern matching a directory matches what is under it */
    {"docs", "docs/a/b/c.md", 1},
    {"docs", "docsx", 0},
    {"*/tmp", "a/tmp/x", 1},
    /* cleaning */
    {"/a/b", "a/b", 1},
    {"a//b/./c/", "a/b/c", 1},
    {"a/x/../b", "a/b", 1},
    {"./a", "a", 1},
    {"..", "a", 0},
    {"../a", "a", 0},
    {"a/../../b", "b", 0}, /* "../b": outside the context, matches nothing */
    {"/", "a", 0},
    {".", "a", 0},
};

static void test_single(void)
{
        for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
                const struct one *c = &single[i];
                is_int(excl1(c->pattern, c->path), c->excluded, "'%s' on '%s' gives %d", c->pattern,
                       c->path, c->excluded);
        }
}

struct many {
        const char *patterns[6];
        const char *path;
        bool excluded;
};

static const struct many multi[] = {
    {{"!fileutils.go", "*.go"}, "fileutils.go", true},
    {{"*.go", "!fileutils.go"}, "fileutils.go", false},
    {{"docs", "!docs/README.md"}, "docs/README.md", false},
    {{"docs/", "!docs/README.md"}, "docs/README.md", false},
    {{"docs/*", "!docs/README.md"}, "docs/README.md", false},
    {{"docs", "!docs/README.md"}, "docs/other.md", true},
    {{"docs", "!docs/README.md"}, "docs", true},
    {{"*.go"}, ".", false},
    {{"**", "!util/docker/web"}, "util/docker/web/foo", false},
    {{"**", "!util/docker/web", "util/docker/web/foo"}, "util/docker/web/foo", true},
    {{"**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"},
     "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
     false},
    {{"**", "!dist/*.whl"}, "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false},
    /* the last match decides, again and again */
    {{"*.md", "!README*.md", "README-secret.md"}, "README-secret.md", true},
    {{"*.md", "!README*.md", "README-secret.md"}, "README.md", false},
    {{"*", "!a", "a/b"}, "a/b", true},
    {{"*", "!a", "a/b"}, "a/c", false},
    /* an exception applies from where it matched down */
    {{"node_modules", "!node_modules/keep"}, "node_modules/keep/x/y.js", false},
    {{"node_modules", "!node_modules/keep"}, "node_modules/drop/y.js", true},
    /* Docker's walk never records an exception it skipped ("!a" is not tried on
     * "a", nothing being excluded there yet), so it does not reach "a/b/c" */
    {{"a/b", "!a"}, "a/b/c", true},
    /* nor an exclusion skipped while already excluded */
    {{"a/b", "!a/b/c", "a/b"}, "a/b/c", false},
    {{"a/b", "!a/b/c", "a/b"}, "a/b/d", true},
    {{}, "any/path/there", false},
};

static void test_multi(void)
{
        for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
                const struct many *c = &multi[i];
                char *v[7] = {0};
                char desc[256] = "";
                for (size_t j = 0; j < 6 && c->patterns[j]; j++) {
                        v[j] = (char *)c->patterns[j];
                        strcat(strcat(desc, j ? " " : ""), c->patterns[j]);
                }
                _cleanup_ign_ berth_dockerignore *ign = rules(v);
                ok(ign && berth_dockerignore_excluded(ign, c->path) == c->excluded,
                   "[%s] on '%s': %s", desc, c->path, c->excluded ? "excluded" : "kept");
        }
}

static void test_match_info(void)
{
        /* The walk's calling sequence, by hand: a parent's info flows to its children. */
        char *v[] = {"docs", "!docs/keep", NULL};
        _cleanup_ign_ berth_dockerignore *ign = rules(v);
        bool a[2], b[2];
        is_int(berth_dockerignore_count(ign), 2, "two patterns");
        ok(berth_dockerignore_match(ign, "docs", NULL, a), "docs excluded");
        ok(a[0] && !a[1], "docs matched the first pattern only");
        ok(!berth_dockerignore_match(ign, "docs/keep", a, b), "docs/keep re-included");
        ok(b[0] && b[1], "docs/keep matched both");
        ok(!berth_dockerignore_match(ign, "docs/keep/x", b, NULL), "and so is what it holds");
        /* Without parent info, ancestors are tried (MatchesOrParentMatches' reading) */
        ok(berth_dockerignore_match(ign, "docs/other/x", NULL, NULL),
           "no parent info: an ancestor's match counts");
        bool exc = false;
        is_str(berth_dockerignore_pattern(ign, 1, &exc), "docs/keep", "pattern text without '!'");
        ok(exc, "pattern 1 is an exception");
        ok(berth_dockerignore_pattern(ign, 2, NULL) == NULL, "no pattern 2");
        ok(berth_dockerignore_has_exceptions(ign), "has exceptions");
}

static void test_descend(void)
{
        char *none[] = {"docs", "build", NULL};
        char *plain[] = {"docs", "!docs/api/README.md", "!other/x", NULL};
        char *globbed[] = {"node_modules", "!**/package.json", NULL};
        char *trailing[] = {"out", "!out/keep/**", NULL};
        _cleanup_ign_ berth_dockerignore *a = rules(none);
        _cleanup_ign_ berth_dockerignore *b = rules(plain);
        _cleanup_ign_ berth_dockerignore *c = rules(globbed);
        _cleanup_ign_ berth_dockerignore *d = rules(trailing);
        ok(!berth_dockerignore_descend(a, "docs"), "no exception: an excluded dir is skipped");
        ok(berth_dockerignore_descend(b, "docs"), "plain exception under docs: descend");
        ok(berth_dockerignore_descend(b, "docs/api"), "and into docs/api");
        ok(!berth_dockerignore_descend(b, "docs/guide"), "not into docs/guide");
        ok(!berth_dockerignore_descend(b, "doc"), "a prefix of a name is not a parent");
        ok(berth_dockerignore_descend(c, "node_modules"), "an exception with wildcards: always");
        ok(berth_dockerignore_descend(c, "anything/else"), "anywhere");
        ok(berth_dockerignore_descend(d, "out"), "a trailing '**' is stripped: out/keep is plain");
        ok(berth_dockerignore_descend(d, "out/keep"), "and out/keep itself");
        ok(!berth_dockerignore_descend(d, "out/drop"), "but not out/drop");
}

static void test_parse(void)
{
        berth_error err = {0};
        const char *text = "\xef\xbb\xbftest1\r\n"
                           "/test2\n"
                           "/a/file/here\n"
                           "\n"
                           "lastfile\n"
                           "# this is a comment\n"
                           "! /inverted/abs/path\n"
                           "  # not a comment  \n"
                           "\t spaced/ \t\r\n"
                           "\xc2\xa0nbsp\xc2\xa0\n"
                           "a//b/./c/../d\n"
                           "../up\n"
                           "!./x/\n"
                           "last-without-newline";
        _cleanup_ign_ berth_dockerignore *ign = parse(text, &err);
        ok(ign != NULL, "parses: %s", err.msg);
        if (ign == NULL)
                return;
        static const char *want[] = {"test1",
                                     "test2",
                                     "a/file/here",
                                     "lastfile",
                                     "inverted/abs/path",
                                     "# not a comment",
                                     "spaced",
                                     "nbsp",
                                     "a/b/d",
                                     "../up",
                                     "x",
                                     "last-without-newline"};
        is_int(berth_dockerignore_count(ign), 12, "twelve patterns");
        for (size_t i = 0; i < 12; i++) {
                bool exc = false;
                is_str(berth_dockerignore_pattern(ign, i, &exc), want[i], "pattern %zu", i);
                ok(exc == (i == 4 || i == 10), "pattern %zu %s an exception", i,
                   exc ? "is" : "is not");
        }
        ok(berth_dockerignore_source(ign) == NULL, "parsed text has no source file");
        ok(berth_dockerignore_excluded(ign, "# not a comment"), "an indented '#' is a pattern");

        _cleanup_ign_ berth_dockerignore *empty = parse("", NULL);
        ok(empty && berth_dockerignore_count(empty) == 0, "an empty file: no patterns");
        _cleanup_ign_ berth_dockerignore *comments = parse("# a\n#b\n\n   \n", NULL);
        ok(comments && berth_dockerignore_count(comments) == 0, "only comments and blanks");

        ok(parse("a\n!\nb\n", &err) == NULL, "a lone '!' is refused");
        is_str(err.msg, "cannot parse '.dockerignore': line 2: illegal exclusion pattern: \"!\"",
               "with the line");
        ok(parse("a\n!/\n", &err) == NULL, "'!/' cleans to '!': refused as Docker does");
        ok(parse("ok\n  [a-\n", &err) == NULL, "a malformed pattern is refused");
        is_str(err.msg, "cannot parse '.dockerignore': line 2: syntax error in pattern '[a-'",
               "naming file, line and pattern");
        is_int(err.code, EINVAL, "EINVAL");

        const char nul[] = "a\n\0b\nc\n";
        _cleanup_ign_ berth_dockerignore *n = NULL;
        ok(berth_dockerignore_parse(nul, sizeof(nul) - 1, "x", &n, &err) == 0 &&
               berth_dockerignore_count(n) == 2,
           "a line with a NUL byte is skipped");
}

static int write_at(int dirfd, const char *name, const char *text)
{
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void test_load(void)
{
        char tmpl[] = "/tmp/berth-dockerignore-XXXXXX";
        char *dir = mkdtemp(tmpl);
        ok(dir != NULL, "temp dir");
        if (dir == NULL)
                return;
        _cleanup_close_ int top = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ok(mkdirat(top, "ctx", 0755) == 0 && mkdirat(top, "df", 0755) == 0, "two dirs");
        _cleanup_close_ int ctx = openat(top, "ctx", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int df = openat(top, "df", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int ctxw = openat(top, "ctx", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int dfw = openat(top, "df", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        berth_error err = {0};

        {
                _cleanup_ign_ berth_dockerignore *ign = NULL;
                ok(berth_dockerignore_load(ctx, ctx, "Dockerfile", &ign, &err) == 0, "no file");
                ok(ign && berth_dockerignore_count(ign) == 0 &&
                       berth_dockerignore_source(ign) == NULL,
                   "no file: no rules, no source");
        }
        ok(write_at(ctxw, ".dockerignore", "from-context\n") == 0, "write .dockerignore");
        ok(write_at(ctxw, "build.Dockerfile.dockerignore", "from-beside\n") == 0,
           "write build.Dockerfile.dockerignore");
        {
                _cleanup_ign_ berth_dockerignore *ign = NULL;
                ok(berth_dockerignore_load(ctx, ctx, "Dockerfile", &ign, &err) == 0,
                   "load for Dockerfile");
                is_str(berth_dockerignore_source(ign), ".dockerignore", "uses .dockerignore");
                ok(berth_dockerignore_excluded(ign, "from-context"), "its rules");
        }
        {
                _cleanup_ign_ berth_dockerignore *ign = NULL;
                ok(berth_dockerignore_load(ctx, ctx, "build.Dockerfile", &ign, &err) == 0,
                   "load for build.Dockerfile");
                is_str(berth_dockerignore_source(ign), "build.Dockerfile.dockerignore",
                       "the Dockerfile's own file wins");
                ok(berth_dockerignore_excluded(ign, "from-beside") &&
                       !berth_dockerignore_excluded(ign, "from-context"),
                   "and the two are not merged");
        }
        {
                _cleanup_ign_ berth_dockerignore *ign = NULL;
                ok(berth_dockerignore_load(ctx, -1, "build.Dockerfile", &ign, &err) == 0 &&
                       strcmp(berth_dockerignore_source(ign), ".dockerignore") == 0,
                   "a Dockerfile from stdin: .dockerignore");
        }
        /* A Dockerfile outside the context: its ignore file is beside it, not in the context. */
        ok(write_at(dfw, "app.Dockerfile.dockerignore", "outside\n") == 0, "write beside df");
        {
                _cleanup_ign_ berth_dockerignore *ign = NULL;
                ok(berth_dockerignore_load(ctx, df, "app.Dockerfile", &ign, &err) == 0 &&
                       berth_dockerignore_excluded(ign, "outside"),
                   "beside a Dockerfile outside the context");
                _cleanup_ign_ berth_dockerignore *ign2 = NULL;
                ok(berth_dockerignore_load(ctx, df, "build.Dockerfile", &ign2, &err) == 0 &&
                       strcmp(berth_dockerignore_source(ign2), ".dockerignore") == 0,
                   "the context's build.Dockerfile.dockerignore is not beside df/build.Dockerfile");
        }
        /* Not a regular file, or a symlink leaving the context: absent, nothing read outside. */
        ok(unlinkat(ctxw, ".dockerignore", 0) == 0 && mkdirat(ctxw, ".dockerignore", 0755) == 0,
           ".dockerignore made a directory");
        {
                _cleanup_ign_ berth_dockerignore *ign = NULL;
                ok(berth_dockerignore_load(ctx, -1, NULL, &ign, &err) == 0 &&
                       berth_dockerignore_count(ign) == 0,
                   "a directory .dockerignore counts as none");
        }
        ok(unlinkat(ctxw, ".dockerignore", AT_REMOVEDIR) == 0 &&
               write_at(top, "secret", "secret-pattern\n") == 0 &&
               symlinkat("../secret", ctxw, ".dockerignore") == 0,
           ".dockerignore a symlink to ../secret");
        {
                _cleanup_ign_ berth_dockerignore *ign = NULL;
                ok(berth_dockerignore_load(ctx, -1, NULL, &ign, &err) == 0 &&
                       berth_dockerignore_count(ign) == 0,
                   "a symlink out of the context is resolved inside it (missing): no rules");
        }
        ok(unlinkat(ctxw, ".dockerignore", 0) == 0 &&
               write_at(ctxw, ".dockerignore", "ok\n[\n") == 0,
           "a malformed .dockerignore");
        {
                _cleanup_ign_ berth_dockerignore *ign = NULL;
                is_int(berth_dockerignore_load(ctx, -1, NULL, &ign, &err), -EINVAL,
                       "loading it fails");
                like(err.msg, "cannot parse '.dockerignore': line 2", "naming the file and line");
        }
        berth_rm_rf(dir, &err);
}

static void test_glob_match_dialect(void)
{
        /* COPY's filepath.Match on one component: '**' is just two stars. */
        berth_glob *g = NULL;
        ok(berth_glob_compile("**.c", BERTH_GLOB_MATCH, &g) == 0, "compile **.c");
        ok(berth_glob_match(g, "a.c") && !berth_glob_match(g, "a/b.c"), "'**' is '*' in Match");
        berth_glob_free(g);
        ok(berth_glob_compile("a\\*b", BERTH_GLOB_MATCH, &g) == 0, "compile a\\*b");
        is_str(berth_glob_literal(g), "a*b", "an escaped literal");
        berth_glob_free(g);
        ok(berth_glob_compile("[z-a]", BERTH_GLOB_MATCH, &g) == 0 && !berth_glob_match(g, "m"),
           "Match accepts a reversed range, which matches nothing");
        berth_glob_free(g);
        ok(berth_glob_compile("[^z-a]", BERTH_GLOB_MATCH, &g) == 0 && berth_glob_match(g, "m"),
           "and its negation matches anything");
        berth_glob_free(g);
        ok(berth_glob_compile("a[", BERTH_GLOB_MATCH, &g) == -EINVAL, "a[ is malformed");
        ok(!berth_glob_has_wildcards("a\\*b") && berth_glob_has_wildcards("a\\\\*") &&
               berth_glob_has_wildcards("x[ab]") && !berth_glob_has_wildcards("plain/path"),
           "wildcards as BuildKit detects them");
}

int main(void)
{
        test_single();
        test_multi();
        test_match_info();
        test_descend();
        test_parse();
        test_load();
        test_glob_match_dialect();
        return tap_done();
}
