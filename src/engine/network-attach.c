/* SPDX-License-Identifier: Apache-2.0 */
/* A container joins its networks at its start: addresses leased and endpoints recorded in one
 * transaction, then its namespace, bridge and veth made, the firewall and names brought up to
 * date — all under the networks' lock. */
#include "engine/network-internal.h"
#include "base/fs.h"
#include "net/dns.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define MAX_NETS 8

typedef struct {
        engine_attach v[MAX_NETS];
        size_t n;
} attach_set;

static void set_clear(attach_set *s)
{
        for (size_t i = 0; i < s->n; i++)
                json_decref(s->v[i].settings);
}

static bool lease_taken(const berth_ip *ip, void *userdata)
{
        void **ud = userdata;
        berth_db *db = ud[0];
        const char *net = ud[1];
        static const char sql[] = "SELECT 1 FROM network_leases WHERE network = ? AND address = ?";
        berth_error err = {0};
        sqlite3_stmt *st = berth_db_prepare(db, sql, &err);
        if (st == NULL)
                return true;
        char buf[64];
        sqlite3_bind_text(st, 1, net, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, berth_ip_str(ip, buf, sizeof(buf)), -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "reading leases", &err);
        sqlite3_reset(st);
        return rc != SQLITE_DONE;
}

static int lease(berth_db *db, const char *net, const char *cid, const berth_ip *ip,
                 berth_error *err)
{
        static const char sql[] =
            "INSERT OR IGNORE INTO network_leases (network, address, container) VALUES (?, ?, ?)";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        char buf[64];
        sqlite3_bind_text(st, 1, net, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, berth_ip_str(ip, buf, sizeof(buf)), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, cid, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "recording a lease", err);
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        if (sqlite3_changes(berth_db_handle(db)) == 0)
                return berth_errx(err, EADDRINUSE, "Address already in use: %s", buf);
        return 0;
}

/* The address of family f: the one asked for (IPAMConfig) or the lowest free one. */
static int address(berth_db *db, const char *cid, engine_attach *a, int f, berth_error *err)
{
        engine_netdef *d = &a->def;
        const char *want = json_string_value(json_object_get(
            json_object_get(a->epcfg, "IPAMConfig"), f ? "IPv6Address" : "IPv4Address"));
        int r;
        if (want && *want) {
                if (d->builtin)
                        return berth_errx(err, EINVAL,
                                          "user specified IP address is supported on user "
                                          "defined networks only");
                if ((r = berth_ip_parse(want, &a->addr[f], err)) < 0)
                        return r;
                if (!berth_prefix_contains(&d->subnet[f], &a->addr[f]))
                        return berth_errx(err, EINVAL,
                                          "no configured subnet or ip-range contain the IP "
                                          "address %s",
                                          want);
        } else {
                void *ud[2] = {db, d->id};
                if ((r = berth_ipam_next(&d->subnet[f], &d->range[f], &d->gateway[f], d->aux,
                                         d->n_aux, lease_taken, ud, &a->addr[f], err)) < 0)
                        return r;
        }
        if ((r = lease(db, d->id, cid, &a->addr[f], err)) < 0)
                return r;
        a->has_addr[f] = true;
        return 0;
}

static void mac_for(engine_attach *a, berth_error *err)
{
        const char *want = json_string_value(json_object_get(a->epcfg, "MacAddress"));
        if (want && *want && berth_net_mac_parse(want, a->mac, err) == 0)
                return;
        if (a->has_addr[0]) { /* Docker's: 02:42 and the IPv4 address */
                a->mac[0] = 0x02;
                a->mac[1] = 0x42;
                memcpy(a->mac + 2, a->addr[0].addr, 4);
                return;
        }
        /* an IPv6-only endpoint: a random local unicast address */
        if (getrandom(a->mac, sizeof(a->mac), 0) != sizeof(a->mac))
                memcpy(a->mac, a->host_link + 4, 6);
        a->mac[0] = (uint8_t)((a->mac[0] & 0xfe) | 0x02);
}

