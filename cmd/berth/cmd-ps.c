/* SPDX-License-Identifier: Apache-2.0 */
/* `ps`: containers as docker lists them. */
#include "cli.h"
#include "format.h"
#include "engine/filters.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "base/units.h"
#include "image/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
        P_ID,
        P_IMAGE,
        P_COMMAND,
        P_CREATED,
        P_STATUS,
        P_PORTS,
        P_NAMES,
        P_SIZE,
        P_LABELS,
        P_STATE,
        P_CREATEDAT,
        P_MOUNTS,
        P_COUNT
};
static const cli_format_field ps_fields[P_COUNT] = {
    {"ID", "CONTAINER ID"},      {"Image", "IMAGE"},
    {"Command", "COMMAND"},      {"RunningFor", "CREATED"},
    {"Status", "STATUS"},        {"Ports", "PORTS"},
    {"Names", "NAMES"},          {"Size", "SIZE"},
    {"Labels", "LABELS"},        {"State", "STATE"},
    {"CreatedAt", "CREATED AT"}, {"Mounts", "MOUNTS"},
};

static char *ago(const char *rfc, time_t now)
{
        int64_t ts = berth_parse_rfc3339(rfc);
        if (ts < 0)
                return berth_xstrdup("N/A");
        char buf[64];
        berth_human_duration(now - ts, buf, sizeof(buf));
        return berth_xasprintf("%s ago", buf);
}

/* "Up 5 seconds", "Exited (0) 3 minutes ago", "Created", "Up 2 hours (Paused)". */
static char *status_text(const berth_container *c, time_t now)
{
        char buf[64];
        if (berth_state_up(c->state)) {
                int64_t ts = berth_parse_rfc3339(c->started_at);
                berth_human_duration(ts < 0 ? 0 : now - ts, buf, sizeof(buf));
                const char *h = "";
                const char *hs = json_string_value(json_object_get(c->health, "Status"));
                if (hs && strcmp(hs, "starting") == 0)
                        h = " (health: starting)";
                else if (hs && strcmp(hs, "healthy") == 0)
                        h = " (healthy)";
                else if (hs && strcmp(hs, "unhealthy") == 0)
                        h = " (unhealthy)";
                return berth_xasprintf("Up %s%s%s", buf,
                                       c->state == BERTH_STATE_PAUSED ? " (Paused)" : "", h);
        }
        if (c->state == BERTH_STATE_RESTARTING) {
                _cleanup_free_ char *a = ago(c->finished_at, now);
                return berth_xasprintf("Restarting (%d) %s", c->exit_code, a);
        }
        if (c->state == BERTH_STATE_EXITED) {
                _cleanup_free_ char *a = ago(c->finished_at, now);
                return berth_xasprintf("Exited (%d) %s", c->exit_code, a);
        }
        if (c->state == BERTH_STATE_REMOVING)
                return berth_xstrdup("Removal In Progress");
        if (c->state == BERTH_STATE_DEAD)
                return berth_xstrdup("Dead");
        return berth_xstrdup("Created");
}

/* The command as docker shows it: entrypoint + cmd, quoted, cut to 20 with "…". */
static char *command_text(const berth_container *c, bool no_trunc)
{
        char *s = berth_xstrdup("");
        const char *keys[] = {"Entrypoint", "Cmd"};
        for (int k = 0; k < 2; k++) {
                size_t i;
                json_t *v;
                json_array_foreach (json_object_get(c->body, keys[k]), i, v) {
                        const char *a = json_string_value(v);
                        if (a == NULL || (k == 0 && *a == '\0'))
                                continue;
                        char *n = berth_xasprintf("%s%s%s", s, *s ? " " : "", a);
                        free(s);
                        s = n;
                }
        }
        if (!no_trunc && strlen(s) > 20) {
                /* 19 characters (not bytes) and an ellipsis */
                size_t b = 0;
                for (int chars = 0; s[b] && chars < 19; chars++)
                        do
                                b++;
                        while ((s[b] & 0xC0) == 0x80);
                s[b] = '\0';
                char *n = berth_xasprintf("\"%s…\"", s);
                free(s);
                return n;
        }
        char *n = berth_xasprintf("\"%s\"", s);
        free(s);
        return n;
}

static char *mounts_text(const berth_container *c)
{
        char *s = berth_xstrdup("");
        size_t i;
        json_t *m;
        json_array_foreach (c->mounts, i, m) {
                const char *n = json_string_value(json_object_get(m, "Name"));
                if (n == NULL)
                        n = json_string_value(json_object_get(m, "Source"));
                char *x = berth_xasprintf("%s%s%s", s, *s ? "," : "", n ? n : "");
                free(s);
                s = x;
        }
        return s;
}

static void ps_usage(FILE *f)
{
        fprintf(f, "Usage:  berth ps [OPTIONS]\n\nList containers\n\nOptions:\n"
                   "  -a, --all             Show all containers (default shows just running)\n"
                   "  -f, --filter filter   Filter output based on conditions provided\n"
                   "      --format string   Pretty-print containers using a Go template\n"
                   "  -n, --last int        Show n last created containers (includes all "
                   "states) (default -1)\n"
                   "  -l, --latest          Show the latest created container (includes all "
                   "states)\n"
                   "      --no-trunc        Don't truncate output\n"
                   "  -q, --quiet           Only display container IDs\n"
                   "  -s, --size            Display total file sizes\n");
}

