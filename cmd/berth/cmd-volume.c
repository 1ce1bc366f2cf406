/* SPDX-License-Identifier: Apache-2.0 */
/* `volume create|ls|inspect|rm|prune`, with docker's flags, output and messages. */
#include "cli.h"
#include "engine/filters.h"
#include "engine/prune.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "base/units.h"
#include "format.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "k=v" into obj (k → v; "k" alone → ""); the key must not be empty. */
static bool put_kv(json_t *obj, const char *arg)
{
        const char *eq = strchr(arg, '=');
        _cleanup_free_ char *k = eq ? strndup(arg, (size_t)(eq - arg)) : berth_xstrdup(arg);
        if (*k == '\0')
                return false;
        json_object_set_new(obj, k, json_string(eq ? eq + 1 : ""));
        return true;
}

static int volume_create(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {
            {"driver", required_argument, NULL, 'd'}, {"label", required_argument, NULL, 'l'},
            {"opt", required_argument, NULL, 'o'},    {"name", required_argument, NULL, 'n'},
            {"help", no_argument, NULL, 'h'},         {0}};
        const char *driver = "local", *name = NULL;
        json_auto_t *labels = json_object();
        json_auto_t *opts = json_object();
        int c;
        while ((c = getopt_long(argc, argv, ":d:o:h", o, NULL)) != -1) {
                switch (c) {
                case 'd':
                        driver = optarg;
                        break;
                case 'l':
                        if (!put_kv(labels, optarg))
                                return cli_usage("volume create",
                                                 "invalid argument \"%s\" for \"--label\" flag: "
                                                 "invalid label '%s': empty name",
                                                 optarg, optarg);
                        break;
                case 'o':
                        if (!put_kv(opts, optarg))
                                return cli_usage("volume create",
                                                 "invalid argument \"%s\" for \"-o, --opt\" flag: "
                                                 "empty option name",
                                                 optarg);
                        break;
                case 'n':
                        name = optarg;
                        break;
                case 'h':
                        printf("Usage:  berth volume create [OPTIONS] [VOLUME]\n\n"
                               "Create a volume\n\n"
                               "Options:\n"
                               "  -d, --driver string   Specify volume driver name (default "
                               "\"local\")\n"
                               "      --label list      Set metadata for a volume\n"
                               "  -o, --opt map         Set driver specific options (default "
                               "map[])\n");
                        return 0;
                default:
                        return cli_bad_flag("volume create", argv, c);
                }
        }
        if (argc - optind > 1)
                return cli_usage("volume create", "\"volume create\" requires at most 1 argument.");
        if (optind < argc) {
                if (name && *name)
                        return cli_usage("volume create",
                                         "conflicting options: cannot specify a volume-name "
                                         "through both --name and as a positional arg");
                name = argv[optind];
        }
        berth_error err = {0};
        if (*driver != '\0' && strcmp(driver, "local") != 0) {
                if (name && *name)
                        berth_errx(&err, ENOENT,
                                   "create %s: error looking up volume plugin %s: plugin \"%s\" "
                                   "not found",
                                   name, driver, driver);
                else
                        berth_errx(&err, ENOENT,
                                   "error looking up volume plugin %s: plugin \"%s\" not found",
                                   driver, driver);
                return cli_error(&err);
        }
        berth_volumes *vs = cli_volumes(cli, &err);
        berth_volume v = {0};
        if (vs == NULL || berth_volume_create(vs, name, labels, opts, false, &v, NULL, &err) < 0)
                return cli_error(&err);
        printf("%s\n", v.name);
        berth_volume_clear(&v);
        return 0;
}

