/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the image reference parser: whatever parses prints a full form that parses back to itself.
 */
#include "image/reference.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *berth_fuzz_target_name = "fuzz-reference";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 4096)
                return 0;
        char *s = malloc(size + 1);
        if (s == NULL)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0'; /* an embedded NUL ends the reference, as in argv */

        berth_error err = {0};
        berth_ref ref = {0};
        if (berth_ref_parse(s, &ref, &err) == 0) {
                char *full = berth_ref_string(&ref);
                char *fam = berth_ref_familiar(&ref);
                char *repo = berth_ref_repository(&ref);
                berth_ref again = {0};
                /* The full form is canonical: it parses back to itself. The familiar
                 * form need not (Docker's "docker.io/a.b/c" shows as "a.b/c"). */
                if (berth_ref_parse(full, &again, &err) < 0)
                        abort();
                char *full2 = berth_ref_string(&again);
                if (strcmp(full, full2) != 0)
                        abort();
                if (strlen(fam) > strlen(full) || strlen(repo) > strlen(fam))
                        abort();
                free(full);
                free(full2);
                free(fam);
                free(repo);
                berth_ref_clear(&again);
        }
        berth_ref_clear(&ref);
        (void)berth_ref_looks_like_id(s);
        free(s);
        return 0;
}
