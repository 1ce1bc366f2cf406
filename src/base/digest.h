/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Content digests, as image-spec writes them: "sha256:<64 lowercase hex>".
 * Only sha256 is accepted (as Docker does); anything else is refused by
 * berth_digest_parse() with a message naming the digest.
 *
 * A hasher is streamed: berth_hasher_new() → update()* → final(). It is
 * cheap (one EVP context) and freed with berth_hasher_free().
 */
#define BERTH_DIGEST_LEN 71 /* "sha256:" + 64 hex */

typedef struct berth_digest {
        char s[BERTH_DIGEST_LEN + 1]; /* "sha256:…", NUL-terminated */
} berth_digest;

/** Validate text as a sha256 digest and copy it to *ret. */
int berth_digest_parse(const char *text, berth_digest *ret, berth_error *err);
/** The 64 hex characters after "sha256:". */
static inline const char *berth_digest_hex(const berth_digest *d)
{
        return d->s + 7;
}
bool berth_digest_equal(const berth_digest *a, const berth_digest *b);

typedef struct berth_hasher berth_hasher;
berth_hasher *berth_hasher_new(void);
void berth_hasher_update(berth_hasher *h, const void *data, size_t len);
/** Finish into *ret; the hasher may not be updated again. */
void berth_hasher_final(berth_hasher *h, berth_digest *ret);
void berth_hasher_free(berth_hasher *h);

/** Digest of a buffer. */
void berth_digest_of(const void *data, size_t len, berth_digest *ret);
/** Digest of everything readable from fd (from its current offset); counts bytes. */
int berth_digest_fd(int fd, berth_digest *ret, uint64_t *ret_size, berth_error *err);
