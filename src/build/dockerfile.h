/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/**
 * The Dockerfile front end of `berth build`: what Docker's (BuildKit's)
 * parser accepts, turned into stages of instructions, and the shell-word
 * lexer that expands variables in them. Nothing here builds or runs.
 *
 * Parsing goes in two passes, like BuildKit's: the whole file is first cut
 * into instructions (comments, parser directives, line continuations,
 * heredocs, exec/shell form, ENV/LABEL/ARG pairs), then each instruction
 * is checked (known name, its flags, its argument count) and grouped into
 * stages. Any error stops the parse; nothing is returned but the error,
 * which names the place: "Dockerfile:7:1: unknown instruction: RUNN".
 * Messages use Docker's words where Docker has them.
 *
 * Arguments are kept as written (quotes, escapes and variables intact):
 * the builder expands them, instruction by instruction, with
 * berth_build_expand() and the environment of the moment. RUN, CMD,
 * ENTRYPOINT, SHELL, HEALTHCHECK and MAINTAINER are never expanded by the
 * builder (the shell does that); EXPOSE is expanded word-splitting
 * (berth_build_expand_words), every other argument as one word.
 *
 * Hostile input: a Dockerfile over BERTH_DOCKERFILE_MAX_SIZE bytes, a line
 * over BERTH_DOCKERFILE_MAX_LINE bytes or more than
 * BERTH_DOCKERFILE_MAX_INSTRUCTIONS instructions is refused; nothing
 * recurses on the input's nesting without a bound (ONBUILD parses its
 * trigger one level deep, ${...} nests at most 100 deep); an expansion's
 * result is at most 16 MiB and its pattern operators have a work budget.
 */
#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BERTH_DOCKERFILE_MAX_SIZE         (10u << 20)
#define BERTH_DOCKERFILE_MAX_LINE         (1u << 20)
#define BERTH_DOCKERFILE_MAX_INSTRUCTIONS 100000u

typedef enum berth_dockerfile_cmd {
        BERTH_DF_ADD,
        BERTH_DF_ARG,
        BERTH_DF_CMD,
        BERTH_DF_COPY,
        BERTH_DF_ENTRYPOINT,
        BERTH_DF_ENV,
        BERTH_DF_EXPOSE,
        BERTH_DF_FROM,
        BERTH_DF_HEALTHCHECK,
        BERTH_DF_LABEL,
        BERTH_DF_MAINTAINER,
        BERTH_DF_ONBUILD,
        BERTH_DF_RUN,
        BERTH_DF_SHELL,
        BERTH_DF_STOPSIGNAL,
        BERTH_DF_USER,
        BERTH_DF_VOLUME,
        BERTH_DF_WORKDIR,
        BERTH_DF_UNKNOWN, /* only inside a parse, never in a returned instruction */
} berth_dockerfile_cmd;

/** An instruction option, "--name=value". Only the flags the instruction
 * accepts get through; boolean flags have value "true" or "false". */
typedef struct berth_dockerfile_flag {
        char *name;  /* without the dashes: "mount" */
        char *value; /* as written, quotes removed; never NULL */
} berth_dockerfile_flag;

/** A heredoc: "<<EOF" on the instruction's line, its body on the next lines. */
typedef struct berth_dockerfile_heredoc {
        char *name;    /* the terminator word, quotes removed: "EOF" */
        char *content; /* the body lines, each with its newline; for "<<-" without
                          their leading tabs */
        bool expand;   /* no part of the word was quoted: expand variables in content */
        bool chomp;    /* "<<-EOF" */
        unsigned fd;   /* "3<<EOF": 3; 0 when none was written */
} berth_dockerfile_heredoc;

/** ENV and LABEL pairs, ARG names with their optional default. */
typedef struct berth_dockerfile_kv {
        char *key;   /* unexpanded */
        char *value; /* unexpanded; NULL for an ARG without a default */
} berth_dockerfile_kv;

/** HEALTHCHECK, checked: Docker's config.Healthcheck. Durations in nanoseconds, 0 = default. */
typedef struct berth_dockerfile_health {
        char **test; /* {"NONE"}, {"CMD", argv...} or {"CMD-SHELL", "command"} */
        int64_t interval, timeout, start_period, start_interval;
        int retries;
} berth_dockerfile_health;

typedef struct berth_dockerfile_instr {
        berth_dockerfile_cmd cmd;
        const char *name; /* lowercase, static: "run" */
        char *keyword;    /* the name as written: "Run" */
        char *original;   /* the instruction's text, continuations joined (for the
                             cache key and "Step N/M : ..."); no heredoc bodies */
        unsigned line;    /* 1-based first and last line, heredoc bodies included */
        unsigned end_line;
        unsigned column; /* 1-based column where the keyword starts */

        berth_dockerfile_flag *flags;
        size_t n_flags;

        /**
         * The arguments after parsing the form, unexpanded. Never NULL.
         * - exec form (json): the JSON array's strings;
         * - RUN/CMD/ENTRYPOINT/SHELL shell form: one string, the rest of the line;
         * - HEALTHCHECK: {type, ...} then as CMD; ONBUILD: {trigger expression};
         * - ADD/COPY/VOLUME/EXPOSE/FROM: whitespace-separated words;
         * - USER/WORKDIR/STOPSIGNAL/MAINTAINER: one string, the rest of the line;
         * - ENV/LABEL/ARG: none, see kvs.
         */
        char **args;
        size_t n_args;
        bool json; /* exec form */

        berth_dockerfile_kv *kvs; /* ENV, LABEL, ARG */
        size_t n_kvs;
        bool kv_legacy; /* ENV/LABEL "key value" form (one pair) */

        berth_dockerfile_heredoc *heredocs; /* RUN, COPY, ADD (and ONBUILD of those) */
        size_t n_heredocs;
        /** ADD/COPY: for each of args[], the index in heredocs[] of the heredoc that
         * source names ("<<EOF"), or -1 for a path. NULL for other instructions. */
        int *arg_heredoc;

        berth_dockerfile_health health; /* HEALTHCHECK only */
} berth_dockerfile_instr;

