/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Dockerfile parser's second pass, as BuildKit's frontend/dockerfile/
 * instructions: each instruction's name, flags and argument count are
 * checked, in the order BuildKit checks them so the same error comes first,
 * and the forms are turned into what the builder uses (ARG pairs, the
 * HEALTHCHECK config, ONBUILD's trigger text, ADD/COPY heredoc sources).
 */
#include "dockerfile-internal.h"
#include "base/units.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
        const char *lower, *upper;
} names[] = {
    [BERTH_DF_ADD] = {"add", "ADD"},
    [BERTH_DF_ARG] = {"arg", "ARG"},
    [BERTH_DF_CMD] = {"cmd", "CMD"},
    [BERTH_DF_COPY] = {"copy", "COPY"},
    [BERTH_DF_ENTRYPOINT] = {"entrypoint", "ENTRYPOINT"},
    [BERTH_DF_ENV] = {"env", "ENV"},
    [BERTH_DF_EXPOSE] = {"expose", "EXPOSE"},
    [BERTH_DF_FROM] = {"from", "FROM"},
    [BERTH_DF_HEALTHCHECK] = {"healthcheck", "HEALTHCHECK"},
    [BERTH_DF_LABEL] = {"label", "LABEL"},
    [BERTH_DF_MAINTAINER] = {"maintainer", "MAINTAINER"},
    [BERTH_DF_ONBUILD] = {"onbuild", "ONBUILD"},
    [BERTH_DF_RUN] = {"run", "RUN"},
    [BERTH_DF_SHELL] = {"shell", "SHELL"},
    [BERTH_DF_STOPSIGNAL] = {"stopsignal", "STOPSIGNAL"},
    [BERTH_DF_USER] = {"user", "USER"},
    [BERTH_DF_VOLUME] = {"volume", "VOLUME"},
    [BERTH_DF_WORKDIR] = {"workdir", "WORKDIR"},
};

berth_dockerfile_cmd df_cmd_lookup(const char *keyword, size_t len)
{
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if (strlen(names[i].lower) == len && strncasecmp(names[i].lower, keyword, len) == 0)
                        return (berth_dockerfile_cmd)i;
        return BERTH_DF_UNKNOWN;
}

const char *df_cmd_name(berth_dockerfile_cmd cmd)
{
        return (size_t)cmd < ARRAY_SIZE(names) ? names[cmd].lower : "";
}

const char *berth_dockerfile_cmd_upper(berth_dockerfile_cmd cmd)
{
        return (size_t)cmd < ARRAY_SIZE(names) ? names[cmd].upper : "";
}

void df_instr_clear(berth_dockerfile_instr *in)
{
        free(in->keyword);
        free(in->original);
        for (size_t i = 0; i < in->n_flags; i++) {
                free(in->flags[i].name);
                free(in->flags[i].value);
        }
        free(in->flags);
        berth_strv_free(in->args);
        for (size_t i = 0; i < in->n_kvs; i++) {
                free(in->kvs[i].key);
                free(in->kvs[i].value);
        }
        free(in->kvs);
        for (size_t i = 0; i < in->n_heredocs; i++)
                df_heredoc_clear(&in->heredocs[i]);
        free(in->heredocs);
        free(in->arg_heredoc);
        berth_strv_free(in->health.test);
        *in = (berth_dockerfile_instr){0};
}

