/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "base/strutil.h"
#include "engine/attach.h"
#include "engine/engine.h"
#include "image/images.h"
#include "volume/volume.h"

#include <getopt.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

/**
 * The berth CLI: Docker's verbs and flags, working on the library directly.
 * Each command gets argv after its name (argv[0] = the command) and returns
 * the exit code; errors print as "berth: <message>" (exit 1; 125 for usage
 * errors, as docker does).
 */
typedef struct {
        const char *root;     /* BERTH_ROOT, default /var/lib/berth */
        const char *runroot;  /* BERTH_RUNROOT, default /run/berth */
        berth_engine *engine; /* opened on first use (with the image store) */
} berth_cli;

/** The commands main() dispatches to; help NULL: not listed (reached through an alias). */
typedef struct {
        const char *name;
        int (*fn)(berth_cli *, int, char **);
        const char *help;
} cli_command;
const cli_command *cli_command_table(size_t *ret_n);
/** `berth image ls` → "images": the verbs of "image" and "container" (none for others). */
typedef struct {
        const char *sub, *cmd;
} cli_alias;
const cli_alias *cli_alias_table(const char *group, size_t *ret_n);
/** A command a group (volume, system, builder) runs by its name. */
typedef struct {
        const char *name;
        int (*fn)(berth_cli *, int, char **);
} cli_sub;
/** A group's command line: no command prints usage on stderr (125), --help/-h/help on stdout
 * (0); a command not in subs is docker's "'<group> x' is not a berth command." (125). */
int cli_group_run(berth_cli *cli, const char *group, const char *usage, const cli_sub *subs,
                  size_t n, int argc, char **argv);
/** berth's own flags (before the command), and their getopt short string. */
const struct option *cli_global_options(const char **ret_shorts);

/**
 * Every command's getopt_long goes through this: as getopt_long, unless
 * `berth completion` is reading the flag tables (cmd-completion.c), when the
 * first call records shorts and opts and jumps back to it instead.
 */
int cli_getopt_long(int argc, char *const *argv, const char *shorts, const struct option *opts,
                    int *idx);
#ifndef CLI_REAL_GETOPT
#define getopt_long cli_getopt_long
#endif

int cli_error(const berth_error *err);
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/**
 * getopt_long's '?' or ':' (run with opterr = 0 and a leading ':' in the
 * short options) as docker says it, through cli_usage(): "unknown flag:
 * --x", "unknown shorthand flag: 'x' in -x", "flag needs an argument: …".
 */
int cli_bad_flag(const char *cmd, char **argv, int c);

/** The flags of the prune commands: -f and --filter (k=v) always, -a and --volumes where
 * accepts says; -h prints help. */
enum { CLI_PRUNE_ALL = 1 << 0, CLI_PRUNE_VOLUMES = 1 << 1 };
typedef struct {
        bool all, force, volumes;
        char **filters; /* as given, "k=v" each */
} cli_prune_opts;
static inline void cli_prune_opts_clear(cli_prune_opts *o)
{
        berth_strv_free(o->filters);
}
/** Parse them into *ret: -1 to go on, else the command's exit code (help shown, bad flag,
 * an argument given: docker's words). */
int cli_prune_flags(const char *cmd, const char *help, unsigned accepts, int argc, char **argv,
                    cli_prune_opts *ret);
/** For commands whose only flag is --help and whose other arguments go elsewhere (top, port):
 * -1 to go on, else the exit code (help shown, a bad flag). */
int cli_only_help(const char *cmd, int argc, char **argv, const char *usage);
/** The same for commands whose one flag besides --help is -f/--force (*force). */
int cli_force_flag(const char *cmd, int argc, char **argv, const char *usage, bool *force);
/** Open the image store of this root (once). */
berth_images *cli_images(berth_cli *cli, berth_error *err);
/** save and export without -o: refused when stdout is a terminal (docker's words). */
int cli_refuse_terminal(const char *output, berth_error *err);
typedef int (*cli_tar_writer)(int fd, void *arg, berth_error *err);
/**
 * Have write put a tar on stdout (output NULL) or in output: through a temp
 * file beside it, fsynced and renamed over it once whole, so a failure or a
 * kill never leaves half a tar there.
 */
int cli_write_tar(const char *output, cli_tar_writer write, void *arg, berth_error *err);
/** Open the engine of this root (once): images, volumes, containers. */
berth_engine *cli_engine(berth_cli *cli, berth_error *err);
/** The same with berth_engine_open_flags()'s flags (for a first open). */
berth_engine *cli_engine_flags(berth_cli *cli, unsigned flags, berth_error *err);

typedef struct {
        bool sig_proxy; /* signals we get go to on_signal (no TTY) */
        void (*on_signal)(int sig, void *userdata);
        /* optional: how a new size is passed on (default: berth_engine_attach_resize) */
        void (*on_resize)(unsigned rows, unsigned cols, void *userdata);
        void *userdata;
} cli_attach_opts;
/**
 * The terminal's end of an attach stream (engine/attach.h): our stdin raw
 * under a TTY, its size passed on (and on SIGWINCH), our stdin to the
 * stream, its frames to our stdout/stderr, until the process exits (1,
 * *ret_code set), the user types the detach keys (0) or the other end goes
 * away (-1, said on stderr when it is an error).
 */
int cli_attach_loop(berth_attach *h, const cli_attach_opts *o, int *ret_code);

