/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-dns [--sync-fd N] [--resolv-conf PATH] DIR LISTEN-ADDR...
 *
 * Binds UDP and TCP port 53 (BERTH_DNS_PORT for tests: the port it listens on
 * and the one it asks the nameservers of resolv.conf on) on each address
 * (IP_FREEBIND: the address need not be up yet), takes DIR/dns.lock (held
 * by another: says "ok", ends: one runs already), says "ok" on the sync fd
 * (or "error: …" and exits 1), and serves until DIR/names or DIR goes, or
 * SIGTERM (see server.h).
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

int64_t dns_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint16_t dns_random_id(void)
{
        static uint16_t pool[64];
        static size_t left;
        if (left == 0) {
                if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool)) {
                        /* never short for 128 bytes once the pool is up; be safe anyway */
                        struct timespec ts;
                        clock_gettime(CLOCK_MONOTONIC, &ts);
                        pool[0] ^= (uint16_t)(ts.tv_nsec ^ (ts.tv_nsec >> 16) ^ getpid());
                        left = 1;
                        return pool[0];
                }
                left = 64;
        }
        return pool[--left];
}

static int sync_fd = -1;

/*
 * Messages are put together by hand, and errno's text is strerrordesc_np's:
 * printf and strerror would link glibc's formatting, locale and gettext
 * code in, a third of what berth-dns would keep resident (it is static).
 */
static void say(const char *const *parts)
{
        char buf[2048] = "";
        for (; *parts; parts++)
                strncat(buf, *parts, sizeof(buf) - strlen(buf) - 2);
        strcat(buf, "\n");
        int fd = sync_fd >= 0 ? sync_fd : strncmp(buf, "ok", 2) != 0 ? 2 : -1;
        for (size_t n = 0, len = strlen(buf); fd >= 0 && n < len;) {
                ssize_t w = write(fd, buf + n, len - n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        break;
                n += (size_t)w;
        }
        if (sync_fd >= 0)
                close(sync_fd);
        sync_fd = -1;
}
#define SAY(...) say((const char *const[]){__VA_ARGS__, NULL})

static const char *errtext(int e)
{
        const char *t = strerrordesc_np(e);
        return t ? t : "unknown error";
}

/* One listening socket of kind type (SOCK_DGRAM or SOCK_STREAM) on a. */
static int listen_on(const berth_dns_server *a, int type)
{
        int fd = socket(a->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int one = 1;
        if (a->addr.ss_family == AF_INET6) {
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
                setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
        } else {
                setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
        }
        if (type == SOCK_STREAM)
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (const struct sockaddr *)&a->addr, a->len) < 0 ||
            (type == SOCK_STREAM && listen(fd, DNS_TCP_MAX) < 0)) {
                int e = errno;
                close(fd);
                return -e;
        }
        return fd;
}

static void close_all(dns_server *s)
{
        for (size_t i = 0; i < s->nls; i++)
                close(s->ls[i].fd);
        s->nls = 0;
}

/* Every listener, UDP then TCP, per address; -errno and which one failed, none left open. */
static int bind_all(dns_server *s, size_t n, size_t *bad_i, int *bad_k)
{
        for (size_t i = 0; i < n; i++)
                for (int k = 0; k < 2; k++) {
                        int fd = listen_on(&s->self[i], k ? SOCK_STREAM : SOCK_DGRAM);
                        if (fd < 0) {
                                close_all(s);
                                *bad_i = i;
                                *bad_k = k;
                                return fd;
                        }
                        s->ls[s->nls++] = (dns_listener){fd, k == 1};
                }
        return 0;
}

static int usage(void)
{
        static const char text[] =
            "usage: berth-dns [--sync-fd N] [--resolv-conf PATH] DIR LISTEN-ADDR...\n"
            "(started by berth for a network; not meant to be run by hand)\n";
        (void)!write(2, text, sizeof(text) - 1);
        return 2;
}

