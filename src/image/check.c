/* SPDX-License-Identifier: Apache-2.0 */
/* `system check`: verify a BERTH_ROOT and repair what a crash left. */
#include "check.h"
#include "images-private.h"
#include "imagedb.h"
#include "layers.h"
#include "snapshot.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
        berth_images *im;
        bool repair;
        char **problems, **actions;
        berth_digest *bad_blobs; /* corrupt (removed when repairing) */
        size_t n_bad;
} check_ctx;

__attribute__((format(printf, 3, 4))) static void note(check_ctx *c, char ***list, const char *fmt,
                                                       ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0)
                abort();
        va_end(ap);
        berth_strv_push(list, s);
        free(s);
}
#define problem(c, ...) note(c, &(c)->problems, __VA_ARGS__)
#define action(c, ...)  note(c, &(c)->actions, __VA_ARGS__)

static DIR *open_dir_at(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (d == NULL && fd >= 0)
                close(fd);
        return d;
}

/* A temp file of a writer that is gone (writers flock theirs for as long as they live). */
static void check_store_tmp(check_ctx *c)
{
        berth_store *s = berth_images_store(c->im);
        _cleanup_free_ char *tmp = berth_xasprintf("%s/tmp", berth_store_root(s));
        DIR *d = open_dir_at(AT_FDCWD, tmp);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISREG(st.st_mode) || !berth_store_temp_is_stale(s, de->d_name))
                        continue;
                problem(c, "leftover temp file 'tmp/%s' (an interrupted blob write)", de->d_name);
                if (c->repair && unlinkat(dirfd(d), de->d_name, 0) == 0)
                        action(c, "removed 'tmp/%s'", de->d_name);
        }
        if (d)
                closedir(d);
}

static void check_layers_tmp(check_ctx *c)
{
        DIR *d = open_dir_at(berth_images_layers_fd(c->im), ".");
        struct dirent *de;
        bool any = false;
        while (d && (de = readdir(d)) != NULL) {
                if (!berth_layers_tmp_is_stale(dirfd(d), de->d_name))
                        continue;
                problem(c, "leftover layer dir 'layers/%s' (an interrupted unpack or removal)",
                        de->d_name);
                any = true;
        }
        if (d)
                closedir(d);
        berth_error e = {0};
        if (any && c->repair) {
                if (berth_layers_clean_tmp(berth_images_layers_fd(c->im), &e) == 0)
                        action(c, "removed the leftover layer dirs");
                else
                        action(c, "could not remove the leftover layer dirs: %s", e.msg);
        }
}

static bool is_bad(check_ctx *c, const berth_digest *d)
{
        for (size_t i = 0; i < c->n_bad; i++)
                if (berth_digest_equal(&c->bad_blobs[i], d))
                        return true;
        return false;
}

static void check_blobs(check_ctx *c)
{
        berth_store *s = berth_images_store(c->im);
        berth_digest *blobs = NULL;
        size_t n = 0;
        berth_error e = {0};
        if (berth_store_list_blobs(s, &blobs, &n, &e) < 0) {
                problem(c, "cannot list blobs: %s", e.msg);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                if (berth_store_verify_blob(s, &blobs[i], &e) == 0)
                        continue;
                problem(c, "blob %s: %s", blobs[i].s,
                        e.code == EBADMSG ? "content does not match its digest" : e.msg);
                c->bad_blobs = berth_xrealloc(c->bad_blobs, (c->n_bad + 1) * sizeof(berth_digest));
                c->bad_blobs[c->n_bad++] = blobs[i];
                if (c->repair && berth_store_remove_blob(s, &blobs[i], NULL) == 0)
                        action(c, "removed corrupt blob %s", blobs[i].s);
        }
        free(blobs);
}

/* "" when fine, else why (a static string). */
static const char *blob_state(check_ctx *c, const berth_digest *d)
{
        if (is_bad(c, d))
                return "corrupt";
        return berth_store_has(berth_images_store(c->im), d) ? "" : "missing";
}

