/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's filters: key → set of values, from the API's JSON or --filter flags. */
#include "engine/filters.h"

#include "base/cleanup.h"
#include "base/cleanup-json.h"
#include "base/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* fields: key → object of value → true (Docker's map[string]map[string]bool, ordered). */
struct berth_filters {
        json_t *fields;
};

berth_filters *berth_filters_new(void)
{
        berth_filters *f = calloc(1, sizeof(*f));
        if (f == NULL)
                abort();
        f->fields = json_object();
        return f;
}

void berth_filters_free(berth_filters *f)
{
        if (f == NULL)
                return;
        json_decref(f->fields);
        free(f);
}

void berth_filters_add_kv(berth_filters *f, const char *key, const char *value)
{
        json_t *set = json_object_get(f->fields, key);
        if (set == NULL) {
                set = json_object();
                json_object_set_new(f->fields, key, set);
        }
        json_object_set_new(set, value, json_true());
}

int berth_filters_from_json_value(const json_t *j, berth_filters **ret, berth_error *err)
{
        _cleanup_filters_ berth_filters *f = berth_filters_new();
        if (j != NULL && !json_is_null(j)) {
                if (!json_is_object(j))
                        return berth_errx(err, EINVAL, "invalid filter: not a JSON object");
                const char *k;
                json_t *v;
                json_object_foreach ((json_t *)j, k, v) {
                        if (json_is_array(v)) { /* {"key":["a","b"]} */
                                size_t i;
                                json_t *s;
                                json_array_foreach (v, i, s) {
                                        if (!json_is_string(s))
                                                return berth_errx(err, EINVAL,
                                                                  "invalid filter '%s': values "
                                                                  "must be strings",
                                                                  k);
                                        berth_filters_add_kv(f, k, json_string_value(s));
                                }
                        } else if (json_is_object(v)) { /* {"key":{"a":true}} */
                                const char *vk;
                                json_t *b;
                                json_object_foreach (v, vk, b) {
                                        if (!json_is_boolean(b))
                                                return berth_errx(err, EINVAL,
                                                                  "invalid filter '%s': values "
                                                                  "must be booleans",
                                                                  k);
                                        if (json_is_true(b))
                                                berth_filters_add_kv(f, k, vk);
                                }
                        } else {
                                return berth_errx(err, EINVAL,
                                                  "invalid filter '%s': want a list of strings", k);
                        }
                }
        }
        *ret = TAKE_PTR(f);
        return 0;
}

int berth_filters_from_json(const char *json, berth_filters **ret, berth_error *err)
{
        if (json == NULL || *json == '\0') {
                *ret = berth_filters_new();
                return 0;
        }
        json_error_t je;
        _cleanup_json_ json_t *j = json_loads(json, JSON_DECODE_ANY, &je);
        if (j == NULL)
                return berth_errx(err, EINVAL, "invalid filter: %s", je.text);
        return berth_filters_from_json_value(j, ret, err);
}

json_t *berth_filters_to_json(const berth_filters *f)
{
        json_t *out = json_object();
        const char *k, *vk;
        json_t *set, *b;
        json_object_foreach (f->fields, k, set) {
                json_t *a = json_array();
                json_object_foreach (set, vk, b)
                        json_array_append_new(a, json_string(vk));
                json_object_set_new(out, k, a);
        }
        return out;
}

static char *trim(const char *s, size_t n)
{
        while (n > 0 && isspace((unsigned char)*s))
                s++, n--;
        while (n > 0 && isspace((unsigned char)s[n - 1]))
                n--;
        return berth_xasprintf("%.*s", (int)n, s);
}

int berth_filters_add(berth_filters *f, const char *spec, berth_error *err)
{
        const char *eq = strchr(spec, '=');
        if (eq == NULL)
                return berth_errx(err, EINVAL, "bad format of filter (expected name=value)");
        _cleanup_free_ char *k = trim(spec, (size_t)(eq - spec));
        _cleanup_free_ char *v = trim(eq + 1, strlen(eq + 1));
        berth_filters_add_kv(f, k, v);
        return 0;
}

