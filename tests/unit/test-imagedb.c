/* SPDX-License-Identifier: Apache-2.0 */
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/imagedb.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static berth_digest dg(const char *s)
{
        berth_digest d;
        berth_digest_of(s, strlen(s), &d);
        return d;
}

int main(void)
{
        char tmpl[] = "/tmp/berth-imagedb-XXXXXX";
        char *dir = mkdtemp(tmpl);
        _cleanup_free_ char *path = berth_xasprintf("%s/berth.db", dir);
        berth_error err = {0};
        berth_db *db = NULL;
        ok(berth_db_open(path, &db, &err) == 0 && berth_imagedb_migrate(db, &err) == 0,
           "open and migrate: %s", err.msg);

        berth_digest base = dg("base-layer"), app = dg("app-layer");
        berth_image_layer_rec l1[] = {{.chain_id = base, .diff_id = base}};
        berth_image_layer_rec l2[] = {
            {.chain_id = base, .diff_id = base},
            {.chain_id = app, .diff_id = dg("app-diff"), .has_blob = true, .blob = dg("app-blob")}};
        berth_image_rec a = {.id = dg("config-a"),
                             .has_top_layer = true,
                             .top_layer = base,
                             .created = (char *)"2026-01-01T00:00:00Z",
                             .size = 100,
                             .added = 1};
        berth_image_rec b = {.id = dg("config-b"),
                             .has_top_layer = true,
                             .top_layer = app,
                             .created = (char *)"2026-02-01T00:00:00Z",
                             .size = 300,
                             .added = 2};
        ok(berth_db_begin(db, &err) == 0 && berth_imagedb_put(db, &a, l1, 1, &err) == 0 &&
               berth_imagedb_put(db, &b, l2, 2, &err) == 0 &&
               berth_imagedb_tag(db, "docker.io/library/busybox:latest", &a.id, &err) == 0 &&
               berth_imagedb_tag(db, "docker.io/library/app:1", &b.id, &err) == 0 &&
               berth_db_commit(db, &err) == 0,
           "two images with tags in one transaction: %s", err.msg);

        berth_image_rec got;
        berth_image_layer_rec *layers = NULL;
        size_t n = 0;
        ok(berth_imagedb_get(db, &b.id, &got, &layers, &n, &err) == 0, "get by id");
        is_int(n, 2, "its two layers");
        ok(n == 2 && berth_digest_equal(&layers[1].chain_id, &app) && layers[1].has_blob &&
               !layers[0].has_blob,
           "layers in order, with their blobs");
        is_str(got.created, "2026-02-01T00:00:00Z", "created");
        is_int(got.size, 300, "size");
        berth_image_rec_clear(&got);
        free(layers);

        berth_image_rec *list = NULL;
        ok(berth_imagedb_list(db, &list, &n, &err) == 0 && n == 2, "list");
        ok(n == 2 && berth_digest_equal(&list[0].id, &b.id), "newest first");
        for (size_t i = 0; i < n; i++)
                berth_image_rec_clear(&list[i]);
        free(list);

        int64_t users = 0;
        ok(berth_imagedb_layer_users(db, &base, &users, &err) == 0 && users == 2,
           "the shared base layer has two users");
        berth_digest r;
        ok(berth_imagedb_resolve_tag(db, "docker.io/library/busybox:latest", &r, &err) == 0 &&
               berth_digest_equal(&r, &a.id),
           "resolve a tag");
        ok(berth_imagedb_tag(db, "docker.io/library/busybox:latest", &b.id, &err) == 0 &&
               berth_imagedb_resolve_tag(db, "docker.io/library/busybox:latest", &r, &err) == 0 &&
               berth_digest_equal(&r, &b.id),
           "re-tagging moves the tag");
        char **tags = NULL;
        ok(berth_imagedb_tags_of(db, &b.id, &tags, &err) == 0 && berth_strv_length(tags) == 2,
           "tags of an image");
        is_str(tags ? tags[0] : NULL, "docker.io/library/app:1", "sorted");
        berth_strv_free(tags);

        char prefix[16];
        snprintf(prefix, sizeof(prefix), "%.12s", berth_digest_hex(&a.id));
        ok(berth_imagedb_find_prefix(db, prefix, &r, &err) == 0 && berth_digest_equal(&r, &a.id),
           "find by a 12-char id prefix");
        ok(berth_imagedb_find_prefix(db, "zz", &r, &err) < 0, "a non-hex prefix is refused");
        ok(berth_imagedb_find_prefix(db, "fffffffffff", &r, &err) == -ENOENT, "unknown prefix");
        like(err.msg, "no such image", "says so");

        ok(berth_imagedb_add_repo_digest(db, "docker.io/library/app@sha256:x", &b.id, &err) == 0,
           "repo digest");
        ok(berth_imagedb_remove(db, &b.id, &err) == 0, "remove an image");
        ok(berth_imagedb_get(db, &b.id, &got, NULL, NULL, &err) == -ENOENT, "it is gone");
        ok(berth_imagedb_resolve_tag(db, "docker.io/library/app:1", &r, &err) == -ENOENT,
           "its tags went with it");
        ok(berth_imagedb_layer_users(db, &base, &users, &err) == 0 && users == 1,
           "the base layer now has one user");
        ok(berth_imagedb_untag(db, "docker.io/library/nope:1", &err) == -ENOENT,
           "untag of an unknown tag is an error");

        berth_db_close(db);
        berth_rm_rf(dir, NULL);
        return tap_done();
}