int cmd_ps(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"all", no_argument, NULL, 'a'},          {"quiet", no_argument, NULL, 'q'},
            {"size", no_argument, NULL, 's'},         {"no-trunc", no_argument, NULL, 'T'},
            {"filter", required_argument, NULL, 'f'}, {"format", required_argument, NULL, 'F'},
            {"last", required_argument, NULL, 'n'},   {"latest", no_argument, NULL, 'l'},
            {"help", no_argument, NULL, 'h'},         {0},
        };
        bool all = false, quiet = false, size = false, no_trunc = false;
        const char *format = NULL;
        long last = -1;
        _cleanup_filters_ berth_filters *filters = berth_filters_new();
        berth_error err = {0};
        int ch;
        while ((ch = getopt_long(argc, argv, "aqsf:n:l", opts, NULL)) != -1) {
                switch (ch) {
                case 'a':
                        all = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 's':
                        size = true;
                        break;
                case 'T':
                        no_trunc = true;
                        break;
                case 'f':
                        if (berth_filters_add(filters, optarg, &err) < 0 ||
                            berth_engine_container_filters_check(filters, &err) < 0)
                                return cli_usage("ps", "%s", err.msg);
                        break;
                case 'F':
                        format = optarg;
                        break;
                case 'n':
                        last = strtol(optarg, NULL, 10);
                        break;
                case 'l':
                        last = 1;
                        break;
                case 'h':
                        ps_usage(stdout);
                        return 0;
                default:
                        return cli_usage("ps", "unknown flag");
                }
        }
        if (optind < argc) {
                return cli_usage("ps", "\"berth ps\" accepts no arguments.");
        }
        if (format) {
                char msg[256];
                if (cli_format_check(format, ps_fields, P_COUNT, msg, sizeof(msg)) < 0) {
                        return cli_usage("ps", "%s", msg);
                }
        }
        if (last > 0 || berth_engine_container_filters_want_all(filters))
                all = true;
        berth_engine *e = cli_engine(cli, &err);
        berth_container *v = NULL;
        size_t n = 0;
        if (e == NULL || berth_engine_container_filters_resolve(e, filters, &err) < 0 ||
            berth_engine_list(e, &v, &n, &err) < 0) {
                return cli_error(&err);
        }
        time_t now = time(NULL);
        cli_table *t = cli_table_new(size ? 8 : 7);
        cli_table *ft = NULL;
        if (format && cli_format_is_table(format)) {
                _cleanup_free_ char *h = cli_format_header(format, ps_fields, P_COUNT);
                ft = cli_table_from_line(h);
        }
        const char *head[] = {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
                              "STATUS",       "PORTS", "NAMES",   "SIZE"};
        cli_table_row(t, head);
        long shown = 0;
        for (size_t i = 0; i < n && (last < 0 || shown < last); i++) {
                berth_container *c = &v[i];
                if (!all && !berth_state_live(c->state))
                        continue;
                if (!berth_engine_container_matches(e, filters, c))
                        continue;
                shown++;
                char id[65];
                snprintf(id, sizeof(id), "%s", c->id);
                if (!no_trunc)
                        id[12] = '\0';
                if (quiet) {
                        printf("%s\n", id);
                        continue;
                }
                _cleanup_free_ char *cmd = command_text(c, no_trunc);
                _cleanup_free_ char *created = ago(c->created, now);
                _cleanup_free_ char *status = status_text(c, now);
                _cleanup_free_ char *labels = cli_labels_text(json_object_get(c->body, "Labels"));
                _cleanup_free_ char *mounts = mounts_text(c);
                char sizebuf[96] = "";
                if (size) { /* docker's "2B (virtual 1.98MB)" */
                        int64_t rw, rootfs;
                        berth_engine_container_size(e, c->id, c->image_id, &rw, &rootfs);
                        char a[32], b[32];
                        berth_human_size(rw, a, sizeof(a));
                        berth_human_size(rootfs, b, sizeof(b));
                        snprintf(sizebuf, sizeof(sizebuf), "%s (virtual %s)", a, b);
                }
                const char *image = c->image_name;
                _cleanup_free_ char *short_img = NULL;
                if (strncmp(image, "sha256:", 7) == 0 && !no_trunc)
                        image = short_img = berth_xasprintf("%.12s", image + 7);
                if (format) {
                        const char *vals[P_COUNT] = {id,     image,     cmd,        created,
                                                     status, "",        c->name,    sizebuf,
                                                     labels, c->status, c->created, mounts};
                        _cleanup_free_ char *line =
                            cli_format_row(format, ps_fields, vals, P_COUNT);
                        if (ft)
                                cli_table_add_line(ft, line);
                        else
                                printf("%s\n", line);
                        continue;
                }
                const char *row[] = {id, image, cmd, created, status, "", c->name, sizebuf};
                cli_table_row(t, row);
        }
        if (ft)
                cli_table_print(ft);
        else if (!quiet && !format)
                cli_table_print(t);
        cli_table_free(ft);
        cli_table_free(t);
        berth_containers_free(v, n);
        return 0;
}
