/* SPDX-License-Identifier: Apache-2.0 */
#include "format.h"
#include "base/cleanup.h"
#include "base/cleanup-json.h"
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

/* What a listing's template runs: after "table ", with docker's "\t" and "\n" escapes made
 * real (its formatter does the same before parsing), malloc'd. */
static char *body_of(const char *tmpl)
{
        if (cli_format_is_table(tmpl)) {
                tmpl += 5;
                while (*tmpl == ' ')
                        tmpl++;
        }
        char *out = berth_xstrdup(tmpl), *w = out;
        for (const char *p = tmpl; *p; p++) {
                if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
                        *w++ = p[1] == 't' ? '\t' : '\n';
                        p++;
                } else {
                        *w++ = *p;
                }
        }
        *w = '\0';
        return out;
}

/* One row as an object: each field's value (or, for the header, its column name), the keys
 * in sorted order, as docker's {{json .}} prints a row. */
static json_t *row_of(const cli_format_field *fields, const char *const *values, size_t n)
{
        json_t *o = json_object();
        const char *last = "";
        for (size_t done = 0; done < n; done++) { /* n is a dozen: the next key each time */
                size_t best = n;
                for (size_t k = 0; k < n; k++)
                        if (strcmp(fields[k].field, last) > 0 &&
                            (best == n || strcmp(fields[k].field, fields[best].field) < 0))
                                best = k;
                if (best == n)
                        break;
                const char *v = values ? values[best] : fields[best].header;
                json_object_set_new(o, fields[best].field, json_string(v ? v : ""));
                last = fields[best].field;
        }
        if (values == NULL)
                json_object_set_new(o, CLI_FORMAT_HEADER_KEY, json_true());
        return o;
}

static char *run_row(const char *tmpl, const cli_format_field *fields, const char *const *values,
                     size_t n, char *msg, size_t msgsz)
{
        _cleanup_free_ char *body = body_of(tmpl);
        _cleanup_json_ json_t *row = row_of(fields, values, n);
        return cli_format_json(body, row, msg, msgsz);
}

int cli_format_check(const char *tmpl, const cli_format_field *fields, size_t n, char *msg,
                     size_t msgsz)
{
        char *s = run_row(tmpl, fields, NULL, n, msg, msgsz);
        free(s);
        return s ? 0 : -EINVAL;
}

char *cli_format_row(const char *tmpl, const cli_format_field *fields, const char *const *values,
                     size_t n)
{
        char msg[256];
        char *s = run_row(tmpl, fields, values, n, msg, sizeof(msg));
        return s ? s : berth_xstrdup("");
}

char *cli_format_header(const char *tmpl, const cli_format_field *fields, size_t n)
{
        char msg[256];
        char *s = run_row(tmpl, fields, NULL, n, msg, sizeof(msg));
        return s ? s : berth_xstrdup("");
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
