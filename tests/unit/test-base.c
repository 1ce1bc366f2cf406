/* SPDX-License-Identifier: Apache-2.0 */
#include "base/cleanup.h"
#include "base/cpulist.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "base/units.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void test_errors(void)
{
        berth_error err = {0};
        int r = berth_err(&err, ENOENT, "cannot open layer '%s'", "sha256:ab");
        is_int(r, -ENOENT, "berth_err returns -errno");
        is_str(err.msg, "cannot open layer 'sha256:ab': No such file or directory",
               "message carries strerror");
        r = berth_wrap(&err, "cannot create container '%s'", "c1");
        is_int(r, -ENOENT, "wrap keeps the code");
        is_str(err.msg,
               "cannot create container 'c1': cannot open layer 'sha256:ab': No such file or "
               "directory",
               "wrap prefixes context");
        r = berth_errx(&err, 0, "bad field");
        is_int(r, -EINVAL, "errx defaults to EINVAL");
        is_str(err.msg, "bad field", "errx has no strerror");
}

static void test_strv(void)
{
        _cleanup_strv_ char **v = NULL;
        berth_strv_push(&v, "a");
        berth_strv_push(&v, "b");
        is_int(berth_strv_length(v), 2, "strv_push appends");
        ok(berth_strv_contains(v, "b") && !berth_strv_contains(v, "c"), "strv_contains");
        long long n;
        ok(berth_parse_i64("0x10", &n) == 0 && n == 16, "parse_i64 hex");
        ok(berth_parse_i64("12abc", &n) < 0, "parse_i64 refuses trailing garbage");
        char esc[64];
        berth_json_escape("a\"b\\c\n", esc, sizeof(esc));
        is_str(esc, "a\\\"b\\\\c\\n", "json escape");
}

static void test_in_root(void)
{
        char tmpl[] = "/tmp/berth-test-XXXXXX";
        char *root = mkdtemp(tmpl);
        ok(root != NULL, "temp root");
        berth_error err = {0};
        _cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        /* A symlink pointing out of the root must stay inside it. */
        _cleanup_free_ char *link = berth_xasprintf("%s/escape", root);
        ok(symlink("/etc", link) == 0, "make escaping symlink");
        _cleanup_close_ int d =
            berth_mkdir_p_in_root(rfd, "escape/berth-should-not-exist", 0755, &err);
        ok(d >= 0, "mkdir through symlink succeeds inside the root: %s", err.msg);
        struct stat st;
        ok(stat("/etc/berth-should-not-exist", &st) < 0, "nothing created on the host");
        _cleanup_free_ char *inside = berth_xasprintf("%s/etc/berth-should-not-exist", root);
        ok(stat(inside, &st) == 0 && S_ISDIR(st.st_mode), "created under the root instead");

        _cleanup_free_ char *rel = berth_xasprintf("%s/var", root);
        mkdir(rel, 0755);
        _cleanup_free_ char *run = berth_xasprintf("%s/var/run", root);
        ok(symlink("../run", run) == 0, "relative symlink /var/run -> ../run");
        _cleanup_close_ int f = berth_ensure_in_root(rfd, "/var/run/x.pid", false, 0644, &err);
        ok(f >= 0, "ensure file through relative symlink: %s", err.msg);
        _cleanup_free_ char *runx = berth_xasprintf("%s/run/x.pid", root);
        ok(stat(runx, &st) == 0 && S_ISREG(st.st_mode), "file landed at /run/x.pid");

        _cleanup_close_ int up = berth_open_in_root(rfd, "../../../etc/passwd", O_RDONLY, 0, &err);
        ok(up < 0, "dot-dot cannot reach the host's /etc/passwd");

        ok(berth_rm_rf(root, &err) == 0, "rm_rf cleans up: %s", err.msg);
        ok(stat(root, &st) < 0, "root gone");

        /* a bind mount of a directory on the same filesystem is still a mount: never entered */
        if (geteuid() != 0) {
                ok(1, "rm_rf stops at a same-filesystem bind mount # skip not root");
                ok(1, "its files are kept # skip not root");
                return;
        }
        char t2[] = "/tmp/berth-rmrf-XXXXXX";
        char *top = mkdtemp(t2);
        _cleanup_free_ char *keep = berth_xasprintf("%s/keep", top);
        _cleanup_free_ char *tree = berth_xasprintf("%s/tree", top);
        _cleanup_free_ char *mnt = berth_xasprintf("%s/tree/mnt", top);
        _cleanup_free_ char *precious = berth_xasprintf("%s/keep/precious", top);
        mkdir(keep, 0755);
        mkdir(tree, 0755);
        mkdir(mnt, 0755);
        berth_write_file(precious, "x", 1, O_CREAT, NULL);
        bool bound = mount(keep, mnt, NULL, MS_BIND, NULL) == 0;
        memset(&err, 0, sizeof(err));
        ok(bound && berth_rm_rf(tree, &err) < 0, "rm_rf stops at a same-filesystem bind mount");
        ok(stat(precious, &st) == 0, "its files are kept");
        umount2(mnt, MNT_DETACH);
        berth_rm_rf(top, NULL);
}

