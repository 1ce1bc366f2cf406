/* SPDX-License-Identifier: Apache-2.0 */
/* The metadata instructions: a stage's config changed, no layer (step.h). */
#include "step.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ENV over ARG, as Docker: the stage's environment first, then its build arguments. */
const char *berth_build_scope_lookup(const char *name, void *ctx)
{
        const berth_build_scope *sc = ctx;
        const char *v = berth_strv_env_get(sc->cfg->config.env, name);
        return v ? v : berth_strv_env_get(sc->args, name);
}

int berth_build_expand_in(berth_build_scope *sc, const char *word, char **ret, berth_error *err)
{
        berth_build_expand_opts eo = {.escape = sc->escape};
        return berth_build_expand(word, &eo, berth_build_scope_lookup, sc, ret, err);
}

/* Exec form as written; shell form through the stage's SHELL (["/bin/sh", "-c"] by default). */
char **berth_build_command(const berth_build_scope *sc, const berth_dockerfile_instr *in)
{
        char **v = berth_xmalloc0(sizeof(char *));
        if (in->json) {
                for (size_t i = 0; i < in->n_args; i++)
                        berth_strv_push(&v, in->args[i]);
                return v;
        }
        char *const *shell = sc->cfg->config.shell;
        if (shell == NULL || shell[0] == NULL) {
                berth_strv_push(&v, "/bin/sh");
                berth_strv_push(&v, "-c");
        } else {
                STRV_FOREACH (s, (char **)shell)
                        berth_strv_push(&v, *s);
        }
        berth_strv_push(&v, in->n_args ? in->args[0] : "");
        return v;
}

char *berth_build_nop_prefix(const berth_build_scope *sc)
{
        char *const *shell = sc->cfg->config.shell;
        if (shell == NULL || shell[0] == NULL)
                return berth_xstrdup("/bin/sh -c #(nop) ");
        _cleanup_free_ char *sh = berth_strv_join(shell, SIZE_MAX, " ");
        return berth_xasprintf("%s #(nop) ", sh);
}

/* Go's Duration.String(): "0s", "1.5s", "500ms", "1m30s", "1h0m0s". */
static void go_duration(FILE *f, int64_t ns)
{
        if (ns == 0) {
                fputs("0s", f);
                return;
        }
        if (ns < 0) {
                fputc('-', f);
                ns = -ns;
        }
        if (ns < 1000000000) {
                const char *unit = ns < 1000 ? "ns" : ns < 1000000 ? "µs" : "ms";
                int64_t div = ns < 1000 ? 1 : ns < 1000000 ? 1000 : 1000000;
                char frac[16] = "";
                int64_t rem = ns % div;
                if (rem) {
                        int digits = div == 1000 ? 3 : 6;
                        snprintf(frac, sizeof(frac), ".%0*lld", digits, (long long)rem);
                        for (size_t k = strlen(frac); k > 1 && frac[k - 1] == '0'; k--)
                                frac[k - 1] = '\0';
                }
                fprintf(f, "%lld%s%s", (long long)(ns / div), frac, unit);
                return;
        }
        int64_t s = ns / 1000000000, rem = ns % 1000000000;
        int64_t h = s / 3600, m = s / 60 % 60;
        if (h)
                fprintf(f, "%lldh", (long long)h);
        if (h || m)
                fprintf(f, "%lldm", (long long)m);
        fprintf(f, "%lld", (long long)(s % 60));
        if (rem) {
                char frac[16];
                snprintf(frac, sizeof(frac), ".%09lld", (long long)rem);
                for (size_t k = strlen(frac); k > 1 && frac[k - 1] == '0'; k--)
                        frac[k - 1] = '\0';
                fputs(frac, f);
        }
        fputc('s', f);
}

/* Go's %q of an int (a rune): 'A', '\x04', '\n'. */
static void go_rune(FILE *f, int n)
{
        static const char esc[] = {'a', 'b', 't', 'n', 'v', 'f', 'r'};
        if (n >= 7 && n <= 13)
                fprintf(f, "'\\%c'", esc[n - 7]);
        else if (n == '\'' || n == '\\')
                fprintf(f, "'\\%c'", n);
        else if (n >= 0x20 && n < 0x7f)
                fprintf(f, "'%c'", n);
        else if (n >= 0 && n < 0x80)
                fprintf(f, "'\\x%02x'", n);
        else
                fprintf(f, "'\\u%04x'", n & 0xffff);
}

/* Go's %q of a []string: ["a" "b"], what the legacy builder's history shows. */
static void quoted_list(FILE *f, char *const *v)
{
        fputc('[', f);
        for (size_t i = 0; v && v[i]; i++) {
                fputs(i ? " \"" : "\"", f);
                for (const char *c = v[i]; *c; c++) {
                        if (*c == '"' || *c == '\\')
                                fputc('\\', f);
                        fputc(*c, f);
                }
                fputc('"', f);
        }
        fputc(']', f);
}

/* Expand every pair of ENV or LABEL first (the pairs of one instruction see the
 * environment from before it, as in Docker), then set them. */
