/* SPDX-License-Identifier: Apache-2.0 */
/* A container's mounts: -v/--mount/--volumes-from/VOLUME resolved to host paths. */
#include "engine/engine-internal.h"
#include "base/fs.h"
#include "runtime/runtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const propagations[] = {"shared", "rshared", "slave",
                                           "rslave", "private", "rprivate"};

/* rel (clean, relative) is top or below it. */
static bool at_or_below(const char *rel, const char *top)
{
        size_t n = strlen(top);
        return strncmp(rel, top, n) == 0 && (rel[n] == '\0' || rel[n] == '/');
}

int berth_engine_check_mount_dest(const char *dest, bool image_volume, berth_error *err)
{
        _cleanup_free_ char *rel = berth_path_clean_rel(dest ? dest : "", NULL);
        const char *top = NULL;
        if (at_or_below(rel, "proc"))
                top = "proc";
        else if (image_volume && at_or_below(rel, "sys"))
                top = "sys";
        if (top == NULL)
                return 0;
        _cleanup_free_ char *clean = berth_xasprintf("/%s", rel);
        if (!image_volume && berth_rt_proc_mount_allowed(clean))
                return 0;
        _cleanup_free_ char *shown = strcmp(clean, dest) == 0
                                         ? berth_xasprintf("\"%s\"", dest)
                                         : berth_xasprintf("\"%s\" (%s)", dest, clean);
        bool itself = strcmp(rel, top) == 0;
        return berth_errx(err, EINVAL, "invalid mount config: %s %s is %s/%s%s",
                          image_volume ? "image volume" : "destination", shown,
                          itself ? "" : "inside ", top, itself ? " itself" : "");
}

static bool dest_taken(const json_t *mounts, const char *dest)
{
        size_t i;
        json_t *m;
        json_array_foreach (mounts, i, m) {
                const char *d = json_string_value(json_object_get(m, "Destination"));
                if (d && strcmp(d, dest) == 0)
                        return true;
        }
        return false;
}

static int add_mount(json_t *mounts, json_t *m, berth_error *err)
{
        const char *dest = json_string_value(json_object_get(m, "Destination"));
        if (dest == NULL || dest[0] != '/') {
                json_decref(m);
                return berth_errx(err, EINVAL, "invalid mount config: mount path must be absolute");
        }
        if (berth_engine_check_mount_dest(dest, false, err) < 0) {
                json_decref(m);
                return -EINVAL;
        }
        if (dest_taken(mounts, dest)) {
                json_decref(m);
                return berth_errx(err, EINVAL, "Duplicate mount point: %s", dest);
        }
        json_array_append_new(mounts, m);
        return 0;
}

static json_t *bind_entry(const char *src, const char *dest, bool rw, const char *mode,
                          const char *prop)
{
        return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "bind", "Source", src,
                         "Destination", dest, "Mode", mode ? mode : "", "RW", rw, "Propagation",
                         prop && *prop ? prop : "rprivate");
}

static json_t *volume_entry(berth_engine *e, const char *name, const char *dest, bool rw,
                            const char *mode, bool nocopy, char ***made, berth_error *err)
{
        berth_volume v = {0};
        bool created = false;
        if (berth_volume_create(berth_engine_volumes(e), name, NULL, NULL, name == NULL, &v,
                                &created, err) < 0)
                return NULL;
        if (created)
                berth_strv_push(made, v.name);
        json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "volume", "Name",
                              v.name, "Source", v.mountpoint, "Destination", dest, "Driver",
                              "local", "Mode", mode ? mode : "", "RW", rw, "Propagation", "");
        if (!nocopy)
                json_object_set_new(m, "CopyUp", json_true());
        berth_volume_clear(&v);
        return m;
}

static int parse_bind(berth_engine *e, json_t *mounts, const char *spec, char ***made,
                      berth_error *err)
{
        _cleanup_free_ char *copy = berth_xstrdup(spec);
        char *parts[4] = {0};
        int n = 0;
        for (char *save = NULL, *t = strtok_r(copy, ":", &save); t && n < 4;
             t = strtok_r(NULL, ":", &save))
                parts[n++] = t;
        if (n < 2 || n > 3)
                return berth_errx(err, EINVAL, "invalid volume specification: '%s'", spec);
        bool rw = true, nocopy = false;
        const char *prop = NULL;
        if (n == 3) {
                _cleanup_free_ char *opts = berth_xstrdup(parts[2]);
                for (char *save = NULL, *o = strtok_r(opts, ",", &save); o;
                     o = strtok_r(NULL, ",", &save)) {
                        bool known = false;
                        if (strcmp(o, "ro") == 0)
                                rw = false, known = true;
                        else if (strcmp(o, "rw") == 0 || strcmp(o, "z") == 0 || strcmp(o, "Z") == 0)
                                known = true;
                        else if (strcmp(o, "nocopy") == 0)
                                nocopy = true, known = true;
                        for (size_t i = 0; i < ARRAY_SIZE(propagations) && !known; i++)
                                if (strcmp(o, propagations[i]) == 0)
                                        prop = propagations[i], known = true;
                        if (!known)
                                return berth_errx(err, EINVAL,
                                                  "invalid mode: %s in volume specification '%s'",
                                                  o, spec);
                }
        }
        const char *src = parts[0], *dest = parts[1];
        if (dest[0] != '/')
                return berth_errx(err, EINVAL,
                                  "invalid volume specification: '%s': invalid mount config for "
                                  "type \"bind\": invalid mount path: '%s' mount path must be "
                                  "absolute",
                                  spec, dest);
        json_t *m;
        if (src[0] == '/') {
                struct stat st;
                if (stat(src, &st) < 0)
                        return berth_err(err, errno,
                                         "invalid mount config for type \"bind\": bind source "
                                         "path does not exist: %s",
                                         src);
                m = bind_entry(src, dest, rw, n == 3 ? parts[2] : "", prop);
        } else {
                m = volume_entry(e, src, dest, rw, n == 3 ? parts[2] : "", nocopy, made, err);
                if (m == NULL)
                        return -EINVAL;
        }
        return add_mount(mounts, m, err);
}

