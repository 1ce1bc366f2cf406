/* SPDX-License-Identifier: Apache-2.0 */
/* stop, kill, rm, restart, pause, unpause, rename, wait, exec. */
#include "cli.h"
#include "engine/detach-keys.h"
#include "engine/exec.h"
#include "base/cleanup-json.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_each(berth_cli *cli, const char *cmd, int argc, char **argv,
             int (*fn)(berth_engine *, const char *, void *, berth_error *), void *ud, bool print)
{
        if (optind >= argc)
                return cli_usage(cmd, "\"berth %s\" requires at least 1 argument.", cmd);
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL)
                return cli_error(&err);
        int rc = 0;
        for (int i = optind; i < argc; i++) {
                memset(&err, 0, sizeof(err));
                if (fn(e, argv[i], ud, &err) < 0) {
                        fprintf(stderr, "berth: %s\n", err.msg);
                        rc = 1;
                } else if (print) {
                        printf("%s\n", argv[i]);
                }
        }
        return rc;
}

static int parse_simple(const char *cmd, int argc, char **argv, const char *shorts,
                        const struct option *opts, void (*on)(int, const char *, void *), void *ud,
                        const char *usage)
{
        int ch;
        while ((ch = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
                if (ch == 'h') {
                        printf("%s", usage);
                        return 0;
                }
                if (ch == '?' || ch == ':')
                        return cli_usage(cmd, "unknown flag");
                on(ch, optarg, ud);
        }
        return -1;
}

typedef struct {
        int timeout;
        bool bad;
        const char *signal;
        bool force, volumes;
} copts;

static void on_opt(int ch, const char *arg, void *ud)
{
        copts *o = ud;
        long long v;
        switch (ch) {
        case 't':
                if (berth_parse_i64(arg, &v) < 0 || v < -1 || v > INT_MAX)
                        o->bad = true;
                else
                        o->timeout = (int)v;
                break;
        case 's':
                o->signal = arg;
                break;
        case 'f':
                o->force = true;
                break;
        case 'v':
                o->volumes = true;
                break;
        default:
                break;
        }
}

static int do_stop(berth_engine *e, const char *n, void *ud, berth_error *err)
{
        return berth_engine_stop(e, n, ((copts *)ud)->timeout, err);
}

static int do_restart(berth_engine *e, const char *n, void *ud, berth_error *err)
{
        return berth_engine_restart(e, n, ((copts *)ud)->timeout, err);
}

static const struct option stop_opts[] = {{"time", required_argument, NULL, 't'},
                                          {"timeout", required_argument, NULL, 't'},
                                          {"signal", required_argument, NULL, 's'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};

int cmd_stop(berth_cli *cli, int argc, char **argv)
{
        copts o = {.timeout = -1};
        int r = parse_simple("stop", argc, argv, "t:s:", stop_opts, on_opt, &o,
                             "Usage:  berth stop [OPTIONS] CONTAINER [CONTAINER...]\n\nStop one "
                             "or more running containers\n\nOptions:\n  -s, --signal string   "
                             "Signal to send to the container\n  -t, --time int        Seconds "
                             "to wait before killing the container\n");
        if (r >= 0)
                return r;
        if (o.bad)
                return cli_usage("stop", "invalid argument for \"-t, --time\" flag");
        return cli_each(cli, "stop", argc, argv, do_stop, &o, true);
}

int cmd_restart(berth_cli *cli, int argc, char **argv)
{
        copts o = {.timeout = -1};
        int r = parse_simple("restart", argc, argv, "t:s:", stop_opts, on_opt, &o,
                             "Usage:  berth restart [OPTIONS] CONTAINER [CONTAINER...]\n\n"
                             "Restart one or more containers\n\nOptions:\n  -t, --time int   "
                             "Seconds to wait before killing the container\n");
        if (r >= 0)
                return r;
        if (o.bad)
                return cli_usage("restart", "invalid argument for \"-t, --time\" flag");
        return cli_each(cli, "restart", argc, argv, do_restart, &o, true);
}

static int do_kill(berth_engine *e, const char *n, void *ud, berth_error *err)
{
        return berth_engine_kill(e, n, *(int *)ud, err);
}

int cmd_kill(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"signal", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'}, {0}};
        copts o = {0};
        int r = parse_simple("kill", argc, argv, "s:", opts, on_opt, &o,
                             "Usage:  berth kill [OPTIONS] CONTAINER [CONTAINER...]\n\nKill one "
                             "or more running containers\n\nOptions:\n  -s, --signal string   "
                             "Signal to send to the container (default \"KILL\")\n");
        if (r >= 0)
                return r;
        int sig = o.signal ? berth_rt_signal_parse(o.signal) : SIGKILL;
        if (sig <= 0)
                return cli_usage("kill", "invalid signal: %s", o.signal);
        return cli_each(cli, "kill", argc, argv, do_kill, &sig, true);
}

static int do_rm(berth_engine *e, const char *n, void *ud, berth_error *err)
{
        copts *o = ud;
        int r = berth_engine_remove(e, n, o->force, o->volumes, err);
        return r;
}

int cmd_rm(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                             {"volumes", no_argument, NULL, 'v'},
                                             {"link", no_argument, NULL, 'l'},
                                             {"help", no_argument, NULL, 'h'},
                                             {0}};
        copts o = {0};
        int r = parse_simple("rm", argc, argv, "fvl", opts, on_opt, &o,
                             "Usage:  berth rm [OPTIONS] CONTAINER [CONTAINER...]\n\nRemove one "
                             "or more containers\n\nOptions:\n  -f, --force     Force the removal "
                             "of a running container (uses SIGKILL)\n  -v, --volumes   Remove "
                             "anonymous volumes associated with the container\n");
        if (r >= 0)
                return r;
        return cli_each(cli, "rm", argc, argv, do_rm, &o, true);
}

static int do_pause(berth_engine *e, const char *n, void *ud, berth_error *err)
{
        return berth_engine_pause(e, n, *(bool *)ud, err);
}

static const struct option help_only[] = {{"help", no_argument, NULL, 'h'}, {0}};

int cmd_pause(berth_cli *cli, int argc, char **argv)
{
        copts o = {0};
        int r = parse_simple("pause", argc, argv, "", help_only, on_opt, &o,
                             "Usage:  berth pause CONTAINER [CONTAINER...]\n\nPause all processes "
                             "within one or more containers\n");
        if (r >= 0)
                return r;
        bool p = true;
        return cli_each(cli, "pause", argc, argv, do_pause, &p, true);
}

int cmd_unpause(berth_cli *cli, int argc, char **argv)
{
        copts o = {0};
        int r = parse_simple("unpause", argc, argv, "", help_only, on_opt, &o,
                             "Usage:  berth unpause CONTAINER [CONTAINER...]\n\nUnpause all "
                             "processes within one or more containers\n");
        if (r >= 0)
                return r;
        bool p = false;
        return cli_each(cli, "unpause", argc, argv, do_pause, &p, true);
}

static int do_cleanup(berth_engine *e, const char *n, void *ud, berth_error *err)
{
        return berth_engine_cleanup(e, n, err);
}

/* podman's `container cleanup`: what a stopped container still holds on its networks let go
 * (berth-monitor-helper runs it at the exit; by hand, after a crash). */
int cmd_container_cleanup(berth_cli *cli, int argc, char **argv)
{
        copts o = {0};
        int r = parse_simple("container cleanup", argc, argv, "", help_only, on_opt, &o,
                             "Usage:  berth container cleanup CONTAINER [CONTAINER...]\n\nClean "
                             "up the network of one or more stopped containers\n");
        if (r >= 0)
                return r;
        return cli_each(cli, "container cleanup", argc, argv, do_cleanup, NULL, false);
}

int cmd_rename(berth_cli *cli, int argc, char **argv)
{
        copts o = {0};
        int r = parse_simple("rename", argc, argv, "", help_only, on_opt, &o,
                             "Usage:  berth rename CONTAINER NEW_NAME\n\nRename a container\n");
        if (r >= 0)
                return r;
        if (argc - optind != 2)
                return cli_usage("rename", "\"berth rename\" requires exactly 2 arguments.");
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL || berth_engine_rename(e, argv[optind], argv[optind + 1], &err) < 0)
                return cli_error(&err);
        return 0;
}