int engine_net_endpoint_record(berth_db *db, const berth_container *c, engine_attach *a,
                               int position, berth_error *err)
{
        engine_netdef *d = &a->def;
        a->had_endpoints = engine_net_in_use(db, d->id);
        int r;
        for (int f = 0; f < 2; f++)
                if (d->has[f] && (r = address(db, c->id, a, f, err)) < 0)
                        return r;
        char eid[65], buf[64], gw[2][64] = {"", ""}, ip[2][64] = {"", ""}, mac[18];
        if ((r = berth_random_hex(eid, 32, err)) < 0)
                return r;
        snprintf(a->host_link, sizeof(a->host_link), "veth%.7s", eid);
        mac_for(a, err);
        for (int f = 0; f < 2; f++)
                if (a->has_addr[f]) {
                        berth_ip_str(&d->gateway[f], gw[f], sizeof(gw[f]));
                        berth_ip_str(&a->addr[f], ip[f], sizeof(ip[f]));
                }
        json_t *aliases = json_object_get(a->epcfg, "Aliases");
        json_t *dns = json_array();
        if (!d->builtin) {
                json_array_append_new(dns, json_string(c->name[0] == '/' ? c->name + 1 : c->name));
                snprintf(buf, sizeof(buf), "%.12s", c->id);
                json_array_append_new(dns, json_string(buf));
                size_t i;
                json_t *al;
                json_array_foreach (aliases, i, al)
                        json_array_append(dns, al);
        }
        json_t *ipam = json_object_get(a->epcfg, "IPAMConfig");
        a->settings = json_pack(
            "{s:O, s:n, s:O, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:O, s:o}", "IPAMConfig",
            ipam ? ipam : json_null(), "Links", "Aliases", aliases ? aliases : json_null(),
            "MacAddress", berth_net_mac_format(a->mac, mac), "NetworkID", d->id, "EndpointID", eid,
            "Gateway", gw[0], "IPAddress", ip[0], "IPPrefixLen",
            a->has_addr[0] ? (int)d->subnet[0].len : 0, "IPv6Gateway", gw[1], "GlobalIPv6Address",
            ip[1], "GlobalIPv6PrefixLen", a->has_addr[1] ? (int)d->subnet[1].len : 0, "DriverOpts",
            json_object_get(a->epcfg, "DriverOpts") ?: json_null(), "DNSNames", dns);
        static const char sql[] = "INSERT INTO network_endpoints (container, network, position, "
                                  "host_link, settings) VALUES (?, ?, ?, ?, ?)";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        _cleanup_free_ char *text = json_dumps(a->settings, JSON_COMPACT);
        sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, d->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 3, position);
        sqlite3_bind_text(st, 4, a->host_link, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, text, -1, SQLITE_TRANSIENT);
        r = berth_db_step(db, st, "recording an endpoint", err);
        sqlite3_reset(st);
        return r < 0 ? r : 0;
}