/* A container's /etc/passwd as hostile input: FIFOs, devices, huge files, links. */
static void test_read_in_root(void)
{
        char t[] = "/tmp/berth-readroot-XXXXXX";
        char *root = mkdtemp(t);
        berth_error err = {0};
        int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *cmd = berth_xasprintf(
            "cd %s && mkdir -p etc dev && printf 'root:x:0:0::/:/bin/sh\\n' > etc/passwd && "
            "mkfifo etc/fifo && ln -s /dev/zero etc/zero && ln -s ../../../../../etc/hostname "
            "etc/up && echo inner > etc/hostname && head -c 5000 /dev/zero > etc/big && "
            ": > etc/empty",
            root);
        ok(system(cmd) == 0, "a hostile root");

        char *buf = NULL;
        size_t len = 0;
        ok(berth_read_file_in_root(rfd, "/etc/passwd", 4096, &buf, &len, &err) == 0 && len == 22 &&
               strcmp(buf, "root:x:0:0::/:/bin/sh\n") == 0,
           "a regular file is read whole: %s", err.msg);
        free(buf);
        buf = NULL;
        ok(berth_read_file_in_root(rfd, "/etc/empty", 4096, &buf, &len, &err) == 0 && len == 0 &&
               buf && buf[0] == '\0',
           "an empty one too");
        free(buf);
        buf = NULL;

        time_t t0 = time(NULL);
        is_int(berth_read_file_in_root(rfd, "/etc/fifo", 4096, &buf, &len, &err), -EINVAL,
               "a FIFO is refused");
        ok(time(NULL) - t0 < 5, "… at once, not waited on");
        is_str(err.msg, "'/etc/fifo' is not a regular file", "… naming it");
        /* /etc/zero -> /dev/zero resolves in the root: missing there */
        is_int(berth_read_file_in_root(rfd, "/etc/zero", 4096, &buf, &len, &err), -ENOENT,
               "a symlink to /dev/zero is the root's /dev/zero: missing");
        if (geteuid() == 0) {
                _cleanup_free_ char *node = berth_xasprintf("%s/dev/zero", root);
                ok(mknod(node, S_IFCHR | 0666, makedev(1, 5)) == 0, "a real /dev/zero node");
                is_int(berth_read_file_in_root(rfd, "/etc/zero", 4096, &buf, &len, &err), -EINVAL,
                       "a char device through a symlink is refused, never read");
                like(err.msg, "is not a regular file", "… saying so");
        } else {
                ok(1, "char device # skip not root");
                ok(1, "char device # skip not root");
                ok(1, "char device # skip not root");
        }
        is_int(berth_read_file_in_root(rfd, "/etc/big", 4096, &buf, &len, &err), -EFBIG,
               "a file over the limit is refused");
        is_str(err.msg, "'/etc/big' is larger than 4096 bytes", "… naming it and the limit");
        ok(berth_read_file_in_root(rfd, "/etc/big", 5000, &buf, &len, &err) == 0 && len == 5000,
           "exactly the limit is fine");
        free(buf);
        buf = NULL;
        ok(berth_read_file_in_root(rfd, "/etc/up", 4096, &buf, &len, &err) == 0 &&
               strcmp(buf, "inner\n") == 0,
           "a ../../ symlink reads the root's file, not the host's");
        free(buf);
        buf = NULL;
        is_int(berth_read_file_in_root(rfd, "/etc/nothing", 4096, &buf, &len, &err), -ENOENT,
               "missing: -ENOENT");
        ok(buf == NULL, "no output on errors");
        close(rfd);
        berth_rm_rf(root, NULL);
}

