/* SPDX-License-Identifier: Apache-2.0 */
#include "base/cleanup.h"
#include "base/digest.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/store.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static char *top; /* a temp dir holding one store root per test */

static char *new_root(const char *name)
{
        return berth_xasprintf("%s/%s", top, name);
}

/* Entries of a directory, without . and ..; -1 when it cannot be read. */
static int count_entries(const char *root, const char *sub)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/%s", root, sub);
        DIR *d = opendir(path);
        if (d == NULL)
                return -1;
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL)
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        n++;
        closedir(d);
        return n;
}

static mode_t mode_of(const char *root, const char *sub)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/%s", root, sub);
        struct stat st;
        if (stat(path, &st) < 0)
                return (mode_t)-1;
        return st.st_mode & 07777;
}

static void test_round_trip(void)
{
        _cleanup_free_ char *root = new_root("rt");
        berth_store *s = NULL;
        berth_error err = {0};
        ok(berth_store_open(root, &s, &err) == 0, "open a new store: %s", err.msg);
        is_int(mode_of(root, ""), 0700, "root is 0700");
        is_int(mode_of(root, "blobs/sha256"), 0755, "blobs/sha256 is 0755");
        is_int(mode_of(root, "layers"), 0755, "layers is 0755");
        is_int(mode_of(root, "tmp"), 0755, "tmp is 0755");
        is_str(berth_store_root(s), root, "store root");

        const char *text = "{\"schemaVersion\":2}";
        berth_digest want, got;
        berth_digest_of(text, strlen(text), &want);
        ok(!berth_store_has(s, &want), "blob absent before put");
        ok(berth_store_put_buf(s, text, strlen(text), NULL, &got, &err) == 0, "put_buf: %s",
           err.msg);
        is_str(got.s, want.s, "put_buf returns the content's digest");
        ok(berth_store_has(s, &want), "blob present after put");

        _cleanup_free_ char *path = berth_store_blob_path(s, &want, &err);
        _cleanup_free_ char *want_path =
            berth_xasprintf("%s/blobs/sha256/%s", root, berth_digest_hex(&want));
        is_str(path, want_path, "blob path is root/blobs/sha256/<hex>");
        is_int(mode_of(root, path + strlen(root) + 1), 0444, "committed blob is read-only");

        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        ok(berth_store_read_blob(s, &want, BERTH_STORE_MANIFEST_MAX, &buf, &len, &err) == 0,
           "read_blob: %s", err.msg);
        is_int(len, strlen(text), "read_blob length");
        is_str(buf, text, "read_blob content, NUL-terminated");

        int fd = -1;
        uint64_t size = 0;
        ok(berth_store_open_blob(s, &want, &fd, &size, &err) == 0 && size == strlen(text),
           "open_blob gives an fd and the size");
        ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "blob fd is close-on-exec");
        if (fd >= 0)
                close(fd);

        struct stat before, after;
        stat(path, &before);
        ok(berth_store_put_buf(s, text, strlen(text), &want, &got, &err) == 0,
           "putting the same blob again succeeds: %s", err.msg);
        ok(stat(path, &after) == 0 && after.st_ino == before.st_ino,
           "and leaves the stored file as it was");
        is_int(count_entries(root, "blobs/sha256"), 1, "still one blob");

        /* Streamed in pieces, with the digest and size known up front. */
        static char big[300000];
        for (size_t i = 0; i < sizeof(big); i++)
                big[i] = (char)(i * 7 + i / 1000);
        berth_digest big_digest;
        berth_digest_of(big, sizeof(big), &big_digest);
        berth_blob_writer *w = NULL;
        ok(berth_blob_writer_new(s, &big_digest, sizeof(big), &w, &err) == 0, "writer_new: %s",
           err.msg);
        is_int(count_entries(root, "tmp"), 1, "a writer has one temp file");
        int wr = 0;
        for (size_t off = 0; off < sizeof(big); off += 7777) {
                size_t n = sizeof(big) - off < 7777 ? sizeof(big) - off : 7777;
                wr |= berth_blob_write(w, big + off, n, &err);
        }
        ok(wr == 0, "streamed writes: %s", err.msg);
        ok(!berth_store_has(s, &big_digest), "not visible before commit");
        size = 0;
        ok(berth_blob_writer_commit(w, &got, &size, &err) == 0, "commit: %s", err.msg);
        ok(berth_digest_equal(&got, &big_digest) && size == sizeof(big),
           "commit returns digest and size");
        berth_blob_writer_free(w);
        is_int(count_entries(root, "tmp"), 0, "no temp file after commit");
        ok(berth_store_verify_blob(s, &big_digest, &err) == 0, "verify a good blob: %s", err.msg);

        /* From an fd. */
        _cleanup_free_ char *src = berth_xasprintf("%s/src", top);
        ok(berth_write_file(src, "from a file", 11, O_CREAT, &err) == 0, "write source file");
        _cleanup_close_ int sfd = open(src, O_RDONLY | O_CLOEXEC);
        berth_digest fd_want;
        berth_digest_of("from a file", 11, &fd_want);
        ok(berth_store_put_fd(s, sfd, &fd_want, 11, &got, &size, &err) == 0 &&
               berth_digest_equal(&got, &fd_want) && size == 11,
           "put_fd with known digest and size: %s", err.msg);

        buf = (free(buf), NULL);
        ok(berth_store_read_blob(s, &big_digest, 1000, &buf, &len, &err) == -EFBIG,
           "read_blob refuses a blob over max");
        like(err.msg, "too large", "message says too large: %s", err.msg);
        like(err.msg, big_digest.s, "and names the blob");
        ok(buf == NULL, "nothing returned on failure");
        berth_store_free(s);
}

