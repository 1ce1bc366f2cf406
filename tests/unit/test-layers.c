/* SPDX-License-Identifier: Apache-2.0 */
/* The layer directory store: chain ids, diff id checks, races, crashes. */
#include "base/cleanup.h"
#include "base/digest.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/layers.h"
#include "tap.h"
#include "tar-build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

/* Names in dir other than . and .., joined by spaces. */
static char *listing(int dirfd)
{
        static char buf[4096];
        buf[0] = '\0';
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fdopendir(fd);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (buf[0])
                        strcat(buf, " ");
                strncat(buf, de->d_name, sizeof(buf) - strlen(buf) - 2);
        }
        if (d)
                closedir(d);
        return buf;
}

static void test_chain_id(void)
{
        berth_digest a, b, c;
        berth_error err;
        berth_digest_parse(
            "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &a, &err);
        berth_digest_parse(
            "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", &b, &err);
        berth_layer_chain_id(NULL, &a, &c);
        is_str(c.s, a.s, "a base layer's chain id is its diff id");
        berth_layer_chain_id(&a, &b, &c);
        /* printf 'sha256:a… sha256:b…' | sha256sum */
        is_str(c.s, "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c",
               "chain id = sha256(parent + ' ' + diff id)");
}

static void test_add(const char *top)
{
        berth_error err = {0};
        _cleanup_free_ char *dir = berth_xasprintf("%s/layers", top);
        mkdir(dir, 0700);
        _cleanup_close_ int lfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

        const tent base[] = {{"etc/os-release", 'f', 0644, "berth\n"},
                             {"bin/sh", 'l', .link = "x"}};
        const tent top_l[] = {{"etc/.wh.os-release", 'f', 0644, ""}, {"etc/new", 'f', 0644, "n"}};
        _cleanup_close_ int t1 = tar_build(base, 2, TAR_GZIP);
        _cleanup_close_ int plain = tar_build(base, 2, TAR_PLAIN);
        berth_digest want, chain1, diff1;
        berth_digest_fd(plain, &want, NULL, &err);
        int r = berth_layer_add(lfd, NULL, t1, NULL, NULL, &chain1, &diff1, &err);
        ok(r == 0, "add a base layer: %s", err.msg);
        is_str(diff1.s, want.s, "its diff id is that of the uncompressed tar");
        is_str(chain1.s, diff1.s, "its chain id is its diff id");
        ok(berth_layer_exists(lfd, &chain1), "it exists");
        berth_digest back;
        ok(berth_layer_diff_id(lfd, &chain1, &back, &err) == 0 && berth_digest_equal(&back, &diff1),
           "diff-id file reads back");
        _cleanup_free_ char *p = berth_layer_diff_path(dir, &chain1);
        _cleanup_free_ char *osr = berth_xasprintf("%s/etc/os-release", p);
        struct stat st;
        ok(stat(osr, &st) == 0 && st.st_size == 6, "diff path holds the files: %s", p);

        /* The same layer again: one copy, same ids. */
        lseek(t1, 0, SEEK_SET);
        berth_digest chain1b;
        r = berth_layer_add(lfd, NULL, t1, NULL, NULL, &chain1b, NULL, &err);
        ok(r == 0 && berth_digest_equal(&chain1, &chain1b), "adding it twice succeeds: %s",
           err.msg);
        is_str(listing(lfd), berth_digest_hex(&chain1), "and leaves one layer, no temp dir");
        /* With the expected diff id, an existing layer is not even read. */
        _cleanup_close_ int unread = bytes_fd("garbage", 7);
        r = berth_layer_add(lfd, NULL, unread, &diff1, NULL, &chain1b, NULL, &err);
        ok(r == 0 && lseek(unread, 0, SEEK_CUR) == 0, "known layer by diff id: tar not read");

        /* A layer on top. */
        _cleanup_close_ int t2 = tar_build(top_l, 2, TAR_ZSTD);
        berth_digest chain2, diff2, want2;
        r = berth_layer_add(lfd, &chain1, t2, NULL, NULL, &chain2, &diff2, &err);
        ok(r == 0, "add a layer on top: %s", err.msg);
        berth_layer_chain_id(&chain1, &diff2, &want2);
        is_str(chain2.s, want2.s, "its chain id chains on the parent");
        _cleanup_free_ char *parent = NULL;
        _cleanup_free_ char *pname = berth_xasprintf("%s/parent", berth_digest_hex(&chain2));
        berth_read_file_at(lfd, pname, &parent, NULL, &err);
        ok(parent && strncmp(parent, chain1.s, BERTH_DIGEST_LEN) == 0, "parent recorded");

        /* A wrong expected diff id: an error naming both, nothing left. */
        berth_digest bogus;
        berth_digest_of("bogus", 5, &bogus);
        const tent other[] = {{"other", 'f', 0644, "o"}};
        _cleanup_close_ int t3 = tar_build(other, 1, TAR_PLAIN);
        r = berth_layer_add(lfd, NULL, t3, &bogus, NULL, NULL, NULL, &err);
        ok(r < 0, "diff id mismatch refused");
        like(err.msg, bogus.s, "error names the expected diff id: %s", err.msg);
        like(err.msg, "layer diff id mismatch: expected", "error says mismatch");
        _cleanup_free_ char *two =
            berth_xasprintf("%s %s", berth_digest_hex(&chain1), berth_digest_hex(&chain2));
        _cleanup_free_ char *two_r =
            berth_xasprintf("%s %s", berth_digest_hex(&chain2), berth_digest_hex(&chain1));
        char *l = listing(lfd);
        ok(strcmp(l, two) == 0 || strcmp(l, two_r) == 0, "nothing left of it in layers/: %s", l);

        /* A hostile layer fails whole. */
        const tent bad[] = {{"ok", 'f', 0644, "ok"}, {"x", 'h', .link = "../../etc/shadow"}};
        _cleanup_close_ int t4 = tar_build(bad, 2, TAR_PLAIN);
        r = berth_layer_add(lfd, NULL, t4, NULL, NULL, NULL, NULL, &err);
        ok(r < 0, "a hostile layer is refused");
        is_str(err.msg,
               "cannot unpack layer: layer entry 'x': hard link target '../../etc/shadow' is "
               "outside the layer",
               "error message");
        l = listing(lfd);
        ok(strcmp(l, two) == 0 || strcmp(l, two_r) == 0, "nothing left of it either");

        r = berth_layer_add(lfd, &bogus, t4, NULL, NULL, NULL, NULL, &err);
        ok(r < 0, "a missing parent is refused: %s", err.msg);
        /* Pull unpacks an image's layers in any order: a missing parent is fine there. */
        const tent upper[] = {{"up", 'f', 0644, "u"}};
        _cleanup_close_ int t5 = tar_build(upper, 1, TAR_GZIP);
        _cleanup_close_ int t5p = tar_build(upper, 1, TAR_PLAIN);
        berth_digest chain5, diff5, want5;
        berth_digest_fd(t5p, &want5, NULL, &err);
        r = berth_layer_add_unordered(lfd, &bogus, t5, &want5, NULL, &chain5, &diff5, &err);
        ok(r == 0, "unordered: a layer whose parent is not there yet: %s", err.msg);
        berth_digest w5;
        berth_layer_chain_id(&bogus, &want5, &w5);
        ok(berth_digest_equal(&chain5, &w5) && berth_layer_exists(lfd, &chain5),
           "it is there, under the chain id on that parent");
        _cleanup_free_ char *pname5 = berth_xasprintf("%s/parent", berth_digest_hex(&chain5));
        _cleanup_free_ char *parent5 = NULL;
        berth_read_file_at(lfd, pname5, &parent5, NULL, &err);
        ok(parent5 && strncmp(parent5, bogus.s, BERTH_DIGEST_LEN) == 0, "its parent recorded");
        ok(berth_layer_remove(lfd, &chain5, &err) == 0, "and it goes again");
        /* The diff id of a stream without unpacking it: gzip, zstd and plain alike. */
        _cleanup_close_ int z = tar_build(upper, 1, TAR_ZSTD);
        berth_digest d1, d2, d3;
        uint64_t n1 = 0, n3 = 0;
        lseek(t5, 0, SEEK_SET);
        lseek(t5p, 0, SEEK_SET);
        ok(berth_unpack_diff_id(t5, &d1, &n1, &err) == 0 &&
               berth_unpack_diff_id(z, &d2, NULL, &err) == 0 &&
               berth_unpack_diff_id(t5p, &d3, &n3, &err) == 0,
           "unpack_diff_id: %s", err.msg);
        ok(berth_digest_equal(&d1, &want5) && berth_digest_equal(&d2, &want5) &&
               berth_digest_equal(&d3, &want5),
           "all three give the plain tar's digest");
        ok(n1 == n3 && n1 > 0 && n1 % 512 == 0, "and its length (%llu)", (unsigned long long)n1);
        _cleanup_close_ int junk = bytes_fd("\x1f\x8b junk", 7);
        ok(berth_unpack_diff_id(junk, &d1, NULL, &err) < 0, "a corrupt gzip stream fails: %s",
           err.msg);

        ok(berth_layer_remove(lfd, &chain2, &err) == 0 && !berth_layer_exists(lfd, &chain2),
           "remove a layer");
        is_str(listing(lfd), berth_digest_hex(&chain1), "only the base is left");
        ok(berth_layer_remove(lfd, &chain2, &err) == 0, "removing a missing layer is fine");
}

static void test_crash(const char *top)
{
        berth_error err = {0};
        _cleanup_free_ char *dir = berth_xasprintf("%s/crash", top);
        mkdir(dir, 0700);
        _cleanup_close_ int lfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        const tent ents[] = {{"a", 'f', 0644, "a"}, {"big", 'f', 0644, .zeros = 4 << 20}};
        _cleanup_close_ int tar = tar_build(ents, 2, TAR_PLAIN);
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return;
        pid_t pid = fork();
        if (pid == 0) {
                close(pfd[1]);
                berth_error e;
                _exit(berth_layer_add(lfd, NULL, pfd[0], NULL, NULL, NULL, NULL, &e) == 0 ? 0 : 1);
        }
        close(pfd[0]);
        /* Feed half of the tar, wait for the temp dir to fill, then kill. */
        char buf[65536];
        ssize_t n, sent = 0;
        while (sent < (2 << 20) && (n = read(tar, buf, sizeof(buf))) > 0)
                sent += write(pfd[1], buf, (size_t)n);
        bool seen = false;
        for (int i = 0; i < 200 && !seen; i++) {
                seen = strstr(listing(lfd), ".tmp-") != NULL;
                if (!seen)
                        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        }
        ok(seen, "a temp dir appears mid-unpack: %s", listing(lfd));
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        close(pfd[1]);
        ok(WIFSIGNALED(status), "the unpacking process was killed");
        berth_digest diff, chain;
        lseek(tar, 0, SEEK_SET);
        berth_digest_fd(tar, &diff, NULL, &err);
        berth_layer_chain_id(NULL, &diff, &chain);
        ok(!berth_layer_exists(lfd, &chain), "no layer after the crash");
        ok(berth_layers_clean_tmp(lfd, &err) == 0, "clean_tmp: %s", err.msg);
        is_str(listing(lfd), "", "the leftover is gone");
        /* A live process's temp dir is left alone. */
        _cleanup_free_ char *live = berth_xasprintf(".tmp-%d-00000000", getpid());
        mkdirat(lfd, live, 0700);
        berth_layers_clean_tmp(lfd, &err);
        is_str(listing(lfd), live, "a live process's temp dir is kept");
        unlinkat(lfd, live, AT_REMOVEDIR);
        /* A pid that looks dead (as one in another pid namespace does) with its lock held:
         * an add or remove still at work there. */
        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        waitpid(dead, NULL, 0);
        _cleanup_free_ char *other = berth_xasprintf(".tmp-%d-00000001", (int)dead);
        mkdirat(lfd, other, 0700);
        int held = openat(lfd, other, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        pid_t holder = fork();
        if (holder == 0) {
                /* the lock belongs to another process, as it would */
                flock(held, LOCK_EX);
                pause();
                _exit(0);
        }
        close(held);
        for (int i = 0; i < 200; i++) {
                _cleanup_close_ int probe = openat(lfd, other, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (flock(probe, LOCK_EX | LOCK_NB) < 0)
                        break;
                flock(probe, LOCK_UN);
                nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
        }
        ok(!berth_layers_tmp_is_stale(lfd, other),
           "a locked temp dir of an unseen pid is not stale");
        berth_layers_clean_tmp(lfd, &err);
        is_str(listing(lfd), other, "and is kept");
        kill(holder, SIGKILL);
        waitpid(holder, NULL, 0);
        ok(berth_layers_tmp_is_stale(lfd, other), "once its lock is free it is stale");
        berth_layers_clean_tmp(lfd, &err);
        is_str(listing(lfd), "", "and removed");
}

int main(void)
{
        if (geteuid() != 0) {
                printf("ok 1 - layers # skip not root\n1..1\n");
                return 0;
        }
        char tmpl[] = "/tmp/berth-layers-XXXXXX";
        char *top = mkdtemp(tmpl);
        test_chain_id();
        test_add(top);
        test_crash(top);
        berth_error err;
        ok(berth_rm_rf(top, &err) == 0, "clean up: %s", err.msg);
        return tap_done();
}