static int apply_pairs(berth_build_scope *sc, const berth_dockerfile_instr *in, bool env, FILE *by,
                       berth_error *err)
{
        size_t n = in->n_kvs;
        _cleanup_strv_ char **keys = berth_xmalloc0(sizeof(char *));
        _cleanup_strv_ char **values = berth_xmalloc0(sizeof(char *));
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *k = NULL, *v = NULL;
                if (berth_build_expand_in(sc, in->kvs[i].key, &k, err) < 0 ||
                    berth_build_expand_in(sc, in->kvs[i].value ? in->kvs[i].value : "", &v, err) <
                        0)
                        return -err->code;
                if (*k == '\0')
                        return berth_errx(err, EINVAL, "%s names can not be blank",
                                          env ? "ENV" : "LABEL");
                berth_strv_push(&keys, k);
                berth_strv_push(&values, v);
        }
        oci_container_config *cc = berth_oci_image_config_edit(sc->cfg);
        for (size_t i = 0; i < n; i++) {
                if (env)
                        berth_oci_config_set_env(cc, keys[i], values[i]);
                else
                        berth_oci_config_set_label(cc, keys[i], values[i]);
                fprintf(by, " %s=%s", keys[i], values[i]);
        }
        return 0;
}

static int apply_workdir(berth_build_scope *sc, const char *arg, FILE *by, berth_error *err)
{
        _cleanup_free_ char *w = NULL;
        if (berth_build_expand_in(sc, arg, &w, err) < 0)
                return -err->code;
        if (*w == '\0')
                return berth_errx(err, EINVAL, "cannot normalize nothing");
        const char *cur = sc->cfg->config.working_dir;
        _cleanup_free_ char *joined =
            w[0] == '/' ? berth_xstrdup(w) : berth_xasprintf("%s/%s", cur && *cur ? cur : "/", w);
        oci_container_config *cc = berth_oci_image_config_edit(sc->cfg);
        free(cc->working_dir);
        cc->working_dir = berth_path_clean_go(joined, strlen(joined));
        fprintf(by, " %s", cc->working_dir);
        return 0;
}

