/* SPDX-License-Identifier: Apache-2.0 */
/* Content descriptors and platforms, in and out; JSON helpers of the image-*.c files. */
#include "image-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>

int oci_val_digest(json_t *v, const char *path, berth_digest *ret, berth_error *err)
{
        if (!json_is_string(v))
                return oci_err_type(err, path, "a string", v);
        if (berth_digest_parse(json_string_value(v), ret, err) < 0)
                return berth_wrap(err, "%s", path);
        return 0;
}

int oci_get_set(json_t *obj, const char *base, const char *key, char ***ret, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        json_t *o = NULL;
        int r = oci_get_obj(obj, base, key, false, &o, err);
        if (r <= 0)
                return r;
        oci_path(p, base, key);
        _cleanup_strv_ char **v = berth_xmalloc0((json_object_size(o) + 1) * sizeof(char *));
        size_t i = 0;
        const char *k;
        json_t *val;
        json_object_foreach (o, k, val) {
                if (k[0] == '\0')
                        return berth_errx(err, EINVAL, "%s: keys must not be empty", p);
                /* Docker writes {}; null is what Go makes of a nil struct pointer. */
                if (!json_is_object(val) && !json_is_null(val))
                        return oci_err_type(err, oci_path(ep, p, k), "an object", val);
                v[i++] = berth_xstrdup(k);
        }
        berth_strv_free(*ret);
        *ret = TAKE_PTR(v);
        return 1;
}

static void platform_free(oci_platform *p)
{
        if (p == NULL)
                return;
        free(p->architecture);
        free(p->os);
        free(p->variant);
        free(p->os_version);
        berth_strv_free(p->os_features);
        free(p);
}

static int parse_platform(json_t *obj, const char *base, oci_platform **ret, berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *v = NULL;
        int r = oci_get_obj(obj, base, "platform", false, &v, err);
        if (r <= 0)
                return r;
        oci_path(p, base, "platform");
        oci_platform *pl = berth_xmalloc0(sizeof(*pl));
        *ret = pl; /* freed with the descriptor on failure */
        if ((r = oci_get_str(v, p, "architecture", true, &pl->architecture, err)) < 0 ||
            (r = oci_get_str(v, p, "os", true, &pl->os, err)) < 0 ||
            (r = oci_get_str(v, p, "variant", false, &pl->variant, err)) < 0 ||
            (r = oci_get_str(v, p, "os.version", false, &pl->os_version, err)) < 0 ||
            (r = oci_get_strv(v, p, "os.features", false, &pl->os_features, err)) < 0)
                return r;
        if (pl->architecture[0] == '\0')
                return berth_errx(err, EINVAL, "%s.architecture: must not be empty", p);
        if (pl->os[0] == '\0')
                return berth_errx(err, EINVAL, "%s.os: must not be empty", p);
        return 0;
}

int oci_parse_descriptor(json_t *v, const char *path, oci_descriptor *d, berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *dg = NULL;
        int r;
        if ((r = oci_want_object(v, path, err)) < 0 ||
            (r = oci_get_str(v, path, "mediaType", true, &d->media_type, err)) < 0)
                return r;
        if (d->media_type[0] == '\0')
                return berth_errx(err, EINVAL, "%s: must not be empty",
                                  oci_path(p, path, "mediaType"));
        dg = json_object_get(v, "digest");
        if (dg == NULL || json_is_null(dg))
                return oci_err_missing(err, oci_path(p, path, "digest"));
        if ((r = oci_val_digest(dg, oci_path(p, path, "digest"), &d->digest, err)) < 0 ||
            (r = oci_get_i64(v, path, "size", true, 0, INT64_MAX, &d->size, err)) < 0 ||
            (r = oci_get_strv(v, path, "urls", false, &d->urls, err)) < 0 ||
            (r = oci_get_kv(v, path, "annotations", &d->annotations, &d->n_annotations, err)) < 0 ||
            (r = oci_get_str(v, path, "artifactType", false, &d->artifact_type, err)) < 0 ||
            (r = parse_platform(v, path, &d->platform, err)) < 0)
                return r;
        return 0;
}

void oci_descriptor_clear(oci_descriptor *d)
{
        if (d == NULL)
                return;
        free(d->media_type);
        berth_strv_free(d->urls);
        oci_kv_free(d->annotations, d->n_annotations);
        platform_free(d->platform);
        free(d->artifact_type);
        memset(d, 0, sizeof(*d));
}

void oci_descriptors_free(oci_descriptor *d, size_t n)
{
        for (size_t i = 0; d && i < n; i++)
                oci_descriptor_clear(&d[i]);
        free(d);
}

int oci_get_descriptors(json_t *obj, const char *base, const char *key, bool required,
                        oci_descriptor **ret, size_t *ret_n, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        json_t *arr = NULL;
        int r = oci_get_arr(obj, base, key, required, &arr, err);
        if (r <= 0)
                return r;
        oci_path(p, base, key);
        size_t n = json_array_size(arr);
        if (n > BERTH_OCI_MAX_LAYERS * 4)
                return berth_errx(err, E2BIG, "%s: too many entries (%zu)", p, n);
        /* Filled into *ret as we go, so the caller's clear frees a partial array. */
        *ret = berth_xmalloc0((n ? n : 1) * sizeof(oci_descriptor));
        *ret_n = n;
        for (size_t i = 0; i < n; i++) {
                r = oci_parse_descriptor(json_array_get(arr, i), oci_path_i(ep, p, i), &(*ret)[i],
                                         err);
                if (r < 0)
                        return r;
        }
        return 1;
}