static int do_wait(berth_engine *e, const char *n, void *ud, berth_error *err)
{
        int code;
        int r = berth_engine_wait(e, n, ud, &code, err);
        if (r >= 0)
                printf("%d\n", code);
        return r;
}

int cmd_wait(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"condition", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {0}};
        const char *cond = NULL;
        int ch;
        while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (ch == 'c')
                        cond = optarg;
                else if (ch == 'h') {
                        printf("Usage:  berth wait CONTAINER [CONTAINER...]\n\nBlock until one "
                               "or more containers stop, then print their exit codes\n");
                        return 0;
                } else
                        return cli_usage("wait", "unknown flag");
        }
        return cli_each(cli, "wait", argc, argv, do_wait, (void *)cond, false);
}

typedef struct {
        berth_engine *e;
        const char *id;
} exec_ctx;

/* SIGWINCH: by the exec's id, as the API's exec resize does */
static void exec_resize(unsigned rows, unsigned cols, void *userdata)
{
        exec_ctx *x = userdata;
        berth_engine_exec_resize(x->e, x->id, rows, cols, NULL);
}

/* exec -t in the foreground: the engine holds its terminal, we are the user's end of it. Docker
 * says "read escape sequence" and fails when the user detaches. */
static int exec_attached(berth_engine *e, const char *id, bool interactive, const char *keys)
{
        berth_error err = {0};
        berth_attach *h = NULL;
        berth_attach_opts ao = {.in = interactive, .out = true, .err = true, .detach_keys = keys};
        fflush(stdout);
        if (berth_engine_exec_start_attach(e, id, &ao, &h, &err) < 0)
                return cli_error(&err);
        exec_ctx x = {.e = e, .id = id};
        cli_attach_opts o = {.on_resize = exec_resize, .userdata = &x};
        int code = 0;
        int r = cli_attach_loop(h, &o, &code);
        berth_attach_close(h);
        if (r == 1)
                return code;
        if (r == 0)
                fprintf(stderr, "read escape sequence\n");
        return 1;
}

