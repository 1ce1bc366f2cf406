/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's detach key sequences: parsed once, matched on an attach stream's input. */
#include "engine/detach-keys.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>

/* One item: its byte, or -1 when it names no key. */
static int key_byte(const char *k, size_t len)
{
        if (len == 1)
                return (unsigned char)k[0];
        if (len == 3 && memcmp(k, "DEL", 3) == 0)
                return 127;
        if (len != 6 || memcmp(k, "ctrl-", 5) != 0)
                return -1;
        char c = k[5];
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 1;
        if (c == '@')
                return 0;
        if (c >= '[' && c <= '_')
                return c - '[' + 27;
        return -1;
}

int berth_detach_keys_parse(const char *spec, berth_detach_keys *ret, char **ret_unknown,
                            berth_error *err)
{
        const char *s = spec && *spec ? spec : BERTH_DETACH_KEYS_DEFAULT;
        berth_detach_keys k = {0};
        for (const char *p = s;;) {
                size_t len = strcspn(p, ",");
                int b = key_byte(p, len);
                if (b < 0 || k.len == BERTH_DETACH_KEYS_MAX) {
                        if (ret_unknown)
                                *ret_unknown = berth_xasprintf("%.*s", (int)len, p);
                        return berth_errx(err, EINVAL, "Invalid detach keys (%s) provided", s);
                }
                k.seq[k.len++] = (unsigned char)b;
                if (p[len] == '\0')
                        break;
                p += len + 1;
        }
        *ret = k;
        return 0;
}

bool berth_detach_keys_feed(berth_detach_keys *k, const void *in, size_t n, void *out,
                            size_t *ret_len)
{
        const unsigned char *b = in;
        unsigned char *o = out;
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
                if (k->len > 0 && b[i] == k->seq[k->matched]) {
                        if (++k->matched == k->len) {
                                k->matched = 0;
                                *ret_len = len;
                                return true;
                        }
                        continue;
                }
                /* a broken start: what was held goes on, and this byte may start anew */
                memcpy(o + len, k->seq, k->matched);
                len += k->matched;
                k->matched = 0;
                if (k->len > 0 && b[i] == k->seq[0])
                        k->matched = 1;
                else
                        o[len++] = b[i];
        }
        *ret_len = len;
        return false;
}
