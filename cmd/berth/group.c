/* SPDX-License-Identifier: Apache-2.0 */
/* The commands that group others (volume, system, builder): usage, dispatch, docker's errors. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cli_group_run(berth_cli *cli, const char *group, const char *usage, const cli_sub *subs,
                  size_t n, int argc, char **argv)
{
        if (argc < 2) {
                fputs(usage, stderr);
                return 125;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
            strcmp(argv[1], "help") == 0) {
                fputs(usage, stdout);
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                if (strcmp(argv[1], subs[i].name) == 0) {
                        optind = 0; /* the subcommand's option string read afresh (main.c) */
                        opterr = 0; /* cli_bad_flag() says it, once */
                        return subs[i].fn(cli, argc - 1, argv + 1);
                }
        fprintf(stderr, "berth: '%s %s' is not a berth command.\nSee 'berth %s --help'\n", group,
                argv[1], group);
        return 125;
}
