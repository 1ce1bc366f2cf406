/* SPDX-License-Identifier: Apache-2.0 */
/* Reading an archive for `load` in one pass: every member spooled, in memory or into the store. */
#include "base/fs.h"
#include "archive-private.h"
#include "unpack-internal.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Files up to this size are kept in memory, up to MEM_TOTAL in all. */
#define MEM_FILE_MAX (1024 * 1024)
#define MEM_TOTAL    (64 * 1024 * 1024)

static int by_digest(const void *a, const void *b)
{
        return strcmp(((const berth_digest *)a)->s, ((const berth_digest *)b)->s);
}

static bool had_blob(const archive_members *t, const berth_digest *d)
{
        return t->n_had && bsearch(d, t->had, t->n_had, sizeof(*d), by_digest) != NULL;
}

void archive_note_blob(archive_members *t, const berth_digest *d)
{
        if (had_blob(t, d))
                return;
        for (size_t i = 0; i < t->n_added; i++)
                if (berth_digest_equal(&t->added[i], d))
                        return;
        t->added = berth_xrealloc(t->added, (t->n_added + 1) * sizeof(*t->added));
        t->added[t->n_added++] = *d;
}

static void member_clear(archive_member *m)
{
        free(m->name);
        free(m->target);
        free(m->data);
        memset(m, 0, sizeof(*m));
}

void archive_members_clear(archive_members *t)
{
        for (size_t i = 0; i < t->n; i++)
                member_clear(&t->v[i]);
        free(t->v);
        free(t->had);
        free(t->added);
        t->v = NULL;
        t->had = t->added = NULL;
        t->n = t->n_had = t->n_added = 0;
}

static archive_member *find(const archive_members *t, const char *name)
{
        for (size_t i = t->n; i-- > 0;)
                if (strcmp(t->v[i].name, name) == 0)
                        return &t->v[i];
        return NULL;
}

/* A new member named name (replacing one of that name). Takes name. */
static archive_member *add_member(archive_members *t, char *name)
{
        archive_member *m = find(t, name);
        if (m) {
                if (m->data)
                        t->mem_bytes -= m->len;
                member_clear(m);
        } else {
                t->v = berth_xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
                m = &t->v[t->n++];
                memset(m, 0, sizeof(*m));
        }
        m->name = name;
        return m;
}

/* A link target as an archive path: relative to the link's directory (symlinks)
 * or to the archive's top (hard links); NULL when it leaves the archive. */
static char *link_target(const char *name, const char *target, bool symlink)
{
        _cleanup_free_ char *joined = NULL;
        const char *slash = strrchr(name, '/');
        if (symlink && target[0] != '/' && slash)
                joined = berth_xasprintf("%.*s/%s", (int)(slash - name), name, target);
        bool escaped = false;
        char *p = berth_path_clean_rel(joined ? joined : target, &escaped);
        if (escaped || p == NULL || *p == '\0') {
                free(p);
                return NULL;
        }
        return p;
}

static int read_fail(struct archive *a, berth_error *err)
{
        int e = archive_errno(a);
        const char *s = archive_error_string(a);
        return berth_errx(err, e > 0 ? e : EIO, "%s", s ? s : "unknown error");
}

/* Hand the entry's data to sink in order (holes of sparse entries as zeros). */
typedef int (*sink_fn)(void *ctx, const void *buf, size_t len, berth_error *err);

static int copy_data(struct archive *a, sink_fn sink, void *ctx, berth_error *err)
{
        static const char zeros[64 * 1024];
        int64_t pos = 0;
        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t off;
                int r = archive_read_data_block(a, &buf, &len, &off);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r < ARCHIVE_WARN)
                        return read_fail(a, err);
                while (pos < off) {
                        size_t n = (size_t)(off - pos) < sizeof(zeros) ? (size_t)(off - pos)
                                                                       : sizeof(zeros);
                        if ((r = sink(ctx, zeros, n, err)) < 0)
                                return r;
                        pos += (int64_t)n;
                }
                if (len > 0 && (r = sink(ctx, buf, len, err)) < 0)
                        return r;
                pos += (int64_t)len;
        }
}

struct membuf {
        char *data;
        size_t len, cap;
};

static int mem_sink(void *ctx, const void *buf, size_t len, berth_error *err)
{
        struct membuf *b = ctx;
        if (len > b->cap - b->len)
                return berth_errx(err, EFBIG, "member is larger than its header says");
        memcpy(b->data + b->len, buf, len);
        b->len += len;
        return 0;
}

static int blob_sink(void *ctx, const void *buf, size_t len, berth_error *err)
{
        return berth_blob_write(ctx, buf, len, err);
}

static void writer_freep(berth_blob_writer **w)
{
        berth_blob_writer_free(*w);
}

/* The digest a name "blobs/sha256/<hex>" promises, if it is one. */
static bool name_digest(const char *name, berth_digest *ret)
{
        if (!berth_str_has_prefix(name, "blobs/sha256/"))
                return false;
        _cleanup_free_ char *s = berth_xasprintf("sha256:%s", name + strlen("blobs/sha256/"));
        return berth_digest_parse(s, ret, NULL) == 0;
}

