/* SPDX-License-Identifier: Apache-2.0 */
/* The engine handle: the image store, volumes and container records of one root. */
#include "engine/engine-internal.h"
#include "engine/network.h"
#include "engine/exec.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int berth_engine_open(const char *root, const char *runroot, berth_engine **ret, berth_error *err)
{
        return berth_engine_open_flags(root, runroot, 0, ret, err);
}

static int open_stores(berth_engine *e, berth_error *err)
{
        int rc = 0;
        if (e->images == NULL)
                rc = berth_images_open_db(e->root, e->db, e->images_flags, &e->images, err);
        if (rc >= 0 && e->volumes == NULL)
                rc = berth_volumes_open(e->db, e->root, &e->volumes, err);
        return rc;
}

int berth_engine_open_flags(const char *root, const char *runroot, unsigned flags,
                            berth_engine **ret, berth_error *err)
{
        berth_engine *e = calloc(1, sizeof(*e));
        if (e == NULL)
                return berth_errx(err, ENOMEM, "out of memory");
        e->root = berth_xstrdup(root);
        e->runroot = berth_xstrdup(runroot);
        e->rt_root = berth_xasprintf("%s/runtime", runroot);
        e->rt.root = e->rt_root;
        e->images_flags = flags & ~BERTH_ENGINE_LAZY_STORES;
        _cleanup_free_ char *dbpath = berth_xasprintf("%s/berth.db", root);
        int rc = berth_mkdir_p(root, 0711, err) < 0
                     ? berth_wrap(err, "cannot create the berth root")
                     : berth_db_open(dbpath, &e->db, err);
        if (rc >= 0 && !(flags & BERTH_ENGINE_LAZY_STORES))
                rc = open_stores(e, err);
        if (rc >= 0)
                rc = berth_containers_migrate(e->db, err);
        if (rc >= 0)
                rc = berth_events_migrate(e->db, err);
        if (rc >= 0)
                rc = berth_execs_migrate(e->db, err);
        if (rc >= 0)
                rc = berth_networks_migrate(e->db, err);
        if (rc < 0) {
                berth_engine_close(e);
                return rc;
        }
        *ret = e;
        return 0;
}

void berth_engine_close(berth_engine *e)
{
        if (e == NULL)
                return;
        berth_volumes_close(e->volumes);
        berth_images_close(e->images);
        berth_db_close(e->db);
        free(e->root);
        free(e->runroot);
        free(e->rt_root);
        free(e);
}

berth_images *berth_engine_images(berth_engine *e)
{
        if (e->images == NULL)
                open_stores(e, NULL);
        return e->images;
}

berth_volumes *berth_engine_volumes(berth_engine *e)
{
        if (e->volumes == NULL)
                open_stores(e, NULL);
        return e->volumes;
}

berth_db *berth_engine_db(berth_engine *e)
{
        return e->db;
}

const char *berth_engine_root(berth_engine *e)
{
        return e->root;
}

const char *berth_engine_runroot(berth_engine *e)
{
        return e->runroot;
}

const berth_rt_ctx *berth_engine_rt(berth_engine *e)
{
        return &e->rt;
}

void engine_event(berth_engine *e, const berth_container *c, const char *action, const char *key,
                  const char *value)
{
        berth_container_event(berth_engine_db(e), c->id, c->image_name, c->name, action, key,
                              value);
}

char *berth_engine_container_dir(berth_engine *e, const char *id)
{
        return berth_xasprintf("%s/containers/%s", e->root, id);
}

char *berth_engine_log_path(berth_engine *e, const char *id)
{
        return berth_xasprintf("%s/containers/%s/%s-json.log", e->root, id, id);
}

json_t *berth_engine_image_config(berth_engine *e, const char *image_id, berth_error *err)
{
        berth_digest d;
        if (berth_digest_parse(image_id, &d, err) < 0)
                return NULL;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (berth_store_read_blob(berth_images_store(e->images), &d, BERTH_STORE_MANIFEST_MAX,
                                  &text, &len, err) < 0)
                return NULL;
        json_t *cfg = json_loadb(text, len, 0, NULL);
        if (!json_is_object(cfg)) {
                json_decref(cfg);
                berth_errx(err, EINVAL, "image config %s is not a JSON object", image_id);
                return NULL;
        }
        json_t *c = json_incref(json_object_get(cfg, "config"));
        json_decref(cfg);
        return c ? c : json_object();
}
