/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_command commands[] = {
    {"attach", cmd_attach,
     "Attach local standard input, output, and error streams to a running container"},
    {"build", cmd_build, "Build an image from a Dockerfile"},
    {"builder", cmd_builder, "Manage builds"},
    {"commit", cmd_commit, "Create a new image from a container's changes"},
    {"completion", cmd_completion, "Generate the autocompletion script for the specified shell"},
    {"cp", cmd_cp, "Copy files/folders between a container and the local filesystem"},
    {"create", cmd_create, "Create a new container"},
    {"diff", cmd_diff, "Inspect changes to files or directories on a container's filesystem"},
    {"events", cmd_events, "Get real time events from the server"},
    {"exec", cmd_exec, "Execute a command in a running container"},
    {"export", cmd_export, "Export a container's filesystem as a tar archive"},
    {"history", cmd_history, "Show the history of an image"},
    {"images", cmd_images, "List images"},
    {"image-inspect", cmd_image_inspect, NULL},
    {"image-prune", cmd_image_prune, NULL},
    {"import", cmd_import, "Import the contents from a tarball to create a filesystem image"},
    {"info", cmd_info, "Display system-wide information"},
    {"inspect", cmd_inspect, "Return low-level information on Docker objects"},
    {"container-inspect", cmd_container_inspect, NULL},
    {"container-prune", cmd_container_prune, NULL},
    {"container-cleanup", cmd_container_cleanup, NULL},
    {"kill", cmd_kill, "Kill one or more running containers"},
    {"load", cmd_load, "Load an image from a tar archive or STDIN"},
    {"login", cmd_login, "Log in to a registry"},
    {"logout", cmd_logout, "Log out from a registry"},
    {"logs", cmd_logs, "Fetch the logs of a container"},
    {"network", cmd_network, "Manage networks"},
    {"pause", cmd_pause, "Pause all processes within one or more containers"},
    {"port", cmd_port, "List port mappings or a specific mapping for the container"},
    {"ps", cmd_ps, "List containers"},
    {"pull", cmd_pull, "Download an image from a registry"},
    {"push", cmd_push, "Upload an image to a registry"},
    {"rename", cmd_rename, "Rename a container"},
    {"restart", cmd_restart, "Restart one or more containers"},
    {"rm", cmd_rm, "Remove one or more containers"},
    {"rmi", cmd_rmi, "Remove one or more images"},
    {"run", cmd_run, "Create and run a new container from an image"},
    {"save", cmd_save, "Save one or more images to a tar archive (streamed to STDOUT by default)"},
    {"start", cmd_start, "Start one or more stopped containers"},
    {"stats", cmd_stats, "Display a live stream of container(s) resource usage statistics"},
    {"stop", cmd_stop, "Stop one or more running containers"},
    {"update", cmd_update, "Update configuration of one or more containers"},
    {"system", cmd_system, "Manage berth (check, df, info, prune)"},
    {"tag", cmd_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"},
    {"top", cmd_top, "Display the running processes of a container"},
    {"unpause", cmd_unpause, "Unpause all processes within one or more containers"},
    {"version", cmd_version, "Show the berth version information"},
    {"wait", cmd_wait, "Block until one or more containers stop, then print their exit codes"},
    {"volume", cmd_volume, "Manage volumes"},
};

/* `berth image ls|rm|tag` → the top-level verbs, as docker has both. */
static const cli_alias image_aliases[] = {{"ls", "images"},
                                          {"list", "images"},
                                          {"rm", "rmi"},
                                          {"remove", "rmi"},
                                          {"tag", "tag"},
                                          {"import", "import"},
                                          {"inspect", "image-inspect"},
                                          {"history", "history"},
                                          {"prune", "image-prune"},
                                          {"save", "save"},
                                          {"load", "load"},
                                          {"pull", "pull"},
                                          {"push", "push"},
                                          {"build", "build"}};

/* `berth container VERB` → the top-level verbs, as docker has both. */
static const cli_alias container_aliases[] = {
    {"ls", "ps"},
    {"ps", "ps"},
    {"list", "ps"},
    {"run", "run"},
    {"create", "create"},
    {"start", "start"},
    {"stop", "stop"},
    {"update", "update"},
    {"restart", "restart"},
    {"kill", "kill"},
    {"rm", "rm"},
    {"remove", "rm"},
    {"inspect", "container-inspect"},
    {"logs", "logs"},
    {"exec", "exec"},
    {"attach", "attach"},
    {"wait", "wait"},
    {"pause", "pause"},
    {"unpause", "unpause"},
    {"rename", "rename"},
    {"top", "top"},
    {"stats", "stats"},
    {"port", "port"},
    {"prune", "container-prune"},
    {"cleanup", "container-cleanup"},
    {"cp", "cp"},
    {"export", "export"},
    {"diff", "diff"},
    {"commit", "commit"},
};

const cli_command *cli_command_table(size_t *ret_n)
{
        *ret_n = sizeof(commands) / sizeof(commands[0]);
        return commands;
}

const cli_alias *cli_alias_table(const char *group, size_t *ret_n)
{
        if (strcmp(group, "image") == 0) {
                *ret_n = sizeof(image_aliases) / sizeof(image_aliases[0]);
                return image_aliases;
        }
        if (strcmp(group, "container") == 0) {
                *ret_n = sizeof(container_aliases) / sizeof(container_aliases[0]);
                return container_aliases;
        }
        *ret_n = 0;
        return NULL;
}

static void container_usage(FILE *f)
{
        fprintf(f, "Usage:  berth container COMMAND\n\n"
                   "Manage containers\n\n"
                   "Commands:\n");
        for (size_t i = 0; i < sizeof(container_aliases) / sizeof(container_aliases[0]); i++)
                fprintf(f, "  %s\n", container_aliases[i].sub);
        fprintf(f, "\nRun 'berth container COMMAND --help' for more information on a command.\n");
}

int cli_error(const berth_error *err)
{
        fprintf(stderr, "berth: %s\n", err->msg);
        return 1;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "berth %s: ", cmd);
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, "\nSee 'berth %s --help'.\n", cmd);
        va_end(ap);
        return 125;
}

