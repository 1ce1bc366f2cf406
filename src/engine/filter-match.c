/* SPDX-License-Identifier: Apache-2.0 */
/* What ps and volume ls filter on: containers and volumes against berth_filters. */
#include "engine/filters.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include "base/cleanup-json.h"
#include "image/imagedb.h"
#include "oci/image.h"

#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
#include "oci/image.h"

#include <stdlib.h>
#include <string.h>

static const char *const container_keys[] = {"status", "name",   "id",     "label", "ancestor",
                                             "exited", "volume", "before", "since", NULL};

int berth_engine_container_filters_check(const berth_filters *f, berth_error *err)
{
        int r = berth_filters_check(f, container_keys, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **st = berth_filters_get(f, "status");
        STRV_FOREACH (s, st)
                if (!berth_state_valid(*s))
                        return berth_errx(err, EINVAL, "invalid filter 'status=%s'", *s);
        return 0;
}

bool berth_engine_container_filters_want_all(const berth_filters *f)
{
        return berth_filters_has(f, "status") || berth_filters_has(f, "exited");
}

typedef bool (*value_match)(berth_engine *e, const berth_container *c, const char *v);

/* Docker's OR within a key: unset, or any value matches. */
static bool any(berth_engine *e, const berth_filters *f, const char *key, const berth_container *c,
                value_match fn)
{
        if (!berth_filters_has(f, key))
                return true;
        _cleanup_strv_ char **vals = berth_filters_get(f, key);
        STRV_FOREACH (v, vals)
                if (fn(e, c, *v))
                        return true;
        return false;
}

static bool m_name(berth_engine *e, const berth_container *c, const char *v)
{
        return strstr(c->name, v[0] == '/' ? v + 1 : v) != NULL;
}

static bool m_id(berth_engine *e, const berth_container *c, const char *v)
{
        return strncmp(c->id, v, strlen(v)) == 0;
}

static bool m_ancestor(berth_engine *e, const berth_container *c, const char *v)
{
        berth_digest d;
        if (berth_images_resolve(berth_engine_images(e), v, &d, NULL) == 0 &&
            strcmp(d.s, c->image_id) == 0)
                return true;
        return strcmp(c->image_name, v) == 0;
}

static bool m_exited(berth_engine *e, const berth_container *c, const char *v)
{
        return c->state == BERTH_STATE_EXITED && atoi(v) == c->exit_code;
}

static bool m_volume(berth_engine *e, const berth_container *c, const char *v)
{
        size_t i;
        json_t *m;
        json_array_foreach (c->mounts, i, m) {
                const char *n = json_string_value(json_object_get(m, "Name"));
                const char *d = json_string_value(json_object_get(m, "Destination"));
                if ((n && strcmp(n, v) == 0) || (d && strcmp(d, v) == 0))
                        return true;
        }
        return false;
}

int berth_engine_container_filters_resolve(berth_engine *e, const berth_filters *f,
                                           berth_error *err)
{
        static const char *const refs[] = {"before", "since"};
        for (size_t k = 0; k < ARRAY_SIZE(refs); k++) {
                _cleanup_strv_ char **vals = berth_filters_get(f, refs[k]);
                STRV_FOREACH (v, vals) {
                        berth_container ref = {0};
                        int r = berth_engine_get(e, *v, &ref, err);
                        if (r < 0)
                                return r;
                        berth_container_clear(&ref);
                }
        }
        return 0;
}

/* before=/since=: created strictly before / after the named container, as Docker. */
static int created_cmp(berth_engine *e, const berth_container *c, const char *v, bool *ok)
{
        berth_container ref = {0};
        *ok = false;
        if (berth_engine_get(e, v, &ref, NULL) < 0)
                return 0;
        int64_t as = 0, bs = 0;
        int32_t an = 0, bn = 0;
        bool parsed = berth_rfc3339_parse(c->created, &as, &an) == 0 &&
                      berth_rfc3339_parse(ref.created, &bs, &bn) == 0;
        bool same = strcmp(ref.id, c->id) == 0;
        berth_container_clear(&ref);
        *ok = parsed && !same;
        if (as != bs)
                return as < bs ? -1 : 1;
        return an < bn ? -1 : an > bn ? 1 : 0;
}

static bool m_before(berth_engine *e, const berth_container *c, const char *v)
{
        bool ok;
        return created_cmp(e, c, v, &ok) < 0 && ok;
}

static bool m_since(berth_engine *e, const berth_container *c, const char *v)
{
        bool ok;
        return created_cmp(e, c, v, &ok) > 0 && ok;
}

bool berth_engine_container_matches(berth_engine *e, const berth_filters *f,
                                    const berth_container *c)
{
        return berth_filters_match_exact(f, "status", c->status) && any(e, f, "name", c, m_name) &&
               any(e, f, "id", c, m_id) &&
               berth_filters_match_label(f, "label", json_object_get(c->body, "Labels")) &&
               any(e, f, "ancestor", c, m_ancestor) && any(e, f, "exited", c, m_exited) &&
               any(e, f, "volume", c, m_volume) && any(e, f, "before", c, m_before) &&
               any(e, f, "since", c, m_since);
}

int berth_engine_volume_filters_check(const berth_filters *f, berth_error *err)
{
        static const char *const keys[] = {"dangling", "name", "label", "driver", NULL};
        bool d;
        int r = berth_filters_check(f, keys, err);
        return r < 0 ? r : berth_filters_get_bool(f, "dangling", false, &d, err);
}

/* name: regular expressions, any of which may match (Docker's filters.Match). */
static bool name_matches(const berth_filters *f, const char *name)
{
        if (!berth_filters_has(f, "name"))
                return true;
        _cleanup_strv_ char **pats = berth_filters_get(f, "name");
        STRV_FOREACH (p, pats) {
                if (strcmp(*p, name) == 0)
                        return true;
                regex_t re;
                if (regcomp(&re, *p, REG_EXTENDED | REG_NOSUB) != 0)
                        continue;
                bool m = regexec(&re, name, 0, NULL, 0) == 0;
                regfree(&re);
                if (m)
                        return true;
        }
        return false;
}

int berth_engine_volume_matches(berth_volumes *vs, const berth_filters *f, const berth_volume *v,
                                bool *ret, berth_error *err)
{
        if (!name_matches(f, v->name) || !berth_filters_match_label(f, "label", v->labels) ||
            !berth_filters_match_exact(f, "driver", "local")) {
                *ret = false;
                return 0;
        }
        if (berth_filters_has(f, "dangling")) {
                bool dangling;
                int r = berth_filters_get_bool(f, "dangling", false, &dangling, err);
                if (r < 0)
                        return r;
                _cleanup_strv_ char **users = NULL;
                if ((r = berth_volume_users(vs, v->name, &users, err)) < 0)
                        return r;
                bool used = users && users[0];
                if (used == dangling) {
                        *ret = false;
                        return 0;
                }
        }
        *ret = true;
        return 0;
}

static const char *const image_keys[] = {"dangling", "reference", "label", "before", "since", NULL};

/* An RFC 3339 time in nanoseconds (images made in one second still sort); -1 if bad. */
static int64_t created_ns(const char *s)
{
        int64_t sec;
        int32_t nsec;
        if (s == NULL || berth_rfc3339_parse(s, &sec, &nsec) < 0)
                return -1;
        return sec * 1000000000LL + nsec;
}

/* The creation time of the image the last value of key names. */
static int created_of(berth_images *im, const berth_filters *f, const char *key, int64_t *ret,
                      berth_error *err)
{
        _cleanup_strv_ char **v = berth_filters_get(f, key);
        size_t n = berth_strv_length(v);
        berth_digest id;
        berth_image_rec rec;
        if (berth_images_resolve(im, v[n - 1], &id, err) < 0 ||
            berth_imagedb_get(berth_images_db(im), &id, &rec, NULL, NULL, err) < 0)
                return -1;
        *ret = created_ns(rec.created);
        berth_image_rec_clear(&rec);
        return 0;
}

int berth_engine_image_filters_check(berth_images *im, const berth_filters *f, berth_error *err)
{
        int r = berth_filters_check(f, image_keys, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **d = berth_filters_get(f, "dangling");
        STRV_FOREACH (v, d)
                if (strcmp(*v, "true") != 0 && strcmp(*v, "false") != 0)
                        return berth_errx(err, EINVAL,
                                          "invalid filter 'dangling=%s': want true or false", *v);
        int64_t t;
        if (berth_filters_has(f, "before") && (r = created_of(im, f, "before", &t, err)) < 0)
                return r;
        if (berth_filters_has(f, "since") && (r = created_of(im, f, "since", &t, err)) < 0)
                return r;
        return 0;
}

bool berth_engine_image_matches(berth_images *im, const berth_filters *f,
                                const berth_image_summary *img, bool all)
{
        /* Docker's: an intermediate image only with -a, and never under a dangling filter
         * (dangling=true lists childless images only, dangling=false tagged ones only). */
        bool intermediate = berth_image_summary_intermediate(img);
        if (intermediate && (!all || berth_filters_has(f, "dangling")))
                return false;
        bool dangling = berth_image_summary_dangling(img);
        _cleanup_strv_ char **d = berth_filters_get(f, "dangling");
        STRV_FOREACH (v, d)
                if ((strcmp(*v, "true") == 0) != dangling)
                        return false;
        int64_t created = created_ns(img->rec.created), t;
        if (berth_filters_has(f, "before") &&
            (created_of(im, f, "before", &t, NULL) < 0 || !(created < t)))
                return false;
        if (berth_filters_has(f, "since") &&
            (created_of(im, f, "since", &t, NULL) < 0 || !(created > t)))
                return false;
        if (berth_filters_has(f, "label")) {
                _cleanup_json_ json_t *o = berth_images_inspect(im, img->rec.id.s, NULL);
                if (!berth_filters_match_label(
                        f, "label", json_object_get(json_object_get(o, "Config"), "Labels")))
                        return false;
        }
        return true;
}

bool berth_engine_image_ref_matches(const berth_filters *f, const char *repo, const char *tag)
{
        if (!berth_filters_has(f, "reference"))
                return true;
        _cleanup_strv_ char **globs = berth_filters_get(f, "reference");
        _cleanup_free_ char *rt = berth_xasprintf("%s:%s", repo, tag);
        STRV_FOREACH (g, globs)
                if (fnmatch(*g, repo, 0) == 0 || fnmatch(*g, rt, 0) == 0)
                        return true;
        return false;
}

int berth_engine_event_filters_check(const berth_filters *f, berth_error *err)
{
        static const char *const keys[] = {"type", "event", "container", "image", "volume", NULL};
        return berth_filters_check(f, keys, err);
}

/* Unset, or any value is v, a prefix of v, v a prefix of it, or alt. */
static bool ev_any(const berth_filters *f, const char *key, const char *v, const char *alt)
{
        if (!berth_filters_has(f, key))
                return true;
        _cleanup_strv_ char **vals = berth_filters_get(f, key);
        STRV_FOREACH (x, vals)
                if ((v && (strcmp(*x, v) == 0 || strncmp(v, *x, strlen(*x)) == 0 ||
                           strncmp(*x, v, strlen(v)) == 0)) ||
                    (alt && strcmp(*x, alt) == 0))
                        return true;
        return false;
}

static bool ev_action(const berth_filters *f, const char *action)
{
        if (!berth_filters_has(f, "event"))
                return true;
        _cleanup_strv_ char **vals = berth_filters_get(f, "event");
        STRV_FOREACH (x, vals)
                if (strcmp(*x, action) == 0 ||
                    (strncmp(action, *x, strlen(*x)) == 0 && action[strlen(*x)] == ':'))
                        return true;
        return false;
}

bool berth_engine_event_matches(const berth_filters *f, const berth_event *ev)
{
        const char *name = json_string_value(json_object_get(ev->attributes, "name"));
        const char *image = json_string_value(json_object_get(ev->attributes, "image"));
        if (!ev_any(f, "type", ev->type, NULL) || !ev_action(f, ev->action))
                return false;
        if (berth_filters_has(f, "container") &&
            (strcmp(ev->type, "container") != 0 || !ev_any(f, "container", ev->actor, name)))
                return false;
        if (berth_filters_has(f, "image") && !ev_any(f, "image", image, NULL))
                return false;
        if (berth_filters_has(f, "volume") &&
            (strcmp(ev->type, "volume") != 0 || !ev_any(f, "volume", ev->actor, NULL)))
                return false;
        return true;
}
