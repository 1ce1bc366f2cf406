/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The request/reply plumbing of src/net (nl.c) and the reply parsers the
 * modules share. Not for use outside src/net (tests excepted).
 */
#include "net/net.h"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>

/* Our requests are a header, a fixed struct and a few short attributes (names are < 16 bytes):
 * far below this. */
#define BERTH_NL_REQ_SIZE 1024

struct berth_net {
        struct mnl_socket *sock;
        unsigned portid;
        unsigned seq;
        char req[BERTH_NL_REQ_SIZE];
        char *buf; /* replies: BERTH_NL_RECV_SIZE bytes, and NLMSG_ALIGNTO zeros after each */
        int conf6; /* the namespace's /proc/sys/net/ipv6/conf (berth_net_ipv6_conf_open), or -1 */
};

/** Called for each reply message that is not an ack or an error; <0 stops with that error. */
typedef int (*berth_nl_reply_fn)(const struct nlmsghdr *nlh, void *data, berth_error *err);

/** Start a request of type with flags (NLM_F_REQUEST and NLM_F_ACK are added) in nl->req. */
struct nlmsghdr *berth_nl_request(berth_net *nl, uint16_t type, uint16_t flags);

/**
 * Send req and read the kernel's answers to it (same sequence number, our port
 * id, from the kernel) until its ack, error or NLMSG_DONE; anything else read
 * is skipped. Each data message goes to fn (may be NULL). A kernel error is
 * returned as -errno with its extended message, if any, in err.
 */
int berth_nl_talk(berth_net *nl, struct nlmsghdr *req, berth_nl_reply_fn fn, void *data,
                  berth_error *err);

/**
 * The answers to request seq in one datagram of n bytes at buf (followed by
 * NLMSG_ALIGNTO zeros), from the kernel: each data message to fn unless
 * *status already holds an error. 1 when the answer is complete (an ack, an
 * error or NLMSG_DONE; then *status is 0 or the first error), 0 when more is
 * to come. What berth_nl_talk does with each datagram it reads.
 */
int berth_nl_answers(const berth_net *nl, const void *buf, size_t n, uint32_t seq,
                     berth_nl_reply_fn fn, void *data, int *status, berth_error *err);

/** Start an RTM_NEWLINK/SETLINK-style request on a link: an ifinfomsg with ifindex. */
struct ifinfomsg *berth_nl_link_request(berth_net *nl, struct nlmsghdr **ret_nlh, uint16_t type,
                                        uint16_t flags, int ifindex);

/** Parse an RTM_NEWLINK message into *ret; -EPROTO if it is malformed. */
int berth_nl_parse_link(const struct nlmsghdr *nlh, berth_net_link *ret, berth_error *err);
/** Parse an RTM_NEWADDR message into *ret and its ifindex; -EPROTO if malformed. */
int berth_nl_parse_addr(const struct nlmsghdr *nlh, berth_net_addr *ret, int *ret_ifindex,
                        berth_error *err);

/** The address length of a family (4 or 16), 0 for another. */
static inline size_t berth_nl_family_len(int family)
{
        return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/** 0 when a is of a known family with a prefix that fits; else -EINVAL naming it as what. */
int berth_nl_addr_check(const berth_net_addr *a, const char *what, berth_error *err);

/** Parse an RTM_NEWROUTE message into *ret and its table id; -EPROTO if malformed. */
int berth_nl_parse_route(const struct nlmsghdr *nlh, berth_net_route *ret, unsigned *ret_table,
                         berth_error *err);

/** Append the size bytes of item to the malloc'ed array *v of *n items; -ENOMEM. */
int berth_nl_append(void *v, size_t *n, size_t size, const void *item, berth_error *err);

/** A NUL-terminated string attribute that fits size bytes, copied to dst; false otherwise. */
bool berth_nl_get_str(const struct nlattr *attr, char *dst, size_t size);
/** A u32 attribute of exactly 4 bytes, copied to dst (an int or unsigned); false otherwise. */
bool berth_nl_get_u32(const struct nlattr *attr, void *dst);

/** What a dump keeps: the items fn appended (berth_nl_append(&l->v, &l->n, …)), and a filter. */
typedef struct {
        void *v;
        size_t n;
        int ifindex; /* the link whose items are kept, for the dumps that filter by one */
} berth_nl_list;

/**
 * Send the dump request req, fn called with l for each answer; on success the
 * items in *(T **)ret and *ret_n, on failure freed.
 */
int berth_nl_dump(berth_net *nl, struct nlmsghdr *req, berth_nl_reply_fn fn, berth_nl_list *l,
                  void *ret, size_t *ret_n, berth_error *err);

/*
 * Walking the messages of a datagram of left bytes, followed in its buffer by
 * NLMSG_ALIGNTO zero bytes: libmnl's attribute walk (mnl_attr_parse) reads up
 * to a message's aligned end, past an unaligned last message's nlmsg_len. Not mnl_nlmsg_ok/next:
 * libmnl compares nlmsg_len as an int, so a length of 2 GiB or more passes its
 * check and the next step jumps out of the buffer (found by fuzz-netlink).
 */
static inline bool berth_nl_msg_ok(const struct nlmsghdr *nlh, size_t left)
{
        return left >= sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) && nlh->nlmsg_len <= left;
}
/* The message after nlh (one that berth_nl_msg_ok passed), with *left bytes from it on. */
static inline const struct nlmsghdr *berth_nl_msg_next(const struct nlmsghdr *nlh, size_t *left)
{
        size_t step = NLMSG_ALIGN(nlh->nlmsg_len);
        if (step >= *left) {
                *left = 0;
                return nlh;
        }
        *left -= step;
        return (const struct nlmsghdr *)((const char *)nlh + step);
}