int cli_bad_flag(const char *cmd, char **argv, int c)
{
        const char *arg = argv[optind - 1];
        if (c == ':') {
                if (optopt && arg[0] == '-' && arg[1] != '-')
                        return cli_usage(cmd, "flag needs an argument: '%c' in -%c", optopt,
                                         optopt);
                return cli_usage(cmd, "flag needs an argument: %s", arg);
        }
        if (optopt)
                return cli_usage(cmd, "unknown shorthand flag: '%c' in %s", optopt, arg);
        size_t len = strcspn(arg, "=");
        return cli_usage(cmd, "unknown flag: %.*s", (int)len, arg);
}

berth_engine *cli_engine_flags(berth_cli *cli, unsigned flags, berth_error *err)
{
        if (cli->engine == NULL &&
            berth_engine_open_flags(cli->root, cli->runroot, flags, &cli->engine, err) < 0)
                return NULL;
        return cli->engine;
}

berth_engine *cli_engine(berth_cli *cli, berth_error *err)
{
        return cli_engine_flags(cli, 0, err);
}

berth_images *cli_images(berth_cli *cli, berth_error *err)
{
        berth_engine *e = cli_engine(cli, err);
        return e ? berth_engine_images(e) : NULL;
}

berth_volumes *cli_volumes(berth_cli *cli, berth_error *err)
{
        berth_engine *e = cli_engine(cli, err);
        return e ? berth_engine_volumes(e) : NULL;
}

