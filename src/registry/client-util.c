/* SPDX-License-Identifier: Apache-2.0 */
/* Small pieces of the registry client: base64, names, URLs. */
#include "base/cleanup.h"
#include "base/digest.h"
#include "base/strutil.h"
#include "registry/client-internal.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *reg_base64_encode(const void *data, size_t len)
{
        const unsigned char *p = data;
        char *out = berth_xmalloc0((len + 2) / 3 * 4 + 1);
        char *o = out;
        size_t i = 0;
        for (; i + 2 < len; i += 3) {
                *o++ = b64[p[i] >> 2];
                *o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
                *o++ = b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
                *o++ = b64[p[i + 2] & 63];
        }
        if (i < len) {
                *o++ = b64[p[i] >> 2];
                if (i + 1 < len) {
                        *o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
                        *o++ = b64[(p[i + 1] & 15) << 2];
                } else {
                        *o++ = b64[(p[i] & 3) << 4];
                        *o++ = '=';
                }
                *o++ = '=';
        }
        *o = '\0';
        return out;
}

static int b64_value(char c)
{
        const char *p = c ? strchr(b64, c) : NULL;
        return p ? (int)(p - b64) : -1;
}

int reg_base64_decode(const char *s, char **ret, size_t *ret_len)
{
        size_t n = strlen(s);
        /* docker writes padded base64; tolerate a missing padding as Go's decoders do not,
         * but nothing else (whitespace, other alphabets) */
        _cleanup_free_ char *out = berth_xmalloc0(n / 4 * 3 + 4);
        size_t o = 0, k = 0;
        unsigned acc = 0;
        size_t i = 0;
        for (; i < n && s[i] != '='; i++) {
                int v = b64_value(s[i]);
                if (v < 0)
                        return -EINVAL;
                acc = (acc << 6) | (unsigned)v;
                if (++k == 4) {
                        out[o++] = (char)(acc >> 16);
                        out[o++] = (char)(acc >> 8);
                        out[o++] = (char)acc;
                        acc = 0;
                        k = 0;
                }
        }
        size_t pad = 0;
        for (; i < n; i++) {
                if (s[i] != '=')
                        return -EINVAL;
                pad++;
        }
        if (k == 1 || pad > 2 || (pad > 0 && (k + pad) != 4))
                return -EINVAL;
        if (k == 2) {
                out[o++] = (char)(acc >> 4);
        } else if (k == 3) {
                out[o++] = (char)(acc >> 10);
                out[o++] = (char)(acc >> 2);
        }
        out[o] = '\0';
        if (ret_len)
                *ret_len = o;
        *ret = TAKE_PTR(out);
        return 0;
}

bool reg_valid_repo(const char *repo)
{
        size_t n = strlen(repo);
        if (n == 0 || n > 255 || repo[0] == '/' || repo[n - 1] == '/')
                return false;
        const char *comp = repo;
        for (const char *p = repo;; p++) {
                if (*p == '/' || *p == '\0') {
                        size_t len = (size_t)(p - comp);
                        /* a component starts and ends with [a-z0-9] */
                        if (len == 0 || !isalnum((unsigned char)comp[0]) ||
                            !isalnum((unsigned char)p[-1]))
                                return false;
                        if (*p == '\0')
                                return true;
                        comp = p + 1;
                        continue;
                }
                if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' ||
                      *p == '_' || *p == '-'))
                        return false;
        }
}

bool reg_valid_ref(const char *ref)
{
        berth_digest d;
        if (strchr(ref, ':'))
                return berth_digest_parse(ref, &d, NULL) == 0;
        size_t n = strlen(ref);
        if (n == 0 || n > 128 || !(isalnum((unsigned char)ref[0]) || ref[0] == '_'))
                return false;
        for (const char *p = ref; *p; p++)
                if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-'))
                        return false;
        return true;
}

static CURLU *url_parse(const char *url)
{
        CURLU *u = curl_url();
        if (u == NULL)
                abort();
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
                curl_url_cleanup(u);
                return NULL;
        }
        return u;
}

static bool url_is_http(CURLU *u)
{
        char *scheme = NULL;
        bool ok = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
                  (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0);
        curl_free(scheme);
        return ok;
}

static char *url_string(CURLU *u)
{
        char *s = NULL;
        if (curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK)
                return NULL;
        char *out = berth_xstrdup(s);
        curl_free(s);
        return out;
}

char *reg_url_resolve(const char *base, const char *location)
{
        CURLU *u = url_parse(base);
        if (u == NULL)
                return NULL;
        char *out = NULL;
        /* a relative URL set on a CURLU that holds one is resolved against it */
        if (curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK && url_is_http(u))
                out = url_string(u);
        curl_url_cleanup(u);
        return out;
}

char *reg_url_add_query(const char *url, const char *key, const char *value)
{
        CURLU *u = url_parse(url);
        if (u == NULL)
                return NULL;
        _cleanup_free_ char *kv = berth_xasprintf("%s=%s", key, value);
        char *out = NULL;
        if (curl_url_set(u, CURLUPART_QUERY, kv, CURLU_APPENDQUERY | CURLU_URLENCODE) == CURLUE_OK)
                out = url_string(u);
        curl_url_cleanup(u);
        return out;
}

bool reg_same_origin(const char *a, const char *b)
{
        CURLU *ua = url_parse(a), *ub = url_parse(b);
        bool same = false;
        if (ua && ub) {
                same = true;
                const CURLUPart parts[] = {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT};
                for (size_t i = 0; same && i < ARRAY_SIZE(parts); i++) {
                        char *x = NULL, *y = NULL;
                        if (curl_url_get(ua, parts[i], &x, CURLU_DEFAULT_PORT) != CURLUE_OK ||
                            curl_url_get(ub, parts[i], &y, CURLU_DEFAULT_PORT) != CURLUE_OK ||
                            strcasecmp(x, y) != 0)
                                same = false;
                        curl_free(x);
                        curl_free(y);
                }
        }
        curl_url_cleanup(ua);
        curl_url_cleanup(ub);
        return same;
}