static int failf(df_buf *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int failf(df_buf *msg, const char *fmt, ...)
{
        char m[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m, sizeof(m), fmt, ap);
        va_end(ap);
        msg->len = 0;
        df_buf_adds(msg, m);
        return -1;
}

/* ------------------------------------------------------------------------- */
/* Flags, as BuildKit's BFlags.                                              */

typedef enum { F_BOOL, F_STRING, F_STRINGS } flag_type;

typedef struct flag_spec {
        const char *name;
        flag_type type;
} flag_spec;

static const flag_spec add_flags[] = {
    {"chown", F_STRING},    {"chmod", F_STRING}, {"link", F_BOOL},       {"keep-git-dir", F_BOOL},
    {"checksum", F_STRING}, {"unpack", F_BOOL},  {"exclude", F_STRINGS},
};
static const flag_spec copy_flags[] = {
    {"chown", F_STRING}, {"from", F_STRING},     {"chmod", F_STRING},
    {"link", F_BOOL},    {"exclude", F_STRINGS}, {"parents", F_BOOL},
};
static const flag_spec from_flags[] = {{"platform", F_STRING}};
static const flag_spec run_flags[] = {
    {"mount", F_STRINGS},
    {"network", F_STRING},
    {"security", F_STRING},
    {"device", F_STRINGS},
};
static const flag_spec health_flags[] = {
    {"interval", F_STRING},       {"timeout", F_STRING}, {"start-period", F_STRING},
    {"start-interval", F_STRING}, {"retries", F_STRING},
};

static void drop_flags(berth_dockerfile_instr *in)
{
        for (size_t i = 0; i < in->n_flags; i++) {
                free(in->flags[i].name);
                free(in->flags[i].value);
        }
        free(in->flags);
        in->flags = NULL;
        in->n_flags = 0;
}

/* Check the raw "--name=value" words against what the instruction takes and
 * turn them into name/value pairs. */
static int parse_flags(berth_dockerfile_instr *in, const flag_spec *spec, size_t n_spec,
                       df_buf *msg)
{
        bool used[8] = {0};
        for (size_t i = 0; i < in->n_flags; i++) {
                const char *word = in->flags[i].name;
                if (strncmp(word, "--", 2) != 0)
                        return failf(msg, "arg should start with -- : %s", word);
                const char *eq = strchr(word, '=');
                size_t nl = eq ? (size_t)(eq - word) : strlen(word);
                const char *value = eq ? eq + 1 : "";
                _cleanup_free_ char *flag_name = df_strndup(word, nl);
                const char *arg = flag_name + 2;
                size_t k;
                for (k = 0; k < n_spec; k++)
                        if (strcmp(spec[k].name, arg) == 0)
                                break;
                if (k == n_spec) {
                        const char *opts[8];
                        char sug[64];
                        for (size_t j = 0; j < n_spec; j++)
                                opts[j] = spec[j].name;
                        if (df_suggest(arg, opts, n_spec, false, sug, sizeof(sug)))
                                return failf(msg, "unknown flag: %s (did you mean %s?)", flag_name,
                                             sug);
                        return failf(msg, "unknown flag: %s", flag_name);
                }
                if (used[k] && spec[k].type != F_STRINGS)
                        return failf(msg, "duplicate flag specified: %s", flag_name);
                used[k] = true;
                char *v;
                switch (spec[k].type) {
                case F_BOOL:
                        if (eq && *value == '\0')
                                return failf(msg, "missing a value on flag: %s", flag_name);
                        if (*value == '\0' || strcasecmp(value, "true") == 0)
                                v = berth_xstrdup("true");
                        else if (strcasecmp(value, "false") == 0)
                                v = berth_xstrdup("false");
                        else
                                return failf(msg, "expecting boolean value for flag %s, not: %s",
                                             flag_name, value);
                        break;
                default:
                        if (eq == NULL)
                                return failf(msg, "missing a value on flag: %s", flag_name);
                        v = berth_xstrdup(value);
                }
                free(in->flags[i].name);
                in->flags[i].name = berth_xstrdup(arg);
                in->flags[i].value = v;
        }
        return 0;
}

#define PARSE_FLAGS(in, spec, msg) parse_flags(in, spec, ARRAY_SIZE(spec), msg)
#define NO_FLAGS(in, msg)          parse_flags(in, NULL, 0, msg)

const char *berth_dockerfile_flag_value(const berth_dockerfile_instr *in, const char *name)
{
        const char *v = NULL;
        for (size_t i = 0; i < in->n_flags; i++)
                if (in->flags[i].value && strcmp(in->flags[i].name, name) == 0)
                        v = in->flags[i].value;
        return v;
}

const berth_dockerfile_stage *berth_dockerfile_stage_by_name(const berth_dockerfile *df,
                                                             const char *name)
{
        for (size_t i = 0; i < df->n_stages; i++)
                if (df->stages[i].name && strcasecmp(df->stages[i].name, name) == 0)
                        return &df->stages[i];
        return NULL;
}

/* ------------------------------------------------------------------------- */
/* Instructions.                                                             */

static int exactly_one(const berth_dockerfile_instr *in, df_buf *msg)
{
        if (in->n_args != 1)
                return failf(msg, "%s requires exactly one argument",
                             berth_dockerfile_cmd_upper(in->cmd));
        return 0;
}

static int at_least_one(const berth_dockerfile_instr *in, size_t n, df_buf *msg)
{
        if (n == 0)
                return failf(msg, "%s requires at least one argument",
                             berth_dockerfile_cmd_upper(in->cmd));
        return 0;
}

static int check_kvs(berth_dockerfile_instr *in, df_buf *msg)
{
        if (at_least_one(in, in->n_kvs, msg) < 0)
                return -1;
        for (size_t i = 0; i < in->n_kvs; i++)
                if (in->kvs[i].key[0] == '\0')
                        return failf(msg, "%s names can not be blank",
                                     berth_dockerfile_cmd_upper(in->cmd));
        return 0;
}

static int check_arg(berth_dockerfile_instr *in, df_buf *msg)
{
        drop_flags(in); /* Docker ignores them */
        if (at_least_one(in, in->n_args, msg) < 0)
                return -1;
        in->kvs = berth_xmalloc0(in->n_args * sizeof(*in->kvs));
        for (size_t i = 0; i < in->n_args; i++) {
                char *w = in->args[i];
                char *eq = strchr(w, '=');
                if (eq == w)
                        return failf(msg, "ARG names can not be blank");
                in->kvs[in->n_kvs++] = (berth_dockerfile_kv){
                    .key = eq ? df_strndup(w, (size_t)(eq - w)) : berth_xstrdup(w),
                    .value = eq ? berth_xstrdup(eq + 1) : NULL,
                };
        }
        berth_strv_free(in->args);
        in->args = berth_xmalloc0(sizeof(char *));
        in->n_args = 0;
        return 0;
}

/* ADD/COPY: no heredoc as the destination; sources that name a heredoc. */
static int check_sources(berth_dockerfile_instr *in, df_buf *msg)
{
        const char *upper = berth_dockerfile_cmd_upper(in->cmd);
        df_buf ignored = {0};
        berth_dockerfile_heredoc h;
        const char *dest = in->args[in->n_args - 1];
        int k = df_heredoc_word(dest, strlen(dest), &h, &ignored);
        if (k > 0) {
                df_heredoc_clear(&h);
                df_buf_free(&ignored);
                return failf(msg, "%s cannot accept a heredoc as a destination", upper);
        }
        in->arg_heredoc = berth_xmalloc0(in->n_args * sizeof(int));
        for (size_t i = 0; i < in->n_args; i++) {
                in->arg_heredoc[i] = -1;
                if (i + 1 == in->n_args)
                        break;
                ignored.len = 0;
                k = df_heredoc_word(in->args[i], strlen(in->args[i]), &h, &ignored);
                if (k <= 0)
                        continue; /* a path (BuildKit ignores a heredoc word's errors here) */
                int found = -1;
                for (size_t j = 0; j < in->n_heredocs; j++)
                        if (strcmp(in->heredocs[j].name, h.name) == 0)
                                found = (int)j;
                if (found < 0) {
                        /* named on the line but never read: an empty file, as BuildKit */
                        h.content = berth_xstrdup("");
                        in->heredocs = df_grow(in->heredocs, in->n_heredocs, in->n_heredocs + 1,
                                               sizeof(*in->heredocs));
                        in->heredocs[in->n_heredocs] = h;
                        found = (int)in->n_heredocs++;
                } else {
                        df_heredoc_clear(&h);
                }
                in->arg_heredoc[i] = found;
        }
        df_buf_free(&ignored);
        return 0;
}

static int check_copy(berth_dockerfile_instr *in, df_buf *msg)
{
        if (in->n_args < 2)
                return failf(msg,
                             "%s requires at least two arguments, but only one was provided. "
                             "Destination could not be determined",
                             berth_dockerfile_cmd_upper(in->cmd));
        int r = in->cmd == BERTH_DF_ADD ? PARSE_FLAGS(in, add_flags, msg)
                                        : PARSE_FLAGS(in, copy_flags, msg);
        if (r < 0)
                return r;
        return check_sources(in, msg);
}

static bool valid_stage_name(const char *s)
{
        if (!(*s >= 'a' && *s <= 'z'))
                return false;
        for (s++; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
                      *s == '_' || *s == '.'))
                        return false;
        return true;
}

