/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Dockerfile front end (src/build/dockerfile.h): what Docker's parser
 * accepts and refuses, with its messages, and the variable expansion.
 *
 * Instructions are compared in a compact form, one per line:
 *   name --flag=value json [arg] [arg] {key=value} {legacy key value} <<-'EOF'[body]
 * where a newline inside a string shows as \n and a tab as \t.
 */
#include "build/dockerfile.h"

#include "base/cleanup.h"
#include "base/strutil.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

static void put(FILE *f, const char *s)
{
        for (; *s; s++) {
                if (*s == '\n')
                        fputs("\\n", f);
                else if (*s == '\t')
                        fputs("\\t", f);
                else
                        fputc(*s, f);
        }
}

static void dump_instr(FILE *f, const berth_dockerfile_instr *in)
{
        fputs(in->name, f);
        for (size_t i = 0; i < in->n_flags; i++) {
                fprintf(f, " --%s=", in->flags[i].name);
                put(f, in->flags[i].value);
        }
        if (in->json)
                fputs(" json", f);
        for (size_t i = 0; i < in->n_args; i++) {
                fputs(" [", f);
                put(f, in->args[i]);
                fputc(']', f);
        }
        for (size_t i = 0; i < in->n_kvs; i++) {
                fputs(" {", f);
                if (in->kv_legacy)
                        fputs("legacy ", f);
                put(f, in->kvs[i].key);
                if (in->kvs[i].value) {
                        fputc(in->kv_legacy ? ' ' : '=', f);
                        put(f, in->kvs[i].value);
                }
                fputc('}', f);
        }
        for (size_t i = 0; i < in->n_heredocs; i++) {
                const berth_dockerfile_heredoc *h = &in->heredocs[i];
                fputc(' ', f);
                if (h->fd)
                        fprintf(f, "%u", h->fd);
                fprintf(f, "<<%s%s%s%s[", h->chomp ? "-" : "", h->expand ? "" : "'", h->name,
                        h->expand ? "" : "'");
                put(f, h->content);
                fputc(']', f);
        }
}

static char *dump(const berth_dockerfile *df)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        for (size_t i = 0; i < df->n_instrs; i++) {
                if (i)
                        fputc('\n', f);
                dump_instr(f, &df->instrs[i]);
        }
        fclose(f);
        return out;
}

static berth_dockerfile *parse(const char *text, berth_error *err)
{
        berth_dockerfile *df = NULL;
        berth_error_clear(err);
        if (berth_dockerfile_parse(text, strlen(text), "Dockerfile", 0, &df, err) < 0)
                return NULL;
        return df;
}

/* text parses, and its instructions dump as want. */
static void parses_to(const char *text, const char *want, const char *name)
{
        berth_error err = {0};
        berth_dockerfile *df = parse(text, &err);
        if (!ok(df != NULL, "%s: parses", name)) {
                printf("#   %s\n", err.msg);
                return;
        }
        _cleanup_free_ char *got = dump(df);
        is_str(got, want, "%s", name);
        berth_dockerfile_free(df);
}

/* text is refused with exactly msg. */
static void fails_with(const char *text, const char *msg, const char *name)
{
        berth_error err = {0};
        berth_dockerfile *df = parse(text, &err);
        ok(df == NULL && err.code == EINVAL, "%s: refused", name);
        is_str(err.msg, msg, "%s: message", name);
        berth_dockerfile_free(df);
}

/* ------------------------------------------------------------------------- */

static void test_directives(void)
{
        parses_to("# escape=`\nFROM x\nRUN a `\n  b\n", "from [x]\nrun [a   b]", "escape=`");
        parses_to("#escape=\\\nFROM x\nRUN a \\\n b\n", "from [x]\nrun [a  b]", "escape=\\");
        parses_to("# ESCAPE = `\nFROM x\nRUN a`\nb", "from [x]\nrun [ab]",
                  "directive keys are case-insensitive");
        parses_to("   #   escape   =   `   \nFROM x\nRUN a`\nb", "from [x]\nrun [ab]",
                  "blanks around the directive");
        parses_to("\xef\xbb\xbf# escape=`\nFROM x\nRUN a`\nb", "from [x]\nrun [ab]",
                  "byte order mark before the directive");
        parses_to("# syntax=docker/dockerfile:1\n# escape=`\n# check=skip=all\nFROM x\n"
                  "RUN a`\nb",
                  "from [x]\nrun [ab]", "syntax, escape and check together");

        /* after anything else, a directive is a comment */
        parses_to("FROM x\n# escape=`\nRUN a `\nCMD b", "from [x]\nrun [a `]\ncmd [b]",
                  "directive after an instruction is a comment");
        parses_to("# a comment\n# escape=`\nFROM x\nRUN a \\\n b", "from [x]\nrun [a  b]",
                  "directive after a comment is a comment");
        parses_to("\n# escape=`\nFROM x\nRUN a \\\n b", "from [x]\nrun [a  b]",
                  "directive after a blank line is a comment");
        parses_to("# foo=bar\n# escape=`\nFROM x\nRUN a \\\n b", "from [x]\nrun [a  b]",
                  "an unknown directive ends the directives");
        parses_to("# escape\nFROM x", "from [x]", "a directive without = is a comment");

        fails_with("# escape=`\n# escape=\\\nFROM x",
                   "Dockerfile:2:1: only one escape parser directive can be used",
                   "duplicate escape");
        fails_with("# syntax=a\n# Syntax=b\nFROM x",
                   "Dockerfile:2:1: only one syntax parser directive can be used",
                   "duplicate syntax");
        fails_with("# escape=x\nFROM x",
                   "Dockerfile:1:1: invalid escape token 'x' does not match ` or \\",
                   "invalid escape token");
        fails_with("# escape= \nFROM x",
                   "Dockerfile:1:1: invalid escape token ' ' does not match ` or \\",
                   "escape token of one blank (as Docker's regular expression has it)");
        fails_with("# escape=``\nFROM x",
                   "Dockerfile:1:1: invalid escape token '``' does not match ` or \\",
                   "escape token of two characters");

        berth_error err = {0};
        berth_dockerfile *df = parse("# syntax = docker/dockerfile:1.7 \n# escape=`\nFROM x", &err);
        ok(df && df->syntax && strcmp(df->syntax, "docker/dockerfile:1.7") == 0,
           "syntax directive kept");
        ok(df && df->escape == '`', "escape directive kept");
        berth_dockerfile_free(df);
        df = parse("FROM x", &err);
        ok(df && df->syntax == NULL && df->escape == '\\', "defaults: no syntax, backslash");
        berth_dockerfile_free(df);
}

