/* SPDX-License-Identifier: Apache-2.0 */
/* Image configs out: canonical JSON, and the builders that import/commit/build use. */
#include "image-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>

static json_t *healthcheck_json(const oci_healthcheck *h)
{
        json_t *o = json_object();
        oci_json_set(o, "Test", oci_strv_json(h->test));
        /* Zero is "inherit", which is what an absent field means too (Go's omitempty). */
        const struct {
                const char *key;
                int64_t v;
        } nums[] = {{"Interval", h->interval},
                    {"Timeout", h->timeout},
                    {"StartPeriod", h->start_period},
                    {"StartInterval", h->start_interval},
                    {"Retries", h->retries}};
        for (size_t i = 0; i < ARRAY_SIZE(nums); i++)
                if (nums[i].v != 0)
                        json_object_set_new(o, nums[i].key, json_integer(nums[i].v));
        return o;
}

static json_t *container_config_json(const oci_container_config *cc)
{
        json_t *o = json_object();
        oci_json_set_str(o, "User", cc->user);
        oci_json_set(o, "ExposedPorts", oci_set_json(cc->exposed_ports));
        oci_json_set(o, "Env", oci_strv_json(cc->env));
        oci_json_set(o, "Entrypoint", oci_strv_json(cc->entrypoint));
        oci_json_set(o, "Cmd", oci_strv_json(cc->cmd));
        oci_json_set(o, "Volumes", oci_set_json(cc->volumes));
        oci_json_set_str(o, "WorkingDir", cc->working_dir);
        oci_json_set(o, "Labels", oci_kv_json(cc->labels, cc->n_labels));
        oci_json_set_str(o, "StopSignal", cc->stop_signal);
        if (cc->healthcheck)
                json_object_set_new(o, "Healthcheck", healthcheck_json(cc->healthcheck));
        if (cc->args_escaped)
                json_object_set_new(o, "ArgsEscaped", json_true());
        oci_json_set(o, "OnBuild", oci_strv_json(cc->on_build));
        oci_json_set(o, "Shell", oci_strv_json(cc->shell));
        return o;
}

static json_t *history_json(const oci_history *h)
{
        json_t *o = json_object();
        oci_json_set_str(o, "created", h->created);
        oci_json_set_str(o, "created_by", h->created_by);
        oci_json_set_str(o, "author", h->author);
        oci_json_set_str(o, "comment", h->comment);
        if (h->empty_layer)
                json_object_set_new(o, "empty_layer", json_true());
        return o;
}

char *berth_oci_image_config_to_json(const oci_image_config *c, size_t *ret_len)
{
        json_t *o = json_object();
        oci_json_set_str(o, "created", c->created);
        oci_json_set_str(o, "author", c->author);
        oci_json_set_str(o, "architecture", c->architecture);
        oci_json_set_str(o, "os", c->os);
        oci_json_set_str(o, "variant", c->variant);
        oci_json_set_str(o, "os.version", c->os_version);
        oci_json_set(o, "os.features", oci_strv_json(c->os_features));
        if (c->has_config)
                json_object_set_new(o, "config", container_config_json(&c->config));
        json_t *rootfs = json_object();
        oci_json_set_str(rootfs, "type", c->rootfs_type ? c->rootfs_type : "layers");
        json_t *ids = json_array();
        for (size_t i = 0; i < c->n_diff_ids; i++)
                json_array_append_new(ids, json_string(c->diff_ids[i].s));
        json_object_set_new(rootfs, "diff_ids", ids);
        json_object_set_new(o, "rootfs", rootfs);
        if (c->history) {
                json_t *h = json_array();
                for (size_t i = 0; i < c->n_history; i++)
                        json_array_append_new(h, history_json(&c->history[i]));
                json_object_set_new(o, "history", h);
        }
        return oci_json_dump(o, ret_len);
}

