/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the OCI config parser: the input is tried as config.json, process.json and resources. */
#include "oci/spec.h"

#include <stddef.h>
#include <stdint.h>

const char *berth_fuzz_target_name = "fuzz-oci-spec";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        berth_error err = {0};
        const char *text = (const char *)data;

        oci_spec *s = berth_oci_spec_parse(text, size, &err);
        if (s) {
                /* Walk what the runtime would look at. */
                for (int t = 0; t < OCI_NS_COUNT; t++)
                        (void)berth_oci_spec_namespace(s, t);
        }
        berth_oci_spec_free(s);
        berth_oci_process_free(berth_oci_process_parse(text, size, &err));
        berth_oci_resources_free(berth_oci_resources_parse(text, size, &err));
        return 0;
}
