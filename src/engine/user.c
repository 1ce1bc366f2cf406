/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user of a process started in a running container (`exec -u`, `cp -a`):
 * resolved as the container's own user is (berth_specgen_user(), specgen-user.c), from
 * its /etc/passwd and /etc/group read safely inside its root.
 */
#include "engine/engine-internal.h"
#include "specgen/specgen.h"

#include <stdio.h>

int berth_engine_resolve_user(berth_engine *e, const berth_container *c, const char *user,
                              char **ret, berth_error *err)
{
        _cleanup_free_ char *dir = berth_engine_container_dir(e, c->id);
        _cleanup_free_ char *merged = berth_xasprintf("%s/merged", dir);
        _cleanup_json_ json_t *u = NULL;
        int r = berth_specgen_user(merged, user, NULL, &u, err);
        if (r < 0)
                return r;
        *ret =
            berth_xasprintf("%lld:%lld", (long long)json_integer_value(json_object_get(u, "uid")),
                            (long long)json_integer_value(json_object_get(u, "gid")));
        return 0;
}
