/* SPDX-License-Identifier: Apache-2.0 */
/* The layer unpacking driver: byte source → libarchive (tar reader only) → entry writer. */
#include "base/cleanup.h"
#include "unpack-internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct reader {
        unpack_source *src;
        berth_error err; /* a source error, kept to report it rather than libarchive's text */
        bool failed;
};

static la_ssize_t read_cb(struct archive *a, void *data, const void **buf)
{
        struct reader *r = data;
        ssize_t n = unpack_source_read(r->src, buf, &r->err);
        if (n < 0) {
                r->failed = true;
                archive_set_error(a, r->err.code, "%s", r->err.msg);
                return -1;
        }
        return n;
}

static void archive_freep(struct archive **a)
{
        if (*a)
                archive_read_free(*a);
}

static void source_freep(unpack_source **s)
{
        unpack_source_free(*s);
}

static int archive_fail(struct archive *a, struct reader *r, berth_error *err, const char *what)
{
        if (r->failed) {
                *err = r->err;
                return -err->code;
        }
        int e = archive_errno(a);
        return berth_errx(err, e > 0 ? e : EIO, "%s: %s", what,
                          archive_error_string(a) ? archive_error_string(a) : "unknown error");
}

static int over_limit(const unpack_writer *w, berth_error *err)
{
        return berth_errx(err, EFBIG, "layer exceeds the limit of %llu bytes",
                          (unsigned long long)w->max_bytes);
}

/* Every entry of a through w (at most max_entries, 0: no limit); what names the stream. */
static int write_entries(struct archive *a, struct reader *rd, unpack_writer *w,
                         uint64_t max_entries, const char *what, berth_error *err)
{
        uint64_t entries = 0;
        for (;;) {
                struct archive_entry *e;
                int r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r < ARCHIVE_WARN) {
                        char msg[64];
                        snprintf(msg, sizeof(msg), "cannot read the %s", what);
                        return archive_fail(a, rd, err, msg);
                }
                if (max_entries && ++entries > max_entries)
                        return berth_errx(err, EFBIG, "%s has more than %llu entries", what,
                                          (unsigned long long)max_entries);
                if ((r = unpack_write_entry(w, a, e, err)) < 0)
                        return r;
        }
}

int berth_unpack_tar(int tar_fd, int dest_dirfd, const berth_unpack_opts *o,
                     berth_digest *ret_diff_id, uint64_t *ret_unpacked_bytes, berth_error *err)
{
        _cleanup_(source_freep) unpack_source *src = NULL;
        _cleanup_(archive_freep) struct archive *a = NULL;
        struct reader rd = {0};
        unpack_writer w;
        uint64_t max_entries = o ? o->max_entries : 0, data_bytes;
        int r;

        r = unpack_source_new(tar_fd, &src, err);
        if (r < 0)
                return r;
        rd.src = src;
        a = archive_read_new();
        if (a == NULL)
                return berth_errx(err, ENOMEM, "cannot start reading the layer");
        /* Tar only (ustar, pax, gnu: all that the tar reader knows), no filters:
         * decompression is ours (see unpack-source.c). An empty stream is an
         * empty layer. */
        archive_read_support_format_tar(a);
        archive_read_support_format_empty(a);
        if (archive_read_open(a, &rd, NULL, read_cb, NULL) != ARCHIVE_OK)
                return archive_fail(a, &rd, err, "layer is not a tar archive");

        unpack_writer_init(&w, dest_dirfd, o ? o->max_bytes : 0);
        if ((r = write_entries(a, &rd, &w, max_entries, "layer", err)) < 0)
                goto out;
        data_bytes = w.bytes;
        /* The diff id covers the whole stream: hash what follows the tar's end
         * (padding to the record size, or anything else). */
        for (;;) {
                const void *buf;
                ssize_t n = unpack_source_read(src, &buf, err);
                if (n < 0) {
                        r = (int)n;
                        goto out;
                }
                if (n == 0)
                        break;
                w.bytes += (uint64_t)n;
                if (w.max_bytes && w.bytes > w.max_bytes) {
                        r = over_limit(&w, err);
                        goto out;
                }
        }
        r = unpack_writer_finish(&w, err);
        if (r < 0)
                goto out;
        if (ret_diff_id)
                unpack_source_digest(src, ret_diff_id);
        if (ret_unpacked_bytes)
                *ret_unpacked_bytes = data_bytes;
        r = 0;
out:
        unpack_writer_done(&w);
        return r;
}

