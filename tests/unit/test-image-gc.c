/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Garbage collection racing writers in other processes: importers and
 * loaders store blobs and unpack layers before their image's row exists,
 * and a gc looping beside them must never take those. At the end every
 * image must be whole and `system check` must find nothing.
 */
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/check.h"
#include "image/image-archive.h"
#include "image/images.h"
#include "image/layers.h"
#include "oci/image.h"
#include "tap.h"
#include "tar-build.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKERS        4
#define OPS_PER_WORKER 20

static const char *root;

/* A small layer tar of its own content (name differs per call), in memory. */
static char *layer_bytes(const char *name, size_t *ret_len)
{
        _cleanup_free_ char *path = berth_xasprintf("data/%s", name);
        _cleanup_free_ char *big = berth_xmalloc0(64 * 1024 + 1);
        for (size_t i = 0; i < 64 * 1024; i++)
                big[i] = (char)('a' + (i * 7 + strlen(name)) % 26);
        tent ents[] = {
            {.name = "data", .type = 'd'},
            {.name = path, .type = 'f', .data = name},
            {.name = "data/big", .type = 'f', .data = big},
        };
        int fd = tar_build(ents, ARRAY_SIZE(ents), TAR_PLAIN);
        if (fd < 0)
                return NULL;
        off_t len = lseek(fd, 0, SEEK_END);
        char *buf = berth_xmalloc0((size_t)len + 1);
        if (pread(fd, buf, (size_t)len, 0) != len) {
                close(fd);
                free(buf);
                return NULL;
        }
        close(fd);
        *ret_len = (size_t)len;
        return buf;
}

static void add_member(struct archive *a, const char *name, const void *data, size_t len)
{
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)len);
        archive_entry_set_mtime(e, 1700000000, 0);
        archive_write_header(a, e);
        archive_write_data(a, data, len);
        archive_entry_free(e);
}

/* A docker-archive of one image, one layer, tagged tag; a memfd at 0. */
static int docker_archive(const char *tag, const char *layer, size_t layer_len)
{
        const char *os, *arch, *variant;
        berth_host_platform(&os, &arch, &variant);
        berth_digest diff, cfgd;
        berth_digest_of(layer, layer_len, &diff);
        _cleanup_free_ char *cfg =
            berth_xasprintf("{\"architecture\":\"%s\",\"os\":\"%s\",\"config\":{},"
                            "\"created\":\"2024-01-02T03:04:05Z\","
                            "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
                            arch, os, diff.s);
        berth_digest_of(cfg, strlen(cfg), &cfgd);
        _cleanup_free_ char *cfg_name = berth_xasprintf("%s.json", berth_digest_hex(&cfgd));
        _cleanup_free_ char *layer_name =
            berth_xasprintf("%.16s/layer.tar", berth_digest_hex(&diff));
        _cleanup_free_ char *manifest =
            berth_xasprintf("[{\"Config\":\"%s\",\"RepoTags\":[\"%s\"],\"Layers\":[\"%s\"]}]",
                            cfg_name, tag, layer_name);
        int fd = memfd_create("archive", MFD_CLOEXEC);
        struct archive *a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        archive_write_open_fd(a, fd);
        add_member(a, layer_name, layer, layer_len);
        add_member(a, cfg_name, cfg, strlen(cfg));
        add_member(a, "manifest.json", manifest, strlen(manifest));
        archive_write_close(a);
        archive_write_free(a);
        lseek(fd, 0, SEEK_SET);
        return fd;
}