/* Unpack a missing layer dir again from its blob; false when it cannot be. */
static bool reunpack(check_ctx *c, const berth_digest *parent, const berth_image_layer_rec *l)
{
        if (!l->has_blob || *blob_state(c, &l->blob))
                return false;
        _cleanup_close_ int fd = -1;
        berth_error e = {0};
        if (berth_store_open_blob(berth_images_store(c->im), &l->blob, &fd, NULL, &e) < 0)
                return false;
        berth_unpack_opts uo = {0};
        berth_digest chain;
        if (berth_layer_add(berth_images_layers_fd(c->im), parent, fd, &l->diff_id, &uo, &chain,
                            NULL, &e) < 0 ||
            !berth_digest_equal(&chain, &l->chain_id))
                return false;
        action(c, "unpacked layer %s again from blob %s", l->chain_id.s, l->blob.s);
        return true;
}

/* Check one image; true when it is whole (or was made whole). */
static bool check_image(check_ctx *c, const berth_image_rec *rec, const berth_image_layer_rec *l,
                        size_t n)
{
        bool whole = true;
        const char *st = blob_state(c, &rec->id);
        if (*st) {
                problem(c, "image %s: config blob is %s", rec->id.s, st);
                whole = false;
        }
        if (rec->has_manifest && *(st = blob_state(c, &rec->manifest))) {
                problem(c, "image %s: manifest blob %s is %s", rec->id.s, rec->manifest.s, st);
                whole = false;
        }
        for (size_t i = 0; i < n; i++) {
                if (l[i].has_blob && *(st = blob_state(c, &l[i].blob))) {
                        problem(c, "image %s: layer blob %s is %s", rec->id.s, l[i].blob.s, st);
                        whole = false;
                }
                if (berth_layer_exists(berth_images_layers_fd(c->im), &l[i].chain_id))
                        continue;
                problem(c, "image %s: layer dir 'layers/%s' is missing", rec->id.s,
                        berth_digest_hex(&l[i].chain_id));
                if (!c->repair || !whole || !reunpack(c, i ? &l[i - 1].chain_id : NULL, &l[i]))
                        whole = false;
        }
        return whole;
}

static void remove_image(check_ctx *c, const berth_digest *id)
{
        berth_db *db = berth_images_db(c->im);
        berth_error e = {0};
        if (berth_db_begin(db, &e) < 0 || berth_imagedb_remove(db, id, &e) < 0 ||
            berth_db_commit(db, &e) < 0) {
                berth_db_rollback(db);
                action(c, "could not remove image %s: %s", id->s, e.msg);
                return;
        }
        action(c, "removed image %s (and its tags): it cannot be made whole", id->s);
}

static void check_images(check_ctx *c)
{
        berth_db *db = berth_images_db(c->im);
        berth_image_rec *recs = NULL;
        size_t n = 0;
        berth_error e = {0};
        if (berth_imagedb_list(db, &recs, &n, &e) < 0) {
                problem(c, "cannot list images: %s", e.msg);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                berth_image_rec rec = {0};
                berth_image_layer_rec *l = NULL;
                size_t nl = 0;
                if (berth_imagedb_get(db, &recs[i].id, &rec, &l, &nl, &e) == 0) {
                        if (!check_image(c, &rec, l, nl) && c->repair)
                                remove_image(c, &rec.id);
                        berth_image_rec_clear(&rec);
                        free(l);
                }
                berth_image_rec_clear(&recs[i]);
        }
        free(recs);
}

static void check_tags(check_ctx *c)
{
        static const char sel[] = "SELECT name, image FROM tags WHERE image NOT IN "
                                  "(SELECT id FROM images) ORDER BY name";
        static const char del[] = "DELETE FROM tags WHERE image NOT IN (SELECT id FROM images)";
        berth_db *db = berth_images_db(c->im);
        berth_error e = {0};
        sqlite3_stmt *st = berth_db_prepare(db, sel, &e);
        if (st == NULL)
                return;
        int rc, n = 0;
        while ((rc = berth_db_step(db, st, "checking tags", &e)) == SQLITE_ROW) {
                problem(c, "tag %s points at no image (%s)", sqlite3_column_text(st, 0),
                        sqlite3_column_text(st, 1));
                n++;
        }
        sqlite3_reset(st);
        if (n && c->repair && berth_db_exec(db, del, &e) == 0)
                action(c, "removed %d dangling tag(s)", n);
}

