/* SPDX-License-Identifier: Apache-2.0 */
#include "changes.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A JSON array of strings, or NULL when s is not one. */
static char **json_strv(const char *s)
{
        json_t *a = json_loads(s, 0, NULL);
        if (!json_is_array(a)) {
                json_decref(a);
                return NULL;
        }
        char **v = berth_xmalloc0(sizeof(char *));
        size_t i;
        json_t *e;
        json_array_foreach (a, i, e) {
                if (!json_is_string(e)) {
                        berth_strv_free(v);
                        json_decref(a);
                        return NULL;
                }
                berth_strv_push(&v, json_string_value(e));
        }
        json_decref(a);
        return v;
}

/* Whitespace-separated words (no quoting beyond what docker's import accepts). */
static char **words(const char *s)
{
        char **v = berth_xmalloc0(sizeof(char *));
        _cleanup_free_ char *copy = berth_xstrdup(s);
        char *save = NULL;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
                berth_strv_push(&v, w);
        return v;
}

static char **exec_form(const char *arg)
{
        char **v = json_strv(arg);
        if (v)
                return v;
        v = berth_xmalloc0(sizeof(char *));
        berth_strv_push(&v, "/bin/sh");
        berth_strv_push(&v, "-c");
        berth_strv_push(&v, arg);
        return v;
}

/* "a=b c=d" (or, for ENV only, "KEY the value"): calls set for each pair. */
static int pairs(const char *what, const char *arg, bool allow_space_form, oci_container_config *cc,
                 void (*set)(oci_container_config *, const char *, const char *), berth_error *err)
{
        const char *sp = strpbrk(arg, " \t");
        const char *eq = strchr(arg, '=');
        if (allow_space_form && (eq == NULL || (sp && sp < eq))) {
                if (sp == NULL)
                        return berth_errx(err, EINVAL, "%s needs a value: '%s'", what, arg);
                _cleanup_free_ char *key = strndup(arg, (size_t)(sp - arg));
                while (*sp == ' ' || *sp == '\t')
                        sp++;
                set(cc, key, sp);
                return 0;
        }
        _cleanup_strv_ char **v = words(arg);
        STRV_FOREACH (w, v) {
                char *e = strchr(*w, '=');
                if (e == NULL || e == *w)
                        return berth_errx(err, EINVAL, "%s wants key=value, not '%s'", what, *w);
                *e = '\0';
                char *val = e + 1;
                size_t n = strlen(val);
                if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
                        val[n - 1] = '\0';
                        val++;
                }
                set(cc, *w, val);
        }
        return 0;
}

int berth_config_apply_change(oci_image_config *c, const char *change, berth_error *err)
{
        while (isspace((unsigned char)*change))
                change++;
        size_t n = strcspn(change, " \t");
        _cleanup_free_ char *inst = strndup(change, n);
        const char *arg = change + n;
        while (isspace((unsigned char)*arg))
                arg++;
        if (*arg == '\0')
                return berth_errx(err, EINVAL, "invalid change '%s': %s needs an argument", change,
                                  inst);
        oci_container_config *cc = berth_oci_image_config_edit(c);
        int r = 0;
        if (strcasecmp(inst, "CMD") == 0) {
                berth_strv_free(cc->cmd);
                cc->cmd = exec_form(arg);
        } else if (strcasecmp(inst, "ENTRYPOINT") == 0) {
                berth_strv_free(cc->entrypoint);
                cc->entrypoint = exec_form(arg);
        } else if (strcasecmp(inst, "ENV") == 0) {
                r = pairs("ENV", arg, true, cc, berth_oci_config_set_env, err);
        } else if (strcasecmp(inst, "LABEL") == 0) {
                r = pairs("LABEL", arg, false, cc, berth_oci_config_set_label, err);
        } else if (strcasecmp(inst, "WORKDIR") == 0) {
                if (arg[0] != '/')
                        return berth_errx(err, EINVAL, "WORKDIR must be an absolute path: '%s'",
                                          arg);
                free(cc->working_dir);
                cc->working_dir = berth_xstrdup(arg);
        } else if (strcasecmp(inst, "USER") == 0) {
                free(cc->user);
                cc->user = berth_xstrdup(arg);
        } else if (strcasecmp(inst, "STOPSIGNAL") == 0) {
                free(cc->stop_signal);
                cc->stop_signal = berth_xstrdup(arg);
        } else if (strcasecmp(inst, "EXPOSE") == 0) {
                _cleanup_strv_ char **v = words(arg);
                STRV_FOREACH (p, v)
                        if ((r = berth_oci_config_expose(cc, *p, err)) < 0)
                                return r;
        } else if (strcasecmp(inst, "VOLUME") == 0) {
                _cleanup_strv_ char **v = json_strv(arg);
                if (v == NULL)
                        v = words(arg);
                STRV_FOREACH (p, v)
                        berth_oci_config_add_volume(cc, *p);
        } else {
                return berth_errx(err, EINVAL,
                                  "invalid change '%s': %s is not a valid change command (CMD, "
                                  "ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, "
                                  "WORKDIR)",
                                  change, inst);
        }
        return r;
}
