/* SPDX-License-Identifier: Apache-2.0 */
/* `inspect`: a container as Docker's JSON shows it. */
#include "engine/engine-internal.h"
#include "engine/network-internal.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/imagedb.h"
#include "image/images.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

static json_t *str_or_empty(const char *s)
{
        return json_string(s ? s : "");
}

/* Path and Args: the entrypoint (or the cmd) and the rest. */
static void path_args(const json_t *body, json_t *out)
{
        json_t *all = json_array();
        const char *keys[] = {"Entrypoint", "Cmd"};
        for (int k = 0; k < 2; k++) {
                size_t i;
                json_t *v;
                json_array_foreach (json_object_get(body, keys[k]), i, v)
                        if (!(k == 0 && json_string_length(v) == 0))
                                json_array_append(all, v);
        }
        json_object_set_new(out, "Path",
                            json_string(json_string_value(json_array_get(all, 0))
                                            ? json_string_value(json_array_get(all, 0))
                                            : ""));
        json_t *args = json_array();
        for (size_t i = 1; i < json_array_size(all); i++)
                json_array_append(args, json_array_get(all, i));
        json_object_set_new(out, "Args", args);
        json_decref(all);
}

static json_t *state_json(const berth_container *c)
{
        json_t *st = json_pack(
            "{s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}", "Status", c->status,
            "Running", berth_state_up(c->state), "Paused", c->state == BERTH_STATE_PAUSED,
            "Restarting", c->state == BERTH_STATE_RESTARTING, "OOMKilled", c->oom_killed, "Dead",
            c->state == BERTH_STATE_DEAD, "RemovalInProgress", c->state == BERTH_STATE_REMOVING,
            "Pid", (int)c->pid, "ExitCode", c->exit_code, "Error", c->error ? c->error : "",
            "StartedAt", c->started_at, "FinishedAt", c->finished_at);
        if (c->health)
                json_object_set(st, "Health", c->health);
        return st;
}

/* The Config of inspect: the body without HostConfig, with Docker's always-present keys. */
static json_t *config_json(const berth_container *c)
{
        json_t *cfg = json_deep_copy(c->body);
        json_object_del(cfg, "HostConfig");
        json_object_del(cfg, "NetworkingConfig");
        static const char *const strings[] = {"Hostname", "Domainname", "User", "WorkingDir",
                                              "Image"};
        for (size_t i = 0; i < ARRAY_SIZE(strings); i++)
                if (!json_is_string(json_object_get(cfg, strings[i])))
                        json_object_set_new(cfg, strings[i], json_string(""));
        if (json_string_length(json_object_get(cfg, "Hostname")) == 0)
                json_object_set_new(cfg, "Hostname", json_stringn(c->id, 12));
        static const char *const bools[] = {"AttachStdin", "AttachStdout", "AttachStderr",
                                            "Tty",         "OpenStdin",    "StdinOnce"};
        for (size_t i = 0; i < ARRAY_SIZE(bools); i++)
                if (!json_is_boolean(json_object_get(cfg, bools[i])))
                        json_object_set_new(cfg, bools[i], json_false());
        if (!json_is_object(json_object_get(cfg, "Labels")))
                json_object_set_new(cfg, "Labels", json_object());
        json_object_set_new(cfg, "Image", json_string(c->image_name));
        if (json_object_get(cfg, "OnBuild") == NULL)
                json_object_set_new(cfg, "OnBuild", json_null());
        return cfg;
}

static json_t *host_config_json(const berth_container *c)
{
        json_t *hc = json_deep_copy(json_object_get(c->body, "HostConfig"));
        if (!json_is_object(hc)) {
                json_decref(hc);
                hc = json_object();
        }
        if (!json_is_string(json_object_get(hc, "NetworkMode")))
                json_object_set_new(hc, "NetworkMode", json_string("none"));
        if (!json_is_object(json_object_get(hc, "RestartPolicy")))
                json_object_set_new(hc, "RestartPolicy",
                                    json_pack("{s:s, s:i}", "Name", "no", "MaximumRetryCount", 0));
        if (!json_is_object(json_object_get(hc, "LogConfig")))
                json_object_set_new(hc, "LogConfig",
                                    json_pack("{s:s, s:{}}", "Type", "json-file", "Config"));
        static const char *const ints[] = {"Memory",  "MemorySwap",        "NanoCpus",  "CpuShares",
                                           "ShmSize", "MemoryReservation", "CpuPeriod", "CpuQuota"};
        for (size_t i = 0; i < ARRAY_SIZE(ints); i++)
                if (!json_is_integer(json_object_get(hc, ints[i])))
                        json_object_set_new(hc, ints[i], json_integer(0));
        static const char *const bools[] = {"Privileged", "ReadonlyRootfs", "AutoRemove", "Init"};
        for (size_t i = 0; i < ARRAY_SIZE(bools); i++)
                if (!json_is_boolean(json_object_get(hc, bools[i])) &&
                    strcmp(bools[i], "Init") != 0)
                        json_object_set_new(hc, bools[i], json_false());
        return hc;
}

static json_t *mounts_json(const berth_container *c)
{
        json_t *a = json_deep_copy(c->mounts);
        size_t i;
        json_t *m;
        json_array_foreach (a, i, m) {
                json_object_del(m, "CopyUp");
                json_object_del(m, "TmpfsOptions");
        }
        return a;
}

