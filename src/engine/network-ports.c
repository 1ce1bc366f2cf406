/* SPDX-License-Identifier: Apache-2.0 */
/* A container's published ports as bound at its start: random host ports chosen, a port that
 * another container or a process of the host has refused with Docker's message. */
#include "engine/network-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
        char proto[8];
        char ip[64]; /* "" any (of both families) */
        unsigned port;
} bound;

typedef struct {
        bound *v;
        size_t n;
} bound_set;

static void set_add(bound_set *s, const char *proto, const char *ip, unsigned port)
{
        s->v = berth_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
        bound *b = &s->v[s->n++];
        snprintf(b->proto, sizeof(b->proto), "%s", proto);
        bool any = ip == NULL || *ip == '\0' || strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0;
        snprintf(b->ip, sizeof(b->ip), "%s", any ? "" : ip);
        b->port = port;
}

static bool set_taken(const bound_set *s, const char *proto, const char *ip, unsigned port)
{
        bool any = *ip == '\0';
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i].port == port && strcmp(s->v[i].proto, proto) == 0 &&
                    (any || s->v[i].ip[0] == '\0' || strcmp(s->v[i].ip, ip) == 0))
                        return true;
        return false;
}

/* What the other containers hold. */
static int others(berth_db *db, const char *id, bound_set *s, berth_error *err)
{
        static const char sql[] =
            "SELECT ports FROM container_networks WHERE container != ? AND ports != '{}'";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        int rc;
        while ((rc = berth_db_step(db, st, "reading published ports", err)) == SQLITE_ROW) {
                json_error_t je;
                _cleanup_json_ json_t *ports =
                    json_loads((const char *)sqlite3_column_text(st, 0), 0, &je);
                const char *key;
                json_t *list;
                json_object_foreach (ports, key, list) {
                        const char *slash = strchr(key, '/');
                        size_t i;
                        json_t *b;
                        json_array_foreach (list, i, b) {
                                const char *hp = json_string_value(json_object_get(b, "HostPort"));
                                set_add(s, slash ? slash + 1 : "tcp",
                                        json_string_value(json_object_get(b, "HostIp")),
                                        hp ? (unsigned)strtoul(hp, NULL, 10) : 0);
                        }
                }
        }
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

/* Whether a process of the host has the port: a bind of our own says. */
static bool host_has(const char *proto, const char *ip, unsigned port)
{
        struct sockaddr_storage ss = {0};
        socklen_t len;
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        if (*ip == '\0' || inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
                a4->sin_family = AF_INET;
                a4->sin_port = htons((uint16_t)port);
                len = sizeof(*a4);
        } else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
                a6->sin6_family = AF_INET6;
                a6->sin6_port = htons((uint16_t)port);
                len = sizeof(*a6);
        } else {
                return false;
        }
        bool udp = strcmp(proto, "udp") == 0;
        int fd = socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return false;
        int on = 1;
        if (!udp)
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        /* an address the host does not have yet (a loopback alias) is not in use either */
        setsockopt(fd, SOL_IP, IP_FREEBIND, &on, sizeof(on));
        bool taken = bind(fd, (struct sockaddr *)&ss, len) < 0 && errno == EADDRINUSE;
        close(fd);
        return taken;
}

static const char *shown_ip(const char *ip)
{
        return *ip ? ip : "0.0.0.0";
}

static int refuse(const char *proto, const char *ip, unsigned port, berth_error *err)
{
        (void)proto;
        if (strchr(ip, ':'))
                return berth_errx(err, EADDRINUSE,
                                  "Bind for [%s]:%u failed: port is already allocated", ip, port);
        return berth_errx(err, EADDRINUSE, "Bind for %s:%u failed: port is already allocated",
                          shown_ip(ip), port);
}

/* The host's ephemeral ports, where a random one comes from. */
static void ephemeral(unsigned *lo, unsigned *hi)
{
        *lo = 32768;
        *hi = 60999;
        FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
        if (f) {
                unsigned a, b;
                if (fscanf(f, "%u %u", &a, &b) == 2 && a > 0 && a <= b && b < 65536) {
                        *lo = a;
                        *hi = b;
                }
                fclose(f);
        }
}

static int pick(bound_set *taken, const char *proto, const char *ip, unsigned lo, unsigned hi,
                bool random_start, unsigned *ret, berth_error *err)
{
        unsigned span = hi - lo + 1, start = 0;
        if (random_start && getrandom(&start, sizeof(start), 0) != sizeof(start))
                start = (unsigned)getpid();
        for (unsigned i = 0; i < span; i++) {
                unsigned p = lo + (start + i) % span;
                if (!set_taken(taken, proto, ip, p) && !host_has(proto, ip, p)) {
                        *ret = p;
                        return 0;
                }
        }
        if (span == 1)
                return refuse(proto, ip, lo, err);
        return berth_errx(err, EADDRINUSE, "all ports from %u to %u are allocated", lo, hi);
}

