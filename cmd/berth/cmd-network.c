/* SPDX-License-Identifier: Apache-2.0 */
/* `network create|ls|inspect|rm|prune`, with docker's flags, output and messages. */
#include "cli.h"
#include "engine/filters.h"
#include "engine/network.h"
#include "base/cleanup.h"
#include "base/cleanup-json.h"
#include "base/strutil.h"
#include "format.h"
#include "net/ipam.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "k=v" into obj; -1 (after docker's message) without '='. */
static int put_kv(const char *cmd, const char *flag, json_t *obj, const char *arg)
{
        const char *eq = strchr(arg, '=');
        if (eq == NULL || eq == arg)
                return cli_usage(cmd,
                                 "invalid argument \"%s\" for \"%s\" flag: bad format "
                                 "(expected key=value)",
                                 arg, flag);
        _cleanup_free_ char *k = strndup(arg, (size_t)(eq - arg));
        json_object_set_new(obj, k, json_string(eq + 1));
        return 0;
}

/* The subnet of subnets (a "…/n" each) that holds what (an address or a range), as docker's
 * CLI matches --gateway, --ip-range and --aux-address to a --subnet; -1 when none does. */
static ssize_t subnet_for(char **subnets, const char *what, bool range)
{
        berth_error ignore = {0};
        for (size_t i = 0; subnets && subnets[i]; i++) {
                berth_prefix s;
                if (berth_prefix_parse(subnets[i], &s, &ignore) < 0)
                        return -1; /* the engine says what is wrong with it */
                if (range) {
                        berth_prefix r;
                        if (berth_prefix_parse(what, &r, &ignore) == 0 && r.len >= s.len &&
                            berth_prefix_overlaps(&r, &s))
                                return (ssize_t)i;
                } else {
                        berth_ip ip;
                        if (berth_ip_parse(what, &ip, &ignore) == 0 &&
                            berth_prefix_contains(&s, &ip))
                                return (ssize_t)i;
                }
        }
        return -1;
}

/* docker's consolidateIpam: one IPAM.Config entry per --subnet, with the --gateway,
 * --ip-range and --aux-address that fall in it. */
static int ipam_config(char **subnets, char **gateways, char **ranges, json_t *aux, json_t **ret,
                       berth_error *err)
{
        if (berth_strv_length(subnets) == 0 &&
            (berth_strv_length(gateways) || berth_strv_length(ranges) || json_object_size(aux)))
                return berth_errx(err, EINVAL,
                                  "every ip-range or gateway must have a corresponding subnet");
        _cleanup_json_ json_t *cfg = json_array();
        STRV_FOREACH (s, subnets)
                json_array_append_new(cfg, json_pack("{s:s}", "Subnet", *s));
        struct {
                char **v;
                const char *key, *what;
                bool range;
        } parts[] = {{gateways, "Gateway", "gateway", false}, {ranges, "IPRange", "range", true}};
        for (size_t p = 0; p < ARRAY_SIZE(parts); p++)
                STRV_FOREACH (g, parts[p].v) {
                        ssize_t i = subnet_for(subnets, *g, parts[p].range);
                        if (i < 0)
                                return berth_errx(err, EINVAL, "no matching subnet for %s %s",
                                                  parts[p].what, *g);
                        json_t *entry = json_array_get(cfg, (size_t)i);
                        const char *had = json_string_value(json_object_get(entry, parts[p].key));
                        if (had)
                                return berth_errx(err, EINVAL,
                                                  "cannot configure multiple %ss (%s, %s) for the "
                                                  "same subnet (%s)",
                                                  parts[p].what, had, *g, subnets[i]);
                        json_object_set_new(entry, parts[p].key, json_string(*g));
                }
        const char *k;
        json_t *v;
        json_object_foreach (aux, k, v) {
                ssize_t i = subnet_for(subnets, json_string_value(v), false);
                if (i < 0)
                        return berth_errx(err, EINVAL, "no matching subnet for aux-address %s",
                                          json_string_value(v));
                json_t *entry = json_array_get(cfg, (size_t)i);
                json_t *a = json_object_get(entry, "AuxiliaryAddresses");
                if (a == NULL)
                        json_object_set_new(entry, "AuxiliaryAddresses", a = json_object());
                json_object_set(a, k, v);
        }
        *ret = json_incref(cfg);
        return 0;
}

