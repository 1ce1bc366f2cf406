/* SPDX-License-Identifier: Apache-2.0 */
/* The build context walk: what COPY sources select, under .dockerignore, and its digest. */
#include "base/cleanup.h"
#include "base/digest.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "build/context.h"
#include "build/dockerignore.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

/* Temp dirs made by the tests, removed at the end. */
static char *temps[32];
static size_t ntemps;

static int new_tree(void)
{
        char tmpl[] = "/tmp/berth-context-XXXXXX";
        char *d = mkdtemp(tmpl);
        if (d == NULL)
                abort();
        temps[ntemps++] = berth_xstrdup(d);
        return open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static const char *tree_path(void)
{
        return temps[ntemps - 1];
}

static void mkdirs(int dirfd, const char *path)
{
        _cleanup_free_ char *p = berth_xstrdup(path);
        for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                mkdirat(dirfd, p, 0755);
                *s = '/';
        }
        mkdirat(dirfd, p, 0755);
}

/* Write a file (parents made), with mode. */
static void put(int dirfd, const char *path, const char *text, mode_t mode)
{
        _cleanup_free_ char *p = berth_xstrdup(path);
        char *slash = strrchr(p, '/');
        if (slash) {
                *slash = '\0';
                mkdirs(dirfd, p);
        }
        int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
                abort();
        fchmod(fd, mode);
        close(fd);
}

static void link_(int dirfd, const char *target, const char *path)
{
        _cleanup_free_ char *p = berth_xstrdup(path);
        char *slash = strrchr(p, '/');
        if (slash) {
                *slash = '\0';
                mkdirs(dirfd, p);
        }
        if (symlinkat(target, dirfd, path) < 0)
                abort();
}

static void sel_freep(berth_context_selection **s)
{
        berth_context_selection_free(*s);
}
#define _cleanup_sel_ _cleanup_(sel_freep)

static void ign_freep(berth_dockerignore **p)
{
        berth_dockerignore_free(*p);
}
#define _cleanup_ign_ _cleanup_(ign_freep)

/* Select the NULL-terminated sources; NULL on error (err filled). */
static berth_context_selection *pick(int ctx, const berth_dockerignore *ign, berth_error *err, ...)
{
        char *v[16] = {0};
        size_t n = 0;
        va_list ap;
        va_start(ap, err);
        for (char *s; (s = va_arg(ap, char *)) != NULL && n < 15;)
                v[n++] = s;
        va_end(ap);
        berth_context_selection *sel = NULL;
        berth_error_clear(err);
        if (berth_context_select(ctx, ign, v, &sel, err) < 0)
                return NULL;
        return sel;
}

/* The entries' paths (or rels), space-separated. */
static const char *paths(const berth_context_selection *sel, bool rel)
{
        static char buf[4096];
        buf[0] = '\0';
        if (sel == NULL)
                return "(no selection)";
        for (size_t i = 0; i < sel->n_entries; i++) {
                strcat(buf, i ? " " : "");
                strcat(buf, rel ? sel->entries[i].rel : sel->entries[i].path);
        }
        return buf;
}

static const char *matches(const berth_context_selection *sel)
{
        static char buf[4096];
        buf[0] = '\0';
        if (sel == NULL)
                return "(no selection)";
        for (size_t i = 0; i < sel->n_items; i++) {
                strcat(buf, i ? " " : "");
                strcat(buf, sel->items[i].match);
        }
        return buf;
}

static const berth_context_entry *entry(const berth_context_selection *sel, const char *path)
{
        for (size_t i = 0; sel && i < sel->n_entries; i++)
                if (strcmp(sel->entries[i].path, path) == 0)
                        return &sel->entries[i];
        return NULL;
}

static berth_dockerignore *rules_text(const char *text)
{
        berth_dockerignore *ign = NULL;
        berth_error err = {0};
        if (berth_dockerignore_parse(text, strlen(text), ".dockerignore", &ign, &err) < 0)
                abort();
        return ign;
}

