/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * berth's firewall: one nftables table of its own (family inet), made whole
 * from what the networks and published ports are, and replaced in one
 * transaction each time they change (so a crash midway leaves the old table or
 * the new one, and the next change makes it right). Nothing outside that table
 * is ever touched; no iptables is run. libnftables is loaded on first use.
 *
 * The table, for bridge networks:
 *   - masquerade of what a network's subnet sends out of the host (not for
 *     --internal networks: those reach nothing outside their bridge);
 *   - published ports as DNAT maps, in the kernel, no proxy process: a port
 *     published on every address answers on each of the host's addresses (from
 *     the host itself too); one published on an address only on that address;
 *     one published on a loopback address only to the host itself (it is in
 *     the output chain alone: no other host can reach it, whatever it sends; the engine
 *     gives none on [::1], which the kernel cannot DNAT: berth-monitor forwards those);
 *   - a container's connection to its own published port (hairpin) masqueraded as the host
 *     (@hairpin4/6: source = destination = the container, to that port);
 *   - isolation: no traffic between two networks' bridges, and nothing from
 *     outside reaches a container by its address, only through a published port;
 *   - the host's loopback: nothing a container sends to 127.0.0.0/8 comes in (the bridges
 *     have route_localnet for the ports published there), but answers to the host's own;
 *   - forged sources: what comes in on a bridge from an address the host would not route back
 *     out of it is dropped (strict reverse-path filtering, before NAT).
 */
#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
        const char *bridge;  /* the network's bridge link */
        const char *subnet4; /* "10.1.0.0/16", nullable */
        const char *subnet6; /* nullable */
        bool internal;
} berth_fw_network;

typedef struct {
        const char *proto;   /* "tcp" or "udp" */
        const char *host_ip; /* NULL or "": every address of the host (of addr's family) */
        uint16_t host_port;
        const char *addr; /* the container's address, IPv4 or IPv6 */
        uint16_t port;
} berth_fw_port;

/**
 * The nft script that makes table `inet <table>` as nets and ports say (malloc'd): the
 * table created, deleted and made anew in one transaction. No networks and no ports:
 * a script that only deletes the table. -EINVAL for a bad address, protocol or name.
 */
int berth_fw_script(const char *table, const berth_fw_network *nets, size_t n,
                    const berth_fw_port *ports, size_t np, char **ret, berth_error *err);

/** 1 when table `inet <table>` is in the kernel, 0 when it is not (one nfnetlink request,
 * no libnftables), or -errno. */
int berth_fw_table_exists(const char *table, berth_error *err);

/** Load libnftables now (berth_fw_run does): -errno with why it cannot be had. */
int berth_libnftables_load(berth_error *err);

/** Run an nft script (libnftables, loaded now): -EIO with nft's own message on failure;
 * check_only: parsed and checked by the kernel, nothing changed. */
int berth_fw_run(const char *script, bool check_only, berth_error *err);