static void test_comments_and_continuations(void)
{
        parses_to("# comment\n  # indented comment\nFROM x\n#\nRUN echo # not a comment",
                  "from [x]\nrun [echo # not a comment]", "comment lines");
        parses_to("FROM x\nRUN a \\\n# comment\n  b", "from [x]\nrun [a   b]",
                  "comment inside a continuation is skipped");
        parses_to("FROM x\nRUN a \\\n    # indented comment \\\n  b \\\n# last\n  c",
                  "from [x]\nrun [a   b   c]", "indented comments inside continuations");
        parses_to("FROM x\nRUN a \\\n\n   \n b", "from [x]\nrun [a  b]",
                  "empty continuation lines are skipped");
        parses_to("FROM x\nRUN a\\\n\\\nb", "from [x]\nrun [ab]",
                  "a line of only the escape continues");
        parses_to("FROM x\nRUN a \\  \t\n b", "from [x]\nrun [a  b]",
                  "blanks after the escape still continue");
        parses_to("FROM x\nENV C trailing\\\\\nENV D d",
                  "from [x]\nenv {legacy C trailing\\\\}\n"
                  "env {legacy D d}",
                  "an escaped escape at the end does not continue");
        parses_to("FROM x\nRUN a \\", "from [x]\nrun [a]", "continuation at the end of the file");
        parses_to("FROM x\r\nRUN a \\\r\n b\r\n", "from [x]\nrun [a  b]", "CRLF line ends");
        parses_to("FROM x\nRUN echo hello\\\n  world\\\n  goodnight  \\\n  moon",
                  "from [x]\nrun [echo hello  world  goodnight    moon]",
                  "continuation lines keep their indentation");
        parses_to("# escape=`\nFROM x\nRUN a \\\nCOPY a `\n  b",
                  "from [x]\nrun [a \\]\ncopy [a] [b]",
                  "with ` the backslash is an ordinary character");
        parses_to("FROM x\n\n\n   \nRUN a", "from [x]\nrun [a]", "blank lines");

        berth_error err = {0};
        berth_dockerfile *df = parse("FROM x\nRUN a \\\n\n b", &err);
        ok(df && df->warnings[0] && strstr(df->warnings[0], "line 2: empty continuation line"),
           "empty continuation line gives a warning");
        ok(df && df->warnings[0] && df->warnings[1] == NULL, "one warning");
        berth_dockerfile_free(df);
}

static void test_instruction_names(void)
{
        parses_to("from x\nRun a\nrUN b\nCmd c", "from [x]\nrun [a]\nrun [b]\ncmd [c]",
                  "instruction names are case-insensitive");
        berth_error err = {0};
        berth_dockerfile *df = parse("from x\nRun a", &err);
        is_str(df ? df->instrs[1].keyword : NULL, "Run", "keyword as written");
        is_str(df ? df->instrs[1].original : NULL, "Run a", "original text");
        berth_dockerfile_free(df);

        fails_with("FROM x\nRUNN a",
                   "Dockerfile:2:1: unknown instruction: RUNN (did you mean RUN?)",
                   "unknown instruction, with a suggestion");
        fails_with("FROM x\nrunn a",
                   "Dockerfile:2:1: unknown instruction: runn (did you mean run?)",
                   "the suggestion takes the case of what was written");
        fails_with("FROM x\n   BOGUS a", "Dockerfile:2:4: unknown instruction: BOGUS",
                   "unknown instruction: column of the keyword");
        fails_with("FROM x\nRUN a \\\n b\nfoo=bar", "Dockerfile:4:1: unknown instruction: foo=bar",
                   "line after a continuation");
        fails_with("", "Dockerfile: file with no instructions", "empty file");
        fails_with("# just\n# comments\n\n", "Dockerfile: file with no instructions",
                   "only comments");
        fails_with("RUN a\nFROM x", "Dockerfile:1:1: no build stage in current context",
                   "instruction before FROM");
        /* like BuildKit, the form of every line is parsed before any instruction is checked */
        fails_with("FROM x\nRUNN a\nENV b", "Dockerfile:3:1: ENV must have two arguments",
                   "form errors come before instruction errors");
}

static void test_run_cmd_entrypoint_shell(void)
{
        parses_to("FROM x\nRUN apt-get update && \\\n  apt-get install -y foo",
                  "from [x]\nrun [apt-get update &&   apt-get install -y foo]", "RUN shell form");
        parses_to("FROM x\nRUN [\"echo\", \"a b\"]\nRUN [ \"a\" ,\t\"b\" ]\t",
                  "from [x]\nrun json [echo] [a b]\nrun json [a] [b]", "RUN exec form");
        parses_to("FROM x\nCMD []\nCMD [\"\"]\nCMD [\"\\u2603\", \"\\\"q\\\" \\\\ \\/ \\t\"]",
                  "from [x]\ncmd json\ncmd json []\ncmd json [\xe2\x98\x83] [\"q\" \\ / \\t]",
                  "JSON strings and escapes");
        parses_to("FROM x\nCMD ['a', 'b']\nCMD [\"a\"\nCMD [\"a\", \"b]\nCMD [\"a\"] b\n"
                  "CMD \"[\\\"a\\\"]\"",
                  "from [x]\ncmd [['a', 'b']]\ncmd [[\"a\"]\ncmd [[\"a\", \"b]]\n"
                  "cmd [[\"a\"] b]\ncmd [\"[\\\"a\\\"]\"]",
                  "what is not a JSON array is shell form");
        fails_with("FROM x\nCMD [\"a\", 1]",
                   "Dockerfile:2:1: when using JSON array syntax, arrays must be comprised of "
                   "strings only",
                   "JSON array of non-strings");
        fails_with("FROM x\nRUN [[\"a\"]]",
                   "Dockerfile:2:1: when using JSON array syntax, arrays must be comprised of "
                   "strings only",
                   "nested JSON array");
        fails_with("FROM x\nRUN [\"a\\u0000b\"]",
                   "Dockerfile:2:1: when using JSON array syntax, strings must not contain NUL "
                   "characters",
                   "NUL in a JSON string");
        parses_to("FROM x\nENTRYPOINT [\"/bin/app\", \"-v\"]\nENTRYPOINT exec app",
                  "from [x]\nentrypoint json [/bin/app] [-v]\nentrypoint [exec app]",
                  "ENTRYPOINT both forms");
        parses_to("FROM x\nRUN\nCMD", "from [x]\nrun\ncmd", "RUN and CMD without arguments");
        parses_to("FROM x\nSHELL [\"/bin/bash\", \"-c\"]", "from [x]\nshell json [/bin/bash] [-c]",
                  "SHELL");
        fails_with("FROM x\nSHELL /bin/bash -c",
                   "Dockerfile:2:1: SHELL requires the arguments to be in JSON form",
                   "SHELL in shell form");
        fails_with("FROM x\nSHELL []", "Dockerfile:2:1: SHELL requires at least one argument",
                   "SHELL []");
        parses_to("FROM x\nRUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=a "
                  "--network=none --security=insecure --device=x pip install .",
                  "from [x]\nrun --mount=type=cache,target=/root/.cache --mount=type=secret,id=a "
                  "--network=none --security=insecure --device=x [pip install .]",
                  "RUN flags");
        parses_to("FROM x\nRUN --mount=\"type=bind,source=a b\" \\\n  --network=host [\"ls\"]",
                  "from [x]\nrun --mount=type=bind,source=a b --network=host json [ls]",
                  "quoted flag value, flags on a continuation, exec form");
        parses_to("FROM x\nRUN -- --mount=x", "from [x]\nrun [--mount=x]", "-- ends the flags");
        parses_to("FROM x\nRUN echo --mount=x", "from [x]\nrun [echo --mount=x]",
                  "flags only before the command");
        fails_with("FROM x\nRUN --mnt=type=cache ls",
                   "Dockerfile:2:1: unknown flag: --mnt (did you mean mount?)", "unknown RUN flag");
        fails_with("FROM x\nRUN --network=a --network=b ls",
                   "Dockerfile:2:1: duplicate flag specified: --network", "duplicate flag");
        fails_with("FROM x\nRUN --network ls", "Dockerfile:2:1: missing a value on flag: --network",
                   "string flag without a value");
        fails_with("FROM x\nCMD --help", "Dockerfile:2:1: unknown flag: --help",
                   "CMD takes no flags (as Docker)");
}

