/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz src/net's readers of the kernel's answers: the input is a netlink
 * datagram (a run of messages, as recvmsg gives them); each link, address or
 * route message in it is parsed. What parses holds only what fits: a name with
 * its NUL inside IFNAMSIZ, a prefix within its family's length. The same bytes
 * as text go to the parsers of names, IP/prefix and MACs (what users type):
 * what parses formats back to a text that parses to the same value.
 */
#include "net/nl-internal.h"

#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

const char *berth_fuzz_target_name = "fuzz-netlink";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void as_text(const uint8_t *data, size_t size)
{
        char *s = strndup((const char *)data, size > 256 ? 256 : size);
        if (s == NULL)
                return;
        berth_error err = {0};
        berth_net_addr a, b;
        char text[BERTH_NET_ADDR_STRLEN];
        if (berth_net_addr_parse(s, &a, &err) == 0) {
                berth_net_addr_format(&a, true, text, sizeof(text));
                if (berth_net_addr_parse(text, &b, &err) < 0 || a.family != b.family ||
                    a.prefixlen != b.prefixlen || memcmp(a.addr, b.addr, sizeof(a.addr)) != 0)
                        abort();
        }
        uint8_t mac[BERTH_NET_MAC_LEN], again[BERTH_NET_MAC_LEN];
        char mtext[18];
        if (berth_net_mac_parse(s, mac, &err) == 0 &&
            (berth_net_mac_parse(berth_net_mac_format(mac, mtext), again, &err) < 0 ||
             memcmp(mac, again, sizeof(mac)) != 0))
                abort();
        if (berth_net_name_check(s, &err) == 0 && (strlen(s) >= IFNAMSIZ || strchr(s, '/')))
                abort();
        free(s);
}

/* Every link, address or route message: parsed, and what parses must hold what fits. */
static int each(const struct nlmsghdr *nlh, void *data, berth_error *err)
{
        berth_net_link l;
        berth_net_addr a;
        berth_net_route r;
        int ifindex;
        unsigned table;
        if (berth_nl_parse_link(nlh, &l, err) == 0 &&
            (strnlen(l.name, sizeof(l.name)) >= sizeof(l.name) ||
             strnlen(l.kind, sizeof(l.kind)) >= sizeof(l.kind) || l.ifindex <= 0))
                abort();
        if (berth_nl_parse_addr(nlh, &a, &ifindex, err) == 0 &&
            a.prefixlen > berth_nl_family_len(a.family) * 8)
                abort();
        if (berth_nl_parse_route(nlh, &r, &table, err) == 0 &&
            (r.dst.prefixlen > berth_nl_family_len(r.family) * 8 ||
             (r.has_gateway && r.gateway.family != r.family)))
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        berth_error err = {0};
        as_text(data, size);
        if (size > 65536 || berth_libmnl_load(&err) < 0)
                return 0;
        /* aligned, and with the zeros after it, as nl.c receives a datagram */
        char *buf = calloc(1, size + NLMSG_ALIGNTO);
        if (buf == NULL)
                return 0;
        memcpy(buf, data, size);
        size_t left = size;
        for (const struct nlmsghdr *nlh = (const void *)buf; berth_nl_msg_ok(nlh, left);
             nlh = berth_nl_msg_next(nlh, &left))
                each(nlh, NULL, &err);
        /* as answers to a request: the one the first message answers */
        if (size >= sizeof(struct nlmsghdr)) {
                const struct nlmsghdr *first = (const void *)buf;
                berth_net nl = {.portid = first->nlmsg_pid};
                int status = 0;
                int done =
                    berth_nl_answers(&nl, buf, size, first->nlmsg_seq, each, NULL, &status, &err);
                if (done < 0 || done > 1 || status > 0 || (status < 0 && err.code != -status))
                        abort();
        }
        free(buf);
        return 0;
}
