/* SPDX-License-Identifier: Apache-2.0 */
/* Packing an overlay upper dir: whiteouts converted back, round trip, determinism. */
#include "base/cleanup.h"
#include "base/digest.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/pack.h"
#include "image/unpack.h"
#include "tap.h"
#include "tar-build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

static int unpack_into(int tarfd, const char *dir, berth_digest *diff, berth_error *err)
{
        mkdir(dir, 0755);
        _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return berth_unpack_tar(tarfd, dfd, NULL, diff, NULL, err);
}

static int pack(const char *dir, berth_digest *diff, berth_error *err)
{
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int out = memfd_create("packed", MFD_CLOEXEC);
        if (berth_pack_diff(dfd, out, diff, NULL, err) < 0) {
                close(out);
                return -1;
        }
        lseek(out, 0, SEEK_SET);
        return out;
}

/* Entry names of a tar, joined by spaces. */
static char *names_of(int fd)
{
        static char buf[8192];
        buf[0] = '\0';
        struct archive *a = archive_read_new();
        archive_read_support_format_tar(a);
        struct archive_entry *e;
        if (archive_read_open_fd(a, fd, 65536) == ARCHIVE_OK)
                while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                        strcat(buf, archive_entry_pathname(e));
                        strcat(buf, " ");
                }
        archive_read_free(a);
        lseek(fd, 0, SEEK_SET);
        return buf;
}