/* One writer process: imports and loads of tars no one else has. Exits with its failures. */
static int worker(int w)
{
        berth_images *im = NULL;
        berth_error err = {0};
        int failures = 0;
        if (berth_images_open(root, &im, &err) < 0) {
                fprintf(stderr, "# worker %d: open: %s\n", w, err.msg);
                return 1;
        }
        for (int i = 0; i < OPS_PER_WORKER; i++) {
                _cleanup_free_ char *name = berth_xasprintf("w%d-op%d", w, i);
                size_t len = 0;
                _cleanup_free_ char *layer = layer_bytes(name, &len);
                int r;
                if (i % 2 == 0) {
                        _cleanup_free_ char *tag = berth_xasprintf("gc/import:%s", name);
                        _cleanup_close_ int fd = bytes_fd(layer, len);
                        berth_digest id;
                        r = berth_images_import(im, fd, tag, NULL, NULL, &id, &err);
                } else {
                        _cleanup_free_ char *tag = berth_xasprintf("gc/load:%s", name);
                        _cleanup_close_ int fd = docker_archive(tag, layer, len);
                        char **lines = NULL;
                        r = berth_images_load(im, fd, &lines, &err);
                        berth_strv_free(lines);
                }
                if (r < 0) {
                        fprintf(stderr, "# worker %d op %d: %s\n", w, i, err.msg);
                        failures++;
                }
        }
        berth_images_close(im);
        return failures > 100 ? 100 : failures;
}

/* Import one tar again and again under one tag while another process removes it. */
static int reimporter(void)
{
        berth_images *im = NULL;
        berth_error err = {0};
        int failures = 0;
        if (berth_images_open(root, &im, &err) < 0)
                return 1;
        size_t len = 0;
        _cleanup_free_ char *layer = layer_bytes("shared", &len);
        for (int i = 0; i < OPS_PER_WORKER; i++) {
                _cleanup_close_ int fd = bytes_fd(layer, len);
                berth_digest id;
                if (berth_images_import(im, fd, "gc/shared:latest", NULL, NULL, &id, &err) < 0) {
                        fprintf(stderr, "# reimporter op %d: %s\n", i, err.msg);
                        failures++;
                }
        }
        berth_images_close(im);
        return failures;
}

/* Loop until stop_fd is readable; write how many rounds were done to out_fd. */
static int collector(int stop_fd, int out_fd, bool rmi)
{
        berth_images *im = NULL;
        berth_error err = {0};
        if (berth_images_open(root, &im, &err) < 0) {
                fprintf(stderr, "# collector: open: %s\n", err.msg);
                return 1;
        }
        int rounds = 0, failures = 0;
        struct pollfd p = {.fd = stop_fd, .events = POLLIN};
        do {
                if (rmi) {
                        char **report = NULL;
                        int r = berth_images_remove(im, "gc/shared:latest", true, &report, &err);
                        berth_strv_free(report);
                        if (r < 0 && r != -ENOENT) {
                                fprintf(stderr, "# rmi: %s\n", err.msg);
                                failures++;
                        }
                } else {
                        uint64_t freed = 0;
                        if (berth_images_gc(im, &freed, &err) < 0) {
                                fprintf(stderr, "# gc: %s\n", err.msg);
                                failures++;
                        }
                }
                rounds++;
        } while (poll(&p, 1, 0) == 0);
        berth_images_close(im);
        if (write(out_fd, &rounds, sizeof(rounds)) != sizeof(rounds))
                failures++;
        return failures > 100 ? 100 : failures;
}

static pid_t spawn(int (*fn)(int), int arg)
{
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
                _exit(fn(arg));
        return pid;
}

static int stop_fd_g, out_fd_g;
static int gc_main(int unused)
{
        (void)unused;
        return collector(stop_fd_g, out_fd_g, false);
}
static int rmi_main(int unused)
{
        (void)unused;
        return collector(stop_fd_g, out_fd_g, true);
}
static int reimporter_main(int unused)
{
        (void)unused;
        return reimporter();
}