int main(int argc, char **argv)
{
        static dns_server s;
        const char *dir = NULL;
        const char *listen[DNS_LISTEN_MAX];
        size_t nlisten = 0;
        s.resolv_path = "/etc/resolv.conf";
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--sync-fd") == 0 && i + 1 < argc)
                        sync_fd = atoi(argv[++i]);
                else if (strcmp(argv[i], "--resolv-conf") == 0 && i + 1 < argc)
                        s.resolv_path = argv[++i];
                else if (argv[i][0] == '-')
                        return usage();
                else if (dir == NULL)
                        dir = argv[i];
                else if (nlisten < DNS_LISTEN_MAX)
                        listen[nlisten++] = argv[i];
                else
                        return usage();
        }
        if (dir == NULL || nlisten == 0)
                return usage();
        if (sync_fd >= 0 && fcntl(sync_fd, F_SETFD, FD_CLOEXEC) < 0)
                sync_fd = -1;
        /* nothing of whoever started us stays open: only stdio and the sync fd */
        if (sync_fd > 3)
                syscall(SYS_close_range, 3, sync_fd - 1, 0);
        syscall(SYS_close_range, sync_fd >= 3 ? sync_fd + 1 : 3, ~0U, 0);
        signal(SIGPIPE, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        prctl(PR_SET_NAME, "berth-dns");

        s.port = BERTH_DNS_PORT;
        const char *port = getenv("BERTH_DNS_PORT");
        if (port && *port) {
                char *end;
                unsigned long p = strtoul(port, &end, 10);
                if (*end || p == 0 || p > 65535) {
                        SAY("error: BERTH_DNS_PORT=", port, " is not a port");
                        return 1;
                }
                s.port = (uint16_t)p;
        }
        for (size_t i = 0; i < nlisten; i++) {
                char line[128] = "nameserver ";
                strncat(line, listen[i], 100);
                if (strlen(listen[i]) > 100 ||
                    berth_dns_resolv_parse(line, strlen(line), s.port, &s.self[i]) != 1) {
                        SAY("error: '", listen[i], "' is not an IP address");
                        return 1;
                }
        }
        s.nself = nlisten;

        s.dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (s.dirfd < 0) {
                SAY("error: cannot open ", dir, ": ", errtext(errno));
                return 1;
        }
        int lock = openat(s.dirfd, "dns.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lock < 0) {
                SAY("error: cannot open ", dir, "/dns.lock: ", errtext(errno));
                return 1;
        }
        /* watched before anything is served: a removal from now on is seen */
        s.inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (s.inotify < 0 ||
            inotify_add_watch(s.inotify, dir,
                              IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_ONLYDIR) < 0) {
                SAY("error: cannot watch ", dir, ": ", errtext(errno));
                return 1;
        }
        /*
         * Bound first, locked second: whoever holds the lock has its sockets (a query sent
         * then waits in them until the loop runs), so to berth_dns_ensure and to a second
         * berth-dns "held" means "answers". A second one cannot bind (EADDRINUSE): held, it
         * says ok; not held yet, the first is between its bind and its lock (or one just
         * killed between its lock's release and its sockets'), so it tries again for 1 s.
         * Probes take the lock shared and let it go at once; the one that binds takes it
         * exclusive (held, the fd stays open, until the process ends), retrying past them.
         */
        int64_t until = dns_now_ms() + 1000;
        for (;;) {
                size_t bad_i = 0;
                int bad_k = 0;
                int r = bind_all(&s, nlisten, &bad_i, &bad_k);
                if (r == 0) {
                        while (flock(lock, LOCK_EX | LOCK_NB) < 0) {
                                if (errno != EWOULDBLOCK) {
                                        SAY("error: cannot lock ", dir,
                                            "/dns.lock: ", errtext(errno));
                                        return 1;
                                }
                                if (dns_now_ms() >= until) { /* one runs on other addresses */
                                        SAY("ok");
                                        return 0;
                                }
                                usleep(5000);
                        }
                        break;
                }
                if (flock(lock, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
                        SAY("ok"); /* the network's berth-dns runs already */
                        return 0;
                }
                flock(lock, LOCK_UN);
                if (r != -EADDRINUSE || dns_now_ms() >= until) {
                        char port_text[8] = {0};
                        for (unsigned v = s.port, d = 10000, w = 0; d > 0; d /= 10)
                                if (v / d || w || d == 1)
                                        port_text[w++] = (char)('0' + v / d % 10);
                        SAY("error: cannot listen on ", listen[bad_i], " port ", port_text,
                            bad_k ? " (tcp): " : " (udp): ", errtext(-r));
                        return 1;
                }
                usleep(10000);
        }
        for (size_t i = 0; i < DNS_PENDING_MAX; i++)
                s.pend[i].fd = -1;
        for (size_t i = 0; i < DNS_TCP_MAX; i++)
                s.tcp[i] = (dns_tcp){.state = TCP_FREE, .fd = -1, .up = -1};
        dns_names_refresh(&s);
        SAY("ok");
        return dns_server_run(&s);
}