static void check_snapshots(check_ctx *c)
{
        berth_db *db = berth_images_db(c->im);
        berth_snapshot_rec *v = NULL;
        size_t n = 0;
        berth_error e = {0};
        if (berth_snapshot_list(db, &v, &n, &e) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *upper = berth_xasprintf("%s/upper", v[i].dir);
                if (access(upper, F_OK) < 0) {
                        problem(c, "snapshot '%s': its directory is missing", v[i].dir);
                        if (c->repair && berth_snapshot_forget(db, v[i].dir, &e) == 0)
                                action(c, "dropped snapshot '%s'", v[i].dir);
                        continue;
                }
                static const char sql[] = "SELECT chain_id FROM snapshot_layers WHERE dir = ?";
                sqlite3_stmt *st = berth_db_prepare(db, sql, &e);
                if (st == NULL)
                        continue;
                sqlite3_bind_text(st, 1, v[i].dir, -1, SQLITE_TRANSIENT);
                while (berth_db_step(db, st, "checking a snapshot", &e) == SQLITE_ROW) {
                        berth_digest chain;
                        const char *s = (const char *)sqlite3_column_text(st, 0);
                        if (s && berth_digest_parse(s, &chain, NULL) == 0 &&
                            !berth_layer_exists(berth_images_layers_fd(c->im), &chain))
                                problem(c, "snapshot '%s': layer %s is missing", v[i].dir, s);
                }
                sqlite3_reset(st);
        }
        berth_snapshot_recs_free(v, n);
}

static void check_unused(check_ctx *c)
{
        berth_db *db = berth_images_db(c->im);
        berth_store *s = berth_images_store(c->im);
        berth_digest *blobs = NULL;
        size_t n = 0;
        berth_error e = {0};
        if (berth_store_list_blobs(s, &blobs, &n, &e) == 0) {
                for (size_t i = 0; i < n; i++) {
                        int64_t users = 1;
                        if (berth_imagedb_blob_users(db, &blobs[i], &users, &e) == 0 && users == 0)
                                problem(c, "blob %s is used by no image", blobs[i].s);
                }
                free(blobs);
        }
        DIR *d = open_dir_at(berth_images_layers_fd(c->im), ".");
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
                _cleanup_free_ char *txt = berth_xasprintf("sha256:%s", de->d_name);
                berth_digest chain;
                int64_t a = 1, b = 1;
                if (de->d_name[0] == '.' || berth_digest_parse(txt, &chain, NULL) < 0)
                        continue;
                if (berth_imagedb_layer_users(db, &chain, &a, &e) == 0 &&
                    berth_snapshot_layer_users(db, &chain, &b, &e) == 0 && a + b == 0)
                        problem(c, "layer dir 'layers/%s' is used by no image or snapshot",
                                de->d_name);
        }
        if (d)
                closedir(d);
}

int berth_images_check(berth_images *im, bool repair, char ***ret_problems, char ***ret_actions,
                       berth_error *err)
{
        /* Writers finish first, and none starts until we are done: what a writer has
         * stored but not yet registered would look unused, and repairs remove things. */
        _cleanup_(berth_store_unlockp) int lock = berth_images_collect_lock(im, true, err);
        if (lock < 0)
                return berth_wrap(err, "cannot check the image store");
        check_ctx c = {.im = im,
                       .repair = repair,
                       .problems = berth_xmalloc0(sizeof(char *)),
                       .actions = berth_xmalloc0(sizeof(char *))};
        check_store_tmp(&c);
        check_layers_tmp(&c);
        check_blobs(&c);
        check_images(&c);
        check_tags(&c);
        check_snapshots(&c);
        check_unused(&c);
        if (repair) {
                uint64_t freed = 0;
                berth_error e = {0};
                if (images_gc_locked(im, &freed, &e) == 0)
                        action(&c, "removed unused blobs and layers");
                else
                        action(&c, "gc failed: %s", e.msg);
        }
        free(c.bad_blobs);
        *ret_problems = c.problems;
        if (ret_actions)
                *ret_actions = c.actions;
        else
                berth_strv_free(c.actions);
        return 0;
}
