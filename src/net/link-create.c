/* SPDX-License-Identifier: Apache-2.0 */
/* New links (RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL): bridges, veth pairs, macvlans. */
#include "net/nl-internal.h"

#include <errno.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

/* Name and MTU of a link being made, into the request nlh (or into a veth peer's part of it). */
static void put_name_mtu(struct nlmsghdr *nlh, const char *name, unsigned mtu)
{
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        if (mtu > 0)
                mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
}

/* A create request for link name of kind, with the MAC address mac, on link parent (> 0) and
 * made in netns_fd (>= 0) when given: its IFLA_INFO_DATA nest is left open in *ret_data for
 * the kind's own attributes (create_send ends it). */
static struct nlmsghdr *create_request(berth_net *nl, const char *name, unsigned mtu,
                                       const uint8_t *mac, const char *kind, int parent,
                                       int netns_fd, struct nlattr **ret_info,
                                       struct nlattr **ret_data)
{
        struct nlmsghdr *nlh;
        berth_nl_link_request(nl, &nlh, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        put_name_mtu(nlh, name, mtu);
        if (mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, BERTH_NET_MAC_LEN, mac);
        if (parent > 0)
                mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)parent);
        if (netns_fd >= 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
        *ret_info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
        *ret_data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        return nlh;
}

static int create_send(berth_net *nl, struct nlmsghdr *nlh, struct nlattr *info,
                       struct nlattr *data, const char *kind, const char *name, berth_error *err)
{
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        int r = berth_nl_talk(nl, nlh, NULL, NULL, err);
        return r < 0 ? berth_wrap(err, "cannot create %s '%s'", kind, name) : 0;
}

int berth_net_bridge_create(berth_net *nl, const char *name, unsigned mtu, const uint8_t *mac,
                            berth_error *err)
{
        int r = berth_net_name_check(name, err);
        if (r < 0)
                return r;
        struct nlattr *info, *data;
        struct nlmsghdr *nlh = create_request(nl, name, mtu, mac, "bridge", 0, -1, &info, &data);
        return create_send(nl, nlh, info, data, "bridge", name, err);
}

int berth_net_veth_create(berth_net *nl, const char *host_name, const char *peer_name, unsigned mtu,
                          int peer_netns_fd, berth_error *err)
{
        int r = berth_net_name_check(host_name, err);
        if (r >= 0)
                r = berth_net_name_check(peer_name, err);
        if (r < 0)
                return r;
        struct nlattr *info, *data;
        struct nlmsghdr *nlh =
            create_request(nl, host_name, mtu, NULL, "veth", 0, -1, &info, &data);
        /* the peer: an ifinfomsg of its own, then its attributes; only it moves */
        struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        memset((char *)nlh + nlh->nlmsg_len, 0, sizeof(struct ifinfomsg));
        nlh->nlmsg_len += NLMSG_ALIGN(sizeof(struct ifinfomsg));
        put_name_mtu(nlh, peer_name, mtu);
        if (peer_netns_fd >= 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
        mnl_attr_nest_end(nlh, peer);
        return create_send(nl, nlh, info, data, "veth", host_name, err);
}

int berth_net_macvlan_create(berth_net *nl, const char *name, const char *parent, unsigned mtu,
                             int netns_fd, berth_error *err)
{
        int r = berth_net_name_check(name, err);
        if (r < 0)
                return r;
        int parent_index = berth_net_link_index(nl, parent, err);
        if (parent_index < 0)
                return berth_wrap(err, "cannot create macvlan '%s'", name);
        struct nlattr *info, *data;
        struct nlmsghdr *nlh =
            create_request(nl, name, mtu, NULL, "macvlan", parent_index, netns_fd, &info, &data);
        mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
        return create_send(nl, nlh, info, data, "macvlan", name, err);
}
