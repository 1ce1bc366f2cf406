/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * Networks as Docker's daemon keeps them (module "network" in berth.db): a row
 * per network holding its inspect object (Name, Id, Driver, IPAM, Options,
 * Labels…; "Containers" is computed from the leases), and a lease per address
 * handed out. The built-in networks bridge, host and none exist from the first
 * network command on (bridge gets the first of Docker's pools that overlaps
 * nothing on the host). The bodies are the Engine API's: the CLI builds the
 * same JSON the API server receives.
 */
#include "engine/engine.h"
#include "engine/filters.h"
#include "engine/prune.h"

#include <jansson.h>

/**
 * POST /networks/create: body {"Name", "Driver" ("bridge" default, "macvlan"),
 * "Internal", "EnableIPv6", "Attachable", "IPAM": {"Driver": "default",
 * "Config": [{"Subnet", "IPRange", "Gateway", "AuxiliaryAddresses": {}}],
 * "Options"}, "Options": {}, "Labels": {}}. Checked as dockerd does
 * (name, driver, subnets that overlap another network's, a gateway, range or
 * auxiliary address outside its subnet, EnableIPv6 without an IPv6 subnet…:
 * -EINVAL; a name taken: -EEXIST "network with name X already exists").
 * Without a subnet, one of Docker's default pools. *ret_id the new id.
 */
int berth_engine_network_create(berth_engine *e, const json_t *body, char **ret_id,
                                berth_error *err);

/** The inspect object of a network by name, id or unique id prefix (new reference);
 * -ENOENT "network X not found". */
int berth_engine_network_inspect(berth_engine *e, const char *name, json_t **ret, berth_error *err);

/**
 * GET /networks: inspect objects sorted by name (new array). Filters: driver, id (prefix),
 * label, name (substring), scope ("local"), type ("builtin"|"custom"), dangling
 * (true: no container on it); others -EINVAL "invalid filter 'k'".
 */
int berth_engine_network_list(berth_engine *e, const berth_filters *f, json_t **ret,
                              berth_error *err);

/** DELETE /networks/{id}: -EPERM for bridge, host and none ("bridge is a pre-defined network
 * and cannot be removed"), -EBUSY while containers are on it. */
int berth_engine_network_remove(berth_engine *e, const char *name, berth_error *err);

/** POST /networks/prune: the custom networks no container is on and f (nullable: until,
 * label, label!, engine/prune.h) lets go; *ret_names their names. */
int berth_engine_network_prune(berth_engine *e, const berth_prune_filters *f, char ***ret_names,
                               berth_error *err);

/**
 * POST /networks/{id}/connect: the container (any state) is on the network from now on —
 * EndpointConfig epcfg (nullable: Aliases, IPAMConfig, MacAddress) kept in its body; a
 * running one gets its interface now (eth<N>, an address, the names). Docker's refusals:
 * host, none and container: modes, already connected (-EEXIST).
 */
int berth_engine_network_connect(berth_engine *e, const char *net, const char *container,
                                 const json_t *epcfg, berth_error *err);
/** POST /networks/{id}/disconnect: the network taken out of its body, and out of a running
 * one (its interface deleted); force: not being on it is no error. */
int berth_engine_network_disconnect(berth_engine *e, const char *net, const char *container,
                                    bool force, berth_error *err);

/** `network reload`: the bridges of the networks in use and berth's firewall table made again
 * from berth.db (after a firewall reload took the table away); a crash's leftovers swept. */
int berth_engine_network_reload(berth_engine *e, berth_error *err);

int berth_networks_migrate(berth_db *db, berth_error *err);

/**
 * What container id holds on its networks let go: its leases, endpoints and published
 * ports, its namespace and veths, a bridge no other container is on, the firewall and
 * the names brought up to date. Nothing held: nothing done (no lock taken). Called when
 * the container stops for good (the monitor's helper, with berth.db only), by rm, and
 * by reconcile.
 */
int berth_network_release(berth_db *db, const char *root, const char *runroot, const char *id,
                          berth_error *err);
/** 1 when container id holds something on its networks (a row, or its namespace), else 0:
 * a read, no lock. */
int berth_network_holds(berth_db *db, const char *runroot, const char *id, berth_error *err);