static void usage(FILE *f)
{
        fprintf(f, "Usage:  berth [OPTIONS] COMMAND\n\n"
                   "A container engine without a daemon to fail.\n\n"
                   "Options:\n"
                   "      --root string      where images and containers live (default "
                   "/var/lib/berth, $BERTH_ROOT)\n"
                   "      --runroot string   runtime state (default /run/berth, $BERTH_RUNROOT)\n"
                   "  -v, --version          Print version information and quit\n\n"
                   "Commands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (commands[i].help)
                        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
        fprintf(
            f, "  %-11s %s\n", "image",
            "Manage images (ls, rm, tag, import, inspect, history, prune, save, load, pull, push)");
        fprintf(f, "  %-11s %s\n", "container",
                "Manage containers (ls, run, create, start, stop, rm, logs, exec, top, stats, "
                "port, prune, …)");
}

static const struct option global_opts[] = {
    {"root", required_argument, NULL, 'r'},
    {"runroot", required_argument, NULL, 'R'},
    {"version", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {0},
};
#define GLOBAL_SHORTS "+vh"

const struct option *cli_global_options(const char **ret_shorts)
{
        *ret_shorts = GLOBAL_SHORTS;
        return global_opts;
}

int main(int argc, char **argv)
{
        berth_cli cli = {.root = getenv("BERTH_ROOT"), .runroot = getenv("BERTH_RUNROOT")};
        if (cli.root == NULL || *cli.root == '\0')
                cli.root = "/var/lib/berth";
        if (cli.runroot == NULL || *cli.runroot == '\0')
                cli.runroot = "/run/berth";
        int c;
        while ((c = getopt_long(argc, argv, GLOBAL_SHORTS, global_opts, NULL)) != -1) {
                switch (c) {
                case 'r':
                        cli.root = optarg;
                        break;
                case 'R':
                        cli.runroot = optarg;
                        break;
                case 'v':
                        printf("berth version %s\n", BERTH_VERSION);
                        return 0;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 125;
                }
        }
        if (optind >= argc) {
                usage(stderr);
                return 125;
        }
        char **sub = argv + optind;
        int sub_argc = argc - optind;
        const char *name = sub[0];
        if (strcmp(name, "image") == 0) {
                if (sub_argc < 2) {
                        usage(stderr);
                        return 125;
                }
                name = NULL;
                for (size_t i = 0; i < sizeof(image_aliases) / sizeof(image_aliases[0]); i++)
                        if (strcmp(sub[1], image_aliases[i].sub) == 0)
                                name = image_aliases[i].cmd;
                if (name == NULL) {
                        fprintf(stderr, "berth: 'image %s' is not a berth command.\n", sub[1]);
                        return 125;
                }
                sub++;
                sub_argc--;
        }
        if (strcmp(name, "container") == 0) {
                if (sub_argc < 2) {
                        container_usage(stderr);
                        return 125;
                }
                if (strcmp(sub[1], "--help") == 0 || strcmp(sub[1], "-h") == 0 ||
                    strcmp(sub[1], "help") == 0) {
                        container_usage(stdout);
                        return 0;
                }
                name = NULL;
                for (size_t i = 0; i < sizeof(container_aliases) / sizeof(container_aliases[0]);
                     i++)
                        if (strcmp(sub[1], container_aliases[i].sub) == 0)
                                name = container_aliases[i].cmd;
                if (name == NULL) {
                        fprintf(stderr,
                                "berth: 'container %s' is not a berth command.\nSee 'berth "
                                "container --help'\n",
                                sub[1]);
                        return 125;
                }
                sub++;
                sub_argc--;
        }
        int rc = -1;
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
                if (strcmp(commands[i].name, name) == 0) {
                        /* 0, not 1: glibc then reads the command's own option string afresh
                         * (its order is taken at the first call: the global options' "+"
                         * would stay). A "+" there stops at the first argument, as docker's
                         * run, create, exec, commit, tag and top do; otherwise flags may come
                         * after arguments, as in `docker rm c -f` and `docker build . -t x` */
                        optind = 0;
                        rc = commands[i].fn(&cli, sub_argc, sub);
                        break;
                }
        }
        if (rc == -1) {
                fprintf(stderr, "berth: '%s' is not a berth command.\nSee 'berth --help'\n", name);
                rc = 125;
        }
        berth_engine_close(cli.engine);
        return rc;
}

/* -f/--force and --help, before or after the arguments (cli.h). */
int cli_force_flag(const char *cmd, int argc, char **argv, const char *usage, bool *force)
{
        static const struct option opts[] = {
            {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
        int c;
        opterr = 0;
        *force = false;
        while ((c = getopt_long(argc, argv, ":fh", opts, NULL)) != -1) {
                if (c == 'f') {
                        *force = true;
                        continue;
                }
                if (c == 'h') {
                        printf("%s", usage);
                        return 0;
                }
                return cli_bad_flag(cmd, argv, c);
        }
        return -1;
}

/* Only --help is ours: everything after CONTAINER goes to ps (docker stops at the first
 * argument that is not a flag). */
int cli_only_help(const char *cmd, int argc, char **argv, const char *usage)
{
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
                if (c == 'h') {
                        printf("%s", usage);
                        return 0;
                }
                return cli_bad_flag(cmd, argv, c);
        }
        return -1;
}
