/* SPDX-License-Identifier: Apache-2.0 */
/* Typed, path-naming accessors over jansson values for the spec parser. */
#include "spec-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

const char *oci_path(char *buf, const char *base, const char *key)
{
        if (base == NULL || base[0] == '\0')
                snprintf(buf, OCI_PATH_MAX, "%s", key);
        else
                snprintf(buf, OCI_PATH_MAX, "%s.%s", base, key);
        return buf;
}

const char *oci_path_i(char *buf, const char *base, size_t i)
{
        snprintf(buf, OCI_PATH_MAX, "%s[%zu]", base ? base : "", i);
        return buf;
}

const char *oci_json_type(const json_t *v)
{
        switch (json_typeof(v)) {
        case JSON_OBJECT:
                return "object";
        case JSON_ARRAY:
                return "array";
        case JSON_STRING:
                return "string";
        case JSON_INTEGER:
                return "integer";
        case JSON_REAL:
                return "real";
        case JSON_TRUE:
        case JSON_FALSE:
                return "boolean";
        case JSON_NULL:
                return "null";
        }
        return "unknown";
}

json_t *oci_json_load(const char *json, size_t len, berth_error *err)
{
        json_error_t jerr;
        if (json == NULL) {
                berth_errx(err, EINVAL, "invalid JSON: no input");
                return NULL;
        }
        /* Without JSON_ALLOW_NUL, "\u0000" inside a string is refused: every
         * string we hand on is a proper C string. */
        json_t *root = json_loadb(json, len, 0, &jerr);
        if (root == NULL) {
                berth_errx(err, EINVAL, "invalid JSON at line %d column %d: %s", jerr.line,
                           jerr.column, jerr.text);
                return NULL;
        }
        return root;
}

int oci_err_type(berth_error *err, const char *path, const char *want, const json_t *v)
{
        return berth_errx(err, EINVAL, "%s: expected %s, got %s", path, want, oci_json_type(v));
}

int oci_err_missing(berth_error *err, const char *path)
{
        return berth_errx(err, EINVAL, "%s: missing", path);
}

int oci_want_object(json_t *v, const char *path, berth_error *err)
{
        return json_is_object(v) ? 0 : oci_err_type(err, path, "an object", v);
}

int oci_want_array(json_t *v, const char *path, berth_error *err)
{
        return json_is_array(v) ? 0 : oci_err_type(err, path, "an array", v);
}

int oci_val_str(json_t *v, const char *path, char **ret, berth_error *err)
{
        if (!json_is_string(v))
                return oci_err_type(err, path, "a string", v);
        char *s = berth_xstrdup(json_string_value(v));
        free(*ret);
        *ret = s;
        return 0;
}

int oci_val_i64(json_t *v, const char *path, int64_t min, int64_t max, int64_t *ret,
                berth_error *err)
{
        if (!json_is_integer(v))
                return oci_err_type(err, path, "an integer", v);
        json_int_t n = json_integer_value(v);
        if (n < min || n > max)
                return berth_errx(err, ERANGE,
                                  "%s: must be an integer between %" PRId64 " and %" PRId64
                                  ", got %lld",
                                  path, min, max, (long long)n);
        *ret = n;
        return 0;
}

int oci_val_u64(json_t *v, const char *path, uint64_t max, uint64_t *ret, berth_error *err)
{
        if (!json_is_integer(v))
                return oci_err_type(err, path, "an integer", v);
        json_int_t n = json_integer_value(v);
        if (n < 0)
                return berth_errx(err, ERANGE, "%s: must be a non-negative integer, got %lld", path,
                                  (long long)n);
        if ((uint64_t)n > max)
                return berth_errx(err, ERANGE,
                                  "%s: must be an integer between 0 and %" PRIu64 ", got %lld",
                                  path, max, (long long)n);
        *ret = (uint64_t)n;
        return 0;
}

/* obj[key], or NULL when absent or null. */
static json_t *field(json_t *obj, const char *key)
{
        json_t *v = json_object_get(obj, key);
        return json_is_null(v) ? NULL : v;
}

int oci_get_obj(json_t *obj, const char *base, const char *key, bool required, json_t **ret,
                berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *v = field(obj, key);
        if (v == NULL)
                return required ? oci_err_missing(err, oci_path(p, base, key)) : 0;
        if (!json_is_object(v))
                return oci_err_type(err, oci_path(p, base, key), "an object", v);
        *ret = v;
        return 1;
}

int oci_get_arr(json_t *obj, const char *base, const char *key, bool required, json_t **ret,
                berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *v = field(obj, key);
        if (v == NULL)
                return required ? oci_err_missing(err, oci_path(p, base, key)) : 0;
        if (!json_is_array(v))
                return oci_err_type(err, oci_path(p, base, key), "an array", v);
        *ret = v;
        return 1;
}

int oci_get_str(json_t *obj, const char *base, const char *key, bool required, char **ret,
                berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *v = field(obj, key);
        if (v == NULL)
                return required ? oci_err_missing(err, oci_path(p, base, key)) : 0;
        int r = oci_val_str(v, oci_path(p, base, key), ret, err);
        return r < 0 ? r : 1;
}

int oci_get_bool(json_t *obj, const char *base, const char *key, bool *ret, berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *v = field(obj, key);
        if (v == NULL)
                return 0;
        if (!json_is_boolean(v))
                return oci_err_type(err, oci_path(p, base, key), "a boolean", v);
        *ret = json_is_true(v);
        return 1;
}

