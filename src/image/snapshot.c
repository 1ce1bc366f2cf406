/* SPDX-License-Identifier: Apache-2.0 */
/* Snapshots: their rows in berth.db, their directories, create and remove. */
#include "snapshot-internal.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/imagedb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const berth_db_migration migrations[] = {
    {1, "CREATE TABLE snapshots ("
        "  dir TEXT PRIMARY KEY,"
        "  image TEXT NOT NULL,"
        "  created INTEGER NOT NULL);"
        "CREATE INDEX snapshots_image ON snapshots(image);"
        "CREATE TABLE snapshot_layers ("
        "  dir TEXT NOT NULL REFERENCES snapshots(dir) ON DELETE CASCADE,"
        "  idx INTEGER NOT NULL,"
        "  chain_id TEXT NOT NULL,"
        "  PRIMARY KEY (dir, idx));"
        "CREATE INDEX snapshot_layers_chain ON snapshot_layers(chain_id);"},
};

int berth_snapshot_migrate(berth_db *db, berth_error *err)
{
        return berth_db_migrate(db, "snapshot", migrations, ARRAY_SIZE(migrations), err);
}

static int count_text(berth_db *db, const char *sql, const char *arg, int64_t *ret,
                      char **ret_first, const char *what, berth_error *err)
{
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
        int64_t n = 0;
        _cleanup_free_ char *first = NULL;
        int rc;
        while ((rc = berth_db_step(db, st, what, err)) == SQLITE_ROW) {
                if (n++ == 0)
                        first = berth_xstrdup((const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        *ret = n;
        if (ret_first)
                *ret_first = TAKE_PTR(first);
        return 0;
}

int berth_snapshot_layer_users(berth_db *db, const berth_digest *chain_id, int64_t *ret,
                               berth_error *err)
{
        static const char sql[] = "SELECT DISTINCT dir FROM snapshot_layers WHERE chain_id = ?";
        return count_text(db, sql, chain_id->s, ret, NULL, "counting a layer's snapshots", err);
}

int berth_snapshot_image_users(berth_db *db, const berth_digest *image_id, int64_t *ret,
                               char **ret_dir, berth_error *err)
{
        static const char sql[] = "SELECT dir FROM snapshots WHERE image = ? ORDER BY dir";
        return count_text(db, sql, image_id->s, ret, ret_dir, "counting an image's snapshots", err);
}

void berth_snapshot_recs_free(berth_snapshot_rec *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].dir);
        free(v);
}

int berth_snapshot_list(berth_db *db, berth_snapshot_rec **ret, size_t *ret_n, berth_error *err)
{
        static const char sql[] = "SELECT dir, image FROM snapshots ORDER BY dir";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        berth_snapshot_rec *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = berth_db_step(db, st, "listing snapshots", err)) == SQLITE_ROW) {
                v = berth_xrealloc(v, (n + 1) * sizeof(*v));
                memset(&v[n], 0, sizeof(v[n]));
                v[n].dir = berth_xstrdup((const char *)sqlite3_column_text(st, 0));
                const char *img = (const char *)sqlite3_column_text(st, 1);
                if (img == NULL || berth_digest_parse(img, &v[n].image, NULL) < 0)
                        snprintf(v[n].image.s, sizeof(v[n].image.s), "%s", img ? img : "");
                n++;
        }
        sqlite3_reset(st);
        if (rc < 0) {
                berth_snapshot_recs_free(v, n);
                return rc;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int berth_snapshot_forget(berth_db *db, const char *dir, berth_error *err)
{
        static const char sql[] = "DELETE FROM snapshots WHERE dir = ?";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, dir, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "removing a snapshot", err);
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

/* dir as an absolute path with its symlinks resolved (dir must exist), or as given. */
static char *canonical(const char *dir)
{
        char buf[PATH_MAX];
        if (realpath(dir, buf))
                return berth_xstrdup(buf);
        return berth_xstrdup(dir);
}

int berth_snapshot_image(berth_images *im, const char *dir, berth_digest *ret, berth_error *err)
{
        static const char sql[] = "SELECT image FROM snapshots WHERE dir = ?";
        _cleanup_free_ char *abs = canonical(dir);
        berth_db *db = berth_images_db(im);
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, abs, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "reading a snapshot", err);
        const char *s = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        int r = s ? berth_digest_parse(s, ret, err) : 0;
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        if (rc != SQLITE_ROW)
                return berth_errx(err, ENOENT, "no such snapshot: %s", abs);
        return r;
}