static void test_file_and_dir(void)
{
        _cleanup_close_ int ctx = new_tree();
        berth_error err = {0};
        put(ctx, "a.txt", "hello", 0644);
        put(ctx, "src/main.c", "int main;", 0644);
        put(ctx, "src/sub/b.c", "int b;", 0600);
        put(ctx, "src/a-b", "x", 0644);

        _cleanup_sel_ berth_context_selection *s1 = pick(ctx, NULL, &err, "a.txt", NULL);
        ok(s1 != NULL, "select a file: %s", err.msg);
        if (s1 == NULL)
                return;
        is_int(s1->n_items, 1, "one item");
        is_int(s1->n_entries, 1, "one entry");
        berth_digest want;
        berth_digest_of("hello", 5, &want);
        ok(S_ISREG(s1->entries[0].mode) && berth_digest_equal(&s1->entries[0].content, &want),
           "a regular file with the sha256 of its content");
        is_int(s1->entries[0].size, 5, "its size");
        is_str(s1->items[0].name, "a.txt", "named a.txt");
        is_str(s1->entries[0].rel, "", "the item itself has rel ''");

        _cleanup_sel_ berth_context_selection *s2 = pick(ctx, NULL, &err, "src", NULL);
        is_str(paths(s2, false), "src src/a-b src/main.c src/sub src/sub/b.c",
               "a directory: itself, then depth first with sorted names");
        is_str(paths(s2, true), " a-b main.c sub sub/b.c", "rels below the item");
        ok(s2 && (s2->entries[4].mode & 07777) == 0600, "mode bits kept");

        _cleanup_sel_ berth_context_selection *s3 = pick(ctx, NULL, &err, "/src/", NULL);
        ok(s3 && s2 && berth_digest_equal(&s3->digest, &s2->digest), "'/src/' is 'src'");
        _cleanup_sel_ berth_context_selection *s4 = pick(ctx, NULL, &err, "../../src/sub/..", NULL);
        ok(s4 && s2 && berth_digest_equal(&s4->digest, &s2->digest),
           "'..' above the root stays at the root, like BuildKit");
        _cleanup_sel_ berth_context_selection *s5 = pick(ctx, NULL, &err, ".", NULL);
        is_str(paths(s5, false), ". a.txt src src/a-b src/main.c src/sub src/sub/b.c",
               "'.' is the whole context");

        ok(pick(ctx, NULL, &err, "missing.txt", NULL) == NULL, "a missing file fails");
        is_str(err.msg,
               "file not found in build context or excluded by .dockerignore: stat missing.txt: "
               "file does not exist",
               "with the legacy builder's words");
        is_int(err.code, ENOENT, "ENOENT");
        ok(pick(ctx, NULL, &err, "a.txt/x", NULL) == NULL && err.code == ENOENT,
           "a path through a file is not found");
        ok(pick(ctx, NULL, &err, NULL) == NULL, "no sources at all");
        is_str(err.msg, "no source files were specified", "nothing specified");
}