static int read_file(archive_members *t, struct archive *a, archive_member *m, int64_t size,
                     berth_error *err)
{
        berth_digest want;
        bool named = name_digest(m->name, &want);
        int r;
        if (size >= 0 && size <= MEM_FILE_MAX && t->mem_bytes + (size_t)size <= MEM_TOTAL) {
                struct membuf b = {.data = berth_xmalloc0((size_t)size + 1), .cap = (size_t)size};
                if ((r = copy_data(a, mem_sink, &b, err)) < 0) {
                        free(b.data);
                        return r;
                }
                if (named) {
                        berth_digest got;
                        berth_digest_of(b.data, b.len, &got);
                        if (!berth_digest_equal(&got, &want)) {
                                free(b.data);
                                return berth_errx(err, EBADMSG,
                                                  "blob digest mismatch: expected %s, got %s",
                                                  want.s, got.s);
                        }
                }
                m->data = b.data;
                m->len = b.len;
                t->mem_bytes += b.len;
                return 0;
        }
        if (named && berth_store_has(t->store, &want)) {
                /* Already stored (and so verified once): no need to read it again. */
                int fd = -1;
                if ((r = berth_store_open_blob(t->store, &want, &fd, &m->size, err)) < 0)
                        return r;
                close(fd);
                if (size >= 0 && (uint64_t)size != m->size)
                        return berth_errx(err, EBADMSG,
                                          "blob size mismatch: expected %llu bytes, got %lld",
                                          (unsigned long long)m->size, (long long)size);
                m->stored = true;
                m->blob = want;
                if (archive_read_data_skip(a) < ARCHIVE_WARN)
                        return read_fail(a, err);
                return 0;
        }
        _cleanup_(writer_freep) berth_blob_writer *w = NULL;
        if ((r = berth_blob_writer_new(t->store, named ? &want : NULL, size, &w, err)) < 0 ||
            (r = copy_data(a, blob_sink, w, err)) < 0 ||
            (r = berth_blob_writer_commit(w, &m->blob, &m->size, err)) < 0)
                return r;
        m->stored = true;
        archive_note_blob(t, &m->blob);
        return 0;
}

static void archive_freep(struct archive **a)
{
        if (*a)
                archive_read_free(*a);
}

int archive_members_read(archive_members *t, int fd, berth_error *err)
{
        _cleanup_(archive_freep) struct archive *a = archive_read_new();
        int r;
        if (a == NULL)
                return berth_errx(err, ENOMEM, "cannot start reading the archive");
        if ((r = berth_store_list_blobs(t->store, &t->had, &t->n_had, err)) < 0)
                return r;
        archive_read_support_format_tar(a);
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_filter_xz(a);
        archive_read_support_filter_bzip2(a);
        if (archive_read_open_fd(a, fd, 128 * 1024) != ARCHIVE_OK)
                return read_fail(a, err);
        for (;;) {
                struct archive_entry *e;
                r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return read_fail(a, err);
                const char *raw = archive_entry_pathname(e);
                bool escaped = false;
                char *name = raw ? berth_path_clean_rel(raw, &escaped) : NULL;
                if (name == NULL || escaped || *name == '\0') {
                        /* Nothing can refer to it: manifests' paths stay inside too. */
                        free(name);
                        continue;
                }
                const char *hl = archive_entry_hardlink(e);
                mode_t type = archive_entry_filetype(e);
                archive_member *m;
                if (hl) {
                        m = add_member(t, name);
                        m->kind = AM_HARDLINK;
                        m->target = link_target(name, hl, false);
                } else if (type == AE_IFLNK) {
                        m = add_member(t, name);
                        m->kind = AM_SYMLINK;
                        const char *tg = archive_entry_symlink(e);
                        m->target = tg ? link_target(name, tg, true) : NULL;
                } else if (type == AE_IFREG) {
                        m = add_member(t, name);
                        m->kind = AM_FILE;
                        int64_t size =
                            archive_entry_size_is_set(e) ? (int64_t)archive_entry_size(e) : -1;
                        if ((r = read_file(t, a, m, size, err)) < 0)
                                return berth_wrap(err, "member '%s'", m->name);
                } else {
                        free(name); /* directories and the rest: nothing to keep */
                }
        }
        return 0;
}

const archive_member *archive_lookup(const archive_members *t, const char *path)
{
        const archive_member *m = find(t, path);
        for (int hops = 0; m && m->kind != AM_FILE; hops++) {
                if (hops >= 16 || m->target == NULL)
                        return NULL;
                m = find(t, m->target);
        }
        return m;
}

int archive_member_blob(archive_members *t, const char *path, const berth_digest *expected,
                        berth_digest *ret, uint64_t *ret_size, berth_error *err)
{
        const archive_member *m = archive_lookup(t, path);
        berth_digest d;
        uint64_t size;
        if (m == NULL)
                return berth_errx(err, ENOENT, "'%s' is not in the archive", path);
        if (m->stored) {
                d = m->blob;
                size = m->size;
                if (expected && !berth_digest_equal(expected, &d))
                        return berth_errx(err, EBADMSG, "'%s' has digest %s, not %s", path, d.s,
                                          expected->s);
        } else {
                int r = berth_store_put_buf(t->store, m->data, m->len, expected, &d, err);
                if (r < 0)
                        return berth_wrap(err, "cannot store '%s'", path);
                archive_note_blob(t, &d);
                size = m->len;
        }
        if (ret)
                *ret = d;
        if (ret_size)
                *ret_size = size;
        return 0;
}

bool archive_blob_compressed(int fd)
{
        unsigned char m[4] = {0};
        ssize_t n = pread(fd, m, sizeof(m), 0);
        return (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) ||
               (n == 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd);
}

int archive_blob_diff_id(berth_store *s, const berth_digest *blob, berth_digest *ret_diff_id,
                         uint64_t *ret_size, berth_error *err)
{
        _cleanup_close_ int fd = -1;
        uint64_t ignored;
        int r = berth_store_open_blob(s, blob, &fd, &ignored, err);
        if (r < 0)
                return r;
        if ((r = berth_unpack_diff_id(fd, ret_diff_id, ret_size, err)) < 0)
                return berth_wrap(err, "layer blob '%s'", blob->s);
        return 0;
}