static void test_mismatch(void)
{
        _cleanup_free_ char *root = new_root("mismatch");
        berth_store *s = NULL;
        berth_error err = {0};
        ok(berth_store_open(root, &s, &err) == 0, "open: %s", err.msg);

        berth_digest abc, abd;
        berth_digest_of("abc", 3, &abc);
        berth_digest_of("abd", 3, &abd);
        berth_blob_writer *w = NULL;
        ok(berth_blob_writer_new(s, &abc, -1, &w, &err) == 0, "writer expecting 'abc'");
        ok(berth_blob_write(w, "abd", 3, &err) == 0, "write 'abd'");
        ok(berth_blob_writer_commit(w, NULL, NULL, &err) == -EBADMSG, "commit refused");
        _cleanup_free_ char *msg =
            berth_xasprintf("blob digest mismatch: expected %s, got %s", abc.s, abd.s);
        is_str(err.msg, msg, "message names both digests");
        is_int(count_entries(root, "tmp"), 0, "temp file removed at once, before free");
        ok(!berth_store_has(s, &abc) && !berth_store_has(s, &abd), "no blob under either digest");
        ok(berth_blob_write(w, "x", 1, &err) < 0, "a failed writer takes no more data");
        berth_blob_writer_free(w);
        is_int(count_entries(root, "blobs/sha256"), 0, "blobs dir empty");

        ok(berth_store_put_buf(s, "abd", 3, &abc, NULL, &err) < 0, "put_buf with wrong digest");
        like(err.msg, "blob digest mismatch", "put_buf says why: %s", err.msg);

        w = NULL;
        ok(berth_blob_writer_new(s, NULL, 10, &w, &err) == 0, "writer expecting 10 bytes");
        ok(berth_blob_write(w, "hello", 5, &err) == 0, "write 5");
        ok(berth_blob_writer_commit(w, NULL, NULL, &err) < 0, "commit of 5 bytes refused");
        is_str(err.msg, "blob size mismatch: expected 10 bytes, got 5", "size message");
        berth_blob_writer_free(w);

        w = NULL;
        ok(berth_blob_writer_new(s, &abc, 2, &w, &err) == 0, "writer expecting 2 bytes");
        ok(berth_blob_write(w, "abc", 3, &err) < 0, "write past the expected size refused");
        like(err.msg, "size mismatch", "message: %s", err.msg);
        like(err.msg, abc.s, "names the expected digest");
        is_int(count_entries(root, "tmp"), 0, "temp file removed");
        berth_blob_writer_free(w);

        w = NULL;
        ok(berth_blob_writer_new(s, NULL, -1, &w, &err) == 0, "writer to abort");
        ok(berth_blob_write(w, "abc", 3, &err) == 0, "write");
        berth_blob_writer_abort(w);
        berth_blob_writer_abort(w);
        is_int(count_entries(root, "tmp"), 0, "abort removes the temp file");
        ok(berth_blob_writer_commit(w, NULL, NULL, &err) < 0, "no commit after abort");
        berth_blob_writer_free(w);

        w = NULL;
        ok(berth_blob_writer_new(s, NULL, -1, &w, &err) == 0, "writer dropped uncommitted");
        ok(berth_blob_write(w, "abc", 3, &err) == 0, "write");
        berth_blob_writer_free(w);
        is_int(count_entries(root, "tmp"), 0, "free without commit removes the temp file");
        is_int(count_entries(root, "blobs/sha256"), 0, "and stores nothing");
        berth_store_free(s);
}

