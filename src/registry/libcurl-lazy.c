/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libcurl functions berth uses, each a call into libcurl loaded on first
 * use (base/lazylib.h says why). The two variadic ones take their one
 * argument by the type the option or info code says (curl's own rule).
 */
#define CURL_DISABLE_TYPECHECK /* curl_easy_setopt and _getinfo as plain functions */
#include "base/lazylib.h"
#include "registry/client.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <string.h>

BERTH_LAZYLIB_DEFINE(curl_lib, "libcurl.so.4", "registries");

int berth_libcurl_load(berth_error *err)
{
        return berth_lazylib_load(&curl_lib, err);
}

BERTH_LAZY_FN(curl_lib, CURLcode, curl_global_init, (long flags), (flags))
BERTH_LAZY_FN(curl_lib, CURL *, curl_easy_init, (void), ())
BERTH_LAZY_FN(curl_lib, CURLcode, curl_easy_perform, (CURL * h), (h))
BERTH_LAZY_VOID(curl_lib, curl_easy_cleanup, (CURL * h), (h))
BERTH_LAZY_VOID(curl_lib, curl_easy_reset, (CURL * h), (h))
BERTH_LAZY_FN(curl_lib, const char *, curl_easy_strerror, (CURLcode c), (c))
BERTH_LAZY_VOID(curl_lib, curl_free, (void *p), (p))
BERTH_LAZY_FN(curl_lib, struct curl_slist *, curl_slist_append,
              (struct curl_slist * l, const char *s), (l, s))
BERTH_LAZY_VOID(curl_lib, curl_slist_free_all, (struct curl_slist * l), (l))
BERTH_LAZY_FN(curl_lib, CURLU *, curl_url, (void), ())
BERTH_LAZY_VOID(curl_lib, curl_url_cleanup, (CURLU * u), (u))
BERTH_LAZY_FN(curl_lib, CURLUcode, curl_url_get,
              (CURLU * u, CURLUPart what, char **part, unsigned int flags), (u, what, part, flags))
BERTH_LAZY_FN(curl_lib, CURLUcode, curl_url_set,
              (CURLU * u, CURLUPart what, const char *part, unsigned int flags),
              (u, what, part, flags))

typedef void (*any_fn)(void);

BERTH_LAZY_NAME(curl_lib, curl_easy_setopt);
CURLcode curl_easy_setopt(CURL *h, CURLoption o, ...)
{
        static void *slot;
        void *q = berth_lazylib_slot(&curl_lib, &slot, "curl_easy_setopt");
        CURLcode (*fn)(CURL *, CURLoption, ...);
        memcpy(&fn, &q, sizeof(fn));
        va_list ap;
        va_start(ap, o);
        CURLcode r;
        /* curl.h: LONG < 10000 ≤ OBJECTPOINT/STRINGPOINT/SLISTPOINT < 20000 ≤
         * FUNCTIONPOINT < 30000 ≤ OFF_T < 40000 ≤ BLOB */
        if (o < CURLOPTTYPE_OBJECTPOINT)
                r = fn(h, o, va_arg(ap, long));
        else if (o < CURLOPTTYPE_FUNCTIONPOINT)
                r = fn(h, o, va_arg(ap, void *));
        else if (o < CURLOPTTYPE_OFF_T)
                r = fn(h, o, va_arg(ap, any_fn));
        else if (o < CURLOPTTYPE_BLOB)
                r = fn(h, o, va_arg(ap, curl_off_t));
        else
                r = fn(h, o, va_arg(ap, void *));
        va_end(ap);
        return r;
}

BERTH_LAZY_NAME(curl_lib, curl_easy_getinfo);
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
        static void *slot;
        void *q = berth_lazylib_slot(&curl_lib, &slot, "curl_easy_getinfo");
        CURLcode (*fn)(CURL *, CURLINFO, ...);
        memcpy(&fn, &q, sizeof(fn));
        va_list ap;
        va_start(ap, info);
        /* every CURLINFO_* type is returned through a pointer */
        CURLcode r = fn(h, info, va_arg(ap, void *));
        va_end(ap);
        return r;
}
