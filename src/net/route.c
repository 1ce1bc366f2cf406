/* SPDX-License-Identifier: Apache-2.0 */
/* Routes in the main table (RTM_NEWROUTE): a container's default route via its gateway. */
#include "net/nl-internal.h"

#include <errno.h>
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