static void test_copy_add(void)
{
        parses_to("FROM x\nCOPY a b /dest/\nADD\t\t. /\nCOPY [\"a file\", \"/dest dir/\"]",
                  "from [x]\ncopy [a] [b] [/dest/]\nadd [.] [/]\ncopy json [a file] [/dest dir/]",
                  "COPY and ADD, both forms");
        parses_to("FROM x\nCOPY --from=build --chown=1000:1000 --chmod=0755 --link \\\n"
                  "  --exclude=*.md --exclude=tmp --parents a /b",
                  "from [x]\ncopy --from=build --chown=1000:1000 --chmod=0755 --link=true "
                  "--exclude=*.md --exclude=tmp --parents=true [a] [/b]",
                  "COPY flags");
        parses_to("FROM x\nADD --checksum=sha256:abc --keep-git-dir=TRUE --unpack=false "
                  "--link=False --chown=a --chmod=600 --exclude=x https://e.org/f /f",
                  "from [x]\nadd --checksum=sha256:abc --keep-git-dir=true --unpack=false "
                  "--link=false --chown=a --chmod=600 --exclude=x [https://e.org/f] [/f]",
                  "ADD flags");
        parses_to("FROM x\nCOPY --chown=\"a b\" 'c d' e",
                  "from [x]\ncopy --chown=a b ['c] [d'] [e]",
                  "flag quotes go, argument quotes stay (split on blanks)");
        fails_with("FROM x\nADD --from=a b c", "Dockerfile:2:1: unknown flag: --from",
                   "ADD has no --from");
        fails_with("FROM x\nCOPY --form=a b c",
                   "Dockerfile:2:1: unknown flag: --form (did you mean from?)", "COPY --form");
        fails_with("FROM x\nCOPY --link=maybe a b",
                   "Dockerfile:2:1: expecting boolean value for flag --link, not: maybe",
                   "boolean flag with another value");
        fails_with("FROM x\nCOPY --link= a b", "Dockerfile:2:1: missing a value on flag: --link",
                   "boolean flag with an empty value");
        fails_with("FROM x\nCOPY --from=a --from=b c d",
                   "Dockerfile:2:1: duplicate flag specified: --from", "COPY --from twice");
        fails_with("FROM x\nCOPY a",
                   "Dockerfile:2:1: COPY requires at least two arguments, but only one was "
                   "provided. Destination could not be determined",
                   "COPY one argument");
        fails_with("FROM x\nADD",
                   "Dockerfile:2:1: ADD requires at least two arguments, but only one was "
                   "provided. Destination could not be determined",
                   "ADD no argument");
        fails_with("FROM x\nCOPY\t\n  a \\\n  b",
                   "Dockerfile:2:1: COPY requires at least two arguments, but only one was "
                   "provided. Destination could not be determined",
                   "COPY with blanks only");
}

static void test_from_and_stages(void)
{
        berth_error err = {0};
        berth_dockerfile *df =
            parse("ARG BASE=alpine\nARG TAG\nFROM --platform=$BUILDPLATFORM ${BASE}:${TAG} AS "
                  "Build\nRUN make\nFROM scratch\nCOPY --from=build /app /app\nCMD [\"/app\"]",
                  &err);
        if (!ok(df != NULL, "stages parse"))
                printf("#   %s\n", err.msg);
        if (df) {
                is_int(df->n_instrs, 7, "seven instructions");
                is_int(df->n_global_args, 2, "two global ARGs");
                is_int(df->n_stages, 2, "two stages");
                is_str(df->stages[0].base, "${BASE}:${TAG}", "stage base unexpanded");
                is_str(df->stages[0].name, "build", "stage name lowercased");
                is_str(df->stages[0].platform, "$BUILDPLATFORM", "stage platform");
                is_int(df->stages[0].n_instrs, 1, "first stage: one instruction");
                is_str(df->stages[0].instrs[0].name, "run", "first stage runs make");
                ok(df->stages[1].name == NULL && df->stages[1].platform == NULL,
                   "second stage: no name, no platform");
                is_int(df->stages[1].n_instrs, 2, "second stage: two instructions");
                ok(berth_dockerfile_stage_by_name(df, "BUILD") == &df->stages[0],
                   "stage by name, case-insensitive");
                ok(berth_dockerfile_stage_by_name(df, "nope") == NULL, "no such stage");
                is_str(df->instrs[0].kvs[0].key, "BASE", "global ARG key");
                is_str(df->instrs[0].kvs[0].value, "alpine", "global ARG default");
                ok(df->instrs[1].kvs[0].value == NULL, "ARG without default");
                is_str(berth_dockerfile_flag_value(&df->instrs[5], "from"), "build", "flag value");
                ok(berth_dockerfile_flag_value(&df->instrs[5], "chown") == NULL, "flag not given");
                is_str(berth_dockerfile_cmd_upper(df->instrs[6].cmd), "CMD", "upper name");
                is_int(df->instrs[2].line, 3, "FROM line");
        }
        berth_dockerfile_free(df);

        parses_to("FROM a as b-1_c.d", "from [a] [as] [b-1_c.d]", "stage name characters");
        fails_with("FROM", "Dockerfile:1:1: FROM requires either one or three arguments",
                   "FROM alone");
        fails_with("FROM a b", "Dockerfile:1:1: FROM requires either one or three arguments",
                   "FROM two words");
        fails_with("FROM a to b", "Dockerfile:1:1: FROM requires either one or three arguments",
                   "FROM a to b");
        fails_with("FROM a AS 1st",
                   "Dockerfile:1:1: invalid name for build stage: \"1st\", name can't start with "
                   "a number or contain symbols",
                   "stage name starting with a digit");
        fails_with("FROM a AS b!",
                   "Dockerfile:1:1: invalid name for build stage: \"b!\", name can't start with "
                   "a number or contain symbols",
                   "stage name with a symbol");
        fails_with("FROM --platfrom=x a",
                   "Dockerfile:1:1: unknown flag: --platfrom (did you mean platform?)",
                   "FROM unknown flag");
        fails_with("FROM --plat=x a", "Dockerfile:1:1: unknown flag: --plat",
                   "no suggestion when too far");
}