/* --- Builders --------------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
        return s ? berth_xstrdup(s) : NULL;
}

static char **strv_dup_or_null(char *const *v)
{
        return v ? berth_strv_dup(v) : NULL;
}

static void drop_raw(oci_image_config *c)
{
        free(c->raw);
        c->raw = NULL;
        c->raw_len = 0;
}

oci_image_config *berth_oci_image_config_new(const char *os, const char *arch, const char *variant)
{
        oci_image_config *c = berth_xmalloc0(sizeof(*c));
        c->os = berth_xstrdup(os);
        c->architecture = berth_xstrdup(arch);
        c->variant = dup_or_null(variant);
        c->rootfs_type = berth_xstrdup("layers");
        return c;
}

static void container_config_copy(oci_container_config *d, const oci_container_config *s)
{
        d->user = dup_or_null(s->user);
        d->exposed_ports = strv_dup_or_null(s->exposed_ports);
        d->env = strv_dup_or_null(s->env);
        d->entrypoint = strv_dup_or_null(s->entrypoint);
        d->cmd = strv_dup_or_null(s->cmd);
        d->volumes = strv_dup_or_null(s->volumes);
        d->working_dir = dup_or_null(s->working_dir);
        if (s->labels) {
                d->labels = berth_xmalloc0((s->n_labels ? s->n_labels : 1) * sizeof(oci_kv));
                for (size_t i = 0; i < s->n_labels; i++) {
                        d->labels[i].key = berth_xstrdup(s->labels[i].key);
                        d->labels[i].value = berth_xstrdup(s->labels[i].value);
                }
                d->n_labels = s->n_labels;
        }
        d->stop_signal = dup_or_null(s->stop_signal);
        if (s->healthcheck) {
                d->healthcheck = berth_xmalloc0(sizeof(*d->healthcheck));
                *d->healthcheck = *s->healthcheck;
                d->healthcheck->test = strv_dup_or_null(s->healthcheck->test);
        }
        d->args_escaped = s->args_escaped;
        d->on_build = strv_dup_or_null(s->on_build);
        d->shell = strv_dup_or_null(s->shell);
}

oci_image_config *berth_oci_image_config_dup(const oci_image_config *c)
{
        oci_image_config *d = berth_xmalloc0(sizeof(*d));
        d->created = dup_or_null(c->created);
        d->author = dup_or_null(c->author);
        d->architecture = dup_or_null(c->architecture);
        d->os = dup_or_null(c->os);
        d->variant = dup_or_null(c->variant);
        d->os_version = dup_or_null(c->os_version);
        d->os_features = strv_dup_or_null(c->os_features);
        d->has_config = c->has_config;
        container_config_copy(&d->config, &c->config);
        d->rootfs_type = dup_or_null(c->rootfs_type);
        d->diff_ids = berth_xmalloc0((c->n_diff_ids ? c->n_diff_ids : 1) * sizeof(berth_digest));
        if (c->n_diff_ids)
                memcpy(d->diff_ids, c->diff_ids, c->n_diff_ids * sizeof(berth_digest));
        d->n_diff_ids = c->n_diff_ids;
        if (c->history) {
                d->history =
                    berth_xmalloc0((c->n_history ? c->n_history : 1) * sizeof(oci_history));
                for (size_t i = 0; i < c->n_history; i++) {
                        const oci_history *h = &c->history[i];
                        d->history[i] = (oci_history){
                            .created = dup_or_null(h->created),
                            .created_by = dup_or_null(h->created_by),
                            .author = dup_or_null(h->author),
                            .comment = dup_or_null(h->comment),
                            .empty_layer = h->empty_layer,
                        };
                }
                d->n_history = c->n_history;
        }
        return d;
}

int berth_oci_image_config_set_created(oci_image_config *c, const char *created)
{
        int64_t sec;
        int32_t nsec;
        if (created && berth_rfc3339_parse(created, &sec, &nsec) < 0)
                return -EINVAL;
        free(c->created);
        c->created = dup_or_null(created);
        drop_raw(c);
        return 0;
}

void berth_oci_image_config_add_diff_id(oci_image_config *c, const berth_digest *diff_id)
{
        c->diff_ids = berth_xrealloc(c->diff_ids, (c->n_diff_ids + 1) * sizeof(berth_digest));
        c->diff_ids[c->n_diff_ids++] = *diff_id;
        drop_raw(c);
}

int berth_oci_image_config_add_history(oci_image_config *c, const char *created,
                                       const char *created_by, const char *author,
                                       const char *comment, bool empty_layer)
{
        int64_t sec;
        int32_t nsec;
        if (created && berth_rfc3339_parse(created, &sec, &nsec) < 0)
                return -EINVAL;
        c->history = berth_xrealloc(c->history, (c->n_history + 1) * sizeof(oci_history));
        c->history[c->n_history++] = (oci_history){
            .created = dup_or_null(created),
            .created_by = dup_or_null(created_by),
            .author = dup_or_null(author),
            .comment = dup_or_null(comment),
            .empty_layer = empty_layer,
        };
        drop_raw(c);
        return 0;
}
