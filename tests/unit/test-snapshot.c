/* SPDX-License-Identifier: Apache-2.0 */
/* Snapshots: the merged view, copy-up, diff, commit, many layers, in-use images. */
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/check.h"
#include "image/images.h"
#include "image/layers.h"
#include "image/snapshot-internal.h"
#include "image/usage.h"
#include "oci/image.h"
#include "tap.h"
#include "tar-build.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char *P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *P(const char *fmt, ...)
{
        static char bufs[8][4096];
        static int k;
        char *b = bufs[k++ % 8];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b, sizeof(bufs[0]), fmt, ap);
        va_end(ap);
        return b;
}

static bool exists(const char *p)
{
        struct stat st;
        return lstat(p, &st) == 0;
}

static char *slurp(const char *p)
{
        static char buf[256];
        buf[0] = '\0';
        FILE *f = fopen(p, "re");
        if (f == NULL)
                return NULL;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static void spit(const char *p, const char *text)
{
        FILE *f = fopen(p, "we");
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

/* An image of the given layer tars (bottom first): blobs, layers, config, manifest, row. */
static int make_image(berth_images *im, const int *tars, size_t n, const char *tag,
                      berth_digest *ret_id)
{
        berth_error err = {0};
        berth_store *s = berth_images_store(im);
        berth_image_layer_rec *lr = berth_xmalloc0((n ? n : 1) * sizeof(*lr));
        oci_descriptor *ld = berth_xmalloc0((n ? n : 1) * sizeof(*ld));
        oci_image_config *cfg = berth_oci_image_config_new("linux", "amd64", NULL);
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                uint64_t size = 0;
                r = berth_store_put_fd(s, tars[i], NULL, -1, &lr[i].blob, &size, &err);
                lseek(tars[i], 0, SEEK_SET);
                if (r == 0)
                        r = berth_layer_add(berth_images_layers_fd(im),
                                            i ? &lr[i - 1].chain_id : NULL, tars[i], NULL, NULL,
                                            &lr[i].chain_id, &lr[i].diff_id, &err);
                lr[i].has_blob = true;
                ld[i] = (oci_descriptor){.media_type = (char *)BERTH_MT_OCI_LAYER,
                                         .digest = lr[i].blob,
                                         .size = (int64_t)size};
                berth_oci_image_config_add_diff_id(cfg, &lr[i].diff_id);
                berth_oci_image_config_add_history(cfg, "2026-01-01T00:00:00Z", "layer", NULL, NULL,
                                                   false);
        }
        berth_oci_image_config_set_created(cfg, "2026-01-01T00:00:00Z");
        size_t cl, ml;
        char *cj = berth_oci_image_config_to_json(cfg, &cl);
        berth_digest id, man;
        if (r == 0)
                r = berth_store_put_buf(s, cj, cl, NULL, &id, &err);
        oci_manifest m = {.schema_version = 2,
                          .media_type = (char *)BERTH_MT_OCI_MANIFEST,
                          .config = {.media_type = (char *)BERTH_MT_OCI_CONFIG,
                                     .digest = id,
                                     .size = (int64_t)cl},
                          .layers = ld,
                          .n_layers = n};
        char *mj = berth_oci_manifest_to_json(&m, &ml);
        if (r == 0)
                r = berth_store_put_buf(s, mj, ml, NULL, &man, &err);
        berth_image_rec rec = {.id = id,
                               .has_manifest = true,
                               .manifest = man,
                               .has_top_layer = n > 0,
                               .top_layer = n ? lr[n - 1].chain_id : id,
                               .created = (char *)"2026-01-01T00:00:00Z",
                               .size = 1,
                               .added = time(NULL)};
        berth_db *db = berth_images_db(im);
        if (r == 0)
                r = berth_db_begin(db, &err);
        if (r == 0) {
                r = berth_imagedb_put(db, &rec, lr, n, &err);
                if (r == 0 && tag)
                        r = berth_imagedb_tag(db, tag, &id, &err);
                if (r == 0)
                        r = berth_db_commit(db, &err);
                else
                        berth_db_rollback(db);
        }
        if (r < 0)
                printf("# make_image: %s\n", err.msg);
        free(cj);
        free(mj);
        free(lr);
        free(ld);
        berth_oci_image_config_free(cfg);
        *ret_id = id;
        return r;
}

static char *diff_text(berth_images *im, const char *dir)
{
        static char buf[4096];
        berth_error err = {0};
        berth_change *v = NULL;
        size_t n = 0;
        buf[0] = '\0';
        if (berth_snapshot_diff(im, dir, &v, &n, &err) < 0) {
                snprintf(buf, sizeof(buf), "error: %s", err.msg);
                return buf;
        }
        for (size_t i = 0; i < n; i++)
                snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%c %s\n", v[i].kind,
                         v[i].path);
        berth_changes_free(v, n);
        return buf;
}

