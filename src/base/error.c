/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int set(berth_error *err, int errnum, int def, int with_strerror, const char *fmt,
               va_list ap)
{
        int code = errnum > 0 ? errnum : def;
        if (err == NULL)
                return -code;
        int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        if (with_strerror && errnum > 0 && n >= 0 && (size_t)n < sizeof(err->msg))
                snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
        err->code = code;
        return -code;
}

int berth_err(berth_error *err, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = set(err, errnum, EIO, 1, fmt, ap);
        va_end(ap);
        return r;
}

int berth_errx(berth_error *err, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = set(err, errnum, EINVAL, 0, fmt, ap);
        va_end(ap);
        return r;
}

int berth_wrap(berth_error *err, const char *fmt, ...)
{
        if (err == NULL)
                return -EIO;
        char prefix[1024];
        char old[sizeof(err->msg)];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        memcpy(old, err->msg, sizeof(old));
        size_t plen = strnlen(prefix, sizeof(prefix) - 1);
        memcpy(err->msg, prefix, plen);
        memcpy(err->msg + plen, ": ", 2);
        size_t rest = sizeof(err->msg) - plen - 3;
        size_t olen = strnlen(old, rest);
        memcpy(err->msg + plen + 2, old, olen);
        err->msg[plen + 2 + olen] = '\0';
        if (err->code == 0)
                err->code = EIO;
        return -err->code;
}

void berth_error_clear(berth_error *err)
{
        if (err == NULL)
                return;
        err->code = 0;
        err->msg[0] = '\0';
}