/* Docker's sort order for names (sortorder.NaturalLess): digit runs compare as numbers. */
static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static int natural_cmp(const char *a, const char *b)
{
        size_t i = 0, j = 0, la = strlen(a), lb = strlen(b);
        while (i < la && j < lb) {
                bool da = is_digit(a[i]), db = is_digit(b[j]);
                if (da != db)
                        return da ? -1 : 1;
                if (!da) {
                        if (a[i] != b[j])
                                return (unsigned char)a[i] < (unsigned char)b[j] ? -1 : 1;
                        i++;
                        j++;
                        continue;
                }
                size_t za = i, zb = j;
                while (za < la && a[za] == '0')
                        za++;
                while (zb < lb && b[zb] == '0')
                        zb++;
                size_t ea = za, eb = zb;
                while (ea < la && is_digit(a[ea]))
                        ea++;
                while (eb < lb && is_digit(b[eb]))
                        eb++;
                if (ea - za != eb - zb)
                        return ea - za < eb - zb ? -1 : 1;
                int c = strncmp(a + za, b + zb, ea - za);
                if (c != 0)
                        return c;
                if (za - i != zb - j) /* fewer leading zeros first */
                        return za - i < zb - j ? -1 : 1;
                i = ea;
                j = eb;
        }
        return la - i < lb - j ? -1 : la - i > lb - j ? 1 : 0;
}

static int cmp_volume(const void *a, const void *b)
{
        return natural_cmp(((const berth_volume *)a)->name, ((const berth_volume *)b)->name);
}

enum {
        F_NAME,
        F_DRIVER,
        F_SCOPE,
        F_MOUNTPOINT,
        F_LABELS,
        F_LINKS,
        F_SIZE,
        F_GROUP,
        F_AVAIL,
        F_STATUS,
        F_COUNT
};
static const cli_format_field volume_fields[F_COUNT] = {
    {"Name", "VOLUME NAME"},
    {"Driver", "DRIVER"},
    {"Scope", "SCOPE"},
    {"Mountpoint", "MOUNTPOINT"},
    {"Labels", "LABELS"},
    {"Links", "LINKS"},
    {"Size", "SIZE"},
    {"Group", "GROUP"},
    {"Availability", "AVAILABILITY"},
    {"Status", "STATUS"},
};

