/* SPDX-License-Identifier: Apache-2.0 */
/* Layer unpacking: every entry type kept, hostile layers confined or refused, whiteouts. */
#include "base/cleanup.h"
#include "base/digest.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/unpack.h"
#include "tap.h"
#include "tar-build.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char *top; /* /tmp/berth-unpack-XXXXXX: everything happens in it */
static int ndest;

static char *P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *P(const char *fmt, ...)
{
        static char bufs[8][4096];
        static int i;
        char *b = bufs[i++ % 8];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b, 4096, fmt, ap);
        va_end(ap);
        return b;
}

/* A fresh empty destination directory under top. */
static char *new_dest(void)
{
        char *d = berth_xasprintf("%s/dest%d", top, ++ndest);
        mkdir(d, 0755);
        return d;
}

static int unpack_fd(int fd, const char *dest, const berth_unpack_opts *o, berth_digest *diff,
                     berth_error *err)
{
        _cleanup_close_ int dfd = open(dest, O_PATH | O_DIRECTORY | O_CLOEXEC);
        berth_error_clear(err);
        return berth_unpack_tar(fd, dfd, o, diff, NULL, err);
}

static int unpack_ents(const tent *ents, size_t n, const char *dest, const berth_unpack_opts *o,
                       berth_error *err)
{
        _cleanup_close_ int fd = tar_build(ents, n, TAR_PLAIN);
        return unpack_fd(fd, dest, o, NULL, err);
}

static bool exists(const char *path)
{
        struct stat st;
        return lstat(path, &st) == 0;
}

static char *slurp(const char *path)
{
        static char buf[4096];
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        buf[n < 0 ? 0 : n] = '\0';
        return buf;
}

/* A valid VFS_CAP_REVISION_2 blob: effective, permitted CAP_NET_RAW (13). */
static const char cap_net_raw[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20};