/** `inspect`-style output: a JSON array of objects, or each through --format. */
int cli_print_inspect(json_t *all, const char *format);
/** Open the volumes of this root (once), on the same berth.db as cli_images(). */
berth_volumes *cli_volumes(berth_cli *cli, berth_error *err);
/** Print warning and "Are you sure you want to continue? [y/N] " to stderr; y/yes from stdin
 * is yes, anything else (EOF too) no. */
bool cli_confirm(const char *warning);

/** A --since/--until value: RFC 3339, unix seconds (with a fraction), or a Go duration
 * ago ("10m"); nanoseconds since the epoch. -EINVAL when it is none of them. */
int cli_parse_time(const char *s, int64_t *ret_ns);

int cmd_images(berth_cli *cli, int argc, char **argv);
int cmd_import(berth_cli *cli, int argc, char **argv);
int cmd_image_inspect(berth_cli *cli, int argc, char **argv);
int cmd_history(berth_cli *cli, int argc, char **argv);
int cmd_tag(berth_cli *cli, int argc, char **argv);
int cmd_rmi(berth_cli *cli, int argc, char **argv);
int cmd_save(berth_cli *cli, int argc, char **argv);
int cmd_load(berth_cli *cli, int argc, char **argv);
int cmd_version(berth_cli *cli, int argc, char **argv);
int cmd_system(berth_cli *cli, int argc, char **argv);
int cmd_info(berth_cli *cli, int argc, char **argv);
int cmd_completion(berth_cli *cli, int argc, char **argv);
int cmd_image_prune(berth_cli *cli, int argc, char **argv);
int cmd_run(berth_cli *cli, int argc, char **argv);
int cmd_create(berth_cli *cli, int argc, char **argv);
int cmd_start(berth_cli *cli, int argc, char **argv);
int cmd_ps(berth_cli *cli, int argc, char **argv);
int cmd_stop(berth_cli *cli, int argc, char **argv);
int cmd_update(berth_cli *cli, int argc, char **argv);

/** Run fn on each name from argv[optind] on, printing the name on success (docker prints what it
 *  was given) and each error; 1 when one failed. */
int cli_each(berth_cli *cli, const char *cmd, int argc, char **argv,
             int (*fn)(berth_engine *, const char *, void *, berth_error *), void *ud, bool print);
int cmd_kill(berth_cli *cli, int argc, char **argv);
int cmd_rm(berth_cli *cli, int argc, char **argv);
int cmd_restart(berth_cli *cli, int argc, char **argv);
int cmd_pause(berth_cli *cli, int argc, char **argv);
int cmd_unpause(berth_cli *cli, int argc, char **argv);
int cmd_container_cleanup(berth_cli *cli, int argc, char **argv);
int cmd_rename(berth_cli *cli, int argc, char **argv);
int cmd_wait(berth_cli *cli, int argc, char **argv);
int cmd_logs(berth_cli *cli, int argc, char **argv);
int cmd_exec(berth_cli *cli, int argc, char **argv);
int cmd_inspect(berth_cli *cli, int argc, char **argv);
int cmd_container_inspect(berth_cli *cli, int argc, char **argv);
int cmd_attach(berth_cli *cli, int argc, char **argv);
int cmd_events(berth_cli *cli, int argc, char **argv);
int cmd_volume(berth_cli *cli, int argc, char **argv);
int cmd_cp(berth_cli *cli, int argc, char **argv);
int cmd_export(berth_cli *cli, int argc, char **argv);
int cmd_diff(berth_cli *cli, int argc, char **argv);
int cmd_commit(berth_cli *cli, int argc, char **argv);
int cmd_build(berth_cli *cli, int argc, char **argv);
int cmd_top(berth_cli *cli, int argc, char **argv);
int cmd_port(berth_cli *cli, int argc, char **argv);
int cmd_stats(berth_cli *cli, int argc, char **argv);
int cmd_container_prune(berth_cli *cli, int argc, char **argv);
int cmd_pull(berth_cli *cli, int argc, char **argv);
int cmd_push(berth_cli *cli, int argc, char **argv);
int cmd_login(berth_cli *cli, int argc, char **argv);
int cmd_logout(berth_cli *cli, int argc, char **argv);
/**
 * Pull name (as `pull` does, docker's progress lines to out, none when quiet;
 * platform nullable) for run/create. Prints no error: it is in *err.
 */
int cli_pull_image(berth_cli *cli, const char *name, const char *platform, bool quiet, FILE *out,
                   berth_error *err);
/** `system prune` (argv[0] = "prune"). */
int cmd_system_prune(berth_cli *cli, int argc, char **argv);
int cmd_builder(berth_cli *cli, int argc, char **argv);
int cmd_network(berth_cli *cli, int argc, char **argv);
int cmd_builder_prune(berth_cli *cli, int argc, char **argv);

/** A table printed like docker's (tabwriter: min width 10, padding 3). */
typedef struct cli_table cli_table;
cli_table *cli_table_new(size_t ncols);
/** Add a row of ncols cells (copied). */
void cli_table_row(cli_table *t, const char *const *cells);
/** Add a row from a NULL-terminated vector; missing cells are empty. */
void cli_table_row_strv(cli_table *t, char **cells);
void cli_table_print(cli_table *t);
void cli_table_fprint(cli_table *t, FILE *f);
/** Columns at least this wide, padding included (default 10). */
void cli_table_set_min_width(cli_table *t, size_t width);
/** A table whose header is a tab-separated line (a --format "table …" header). */
cli_table *cli_table_from_line(const char *line);
/** Add a tab-separated line as a row. */
void cli_table_add_line(cli_table *t, const char *line);
void cli_table_free(cli_table *t);
