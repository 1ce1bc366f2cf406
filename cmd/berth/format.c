/* SPDX-License-Identifier: Apache-2.0 */
#include "format.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cli_format_is_table(const char *tmpl)
{
        return strncmp(tmpl, "table", 5) == 0 && (tmpl[5] == '\0' || tmpl[5] == ' ');
}

static const char *body_of(const char *tmpl)
{
        if (!cli_format_is_table(tmpl))
                return tmpl;
        tmpl += 5;
        while (*tmpl == ' ')
                tmpl++;
        return tmpl;
}

/* Find "{{ .Name }}" or "{{json .}}" at p; sets *name (or "json") and returns the end. */
static const char *action(const char *p, char *name, size_t namesz)
{
        const char *end = strstr(p, "}}");
        if (end == NULL)
                return NULL;
        const char *s = p + 2;
        while (*s == ' ')
                s++;
        const char *e = end;
        while (e > s && e[-1] == ' ')
                e--;
        size_t len = (size_t)(e - s);
        if (len >= namesz)
                len = namesz - 1;
        memcpy(name, s, len);
        name[len] = '\0';
        return end + 2;
}

static int field_index(const char *name, const cli_format_field *fields, size_t n)
{
        if (name[0] != '.')
                return -1;
        for (size_t i = 0; i < n; i++)
                if (strcmp(name + 1, fields[i].field) == 0)
                        return (int)i;
        return -1;
}

/* Walk the template; for each action call emit, for literal text call lit. */
static int walk(const char *tmpl, const cli_format_field *fields, size_t n,
                void (*lit)(void *, const char *, size_t), void (*act)(void *, int, bool),
                void *ctx, char *msg, size_t msgsz)
{
        const char *p = body_of(tmpl);
        while (*p) {
                if (p[0] == '{' && p[1] == '{') {
                        char name[128];
                        const char *next = action(p, name, sizeof(name));
                        if (next == NULL) {
                                snprintf(msg, msgsz, "template: unclosed action in '%s'", tmpl);
                                return -EINVAL;
                        }
                        if (strcmp(name, "json .") == 0) {
                                act(ctx, -1, true);
                        } else {
                                int i = field_index(name, fields, n);
                                if (i < 0) {
                                        snprintf(msg, msgsz,
                                                 "template: can't evaluate field %s in '%s'",
                                                 name[0] == '.' ? name + 1 : name, tmpl);
                                        return -EINVAL;
                                }
                                act(ctx, i, false);
                        }
                        p = next;
                } else if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
                        lit(ctx, p[1] == 't' ? "\t" : "\n", 1);
                        p += 2;
                } else {
                        lit(ctx, p, 1);
                        p++;
                }
        }
        return 0;
}

struct buf {
        char *s;
        size_t len;
        const cli_format_field *fields;
        const char *const *values;
        size_t n;
        bool header;
};

static void buf_add(struct buf *b, const char *s, size_t len)
{
        b->s = berth_xrealloc(b->s, b->len + len + 1);
        memcpy(b->s + b->len, s, len);
        b->len += len;
        b->s[b->len] = '\0';
}

static void lit_cb(void *ctx, const char *s, size_t len)
{
        buf_add(ctx, s, len);
}

static void act_cb(void *ctx, int i, bool json)
{
        struct buf *b = ctx;
        if (json) {
                json_t *o = json_object();
                for (size_t k = 0; k < b->n; k++)
                        json_object_set_new(
                            o, b->fields[k].field,
                            json_string(b->header ? b->fields[k].header : b->values[k]));
                char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
                buf_add(b, s, strlen(s));
                free(s);
                json_decref(o);
                return;
        }
        const char *v = b->header ? b->fields[i].header : b->values[i];
        buf_add(b, v, strlen(v));
}

static void nop_lit(void *ctx, const char *s, size_t len)
{
}

static void nop_act(void *ctx, int i, bool json)
{
}

int cli_format_check(const char *tmpl, const cli_format_field *fields, size_t n, char *msg,
                     size_t msgsz)
{
        return walk(tmpl, fields, n, nop_lit, nop_act, NULL, msg, msgsz);
}

char *cli_format_row(const char *tmpl, const cli_format_field *fields, const char *const *values,
                     size_t n)
{
        struct buf b = {.s = berth_xstrdup(""), .fields = fields, .values = values, .n = n};
        char msg[256];
        walk(tmpl, fields, n, lit_cb, act_cb, &b, msg, sizeof(msg));
        return b.s;
}

char *cli_format_header(const char *tmpl, const cli_format_field *fields, size_t n)
{
        struct buf b = {.s = berth_xstrdup(""), .fields = fields, .n = n, .header = true};
        char msg[256];
        walk(tmpl, fields, n, lit_cb, act_cb, &b, msg, sizeof(msg));
        return b.s;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *cli_labels_text(const json_t *labels)
{
        size_t n = json_object_size(labels), i = 0;
        _cleanup_free_ char **kv = berth_xmalloc0((n ? n : 1) * sizeof(char *));
        const char *k;
        json_t *v;
        json_object_foreach ((json_t *)labels, k, v)
                kv[i++] =
                    berth_xasprintf("%s=%s", k, json_string_value(v) ? json_string_value(v) : "");
        qsort(kv, n, sizeof(char *), cmp_str);
        char *out = berth_xstrdup("");
        for (i = 0; i < n; i++) {
                char *s = berth_xasprintf("%s%s%s", out, i ? "," : "", kv[i]);
                free(out);
                free(kv[i]);
                out = s;
        }
        return out;
}
