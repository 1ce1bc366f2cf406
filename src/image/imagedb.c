/* SPDX-License-Identifier: Apache-2.0 */
#include "imagedb.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const berth_db_migration migrations[] = {
    {1, "CREATE TABLE images ("
        "  id TEXT PRIMARY KEY,"
        "  manifest TEXT,"
        "  top_layer TEXT,"
        "  created TEXT NOT NULL,"
        "  size INTEGER NOT NULL,"
        "  added INTEGER NOT NULL);"
        "CREATE TABLE image_layers ("
        "  image TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
        "  idx INTEGER NOT NULL,"
        "  chain_id TEXT NOT NULL,"
        "  diff_id TEXT NOT NULL,"
        "  blob TEXT,"
        "  PRIMARY KEY (image, idx));"
        "CREATE INDEX image_layers_chain ON image_layers(chain_id);"
        "CREATE TABLE tags ("
        "  name TEXT PRIMARY KEY,"
        "  image TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);"
        "CREATE INDEX tags_image ON tags(image);"
        "CREATE TABLE repo_digests ("
        "  name TEXT NOT NULL,"
        "  image TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
        "  PRIMARY KEY (name, image));"},
    /* Parent links (commit, build steps; NULL for import, load, pull and rows made before)
     * and the builder's cache: a step's key → the image it made. A parent that goes leaves
     * its children without one (rmi refuses that; a repair may do it); a cache row goes with
     * its image. */
    {2, "ALTER TABLE images ADD COLUMN parent TEXT REFERENCES images(id) ON DELETE SET NULL;"
        "CREATE INDEX images_parent ON images(parent);"
        "CREATE TABLE build_cache ("
        "  key TEXT PRIMARY KEY,"
        "  image TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);"
        "CREATE INDEX build_cache_image ON build_cache(image);"},
};

int berth_imagedb_migrate(berth_db *db, berth_error *err)
{
        return berth_db_migrate(db, "image", migrations, ARRAY_SIZE(migrations), err);
}

static void bind_digest(sqlite3_stmt *st, int i, bool has, const berth_digest *d)
{
        if (has)
                sqlite3_bind_text(st, i, d->s, -1, SQLITE_TRANSIENT);
        else
                sqlite3_bind_null(st, i);
}

/* Column i as a digest; false when NULL or not a valid digest (never trusted blindly). */
static bool column_digest(sqlite3_stmt *st, int i, berth_digest *ret)
{
        const char *s = (const char *)sqlite3_column_text(st, i);
        return s && berth_digest_parse(s, ret, NULL) == 0;
}

