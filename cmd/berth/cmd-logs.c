/* SPDX-License-Identifier: Apache-2.0 */
/* `logs`: the container's json-file log, as docker prints it. */
#include "cli.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "base/units.h"
#include "engine/jsonlog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
        bool timestamps;
        berth_engine *e;
        const char *id;
} logs_ctx;

static int print_entry(const berth_log_entry *en, void *ud)
{
        logs_ctx *c = ud;
        FILE *f = strcmp(en->stream, "stderr") == 0 ? stderr : stdout;
        if (c->timestamps) {
                struct tm tm;
                gmtime_r(&en->time.tv_sec, &tm);
                char buf[64];
                strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
                fprintf(f, "%s.%09ldZ ", buf, en->time.tv_nsec);
        }
        fwrite(en->log, 1, en->len, f);
        fflush(f);
        return 0;
}

static bool still_running(void *ud)
{
        logs_ctx *c = ud;
        berth_container r;
        if (berth_engine_get(c->e, c->id, &r, NULL) < 0)
                return false;
        bool live = berth_state_live(r.state);
        berth_container_clear(&r);
        return live;
}

/* docker's --since/--until values, as a timespec */
static int parse_time(const char *s, struct timespec *ret)
{
        int64_t ns;
        if (cli_parse_time(s, &ns) < 0)
                return -EINVAL;
        ret->tv_sec = (time_t)(ns / 1000000000);
        ret->tv_nsec = (long)(ns % 1000000000);
        return 0;
}

int cmd_logs(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"follow", no_argument, NULL, 'f'},      {"tail", required_argument, NULL, 'n'},
            {"since", required_argument, NULL, 'S'}, {"until", required_argument, NULL, 'U'},
            {"timestamps", no_argument, NULL, 't'},  {"details", no_argument, NULL, 'd'},
            {"help", no_argument, NULL, 'h'},        {0}};
        berth_log_read_opts o = {.tail = -1};
        logs_ctx ctx = {0};
        int ch;
        while ((ch = getopt_long(argc, argv, "fn:t", opts, NULL)) != -1) {
                switch (ch) {
                case 'f':
                        o.follow = true;
                        break;
                case 'n':
                        if (strcmp(optarg, "all") == 0)
                                o.tail = -1;
                        else {
                                long long v;
                                if (berth_parse_i64(optarg, &v) < 0)
                                        return cli_usage("logs", "invalid value for \"--tail\": %s",
                                                         optarg);
                                o.tail = v < 0 ? -1 : v;
                        }
                        break;
                case 'S':
                        if (parse_time(optarg, &o.since) < 0)
                                return cli_usage("logs", "invalid value for \"since\": %s", optarg);
                        o.has_since = true;
                        break;
                case 'U':
                        if (parse_time(optarg, &o.until) < 0)
                                return cli_usage("logs", "invalid value for \"until\": %s", optarg);
                        o.has_until = true;
                        break;
                case 't':
                        ctx.timestamps = true;
                        break;
                case 'd':
                        break;
                case 'h':
                        printf("Usage:  berth logs [OPTIONS] CONTAINER\n\nFetch the logs of a "
                               "container\n\nOptions:\n  -f, --follow         Follow log output\n"
                               "      --since string   Show logs since timestamp or relative\n"
                               "  -n, --tail string    Number of lines to show from the end of "
                               "the logs (default \"all\")\n  -t, --timestamps     Show "
                               "timestamps\n      --until string   Show logs before a timestamp "
                               "or relative\n");
                        return 0;
                default:
                        return cli_usage("logs", "unknown flag");
                }
        }
        if (argc - optind != 1)
                return cli_usage("logs", "\"berth logs\" requires exactly 1 argument.");
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        berth_container c = {0};
        if (e == NULL || berth_engine_get(e, argv[optind], &c, &err) < 0)
                return cli_error(&err);
        ctx.e = e;
        ctx.id = c.id;
        o.still_running = still_running;
        int max_file = 1;
        json_t *lc = json_object_get(
            json_object_get(json_object_get(c.body, "HostConfig"), "LogConfig"), "Config");
        const char *mf = json_string_value(json_object_get(lc, "max-file"));
        if (mf)
                max_file = atoi(mf) > 0 ? atoi(mf) : 1;
        _cleanup_free_ char *path = berth_engine_log_path(e, c.id);
        int rc = berth_jsonlog_read(path, max_file, &o, print_entry, &ctx, &err);
        berth_container_clear(&c);
        if (rc < 0)
                return cli_error(&err);
        return 0;
}