static void test_corrupted(void)
{
        _cleanup_free_ char *root = new_root("corrupt");
        berth_store *s = NULL;
        berth_error err = {0};
        ok(berth_store_open(root, &s, &err) == 0, "open: %s", err.msg);
        const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\"}";
        berth_digest d;
        ok(berth_store_put_buf(s, cfg, strlen(cfg), NULL, &d, &err) == 0, "put config");
        ok(berth_store_verify_blob(s, &d, &err) == 0, "verifies before damage");

        _cleanup_free_ char *path = berth_store_blob_path(s, &d, &err);
        chmod(path, 0644);
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
        char c;
        ok(fd >= 0 && pread(fd, &c, 1, 5) == 1, "read a byte of the blob");
        c ^= 0x20;
        ok(pwrite(fd, &c, 1, 5) == 1, "flip it");

        _cleanup_free_ char *buf = NULL;
        size_t len;
        ok(berth_store_read_blob(s, &d, BERTH_STORE_MANIFEST_MAX, &buf, &len, &err) == -EBADMSG,
           "read_blob catches the corruption");
        like(err.msg, "is corrupted", "message: %s", err.msg);
        like(err.msg, d.s, "and names the blob");
        ok(buf == NULL, "nothing handed out");
        ok(berth_store_verify_blob(s, &d, &err) == -EBADMSG, "verify catches it too");
        like(err.msg, d.s, "verify names the blob: %s", err.msg);

        /* A truncated blob is repaired by putting the right content again. */
        ok(ftruncate(fd, 3) == 0, "truncate the blob");
        ok(berth_store_put_buf(s, cfg, strlen(cfg), &d, NULL, &err) == 0, "put it again: %s",
           err.msg);
        ok(berth_store_verify_blob(s, &d, &err) == 0,
           "a damaged blob of the wrong size is replaced");

        berth_digest missing;
        berth_digest_of("missing", 7, &missing);
        ok(berth_store_verify_blob(s, &missing, &err) == -ENOENT, "verify of a missing blob");
        ok(berth_store_read_blob(s, &missing, 100, &buf, &len, &err) == -ENOENT,
           "read of a missing blob");
        like(err.msg, missing.s, "names it: %s", err.msg);
        berth_store_free(s);
}

static void test_list_remove(void)
{
        _cleanup_free_ char *root = new_root("list");
        berth_store *s = NULL;
        berth_error err = {0};
        ok(berth_store_open(root, &s, &err) == 0, "open: %s", err.msg);
        berth_digest *list = NULL;
        size_t n = 99;
        ok(berth_store_list_blobs(s, &list, &n, &err) == 0 && n == 0 && list == NULL,
           "empty store lists nothing");

        berth_digest d[3];
        const char *texts[] = {"one", "two", "three"};
        for (int i = 0; i < 3; i++)
                berth_store_put_buf(s, texts[i], strlen(texts[i]), NULL, &d[i], &err);
        _cleanup_free_ char *junk = berth_xasprintf("%s/blobs/sha256/not-a-digest", root);
        berth_write_file(junk, "x", 1, O_CREAT, &err);
        _cleanup_free_ char *upper = berth_xasprintf(
            "%s/blobs/sha256/ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
            root);
        berth_write_file(upper, "x", 1, O_CREAT, &err);

        ok(berth_store_list_blobs(s, &list, &n, &err) == 0, "list: %s", err.msg);
        is_int(n, 3, "three blobs listed, junk names skipped");
        int sorted = n == 3 && strcmp(list[0].s, list[1].s) < 0 && strcmp(list[1].s, list[2].s) < 0;
        ok(sorted, "listed in order");
        int found = 0;
        for (size_t i = 0; i < n; i++)
                for (int j = 0; j < 3; j++)
                        found += berth_digest_equal(&list[i], &d[j]);
        is_int(found, 3, "each stored blob listed once");
        free(list);

        ok(berth_store_remove_blob(s, &d[1], &err) == 0, "remove: %s", err.msg);
        ok(!berth_store_has(s, &d[1]), "removed blob gone");
        ok(berth_store_has(s, &d[0]) && berth_store_has(s, &d[2]), "others stay");
        ok(berth_store_remove_blob(s, &d[1], &err) == -ENOENT, "second remove is -ENOENT");
        like(err.msg, d[1].s, "and names the blob: %s", err.msg);
        list = NULL;
        ok(berth_store_list_blobs(s, &list, &n, &err) == 0 && n == 2, "two left");
        free(list);
        berth_store_free(s);
}

