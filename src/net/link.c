/* SPDX-License-Identifier: Apache-2.0 */
/* Links by name: read one (RTM_GETLINK), change one (RTM_NEWLINK on an existing link), delete. */
#include "net/nl-internal.h"

#include <errno.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

/* ---- reading ---- */

typedef struct {
        berth_net_link *link;
        bool bad;
} link_parse;

static int linkinfo_cb(const struct nlattr *attr, void *data)
{
        link_parse *p = data;
        bool ok = mnl_attr_get_type(attr) != IFLA_INFO_KIND ||
                  berth_nl_get_str(attr, p->link->kind, sizeof(p->link->kind));
        p->bad |= !ok;
        return ok ? MNL_CB_OK : MNL_CB_ERROR;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
        link_parse *p = data;
        berth_net_link *l = p->link;
        bool ok = true;
        switch (mnl_attr_get_type(attr)) {
        case IFLA_IFNAME:
                ok = berth_nl_get_str(attr, l->name, sizeof(l->name));
                break;
        case IFLA_MTU:
                ok = berth_nl_get_u32(attr, &l->mtu);
                break;
        case IFLA_MASTER:
                ok = berth_nl_get_u32(attr, &l->master);
                break;
        case IFLA_LINK:
                ok = berth_nl_get_u32(attr, &l->link);
                break;
        case IFLA_OPERSTATE:
                ok = mnl_attr_validate(attr, MNL_TYPE_U8) == 0;
                if (ok)
                        l->operstate = mnl_attr_get_u8(attr);
                break;
        case IFLA_ADDRESS:
                /* only Ethernet-style addresses are kept */
                if (mnl_attr_get_payload_len(attr) == BERTH_NET_MAC_LEN) {
                        memcpy(l->mac, mnl_attr_get_payload(attr), BERTH_NET_MAC_LEN);
                        l->has_mac = true;
                }
                break;
        case IFLA_LINKINFO:
                ok = mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0 &&
                     mnl_attr_parse_nested(attr, linkinfo_cb, p) >= 0;
                break;
        }
        p->bad |= !ok;
        return ok ? MNL_CB_OK : MNL_CB_ERROR;
}

int berth_nl_parse_link(const struct nlmsghdr *nlh, berth_net_link *ret, berth_error *err)
{
        berth_net_link l = {0};
        link_parse p = {&l, false};
        if (nlh->nlmsg_type != RTM_NEWLINK ||
            mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
                return berth_errx(err, EPROTO, "a malformed link message");
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        l.ifindex = ifi->ifi_index;
        l.flags = ifi->ifi_flags;
        if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, &p) < 0 || p.bad || l.ifindex <= 0 ||
            l.name[0] == '\0')
                return berth_errx(err, EPROTO, "a malformed link message");
        *ret = l;
        return 0;
}

/* A request of type on the link name, named by ifindex when known (> 0), by name otherwise. */
static struct ifinfomsg *on_link(berth_net *nl, struct nlmsghdr **ret_nlh, uint16_t type,
                                 const char *name, int ifindex)
{
        struct ifinfomsg *ifi = berth_nl_link_request(nl, ret_nlh, type, 0, ifindex);
        if (ifindex <= 0)
                mnl_attr_put_strz(*ret_nlh, IFLA_IFNAME, name);
        return ifi;
}

static int one_link(const struct nlmsghdr *nlh, void *data, berth_error *err)
{
        return berth_nl_parse_link(nlh, data, err);
}

int berth_net_link_get(berth_net *nl, const char *name, berth_net_link *ret, berth_error *err)
{
        int r = berth_net_name_check(name, err);
        if (r < 0)
                return r;
        struct nlmsghdr *nlh;
        on_link(nl, &nlh, RTM_GETLINK, name, 0);
        berth_net_link l = {0};
        r = berth_nl_talk(nl, nlh, one_link, &l, err);
        if (r == 0 && l.ifindex <= 0)
                r = berth_errx(err, EPROTO, "no link in the kernel's answer");
        if (r < 0)
                return berth_wrap(err, "cannot read link '%s'", name);
        *ret = l;
        return 0;
}