/* Compare two trees: types, modes, owners, sizes, contents, links, devices, xattrs, mtimes. */
static int compare(const char *a, const char *b, char *why, size_t whylen)
{
        struct stat sa, sb;
        if (lstat(a, &sa) < 0 || lstat(b, &sb) < 0)
                return snprintf(why, whylen, "missing %s or %s", a, b), -1;
        if (sa.st_mode != sb.st_mode || sa.st_uid != sb.st_uid || sa.st_gid != sb.st_gid ||
            sa.st_rdev != sb.st_rdev || (!S_ISDIR(sa.st_mode) && sa.st_size != sb.st_size) ||
            (!S_ISLNK(sa.st_mode) && sa.st_mtim.tv_sec != sb.st_mtim.tv_sec))
                return snprintf(why, whylen, "metadata differs: %s", b), -1;
        char xa[256] = "", xb[256] = "";
        ssize_t la = lgetxattr(a, "trusted.overlay.opaque", xa, sizeof(xa));
        ssize_t lb = lgetxattr(b, "trusted.overlay.opaque", xb, sizeof(xb));
        if (la != lb)
                return snprintf(why, whylen, "opaque differs: %s", b), -1;
        la = lgetxattr(a, "user.berth", xa, sizeof(xa));
        lb = lgetxattr(b, "user.berth", xb, sizeof(xb));
        if (la != lb || (la > 0 && memcmp(xa, xb, (size_t)la) != 0))
                return snprintf(why, whylen, "xattr differs: %s", b), -1;
        if (S_ISLNK(sa.st_mode)) {
                char ta[256] = "", tb[256] = "";
                readlink(a, ta, sizeof(ta) - 1);
                readlink(b, tb, sizeof(tb) - 1);
                if (strcmp(ta, tb) != 0)
                        return snprintf(why, whylen, "link differs: %s", b), -1;
        }
        if (S_ISREG(sa.st_mode)) {
                _cleanup_free_ char *ca = NULL, *cb = NULL;
                size_t na = 0, nb = 0;
                berth_error err;
                berth_read_file(a, &ca, &na, &err);
                berth_read_file(b, &cb, &nb, &err);
                if (na != nb || memcmp(ca, cb, na) != 0)
                        return snprintf(why, whylen, "content differs: %s", b), -1;
        }
        if (!S_ISDIR(sa.st_mode))
                return 0;
        DIR *d = opendir(a);
        struct dirent *de;
        int r = 0, na = 0, nb = 0;
        while (r == 0 && (de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                na++;
                _cleanup_free_ char *ca = berth_xasprintf("%s/%s", a, de->d_name);
                _cleanup_free_ char *cb = berth_xasprintf("%s/%s", b, de->d_name);
                r = compare(ca, cb, why, whylen);
        }
        closedir(d);
        d = opendir(b);
        while ((de = readdir(d)) != NULL)
                nb += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
        closedir(d);
        if (r == 0 && na != nb)
                return snprintf(why, whylen, "entry count differs in %s", b), -1;
        return r;
}

int main(void)
{
        if (geteuid() != 0) {
                printf("ok 1 - pack # skip not root\n1..1\n");
                return 0;
        }
        char tmpl[] = "/tmp/berth-pack-XXXXXX";
        char *top = mkdtemp(tmpl);
        berth_error err = {0};
        const tent upper[] = {
            {"a/.wh.file1", 'f', 0644, ""},
            {"c/.wh..wh..opq", 'f', 0644, ""},
            {"c/new", 'f', 0644, "v2"},
            {".wh.gone", 'f', 0644, ""},
            {"bin/su", 'f', 04755, "su", .mtime = 1234567890},
            {"bin/su2", 'h', .link = "bin/su"},
            {"bin/sh", 'l', .link = "busybox"},
            {"dev/null", 'c', 0666, .maj = 1, .min = 3},
            {"run/fifo", 'p', 0600, .uid = 5, .gid = 6},
            {"home/u", 'd', 0700, .uid = 1000, .gid = 1000},
            {"home/u/t", 'f', 0600, "tagged", .xname = "user.berth", .xvalue = "v"},
            {"big", 'f', 0644, .zeros = 300000},
        };
        _cleanup_close_ int t = tar_build(upper, sizeof(upper) / sizeof(upper[0]), TAR_PLAIN);
        _cleanup_free_ char *d1 = berth_xasprintf("%s/upper", top);
        _cleanup_free_ char *d2 = berth_xasprintf("%s/again", top);
        int r = unpack_into(t, d1, NULL, &err);
        ok(r == 0, "make an overlay-form upper dir: %s", err.msg);
        /* overlay's own metadata must never leak into a layer */
        _cleanup_free_ char *c = berth_xasprintf("%s/c", d1);
        setxattr(c, "trusted.overlay.origin", "x", 1, 0);

        berth_digest p1, p2, u;
        _cleanup_close_ int out1 = pack(d1, &p1, &err);
        ok(out1 >= 0, "pack it: %s", err.msg);
        _cleanup_close_ int out2 = pack(d1, &p2, &err);
        is_str(p2.s, p1.s, "the same dir packs to the same diff id");
        berth_digest whole;
        berth_digest_fd(out1, &whole, NULL, &err);
        lseek(out1, 0, SEEK_SET);
        is_str(whole.s, p1.s, "the diff id is the sha256 of the output");
        char *names = names_of(out1);
        like(names, "a/.wh.file1 ", "a 0/0 char device became '.wh.file1': %s", names);
        like(names, ".wh.gone ", "a top-level whiteout");
        like(names, "c/ c/.wh..wh..opq c/new ", "an opaque dir is followed by '.wh..wh..opq'");
        ok(strstr(names, "a/file1") == NULL, "no char device left for the whiteout");

        r = unpack_into(out1, d2, &u, &err);
        ok(r == 0, "unpack what was packed: %s", err.msg);
        is_str(u.s, p1.s, "unpack computes the same diff id");
        char why[512] = "";
        ok(compare(d1, d2, why, sizeof(why)) == 0, "round trip keeps the tree: %s", why);
        _cleanup_free_ char *c2 = berth_xasprintf("%s/c", d2);
        char v[8];
        ok(lgetxattr(c2, "trusted.overlay.origin", v, sizeof(v)) < 0,
           "trusted.overlay.origin was not packed");
        _cleanup_free_ char *su = berth_xasprintf("%s/bin/su", d2);
        _cleanup_free_ char *su2 = berth_xasprintf("%s/bin/su2", d2);
        struct stat s1, s2;
        ok(stat(su, &s1) == 0 && stat(su2, &s2) == 0 && s1.st_ino == s2.st_ino,
           "hard links stay hard links");

        _cleanup_free_ char *redir = berth_xasprintf("%s/home", d1);
        setxattr(redir, "trusted.overlay.redirect", "/x", 2, 0);
        int bad = pack(d1, &p2, &err);
        ok(bad < 0, "an upper dir with overlay redirects is refused");
        like(err.msg, "trusted.overlay.redirect", "error: %s", err.msg);

        ok(berth_rm_rf(top, &err) == 0, "clean up: %s", err.msg);
        return tap_done();
}