static int run(berth_db *db, const char *sql, const char *what, berth_error *err,
               void (*bind)(sqlite3_stmt *, const void *), const void *arg)
{
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        bind(st, arg);
        int rc = berth_db_step(db, st, what, err);
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

static void bind_id(sqlite3_stmt *st, const void *arg)
{
        sqlite3_bind_text(st, 1, ((const berth_digest *)arg)->s, -1, SQLITE_TRANSIENT);
}

int berth_imagedb_put(berth_db *db, const berth_image_rec *img, const berth_image_layer_rec *layers,
                      size_t n_layers, berth_error *err)
{
        /* An image already there keeps its parent: a link is set once, when the row is made
         * (and then names an image older than the row), so links never form a cycle. */
        static const char ins[] = "INSERT INTO images (id, manifest, top_layer, created, size, "
                                  "added, parent) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
                                  "DO UPDATE SET manifest = excluded.manifest, "
                                  "top_layer = excluded.top_layer, created = excluded.created, "
                                  "size = excluded.size";
        static const char del[] = "DELETE FROM image_layers WHERE image = ?";
        static const char lay[] = "INSERT INTO image_layers (image, idx, chain_id, diff_id, blob) "
                                  "VALUES (?, ?, ?, ?, ?)";
        sqlite3_stmt *st = berth_db_prepare(db, ins, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, img->id.s, -1, SQLITE_TRANSIENT);
        bind_digest(st, 2, img->has_manifest, &img->manifest);
        bind_digest(st, 3, img->has_top_layer, &img->top_layer);
        sqlite3_bind_text(st, 4, img->created ? img->created : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, img->size);
        sqlite3_bind_int64(st, 6, img->added);
        bind_digest(st, 7, img->has_parent && !berth_digest_equal(&img->parent, &img->id),
                    &img->parent);
        int rc = berth_db_step(db, st, "storing an image", err);
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        if ((rc = run(db, del, "replacing an image's layers", err, bind_id, &img->id)) < 0)
                return rc;
        for (size_t i = 0; i < n_layers; i++) {
                st = berth_db_prepare(db, lay, err);
                if (st == NULL)
                        return -EIO;
                sqlite3_bind_text(st, 1, img->id.s, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
                sqlite3_bind_text(st, 3, layers[i].chain_id.s, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(st, 4, layers[i].diff_id.s, -1, SQLITE_TRANSIENT);
                bind_digest(st, 5, layers[i].has_blob, &layers[i].blob);
                rc = berth_db_step(db, st, "storing an image's layers", err);
                sqlite3_reset(st);
                if (rc < 0)
                        return rc;
        }
        return 0;
}

static void read_image(sqlite3_stmt *st, berth_image_rec *r)
{
        memset(r, 0, sizeof(*r));
        column_digest(st, 0, &r->id);
        r->has_manifest = column_digest(st, 1, &r->manifest);
        r->has_top_layer = column_digest(st, 2, &r->top_layer);
        r->created = berth_xstrdup((const char *)sqlite3_column_text(st, 3));
        r->size = sqlite3_column_int64(st, 4);
        r->added = sqlite3_column_int64(st, 5);
        r->has_parent = column_digest(st, 6, &r->parent);
}

void berth_image_rec_clear(berth_image_rec *r)
{
        free(r->created);
        memset(r, 0, sizeof(*r));
}

int berth_imagedb_get(berth_db *db, const berth_digest *id, berth_image_rec *ret,
                      berth_image_layer_rec **ret_layers, size_t *ret_n, berth_error *err)
{
        static const char sel[] = "SELECT id, manifest, top_layer, created, size, added, parent "
                                  "FROM images WHERE id = ?";
        static const char lay[] = "SELECT chain_id, diff_id, blob FROM image_layers "
                                  "WHERE image = ? ORDER BY idx";
        sqlite3_stmt *st = berth_db_prepare(db, sel, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, id->s, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "reading an image", err);
        if (rc < 0)
                return rc;
        if (rc != SQLITE_ROW) {
                sqlite3_reset(st);
                return berth_errx(err, ENOENT, "no such image: %s", id->s);
        }
        berth_image_rec r;
        read_image(st, &r);
        sqlite3_reset(st);
        if (ret_layers) {
                berth_image_layer_rec *v = NULL;
                size_t n = 0;
                st = berth_db_prepare(db, lay, err);
                if (st == NULL) {
                        berth_image_rec_clear(&r);
                        return -EIO;
                }
                sqlite3_bind_text(st, 1, id->s, -1, SQLITE_TRANSIENT);
                while ((rc = berth_db_step(db, st, "reading an image's layers", err)) ==
                       SQLITE_ROW) {
                        v = berth_xrealloc(v, (n + 1) * sizeof(*v));
                        memset(&v[n], 0, sizeof(v[n]));
                        column_digest(st, 0, &v[n].chain_id);
                        column_digest(st, 1, &v[n].diff_id);
                        v[n].has_blob = column_digest(st, 2, &v[n].blob);
                        n++;
                }
                sqlite3_reset(st);
                if (rc < 0) {
                        free(v);
                        berth_image_rec_clear(&r);
                        return rc;
                }
                *ret_layers = v;
                *ret_n = n;
        }
        *ret = r;
        return 0;
}

int berth_imagedb_list(berth_db *db, berth_image_rec **ret, size_t *ret_n, berth_error *err)
{
        static const char sel[] = "SELECT id, manifest, top_layer, created, size, added, parent "
                                  "FROM images ORDER BY created DESC, id";
        sqlite3_stmt *st = berth_db_prepare(db, sel, err);
        if (st == NULL)
                return -EIO;
        berth_image_rec *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = berth_db_step(db, st, "listing images", err)) == SQLITE_ROW) {
                v = berth_xrealloc(v, (n + 1) * sizeof(*v));
                read_image(st, &v[n++]);
        }
        sqlite3_reset(st);
        if (rc < 0) {
                for (size_t i = 0; i < n; i++)
                        berth_image_rec_clear(&v[i]);
                free(v);
                return rc;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int berth_imagedb_remove(berth_db *db, const berth_digest *id, berth_error *err)
{
        static const char del[] = "DELETE FROM images WHERE id = ?";
        return run(db, del, "removing an image", err, bind_id, id);
}

int berth_imagedb_tag(berth_db *db, const char *tag, const berth_digest *id, berth_error *err)
{
        static const char sql[] = "INSERT INTO tags (name, image) VALUES (?, ?) "
                                  "ON CONFLICT (name) DO UPDATE SET image = excluded.image";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, tag, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, id->s, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "tagging an image", err);
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

static void bind_text(sqlite3_stmt *st, const void *arg)
{
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
}

int berth_imagedb_untag(berth_db *db, const char *tag, berth_error *err)
{
        static const char sql[] = "DELETE FROM tags WHERE name = ?";
        int r = run(db, sql, "removing a tag", err, bind_text, tag);
        if (r == 0 && sqlite3_changes(berth_db_handle(db)) == 0)
                return berth_errx(err, ENOENT, "no such image: %s", tag);
        return r;
}

int berth_imagedb_resolve_tag(berth_db *db, const char *tag, berth_digest *ret, berth_error *err)
{
        static const char sql[] = "SELECT image FROM tags WHERE name = ?";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, tag, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "resolving a tag", err);
        bool found = rc == SQLITE_ROW && column_digest(st, 0, ret);
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        return found ? 0 : berth_errx(err, ENOENT, "no such image: %s", tag);
}

static int strings_of(berth_db *db, const char *sql, const berth_digest *id, char ***ret,
                      berth_error *err)
{
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, id->s, -1, SQLITE_TRANSIENT);
        _cleanup_strv_ char **v = berth_xmalloc0(sizeof(char *));
        int rc;
        while ((rc = berth_db_step(db, st, "listing names", err)) == SQLITE_ROW)
                berth_strv_push(&v, (const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        *ret = TAKE_PTR(v);
        return 0;
}

int berth_imagedb_tags_of(berth_db *db, const berth_digest *id, char ***ret, berth_error *err)
{
        static const char sql[] = "SELECT name FROM tags WHERE image = ? ORDER BY name";
        return strings_of(db, sql, id, ret, err);
}

int berth_imagedb_add_repo_digest(berth_db *db, const char *name, const berth_digest *id,
                                  berth_error *err)
{
        static const char sql[] = "INSERT OR IGNORE INTO repo_digests (name, image) VALUES (?, ?)";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, id->s, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "recording a repo digest", err);
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

int berth_imagedb_repo_digests_of(berth_db *db, const berth_digest *id, char ***ret,
                                  berth_error *err)
{
        static const char sql[] = "SELECT name FROM repo_digests WHERE image = ? ORDER BY name";
        return strings_of(db, sql, id, ret, err);
}

int berth_imagedb_resolve_repo_digest(berth_db *db, const char *name, berth_digest *ret,
                                      berth_error *err)
{
        static const char sql[] = "SELECT image FROM repo_digests WHERE name = ? LIMIT 1";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "resolving a repo digest", err);
        bool found = rc == SQLITE_ROW && column_digest(st, 0, ret);
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        return found ? 0 : berth_errx(err, ENOENT, "no such image: %s", name);
}

int berth_imagedb_repo_digests_with_blob(berth_db *db, const berth_digest *blob, char ***ret,
                                         berth_error *err)
{
        static const char sql[] = "SELECT DISTINCT r.name FROM repo_digests r "
                                  "JOIN image_layers l ON l.image = r.image WHERE l.blob = ? "
                                  "ORDER BY r.name";
        return strings_of(db, sql, blob, ret, err);
}

int berth_imagedb_find_prefix(berth_db *db, const char *prefix, berth_digest *ret, berth_error *err)
{
        static const char sql[] = "SELECT id FROM images WHERE substr(id, 8, ?) = ? LIMIT 2";
        const char *hex = berth_str_has_prefix(prefix, "sha256:") ? prefix + 7 : prefix;
        size_t n = strlen(hex);
        if (n < 3 || n > 64 || strspn(hex, "0123456789abcdef") != n)
                return berth_errx(err, EINVAL, "'%s' is not an image id", prefix);
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_int(st, 1, (int)n);
        sqlite3_bind_text(st, 2, hex, -1, SQLITE_TRANSIENT);
        berth_digest first;
        int found = 0, rc;
        while ((rc = berth_db_step(db, st, "finding an image", err)) == SQLITE_ROW) {
                if (found == 0 && !column_digest(st, 0, &first))
                        continue;
                found++;
        }
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        if (found == 0)
                return berth_errx(err, ENOENT, "no such image: %s", prefix);
        if (found > 1)
                return berth_errx(err, EINVAL, "image id prefix '%s' is ambiguous", prefix);
        *ret = first;
        return 0;
}

static int count_one(berth_db *db, const char *sql, const berth_digest *d, int64_t *ret,
                     const char *what, berth_error *err)
{
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, d->s, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, what, err);
        *ret = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

int berth_imagedb_children(berth_db *db, const berth_digest *id, int64_t *ret, berth_error *err)
{
        static const char sql[] = "SELECT count(*) FROM images WHERE parent = ?";
        return count_one(db, sql, id, ret, "counting an image's children", err);
}

int berth_imagedb_blob_users(berth_db *db, const berth_digest *blob, int64_t *ret, berth_error *err)
{
        static const char sql[] = "SELECT (SELECT count(*) FROM images WHERE manifest = ?1 OR "
                                  "id = ?1) + (SELECT count(DISTINCT image) FROM image_layers "
                                  "WHERE blob = ?1)";
        return count_one(db, sql, blob, ret, "counting a blob's users", err);
}

int berth_imagedb_layer_users(berth_db *db, const berth_digest *chain_id, int64_t *ret,
                              berth_error *err)
{
        static const char sql[] = "SELECT count(DISTINCT image) FROM image_layers "
                                  "WHERE chain_id = ?";
        return count_one(db, sql, chain_id, ret, "counting a layer's users", err);
}
