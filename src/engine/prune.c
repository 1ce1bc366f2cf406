/* SPDX-License-Identifier: Apache-2.0 */
/* `container prune`, `system prune`: stopped containers, unused volumes and images. */
#include "engine/prune.h"
#include "build/run-mount.h"
#include "engine/network.h"
#include "engine/engine-internal.h"
#include "engine/filters.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "base/units.h"
#include "image/usage.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void berth_prune_filters_clear(berth_prune_filters *f)
{
        if (f == NULL)
                return;
        berth_strv_free(f->labels);
        berth_strv_free(f->not_labels);
        *f = (berth_prune_filters){0};
}

/* "[+-]hh:mm" or "Z" at s → offset east of UTC in seconds; the end in *end. */
static bool parse_zone(const char *s, long *off, const char **end)
{
        if (*s == 'Z' || *s == 'z') {
                *off = 0;
                *end = s + 1;
                return true;
        }
        if ((*s == '+' || *s == '-') && isdigit((unsigned char)s[1]) &&
            isdigit((unsigned char)s[2]) && s[3] == ':' && isdigit((unsigned char)s[4]) &&
            isdigit((unsigned char)s[5])) {
                long v = ((s[1] - '0') * 10 + (s[2] - '0')) * 3600L +
                         ((s[4] - '0') * 10 + (s[5] - '0')) * 60L;
                *off = *s == '-' ? -v : v;
                *end = s + 6;
                return true;
        }
        return false;
}

/* The RFC 3339 shapes Docker takes: date, date+THH, +THH:MM, +THH:MM:SS[.frac], each with an
 * optional zone (local time without). */
static bool parse_rfc3339ish(const char *s, int64_t *ret)
{
        static const char *const fmts[] = {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H",
                                           "%Y-%m-%d"};
        for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
                struct tm tm = {0};
                const char *rest = strptime(s, fmts[i], &tm);
                if (rest == NULL)
                        continue;
                if (i == 0 && *rest == '.') {
                        rest++;
                        if (!isdigit((unsigned char)*rest))
                                continue;
                        while (isdigit((unsigned char)*rest))
                                rest++;
                }
                long off = 0;
                bool zoned = false;
                if (*rest && parse_zone(rest, &off, &rest))
                        zoned = true;
                if (*rest)
                        continue;
                if (zoned) {
                        *ret = (int64_t)timegm(&tm) - off;
                } else {
                        tm.tm_isdst = -1;
                        *ret = (int64_t)mktime(&tm);
                }
                return true;
        }
        return false;
}

int berth_prune_parse_time(const char *s, time_t now, int64_t *ret, berth_error *err)
{
        const char *p = s;
        while (isspace((unsigned char)*p))
                p++;
        if (*p == '\0')
                return berth_errx(err, EINVAL,
                                  "failed to parse value as time or duration: value is empty");
        int64_t ns;
        if (strcmp(s, "0") != 0 && berth_parse_go_duration(s, &ns, NULL) == 0) {
                *ret = (int64_t)now - ns / 1000000000;
                return 0;
        }
        if (parse_rfc3339ish(s, ret))
                return 0;
        if (strchr(s, '-'))
                return berth_errx(err, EINVAL, "parsing time \"%s\": cannot parse as RFC 3339", s);
        /* a unix timestamp: seconds[.fraction] */
        _cleanup_free_ char *secs = berth_xstrdup(s);
        char *dot = strchr(secs, '.');
        if (dot)
                *dot = '\0';
        long long v;
        bool frac_ok = true;
        for (const char *f = dot ? dot + 1 : ""; *f; f++)
                frac_ok = frac_ok && isdigit((unsigned char)*f);
        if (berth_parse_i64(secs, &v) < 0 || !frac_ok)
                return berth_errx(err, EINVAL,
                                  "failed to parse value as time or duration: invalid seconds "
                                  "\"%s\": invalid syntax",
                                  secs);
        *ret = v;
        return 0;
}

int berth_prune_filters_parse(char *const *specs, berth_prune_filters *ret, berth_error *err)
{
        _cleanup_filters_ berth_filters *bf = berth_filters_new();
        int r;
        STRV_FOREACH (s, (char **)specs)
                if ((r = berth_filters_add(bf, *s, err)) < 0)
                        return r;
        return berth_prune_filters_from(bf, ret, err);
}

int berth_prune_filters_from(const berth_filters *bf, berth_prune_filters *ret, berth_error *err)
{
        static const char *const keys[] = {"until", "label", "label!", NULL};
        berth_prune_filters f = {0};
        int r = berth_filters_check(bf, keys, err);
        if (r < 0)
                return r;
        if (berth_filters_count(bf, "until") > 1)
                return berth_errx(err, EINVAL, "more than one until filter specified");
        if (berth_filters_has(bf, "until")) {
                _cleanup_strv_ char **u = berth_filters_get(bf, "until");
                if ((r = berth_prune_parse_time(u[0], time(NULL), &f.until, err)) < 0)
                        return r;
                f.has_until = true;
        }
        f.labels = berth_filters_get(bf, "label");
        f.not_labels = berth_filters_get(bf, "label!");
        *ret = f;
        return 0;
}

bool berth_prune_labels_match(const berth_prune_filters *f, const json_t *labels)
{
        if (f == NULL)
                return true;
        if (!berth_labels_match_kv(f->labels, labels))
                return false;
        return f->not_labels == NULL || !berth_labels_match_kv(f->not_labels, labels);
}

static bool volume_wanted(const berth_volume *v, void *ud)
{
        return berth_filters_match_labels_prune(ud, v->labels);
}

