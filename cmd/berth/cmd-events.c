/* SPDX-License-Identifier: Apache-2.0 */
/* `events`: what happened, as docker prints it, then what happens until --until. */
#include "cli.h"
#include "format.h"
#include "base/strutil.h"
#include "base/units.h"
#include "engine/events.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
        char **type, **event, **container, **image, **volume;
} ev_filters;

static bool matches(char **list, const char *v, const char *alt)
{
        if (list == NULL)
                return true;
        STRV_FOREACH (x, list)
                if ((v && (strcmp(*x, v) == 0 || strncmp(v, *x, strlen(*x)) == 0 ||
                           strncmp(*x, v, strlen(v)) == 0)) ||
                    (alt && strcmp(*x, alt) == 0))
                        return true;
        return false;
}

static bool wanted(const ev_filters *f, const berth_event *e)
{
        const char *name = json_string_value(json_object_get(e->attributes, "name"));
        const char *image = json_string_value(json_object_get(e->attributes, "image"));
        if (!matches(f->type, e->type, NULL))
                return false;
        if (f->event) {
                /* "health_status" matches "health_status: healthy" */
                bool ok = false;
                STRV_FOREACH (x, f->event)
                        ok = ok || strcmp(*x, e->action) == 0 ||
                             (strncmp(e->action, *x, strlen(*x)) == 0 &&
                              e->action[strlen(*x)] == ':');
                if (!ok)
                        return false;
        }
        if (f->container &&
            (strcmp(e->type, "container") != 0 || !matches(f->container, e->actor, name)))
                return false;
        if (f->image && !matches(f->image, image, NULL))
                return false;
        if (f->volume && (strcmp(e->type, "volume") != 0 || !matches(f->volume, e->actor, NULL)))
                return false;
        return true;
}

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
        ev_filters f = {0};
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
                case 'f': {
                        const char *eq = strchr(optarg, '=');
                        struct {
                                const char *k;
                                char ***l;
                        } keys[] = {{"type", &f.type},
                                    {"event", &f.event},
                                    {"container", &f.container},
                                    {"image", &f.image},
                                    {"volume", &f.volume}};
                        bool known = false;
                        for (size_t i = 0; eq && i < ARRAY_SIZE(keys); i++)
                                if (strlen(keys[i].k) == (size_t)(eq - optarg) &&
                                    strncmp(optarg, keys[i].k, (size_t)(eq - optarg)) == 0) {
                                        berth_strv_push(keys[i].l, eq + 1);
                                        known = true;
                                }
                        if (!known)
                                rc = cli_usage("events", "invalid filter '%s'", optarg);
                        break;
                }
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
        berth_error err = {0};
        berth_engine *e = rc ? NULL : cli_engine(cli, &err);
        if (rc == 0 && e == NULL)
                rc = cli_error(&err);
        if (rc == 0) {
                berth_db *db = berth_engine_db(e);
                /* without --since: only what happens from now on */
                int64_t after = since < 0 ? berth_events_last_seq(db) : 0;
                if (since < 0)
                        since = 0;
                signal(SIGPIPE, SIG_DFL);
                for (;;) {
                        berth_event *v = NULL;
                        size_t n = 0;
                        if (berth_events_read(db, after, since, until, &v, &n, &err) < 0) {
                                rc = cli_error(&err);
                                break;
                        }
                        for (size_t i = 0; i < n; i++) {
                                if (wanted(&f, &v[i]))
                                        print_event(&v[i], format);
                                after = v[i].seq;
                        }
                        berth_events_free(v, n);
                        struct timespec now;
                        clock_gettime(CLOCK_REALTIME, &now);
                        if (until && (int64_t)now.tv_sec * 1000000000 + now.tv_nsec >= until)
                                break;
                        usleep(100000);
                }
        }
        berth_strv_free(f.type);
        berth_strv_free(f.event);
        berth_strv_free(f.container);
        berth_strv_free(f.image);
        berth_strv_free(f.volume);
        return rc;
}