static void test_env_label_arg(void)
{
        parses_to("FROM x\nENV name value\nENV name  value with  spaces \nENV a=1\n"
                  "ENV a=1 b=\"x y\" c='z' d=e\\ f\nENV e=",
                  "from [x]\nenv {legacy name value}\nenv {legacy name value with  spaces}\n"
                  "env {a=1}\nenv {a=1} {b=\"x y\"} {c='z'} {d=e\\ f}\nenv {e=}",
                  "ENV forms, quotes kept for the expansion");
        parses_to("FROM x\nENV name=\"value value1\" \\\n    name2='a \\\n    b' \\\n"
                  "\tname3=\"x\\\"y\"",
                  "from [x]\nenv {name=\"value value1\"} {name2='a     b'} {name3=\"x\\\"y\"}",
                  "ENV over continuation lines");
        parses_to("FROM x\nENV name='a\\'b'\nENV n2=\"a\\'b\" n3=\"''\"",
                  "from [x]\nenv {name='a\\'b'}\nenv {n2=\"a\\'b\"} {n3=\"''\"}",
                  "escapes inside quotes");
        parses_to("FROM x\nENV a='b\\' c=d'", "from [x]\nenv {a='b\\'} {c=d'}",
                  "no escape inside single quotes");
        fails_with("FROM x\nENV a=1 b",
                   "Dockerfile:2:1: Syntax error - can't find = in \"b\". Must be of the form: "
                   "name=value",
                   "ENV pair without =");
        fails_with("FROM x\nENV name", "Dockerfile:2:1: ENV must have two arguments",
                   "legacy ENV without value");
        fails_with("FROM x\nENV =x", "Dockerfile:2:1: ENV names can not be blank", "ENV =x");
        fails_with("FROM x\nENV", "Dockerfile:2:1: ENV requires at least one argument",
                   "ENV alone");
        fails_with("FROM x\nENV --x=1 a=b", "Dockerfile:2:1: unknown flag: --x", "ENV flag");

        parses_to("FROM x\nLABEL maintainer Jane Doe <j@d.org>\nLABEL \"a b\"=\"c d\" e=f",
                  "from [x]\nlabel {legacy maintainer Jane Doe <j@d.org>}\n"
                  "label {\"a b\"=\"c d\"} {e=f}",
                  "LABEL forms");
        fails_with("FROM x\nLABEL a", "Dockerfile:2:1: LABEL must have two arguments",
                   "LABEL one word");
        fails_with("FROM x\nLABEL =b", "Dockerfile:2:1: LABEL names can not be blank",
                   "LABEL blank name");
        fails_with("FROM x\nLABEL", "Dockerfile:2:1: LABEL requires at least one argument",
                   "LABEL alone");

        parses_to("ARG a\nFROM x\nARG b=1 c \"d\"=\"e f\" g=",
                  "arg {a}\nfrom [x]\narg {b=1} {c} "
                  "{\"d\"=\"e f\"} {g=}",
                  "ARG forms");
        parses_to("FROM x\nARG --foo a", "from [x]\narg {a}", "ARG flags are ignored, as Docker");
        fails_with("FROM x\nARG =1", "Dockerfile:2:1: ARG names can not be blank", "ARG =1");
        fails_with("FROM x\nARG", "Dockerfile:2:1: ARG requires at least one argument",
                   "ARG alone");
}

static void test_other_instructions(void)
{
        parses_to("FROM x\nEXPOSE 80 443/tcp\t53/udp\nEXPOSE $PORT",
                  "from [x]\nexpose [80] [443/tcp] [53/udp]\nexpose [$PORT]", "EXPOSE");
        fails_with("FROM x\nEXPOSE", "Dockerfile:2:1: EXPOSE requires at least one argument",
                   "EXPOSE alone");
        parses_to("FROM x\nVOLUME /a /b\nVOLUME [\"/c d\", \" /e \"]",
                  "from [x]\nvolume [/a] [/b]\nvolume json [/c d] [/e]", "VOLUME both forms");
        fails_with("FROM x\nVOLUME [\" \"]",
                   "Dockerfile:2:1: VOLUME specified can not be an empty string", "VOLUME blank");
        fails_with("FROM x\nVOLUME", "Dockerfile:2:1: VOLUME requires at least one argument",
                   "VOLUME alone");
        parses_to("FROM x\nUSER app:app\nUSER a b\nWORKDIR /my dir\nSTOPSIGNAL SIGKILL\n"
                  "MAINTAINER Jane <j@d.org>",
                  "from [x]\nuser [app:app]\nuser [a b]\nworkdir [/my dir]\nstopsignal [SIGKILL]\n"
                  "maintainer [Jane <j@d.org>]",
                  "one-string instructions take the rest of the line");
        parses_to("FROM x\nSTOPSIGNAL --x SIGTERM", "from [x]\nstopsignal [SIGTERM]",
                  "STOPSIGNAL flags are ignored, as Docker");
        fails_with("FROM x\nUSER", "Dockerfile:2:1: USER requires exactly one argument",
                   "USER alone");
        fails_with("FROM x\nWORKDIR", "Dockerfile:2:1: WORKDIR requires exactly one argument",
                   "WORKDIR alone");
        fails_with("FROM x\nSTOPSIGNAL", "Dockerfile:2:1: STOPSIGNAL requires exactly one argument",
                   "STOPSIGNAL alone");
        fails_with("FROM x\nMAINTAINER", "Dockerfile:2:1: MAINTAINER requires exactly one argument",
                   "MAINTAINER alone");
        fails_with("FROM x\nMAINTAINER --boo joe", "Dockerfile:2:1: unknown flag: --boo",
                   "MAINTAINER flag");
        fails_with("FROM x\nWORKDIR --x /a", "Dockerfile:2:1: unknown flag: --x", "WORKDIR flag");
}

