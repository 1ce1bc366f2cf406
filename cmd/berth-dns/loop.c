/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The poll loop of berth-dns (server.h): every socket, DIR's watch, the
 * deadlines of what is forwarded; and the two files it follows, DIR/names
 * and resolv.conf, reread when a stat says they changed (no timer: a name
 * written before `berth run` returns is in the answer to the next query).
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define RESOLV_MAX 65536 /* bytes of resolv.conf read */

static dns_stamp stamp_of(const struct stat *st)
{
        return (dns_stamp){.size = st->st_size,
                           .mtime_ns =
                               (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
                           .dev = st->st_dev,
                           .ino = st->st_ino,
                           .exists = true};
}

static bool stamp_same(const dns_stamp *a, const dns_stamp *b)
{
        return a->exists == b->exists && a->size == b->size && a->mtime_ns == b->mtime_ns &&
               a->dev == b->dev && a->ino == b->ino;
}

void dns_names_refresh(dns_server *s)
{
        struct stat st;
        if (fstatat(s->dirfd, "names", &st, AT_SYMLINK_NOFOLLOW) < 0) {
                /* none (yet): no names */
                berth_dns_names_clear(&s->names);
                s->names_stamp = (dns_stamp){0};
                return;
        }
        dns_stamp now = stamp_of(&st);
        if (stamp_same(&now, &s->names_stamp))
                return;
        int fd = openat(s->dirfd, "names", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return;
        berth_dns_names t = {0};
        /* the stamp of what is read (the file may have been replaced since the stat) */
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || berth_dns_names_read(&t, fd) < 0) {
                close(fd);
                berth_dns_names_clear(&t);
                return; /* the old table stays; the next query tries again */
        }
        close(fd);
        berth_dns_names_clear(&s->names);
        s->names = t;
        s->names_stamp = stamp_of(&st);
}

static bool is_self(const dns_server *s, const berth_dns_server *a)
{
        for (size_t i = 0; i < s->nself; i++)
                if (s->self[i].len == a->len && memcmp(&s->self[i].addr, &a->addr, a->len) == 0)
                        return true;
        return false;
}

void dns_resolv_refresh(dns_server *s)
{
        struct stat st;
        if (stat(s->resolv_path, &st) < 0) {
                s->nservers = 0;
                s->resolv_stamp = (dns_stamp){0};
                s->resolv_read = true;
                return;
        }
        dns_stamp now = stamp_of(&st);
        if (s->resolv_read && stamp_same(&now, &s->resolv_stamp))
                return;
        int fd = open(s->resolv_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return;
        char *buf = malloc(RESOLV_MAX);
        size_t n = 0;
        while (buf && n < RESOLV_MAX) {
                ssize_t r = read(fd, buf + n, RESOLV_MAX - n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                n += (size_t)r;
        }
        bool ok = buf && fstat(fd, &st) == 0;
        close(fd);
        if (!ok) {
                free(buf);
                return;
        }
        berth_dns_server all[BERTH_DNS_SERVERS_MAX];
        size_t got = berth_dns_resolv_parse(buf, n, s->port, all);
        free(buf);
        /* never ourselves: a host whose resolv.conf names the bridge would loop */
        s->nservers = 0;
        for (size_t i = 0; i < got; i++)
                if (!is_self(s, &all[i]))
                        s->servers[s->nservers++] = all[i];
        s->resolv_stamp = stamp_of(&st);
        s->resolv_read = true;
}

long dns_answer(dns_server *s, const uint8_t *msg, size_t len, berth_dns_query *q, uint8_t *out,
                size_t size)
{
        int rc = berth_dns_query_parse(msg, len, q);
        if (rc < 0)
                return -1;
        if (rc > 0)
                return (long)berth_dns_error_build(q, rc, out, size);
        dns_names_refresh(s);
        return (long)berth_dns_answer_local(&s->names, q, out, size);
}

/*
 * true when DIR/names, DIR/dns.lock or DIR itself went: the network is gone
 * (and with the lock file gone, another berth-dns could take a new one). A
 * directory's IN_DELETE_SELF waits until nothing holds it, and our lock file
 * in it does: rm -rf DIR is seen as its names or its dns.lock going.
 */
static bool dir_gone(dns_server *s)
{
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        for (;;) {
                ssize_t n = read(s->inotify, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return false;
                for (ssize_t i = 0; i + (ssize_t)sizeof(struct inotify_event) <= n;) {
                        const struct inotify_event *ev = (const void *)(buf + i);
                        if (ev->mask & (IN_DELETE_SELF | IN_IGNORED | IN_UNMOUNT))
                                return true;
                        if ((ev->mask & (IN_DELETE | IN_MOVED_FROM)) && ev->len > 0 &&
                            (strcmp(ev->name, "names") == 0 || strcmp(ev->name, "dns.lock") == 0))
                                return true;
                        i += (ssize_t)sizeof(*ev) + ev->len;
                }
        }
}

enum { K_LISTEN, K_INOTIFY, K_PENDING, K_TCP, K_TCP_UP };

int dns_server_run(dns_server *s)
{
        struct pollfd pfd[2 * DNS_LISTEN_MAX + 1 + DNS_PENDING_MAX + 2 * DNS_TCP_MAX];
        struct {
                int kind;
                size_t i;
        } who[sizeof(pfd) / sizeof(pfd[0])];
        for (;;) {
                size_t n = 0;
                int64_t next = -1;
#define ADD(fd_, ev_, kind_, i_)                                                                   \
        do {                                                                                       \
                pfd[n] = (struct pollfd){(fd_), (ev_), 0};                                         \
                who[n].kind = (kind_);                                                             \
                who[n++].i = (i_);                                                                 \
        } while (0)
                for (size_t i = 0; i < s->nls; i++)
                        ADD(s->ls[i].fd, POLLIN, K_LISTEN, i);
                ADD(s->inotify, POLLIN, K_INOTIFY, 0);
                for (size_t i = 0; i < DNS_PENDING_MAX; i++) {
                        dns_pending *p = &s->pend[i];
                        if (p->fd < 0)
                                continue;
                        ADD(p->fd, POLLIN, K_PENDING, i);
                        if (next < 0 || p->deadline < next)
                                next = p->deadline;
                }
                for (size_t i = 0; i < DNS_TCP_MAX; i++) {
                        dns_tcp *c = &s->tcp[i];
                        if (c->state == TCP_FREE)
                                continue;
                        int fd, upfd;
                        short ev, upev;
                        dns_tcp_poll(c, &fd, &ev, &upfd, &upev);
                        ADD(fd, ev, K_TCP, i);
                        if (upfd >= 0)
                                ADD(upfd, upev, K_TCP_UP, i);
                        if (next < 0 || c->deadline < next)
                                next = c->deadline;
                }
#undef ADD
                int64_t now = dns_now_ms();
                int timeout = next < 0 ? -1 : next <= now ? 0 : (int)(next - now);
                int r = poll(pfd, n, timeout);
                if (r < 0 && errno != EINTR)
                        return 1;
                for (size_t k = 0; r > 0 && k < n; k++) {
                        if (pfd[k].revents == 0)
                                continue;
                        switch (who[k].kind) {
                        case K_LISTEN:
                                if (s->ls[who[k].i].tcp)
                                        dns_tcp_accept(s, s->ls[who[k].i].fd);
                                else
                                        dns_udp_receive(s, s->ls[who[k].i].fd);
                                break;
                        case K_INOTIFY:
                                if (dir_gone(s))
                                        return 0;
                                break;
                        case K_PENDING:
                                dns_pending_readable(s, &s->pend[who[k].i]);
                                break;
                        case K_TCP:
                        case K_TCP_UP:
                                /* the same client may have changed since: its state says */
                                dns_tcp_event(s, &s->tcp[who[k].i], who[k].kind == K_TCP_UP,
                                              pfd[k].revents);
                                break;
                        }
                }
                now = dns_now_ms();
                for (size_t i = 0; i < DNS_PENDING_MAX; i++)
                        if (s->pend[i].fd >= 0)
                                dns_pending_expire(s, &s->pend[i], now);
                for (size_t i = 0; i < DNS_TCP_MAX; i++)
                        if (s->tcp[i].state != TCP_FREE)
                                dns_tcp_expire(s, &s->tcp[i], now);
        }
}