static int insert_row(berth_db *db, const char *dir, const berth_digest *image,
                      const berth_image_layer_rec *layers, size_t n, berth_error *err)
{
        static const char ins[] = "INSERT INTO snapshots (dir, image, created) VALUES (?, ?, ?)";
        static const char lay[] = "INSERT INTO snapshot_layers (dir, idx, chain_id) "
                                  "VALUES (?, ?, ?)";
        sqlite3_stmt *st = berth_db_prepare(db, ins, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, dir, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, image->s, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
        int rc = berth_db_step(db, st, "storing a snapshot", err);
        bool dup =
            rc < 0 && sqlite3_extended_errcode(berth_db_handle(db)) == SQLITE_CONSTRAINT_PRIMARYKEY;
        sqlite3_reset(st);
        if (dup)
                return berth_errx(err, EEXIST, "snapshot '%s' already exists", dir);
        if (rc < 0)
                return rc;
        for (size_t i = 0; i < n; i++) {
                if ((st = berth_db_prepare(db, lay, err)) == NULL)
                        return -EIO;
                sqlite3_bind_text(st, 1, dir, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
                sqlite3_bind_text(st, 3, layers[i].chain_id.s, -1, SQLITE_TRANSIENT);
                rc = berth_db_step(db, st, "storing a snapshot's layers", err);
                sqlite3_reset(st);
                if (rc < 0)
                        return rc;
        }
        return 0;
}

/* The row, in one transaction with the check that the image is there. */
static int add_row(berth_images *im, const berth_digest *image_id, const char *dir,
                   berth_digest **ret_chain, size_t *ret_n, berth_error *err)
{
        berth_db *db = berth_images_db(im);
        berth_image_rec rec = {0};
        berth_image_layer_rec *layers = NULL;
        size_t n = 0;
        int r = berth_db_begin(db, err);
        if (r < 0)
                return r;
        if ((r = berth_imagedb_get(db, image_id, &rec, &layers, &n, err)) < 0 ||
            (r = insert_row(db, dir, image_id, layers, n, err)) < 0 ||
            (r = berth_db_commit(db, err)) < 0) {
                berth_db_rollback(db);
                berth_image_rec_clear(&rec);
                free(layers);
                return r;
        }
        berth_digest *chain = berth_xmalloc0((n ? n : 1) * sizeof(*chain));
        for (size_t i = 0; i < n; i++)
                chain[i] = layers[i].chain_id;
        berth_image_rec_clear(&rec);
        free(layers);
        *ret_chain = chain;
        *ret_n = n;
        return 0;
}

static int make_dirs(const char *dir, const berth_digest *chain, size_t n, berth_error *err)
{
        /* "empty": the one lower directory of an image without layers (overlay needs one) */
        static const char *const subs[] = {"upper", "work", "merged", "empty"};
        for (size_t i = 0; i < ARRAY_SIZE(subs) - (n > 0); i++) {
                _cleanup_free_ char *p = berth_xasprintf("%s/%s", dir, subs[i]);
                if (mkdir(p, 0755) < 0)
                        return berth_err(err, errno, "cannot create '%s'", p);
        }
        size_t len = 0;
        _cleanup_free_ char *text = berth_xmalloc0(n * (BERTH_DIGEST_LEN + 1) + 1);
        for (size_t i = 0; i < n; i++)
                len += (size_t)sprintf(text + len, "%s\n", chain[i].s);
        _cleanup_free_ char *lower = berth_xasprintf("%s/lower", dir);
        /* whole or absent (renamed into place), but not fsynced, like the rest of a
         * container's writable layer: a power cut that lost it would leave that one
         * container without its image's files (it then fails to start), never another's */
        return berth_write_file_replace(lower, text, len, 0644, err);
}

int berth_snapshot_create(berth_images *im, const berth_digest *image_id, const char *dir,
                          berth_error *err)
{
        bool existed = access(dir, F_OK) == 0;
        int r = berth_mkdir_p(dir, 0700, err);
        if (r < 0)
                return berth_wrap(err, "cannot create snapshot '%s'", dir);
        _cleanup_free_ char *abs = canonical(dir);
        _cleanup_free_ berth_digest *chain = NULL;
        size_t n = 0;
        _cleanup_free_ char *upper = berth_xasprintf("%s/upper", abs);
        if (access(upper, F_OK) == 0) {
                r = berth_errx(err, EEXIST, "snapshot '%s' already exists", abs);
                return r;
        }
        r = add_row(im, image_id, abs, &chain, &n, err);
        if (r == 0) {
                r = make_dirs(abs, chain, n, err);
                if (r < 0)
                        berth_snapshot_forget(berth_images_db(im), abs, NULL);
        }
        if (r < 0) {
                static const char *const subs[] = {"upper", "work", "merged", "empty", "lower"};
                if (!existed)
                        berth_rm_rf(abs, NULL);
                else
                        for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
                                _cleanup_free_ char *p = berth_xasprintf("%s/%s", abs, subs[i]);
                                berth_rm_rf(p, NULL);
                        }
                return berth_wrap(err, "cannot create snapshot '%s'", abs);
        }
        return 0;
}

int snapshot_read_lower(const char *dir, berth_digest **ret, size_t *ret_n, berth_error *err)
{
        _cleanup_free_ char *p = berth_xasprintf("%s/lower", dir);
        _cleanup_free_ char *text = NULL;
        int r = berth_read_file(p, &text, NULL, err);
        if (r < 0)
                return r;
        berth_digest *v = NULL;
        size_t n = 0;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                v = berth_xrealloc(v, (n + 1) * sizeof(*v));
                if (berth_digest_parse(line, &v[n], err) < 0) {
                        free(v);
                        return berth_wrap(err, "bad layer list '%s'", p);
                }
                n++;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

bool berth_snapshot_mounted(const char *dir)
{
        _cleanup_free_ char *merged = berth_xasprintf("%s/merged", dir);
        struct statx stx;
        if (statx(AT_FDCWD, merged, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
                return false;
        return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
               (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int berth_snapshot_umount(const char *dir, const char *target, berth_error *err)
{
        _cleanup_free_ char *merged =
            target ? berth_xstrdup(target) : berth_xasprintf("%s/merged", dir);
        /* Mounts may be stacked; each umount takes the top one. */
        for (int i = 0; i < 64; i++) {
                if (umount2(merged, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
                        continue;
                if (errno == EINVAL || errno == ENOENT)
                        return 0;
                return berth_err(err, errno, "cannot unmount '%s'", merged);
        }
        return berth_errx(err, EBUSY, "cannot unmount '%s': too many mounts", merged);
}

int berth_snapshot_remove(berth_images *im, const char *dir, berth_error *err)
{
        _cleanup_free_ char *abs = canonical(dir);
        int r = berth_snapshot_umount(abs, NULL, err);
        if (r < 0)
                return berth_wrap(err, "cannot remove snapshot '%s'", abs);
        if ((r = berth_rm_rf(abs, err)) < 0)
                return berth_wrap(err, "cannot remove snapshot '%s'", abs);
        if ((r = berth_snapshot_forget(berth_images_db(im), abs, err)) < 0)
                return berth_wrap(err, "cannot remove snapshot '%s'", abs);
        return 0;
}