static int parse_mount(berth_engine *e, json_t *mounts, const json_t *mt, char ***made,
                       berth_error *err)
{
        const char *type = json_string_value(json_object_get(mt, "Type"));
        const char *src = json_string_value(json_object_get(mt, "Source"));
        const char *dest = json_string_value(json_object_get(mt, "Target"));
        bool rw = !json_is_true(json_object_get(mt, "ReadOnly"));
        if (type == NULL || dest == NULL)
                return berth_errx(err, EINVAL,
                                  "invalid mount config: type and target are required");
        json_t *m;
        if (strcmp(type, "bind") == 0) {
                struct stat st;
                if (src == NULL || stat(src, &st) < 0)
                        return berth_errx(err, ENOENT,
                                          "invalid mount config for type \"bind\": bind source "
                                          "path does not exist: %s",
                                          src ? src : "");
                const char *prop = json_string_value(
                    json_object_get(json_object_get(mt, "BindOptions"), "Propagation"));
                m = bind_entry(src, dest, rw, "", prop);
        } else if (strcmp(type, "volume") == 0) {
                bool nocopy =
                    json_is_true(json_object_get(json_object_get(mt, "VolumeOptions"), "NoCopy"));
                m = volume_entry(e, src && *src ? src : NULL, dest, rw, "", nocopy, made, err);
                if (m == NULL)
                        return -EINVAL;
        } else if (strcmp(type, "tmpfs") == 0) {
                m = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "tmpfs", "Source", "",
                              "Destination", dest, "Mode", "", "RW", rw, "Propagation", "");
                json_t *to = json_object_get(mt, "TmpfsOptions");
                if (to)
                        json_object_set(m, "TmpfsOptions", to);
        } else {
                return berth_errx(err, EINVAL, "invalid mount config: mount type unknown: \"%s\"",
                                  type);
        }
        return add_mount(mounts, m, err);
}

static int volumes_from(berth_engine *e, json_t *mounts, const char *spec, berth_error *err)
{
        _cleanup_free_ char *name = berth_xstrdup(spec);
        char *mode = strchr(name, ':');
        if (mode)
                *mode++ = '\0';
        if (mode && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0)
                return berth_errx(err, EINVAL, "invalid mode for volumes-from: %s", mode);
        berth_container c;
        if (berth_container_get(berth_engine_db(e), name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        size_t i;
        json_t *m;
        int rc = 0;
        json_array_foreach (c.mounts, i, m) {
                const char *t = json_string_value(json_object_get(m, "Type"));
                if (t && strcmp(t, "tmpfs") == 0)
                        continue;
                json_t *copy = json_deep_copy(m);
                json_object_del(copy, "CopyUp");
                if (mode)
                        json_object_set_new(copy, "RW", json_boolean(strcmp(mode, "rw") == 0));
                if ((rc = add_mount(mounts, copy, err)) < 0)
                        break;
        }
        berth_container_clear(&c);
        return rc;
}

json_t *engine_resolve_mounts(berth_engine *e, const json_t *body, const json_t *image,
                              char ***made, berth_error *err)
{
        json_t *hc = json_object_get(body, "HostConfig");
        json_t *tmpfs = json_object_get(hc, "Tmpfs");
        size_t i;
        json_t *v;
        const char *dest;
        /* What needs no volume first: a refusal then leaves nothing to undo. */
        json_object_foreach (json_object_get(image, "Volumes"), dest, v) {
                if (berth_engine_check_mount_dest(dest, true, err) < 0)
                        return NULL;
        }
        json_object_foreach (tmpfs, dest, v) {
                if (berth_engine_check_mount_dest(dest, false, err) < 0)
                        return NULL;
        }
        json_t *mounts = json_array();
        int rc = 0;
        json_array_foreach (json_object_get(hc, "Binds"), i, v) {
                if (!json_is_string(v) ||
                    (rc = parse_bind(e, mounts, json_string_value(v), made, err)) < 0)
                        goto fail;
        }
        json_array_foreach (json_object_get(hc, "Mounts"), i, v) {
                if ((rc = parse_mount(e, mounts, v, made, err)) < 0)
                        goto fail;
        }
        json_array_foreach (json_object_get(hc, "VolumesFrom"), i, v) {
                if (!json_is_string(v) ||
                    (rc = volumes_from(e, mounts, json_string_value(v), err)) < 0)
                        goto fail;
        }
        /* anonymous volumes for the image's and --volume's bare paths not otherwise covered */
        json_object_foreach (json_object_get(body, "Volumes"), dest, v) {
                if (dest_taken(mounts, dest) || json_object_get(tmpfs, dest))
                        continue;
                json_t *m = volume_entry(e, NULL, dest, true, "", false, made, err);
                if (m == NULL || (rc = add_mount(mounts, m, err)) < 0)
                        goto fail;
        }
        return mounts;
fail:
        json_decref(mounts);
        STRV_FOREACH (n, *made)
                berth_volume_remove(berth_engine_volumes(e), *n, true, NULL);
        berth_strv_free(*made);
        *made = NULL;
        return NULL;
}
