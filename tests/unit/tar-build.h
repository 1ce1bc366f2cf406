/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Building exact test layers with libarchive's writer: a list of entries
 * (name, type, mode, owner, content, link target, xattr, device numbers,
 * sparse size) becomes a pax tar, optionally gzip or zstd, in a memfd.
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct tent {
        const char *name;
        char type; /* f file, d dir, l symlink, h hard link, c char, b block, p fifo */
        mode_t mode;
        const char *data; /* file content (NUL-terminated) */
        const char *link; /* symlink or hard link target */
        int uid, gid;
        long long mtime;
        const char *xname, *xvalue; /* one xattr */
        size_t xlen;
        unsigned maj, min;
        size_t sparse; /* sparse file of this size: 4 KiB of 'S' at 0 and at the end */
        size_t zeros;  /* a file of this many zero bytes */
} tent;

enum { TAR_PLAIN, TAR_GZIP, TAR_ZSTD };

/* A memfd holding the tar, positioned at 0; -1 on failure. */
static inline int tar_build(const tent *ents, size_t n, int filter)
{
        int fd = memfd_create("layer", MFD_CLOEXEC);
        struct archive *a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        if (filter == TAR_GZIP) {
                archive_write_add_filter_gzip(a);
                archive_write_set_filter_option(a, "gzip", "compression-level", "1");
        } else if (filter == TAR_ZSTD) {
                archive_write_add_filter_zstd(a);
        }
        if (archive_write_open_fd(a, fd) != ARCHIVE_OK)
                goto fail;
        for (size_t i = 0; i < n; i++) {
                const tent *t = &ents[i];
                struct archive_entry *e = archive_entry_new();
                archive_entry_set_pathname(e, t->name);
                archive_entry_set_uid(e, t->uid);
                archive_entry_set_gid(e, t->gid);
                archive_entry_set_mtime(e, t->mtime ? t->mtime : 1700000000, 0);
                mode_t perm = t->mode ? t->mode : (t->type == 'd' ? 0755 : 0644);
                size_t size = 0;
                switch (t->type) {
                case 'd':
                        archive_entry_set_filetype(e, AE_IFDIR);
                        break;
                case 'l':
                        archive_entry_set_filetype(e, AE_IFLNK);
                        archive_entry_set_symlink(e, t->link);
                        perm = 0777;
                        break;
                case 'h':
                        archive_entry_set_filetype(e, AE_IFREG);
                        archive_entry_set_hardlink(e, t->link);
                        break;
                case 'c':
                case 'b':
                        archive_entry_set_filetype(e, t->type == 'c' ? AE_IFCHR : AE_IFBLK);
                        archive_entry_set_rdevmajor(e, t->maj);
                        archive_entry_set_rdevminor(e, t->min);
                        break;
                case 'p':
                        archive_entry_set_filetype(e, AE_IFIFO);
                        break;
                default:
                        archive_entry_set_filetype(e, AE_IFREG);
                        size = t->sparse  ? t->sparse
                               : t->zeros ? t->zeros
                               : t->data  ? strlen(t->data)
                                          : 0;
                        archive_entry_set_size(e, (la_int64_t)size);
                        if (t->sparse) {
                                archive_entry_sparse_add_entry(e, 0, 4096);
                                archive_entry_sparse_add_entry(e, (la_int64_t)t->sparse - 4096,
                                                               4096);
                        }
                }
                archive_entry_set_perm(e, perm);
                if (t->xname)
                        archive_entry_xattr_add_entry(e, t->xname, t->xvalue,
                                                      t->xlen ? t->xlen : strlen(t->xvalue));
                int r = archive_write_header(a, e);
                archive_entry_free(e);
                if (r != ARCHIVE_OK)
                        goto fail;
                if (t->sparse || t->zeros) {
                        size_t chunk = 1 << 20;
                        char *buf = calloc(1, chunk);
                        for (size_t off = 0; off < size; off += chunk) {
                                size_t len = size - off < chunk ? size - off : chunk;
                                memset(buf, 0, chunk);
                                if (t->sparse) {
                                        for (size_t j = 0; j < len; j++)
                                                if (off + j < 4096 || off + j >= size - 4096)
                                                        buf[j] = 'S';
                                }
                                archive_write_data(a, buf, len);
                        }
                        free(buf);
                } else if (size) {
                        archive_write_data(a, t->data, size);
                }
        }
        if (archive_write_close(a) != ARCHIVE_OK)
                goto fail;
        archive_write_free(a);
        lseek(fd, 0, SEEK_SET);
        return fd;
fail:
        archive_write_free(a);
        close(fd);
        return -1;
}

/* A memfd with the given bytes, positioned at 0. */
static inline int bytes_fd(const void *data, size_t len)
{
        int fd = memfd_create("raw", MFD_CLOEXEC);
        if (write(fd, data, len) != (ssize_t)len) {
                close(fd);
                return -1;
        }
        lseek(fd, 0, SEEK_SET);
        return fd;
}