static void test_digest(void)
{
        berth_digest d, e;
        berth_digest_of("abc", 3, &d);
        is_str(d.s, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
               "sha256 of 'abc' (FIPS 180-2 test vector)");
        berth_error err = {0};
        ok(berth_digest_parse(d.s, &e, &err) == 0 && berth_digest_equal(&d, &e),
           "a digest parses back");
        ok(berth_digest_parse("sha512:abcd", &e, &err) < 0, "sha512 refused");
        like(err.msg, "only sha256", "the message says why");
        ok(berth_digest_parse("sha256:ABCDEF", &e, &err) < 0, "short digest refused");
        ok(berth_digest_parse(
               "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", &e,
               &err) < 0,
           "uppercase hex refused");
        int p[2];
        ok(pipe(p) == 0, "pipe");
        ok(write(p[1], "abc", 3) == 3, "write");
        close(p[1]);
        uint64_t size = 0;
        ok(berth_digest_fd(p[0], &e, &size, &err) == 0 && berth_digest_equal(&d, &e) && size == 3,
           "streamed digest of an fd matches, with its size");
        close(p[0]);
}

static void test_units(void)
{
        char b[64];
        const struct {
                int64_t n;
                const char *want;
        } sizes[] = {{0, "0B"},           {999, "999B"},          {1000, "1kB"},
                     {4264960, "4.26MB"}, {1234567890, "1.23GB"}, {724000, "724kB"}};
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
                berth_human_size(sizes[i].n, b, sizeof(b));
                is_str(b, sizes[i].want, "size %lld", (long long)sizes[i].n);
        }
        const struct {
                double n;
                int prec;
                const char *want;
        } prec[] = {{0, 4, "0B"},     {1234567, 4, "1.235MB"}, {999999, 3, "1e+03kB"},
                    {648, 3, "648B"}, {1500, 3, "1.5kB"},      {12345678901.0, 4, "12.35GB"}};
        for (size_t i = 0; i < ARRAY_SIZE(prec); i++) {
                berth_human_size_prec(prec[i].n, prec[i].prec, b, sizeof(b));
                is_str(b, prec[i].want, "size %.0f precision %d", prec[i].n, prec[i].prec);
        }
        const struct {
                double n;
                const char *want;
        } bin[] = {{0, "0B"},
                   {1023, "1023B"},
                   {1024, "1KiB"},
                   {1536 * 1024, "1.5MiB"},
                   {50.0 * 1024 * 1024, "50MiB"},
                   {8200000000.0, "7.637GiB"},
                   {1048575, "1024KiB"}};
        for (size_t i = 0; i < ARRAY_SIZE(bin); i++) {
                berth_bytes_size(bin[i].n, b, sizeof(b));
                is_str(b, bin[i].want, "bytes size %.0f", bin[i].n);
        }
        const struct {
                int64_t s;
                const char *want;
        } durs[] = {{0, "Less than a second"}, {1, "1 second"},          {59, "59 seconds"},
                    {60, "About a minute"},    {119, "About a minute"},  {600, "10 minutes"},
                    {3600, "About an hour"},   {7200, "2 hours"},        {3 * 86400, "3 days"},
                    {21 * 86400, "3 weeks"},   {90 * 86400, "3 months"}, {800 * 86400, "2 years"}};
        for (size_t i = 0; i < ARRAY_SIZE(durs); i++) {
                berth_human_duration(durs[i].s, b, sizeof(b));
                is_str(b, durs[i].want, "duration %lld s", (long long)durs[i].s);
        }
        is_int(berth_parse_rfc3339("1970-01-01T00:01:00Z"), 60, "rfc3339 Z");
        is_int(berth_parse_rfc3339("1970-01-01T01:01:00.123456789+01:00"), 60, "rfc3339 offset");
        is_int(berth_parse_rfc3339("yesterday"), -1, "rfc3339 garbage");
}

