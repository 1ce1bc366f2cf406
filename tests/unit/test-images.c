/* SPDX-License-Identifier: Apache-2.0 */
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/changes.h"
#include "image/images.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* An image whose config is text, with one layer dir per chain id given. */
static berth_digest add_image(berth_images *im, const char *config, const berth_digest *chains,
                              size_t n, const char *tag)
{
        berth_digest id;
        berth_error err = {0};
        berth_store_put_buf(berth_images_store(im), config, strlen(config), NULL, &id, &err);
        berth_image_layer_rec layers[4] = {0};
        for (size_t i = 0; i < n; i++) {
                layers[i].chain_id = chains[i];
                layers[i].diff_id = chains[i];
                _cleanup_free_ char *dir = berth_xasprintf(
                    "%s/%s/diff", berth_images_layers_dir(im), berth_digest_hex(&chains[i]));
                berth_mkdir_p(dir, 0755, NULL);
        }
        berth_image_rec rec = {.id = id,
                               .has_top_layer = n > 0,
                               .top_layer = n ? chains[n - 1] : id,
                               .created = (char *)"2026-01-01T00:00:00Z",
                               .size = 10,
                               .added = time(NULL)};
        berth_db *db = berth_images_db(im);
        berth_db_begin(db, &err);
        berth_imagedb_put(db, &rec, layers, n, &err);
        if (tag)
                berth_imagedb_tag(db, tag, &id, &err);
        berth_db_commit(db, &err);
        return id;
}

static bool layer_exists(berth_images *im, const berth_digest *chain)
{
        _cleanup_free_ char *dir =
            berth_xasprintf("%s/%s", berth_images_layers_dir(im), berth_digest_hex(chain));
        return access(dir, F_OK) == 0;
}

/* berth_image_derive: from scratch, then a metadata-only step on top of it. */
static void test_derive(berth_images *im)
{
        berth_error err = {0};
        oci_image_config *cfg = berth_oci_image_config_new("linux", "amd64", NULL);
        berth_config_apply_change(cfg, "ENV A=1", &err);
        berth_image_derive_opts o = {.created = "2026-01-02T03:04:05Z",
                                     .history = true,
                                     .created_by = "/bin/sh -c #(nop)  ENV A=1",
                                     .tag = "derived:one"};
        berth_digest one, two, named;
        ok(berth_image_derive(im, &o, cfg, &one, &err) == 0, "derive from scratch: %s", err.msg);
        berth_oci_image_config_free(cfg);
        ok(berth_images_resolve(im, "derived:one", &named, &err) == 0 &&
               berth_digest_equal(&named, &one),
           "the tag names it");
        oci_image_config *c1 = NULL;
        oci_manifest *m1 = NULL;
        ok(berth_image_load(im, &one, &c1, &m1, &err) == 0, "it loads: %s", err.msg);
        ok(m1 && m1->n_layers == 0 && strcmp(m1->media_type, BERTH_MT_OCI_MANIFEST) == 0,
           "an OCI manifest without layers");
        ok(c1 && c1->created && strcmp(c1->created, "2026-01-02T03:04:05Z") == 0,
           "created is the time given");

        berth_config_apply_change(c1, "WORKDIR /app", &err);
        berth_image_derive_opts o2 = {.parent = &one,
                                      .created = "2026-01-02T03:04:06Z",
                                      .history = true,
                                      .created_by = "/bin/sh -c #(nop) WORKDIR /app"};
        ok(berth_image_derive(im, &o2, c1, &two, &err) == 0, "a metadata step on it: %s", err.msg);
        berth_history_entry *h = NULL;
        size_t n = 0;
        int hr = berth_images_history(im, two.s, &h, &n, &err);
        ok(hr == 0 && n == 2, "two history rows (%zu)", n);
        ok(n == 2 && strstr(h[0].created_by, "WORKDIR /app") && h[0].size == 0 &&
               strstr(h[1].created_by, "ENV A=1"),
           "newest first, an empty step");
        berth_history_free(h, n);
        ok(!berth_digest_equal(&one, &two), "a new image");
        oci_image_config *again = berth_oci_image_config_new("linux", "amd64", NULL);
        berth_config_apply_change(again, "ENV A=1", &err);
        berth_digest same;
        o.tag = NULL;
        ok(berth_image_derive(im, &o, again, &same, &err) == 0 && berth_digest_equal(&same, &one),
           "the same config and time give the same image id (reproducible)");
        berth_oci_image_config_free(again);
        ok(berth_image_derive(im,
                              &(berth_image_derive_opts){.tag = "x@sha256:"
                                                                "1111111111111111111111111111"
                                                                "111111111111111111111111111111"
                                                                "111111"},
                              c1, &same, &err) < 0,
           "a digest reference is no tag");
        like(err.msg, "refusing to create a tag with a digest reference", "docker's words");
        berth_oci_image_config_free(c1);
        berth_oci_manifest_free(m1);
}

