/* SPDX-License-Identifier: Apache-2.0 */
/* The libarchive functions berth uses, each a call into libarchive loaded on
 * first use (base/lazylib.h says why). */
#include "base/lazylib.h"
#include "image/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

BERTH_LAZYLIB_DEFINE(ar_lib, "libarchive.so.13", "tar archives");

int berth_libarchive_load(berth_error *err)
{
        return berth_lazylib_load(&ar_lib, err);
}

typedef struct archive A;
typedef struct archive_entry E;

/* archives */
BERTH_LAZY_FN(ar_lib, A *, archive_read_new, (void), ())
BERTH_LAZY_FN(ar_lib, A *, archive_write_new, (void), ())
BERTH_LAZY_FN(ar_lib, int, archive_read_free, (A * a), (a))
BERTH_LAZY_FN(ar_lib, int, archive_write_free, (A * a), (a))
BERTH_LAZY_FN(ar_lib, int, archive_errno, (A * a), (a))
BERTH_LAZY_FN(ar_lib, const char *, archive_error_string, (A * a), (a))
BERTH_LAZY_FN(ar_lib, int, archive_read_support_filter_all, (A * a), (a))
BERTH_LAZY_FN(ar_lib, int, archive_read_support_filter_bzip2, (A * a), (a))
BERTH_LAZY_FN(ar_lib, int, archive_read_support_filter_gzip, (A * a), (a))
BERTH_LAZY_FN(ar_lib, int, archive_read_support_filter_xz, (A * a), (a))
BERTH_LAZY_FN(ar_lib, int, archive_read_support_filter_zstd, (A * a), (a))
BERTH_LAZY_FN(ar_lib, int, archive_read_support_format_empty, (A * a), (a))
BERTH_LAZY_FN(ar_lib, int, archive_read_support_format_tar, (A * a), (a))
BERTH_LAZY_FN(ar_lib, int, archive_read_open,
              (A * a, void *data, archive_open_callback *o, archive_read_callback *r,
               archive_close_callback *c),
              (a, data, o, r, c))
BERTH_LAZY_FN(ar_lib, int, archive_read_open_fd, (A * a, int fd, size_t block), (a, fd, block))
BERTH_LAZY_FN(ar_lib, int, archive_read_next_header, (A * a, E **e), (a, e))
BERTH_LAZY_FN(ar_lib, int, archive_read_data_block,
              (A * a, const void **buf, size_t *size, la_int64_t *off), (a, buf, size, off))
BERTH_LAZY_FN(ar_lib, int, archive_read_data_skip, (A * a), (a))
BERTH_LAZY_FN(ar_lib, int, archive_write_open2,
              (A * a, void *data, archive_open_callback *o, archive_write_callback *w,
               archive_close_callback *c, archive_free_callback *f),
              (a, data, o, w, c, f))
BERTH_LAZY_FN(ar_lib, int, archive_write_open_fd, (A * a, int fd), (a, fd))
BERTH_LAZY_FN(ar_lib, int, archive_write_set_format_pax_restricted, (A * a), (a))
BERTH_LAZY_FN(ar_lib, int, archive_write_set_bytes_per_block, (A * a, int n), (a, n))
BERTH_LAZY_FN(ar_lib, int, archive_write_set_bytes_in_last_block, (A * a, int n), (a, n))
BERTH_LAZY_FN(ar_lib, int, archive_write_header, (A * a, E *e), (a, e))
BERTH_LAZY_FN(ar_lib, la_ssize_t, archive_write_data, (A * a, const void *buf, size_t n),
              (a, buf, n))
BERTH_LAZY_FN(ar_lib, int, archive_write_close, (A * a), (a))

BERTH_LAZY_NAME(ar_lib, archive_set_error);
void archive_set_error(A *a, int code, const char *fmt, ...)
{
        static void *slot;
        void *q = berth_lazylib_slot(&ar_lib, &slot, "archive_set_error");
        void (*fn)(A *, int, const char *, ...);
        memcpy(&fn, &q, sizeof(fn));
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        fn(a, code, "%s", msg);
}

