/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the Dockerfile parser and the variable expansion: any input parses or
 * fails cleanly; what parses is whole (argument counts, lines in order,
 * stages inside the instruction list), and every argument the builder would
 * expand goes through the expansion, one word and split in words.
 */
#include "build/dockerfile.h"

#include "base/strutil.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *berth_fuzz_target_name = "fuzz-dockerfile";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *lookup(const char *name, void *ctx)
{
        (void)ctx;
        if (strcmp(name, "A") == 0)
                return "a b  c";
        if (strcmp(name, "E") == 0)
                return "";
        if (strcmp(name, "P") == 0)
                return "/usr/local/bin:/x*y?";
        return NULL;
}

static void expand(const char *word, char escape)
{
        berth_build_expand_opts o = {.escape = escape};
        berth_error err = {0};
        char *s = NULL;
        char **v = NULL;
        if (berth_build_expand(word, &o, lookup, NULL, &s, &err) == 0) {
                if (s == NULL)
                        abort();
                free(s);
        } else if (err.code == 0 || err.msg[0] == '\0') {
                abort();
        }
        if (berth_build_expand_words(word, &o, lookup, NULL, &v, &err) == 0) {
                if (v == NULL)
                        abort();
                berth_strv_free(v);
        }
        o.raw_quotes = o.skip_unset = o.raw_escapes = true;
        if (berth_build_expand(word, &o, lookup, NULL, &s, &err) == 0)
                free(s);
}

static void check(const berth_dockerfile *df)
{
        unsigned last = 0;
        for (size_t i = 0; i < df->n_instrs; i++) {
                const berth_dockerfile_instr *in = &df->instrs[i];
                if (in->args == NULL || berth_strv_length(in->args) != in->n_args)
                        abort();
                if (in->name == NULL || in->original == NULL || in->keyword == NULL)
                        abort();
                if (in->line <= last || in->end_line < in->line || in->column == 0)
                        abort();
                last = in->end_line;
                for (size_t j = 0; j < in->n_flags; j++)
                        if (in->flags[j].name == NULL || in->flags[j].value == NULL)
                                abort();
                for (size_t j = 0; j < in->n_heredocs; j++)
                        if (in->heredocs[j].name == NULL || in->heredocs[j].content == NULL)
                                abort();
                if (in->arg_heredoc)
                        for (size_t j = 0; j < in->n_args; j++)
                                if (in->arg_heredoc[j] >= (int)in->n_heredocs)
                                        abort();
                switch (in->cmd) {
                case BERTH_DF_RUN:
                case BERTH_DF_CMD:
                case BERTH_DF_ENTRYPOINT:
                case BERTH_DF_SHELL:
                case BERTH_DF_HEALTHCHECK:
                case BERTH_DF_MAINTAINER:
                case BERTH_DF_ONBUILD:
                        break;
                default:
                        for (size_t j = 0; j < in->n_args; j++)
                                expand(in->args[j], df->escape);
                        for (size_t j = 0; j < in->n_kvs; j++) {
                                expand(in->kvs[j].key, df->escape);
                                if (in->kvs[j].value)
                                        expand(in->kvs[j].value, df->escape);
                        }
                }
                for (size_t j = 0; j < in->n_heredocs; j++) {
                        berth_build_expand_opts o = {.no_quotes = true};
                        char *s = NULL;
                        berth_error err = {0};
                        if (berth_build_expand(in->heredocs[j].content, &o, lookup, NULL, &s,
                                               &err) == 0)
                                free(s);
                }
                if (in->cmd == BERTH_DF_ONBUILD) {
                        berth_dockerfile *t = NULL;
                        berth_error err = {0};
                        if (berth_dockerfile_parse(in->args[0], strlen(in->args[0]), "ONBUILD",
                                                   BERTH_DOCKERFILE_FRAGMENT, &t, &err) == 0)
                                berth_dockerfile_free(t);
                }
        }
        size_t seen = df->n_global_args;
        for (size_t i = 0; i < df->n_stages; i++) {
                const berth_dockerfile_stage *st = &df->stages[i];
                if (st->from != &df->instrs[seen] || st->from->cmd != BERTH_DF_FROM)
                        abort();
                if (st->instrs != st->from + 1 || st->base == NULL)
                        abort();
                seen += 1 + st->n_instrs;
        }
        if (df->n_stages > 0 && seen != df->n_instrs)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > (1u << 20))
                return 0;
        for (unsigned flags = 0; flags <= BERTH_DOCKERFILE_FRAGMENT; flags++) {
                berth_dockerfile *df = NULL;
                berth_error err = {0};
                if (berth_dockerfile_parse((const char *)data, size, "Dockerfile", flags, &df,
                                           &err) == 0) {
                        check(df);
                        berth_dockerfile_free(df);
                } else if (df != NULL || err.code == 0 || strncmp(err.msg, "Dockerfile", 10) != 0) {
                        abort();
                }
        }
        /* the input as one word to expand */
        size_t n = size > 4096 ? 4096 : size;
        char *word = malloc(n + 1);
        if (word == NULL)
                return 0;
        memcpy(word, data, n);
        word[n] = '\0';
        expand(word, '\\');
        expand(word, '`');
        free(word);
        return 0;
}
