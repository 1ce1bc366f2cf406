/* SPDX-License-Identifier: Apache-2.0 */
/* Parent links (commit and build steps), intermediate images in `images`, rmi pruning untagged
 * parents as docker's legacy store does, image prune of chains, history ids, the build cache. */
#include "base/cleanup-json.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "engine/filters.h"
#include "image/buildcache.h"
#include "image/changes.h"
#include "image/images.h"
#include "image/snapshot.h"
#include "image/usage.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *root;
static const char key1[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char key2[] = "2222222222222222222222222222222222222222222222222222222222222222";

/* The chain id of the layer a step called name adds. */
static berth_digest chain_of(const char *name)
{
        berth_digest d;
        berth_digest_of(name, strlen(name), &d);
        return d;
}

static bool layer_exists(berth_images *im, const char *name)
{
        berth_digest c = chain_of(name);
        _cleanup_free_ char *dir =
            berth_xasprintf("%s/%s", berth_images_layers_dir(im), berth_digest_hex(&c));
        return access(dir, F_OK) == 0;
}

/* A step as commit makes one: a new layer (100 bytes unpacked) on parent (NULL: scratch). */
static berth_digest step(berth_images *im, const berth_digest *parent, const char *name,
                         const char *tag, const char *cache_key)
{
        berth_error err = {0};
        oci_image_config *cfg = NULL;
        oci_manifest *man = NULL;
        if (parent)
                berth_image_load(im, parent, &cfg, &man, &err);
        else
                cfg = berth_oci_image_config_new("linux", "amd64", NULL);
        berth_oci_manifest_free(man);
        berth_image_new_layer nl = {.chain = chain_of(name)};
        berth_store_put_buf(berth_images_store(im), name, strlen(name), NULL, &nl.blob, &err);
        nl.blob_size = strlen(name);
        nl.diff = nl.blob;
        _cleanup_free_ char *dir =
            berth_xasprintf("%s/%s/diff", berth_images_layers_dir(im), berth_digest_hex(&nl.chain));
        _cleanup_free_ char *size =
            berth_xasprintf("%s/%s/size", berth_images_layers_dir(im), berth_digest_hex(&nl.chain));
        berth_mkdir_p(dir, 0755, NULL);
        berth_write_file(size, "100", 3, O_CREAT, NULL);
        _cleanup_free_ char *by = berth_xasprintf("step %s", name);
        berth_image_derive_opts o = {.parent = parent,
                                     .layer = &nl,
                                     .history = true,
                                     .created_by = by,
                                     .tag = tag,
                                     .cache_key = cache_key};
        berth_digest id = {{0}};
        int r = berth_image_derive(im, &o, cfg, &id, &err);
        if (r < 0)
                printf("# derive %s: %s\n", name, err.msg);
        berth_oci_image_config_free(cfg);
        return id;
}

static char *line(const char *what, const berth_digest *d)
{
        return berth_xasprintf("%s: %s", what, d->s);
}

static const berth_image_summary *find(const berth_image_summary *v, size_t n,
                                       const berth_digest *id)
{
        for (size_t i = 0; i < n; i++)
                if (berth_digest_equal(&v[i].rec.id, id))
                        return &v[i];
        return NULL;
}

/* Whether `images` (all: -a; filter: one "key=value" or NULL) lists id. */
static bool listed(berth_images *im, const berth_digest *id, bool all, const char *filter)
{
        berth_image_summary *v = NULL;
        size_t n = 0;
        if (berth_images_list(im, &v, &n, NULL) < 0)
                return false;
        _cleanup_filters_ berth_filters *f = berth_filters_new();
        if (filter)
                berth_filters_add(f, filter, NULL);
        const berth_image_summary *s = find(v, n, id);
        bool r = s && berth_engine_image_matches(im, f, s, all);
        berth_image_summaries_free(v, n);
        return r;
}

static bool exists(berth_images *im, const berth_digest *id)
{
        berth_image_rec rec;
        if (berth_imagedb_get(berth_images_db(im), id, &rec, NULL, NULL, NULL) < 0)
                return false;
        berth_image_rec_clear(&rec);
        return true;
}

static int64_t cache_rows(berth_images *im)
{
        sqlite3_stmt *st =
            berth_db_prepare(berth_images_db(im), "SELECT count(*) FROM build_cache", NULL);
        int64_t n = -1;
        if (st && sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int64(st, 0);
        if (st)
                sqlite3_reset(st);
        return n;
}

/* A database made before parent links: its rows get none, and everything works on it. */
static void test_migration(void)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/berth.db", root);
        berth_db *db = NULL;
        berth_error err = {0};
        ok(berth_db_open(path, &db, &err) == 0, "open an empty database");
        static const berth_db_migration v1[] = {
            {1, "CREATE TABLE images (id TEXT PRIMARY KEY, manifest TEXT, top_layer TEXT, "
                "created TEXT NOT NULL, size INTEGER NOT NULL, added INTEGER NOT NULL);"
                "CREATE TABLE image_layers (image TEXT NOT NULL REFERENCES images(id) ON DELETE "
                "CASCADE, idx INTEGER NOT NULL, chain_id TEXT NOT NULL, diff_id TEXT NOT NULL, "
                "blob TEXT, PRIMARY KEY (image, idx));"
                "CREATE TABLE tags (name TEXT PRIMARY KEY, image TEXT NOT NULL REFERENCES "
                "images(id) ON DELETE CASCADE);"
                "CREATE TABLE repo_digests (name TEXT NOT NULL, image TEXT NOT NULL REFERENCES "
                "images(id) ON DELETE CASCADE, PRIMARY KEY (name, image));"
                "INSERT INTO images VALUES ('sha256:"
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, NULL, "
                "'2026-01-01T00:00:00Z', 0, 0);"},
        };
        ok(berth_db_migrate(db, "image", v1, 1, &err) == 0, "the first schema: %s", err.msg);
        berth_db_close(db);
        berth_images *im = NULL;
        ok(berth_images_open(root, &im, &err) == 0, "open it now: %s", err.msg);
        berth_digest old;
        berth_digest_parse(
            "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &old, NULL);
        berth_image_rec rec = {0};
        ok(berth_imagedb_get(berth_images_db(im), &old, &rec, NULL, NULL, &err) == 0 &&
               !rec.has_parent,
           "an old row has no parent");
        berth_image_rec_clear(&rec);
        ok(listed(im, &old, false, "dangling=true"), "and is a dangling image");
        ok(berth_build_cache_put(im, key1, &old, &err) == 0, "the cache table is there: %s",
           err.msg);
        berth_images_close(im);
}

static void test_chain(berth_images *im)
{
        berth_error err = {0};
        berth_digest base = step(im, NULL, "base", "base", NULL);
        berth_digest s1 = step(im, &base, "s1", "step1", key1);
        berth_digest s2 = step(im, &s1, "s2", "step2", NULL);
        berth_digest top = step(im, &s2, "top", "top", NULL);
        ok(!berth_digest_equal(&s2, &top) && exists(im, &top), "a chain of four images");

        _cleanup_json_ json_t *insp = berth_images_inspect(im, "top", &err);
        is_str(json_string_value(json_object_get(insp, "Parent")), s2.s,
               "inspect: Parent is the image it was made from");
        _cleanup_json_ json_t *binsp = berth_images_inspect(im, "base", &err);
        is_str(json_string_value(json_object_get(binsp, "Parent")), "", "none from scratch");

        berth_digest hit = {{0}};
        ok(berth_build_cache_get(im, key1, &hit, &err) == 0 && berth_digest_equal(&hit, &s1),
           "derive recorded its cache key: %s", err.msg);

        /* untag the middle ones: only the tags go, the images stay as intermediate ones */
        char **report = NULL;
        ok(berth_images_remove(im, "step2", false, &report, &err) == 0, "rmi step2: %s", err.msg);
        is_str(report ? report[0] : NULL, "Untagged: step2:latest", "untagged");
        is_int(berth_strv_length(report), 1, "nothing deleted: it has a child");
        berth_strv_free(report);
        ok(berth_images_remove(im, "step1", false, &report, &err) == 0, "rmi step1");
        berth_strv_free(report);
        ok(exists(im, &s1) && exists(im, &s2), "both images are still there");

        ok(!listed(im, &s1, false, NULL) && !listed(im, &s2, false, NULL),
           "images hides the intermediate images");
        ok(listed(im, &s1, true, NULL) && listed(im, &s2, true, NULL), "images -a shows them");
        ok(listed(im, &base, false, NULL) && listed(im, &top, false, NULL),
           "tagged images are listed, children or not");
        ok(!listed(im, &s2, true, "dangling=true") && !listed(im, &s2, true, "dangling=false"),
           "an intermediate image is neither dangling nor tagged");
        ok(!listed(im, &top, false, "dangling=true") && listed(im, &top, false, "dangling=false"),
           "a tagged one is not dangling");

        berth_history_entry *h = NULL;
        size_t nh = 0;
        ok(berth_images_history(im, "top", &h, &nh, &err) == 0 && nh == 4, "four history rows");
        ok(nh == 4 && h[0].has_id && berth_digest_equal(&h[0].id, &top) && h[1].has_id &&
               berth_digest_equal(&h[1].id, &s2) && h[2].has_id &&
               berth_digest_equal(&h[2].id, &s1) && h[3].has_id &&
               berth_digest_equal(&h[3].id, &base) && h[0].is_top && !h[1].is_top,
           "history: each step's image on its row");
        berth_history_free(h, nh);

        /* an image with children is never deleted by id, force or not */
        ok(berth_images_remove(im, s2.s, false, &report, &err) == -EBUSY, "rmi of s2 refused");
        _cleanup_free_ char *want = berth_xasprintf("conflict: unable to delete %.12s (cannot be "
                                                    "forced) - image has dependent child images",
                                                    berth_digest_hex(&s2));
        is_str(err.msg, want, "docker's message");
        ok(berth_images_remove(im, s2.s, true, &report, &err) == -EBUSY, "and with force");
        ok(berth_images_remove(im, base.s, true, &report, &err) == -EBUSY,
           "a tagged parent by id too");

        /* rmi of the top: the untagged parents go with it, up to the tagged base */
        uint64_t freed = 0;
        ok(berth_images_remove_flags(im, "top", 0, &report, &freed, &err) == 0, "rmi top: %s",
           err.msg);
        _cleanup_free_ char *d_top = line("Deleted", &top), *d_s2 = line("Deleted", &s2),
                            *d_s1 = line("Deleted", &s1);
        berth_digest c_top = chain_of("top"), c_s2 = chain_of("s2"), c_s1 = chain_of("s1");
        _cleanup_free_ char *l_top = line("Deleted", &c_top), *l_s2 = line("Deleted", &c_s2),
                            *l_s1 = line("Deleted", &c_s1);
        const char *expect[] = {"Untagged: top:latest", d_top, l_top, d_s2, l_s2, d_s1, l_s1};
        is_int(berth_strv_length(report), 7, "seven lines");
        for (size_t i = 0; i < 7 && i < berth_strv_length(report); i++)
                is_str(report[i], expect[i], "line %zu in docker's order", i + 1);
        berth_strv_free(report);
        is_int(freed, 300, "three layers reclaimed");
        ok(!exists(im, &top) && !exists(im, &s2) && !exists(im, &s1), "the chain is gone");
        ok(exists(im, &base) && layer_exists(im, "base"), "the tagged base and its layer stay");
        ok(!layer_exists(im, "s1") && !layer_exists(im, "s2") && !layer_exists(im, "top"),
           "the chain's layers are gone");
        is_int(berth_build_cache_get(im, key1, &hit, &err), -ENOENT,
               "the cache entry of a deleted image misses");
        is_int(cache_rows(im), 0, "its row went with it (the key moved there from the old image)");
        char **r2 = NULL;
        ok(berth_images_remove(im, "base", false, &r2, &err) == 0, "rmi base");
        berth_strv_free(r2);
}

static void test_no_prune_and_stops(berth_images *im)
{
        berth_error err = {0};
        char **report = NULL;
        berth_digest a = step(im, NULL, "a", "a", NULL);
        berth_digest b = step(im, &a, "b", NULL, NULL);
        berth_digest c = step(im, &b, "c", "c", NULL);
        ok(!listed(im, &b, false, NULL), "an untagged parent from the start is hidden");
        ok(berth_images_remove_flags(im, "c", BERTH_IMAGES_RM_NO_PRUNE, &report, NULL, &err) == 0,
           "rmi --no-prune c");
        ok(!exists(im, &c) && exists(im, &b), "the untagged parent stays");
        _cleanup_free_ char *d_c = line("Deleted", &c), *d_b = line("Deleted", &b);
        ok(!berth_strv_contains(report, d_b) && berth_strv_contains(report, d_c), "and its line");
        berth_strv_free(report);
        ok(listed(im, &b, false, "dangling=true") && listed(im, &b, false, NULL),
           "now childless: a dangling image, listed");

        /* a parent with another child stays */
        step(im, &b, "c2", "c2", NULL);
        berth_digest c3 = step(im, &b, "c3", "c3", NULL);
        ok(berth_images_remove(im, "c2", false, &report, &err) == 0 && exists(im, &b),
           "rmi of one of two children leaves the parent");
        berth_strv_free(report);

        /* a parent a snapshot uses stays */
        _cleanup_free_ char *dir = berth_xasprintf("%s/containers/x", root);
        ok(berth_snapshot_create(im, &b, dir, &err) == 0, "a snapshot of the parent: %s", err.msg);
        ok(berth_images_remove(im, "c3", false, &report, &err) == 0 && exists(im, &b),
           "rmi of its last child leaves a parent a container uses");
        berth_strv_free(report);
        ok(berth_snapshot_remove(im, dir, &err) == 0, "remove the snapshot: %s", err.msg);
        (void)c3;
        ok(berth_images_remove(im, b.s, false, &report, &err) == 0 && !exists(im, &b) &&
               exists(im, &a),
           "rmi of the now dangling parent; the tagged root stays");
        berth_strv_free(report);
        ok(berth_images_remove(im, "a", false, &report, &err) == 0, "rmi a");
        berth_strv_free(report);
}

static void test_prune_and_cache(berth_images *im)
{
        berth_error err = {0};
        char **report = NULL;
        uint64_t freed = 0;
        berth_digest x = step(im, NULL, "x", "x", NULL);
        berth_digest y = step(im, &x, "y", NULL, NULL);
        berth_digest z = step(im, &y, "z", NULL, NULL);
        ok(berth_images_prune_match(im, false, NULL, NULL, &report, &freed, &err) == 0,
           "image prune: %s", err.msg);
        _cleanup_free_ char *d_z = line("deleted", &z), *d_y = line("deleted", &y);
        ok(berth_strv_contains(report, d_z) && berth_strv_contains(report, d_y),
           "the dangling image and its untagged parent go");
        berth_strv_free(report);
        is_int(freed, 200, "their layers are reclaimed");
        ok(exists(im, &x), "the tagged root stays");

        berth_digest p = step(im, NULL, "p", "p", NULL);
        berth_digest q = step(im, &p, "q", "q", NULL);
        ok(berth_images_prune_match(im, false, NULL, NULL, &report, &freed, &err) == 0 &&
               report[0] == NULL,
           "nothing dangling: nothing pruned");
        berth_strv_free(report);
        ok(berth_images_prune_match(im, true, NULL, NULL, &report, &freed, &err) == 0,
           "image prune -a: %s", err.msg);
        berth_strv_free(report);
        ok(!exists(im, &p) && !exists(im, &q) && !exists(im, &x), "every unused image goes");

        /* the cache table on its own */
        berth_digest i = step(im, NULL, "i", "i", NULL), hit;
        is_int(berth_build_cache_get(im, key2, &hit, &err), -ENOENT, "a miss");
        ok(berth_build_cache_put(im, key2, &i, &err) == 0, "put: %s", err.msg);
        ok(berth_build_cache_get(im, key2, &hit, &err) == 0 && berth_digest_equal(&hit, &i),
           "a hit");
        berth_digest j = step(im, &i, "j", "j", NULL);
        ok(berth_build_cache_put(im, key2, &j, &err) == 0 &&
               berth_build_cache_get(im, key2, &hit, &err) == 0 && berth_digest_equal(&hit, &j),
           "put again: the key names the new image");
        is_int(berth_build_cache_put(im, "abc", &i, &err), -EINVAL, "a malformed key");
        berth_digest nosuch;
        berth_digest_of("nosuch", 6, &nosuch);
        is_int(berth_build_cache_put(im, key1, &nosuch, &err), -ENOENT, "an unknown image");
        is_int(berth_build_cache_get(im, key1, &hit, &err), -ENOENT, "and nothing recorded");
}

int main(void)
{
        char tmpl[] = "/tmp/berth-image-parent-XXXXXX";
        root = mkdtemp(tmpl);
        test_migration();
        berth_error err = {0};
        berth_images *im = NULL;
        ok(berth_images_open(root, &im, &err) == 0, "open: %s", err.msg);
        test_chain(im);
        test_no_prune_and_stops(im);
        test_prune_and_cache(im);
        berth_images_close(im);
        _cleanup_free_ char *cmd = berth_xasprintf("rm -rf '%s'", root);
        (void)!system(cmd);
        return tap_done();
}
