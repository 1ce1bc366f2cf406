/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Queries over UDP (server.h): ours answered at once, the rest forwarded
 * to the host's nameservers, each on a socket of its own connected to the
 * server (only it can answer; the kernel picks a random port) with a new
 * random id; an answer with that id is sent back with the client's. 2 s
 * per server, then the next; SERVFAIL when none answers.
 */
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RECV_BURST 32 /* datagrams read per wakeup: other sockets get their turn */

static uint8_t answer_buf[BERTH_DNS_MSG_MAX + 1];

static void put_id(uint8_t *msg, uint16_t id)
{
        msg[0] = (uint8_t)(id >> 8);
        msg[1] = (uint8_t)id;
}

static void reply(int lfd, const struct sockaddr_storage *to, socklen_t tolen, const uint8_t *msg,
                  size_t len)
{
        (void)sendto(lfd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)to,
                     tolen);
}

static void servfail(int lfd, const struct sockaddr_storage *to, socklen_t tolen,
                     const berth_dns_query *q)
{
        uint8_t out[BERTH_DNS_UDP_MAX];
        size_t n = berth_dns_answer_build(q, BERTH_DNS_SERVFAIL, false, NULL, 0, out, sizeof(out));
        if (n > 0)
                reply(lfd, to, tolen, out, n);
}

static void pending_free(dns_pending *p)
{
        if (p->fd >= 0)
                close(p->fd);
        free(p->query);
        p->query = NULL;
        p->fd = -1;
}

/* Send p's query to its server or the next that takes it; false when none is left. */
static bool pending_send(dns_server *s, dns_pending *p)
{
        for (; p->server < s->nservers; p->server++) {
                if (p->fd >= 0)
                        close(p->fd);
                const berth_dns_server *up = &s->servers[p->server];
                p->fd = socket(up->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (p->fd < 0)
                        continue;
                p->up_id = dns_random_id();
                put_id(p->query, p->up_id);
                if (connect(p->fd, (const struct sockaddr *)&up->addr, up->len) < 0 ||
                    send(p->fd, p->query, p->qlen, MSG_NOSIGNAL) < 0) {
                        close(p->fd);
                        p->fd = -1;
                        continue;
                }
                p->deadline = dns_now_ms() + DNS_UPSTREAM_MS;
                return true;
        }
        return false;
}

static void next_server(dns_server *s, dns_pending *p)
{
        p->server++;
        if (!pending_send(s, p)) {
                servfail(p->lfd, &p->client, p->clen, &p->q);
                pending_free(p);
        }
}

static void forward(dns_server *s, int lfd, const struct sockaddr_storage *from, socklen_t fromlen,
                    const uint8_t *msg, size_t len, const berth_dns_query *q)
{
        dns_resolv_refresh(s);
        dns_pending *p = NULL;
        for (size_t i = 0; i < DNS_PENDING_MAX && p == NULL; i++)
                if (s->pend[i].fd < 0)
                        p = &s->pend[i];
        uint8_t *copy = p && s->nservers > 0 ? malloc(len) : NULL;
        if (copy == NULL) { /* nobody to ask, or too much in flight already */
                servfail(lfd, from, fromlen, q);
                return;
        }
        memcpy(copy, msg, len);
        *p = (dns_pending){.fd = -1,
                           .lfd = lfd,
                           .client = *from,
                           .clen = fromlen,
                           .client_id = q->id,
                           .query = copy,
                           .qlen = len,
                           .q = *q};
        if (!pending_send(s, p)) {
                servfail(lfd, from, fromlen, q);
                pending_free(p);
        }
}

void dns_udp_receive(dns_server *s, int lfd)
{
        uint8_t in[BERTH_DNS_QUERY_MAX];
        uint8_t out[BERTH_DNS_UDP_MAX];
        for (int k = 0; k < RECV_BURST; k++) {
                struct sockaddr_storage from;
                socklen_t fromlen = sizeof(from);
                ssize_t n = recvfrom(lfd, in, sizeof(in), MSG_DONTWAIT | MSG_TRUNC,
                                     (struct sockaddr *)&from, &fromlen);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return;
                if ((size_t)n > sizeof(in)) /* longer than any query: not one */
                        continue;
                berth_dns_query q;
                long r = dns_answer(s, in, (size_t)n, &q, out, sizeof(out));
                if (r > 0)
                        reply(lfd, &from, fromlen, out, (size_t)r);
                else if (r == 0)
                        forward(s, lfd, &from, fromlen, in, (size_t)n, &q);
        }
}

void dns_pending_readable(dns_server *s, dns_pending *p)
{
        for (;;) {
                ssize_t n = recv(p->fd, answer_buf, sizeof(answer_buf), MSG_DONTWAIT | MSG_TRUNC);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        if (errno != EAGAIN) /* refused (nothing listens there): the next */
                                next_server(s, p);
                        return;
                }
                if ((size_t)n >= sizeof(answer_buf) || n < BERTH_DNS_HDR_LEN)
                        continue;
                uint16_t id = (uint16_t)(answer_buf[0] << 8 | answer_buf[1]);
                if (id != p->up_id || !(answer_buf[2] & 0x80))
                        continue; /* not the answer to this query */
                put_id(answer_buf, p->client_id);
                reply(p->lfd, &p->client, p->clen, answer_buf, (size_t)n);
                pending_free(p);
                return;
        }
}

void dns_pending_expire(dns_server *s, dns_pending *p, int64_t now)
{
        if (now >= p->deadline)
                next_server(s, p);
}