json_t *berth_engine_inspect(berth_engine *e, const char *name, berth_error *err)
{
        berth_container c;
        if (berth_engine_get(e, name, &c, err) < 0)
                return NULL;
        _cleanup_free_ char *dir = berth_engine_container_dir(e, c.id);
        _cleanup_free_ char *log = berth_engine_log_path(e, c.id);
        _cleanup_free_ char *hostname = berth_xasprintf("%s/hostname", dir);
        _cleanup_free_ char *hosts = berth_xasprintf("%s/hosts", dir);
        _cleanup_free_ char *resolv = berth_xasprintf("%s/resolv.conf", dir);
        _cleanup_free_ char *lower = NULL;
        _cleanup_free_ char *lower_path = berth_xasprintf("%s/lower", dir);
        berth_read_file(lower_path, &lower, NULL, NULL);
        _cleanup_free_ char *lowers = berth_xstrdup("");
        if (lower) {
                /* chain ids, bottom → top; overlay lists them top first */
                char *save = NULL;
                for (char *l = strtok_r(lower, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                        berth_digest d;
                        if (berth_digest_parse(l, &d, NULL) < 0)
                                continue;
                        _cleanup_free_ char *p = berth_xasprintf(
                            "%s/%s/diff", berth_images_layers_dir(berth_engine_images(e)),
                            berth_digest_hex(&d));
                        char *n = *lowers ? berth_xasprintf("%s:%s", p, lowers) : berth_xstrdup(p);
                        free(lowers);
                        lowers = n;
                }
        }
        json_t *j = json_object();
        json_object_set_new(j, "Id", json_string(c.id));
        json_object_set_new(j, "Created", json_string(c.created));
        path_args(c.body, j);
        json_object_set_new(j, "State", state_json(&c));
        json_object_set_new(j, "Image", json_string(c.image_id));
        json_object_set_new(j, "ResolvConfPath", json_string(resolv));
        json_object_set_new(j, "HostnamePath", json_string(hostname));
        json_object_set_new(j, "HostsPath", json_string(hosts));
        json_object_set_new(j, "LogPath", json_string(log));
        _cleanup_free_ char *slash = berth_xasprintf("/%s", c.name);
        json_object_set_new(j, "Name", json_string(slash));
        json_object_set_new(j, "RestartCount", json_integer(c.restart_count));
        json_object_set_new(j, "Driver", json_string("overlay2"));
        json_object_set_new(j, "Platform", json_string("linux"));
        json_object_set_new(j, "MountLabel", json_string(""));
        json_object_set_new(j, "ProcessLabel", json_string(""));
        json_object_set_new(j, "AppArmorProfile", json_string(""));
        json_object_set_new(j, "ExecIDs", json_null());
        json_object_set_new(j, "HostConfig", host_config_json(&c));
        _cleanup_free_ char *upper = berth_xasprintf("%s/upper", dir);
        _cleanup_free_ char *work = berth_xasprintf("%s/work", dir);
        _cleanup_free_ char *merged = berth_xasprintf("%s/merged", dir);
        json_object_set_new(j, "GraphDriver",
                            json_pack("{s:{s:o, s:s, s:s, s:s}, s:s}", "Data", "LowerDir",
                                      str_or_empty(lowers), "MergedDir", merged, "UpperDir", upper,
                                      "WorkDir", work, "Name", "overlay2"));
        json_object_set_new(j, "Mounts", mounts_json(&c));
        json_object_set_new(j, "Config", config_json(&c));
        json_object_set_new(j, "NetworkSettings", engine_net_settings(e, &c));
        berth_container_clear(&c);
        return j;
}

void berth_engine_container_size(berth_engine *e, const char *id, const char *image_id,
                                 int64_t *ret_rw, int64_t *ret_rootfs)
{
        _cleanup_free_ char *dir = berth_engine_container_dir(e, id);
        _cleanup_free_ char *upper = berth_xasprintf("%s/upper", dir);
        int64_t rw = berth_usage_at(AT_FDCWD, upper);
        /* the image's size from its record (ps -s asks for every row: no config blob read) */
        berth_digest d;
        berth_image_rec rec = {0};
        int64_t image_size = 0;
        if (berth_digest_parse(image_id, &d, NULL) == 0 &&
            berth_imagedb_get(berth_images_db(berth_engine_images(e)), &d, &rec, NULL, NULL,
                              NULL) == 0)
                image_size = rec.size;
        berth_image_rec_clear(&rec);
        *ret_rw = rw > 0 ? rw : 0;
        *ret_rootfs = *ret_rw + image_size;
}

void berth_engine_inspect_add_size(berth_engine *e, json_t *inspect)
{
        const char *id = json_string_value(json_object_get(inspect, "Id"));
        const char *image = json_string_value(json_object_get(inspect, "Image"));
        if (id == NULL || image == NULL)
                return;
        int64_t rw, rootfs;
        berth_engine_container_size(e, id, image, &rw, &rootfs);
        json_object_set_new(inspect, "SizeRw", json_integer(rw));
        json_object_set_new(inspect, "SizeRootFs", json_integer(rootfs));
}