/* The names in a layer blob, one a line. */
static char *tar_names(berth_images *im, const berth_digest *blob)
{
        static char buf[4096];
        buf[0] = '\0';
        int fd = -1;
        if (berth_store_open_blob(berth_images_store(im), blob, &fd, NULL, NULL) < 0)
                return buf;
        struct archive *a = archive_read_new();
        archive_read_support_format_tar(a);
        archive_read_support_filter_all(a);
        struct archive_entry *e;
        if (archive_read_open_fd(a, fd, 65536) == ARCHIVE_OK)
                while (archive_read_next_header(a, &e) == ARCHIVE_OK)
                        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s\n",
                                 archive_entry_pathname(e));
        archive_read_free(a);
        close(fd);
        return buf;
}

static const char *root;

static void test_three_layers(berth_images *im)
{
        berth_error err = {0};
        const tent l1[] = {
            {"etc", 'd'},
            {"etc/passwd", 'f', 0644, "root"},
            {"etc/gone", 'f', 0644, "x"},
            {"tmp", 'd'},
            {"tmp/x", 'f', 0644, "x"},
            {"srv", 'd'},
            {"srv/old", 'f', 0644, "old"},
            {"keep", 'f', 0644, "k"},
        };
        const tent l2[] = {
            {"etc", 'd'}, {"etc/.wh.gone", 'f', 0644, ""},     {"etc/hosts", 'f', 0644, "h"},
            {"srv", 'd'}, {"srv/.wh..wh..opq", 'f', 0644, ""}, {"srv/new", 'f', 0644, "n"},
        };
        const tent l3[] = {{"bin", 'd'}, {"bin/sh", 'f', 0755, "sh"}};
        int tars[] = {tar_build(l1, N(l1), TAR_PLAIN), tar_build(l2, N(l2), TAR_GZIP),
                      tar_build(l3, N(l3), TAR_PLAIN)};
        berth_digest id;
        ok(make_image(im, tars, 3, "docker.io/library/three:latest", &id) == 0, "a 3-layer image");
        for (size_t i = 0; i < 3; i++)
                close(tars[i]);

        char *dir = berth_xasprintf("%s/containers/c0ffee0000000000000001", root);
        ok(berth_snapshot_create(im, &id, dir, &err) == 0, "create a snapshot: %s", err.msg);
        ok(exists(P("%s/upper", dir)) && exists(P("%s/work", dir)) && exists(P("%s/merged", dir)),
           "upper, work and merged are there");
        ok(!exists(P("%s/empty", dir)), "no empty lower directory: the image has layers");
        berth_digest *chain = NULL;
        size_t nc = 0;
        ok(snapshot_read_lower(dir, &chain, &nc, &err) == 0 && nc == 3, "lower lists 3 layers");
        ok(berth_snapshot_create(im, &id, dir, &err) == -EEXIST, "a second create is refused");
        ok(!berth_snapshot_mounted(dir), "not mounted yet");
        ok(berth_snapshot_mount(im, dir, NULL, &err) == 0, "mount: %s", err.msg);
        ok(berth_snapshot_mounted(dir), "mounted");
        char *m = P("%s/merged", dir);
        char *merged = berth_xstrdup(m);
        is_str(slurp(P("%s/etc/passwd", merged)), "root", "merged: a bottom-layer file");
        ok(!exists(P("%s/etc/gone", merged)), "merged: a file whited out in layer 2 is gone");
        ok(!exists(P("%s/srv/old", merged)), "merged: an opaque dir of layer 2 hides layer 1");
        is_str(slurp(P("%s/srv/new", merged)), "n", "merged: the opaque dir's own file");
        is_str(slurp(P("%s/bin/sh", merged)), "sh", "merged: a top-layer file");

        /* the container writes */
        spit(P("%s/etc/passwd", merged), "changed");
        spit(P("%s/etc/new", merged), "new");
        ok(unlink(P("%s/tmp/x", merged)) == 0, "delete a lower file");
        mkdir(P("%s/newdir", merged), 0755);
        spit(P("%s/newdir/f", merged), "f");
        unlink(P("%s/srv/new", merged));
        ok(rmdir(P("%s/srv", merged)) == 0 && mkdir(P("%s/srv", merged), 0755) == 0,
           "replace a lower dir by a new one");
        spit(P("%s/srv/fresh", merged), "fresh");
        is_str(slurp(P("%s/etc/passwd", merged)), "changed", "merged shows the write");
        is_str(slurp(P("%s/etc/passwd",
                       berth_layer_diff_path(berth_images_layers_dir(im), &chain[0]))),
               "root", "copy-up: the lower file is unchanged");
        is_str(slurp(P("%s/upper/etc/passwd", dir)), "changed", "the write is in upper");
        ok(!exists(P("%s/upper/bin", dir)), "upper holds only what changed");

        is_str(diff_text(im, dir),
               "C /etc\nA /etc/new\nC /etc/passwd\nA /newdir\nA /newdir/f\nD /srv\nA "
               "/srv/fresh\nC /tmp\nD /tmp/x\n",
               "diff lists A/C/D as docker does");

        /* commit */
        char *const changes[] = {(char *)"ENV COMMITTED=1", NULL};
        berth_digest cid;
        ok(berth_snapshot_commit(im, dir, changes, "a message", "me", "committed:v1", &cid, &err) ==
               0,
           "commit: %s", err.msg);
        berth_image_rec rec = {0};
        berth_image_layer_rec *lr = NULL;
        size_t nl = 0;
        ok(berth_imagedb_get(berth_images_db(im), &cid, &rec, &lr, &nl, &err) == 0 && nl == 4,
           "the new image has 4 layers");
        const char *names = nl == 4 ? tar_names(im, &lr[3].blob) : "";
        like(names, "tmp/.wh.x\n", "the new layer has a whiteout for the deleted file");
        like(names, "srv/.wh..wh..opq\n", "and an opaque marker for the replaced dir");
        like(names, "etc/passwd\n", "and the changed file");
        like(names, "newdir/f\n", "and the added file");
        ok(strstr(names, "bin/sh") == NULL && strstr(names, "etc/hosts") == NULL,
           "and nothing that did not change");
        json_t *j = berth_images_inspect(im, "committed:v1", &err);
        json_t *env = j ? json_object_get(json_object_get(j, "Config"), "Env") : NULL;
        ok(env && json_array_size(env) == 1 &&
               strcmp(json_string_value(json_array_get(env, 0)), "COMMITTED=1") == 0,
           "the change is in the new config");
        json_decref(j);
        berth_history_entry *h = NULL;
        size_t nh = 0;
        ok(berth_images_history(im, "committed:v1", &h, &nh, &err) == 0 && nh == 4 &&
               h[0].comment && strcmp(h[0].comment, "a message") == 0,
           "history has the commit on top: %s", err.msg);
        berth_history_free(h, nh);

        /* a snapshot of the committed image sees the container's state */
        char *dir2 = berth_xasprintf("%s/containers/c0ffee0000000000000002", root);
        ok(berth_snapshot_create(im, &cid, dir2, &err) == 0 &&
               berth_snapshot_mount(im, dir2, NULL, &err) == 0,
           "snapshot of the committed image: %s", err.msg);
        is_str(slurp(P("%s/merged/etc/passwd", dir2)), "changed", "committed: the changed file");
        ok(!exists(P("%s/merged/tmp/x", dir2)), "committed: the deleted file stays deleted");
        ok(!exists(P("%s/merged/srv/old", dir2)) && !exists(P("%s/merged/srv/new", dir2)) &&
               exists(P("%s/merged/srv/fresh", dir2)),
           "committed: the replaced dir");
        is_str(diff_text(im, dir2), "", "a fresh snapshot has no diff");

        /* in use: no rmi without force; gc keeps the layers */
        char **report = NULL;
        ok(berth_images_remove(im, "three", false, &report, &err) == -EBUSY,
           "an image in use is not removed");
        is_str(err.msg,
               P("conflict: unable to remove repository reference \"three\" (must force) - "
                 "container c0ffee000000 is using its referenced image %.12s",
                 berth_digest_hex(&id)),
               "docker's message");
        ok(berth_images_gc(im, NULL, &err) == 0 &&
               berth_layer_exists(berth_images_layers_fd(im), &chain[2]),
           "gc keeps the layers of an image in use");
        ok(berth_images_remove(im, "three", true, &report, &err) == 0, "rmi -f: %s", err.msg);
        berth_strv_free(report);
        ok(berth_layer_exists(berth_images_layers_fd(im), &chain[0]) &&
               berth_layer_exists(berth_images_layers_fd(im), &chain[2]),
           "rmi -f keeps the layers a snapshot uses");
        berth_images_gc(im, NULL, &err);
        ok(berth_layer_exists(berth_images_layers_fd(im), &chain[2]), "and so does gc after it");

        ok(berth_snapshot_remove(im, dir, &err) == 0, "remove a mounted snapshot: %s", err.msg);
        ok(!exists(dir), "its dir is gone");
        ok(berth_snapshot_remove(im, dir2, &err) == 0, "remove the other one");
        int64_t users = 1;
        berth_snapshot_image_users(berth_images_db(im), &cid, &users, NULL, &err);
        is_int(users, 0, "no snapshot rows left");
        ok(berth_images_remove(im, "committed:v1", false, &report, &err) == 0,
           "the committed image can go now");
        berth_strv_free(report);
        berth_images_gc(im, NULL, &err);
        ok(!berth_layer_exists(berth_images_layers_fd(im), &chain[0]),
           "gc removes the layers once nothing uses them");
        berth_image_rec_clear(&rec);
        free(lr);
        free(chain);
        free(merged);
        free(dir);
        free(dir2);
}

