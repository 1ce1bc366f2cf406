/* SPDX-License-Identifier: Apache-2.0 */
/* `inspect` (containers, then images) and `container inspect`. */
#include "cli.h"
#include "format.h"
#include "base/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_print_inspect(json_t *all, const char *format)
{
        if (format == NULL) {
                char *s = json_dumps(all, JSON_INDENT(4));
                printf("%s\n", s);
                free(s);
                return 0;
        }
        size_t i;
        json_t *o;
        json_array_foreach (all, i, o) {
                char msg[512];
                char *s = cli_format_json(format, o, msg, sizeof(msg));
                if (s == NULL) {
                        fprintf(stderr, "berth: %s\n", msg);
                        return 1;
                }
                printf("%s\n", s);
                free(s);
        }
        return 0;
}

static int inspect(berth_cli *cli, int argc, char **argv, const char *only)
{
        static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                             {"type", required_argument, NULL, 't'},
                                             {"size", no_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {0}};
        const char *format = NULL, *type = only;
        bool size = false;
        int ch;
        while ((ch = getopt_long(argc, argv, "f:s", opts, NULL)) != -1) {
                switch (ch) {
                case 'f':
                        format = optarg;
                        break;
                case 't':
                        type = optarg;
                        break;
                case 's':
                        size = true;
                        break;
                case 'h':
                        printf("Usage:  berth inspect [OPTIONS] NAME|ID [NAME|ID...]\n\n"
                               "Return low-level information on Docker objects\n\nOptions:\n"
                               "  -f, --format string   Format the output using the given Go "
                               "template\n  -s, --size            Display total file sizes if "
                               "the type is container\n      --type string     Return JSON for "
                               "specified type\n");
                        return 0;
                default:
                        return cli_usage(argv[0], "unknown flag");
                }
        }
        if (type && strcmp(type, "container") != 0 && strcmp(type, "image") != 0 &&
            strcmp(type, "volume") != 0)
                return cli_usage(argv[0], "\"%s\" is not a valid value for --type", type);
        if (optind >= argc)
                return cli_usage(argv[0], "\"berth inspect\" requires at least 1 argument.");
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL)
                return cli_error(&err);
        json_t *all = json_array();
        int rc = 0;
        for (int i = optind; i < argc; i++) {
                json_t *o = NULL;
                if (type == NULL || strcmp(type, "container") == 0)
                        o = berth_engine_inspect(e, argv[i], &err);
                if (o && size)
                        berth_engine_inspect_add_size(e, o);
                if (o == NULL && (type == NULL || strcmp(type, "image") == 0))
                        o = berth_images_inspect(berth_engine_images(e), argv[i], &err);
                if (o == NULL && type && strcmp(type, "volume") == 0) {
                        berth_volume v;
                        if (berth_volume_get(berth_engine_volumes(e), argv[i], &v, &err) == 0) {
                                o = berth_volume_json(&v);
                                berth_volume_clear(&v);
                        }
                }
                if (o == NULL) {
                        fprintf(stderr, "berth: Error: No such %s: %s\n", type ? type : "object",
                                argv[i]);
                        rc = 1;
                        continue;
                }
                json_array_append_new(all, o);
        }
        if (cli_print_inspect(all, format) != 0)
                rc = 1;
        json_decref(all);
        return rc;
}

int cmd_inspect(berth_cli *cli, int argc, char **argv)
{
        return inspect(cli, argc, argv, NULL);
}

int cmd_container_inspect(berth_cli *cli, int argc, char **argv)
{
        return inspect(cli, argc, argv, "container");
}