static int record(berth_db *db, const berth_container *c, attach_set *s, const char *sandbox,
                  bool *ret_ports, char **ret_forwards, berth_error *err)
{
        int r = berth_db_begin(db, err);
        if (r < 0)
                return r;
        for (size_t i = 0; r == 0 && i < s->n; i++)
                r = engine_net_endpoint_record(db, c, &s->v[i], (int)i, err);
        _cleanup_json_ json_t *ports = NULL;
        bool v6 = s->n > 0 && s->v[0].has_addr[1];
        if (r == 0)
                r = engine_net_ports_bind(db, c->id, c->body, v6, &ports, err);
        char a4[64] = "", a6[64] = "";
        if (s->n > 0 && s->v[0].has_addr[0])
                berth_ip_str(&s->v[0].addr[0], a4, sizeof(a4));
        if (v6)
                berth_ip_str(&s->v[0].addr[1], a6, sizeof(a6));
        static const char sql[] = "INSERT OR REPLACE INTO container_networks (container, sandbox, "
                                  "ports, addr4, addr6) VALUES (?, ?, ?, ?, ?)";
        sqlite3_stmt *st = r == 0 ? berth_db_prepare(db, sql, err) : NULL;
        if (r == 0 && st == NULL)
                r = -err->code;
        if (r == 0) {
                _cleanup_free_ char *text = json_dumps(ports, JSON_COMPACT);
                sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(st, 2, sandbox, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(st, 4, a4, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(st, 5, a6, -1, SQLITE_TRANSIENT);
                r = berth_db_step(db, st, "recording a container's networks", err);
                sqlite3_reset(st);
        }
        if (r >= 0)
                r = berth_db_commit(db, err);
        if (r < 0) {
                berth_db_rollback(db);
                return r;
        }
        *ret_ports = json_object_size(ports) > 0;
        *ret_forwards = engine_net_ports_forwards(ports, a4, a6);
        return 0;
}

int engine_net_resolver(berth_engine *e, const engine_netdef *d)
{
        char addrs[2][64];
        const char *listen[2];
        size_t n = 0;
        for (int f = 0; f < 2; f++)
                if (d->has[f])
                        listen[n] = berth_ip_str(&d->gateway[f], addrs[n], sizeof(addrs[n])), n++;
        _cleanup_free_ char *dir = berth_xasprintf("%s/networks/%s", e->runroot, d->id);
        _cleanup_free_ char *program = berth_program_path("berth-dns", "BERTH_DNS");
        berth_error err = {0};
        return berth_dns_ensure(program, dir, listen, n, &err);
}

int engine_net_bridge_ensure(berth_net *host, const engine_netdef *d, berth_error *err)
{
        berth_net_addr gws[2];
        size_t ng = 0;
        for (int f = 0; f < 2; f++)
                if (d->has[f]) {
                        gws[ng] = (berth_net_addr){.family = d->gateway[f].family,
                                                   .prefixlen = d->subnet[f].len};
                        memcpy(gws[ng].addr, d->gateway[f].addr, 16);
                        ng++;
                }
        berth_net_bridge_conf bc = {.name = d->bridge, .mtu = d->mtu, .addrs = gws, .n_addrs = ng};
        return berth_net_bridge_ensure(host, &bc, NULL, err);
}

int engine_net_endpoint_plumb(berth_net *host, berth_net *ctr, int nsfd, const engine_attach *a,
                              size_t i, berth_error *err)
{
        const engine_netdef *d = &a->def;
        bool macvlan = strcmp(d->driver, "macvlan") == 0;
        int r = macvlan ? 0 : engine_net_bridge_ensure(host, d, err);
        if (r < 0)
                return r;
        berth_net_endpoint_conf ec = {.host_name = a->host_link,
                                      .bridge = macvlan ? NULL : d->bridge,
                                      .parent = macvlan ? d->parent : NULL,
                                      .mtu = d->mtu,
                                      .has_mac = true};
        char ifname[IFNAMSIZ];
        snprintf(ifname, sizeof(ifname), "eth%zu", i);
        ec.ifname = ifname;
        memcpy(ec.mac, a->mac, sizeof(ec.mac));
        for (int f = 0; f < 2; f++) {
                if (!a->has_addr[f])
                        continue;
                berth_net_addr *x = &ec.addrs[ec.n_addrs++];
                *x = (berth_net_addr){.family = a->addr[f].family, .prefixlen = d->subnet[f].len};
                memcpy(x->addr, a->addr[f].addr, 16);
                if (i == 0) { /* the first network has the default routes */
                        berth_net_addr *g = &ec.gateways[ec.n_gateways++];
                        *g = (berth_net_addr){.family = d->gateway[f].family,
                                              .prefixlen = f ? 128 : 32};
                        memcpy(g->addr, d->gateway[f].addr, 16);
                }
        }
        return berth_net_endpoint_add(host, ctr, nsfd, &ec, err);
}

/* The kernel's side: the namespace, each network's bridge and the container's veth in it. */
static int plumb(const attach_set *s, const char *sandbox, berth_error *err)
{
        berth_netns_remove(sandbox, NULL); /* a crash's leftover */
        _cleanup_net_ berth_net *host = NULL;
        _cleanup_net_ berth_net *ctr = NULL;
        int r = berth_netns_create_open(sandbox, &ctr, err);
        if (r < 0)
                return r;
        _cleanup_close_ int nsfd = open(sandbox, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0)
                return berth_err(err, errno, "cannot open %s", sandbox);
        if ((r = berth_net_open(-1, &host, err)) < 0 ||
            (r = berth_net_link_set_up(ctr, "lo", true, err)) < 0)
                return r;
        for (size_t i = 0; i < s->n; i++)
                if ((r = engine_net_endpoint_plumb(host, ctr, nsfd, &s->v[i], i, err)) < 0)
                        return r;
        return 0;
}

/* The networks a create body names: NetworkMode first ("default" is bridge), then the other
 * EndpointsConfig keys. */
static int networks_of(berth_engine *e, const berth_container *c, const char *mode, attach_set *s,
                       berth_error *err)
{
        const json_t *eps =
            json_object_get(json_object_get(c->body, "NetworkingConfig"), "EndpointsConfig");
        const char *first = strcmp(mode, "default") == 0 ? "bridge" : mode;
        _cleanup_strv_ char **names = NULL;
        berth_strv_push(&names, first);
        const char *k;
        json_t *v;
        json_object_foreach ((json_t *)eps, k, v)
                if (strcmp(k, mode) != 0 && strcmp(k, first) != 0)
                        berth_strv_push(&names, k);
        STRV_FOREACH (n, names) {
                if (s->n == MAX_NETS)
                        return berth_errx(err, EINVAL, "a container is on at most %d networks",
                                          MAX_NETS);
                _cleanup_json_ json_t *cfg = NULL;
                int r = engine_network_find(e, *n, &cfg, err);
                if (r < 0)
                        return r;
                engine_attach *a = &s->v[s->n];
                *a = (engine_attach){0};
                if ((r = engine_netdef_parse(cfg, &a->def, err)) < 0)
                        return r;
                if (strcmp(a->def.driver, "bridge") != 0 && strcmp(a->def.driver, "macvlan") != 0)
                        return berth_errx(err, EOPNOTSUPP,
                                          "network %s: containers cannot join %s networks", *n,
                                          a->def.driver);
                a->epcfg = json_object_get(eps, *n);
                if (a->epcfg == NULL && n == names)
                        a->epcfg = json_object_get(eps, mode);
                s->n++;
        }
        return 0;
}

static void info_fill(const attach_set *s, engine_net_info *info)
{
        char buf[64];
        if (s->n > 0 && s->v[0].def.has[0])
                info->gateway =
                    berth_xstrdup(berth_ip_str(&s->v[0].def.gateway[0], buf, sizeof(buf)));
        for (size_t i = 0; i < s->n; i++) {
                const engine_attach *a = &s->v[i];
                for (int f = 0; f < 2; f++)
                        if (a->has_addr[f])
                                berth_strv_push(&info->addresses,
                                                berth_ip_str(&a->addr[f], buf, sizeof(buf)));
                if (!a->def.builtin && info->nameserver == NULL && a->def.has[0])
                        info->nameserver =
                            berth_xstrdup(berth_ip_str(&a->def.gateway[0], buf, sizeof(buf)));
        }
}

int engine_net_start(berth_engine *e, const berth_container *c, engine_net_info *info,
                     berth_error *err)
{
        *info = (engine_net_info){0};
        const char *mode = json_string_value(
            json_object_get(json_object_get(c->body, "HostConfig"), "NetworkMode"));
        if (mode == NULL || *mode == '\0')
                mode = "default";
        if (strcmp(mode, "host") == 0 || strcmp(mode, "none") == 0)
                return 0;
        if (berth_str_has_prefix(mode, "container:"))
                return engine_net_container_mode(e, c, mode + strlen("container:"), info, err);
        berth_db *db = berth_engine_db(e);
        _cleanup_close_ int lock = engine_net_lock(e->runroot, err);
        if (lock < 0)
                return lock;
        engine_net_sweep(e);
        if (berth_network_holds(db, e->runroot, c->id, err) > 0) /* a crash's leftovers */
                engine_net_release_locked(db, e->root, e->runroot, c->id, err);
        attach_set s = {0};
        _cleanup_free_ char *sandbox = berth_xasprintf("%s/netns/%s", e->runroot, c->id);
        bool ports = false;
        _cleanup_free_ char *forwards = NULL;
        int r = networks_of(e, c, mode, &s, err);
        if (r == 0)
                r = record(db, c, &s, sandbox, &ports, &forwards, err);
        if (r < 0) {
                set_clear(&s);
                return r;
        }
        r = plumb(&s, sandbox, err);
        bool fw = ports;
        for (size_t i = 0; i < s.n; i++)
                fw = fw || !s.v[i].had_endpoints;
        /* a firewall reload (`nft flush ruleset`) may have taken the table: the next start
         * puts it back */
        if (r == 0 && !fw && s.n > 0)
                fw = engine_net_table_missing(e->root);
        if (r == 0 && fw)
                r = engine_net_firewall(db, e->root, err);
        bool resolver = false;
        for (size_t i = 0; r == 0 && i < s.n; i++)
                /* (a macvlan network's gateway is not the host's: no resolver of ours there) */
                if (!s.v[i].def.builtin && strcmp(s.v[i].def.driver, "bridge") == 0 &&
                    (r = engine_net_names_write(db, e->runroot, s.v[i].def.id, err)) == 0)
                        resolver = engine_net_resolver(e, &s.v[i].def) == 0 || resolver;
        if (r == 0) {
                info->sandbox = TAKE_PTR(sandbox);
                info->forwards = TAKE_PTR(forwards);
                info_fill(&s, info);
                if (!resolver) { /* the host's name servers, then */
                        free(info->nameserver);
                        info->nameserver = NULL;
                }
        }
        set_clear(&s);
        if (r < 0) {
                berth_error ignore = {0};
                engine_net_release_locked(db, e->root, e->runroot, c->id, &ignore);
        }
        return r;
}

void engine_net_info_clear(engine_net_info *info)
{
        free(info->sandbox);
        free(info->nameserver);
        free(info->gateway);
        free(info->forwards);
        berth_strv_free(info->addresses);
        *info = (engine_net_info){0};
}