int berth_unpack_diff_id(int fd, berth_digest *ret_diff_id, uint64_t *ret_size, berth_error *err)
{
        _cleanup_(source_freep) unpack_source *src = NULL;
        int r = unpack_source_new(fd, &src, err);
        if (r < 0)
                return r;
        for (;;) {
                const void *buf;
                ssize_t n = unpack_source_read(src, &buf, err);
                if (n < 0)
                        return (int)n;
                if (n == 0)
                        break;
        }
        if (ret_size)
                *ret_size = unpack_source_total(src);
        if (ret_diff_id)
                unpack_source_digest(src, ret_diff_id);
        return 0;
}

/* A reader of a local archive for ADD: tar, with Docker's four compressions, decoded by
 * libarchive itself (a filter that would run an external program is refused). */
static int archive_reader(int fd, struct archive **ret, berth_error *err)
{
        int r = berth_libarchive_load(err);
        if (r < 0)
                return r;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return berth_err(err, errno, "cannot rewind the archive");
        struct archive *a = archive_read_new();
        if (a == NULL)
                return berth_errx(err, ENOMEM, "cannot start reading the archive");
        if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
            archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
            archive_read_support_filter_xz(a) != ARCHIVE_OK ||
            archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
            archive_read_support_format_tar(a) != ARCHIVE_OK) {
                archive_read_free(a);
                return berth_errx(err, ENOTSUP,
                                  "libarchive cannot decode gzip, bzip2, xz and zstd itself");
        }
        if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
                int e = archive_errno(a);
                archive_read_free(a);
                return berth_errx(err, e > 0 ? e : EIO, "cannot read the archive");
        }
        *ret = a;
        return 0;
}

int berth_unpack_archive_probe(int fd, berth_error *err)
{
        struct archive *a = NULL;
        berth_error open_err = {0};
        int r = berth_libarchive_load(err);
        if (r < 0)
                return r;
        r = archive_reader(fd, &a, &open_err);
        if (r == -ENOTSUP) {
                *err = open_err;
                return r;
        }
        if (r < 0) /* nothing libarchive can open: not an archive */
                return lseek(fd, 0, SEEK_SET) < 0 ? berth_err(err, errno, "cannot rewind") : 0;
        struct archive_entry *e;
        r = archive_read_next_header(a, &e);
        archive_read_free(a);
        if (lseek(fd, 0, SEEK_SET) < 0)
                return berth_err(err, errno, "cannot rewind the archive");
        return r == ARCHIVE_OK || r == ARCHIVE_WARN;
}

int berth_unpack_archive(int fd, int dest_dirfd, const berth_unpack_archive_opts *o,
                         berth_error *err)
{
        _cleanup_(archive_freep) struct archive *a = NULL;
        struct reader none = {0};
        unpack_writer w;
        int r = archive_reader(fd, &a, err);
        if (r < 0)
                return r;
        unpack_writer_init(&w, dest_dirfd, 0);
        w.plain_names = true;
        if (o) {
                w.set_owner = o->set_owner;
                w.owner_uid = o->uid;
                w.owner_gid = o->gid;
                w.epoch = o->epoch;
        }
        r = write_entries(a, &none, &w, 0, "archive", err);
        if (r == 0)
                r = unpack_writer_finish(&w, err);
        unpack_writer_done(&w);
        return r < 0 ? r : 0;
}