int berth_prune_volumes(berth_volumes *vs, bool all, const berth_filters *f, char ***ret_names,
                        uint64_t *ret_freed, berth_error *err)
{
        static const char *const keys[] = {"label", "label!", NULL};
        int r = berth_filters_check(f, keys, err);
        if (r < 0)
                return r;
        return berth_volume_prune_matching(vs, all, berth_filters_empty(f) ? NULL : volume_wanted,
                                           (void *)f, ret_names, ret_freed, err);
}

bool berth_prune_created_before(const berth_prune_filters *f, const char *created)
{
        if (f == NULL || !f->has_until)
                return true;
        int64_t t = berth_parse_rfc3339(created);
        return t >= 0 && t <= f->until;
}

int berth_engine_prune_containers(berth_engine *e, const berth_prune_filters *f, char ***ret_ids,
                                  uint64_t *ret_reclaimed, berth_error *err)
{
        berth_container *v = NULL;
        size_t n = 0;
        int r = berth_engine_list(e, &v, &n, err);
        if (r < 0)
                return r;
        char **ids = berth_xmalloc0(sizeof(char *));
        uint64_t reclaimed = 0;
        for (size_t i = 0; i < n; i++) {
                berth_container *c = &v[i];
                if (!berth_state_stopped(c->state) || !berth_prune_created_before(f, c->created) ||
                    !berth_prune_labels_match(f, json_object_get(c->body, "Labels")))
                        continue;
                _cleanup_free_ char *dir = berth_engine_container_dir(e, c->id);
                _cleanup_free_ char *upper = berth_xasprintf("%s/upper", dir);
                int64_t size = berth_usage_at(AT_FDCWD, upper);
                berth_error ignored = {0};
                /* started or removed by someone else meanwhile: not ours to prune */
                if (berth_engine_remove(e, c->id, false, false, &ignored) < 0)
                        continue;
                if (size > 0)
                        reclaimed += (uint64_t)size;
                berth_strv_push(&ids, c->id);
        }
        berth_containers_free(v, n);
        *ret_ids = ids;
        if (ret_reclaimed)
                *ret_reclaimed = reclaimed;
        return 0;
}

struct image_match {
        berth_engine *e;
        const berth_prune_filters *f;
};

static bool image_matches(const berth_image_summary *s, void *ud)
{
        struct image_match *m = ud;
        if (!berth_prune_created_before(m->f, s->rec.created))
                return false;
        if (m->f->labels == NULL && m->f->not_labels == NULL)
                return true;
        berth_error ignored = {0};
        json_t *config = berth_engine_image_config(m->e, s->rec.id.s, &ignored);
        bool ok = berth_prune_labels_match(m->f, json_object_get(config, "Labels"));
        json_decref(config);
        return ok;
}

int berth_engine_prune_images(berth_engine *e, bool all, const berth_prune_filters *f,
                              char ***ret_report, uint64_t *ret_reclaimed, berth_error *err)
{
        struct image_match m = {e, f};
        return berth_images_prune_match(berth_engine_images(e), all, f ? image_matches : NULL, &m,
                                        ret_report, ret_reclaimed, err);
}

void berth_system_prune_report_clear(berth_system_prune_report *r)
{
        if (r == NULL)
                return;
        berth_strv_free(r->containers);
        berth_strv_free(r->networks);
        berth_strv_free(r->volumes);
        berth_strv_free(r->images);
        berth_strv_free(r->build_cache);
        *r = (berth_system_prune_report){0};
}

int berth_engine_prune_build_cache(berth_engine *e, char ***ret_ids, uint64_t *ret_reclaimed,
                                   berth_error *err)
{
        return berth_build_cache_prune(e->root, ret_ids, ret_reclaimed, err);
}

int berth_engine_prune_system(berth_engine *e, bool all, bool volumes, const berth_prune_filters *f,
                              berth_system_prune_report *ret, berth_error *err)
{
        if (volumes && f && f->has_until)
                return berth_errx(
                    err, EINVAL, "ERROR: The \"until\" filter is not supported with \"--volumes\"");
        berth_system_prune_report rep = {0};
        uint64_t n = 0;
        int r = berth_engine_prune_containers(e, f, &rep.containers, &n, err);
        rep.reclaimed += n;
        if (r == 0)
                r = berth_engine_network_prune(e, f, &rep.networks, err);
        if (r == 0 && volumes) {
                _cleanup_filters_ berth_filters *vf = berth_filters_new();
                STRV_FOREACH (l, f ? f->labels : NULL)
                        berth_filters_add_kv(vf, "label", *l);
                STRV_FOREACH (l, f ? f->not_labels : NULL)
                        berth_filters_add_kv(vf, "label!", *l);
                n = 0;
                r = berth_prune_volumes(berth_engine_volumes(e), false, vf, &rep.volumes, &n, err);
                if (r == 0 && berth_strv_length(rep.volumes) > 0)
                        rep.reclaimed += n;
        }
        if (r == 0) {
                n = 0;
                r = berth_engine_prune_images(e, all, f, &rep.images, &n, err);
                rep.reclaimed += n;
        }
        if (r == 0) {
                n = 0;
                r = berth_engine_prune_build_cache(e, &rep.build_cache, &n, err);
                rep.reclaimed += n;
        }
        if (r < 0) {
                berth_system_prune_report_clear(&rep);
                return r;
        }
        if (rep.volumes == NULL)
                rep.volumes = berth_xmalloc0(sizeof(char *));
        *ret = rep;
        return 0;
}