static int exit_code(pid_t pid)
{
        int status = 0;
        if (waitpid(pid, &status, 0) != pid)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Every image's config, manifest, layer blobs and layer dirs are there. */
static int broken_images(berth_images *im, size_t *ret_n)
{
        berth_image_rec *recs = NULL;
        size_t n = 0;
        berth_error err = {0};
        int broken = 0;
        if (berth_imagedb_list(berth_images_db(im), &recs, &n, &err) < 0)
                return -1;
        berth_store *s = berth_images_store(im);
        for (size_t i = 0; i < n; i++) {
                berth_image_rec rec = {0};
                berth_image_layer_rec *l = NULL;
                size_t nl = 0;
                bool whole =
                    berth_imagedb_get(berth_images_db(im), &recs[i].id, &rec, &l, &nl, &err) == 0 &&
                    berth_store_has(s, &rec.id) &&
                    (!rec.has_manifest || berth_store_has(s, &rec.manifest));
                for (size_t j = 0; whole && j < nl; j++)
                        whole = (!l[j].has_blob || berth_store_has(s, &l[j].blob)) &&
                                berth_layer_exists(berth_images_layers_fd(im), &l[j].chain_id);
                if (!whole) {
                        printf("# image %s is not whole\n", recs[i].id.s);
                        broken++;
                }
                berth_image_rec_clear(&rec);
                berth_image_rec_clear(&recs[i]);
                free(l);
        }
        free(recs);
        *ret_n = n;
        return broken;
}

static size_t count_blobs(berth_images *im)
{
        berth_digest *v = NULL;
        size_t n = 0;
        berth_store_list_blobs(berth_images_store(im), &v, &n, NULL);
        free(v);
        return n;
}

/* Who may hold the lock with whom, and that a waiting collector is not overtaken. */
static void test_lock_rules(void)
{
        char tmpl[] = "/tmp/berth-image-gc-XXXXXX";
        root = mkdtemp(tmpl);
        berth_error err = {0};
        berth_images *im = NULL;
        ok(berth_images_open(root, &im, &err) == 0, "open: %s", err.msg);
        berth_store *s = berth_images_store(im);

        int w1 = berth_images_writer_lock(im, &err);
        int w2 = berth_images_writer_lock(im, &err);
        ok(w1 >= 0 && w2 >= 0, "two writers hold the lock at once: %s", err.msg);
        is_int(berth_images_collect_lock(im, false, &err), -EWOULDBLOCK,
               "a collector cannot while writers run");
        is_str(err.msg, "cannot lock the image store for removal: it is busy", "its message");
        berth_images_unlock(w1);
        berth_images_unlock(w2);
        berth_error_clear(&err);
        int c = berth_images_collect_lock(im, false, &err);
        ok(c >= 0, "a collector can once they are done: %s", err.msg);
        is_int(berth_store_lock(s, BERTH_STORE_LOCK_WRITE | BERTH_STORE_LOCK_NOWAIT, &err),
               -EWOULDBLOCK, "a writer cannot start while a collector runs");
        is_int(berth_store_lock(s, BERTH_STORE_LOCK_COLLECT | BERTH_STORE_LOCK_NOWAIT, &err),
               -EWOULDBLOCK, "nor another collector");
        berth_images_unlock(c);

        /* a collector waiting for a running writer keeps new writers out */
        w1 = berth_images_writer_lock(im, &err);
        int got[2];
        if (pipe2(got, O_CLOEXEC) < 0)
                abort();
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
                berth_store *cs = NULL;
                berth_error e = {0};
                berth_store_unlock(w1); /* our copy of the parent's lock, which it would keep */
                if (berth_store_open(root, &cs, &e) < 0 ||
                    berth_store_lock(cs, BERTH_STORE_LOCK_COLLECT, &e) < 0)
                        _exit(1);
                _exit(write(got[1], "x", 1) == 1 ? 0 : 1);
        }
        close(got[1]);
        bool refused = false;
        for (int i = 0; i < 2000 && !refused; i++) {
                int w = berth_store_lock(s, BERTH_STORE_LOCK_WRITE | BERTH_STORE_LOCK_NOWAIT, NULL);
                refused = w == -EWOULDBLOCK;
                berth_store_unlock(w);
                if (!refused)
                        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
        }
        ok(refused, "a new writer waits behind a waiting collector");
        struct pollfd p = {.fd = got[0], .events = POLLIN};
        is_int(poll(&p, 1, 100), 0, "the collector waits for the running writer");
        berth_images_unlock(w1);
        char x;
        is_int(read(got[0], &x, 1), 1, "and gets the lock once it is done");
        is_int(exit_code(pid), 0, "the collector exited");
        close(got[0]);

        berth_db *db = berth_images_db(im);
        berth_db_begin(db, &err);
        is_int(berth_images_writer_lock(im, &err), -EDEADLK,
               "no lock is taken inside a transaction");
        berth_db_rollback(db);

        /* a failed import's clean-up does not wait for (or race) other writers */
        w1 = berth_images_writer_lock(im, &err);
        static const char junk[] = "this is not a tar";
        _cleanup_close_ int fd = bytes_fd(junk, sizeof(junk));
        berth_digest id;
        ok(berth_images_import(im, fd, "junk", NULL, NULL, &id, &err) < 0,
           "a bad import fails while another writer runs");
        is_int(count_blobs(im), 1, "its blob is left (another writer may rely on it)");
        berth_images_unlock(w1);
        uint64_t freed = 0;
        ok(berth_images_gc(im, &freed, &err) == 0 && count_blobs(im) == 0,
           "the next gc removes it");
        lseek(fd, 0, SEEK_SET);
        ok(berth_images_import(im, fd, "junk", NULL, NULL, &id, &err) < 0 && count_blobs(im) == 0,
           "alone, a bad import removes its blob at once");

        berth_images_close(im);
        berth_rm_rf(root, NULL);
}

