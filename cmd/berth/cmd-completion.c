/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth completion bash|zsh|fish`: the shell completion scripts, made from
 * the CLI's own tables so they never drift from it: the command list and
 * aliases of main.c, each command's getopt_long table (read by running the
 * command with cli_getopt_long() armed to jump back at its first call), the
 * run/create flag table of runflags.c, and the "Commands:" of the --help of
 * those with subcommands (volume, system). Names of containers, images and
 * volumes come from the store when completing: the scripts call berth.
 */
#define CLI_REAL_GETOPT
#include "cli.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "runflags.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static jmp_buf *probe_jump;
static const char *probe_shorts;
static const struct option *probe_opts;

int cli_getopt_long(int argc, char *const *argv, const char *shorts, const struct option *opts,
                    int *idx)
{
        if (probe_jump) {
                probe_shorts = shorts;
                probe_opts = opts;
                longjmp(*probe_jump, 1);
        }
        return getopt_long(argc, argv, shorts, opts, idx);
}

/* One completion target: a command, or a group's subcommand ("volume_rm"). */
typedef struct {
        char *key;          /* shell-variable-safe: '-' → '_' */
        char **flags;       /* "--force", "-f", … */
        char **value_flags; /* those that take a value */
        const char *kind;   /* what its arguments are: "container", "image", "volume" or "" */
} ctarget;

typedef struct {
        char *name;
        char **subs;      /* its subcommands */
        char **sub_descs; /* their descriptions */
        bool aliases;     /* image/container: subs map to top-level commands */
} cgroup;

typedef struct {
        ctarget *t;
        size_t nt;
        cgroup *g;
        size_t ng;
        char **cmds, **cmd_descs;
        char **global_flags, **global_value_flags;
} cdata;

static char *var_key(const char *s)
{
        char *k = berth_xstrdup(s);
        for (char *p = k; *p; p++)
                if (*p == '-')
                        *p = '_';
        return k;
}

static const char *arg_kind(const char *key)
{
        static const char *const containers[] = {"attach", "commit",  "cp",     "diff",
                                                 "exec",   "export",  "kill",   "logs",
                                                 "pause",  "port",    "rename", "restart",
                                                 "rm",     "start",   "stats",  "stop",
                                                 "top",    "unpause", "wait",   "container_inspect",
                                                 "inspect"};
        static const char *const images[] = {"run",  "create", "history", "image_inspect",
                                             "push", "rmi",    "save",    "tag"};
        static const char *const volumes[] = {"volume_inspect", "volume_rm"};
        for (size_t i = 0; i < ARRAY_SIZE(containers); i++)
                if (strcmp(key, containers[i]) == 0)
                        return "container";
        for (size_t i = 0; i < ARRAY_SIZE(images); i++)
                if (strcmp(key, images[i]) == 0)
                        return "image";
        for (size_t i = 0; i < ARRAY_SIZE(volumes); i++)
                if (strcmp(key, volumes[i]) == 0)
                        return "volume";
        return "";
}

static void add_getopt_flags(const char *shorts, const struct option *opts, char ***flags,
                             char ***value_flags)
{
        for (const struct option *o = opts; o && o->name; o++) {
                _cleanup_free_ char *w = berth_xasprintf("--%s", o->name);
                berth_strv_push(flags, w);
                if (o->has_arg != no_argument)
                        berth_strv_push(value_flags, w);
        }
        for (const char *c = shorts ? shorts : ""; *c; c++) {
                if (*c == '+' || *c == ':' || *c == '-')
                        continue;
                char w[3] = {'-', *c, '\0'};
                berth_strv_push(flags, w);
                if (c[1] == ':')
                        berth_strv_push(value_flags, w);
        }
}

static void add_run_flag(const char *name, char shorthand, bool value, const char *help, void *ud)
{
        ctarget *t = ud;
        _cleanup_free_ char *w = berth_xasprintf("--%s", name);
        berth_strv_push(&t->flags, w);
        if (value)
                berth_strv_push(&t->value_flags, w);
        if (shorthand) {
                char s[3] = {'-', shorthand, '\0'};
                berth_strv_push(&t->flags, s);
                if (value)
                        berth_strv_push(&t->value_flags, s);
        }
}

/* Run fn(argv) with the getopt hook armed and stdout/stderr captured: true and the table in
 * probe_* if it reached getopt_long, else false and what it printed in *ret_out. */
static bool probe(berth_cli *cli, int (*fn)(berth_cli *, int, char **), int argc, char **argv,
                  char **ret_out)
{
        fflush(stdout);
        fflush(stderr);
        int out = dup(STDOUT_FILENO), errfd = dup(STDERR_FILENO);
        int mem = memfd_create("berth-completion", MFD_CLOEXEC);
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        dup2(mem, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        jmp_buf jb;
        volatile bool hit = false;
        probe_shorts = NULL;
        probe_opts = NULL;
        if (setjmp(jb) == 0) {
                probe_jump = &jb;
                optind = 0;
                fn(cli, argc, argv);
        } else {
                hit = true;
        }
        probe_jump = NULL;
        fflush(stdout);
        fflush(stderr);
        dup2(out, STDOUT_FILENO);
        dup2(errfd, STDERR_FILENO);
        close(out);
        close(errfd);
        close(null);
        off_t n = lseek(mem, 0, SEEK_END);
        char *text = berth_xmalloc0((size_t)(n > 0 ? n : 0) + 1);
        if (n > 0 && pread(mem, text, (size_t)n, 0) < 0)
                text[0] = '\0';
        close(mem);
        *ret_out = text;
        return hit;
}

/* The "Commands:" section of a --help: "  name   description" lines. */
static void parse_commands(const char *help, char ***names, char ***descs)
{
        const char *p = strstr(help, "Commands:\n");
        if (p == NULL)
                return;
        p += strlen("Commands:\n");
        while (p[0] == ' ' && p[1] == ' ' && p[2] != ' ') {
                const char *eol = strchrnul(p, '\n');
                const char *name = p + 2;
                size_t nlen = strcspn(name, " \n");
                const char *d = name + nlen;
                while (*d == ' ')
                        d++;
                _cleanup_free_ char *n = berth_xasprintf("%.*s", (int)nlen, name);
                _cleanup_free_ char *ds = berth_xasprintf("%.*s", (int)(eol - d), d);
                berth_strv_push(names, n);
                berth_strv_push(descs, ds);
                p = *eol ? eol + 1 : eol;
        }
}

static ctarget *add_target(cdata *d, const char *key)
{
        d->t = berth_xrealloc(d->t, (d->nt + 1) * sizeof(*d->t));
        ctarget *t = &d->t[d->nt++];
        *t = (ctarget){.key = var_key(key)};
        t->flags = berth_xmalloc0(sizeof(char *));
        t->value_flags = berth_xmalloc0(sizeof(char *));
        t->kind = arg_kind(t->key);
        return t;
}

static cgroup *add_group(cdata *d, const char *name)
{
        d->g = berth_xrealloc(d->g, (d->ng + 1) * sizeof(*d->g));
        cgroup *g = &d->g[d->ng++];
        *g = (cgroup){.name = berth_xstrdup(name)};
        g->subs = berth_xmalloc0(sizeof(char *));
        g->sub_descs = berth_xmalloc0(sizeof(char *));
        return g;
}

static void collect(berth_cli *cli, cdata *d)
{
        d->cmds = berth_xmalloc0(sizeof(char *));
        d->cmd_descs = berth_xmalloc0(sizeof(char *));
        d->global_flags = berth_xmalloc0(sizeof(char *));
        d->global_value_flags = berth_xmalloc0(sizeof(char *));
        const char *gshorts;
        const struct option *gopts = cli_global_options(&gshorts);
        add_getopt_flags(gshorts, gopts, &d->global_flags, &d->global_value_flags);

        size_t n;
        const cli_command *cmds = cli_command_table(&n);
        for (size_t i = 0; i < n; i++) {
                const cli_command *c = &cmds[i];
                if (c->help) {
                        berth_strv_push(&d->cmds, c->name);
                        berth_strv_push(&d->cmd_descs, c->help);
                }
                if (c->fn == cmd_run || c->fn == cmd_create) {
                        ctarget *t = add_target(d, c->name);
                        berth_runflags_each(c->fn == cmd_run, add_run_flag, t);
                        berth_strv_push(&t->flags, "--help");
                        continue;
                }
                char *argv[] = {(char *)c->name, "--help", NULL};
                _cleanup_free_ char *help = NULL;
                if (probe(cli, c->fn, 2, argv, &help)) {
                        ctarget *t = add_target(d, c->name);
                        add_getopt_flags(probe_shorts, probe_opts, &t->flags, &t->value_flags);
                        continue;
                }
                /* no flags of its own: a group (its --help lists Commands) or a plain verb */
                cgroup *g = NULL;
                if (strstr(help, "Commands:\n")) {
                        g = add_group(d, c->name);
                        parse_commands(help, &g->subs, &g->sub_descs);
                }
                if (g == NULL) {
                        add_target(d, c->name);
                        continue;
                }
                STRV_FOREACH (s, g->subs) {
                        if (c->fn == cmd_completion) /* its subcommands are shells, no flags */
                                break;
                        _cleanup_free_ char *key = berth_xasprintf("%s_%s", c->name, *s);
                        ctarget *t = add_target(d, key);
                        char *sargv[] = {(char *)c->name, *s, "--help", NULL};
                        _cleanup_free_ char *shelp = NULL;
                        if (probe(cli, c->fn, 3, sargv, &shelp))
                                add_getopt_flags(probe_shorts, probe_opts, &t->flags,
                                                 &t->value_flags);
                }
        }
        const char *alias_groups[] = {"image", "container"};
        for (size_t i = 0; i < ARRAY_SIZE(alias_groups); i++) {
                cgroup *g = add_group(d, alias_groups[i]);
                g->aliases = true;
                berth_strv_push(&d->cmds, alias_groups[i]);
                berth_strv_push(&d->cmd_descs, i == 0 ? "Manage images" : "Manage containers");
                size_t na;
                const cli_alias *a = cli_alias_table(alias_groups[i], &na);
                for (size_t j = 0; j < na; j++) {
                        berth_strv_push(&g->subs, a[j].sub);
                        berth_strv_push(&g->sub_descs, a[j].cmd);
                }
        }
}

static void print_words(FILE *f, const char *var, char **words)
{
        fprintf(f, "%s='", var);
        STRV_FOREACH (w, words)
                fprintf(f, "%s%s", w == words ? "" : " ", *w);
        fprintf(f, "'\n");
}

/* The data both bash and zsh read: plain variables, one per list. */
static void print_sh_data(FILE *f, const cdata *d)
{
        print_words(f, "_berth_cmds", d->cmds);
        print_words(f, "_berth_global_flags", d->global_flags);
        print_words(f, "_berth_global_value_flags", d->global_value_flags);
        fprintf(f, "_berth_groups='");
        for (size_t i = 0; i < d->ng; i++)
                fprintf(f, "%s%s", i ? " " : "", d->g[i].name);
        fprintf(f, "'\n");
        for (size_t i = 0; i < d->ng; i++) {
                _cleanup_free_ char *v = berth_xasprintf("_berth_subs_%s", d->g[i].name);
                print_words(f, v, d->g[i].subs);
                if (!d->g[i].aliases)
                        continue;
                for (size_t j = 0; d->g[i].subs[j]; j++) {
                        _cleanup_free_ char *k = var_key(d->g[i].sub_descs[j]);
                        fprintf(f, "_berth_alias_%s_%s=%s\n", d->g[i].name, d->g[i].subs[j], k);
                }
        }
        for (size_t i = 0; i < d->nt; i++) {
                const ctarget *t = &d->t[i];
                _cleanup_free_ char *fv = berth_xasprintf("_berth_flags_%s", t->key);
                _cleanup_free_ char *vv = berth_xasprintf("_berth_value_flags_%s", t->key);
                print_words(f, fv, t->flags);
                print_words(f, vv, t->value_flags);
                if (*t->kind)
                        fprintf(f, "_berth_kind_%s=%s\n", t->key, t->kind);
        }
}

/* The walk over the words typed so far, shared by bash and zsh: sets key (the command or
 * group_sub, as in the variable names) and group (a group typed without its subcommand). */
static const char sh_walk[] =
    "_berth_get() { local _v=\"_berth_$1\"; _v=${_v//-/_}; eval \"REPLY=\\${$_v-}\"; }\n"
    "_berth_walk() {\n"
    "  # $1: index of the word being completed; the words are in _berth_words\n"
    "  key= group=\n"
    "  local i w skip=0\n"
    "  for ((i = 1; i < $1; i++)); do\n"
    "    w=${_berth_words[i]}\n"
    "    if [ $skip = 1 ]; then skip=0; continue; fi\n"
    "    case $w in\n"
    "      -*=*) continue ;;\n"
    "      -*)\n"
    "        _berth_get \"value_flags_${key:-}\"\n"
    "        [ -z \"$key\" ] && REPLY=$_berth_global_value_flags\n"
    "        case \" $REPLY \" in *\" $w \"*) skip=1 ;; esac\n"
    "        continue ;;\n"
    "    esac\n"
    "    if [ -n \"$key\" ]; then continue; fi\n"
    "    if [ -n \"$group\" ]; then\n"
    "      _berth_get \"alias_${group}_$w\"\n"
    "      key=${REPLY:-${group}_$w}; key=${key//-/_}; group=\n"
    "    else\n"
    "      case \" $_berth_groups \" in\n"
    "        *\" $w \"*) group=$w ;;\n"
    "        *) key=${w//-/_} ;;\n"
    "      esac\n"
    "    fi\n"
    "  done\n"
    "}\n"
    "_berth_names() {\n"
    "  case $1 in\n"
    "    container) berth ps -a --format '{{.Names}}' 2>/dev/null ;;\n"
    "    image) berth images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep -v '<none>' "
    ";;\n"
    "    volume) berth volume ls -q 2>/dev/null ;;\n"
    "  esac\n"
    "}\n";

static void print_bash(FILE *f, const cdata *d)
{
        fprintf(f, "# bash completion for berth (berth completion bash: made from its flag "
                   "tables)\n");
        print_sh_data(f, d);
        fputs(sh_walk, f);
        fputs(
            "_berth() {\n"
            "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
            "  local key group REPLY _berth_words=(\"${COMP_WORDS[@]}\")\n"
            "  _berth_walk \"$COMP_CWORD\"\n"
            "  COMPREPLY=()\n"
            "  if [ -n \"$group\" ]; then\n"
            "    _berth_get \"subs_$group\"\n"
            "    COMPREPLY=($(compgen -W \"$REPLY\" -- \"$cur\")); return\n"
            "  fi\n"
            "  if [ -z \"$key\" ]; then\n"
            "    case \" $_berth_global_value_flags \" in *\" $prev \"*) return ;; esac\n"
            "    case $cur in\n"
            "      -*) COMPREPLY=($(compgen -W \"$_berth_global_flags\" -- \"$cur\")) ;;\n"
            "      *) COMPREPLY=($(compgen -W \"$_berth_cmds\" -- \"$cur\")) ;;\n"
            "    esac\n"
            "    return\n"
            "  fi\n"
            "  _berth_get \"value_flags_$key\"\n"
            "  case \" $REPLY \" in *\" $prev \"*) compopt -o default 2>/dev/null; return ;; esac\n"
            "  if [[ $cur == -* ]]; then\n"
            "    _berth_get \"flags_$key\"\n"
            "    COMPREPLY=($(compgen -W \"$REPLY\" -- \"$cur\")); return\n"
            "  fi\n"
            "  _berth_get \"kind_$key\"\n"
            "  if [ -n \"$REPLY\" ]; then\n"
            "    local IFS=$'\\n'\n"
            "    COMPREPLY=($(compgen -W \"$(_berth_names \"$REPLY\")\" -- \"$cur\"))\n"
            "  else\n"
            "    compopt -o default 2>/dev/null\n"
            "  fi\n"
            "}\n"
            "complete -F _berth berth\n",
            f);
}

static void print_sq(FILE *f, const char *s)
{
        fputc('\'', f);
        for (; *s; s++)
                if (*s == '\'')
                        fputs("'\\''", f);
                else
                        fputc(*s, f);
        fputc('\'', f);
}

static void print_zsh(FILE *f, const cdata *d)
{
        fprintf(f, "#compdef berth\n# zsh completion for berth (berth completion zsh: made from "
                   "its flag tables)\n");
        print_sh_data(f, d);
        fprintf(f, "_berth_cmd_descs=(\n");
        for (size_t i = 0; d->cmds[i]; i++) {
                _cleanup_free_ char *e = berth_xasprintf("%s:%s", d->cmds[i], d->cmd_descs[i]);
                fputs("  ", f);
                print_sq(f, e);
                fputc('\n', f);
        }
        fprintf(f, ")\n");
        fputs(sh_walk, f);
        fputs(
            "_berth() {\n"
            "  setopt localoptions ksharrays shwordsplit\n"
            "  # ksharrays: words[0] is the command, the word being completed words[CURRENT-1]\n"
            "  local cur=${words[CURRENT-1]} prev=${words[CURRENT-2]}\n"
            "  local key group REPLY\n"
            "  local -a _berth_words\n"
            "  _berth_words=(\"${words[@]}\")\n"
            "  _berth_walk $((CURRENT - 1))\n"
            "  if [ -n \"$group\" ]; then _berth_get \"subs_$group\"; compadd -- $REPLY; return; "
            "fi\n"
            "  if [ -z \"$key\" ]; then\n"
            "    if [[ $cur == -* ]]; then compadd -- $_berth_global_flags\n"
            "    else setopt noksharrays; _describe 'command' _berth_cmd_descs; fi\n"
            "    return\n"
            "  fi\n"
            "  _berth_get \"value_flags_$key\"\n"
            "  case \" $REPLY \" in *\" $prev \"*) _files; return ;; esac\n"
            "  if [[ $cur == -* ]]; then _berth_get \"flags_$key\"; compadd -- $REPLY; return; fi\n"
            "  _berth_get \"kind_$key\"\n"
            "  if [ -n \"$REPLY\" ]; then\n"
            "    local IFS=$'\\n'\n"
            "    compadd -- $(_berth_names \"$REPLY\")\n"
            "  else\n"
            "    _files\n"
            "  fi\n"
            "}\n"
            "if [ \"$funcstack[1]\" = _berth ]; then _berth \"$@\"; else compdef _berth berth; "
            "fi\n",
            f);
}

static void print_fish_flags(FILE *f, const char *cond, char **flags, char **value_flags)
{
        STRV_FOREACH (w, flags) {
                bool value = berth_strv_contains(value_flags, *w);
                fprintf(f, "complete -c berth -n %s %s %s%s\n", cond, (*w)[1] == '-' ? "-l" : "-s",
                        *w + ((*w)[1] == '-' ? 2 : 1), value ? " -r" : "");
        }
}

static void print_fish(FILE *f, const cdata *d)
{
        fprintf(f, "# fish completion for berth (berth completion fish: made from its flag "
                   "tables)\n");
        fprintf(f, "set -g __berth_groups");
        for (size_t i = 0; i < d->ng; i++)
                fprintf(f, " %s", d->g[i].name);
        fprintf(f, "\nset -g __berth_aliases");
        for (size_t i = 0; i < d->ng; i++)
                for (size_t j = 0; d->g[i].aliases && d->g[i].subs[j]; j++)
                        fprintf(f, " %s:%s:%s", d->g[i].name, d->g[i].subs[j],
                                d->g[i].sub_descs[j]);
        fprintf(f, "\nset -g __berth_value_flags");
        STRV_FOREACH (w, d->global_value_flags)
                fprintf(f, " %s", *w);
        for (size_t i = 0; i < d->nt; i++)
                STRV_FOREACH (w, d->t[i].value_flags)
                        fprintf(f, " %s", *w);
        fputs("\n"
              "# what the words typed so far name: a command, group_sub, group: (a group alone) "
              "or nothing\n"
              "function __berth_key\n"
              "    set -l toks (commandline -opc)\n"
              "    set -e toks[1]\n"
              "    set -l group\n"
              "    set -l skip 0\n"
              "    for w in $toks\n"
              "        if test $skip = 1; set skip 0; continue; end\n"
              "        switch $w\n"
              "            case '-*=*'\n"
              "            case '-*'\n"
              "                contains -- $w $__berth_value_flags; and set skip 1\n"
              "            case '*'\n"
              "                if test -n \"$group\"\n"
              "                    for a in $__berth_aliases\n"
              "                        set -l p (string split : $a)\n"
              "                        if test $p[1] = $group -a $p[2] = $w\n"
              "                            string replace -a - _ $p[3]; return\n"
              "                        end\n"
              "                    end\n"
              "                    string replace -a - _ {$group}_$w; return\n"
              "                else if contains -- $w $__berth_groups\n"
              "                    set group $w\n"
              "                else\n"
              "                    string replace -a - _ $w; return\n"
              "                end\n"
              "        end\n"
              "    end\n"
              "    test -n \"$group\"; and echo $group:\n"
              "end\n"
              "function __berth_is; set -l k (__berth_key); test \"$k\" = \"$argv[1]\"; end\n"
              "function __berth_none; set -l k (__berth_key); test -z \"$k\"; end\n"
              "complete -c berth -f\n",
              f);
        print_fish_flags(f, "__berth_none", d->global_flags, d->global_value_flags);
        for (size_t i = 0; d->cmds[i]; i++) {
                fprintf(f, "complete -c berth -n __berth_none -a %s -d ", d->cmds[i]);
                print_sq(f, d->cmd_descs[i]);
                fputc('\n', f);
        }
        for (size_t i = 0; i < d->ng; i++)
                for (size_t j = 0; d->g[i].subs[j]; j++) {
                        fprintf(f, "complete -c berth -n '__berth_is %s:' -a %s -d ", d->g[i].name,
                                d->g[i].subs[j]);
                        print_sq(f, d->g[i].sub_descs[j]);
                        fputc('\n', f);
                }
        for (size_t i = 0; i < d->nt; i++) {
                const ctarget *t = &d->t[i];
                _cleanup_free_ char *cond = berth_xasprintf("'__berth_is %s'", t->key);
                print_fish_flags(f, cond, t->flags, t->value_flags);
                if (strcmp(t->kind, "container") == 0)
                        fprintf(f,
                                "complete -c berth -n %s -a \"(berth ps -a --format "
                                "'{{.Names}}' 2>/dev/null)\"\n",
                                cond);
                else if (strcmp(t->kind, "image") == 0)
                        fprintf(f,
                                "complete -c berth -n %s -a \"(berth images --format "
                                "'{{.Repository}}:{{.Tag}}' 2>/dev/null | string match -v "
                                "'*<none>*')\"\n",
                                cond);
                else if (strcmp(t->kind, "volume") == 0)
                        fprintf(f,
                                "complete -c berth -n %s -a \"(berth volume ls -q 2>/dev/null)\"\n",
                                cond);
        }
}

int cmd_completion(berth_cli *cli, int argc, char **argv)
{
        const char *usage = "Usage:  berth completion [bash|zsh|fish]\n\n"
                            "Generate the autocompletion script for the specified shell\n\n"
                            "Commands:\n"
                            "  bash   Generate the autocompletion script for bash\n"
                            "  fish   Generate the autocompletion script for fish\n"
                            "  zsh    Generate the autocompletion script for zsh\n";
        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                fputs(usage, argc < 2 ? stderr : stdout);
                return argc < 2 ? 125 : 0;
        }
        void (*print)(FILE *, const cdata *) = NULL;
        if (strcmp(argv[1], "bash") == 0)
                print = print_bash;
        else if (strcmp(argv[1], "zsh") == 0)
                print = print_zsh;
        else if (strcmp(argv[1], "fish") == 0)
                print = print_fish;
        else
                return cli_usage("completion", "unknown shell \"%s\": bash, zsh or fish", argv[1]);
        cdata d = {0};
        collect(cli, &d);
        print(stdout, &d);
        /* the process ends here: what collect() allocated goes with it */
        return 0;
}