static void test_globs(void)
{
        _cleanup_close_ int ctx = new_tree();
        berth_error err = {0};
        put(ctx, "a.txt", "a", 0644);
        put(ctx, "b.txt", "b", 0644);
        put(ctx, "c.md", "c", 0644);
        put(ctx, "sub/d.txt", "d", 0644);
        put(ctx, "s1/x.c", "x", 0644);
        put(ctx, "s2/y.c", "y", 0644);
        put(ctx, "s2/z.h", "z", 0644);
        put(ctx, "s3/deep/w.c", "w", 0644);
        put(ctx, "a*b", "star", 0644);
        put(ctx, "axb", "x", 0644);
        put(ctx, "real/f.c", "f", 0644);
        link_(ctx, "real", "sl");

        struct {
                const char *source, *want;
        } cases[] = {
            {"*.txt", "a.txt b.txt"},
            {"s?/*.c", "s1/x.c s2/y.c"},
            {"*/*.c", "real/f.c s1/x.c s2/y.c"}, /* not sl/f.c: a symlink is not entered */
            {"[ab].txt", "a.txt b.txt"},
            {"s2/[^y]*", "s2/z.h"},
            {"*/deep", "s3/deep"},
            {"s*/deep/*.c", "s3/deep/w.c"},
            {"[a]\\*b", "a*b"}, /* after a wildcard, '\\' escapes */
            {"./s1/../*.md", "c.md"},
            {"s?", "s1 s2 s3 sl"}, /* a final symlink match is followed */
            {NULL, NULL},
        };
        for (size_t i = 0; cases[i].source && cases[i].want; i++) {
                const char *src = cases[i].source, *want = cases[i].want;
                _cleanup_sel_ berth_context_selection *s = pick(ctx, NULL, &err, src, NULL);
                is_str(matches(s), want, "'%s' matches %s", src, want);
        }
        _cleanup_sel_ berth_context_selection *sl = pick(ctx, NULL, &err, "s?", NULL);
        ok(sl && sl->n_items == 4 && strcmp(sl->items[3].path, "real") == 0 &&
               strcmp(sl->items[3].name, "sl") == 0,
           "the symlink match resolves to real but keeps its name");

        ok(pick(ctx, NULL, &err, "a\\*b", NULL) == NULL && err.code == ENOENT,
           "without wildcards a backslash is part of the name, as in BuildKit");
        ok(pick(ctx, NULL, &err, "nomatch*", NULL) == NULL, "a wildcard without match");
        is_str(err.msg, "no source files were specified", "fails when nothing else is selected");
        _cleanup_sel_ berth_context_selection *s2 = pick(ctx, NULL, &err, "nomatch*", "c.md", NULL);
        ok(s2 && s2->n_items == 1, "but not beside a source that selects something");
        ok(pick(ctx, NULL, &err, "missing/*.txt", NULL) == NULL &&
               strcmp(err.msg, "no source files were specified") == 0,
           "a wildcard under a missing directory matches nothing");
        ok(pick(ctx, NULL, &err, "[", NULL) == NULL &&
               strcmp(err.msg, "no source files were specified") == 0,
           "a malformed wildcard matches nothing (Docker ignores Match's error)");
        _cleanup_sel_ berth_context_selection *s3 = pick(ctx, NULL, &err, "*.txt", "*.txt", NULL);
        ok(s3 && s3->n_items == 4, "a source given twice is selected twice");
}

static void test_only_what_is_named(void)
{
        _cleanup_close_ int ctx = new_tree();
        berth_error err = {0};
        char name[64];
        for (int d = 0; d < 20; d++)
                for (int f = 0; f < 100; f++) {
                        snprintf(name, sizeof(name), "big/d%02d/f%03d", d, f);
                        put(ctx, name, "content of the rest", 0644);
                }
        put(ctx, "app/x", "x", 0644);
        put(ctx, "app/y", "y", 0644);
        put(ctx, "app/sub/z", "z", 0644);
        put(ctx, "README.md", "r", 0644);

        _cleanup_sel_ berth_context_selection *s = pick(ctx, NULL, &err, "app", NULL);
        ok(s != NULL, "select app beside 2000 other files");
        if (s == NULL)
                return;
        is_int(s->stats.dirs_listed, 2, "only app and app/sub are listed");
        is_int(s->stats.files_hashed, 3, "only their three files are read");
        ok(s->stats.lookups <= 6, "a handful of lookups (%llu)",
           (unsigned long long)s->stats.lookups);

        _cleanup_sel_ berth_context_selection *g = pick(ctx, NULL, &err, "*.md", NULL);
        ok(g && g->stats.dirs_listed == 1 && g->stats.files_hashed == 1,
           "a top-level wildcard lists the root only");
        _cleanup_sel_ berth_context_selection *h = pick(ctx, NULL, &err, "big/d07/f00*", NULL);
        ok(h && h->n_items == 10 && h->stats.dirs_listed == 1,
           "a wildcard in big/d07 lists big/d07 only");
        _cleanup_ign_ berth_dockerignore *ign = rules_text("big\n!big/d03/f001\n");
        _cleanup_sel_ berth_context_selection *i = pick(ctx, ign, &err, "app", NULL);
        ok(i && i->stats.dirs_listed == 2, "rules do not make the walk look elsewhere");
}

