/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"
#include "ttyproxy.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { OPT_BUNDLE = 1000, OPT_PID_FILE, OPT_CONSOLE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_PRESERVE };

static const struct option create_opts[] = {
    {"bundle", required_argument, NULL, 'b'},
    {"pid-file", required_argument, NULL, OPT_PID_FILE},
    {"console-socket", required_argument, NULL, OPT_CONSOLE},
    {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
    {"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
    {"detach", no_argument, NULL, 'd'},
    {"keep", no_argument, NULL, 'k'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

static int parse_create(const char *cmd, int argc, char **argv, berth_rt_create_opts *o,
                        bool *detach)
{
        int c;
        o->bundle = ".";
        while ((c = getopt_long_only(argc, argv, "+b:dkh", create_opts, NULL)) != -1) {
                switch (c) {
                case 'b':
                        o->bundle = optarg;
                        break;
                case OPT_PID_FILE:
                        o->pid_file = optarg;
                        break;
                case OPT_CONSOLE:
                        o->console_socket = optarg;
                        break;
                case OPT_NO_PIVOT:
                        o->no_pivot = true;
                        break;
                case OPT_NO_KEYRING:
                        o->no_new_keyring = true;
                        break;
                case OPT_PRESERVE: {
                        long long n;
                        if (berth_parse_i64(optarg, &n) < 0 || n < 0 || n > 4096)
                                return cli_usage_error(cmd, "invalid --preserve-fds '%s'", optarg);
                        o->preserve_fds = (int)n;
                        break;
                }
                case 'd':
                        if (detach == NULL)
                                return cli_usage_error(cmd, "unknown option --detach");
                        *detach = true;
                        break;
                case 'k':
                        break;
                case 'h':
                        printf("usage: berth-runtime %s [--bundle DIR] [--pid-file FILE] "
                               "[--console-socket SOCK] [--no-pivot] [--no-new-keyring] "
                               "[--preserve-fds N]%s ID\n",
                               cmd, detach ? " [--detach]" : "");
                        exit(0);
                default:
                        return cli_usage_error(cmd, "unknown option");
                }
        }
        o->id = cli_need_id(cmd, argc, argv);
        if (o->id == NULL)
                return 1;
        if (optind + 1 < argc)
                return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
        return 0;
}

int cmd_create(const berth_rt_ctx *ctx, int argc, char **argv)
{
        berth_rt_create_opts o = {0};
        if (parse_create("create", argc, argv, &o, NULL))
                return 1;
        berth_error err = {0};
        return berth_rt_create(ctx, &o, &err) < 0 ? cli_fail(&err) : 0;
}

/* Does <bundle>/config.json ask for a terminal? (Errors surface later, in create.) */
static bool config_wants_terminal(const char *bundle)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/config.json", bundle);
        json_t *cfg = json_load_file(path, 0, NULL);
        bool t = json_is_true(json_object_get(json_object_get(cfg, "process"), "terminal"));
        json_decref(cfg);
        return t;
}

int cmd_run(const berth_rt_ctx *ctx, int argc, char **argv)
{
        berth_rt_create_opts o = {0};
        bool detach = false;
        if (parse_create("run", argc, argv, &o, &detach))
                return 1;
        berth_error err = {0};
        int status = 0;
        /* A foreground terminal with no console socket: we proxy it, as runc does. */
        pid_t proxy = -1;
        if (!detach && o.console_socket == NULL && config_wants_terminal(o.bundle)) {
                o.console_fd = tty_proxy_start(&proxy);
                if (o.console_fd < 0) {
                        berth_err(&err, -o.console_fd, "cannot start the terminal proxy");
                        return cli_fail(&err);
                }
                o.has_console_fd = true;
        }
        int r = berth_rt_run(ctx, &o, detach, &status, &err);
        if (proxy > 0)
                tty_proxy_finish(o.console_fd, proxy);
        if (r < 0)
                return cli_fail(&err);
        return status;
}

/* Commands of the form "cmd [opts] ID" with no options of their own. */
static const char *simple_id(const char *cmd, int argc, char **argv)
{
        static const struct option o[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int c;
        while ((c = getopt_long_only(argc, argv, "+h", o, NULL)) != -1) {
                if (c == 'h') {
                        printf("usage: berth-runtime %s ID\n", cmd);
                        exit(0);
                }
                cli_usage_error(cmd, "unknown option");
                return NULL;
        }
        return cli_need_id(cmd, argc, argv);
}

int cmd_start(const berth_rt_ctx *ctx, int argc, char **argv)
{
        const char *id = simple_id("start", argc, argv);
        if (id == NULL)
                return 1;
        berth_error err = {0};
        return berth_rt_start(ctx, id, &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_state(const berth_rt_ctx *ctx, int argc, char **argv)
{
        const char *id = simple_id("state", argc, argv);
        if (id == NULL)
                return 1;
        berth_error err = {0};
        berth_rt_state st;
        if (berth_rt_state_get(ctx, id, &st, &err) < 0)
                return cli_fail(&err);
        char *j = berth_rt_state_json(&st);
        printf("%s\n", j);
        free(j);
        berth_rt_state_clear(&st);
        return 0;
}

int cmd_pause(const berth_rt_ctx *ctx, int argc, char **argv)
{
        const char *id = simple_id("pause", argc, argv);
        berth_error err = {0};
        if (id == NULL)
                return 1;
        return berth_rt_pause(ctx, id, true, &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_resume(const berth_rt_ctx *ctx, int argc, char **argv)
{
        const char *id = simple_id("resume", argc, argv);
        berth_error err = {0};
        if (id == NULL)
                return 1;
        return berth_rt_pause(ctx, id, false, &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_kill(const berth_rt_ctx *ctx, int argc, char **argv)
{
        static const struct option o[] = {
            {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {0}};
        bool all = false;
        int c;
        while ((c = getopt_long_only(argc, argv, "+ah", o, NULL)) != -1) {
                if (c == 'a') {
                        all = true;
                } else if (c == 'h') {
                        printf("usage: berth-runtime kill [--all] ID [SIGNAL]\n");
                        return 0;
                } else {
                        return cli_usage_error("kill", "unknown option");
                }
        }
        const char *id = cli_need_id("kill", argc, argv);
        if (id == NULL)
                return 1;
        int sig = SIGTERM;
        if (optind + 1 < argc) {
                sig = berth_rt_signal_parse(argv[optind + 1]);
                if (sig < 0)
                        return cli_usage_error("kill", "unknown signal '%s'", argv[optind + 1]);
        }
        berth_error err = {0};
        return berth_rt_kill(ctx, id, sig, all, &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_delete(const berth_rt_ctx *ctx, int argc, char **argv)
{
        static const struct option o[] = {
            {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
        bool force = false;
        int c;
        while ((c = getopt_long_only(argc, argv, "+fh", o, NULL)) != -1) {
                if (c == 'f') {
                        force = true;
                } else if (c == 'h') {
                        printf("usage: berth-runtime delete [--force] ID...\n");
                        return 0;
                } else {
                        return cli_usage_error("delete", "unknown option");
                }
        }
        if (cli_need_id("delete", argc, argv) == NULL)
                return 1;
        int rc = 0;
        for (int i = optind; i < argc; i++) {
                berth_error err = {0};
                if (berth_rt_delete(ctx, argv[i], force, &err) < 0) {
                        /* runc: --force on a missing container is not an error */
                        if (force && err.code == ENOENT)
                                continue;
                        rc = cli_fail(&err);
                }
        }
        return rc;
}

int cmd_list(const berth_rt_ctx *ctx, int argc, char **argv)
{
        static const struct option o[] = {{"format", required_argument, NULL, 'f'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        bool quiet = false, json = false;
        int c;
        while ((c = getopt_long_only(argc, argv, "+f:qh", o, NULL)) != -1) {
                if (c == 'q')
                        quiet = true;
                else if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
                        json = strcmp(optarg, "json") == 0;
                else if (c == 'h') {
                        printf("usage: berth-runtime list [--format table|json] [--quiet]\n");
                        return 0;
                } else
                        return cli_usage_error("list", "bad option");
        }
        berth_error err = {0};
        berth_rt_state *v;
        size_t n;
        if (berth_rt_list(ctx, &v, &n, &err) < 0)
                return cli_fail(&err);
        if (json) {
                json_t *a = json_array();
                for (size_t i = 0; i < n; i++) {
                        char *s = berth_rt_state_json(&v[i]);
                        json_array_append_new(a, json_loads(s, 0, NULL));
                        free(s);
                }
                char *s = json_dumps(a, JSON_COMPACT);
                printf("%s\n", s);
                free(s);
                json_decref(a);
        } else if (!quiet) {
                printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
                       "CREATED", "OWNER");
        }
        for (size_t i = 0; i < n; i++) {
                if (quiet && !json)
                        printf("%s\n", v[i].id);
                else if (!json)
                        printf("%-20s %-8d %-10s %-40s %-30s %s\n", v[i].id, v[i].pid,
                               berth_rt_status_name(v[i].status), v[i].bundle,
                               v[i].created ? v[i].created : "",
                               v[i].owner && *v[i].owner ? v[i].owner : "root");
                berth_rt_state_clear(&v[i]);
        }
        free(v);
        return 0;
}

int cmd_ps(const berth_rt_ctx *ctx, int argc, char **argv)
{
        static const struct option o[] = {
            {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
        bool json = false;
        int c;
        while ((c = getopt_long_only(argc, argv, "+f:h", o, NULL)) != -1) {
                if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
                        json = strcmp(optarg, "json") == 0;
                else if (c == 'h') {
                        printf("usage: berth-runtime ps [--format table|json] ID [ps options]\n");
                        return 0;
                } else
                        return cli_usage_error("ps", "bad option");
        }
        const char *id = cli_need_id("ps", argc, argv);
        if (id == NULL)
                return 1;
        berth_error err = {0};
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;
        if (berth_rt_ps(ctx, id, &pids, &n, &err) < 0)
                return cli_fail(&err);
        if (json) {
                printf("[");
                for (size_t i = 0; i < n; i++)
                        printf("%s%d", i ? "," : "", pids[i]);
                printf("]\n");
                return 0;
        }
        /* Table: the host's ps output, filtered to the container's pids. */
        _cleanup_free_ char *cmd = berth_xstrdup("ps");
        for (int i = optind + 1; i < argc; i++) {
                char *n2 = berth_xasprintf("%s '%s'", cmd, argv[i]);
                free(cmd);
                cmd = n2;
        }
        if (optind + 1 >= argc) {
                free(cmd);
                cmd = berth_xstrdup("ps -ef");
        }
        FILE *f = popen(cmd, "r");
        if (f == NULL)
                return berth_err(&err, errno, "cannot run ps"), cli_fail(&err);
        char line[4096];
        int pid_col = -1;
        bool first = true;
        while (fgets(line, sizeof(line), f)) {
                if (first) {
                        first = false;
                        fputs(line, stdout);
                        char *save = NULL, *copy = berth_xstrdup(line);
                        int col = 0;
                        for (char *t = strtok_r(copy, " \t\n", &save); t;
                             t = strtok_r(NULL, " \t\n", &save), col++)
                                if (strcmp(t, "PID") == 0)
                                        pid_col = col;
                        free(copy);
                        continue;
                }
                char *save = NULL, *copy = berth_xstrdup(line);
                int col = 0;
                long pid = -1;
                for (char *t = strtok_r(copy, " \t\n", &save); t;
                     t = strtok_r(NULL, " \t\n", &save), col++)
                        if (col == pid_col) {
                                pid = strtol(t, NULL, 10);
                                break;
                        }
                free(copy);
                for (size_t i = 0; i < n; i++)
                        if (pids[i] == pid)
                                fputs(line, stdout);
        }
        int st = pclose(f);
        if (pid_col < 0)
                return berth_errx(&err, EINVAL, "ps output has no PID column"), cli_fail(&err);
        return WIFEXITED(st) ? 0 : 1;
}

int cmd_events(const berth_rt_ctx *ctx, int argc, char **argv)
{
        static const struct option o[] = {{"stats", no_argument, NULL, 's'},
                                          {"interval", required_argument, NULL, 'i'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        bool stats = false;
        int c;
        while ((c = getopt_long_only(argc, argv, "+h", o, NULL)) != -1) {
                if (c == 's')
                        stats = true;
                else if (c == 'i')
                        ;
                else if (c == 'h') {
                        printf("usage: berth-runtime events --stats ID\n");
                        return 0;
                } else
                        return cli_usage_error("events", "bad option");
        }
        const char *id = cli_need_id("events", argc, argv);
        if (id == NULL)
                return 1;
        if (!stats)
                return cli_usage_error("events", "only --stats is supported");
        berth_error err = {0};
        berth_cgroup_stats s;
        if (berth_rt_stats(ctx, id, &s, &err) < 0)
                return cli_fail(&err);
        json_t *d = json_pack(
            "{s:{s:{s:I,s:I,s:I},s:{s:I}},s:{s:I,s:I},s:{s:{s:I,s:I,s:I},s:I},"
            "s:{s:I,s:I}}",
            "cpu", "usage", "total", (json_int_t)s.cpu_usage_ns, "user", (json_int_t)s.cpu_user_ns,
            "kernel", (json_int_t)s.cpu_system_ns, "throttling", "throttledTime",
            (json_int_t)s.cpu_throttled_ns, "pids", "current", (json_int_t)s.pids_current, "limit",
            (json_int_t)s.pids_limit, "memory", "usage", "usage", (json_int_t)s.memory_usage,
            "limit", (json_int_t)s.memory_limit, "max", (json_int_t)s.memory_max_usage, "cache",
            (json_int_t)s.memory_cache, "blkio", "read_bytes", (json_int_t)s.io_read_bytes,
            "write_bytes", (json_int_t)s.io_write_bytes);
        json_t *e = json_pack("{s:s,s:s,s:o}", "type", "stats", "id", id, "data", d);
        char *out = json_dumps(e, JSON_COMPACT);
        printf("%s\n", out);
        free(out);
        json_decref(e);
        return 0;
}