static void test_healthcheck(void)
{
        berth_error err = {0};
        berth_dockerfile *df = parse(
            "FROM x\nHEALTHCHECK --interval=5s --timeout=3s --start-period=1m30s "
            "--start-interval=500ms --retries=3 \\\n  CMD curl -f http://localhost/ || exit 1\n"
            "HEALTHCHECK cmd [\"/check\", \"-q\"]\nHEALTHCHECK NONE\nHEALTHCHECK --interval=0s "
            "CMD true",
            &err);
        if (!ok(df != NULL, "HEALTHCHECK parses"))
                printf("#   %s\n", err.msg);
        if (df) {
                const berth_dockerfile_health *h = &df->instrs[1].health;
                is_str(h->test[0], "CMD-SHELL", "shell form is CMD-SHELL");
                is_str(h->test[1], "curl -f http://localhost/ || exit 1", "shell command");
                ok(h->test[2] == NULL, "one command string");
                is_int(h->interval, 5000000000LL, "interval");
                is_int(h->timeout, 3000000000LL, "timeout");
                is_int(h->start_period, 90000000000LL, "start period 1m30s");
                is_int(h->start_interval, 500000000LL, "start interval");
                is_int(h->retries, 3, "retries");
                h = &df->instrs[2].health;
                is_str(h->test[0], "CMD", "exec form is CMD");
                is_str(h->test[2], "-q", "exec arguments");
                is_str(df->instrs[3].health.test[0], "NONE", "NONE");
                is_int(df->instrs[4].health.interval, 0, "0s is the default");
        }
        berth_dockerfile_free(df);
        parses_to("FROM x\nHEALTHCHECK   CMD   a b\nHEALTHCHECK --timeout=3s CMD [\"foo\"]",
                  "from [x]\nhealthcheck [CMD] [a b]\nhealthcheck --timeout=3s json [CMD] [foo]",
                  "HEALTHCHECK forms");
        fails_with("FROM x\nHEALTHCHECK",
                   "Dockerfile:2:1: HEALTHCHECK requires at least one argument", "alone");
        fails_with("FROM x\nHEALTHCHECK NONE x",
                   "Dockerfile:2:1: HEALTHCHECK NONE takes no arguments", "NONE with arguments");
        fails_with("FROM x\nHEALTHCHECK CMD",
                   "Dockerfile:2:1: Missing command after HEALTHCHECK CMD", "CMD without command");
        fails_with("FROM x\nHEALTHCHECK CMD []",
                   "Dockerfile:2:1: Missing command after HEALTHCHECK CMD", "CMD []");
        fails_with("FROM x\nHEALTHCHECK connect TCP 7000",
                   "Dockerfile:2:1: Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)",
                   "unknown type");
        fails_with("FROM x\nHEALTHCHECK --interval=1x CMD a",
                   "Dockerfile:2:1: time: unknown unit \"x\" in duration \"1x\"", "bad unit");
        fails_with("FROM x\nHEALTHCHECK --timeout=5 CMD a",
                   "Dockerfile:2:1: time: missing unit in duration \"5\"", "missing unit");
        fails_with("FROM x\nHEALTHCHECK --timeout=abc CMD a",
                   "Dockerfile:2:1: time: invalid duration \"abc\"", "not a duration");
        fails_with("FROM x\nHEALTHCHECK --interval=500us CMD a",
                   "Dockerfile:2:1: Interval \"interval\" cannot be less than 1ms",
                   "interval under 1ms");
        fails_with("FROM x\nHEALTHCHECK --retries=-1 CMD a",
                   "Dockerfile:2:1: --retries cannot be negative (-1)", "negative retries");
        fails_with("FROM x\nHEALTHCHECK --retries=x CMD a",
                   "Dockerfile:2:1: strconv.ParseInt: parsing \"x\": invalid syntax",
                   "retries not a number");
        fails_with("FROM x\nHEALTHCHECK --retries=9999999999 CMD a",
                   "Dockerfile:2:1: strconv.ParseInt: parsing \"9999999999\": value out of range",
                   "retries too large");
        fails_with("FROM x\nHEALTHCHECK --intervl=5s CMD a",
                   "Dockerfile:2:1: unknown flag: --intervl (did you mean interval?)",
                   "HEALTHCHECK unknown flag");
}