static void test_symlinks(void)
{
        _cleanup_close_ int ctx = new_tree();
        berth_error err = {0};
        put(ctx, "real/f.txt", "F", 0644);
        link_(ctx, "real", "lnk");
        link_(ctx, "/", "abs");
        link_(ctx, "../../../..", "esc");
        link_(ctx, "/etc/passwd", "dir/out");
        link_(ctx, "../../..", "dir/up");
        link_(ctx, "../real/f.txt", "dir/in");
        link_(ctx, "zloop2", "zloop1");
        link_(ctx, "zloop1", "zloop2");

        _cleanup_sel_ berth_context_selection *d = pick(ctx, NULL, &err, "dir", NULL);
        is_str(paths(d, false), "dir dir/in dir/out dir/up", "a directory with three symlinks");
        const berth_context_entry *out = entry(d, "dir/out");
        ok(out && S_ISLNK(out->mode) && strcmp(out->link, "/etc/passwd") == 0,
           "a link out of the context is copied as a link");
        const berth_context_entry *up = entry(d, "dir/up");
        ok(up && S_ISLNK(up->mode) && strcmp(up->link, "../../..") == 0, "so is a '..' link");
        ok(d && d->stats.files_hashed == 0, "and nothing is read through them");

        ok(pick(ctx, NULL, &err, "dir/out", NULL) == NULL && err.code == ENOENT,
           "naming the link follows it inside the context: its etc/passwd is missing");
        put(ctx, "etc/passwd", "fake", 0644);
        _cleanup_sel_ berth_context_selection *o = pick(ctx, NULL, &err, "dir/out", NULL);
        berth_digest fake;
        berth_digest_of("fake", 4, &fake);
        ok(o && strcmp(o->items[0].path, "etc/passwd") == 0 &&
               berth_digest_equal(&o->entries[0].content, &fake),
           "now it is the context's etc/passwd, never the host's");
        ok(o && strcmp(o->items[0].name, "out") == 0, "still named out");

        struct {
                const char *source, *path;
        } via[] = {
            {"lnk/f.txt", "real/f.txt"},
            {"abs/real/f.txt", "real/f.txt"},
            {"esc/real/f.txt", "real/f.txt"},
            {"dir/in", "real/f.txt"},
            {"dir/up/real/f.txt", "real/f.txt"},
            {"lnk/../real/f.txt", "real/f.txt"}, /* cleaned lexically first */
        };
        for (size_t i = 0; i < sizeof(via) / sizeof(via[0]); i++) {
                _cleanup_sel_ berth_context_selection *s =
                    pick(ctx, NULL, &err, via[i].source, NULL);
                ok(s && strcmp(s->items[0].path, via[i].path) == 0,
                   "'%s' resolves inside the context to %s%s%s", via[i].source, via[i].path,
                   s ? "" : ": ", s ? "" : err.msg);
        }
        _cleanup_sel_ berth_context_selection *l = pick(ctx, NULL, &err, "lnk", NULL);
        is_str(paths(l, false), "real real/f.txt", "a link to a directory copies the directory");
        is_str(paths(l, true), " f.txt", "its contents below the item");

        ok(pick(ctx, NULL, &err, "zloop1/x", NULL) == NULL, "a symlink loop");
        is_int(err.code, ELOOP, "fails with ELOOP");
        like(err.msg, "too many levels of symbolic links", "saying so");
}

