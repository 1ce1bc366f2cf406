/* SPDX-License-Identifier: Apache-2.0 */
/* Which stages the target needs, and how many steps that makes. */
#include "build-internal.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

ssize_t build_stage_ref(const berth_dockerfile *df, const char *ref, size_t before)
{
        for (size_t i = 0; i < before && i < df->n_stages; i++)
                if (df->stages[i].name && strcasecmp(df->stages[i].name, ref) == 0)
                        return (ssize_t)i;
        if (*ref == '\0' || strspn(ref, "0123456789") != strlen(ref) || strlen(ref) > 9)
                return -1;
        long n = strtol(ref, NULL, 10);
        return n < (long)before ? (ssize_t)n : -1;
}

/* The stage ref (FROM's or a --from value, expanded in the global scope) names, or -1. */
static ssize_t ref_of(build *b, const char *word, size_t before, berth_error *err, int *r)
{
        berth_build_expand_opts eo = {.escape = b->df->escape};
        _cleanup_free_ char *v = NULL;
        *r = berth_build_expand(word, &eo, build_args_global_lookup, b, &v, err);
        if (*r < 0)
                return -1;
        return build_stage_ref(b->df, v, before);
}

/* Stage i needs stage j built first. */
static void need(build *b, size_t i, size_t j)
{
        build_stage_result *r = &b->stages[i];
        b->stages[j].needed = true;
        for (size_t k = 0; k < r->n_deps; k++)
                if (r->deps[k] == j)
                        return;
        r->deps = berth_xrealloc(r->deps, (r->n_deps + 1) * sizeof(*r->deps));
        r->deps[r->n_deps++] = j;
}

/* RUN --mount=…,from=<stage>: that stage too. */
static int mount_froms(build *b, size_t i, const berth_dockerfile_instr *in, berth_error *err)
{
        if (in->cmd != BERTH_DF_RUN)
                return 0;
        for (size_t f = 0; f < in->n_flags; f++) {
                if (strcmp(in->flags[f].name, "mount") != 0)
                        continue;
                const char *v = in->flags[f].value;
                for (const char *p = strstr(v, "from="); p; p = strstr(p + 1, "from=")) {
                        if (p != v && p[-1] != ',')
                                continue;
                        _cleanup_free_ char *word = strndup(p + 5, strcspn(p + 5, ","));
                        int r = 0;
                        ssize_t j = ref_of(b, word, i, err, &r);
                        if (r < 0)
                                return r;
                        if (j >= 0)
                                need(b, i, (size_t)j);
                }
        }
        return 0;
}

int build_plan(build *b, berth_error *err)
{
        const berth_dockerfile *df = b->df;
        size_t target = df->n_stages - 1;
        if (b->o->target) {
                const berth_dockerfile_stage *st = berth_dockerfile_stage_by_name(df, b->o->target);
                if (st == NULL)
                        return berth_errx(err, EINVAL,
                                          "failed to reach build target %s in Dockerfile",
                                          b->o->target);
                target = (size_t)(st - df->stages);
        }
        b->stages = berth_xmalloc0(df->n_stages * sizeof(*b->stages));
        b->stages[target].needed = true;
        b->total = df->n_global_args;
        for (size_t i = target + 1; i-- > 0;) {
                if (!b->stages[i].needed)
                        continue;
                const berth_dockerfile_stage *st = &df->stages[i];
                b->total += 1 + st->n_instrs;
                int r = 0;
                ssize_t j = ref_of(b, st->base, i, err, &r);
                if (r < 0)
                        return r;
                if (j >= 0)
                        need(b, i, (size_t)j);
                for (size_t k = 0; k < st->n_instrs; k++) {
                        const berth_dockerfile_instr *in = &st->instrs[k];
                        const char *from = berth_dockerfile_flag_value(in, "from");
                        if ((in->cmd != BERTH_DF_COPY && in->cmd != BERTH_DF_ADD) || from == NULL)
                                continue;
                        j = ref_of(b, from, i, err, &r);
                        if (r < 0)
                                return r;
                        if (j >= 0)
                                need(b, i, (size_t)j);
                }
                for (size_t k = 0; k < st->n_instrs; k++)
                        if ((r = mount_froms(b, i, &st->instrs[k], err)) < 0)
                                return r;
        }
        /* step numbers in file order over what is built */
        size_t step = df->n_global_args;
        for (size_t i = 0; i < df->n_stages; i++)
                if (b->stages[i].needed) {
                        b->stages[i].first_step = step + 1;
                        step += 1 + df->stages[i].n_instrs;
                }
        return 0;
}
