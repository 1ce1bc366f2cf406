/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/cgroup-internal.h"

#include <errno.h>

int cg_v2_devices_apply(const char *dir, const oci_device_rule *rules, size_t n, berth_error *err)
{
        (void)rules;
        (void)n;
        return berth_errx(err, ENOTSUP, "device rules on '%s': not implemented", dir);
}