int berth_net_link_index(berth_net *nl, const char *name, berth_error *err)
{
        berth_net_link l;
        int r = berth_net_link_get(nl, name, &l, err);
        return r < 0 ? r : l.ifindex;
}

int berth_net_link_delete(berth_net *nl, const char *name, berth_error *err)
{
        int r = berth_net_name_check(name, err);
        if (r < 0)
                return r;
        struct nlmsghdr *nlh;
        on_link(nl, &nlh, RTM_DELLINK, name, 0);
        r = berth_nl_talk(nl, nlh, NULL, NULL, err);
        return r < 0 ? berth_wrap(err, "cannot delete link '%s'", name) : 0;
}

/* ---- changing ---- */

/* One change to the existing link name: flags under mask change, and attribute type with
 * len bytes of value when type is not 0. The link is named by ifindex when known (> 0). */
static int link_change(berth_net *nl, const char *name, int ifindex, unsigned flags,
                       unsigned change, uint16_t type, size_t len, const void *value,
                       const char *what, berth_error *err)
{
        int r = berth_net_name_check(name, err);
        if (r < 0)
                return r;
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifi = on_link(nl, &nlh, RTM_NEWLINK, name, ifindex);
        ifi->ifi_flags = flags;
        ifi->ifi_change = change;
        if (type != 0)
                mnl_attr_put(nlh, type, len, value);
        r = berth_nl_talk(nl, nlh, NULL, NULL, err);
        return r < 0 ? berth_wrap(err, "cannot %s '%s'", what, name) : 0;
}

int berth_net_link_set_up(berth_net *nl, const char *name, bool up, berth_error *err)
{
        return link_change(nl, name, 0, up ? IFF_UP : 0, IFF_UP, 0, 0, NULL,
                           up ? "set up link" : "set down link", err);
}

int berth_net_link_rename(berth_net *nl, const char *name, const char *new_name, berth_error *err)
{
        int r = berth_net_name_check(new_name, err);
        if (r < 0)
                return r;
        int ifindex = berth_net_link_index(nl, name, err);
        if (ifindex < 0)
                return ifindex;
        return link_change(nl, name, ifindex, 0, 0, IFLA_IFNAME, strlen(new_name) + 1, new_name,
                           "rename link", err);
}

int berth_net_link_set_mac(berth_net *nl, const char *name, const uint8_t mac[BERTH_NET_MAC_LEN],
                           berth_error *err)
{
        return link_change(nl, name, 0, 0, 0, IFLA_ADDRESS, BERTH_NET_MAC_LEN, mac,
                           "set the MAC address of link", err);
}

int berth_net_link_set_mtu(berth_net *nl, const char *name, unsigned mtu, berth_error *err)
{
        uint32_t v = mtu;
        return link_change(nl, name, 0, 0, 0, IFLA_MTU, sizeof(v), &v, "set the MTU of link", err);
}

int berth_net_link_set_master(berth_net *nl, const char *name, const char *bridge, berth_error *err)
{
        uint32_t master = 0;
        if (bridge) {
                int r = berth_net_link_index(nl, bridge, err);
                if (r < 0)
                        return r;
                master = (uint32_t)r;
        }
        return link_change(nl, name, 0, 0, 0, IFLA_MASTER, sizeof(master), &master,
                           "set the bridge of link", err);
}

int berth_net_link_set_hairpin(berth_net *nl, const char *name, bool on, berth_error *err)
{
        /* the bridge's own request (`bridge link set … hairpin on`): by index, family
         * AF_BRIDGE, the port's attributes nested in IFLA_PROTINFO */
        int ifindex = berth_net_link_index(nl, name, err);
        if (ifindex < 0)
                return ifindex;
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifi = berth_nl_link_request(nl, &nlh, RTM_SETLINK, 0, ifindex);
        ifi->ifi_family = AF_BRIDGE;
        struct nlattr *nest = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
        uint8_t v = on ? 1 : 0;
        mnl_attr_put(nlh, IFLA_BRPORT_MODE, sizeof(v), &v);
        mnl_attr_nest_end(nlh, nest);
        int r = berth_nl_talk(nl, nlh, NULL, NULL, err);
        return r < 0 ? berth_wrap(err, "cannot set the hairpin mode of link '%s'", name) : 0;
}
