/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"
#include "runtime/selfclone.h"
#include "base/log.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
        const char *name;
        cli_cmd fn;
        const char *help;
} commands[] = {
    {"create", cmd_create, "create a container"},
    {"start", cmd_start, "start the user process of a created container"},
    {"run", cmd_run, "create and start a container"},
    {"state", cmd_state, "output the state of a container"},
    {"kill", cmd_kill, "send a signal to the container's init (or all processes)"},
    {"delete", cmd_delete, "delete a container's state and cgroup"},
    {"exec", cmd_exec, "run a new process inside a container"},
    {"ps", cmd_ps, "list the processes of a container"},
    {"list", cmd_list, "list containers"},
    {"pause", cmd_pause, "freeze every process of a container"},
    {"resume", cmd_resume, "thaw a paused container"},
    {"update", cmd_update, "update a container's resource limits"},
    {"events", cmd_events, "print container statistics"},
    {"spec", cmd_spec, "write a default config.json"},
    {"features", cmd_features, "print the features this runtime supports"},
};

int cli_fail(const berth_error *err)
{
        log_error("%s", err->msg);
        if (berth_log_to_file())
                fprintf(stderr, "berth-runtime: %s\n", err->msg);
        return 1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        berth_error err = {0};
        berth_errx(&err, EINVAL, "%s: %s (see 'berth-runtime %s --help')", cmd, msg, cmd);
        return cli_fail(&err);
}

const char *cli_need_id(const char *cmd, int argc, char **argv)
{
        if (optind >= argc) {
                cli_usage_error(cmd, "requires a container id");
                return NULL;
        }
        return argv[optind];
}

int cli_parse_size(const char *s, long long *ret)
{
        if (s == NULL || *s == '\0')
                return -EINVAL;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s)
                return -EINVAL;
        long long mul = 1;
        switch (*end) {
        case '\0':
                break;
        case 'k':
        case 'K':
                mul = 1LL << 10;
                break;
        case 'm':
        case 'M':
                mul = 1LL << 20;
                break;
        case 'g':
        case 'G':
                mul = 1LL << 30;
                break;
        default:
                return -EINVAL;
        }
        if (*end && end[1] != '\0' && !((end[1] == 'b' || end[1] == 'B') && end[2] == '\0'))
                return -EINVAL;
        *ret = v * mul;
        return 0;
}

static void usage(FILE *f)
{
        fprintf(f, "usage: berth-runtime [global options] COMMAND [options] [ID] [args]\n\n"
                   "An OCI runtime with runc's command line.\n\ncommands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
        fprintf(f, "\nglobal options:\n"
                   "  --root DIR          state directory (default /run/berth-runtime)\n"
                   "  --log FILE          write logs to FILE (default stderr)\n"
                   "  --log-format FMT    text or json\n"
                   "  --debug             verbose logs\n"
                   "  --systemd-cgroup    cgroupsPath is slice:prefix:name\n"
                   "  --rootless VALUE    accepted for compatibility\n"
                   "  -v, --version       print the version\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
            {"root", required_argument, NULL, 'r'},
            {"log", required_argument, NULL, 'l'},
            {"log-format", required_argument, NULL, 'f'},
            {"debug", no_argument, NULL, 'd'},
            {"systemd-cgroup", no_argument, NULL, 's'},
            {"rootless", required_argument, NULL, 'R'},
            {"criu", required_argument, NULL, 'C'},
            {"version", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        berth_rt_ctx ctx = {.root = getenv("BERTH_RUNTIME_ROOT")};
        if (ctx.root == NULL)
                ctx.root = "/run/berth-runtime";
        const char *log_path = NULL;
        bool json = false;
        enum berth_log_level level = BERTH_LOG_WARN;
        int c;
        while ((c = getopt_long_only(argc, argv, "+vh", opts, NULL)) != -1) {
                switch (c) {
                case 'r':
                        ctx.root = optarg;
                        break;
                case 'l':
                        log_path = optarg;
                        break;
                case 'f':
                        if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                                fprintf(stderr,
                                        "berth-runtime: --log-format must be text or "
                                        "json, not '%s'\n",
                                        optarg);
                                return 1;
                        }
                        json = strcmp(optarg, "json") == 0;
                        break;
                case 'd':
                        level = BERTH_LOG_DEBUG;
                        break;
                case 's':
                        ctx.systemd_cgroup = true;
                        break;
                case 'R':
                case 'C':
                        break;
                case 'v':
                        printf("berth-runtime version %s\nspec: 1.2.0\n", BERTH_VERSION);
                        return 0;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 1;
                }
        }
        if (berth_log_setup(log_path, json, level) < 0) {
                fprintf(stderr, "berth-runtime: cannot open log file '%s'\n", log_path);
                return 1;
        }
        if (optind >= argc) {
                usage(stderr);
                return 1;
        }
        const char *name = argv[optind];
        if (strcmp(name, "ls") == 0)
                name = "list";
        /* Commands that put a process into a container run from a sealed copy. */
        if (strcmp(name, "create") == 0 || strcmp(name, "run") == 0 || strcmp(name, "exec") == 0) {
                int r = berth_selfclone_ensure(argv);
                if (r < 0) {
                        fprintf(stderr, "berth-runtime: cannot run from a sealed copy: %s\n",
                                strerror(-r));
                        return 1;
                }
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
                if (strcmp(commands[i].name, name) == 0) {
                        int sub_argc = argc - optind;
                        char **sub_argv = argv + optind;
                        optind = 1;
                        return commands[i].fn(&ctx, sub_argc, sub_argv);
                }
        }
        fprintf(stderr, "berth-runtime: unknown command '%s'\n", name);
        usage(stderr);
        return 1;
}
