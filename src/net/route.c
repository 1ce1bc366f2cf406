/* SPDX-License-Identifier: Apache-2.0 */
/* Routes in the main table: add one (RTM_NEWROUTE: a container's default route via its
 * gateway), read them (an RTM_GETROUTE dump). */
#include "net/nl-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

int berth_net_route_add(berth_net *nl, const berth_net_addr *dst, const berth_net_addr *gateway,
                        const char *name, berth_error *err)
{
        const berth_net_addr *any = dst ? dst : gateway;
        if (any == NULL || (name == NULL && gateway == NULL))
                return berth_errx(err, EINVAL, "a route needs a gateway or a link");
        int r = berth_nl_addr_check(any, "the route's destination", err);
        if (r >= 0 && gateway)
                r = berth_nl_addr_check(gateway, "the route's gateway", err);
        if (r >= 0 && dst && gateway && dst->family != gateway->family)
                r = berth_errx(err, EINVAL, "a route's destination and gateway differ in family");
        if (r < 0)
                return r;
        int ifindex = 0;
        if (name) {
                ifindex = berth_net_link_index(nl, name, err);
                if (ifindex < 0)
                        return ifindex;
        }
        size_t len = berth_nl_family_len(any->family);
        struct nlmsghdr *nlh = berth_nl_request(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
        struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
        rtm->rtm_family = (unsigned char)any->family;
        rtm->rtm_dst_len = dst ? (unsigned char)dst->prefixlen : 0;
        rtm->rtm_table = RT_TABLE_MAIN;
        rtm->rtm_protocol = RTPROT_BOOT;
        rtm->rtm_scope = gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
        rtm->rtm_type = RTN_UNICAST;
        if (dst && dst->prefixlen > 0)
                mnl_attr_put(nlh, RTA_DST, len, dst->addr);
        if (gateway)
                mnl_attr_put(nlh, RTA_GATEWAY, len, gateway->addr);
        if (ifindex > 0)
                mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
        r = berth_nl_talk(nl, nlh, NULL, NULL, err);
        if (r < 0) {
                char d[BERTH_NET_ADDR_STRLEN] = "default", g[BERTH_NET_ADDR_STRLEN] = "";
                if (dst && dst->prefixlen > 0)
                        berth_net_addr_format(dst, true, d, sizeof(d));
                if (gateway)
                        berth_net_addr_format(gateway, false, g, sizeof(g));
                return berth_wrap(err, "cannot add route %s%s%s%s%s", d, gateway ? " via " : "", g,
                                  name ? " dev " : "", name ? name : "");
        }
        return 0;
}

typedef struct {
        berth_net_route *r;
        unsigned table;
        bool bad;
} route_attrs;

/* An address attribute: exactly its family's length. */
static bool get_addr(const struct nlattr *attr, berth_net_addr *a, int family)
{
        size_t len = berth_nl_family_len(family);
        if (mnl_attr_get_payload_len(attr) != len)
                return false;
        a->family = family;
        a->prefixlen = (unsigned)len * 8;
        memcpy(a->addr, mnl_attr_get_payload(attr), len);
        return true;
}

static int route_attr_cb(const struct nlattr *attr, void *data)
{
        route_attrs *p = data;
        berth_net_route *r = p->r;
        bool ok = true;
        unsigned prefixlen = r->dst.prefixlen;
        switch (mnl_attr_get_type(attr)) {
        case RTA_DST:
                ok = get_addr(attr, &r->dst, r->family);
                r->dst.prefixlen = prefixlen;
                break;
        case RTA_GATEWAY:
                ok = r->has_gateway = get_addr(attr, &r->gateway, r->family);
                break;
        case RTA_OIF:
                ok = berth_nl_get_u32(attr, &r->oif);
                break;
        case RTA_TABLE:
                ok = berth_nl_get_u32(attr, &p->table);
                break;
        }
        p->bad |= !ok;
        return ok ? MNL_CB_OK : MNL_CB_ERROR;
}

int berth_nl_parse_route(const struct nlmsghdr *nlh, berth_net_route *ret, unsigned *ret_table,
                         berth_error *err)
{
        if (nlh->nlmsg_type != RTM_NEWROUTE ||
            mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtmsg))
                return berth_errx(err, EPROTO, "a malformed route message");
        const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
        berth_net_route r = {.family = rtm->rtm_family, .type = rtm->rtm_type};
        r.dst.family = rtm->rtm_family;
        r.dst.prefixlen = rtm->rtm_dst_len;
        route_attrs p = {&r, rtm->rtm_table, false};
        if (berth_nl_addr_check(&r.dst, "a route in the kernel's answer", err) < 0)
                return -EPROTO;
        if (mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, &p) < 0 || p.bad)
                return berth_errx(err, EPROTO, "a malformed route message");
        *ret = r;
        *ret_table = p.table;
        return 0;
}

static int one_route(const struct nlmsghdr *nlh, void *data, berth_error *err)
{
        berth_nl_list *l = data;
        berth_net_route r;
        unsigned table;
        int k = berth_nl_parse_route(nlh, &r, &table, err);
        if (k < 0 || table != RT_TABLE_MAIN)
                return k;
        return berth_nl_append(&l->v, &l->n, sizeof(r), &r, err);
}

int berth_net_route_list(berth_net *nl, int family, berth_net_route **ret, size_t *ret_n,
                         berth_error *err)
{
        if (family != AF_UNSPEC && berth_nl_family_len(family) == 0)
                return berth_errx(err, EINVAL, "routes of an unknown address family %d", family);
        struct nlmsghdr *nlh = berth_nl_request(nl, RTM_GETROUTE, NLM_F_DUMP);
        struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
        rtm->rtm_family = (unsigned char)family;
        berth_nl_list l = {0};
        int r = berth_nl_dump(nl, nlh, one_route, &l, ret, ret_n, err);
        return r < 0 ? berth_wrap(err, "cannot list routes") : 0;
}