static int network_create(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {{"driver", required_argument, NULL, 'd'},
                                          {"subnet", required_argument, NULL, 'S'},
                                          {"gateway", required_argument, NULL, 'G'},
                                          {"ip-range", required_argument, NULL, 'R'},
                                          {"aux-address", required_argument, NULL, 'A'},
                                          {"internal", no_argument, NULL, 'I'},
                                          {"ipv6", no_argument, NULL, '6'},
                                          {"attachable", no_argument, NULL, 'T'},
                                          {"opt", required_argument, NULL, 'o'},
                                          {"label", required_argument, NULL, 'L'},
                                          {"ipam-driver", required_argument, NULL, 'D'},
                                          {"ipam-opt", required_argument, NULL, 'P'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        const char *cmd = "network create";
        _cleanup_json_ json_t *body = json_object(), *opts = json_object(), *labels = json_object(),
                              *aux = json_object(), *ipam_opts = json_object();
        _cleanup_strv_ char **subnets = NULL, **gateways = NULL, **ranges = NULL;
        const char *driver = "bridge", *ipam_driver = "default";
        int c;
        while ((c = getopt_long(argc, argv, ":d:o:h", o, NULL)) != -1) {
                switch (c) {
                case 'd':
                        driver = optarg;
                        break;
                case 'S':
                        berth_strv_push(&subnets, optarg);
                        break;
                case 'G':
                        berth_strv_push(&gateways, optarg);
                        break;
                case 'R':
                        berth_strv_push(&ranges, optarg);
                        break;
                case 'A':
                        if (put_kv(cmd, "--aux-address", aux, optarg) != 0)
                                return 125;
                        break;
                case 'I':
                        json_object_set_new(body, "Internal", json_true());
                        break;
                case '6':
                        json_object_set_new(body, "EnableIPv6", json_true());
                        break;
                case 'T':
                        json_object_set_new(body, "Attachable", json_true());
                        break;
                case 'o':
                        if (put_kv(cmd, "-o, --opt", opts, optarg) != 0)
                                return 125;
                        break;
                case 'L':
                        if (strchr(optarg, '=') == NULL)
                                json_object_set_new(labels, optarg, json_string(""));
                        else if (put_kv(cmd, "--label", labels, optarg) != 0)
                                return 125;
                        break;
                case 'D':
                        ipam_driver = optarg;
                        break;
                case 'P':
                        if (put_kv(cmd, "--ipam-opt", ipam_opts, optarg) != 0)
                                return 125;
                        break;
                case 'h':
                        printf("Usage:  berth network create [OPTIONS] NETWORK\n\n"
                               "Create a network\n\n"
                               "Options:\n"
                               "      --attachable           Enable manual container attachment\n"
                               "      --aux-address map      Auxiliary IPv4 or IPv6 addresses "
                               "used by Network driver (default map[])\n"
                               "  -d, --driver string        Driver to manage the Network "
                               "(default \"bridge\")\n"
                               "      --gateway strings      IPv4 or IPv6 Gateway for the master "
                               "subnet\n"
                               "      --internal             Restrict external access to the "
                               "network\n"
                               "      --ip-range strings     Allocate container ip from a "
                               "sub-range\n"
                               "      --ipam-driver string   IP Address Management Driver "
                               "(default \"default\")\n"
                               "      --ipam-opt map         Set IPAM driver specific options "
                               "(default map[])\n"
                               "      --ipv6                 Enable IPv6 networking\n"
                               "      --label list           Set metadata on a network\n"
                               "  -o, --opt map              Set driver specific options (default "
                               "map[])\n"
                               "      --subnet strings       Subnet in CIDR format that represents "
                               "a network segment\n");
                        return 0;
                default:
                        return cli_bad_flag(cmd, argv, c);
                }
        }
        if (argc - optind != 1)
                return cli_usage(cmd, "\"network create\" requires exactly 1 argument.");
        json_t *cfg = NULL;
        berth_error err = {0};
        if (ipam_config(subnets, gateways, ranges, aux, &cfg, &err) < 0)
                return cli_error(&err);
        json_object_set_new(body, "Name", json_string(argv[optind]));
        json_object_set_new(body, "Driver", json_string(driver));
        json_object_set_new(body, "IPAM",
                            json_pack("{s:s, s:o, s:O}", "Driver", ipam_driver, "Config", cfg,
                                      "Options", ipam_opts));
        json_object_set(body, "Options", opts);
        json_object_set(body, "Labels", labels);
        berth_engine *e = cli_engine(cli, &err);
        _cleanup_free_ char *id = NULL;
        if (e == NULL || berth_engine_network_create(e, body, &id, &err) < 0)
                return cli_error(&err);
        printf("%s\n", id);
        return 0;
}

enum { N_ID, N_NAME, N_DRIVER, N_SCOPE, N_IPV6, N_INTERNAL, N_LABELS, N_CREATED, N_COUNT };
static const cli_format_field network_fields[N_COUNT] = {
    {"ID", "NETWORK ID"}, {"Name", "NAME"},
    {"Driver", "DRIVER"}, {"Scope", "SCOPE"},
    {"IPv6", "IPV6"},     {"Internal", "INTERNAL"},
    {"Labels", "LABELS"}, {"CreatedAt", "CREATED AT"},
};

static int network_ls(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {
            {"quiet", no_argument, NULL, 'q'},        {"no-trunc", no_argument, NULL, 'T'},
            {"filter", required_argument, NULL, 'f'}, {"format", required_argument, NULL, 'F'},
            {"help", no_argument, NULL, 'h'},         {0}};
        const char *cmd = "network ls";
        bool quiet = false, no_trunc = false;
        const char *format = NULL;
        _cleanup_filters_ berth_filters *filters = berth_filters_new();
        berth_error err = {0};
        int c;
        while ((c = getopt_long(argc, argv, ":qf:h", o, NULL)) != -1) {
                switch (c) {
                case 'q':
                        quiet = true;
                        break;
                case 'T':
                        no_trunc = true;
                        break;
                case 'f':
                        if (berth_filters_add(filters, optarg, &err) < 0)
                                return cli_usage(cmd,
                                                 "invalid argument \"%s\" for \"-f, --filter\" "
                                                 "flag: bad format of filter (expected "
                                                 "name=value)",
                                                 optarg);
                        break;
                case 'F':
                        format = optarg;
                        break;
                case 'h':
                        printf("Usage:  berth network ls [OPTIONS]\n\n"
                               "List networks\n\n"
                               "Aliases:\n"
                               "  ls, list\n\n"
                               "Options:\n"
                               "  -f, --filter filter   Provide filter values (e.g. "
                               "'driver=bridge')\n"
                               "      --format string   Pretty-print networks using a Go "
                               "template\n"
                               "      --no-trunc        Do not truncate the output\n"
                               "  -q, --quiet           Only display network IDs\n");
                        return 0;
                default:
                        return cli_bad_flag(cmd, argv, c);
                }
        }
        if (optind < argc)
                return cli_usage(cmd, "\"network ls\" accepts no arguments.");
        if (format && (*format == '\0' || strcmp(format, "table") == 0))
                format = NULL;
        if (format && strcmp(format, "json") == 0)
                format = "{{json .}}";
        if (format == NULL)
                format = quiet ? "{{.ID}}" : "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
        char msg[512];
        if (cli_format_check(format, network_fields, N_COUNT, msg, sizeof(msg)) < 0) {
                berth_errx(&err, EINVAL, "%s", msg);
                return cli_error(&err);
        }
        berth_engine *e = cli_engine(cli, &err);
        _cleanup_json_ json_t *list = NULL;
        if (e == NULL || berth_engine_network_list(e, filters, &list, &err) < 0)
                return cli_error(&err);
        cli_table *t = NULL;
        if (cli_format_is_table(format)) {
                _cleanup_free_ char *h = cli_format_header(format, network_fields, N_COUNT);
                t = cli_table_from_line(h);
        }
        size_t i;
        json_t *n;
        json_array_foreach (list, i, n) {
                const char *id = json_string_value(json_object_get(n, "Id"));
                _cleanup_free_ char *sid = strndup(id, no_trunc ? 64 : 12);
                _cleanup_free_ char *labels = cli_labels_text(json_object_get(n, "Labels"));
                const char *vals[N_COUNT] = {
                    sid,
                    json_string_value(json_object_get(n, "Name")),
                    json_string_value(json_object_get(n, "Driver")),
                    "local",
                    json_is_true(json_object_get(n, "EnableIPv6")) ? "true" : "false",
                    json_is_true(json_object_get(n, "Internal")) ? "true" : "false",
                    labels,
                    json_string_value(json_object_get(n, "Created"))};
                _cleanup_free_ char *line = cli_format_row(format, network_fields, vals, N_COUNT);
                if (t)
                        cli_table_add_line(t, line);
                else
                        printf("%s\n", line);
        }
        if (t)
                cli_table_print(t);
        cli_table_free(t);
        return 0;
}

/* "No such network", as docker's CLI says a 404; the engine's words otherwise. */
static int network_error(const berth_error *err, const char *name)
{
        if (err->code == ENOENT) {
                fprintf(stderr, "berth: Error: No such network: %s\n", name);
                return 1;
        }
        return cli_error(err);
}

static int network_inspect(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {{"format", required_argument, NULL, 'f'},
                                          {"verbose", no_argument, NULL, 'v'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        const char *cmd = "network inspect";
        const char *format = NULL;
        int c;
        while ((c = getopt_long(argc, argv, ":f:vh", o, NULL)) != -1) {
                if (c == 'f')
                        format = optarg;
                else if (c == 'v')
                        continue;
                else if (c == 'h') {
                        printf("Usage:  berth network inspect [OPTIONS] NETWORK [NETWORK...]\n\n"
                               "Display detailed information on one or more networks\n\n"
                               "Options:\n"
                               "  -f, --format string   Format the output using the given Go "
                               "template\n"
                               "  -v, --verbose         Verbose output for diagnostics\n");
                        return 0;
                } else
                        return cli_bad_flag(cmd, argv, c);
        }
        if (optind >= argc)
                return cli_usage(cmd, "\"network inspect\" requires at least 1 argument.");
        if (format && (*format == '\0' || strcmp(format, "json") == 0))
                format = NULL;
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL)
                return cli_error(&err);
        _cleanup_json_ json_t *all = json_array();
        int rc = 0;
        for (int i = optind; i < argc; i++) {
                json_t *n = NULL;
                if (berth_engine_network_inspect(e, argv[i], &n, &err) < 0) {
                        rc = network_error(&err, argv[i]);
                        continue;
                }
                json_array_append_new(all, n);
        }
        if (cli_print_inspect(all, format) != 0)
                rc = 1;
        return rc;
}

static int network_rm(berth_cli *cli, int argc, char **argv)
{
        const char *cmd = "network rm";
        bool force;
        int done = cli_force_flag(cmd, argc, argv,
                                  "Usage:  berth network rm NETWORK [NETWORK...]\n\n"
                                  "Remove one or more networks\n\n"
                                  "Aliases:\n"
                                  "  rm, remove\n\n"
                                  "Options:\n"
                                  "  -f, --force   Do not error if the network does not exist\n",
                                  &force);
        if (done >= 0)
                return done;
        if (optind >= argc)
                return cli_usage(cmd, "\"network rm\" requires at least 1 argument.");
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL)
                return cli_error(&err);
        int rc = 0;
        for (int i = optind; i < argc; i++) {
                if (berth_engine_network_remove(e, argv[i], &err) < 0) {
                        if (!(force && err.code == ENOENT))
                                rc = network_error(&err, argv[i]);
                        continue;
                }
                printf("%s\n", argv[i]);
                fflush(stdout); /* in order with the errors, as it goes */
        }
        return rc;
}

static int network_prune(berth_cli *cli, int argc, char **argv)
{
        _cleanup_(cli_prune_opts_clear) cli_prune_opts po = {0};
        int rc = cli_prune_flags("network prune",
                                 "Usage:  berth network prune [OPTIONS]\n\n"
                                 "Remove all unused networks\n\n"
                                 "Options:\n"
                                 "      --filter filter   Provide filter values (e.g. "
                                 "'until=<timestamp>')\n"
                                 "  -f, --force           Do not prompt for confirmation\n",
                                 0, argc, argv, &po);
        if (rc >= 0)
                return rc;
        berth_error err = {0};
        berth_prune_filters f = {0};
        if (berth_prune_filters_parse(po.filters, &f, &err) < 0)
                return cli_error(&err);
        if (!po.force && !cli_confirm("WARNING! This will remove all custom networks not used by "
                                      "at least one container.")) {
                berth_prune_filters_clear(&f);
                fprintf(stderr, "berth: network prune has been cancelled\n");
                return 1;
        }
        berth_engine *e = cli_engine(cli, &err);
        _cleanup_strv_ char **names = NULL;
        int r = e ? berth_engine_network_prune(e, &f, &names, &err) : -1;
        berth_prune_filters_clear(&f);
        if (r < 0)
                return cli_error(&err);
        if (berth_strv_length(names) > 0) {
                printf("Deleted Networks:\n");
                STRV_FOREACH (n, names)
                        printf("%s\n", *n);
                printf("\n");
        }
        return 0;
}

static int network_connect(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {{"alias", required_argument, NULL, 'a'},
                                          {"ip", required_argument, NULL, '4'},
                                          {"ip6", required_argument, NULL, '6'},
                                          {"driver-opt", required_argument, NULL, 'd'},
                                          {"link-local-ip", required_argument, NULL, 'l'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        const char *cmd = "network connect";
        _cleanup_json_ json_t *ep = json_object();
        json_t *ipam = json_object();
        json_object_set_new(ep, "IPAMConfig", ipam);
        int c;
        while ((c = getopt_long(argc, argv, ":h", o, NULL)) != -1) {
                switch (c) {
                case 'a': {
                        json_t *al = json_object_get(ep, "Aliases");
                        if (al == NULL) {
                                al = json_array();
                                json_object_set_new(ep, "Aliases", al);
                        }
                        json_array_append_new(al, json_string(optarg));
                        break;
                }
                case '4':
                        json_object_set_new(ipam, "IPv4Address", json_string(optarg));
                        break;
                case '6':
                        json_object_set_new(ipam, "IPv6Address", json_string(optarg));
                        break;
                case 'd':
                case 'l':
                        break; /* accepted as docker does; nothing of berth's uses them */
                case 'h':
                        printf("Usage:  berth network connect [OPTIONS] NETWORK CONTAINER\n\n"
                               "Connect a container to a network\n\n"
                               "Options:\n"
                               "      --alias strings           Add network-scoped alias for the "
                               "container\n"
                               "      --driver-opt strings      driver options for the network\n"
                               "      --ip string               IPv4 address (e.g., "
                               "\"172.30.100.104\")\n"
                               "      --ip6 string              IPv6 address (e.g., "
                               "\"2001:db8::33\")\n"
                               "      --link-local-ip strings   Add a link-local address for the "
                               "container\n");
                        return 0;
                default:
                        return cli_bad_flag(cmd, argv, c);
                }
        }
        if (argc - optind != 2)
                return cli_usage(cmd, "\"network connect\" requires exactly 2 arguments.");
        if (json_object_size(ipam) == 0)
                json_object_del(ep, "IPAMConfig");
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL ||
            berth_engine_network_connect(e, argv[optind], argv[optind + 1], ep, &err) < 0)
                return cli_error(&err);
        return 0;
}

static int network_disconnect(berth_cli *cli, int argc, char **argv)
{
        const char *cmd = "network disconnect";
        bool force;
        int done = cli_force_flag(cmd, argc, argv,
                                  "Usage:  berth network disconnect [OPTIONS] NETWORK CONTAINER\n\n"
                                  "Disconnect a container from a network\n\n"
                                  "Options:\n"
                                  "  -f, --force   Force the container to disconnect from a "
                                  "network\n",
                                  &force);
        if (done >= 0)
                return done;
        if (argc - optind != 2)
                return cli_usage(cmd, "\"network disconnect\" requires exactly 2 arguments.");
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL ||
            berth_engine_network_disconnect(e, argv[optind], argv[optind + 1], force, &err) < 0)
                return cli_error(&err);
        return 0;
}

static int network_reload(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int c;
        while ((c = getopt_long(argc, argv, ":h", o, NULL)) != -1) {
                if (c == 'h') {
                        printf("Usage:  berth network reload\n\n"
                               "Set up the bridges and firewall rules of the networks in use "
                               "again\n(after a firewall reload, such as nft flush ruleset, "
                               "removed them)\n");
                        return 0;
                }
                return cli_bad_flag("network reload", argv, c);
        }
        if (optind < argc)
                return cli_usage("network reload", "\"network reload\" accepts no arguments.");
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL || berth_engine_network_reload(e, &err) < 0)
                return cli_error(&err);
        return 0;
}

int cmd_network(berth_cli *cli, int argc, char **argv)
{
        static const cli_sub subs[] = {
            {"create", network_create},   {"ls", network_ls},
            {"list", network_ls},         {"inspect", network_inspect},
            {"rm", network_rm},           {"remove", network_rm},
            {"prune", network_prune},     {"reload", network_reload},
            {"connect", network_connect}, {"disconnect", network_disconnect}};
        return cli_group_run(cli, "network",
                             "Usage:  berth network COMMAND\n\n"
                             "Manage networks\n\n"
                             "Commands:\n"
                             "  connect     Connect a container to a network\n"
                             "  create      Create a network\n"
                             "  disconnect  Disconnect a container from a network\n"
                             "  inspect     Display detailed information on one or more networks\n"
                             "  ls          List networks\n"
                             "  prune       Remove all unused networks\n"
                             "  reload      Set up the networks in use again (after a firewall "
                             "reload)\n"
                             "  rm          Remove one or more networks\n\n"
                             "Run 'berth network COMMAND --help' for more information on a "
                             "command.\n",
                             subs, ARRAY_SIZE(subs), argc, argv);
}