typedef struct berth_dockerfile_stage {
        const char *base;               /* FROM's image or stage, unexpanded ("alpine:${V}") */
        char *name;                     /* the "AS" name, lowercased; NULL without one */
        const char *platform;           /* --platform, unexpanded; NULL without one */
        berth_dockerfile_instr *from;   /* the FROM instruction */
        berth_dockerfile_instr *instrs; /* what follows FROM, up to the next FROM */
        size_t n_instrs;
} berth_dockerfile_stage;

typedef struct berth_dockerfile {
        char *filename; /* as given to the parser, for messages */
        char *syntax;   /* "# syntax=" directive, NULL without one (not acted upon) */
        char escape;    /* '\\' or '`' ("# escape=") */

        /** Every instruction, in file order (the "Step N/M" count is n_instrs). */
        berth_dockerfile_instr *instrs;
        size_t n_instrs;
        /** The ARGs before the first FROM: instrs[0 .. n_global_args-1]. */
        size_t n_global_args;
        /** Stages point into instrs[]. Empty for a fragment. */
        berth_dockerfile_stage *stages;
        size_t n_stages;

        /** What Docker warns about and still accepts, e.g. "Dockerfile:5: empty
         * continuation line". NULL-terminated, never NULL. */
        char **warnings;
} berth_dockerfile;

/** Parse flags. */
enum {
        /** Instructions without a FROM (ONBUILD triggers read back from an image):
         * no stages are made and every instruction but FROM is allowed. */
        BERTH_DOCKERFILE_FRAGMENT = 1 << 0,
};

/**
 * Parse a Dockerfile held in memory (data need not be NUL-terminated; a NUL
 * byte in it is refused: the file is not text). filename (e.g.
 * "Dockerfile", NULL for that) only names the file in messages. On success
 * *ret is the parse, to be freed with berth_dockerfile_free(); on failure
 * -EINVAL (-EFBIG when too large) and err says
 * "<filename>:<line>:<column>: <what>" ("<filename>: <what>" for the file
 * as a whole, e.g. "file with no instructions"). Errors of an instruction
 * point at its keyword; unterminated heredocs at their instruction.
 */
int berth_dockerfile_parse(const char *data, size_t len, const char *filename, unsigned flags,
                           berth_dockerfile **ret, berth_error *err);

/** Read fd (at most BERTH_DOCKERFILE_MAX_SIZE bytes, or -EFBIG) and parse it. */
int berth_dockerfile_parse_fd(int fd, const char *filename, unsigned flags, berth_dockerfile **ret,
                              berth_error *err);

void berth_dockerfile_free(berth_dockerfile *df);

/** The value of the last --name flag of in, or NULL when it was not given. */
const char *berth_dockerfile_flag_value(const berth_dockerfile_instr *in, const char *name);

/** The stage called name (case-insensitive, as Docker) or NULL. */
const berth_dockerfile_stage *berth_dockerfile_stage_by_name(const berth_dockerfile *df,
                                                             const char *name);

/** Uppercase name for messages and "Step N/M : RUN ...": "RUN". Static. */
const char *berth_dockerfile_cmd_upper(berth_dockerfile_cmd cmd);

/* ------------------------------------------------------------------------- */
/* Variable expansion: Docker's shell-word lexer (BuildKit's shell.Lex).     */

/**
 * Look a variable up: its value, "" when set empty, NULL when unset. The
 * returned string must stay valid until the next call or the end of the
 * expansion.
 */
typedef const char *(*berth_build_lookup_fn)(const char *name, void *ctx);

typedef struct berth_build_expand_opts {
        char escape;      /* the Dockerfile's escape character; 0 means '\\' */
        bool raw_quotes;  /* keep quote characters in the result */
        bool raw_escapes; /* keep escape characters in the result */
        bool skip_unset;  /* leave $V and ${V...} as written when V is unset */
        bool no_quotes;   /* quotes are ordinary characters (heredoc bodies) */
} berth_build_expand_opts;

/**
 * Expand one word as Docker does: $V, ${V}, ${V:-x}, ${V-x}, ${V:+x},
 * ${V+x}, ${V:?msg}, ${V?msg}, ${V#pat}, ${V##pat}, ${V%pat}, ${V%%pat},
 * ${V/pat/repl}, ${V//pat/repl}, with defaults nesting (${V:-${W}}); the
 * escape character escapes, single quotes suppress expansion, double quotes
 * allow it, quotes are removed; unset variables expand to empty. opts may
 * be NULL (defaults: '\\', no raw, no skip). lookup may be NULL (nothing is
 * set). On success *ret is a new string; on failure -EINVAL and err says
 * 'failed to process "<word>": <why>' (${V:?msg}: "V: msg").
 */
int berth_build_expand(const char *word, const berth_build_expand_opts *opts,
                       berth_build_lookup_fn lookup, void *ctx, char **ret, berth_error *err);

/**
 * Expand and split into words (EXPOSE): what a variable expands to splits
 * on whitespace, quoted text does not. *ret is NULL-terminated (maybe
 * empty), free it with berth_strv_free().
 */
int berth_build_expand_words(const char *word, const berth_build_expand_opts *opts,
                             berth_build_lookup_fn lookup, void *ctx, char ***ret,
                             berth_error *err);