static void test_go_duration(void)
{
        const struct {
                const char *s;
                int64_t ns;
        } good[] = {
            {"0", 0},
            {"1m30s", 90LL * 1000000000},
            {"500ms", 500LL * 1000000},
            {"1.5h", 5400LL * 1000000000},
            {"-2s", -2LL * 1000000000},
            {"+3s", 3LL * 1000000000},
            {".5s", 500000000},
            {"1.s", 1000000000},
            {"10us", 10000},
            {"10\xc2\xb5s", 10000},
            {"10\xce\xbcs", 10000},
            {"7ns", 7},
            {"1h2m3s4ms5us6ns", 3723004005006LL},
            {"2562047h47m16.854775807s", INT64_MAX},
            {"-2562047h47m16.854775808s", INT64_MIN},
            {"0.000000001s", 1},
        };
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                berth_error err = {0};
                int64_t ns = -12345;
                int r = berth_parse_go_duration(good[i].s, &ns, &err);
                ok(r == 0 && ns == good[i].ns, "go duration '%s' = %lld ns (got %lld, %s)",
                   good[i].s, (long long)good[i].ns, (long long)ns, err.msg);
        }
        const struct {
                const char *s, *msg;
        } bad[] = {
            {"", "time: invalid duration \"\""},
            {"abc", "time: invalid duration \"abc\""},
            {"1", "time: missing unit in duration \"1\""},
            {"1d", "time: unknown unit \"d\" in duration \"1d\""},
            {"-", "time: invalid duration \"-\""},
            {".s", "time: invalid duration \".s\""},
            {"1s2", "time: missing unit in duration \"1s2\""},
            {"3000000h", "time: invalid duration \"3000000h\""},
            {"2562047h47m16.854775808s", "time: invalid duration \"2562047h47m16.854775808s\""},
            {"1\t", "time: unknown unit \"\\x09\" in duration \"1\\x09\""},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                berth_error err = {0};
                int64_t ns = 42;
                int r = berth_parse_go_duration(bad[i].s, &ns, &err);
                is_int(r, -EINVAL, "go duration '%s' is refused", bad[i].s);
                is_str(err.msg, bad[i].msg, "go duration '%s' says why", bad[i].s);
                is_int(ns, 42, "go duration '%s' leaves the output alone", bad[i].s);
        }
}

static void test_ram_bytes(void)
{
        const struct {
                const char *s;
                int64_t n;
        } good[] = {
            {"0", 0},
            {"1024", 1024},
            {"512m", 512LL << 20},
            {"512M", 512LL << 20},
            {"1.5g", 3LL << 29},
            {"2GiB", 2LL << 30},
            {"2gb", 2LL << 30},
            {"10 MB", 10LL << 20},
            {"1k", 1024},
            {"1t", 1LL << 40},
            {"1p", 1LL << 50},
            {"7b", 7},
            {"7B", 7},
            {"1e3", 1000},
            {"0.5k", 512},
            {"1.9", 1},
        };
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                berth_error err = {0};
                int64_t n = -1;
                int r = berth_parse_ram_bytes(good[i].s, &n, &err);
                ok(r == 0 && n == good[i].n, "ram size '%s' = %lld (got %lld, %s)", good[i].s,
                   (long long)good[i].n, (long long)n, err.msg);
        }
        const struct {
                const char *s, *msg;
        } bad[] = {
            {"abc", "invalid size: 'abc'"},
            {"", "invalid size: ''"},
            {"-1", "invalid size: '-1'"},
            {"10x", "invalid suffix: 'x'"},
            {"10KB2", "strconv.ParseFloat: parsing \"10KB2\": invalid syntax"},
            {"1.2.3m", "strconv.ParseFloat: parsing \"1.2.3\": invalid syntax"},
            {"10kbb", "invalid suffix: 'kbb'"},
            {"10Mbytes", "invalid suffix: 'Mbytes'"},
            {"10bk", "invalid suffix: 'bk'"},
            {"10kx", "invalid suffix: 'kx'"},
            {"99999999p", "invalid size: '99999999p'"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                berth_error err = {0};
                int64_t n = 42;
                int r = berth_parse_ram_bytes(bad[i].s, &n, &err);
                is_int(r, -EINVAL, "ram size '%s' is refused", bad[i].s);
                is_str(err.msg, bad[i].msg, "ram size '%s' says why", bad[i].s);
        }
}