static int host_range(const char *hp, unsigned *lo, unsigned *hi, berth_error *err)
{
        char *end;
        unsigned long a = strtoul(hp, &end, 10), b = a;
        if (*end == '-')
                b = strtoul(end + 1, &end, 10);
        if (*end || a == 0 || a > 65535 || b < a || b > 65535)
                return berth_errx(err, EINVAL, "invalid host port \"%s\"", hp);
        *lo = (unsigned)a;
        *hi = (unsigned)b;
        return 0;
}

static int bind_one(bound_set *taken, const char *key, const char *ip, const char *hp, bool v6,
                    json_t *out, berth_error *err)
{
        const char *slash = strchr(key, '/');
        const char *proto = slash ? slash + 1 : "tcp";
        if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
                return berth_errx(err, EOPNOTSUPP, "publishing %s ports is not supported", proto);
        bool any = *ip == '\0' || strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0;
        const char *tip = any ? "" : ip;
        unsigned lo = 0, hi = 0, port = 0;
        int r;
        bool random = hp == NULL || *hp == '\0' || strcmp(hp, "0") == 0;
        if (random)
                ephemeral(&lo, &hi);
        else if ((r = host_range(hp, &lo, &hi, err)) < 0)
                return r;
        if ((r = pick(taken, proto, tip, lo, hi, random, &port, err)) < 0)
                return r;
        set_add(taken, proto, tip, port);
        char num[8];
        snprintf(num, sizeof(num), "%u", port);
        json_t *list = json_object_get(out, key);
        if (list == NULL || !json_is_array(list)) {
                list = json_array();
                json_object_set_new(out, key, list);
        }
        if (strchr(tip, ':') || !any) {
                json_array_append_new(list,
                                      json_pack("{s:s, s:s}", "HostIp", tip, "HostPort", num));
                return 0;
        }
        json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp", "0.0.0.0", "HostPort", num));
        if (v6)
                json_array_append_new(list,
                                      json_pack("{s:s, s:s}", "HostIp", "::", "HostPort", num));
        return 0;
}

int engine_net_ports_bind(berth_db *db, const char *id, const json_t *body, bool v6, json_t **ret,
                          berth_error *err)
{
        const json_t *hc = json_object_get(body, "HostConfig");
        const json_t *pb = json_object_get(hc, "PortBindings");
        bool all = json_is_true(json_object_get(hc, "PublishAllPorts"));
        json_t *out = json_object();
        bound_set taken = {0};
        int r = others(db, id, &taken, err);
        const char *key;
        json_t *list;
        json_object_foreach ((json_t *)pb, key, list) {
                size_t i;
                json_t *b;
                json_array_foreach (list, i, b) {
                        const char *ip = json_string_value(json_object_get(b, "HostIp"));
                        const char *hp = json_string_value(json_object_get(b, "HostPort"));
                        if (r == 0)
                                r = bind_one(&taken, key, ip ? ip : "", hp, v6, out, err);
                }
        }
        /* -P: every exposed port not bound yet gets a random one; the others show as null */
        json_object_foreach (json_object_get(body, "ExposedPorts"), key, list) {
                if (r < 0 || json_object_get(out, key))
                        continue;
                if (all)
                        r = bind_one(&taken, key, "", NULL, v6, out, err);
                else
                        json_object_set_new(out, key, json_null());
        }
        free(taken.v);
        if (r < 0) {
                json_decref(out);
                return r;
        }
        *ret = out;
        return 0;
}

bool engine_net_ip_is_lo6(const char *ip)
{
        struct in6_addr a;
        return ip && inet_pton(AF_INET6, ip, &a) == 1 && IN6_IS_ADDR_LOOPBACK(&a);
}

char *engine_net_ports_forwards(const json_t *ports, const char *a4, const char *a6)
{
        const char *to = a4 && *a4 ? a4 : a6 && *a6 ? a6 : NULL;
        if (to == NULL)
                return NULL;
        char *text = NULL;
        const char *key;
        json_t *list;
        json_object_foreach ((json_t *)ports, key, list) {
                const char *slash = strchr(key, '/');
                unsigned port = (unsigned)strtoul(key, NULL, 10);
                size_t i;
                json_t *b;
                json_array_foreach (list, i, b) {
                        const char *hp = json_string_value(json_object_get(b, "HostPort"));
                        const char *hip = json_string_value(json_object_get(b, "HostIp"));
                        /* [::1], and [::1] of "::" (every IPv6 address: the DNAT of the
                         * others leaves ::1 out, see firewall.c) */
                        if (!(engine_net_ip_is_lo6(hip) || (hip && strcmp(hip, "::") == 0)) ||
                            hp == NULL || port == 0)
                                continue;
                        char *next =
                            berth_xasprintf("%s%s%s %s %s %u", text ? text : "", text ? "," : "",
                                            slash ? slash + 1 : "tcp", hp, to, port);
                        free(text);
                        text = next;
                }
        }
        return text;
}
