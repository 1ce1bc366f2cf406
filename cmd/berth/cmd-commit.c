/* SPDX-License-Identifier: Apache-2.0 */
/* `berth diff` and `berth commit`: a container's changes, listed or made an image. */
#include "cli.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "engine/commit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_diff(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int c;
        while ((c = getopt_long(argc, argv, "h", o, NULL)) != -1) {
                if (c == 'h') {
                        printf("Usage:  berth diff CONTAINER\n\n"
                               "Inspect changes to files or directories on a container's "
                               "filesystem\n");
                        return 0;
                }
                return cli_usage("diff", "unknown flag");
        }
        if (argc - optind != 1)
                return cli_usage("diff", "\"diff\" requires exactly 1 argument.");
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        berth_change *v = NULL;
        size_t n = 0;
        if (e == NULL || berth_engine_diff(e, argv[optind], &v, &n, &err) < 0)
                return cli_error(&err);
        for (size_t i = 0; i < n; i++)
                printf("%c %s\n", v[i].kind, v[i].path);
        berth_changes_free(v, n);
        return 0;
}

static int parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
        static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
        for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
                if (strcmp(s, yes[i]) == 0)
                        return *ret = true, 0;
        for (size_t i = 0; i < ARRAY_SIZE(no); i++)
                if (strcmp(s, no[i]) == 0)
                        return *ret = false, 0;
        return -EINVAL;
}

int cmd_commit(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {
            {"author", required_argument, NULL, 'a'},  {"change", required_argument, NULL, 'c'},
            {"message", required_argument, NULL, 'm'}, {"pause", optional_argument, NULL, 'p'},
            {"help", no_argument, NULL, 'h'},          {0}};
        _cleanup_strv_ char **changes = NULL;
        berth_commit_opts co = {.pause = true};
        int c;
        while ((c = getopt_long(argc, argv, "+a:c:m:ph", o, NULL)) != -1) {
                switch (c) {
                case 'a':
                        co.author = optarg;
                        break;
                case 'c':
                        berth_strv_push(&changes, optarg);
                        break;
                case 'm':
                        co.message = optarg;
                        break;
                case 'p':
                        if (optarg == NULL)
                                co.pause = true;
                        else if (parse_bool(optarg, &co.pause) < 0)
                                return cli_usage("commit",
                                                 "invalid argument \"%s\" for \"-p, --pause\" "
                                                 "flag: strconv.ParseBool: parsing \"%s\": invalid "
                                                 "syntax",
                                                 optarg, optarg);
                        break;
                case 'h':
                        printf("Usage:  berth commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n\n"
                               "Create a new image from a container's changes\n\n"
                               "Options:\n"
                               "  -a, --author string    Author (e.g., \"John Hannibal Smith "
                               "<hannibal@a-team.com>\")\n"
                               "  -c, --change list      Apply Dockerfile instruction to the "
                               "created image\n"
                               "  -m, --message string   Commit message\n"
                               "  -p, --pause            Pause container during commit "
                               "(default true)\n");
                        return 0;
                default:
                        return cli_usage("commit", "unknown flag");
                }
        }
        if (argc - optind < 1 || argc - optind > 2)
                return cli_usage("commit", "\"commit\" requires at least 1 and at most 2 "
                                           "arguments.");
        co.changes = changes;
        co.tag = argc - optind == 2 ? argv[optind + 1] : NULL;
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        berth_digest id;
        if (e == NULL || berth_engine_commit(e, argv[optind], &co, &id, &err) < 0)
                return cli_error(&err);
        printf("%s\n", id.s);
        return 0;
}