int main(void)
{
        char tmpl[] = "/tmp/berth-images-XXXXXX";
        char *root = mkdtemp(tmpl);
        berth_error err = {0};
        berth_images *im = NULL;
        ok(berth_images_open(root, &im, &err) == 0, "open: %s", err.msg);

        berth_digest base, app;
        berth_digest_of("base", 4, &base);
        berth_digest_of("app", 3, &app);
        berth_digest chain_a[] = {base}, chain_b[] = {base, app};
        berth_digest a = add_image(im, "{\"a\":1}", chain_a, 1, "docker.io/library/busybox:latest");
        berth_digest b = add_image(im, "{\"b\":1}", chain_b, 2, "docker.io/library/app:1");

        berth_digest r;
        ok(berth_images_resolve(im, "busybox", &r, &err) == 0 && berth_digest_equal(&r, &a),
           "'busybox' resolves to docker.io/library/busybox:latest");
        char prefix[13];
        snprintf(prefix, sizeof(prefix), "%.12s", berth_digest_hex(&b));
        ok(berth_images_resolve(im, prefix, &r, &err) == 0 && berth_digest_equal(&r, &b),
           "a 12-char id prefix resolves");
        ok(berth_images_resolve(im, a.s, &r, &err) == 0 && berth_digest_equal(&r, &a),
           "a full id resolves");
        is_int(berth_images_resolve(im, "nope:1", &r, &err), -ENOENT, "unknown name");
        is_str(err.msg, "no such image: nope:1", "message");

        ok(berth_images_tag(im, "app:1", "localhost:5000/app", &err) == 0, "tag: %s", err.msg);
        ok(berth_images_tag(im, "app:1",
                            "x@sha256:"
                            "0000000000000000000000000000000000000000000000000000000000000000",
                            &err) < 0,
           "tag with a digest refused");
        ok(berth_images_tag(im, "nope", "x", &err) == -ENOENT, "tag of an unknown image");

        berth_image_summary *v = NULL;
        size_t n = 0;
        ok(berth_images_list(im, &v, &n, &err) == 0 && n == 2, "list");
        berth_image_summaries_free(v, n);

        char **report = NULL;
        ok(berth_images_remove(im, prefix, false, &report, &err) == -EBUSY,
           "an id with two tags needs force");
        like(err.msg, "must be forced", "Docker's conflict message");
        ok(berth_images_remove(im, "localhost:5000/app", false, &report, &err) == 0,
           "rmi of one of two tags");
        is_str(report ? report[0] : NULL, "Untagged: localhost:5000/app:latest", "untag line");
        is_int(berth_strv_length(report), 1, "and nothing deleted");
        berth_strv_free(report);

        ok(berth_images_remove(im, "app:1", false, &report, &err) == 0, "rmi of the last tag");
        is_str(report ? report[0] : NULL, "Untagged: app:1", "untag line");
        _cleanup_free_ char *del = berth_xasprintf("Deleted: %s", b.s);
        is_str(report && report[0] ? report[1] : NULL, del, "deleted line");
        berth_strv_free(report);
        ok(!layer_exists(im, &app), "its own layer is gone");
        ok(layer_exists(im, &base), "the shared base layer stays (busybox uses it)");
        ok(!berth_store_has(berth_images_store(im), &b), "its config blob is gone");
        ok(berth_store_has(berth_images_store(im), &a), "the other image's config stays");

        /* leftovers from a crash: a blob and a layer nothing uses */
        berth_digest orphan;
        berth_store_put_buf(berth_images_store(im), "orphan", 6, NULL, &orphan, &err);
        berth_digest ghost;
        berth_digest_of("ghost", 5, &ghost);
        _cleanup_free_ char *gdir =
            berth_xasprintf("%s/%s/diff", berth_images_layers_dir(im), berth_digest_hex(&ghost));
        berth_mkdir_p(gdir, 0755, NULL);
        uint64_t freed = 0;
        ok(berth_images_gc(im, &freed, &err) == 0, "gc");
        ok(!berth_store_has(berth_images_store(im), &orphan), "gc removed the orphan blob");
        ok(!layer_exists(im, &ghost), "gc removed the orphan layer");
        ok(layer_exists(im, &base) && berth_store_has(berth_images_store(im), &a),
           "gc kept what busybox uses");
        is_int(freed, 6, "gc counts what it freed");

        /* register (load and pull): every layer must be there; names move; nothing on failure */
        berth_digest c1, c2, img;
        berth_digest_of("c1", 2, &c1);
        berth_digest_of("c2", 2, &c2);
        berth_store_put_buf(berth_images_store(im), "{\"c\":1}", 7, NULL, &img, &err);
        berth_image_layer_rec ls[] = {{.chain_id = c1, .diff_id = c1},
                                      {.chain_id = c2, .diff_id = c2}};
        berth_image_rec rec = {.id = img,
                               .has_top_layer = true,
                               .top_layer = c2,
                               .created = (char *)"2026-01-01T00:00:00Z",
                               .added = time(NULL)};
        char *tags[] = {"docker.io/library/busybox:latest", "127.0.0.1:5000/c:1", NULL};
        char *digests[] = {"127.0.0.1:5000/c@sha256:"
                           "1111111111111111111111111111111111111111111111111111111111111111",
                           NULL};
        berth_digest prev[2];
        bool changed = true;
        _cleanup_free_ char *c1dir =
            berth_xasprintf("%s/%s/diff", berth_images_layers_dir(im), berth_digest_hex(&c1));
        berth_mkdir_p(c1dir, 0755, NULL);
        is_int(berth_images_register(im, &rec, ls, 2, tags, digests, prev, &changed, &err), -ENOENT,
               "register without all its layers: refused");
        like(err.msg, "layer 1", "names the missing layer: %s", err.msg);
        ok(berth_images_resolve(im, "busybox", &r, &err) == 0 && berth_digest_equal(&r, &a),
           "and nothing moved");
        _cleanup_free_ char *c2dir =
            berth_xasprintf("%s/%s/diff", berth_images_layers_dir(im), berth_digest_hex(&c2));
        berth_mkdir_p(c2dir, 0755, NULL);
        ok(berth_images_register(im, &rec, ls, 2, tags, digests, prev, &changed, &err) == 0,
           "register: %s", err.msg);
        ok(changed, "a new image is a change");
        ok(berth_digest_equal(&prev[0], &a) && prev[1].s[0] == '\0',
           "the previous image of each tag (none for a new tag)");
        ok(berth_images_resolve(im, "busybox", &r, &err) == 0 && berth_digest_equal(&r, &img),
           "the tag moved");
        ok(berth_images_resolve(im, digests[0], &r, &err) == 0 && berth_digest_equal(&r, &img),
           "name@digest resolves through the repo digest");
        is_int(
            berth_images_resolve(im,
                                 "127.0.0.1:5000/c@sha256:"
                                 "2222222222222222222222222222222222222222222222222222222222222222",
                                 &r, &err),
            -ENOENT, "another digest does not");
        ok(berth_images_register(im, &rec, ls, 2, tags, digests, prev, &changed, &err) == 0 &&
               !changed,
           "registering it again changes nothing");
        _cleanup_strv_ char **with = NULL;
        berth_image_layer_rec lb[] = {
            {.chain_id = c1, .diff_id = c1, .has_blob = true, .blob = orphan}};
        berth_image_rec rec2 = rec;
        berth_store_put_buf(berth_images_store(im), "{\"d\":1}", 7, NULL, &rec2.id, &err);
        rec2.top_layer = c1;
        char *d2[] = {"127.0.0.1:5000/d@sha256:"
                      "3333333333333333333333333333333333333333333333333333333333333333",
                      NULL};
        ok(berth_images_register(im, &rec2, lb, 1, NULL, d2, NULL, NULL, &err) == 0,
           "register without tags: %s", err.msg);
        ok(berth_imagedb_repo_digests_with_blob(berth_images_db(im), &orphan, &with, &err) == 0 &&
               berth_strv_length(with) == 1 && strcmp(with[0], d2[0]) == 0,
           "the repositories a blob is known in");

        test_derive(im);

        berth_images_close(im);
        berth_rm_rf(root, NULL);
        return tap_done();
}
