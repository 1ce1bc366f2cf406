/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Shared by the network module's files (network.c, network-config.c). */
#include "engine/engine-internal.h"
#include "engine/network.h"

/** A create body checked and made into the inspect object of network id (network-config.c). */
int engine_network_config(berth_engine *e, const json_t *body, const char *id, json_t **ret,
                          berth_error *err);
/** Every network's inspect object, without Containers (new array). */
int engine_networks_all(berth_engine *e, json_t **ret, berth_error *err);

#include "net/ipam.h"
#include "net/net.h"

/* ---- containers on networks (network-apply.c, network-attach.c, network-release.c) ---- */

/** "" for the default root, else "-<8 hex>" of the root: berth's table is "berth<suffix>",
 * the default bridge "berth0<suffix>". */
#define ENGINE_NET_SUFFIX_LEN 10
void engine_net_suffix(const char *root, char out[ENGINE_NET_SUFFIX_LEN]);

/** flock <runroot>/networks/lock: the commands that change what the host holds for networks
 * (leases and links, the firewall table, the names files) do it one at a time. The fd. */
int engine_net_lock(const char *runroot, berth_error *err);

/** A network's record as the drivers want it. [0] IPv4, [1] IPv6. */
typedef struct {
        char id[65], name[256], driver[16];
        char bridge[IFNAMSIZ];
        char parent[IFNAMSIZ]; /* macvlan: the host's link it is on */
        unsigned mtu;
        bool internal, builtin;
        bool has[2];
        berth_prefix subnet[2], range[2];
        berth_ip gateway[2];
        berth_ip aux[32];
        size_t n_aux;
} engine_netdef;

int engine_netdef_parse(const json_t *cfg, engine_netdef *d, berth_error *err);
int engine_netdef_get(berth_db *db, const char *net_id, engine_netdef *d, berth_error *err);
/** Whether a container is on the network (an endpoint row; a failed read says yes). */
bool engine_net_in_use(berth_db *db, const char *net_id);

/** A container's end of one network, as it is being made (network-attach.c). */
typedef struct {
        engine_netdef def;
        const json_t *epcfg; /* the create body's EndpointSettings for it, or NULL */
        bool had_endpoints;  /* the network was in use before this container */
        bool has_addr[2];
        berth_ip addr[2];
        uint8_t mac[BERTH_NET_MAC_LEN];
        char host_link[IFNAMSIZ];
        json_t *settings;
} engine_attach;

/** a's address(es) leased, MAC chosen, its endpoint row written (in the caller's transaction);
 * position: its place among the container's networks (eth<position>). */
int engine_net_endpoint_record(berth_db *db, const berth_container *c, engine_attach *a,
                               int position, berth_error *err);
/** a's bridge ensured and its veth made: eth<i> in the namespace nsfd (ctr a handle on it). */
int engine_net_endpoint_plumb(berth_net *host, berth_net *ctr, int nsfd, const engine_attach *a,
                              size_t i, berth_error *err);

/** The network's resolver (berth-dns on its gateways) running: started if it is not. */
int engine_net_resolver(berth_engine *e, const engine_netdef *d);

/** The network's bridge, made if it is missing (its gateways, forwarding, up). */
int engine_net_bridge_ensure(berth_net *host, const engine_netdef *d, berth_error *err);

/** Whether berth's table is gone from the kernel (an answer of "no": an error is not). */
bool engine_net_table_missing(const char *root);
/** berth's table made anew from the endpoints and published ports berth.db has. */
int engine_net_firewall(berth_db *db, const char *root, berth_error *err);
/** <runroot>/networks/<id>/names: the names of the network's endpoints, for its resolver. */
int engine_net_names_write(berth_db *db, const char *runroot, const char *net_id, berth_error *err);
/** A renamed container's networks' names files written again. */
int engine_net_renamed(berth_engine *e, const char *id, berth_error *err);
/** The network's directory removed (its resolver ends when its names go). */
int engine_net_names_remove(const char *runroot, const char *net_id);

/** An EndpointSettings' Aliases are names (letters, digits, '.', '_', '-'): -EINVAL else. */
int engine_net_aliases_check(const json_t *epcfg, berth_error *err);