static bool files_of(berth_images *im, const berth_image_rec *rec, const berth_image_layer_rec *l,
                     size_t n)
{
        berth_store *s = berth_images_store(im);
        bool all = berth_store_has(s, &rec->id) && berth_store_has(s, &rec->manifest);
        for (size_t i = 0; i < n; i++)
                all = all && berth_store_has(s, &l[i].blob) &&
                      berth_layer_exists(berth_images_layers_fd(im), &l[i].chain_id);
        return all;
}

/* rmi drops the row at once, and the files only once writers are done: one may add the
 * image back meanwhile, and then its files stay. */
static void test_rmi_waits_for_writers(void)
{
        char tmpl[] = "/tmp/berth-image-gc-XXXXXX";
        root = mkdtemp(tmpl);
        berth_error err = {0};
        berth_images *im = NULL;
        ok(berth_images_open(root, &im, &err) == 0, "open: %s", err.msg);
        size_t len = 0;
        _cleanup_free_ char *layer = layer_bytes("rmi", &len);
        _cleanup_close_ int fd = bytes_fd(layer, len);
        berth_digest id;
        ok(berth_images_import(im, fd, "keep/me", NULL, NULL, &id, &err) == 0, "import: %s",
           err.msg);
        berth_image_rec rec = {0};
        berth_image_layer_rec *l = NULL;
        size_t n = 0;
        berth_imagedb_get(berth_images_db(im), &id, &rec, &l, &n, &err);

        int w = berth_images_writer_lock(im, &err);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
                berth_images *cim = NULL;
                berth_error e = {0};
                char **report = NULL;
                berth_store_unlock(w); /* our copy of the parent's lock, which it would keep */
                if (berth_images_open(root, &cim, &e) < 0 ||
                    berth_images_remove(cim, "keep/me", true, &report, &e) < 0)
                        _exit(1);
                berth_strv_free(report);
                berth_images_close(cim);
                _exit(0);
        }
        bool gone = false;
        for (int i = 0; i < 2000 && !gone; i++) {
                berth_image_rec tmp = {0};
                gone =
                    berth_imagedb_get(berth_images_db(im), &id, &tmp, NULL, NULL, NULL) == -ENOENT;
                berth_image_rec_clear(&tmp);
                if (!gone)
                        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
        }
        ok(gone, "rmi removes the row while a writer runs");
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
        ok(files_of(im, &rec, l, n), "but leaves the files while the writer runs");
        /* the writer registers the same image again (a load of it, say) */
        berth_db *db = berth_images_db(im);
        ok(berth_db_begin(db, &err) == 0 && berth_imagedb_put(db, &rec, l, n, &err) == 0 &&
               berth_db_commit(db, &err) == 0,
           "the writer registers the image again: %s", err.msg);
        berth_images_unlock(w);
        is_int(exit_code(pid), 0, "rmi finished once the writer was done");
        ok(files_of(im, &rec, l, n), "the image added back keeps its files");
        char **problems = NULL;
        berth_images_check(im, false, &problems, NULL, &err);
        is_int(berth_strv_length(problems), 0, "system check finds nothing");
        berth_strv_free(problems);
        char **report = NULL;
        ok(berth_images_remove(im, id.s, true, &report, &err) == 0, "rmi with no writer");
        berth_strv_free(report);
        ok(count_blobs(im) == 0 && !berth_layer_exists(berth_images_layers_fd(im), &l[0].chain_id),
           "removes its files at once");
        berth_image_rec_clear(&rec);
        free(l);
        berth_images_close(im);
        berth_rm_rf(root, NULL);
}

