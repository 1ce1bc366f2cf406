/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz what the registry client reads from the network before it trusts it:
 * the input is tried as a WWW-Authenticate header, a registry's JSON error
 * body, base64 (a credentials file's "auth"), a repository name and a
 * reference, and a Location to resolve. Decoded base64 must encode back to
 * bytes that decode the same; every parsed challenge has a scheme and as
 * many values as keys; a resolved Location is an http(s) URL.
 */
#include "base/strutil.h"
#include "registry/client-internal.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *berth_fuzz_target_name = "fuzz-registry";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = strndup((const char *)data, size);
        if (text == NULL)
                return 0;

        reg_challenge **list = NULL;
        (void)reg_parse_challenges(text, &list);
        for (reg_challenge **c = list; c && *c; c++) {
                if ((*c)->scheme == NULL || *(*c)->scheme == '\0' ||
                    berth_strv_length((*c)->keys) != berth_strv_length((*c)->values))
                        abort();
                (void)reg_challenge_param(*c, "realm");
        }
        reg_challenges_free(list);

        free(reg_error_messages((const char *)data, size));

        char *dec = NULL;
        size_t len = 0;
        if (reg_base64_decode(text, &dec, &len) == 0) {
                char *enc = reg_base64_encode(dec, len);
                char *dec2 = NULL;
                size_t len2 = 0;
                if (reg_base64_decode(enc, &dec2, &len2) < 0 || len2 != len ||
                    memcmp(dec, dec2, len) != 0)
                        abort();
                free(enc);
                free(dec2);
                free(dec);
        }

        (void)reg_valid_repo(text);
        (void)reg_valid_ref(text);
        char *u = reg_url_resolve("https://registry.example:5000/v2/app/blobs/uploads/", text);
        if (u && strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
                abort();
        free(u);
        free(text);
        return 0;
}