static void test_bad_digests(void)
{
        _cleanup_free_ char *root = new_root("bad");
        berth_store *s = NULL;
        berth_error err = {0};
        ok(berth_store_open(root, &s, &err) == 0, "open: %s", err.msg);
        /* A file the traversal would reach if the digest became a path. */
        berth_write_file("/tmp/berth-store-escape-target", "secret", 6, O_CREAT, &err);

        berth_digest bad;
        memset(&bad, 0, sizeof(bad));
        /* "sha256:" + 64 characters, the right length, climbing out of the store. */
        snprintf(bad.s, sizeof(bad.s), "sha256:%s",
                 "./../../../../../../../../../../../tmp/berth-store-escape-target");
        is_int(strlen(bad.s), BERTH_DIGEST_LEN, "the bad digest has a digest's length");
        ok(!berth_store_has(s, &bad), "has() refuses a path as a digest");
        char *p = berth_store_blob_path(s, &bad, &err);
        ok(p == NULL, "blob_path refuses it");
        like(err.msg, "invalid digest", "message: %s", err.msg);
        free(p);
        int fd = -1;
        ok(berth_store_open_blob(s, &bad, &fd, NULL, &err) < 0 && fd == -1, "open_blob refuses");
        char *buf = NULL;
        size_t len;
        ok(berth_store_read_blob(s, &bad, 100, &buf, &len, &err) < 0 && buf == NULL,
           "read_blob refuses");
        ok(berth_store_verify_blob(s, &bad, &err) < 0, "verify refuses");
        ok(berth_store_remove_blob(s, &bad, &err) < 0, "remove refuses");
        struct stat st;
        ok(stat("/tmp/berth-store-escape-target", &st) == 0, "the target outside is untouched");
        unlink("/tmp/berth-store-escape-target");

        berth_blob_writer *w = NULL;
        ok(berth_blob_writer_new(s, &bad, -1, &w, &err) < 0 && w == NULL,
           "a writer refuses a bad expected digest");
        like(err.msg, "invalid digest", "message: %s", err.msg);

        memset(bad.s, 'a', sizeof(bad.s)); /* not even terminated */
        ok(!berth_store_has(s, &bad), "an unterminated digest is refused");
        strcpy(bad.s, "sha256:abc");
        ok(berth_store_remove_blob(s, &bad, &err) < 0, "a short digest is refused");
        berth_store_free(s);
}

/* Each child puts the same 2 MiB in 64 KiB pieces; exit 0 when it succeeded. */
static void concurrent_child(const char *root, const char *data, size_t len)
{
        berth_store *s = NULL;
        berth_blob_writer *w = NULL;
        berth_error err = {0};
        if (berth_store_open(root, &s, &err) < 0 || berth_blob_writer_new(s, NULL, -1, &w, &err))
                _exit(1);
        for (size_t off = 0; off < len; off += 65536)
                if (berth_blob_write(w, data + off, len - off < 65536 ? len - off : 65536, &err))
                        _exit(2);
        if (berth_blob_writer_commit(w, NULL, NULL, &err) < 0) {
                fprintf(stderr, "child: %s\n", err.msg);
                _exit(3);
        }
        berth_blob_writer_free(w);
        berth_store_free(s);
        _exit(0);
}