int main(void)
{
        test_lock_rules();
        test_rmi_waits_for_writers();

        char tmpl[] = "/tmp/berth-image-gc-XXXXXX";
        root = mkdtemp(tmpl);
        berth_error err = {0};
        berth_images *im = NULL;
        /* made once up front, so the children do not all create berth.db at once */
        ok(berth_images_open(root, &im, &err) == 0, "open: %s", err.msg);
        berth_images_close(im);
        im = NULL;

        /* 1. four writers (imports and loads of distinct tars) and a gc in a loop */
        int stop[2], out[2];
        if (pipe2(stop, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
                abort();
        stop_fd_g = stop[0];
        out_fd_g = out[1];
        pid_t gc = spawn(gc_main, 0);
        pid_t workers[WORKERS];
        for (int w = 0; w < WORKERS; w++)
                workers[w] = spawn(worker, w);
        int failed = 0;
        for (int w = 0; w < WORKERS; w++)
                failed += exit_code(workers[w]) != 0;
        if (write(stop[1], "x", 1) != 1)
                abort();
        is_int(exit_code(gc), 0, "gc looped without an error");
        int rounds = 0;
        if (read(out[0], &rounds, sizeof(rounds)) != sizeof(rounds))
                rounds = -1;
        ok(rounds > 0, "gc ran %d times while the writers ran", rounds);
        is_int(failed, 0, "%d writers x %d imports and loads all succeeded", WORKERS,
               OPS_PER_WORKER);
        close(stop[0]);
        close(stop[1]);

        ok(berth_images_open(root, &im, &err) == 0, "open: %s", err.msg);
        size_t n = 0;
        is_int(broken_images(im, &n), 0, "every image has its blobs and layer dirs");
        is_int(n, WORKERS * OPS_PER_WORKER, "every import and load left its image");
        char **problems = NULL;
        ok(berth_images_check(im, false, &problems, NULL, &err) == 0, "check: %s", err.msg);
        STRV_FOREACH (p, problems)
                printf("# check: %s\n", *p);
        is_int(berth_strv_length(problems), 0, "system check finds nothing");
        berth_strv_free(problems);
        berth_images_close(im);
        im = NULL;

        /* 2. one tar imported again and again under one tag, removed (rmi -f) in a loop,
         * in a root of its own */
        berth_rm_rf(root, NULL);
        char tmpl2[] = "/tmp/berth-image-gc-XXXXXX";
        root = mkdtemp(tmpl2);
        ok(berth_images_open(root, &im, &err) == 0, "open a second root: %s", err.msg);
        berth_images_close(im);
        im = NULL;
        if (pipe2(stop, O_CLOEXEC) < 0)
                abort();
        stop_fd_g = stop[0];
        pid_t rm = spawn(rmi_main, 0);
        pid_t ri = spawn(reimporter_main, 0);
        is_int(exit_code(ri), 0, "re-imports all succeeded");
        if (write(stop[1], "x", 1) != 1)
                abort();
        is_int(exit_code(rm), 0, "rmi looped without an error");
        if (read(out[0], &rounds, sizeof(rounds)) != sizeof(rounds))
                rounds = -1;
        ok(rounds > 0, "rmi ran %d times while the imports ran", rounds);
        ok(berth_images_open(root, &im, &err) == 0, "open: %s", err.msg);
        is_int(broken_images(im, &n), 0, "every image (%zu) is whole after rmi raced imports", n);
        problems = NULL;
        ok(berth_images_check(im, false, &problems, NULL, &err) == 0, "check: %s", err.msg);
        STRV_FOREACH (p, problems)
                printf("# check: %s\n", *p);
        is_int(berth_strv_length(problems), 0, "system check finds nothing");
        berth_strv_free(problems);
        berth_images_close(im);

        berth_rm_rf(root, NULL);
        return tap_done();
}
