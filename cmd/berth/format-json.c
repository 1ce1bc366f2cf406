/* SPDX-License-Identifier: Apache-2.0 */
/* `inspect -f`: the Go-template subset people use, over an inspect JSON object. */
#include "format.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
        char *s;
        size_t len;
};

static void add(struct out *o, const char *s, size_t len)
{
        o->s = berth_xrealloc(o->s, o->len + len + 1);
        memcpy(o->s + o->len, s, len);
        o->len += len;
        o->s[o->len] = '\0';
}

static void adds(struct out *o, const char *s)
{
        add(o, s, strlen(s));
}

static int cmp_key(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A value as Go's text/template prints it: maps as map[k:v …] with sorted keys, lists as
 * [a b], null as <no value>. */
static void go_print(struct out *o, const json_t *v, bool top)
{
        char buf[64];
        switch (json_typeof(v)) {
        case JSON_STRING:
                add(o, json_string_value(v), json_string_length(v));
                break;
        case JSON_INTEGER:
                snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                adds(o, buf);
                break;
        case JSON_REAL: {
                double d = json_real_value(v);
                if (d > -1e18 && d < 1e18 && d == (double)(long long)d)
                        snprintf(buf, sizeof(buf), "%lld", (long long)d);
                else
                        snprintf(buf, sizeof(buf), "%g", d);
                adds(o, buf);
                break;
        }
        case JSON_TRUE:
                adds(o, "true");
                break;
        case JSON_FALSE:
                adds(o, "false");
                break;
        case JSON_NULL:
                adds(o, top ? "<no value>" : "<nil>");
                break;
        case JSON_ARRAY: {
                adds(o, "[");
                size_t i;
                json_t *e;
                json_array_foreach ((json_t *)v, i, e) {
                        if (i)
                                adds(o, " ");
                        go_print(o, e, false);
                }
                adds(o, "]");
                break;
        }
        case JSON_OBJECT: {
                size_t n = json_object_size(v), i = 0;
                _cleanup_free_ const char **keys = berth_xmalloc0((n ? n : 1) * sizeof(char *));
                const char *k;
                json_t *e;
                json_object_foreach ((json_t *)v, k, e) {
                        keys[i++] = k;
                }
                qsort(keys, n, sizeof(char *), cmp_key);
                adds(o, "map[");
                for (i = 0; i < n; i++) {
                        if (i)
                                adds(o, " ");
                        adds(o, keys[i]);
                        adds(o, ":");
                        go_print(o, json_object_get(v, keys[i]), false);
                }
                adds(o, "]");
                break;
        }
        }
}

/* ".A.B" from root: NULL when a key is missing below the top (Go's map lookup); a missing
 * top-level field is an error (a struct in Docker). */
static int lookup(const json_t *root, const char *path, const json_t **ret, char *msg, size_t msgsz)
{
        if (strcmp(path, ".") == 0) {
                *ret = root;
                return 0;
        }
        const json_t *cur = root;
        _cleanup_free_ char *copy = berth_xstrdup(path + 1);
        bool top = true;
        char *save = NULL;
        for (char *k = strtok_r(copy, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
                if (cur == NULL) {
                        *ret = NULL;
                        return 0;
                }
                if (!json_is_object(cur)) {
                        snprintf(msg, msgsz, "template: can't evaluate field %s", k);
                        return -EINVAL;
                }
                const json_t *next = json_object_get(cur, k);
                if (next == NULL && top) {
                        snprintf(msg, msgsz, "template: can't evaluate field %s", k);
                        return -EINVAL;
                }
                cur = next;
                top = false;
        }
        *ret = cur;
        return 0;
}

static bool is_path(const char *s)
{
        return s[0] == '.';
}

/* One action's words: a path, `json PATH`, or `index PATH "key"…`. */
static int eval(struct out *o, const json_t *root, char *act, char *msg, size_t msgsz)
{
        char *words[8];
        size_t n = 0;
        char *save = NULL;
        for (char *w = strtok_r(act, " \t", &save); w && n < ARRAY_SIZE(words);
             w = strtok_r(NULL, " \t", &save))
                words[n++] = w;
        if (n == 0) {
                snprintf(msg, msgsz, "template: missing value for command");
                return -EINVAL;
        }
        const json_t *v = NULL;
        if (n == 1 && is_path(words[0])) {
                if (lookup(root, words[0], &v, msg, msgsz) < 0)
                        return -EINVAL;
                if (v == NULL)
                        adds(o, "<no value>");
                else
                        go_print(o, v, true);
                return 0;
        }
        if (strcmp(words[0], "json") == 0 && n == 2 && is_path(words[1])) {
                if (lookup(root, words[1], &v, msg, msgsz) < 0)
                        return -EINVAL;
                char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
                adds(o, s ? s : "null");
                free(s);
                return 0;
        }
        if (strcmp(words[0], "len") == 0 && n == 2 && is_path(words[1])) {
                if (lookup(root, words[1], &v, msg, msgsz) < 0)
                        return -EINVAL;
                size_t len = json_is_array(v)    ? json_array_size(v)
                             : json_is_object(v) ? json_object_size(v)
                             : json_is_string(v) ? json_string_length(v)
                                                 : SIZE_MAX;
                if (len == SIZE_MAX) {
                        snprintf(msg, msgsz, "template: len of %s: not a list, map or string",
                                 words[1]);
                        return -EINVAL;
                }
                char num[32];
                snprintf(num, sizeof(num), "%zu", len);
                adds(o, num);
                return 0;
        }
        if (strcmp(words[0], "index") == 0 && n >= 3 && is_path(words[1])) {
                if (lookup(root, words[1], &v, msg, msgsz) < 0)
                        return -EINVAL;
                for (size_t i = 2; i < n; i++) {
                        size_t len = strlen(words[i]);
                        if (len < 2 || words[i][0] != '"' || words[i][len - 1] != '"') {
                                snprintf(msg, msgsz, "template: index of %s: want a quoted key",
                                         words[i]);
                                return -EINVAL;
                        }
                        words[i][len - 1] = '\0';
                        v = json_is_object(v) ? json_object_get(v, words[i] + 1) : NULL;
                }
                if (v)
                        go_print(o, v, true);
                else
                        adds(o, "<no value>");
                return 0;
        }
        if (!is_path(words[0]) && strcmp(words[0], "json") != 0 && strcmp(words[0], "index") != 0 &&
            strcmp(words[0], "len") != 0)
                snprintf(msg, msgsz, "template: function \"%s\" not defined", words[0]);
        else
                snprintf(msg, msgsz, "template: cannot evaluate '%s'", words[0]);
        return -EINVAL;
}

char *cli_format_json(const char *tmpl, const json_t *v, char *msg, size_t msgsz)
{
        struct out o = {.s = berth_xstrdup("")};
        const char *p = tmpl;
        while (*p) {
                const char *open = strstr(p, "{{");
                if (open == NULL) {
                        adds(&o, p);
                        break;
                }
                add(&o, p, (size_t)(open - p));
                const char *close = strstr(open + 2, "}}");
                if (close == NULL) {
                        snprintf(msg, msgsz, "template: unclosed action in '%s'", tmpl);
                        free(o.s);
                        return NULL;
                }
                _cleanup_free_ char *act = strndup(open + 2, (size_t)(close - open - 2));
                if (eval(&o, v, act, msg, msgsz) < 0) {
                        free(o.s);
                        return NULL;
                }
                p = close + 2;
        }
        return o.s;
}
