/* SPDX-License-Identifier: Apache-2.0 */
/* Image configs (OCI / Docker v1.2): parse, validate, free. */
#include "image-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>

/* An optional RFC 3339 time obj[key]. */
static int get_time(json_t *obj, const char *base, const char *key, char **ret, berth_error *err)
{
        char p[OCI_PATH_MAX];
        int r = oci_get_str(obj, base, key, false, ret, err);
        if (r <= 0)
                return r;
        int64_t sec;
        int32_t nsec;
        if (berth_rfc3339_parse(*ret, &sec, &nsec) < 0)
                return berth_errx(err, EINVAL, "%s: not an RFC 3339 time: '%s'",
                                  oci_path(p, base, key), *ret);
        return 1;
}

static int parse_healthcheck(json_t *obj, const char *base, oci_healthcheck **ret, berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *v = NULL;
        int r = oci_get_obj(obj, base, "Healthcheck", false, &v, err);
        if (r <= 0)
                return r;
        oci_path(p, base, "Healthcheck");
        oci_healthcheck *h = berth_xmalloc0(sizeof(*h));
        *ret = h; /* freed with the config on failure */
        if ((r = oci_get_strv(v, p, "Test", false, &h->test, err)) < 0 ||
            (r = oci_get_i64(v, p, "Interval", false, 0, INT64_MAX, &h->interval, err)) < 0 ||
            (r = oci_get_i64(v, p, "Timeout", false, 0, INT64_MAX, &h->timeout, err)) < 0 ||
            (r = oci_get_i64(v, p, "StartPeriod", false, 0, INT64_MAX, &h->start_period, err)) <
                0 ||
            (r = oci_get_i64(v, p, "StartInterval", false, 0, INT64_MAX, &h->start_interval, err)) <
                0 ||
            (r = oci_get_i64(v, p, "Retries", false, 0, INT32_MAX, &h->retries, err)) < 0)
                return r;
        return 0;
}

static int parse_container_config(json_t *obj, oci_image_config *c, berth_error *err)
{
        json_t *v = NULL;
        int r = oci_get_obj(obj, "", "config", false, &v, err);
        if (r <= 0)
                return r;
        c->has_config = true;
        oci_container_config *cc = &c->config;
        const char *p = "config";
        if ((r = oci_get_str(v, p, "User", false, &cc->user, err)) < 0 ||
            (r = oci_get_set(v, p, "ExposedPorts", &cc->exposed_ports, err)) < 0 ||
            (r = oci_get_strv(v, p, "Env", false, &cc->env, err)) < 0 ||
            (r = oci_get_strv(v, p, "Entrypoint", false, &cc->entrypoint, err)) < 0 ||
            (r = oci_get_strv(v, p, "Cmd", false, &cc->cmd, err)) < 0 ||
            (r = oci_get_set(v, p, "Volumes", &cc->volumes, err)) < 0 ||
            (r = oci_get_str(v, p, "WorkingDir", false, &cc->working_dir, err)) < 0 ||
            (r = oci_get_kv(v, p, "Labels", &cc->labels, &cc->n_labels, err)) < 0 ||
            (r = oci_get_str(v, p, "StopSignal", false, &cc->stop_signal, err)) < 0 ||
            (r = parse_healthcheck(v, p, &cc->healthcheck, err)) < 0 ||
            (r = oci_get_bool(v, p, "ArgsEscaped", &cc->args_escaped, err)) < 0 ||
            (r = oci_get_strv(v, p, "OnBuild", false, &cc->on_build, err)) < 0 ||
            (r = oci_get_strv(v, p, "Shell", false, &cc->shell, err)) < 0)
                return r;
        return 0;
}

static int parse_rootfs(json_t *obj, oci_image_config *c, berth_error *err)
{
        char ep[OCI_PATH_MAX];
        json_t *v = NULL, *ids = NULL;
        int r;
        if ((r = oci_get_obj(obj, "", "rootfs", true, &v, err)) < 0 ||
            (r = oci_get_str(v, "rootfs", "type", true, &c->rootfs_type, err)) < 0)
                return r;
        if (strcmp(c->rootfs_type, "layers") != 0)
                return berth_errx(err, EINVAL, "rootfs.type: must be 'layers', got '%s'",
                                  c->rootfs_type);
        if ((r = oci_get_arr(v, "rootfs", "diff_ids", true, &ids, err)) < 0)
                return r;
        size_t n = json_array_size(ids);
        if (n > BERTH_OCI_MAX_LAYERS)
                return berth_errx(err, E2BIG,
                                  "rootfs.diff_ids: %zu layers, at most %d are supported", n,
                                  BERTH_OCI_MAX_LAYERS);
        c->diff_ids = berth_xmalloc0((n ? n : 1) * sizeof(berth_digest));
        for (size_t i = 0; i < n; i++) {
                r = oci_val_digest(json_array_get(ids, i), oci_path_i(ep, "rootfs.diff_ids", i),
                                   &c->diff_ids[i], err);
                if (r < 0)
                        return r;
                c->n_diff_ids = i + 1;
        }
        return 0;
}

