/* SPDX-License-Identifier: Apache-2.0 */
/* `berth port`, with docker's arguments, output and messages. */
#include "cli.h"
#include "base/cleanup.h"
#include "base/cleanup-json.h"
#include "base/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int natural_cmp(const void *pa, const void *pb)
{
        const char *a = *(char *const *)pa, *b = *(char *const *)pb;
        while (*a && *b) {
                if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
                        const char *sa = a, *sb = b;
                        while (*sa == '0')
                                sa++;
                        while (*sb == '0')
                                sb++;
                        const char *ea = sa, *eb = sb;
                        while (isdigit((unsigned char)*ea))
                                ea++;
                        while (isdigit((unsigned char)*eb))
                                eb++;
                        if (ea - sa != eb - sb)
                                return ea - sa < eb - sb ? -1 : 1;
                        int c = strncmp(sa, sb, (size_t)(ea - sa));
                        if (c)
                                return c;
                        /* equal values: fewer leading zeros first */
                        if (sa - a != sb - b)
                                return sa - a < sb - b ? -1 : 1;
                        a = ea;
                        b = eb;
                        continue;
                }
                if (*a != *b)
                        return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
                a++;
                b++;
        }
        return *a ? 1 : *b ? -1 : 0;
}

/* net.JoinHostPort, with an unset address shown as 0.0.0.0. */
static char *host_port(json_t *binding)
{
        const char *ip = json_string_value(json_object_get(binding, "HostIp"));
        const char *port = json_string_value(json_object_get(binding, "HostPort"));
        if (ip == NULL || *ip == '\0')
                ip = "0.0.0.0";
        if (strchr(ip, ':'))
                return berth_xasprintf("[%s]:%s", ip, port ? port : "");
        return berth_xasprintf("%s:%s", ip, port ? port : "");
}

int cmd_port(berth_cli *cli, int argc, char **argv)
{
        int r = cli_only_help("port", argc, argv,
                              "Usage:  berth port CONTAINER [PRIVATE_PORT[/PROTO]]\n\n"
                              "List port mappings or a specific mapping for the container\n\n"
                              "Aliases:\n  berth container port, berth port\n");
        if (r >= 0)
                return r;
        if (argc - optind < 1 || argc - optind > 2)
                return cli_usage("port",
                                 "\"berth port\" requires at least 1 and at most 2 arguments.");
        const char *name = argv[optind];
        const char *want = optind + 1 < argc ? argv[optind + 1] : NULL;
        _cleanup_free_ char *key = NULL;
        if (want) {
                const char *slash = strchr(want, '/');
                _cleanup_free_ char *num = slash
                                               ? berth_xasprintf("%.*s", (int)(slash - want), want)
                                               : berth_xstrdup(want);
                _cleanup_free_ char *proto = berth_xstrdup(slash && slash[1] ? slash + 1 : "tcp");
                for (char *p = proto; *p; p++)
                        *p = (char)tolower((unsigned char)*p);
                long long v;
                if (berth_parse_i64(num, &v) < 0 || v < 0 || v > 65535) {
                        fprintf(stderr, "Error: invalid port (%s)\n", num);
                        return 1;
                }
                key = berth_xasprintf("%lld/%s", v, proto);
        }
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        /* the ports as bound at its start (a random one chosen then): NetworkSettings' */
        _cleanup_json_ json_t *c = e ? berth_engine_inspect(e, name, &err) : NULL;
        if (c == NULL)
                return cli_error(&err);
        json_t *bindings = json_object_get(json_object_get(c, "NetworkSettings"), "Ports");
        _cleanup_strv_ char **out = NULL;
        if (key) {
                json_t *list = json_object_get(bindings, key);
                size_t i;
                json_t *b;
                json_array_foreach (list, i, b) {
                        _cleanup_free_ char *hp = host_port(b);
                        berth_strv_push(&out, hp);
                }
                if (out == NULL) {
                        fprintf(stderr, "Error: No public port '%s' published for %s\n", key, name);
                        return 1;
                }
        } else {
                const char *port;
                json_t *list;
                json_object_foreach (bindings, port, list) {
                        size_t i;
                        json_t *b;
                        json_array_foreach (list, i, b) {
                                _cleanup_free_ char *hp = host_port(b);
                                _cleanup_free_ char *line = berth_xasprintf("%s -> %s", port, hp);
                                berth_strv_push(&out, line);
                        }
                }
        }
        size_t n = berth_strv_length(out);
        if (n > 1)
                qsort(out, n, sizeof(char *), natural_cmp);
        STRV_FOREACH (l, out)
                printf("%s\n", *l);
        return 0;
}
