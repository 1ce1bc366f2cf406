/* SPDX-License-Identifier: Apache-2.0 */
/* `events`: what happened, as docker prints it, then what happens until --until. */
#include "cli.h"
#include "format.h"
#include "base/strutil.h"
#include "base/units.h"
#include "engine/events.h"
#include "engine/filters.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static json_t *event_json(const berth_event *e)
{
        const char *image = json_string_value(json_object_get(e->attributes, "image"));
        json_t *j =
            json_pack("{s:s, s:{s:s, s:O}, s:s, s:I, s:I}", "Type", e->type, "Actor", "ID",
                      e->actor, "Attributes", e->attributes, "scope", "local", "time",
                      (json_int_t)(e->time_ns / 1000000000), "timeNano", (json_int_t)e->time_ns);
        json_object_set_new(j, "Action", json_string(e->action));
        if (strcmp(e->type, "container") == 0) {
                json_object_set_new(j, "status", json_string(e->action));
                json_object_set_new(j, "id", json_string(e->actor));
                if (image)
                        json_object_set_new(j, "from", json_string(image));
        }
        return j;
}

static void print_event(const berth_event *e, const char *format);

static bool print_one(const berth_event *ev, void *format)
{
        print_event(ev, format);
        return true;
}

static void print_event(const berth_event *e, const char *format)
{
        if (format) {
                json_t *j = event_json(e);
                char msg[256];
                char *s = cli_format_json(format, j, msg, sizeof(msg));
                printf("%s\n", s ? s : msg);
                free(s);
                json_decref(j);
                fflush(stdout);
                return;
        }
        time_t sec = (time_t)(e->time_ns / 1000000000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        char when[64];
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        printf("%s.%09lldZ %s %s %s", when, (long long)(e->time_ns % 1000000000), e->type,
               e->action, e->actor);
        /* attributes sorted by key, as docker prints them */
        size_t n = json_object_size(e->attributes);
        if (n > 0) {
                const char **keys = calloc(n, sizeof(*keys));
                size_t k = 0;
                const char *key;
                json_t *v;
                json_object_foreach (e->attributes, key, v)
                        keys[k++] = key;
                for (size_t i = 0; i < n; i++)
                        for (size_t j = i + 1; j < n; j++)
                                if (strcmp(keys[j], keys[i]) < 0) {
                                        const char *t = keys[i];
                                        keys[i] = keys[j];
                                        keys[j] = t;
                                }
                printf(" (");
                for (size_t i = 0; i < n; i++)
                        printf("%s%s=%s", i ? ", " : "", keys[i],
                               json_string_value(json_object_get(e->attributes, keys[i])));
                printf(")");
                free(keys);
        }
        printf("\n");
        fflush(stdout);
}

int cmd_events(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"since", required_argument, NULL, 's'},  {"until", required_argument, NULL, 'u'},
            {"filter", required_argument, NULL, 'f'}, {"format", required_argument, NULL, 'F'},
            {"help", no_argument, NULL, 'h'},         {0}};
        int64_t since = -1, until = 0;
        const char *format = NULL;
        _cleanup_filters_ berth_filters *f = berth_filters_new();
        berth_error err = {0};
        int ch, rc = 0;
        while ((ch = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
                switch (ch) {
                case 's':
                        if (cli_parse_time(optarg, &since) < 0)
                                rc = cli_usage("events", "invalid value for --since: %s", optarg);
                        break;
                case 'u':
                        if (cli_parse_time(optarg, &until) < 0)
                                rc = cli_usage("events", "invalid value for --until: %s", optarg);
                        break;
                case 'f':
                        if (berth_filters_add(f, optarg, &err) < 0 ||
                            berth_engine_event_filters_check(f, &err) < 0)
                                rc = cli_usage("events", "%s", err.msg);
                        break;
                case 'F':
                        format = optarg;
                        break;
                case 'h':
                        printf("Usage:  berth events [OPTIONS]\n\nGet real time events from "
                               "berth\n\nOptions:\n  -f, --filter filter   Filter output based "
                               "on conditions provided\n      --format string   Format the "
                               "output using the given Go template\n      --since string    "
                               "Show all events created since timestamp\n      --until string    "
                               "Stream events until this timestamp\n");
                        return 0;
                default:
                        rc = cli_usage("events", "unknown flag");
                }
                if (rc)
                        break;
        }
        if (rc == 0 && optind < argc)
                rc = cli_usage("events", "\"berth events\" accepts no arguments.");
        berth_engine *e = rc ? NULL : cli_engine(cli, &err);
        if (rc == 0 && e == NULL)
                rc = cli_error(&err);
        if (rc == 0) {
                signal(SIGPIPE, SIG_DFL);
                /* without --since (-1): only what happens from now on */
                if (berth_engine_events_stream(e, f, since, until, print_one, (void *)format,
                                               &err) < 0)
                        rc = cli_error(&err);
        }
        return rc;
}
