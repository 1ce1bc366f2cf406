/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decompressing, hashing byte source of a layer.
 *
 * Why decompress here rather than with libarchive's filters: the diff id is
 * the sha256 of the *uncompressed* tar stream, all of it, trailing bytes
 * included, and it must be computed while streaming (a layer is read once,
 * from a pipe or a blob). libarchive's read filters do not expose the bytes
 * they hand the tar reader, so we run zlib / libzstd ourselves, hash each
 * decompressed chunk as we pass it to libarchive (configured for plain tar
 * only), and after the tar's end-of-archive drain and hash the rest. Any
 * compression other than gzip and zstd is refused by its magic bytes.
 */
#include "base/cleanup.h"
#include "base/strutil.h"
#include "unpack-internal.h"

#include <errno.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define CHUNK (128 * 1024)

enum kind { PLAIN, GZIP, ZSTD };

struct unpack_source {
        int fd;
        enum kind kind;
        bool in_eof, out_eof, z_init;
        uint8_t *in, *out;
        size_t in_pos, in_len;
        z_stream z;
        ZSTD_DStream *zs;
        size_t zret; /* last ZSTD_decompressStream() result: 0 at a frame's end */
        berth_hasher *h;
        uint64_t total;
};

/* Refill the input buffer when it is drained; false at the end of the fd. */
static int fill(unpack_source *s, berth_error *err)
{
        if (s->in_pos < s->in_len)
                return 1;
        if (s->in_eof)
                return 0;
        ssize_t n;
        do
                n = read(s->fd, s->in, CHUNK);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return berth_err(err, errno, "cannot read the layer");
        s->in_pos = 0;
        s->in_len = (size_t)n;
        if (n == 0)
                s->in_eof = true;
        return n > 0;
}

static const struct {
        const char *name;
        const char *magic;
        size_t len;
} refused[] = {
    {"bzip2", "BZh", 3},
    {"xz",
     "\xfd"
     "7zXZ\0",
     6},
    {"lz4", "\x04\x22\x4d\x18", 4},
    {"lzip", "LZIP", 4},
    {"compress (.Z)", "\x1f\x9d", 2},
};

int unpack_source_new(int fd, unpack_source **ret, berth_error *err)
{
        unpack_source *s = berth_xmalloc0(sizeof(*s));
        s->fd = fd;
        s->in = berth_xmalloc0(CHUNK);
        s->out = berth_xmalloc0(CHUNK);
        s->h = berth_hasher_new();
        /* Sniff the magic: read until 6 bytes or the end. */
        while (s->in_len < 6 && !s->in_eof) {
                ssize_t n = read(fd, s->in + s->in_len, CHUNK - s->in_len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;
                        unpack_source_free(s);
                        return berth_err(err, e, "cannot read the layer");
                }
                if (n == 0)
                        s->in_eof = true;
                s->in_len += (size_t)n;
        }
        const uint8_t *m = s->in;
        if (s->in_len >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
                s->kind = GZIP;
                if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
                        unpack_source_free(s);
                        return berth_errx(err, ENOMEM, "cannot start gzip decompression");
                }
                s->z_init = true;
        } else if (s->in_len >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
                s->kind = ZSTD;
                s->zs = ZSTD_createDStream();
                if (s->zs == NULL || ZSTD_isError(ZSTD_initDStream(s->zs))) {
                        unpack_source_free(s);
                        return berth_errx(err, ENOMEM, "cannot start zstd decompression");
                }
        } else {
                for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
                        if (s->in_len >= refused[i].len &&
                            memcmp(m, refused[i].magic, refused[i].len) == 0) {
                                unpack_source_free(s);
                                return berth_errx(err, ENOTSUP,
                                                  "layer compression '%s' is not supported "
                                                  "(only gzip, zstd or none)",
                                                  refused[i].name);
                        }
                s->kind = PLAIN;
        }
        *ret = s;
        return 0;
}

static ssize_t read_gzip(unpack_source *s, berth_error *err)
{
        for (;;) {
                int r = fill(s, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return berth_errx(err, EIO, "gzip layer is truncated");
                s->z.next_in = s->in + s->in_pos;
                s->z.avail_in = (uInt)(s->in_len - s->in_pos);
                s->z.next_out = s->out;
                s->z.avail_out = CHUNK;
                int zr = inflate(&s->z, Z_NO_FLUSH);
                s->in_pos = s->in_len - s->z.avail_in;
                size_t got = CHUNK - s->z.avail_out;
                if (zr == Z_STREAM_END) {
                        /* Another gzip member may follow (pigz, concatenated
                         * streams); anything else after the end is ignored. */
                        r = fill(s, err);
                        if (r < 0)
                                return r;
                        if (r > 0 && s->in[s->in_pos] == 0x1f)
                                inflateReset(&s->z);
                        else
                                s->out_eof = true;
                } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
                        return berth_errx(err, EIO, "gzip layer is corrupt: %s",
                                          s->z.msg ? s->z.msg : "inflate failed");
                }
                if (got > 0 || s->out_eof)
                        return (ssize_t)got;
        }
}

static ssize_t read_zstd(unpack_source *s, berth_error *err)
{
        for (;;) {
                int r = fill(s, err);
                if (r < 0)
                        return r;
                if (r == 0) {
                        if (s->zret != 0)
                                return berth_errx(err, EIO, "zstd layer is truncated");
                        s->out_eof = true;
                        return 0;
                }
                ZSTD_inBuffer in = {s->in, s->in_len, s->in_pos};
                ZSTD_outBuffer out = {s->out, CHUNK, 0};
                s->zret = ZSTD_decompressStream(s->zs, &out, &in);
                if (ZSTD_isError(s->zret))
                        return berth_errx(err, EIO, "zstd layer is corrupt: %s",
                                          ZSTD_getErrorName(s->zret));
                s->in_pos = in.pos;
                if (out.pos > 0)
                        return (ssize_t)out.pos;
        }
}

ssize_t unpack_source_read(unpack_source *s, const void **ret_buf, berth_error *err)
{
        ssize_t n;
        if (s->out_eof)
                return 0;
        if (s->kind == PLAIN) {
                int r = fill(s, err);
                if (r < 0)
                        return r;
                n = (ssize_t)(s->in_len - s->in_pos);
                *ret_buf = s->in + s->in_pos;
                s->in_pos = s->in_len;
                if (n == 0)
                        s->out_eof = true;
        } else {
                n = s->kind == GZIP ? read_gzip(s, err) : read_zstd(s, err);
                if (n < 0)
                        return n;
                *ret_buf = s->out;
        }
        berth_hasher_update(s->h, *ret_buf, (size_t)n);
        s->total += (uint64_t)n;
        return n;
}

uint64_t unpack_source_total(const unpack_source *s)
{
        return s->total;
}

void unpack_source_digest(unpack_source *s, berth_digest *ret)
{
        berth_hasher_final(s->h, ret);
}

void unpack_source_free(unpack_source *s)
{
        if (s == NULL)
                return;
        if (s->z_init)
                inflateEnd(&s->z);
        ZSTD_freeDStream(s->zs);
        berth_hasher_free(s->h);
        free(s->in);
        free(s->out);
        free(s);
}
