/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "base/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cmd_image_inspect(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {
            {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
        const char *format = NULL;
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":f:h", o, NULL)) != -1) {
                if (c == 'f') {
                        format = optarg;
                } else if (c == 'h') {
                        printf("Usage:  berth image inspect [OPTIONS] IMAGE [IMAGE...]\n\n"
                               "Display detailed information on one or more images\n\n"
                               "Options:\n"
                               "  -f, --format string   Format output using a custom template\n");
                        return 0;
                } else {
                        return cli_bad_flag("image inspect", argv, c);
                }
        }
        if (optind >= argc)
                return cli_usage("image inspect",
                                 "\"image inspect\" requires at least 1 argument.");
        berth_error err = {0};
        berth_images *im = cli_images(cli, &err);
        if (im == NULL)
                return cli_error(&err);
        json_t *all = json_array();
        int rc = 0;
        for (int i = optind; i < argc; i++) {
                json_t *obj = berth_images_inspect(im, argv[i], &err);
                if (obj == NULL) {
                        rc = 1;
                        fprintf(stderr, "berth: %s\n", err.msg);
                        continue;
                }
                json_array_append_new(all, obj);
        }
        if (cli_print_inspect(all, format) != 0)
                rc = 1;
        json_decref(all);
        return rc;
}

int cmd_history(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {{"no-trunc", no_argument, NULL, 'n'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"human", required_argument, NULL, 'H'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        bool no_trunc = false, quiet = false;
        int c;
        while ((c = getopt_long(argc, argv, "qh", o, NULL)) != -1) {
                if (c == 'n')
                        no_trunc = true;
                else if (c == 'q')
                        quiet = true;
                else if (c == 'H')
                        ;
                else if (c == 'h') {
                        printf("Usage:  berth history [OPTIONS] IMAGE\n\n"
                               "Show the history of an image\n");
                        return 0;
                } else
                        return cli_usage("history", "unknown flag");
        }
        if (optind + 1 != argc)
                return cli_usage("history", "\"history\" requires exactly 1 argument.");
        berth_error err = {0};
        berth_images *im = cli_images(cli, &err);
        berth_history_entry *v = NULL;
        size_t n = 0;
        if (im == NULL || berth_images_history(im, argv[optind], &v, &n, &err) < 0)
                return cli_error(&err);
        cli_table *t = cli_table_new(5);
        const char *head[] = {"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"};
        cli_table_row(t, head);
        time_t now = time(NULL);
        for (size_t i = 0; i < n; i++) {
                char id[80] = "<missing>", created[64] = "N/A", size[32];
                if (v[i].has_id)
                        snprintf(id, sizeof(id), "%.*s", no_trunc ? 71 : 12,
                                 no_trunc ? v[i].id.s : berth_digest_hex(&v[i].id));
                if (quiet) {
                        printf("%s\n", id);
                        continue;
                }
                int64_t ts = berth_parse_rfc3339(v[i].created);
                if (ts >= 0) {
                        berth_human_duration(now - ts, created, sizeof(created) - 4);
                        strcat(created, " ago");
                }
                berth_human_size(v[i].size, size, sizeof(size));
                _cleanup_free_ char *by = berth_xstrdup(v[i].created_by);
                if (!no_trunc && strlen(by) > 45)
                        strcpy(by + 44, "…");
                const char *row[] = {id, created, by, size, v[i].comment};
                cli_table_row(t, row);
        }
        if (!quiet)
                cli_table_print(t);
        cli_table_free(t);
        berth_history_free(v, n);
        return 0;
}
