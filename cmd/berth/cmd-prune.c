/* SPDX-License-Identifier: Apache-2.0 */
/* `container prune`, `image prune`, `system prune` and `builder prune`, with docker's flags,
 * prompts and output. */
#include "cli.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "base/units.h"
#include "engine/prune.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --filter: docker's flag wants name=value; what the names mean is the engine's to say. */
static int add_filter(const char *cmd, char ***filters, const char *arg)
{
        if (strchr(arg, '=') == NULL)
                return cli_usage(cmd,
                                 "invalid argument \"%s\" for \"--filter\" flag: bad format of "
                                 "filter (expected name=value)",
                                 arg);
        berth_strv_push(filters, arg);
        return 0;
}

int cli_prune_flags(const char *cmd, const char *help, unsigned accepts, int argc, char **argv,
                    cli_prune_opts *ret)
{
        static const struct option o[] = {
            {"all", no_argument, NULL, 'a'},          {"force", no_argument, NULL, 'f'},
            {"filter", required_argument, NULL, 'F'}, {"volumes", no_argument, NULL, 'V'},
            {"help", no_argument, NULL, 'h'},         {0}};
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":afh", o, NULL)) != -1) {
                /* a flag this prune does not take is unknown, as getopt would say */
                if ((c == 'a' && !(accepts & CLI_PRUNE_ALL)) ||
                    (c == 'V' && !(accepts & CLI_PRUNE_VOLUMES))) {
                        const char *arg = argv[optind - 1];
                        optopt = arg[0] == '-' && arg[1] == '-' ? 0 : c;
                        c = '?';
                }
                switch (c) {
                case 'a':
                        ret->all = true;
                        break;
                case 'f':
                        ret->force = true;
                        break;
                case 'V':
                        ret->volumes = true;
                        break;
                case 'F':
                        if (add_filter(cmd, &ret->filters, optarg) != 0)
                                return 125;
                        break;
                case 'h':
                        fputs(help, stdout);
                        return 0;
                default:
                        return cli_bad_flag(cmd, argv, c);
                }
        }
        if (optind < argc)
                return cli_usage(cmd, "\"berth %s\" accepts no arguments.", cmd);
        return -1;
}

static void print_total(uint64_t bytes)
{
        char size[32];
        berth_human_size_prec((double)bytes, 4, size, sizeof(size));
        printf("Total reclaimed space: %s\n", size);
}

/* "Deleted X:\n" and the lines, then a blank line; nothing when there are none. */
static void print_section(const char *title, char **lines)
{
        if (berth_strv_length(lines) == 0)
                return;
        printf("%s:\n", title);
        STRV_FOREACH (l, lines)
                printf("%s\n", *l);
        printf("\n");
}

int cmd_image_prune(berth_cli *cli, int argc, char **argv)
{
        _cleanup_(cli_prune_opts_clear) cli_prune_opts po = {0};
        int rc = cli_prune_flags(
            "image prune",
            "Usage:  berth image prune [OPTIONS]\n\n"
            "Remove unused images\n\n"
            "Options:\n"
            "  -a, --all             Remove all unused images, not just dangling ones\n"
            "      --filter filter   Provide filter values (e.g. \"until=<timestamp>\")\n"
            "  -f, --force           Do not prompt for confirmation\n",
            CLI_PRUNE_ALL, argc, argv, &po);
        if (rc >= 0)
                return rc;
        char **filters = po.filters;
        bool all = po.all, force = po.force;
        berth_error err = {0};
        berth_prune_filters f = {0};
        /* filters are checked before anyone is asked anything */
        if (berth_prune_filters_parse(filters, &f, &err) < 0)
                return cli_error(&err);
        const char *warning = all ? "WARNING! This will remove all images without at least one "
                                    "container associated to them."
                                  : "WARNING! This will remove all dangling images.";
        if (!force && !cli_confirm(warning)) {
                berth_prune_filters_clear(&f);
                fprintf(stderr, "berth: image prune has been cancelled\n");
                return 1;
        }
        berth_engine *e = cli_engine(cli, &err);
        _cleanup_strv_ char **report = NULL;
        uint64_t reclaimed = 0;
        int r =
            e ? berth_engine_prune_images(e, all, filters ? &f : NULL, &report, &reclaimed, &err)
              : -1;
        berth_prune_filters_clear(&f);
        if (r < 0)
                return cli_error(&err);
        print_section("Deleted Images", report);
        print_total(reclaimed);
        return 0;
}

