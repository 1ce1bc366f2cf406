/* SPDX-License-Identifier: Apache-2.0 */
/* Whether berth's table is in the kernel: one NFT_MSG_GETTABLE over nfnetlink, without
 * libnftables (a start asks it each time: someone's `nft flush ruleset` may have taken it). */
#include "net/firewall.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int berth_fw_table_exists(const char *table, berth_error *err)
{
        size_t tlen = strlen(table) + 1;
        if (tlen > 64)
                return berth_errx(err, EINVAL, "invalid nftables table name \"%s\"", table);
        struct {
                struct nlmsghdr nh;
                struct nfgenmsg nf;
                struct nlattr name;
                char text[64];
        } req = {0};
        req.nh.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof(req.nf)) + NLA_ALIGN(NLA_HDRLEN + tlen));
        req.nh.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
        req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
        req.nh.nlmsg_seq = 1;
        req.nf.nfgen_family = NFPROTO_INET;
        req.nf.version = NFNETLINK_V0;
        req.name.nla_len = (uint16_t)(NLA_HDRLEN + tlen);
        req.name.nla_type = NFTA_TABLE_NAME;
        memcpy(req.text, table, tlen);
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        if (fd < 0)
                return berth_err(err, errno, "cannot open a netfilter socket");
        struct timeval tv = {.tv_sec = 5};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
        int r;
        if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
                r = berth_err(err, errno, "cannot ask for nftables table %s", table);
                goto out;
        }
        /* the table (NEWTABLE) and then the ack, or an error: the first message decides */
        char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < (ssize_t)sizeof(struct nlmsghdr)) {
                        r = berth_err(err, n < 0 ? errno : EPROTO,
                                      "no answer about nftables table %s", table);
                        goto out;
                }
                struct nlmsghdr *nh = (struct nlmsghdr *)buf;
                if (nh->nlmsg_seq != 1)
                        continue;
                if (nh->nlmsg_type == NLMSG_ERROR &&
                    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
                        int e = -((struct nlmsgerr *)NLMSG_DATA(nh))->error;
                        r = e == ENOENT ? 0
                            : e == 0    ? 1
                                     : berth_err(err, e, "cannot ask for nftables table %s", table);
                        goto out;
                }
                r = nh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE);
                goto out;
        }
out:
        close(fd);
        return r;
}
