/* SPDX-License-Identifier: Apache-2.0 */
/* A container's NetworkSettings, as Docker's inspect shows them. */
#include "engine/network-internal.h"

#include <sqlite3.h>
#include <string.h>

/* The endpoints berth.db has for the container: network id → settings. */
static json_t *endpoints(berth_db *db, const char *id, json_t **ports, char **sandbox)
{
        static const char q1[] = "SELECT n.name, e.settings FROM network_endpoints e JOIN "
                                 "networks n ON n.id = e.network WHERE e.container = ? "
                                 "ORDER BY e.position";
        static const char q2[] =
            "SELECT sandbox, ports FROM container_networks WHERE container = ?";
        berth_error err = {0};
        json_t *out = json_object();
        sqlite3_stmt *st = berth_db_prepare(db, q1, &err);
        if (st) {
                sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
                while (berth_db_step(db, st, "reading endpoints", &err) == SQLITE_ROW) {
                        json_error_t je;
                        json_t *s = json_loads((const char *)sqlite3_column_text(st, 1), 0, &je);
                        if (s)
                                json_object_set_new(out, (const char *)sqlite3_column_text(st, 0),
                                                    s);
                }
                sqlite3_reset(st);
        }
        if ((st = berth_db_prepare(db, q2, &err)) != NULL) {
                sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
                if (berth_db_step(db, st, "reading a container's networks", &err) == SQLITE_ROW) {
                        json_error_t je;
                        *sandbox = berth_xstrdup((const char *)sqlite3_column_text(st, 0));
                        *ports = json_loads((const char *)sqlite3_column_text(st, 1), 0, &je);
                }
                sqlite3_reset(st);
        }
        return out;
}

/* An endpoint of a network the container is not on now: its id and what the body asked. */
static json_t *idle_endpoint(berth_engine *e, const char *name, const json_t *epcfg)
{
        _cleanup_json_ json_t *cfg = NULL;
        berth_error ignore = {0};
        const char *nid = "";
        if (engine_network_lookup(e, name, &cfg, &ignore) == 0)
                nid = json_string_value(json_object_get(cfg, "Id"));
        json_t *aliases = json_object_get(epcfg, "Aliases");
        json_t *ipam = json_object_get(epcfg, "IPAMConfig");
        const char *mac = json_string_value(json_object_get(epcfg, "MacAddress"));
        return json_pack("{s:O, s:n, s:O, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:n, "
                         "s:n}",
                         "IPAMConfig", ipam ? ipam : json_null(), "Links", "Aliases",
                         aliases ? aliases : json_null(), "MacAddress", mac ? mac : "", "NetworkID",
                         nid ? nid : "", "EndpointID", "", "Gateway", "", "IPAddress", "",
                         "IPPrefixLen", 0, "IPv6Gateway", "", "GlobalIPv6Address", "",
                         "GlobalIPv6PrefixLen", 0, "DriverOpts", "DNSNames");
}

json_t *engine_net_settings(berth_engine *e, const berth_container *c)
{
        const json_t *hc = json_object_get(c->body, "HostConfig");
        const char *mode = json_string_value(json_object_get(hc, "NetworkMode"));
        if (mode == NULL || *mode == '\0')
                mode = "default";
        json_t *ports = NULL;
        char *sandbox = NULL;
        json_t *nets = endpoints(berth_engine_db(e), c->id, &ports, &sandbox);
        if (json_object_size(nets) == 0 && !berth_str_has_prefix(mode, "container:")) {
                const json_t *eps = json_object_get(json_object_get(c->body, "NetworkingConfig"),
                                                    "EndpointsConfig");
                const char *first = strcmp(mode, "default") == 0 ? "bridge" : mode;
                json_object_set_new(nets, first,
                                    idle_endpoint(e, first, json_object_get(eps, mode)));
                const char *k;
                json_t *v;
                json_object_foreach ((json_t *)eps, k, v)
                        if (json_object_get(nets, k) == NULL && strcmp(k, mode) != 0)
                                json_object_set_new(nets, k, idle_endpoint(e, k, v));
        }
        /* the top-level fields are the default bridge's, as Docker's are */
        json_t *br = json_object_get(nets, "bridge");
        _cleanup_json_ json_t *empty = json_string(""), *zero = json_integer(0);
#define BR(k) (br && json_object_get(br, k) ? json_object_get(br, k) : empty)
        json_t *out = json_pack(
            "{s:s, s:s, s:b, s:s, s:i, s:o, s:s, s:n, s:n, s:O, s:O, s:O, s:O, s:O, s:O, s:O, "
            "s:O, s:o}",
            "Bridge", "", "SandboxID", "", "HairpinMode", 0, "LinkLocalIPv6Address", "",
            "LinkLocalIPv6PrefixLen", 0, "Ports", ports ? ports : json_object(), "SandboxKey",
            sandbox ? sandbox : "", "SecondaryIPAddresses", "SecondaryIPv6Addresses", "EndpointID",
            BR("EndpointID"), "Gateway", BR("Gateway"), "GlobalIPv6Address",
            BR("GlobalIPv6Address"), "GlobalIPv6PrefixLen",
            br ? json_object_get(br, "GlobalIPv6PrefixLen") : zero, "IPAddress", BR("IPAddress"),
            "IPPrefixLen", br ? json_object_get(br, "IPPrefixLen") : zero, "IPv6Gateway",
            BR("IPv6Gateway"), "MacAddress", BR("MacAddress"), "Networks", nets);
#undef BR
        free(sandbox);
        return out;
}
