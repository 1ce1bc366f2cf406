/* SPDX-License-Identifier: Apache-2.0 */
/* Typed reads of the create body, with the field's path in every message. */
#include "specgen-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

static const char *type_name(const json_t *v)
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
                return "number";
        case JSON_TRUE:
        case JSON_FALSE:
                return "boolean";
        case JSON_NULL:
                return "null";
        }
        return "unknown";
}

/* The value at key, NULL when absent or null. */
static json_t *get(const json_t *o, const char *key)
{
        json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
        return json_is_null(v) ? NULL : v;
}

static int wrong_type(const char *where, const char *key, const char *want, const json_t *v,
                      berth_error *err)
{
        return berth_errx(err, EINVAL, "%s%s%s: expected %s, got %s", where ? where : "",
                          where && where[0] ? "." : "", key, want, type_name(v));
}

int sg_get_str(const json_t *o, const char *where, const char *key, const char **ret,
               berth_error *err)
{
        json_t *v = get(o, key);
        if (v && !json_is_string(v))
                return wrong_type(where, key, "a string", v, err);
        *ret = v ? json_string_value(v) : NULL;
        return 0;
}

int sg_get_opt_int(const json_t *o, const char *where, const char *key, int64_t *ret, bool *set,
                   berth_error *err)
{
        json_t *v = get(o, key);
        *set = false;
        *ret = 0;
        if (v == NULL)
                return 0;
        if (json_is_real(v)) {
                /* JSON has one number type; some clients write 1e9 or 512.0. */
                double d = json_real_value(v);
                if (d != (double)(int64_t)d)
                        return wrong_type(where, key, "an integer", v, err);
                *ret = (int64_t)d;
        } else if (json_is_integer(v))
                *ret = json_integer_value(v);
        else
                return wrong_type(where, key, "an integer", v, err);
        *set = true;
        return 0;
}

int sg_get_int(const json_t *o, const char *where, const char *key, int64_t *ret, berth_error *err)
{
        bool set;
        return sg_get_opt_int(o, where, key, ret, &set, err);
}

int sg_get_bool(const json_t *o, const char *where, const char *key, bool *ret, berth_error *err)
{
        json_t *v = get(o, key);
        if (v && !json_is_boolean(v))
                return wrong_type(where, key, "a boolean", v, err);
        *ret = v && json_is_true(v);
        return 0;
}

int sg_get_array(const json_t *o, const char *where, const char *key, const json_t **ret,
                 berth_error *err)
{
        json_t *v = get(o, key);
        if (v && !json_is_array(v))
                return wrong_type(where, key, "an array", v, err);
        *ret = v;
        return 0;
}

int sg_get_object(const json_t *o, const char *where, const char *key, const json_t **ret,
                  berth_error *err)
{
        json_t *v = get(o, key);
        if (v && !json_is_object(v))
                return wrong_type(where, key, "an object", v, err);
        *ret = v;
        return 0;
}

int sg_get_strv(const json_t *o, const char *where, const char *key, char ***ret, berth_error *err)
{
        json_t *v = get(o, key);
        if (v == NULL) {
                *ret = NULL;
                return 0;
        }
        char **out = berth_xmalloc0(sizeof(char *));
        if (json_is_string(v)) {
                berth_strv_push(&out, json_string_value(v));
                *ret = out;
                return 0;
        }
        if (!json_is_array(v)) {
                berth_strv_free(out);
                return wrong_type(where, key, "an array of strings", v, err);
        }
        size_t i;
        json_t *el;
        json_array_foreach (v, i, el) {
                if (!json_is_string(el)) {
                        berth_strv_free(out);
                        return berth_errx(err, EINVAL, "%s%s%s[%zu]: expected a string, got %s",
                                          where ? where : "", where && where[0] ? "." : "", key, i,
                                          type_name(el));
                }
                berth_strv_push(&out, json_string_value(el));
        }
        *ret = out;
        return 0;
}

json_t *sg_strv_json(char *const *v)
{
        json_t *a = json_array();
        for (size_t i = 0; v && v[i]; i++)
                json_array_append_new(a, json_string(v[i]));
        return a;
}

void sg_strv_add_unique(char ***v, const char *s)
{
        if (!berth_strv_contains(*v, s))
                berth_strv_push(v, s);
}

bool sg_kernel_at_least(int major, int minor)
{
        struct utsname u;
        int ma = 0, mi = 0;
        if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) < 1)
                return false;
        return ma > major || (ma == major && mi >= minor);
}
