/* SPDX-License-Identifier: Apache-2.0 */
/* The layer unpacking driver: byte source → libarchive (tar reader only) → entry writer. */
#include "base/cleanup.h"
#include "unpack-internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>

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

int berth_unpack_tar(int tar_fd, int dest_dirfd, const berth_unpack_opts *o,
                     berth_digest *ret_diff_id, uint64_t *ret_unpacked_bytes, berth_error *err)
{
        _cleanup_(source_freep) unpack_source *src = NULL;
        _cleanup_(archive_freep) struct archive *a = NULL;
        struct reader rd = {0};
        unpack_writer w;
        uint64_t max_entries = o ? o->max_entries : 0, entries = 0, data_bytes;
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
        for (;;) {
                struct archive_entry *e;
                r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN) {
                        r = archive_fail(a, &rd, err, "cannot read the layer");
                        goto out;
                }
                if (max_entries && ++entries > max_entries) {
                        r = berth_errx(err, EFBIG, "layer has more than %llu entries",
                                       (unsigned long long)max_entries);
                        goto out;
                }
                r = unpack_write_entry(&w, a, e, err);
                if (r < 0)
                        goto out;
        }
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