static void test_normal(void)
{
        const tent ents[] = {
            {"etc", 'd', 0755, .mtime = 1500000000},
            {"etc/passwd", 'f', 0644, "root:x:0:0::/root:/bin/sh\n", .mtime = 1600000000},
            {"bin", 'd', 0755},
            {"bin/su", 'f', 04755, "su"},
            {"bin/ping", 'f', 0755, "ping", .xname = "security.capability", .xvalue = cap_net_raw,
             .xlen = sizeof(cap_net_raw)},
            {"bin/tagged", 'f', 0600, "t", .xname = "user.berth", .xvalue = "hello"},
            {"bin/sh", 'l', .link = "busybox"},
            {"bin/abs", 'l', .link = "/etc/passwd"},
            {"bin/pw-link", 'h', .link = "etc/passwd"},
            {"dev", 'd', 0755},
            {"dev/null", 'c', 0666, .maj = 1, .min = 3},
            {"dev/loop0", 'b', 0660, .maj = 7, .min = 0, .gid = 6},
            {"run/fifo", 'p', 0600},
            {"tmp", 'd', 01777},
            {"home/u", 'd', 0750, .uid = 1000, .gid = 1000, .mtime = 1400000000},
            {"home/u/.profile", 'f', 0644, "x", .uid = 1000, .gid = 1000},
            {"sgid", 'f', 02755, "g", .gid = 50},
        };
        char *d = new_dest();
        berth_error err;
        berth_digest diff;
        _cleanup_close_ int fd = tar_build(ents, N(ents), TAR_PLAIN);
        int r = unpack_fd(fd, d, NULL, &diff, &err);
        is_int(r, 0, "normal layer unpacks: %s", err.msg);
        struct stat st;
        ok(lstat(P("%s/etc/passwd", d), &st) == 0 && S_ISREG(st.st_mode) &&
               (st.st_mode & 07777) == 0644 && st.st_mtime == 1600000000 && st.st_nlink == 2,
           "regular file: mode, mtime, and a second link");
        is_str(slurp(P("%s/bin/pw-link", d)), "root:x:0:0::/root:/bin/sh\n", "hard link content");
        struct stat st2;
        ok(lstat(P("%s/bin/pw-link", d), &st2) == 0 && st2.st_ino == st.st_ino,
           "hard link is the same inode");
        ok(lstat(P("%s/etc", d), &st) == 0 && S_ISDIR(st.st_mode) && st.st_mtime == 1500000000,
           "directory mtime set after its contents");
        ok(lstat(P("%s/bin/su", d), &st) == 0 && (st.st_mode & 07777) == 04755 && st.st_uid == 0,
           "setuid kept");
        ok(lstat(P("%s/sgid", d), &st) == 0 && (st.st_mode & 07777) == 02755 && st.st_gid == 50,
           "setgid kept after chown to gid 50");
        char cap[64];
        ssize_t n = lgetxattr(P("%s/bin/ping", d), "security.capability", cap, sizeof(cap));
        ok(n == sizeof(cap_net_raw) && memcmp(cap, cap_net_raw, 6) == 0,
           "security.capability kept (%zd bytes)", n);
        char val[64] = "";
        n = lgetxattr(P("%s/bin/tagged", d), "user.berth", val, sizeof(val));
        ok(n == 5 && memcmp(val, "hello", 5) == 0, "user xattr kept");
        char link[256] = "";
        n = readlink(P("%s/bin/abs", d), link, sizeof(link) - 1);
        ok(n > 0 && strcmp(link, "/etc/passwd") == 0, "absolute symlink written as-is");
        ok(lstat(P("%s/dev/null", d), &st) == 0 && S_ISCHR(st.st_mode) &&
               st.st_rdev == makedev(1, 3) && (st.st_mode & 0777) == 0666,
           "char device 1:3");
        ok(lstat(P("%s/dev/loop0", d), &st) == 0 && S_ISBLK(st.st_mode) &&
               st.st_rdev == makedev(7, 0) && st.st_gid == 6,
           "block device 7:0 group 6");
        ok(lstat(P("%s/run/fifo", d), &st) == 0 && S_ISFIFO(st.st_mode), "fifo");
        ok(lstat(P("%s/run", d), &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0755,
           "implied parent made 0755");
        ok(lstat(P("%s/tmp", d), &st) == 0 && (st.st_mode & 07777) == 01777, "sticky dir");
        ok(lstat(P("%s/home/u", d), &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000 &&
               (st.st_mode & 0777) == 0750 && st.st_mtime == 1400000000,
           "owned dir with its mtime");

        _cleanup_close_ int plain = tar_build(ents, N(ents), TAR_PLAIN);
        berth_digest want, dg, dz;
        berth_digest_fd(plain, &want, NULL, &err);
        is_str(diff.s, want.s, "diff id is the sha256 of the tar");
        _cleanup_close_ int gz = tar_build(ents, N(ents), TAR_GZIP);
        _cleanup_close_ int zs = tar_build(ents, N(ents), TAR_ZSTD);
        r = unpack_fd(gz, new_dest(), NULL, &dg, &err);
        ok(r == 0, "gzip layer unpacks: %s", err.msg);
        is_str(dg.s, want.s, "gzip layer: diff id of the uncompressed tar");
        r = unpack_fd(zs, new_dest(), NULL, &dz, &err);
        ok(r == 0, "zstd layer unpacks: %s", err.msg);
        is_str(dz.s, want.s, "zstd layer: diff id of the uncompressed tar");
}

static void test_sparse(void)
{
        const tent ents[] = {{"sparse", 'f', 0644, .sparse = 8 << 20}};
        char *d = new_dest();
        berth_error err;
        int r = unpack_ents(ents, N(ents), d, NULL, &err);
        is_int(r, 0, "sparse layer unpacks: %s", err.msg);
        struct stat st;
        ok(lstat(P("%s/sparse", d), &st) == 0 && st.st_size == 8 << 20,
           "sparse file apparent size 8 MiB");
        ok((long long)st.st_blocks * 512 < (1 << 20), "sparse file uses %lld bytes of disk",
           (long long)st.st_blocks * 512);
        _cleanup_close_ int fd = open(P("%s/sparse", d), O_RDONLY | O_CLOEXEC);
        char b[3] = "";
        ok(pread(fd, b, 1, 0) == 1 && pread(fd, b + 1, 1, (8 << 20) - 1) == 1 && b[0] == 'S' &&
               b[1] == 'S',
           "sparse file data at both ends");
}

static void test_confined(void)
{
        pid_t pid = getpid();
        berth_error err;
        char *d = new_dest();
        char esc[64];
        snprintf(esc, sizeof(esc), "berth-escape-%d", pid);
        const tent ents[] = {
            {P("../../../tmp/%s", esc), 'f', 0644, "dotdot"},
            {"/abs/path", 'f', 0644, "abs"},
            {"evil", 'l', .link = "/"},
            {P("evil/etc/%s", esc), 'f', 0644, "through-root-link"},
            {"evil2", 'l', .link = "../../.."},
            {P("evil2/%s", esc), 'f', 0644, "through-dotdot-link"},
            {"dev/sda", 'b', 0660, .maj = 8, .min = 0},
        };
        int r = unpack_ents(ents, N(ents), d, NULL, &err);
        is_int(r, 0, "hostile names are confined, not refused: %s", err.msg);
        ok(!exists(P("/tmp/%s", esc)), "'../../../tmp/x' did not reach the host's /tmp");
        is_str(slurp(P("%s/tmp/%s", d, esc)), "dotdot", "'../../../tmp/x' landed in <layer>/tmp");
        is_str(slurp(P("%s/abs/path", d)), "abs", "'/abs/path' landed in <layer>/abs/path");
        ok(!exists(P("/etc/%s", esc)), "symlink to / did not lead to the host's /etc");
        is_str(slurp(P("%s/etc/%s", d, esc)), "through-root-link",
               "'evil/etc/x' with evil -> / landed in <layer>/etc");
        ok(!exists(P("/%s", esc)) && !exists(P("%s/%s", top, esc)),
           "symlink to ../../.. did not lead out");
        is_str(slurp(P("%s/%s", d, esc)), "through-dotdot-link",
               "'evil2/x' with evil2 -> ../../.. landed at the layer's root");
        struct stat st;
        ok(lstat(P("%s/dev/sda", d), &st) == 0 && S_ISBLK(st.st_mode) &&
               st.st_rdev == makedev(8, 0),
           "a device node is made inside the layer");
        ok(lstat(P("%s/evil", d), &st) == 0 && S_ISLNK(st.st_mode), "the symlink itself is kept");
}

static void test_hardlinks(void)
{
        berth_error err;
        struct stat host, after;
        stat("/etc/passwd", &host);

        const tent abs[] = {{"pw", 'h', .link = "/etc/passwd"}};
        char *d = new_dest();
        int r = unpack_ents(abs, N(abs), d, NULL, &err);
        ok(r < 0, "hard link to '/etc/passwd' with no such entry in the layer is refused");
        like(err.msg, "layer entry 'pw': hard link target '/etc/passwd'", "error names both: %s",
             err.msg);
        ok(!exists(P("%s/pw", d)), "no link made");

        const tent abs_ok[] = {{"etc/passwd", 'f', 0644, "mine"},
                               {"pw", 'h', .link = "/etc/passwd"}};
        d = new_dest();
        r = unpack_ents(abs_ok, N(abs_ok), d, NULL, &err);
        ok(r == 0, "hard link to '/etc/passwd' means the layer's etc/passwd: %s", err.msg);
        is_str(slurp(P("%s/pw", d)), "mine", "linked to the layer's file");

        const tent up[] = {{"pw", 'h', .link = "../../etc/passwd"}};
        d = new_dest();
        r = unpack_ents(up, N(up), d, NULL, &err);
        ok(r < 0, "hard link to '../../etc/passwd' refused");
        is_str(err.msg,
               "layer entry 'pw': hard link target '../../etc/passwd' is outside the layer",
               "error message");

        const tent via[] = {{"s", 'l', .link = "/etc"}, {"pw", 'h', .link = "s/passwd"}};
        d = new_dest();
        r = unpack_ents(via, N(via), d, NULL, &err);
        ok(r < 0, "hard link through a symlinked dir refused");
        like(err.msg, "goes through a symbolic link", "error says why: %s", err.msg);
        ok(!exists(P("%s/pw", d)), "no link made");

        const tent via_rel[] = {{"a/b", 'd'},
                                {"a/b/f", 'f', 0644, "f"},
                                {"up", 'l', .link = "a/b/../../.."},
                                {"pw", 'h', .link = "up/etc/passwd"}};
        d = new_dest();
        r = unpack_ents(via_rel, N(via_rel), d, NULL, &err);
        ok(r < 0, "hard link through a relative escaping symlink refused");
        stat("/etc/passwd", &after);
        is_int(after.st_nlink, host.st_nlink, "the host's /etc/passwd got no new link");
}

static void test_replace(void)
{
        berth_error err;
        struct stat st;
        const tent f2d[] = {{"x", 'f', 0644, "file"}, {"x", 'd', 0700}, {"x/y", 'f', 0644, "y"}};
        char *d = new_dest();
        int r = unpack_ents(f2d, N(f2d), d, NULL, &err);
        ok(r == 0, "file then dir of the same name: %s", err.msg);
        ok(lstat(P("%s/x", d), &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
           "the dir replaced the file");
        is_str(slurp(P("%s/x/y", d)), "y", "and holds its child");

        const tent d2f[] = {{"x", 'd'}, {"x/y", 'f', 0644, "y"}, {"x", 'f', 0600, "file"}};
        d = new_dest();
        r = unpack_ents(d2f, N(d2f), d, NULL, &err);
        ok(r == 0, "dir then file of the same name: %s", err.msg);
        ok(lstat(P("%s/x", d), &st) == 0 && S_ISREG(st.st_mode), "the file replaced the dir");

        const tent merge[] = {
            {"m", 'd', 0755}, {"m/a", 'f', 0644, "a"}, {"m", 'd', 0711, .uid = 7}};
        d = new_dest();
        r = unpack_ents(merge, N(merge), d, NULL, &err);
        ok(r == 0 && lstat(P("%s/m", d), &st) == 0 && (st.st_mode & 0777) == 0711 &&
               st.st_uid == 7 && exists(P("%s/m/a", d)),
           "a dir twice merges and takes the new metadata");

        const tent l2f[] = {{"l", 'l', .link = "/etc"}, {"l", 'd'}, {"l/f", 'f', 0644, "in"}};
        d = new_dest();
        r = unpack_ents(l2f, N(l2f), d, NULL, &err);
        ok(r == 0 && lstat(P("%s/l", d), &st) == 0 && S_ISDIR(st.st_mode),
           "a symlink replaced by a dir is removed, not followed");

        const tent sym_over[] = {{"f", 'l', .link = "/etc/passwd"}, {"f", 'f', 0644, "new"}};
        d = new_dest();
        struct stat host1, host2;
        stat("/etc/passwd", &host1);
        r = unpack_ents(sym_over, N(sym_over), d, NULL, &err);
        stat("/etc/passwd", &host2);
        ok(r == 0 && host1.st_mtim.tv_nsec == host2.st_mtim.tv_nsec &&
               host1.st_size == host2.st_size,
           "a file over a symlink to /etc/passwd replaces the link, never writes through");
        is_str(slurp(P("%s/f", d)), "new", "the file is in the layer");

        const tent under_file[] = {{"a", 'f', 0644, "a"}, {"a/b", 'f', 0644, "b"}};
        d = new_dest();
        r = unpack_ents(under_file, N(under_file), d, NULL, &err);
        ok(r < 0, "an entry under a regular file is refused");
        like(err.msg, "layer entry 'a/b'", "names the entry: %s", err.msg);
}

/* A ustar header with a GNU base-256 size field claiming `size`, no data. */
static int huge_header_fd(unsigned long long size)
{
        const tent one[] = {{"huge", 'f', 0644, ""}};
        _cleanup_close_ int fd = tar_build(one, 1, TAR_PLAIN);
        unsigned char h[1024] = {0};
        if (pread(fd, h, 512, 0) != 512)
                return -1;
        h[124] = 0x80;
        for (int i = 11; i >= 1; i--, size >>= 8)
                h[124 + i] = size & 0xff;
        memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (int i = 0; i < 512; i++)
                sum += h[i];
        snprintf((char *)h + 148, 8, "%06o", sum);
        h[155] = ' ';
        return bytes_fd(h, sizeof(h));
}

static void test_limits(void)
{
        berth_error err;
        berth_unpack_opts o = {.max_bytes = 10 << 20};

        /* 50 files of 4 MiB of zeros, gzip: 200 MiB that compress to ~200 KiB. */
        tent bomb[50];
        for (int i = 0; i < 50; i++)
                bomb[i] = (tent){berth_xasprintf("zero%02d", i), 'f', 0644, .zeros = 4 << 20};
        _cleanup_close_ int fd = tar_build(bomb, N(bomb), TAR_GZIP);
        for (int i = 0; i < 50; i++)
                free((char *)bomb[i].name);
        struct stat st;
        fstat(fd, &st);
        char *d = new_dest();
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int r = unpack_fd(fd, d, &o, NULL, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        ok(r < 0, "a %lld-byte gzip bomb of 200 MiB is refused", (long long)st.st_size);
        is_str(err.msg, "layer exceeds the limit of 10485760 bytes", "error message");
        ok(secs < 3, "refused quickly (%.2fs)", secs);
        ok(!exists(P("%s/zero03", d)), "stopped before the fourth 4 MiB file");

        const tent one_big[] = {{"big", 'f', 0644, .zeros = 12 << 20}};
        fd = (close(fd), tar_build(one_big, 1, TAR_GZIP));
        d = new_dest();
        r = unpack_fd(fd, d, &o, NULL, &err);
        ok(r < 0 && !exists(P("%s/big", d)), "a 12 MiB entry is refused before it is created");
        like(err.msg, "layer entry 'big': size 12582912 exceeds the limit", "error: %s", err.msg);

        close(fd);
        fd = huge_header_fd(1ULL << 40);
        d = new_dest();
        r = unpack_fd(fd, d, &o, NULL, &err);
        ok(r < 0 && !exists(P("%s/huge", d)), "a header claiming 1 TiB is refused");
        like(err.msg, "size 1099511627776 exceeds the limit", "error: %s", err.msg);

        const tent many[] = {{"a", 'f', 0, "a"}, {"b", 'f', 0, "b"}, {"c", 'f', 0, "c"}};
        berth_unpack_opts oe = {.max_entries = 2};
        r = unpack_ents(many, N(many), new_dest(), &oe, &err);
        ok(r < 0, "more entries than max_entries refused");
        is_str(err.msg, "layer has more than 2 entries", "error message");

        close(fd);
        fd = bytes_fd("BZh91AY&SY", 10);
        r = unpack_fd(fd, new_dest(), NULL, NULL, &err);
        ok(r < 0, "bzip2 layer refused");
        like(err.msg, "layer compression 'bzip2' is not supported", "error: %s", err.msg);
        close(fd);
        char junk[2048];
        memset(junk, 'j', sizeof(junk));
        fd = bytes_fd(junk, sizeof(junk));
        r = unpack_fd(fd, new_dest(), NULL, NULL, &err);
        ok(r < 0, "not a tar refused: %s", err.msg);
        close(fd);
        fd = memfd_create("empty", MFD_CLOEXEC);
        berth_digest dd;
        r = unpack_fd(fd, new_dest(), NULL, &dd, &err);
        ok(r == 0 && strcmp(dd.s, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4959"
                                  "91b7852b855") == 0,
           "an empty stream is an empty layer: %s", err.msg);
        close(fd);

        /* A truncated gzip stream. */
        const tent small[] = {{"f", 'f', 0644, "hello"}};
        _cleanup_close_ int g = tar_build(small, 1, TAR_GZIP);
        char buf[4096];
        ssize_t n = read(g, buf, sizeof(buf));
        fd = bytes_fd(buf, (size_t)n / 2);
        r = unpack_fd(fd, new_dest(), NULL, NULL, &err);
        ok(r < 0, "a truncated gzip layer is refused: %s", err.msg);
        close(fd);

        const tent overlay_x[] = {
            {"o", 'd', 0755, .xname = "trusted.overlay.opaque", .xvalue = "y"},
            {"bad/.wh..", 'f', 0644, ""}};
        d = new_dest();
        r = unpack_ents(overlay_x, 1, d, NULL, &err);
        char v[8];
        ok(r == 0 && lgetxattr(P("%s/o", d), "trusted.overlay.opaque", v, sizeof(v)) < 0,
           "a trusted.overlay.* xattr from the tar is not applied");
        r = unpack_ents(overlay_x + 1, 1, new_dest(), NULL, &err);
        ok(r < 0, "whiteout '.wh..' refused: %s", err.msg);
}

static bool is_whiteout(const char *path)
{
        struct stat st;
        return lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

static bool is_opaque(const char *path)
{
        char v[4] = "";
        return lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

static void test_whiteouts(void)
{
        berth_error err;
        const tent l1[] = {
            {"a/file1", 'f', 0644, "v1"},     {"a/file2", 'f', 0644, "v1"},
            {"b/keep", 'f', 0644, "v1"},      {"c/old1", 'f', 0644, "v1"},
            {"c/old2", 'f', 0644, "v1"},      {"d/x", 'f', 0644, "v1"},
            {"e/dir/inner", 'f', 0644, "v1"}, {"f", 'f', 0644, "v1"},
            {"g/sub/deep", 'f', 0644, "v1"},
        };
        const tent l2[] = {
            {"a/.wh.file1", 'f', 0644, ""},    /* delete a file */
            {"b/.wh.keep", 'f', 0644, ""},     /* delete, re-added in l3 */
            {"c/.wh..wh..opq", 'f', 0644, ""}, /* opaque: hide c/old* */
            {"c/new", 'f', 0644, "v2"},
            {"d", 'f', 0644, "d is a file now"}, /* dir replaced by a file */
            {".wh.e", 'f', 0644, ""},            /* dir replaced by a new dir */
            {"e/new", 'f', 0644, "v2"},
            {".wh.g", 'f', 0644, ""},          /* whole tree deleted */
            {"a/.wh..wh.plnk", 'f', 0644, ""}, /* aufs metadata: skipped */
        };
        const tent l3[] = {
            {"b/keep", 'f', 0644, "v3"},
            {"a/file2", 'f', 0644, "v3"},
            {"c/new2", 'f', 0644, "v3"},
            {"f", 'l', .link = "a/file2"},
        };
        char *d1 = new_dest(), *d2 = new_dest(), *d3 = new_dest();
        int r = unpack_ents(l1, N(l1), d1, NULL, &err);
        r = r ?: unpack_ents(l2, N(l2), d2, NULL, &err);
        r = r ?: unpack_ents(l3, N(l3), d3, NULL, &err);
        is_int(r, 0, "three whiteout layers unpack: %s", err.msg);
        ok(is_whiteout(P("%s/a/file1", d2)) && is_whiteout(P("%s/b/keep", d2)) &&
               is_whiteout(P("%s/e", d2)) == false && is_whiteout(P("%s/g", d2)),
           "'.wh.name' became 0/0 char devices");
        ok(is_opaque(P("%s/c", d2)), "'.wh..wh..opq' made c opaque");
        ok(is_opaque(P("%s/e", d2)), "'.wh.e' then 'e/' made e an opaque dir");
        ok(!exists(P("%s/a/.wh..wh.plnk", d2)) && !exists(P("%s/a/plnk", d2)) &&
               !exists(P("%s/a/.wh.file1", d2)),
           "no '.wh.' names left in the layer");

        char *merged = new_dest();
        char *opts = P("lowerdir=%s:%s:%s", d3, d2, d1);
        if (mount("overlay", merged, "overlay", MS_RDONLY, opts) < 0) {
                ok(0, "mount overlay: %s", strerror(errno));
                return;
        }
        ok(!exists(P("%s/a/file1", merged)), "merged: a deleted file is gone");
        is_str(slurp(P("%s/a/file2", merged)), "v3",
               "merged: a changed file shows its new content");
        is_str(slurp(P("%s/b/keep", merged)), "v3", "merged: a re-added file after deletion shows");
        ok(!exists(P("%s/c/old1", merged)) && !exists(P("%s/c/old2", merged)),
           "merged: an opaque dir hides the lower contents");
        is_str(slurp(P("%s/c/new", merged)), "v2", "merged: the opaque dir's own file shows");
        is_str(slurp(P("%s/c/new2", merged)), "v3", "merged: a file added above the opaque dir");
        is_str(slurp(P("%s/d", merged)), "d is a file now", "merged: a dir replaced by a file");
        ok(!exists(P("%s/e/dir", merged)), "merged: a replaced dir hides its old content");
        is_str(slurp(P("%s/e/new", merged)), "v2", "merged: a replaced dir shows its new content");
        ok(!exists(P("%s/g", merged)), "merged: a deleted tree is gone");
        char link[64] = "";
        ok(readlink(P("%s/f", merged), link, sizeof(link)) > 0 && strcmp(link, "a/file2") == 0,
           "merged: a file replaced by a symlink");
        ok(umount2(merged, MNT_DETACH) == 0, "unmount the overlay");
}

/* ADD's archives: detected by content, ".wh." names kept, owners and mtimes as asked. */
static void test_archive(void)
{
        berth_error err;
        const tent ents[] = {
            {"d/f", 'f', 0640, "data", .uid = 5, .gid = 6, .mtime = 2000000000},
            {"d/.wh.x", 'f', 0644, "plain"},
            {"d/.wh..wh..opq", 'f', 0644, "plain"},
            {"l", 'l', 0777, .link = "/etc"},
            {"l/through", 'f', 0644, "in"},
            {"../../up", 'f', 0644, "up"},
        };
        for (int filter = TAR_PLAIN; filter <= TAR_ZSTD; filter++) {
                _cleanup_close_ int fd = tar_build(ents, 6, filter);
                (void)lseek(fd, 100, SEEK_SET); /* probe and extract read from the start */
                berth_error_clear(&err);
                is_int(berth_unpack_archive_probe(fd, &err), 1, "archive %d: detected", filter);
                _cleanup_free_ char *d = new_dest();
                _cleanup_close_ int dfd = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
                berth_unpack_archive_opts o = {.epoch = 1000000000};
                if (filter == TAR_ZSTD)
                        o = (berth_unpack_archive_opts){
                            .set_owner = true, .uid = 7, .gid = 8, .epoch = -1};
                ok(berth_unpack_archive(fd, dfd, &o, &err) == 0, "archive %d: extracted: %s",
                   filter, err.msg);
                struct stat st = {0};
                is_str(slurp(P("%s/d/f", d)), "data", "archive %d: content", filter);
                lstat(P("%s/d/f", d), &st);
                is_int((int)(st.st_mode & 07777), 0640, "archive %d: mode", filter);
                is_int((int)st.st_uid, filter == TAR_ZSTD ? 7 : 5, "archive %d: owner", filter);
                is_int((int)st.st_mtime, filter == TAR_ZSTD ? 2000000000 : 1000000000,
                       "archive %d: mtime clamped to the epoch", filter);
                lstat(P("%s/d/.wh.x", d), &st);
                ok(S_ISREG(st.st_mode) && !exists(P("%s/d/x", d)),
                   "archive %d: a .wh. name is a plain file", filter);
                ok(exists(P("%s/d/.wh..wh..opq", d)) && !is_opaque(P("%s/d", d)),
                   "archive %d: no opaque directory", filter);
                is_str(slurp(P("%s/etc/through", d)), "in",
                       "archive %d: an absolute link resolves in the destination", filter);
                ok(exists(P("%s/up", d)), "archive %d: '..' stays inside", filter);
        }
        const char *not_archives[] = {"", "hello\n", "\x1f\x8b garbage"};
        for (size_t i = 0; i < 3; i++) {
                _cleanup_close_ int fd = memfd_create("x", MFD_CLOEXEC);
                (void)berth_write_all(fd, not_archives[i], strlen(not_archives[i]));
                is_int(berth_unpack_archive_probe(fd, &err), 0, "not an archive: %zu", i);
                is_int((int)lseek(fd, 0, SEEK_CUR), 0, "not an archive: %zu: rewound", i);
        }
        /* a tar of no entries is not extracted either (Docker copies it as a file) */
        _cleanup_close_ int empty = tar_build(NULL, 0, TAR_PLAIN);
        is_int(berth_unpack_archive_probe(empty, &err), 0, "a tar without entries");
}

int main(void)
{
        if (geteuid() != 0) {
                printf("ok 1 - unpack # skip not root\n1..1\n");
                return 0;
        }
        char tmpl[] = "/tmp/berth-unpack-XXXXXX";
        top = mkdtemp(tmpl);
        if (top == NULL) {
                printf("not ok 1 - cannot make a temp dir\n1..1\n");
                return 1;
        }
        umask(022);
        test_normal();
        test_sparse();
        test_confined();
        test_hardlinks();
        test_replace();
        test_limits();
        test_whiteouts();
        test_archive();
        berth_error err;
        if (!getenv("KEEP"))
                ok(berth_rm_rf(top, &err) == 0, "clean up: %s", err.msg);
        return tap_done();
}
