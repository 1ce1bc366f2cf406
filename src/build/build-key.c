/* SPDX-License-Identifier: Apache-2.0 */
/* The cache key of a step, chained from the stage's key before it (build.h). */
#include "build-internal.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void field(berth_hasher *h, const char *s)
{
        berth_hasher_update(h, s ? s : "", strlen(s ? s : "") + 1);
}

void build_key_next(build_stage *s, const berth_dockerfile_instr *in, const char *extra,
                    bool with_args)
{
        berth_hasher *h = berth_hasher_new();
        field(h, s->key.s);
        field(h, in->original);
        for (size_t i = 0; i < in->n_heredocs; i++) {
                field(h, in->heredocs[i].name);
                field(h, in->heredocs[i].content);
                field(h, in->heredocs[i].expand ? "expand" : "raw");
        }
        /* RUN: the build arguments in effect (its environment), in a stable order; the other
         * steps give what the arguments made of their words in extra */
        if (with_args) {
                _cleanup_strv_ char **args = berth_strv_dup(s->sc.args);
                size_t n = berth_strv_length(args);
                if (n)
                        qsort(args, n, sizeof(char *), cmp_str);
                field(h, "args");
                STRV_FOREACH (a, args)
                        field(h, *a);
        }
        field(h, "extra");
        field(h, extra);
        berth_hasher_final(h, &s->key);
        berth_hasher_free(h);
}
