/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Clients over TCP (server.h): at most DNS_TCP_MAX at once, each a small
 * state machine driven by the poll loop, so a slow one holds up nobody.
 * A query (2-byte length, at most BERTH_DNS_QUERY_MAX) is answered by us,
 * or forwarded over TCP to the host's nameservers (a truncated UDP answer
 * is never what a TCP client gets), 2 s per server. A client that sends no
 * query for 10 s, or does not take its answer in 10 s, is closed; when all
 * slots are taken, the one idle longest makes room.
 */
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <poll.h>

static void put_id(uint8_t *msg, uint16_t id)
{
        msg[0] = (uint8_t)(id >> 8);
        msg[1] = (uint8_t)id;
}

static void up_close(dns_tcp *c)
{
        if (c->up >= 0)
                close(c->up);
        c->up = -1;
}

static void client_close(dns_tcp *c)
{
        up_close(c);
        if (c->fd >= 0)
                close(c->fd);
        free(c->msg);
        free(c->out);
        *c = (dns_tcp){.state = TCP_FREE, .fd = -1, .up = -1};
}

/* Ready for the next query. */
static void to_read(dns_tcp *c)
{
        up_close(c);
        free(c->msg);
        free(c->out);
        c->msg = c->out = NULL;
        c->need = 2;
        c->have = 0;
        c->state = TCP_READ;
        c->deadline = dns_now_ms() + DNS_TCP_IDLE_MS;
}

/* Answer the client with msg (len bytes, without the prefix): copied. */
static void to_write(dns_tcp *c, const uint8_t *msg, size_t len)
{
        up_close(c);
        free(c->out);
        c->out = malloc(2 + len);
        if (c->out == NULL) {
                client_close(c);
                return;
        }
        c->out[0] = (uint8_t)(len >> 8);
        c->out[1] = (uint8_t)len;
        memcpy(c->out + 2, msg, len);
        c->out_len = 2 + len;
        c->out_off = 0;
        c->state = TCP_WRITE;
        c->deadline = dns_now_ms() + DNS_TCP_IDLE_MS;
}

static void servfail(dns_tcp *c)
{
        uint8_t out[BERTH_DNS_UDP_MAX];
        size_t n =
            berth_dns_answer_build(&c->q, BERTH_DNS_SERVFAIL, false, NULL, 0, out, sizeof(out));
        if (n == 0)
                client_close(c);
        else
                to_write(c, out, n);
}