static void test_dir_names_sorted(void)
{
        char tmpl[] = "/tmp/berth-names-XXXXXX";
        char *dir = mkdtemp(tmpl);
        ok(dir != NULL, "a temp dir");
        const char *names[] = {"b", "a", ".hidden", "B", "a2"};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                _cleanup_free_ char *p = berth_xasprintf("%s/%s", dir, names[i]);
                close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
        }
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_strv_ char **v = berth_dir_names_sorted(fd);
        char joined[64] = "";
        STRV_FOREACH (n, v)
                snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
                         joined[0] ? " " : "", *n);
        is_str(joined, ".hidden B a a2 b", "every name but . and .., sorted bytewise");
        _cleanup_free_ char *file = berth_xasprintf("%s/a", dir);
        _cleanup_close_ int ffd = open(file, O_RDONLY | O_CLOEXEC);
        errno = 0;
        ok(berth_dir_names_sorted(ffd) == NULL && errno == ENOTDIR, "a file: NULL, ENOTDIR");
        berth_rm_rf(dir, NULL);
}

static void test_write_file_update(void)
{
        char tmpl[] = "/tmp/berth-update-XXXXXX";
        char *dir = mkdtemp(tmpl);
        _cleanup_free_ char *p = berth_xasprintf("%s/f", dir);
        berth_error err = {0};
        struct stat a, b, c;
        ok(berth_write_file_update(p, "one\n", 4, 0644, &err) == 0 && stat(p, &a) == 0,
           "a new file is written: %s", err.msg);
        ok(berth_write_file_update(p, "one\n", 4, 0644, &err) == 0 && stat(p, &b) == 0 &&
               a.st_ino == b.st_ino,
           "the same bytes again: the file is left as it is (same inode)");
        _cleanup_free_ char *text = NULL;
        ok(berth_write_file_update(p, "two\n", 4, 0644, &err) == 0 && stat(p, &c) == 0 &&
               berth_read_file(p, &text, NULL, NULL) == 0 && strcmp(text, "two\n") == 0,
           "other bytes: replaced");
        free(text);
        text = NULL;
        ok(berth_write_file_update(p, "two", 3, 0644, &err) == 0 &&
               berth_read_file(p, &text, NULL, NULL) == 0 && strcmp(text, "two") == 0,
           "a prefix of what is there is other bytes too");
        unlink(p);
        ok(mkfifo(p, 0644) == 0 && berth_write_file_update(p, "two", 3, 0644, &err) == 0 &&
               stat(p, &c) == 0 && S_ISREG(c.st_mode),
           "a FIFO there is replaced, not read (nothing waits for a writer)");
        /* a file a container made huge (its /etc/hosts) is replaced, never read whole: in a
         * child that may not map 256 MiB, against 4 GiB of it */
        int big = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
        ok(big >= 0 && ftruncate(big, 4LL << 30) == 0, "a 4 GiB file (sparse)");
        close(big);
        pid_t pid = fork();
        if (pid == 0) {
                struct rlimit as = {256 << 20, 256 << 20};
                berth_error e = {0};
                _exit(setrlimit(RLIMIT_AS, &as) == 0 &&
                              berth_write_file_update(p, "two", 3, 0644, &e) == 0
                          ? 0
                          : 1);
        }
        int status = -1;
        waitpid(pid, &status, 0);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && stat(p, &c) == 0 && c.st_size == 3,
           "a 4 GiB file there is replaced without being read (256 MiB of address space)");
        berth_rm_rf(dir, NULL);
}

