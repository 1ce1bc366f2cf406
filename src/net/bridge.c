/* SPDX-License-Identifier: Apache-2.0 */
/* The bridge driver's kernel side: a network's bridge made on demand, and a container's end of
 * it (a veth pair whose peer is made in the container's namespace). */
#include "net/net.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

/* berth_net_link_ipv6_set, where the kernel has IPv6 (without it there is nothing to turn off) */
static int ipv6_set_if_any(berth_net *nl, const char *ifname, const char *key, const char *value,
                           berth_error *err)
{
        if (berth_net_ipv6_conf_missing(nl))
                return 0;
        return berth_net_link_ipv6_set(nl, ifname, key, value, err);
}

int berth_net_bridge_ensure(berth_net *nl, const berth_net_bridge_conf *c, bool *ret_made,
                            berth_error *err)
{
        berth_net_link l;
        int r = berth_net_link_get(nl, c->name, &l, err);
        if (ret_made)
                *ret_made = false;
        if (r == 0) {
                if (strcmp(l.kind, "bridge") != 0)
                        return berth_errx(err, EEXIST,
                                          "link %s exists and is not a bridge (kind \"%s\")",
                                          c->name, l.kind);
                if (!(l.flags & IFF_UP))
                        return berth_net_link_set_up(nl, c->name, true, err);
                return 0;
        }
        if (r != -ENODEV)
                return r;
        /* a MAC of its own, set: otherwise the kernel gives the bridge its lowest port's and
         * changes it as ports come and go, and the containers' ARP entries for their
         * gateway go stale (their traffic to it lost until they ask again) */
        uint8_t mac[BERTH_NET_MAC_LEN];
        if (getrandom(mac, sizeof(mac), 0) != sizeof(mac))
                return berth_err(err, errno, "cannot make a MAC address");
        mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
        r = berth_net_bridge_create(nl, c->name, c->mtu, mac, err);
        if (r == -EEXIST) /* another command made it meanwhile */
                return 0;
        if (r < 0)
                return r;
        for (size_t i = 0; r == 0 && i < c->n_addrs; i++) {
                r = berth_net_addr_add(nl, c->name, &c->addrs[i], err);
                if (r == -EEXIST)
                        r = 0;
        }
        /* the host takes no router advertisement from a network (a container with CAP_NET_RAW
         * could send one and become the host's IPv6 router: CVE-2020-13401) */
        if (r == 0)
                r = ipv6_set_if_any(nl, c->name, "accept_ra", "0", err);
        /* forwarding (what a bridge network is for) and, for ports published on 127.0.0.1,
         * loopback sources routed to the bridge (firewall.h) */
        char key[96];
        snprintf(key, sizeof(key), "net/ipv4/conf/%s/route_localnet", c->name);
        if (r == 0)
                r = berth_net_sysctl_set("net/ipv4/ip_forward", "1", err);
        if (r == 0)
                r = berth_net_sysctl_set(key, "1", err);
        for (size_t i = 0; r == 0 && i < c->n_addrs; i++)
                if (c->addrs[i].family == AF_INET6)
                        r = berth_net_sysctl_set("net/ipv6/conf/all/forwarding", "1", err);
        if (r == 0)
                r = berth_net_link_set_up(nl, c->name, true, err);
        if (r < 0) {
                berth_net_link_delete(nl, c->name, NULL);
                return r;
        }
        if (ret_made)
                *ret_made = true;
        return 0;
}

int berth_net_endpoint_add(berth_net *host, berth_net *ctr, int netns_fd,
                           const berth_net_endpoint_conf *c, berth_error *err)
{
        int r;
        if (c->parent) {
                if ((r = berth_net_macvlan_create(host, c->ifname, c->parent, c->mtu, netns_fd,
                                                  err)) < 0)
                        return r;
        } else {
                if ((r = berth_net_veth_create(host, c->host_name, c->ifname, c->mtu, netns_fd,
                                               err)) < 0)
                        return r;
                if ((r = berth_net_link_set_master(host, c->host_name, c->bridge, err)) < 0 ||
                    (r = berth_net_link_set_hairpin(host, c->host_name, true, err)) < 0 ||
                    (r = berth_net_link_set_up(host, c->host_name, true, err)) < 0)
                        goto fail;
        }
        /* IPv6 on the container's link only when the network gives it an IPv6 address (Docker's
         * rule: otherwise it would sit in IPv6's multicast groups, open to forged neighbour
         * and router advertisements from the network's other containers); and on a bridge, no
         * router advertisement taken either way: berth's bridges have no router but a hostile
         * container */
        bool has6 = false;
        for (size_t i = 0; i < c->n_addrs; i++)
                has6 = has6 || c->addrs[i].family == AF_INET6;
        if ((r = ipv6_set_if_any(ctr, c->ifname, "disable_ipv6", has6 ? "0" : "1", err)) < 0 ||
            (has6 && !c->parent &&
             (r = ipv6_set_if_any(ctr, c->ifname, "accept_ra", "0", err)) < 0))
                goto fail;
        if (c->has_mac && (r = berth_net_link_set_mac(ctr, c->ifname, c->mac, err)) < 0)
                goto fail;
        for (size_t i = 0; i < c->n_addrs; i++)
                if ((r = berth_net_addr_add(ctr, c->ifname, &c->addrs[i], err)) < 0)
                        goto fail;
        if ((r = berth_net_link_set_up(ctr, c->ifname, true, err)) < 0)
                goto fail;
        for (size_t i = 0; i < c->n_gateways; i++)
                if ((r = berth_net_route_add(ctr, NULL, &c->gateways[i], c->ifname, err)) < 0)
                        goto fail;
        return 0;
fail:
        if (c->parent)
                berth_net_link_delete(ctr, c->ifname, NULL);
        else
                berth_net_link_delete(host, c->host_name, NULL);
        return r;
}