static int cmp_word(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ports as written, sorted before they are expanded (Docker's parser sorts them). */
static int apply_expose(berth_build_scope *sc, const berth_dockerfile_instr *in, FILE *by,
                        berth_error *err)
{
        oci_container_config *cc = berth_oci_image_config_edit(sc->cfg);
        berth_build_expand_opts eo = {.escape = sc->escape};
        _cleanup_free_ char **ports = berth_xmalloc0((in->n_args + 1) * sizeof(char *));
        memcpy(ports, in->args, in->n_args * sizeof(char *));
        qsort(ports, in->n_args, sizeof(char *), cmp_word);
        for (size_t i = 0; i < in->n_args; i++) {
                _cleanup_strv_ char **words = NULL;
                if (berth_build_expand_words(ports[i], &eo, berth_build_scope_lookup, sc, &words,
                                             err) < 0)
                        return -err->code;
                STRV_FOREACH (w, words) {
                        if (berth_oci_config_expose(cc, *w, err) < 0)
                                return -err->code;
                        fprintf(by, " %s", *w);
                }
        }
        return 0;
}

static int apply_volume(berth_build_scope *sc, const berth_dockerfile_instr *in, FILE *by,
                        berth_error *err)
{
        oci_container_config *cc = berth_oci_image_config_edit(sc->cfg);
        _cleanup_strv_ char **added = berth_xmalloc0(sizeof(char *));
        for (size_t i = 0; i < in->n_args; i++) {
                _cleanup_free_ char *v = NULL;
                if (berth_build_expand_in(sc, in->args[i], &v, err) < 0)
                        return -err->code;
                if (*v == '\0')
                        return berth_errx(err, EINVAL,
                                          "VOLUME specified can not be an empty string");
                berth_oci_config_add_volume(cc, v);
                berth_strv_push(&added, v);
        }
        /* Go's %v of the list, as the legacy builder writes it: [/a /b] */
        _cleanup_free_ char *list = berth_strv_join(added, SIZE_MAX, " ");
        fprintf(by, " [%s]", list);
        return 0;
}

/* One string argument, expanded, into *field (USER, STOPSIGNAL). */
static int apply_string(berth_build_scope *sc, const berth_dockerfile_instr *in, char **field,
                        FILE *by, berth_error *err)
{
        _cleanup_free_ char *v = NULL;
        if (berth_build_expand_in(sc, in->n_args ? in->args[0] : "", &v, err) < 0)
                return -err->code;
        berth_oci_image_config_edit(sc->cfg);
        free(*field);
        *field = berth_xstrdup(v);
        fprintf(by, " %s", v);
        return 0;
}

static void apply_health(berth_build_scope *sc, const berth_dockerfile_instr *in, FILE *by)
{
        oci_container_config *cc = berth_oci_image_config_edit(sc->cfg);
        if (cc->healthcheck == NULL)
                cc->healthcheck = berth_xmalloc0(sizeof(*cc->healthcheck));
        oci_healthcheck *h = cc->healthcheck;
        berth_strv_free(h->test);
        h->test = berth_strv_dup(in->health.test);
        h->interval = in->health.interval;
        h->timeout = in->health.timeout;
        h->start_period = in->health.start_period;
        h->start_interval = in->health.start_interval;
        h->retries = in->health.retries;
        /* the legacy builder's %q of docker 20.10's HealthConfig */
        fputs(" &{", by);
        quoted_list(by, h->test);
        int64_t d[] = {h->interval, h->timeout, h->start_period};
        for (size_t i = 0; i < 3; i++) {
                fputs(" \"", by);
                go_duration(by, d[i]);
                fputc('"', by);
        }
        fputc(' ', by);
        go_rune(by, h->retries);
        fputc('}', by);
}

/* "<shell> #(nop)  ENV" — two spaces after "#(nop)", one before WORKDIR (legacy builder). */
static void nop_prefix(const berth_build_scope *sc, const berth_dockerfile_instr *in, FILE *by)
{
        _cleanup_free_ char *p = berth_build_nop_prefix(sc);
        fprintf(by, "%s%s%s", p, in->cmd == BERTH_DF_WORKDIR ? "" : " ",
                berth_dockerfile_cmd_upper(in->cmd));
}

int berth_build_step_meta(berth_build_scope *sc, const berth_dockerfile_instr *in,
                          char **ret_created_by, berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t text_len = 0;
        FILE *by = open_memstream(&text, &text_len);
        if (by == NULL)
                return berth_err(err, errno, "cannot make a history entry");
        oci_container_config *cc = &sc->cfg->config;
        /* the legacy builder's history: "/bin/sh -c #(nop)  CMD [...]", one space before
         * WORKDIR (and COPY/ADD), two before the others */
        if (in->cmd != BERTH_DF_SHELL)
                nop_prefix(sc, in, by);
        int r = 0;
        switch (in->cmd) {
        case BERTH_DF_ENV:
        case BERTH_DF_LABEL:
                r = apply_pairs(sc, in, in->cmd == BERTH_DF_ENV, by, err);
                break;
        case BERTH_DF_WORKDIR:
                r = apply_workdir(sc, in->n_args ? in->args[0] : "", by, err);
                break;
        case BERTH_DF_USER:
                r = apply_string(sc, in, &cc->user, by, err);
                break;
        case BERTH_DF_STOPSIGNAL:
                r = apply_string(sc, in, &cc->stop_signal, by, err);
                break;
        case BERTH_DF_EXPOSE:
                r = apply_expose(sc, in, by, err);
                break;
        case BERTH_DF_VOLUME:
                r = apply_volume(sc, in, by, err);
                break;
        case BERTH_DF_CMD:
        case BERTH_DF_ENTRYPOINT: {
                char **v = berth_build_command(sc, in);
                char ***field = in->cmd == BERTH_DF_CMD ? &cc->cmd : &cc->entrypoint;
                berth_oci_image_config_edit(sc->cfg);
                berth_strv_free(*field);
                *field = v;
                /* an ENTRYPOINT resets a CMD this Dockerfile has not set itself */
                if (in->cmd == BERTH_DF_ENTRYPOINT && !sc->cmd_set) {
                        berth_strv_free(cc->cmd);
                        cc->cmd = NULL;
                }
                if (in->cmd == BERTH_DF_CMD)
                        sc->cmd_set = true;
                fputc(' ', by);
                quoted_list(by, v);
                break;
        }
        case BERTH_DF_SHELL: {
                berth_oci_image_config_edit(sc->cfg);
                berth_strv_free(cc->shell);
                cc->shell = berth_xmalloc0(sizeof(char *));
                for (size_t i = 0; i < in->n_args; i++)
                        berth_strv_push(&cc->shell, in->args[i]);
                /* through the new shell, and Go's %v of it: [/bin/bash -c] */
                nop_prefix(sc, in, by);
                _cleanup_free_ char *sh = berth_strv_join(cc->shell, SIZE_MAX, " ");
                fprintf(by, " [%s]", sh);
                break;
        }
        case BERTH_DF_HEALTHCHECK:
                apply_health(sc, in, by);
                break;
        case BERTH_DF_ONBUILD:
                berth_oci_image_config_edit(sc->cfg);
                berth_strv_push(&cc->on_build, in->n_args ? in->args[0] : "");
                fprintf(by, " %s", in->n_args ? in->args[0] : "");
                break;
        case BERTH_DF_MAINTAINER:
                free(sc->cfg->author);
                sc->cfg->author = berth_xstrdup(in->n_args ? in->args[0] : "");
                fprintf(by, " %s", sc->cfg->author);
                break;
        default:
                r = berth_errx(err, EINVAL, "%s is not a metadata instruction",
                               berth_dockerfile_cmd_upper(in->cmd));
        }
        fclose(by);
        if (r < 0)
                return r;
        *ret_created_by = TAKE_PTR(text);
        return 0;
}
