/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ports published on [::1]: the kernel cannot DNAT them (the answer, de-NATed to ::1, comes in
 * on a bridge, and IPv6 drops a loopback destination that arrives off `lo`; there is no
 * route_localnet for IPv6), so the monitor holds their sockets and forwards, in its own loop:
 *   - TCP: each accepted connection gets a non-blocking connect to the container's ADDR:PORT
 *     and two pipes; the bytes go socket → pipe → socket by splice(2), never through our
 *     memory. A connection costs 6 fds and a small struct (the pipes' pages are the kernel's,
 *     taken as data passes).
 *   - UDP: each client address gets a socket connected to the container's port (the answers
 *     come back on it and go out from the published port), forgotten after 60 s idle.
 * The sockets are bound before the container starts (a port that is taken fails the start
 * with Docker's message), are O_CLOEXEC (the helper, and so the container, never sees them),
 * stay through restarts by policy and die with the monitor.
 */
#include "monitor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FWD_TCP_MAX  128 /* connections at once per monitor (6 fds each) */
#define FWD_UDP_MAX  64  /* UDP clients remembered per monitor */
#define FWD_UDP_IDLE (60 * (int64_t)1000000000)
#define FWD_PIPE     65536 /* a pipe's default capacity */

typedef struct {
        int fd;
        bool udp;
        struct sockaddr_storage to;
        socklen_t tolen;
} fwd_listener;

/* one direction of a TCP connection: from → pipe → to */
typedef struct {
        int pipe[2];
        uint32_t queued; /* bytes in the pipe */
        bool eof, shut;
} fwd_dir;

typedef struct {
        int fd[2]; /* the client, the container */
        fwd_dir dir[2];
        bool connecting;
} fwd_conn;

typedef struct {
        int fd; /* connected to the container */
        int listener;
        struct sockaddr_in6 client;
        int64_t last_ns;
} fwd_udp;

static fwd_listener *listeners;
static size_t n_listeners;
static fwd_conn *conns;
static size_t n_conns;
static fwd_udp *udps;
static size_t n_udps;

static int listen_one(const char *proto, unsigned hport, const char *addr, unsigned port,
                      char *errbuf, size_t errsz)
{
        fwd_listener l = {.udp = strcmp(proto, "udp") == 0};
        struct sockaddr_in *a4 = (struct sockaddr_in *)&l.to;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&l.to;
        if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
                a4->sin_family = AF_INET;
                a4->sin_port = htons((uint16_t)port);
                l.tolen = sizeof(*a4);
        } else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
                a6->sin6_family = AF_INET6;
                a6->sin6_port = htons((uint16_t)port);
                l.tolen = sizeof(*a6);
        } else {
                snprintf(errbuf, errsz, "invalid forward to %s", addr);
                return -1;
        }
        l.fd =
            socket(AF_INET6, (l.udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (l.fd < 0) {
                snprintf(errbuf, errsz, "cannot make a socket: %s", strerror(errno));
                return -1;
        }
        int on = 1;
        if (!l.udp)
                setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        setsockopt(l.fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
        struct sockaddr_in6 me = {.sin6_family = AF_INET6,
                                  .sin6_port = htons((uint16_t)hport),
                                  .sin6_addr = IN6ADDR_LOOPBACK_INIT};
        if (bind(l.fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
            (!l.udp && listen(l.fd, 128) < 0)) {
                int e = errno;
                close(l.fd);
                if (e == EADDRINUSE)
                        snprintf(errbuf, errsz,
                                 "Bind for [::1]:%u failed: port is already allocated", hport);
                else
                        snprintf(errbuf, errsz, "cannot listen on [::1]:%u/%s: %s", hport, proto,
                                 strerror(e));
                return -1;
        }
        fwd_listener *v = realloc(listeners, (n_listeners + 1) * sizeof(*v));
        if (v == NULL) {
                close(l.fd);
                snprintf(errbuf, errsz, "out of memory");
                return -1;
        }
        listeners = v;
        listeners[n_listeners++] = l;
        return 0;
}

int monitor_forward_open(const char *spec, char *errbuf, size_t errsz)
{
        if (spec == NULL || *spec == '\0')
                return 0;
        char *copy = strdup(spec), *save = NULL;
        if (copy == NULL) {
                snprintf(errbuf, errsz, "out of memory");
                return -1;
        }
        int r = 0;
        for (char *e = strtok_r(copy, ",", &save); r == 0 && e; e = strtok_r(NULL, ",", &save)) {
                char proto[8], addr[64];
                unsigned hport, port;
                if (sscanf(e, "%7s %u %63s %u", proto, &hport, addr, &port) != 4 || hport == 0 ||
                    hport > 65535 || port == 0 || port > 65535) {
                        snprintf(errbuf, errsz, "invalid forward \"%s\"", e);
                        r = -1;
                } else {
                        r = listen_one(proto, hport, addr, port, errbuf, errsz);
                }
        }
        free(copy);
        return r;
}

/* ---- TCP ---- */

static void conn_close(size_t i)
{
        fwd_conn *c = &conns[i];
        for (int k = 0; k < 2; k++) {
                close(c->fd[k]);
                close(c->dir[k].pipe[0]);
                close(c->dir[k].pipe[1]);
        }
        conns[i] = conns[--n_conns];
}

static void tcp_accept(const fwd_listener *l)
{
        while (n_conns < FWD_TCP_MAX) {
                int a = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (a < 0)
                        return;
                fwd_conn c = {.fd = {a, -1}, .dir = {{.pipe = {-1, -1}}, {.pipe = {-1, -1}}}};
                c.fd[1] = socket(l->to.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                bool ok = c.fd[1] >= 0 && pipe2(c.dir[0].pipe, O_CLOEXEC | O_NONBLOCK) == 0 &&
                          pipe2(c.dir[1].pipe, O_CLOEXEC | O_NONBLOCK) == 0;
                if (ok && connect(c.fd[1], (const struct sockaddr *)&l->to, l->tolen) < 0) {
                        ok = errno == EINPROGRESS;
                        c.connecting = ok;
                }
                fwd_conn *v = ok ? realloc(conns, (n_conns + 1) * sizeof(*v)) : NULL;
                if (v == NULL) {
                        for (int k = 0; k < 2; k++) {
                                close(c.fd[k]);
                                close(c.dir[k].pipe[0]);
                                close(c.dir[k].pipe[1]);
                        }
                        continue;
                }
                conns = v;
                conns[n_conns++] = c;
        }
}

/* Move what can be moved from c->fd[k] to c->fd[!k] now; false on an error. */
static bool pump_dir(fwd_conn *c, int k)
{
        fwd_dir *d = &c->dir[k];
        int from = c->fd[k], to = c->fd[!k];
        for (int rounds = 0; rounds < 4; rounds++) {
                bool moved = false;
                if (!d->eof && d->queued < FWD_PIPE) {
                        ssize_t n = splice(from, NULL, d->pipe[1], NULL, FWD_PIPE - d->queued,
                                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                        if (n > 0) {
                                d->queued += (uint32_t)n;
                                moved = true;
                        } else if (n == 0) {
                                d->eof = true;
                        } else if (errno != EAGAIN && errno != EINTR) {
                                return false;
                        }
                }
                if (d->queued > 0) {
                        ssize_t n = splice(d->pipe[0], NULL, to, NULL, d->queued,
                                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                        if (n > 0) {
                                d->queued -= (uint32_t)n;
                                moved = true;
                        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                                return false;
                        }
                }
                if (!moved)
                        break;
        }
        if (d->eof && d->queued == 0 && !d->shut) {
                shutdown(to, SHUT_WR);
                d->shut = true;
        }
        return true;
}

/* ---- UDP ---- */

static void udp_close(size_t i)
{
        close(udps[i].fd);
        udps[i] = udps[--n_udps];
}

/* one buffer for every datagram, either way (bss: its pages are taken only once UDP is used) */
static char buf[65536];

static void udp_in(size_t li)
{
        const fwd_listener *l = &listeners[li];
        for (int rounds = 0; rounds < 64; rounds++) {
                struct sockaddr_in6 from;
                socklen_t fl = sizeof(from);
                ssize_t n = recvfrom(l->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
                if (n < 0)
                        return;
                size_t i = 0;
                while (i < n_udps && !(udps[i].listener == (int)li &&
                                       udps[i].client.sin6_port == from.sin6_port &&
                                       memcmp(&udps[i].client.sin6_addr, &from.sin6_addr, 16) == 0))
                        i++;
                if (i == n_udps) {
                        if (n_udps == FWD_UDP_MAX) { /* the idlest makes room */
                                size_t old = 0;
                                for (size_t k = 1; k < n_udps; k++)
                                        if (udps[k].last_ns < udps[old].last_ns)
                                                old = k;
                                udp_close(old);
                        }
                        int fd =
                            socket(l->to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                        fwd_udp *v = fd >= 0 ? realloc(udps, (n_udps + 1) * sizeof(*v)) : NULL;
                        if (v == NULL ||
                            connect(fd, (const struct sockaddr *)&l->to, l->tolen) < 0) {
                                if (v)
                                        udps = v;
                                if (fd >= 0)
                                        close(fd);
                                continue;
                        }
                        udps = v;
                        udps[n_udps++] = (fwd_udp){.fd = fd, .listener = (int)li, .client = from};
                        i = n_udps - 1;
                }
                udps[i].last_ns = monitor_now_ns();
                (void)send(udps[i].fd, buf, (size_t)n, MSG_DONTWAIT);
        }
}

static void udp_back(size_t i)
{
        fwd_udp *u = &udps[i];
        for (int rounds = 0; rounds < 64; rounds++) {
                ssize_t n = recv(u->fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0)
                        return;
                u->last_ns = monitor_now_ns();
                (void)sendto(listeners[u->listener].fd, buf, (size_t)n, MSG_DONTWAIT,
                             (const struct sockaddr *)&u->client, sizeof(u->client));
        }
}

/* ---- the loop's side ---- */

size_t monitor_forward_npoll(void)
{
        return n_listeners + 2 * n_conns + n_udps;
}

void monitor_forward_poll(struct pollfd *p)
{
        size_t n = 0;
        for (size_t i = 0; i < n_listeners; i++)
                p[n++] = (struct pollfd){
                    .fd = listeners[i].udp || n_conns < FWD_TCP_MAX ? listeners[i].fd : -1,
                    .events = POLLIN};
        for (size_t i = 0; i < n_conns; i++) {
                const fwd_conn *c = &conns[i];
                for (int k = 0; k < 2; k++) {
                        short ev = 0;
                        if (c->connecting) {
                                ev = k == 1 ? POLLOUT : 0;
                        } else {
                                if (!c->dir[k].eof && c->dir[k].queued < FWD_PIPE)
                                        ev |= POLLIN;
                                if (c->dir[!k].queued > 0)
                                        ev |= POLLOUT;
                        }
                        p[n++] = (struct pollfd){.fd = c->fd[k], .events = ev};
                }
        }
        for (size_t i = 0; i < n_udps; i++)
                p[n++] = (struct pollfd){.fd = udps[i].fd, .events = POLLIN};
}

void monitor_forward_events(const struct pollfd *p)
{
        /* what was polled: listeners, then conns and udps as they were then */
        size_t nl = n_listeners, nc = n_conns, nu = n_udps;
        const struct pollfd *pc = p + nl, *pu = p + nl + 2 * nc;
        /* UDP clients (backwards: a close moves the last into the hole) */
        int64_t now = monitor_now_ns();
        for (size_t i = nu; i-- > 0;) {
                if (pu[i].revents)
                        udp_back(i);
                if (now - udps[i].last_ns > FWD_UDP_IDLE)
                        udp_close(i);
        }
        for (size_t i = nc; i-- > 0;) {
                fwd_conn *c = &conns[i];
                short r0 = pc[2 * i].revents, r1 = pc[2 * i + 1].revents;
                if (r0 == 0 && r1 == 0)
                        continue;
                if (c->connecting) {
                        if (r1 == 0) { /* the client left before the container answered */
                                if (r0 & (POLLHUP | POLLERR))
                                        conn_close(i);
                                continue;
                        }
                        int e = 0;
                        socklen_t el = sizeof(e);
                        if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e != 0) {
                                conn_close(i);
                                continue;
                        }
                        c->connecting = false;
                }
                bool ok = pump_dir(c, 0) && pump_dir(c, 1);
                /* an error, or both ways finished */
                if (!ok || (c->dir[0].shut && c->dir[1].shut) || ((r0 | r1) & POLLERR))
                        conn_close(i);
        }
        for (size_t i = 0; i < nl; i++) {
                if (!(p[i].revents & POLLIN))
                        continue;
                if (listeners[i].udp)
                        udp_in(i);
                else
                        tcp_accept(&listeners[i]);
        }
}

int monitor_forward_timeout_ms(void)
{
        return n_udps > 0 ? 10000 : -1;
}

void monitor_forward_close(void)
{
        while (n_conns > 0)
                conn_close(n_conns - 1);
        while (n_udps > 0)
                udp_close(n_udps - 1);
        for (size_t i = 0; i < n_listeners; i++)
                close(listeners[i].fd);
        n_listeners = 0;
}
