/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rtnetlink socket of a handle: opened in the right namespace, one request
 * sent, its answers read and matched (sequence number, our port id, the kernel
 * as sender), the kernel's error and extended message kept.
 */
#include "base/cleanup.h"
#include "net/nl-internal.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

/* Room for one datagram of a dump: the kernel fills at most 32 KiB per read. */
#define BERTH_NL_RECV_SIZE 65536

/* ---- opening ---- */

typedef struct {
        int netns_fd;
        struct mnl_socket *sock;
        int conf6;
        int errnum;
        const char *what;
} opener;

/* the socket, and the namespace's IPv6 settings, in the namespace the thread is in */
static void open_socket(opener *o)
{
        o->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (o->sock == NULL) {
                o->errnum = errno;
                o->what = "cannot open a netlink socket";
                return;
        }
        o->conf6 = berth_net_ipv6_conf_open();
}

/* A thread of its own: it enters the namespace, makes the socket there and ends (its namespace
 * with it); the socket stays in the namespace it was made in. */
static void *open_in_netns(void *p)
{
        opener *o = p;
        if (setns(o->netns_fd, CLONE_NEWNET) < 0) {
                o->errnum = errno;
                o->what = "cannot enter the network namespace";
                return NULL;
        }
        open_socket(o);
        return NULL;
}

/* o's socket set up as a handle (it and o->conf6 are closed on failure) */
static int handle_of(opener *o, berth_net **ret, berth_error *err)
{
        if (o->sock == NULL) {
                if (o->conf6 >= 0)
                        close(o->conf6);
                return berth_err(err, o->errnum, "%s", o->what);
        }
        int r = 0;
        _cleanup_free_ berth_net *nl = calloc(1, sizeof(*nl));
        _cleanup_free_ char *buf = malloc(BERTH_NL_RECV_SIZE + NLMSG_ALIGNTO);
        if (nl == NULL || buf == NULL)
                r = berth_err(err, ENOMEM, "cannot set up a netlink socket");
        else if (mnl_socket_bind(o->sock, 0, MNL_SOCKET_AUTOPID) < 0)
                r = berth_err(err, errno, "cannot bind a netlink socket");
        if (r < 0) {
                mnl_socket_close(o->sock);
                if (o->conf6 >= 0)
                        close(o->conf6);
                return r;
        }
        /* the kernel's reason in words, and the request not echoed back: best effort (old
         * kernels have neither, and their errno is all there is) */
        int on = 1;
        mnl_socket_setsockopt(o->sock, NETLINK_EXT_ACK, &on, sizeof(on));
        mnl_socket_setsockopt(o->sock, NETLINK_CAP_ACK, &on, sizeof(on));
        /* the kernel answers at once; a request it never answers must not hang a command */
        struct timeval timeout = {.tv_sec = 10};
        setsockopt(mnl_socket_get_fd(o->sock), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
        nl->sock = o->sock;
        nl->portid = mnl_socket_get_portid(o->sock);
        nl->buf = TAKE_PTR(buf);
        nl->conf6 = o->conf6;
        *ret = TAKE_PTR(nl);
        return 0;
}

int berth_net_open(int netns_fd, berth_net **ret, berth_error *err)
{
        int r = berth_libmnl_load(err);
        if (r < 0)
                return r;
        opener o = {.netns_fd = netns_fd, .conf6 = -1};
        if (netns_fd < 0) {
                open_socket(&o);
        } else {
                pthread_t t;
                r = pthread_create(&t, NULL, open_in_netns, &o);
                if (r != 0)
                        return berth_err(err, r, "cannot start a thread for a network namespace");
                pthread_join(t, NULL);
        }
        return handle_of(&o, ret, err);
}

int berth_net_open_socket(int sock_fd, int conf6_fd, berth_net **ret, berth_error *err)
{
        int r = berth_libmnl_load(err);
        if (r < 0) {
                close(sock_fd);
                if (conf6_fd >= 0)
                        close(conf6_fd);
                return r;
        }
        opener o = {.netns_fd = -1, .sock = mnl_socket_fdopen(sock_fd), .conf6 = conf6_fd};
        if (o.sock == NULL) {
                o.errnum = errno;
                o.what = "cannot set up a netlink socket";
                close(sock_fd);
        }
        return handle_of(&o, ret, err);
}

void berth_net_close(berth_net *nl)
{
        if (nl == NULL)
                return;
        mnl_socket_close(nl->sock);
        if (nl->conf6 >= 0)
                close(nl->conf6);
        free(nl->buf);
        free(nl);
}

/* ---- requests ---- */

struct nlmsghdr *berth_nl_request(berth_net *nl, uint16_t type, uint16_t flags)
{
        memset(nl->req, 0, sizeof(nl->req));
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->req);
        nlh->nlmsg_type = type;
        /* a dump ends with NLMSG_DONE; anything else is acked (all of NLM_F_DUMP's bits: a
         * create's NLM_F_EXCL is one of them) */
        bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
        nlh->nlmsg_flags = NLM_F_REQUEST | flags | (dump ? 0 : NLM_F_ACK);
        nlh->nlmsg_seq = ++nl->seq;
        return nlh;
}

struct ifinfomsg *berth_nl_link_request(berth_net *nl, struct nlmsghdr **ret_nlh, uint16_t type,
                                        uint16_t flags, int ifindex)
{
        struct nlmsghdr *nlh = berth_nl_request(nl, type, flags);
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        *ret_nlh = nlh;
        return ifi;
}

/* ---- answers ---- */

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
        if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
            mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
                *(const char **)data = mnl_attr_get_str(attr);
        return MNL_CB_OK;
}

