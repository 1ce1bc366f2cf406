/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * src/net: the kernel's network objects through rtnetlink (libmnl, loaded on
 * first use: net/libmnl-lazy.c). The layer the network drivers build on; it
 * knows links, addresses and routes, not networks, leases or containers.
 *
 * Calling sequence: berth_net_open() a handle on a network namespace (the
 * caller's own, or one given as an fd), call any of the functions below on it,
 * berth_net_close() it. A handle is one netlink socket: use it from one thread
 * at a time. Each function is one request (or two: a name looked up first) and
 * waits for the kernel's answer; a refusal is returned as -errno with the
 * kernel's errno in err->code and its extended message, if it gave one, in
 * err->msg.
 *
 * Interface names are checked before anything is sent (berth_net_name_check):
 * 1..15 bytes, no '/', ':' or whitespace, not "." or "..".
 */
typedef struct berth_net berth_net;

/**
 * A handle on the network namespace netns_fd (an open /proc/<pid>/ns/net or
 * /run/netns/<name>), or on the caller's own when netns_fd is -1. The
 * namespace is entered by a short-lived thread that only opens the socket
 * there (a netlink socket stays in the namespace it was made in): the calling
 * thread and process never move. netns_fd is not kept; the socket keeps the
 * namespace alive until berth_net_close().
 */
int berth_net_open(int netns_fd, berth_net **ret, berth_error *err);
/** A handle on a NETLINK_ROUTE socket the caller made (SOCK_CLOEXEC), in the namespace it was
 *  made in, and that namespace's berth_net_ipv6_conf_open() (or -1); the handle owns both
 *  (closed on failure too). */
int berth_net_open_socket(int sock_fd, int conf6_fd, berth_net **ret, berth_error *err);
/** Close a handle (NULL accepted). */
void berth_net_close(berth_net *nl);
static inline void berth_net_closep(berth_net **nl)
{
        berth_net_close(*nl);
}
#define _cleanup_net_ __attribute__((cleanup(berth_net_closep)))

/** Load libmnl now (what berth_net_open does first): a missing library is this error. */
int berth_libmnl_load(berth_error *err);

/** 0 when name may be an interface name, else -EINVAL with a message. */
int berth_net_name_check(const char *name, berth_error *err);

/* ---- addresses as values and as text ---- */

#define BERTH_NET_MAC_LEN 6

/** An IPv4 or IPv6 address with its prefix length. */
typedef struct {
        int family;          /* AF_INET or AF_INET6 */
        uint8_t addr[16];    /* network order: 4 bytes used for AF_INET */
        unsigned prefixlen;  /* 0..32 or 0..128 */
        unsigned char scope; /* RT_SCOPE_* (read back only) */
} berth_net_addr;

/**
 * Parse "10.88.0.2/16" or "fd00::2/64" (a bare address gets the full prefix,
 * /32 or /128). -EINVAL with a message on anything else.
 */
int berth_net_addr_parse(const char *text, berth_net_addr *ret, berth_error *err);
/** Room for the longest text form, "<IPv6>/128" with its NUL (INET6_ADDRSTRLEN + 4). */
#define BERTH_NET_ADDR_STRLEN (46 + 4)
/** "10.88.0.2/16" into buf (BERTH_NET_ADDR_STRLEN bytes are enough); with_prefix 0: bare. */
const char *berth_net_addr_format(const berth_net_addr *a, bool with_prefix, char *buf,
                                  size_t size);
/** Parse "02:42:ac:11:00:02" (6 hex pairs, ':' between). -EINVAL otherwise. */
int berth_net_mac_parse(const char *text, uint8_t ret[BERTH_NET_MAC_LEN], berth_error *err);
/** "02:42:ac:11:00:02" into buf (18 bytes). */
const char *berth_net_mac_format(const uint8_t mac[BERTH_NET_MAC_LEN], char buf[18]);

/* ---- links ---- */

/** What the kernel says of a link (berth_net_link_get). */
typedef struct {
        int ifindex;
        char name[IFNAMSIZ];
        char kind[16]; /* IFLA_INFO_KIND: "bridge", "veth", "macvlan"…, or "" */
        unsigned mtu;
        unsigned flags;          /* IFF_* (IFF_UP: set up; IFF_LOWER_UP: has carrier) */
        unsigned char operstate; /* IF_OPER_* */
        bool has_mac;
        uint8_t mac[BERTH_NET_MAC_LEN];
        int master; /* the bridge's ifindex, 0 for none */
        int link;   /* IFLA_LINK: a veth's peer or a macvlan's parent, 0 for none */
} berth_net_link;

/** The link named name; -ENODEV when there is none. */
int berth_net_link_get(berth_net *nl, const char *name, berth_net_link *ret, berth_error *err);
/** Its ifindex (> 0), or -ENODEV. */
int berth_net_link_index(berth_net *nl, const char *name, berth_error *err);
/** Delete a link (a veth end takes its peer with it, in whatever namespace). -ENODEV if none. */
int berth_net_link_delete(berth_net *nl, const char *name, berth_error *err);

/** Set a link up (true) or down (false). */
int berth_net_link_set_up(berth_net *nl, const char *name, bool up, berth_error *err);
/** Rename a link (the kernel wants it down: rename before berth_net_link_set_up). */
int berth_net_link_rename(berth_net *nl, const char *name, const char *new_name, berth_error *err);
/** Set a link's MAC address. */
int berth_net_link_set_mac(berth_net *nl, const char *name, const uint8_t mac[BERTH_NET_MAC_LEN],
                           berth_error *err);
/** Set a link's MTU. */
int berth_net_link_set_mtu(berth_net *nl, const char *name, unsigned mtu, berth_error *err);
/** Make a link a port of bridge (IFLA_MASTER); bridge NULL: take it out of its bridge. */
int berth_net_link_set_master(berth_net *nl, const char *name, const char *bridge,
                              berth_error *err);
/** Hairpin mode of a bridge port (IFLA_BRPORT_MODE): the bridge may send a frame back out
 * of the port it came in on, as a container's connection to its own published port needs
 * when br_netfilter DNATs it on the bridge. name must be a port of a bridge. */
int berth_net_link_set_hairpin(berth_net *nl, const char *name, bool on, berth_error *err);

/* ---- creating links ---- */

/** Create a bridge (down). mtu 0: the kernel's default; mac NULL: a random one. -EEXIST if taken.
 */
int berth_net_bridge_create(berth_net *nl, const char *name, unsigned mtu, const uint8_t *mac,
                            berth_error *err);

/**
 * Create a veth pair: host_name in nl's namespace, peer_name directly in the
 * namespace peer_netns_fd (IFLA_NET_NS_FD), so the peer never shows on this
 * side (-1: both ends in nl's namespace, as for joining two namespaces by
 * hand). Both ends down, with mtu (0: the default). -EEXIST if either name
 * is taken on its side.
 */
int berth_net_veth_create(berth_net *nl, const char *host_name, const char *peer_name, unsigned mtu,
                          int peer_netns_fd, berth_error *err);

/**
 * Create a macvlan link name (mode bridge) on parent (a link in nl's
 * namespace), directly in the namespace netns_fd (-1: in nl's own). Down,
 * with mtu (0: the parent's).
 */
int berth_net_macvlan_create(berth_net *nl, const char *name, const char *parent, unsigned mtu,
                             int netns_fd, berth_error *err);

/* ---- addresses and routes ---- */

/**
 * Add address a/prefix to a link (its subnet's route comes with it). IPv6
 * addresses are added without duplicate address detection (IFA_F_NODAD): the
 * caller's IPAM makes them unique, and DAD would hold them back for a second.
 */
int berth_net_addr_add(berth_net *nl, const char *name, const berth_net_addr *a, berth_error *err);
/**
 * The addresses of link name (both families, in the kernel's order), as a
 * malloc'ed array in *ret and its length in *ret_n (NULL and 0 for none).
 */
int berth_net_addr_list(berth_net *nl, const char *name, berth_net_addr **ret, size_t *ret_n,
                        berth_error *err);

/**
 * Add a route to dst (NULL: the default route of gateway's family) via gateway
 * (NULL: directly on the link), out of link name (NULL: the kernel chooses by
 * the gateway). dst and gateway must be of one family.
 */
int berth_net_route_add(berth_net *nl, const berth_net_addr *dst, const berth_net_addr *gateway,
                        const char *name, berth_error *err);

/** A route of the main table, as the kernel has it (berth_net_route_list). */
typedef struct {
        int family;         /* AF_INET or AF_INET6 */
        berth_net_addr dst; /* prefixlen 0: the default route */
        bool has_gateway;
        berth_net_addr gateway; /* when has_gateway (prefixlen: the full length) */
        int oif;                /* the link it goes out of, 0 for none */
        unsigned char type;     /* RTN_UNICAST, RTN_LOCAL… */
} berth_net_route;

/**
 * The routes of the main table of family (AF_INET, AF_INET6, or AF_UNSPEC for
 * both), as a malloc'ed array in *ret and its length in *ret_n.
 */
int berth_net_route_list(berth_net *nl, int family, berth_net_route **ret, size_t *ret_n,
                         berth_error *err);

/* ---- sysctls, namespaces, and the bridge driver's pieces ---- */

/** Write value to /proc/sys/<key> ("net/ipv4/ip_forward"), unless it reads so already. */
int berth_net_sysctl_set(const char *key, const char *value, berth_error *err);

/** The caller's namespace's /proc/sys/net/ipv6/conf as an O_PATH directory fd, or -1 (errno
 *  ENOENT: no IPv6 in this kernel). A name looked up under it later is looked up in that
 *  namespace, from whatever namespace the looker is in. */
int berth_net_ipv6_conf_open(void);

/**
 * Write value to link ifname's IPv6 setting key ("disable_ipv6", "accept_ra") in the handle's
 * namespace, unless it reads so already. -ENOENT when the kernel has no IPv6 (or no such link).
 */
int berth_net_link_ipv6_set(berth_net *nl, const char *ifname, const char *key, const char *value,
                            berth_error *err);
/** Whether the handle's namespace has no IPv6 settings (a kernel without IPv6). */
bool berth_net_ipv6_conf_missing(const berth_net *nl);

/**
 * A new network namespace kept by a bind mount on path (a file made here; -EEXIST
 * if there is one). Its directory is made a shared mount of itself first, so that
 * unmounting one later also unmounts the copies other mount namespaces hold. A thread
 * of its own makes it: the caller stays in its namespace. The new namespace's lo is down.
 */
int berth_netns_create(const char *path, berth_error *err);
/** The same, and a handle on the new namespace opened by the thread that made it (one thread
 *  and one setns fewer than berth_netns_create and then berth_net_open). */
int berth_netns_create_open(const char *path, berth_net **ret, berth_error *err);
/** Unmount and remove a namespace's file (none there: 0). Its links go when nothing else
 * holds it (a veth's host end with its peer). */
int berth_netns_remove(const char *path, berth_error *err);

/** A bridge network's link. */
typedef struct {
        const char *name;
        unsigned mtu;                /* 0: the kernel's */
        const berth_net_addr *addrs; /* the gateways, with the subnet's prefix */
        size_t n_addrs;
} berth_net_bridge_conf;

/**
 * The bridge as c says, made now if it is missing (its addresses, forwarding on,
 * route_localnet on it, up); one that exists is only set up. *ret_made (nullable):
 * whether this call made it. A link of that name that is no bridge: -EEXIST.
 */
int berth_net_bridge_ensure(berth_net *nl, const berth_net_bridge_conf *c, bool *ret_made,
                            berth_error *err);

/** A container's end of a bridge (a veth pair), or of a parent link (a macvlan). */
typedef struct {
        const char *host_name; /* the veth on the host ("veth…"); unused for a macvlan */
        const char *ifname;    /* in the container ("eth0") */
        const char *bridge;    /* the bridge, or NULL with parent */
        const char *parent;    /* a macvlan on this link of the host instead of a veth */
        unsigned mtu;
        bool has_mac;
        uint8_t mac[BERTH_NET_MAC_LEN];
        berth_net_addr addrs[2]; /* with the subnet's prefix */
        size_t n_addrs;
        berth_net_addr gateways[2]; /* default routes via these (none: not the default) */
        size_t n_gateways;
} berth_net_endpoint_conf;

/**
 * A veth pair: host_name on the host (nl) in the bridge and up, ifname made directly
 * in the namespace netns_fd (ctr: a handle on it) with its MAC, addresses, default
 * routes, up. On failure nothing is left (the host end deleted takes its peer).
 * With c->parent: a macvlan (mode bridge) on that link, made directly in the namespace
 * as ifname, set up the same way (on failure deleted there).
 */
int berth_net_endpoint_add(berth_net *nl, berth_net *ctr, int netns_fd,
                           const berth_net_endpoint_conf *c, berth_error *err);