/* Whether the mount at path (absolute) has opt among its superblock options. */
static bool mount_has_option(const char *path, const char *opt)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char *line = NULL;
        size_t cap = 0;
        bool found = false;
        while (f && !found && getline(&line, &cap, f) > 0) {
                char mnt[4096];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 || strcmp(mnt, path) != 0)
                        continue;
                const char *super = strstr(line, " - ");
                found = super && strstr(super, opt) != NULL;
        }
        free(line);
        if (f)
                fclose(f);
        return found;
}

static void test_many_layers(berth_images *im)
{
        enum { NL = 150 };
        berth_error err = {0};
        int tars[NL];
        char names[NL][16], data[NL][16];
        for (int i = 0; i < NL; i++) {
                snprintf(names[i], sizeof(names[i]), "f%03d", i);
                snprintf(data[i], sizeof(data[i]), "v%d", i);
                tent t[] = {{names[i], 'f', 0644, data[i]}, {"top", 'f', 0644, data[i]}};
                tars[i] = tar_build(t, 2, TAR_PLAIN);
        }
        berth_digest id;
        ok(make_image(im, tars, NL, NULL, &id) == 0, "an image of %d layers", NL);
        for (int i = 0; i < NL; i++)
                close(tars[i]);
        size_t len = 0;
        berth_image_rec rec = {0};
        berth_image_layer_rec *lr = NULL;
        size_t nl = 0;
        berth_imagedb_get(berth_images_db(im), &id, &rec, &lr, &nl, &err);
        for (size_t i = 0; i < nl; i++) {
                char *p = berth_layer_diff_path(berth_images_layers_dir(im), &lr[i].chain_id);
                len += strlen(p) + 1;
                free(p);
        }
        ok(len > 4096, "its lowerdir list (%zu bytes) is beyond one page", len);
        berth_image_rec_clear(&rec);
        free(lr);

        char *dir = berth_xasprintf("%s/containers/many", root);
        ok(berth_snapshot_create(im, &id, dir, &err) == 0, "snapshot: %s", err.msg);
        ok(snapshot_mount_how(im, dir, NULL, SNAPSHOT_MOUNT_NEW, false, &err) == 0,
           "mount with lowerdir+: %s", err.msg);
        is_str(slurp(P("%s/merged/f000", dir)), "v0", "the bottom layer shows");
        is_str(slurp(P("%s/merged/f149", dir)), "v149", "the top layer shows");
        is_str(slurp(P("%s/merged/top", dir)), "v149", "the top layer wins");
        ok(!mount_has_option(P("%s/merged", dir), "volatile"), "a plain mount is not volatile");
        ok(berth_snapshot_umount(dir, NULL, &err) == 0 && !berth_snapshot_mounted(dir), "umount");
        ok(snapshot_mount_how(im, dir, NULL, SNAPSHOT_MOUNT_LEGACY, false, &err) == 0,
           "mount the legacy way, relative to layers/l: %s", err.msg);
        is_str(slurp(P("%s/merged/f000", dir)), "v0", "legacy: the bottom layer shows");
        is_str(slurp(P("%s/merged/top", dir)), "v149", "legacy: the top layer wins");
        ok(berth_snapshot_umount(dir, NULL, &err) == 0, "umount");
        for (int how = SNAPSHOT_MOUNT_NEW; how <= SNAPSHOT_MOUNT_LEGACY; how++) {
                const char *name = how == SNAPSHOT_MOUNT_NEW ? "lowerdir+" : "legacy";
                ok(snapshot_mount_how(im, dir, NULL, how, true, &err) == 0,
                   "%s: a volatile mount (for --rm): %s", name, err.msg);
                ok(mount_has_option(P("%s/merged", dir), "volatile"), "%s: it is volatile", name);
                is_str(slurp(P("%s/merged/top", dir)), "v149", "%s: the top layer wins", name);
                ok(berth_snapshot_umount(dir, NULL, &err) == 0, "%s: umount", name);
        }
        ok(berth_snapshot_mount_volatile(im, dir, &err) == 0 &&
               mount_has_option(P("%s/merged", dir), "volatile"),
           "a volatile mount again, through the public call: %s", err.msg);
        ok(berth_snapshot_remove(im, dir, &err) == 0 && !exists(dir),
           "remove unmounts and removes it");
        free(dir);
}

