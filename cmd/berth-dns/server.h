/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * berth-dns: the name resolver of one user-defined network (docs/NETWORKS.md,
 * "Names: berth-dns"). One process per network, started on demand by the
 * engine (berth_dns_ensure), held to one by DIR/dns.lock; it answers the
 * names of DIR/names and forwards everything else to the host's nameservers.
 * One thread, one poll loop, a fixed number of everything: listeners, UDP
 * queries in flight, TCP clients.
 *
 * main.c   arguments, the lock, the sockets, the "ok" on the sync fd
 * loop.c   the poll loop, DIR's watch, the names and resolv.conf kept fresh
 * udp.c    queries over UDP and their forwarding
 * tcp.c    clients over TCP and their forwarding (over TCP)
 */
#include "net/dns.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define DNS_LISTEN_MAX  16   /* addresses given */
#define DNS_PENDING_MAX 64   /* UDP queries forwarded and not answered yet */
#define DNS_TCP_MAX     16   /* TCP clients at once */
#define DNS_UPSTREAM_MS 2000 /* per nameserver, then the next */
#define DNS_TCP_IDLE_MS 10000

typedef struct {
        int fd;
        bool tcp;
} dns_listener;

/* A UDP query forwarded upstream: its own connected socket, so only that server answers it. */
typedef struct {
        int fd; /* -1: a free slot */
        int lfd;
        struct sockaddr_storage client;
        socklen_t clen;
        uint16_t client_id, up_id;
        size_t server;
        int64_t deadline;
        uint8_t *query;
        size_t qlen;
        berth_dns_query q;
} dns_pending;

typedef enum {
        TCP_FREE,
        TCP_READ,       /* the client's next query: its length, then itself */
        TCP_UP_CONNECT, /* to nameserver .server */
        TCP_UP_SEND,
        TCP_UP_RECV,
        TCP_WRITE, /* the answer to the client */
} dns_tcp_state;

typedef struct {
        dns_tcp_state state;
        int fd, up;
        int64_t deadline;
        uint8_t lenb[2];
        uint8_t *msg; /* the query with its length prefix, read, then sent upstream */
        size_t need, have;
        uint8_t *out; /* the answer with its length prefix, from upstream or ours */
        size_t out_len, out_off;
        size_t server;
        uint16_t client_id, up_id;
        berth_dns_query q;
} dns_tcp;

typedef struct {
        int64_t size, mtime_ns;
        uint64_t dev, ino;
        bool exists;
} dns_stamp;

typedef struct {
        int dirfd;
        const char *resolv_path;
        uint16_t port;
        int inotify;
        berth_dns_names names;
        dns_stamp names_stamp;
        berth_dns_server servers[BERTH_DNS_SERVERS_MAX];
        size_t nservers;
        dns_stamp resolv_stamp;
        bool resolv_read;
        berth_dns_server self[DNS_LISTEN_MAX]; /* our own addresses: never an upstream */
        size_t nself;
        dns_listener ls[2 * DNS_LISTEN_MAX];
        size_t nls;
        dns_pending pend[DNS_PENDING_MAX];
        dns_tcp tcp[DNS_TCP_MAX];
} dns_server;

int64_t dns_now_ms(void);
uint16_t dns_random_id(void);

/* loop.c */
int dns_server_run(dns_server *s);
/** Reload DIR/names if it changed (a new inode, size or mtime) since it was read. */
void dns_names_refresh(dns_server *s);
/** Reread resolv.conf if it changed; s->nservers is then the servers to ask. */
void dns_resolv_refresh(dns_server *s);
/**
 * What a query gets from us: > 0, the answer of that length in out; 0,
 * forward it (q holds its question); -1, nothing at all.
 */
long dns_answer(dns_server *s, const uint8_t *msg, size_t len, berth_dns_query *q, uint8_t *out,
                size_t size);

/* udp.c */
void dns_udp_receive(dns_server *s, int lfd);
void dns_pending_readable(dns_server *s, dns_pending *p);
void dns_pending_expire(dns_server *s, dns_pending *p, int64_t now);

/* tcp.c */
void dns_tcp_accept(dns_server *s, int lfd);
/** events on the client's socket (up false) or its upstream's (up true) */
void dns_tcp_event(dns_server *s, dns_tcp *c, bool up, short revents);
void dns_tcp_expire(dns_server *s, dns_tcp *c, int64_t now);
/** what to poll for: the client's fd and events, the upstream's (fd -1: none) */
void dns_tcp_poll(const dns_tcp *c, int *fd, short *ev, int *upfd, short *upev);