static void test_ignored(void)
{
        _cleanup_close_ int ctx = new_tree();
        berth_error err = {0};
        const char *rules = "*.log\nsecret\ndocs\n!docs/README.md\nbuild\nDockerfile\n"
                            ".dockerignore\nnode_modules\n!**/package.json\n";
        put(ctx, ".dockerignore", rules, 0644);
        put(ctx, "Dockerfile", "FROM scratch\n", 0644);
        put(ctx, "a.txt", "a", 0644);
        put(ctx, "b.log", "b", 0644);
        put(ctx, "secret", "s", 0600);
        put(ctx, "docs/README.md", "r", 0644);
        put(ctx, "docs/other.md", "o", 0644);
        put(ctx, "build/out.bin", "o", 0644);
        put(ctx, "node_modules/x/package.json", "{}", 0644);
        put(ctx, "node_modules/x/index.js", "js", 0644);
        link_(ctx, "secret", "link-secret");
        link_(ctx, "docs", "link-docs");

        _cleanup_ign_ berth_dockerignore *ign = NULL;
        ok(berth_dockerignore_load(ctx, ctx, "Dockerfile", &ign, &err) == 0,
           "load the rules (the ignore file ignores itself, and is still read)");
        is_int(ign ? berth_dockerignore_count(ign) : 0, 9, "nine patterns");

        _cleanup_sel_ berth_context_selection *all = pick(ctx, ign, &err, ".", NULL);
        is_str(paths(all, false),
               ". a.txt docs docs/README.md link-docs link-secret node_modules node_modules/x "
               "node_modules/x/package.json",
               "the context as Docker transfers it: no Dockerfile, .dockerignore, *.log, secret, "
               "build; docs and node_modules only for their exceptions");

        struct {
                const char *source;
                bool found;
        } cases[] = {
            {"secret", false},        {"link-secret", false}, /* judged where it really is */
            {"b.log", false},         {"Dockerfile", false},    {".dockerignore", false},
            {"build", false},         {"build/out.bin", false}, {"docs/other.md", false},
            {"docs/README.md", true}, {"a.txt", true},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_sel_ berth_context_selection *s =
                    pick(ctx, ign, &err, cases[i].source, NULL);
                ok((s != NULL) == cases[i].found, "COPY %s: %s", cases[i].source,
                   cases[i].found ? "found" : "not found (ignored)");
                if (!cases[i].found)
                        like(err.msg, "file not found in build context or excluded by",
                             "  with the not-found error");
        }
        _cleanup_sel_ berth_context_selection *docs = pick(ctx, ign, &err, "docs", NULL);
        is_str(paths(docs, false), "docs docs/README.md", "COPY docs: only what is re-included");
        _cleanup_sel_ berth_context_selection *ld = pick(ctx, ign, &err, "link-docs", NULL);
        is_str(paths(ld, false), "docs docs/README.md", "through a link to it: the same");
        ok(pick(ctx, ign, &err, "*.log", NULL) == NULL &&
               strcmp(err.msg, "no source files were specified") == 0,
           "a wildcard whose matches are all ignored selects nothing");
        _cleanup_sel_ berth_context_selection *md = pick(ctx, ign, &err, "docs/*.md", NULL);
        is_str(matches(md), "docs/README.md", "a wildcard skips the ignored");

        /* Without an exception, an excluded directory is not looked into at all. */
        _cleanup_ign_ berth_dockerignore *plain = rules_text("docs\nbuild\n");
        _cleanup_sel_ berth_context_selection *p = pick(ctx, plain, &err, ".", NULL);
        ok(p && entry(p, "docs") == NULL && entry(p, "build") == NULL,
           "excluded directories are left out whole");
        ok(p && p->stats.dirs_listed == 3,
           "and not listed (root, node_modules, node_modules/x: "
           "%llu)",
           p ? (unsigned long long)p->stats.dirs_listed : 0ULL);
}

static void test_special_files(void)
{
        _cleanup_close_ int ctx = new_tree();
        berth_error err = {0};
        put(ctx, "f", "x", 0644);
        ok(mkfifoat(ctx, "fifo", 0640) == 0, "a FIFO in the context");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", tree_path());
        int sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ok(sk >= 0 && bind(sk, (struct sockaddr *)&sa, sizeof(sa)) == 0, "a socket");
        bool dev = geteuid() == 0 && mknodat(ctx, "null", S_IFCHR | 0600, makedev(1, 3)) == 0;

        _cleanup_sel_ berth_context_selection *s = pick(ctx, NULL, &err, ".", NULL);
        const berth_context_entry *fifo = entry(s, "fifo"), *sock = entry(s, "sock");
        ok(fifo && S_ISFIFO(fifo->mode) && (fifo->mode & 07777) == 0640,
           "the FIFO is recorded by type and mode (and was not opened: no hang)");
        ok(sock && S_ISSOCK(sock->mode), "the socket too");
        ok(s && s->stats.files_hashed == 1, "only the regular file was read");
        _cleanup_sel_ berth_context_selection *f = pick(ctx, NULL, &err, "fifo", NULL);
        ok(f && f->n_entries == 1 && S_ISFIFO(f->entries[0].mode), "naming the FIFO selects it");
        if (dev) {
                const berth_context_entry *n = entry(s, "null");
                ok(n && S_ISCHR(n->mode) && n->rdev == makedev(1, 3),
                   "a device node: type and numbers, never opened");
        } else {
                ok(1, "a device node # skip not root");
        }
        if (sk >= 0)
                close(sk);
}

/* The same tree, made anew. */
static int digest_tree(void)
{
        int ctx = new_tree();
        put(ctx, "src/a.c", "int a;", 0644);
        put(ctx, "src/b.c", "int b;", 0755);
        put(ctx, "src/sub/c.c", "int c;", 0644);
        link_(ctx, "a.c", "src/l");
        put(ctx, "one.txt", "1", 0644);
        put(ctx, "two.txt", "2", 0644);
        put(ctx, "other.md", "m", 0644);
        return ctx;
}

