/* SPDX-License-Identifier: Apache-2.0 */
/* Build arguments: --build-arg, the global scope, ARG in a stage, RUN's environment. */
#include "build-internal.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Given without an ARG, and still passed to RUN (never into the image or its history). */
static const char *const proxy_args[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                                         "FTP_PROXY",  "ftp_proxy",  "NO_PROXY",    "no_proxy",
                                         "ALL_PROXY",  "all_proxy",  NULL};

static bool is_proxy_arg(const char *name)
{
        for (size_t i = 0; proxy_args[i]; i++)
                if (strcmp(proxy_args[i], name) == 0)
                        return true;
        return false;
}

void build_strv_set(char ***v, const char *name, const char *value)
{
        size_t n = strlen(name);
        char *entry = berth_xasprintf("%s=%s", name, value);
        STRV_FOREACH (e, *v)
                if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
                        free(*e);
                        *e = entry;
                        return;
                }
        berth_strv_push(v, entry);
        free(entry);
}

void build_args_init(build *b)
{
        b->given = berth_xmalloc0(sizeof(char *));
        b->consumed = berth_xmalloc0(sizeof(char *));
        STRV_FOREACH (a, (char **)b->o->build_args) {
                const char *eq = strchr(*a, '=');
                if (eq) {
                        _cleanup_free_ char *name = strndup(*a, (size_t)(eq - *a));
                        build_strv_set(&b->given, name, eq + 1);
                } else if (getenv(*a)) {
                        build_strv_set(&b->given, *a, getenv(*a));
                }
        }
}

static void consume(build *b, const char *name)
{
        if (!berth_strv_contains(b->consumed, name))
                berth_strv_push(&b->consumed, name);
}

const char *build_args_global_lookup(const char *name, void *ctx)
{
        build *b = ctx;
        return berth_strv_env_get(b->global, name);
}

/* BuildKit's automatic platform args: the build runs on and for the host. */
static void platform_args(build *b, char ***v)
{
        const char *variant = b->variant ? b->variant : "";
        const char *pre[] = {"TARGET", "BUILD"};
        for (size_t i = 0; i < 2; i++) {
                _cleanup_free_ char *p = berth_xasprintf("%sPLATFORM", pre[i]);
                _cleanup_free_ char *os = berth_xasprintf("%sOS", pre[i]);
                _cleanup_free_ char *arch = berth_xasprintf("%sARCH", pre[i]);
                _cleanup_free_ char *var = berth_xasprintf("%sVARIANT", pre[i]);
                build_strv_set(v, p, b->platform);
                build_strv_set(v, os, b->os);
                build_strv_set(v, arch, b->arch);
                build_strv_set(v, var, variant);
        }
}

/* One ARG's pairs into *scope: a given value wins, then the default (expanded in lookup's
 * scope), then fallback's value (the global scope, the platform args); unset otherwise. */
static int declare(build *b, const berth_dockerfile_instr *in, char ***scope,
                   berth_build_lookup_fn lookup, void *ctx, char *const *fallback, FILE *by,
                   berth_error *err)
{
        berth_build_expand_opts eo = {.escape = b->df->escape};
        for (size_t i = 0; i < in->n_kvs; i++) {
                _cleanup_free_ char *name = NULL, *def = NULL;
                if (berth_build_expand(in->kvs[i].key, &eo, lookup, ctx, &name, err) < 0)
                        return -err->code;
                if (in->kvs[i].value &&
                    berth_build_expand(in->kvs[i].value, &eo, lookup, ctx, &def, err) < 0)
                        return -err->code;
                const char *given = berth_strv_env_get(b->given, name);
                const char *value = given ? given : def ? def : berth_strv_env_get(fallback, name);
                if (given)
                        consume(b, name);
                if (by)
                        fprintf(by, " %s%s%s", name, def ? "=" : "", def ? def : "");
                if (value)
                        build_strv_set(scope, name, value);
        }
        return 0;
}

int build_args_global(build *b, berth_error *err)
{
        _cleanup_strv_ char **auto_args = berth_xmalloc0(sizeof(char *));
        platform_args(b, &auto_args);
        b->global = berth_strv_dup(auto_args);
        for (size_t i = 0; i < b->df->n_global_args; i++)
                if (declare(b, &b->df->instrs[i], &b->global, build_args_global_lookup, b, NULL,
                            NULL, err) < 0)
                        return -err->code;
        return 0;
}

int build_args_stage(build_stage *s, const berth_dockerfile_instr *in, char **ret_created_by,
                     berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *by = open_memstream(&text, &len);
        if (by == NULL)
                return berth_err(err, errno, "cannot make a history entry");
        _cleanup_free_ char *prefix = berth_build_nop_prefix(&s->sc);
        fprintf(by, "%s ARG", prefix);
        int r =
            declare(s->b, in, &s->sc.args, berth_build_scope_lookup, &s->sc, s->b->global, by, err);
        fclose(by);
        if (r < 0)
                return r;
        *ret_created_by = TAKE_PTR(text);
        return 0;
}

char **build_args_run_env(build_stage *s)
{
        char **env = berth_strv_dup(s->sc.cfg->config.env);
        if (env == NULL)
                env = berth_xmalloc0(sizeof(char *));
        STRV_FOREACH (a, s->sc.args) {
                _cleanup_free_ char *name = strndup(*a, strcspn(*a, "="));
                if (berth_strv_env_get(env, name) == NULL)
                        berth_strv_push(&env, *a);
        }
        for (size_t i = 0; proxy_args[i]; i++) {
                const char *v = berth_strv_env_get(s->b->given, proxy_args[i]);
                if (v && berth_strv_env_get(env, proxy_args[i]) == NULL)
                        build_strv_set(&env, proxy_args[i], v);
        }
        return env;
}

char *build_args_unconsumed(build *b)
{
        _cleanup_strv_ char **left = berth_xmalloc0(sizeof(char *));
        STRV_FOREACH (a, b->given) {
                _cleanup_free_ char *name = strndup(*a, strcspn(*a, "="));
                /* SOURCE_DATE_EPOCH is the build's own (build.h), never unused */
                if (!is_proxy_arg(name) && strcmp(name, "SOURCE_DATE_EPOCH") != 0 &&
                    !berth_strv_contains(b->consumed, name))
                        berth_strv_push(&left, name);
        }
        if (left[0] == NULL)
                return NULL;
        _cleanup_free_ char *names = berth_strv_join(left, SIZE_MAX, " ");
        return berth_xasprintf("[Warning] One or more build-args [%s] were not consumed", names);
}