/* An NLMSG_ERROR: 0 for an ack, else the kernel's -errno, with its words if it sent some. */
static int kernel_error(const struct nlmsghdr *nlh, berth_error *err)
{
        size_t len = mnl_nlmsg_get_payload_len(nlh);
        const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
        if (len < sizeof(*e))
                return berth_errx(err, EPROTO, "a short netlink error message");
        if (e->error == 0)
                return 0;
        int errnum = e->error < 0 && e->error > -4096 ? -e->error : EPROTO;
        const char *text = NULL;
        if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
                /* after the error: our request's header, or all of it when not capped */
                size_t off = sizeof(*e);
                if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= NLMSG_HDRLEN)
                        off += NLMSG_ALIGN((size_t)e->msg.nlmsg_len - NLMSG_HDRLEN);
                if (off < len)
                        mnl_attr_parse_payload((const char *)e + off, len - off, ext_ack_cb, &text);
        }
        if (text && text[0])
                return berth_errx(err, errnum, "%s (%s)", strerror(errnum), text);
        return berth_errx(err, errnum, "%s", strerror(errnum));
}

/* One datagram from the kernel into nl->buf: its length, or -errno. */
static ssize_t receive(berth_net *nl, berth_error *err)
{
        for (;;) {
                struct sockaddr_nl from = {0};
                struct iovec iov = {nl->buf, BERTH_NL_RECV_SIZE};
                struct msghdr msg = {.msg_name = &from,
                                     .msg_namelen = sizeof(from),
                                     .msg_iov = &iov,
                                     .msg_iovlen = 1};
                ssize_t n = recvmsg(mnl_socket_get_fd(nl->sock), &msg, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return berth_errx(err, ETIMEDOUT,
                                          "no answer from the kernel to a "
                                          "netlink request");
                if (n < 0)
                        return berth_err(err, errno, "cannot read from netlink");
                if (msg.msg_flags & MSG_TRUNC)
                        return berth_errx(err, EMSGSIZE, "a netlink answer too long to read");
                /* zeros up to the next alignment: what the attribute walk may read */
                memset(nl->buf + n, 0, NLMSG_ALIGNTO);
                /* only the kernel (port 0) answers requests; anyone else is ignored */
                if (msg.msg_namelen != sizeof(from) || from.nl_family != AF_NETLINK ||
                    from.nl_pid != 0)
                        continue;
                return n;
        }
}

int berth_nl_answers(const berth_net *nl, const void *buf, size_t n, uint32_t seq,
                     berth_nl_reply_fn fn, void *data, int *status, berth_error *err)
{
        size_t left = n;
        for (const struct nlmsghdr *nlh = buf; berth_nl_msg_ok(nlh, left);
             nlh = berth_nl_msg_next(nlh, &left)) {
                if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
                        continue; /* not an answer to this request */
                if (nlh->nlmsg_type == NLMSG_ERROR) {
                        int k = kernel_error(nlh, err);
                        *status = *status < 0 ? *status : k;
                        return 1;
                }
                if (nlh->nlmsg_type == NLMSG_DONE) {
                        int done = 0;
                        if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(done))
                                memcpy(&done, mnl_nlmsg_get_payload(nlh), sizeof(done));
                        if (*status == 0 && done < 0)
                                *status = berth_errx(err, done > -4096 ? -done : EPROTO,
                                                     "a netlink dump failed");
                        return 1;
                }
                if (nlh->nlmsg_type < NLMSG_MIN_TYPE || fn == NULL || *status < 0)
                        continue;
                int r = fn(nlh, data, err);
                *status = r > 0 ? 0 : r;
        }
        return 0;
}

int berth_nl_talk(berth_net *nl, struct nlmsghdr *req, berth_nl_reply_fn fn, void *data,
                  berth_error *err)
{
        if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) != (ssize_t)req->nlmsg_len)
                return berth_err(err, errno ? errno : EIO, "cannot send a netlink request");
        /* the first error from fn, kept while the rest of the answer is read */
        int status = 0;
        for (;;) {
                ssize_t n = receive(nl, err);
                if (n < 0)
                        return (int)n;
                if (berth_nl_answers(nl, nl->buf, (size_t)n, req->nlmsg_seq, fn, data, &status,
                                     err) > 0)
                        return status;
        }
}

int berth_nl_append(void *v, size_t *n, size_t size, const void *item, berth_error *err)
{
        void **vp = v;
        char *grown = reallocarray(*vp, *n + 1, size);
        if (grown == NULL)
                return berth_err(err, ENOMEM, "cannot keep the kernel's answer");
        memcpy(grown + *n * size, item, size);
        *vp = grown;
        (*n)++;
        return 0;
}

bool berth_nl_get_str(const struct nlattr *attr, char *dst, size_t size)
{
        if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
            mnl_attr_get_payload_len(attr) > size)
                return false;
        strcpy(dst, mnl_attr_get_str(attr));
        return true;
}

bool berth_nl_get_u32(const struct nlattr *attr, void *dst)
{
        if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
                return false;
        uint32_t v = mnl_attr_get_u32(attr);
        memcpy(dst, &v, sizeof(v));
        return true;
}

int berth_nl_dump(berth_net *nl, struct nlmsghdr *req, berth_nl_reply_fn fn, berth_nl_list *l,
                  void *ret, size_t *ret_n, berth_error *err)
{
        int r = berth_nl_talk(nl, req, fn, l, err);
        if (r < 0) {
                free(l->v);
                return r;
        }
        memcpy(ret, &l->v, sizeof(l->v));
        *ret_n = l->n;
        return 0;
}
