/* SPDX-License-Identifier: Apache-2.0 */
/* `diff` and `commit`: a container's snapshot compared with, and added to, its image. */
#include "engine/commit.h"
#include "image/unpack.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "engine/engine-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int berth_engine_diff(berth_engine *e, const char *name, berth_change **ret, size_t *ret_n,
                      berth_error *err)
{
        berth_container c;
        if (berth_engine_get(e, name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        _cleanup_free_ char *dir = berth_engine_container_dir(e, c.id);
        int r = berth_snapshot_diff(berth_engine_images(e), dir, ret, ret_n, err);
        berth_container_clear(&c);
        return r;
}

static bool has_space(const char *s)
{
        return strpbrk(s, " \t\n") != NULL;
}

/* The container's config as `--change` lines (the caller's come after and win). */
static char **config_changes(const json_t *body)
{
        char **v = berth_xmalloc0(sizeof(char *));
        static const char *const arrays[][2] = {{"Entrypoint", "ENTRYPOINT"}, {"Cmd", "CMD"}};
        for (size_t i = 0; i < ARRAY_SIZE(arrays); i++) {
                json_t *a = json_object_get(body, arrays[i][0]);
                if (!json_is_array(a))
                        continue;
                _cleanup_free_ char *text = json_dumps(a, JSON_COMPACT);
                _cleanup_free_ char *line = berth_xasprintf("%s %s", arrays[i][1], text);
                berth_strv_push(&v, line);
        }
        size_t i;
        json_t *x;
        json_array_foreach (json_object_get(body, "Env"), i, x) {
                const char *kv = json_string_value(x);
                const char *eq = kv ? strchr(kv, '=') : NULL;
                if (eq == NULL || eq == kv)
                        continue;
                _cleanup_free_ char *line =
                    has_space(eq + 1) ? berth_xasprintf("ENV %.*s %s", (int)(eq - kv), kv, eq + 1)
                                      : berth_xasprintf("ENV %s", kv);
                berth_strv_push(&v, line);
        }
        const char *wd = json_string_value(json_object_get(body, "WorkingDir"));
        if (wd && *wd && !has_space(wd)) {
                _cleanup_free_ char *line = berth_xasprintf("WORKDIR %s", wd);
                berth_strv_push(&v, line);
        }
        const char *user = json_string_value(json_object_get(body, "User"));
        if (user && *user && !has_space(user)) {
                _cleanup_free_ char *line = berth_xasprintf("USER %s", user);
                berth_strv_push(&v, line);
        }
        const char *sig = json_string_value(json_object_get(body, "StopSignal"));
        if (sig && *sig && !has_space(sig)) {
                _cleanup_free_ char *line = berth_xasprintf("STOPSIGNAL %s", sig);
                berth_strv_push(&v, line);
        }
        const char *k;
        /* the ports and volumes of the image and the run flags (merged at create) */
        json_object_foreach ((json_t *)json_object_get(body, "ExposedPorts"), k, x) {
                if (has_space(k))
                        continue;
                _cleanup_free_ char *line = berth_xasprintf("EXPOSE %s", k);
                berth_strv_push(&v, line);
        }
        json_t *vols = json_array();
        json_object_foreach ((json_t *)json_object_get(body, "Volumes"), k, x)
                json_array_append_new(vols, json_string(k));
        if (json_array_size(vols) > 0) {
                _cleanup_free_ char *text = json_dumps(vols, JSON_COMPACT);
                _cleanup_free_ char *line = berth_xasprintf("VOLUME %s", text);
                berth_strv_push(&v, line);
        }
        json_decref(vols);
        json_object_foreach ((json_t *)json_object_get(body, "Labels"), k, x) {
                const char *val = json_string_value(x);
                if (val == NULL || has_space(k) || has_space(val) || strchr(k, '='))
                        continue;
                _cleanup_free_ char *line = berth_xasprintf("LABEL %s=%s", k, val);
                berth_strv_push(&v, line);
        }
        return v;
}

int berth_engine_commit(berth_engine *e, const char *name, const berth_commit_opts *o,
                        berth_digest *ret_id, berth_error *err)
{
        if (berth_libarchive_load(err) < 0)
                return -err->code;
        berth_container c;
        if (berth_engine_reconcile(e, name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        _cleanup_free_ char *dir = berth_engine_container_dir(e, c.id);
        _cleanup_strv_ char **changes = config_changes(c.body);
        STRV_FOREACH (ch, (char **)o->changes)
                berth_strv_push(&changes, *ch);
        int r = 0;
        bool paused = false;
        if (o->pause && c.state == BERTH_STATE_RUNNING) {
                if ((r = berth_engine_pause(e, c.id, true, err)) < 0)
                        berth_wrap(err, "cannot pause container %s for the commit", c.name);
                paused = r >= 0;
        }
        berth_digest id;
        if (r >= 0)
                r = berth_snapshot_commit(berth_engine_images(e), dir, changes, o->message,
                                          o->author, o->tag, &id, err);
        if (paused) {
                berth_error uerr = {0};
                if (berth_engine_pause(e, c.id, false, &uerr) < 0 && r >= 0) {
                        *err = uerr;
                        r = -uerr.code;
                }
        }
        berth_container_clear(&c);
        if (r < 0)
                return r;
        *ret_id = id;
        return 0;
}