static void test_onbuild(void)
{
        parses_to("FROM x\nONBUILD RUN echo hi\nonbuild  COPY --chown=a . /app",
                  "from [x]\nonbuild [RUN echo hi]\nonbuild [COPY --chown=a . /app]",
                  "ONBUILD keeps its trigger as text");
        parses_to("FROM x\nONBUILD RUN <<EOF\necho hi\nEOF\nCMD a",
                  "from [x]\nonbuild [RUN <<EOF\\necho hi\\nEOF] <<EOF[echo hi\\n]\ncmd [a]",
                  "ONBUILD with a heredoc");
        fails_with("FROM x\nONBUILD ONBUILD RUN a",
                   "Dockerfile:2:1: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                   "ONBUILD ONBUILD");
        fails_with("FROM x\nONBUILD FROM scratch",
                   "Dockerfile:2:1: FROM isn't allowed as an ONBUILD trigger", "ONBUILD FROM");
        fails_with("FROM x\nONBUILD maintainer me",
                   "Dockerfile:2:1: MAINTAINER isn't allowed as an ONBUILD trigger",
                   "ONBUILD MAINTAINER");
        fails_with("FROM x\nONBUILD", "Dockerfile:2:1: ONBUILD requires at least one argument",
                   "ONBUILD alone");
        fails_with("FROM x\nONBUILD CMD [1]",
                   "Dockerfile:2:1: when using JSON array syntax, arrays must be comprised of "
                   "strings only",
                   "the trigger's form is parsed");

        /* a trigger read back from an image: instructions without FROM */
        berth_error err = {0};
        berth_dockerfile *df = NULL;
        const char *t = "RUN <<EOF\necho hi\nEOF";
        int r =
            berth_dockerfile_parse(t, strlen(t), "ONBUILD", BERTH_DOCKERFILE_FRAGMENT, &df, &err);
        ok(r == 0 && df && df->n_instrs == 1 && df->n_stages == 0, "fragment parses");
        if (df)
                is_str(df->instrs[0].heredocs[0].content, "echo hi\n", "fragment heredoc");
        berth_dockerfile_free(df);
        df = NULL;
        r = berth_dockerfile_parse("FROM x", 6, "ONBUILD", BERTH_DOCKERFILE_FRAGMENT, &df, &err);
        ok(r < 0, "FROM refused in a fragment");
}

static void test_heredocs(void)
{
        parses_to("FROM x\nRUN <<EOF\napt-get update\n# not a comment \\\necho \"$HOME\"\nEOF\n"
                  "CMD a",
                  "from [x]\nrun [<<EOF] <<EOF[apt-get update\\n# not a comment \\\\necho "
                  "\"$HOME\"\\n]\ncmd [a]",
                  "RUN heredoc: the body is kept as written");
        parses_to("FROM x\nRUN <<EOF\nEOF", "from [x]\nrun [<<EOF] <<EOF[]", "empty heredoc");
        parses_to("FROM x\nCOPY <<A <<B /dest/\nfirst\nA\nsecond\nB\n",
                  "from [x]\ncopy [<<A] [<<B] [/dest/] <<A[first\\n] <<B[second\\n]",
                  "two heredocs in one instruction");
        parses_to("FROM x\nCOPY <<X <<Y /dest\nY\nX\nX\nY\n",
                  "from [x]\ncopy [<<X] [<<Y] [/dest] <<X[Y\\n] <<Y[X\\n]",
                  "each body ends at its own terminator");
        parses_to("FROM x\nRUN <<-EOF\n\techo a\n\t\techo b\n  \tc\n\tEOF\n",
                  "from [x]\nrun [<<-EOF] <<-EOF[echo a\\necho b\\n  \\tc\\n]",
                  "<<- strips leading tabs of the body and the terminator");
        parses_to("FROM x\nRUN <<'EOF'\n$A\nEOF\nRUN <<\"EOF\"\n$A\nEOF\nRUN <<E\"O\"F\nx\nEOF\n"
                  "RUN <<-'EOF'\n\tx\nEOF",
                  "from [x]\nrun [<<'EOF'] <<'EOF'[$A\\n]\nrun [<<\"EOF\"] <<'EOF'[$A\\n]\n"
                  "run [<<E\"O\"F] <<'EOF'[x\\n]\nrun [<<-'EOF'] <<-'EOF'[x\\n]",
                  "quoted terminators: no expansion");
        parses_to("FROM x\nRUN <<eo\\'f\nx\neo'f\nRUN <<'e'o\\'f\ny\neo'f",
                  "from [x]\nrun [<<eo\\'f] <<eo'f[x\\n]\nrun [<<'e'o\\'f] <<'eo'f'[y\\n]",
                  "escaped quote in the terminator");
        parses_to("FROM x\nRUN 3<<EOF cat /proc/self/fd/3\nhi\nEOF",
                  "from [x]\nrun [3<<EOF cat /proc/self/fd/3] 3<<EOF[hi\\n]", "file descriptor");
        parses_to("FROM x\nRUN <<EOF python3\nprint(1)\nEOF\nRUN << EOF\nx\nEOF",
                  "from [x]\nrun [<<EOF python3] <<EOF[print(1)\\n]\nrun [<< EOF] <<EOF[x\\n]",
                  "command after the heredoc, blank after <<");
        parses_to("FROM x\nRUN \"<<EOF\"\nRUN '<<EOF'\nRUN [\"<<EOF\"]\nUSER <<EOF",
                  "from [x]\nrun [\"<<EOF\"]\nrun ['<<EOF']\nrun json [<<EOF]\nuser [<<EOF]",
                  "no heredoc: quoted, exec form, or an instruction without heredocs");
        parses_to("FROM x\nRUN --mount=type=cache,target=/c <<EOF\nls\nEOF",
                  "from [x]\nrun --mount=type=cache,target=/c [<<EOF] <<EOF[ls\\n]",
                  "heredoc after flags");
        parses_to("FROM x\nRUN <<EOF\r\nline\r\nEOF\r\nCMD a",
                  "from [x]\nrun [<<EOF] <<EOF[line\r\\n]\ncmd [a]", "CRLF terminator");
        parses_to("FROM x\nRUN cat <<EOF && \\\n  echo done\nbody\nEOF",
                  "from [x]\nrun [cat <<EOF &&   echo done] <<EOF[body\\n]",
                  "heredoc on a continued line");

        berth_error err = {0};
        berth_dockerfile *df = parse("FROM x\nCOPY <<EOF a.txt <<-'TWO' /dest/\n$V\nEOF\n\tz\nTWO\n"
                                     "RUN x",
                                     &err);
        if (df) {
                const berth_dockerfile_instr *in = &df->instrs[1];
                is_int(in->arg_heredoc[0], 0, "first source is the first heredoc");
                is_int(in->arg_heredoc[1], -1, "second source is a path");
                is_int(in->arg_heredoc[2], 1, "third source is the second heredoc");
                is_int(in->arg_heredoc[3], -1, "destination");
                ok(in->heredocs[0].expand && !in->heredocs[1].expand, "expand flags");
                is_int(in->line, 2, "heredoc instruction starts on line 2");
                is_int(in->end_line, 6, "and ends on its last terminator");
                is_int(df->instrs[2].line, 7, "next instruction's line");
        } else {
                ok(0, "COPY heredoc sources parse: %s", err.msg);
        }
        berth_dockerfile_free(df);

        fails_with("FROM x\nRUN <<EOF\nabc\n", "Dockerfile:2:1: unterminated heredoc",
                   "unterminated heredoc");
        fails_with("FROM x\nCOPY <<A <<B /d\nA\n", "Dockerfile:2:1: unterminated heredoc",
                   "second heredoc unterminated");
        fails_with("FROM x\nCOPY /foo <<EOF\nEOF",
                   "Dockerfile:2:1: COPY cannot accept a heredoc as a destination",
                   "heredoc as COPY destination");
}

/* ------------------------------------------------------------------------- */
/* Expansion.                                                                */

static const char *env_lookup(const char *name, void *ctx)
{
        for (const char *const *e = ctx; *e; e += 2)
                if (strcmp(e[0], name) == 0)
                        return e[1];
        return NULL;
}

static const char *const test_env[] = {
    "PWD",    "/home",    "SHELL",  "bash",
    "NULL",   "",         "KOREAN", "\xed\x95\x9c\xea\xb5\xad",
    "FOO",    "xxyy",     "STARS",  "xx**",
    "VER",    "v1.2.3",   "PATHS",  "/tmp/tmp/bar.txt",
    "SPACED", "abc  def", "LEAD",   "  ab c",
    "TRAIL",  "ab c   ",  "NL",     "a\nb",
    NULL,
};

/* s with newlines shown as \n, for test names (TAP lines are single lines). */
static const char *one_line(const char *s)
{
        static char buf[256];
        size_t j = 0;
        for (; *s && j + 3 < sizeof(buf); s++) {
                if (*s == '\n') {
                        buf[j++] = '\\';
                        buf[j++] = 'n';
                } else {
                        buf[j++] = *s;
                }
        }
        buf[j] = '\0';
        return buf;
}

static void expands(const char *word, const char *want, const berth_build_expand_opts *o)
{
        berth_error err = {0};
        char *got = NULL;
        int r = berth_build_expand(word, o, env_lookup, (void *)test_env, &got, &err);
        if (!ok(r == 0, "expand %s", word)) {
                printf("#   %s\n", err.msg);
                return;
        }
        is_str(got, want, "expand %s -> %s", word, one_line(want));
        free(got);
}

static void expand_fails(const char *word, const char *msg)
{
        berth_error err = {0};
        char *got = NULL;
        int r = berth_build_expand(word, NULL, env_lookup, (void *)test_env, &got, &err);
        ok(r == -EINVAL, "expand %s fails", word);
        if (msg)
                is_str(err.msg, msg, "expand %s: message", word);
        free(got);
}

static void splits(const char *word, const char *want)
{
        berth_error err = {0};
        char **v = NULL;
        int r = berth_build_expand_words(word, NULL, env_lookup, (void *)test_env, &v, &err);
        if (!ok(r == 0, "words %s", word)) {
                printf("#   %s\n", err.msg);
                return;
        }
        char buf[512] = "";
        STRV_FOREACH (w, v) {
                if (w != v)
                        strcat(buf, ",");
                strncat(buf, *w, sizeof(buf) - strlen(buf) - 2);
        }
        is_str(buf, want, "words %s -> %s", word, want);
        berth_strv_free(v);
}

static void test_expand(void)
{
        /* quotes and escapes */
        expands("hello", "hello", NULL);
        expands("he'll'o", "hello", NULL);
        expands("he\\'llo", "he'llo", NULL);
        expands("abc\\tdef", "abctdef", NULL);
        expands("\"abc\\tdef\"", "abc\\tdef", NULL);
        expands("\"abc\\\\tdef\"", "abc\\tdef", NULL);
        expands("'abc\\tdef'", "abc\\tdef", NULL);
        expands("hello\\", "hello", NULL);
        expands("hello\\\\", "hello\\", NULL);
        expands("'hello\\'", "hello\\", NULL);
        expands("\"hel'lo\"", "hel'lo", NULL);
        expands("\"''\"", "''", NULL);
        expands("'\"hello\"'", "\"hello\"", NULL);
        expand_fails("he'llo", "failed to process \"he'llo\": unexpected end of statement while "
                               "looking for matching single-quote");
        expand_fails("\"hello", "failed to process \"\\\"hello\": unexpected end of statement "
                                "while looking for matching double-quote");
        expand_fails("\"hello\\\"", NULL);
        expand_fails("he\\\\'llo", NULL);

        /* variables */
        expands("$.", "$.", NULL);
        expands("he$1x", "hex", NULL);
        expands("he$PWD", "he/home", NULL);
        expands("he$pwd.", "he.", NULL);
        expands("he\\$PWD", "he$PWD", NULL);
        expands("he\\\\$PWD", "he\\/home", NULL);
        expands("\"he\\$PWD\"", "he$PWD", NULL);
        expands("\"he\\\\$PWD\"", "he\\/home", NULL);
        expands("'he$PWD'", "he$PWD", NULL);
        expands("'\\$PWD'", "\\$PWD", NULL);
        expands("\"$PWD\"", "/home", NULL);
        expands("\"he'$PWD'\"", "he'/home'", NULL);
        expands("\\${}", "${}", NULL);
        expands("he${hi}xx", "hexx", NULL);
        expands("he${PWD}", "he/home", NULL);
        expands("$KOREAN", "\xed\x95\x9c\xea\xb5\xad", NULL);
        expands("\xec\x95\x88$KOREAN", "\xec\x95\x88\xed\x95\x9c\xea\xb5\xad", NULL);
        expands("$FOO\xc3\xa9", "", NULL); /* a letter continues the name */
        expands("${FOO}\xc3\xa9", "xxyy\xc3\xa9", NULL);
        expands("$@@@", "@@", NULL);
        expands("$999aaa", "aaa", NULL);
        expands("$001aaa", "aaa", NULL);
        expands("${aaa}}", "}", NULL);
        expand_fails("${}", "failed to process \"${}\": syntax error: bad substitution");
        expand_fails("he${}xx", NULL);
        expand_fails("${:}", NULL);
        expand_fails("${{aaa}", NULL);
        expand_fails("he${.}", "failed to process \"he${.}\": unsupported modifier (.) in "
                               "substitution");
        expand_fails("he${PWD", "failed to process \"he${PWD\": syntax error: missing '}'");
        expand_fails("${aaa:-bbb ${foo}", NULL);

        /* defaults, alternatives, errors */
        expands("he${XXX:-000}xx", "he000xx", NULL);
        expands("he${PWD:-000}xx", "he/homexx", NULL);
        expands("he${XXX:-$PWD}xx", "he/homexx", NULL);
        expands("he${XXX:-${PWD:-yyy}}xx", "he/homexx", NULL);
        expands("he${XXX:-${YYY:-yyy}}xx", "heyyyxx", NULL);
        expands("${NULL:-d}/${NULL-d}/${XXX-d}", "d//d", NULL);
        expands("${NULL:+a}/${NULL+a}/${PWD:+a}/${XXX+a}", "/a/a/", NULL);
        expands("he${PWD:+${SHELL}}xx", "hebashxx", NULL);
        expands("he${PWD:+${PWD}:}xx", "he/home:xx", NULL);
        expands("he${XXX:-\\$PWD:}xx", "he$PWD:xx", NULL);
        expands("he${XXX:-\\${PWD}z}xx", "he${PWDz}xx", NULL);
        expands("${aaa:-bbb {foo}", "bbb {foo", NULL);
        expands("${aaa:-\"b c\"}", "b c", NULL);
        expands("${1:-bbb}${@:-c}", "bbbc", NULL);
        expands("he${PWD?}/${NULL?}", "he/home/", NULL);
        expand_fails("he${XXX:YYY}",
                     "failed to process \"he${XXX:YYY}\": unsupported modifier (:Y) in "
                     "substitution");
        expand_fails("he${PWD:=000}xx", NULL);
        expand_fails("${XXX?}", "failed to process \"${XXX?}\": XXX: is not allowed to be unset");
        expand_fails("${NULL:?}",
                     "failed to process \"${NULL:?}\": NULL: is not allowed to be empty");
        expand_fails("${XXX:?must be set $PWD}",
                     "failed to process \"${XXX:?must be set $PWD}\": XXX: must be set /home");

        /* patterns */
        expands("${VER#v}", "1.2.3", NULL);
        expands("${FOO#*x*y}", "y", NULL);
        expands("${FOO#*}", "xxyy", NULL);
        expands("${FOO##*x}", "yy", NULL);
        expands("${FOO#}/${FOO##}/${FOO%}", "xxyy/xxyy/xxyy", NULL);
        expands("${FOO#$NULL}", "xxyy", NULL);
        expands("${FOO%y*}", "xxy", NULL);
        expands("${FOO%%y*}", "xx", NULL);
        expands("${FOO%x}", "xxyy", NULL);
        expands("${STARS%%\\**}", "xx", NULL);
        expands("${FOO#?\\?}", "xxyy", NULL);
        expands("${XXX:-.}${FOO%x}${XXX:-.}", ".xxyy.", NULL);
        expands("${NL#*}", "a\nb", NULL);
        expands("${NL##*}", "\nb", NULL); /* like Go's '.', a wildcard stops at a newline */
        expands("${PATHS/\\/tmp/}|${PATHS//\\/tmp/}", "/tmp/bar.txt|/bar.txt", NULL);
        expands("${PATHS//\\//_}", "_tmp_tmp_bar.txt", NULL);
        expands("${FOO/x/[$0]}|${FOO//x/[\\$0]}|${FOO/x/[\\$0]}", "[]xyy|[\\x][\\x]yy|[\\$0]xyy",
                NULL); /* //: Go's template ($0 is the match); /: as is */
        expands("${FOO//x/$$}|${FOO//x/\\$$}|${FOO//y/\\${0}.}", "yy|\\$\\$yy|xx\\${0\\${0.}",
                NULL); /* $$ is the shell's pid (unset); } ends the replacement */
        expands("${FOO/?/-}|${FOO//y*/-}", "-xyy|xx-", NULL);
        expands("${FOO/$NULL/ww}", "wwxxyy", NULL);
        expands("${FOO///}", "xxyy", NULL);
        expands("${XXX///}", "", NULL);
        expand_fails("${FOO//ww}", "failed to process \"${FOO//ww}\": syntax error: missing '/' in "
                                   "${}");
        expand_fails("${FOO:#x}", "failed to process \"${FOO:#x}\": unsupported modifier (:#) in "
                                  "substitution");
        expand_fails("${FOO:%%x}", NULL);
        expand_fails("${FOO#\\x}", "failed to process \"${FOO#\\\\x}\": invalid pattern (\\x) in "
                                   "substitution: invalid escape '\\x'");

        /* options */
        berth_build_expand_opts bt = {.escape = '`'};
        expands("a`$PWD`\\b", "a$PWD\\b", &bt);
        expands("\"a`\"b\"", "a\"b", &bt);
        berth_build_expand_opts skip = {.raw_quotes = true, .skip_unset = true};
        expands("'$XXX' $XXX ${XXX} ${XXX:-a} $PWD", "'$XXX' $XXX ${XXX} ${XXX:-a} /home", &skip);
        berth_build_expand_opts body = {.no_quotes = true};
        expands("echo '$PWD' \"$NULL\"", "echo '/home' \"\"", &body);
        berth_build_expand_opts raw = {.raw_escapes = true};
        expands("a\\$PWD", "a\\$PWD", &raw);
        expands("x", "x", NULL);
        char *out = NULL;
        berth_error err = {0};
        ok(berth_build_expand("$A${B:-b}", NULL, NULL, NULL, &out, &err) == 0 && out &&
               strcmp(out, "b") == 0,
           "no lookup: nothing is set");
        free(out);

        /* words (EXPOSE) */
        splits("80 443/tcp", "80,443/tcp");
        splits("hello${hi}bye", "hellobye");
        splits("hello${SPACED}bye", "helloabc,defbye");
        splits("hello\"${SPACED}\"bye", "helloabc  defbye");
        splits("hello \"${SPACED}\"bye", "hello,abc  defbye");
        splits("hello${LEAD}def", "hello,ab,cdef");
        splits("hello\"${LEAD}\" def", "hello  ab c,def");
        splits("hello${TRAIL}d", "helloab,c,d");
        splits("hello\" there  \"", "hello there  ");
        splits("hello\\ there", "hello there");
        splits("hello\\\" there", "hello\",there");
        splits("x${XXX:-a}", "xa");
        splits("", "");
        splits("  ", "");

        /* bounds */
        size_t depth = 200;
        char *deep = berth_xmalloc0(depth * 6 + 8);
        for (size_t i = 0; i < depth; i++)
                strcat(deep, "${A:-");
        strcat(deep, "x");
        for (size_t i = 0; i < depth; i++)
                strcat(deep, "}");
        berth_error_clear(&err);
        ok(berth_build_expand(deep, NULL, NULL, NULL, &out, &err) == -EINVAL &&
               strstr(err.msg, "nested too deeply"),
           "deep nesting is refused");
        free(deep);
        deep = berth_xmalloc0(64 * 6 + 8);
        for (size_t i = 0; i < 64; i++)
                strcat(deep, "${A:-");
        strcat(deep, "x");
        for (size_t i = 0; i < 64; i++)
                strcat(deep, "}");
        ok(berth_build_expand(deep, NULL, NULL, NULL, &out, &err) == 0 && strcmp(out, "x") == 0,
           "64 nested defaults are fine");
        free(out);
        free(deep);

        const size_t big = 4u << 20;
        char *value = berth_xmalloc0(big + 1);
        memset(value, 'a', big);
        const char *big_env[] = {"B", value, NULL};
        ok(berth_build_expand("$B$B$B$B$B", NULL, env_lookup, big_env, &out, &err) == -EINVAL &&
               strstr(err.msg, "larger than 16 MiB"),
           "expansion output is bounded");
        memset(value, 'a', 40000);
        value[40000] = '\0';
        ok(berth_build_expand("${B//*b/x}", NULL, env_lookup, big_env, &out, &err) == -EINVAL &&
               strstr(err.msg, "too much work"),
           "pattern work is bounded");
        free(value);
}

/* ------------------------------------------------------------------------- */

static void test_limits_and_fd(void)
{
        berth_error err = {0};
        berth_dockerfile *df = NULL;
        size_t n = BERTH_DOCKERFILE_MAX_SIZE + 1;
        char *big = berth_xmalloc0(n + 1);
        memset(big, '\n', n);
        memcpy(big, "FROM x\n", 7);
        int r = berth_dockerfile_parse(big, n, "Dockerfile", 0, &df, &err);
        ok(r == -EFBIG && strstr(err.msg, "larger than the maximum"), "over 10 MiB is refused");

        /* a line over 1 MiB */
        n = BERTH_DOCKERFILE_MAX_LINE + 100;
        memset(big, 'a', n);
        memcpy(big, "FROM x\nRUN ", 11);
        big[n] = '\0';
        df = parse(big, &err);
        ok(df == NULL, "a line over 1 MiB is refused");
        is_str(err.msg, "Dockerfile:2:1: dockerfile line greater than max allowed size of 1048576",
               "long line message");

        /* a line just under is fine */
        n = BERTH_DOCKERFILE_MAX_LINE - 1;
        memset(big, 'a', n);
        memcpy(big, "FROM x\nRUN ", 11);
        big[n] = '\0';
        df = parse(big, &err);
        ok(df != NULL, "a long line under the limit parses");
        berth_dockerfile_free(df);

        /* instruction count */
        size_t count = BERTH_DOCKERFILE_MAX_INSTRUCTIONS + 1;
        free(big);
        big = berth_xmalloc0(count * 4 + 16);
        char *p = big;
        p += sprintf(p, "FROM x\n");
        for (size_t i = 1; i < count; i++)
                p += sprintf(p, "CMD\n");
        df = parse(big, &err);
        ok(df == NULL && strstr(err.msg, "too many instructions"), "instruction count is bounded");
        free(big);

        /* from a file descriptor */
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) == 0) {
                const char *text = "FROM alpine\nRUN true\n";
                ok(write(fds[1], text, strlen(text)) == (ssize_t)strlen(text), "write pipe");
                close(fds[1]);
                df = NULL;
                r = berth_dockerfile_parse_fd(fds[0], "Dockerfile.dev", 0, &df, &err);
                ok(r == 0 && df && df->n_instrs == 2, "parse from fd");
                is_str(df ? df->filename : NULL, "Dockerfile.dev", "filename kept");
                berth_dockerfile_free(df);
                close(fds[0]);
        }
        df = NULL;
        r = berth_dockerfile_parse("FROM x\nRUNN", 11, "dir/Dockerfile.dev", 0, &df, &err);
        is_str(err.msg, "dir/Dockerfile.dev:2:1: unknown instruction: RUNN (did you mean RUN?)",
               "messages name the file given");

        /* NUL bytes: not text */
        df = NULL;
        r = berth_dockerfile_parse("FROM x\nRUN a\0b\n", 15, NULL, 0, &df, &err);
        ok(r == -EINVAL && df == NULL, "a NUL byte is refused");
        is_str(err.msg, "Dockerfile:2:6: unexpected NUL byte: the file is not text (UTF-16?)",
               "NUL byte message");
}

int main(void)
{
        test_directives();
        test_comments_and_continuations();
        test_instruction_names();
        test_run_cmd_entrypoint_shell();
        test_copy_add();
        test_from_and_stages();
        test_env_label_arg();
        test_other_instructions();
        test_healthcheck();
        test_onbuild();
        test_heredocs();
        test_expand();
        test_limits_and_fd();
        return tap_done();
}