int oci_get_i64(json_t *obj, const char *base, const char *key, bool required, int64_t min,
                int64_t max, int64_t *ret, berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *v = field(obj, key);
        if (v == NULL)
                return required ? oci_err_missing(err, oci_path(p, base, key)) : 0;
        int r = oci_val_i64(v, oci_path(p, base, key), min, max, ret, err);
        return r < 0 ? r : 1;
}

int oci_get_u64(json_t *obj, const char *base, const char *key, bool required, uint64_t max,
                uint64_t *ret, berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *v = field(obj, key);
        if (v == NULL)
                return required ? oci_err_missing(err, oci_path(p, base, key)) : 0;
        int r = oci_val_u64(v, oci_path(p, base, key), max, ret, err);
        return r < 0 ? r : 1;
}

int oci_get_u32(json_t *obj, const char *base, const char *key, bool required, uint32_t *ret,
                berth_error *err)
{
        uint64_t n = 0;
        int r = oci_get_u64(obj, base, key, required, UINT32_MAX, &n, err);
        if (r > 0)
                *ret = (uint32_t)n;
        return r;
}

int oci_get_opt_i64(json_t *obj, const char *base, const char *key, int64_t min, int64_t max,
                    oci_opt_i64 *ret, berth_error *err)
{
        int64_t n = 0;
        int r = oci_get_i64(obj, base, key, false, min, max, &n, err);
        if (r > 0)
                *ret = (oci_opt_i64){.set = true, .v = n};
        return r;
}

int oci_get_opt_u64(json_t *obj, const char *base, const char *key, uint64_t max, oci_opt_u64 *ret,
                    berth_error *err)
{
        uint64_t n = 0;
        int r = oci_get_u64(obj, base, key, false, max, &n, err);
        if (r > 0)
                *ret = (oci_opt_u64){.set = true, .v = n};
        return r;
}

int oci_get_strv(json_t *obj, const char *base, const char *key, bool required, char ***ret,
                 berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        json_t *arr = NULL;
        int r = oci_get_arr(obj, base, key, required, &arr, err);
        if (r <= 0)
                return r;
        oci_path(p, base, key);
        size_t n = json_array_size(arr);
        _cleanup_strv_ char **v = berth_xmalloc0((n + 1) * sizeof(char *));
        for (size_t i = 0; i < n; i++) {
                json_t *el = json_array_get(arr, i);
                if (!json_is_string(el))
                        return oci_err_type(err, oci_path_i(ep, p, i), "a string", el);
                v[i] = berth_xstrdup(json_string_value(el));
        }
        berth_strv_free(*ret);
        *ret = TAKE_PTR(v);
        return 1;
}

void oci_kv_free(oci_kv *kv, size_t n)
{
        for (size_t i = 0; kv && i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

int oci_get_kv(json_t *obj, const char *base, const char *key, oci_kv **ret, size_t *ret_n,
               berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        json_t *o = NULL;
        int r = oci_get_obj(obj, base, key, false, &o, err);
        if (r <= 0)
                return r;
        oci_path(p, base, key);
        size_t n = json_object_size(o), i = 0;
        oci_kv *kv = berth_xmalloc0((n ? n : 1) * sizeof(oci_kv));
        const char *k;
        json_t *v;
        json_object_foreach (o, k, v) {
                if (k[0] == '\0') {
                        oci_kv_free(kv, i);
                        return berth_errx(err, EINVAL, "%s: keys must not be empty", p);
                }
                if (!json_is_string(v)) {
                        oci_kv_free(kv, i);
                        return oci_err_type(err, oci_path(ep, p, k), "a string", v);
                }
                kv[i].key = berth_xstrdup(k);
                kv[i].value = berth_xstrdup(json_string_value(v));
                i++;
        }
        oci_kv_free(*ret, *ret_n);
        *ret = kv;
        *ret_n = i;
        return 1;
}

int oci_clean_path(const char *in, char **ret)
{
        if (in == NULL || in[0] != '/')
                return -EINVAL;
        size_t len = strlen(in);
        char *out = berth_xmalloc0(len + 2);
        size_t o = 0; /* out[0..o) holds the cleaned prefix, without trailing '/' */
        const char *s = in;
        while (*s) {
                while (*s == '/')
                        s++;
                const char *e = s;
                while (*e && *e != '/')
                        e++;
                size_t n = (size_t)(e - s);
                if (n == 0 || (n == 1 && s[0] == '.')) {
                        /* nothing */
                } else if (n == 2 && s[0] == '.' && s[1] == '.') {
                        if (o == 0) {
                                free(out);
                                return -EPERM;
                        }
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--; /* drop the separator too */
                } else {
                        out[o++] = '/';
                        memcpy(out + o, s, n);
                        o += n;
                }
                s = e;
        }
        if (o == 0)
                out[o++] = '/';
        out[o] = '\0';
        *ret = out;
        return 0;
}

int oci_abs_path(const char *in, const char *path, char **ret, berth_error *err)
{
        char *clean = NULL;
        int r = oci_clean_path(in, &clean);
        if (r == -EINVAL)
                return berth_errx(err, EINVAL, "%s: must be an absolute path, got '%s'", path, in);
        if (r == -EPERM)
                return berth_errx(err, EINVAL, "%s: '%s' climbs above '/'", path, in);
        free(*ret);
        *ret = clean;
        return 0;
}