static int volume_ls(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {{"quiet", no_argument, NULL, 'q'},
                                          {"filter", required_argument, NULL, 'f'},
                                          {"format", required_argument, NULL, 'F'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        bool quiet = false;
        const char *format = NULL;
        _cleanup_filters_ berth_filters *filters = berth_filters_new();
        int c;
        while ((c = getopt_long(argc, argv, ":qf:h", o, NULL)) != -1) {
                switch (c) {
                case 'q':
                        quiet = true;
                        break;
                case 'f':
                        if (strchr(optarg, '=') == NULL)
                                return cli_usage("volume ls",
                                                 "invalid argument \"%s\" for \"-f, --filter\" "
                                                 "flag: bad format of filter (expected "
                                                 "name=value)",
                                                 optarg);
                        (void)berth_filters_add(filters, optarg, NULL);
                        break;
                case 'F':
                        format = optarg;
                        break;
                case 'h':
                        printf("Usage:  berth volume ls [OPTIONS]\n\n"
                               "List volumes\n\n"
                               "Aliases:\n"
                               "  ls, list\n\n"
                               "Options:\n"
                               "  -f, --filter filter   Provide filter values (e.g. "
                               "'dangling=true')\n"
                               "      --format string   Pretty-print volumes using a Go "
                               "template\n"
                               "  -q, --quiet           Only display volume names\n");
                        return 0;
                default:
                        return cli_bad_flag("volume ls", argv, c);
                }
        }
        if (optind < argc)
                return cli_usage("volume ls", "\"volume ls\" accepts no arguments.");
        /* As docker's NewVolumeFormat: "table" (or nothing) is the default table, or the
         * names with -q; "json" a JSON object a line; anything else a template. */
        if (format && (*format == '\0' || strcmp(format, "table") == 0))
                format = NULL;
        if (format && strcmp(format, "json") == 0)
                format = "{{json .}}";
        if (format == NULL)
                format = quiet ? "{{.Name}}" : "table {{.Driver}}\t{{.Name}}";
        berth_error err = {0};
        char msg[512];
        if (cli_format_check(format, volume_fields, F_COUNT, msg, sizeof(msg)) < 0) {
                berth_errx(&err, EINVAL, "%s", msg);
                return cli_error(&err);
        }
        if (berth_engine_volume_filters_check(filters, &err) < 0)
                return cli_error(&err);
        berth_volumes *vs = cli_volumes(cli, &err);
        berth_volume *v = NULL;
        size_t n = 0;
        if (vs == NULL || berth_volume_list(vs, &v, &n, &err) < 0)
                return cli_error(&err);
        if (n > 1)
                qsort(v, n, sizeof(*v), cmp_volume);
        cli_table *t = NULL;
        if (cli_format_is_table(format)) {
                _cleanup_free_ char *h = cli_format_header(format, volume_fields, F_COUNT);
                size_t ncols = 1;
                for (const char *p = h; *p; p++)
                        ncols += *p == '\t';
                t = cli_table_new(ncols);
                cli_table_add_line(t, h);
        }
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
                bool wanted;
                if (berth_engine_volume_matches(vs, filters, &v[i], &wanted, &err) < 0) {
                        rc = cli_error(&err);
                        break;
                }
                if (!wanted)
                        continue;
                _cleanup_free_ char *labels = cli_labels_text(v[i].labels);
                const char *vals[F_COUNT] = {v[i].name, "local", "local", v[i].mountpoint, labels,
                                             "N/A",     "N/A",   "N/A",   "N/A",           "N/A"};
                _cleanup_free_ char *line = cli_format_row(format, volume_fields, vals, F_COUNT);
                if (t)
                        cli_table_add_line(t, line);
                else
                        printf("%s\n", line);
        }
        if (t && rc == 0)
                cli_table_print(t);
        cli_table_free(t);
        berth_volumes_free(v, n);
        return rc;
}

static int volume_inspect(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {
            {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
        const char *format = NULL;
        int c;
        while ((c = getopt_long(argc, argv, ":f:h", o, NULL)) != -1) {
                if (c == 'f')
                        format = optarg;
                else if (c == 'h') {
                        printf("Usage:  berth volume inspect [OPTIONS] VOLUME [VOLUME...]\n\n"
                               "Display detailed information on one or more volumes\n\n"
                               "Options:\n"
                               "  -f, --format string   Format output using a custom template:\n"
                               "                        'json':             Print in JSON "
                               "format\n"
                               "                        'TEMPLATE':         Print output using "
                               "the given Go template\n");
                        return 0;
                } else
                        return cli_bad_flag("volume inspect", argv, c);
        }
        if (optind >= argc)
                return cli_usage("volume inspect",
                                 "\"volume inspect\" requires at least 1 argument.");
        if (format && (*format == '\0' || strcmp(format, "json") == 0))
                format = NULL;
        berth_error err = {0};
        berth_volumes *vs = cli_volumes(cli, &err);
        if (vs == NULL)
                return cli_error(&err);
        json_t *all = json_array();
        int rc = 0;
        for (int i = optind; i < argc; i++) {
                berth_volume v;
                if (berth_volume_get(vs, argv[i], &v, &err) < 0) {
                        rc = cli_error(&err);
                        continue;
                }
                json_array_append_new(all, berth_volume_json(&v));
                berth_volume_clear(&v);
        }
        if (cli_print_inspect(all, format) != 0)
                rc = 1;
        json_decref(all);
        return rc;
}

static int volume_rm(berth_cli *cli, int argc, char **argv)
{
        bool force;
        int done = cli_force_flag("volume rm", argc, argv,
                                  "Usage:  berth volume rm [OPTIONS] VOLUME [VOLUME...]\n\n"
                                  "Remove one or more volumes. You cannot remove a volume that is "
                                  "in use by a container.\n\n"
                                  "Aliases:\n"
                                  "  rm, remove\n\n"
                                  "Options:\n"
                                  "  -f, --force   Force the removal of one or more volumes\n",
                                  &force);
        if (done >= 0)
                return done;
        if (optind >= argc)
                return cli_usage("volume rm", "\"volume rm\" requires at least 1 argument.");
        berth_error err = {0};
        berth_volumes *vs = cli_volumes(cli, &err);
        if (vs == NULL)
                return cli_error(&err);
        int rc = 0;
        for (int i = optind; i < argc; i++) {
                if (berth_volume_remove(vs, argv[i], force, &err) < 0) {
                        rc = cli_error(&err);
                        continue;
                }
                printf("%s\n", argv[i]);
        }
        return rc;
}

static int volume_prune(berth_cli *cli, int argc, char **argv)
{
        _cleanup_(cli_prune_opts_clear) cli_prune_opts po = {0};
        int rc = cli_prune_flags("volume prune",
                                 "Usage:  berth volume prune [OPTIONS]\n\n"
                                 "Remove unused local volumes\n\n"
                                 "Options:\n"
                                 "  -a, --all             Remove all unused volumes, not just "
                                 "anonymous ones\n"
                                 "      --filter filter   Provide filter values (e.g. "
                                 "\"label=<label>\")\n"
                                 "  -f, --force           Do not prompt for confirmation\n",
                                 CLI_PRUNE_ALL, argc, argv, &po);
        if (rc >= 0)
                return rc;
        char **filters = po.filters;
        bool all = po.all, force = po.force;
        /* "all" is a filter too (the API's way to say -a); the rest goes to the library,
         * checked before anyone is asked anything. */
        berth_error err = {0};
        _cleanup_filters_ berth_filters *pf = berth_filters_new();
        bool all_filter = false;
        STRV_FOREACH (f, filters) {
                if (berth_str_has_prefix(*f, "all=")) {
                        const char *v = *f + 4;
                        bool t = strcmp(v, "1") == 0 || strcmp(v, "true") == 0,
                             fl = strcmp(v, "0") == 0 || strcmp(v, "false") == 0;
                        if (!t && !fl) {
                                berth_errx(&err, EINVAL, "invalid filter 'all=%s'", v);
                                return cli_error(&err);
                        }
                        if (all_filter) {
                                berth_errx(&err, EINVAL,
                                           "invalid filter 'all': only one value is expected");
                                return cli_error(&err);
                        }
                        all_filter = true;
                        if (all)
                                return cli_usage("volume prune",
                                                 "conflicting options: cannot specify both "
                                                 "--all and --filter all=1");
                        all = t;
                } else if (berth_filters_add(pf, *f, &err) < 0) {
                        return cli_error(&err);
                }
        }
        static const char *const keys[] = {"label", "label!", NULL};
        if (berth_filters_check(pf, keys, &err) < 0)
                return cli_error(&err);
        const char *warning =
            all ? "WARNING! This will remove all local volumes not used by at least one "
                  "container."
                : "WARNING! This will remove anonymous local volumes not used by at least one "
                  "container.";
        if (!force && !cli_confirm(warning)) {
                fprintf(stderr, "berth: volume prune has been cancelled\n");
                return 1;
        }
        berth_volumes *vs = cli_volumes(cli, &err);
        _cleanup_strv_ char **names = NULL;
        uint64_t freed = 0;
        if (vs == NULL || berth_prune_volumes(vs, all, pf, &names, &freed, &err) < 0)
                return cli_error(&err);
        if (berth_strv_length(names) > 0) {
                printf("Deleted Volumes:\n");
                STRV_FOREACH (n, names)
                        printf("%s\n", *n);
                printf("\n");
        } else {
                freed = 0;
        }
        char size[32];
        berth_human_size((int64_t)freed, size, sizeof(size));
        printf("Total reclaimed space: %s\n", size);
        return 0;
}

int cmd_volume(berth_cli *cli, int argc, char **argv)
{
        static const cli_sub subs[] = {{"create", volume_create}, {"ls", volume_ls},
                                       {"list", volume_ls},       {"inspect", volume_inspect},
                                       {"rm", volume_rm},         {"remove", volume_rm},
                                       {"prune", volume_prune}};
        return cli_group_run(cli, "volume",
                             "Usage:  berth volume COMMAND\n\n"
                             "Manage volumes\n\n"
                             "Commands:\n"
                             "  create      Create a volume\n"
                             "  inspect     Display detailed information on one or more volumes\n"
                             "  ls          List volumes\n"
                             "  prune       Remove unused local volumes\n"
                             "  rm          Remove one or more volumes\n\n"
                             "Run 'berth volume COMMAND --help' for more information on a "
                             "command.\n",
                             subs, ARRAY_SIZE(subs), argc, argv);
}
