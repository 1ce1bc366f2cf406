/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A create body refused as Docker's daemon refuses it, before anything is
 * made: the restart policy (and AutoRemove with one), and everything the
 * container's OCI config is made of (capabilities, mounts, devices, resources,
 * ulimits, sysctls, security options…), by making that config once, as start
 * will, and throwing it away. The user is left to start (as Docker resolves
 * it there), the rootfs being not yet mounted.
 */
#include "engine/engine-internal.h"
#include "engine/network-internal.h"
#include "base/cleanup-json.h"
#include "base/fs.h"
#include "specgen/specgen.h"

#include <errno.h>
#include <string.h>

int engine_validate_restart(const json_t *hc, berth_error *err)
{
        const json_t *rp = json_object_get(hc, "RestartPolicy");
        const char *name = json_string_value(json_object_get(rp, "Name"));
        json_int_t max = json_integer_value(json_object_get(rp, "MaximumRetryCount"));
        if (name == NULL)
                name = "";
        bool none = *name == '\0' || strcmp(name, "no") == 0;
        if (strcmp(name, "on-failure") == 0) {
                if (max < 0)
                        return berth_errx(err, EINVAL,
                                          "invalid restart policy: maximum retry count cannot be "
                                          "negative");
        } else if (none || strcmp(name, "always") == 0 || strcmp(name, "unless-stopped") == 0) {
                if (max != 0)
                        return berth_errx(err, EINVAL,
                                          "invalid restart policy: maximum retry count can only "
                                          "be used with 'on-failure'");
        } else {
                return berth_errx(err, EINVAL,
                                  "invalid restart policy: unknown policy '%s'; use one of 'no', "
                                  "'always', 'on-failure', or 'unless-stopped'",
                                  name);
        }
        if (json_is_true(json_object_get(hc, "AutoRemove")) && !none)
                return berth_errx(err, EINVAL,
                                  "can't create 'AutoRemove' container with restart policy");
        return 0;
}

/* The networks named exist (the built-in ones always do: the first start makes them), and so
 * does the container of container:<name>. */
static int check_networks(berth_engine *e, const json_t *body, berth_error *err)
{
        const char *mode =
            json_string_value(json_object_get(json_object_get(body, "HostConfig"), "NetworkMode"));
        if (mode && berth_str_has_prefix(mode, "container:")) {
                berth_container o;
                int r = berth_engine_get(e, mode + strlen("container:"), &o, err);
                if (r == 0)
                        berth_container_clear(&o);
                return r;
        }
        _cleanup_strv_ char **names = NULL;
        if (mode && *mode)
                berth_strv_push(&names, mode);
        const char *k;
        json_t *v;
        json_object_foreach (
            json_object_get(json_object_get(body, "NetworkingConfig"), "EndpointsConfig"), k, v) {
                int r = engine_net_aliases_check(v, err);
                if (r < 0)
                        return r;
                berth_strv_push(&names, k);
        }
        STRV_FOREACH (n, names) {
                if (strcmp(*n, "default") == 0 || strcmp(*n, "bridge") == 0 ||
                    strcmp(*n, "host") == 0 || strcmp(*n, "none") == 0)
                        continue;
                _cleanup_json_ json_t *cfg = NULL;
                int r = engine_network_lookup(e, *n, &cfg, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int engine_validate_create(berth_engine *e, const char *dir, const json_t *merged,
                           const json_t *mounts, const json_t *image_cfg, berth_error *err)
{
        int r = engine_validate_restart(json_object_get(merged, "HostConfig"), err);
        if (r < 0 || (r = check_networks(e, merged, err)) < 0)
                return r;
        _cleanup_free_ char *rootfs = berth_xasprintf("%s/merged", dir);
        _cleanup_free_ char *init = berth_program_path("berth-init", "BERTH_INIT");
        berth_specgen_input in = {
            .id = "0000000000000000000000000000000000000000000000000000000000000000",
            .rootfs = rootfs,
            .image = image_cfg,
            .body = merged,
            .mounts = mounts,
            .init_path = init,
            /* container:<name>'s namespace is joined at start: any path will do here */
            .netns_path = "/proc/self/ns/net",
            .no_user = true,
            .no_default_seccomp = true};
        _cleanup_json_ json_t *spec = berth_specgen(&in, err);
        return spec ? 0 : -EINVAL;
}
