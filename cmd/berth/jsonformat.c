/* SPDX-License-Identifier: Apache-2.0 */
/* `inspect --format`: the Go-template forms people use on inspect's JSON. */
#include "cli.h"
#include "base/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A value as Go's text/template prints it. */
static void go_print(FILE *f, const json_t *v)
{
        if (v == NULL || json_is_null(v)) {
                fputs("<no value>", f);
        } else if (json_is_string(v)) {
                fputs(json_string_value(v), f);
        } else if (json_is_true(v)) {
                fputs("true", f);
        } else if (json_is_false(v)) {
                fputs("false", f);
        } else if (json_is_integer(v)) {
                fprintf(f, "%lld", (long long)json_integer_value(v));
        } else if (json_is_real(v)) {
                fprintf(f, "%g", json_real_value(v));
        } else if (json_is_array(v)) {
                fputc('[', f);
                size_t i;
                json_t *e;
                json_array_foreach (v, i, e) {
                        if (i)
                                fputc(' ', f);
                        go_print(f, e);
                }
                fputc(']', f);
        } else {
                fputs("map[", f);
                const char *k;
                json_t *e;
                bool first = true;
                json_object_foreach ((json_t *)v, k, e) {
                        fprintf(f, "%s%s:", first ? "" : " ", k);
                        go_print(f, e);
                        first = false;
                }
                fputc(']', f);
        }
}

/* ".A.B" → the value under obj (NULL when absent); "." → obj. */
static json_t *lookup(json_t *obj, const char *path, bool *bad)
{
        if (path[0] != '.') {
                *bad = true;
                return NULL;
        }
        json_t *cur = obj;
        _cleanup_free_ char *copy = berth_xstrdup(path + 1);
        for (char *save = NULL, *k = strtok_r(copy, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
                if (!json_is_object(cur))
                        return NULL;
                cur = json_object_get(cur, k);
        }
        return cur;
}

static char *trim(char *s)
{
        while (*s == ' ')
                s++;
        size_t n = strlen(s);
        while (n && s[n - 1] == ' ')
                s[--n] = '\0';
        return s;
}

int cli_format_json(FILE *f, const char *tmpl, json_t *obj, berth_error *err)
{
        const char *p = tmpl;
        while (*p) {
                const char *open = strstr(p, "{{");
                if (open == NULL) {
                        fputs(p, f);
                        break;
                }
                fwrite(p, 1, (size_t)(open - p), f);
                const char *close = strstr(open, "}}");
                if (close == NULL)
                        return berth_errx(err, EINVAL, "template: unclosed action");
                _cleanup_free_ char *act = berth_xasprintf("%.*s", (int)(close - open - 2), open + 2);
                char *a = trim(act);
                bool bad = false;
                if (strncmp(a, "json ", 5) == 0) {
                        json_t *v = lookup(obj, trim(a + 5), &bad);
                        char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
                        fputs(s ? s : "null", f);
                        free(s);
                } else if (strncmp(a, "index ", 6) == 0) {
                        char *rest = trim(a + 6);
                        char *sp = strchr(rest, ' ');
                        if (sp == NULL)
                                return berth_errx(err, EINVAL, "template: bad index: %s", a);
                        *sp = '\0';
                        json_t *v = lookup(obj, rest, &bad);
                        char *key = trim(sp + 1);
                        size_t kl = strlen(key);
                        if (kl >= 2 && key[0] == '"' && key[kl - 1] == '"') {
                                key[kl - 1] = '\0';
                                key++;
                        }
                        json_t *x = json_is_object(v)  ? json_object_get(v, key)
                                    : json_is_array(v) ? json_array_get(v, strtoul(key, NULL, 10))
                                                       : NULL;
                        go_print(f, x);
                } else if (strncmp(a, "upper ", 6) == 0 || strncmp(a, "lower ", 6) == 0) {
                        json_t *v = lookup(obj, trim(a + 6), &bad);
                        const char *s = json_string_value(v);
                        for (; s && *s; s++)
                                fputc(a[0] == 'u' ? toupper(*s) : tolower(*s), f);
                } else {
                        json_t *v = lookup(obj, a, &bad);
                        if (!bad)
                                go_print(f, v);
                }
                if (bad)
                        return berth_errx(err, EINVAL, "template: unsupported action \"%s\"", a);
                p = close + 2;
        }
        fputc('\n', f);
        return 0;
}