static void test_concurrent(void)
{
        _cleanup_free_ char *root = new_root("concurrent");
        berth_store *s = NULL;
        berth_error err = {0};
        ok(berth_store_open(root, &s, &err) == 0, "open: %s", err.msg);
        size_t len = 2 * 1024 * 1024;
        _cleanup_free_ char *data = berth_xmalloc0(len);
        for (size_t i = 0; i < len; i++)
                data[i] = (char)(i ^ (i >> 9));
        berth_digest want;
        berth_digest_of(data, len, &want);

        pid_t pids[4];
        for (int i = 0; i < 4; i++) {
                pids[i] = fork();
                if (pids[i] == 0)
                        concurrent_child(root, data, len);
        }
        int all_ok = 1;
        for (int i = 0; i < 4; i++) {
                int status = -1;
                waitpid(pids[i], &status, 0);
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        all_ok = 0;
        }
        ok(all_ok, "four concurrent writers of the same blob all succeed");
        is_int(count_entries(root, "blobs/sha256"), 1, "one blob stored");
        ok(berth_store_verify_blob(s, &want, &err) == 0, "and it is whole: %s", err.msg);
        is_int(count_entries(root, "tmp"), 0, "no temp file left");
        berth_store_free(s);
}

static void test_killed_writer(void)
{
        _cleanup_free_ char *root = new_root("killed");
        berth_store *s = NULL;
        berth_error err = {0};
        ok(berth_store_open(root, &s, &err) == 0, "open: %s", err.msg);
        int p[2];
        ok(pipe2(p, O_CLOEXEC) == 0, "pipe");
        pid_t pid = fork();
        if (pid == 0) {
                berth_blob_writer *w = NULL;
                static char half[100000];
                berth_digest d;
                berth_digest_of("whatever", 8, &d);
                if (berth_blob_writer_new(s, &d, 200000, &w, &err) < 0 ||
                    berth_blob_write(w, half, sizeof(half), &err) < 0)
                        _exit(1);
                if (write(p[1], "r", 1) != 1)
                        _exit(1);
                for (;;)
                        pause();
        }
        close(p[1]);
        char c = 0;
        ok(read(p[0], &c, 1) == 1 && c == 'r', "child wrote half a blob");
        close(p[0]);
        is_int(count_entries(root, "tmp"), 1, "its temp file is there");

        /* While the writer lives, opening the store leaves its temp file alone. */
        berth_store *s2 = NULL;
        ok(berth_store_open(root, &s2, &err) == 0, "open again while it writes");
        berth_store_free(s2);
        is_int(count_entries(root, "tmp"), 1, "a live writer's temp file is kept");

        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "writer SIGKILLed mid-write");
        is_int(count_entries(root, "blobs/sha256"), 0, "nothing in blobs/");
        is_int(count_entries(root, "tmp"), 1, "its temp file is left");
        s2 = NULL;
        ok(berth_store_open(root, &s2, &err) == 0, "next open: %s", err.msg);
        is_int(count_entries(root, "tmp"), 0, "the next open removes the dead writer's temp file");
        berth_store_free(s2);
        berth_store_free(s);
}