static void test_no_layers(berth_images *im)
{
        berth_error err = {0};
        berth_digest id;
        ok(make_image(im, NULL, 0, NULL, &id) == 0, "an image without layers");
        char *dir = berth_xasprintf("%s/containers/empty", root);
        ok(berth_snapshot_create(im, &id, dir, &err) == 0 &&
               berth_snapshot_mount(im, dir, NULL, &err) == 0,
           "snapshot and mount it: %s", err.msg);
        ok(exists(P("%s/empty", dir)), "on an empty lower directory of its own");
        spit(P("%s/merged/hello", dir), "hi");
        is_str(slurp(P("%s/upper/hello", dir)), "hi", "a write lands in upper");
        is_str(diff_text(im, dir), "A /hello\n", "diff of an empty image");
        ok(berth_snapshot_remove(im, dir, &err) == 0 && !exists(dir), "removed");
        berth_digest nope;
        berth_digest_of("nope", 4, &nope);
        ok(berth_snapshot_create(im, &nope, dir, &err) == -ENOENT && !exists(dir),
           "a snapshot of an unknown image fails and leaves nothing");
        free(dir);
}

/* prune, df and check see snapshots: an image in use stays, a vanished snapshot is found. */
static void test_garbage(berth_images *im)
{
        berth_error err = {0};
        const tent l1[] = {{"f", 'f', 0644, "0123456789"}};
        int tar = tar_build(l1, 1, TAR_PLAIN);
        berth_digest id;
        ok(make_image(im, &tar, 1, NULL, &id) == 0, "a dangling image");
        close(tar);
        char *dir = berth_xasprintf("%s/containers/gc", root);
        ok(berth_snapshot_create(im, &id, dir, &err) == 0 &&
               berth_snapshot_mount(im, dir, NULL, &err) == 0,
           "a running container of it: %s", err.msg);
        spit(P("%s/merged/written", dir), "12345");
        char **report = NULL;
        uint64_t freed = 1;
        ok(berth_images_prune_match(im, true, NULL, NULL, &report, &freed, &err) == 0,
           "prune -a: %s", err.msg);
        _cleanup_free_ char *del = berth_xasprintf("deleted: %s", id.s);
        ok(report && !berth_strv_contains(report, del), "prune -a leaves an image in use");
        berth_strv_free(report);
        berth_disk_usage u = {0};
        ok(berth_images_disk_usage(im, &u, &err) == 0, "disk usage: %s", err.msg);
        ok(u.n_images == 1 && berth_digest_equal(&u.images[0].s.rec.id, &id) &&
               u.images[0].containers == 1,
           "df: only the image in use is left, with its container");
        is_int(u.images_active, 1, "df: the image is active");
        is_int(u.layers_size, 10, "df: its layer's size");
        is_int(u.layers_reclaimable, 0, "df: its layer is not reclaimable");
        is_int(u.n_snapshots, 1, "df: one container");
        ok(u.n_snapshots == 1 && u.snapshots[0].mounted && u.snapshots[0].size == 5,
           "df: it is up and its size is what it wrote");
        berth_disk_usage_clear(&u);
        char **problems = NULL;
        berth_images_check(im, false, &problems, NULL, &err);
        is_int(berth_strv_length(problems), 0, "check: a store with a snapshot is clean");
        berth_strv_free(problems);

        ok(berth_snapshot_umount(dir, NULL, &err) == 0, "umount");
        berth_rm_rf(dir, NULL); /* a crash took the directory, not the row */
        berth_images_check(im, false, &problems, NULL, &err);
        like(problems ? problems[0] : NULL, "its directory is missing",
             "check: a snapshot without its dir");
        berth_strv_free(problems);
        char **actions = NULL;
        berth_images_check(im, true, &problems, &actions, &err);
        berth_strv_free(problems);
        berth_strv_free(actions);
        berth_images_check(im, false, &problems, NULL, &err);
        is_int(berth_strv_length(problems), 0, "check --repair dropped it");
        berth_strv_free(problems);
        ok(berth_images_prune_match(im, false, NULL, NULL, &report, &freed, &err) == 0 &&
               berth_strv_contains(report, del) && freed == 10,
           "now prune removes the dangling image and reclaims its layer (%llu)",
           (unsigned long long)freed);
        berth_strv_free(report);
        free(dir);
}

int main(void)
{
        if (geteuid() != 0) {
                printf("ok 1 - snapshot # skip not root\n1..1\n");
                return 0;
        }
        char tmpl[] = "/tmp/berth-snapshot-XXXXXX";
        root = mkdtemp(tmpl);
        berth_error err = {0};
        berth_images *im = NULL;
        ok(berth_images_open(root, &im, &err) == 0, "open: %s", err.msg);
        test_three_layers(im);
        test_many_layers(im);
        test_no_layers(im);
        test_garbage(im);
        berth_images_close(im);
        /* whatever failed above, leave no mount behind */
        for (int i = 0; i < 4; i++) {
                umount2(P("%s/containers/c0ffee0000000000000001/merged", root), MNT_DETACH);
                umount2(P("%s/containers/c0ffee0000000000000002/merged", root), MNT_DETACH);
                umount2(P("%s/containers/many/merged", root), MNT_DETACH);
                umount2(P("%s/containers/empty/merged", root), MNT_DETACH);
                umount2(P("%s/containers/gc/merged", root), MNT_DETACH);
        }
        berth_rm_rf(root, NULL);
        return tap_done();
}
