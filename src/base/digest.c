/* SPDX-License-Identifier: Apache-2.0 */
#include "digest.h"
#include "strutil.h"

/* OpenSSL's low-level SHA-256 (deprecated in 3.0, still there): the same
 * assembly as EVP's, without EVP's first-use cost of loading the library
 * configuration and registering every algorithm (~0.5 ms of each command). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct berth_hasher {
        SHA256_CTX ctx;
};

int berth_digest_parse(const char *text, berth_digest *ret, berth_error *err)
{
        if (text == NULL || strncmp(text, "sha256:", 7) != 0)
                return berth_errx(err, EINVAL, "invalid digest '%s': only sha256 is supported",
                                  text ? text : "");
        const char *hex = text + 7;
        size_t n = strlen(hex);
        if (n != 64)
                return berth_errx(err, EINVAL, "invalid digest '%s': want 64 hex characters", text);
        for (size_t i = 0; i < n; i++) {
                char c = hex[i];
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                        return berth_errx(err, EINVAL, "invalid digest '%s': not lowercase hex",
                                          text);
        }
        memcpy(ret->s, text, BERTH_DIGEST_LEN);
        ret->s[BERTH_DIGEST_LEN] = '\0';
        return 0;
}

bool berth_digest_equal(const berth_digest *a, const berth_digest *b)
{
        return strcmp(a->s, b->s) == 0;
}

berth_hasher *berth_hasher_new(void)
{
        berth_hasher *h = berth_xmalloc0(sizeof(*h));
        SHA256_Init(&h->ctx);
        return h;
}

void berth_hasher_update(berth_hasher *h, const void *data, size_t len)
{
        SHA256_Update(&h->ctx, data, len);
}

void berth_hasher_final(berth_hasher *h, berth_digest *ret)
{
        unsigned char md[SHA256_DIGEST_LENGTH];
        SHA256_Final(md, &h->ctx);
        memcpy(ret->s, "sha256:", 7);
        for (unsigned i = 0; i < 32; i++)
                snprintf(ret->s + 7 + 2 * i, 3, "%02x", md[i]);
}

void berth_hasher_free(berth_hasher *h)
{
        if (h == NULL)
                return;
        free(h);
}

void berth_digest_of(const void *data, size_t len, berth_digest *ret)
{
        berth_hasher *h = berth_hasher_new();
        berth_hasher_update(h, data, len);
        berth_hasher_final(h, ret);
        berth_hasher_free(h);
}

int berth_digest_fd(int fd, berth_digest *ret, uint64_t *ret_size, berth_error *err)
{
        berth_hasher *h = berth_hasher_new();
        char buf[65536];
        uint64_t total = 0;
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;
                        berth_hasher_free(h);
                        return berth_err(err, e, "cannot read while hashing");
                }
                if (n == 0)
                        break;
                berth_hasher_update(h, buf, (size_t)n);
                total += (uint64_t)n;
        }
        berth_hasher_final(h, ret);
        berth_hasher_free(h);
        if (ret_size)
                *ret_size = total;
        return 0;
}