/* entries */
BERTH_LAZY_FN(ar_lib, E *, archive_entry_new, (void), ())
BERTH_LAZY_VOID(ar_lib, archive_entry_free, (E * e), (e))
BERTH_LAZY_FN(ar_lib, const char *, archive_entry_pathname, (E * e), (e))
BERTH_LAZY_FN(ar_lib, const char *, archive_entry_pathname_utf8, (E * e), (e))
BERTH_LAZY_FN(ar_lib, const char *, archive_entry_hardlink, (E * e), (e))
BERTH_LAZY_FN(ar_lib, const char *, archive_entry_symlink, (E * e), (e))
BERTH_LAZY_FN(ar_lib, __LA_MODE_T, archive_entry_filetype, (E * e), (e))
BERTH_LAZY_FN(ar_lib, __LA_MODE_T, archive_entry_perm, (E * e), (e))
BERTH_LAZY_FN(ar_lib, la_int64_t, archive_entry_uid, (E * e), (e))
BERTH_LAZY_FN(ar_lib, la_int64_t, archive_entry_gid, (E * e), (e))
BERTH_LAZY_FN(ar_lib, la_int64_t, archive_entry_size, (E * e), (e))
BERTH_LAZY_FN(ar_lib, int, archive_entry_size_is_set, (E * e), (e))
BERTH_LAZY_FN(ar_lib, time_t, archive_entry_mtime, (E * e), (e))
BERTH_LAZY_FN(ar_lib, long, archive_entry_mtime_nsec, (E * e), (e))
BERTH_LAZY_FN(ar_lib, time_t, archive_entry_atime, (E * e), (e))
BERTH_LAZY_FN(ar_lib, long, archive_entry_atime_nsec, (E * e), (e))
BERTH_LAZY_FN(ar_lib, int, archive_entry_atime_is_set, (E * e), (e))
BERTH_LAZY_FN(ar_lib, dev_t, archive_entry_rdevmajor, (E * e), (e))
BERTH_LAZY_FN(ar_lib, dev_t, archive_entry_rdevminor, (E * e), (e))
BERTH_LAZY_VOID(ar_lib, archive_entry_set_pathname, (E * e, const char *s), (e, s))
BERTH_LAZY_VOID(ar_lib, archive_entry_set_hardlink, (E * e, const char *s), (e, s))
BERTH_LAZY_VOID(ar_lib, archive_entry_set_symlink, (E * e, const char *s), (e, s))
BERTH_LAZY_VOID(ar_lib, archive_entry_set_filetype, (E * e, unsigned int t), (e, t))
BERTH_LAZY_VOID(ar_lib, archive_entry_set_perm, (E * e, __LA_MODE_T m), (e, m))
BERTH_LAZY_VOID(ar_lib, archive_entry_set_uid, (E * e, la_int64_t v), (e, v))
BERTH_LAZY_VOID(ar_lib, archive_entry_set_gid, (E * e, la_int64_t v), (e, v))
BERTH_LAZY_VOID(ar_lib, archive_entry_set_size, (E * e, la_int64_t v), (e, v))
BERTH_LAZY_VOID(ar_lib, archive_entry_set_mtime, (E * e, time_t s, long ns), (e, s, ns))
BERTH_LAZY_VOID(ar_lib, archive_entry_set_rdevmajor, (E * e, dev_t v), (e, v))
BERTH_LAZY_VOID(ar_lib, archive_entry_set_rdevminor, (E * e, dev_t v), (e, v))
BERTH_LAZY_VOID(ar_lib, archive_entry_xattr_add_entry,
                (E * e, const char *name, const void *value, size_t size), (e, name, value, size))
BERTH_LAZY_FN(ar_lib, int, archive_entry_xattr_reset, (E * e), (e))
BERTH_LAZY_FN(ar_lib, int, archive_entry_xattr_next,
              (E * e, const char **name, const void **value, size_t *size), (e, name, value, size))