static char *xstrdup_or_null(const char *s)
{
        return s ? berth_xstrdup(s) : NULL;
}

static oci_kv *kv_dup(const oci_kv *kv, size_t n)
{
        if (kv == NULL)
                return NULL;
        oci_kv *out = berth_xmalloc0((n ? n : 1) * sizeof(oci_kv));
        for (size_t i = 0; i < n; i++) {
                out[i].key = berth_xstrdup(kv[i].key);
                out[i].value = berth_xstrdup(kv[i].value);
        }
        return out;
}

void oci_descriptor_copy(oci_descriptor *dst, const oci_descriptor *src)
{
        memset(dst, 0, sizeof(*dst));
        dst->media_type = xstrdup_or_null(src->media_type);
        dst->digest = src->digest;
        dst->size = src->size;
        dst->urls = src->urls ? berth_strv_dup(src->urls) : NULL;
        dst->annotations = kv_dup(src->annotations, src->n_annotations);
        dst->n_annotations = src->n_annotations;
        dst->artifact_type = xstrdup_or_null(src->artifact_type);
        if (src->platform) {
                oci_platform *p = berth_xmalloc0(sizeof(*p));
                p->architecture = xstrdup_or_null(src->platform->architecture);
                p->os = xstrdup_or_null(src->platform->os);
                p->variant = xstrdup_or_null(src->platform->variant);
                p->os_version = xstrdup_or_null(src->platform->os_version);
                p->os_features =
                    src->platform->os_features ? berth_strv_dup(src->platform->os_features) : NULL;
                dst->platform = p;
        }
}

/* --- JSON out --------------------------------------------------------------------------- */

/* A copy of s with every byte of an invalid UTF-8 sequence replaced by '?'. */
static char *utf8_fix(const char *s)
{
        char *o = berth_xstrdup(s);
        unsigned char *u = (unsigned char *)o;
        for (size_t i = 0; u[i];) {
                size_t n = u[i] < 0x80             ? 1
                           : (u[i] & 0xe0) == 0xc0 ? 2
                           : (u[i] & 0xf0) == 0xe0 ? 3
                           : (u[i] & 0xf8) == 0xf0 ? 4
                                                   : 0;
                size_t k = 1;
                while (n > 1 && k < n && (u[i + k] & 0xc0) == 0x80)
                        k++;
                if (n == 0 || k < n) {
                        u[i++] = '?';
                        continue;
                }
                i += n;
        }
        /* Overlong forms and surrogates may still be refused: then plain ASCII it is. */
        json_t *t = json_string(o);
        if (t == NULL)
                for (size_t i = 0; u[i]; i++)
                        if (u[i] >= 0x80)
                                u[i] = '?';
        json_decref(t);
        return o;
}

json_t *oci_json_str(const char *s)
{
        json_t *v = json_string(s);
        if (v == NULL) {
                _cleanup_free_ char *fixed = utf8_fix(s);
                v = json_string(fixed);
        }
        return v;
}

void oci_json_set(json_t *obj, const char *key, json_t *v)
{
        if (v == NULL)
                return;
        if (json_object_set_new(obj, key, v) < 0) {
                _cleanup_free_ char *fixed = utf8_fix(key);
                json_object_set_new(obj, fixed, v);
        }
}

void oci_json_set_str(json_t *obj, const char *key, const char *s)
{
        if (s)
                oci_json_set(obj, key, oci_json_str(s));
}

json_t *oci_strv_json(char *const *v)
{
        if (v == NULL)
                return NULL;
        json_t *a = json_array();
        for (size_t i = 0; v[i]; i++)
                json_array_append_new(a, oci_json_str(v[i]));
        return a;
}

json_t *oci_set_json(char *const *v)
{
        if (v == NULL)
                return NULL;
        json_t *o = json_object();
        for (size_t i = 0; v[i]; i++)
                oci_json_set(o, v[i], json_object());
        return o;
}

json_t *oci_kv_json(const oci_kv *kv, size_t n)
{
        if (kv == NULL)
                return NULL;
        json_t *o = json_object();
        for (size_t i = 0; i < n; i++)
                oci_json_set_str(o, kv[i].key, kv[i].value);
        return o;
}

static json_t *platform_json(const oci_platform *p)
{
        json_t *o = json_object();
        oci_json_set_str(o, "architecture", p->architecture);
        oci_json_set_str(o, "os", p->os);
        oci_json_set_str(o, "variant", p->variant);
        oci_json_set_str(o, "os.version", p->os_version);
        oci_json_set(o, "os.features", oci_strv_json(p->os_features));
        return o;
}

json_t *oci_descriptor_json(const oci_descriptor *d)
{
        json_t *o = json_object();
        oci_json_set_str(o, "mediaType", d->media_type);
        oci_json_set_str(o, "digest", d->digest.s);
        json_object_set_new(o, "size", json_integer(d->size));
        oci_json_set(o, "urls", oci_strv_json(d->urls));
        oci_json_set(o, "annotations", oci_kv_json(d->annotations, d->n_annotations));
        oci_json_set_str(o, "artifactType", d->artifact_type);
        if (d->platform)
                json_object_set_new(o, "platform", platform_json(d->platform));
        return o;
}

char *oci_json_dump(json_t *root, size_t *ret_len)
{
        /* Strings we emit came from C strings, so json_dumps cannot fail but on OOM. */
        char *s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(root);
        if (s == NULL)
                abort();
        if (ret_len)
                *ret_len = strlen(s);
        return s;
}

char *oci_raw_copy(const char *json, size_t len)
{
        char *s = berth_xmalloc0(len + 1);
        memcpy(s, json, len);
        return s;
}