/* `exec`: Docker's flags to an exec create body; the engine records, starts and waits for
 * it (src/engine/exec.h), berth-runtime exec running the process. */
int cmd_exec(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {{"interactive", no_argument, NULL, 'i'},
                                             {"tty", no_argument, NULL, 't'},
                                             {"detach", no_argument, NULL, 'd'},
                                             {"env", required_argument, NULL, 'e'},
                                             {"env-file", required_argument, NULL, 'E'},
                                             {"workdir", required_argument, NULL, 'w'},
                                             {"user", required_argument, NULL, 'u'},
                                             {"privileged", no_argument, NULL, 'P'},
                                             {"detach-keys", required_argument, NULL, 'k'},
                                             {"help", no_argument, NULL, 'h'},
                                             {0}};
        bool tty = false, detach = false, interactive = false, privileged = false;
        const char *workdir = NULL, *user = NULL, *keys = NULL;
        _cleanup_strv_ char **env = NULL;
        int ch;
        while ((ch = getopt_long(argc, argv, "+itde:w:u:", opts, NULL)) != -1) {
                switch (ch) {
                case 'i':
                        interactive = true;
                        break;
                case 't':
                        tty = true;
                        break;
                case 'd':
                        detach = true;
                        break;
                case 'e':
                        if (strchr(optarg, '=') == NULL) {
                                const char *v = getenv(optarg);
                                if (v == NULL)
                                        break;
                                char *kv = berth_xasprintf("%s=%s", optarg, v);
                                berth_strv_push(&env, kv);
                                free(kv);
                        } else {
                                berth_strv_push(&env, optarg);
                        }
                        break;
                case 'E': {
                        FILE *f = fopen(optarg, "re");
                        if (f == NULL)
                                return cli_usage("exec", "open %s: %s", optarg, strerror(errno));
                        char line[8192];
                        while (fgets(line, sizeof(line), f)) {
                                line[strcspn(line, "\r\n")] = '\0';
                                if (line[0] == '\0' || line[0] == '#')
                                        continue;
                                berth_strv_push(&env, line);
                        }
                        fclose(f);
                        break;
                }
                case 'w':
                        workdir = optarg;
                        break;
                case 'u':
                        user = optarg;
                        break;
                case 'P':
                        privileged = true;
                        break;
                case 'k':
                        keys = optarg;
                        break;
                case 'h':
                        printf("Usage:  berth exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
                               "Execute a command in a running container\n\nOptions:\n"
                               "  -d, --detach           Detached mode: run command in the "
                               "background\n      --detach-keys string   Override the key "
                               "sequence for detaching a container\n  -e, --env list         Set "
                               "environment "
                               "variables\n  -i, --interactive      Keep STDIN open even if not "
                               "attached\n  -t, --tty              Allocate a pseudo-TTY\n"
                               "  -u, --user string      Username or UID (format: "
                               "\"<name|uid>[:<group|gid>]\")\n  -w, --workdir string   "
                               "Working directory inside the container\n");
                        return 0;
                default:
                        return cli_usage("exec", "unknown flag");
                }
        }
        if (argc - optind < 2)
                return cli_usage("exec", "\"berth exec\" requires at least 2 arguments.");
        /* Docker's exec create body: the engine records it, starts it and waits for it */
        json_t *cmd = json_array();
        for (int i = optind + 1; i < argc; i++)
                json_array_append_new(cmd, json_string(argv[i]));
        json_t *envj = json_array();
        STRV_FOREACH (v, env)
                json_array_append_new(envj, json_string(*v));
        _cleanup_json_ json_t *config = json_pack(
            "{s:o, s:o, s:b, s:b, s:b, s:b, s:b, s:s, s:s, s:s}", "Cmd", cmd, "Env", envj, "Tty",
            tty, "Privileged", privileged, "AttachStdin", interactive, "AttachStdout", !detach,
            "AttachStderr", !detach, "WorkingDir", workdir ? workdir : "", "User", user ? user : "",
            "DetachKeys", keys ? keys : "");
        berth_error err = {0};
        berth_detach_keys dk;
        if (berth_detach_keys_parse(keys, &dk, NULL, &err) < 0)
                return cli_error(&err);
        /* exec uses neither images nor volumes */
        berth_engine *e = cli_engine_flags(cli, BERTH_ENGINE_LAZY_STORES, &err);
        if (e == NULL)
                return cli_error(&err);
        if (tty && !detach) {
                _cleanup_free_ char *id = NULL;
                if (berth_engine_exec_create(e, argv[optind], config, &id, &err) < 0)
                        return cli_error(&err);
                return exec_attached(e, id, interactive, keys);
        }
        /* docker exec without -i gives the process no stdin */
        _cleanup_close_ int null = -1;
        if (!interactive && !detach)
                null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        berth_exec_start_opts so = {.stdin_fd = null >= 0 ? null : STDIN_FILENO,
                                    .stdout_fd = STDOUT_FILENO,
                                    .stderr_fd = STDERR_FILENO,
                                    .detach = detach};
        int code = 0;
        fflush(stdout);
        /* created and started at once: the same records and events, one transaction fewer */
        if (berth_engine_exec_run(e, argv[optind], config, &so, &code, &err) < 0)
                return cli_error(&err);
        return code;
}
