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
                        b->stages[j].needed = true;
                for (size_t k = 0; k < st->n_instrs; k++) {
                        const berth_dockerfile_instr *in = &st->instrs[k];
                        const char *from = berth_dockerfile_flag_value(in, "from");
                        if ((in->cmd != BERTH_DF_COPY && in->cmd != BERTH_DF_ADD) || from == NULL)
                                continue;
                        j = ref_of(b, from, i, err, &r);
                        if (r < 0)
                                return r;
                        if (j >= 0)
                                b->stages[j].needed = true;
                }
        }
        return 0;
}