static bool digest_of(int ctx, berth_digest *ret)
{
        berth_error err = {0};
        _cleanup_sel_ berth_context_selection *s = pick(ctx, NULL, &err, "src", "*.txt", NULL);
        if (s == NULL) {
                printf("# %s\n", err.msg);
                return false;
        }
        *ret = s->digest;
        return true;
}

static void test_digest(void)
{
        berth_digest base, d;
        _cleanup_close_ int t0 = digest_tree();
        ok(digest_of(t0, &base), "digest of a tree");

        {
                _cleanup_close_ int t = digest_tree();
                struct timespec old[2] = {{.tv_sec = 1000000}, {.tv_sec = 2000000}};
                ok(utimensat(t, "src/a.c", old, AT_SYMLINK_NOFOLLOW) == 0 &&
                       utimensat(t, "src/sub", old, 0) == 0,
                   "another copy, other mtimes (and inodes)");
                ok(digest_of(t, &d) && berth_digest_equal(&d, &base), "the same digest");
        }
        struct {
                const char *what;
                bool changes;
        } muts[] = {
            {"rename src/b.c to src/b2.c", true},
            {"chmod src/a.c 0600", true},
            {"change src/a.c's content, same size", true},
            {"add src/sub/new.c", true},
            {"add three.txt (matches *.txt)", true},
            {"add three.md (matches nothing)", false},
            {"retarget the symlink src/l", true},
            {"change other.md (not selected)", false},
            {"touch src/a.c", false},
        };
        for (size_t i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
                _cleanup_close_ int t = digest_tree();
                struct timespec now[2] = {{.tv_nsec = UTIME_NOW}, {.tv_nsec = UTIME_NOW}};
                switch (i) {
                case 0:
                        renameat(t, "src/b.c", t, "src/b2.c");
                        break;
                case 1:
                        fchmodat(t, "src/a.c", 0600, 0);
                        break;
                case 2:
                        put(t, "src/a.c", "int z;", 0644);
                        break;
                case 3:
                        put(t, "src/sub/new.c", "", 0644);
                        break;
                case 4:
                        put(t, "three.txt", "3", 0644);
                        break;
                case 5:
                        put(t, "three.md", "3", 0644);
                        break;
                case 6:
                        unlinkat(t, "src/l", 0);
                        link_(t, "b.c", "src/l");
                        break;
                case 7:
                        put(t, "other.md", "changed", 0644);
                        break;
                case 8:
                        utimensat(t, "src/a.c", now, 0);
                        break;
                }
                bool got = digest_of(t, &d);
                ok(got && berth_digest_equal(&d, &base) != muts[i].changes, "%s: %s", muts[i].what,
                   muts[i].changes ? "a new digest" : "the same digest");
        }
        if (geteuid() == 0) {
                _cleanup_close_ int t = digest_tree();
                ok(fchownat(t, "src/sub/c.c", 1234, 1234, 0) == 0 && digest_of(t, &d) &&
                       !berth_digest_equal(&d, &base),
                   "chown: a new digest");
        } else {
                ok(1, "chown: a new digest # skip not root");
        }
        {
                /* The same files under another source spelling select the same things. */
                _cleanup_close_ int t = digest_tree();
                berth_error err = {0};
                _cleanup_sel_ berth_context_selection *a = pick(t, NULL, &err, "src", NULL);
                _cleanup_sel_ berth_context_selection *b = pick(t, NULL, &err, "./src/", NULL);
                _cleanup_sel_ berth_context_selection *c = pick(t, NULL, &err, "src/*", NULL);
                ok(a && b && berth_digest_equal(&a->digest, &b->digest),
                   "'./src/' and 'src': the same digest");
                ok(a && c && !berth_digest_equal(&a->digest, &c->digest),
                   "'src/*' (items a.c, b.c, l, sub) differs from 'src' (one item)");
        }
}

int main(void)
{
        test_file_and_dir();
        test_globs();
        test_only_what_is_named();
        test_symlinks();
        test_ignored();
        test_special_files();
        test_digest();
        berth_error err = {0};
        for (size_t i = 0; i < ntemps; i++) {
                berth_rm_rf(temps[i], &err);
                free(temps[i]);
        }
        return tap_done();
}