static void history_clear(oci_history *h)
{
        free(h->created);
        free(h->created_by);
        free(h->author);
        free(h->comment);
}

static int parse_history(json_t *obj, oci_image_config *c, berth_error *err)
{
        char ep[OCI_PATH_MAX];
        json_t *arr = NULL;
        int r = oci_get_arr(obj, "", "history", false, &arr, err);
        if (r <= 0)
                return r;
        size_t n = json_array_size(arr);
        /* Empty layers make history longer than diff_ids, but not without bound. */
        if (n > BERTH_OCI_MAX_LAYERS * 4)
                return berth_errx(err, E2BIG, "history: too many entries (%zu)", n);
        c->history = berth_xmalloc0((n ? n : 1) * sizeof(oci_history));
        c->n_history = n;
        for (size_t i = 0; i < n; i++) {
                json_t *el = json_array_get(arr, i);
                oci_history *h = &c->history[i];
                oci_path_i(ep, "history", i);
                if ((r = oci_want_object(el, ep, err)) < 0 ||
                    (r = get_time(el, ep, "created", &h->created, err)) < 0 ||
                    (r = oci_get_str(el, ep, "created_by", false, &h->created_by, err)) < 0 ||
                    (r = oci_get_str(el, ep, "author", false, &h->author, err)) < 0 ||
                    (r = oci_get_str(el, ep, "comment", false, &h->comment, err)) < 0 ||
                    (r = oci_get_bool(el, ep, "empty_layer", &h->empty_layer, err)) < 0)
                        return r;
        }
        return 0;
}

static int parse_image_config(json_t *root, oci_image_config *c, berth_error *err)
{
        int r;
        if ((r = oci_want_object(root, "image config", err)) < 0 ||
            (r = get_time(root, "", "created", &c->created, err)) < 0 ||
            (r = oci_get_str(root, "", "author", false, &c->author, err)) < 0 ||
            (r = oci_get_str(root, "", "architecture", true, &c->architecture, err)) < 0 ||
            (r = oci_get_str(root, "", "os", true, &c->os, err)) < 0 ||
            (r = oci_get_str(root, "", "variant", false, &c->variant, err)) < 0 ||
            (r = oci_get_str(root, "", "os.version", false, &c->os_version, err)) < 0 ||
            (r = oci_get_strv(root, "", "os.features", false, &c->os_features, err)) < 0)
                return r;
        if (c->architecture[0] == '\0')
                return berth_errx(err, EINVAL, "architecture: must not be empty");
        if (c->os[0] == '\0')
                return berth_errx(err, EINVAL, "os: must not be empty");
        if ((r = parse_container_config(root, c, err)) < 0 ||
            (r = parse_rootfs(root, c, err)) < 0 || (r = parse_history(root, c, err)) < 0)
                return r;
        return 0;
}

oci_image_config *berth_oci_image_config_parse(const char *json, size_t len, berth_error *err)
{
        json_t *root = oci_json_load(json, len, err);
        if (root == NULL)
                return NULL;
        oci_image_config *c = berth_xmalloc0(sizeof(*c));
        int r = parse_image_config(root, c, err);
        json_decref(root);
        if (r < 0) {
                berth_oci_image_config_free(c);
                return NULL;
        }
        c->raw = oci_raw_copy(json, len);
        c->raw_len = len;
        return c;
}

static void container_config_clear(oci_container_config *cc)
{
        free(cc->user);
        berth_strv_free(cc->exposed_ports);
        berth_strv_free(cc->env);
        berth_strv_free(cc->entrypoint);
        berth_strv_free(cc->cmd);
        berth_strv_free(cc->volumes);
        free(cc->working_dir);
        oci_kv_free(cc->labels, cc->n_labels);
        free(cc->stop_signal);
        if (cc->healthcheck) {
                berth_strv_free(cc->healthcheck->test);
                free(cc->healthcheck);
        }
        berth_strv_free(cc->on_build);
        berth_strv_free(cc->shell);
}

void berth_oci_image_config_free(oci_image_config *c)
{
        if (c == NULL)
                return;
        free(c->created);
        free(c->author);
        free(c->architecture);
        free(c->os);
        free(c->variant);
        free(c->os_version);
        berth_strv_free(c->os_features);
        container_config_clear(&c->config);
        free(c->rootfs_type);
        free(c->diff_ids);
        for (size_t i = 0; c->history && i < c->n_history; i++)
                history_clear(&c->history[i]);
        free(c->history);
        free(c->raw);
        free(c);
}