/** A network by name, id or prefix, the built-in ones made first if missing (network.c). */
int engine_network_find(berth_engine *e, const char *name, json_t **ret, berth_error *err);
/** The same as a read only: a missing built-in network is not made (-ENOENT). */
int engine_network_lookup(berth_engine *e, const char *name, json_t **ret, berth_error *err);

/** NetworkSettings of a container's inspect (network-settings.c): its endpoints while it
 * runs, the networks its body names otherwise. */
json_t *engine_net_settings(berth_engine *e, const berth_container *c);

/** What a start learnt of the container's networks, for its config and /etc files. */
struct engine_net_info {
        char *sandbox;    /* the network namespace to join (NULL: host's, or a new one) */
        char **addresses; /* its addresses, for /etc/hosts */
        char *nameserver; /* the resolver of its (first user-defined) network, or NULL */
        char *gateway;    /* its first network's IPv4 gateway (--add-host …:host-gateway) */
        char *forwards;   /* its ports published on [::1], for the monitor to forward (see
                           * engine_net_ports_forwards), or NULL */
};
void engine_net_info_clear(engine_net_info *info);

/**
 * The container joins the networks its body names (network-attach.c): NetworkMode
 * ("default": bridge; host and none: nothing to do; container:<name>: the other's
 * namespace) and NetworkingConfig.EndpointsConfig. Addresses leased and endpoints and
 * ports recorded in one transaction; then its namespace (<runroot>/netns/<id>), each
 * bridge made if missing, a veth per network (eth0, eth1…; the first has the default
 * routes); the firewall when a network comes into use or ports are published; the names
 * of user-defined networks. On failure nothing is left.
 */
int engine_net_start(berth_engine *e, const berth_container *c, engine_net_info *info,
                     berth_error *err);
/** container:<name>: the namespace of that running container. */
int engine_net_container_mode(berth_engine *e, const berth_container *c, const char *other,
                              engine_net_info *info, berth_error *err);

/** The published ports of a body as bound now (random ones chosen, taken ones refused):
 * NetworkSettings.Ports (new object). v6: the container has an IPv6 address. */
int engine_net_ports_bind(berth_db *db, const char *id, const json_t *body, bool v6, json_t **ret,
                          berth_error *err);

/** The ports of ports (NetworkSettings.Ports) published on [::1], which the kernel cannot
 * DNAT (an answer to ::1 never comes in on a bridge): "PROTO HOSTPORT ADDR PORT" each,
 * joined by ',', ADDR a4 (else a6), for berth-monitor's forwarder (monitor.conf's
 * `forwards`); NULL when there are none. */
char *engine_net_ports_forwards(const json_t *ports, const char *a4, const char *a6);
/** HostIp is [::1] (whatever its spelling): forwarded by the monitor, not in the table. */
bool engine_net_ip_is_lo6(const char *ip);

/** engine_net_release (network.h) with the networks' lock held. */
int engine_net_release_locked(berth_db *db, const char *root, const char *runroot, const char *id,
                              berth_error *err);
/** After containers left the networks ids (their rows gone; NULL-terminated): the bridge
 * of one no container is on any more deleted and its names removed, the names of the
 * others written again; the firewall written again when a network went, or fw (ports
 * changed). The lock held. */
int engine_net_left(berth_db *db, const char *root, const char *runroot, char *const *ids, bool fw,
                    berth_error *err);
/** engine_net_left for every network: the host made to match berth.db (network reload). */
int engine_net_settle(berth_db *db, const char *root, const char *runroot, berth_error *err);

/** Release what containers no longer running still hold (a crash's leftovers); lock held. */
void engine_net_sweep(berth_engine *e);
/** engine_net_sweep taking the lock, when there is anything to sweep (a build's start; a
 * build step, build-<hex>, is alive while its snapshot's lock is held). */
void engine_net_sweep_build_steps(berth_engine *e);
/** `system check`: those leftovers named in *problems; with repair released (taking the lock). */
int engine_net_leftovers(berth_engine *e, char ***problems, char ***actions, bool repair,
                         berth_error *err);