static int check_from(berth_dockerfile_instr *in, df_buf *msg)
{
        if (in->n_args == 3 && strcasecmp(in->args[1], "as") == 0) {
                _cleanup_free_ char *lower = berth_xstrdup(in->args[2]);
                for (char *c = lower; *c; c++)
                        if (*c >= 'A' && *c <= 'Z')
                                *c = (char)(*c - 'A' + 'a');
                if (!valid_stage_name(lower)) {
                        df_buf q = {0};
                        df_go_quote(&q, in->args[2], strlen(in->args[2]));
                        failf(msg,
                              "invalid name for build stage: %s, name can't start with a number "
                              "or contain symbols",
                              q.s);
                        df_buf_free(&q);
                        return -1;
                }
        } else if (in->n_args != 1) {
                return failf(msg, "FROM requires either one or three arguments");
        }
        return PARSE_FLAGS(in, from_flags, msg);
}

static int check_onbuild(berth_dockerfile_instr *in, df_buf *msg)
{
        if (at_least_one(in, in->n_args, msg) < 0)
                return -1;
        if (NO_FLAGS(in, msg) < 0)
                return -1;
        char trigger[16] = "";
        const char *t = in->args[0];
        size_t n = strlen(t);
        df_trim_space(&t, &n);
        if (n < sizeof(trigger)) {
                for (size_t i = 0; i < n; i++)
                        trigger[i] = (char)((t[i] >= 'a' && t[i] <= 'z') ? t[i] - 'a' + 'A' : t[i]);
                trigger[n] = '\0';
        }
        if (strcmp(trigger, "ONBUILD") == 0)
                return failf(msg, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        if (strcmp(trigger, "MAINTAINER") == 0 || strcmp(trigger, "FROM") == 0)
                return failf(msg, "%s isn't allowed as an ONBUILD trigger", trigger);
        /* args: {trigger keyword, expression} from the first pass -> {expression} */
        char *expr = in->n_args > 1 ? TAKE_PTR(in->args[in->n_args - 1]) : berth_xstrdup("");
        berth_strv_free(in->args);
        in->args = berth_xmalloc0(2 * sizeof(char *));
        in->args[0] = expr;
        in->n_args = 1;
        return 0;
}

/* parseOptInterval: "" and 0 are the default, else at least 1ms. */
static int opt_interval(const berth_dockerfile_instr *in, const char *name, int64_t *ret,
                        df_buf *msg)
{
        const char *v = berth_dockerfile_flag_value(in, name);
        *ret = 0;
        if (v == NULL || *v == '\0')
                return 0;
        berth_error e = {0};
        if (berth_parse_go_duration(v, ret, &e) < 0)
                return failf(msg, "%s", e.msg);
        if (*ret != 0 && *ret < 1000000)
                return failf(msg, "Interval \"%s\" cannot be less than 1ms", name);
        return 0;
}

static int check_healthcheck(berth_dockerfile_instr *in, df_buf *msg)
{
        berth_dockerfile_health *h = &in->health;
        if (at_least_one(in, in->n_args, msg) < 0)
                return -1;
        char typ[16] = "";
        size_t tl = strlen(in->args[0]);
        if (tl < sizeof(typ))
                for (size_t i = 0; i <= tl; i++)
                        typ[i] = (char)((in->args[0][i] >= 'a' && in->args[0][i] <= 'z')
                                            ? in->args[0][i] - 'a' + 'A'
                                            : in->args[0][i]);
        if (strcmp(typ, "NONE") == 0) {
                if (in->n_args != 1)
                        return failf(msg, "HEALTHCHECK NONE takes no arguments");
                drop_flags(in); /* Docker ignores them */
                berth_strv_push(&h->test, "NONE");
                return 0;
        }
        if (PARSE_FLAGS(in, health_flags, msg) < 0)
                return -1;
        if (strcmp(typ, "CMD") != 0) {
                df_buf q = {0};
                _cleanup_free_ char *upper = berth_xstrdup(in->args[0]);
                for (char *c = upper; *c; c++) /* Docker shows the type uppercased */
                        if (*c >= 'a' && *c <= 'z')
                                *c = (char)(*c - 'a' + 'A');
                df_go_quote(&q, upper, tl);
                failf(msg, "Unknown type %s in HEALTHCHECK (try CMD)", q.s);
                df_buf_free(&q);
                return -1;
        }
        if (in->n_args < 2)
                return failf(msg, "Missing command after HEALTHCHECK CMD");
        berth_strv_push(&h->test, in->json ? "CMD" : "CMD-SHELL");
        for (size_t i = 1; i < in->n_args; i++)
                berth_strv_push(&h->test, in->args[i]);
        if (opt_interval(in, "interval", &h->interval, msg) < 0 ||
            opt_interval(in, "timeout", &h->timeout, msg) < 0 ||
            opt_interval(in, "start-period", &h->start_period, msg) < 0 ||
            opt_interval(in, "start-interval", &h->start_interval, msg) < 0)
                return -1;
        const char *retries = berth_dockerfile_flag_value(in, "retries");
        if (retries && *retries) {
                const char *s = retries;
                char *end;
                bool digits = false;
                if (*s == '+' || *s == '-')
                        s++;
                for (const char *c = s; *c; c++)
                        digits = (*c >= '0' && *c <= '9') && (c == s || digits);
                errno = 0;
                long long v = digits ? strtoll(retries, &end, 10) : 0;
                df_buf q = {0};
                df_go_quote(&q, retries, strlen(retries));
                if (!digits) {
                        failf(msg, "strconv.ParseInt: parsing %s: invalid syntax", q.s);
                } else if (errno == ERANGE || v > INT32_MAX || v < INT32_MIN) {
                        failf(msg, "strconv.ParseInt: parsing %s: value out of range", q.s);
                } else if (v < 0) {
                        failf(msg, "--retries cannot be negative (%lld)", v);
                } else {
                        h->retries = (int)v;
                        df_buf_free(&q);
                        return 0;
                }
                df_buf_free(&q);
                return -1;
        }
        return 0;
}

static int check_volume(berth_dockerfile_instr *in, df_buf *msg)
{
        if (at_least_one(in, in->n_args, msg) < 0 || NO_FLAGS(in, msg) < 0)
                return -1;
        for (size_t i = 0; i < in->n_args; i++) {
                const char *s = in->args[i];
                size_t n = strlen(s);
                df_trim_space(&s, &n);
                if (n == 0)
                        return failf(msg, "VOLUME specified can not be an empty string");
                char *t = df_strndup(s, n);
                free(in->args[i]);
                in->args[i] = t;
        }
        return 0;
}

static int check_shell(berth_dockerfile_instr *in, df_buf *msg)
{
        if (NO_FLAGS(in, msg) < 0 || at_least_one(in, in->n_args, msg) < 0)
                return -1;
        if (!in->json)
                return failf(msg, "SHELL requires the arguments to be in JSON form");
        return 0;
}

static int unknown_instruction(const berth_dockerfile_instr *in, df_buf *msg)
{
        const char *opts[ARRAY_SIZE(names)];
        char sug[32];
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                opts[i] = names[i].upper;
        df_buf q = {0};
        df_buf_adds(&q, in->keyword);
        if (q.len > 256) {
                q.len = 256;
                q.s[256] = '\0';
                df_buf_adds(&q, "...");
        }
        if (df_suggest(in->keyword, opts, ARRAY_SIZE(opts), true, sug, sizeof(sug)))
                failf(msg, "unknown instruction: %s (did you mean %s?)", q.s, sug);
        else
                failf(msg, "unknown instruction: %s", q.s);
        df_buf_free(&q);
        return -1;
}

int df_check_instr(berth_dockerfile_instr *in, df_buf *msg)
{
        switch (in->cmd) {
        case BERTH_DF_ENV:
        case BERTH_DF_LABEL:
                if (NO_FLAGS(in, msg) < 0)
                        return -1;
                return check_kvs(in, msg);
        case BERTH_DF_MAINTAINER:
                if (exactly_one(in, msg) < 0)
                        return -1;
                return NO_FLAGS(in, msg);
        case BERTH_DF_ADD:
        case BERTH_DF_COPY:
                return check_copy(in, msg);
        case BERTH_DF_FROM:
                return check_from(in, msg);
        case BERTH_DF_ONBUILD:
                return check_onbuild(in, msg);
        case BERTH_DF_WORKDIR:
        case BERTH_DF_USER:
                if (exactly_one(in, msg) < 0)
                        return -1;
                return NO_FLAGS(in, msg);
        case BERTH_DF_RUN:
                return PARSE_FLAGS(in, run_flags, msg);
        case BERTH_DF_CMD:
        case BERTH_DF_ENTRYPOINT:
                return NO_FLAGS(in, msg);
        case BERTH_DF_HEALTHCHECK:
                return check_healthcheck(in, msg);
        case BERTH_DF_EXPOSE:
                if (at_least_one(in, in->n_args, msg) < 0)
                        return -1;
                return NO_FLAGS(in, msg);
        case BERTH_DF_VOLUME:
                return check_volume(in, msg);
        case BERTH_DF_STOPSIGNAL:
                drop_flags(in); /* Docker ignores them */
                return exactly_one(in, msg);
        case BERTH_DF_ARG:
                return check_arg(in, msg);
        case BERTH_DF_SHELL:
                return check_shell(in, msg);
        default:
                return unknown_instruction(in, msg);
        }
}