static void test_fds_arrange(void)
{
        int low[2], p[2];
        ok(pipe(low) == 0, "a pipe");
        /* its ends and another fd past the arranged ones (closed in the child) */
        p[0] = fcntl(low[0], F_DUPFD, 20);
        p[1] = fcntl(low[1], F_DUPFD, 20);
        int extra = fcntl(low[1], F_DUPFD, 20);
        close(low[0]);
        close(low[1]);
        pid_t c = fork();
        if (c == 0) {
                const int want[] = {-1, p[1], -1, p[1], -1};
                if (berth_fds_arrange(want, 5) < 0)
                        _exit(10);
                struct stat st;
                if (fstat(0, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
                        _exit(11); /* 0: /dev/null */
                if (fcntl(4, F_GETFD) != -1 || fcntl(extra, F_GETFD) != -1 ||
                    fcntl(p[0], F_GETFD) != -1)
                        _exit(12); /* 4, and every fd past them: closed */
                if ((fcntl(1, F_GETFD) & FD_CLOEXEC) || (fcntl(3, F_GETFD) & FD_CLOEXEC))
                        _exit(13); /* what is kept survives an exec */
                if (write(1, "a", 1) != 1 || write(3, "b", 1) != 1)
                        _exit(14);
                _exit(0);
        }
        close(p[1]);
        close(extra);
        int st = 0;
        waitpid(c, &st, 0);
        is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0,
               "fds arranged: 0 and 2 /dev/null, 1 and 3 "
               "the pipe, 4 and the rest closed");
        char buf[4] = "";
        ssize_t n = read(p[0], buf, sizeof(buf) - 1);
        is_str(n == 2 ? buf : "", "ab", "both ends of the pipe given write to it");
        close(p[0]);
}

static void test_cpulist(void)
{
        cpu_set_t set;
        char buf[64];
        is_int(berth_cpulist_parse("0-3,7", &set), 0, "0-3,7 parses");
        ok(CPU_COUNT(&set) == 5 && CPU_ISSET(3, &set) && CPU_ISSET(7, &set) && !CPU_ISSET(4, &set),
           "to CPUs 0, 1, 2, 3 and 7");
        is_int(berth_cpulist_format(&set, buf, sizeof(buf)), 0, "and back");
        is_str(buf, "0-3,7", "as the same list");
        is_int(berth_cpulist_parse("5", &set), 0, "one CPU");
        berth_cpulist_format(&set, buf, sizeof(buf));
        is_str(buf, "5", "written alone");
        is_int(berth_cpulist_parse("1,2,3,9-10", &set), 0, "single CPUs next to each other");
        berth_cpulist_format(&set, buf, sizeof(buf));
        is_str(buf, "1-3,9-10", "written as ranges");
        const char *bad[] = {"", "-1", "3-1", "1,", ",1", "1-", "a", "1 2", "0-99999", "1;2"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                is_int(berth_cpulist_parse(bad[i], &set), -EINVAL, "'%s' is refused", bad[i]);
        CPU_ZERO(&set);
        CPU_SET(100, &set);
        CPU_SET(200, &set);
        is_int(berth_cpulist_format(&set, buf, 6), -ENOSPC, "a list too long for the buffer");
        CPU_ZERO(&set);
        is_int(berth_cpulist_format(&set, buf, sizeof(buf)), 0, "no CPU");
        is_str(buf, "", "an empty list");
}

int main(void)
{
        test_cpulist();
        test_write_file_update();
        test_fds_arrange();
        test_dir_names_sorted();
        test_units();
        test_go_duration();
        test_ram_bytes();
        test_digest();
        test_errors();
        test_strv();
        test_in_root();
        test_read_in_root();
        return tap_done();
}
