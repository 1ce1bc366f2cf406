/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdarg.h>

/**
 * berth_error: what went wrong, for the caller to print or wrap.
 *
 * A library function that fails returns a negative errno (or NULL) and
 * fills *err. Messages are lowercase and say what failed on what:
 * "cannot open layer 'sha256:…': No such file or directory". Callers add
 * context in front with berth_wrap(). Library code never prints.
 *
 * The message lives inside the struct: no allocation, nothing to free.
 * A zeroed struct is "no error".
 */
typedef struct berth_error {
        int code;       /* positive errno-style code, 0 when no error */
        char msg[2048]; /* full message, including wrapped context */
} berth_error;

/** Set *err to "<fmt>: strerror(errnum)"; returns -errnum (-EIO if errnum is 0). */
int berth_err(berth_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Set *err to "<fmt>" without strerror; returns -errnum (-EINVAL if errnum is 0). */
int berth_errx(berth_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** The callee's own -errno from err (so a caller keeps the cause: a busy database is not a
 * missing container), or fallback when err is NULL or says nothing. */
static inline int berth_error_rc(const berth_error *err, int fallback)
{
        return err && err->code > 0 ? -err->code : fallback;
}

/** Prefix the current message with "<fmt>: "; returns -err->code. */
int berth_wrap(berth_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Reset to "no error". */
void berth_error_clear(berth_error *err);
