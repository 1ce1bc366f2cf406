/* SPDX-License-Identifier: Apache-2.0 */
/* A link's IP addresses: add one (RTM_NEWADDR), read them all (an RTM_GETADDR dump). */
#include "base/cleanup.h"
#include "net/nl-internal.h"

#include <errno.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

/* 0 when a is an address of a known family with a prefix that fits it. */
int berth_nl_addr_check(const berth_net_addr *a, const char *what, berth_error *err)
{
        size_t len = berth_nl_family_len(a->family);
        if (len == 0 || a->prefixlen > len * 8)
                return berth_errx(err, EINVAL, "%s is not an IPv4 or IPv6 address with a prefix",
                                  what);
        return 0;
}

int berth_net_addr_add(berth_net *nl, const char *name, const berth_net_addr *a, berth_error *err)
{
        int r = berth_nl_addr_check(a, "the address", err);
        if (r < 0)
                return r;
        int ifindex = berth_net_link_index(nl, name, err);
        if (ifindex < 0)
                return ifindex;
        struct nlmsghdr *nlh = berth_nl_request(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = (unsigned char)a->family;
        ifa->ifa_prefixlen = (unsigned char)a->prefixlen;
        ifa->ifa_flags = a->family == AF_INET6 ? IFA_F_NODAD : 0;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_index = (unsigned)ifindex;
        size_t len = berth_nl_family_len(a->family);
        mnl_attr_put(nlh, IFA_LOCAL, len, a->addr);
        mnl_attr_put(nlh, IFA_ADDRESS, len, a->addr);
        r = berth_nl_talk(nl, nlh, NULL, NULL, err);
        if (r < 0) {
                char text[BERTH_NET_ADDR_STRLEN];
                return berth_wrap(err, "cannot add address %s to '%s'",
                                  berth_net_addr_format(a, true, text, sizeof(text)), name);
        }
        return 0;
}

typedef struct {
        berth_net_addr *a;
        const struct nlattr *local, *address;
} addr_attrs;

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
        addr_attrs *p = data;
        uint16_t type = mnl_attr_get_type(attr);
        if (type == IFA_LOCAL || type == IFA_ADDRESS) {
                if (mnl_attr_get_payload_len(attr) != berth_nl_family_len(p->a->family))
                        return MNL_CB_ERROR;
                *(type == IFA_LOCAL ? &p->local : &p->address) = attr;
        }
        return MNL_CB_OK;
}

int berth_nl_parse_addr(const struct nlmsghdr *nlh, berth_net_addr *ret, int *ret_ifindex,
                        berth_error *err)
{
        if (nlh->nlmsg_type != RTM_NEWADDR ||
            mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifaddrmsg))
                return berth_errx(err, EPROTO, "a malformed address message");
        const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
        berth_net_addr a = {
            .family = ifa->ifa_family, .prefixlen = ifa->ifa_prefixlen, .scope = ifa->ifa_scope};
        addr_attrs p = {&a, NULL, NULL};
        if (berth_nl_addr_check(&a, "an address in the kernel's answer", err) < 0)
                return -EPROTO;
        /* IFA_LOCAL is the address itself (IFA_ADDRESS is a point-to-point link's peer) */
        if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, &p) < 0 || (!p.local && !p.address))
                return berth_errx(err, EPROTO, "a malformed address message");
        memcpy(a.addr, mnl_attr_get_payload(p.local ? p.local : p.address),
               berth_nl_family_len(a.family));
        *ret = a;
        *ret_ifindex = (int)ifa->ifa_index;
        return 0;
}

static int one_addr(const struct nlmsghdr *nlh, void *data, berth_error *err)
{
        berth_nl_list *l = data;
        berth_net_addr a;
        int ifindex;
        int r = berth_nl_parse_addr(nlh, &a, &ifindex, err);
        if (r < 0 || ifindex != l->ifindex)
                return r;
        return berth_nl_append(&l->v, &l->n, sizeof(a), &a, err);
}

int berth_net_addr_list(berth_net *nl, const char *name, berth_net_addr **ret, size_t *ret_n,
                        berth_error *err)
{
        int ifindex = berth_net_link_index(nl, name, err);
        if (ifindex < 0)
                return ifindex;
        struct nlmsghdr *nlh = berth_nl_request(nl, RTM_GETADDR, NLM_F_DUMP);
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = AF_UNSPEC;
        berth_nl_list l = {.ifindex = ifindex};
        int r = berth_nl_dump(nl, nlh, one_addr, &l, ret, ret_n, err);
        return r < 0 ? berth_wrap(err, "cannot list the addresses of '%s'", name) : 0;
}