int cmd_container_prune(berth_cli *cli, int argc, char **argv)
{
        _cleanup_(cli_prune_opts_clear) cli_prune_opts po = {0};
        int rc = cli_prune_flags("container prune",
                                 "Usage:  berth container prune [OPTIONS]\n\n"
                                 "Remove all stopped containers\n\n"
                                 "Options:\n"
                                 "      --filter filter   Provide filter values (e.g. "
                                 "\"until=<timestamp>\")\n"
                                 "  -f, --force           Do not prompt for confirmation\n",
                                 0, argc, argv, &po);
        if (rc >= 0)
                return rc;
        char **filters = po.filters;
        bool force = po.force;
        berth_error err = {0};
        berth_prune_filters f = {0};
        /* filters are checked before anyone is asked anything */
        if (berth_prune_filters_parse(filters, &f, &err) < 0)
                return cli_error(&err);
        if (!force && !cli_confirm("WARNING! This will remove all stopped containers.")) {
                berth_prune_filters_clear(&f);
                fprintf(stderr, "berth: container prune has been cancelled\n");
                return 1;
        }
        berth_engine *e = cli_engine(cli, &err);
        _cleanup_strv_ char **ids = NULL;
        uint64_t reclaimed = 0;
        int r = e ? berth_engine_prune_containers(e, &f, &ids, &reclaimed, &err) : -1;
        berth_prune_filters_clear(&f);
        if (r < 0)
                return cli_error(&err);
        print_section("Deleted Containers", ids);
        print_total(berth_strv_length(ids) ? reclaimed : 0);
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* docker's confirmation: what goes, then the filters, if any. */
static char *system_warning(bool all, bool volumes, char **filters)
{
        char *w = berth_xstrdup("WARNING! This will remove:\n  - all stopped containers\n"
                                "  - all networks not used by at least one container\n");
        char *n;
        if (volumes) {
                n = berth_xasprintf("%s  - all anonymous volumes not used by at least one "
                                    "container\n",
                                    w);
                free(w);
                w = n;
        }
        n = berth_xasprintf("%s  - %s\n  - %s\n", w,
                            all ? "all images without at least one container associated to them"
                                : "all dangling images",
                            all ? "all build cache" : "all dangling build cache");
        free(w);
        w = n;
        if (berth_strv_length(filters) > 0) {
                _cleanup_strv_ char **sorted = berth_strv_dup(filters);
                qsort(sorted, berth_strv_length(sorted), sizeof(char *), cmp_str);
                n = berth_xasprintf("%s\n  Items to be pruned will be filtered with:\n", w);
                free(w);
                w = n;
                STRV_FOREACH (f, sorted) {
                        n = berth_xasprintf("%s  - %s\n", w, *f);
                        free(w);
                        w = n;
                }
        }
        return w;
}

int cmd_system_prune(berth_cli *cli, int argc, char **argv)
{
        _cleanup_(cli_prune_opts_clear) cli_prune_opts po = {0};
        int rc = cli_prune_flags("system prune",
                                 "Usage:  berth system prune [OPTIONS]\n\n"
                                 "Remove unused data\n\n"
                                 "Options:\n"
                                 "  -a, --all             Remove all unused images not just "
                                 "dangling ones\n"
                                 "      --filter filter   Provide filter values (e.g. "
                                 "\"label=<key>=<value>\")\n"
                                 "  -f, --force           Do not prompt for confirmation\n"
                                 "      --volumes         Prune anonymous volumes\n",
                                 CLI_PRUNE_ALL | CLI_PRUNE_VOLUMES, argc, argv, &po);
        if (rc >= 0)
                return rc;
        char **filters = po.filters;
        bool all = po.all, force = po.force, volumes = po.volumes;
        berth_error err = {0};
        berth_prune_filters f = {0};
        if (berth_prune_filters_parse(filters, &f, &err) < 0)
                return cli_error(&err);
        if (volumes && f.has_until) {
                berth_prune_filters_clear(&f);
                fprintf(stderr, "berth: ERROR: The \"until\" filter is not supported with "
                                "\"--volumes\"\n");
                return 1;
        }
        if (!force) {
                _cleanup_free_ char *w = system_warning(all, volumes, filters);
                if (!cli_confirm(w)) {
                        berth_prune_filters_clear(&f);
                        fprintf(stderr, "berth: system prune has been cancelled\n");
                        return 1;
                }
        }
        berth_engine *e = cli_engine(cli, &err);
        berth_system_prune_report rep = {0};
        int r = e ? berth_engine_prune_system(e, all, volumes, &f, &rep, &err) : -1;
        berth_prune_filters_clear(&f);
        if (r < 0)
                return cli_error(&err);
        print_section("Deleted Containers", rep.containers);
        print_section("Deleted Networks", rep.networks);
        print_section("Deleted Volumes", rep.volumes);
        print_section("Deleted Images", rep.images);
        print_section("Deleted build cache objects", rep.build_cache);
        print_total(rep.reclaimed);
        berth_system_prune_report_clear(&rep);
        return 0;
}

int cmd_builder_prune(berth_cli *cli, int argc, char **argv)
{
        _cleanup_(cli_prune_opts_clear) cli_prune_opts po = {0};
        int rc = cli_prune_flags("builder prune",
                                 "Usage:  berth builder prune [OPTIONS]\n\n"
                                 "Remove build cache\n\n"
                                 "Options:\n"
                                 "  -a, --all             Remove all unused build cache, not just "
                                 "dangling ones\n"
                                 "  -f, --force           Do not prompt for confirmation\n",
                                 CLI_PRUNE_ALL, argc, argv, &po);
        if (rc >= 0)
                return rc;
        if (berth_strv_length(po.filters) > 0)
                return cli_usage("builder prune",
                                 "filters are not supported by berth's build cache");
        if (!po.force &&
            !cli_confirm(po.all ? "WARNING! This will remove all build cache.\n"
                                : "WARNING! This will remove all dangling build cache.\n")) {
                fprintf(stderr, "berth: builder prune has been cancelled\n");
                return 1;
        }
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        _cleanup_strv_ char **ids = NULL;
        uint64_t reclaimed = 0;
        if (e == NULL || berth_engine_prune_build_cache(e, &ids, &reclaimed, &err) < 0)
                return cli_error(&err);
        print_section("Deleted build cache objects", ids);
        print_total(reclaimed);
        return 0;
}

int cmd_builder(berth_cli *cli, int argc, char **argv)
{
        static const cli_sub subs[] = {{"build", cmd_build}, {"prune", cmd_builder_prune}};
        return cli_group_run(cli, "builder",
                             "Usage:  berth builder COMMAND\n\n"
                             "Manage builds\n\n"
                             "Commands:\n"
                             "  build   Build an image from a Dockerfile\n"
                             "  prune   Remove build cache\n",
                             subs, ARRAY_SIZE(subs), argc, argv);
}