static void test_stale_rules(void)
{
        _cleanup_free_ char *root = new_root("stale");
        berth_store *s = NULL;
        berth_error err = {0};
        ok(berth_store_open(root, &s, &err) == 0, "open: %s", err.msg);
        berth_store_free(s);

        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        waitpid(dead, NULL, 0);
        _cleanup_free_ char *locked = berth_xasprintf("%s/tmp/%d-00000000000000aa", root, dead);
        _cleanup_free_ char *fresh = berth_xasprintf("%s/tmp/unknown-fresh", root);
        _cleanup_free_ char *old = berth_xasprintf("%s/tmp/unknown-old", root);
        berth_write_file(locked, "x", 1, O_CREAT, &err);
        berth_write_file(fresh, "x", 1, O_CREAT, &err);
        berth_write_file(old, "x", 1, O_CREAT, &err);
        struct timespec times[2];
        clock_gettime(CLOCK_REALTIME, &times[0]);
        times[0].tv_sec -= 2 * 3600;
        times[1] = times[0];
        ok(utimensat(AT_FDCWD, old, times, 0) == 0, "age a file by two hours");

        /* A dead pid in the name, but someone (another pid namespace?) holds the lock. */
        int lfd = open(locked, O_RDONLY | O_CLOEXEC);
        ok(lfd >= 0 && flock(lfd, LOCK_EX) == 0, "hold the lock of a dead pid's temp file");
        ok(berth_store_open(root, &s, &err) == 0, "open: %s", err.msg);
        berth_store_free(s);
        struct stat st;
        ok(stat(locked, &st) == 0, "a locked temp file is kept though its pid is dead");
        ok(stat(fresh, &st) == 0, "a fresh file of unknown origin is kept");
        ok(stat(old, &st) < 0 && errno == ENOENT, "an unlocked file older than an hour goes");
        close(lfd);
        ok(berth_store_open(root, &s, &err) == 0, "open: %s", err.msg);
        berth_store_free(s);
        ok(stat(locked, &st) < 0 && errno == ENOENT, "once unlocked, the dead pid's file goes");
}

static void test_open_errors(void)
{
        berth_store *s = NULL;
        berth_error err = {0};
        _cleanup_free_ char *file = berth_xasprintf("%s/a-file", top);
        berth_write_file(file, "x", 1, O_CREAT, &err);
        ok(berth_store_open(file, &s, &err) < 0 && s == NULL, "a file as root is refused");
        like(err.msg, file, "message names the root: %s", err.msg);
        _cleanup_free_ char *root = new_root("symlinked");
        berth_mkdir_p(root, 0700, &err);
        _cleanup_free_ char *link = berth_xasprintf("%s/blobs", root);
        ok(symlink("/tmp", link) == 0, "blobs/ replaced by a symlink");
        ok(berth_store_open(root, &s, &err) < 0, "a symlinked blobs/ is refused");
        like(err.msg, "blobs", "message: %s", err.msg);
}

/* A writer whose caller checks the digest: committed under it, the size still checked. */
static void test_verified(void)
{
        _cleanup_free_ char *root = new_root("verified");
        berth_store *s = NULL;
        berth_error err = {0};
        ok(berth_store_open(root, &s, &err) == 0, "open: %s", err.msg);
        berth_digest abc;
        berth_digest_of("abc", 3, &abc);
        berth_blob_writer *w = NULL;
        ok(berth_blob_writer_new_verified(s, NULL, 3, &w, &err) < 0 && w == NULL,
           "a verified writer needs its digest");
        ok(berth_blob_writer_new_verified(s, &abc, 3, &w, &err) == 0, "verified writer: %s",
           err.msg);
        ok(berth_blob_write(w, "ab", 2, &err) == 0 && berth_blob_write(w, "c", 1, &err) == 0,
           "write in two pieces");
        berth_digest got;
        ok(berth_blob_writer_commit(w, &got, NULL, &err) == 0, "commit: %s", err.msg);
        ok(berth_digest_equal(&got, &abc) && berth_store_verify_blob(s, &abc, &err) == 0,
           "stored under its digest, and it is right");
        berth_blob_writer_free(w);
        w = NULL;
        ok(berth_blob_writer_new_verified(s, &abc, 3, &w, &err) == 0, "another");
        ok(berth_blob_write(w, "ab", 2, &err) == 0, "short write");
        ok(berth_blob_writer_commit(w, NULL, NULL, &err) == -EBADMSG, "a short blob is refused");
        berth_blob_writer_free(w);
        is_int(count_entries(root, "tmp"), 0, "no temp file left");
        berth_store_free(s);
}

int main(void)
{
        char tmpl[] = "/tmp/berth-store-test-XXXXXX";
        top = mkdtemp(tmpl);
        if (top == NULL)
                return 1;
        test_round_trip();
        test_mismatch();
        test_verified();
        test_corrupted();
        test_list_remove();
        test_bad_digests();
        test_concurrent();
        test_killed_writer();
        test_stale_rules();
        test_open_errors();
        berth_error err = {0};
        berth_rm_rf(top, &err);
        return tap_done();
}
