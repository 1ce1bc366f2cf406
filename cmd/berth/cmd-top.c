/* SPDX-License-Identifier: Apache-2.0 */
/* `top`, with docker's arguments, output and messages. */
#include "cli.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "engine/top.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_top(berth_cli *cli, int argc, char **argv)
{
        int r = cli_only_help("top", argc, argv,
                              "Usage:  berth top CONTAINER [ps OPTIONS]\n\n"
                              "Display the running processes of a container\n\n"
                              "Aliases:\n  berth container top, berth top\n");
        if (r >= 0)
                return r;
        if (optind >= argc)
                return cli_usage("top", "\"berth top\" requires at least 1 argument.");
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        berth_top t = {0};
        if (e == NULL || berth_engine_top(e, argv[optind], argv + optind + 1, &t, &err) < 0)
                return cli_error(&err);
        size_t ncols = berth_strv_length(t.titles);
        cli_table *tab = cli_table_new(ncols);
        cli_table_set_min_width(tab, 20); /* docker's top: tabwriter 20, 1, 3 */
        cli_table_row_strv(tab, t.titles);
        for (size_t i = 0; i < t.n; i++)
                cli_table_row_strv(tab, t.rows[i]);
        cli_table_print(tab);
        cli_table_free(tab);
        berth_top_clear(&t);
        return 0;
}

/* sortorder.NaturalLess: runs of digits compare as numbers, the rest bytewise. */