/* Connect to c->server or the next that takes it; SERVFAIL when none is left. */
static void up_start(dns_server *s, dns_tcp *c)
{
        for (; c->server < s->nservers; c->server++) {
                up_close(c);
                const berth_dns_server *up = &s->servers[c->server];
                c->up = socket(up->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (c->up < 0)
                        continue;
                if (connect(c->up, (const struct sockaddr *)&up->addr, up->len) < 0 &&
                    errno != EINPROGRESS)
                        continue;
                c->up_id = dns_random_id();
                put_id(c->msg + 2, c->up_id);
                c->have = 0;
                c->state = TCP_UP_CONNECT;
                c->deadline = dns_now_ms() + DNS_UPSTREAM_MS;
                return;
        }
        servfail(c);
}

static void up_next(dns_server *s, dns_tcp *c)
{
        up_close(c);
        free(c->out);
        c->out = NULL;
        c->server++;
        up_start(s, c);
}

/* The client's query is whole in c->msg (c->need bytes, its prefix included). */
static void query(dns_server *s, dns_tcp *c)
{
        static uint8_t out[BERTH_DNS_MSG_MAX];
        long r = dns_answer(s, c->msg + 2, c->need - 2, &c->q, out, sizeof(out));
        if (r < 0) {
                client_close(c);
        } else if (r > 0) {
                to_write(c, out, (size_t)r);
        } else {
                dns_resolv_refresh(s);
                c->client_id = c->q.id;
                c->server = 0;
                up_start(s, c);
        }
}

void dns_tcp_accept(dns_server *s, int lfd)
{
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
                return;
        dns_tcp *slot = NULL, *idlest = NULL;
        for (size_t i = 0; i < DNS_TCP_MAX && slot == NULL; i++) {
                dns_tcp *c = &s->tcp[i];
                if (c->state == TCP_FREE)
                        slot = c;
                else if (c->state == TCP_READ && (idlest == NULL || c->deadline < idlest->deadline))
                        idlest = c;
        }
        if (slot == NULL && idlest != NULL) {
                client_close(idlest);
                slot = idlest;
        }
        if (slot == NULL) { /* every client is being answered: this one must come back */
                close(fd);
                return;
        }
        slot->fd = fd;
        slot->up = -1;
        to_read(slot);
}

/* One step of a non-blocking transfer on fd (a read, or a send when out): the bytes moved, 0 when
 * it has no more for now, -1 when the peer is gone or failed. */
static ssize_t transfer(int fd, void *buf, size_t len, bool out)
{
        for (;;) {
                ssize_t n =
                    out ? send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) : read(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 0;
                return n > 0 ? n : -1;
        }
}

/* Read what the client sent: the length, then the query. */
static void client_read(dns_server *s, dns_tcp *c)
{
        for (;;) {
                uint8_t *dst = c->msg ? c->msg + c->have : c->lenb + c->have;
                ssize_t n = transfer(c->fd, dst, c->need - c->have, false);
                if (n == 0)
                        return;
                if (n < 0) {
                        client_close(c);
                        return;
                }
                c->have += (size_t)n;
                if (c->have < c->need)
                        continue;
                if (c->msg == NULL) {
                        size_t len = (size_t)c->lenb[0] << 8 | c->lenb[1];
                        if (len < BERTH_DNS_HDR_LEN || len > BERTH_DNS_QUERY_MAX) {
                                client_close(c);
                                return;
                        }
                        c->msg = malloc(2 + len);
                        if (c->msg == NULL) {
                                client_close(c);
                                return;
                        }
                        memcpy(c->msg, c->lenb, 2);
                        c->need = 2 + len;
                        c->have = 2;
                        continue;
                }
                query(s, c);
                return;
        }
}

static void client_write(dns_tcp *c)
{
        while (c->out_off < c->out_len) {
                ssize_t n = transfer(c->fd, c->out + c->out_off, c->out_len - c->out_off, true);
                if (n == 0)
                        return;
                if (n < 0) {
                        client_close(c);
                        return;
                }
                c->out_off += (size_t)n;
        }
        to_read(c);
}

static void up_send(dns_server *s, dns_tcp *c)
{
        while (c->have < c->need) {
                ssize_t n = transfer(c->up, c->msg + c->have, c->need - c->have, true);
                if (n == 0)
                        return;
                if (n < 0) {
                        up_next(s, c);
                        return;
                }
                c->have += (size_t)n;
        }
        c->state = TCP_UP_RECV;
        c->out_len = 2; /* the answer's length first, into out (allocated once it is known) */
        c->out_off = 0;
}

/* Read the server's answer: its length into lenb, then the answer into out after it. */
static void up_recv(dns_server *s, dns_tcp *c)
{
        for (;;) {
                uint8_t *dst = c->out ? c->out + c->out_off : c->lenb + c->out_off;
                ssize_t n = transfer(c->up, dst, c->out_len - c->out_off, false);
                if (n == 0)
                        return;
                if (n < 0) {
                        up_next(s, c);
                        return;
                }
                c->out_off += (size_t)n;
                if (c->out_off < c->out_len)
                        continue;
                if (c->out == NULL) {
                        size_t len = (size_t)c->lenb[0] << 8 | c->lenb[1];
                        if (len < BERTH_DNS_HDR_LEN || (c->out = malloc(2 + len)) == NULL) {
                                up_next(s, c);
                                return;
                        }
                        memcpy(c->out, c->lenb, 2);
                        c->out_len = 2 + len;
                        continue;
                }
                uint16_t id = (uint16_t)(c->out[2] << 8 | c->out[3]);
                if (id != c->up_id || !(c->out[4] & 0x80)) {
                        up_next(s, c);
                        return;
                }
                put_id(c->out + 2, c->client_id);
                up_close(c);
                c->out_off = 0;
                c->state = TCP_WRITE;
                c->deadline = dns_now_ms() + DNS_TCP_IDLE_MS;
                return;
        }
}

void dns_tcp_poll(const dns_tcp *c, int *fd, short *ev, int *upfd, short *upev)
{
        *fd = c->fd;
        *ev = c->state == TCP_READ ? POLLIN : c->state == TCP_WRITE ? POLLOUT : 0;
        *upfd = c->state == TCP_UP_CONNECT || c->state == TCP_UP_SEND || c->state == TCP_UP_RECV
                    ? c->up
                    : -1;
        *upev = c->state == TCP_UP_RECV ? POLLIN : POLLOUT;
}

void dns_tcp_event(dns_server *s, dns_tcp *c, bool up, short revents)
{
        if (c->state == TCP_FREE)
                return;
        if (!up) {
                if (c->state == TCP_READ && (revents & (POLLIN | POLLHUP | POLLERR)))
                        client_read(s, c);
                else if (c->state == TCP_WRITE && (revents & (POLLOUT | POLLHUP | POLLERR)))
                        client_write(c);
                else if (revents & (POLLHUP | POLLERR | POLLNVAL))
                        client_close(c); /* gone while its answer was being fetched */
                return;
        }
        if (c->up < 0)
                return;
        if (c->state == TCP_UP_CONNECT) {
                int e = 0;
                socklen_t l = sizeof(e);
                if (getsockopt(c->up, SOL_SOCKET, SO_ERROR, &e, &l) < 0 || e != 0) {
                        up_next(s, c);
                        return;
                }
                c->state = TCP_UP_SEND;
                up_send(s, c);
        } else if (c->state == TCP_UP_SEND) {
                up_send(s, c);
        } else if (c->state == TCP_UP_RECV) {
                up_recv(s, c);
        }
}

void dns_tcp_expire(dns_server *s, dns_tcp *c, int64_t now)
{
        if (now < c->deadline)
                return;
        if (c->state == TCP_UP_CONNECT || c->state == TCP_UP_SEND || c->state == TCP_UP_RECV)
                up_next(s, c);
        else
                client_close(c);
}
