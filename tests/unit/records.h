/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "engine/containers.h"

/** A plain container record for a test: id and name, image busybox, an empty body. */
static inline int test_insert_container(berth_db *db, const char *id, const char *name,
                                        berth_error *err)
{
        berth_container c = {.id = (char *)id,
                             .name = (char *)name,
                             .image_id = (char *)"sha256:aaaa",
                             .image_name = (char *)"busybox",
                             .created = (char *)"2026-12-07T10:00:00Z",
                             .body = json_object(),
                             .mounts = json_array()};
        int r = berth_container_insert(db, &c, err);
        json_decref(c.body);
        json_decref(c.mounts);
        return r;
}