int berth_filters_check(const berth_filters *f, const char *const *allowed, berth_error *err)
{
        const char *k;
        json_t *set;
        json_object_foreach (f->fields, k, set) {
                bool ok = false;
                for (const char *const *a = allowed; a && *a && !ok; a++)
                        ok = strcmp(*a, k) == 0;
                if (!ok)
                        return berth_errx(err, EINVAL, "invalid filter '%s'", k);
        }
        return 0;
}

bool berth_filters_empty(const berth_filters *f)
{
        return f == NULL || json_object_size(f->fields) == 0;
}

bool berth_filters_has(const berth_filters *f, const char *key)
{
        return berth_filters_count(f, key) > 0;
}

size_t berth_filters_count(const berth_filters *f, const char *key)
{
        return f ? json_object_size(json_object_get(f->fields, key)) : 0;
}

char **berth_filters_get(const berth_filters *f, const char *key)
{
        char **out = NULL;
        const char *vk;
        json_t *b;
        json_object_foreach (f ? json_object_get(f->fields, key) : NULL, vk, b)
                berth_strv_push(&out, vk);
        return out;
}

char **berth_filters_keys(const berth_filters *f)
{
        char **out = NULL;
        const char *k;
        json_t *set;
        json_object_foreach (f ? f->fields : NULL, k, set)
                berth_strv_push(&out, k);
        return out;
}

bool berth_filters_match_exact(const berth_filters *f, const char *key, const char *value)
{
        if (!berth_filters_has(f, key))
                return true;
        return json_object_get(json_object_get(f->fields, key), value) != NULL;
}

bool berth_filters_match_prefix(const berth_filters *f, const char *key, const char *value)
{
        if (!berth_filters_has(f, key))
                return true;
        const char *vk;
        json_t *b;
        json_object_foreach (json_object_get(f->fields, key), vk, b)
                if (berth_str_has_prefix(value, vk))
                        return true;
        return false;
}

/* "k" or "k=v" against labels: the one place berth matches a label filter. */
static bool kv_matches(const char *spec, const json_t *labels)
{
        const char *eq = strchr(spec, '=');
        _cleanup_free_ char *k =
            eq ? berth_xasprintf("%.*s", (int)(eq - spec), spec) : berth_xstrdup(spec);
        const char *v = json_string_value(json_object_get(labels, k));
        return v != NULL && (eq == NULL || strcmp(v, eq + 1) == 0);
}

bool berth_labels_match_kv(char *const *want, const json_t *labels)
{
        STRV_FOREACH (w, (char **)want)
                if (!kv_matches(*w, labels))
                        return false;
        return true;
}

bool berth_filters_match_label(const berth_filters *f, const char *key, const json_t *labels)
{
        if (!berth_filters_has(f, key))
                return true;
        const char *vk;
        json_t *b;
        json_object_foreach (json_object_get(f->fields, key), vk, b)
                if (!kv_matches(vk, labels))
                        return false;
        return true;
}

bool berth_filters_match_labels_prune(const berth_filters *f, const json_t *labels)
{
        if (!berth_filters_match_label(f, "label", labels))
                return false;
        return !berth_filters_has(f, "label!") || !berth_filters_match_label(f, "label!", labels);
}

int berth_filters_get_bool(const berth_filters *f, const char *key, bool def, bool *ret,
                           berth_error *err)
{
        size_t n = berth_filters_count(f, key);
        if (n == 0) {
                *ret = def;
                return 0;
        }
        _cleanup_strv_ char **v = berth_filters_get(f, key);
        bool t = strcasecmp(v[0], "true") == 0 || strcmp(v[0], "1") == 0;
        bool fl = strcasecmp(v[0], "false") == 0 || strcmp(v[0], "0") == 0;
        if (n > 1 || (!t && !fl)) {
                _cleanup_free_ char *joined = berth_xstrdup(v[0]);
                for (size_t i = 1; v[i]; i++) {
                        char *j = berth_xasprintf("%s,%s", joined, v[i]);
                        free(joined);
                        joined = j;
                }
                return berth_errx(err, EINVAL, "invalid filter '%s=%s'", key, joined);
        }
        *ret = t;
        return 0;
}
