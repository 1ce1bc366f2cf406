/* SPDX-License-Identifier: Apache-2.0 */
/* Subnets, gateways and the next free address, as Docker's default IPAM (ipam.h). */
#include "ipam.h"
#include "base/cleanup.h"
#include "base/digest.h"
#include "base/strutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t addr_len(int family)
{
        return family == AF_INET ? 4 : 16;
}

static int family_of(const char *s)
{
        return strchr(s, ':') ? AF_INET6 : AF_INET;
}

int berth_ip_parse(const char *s, berth_ip *ret, berth_error *err)
{
        berth_ip ip = {.family = family_of(s)};
        if (inet_pton(ip.family, s, ip.addr) != 1)
                return berth_errx(err, EINVAL, "invalid IP address: %s", s);
        *ret = ip;
        return 0;
}

/* Keep the first len bits of a, zero the rest. */
static void mask_to(uint8_t *a, size_t bytes, unsigned len)
{
        for (size_t i = 0; i < bytes; i++) {
                unsigned bits = len >= (i + 1) * 8 ? 8 : len > i * 8 ? len - (unsigned)i * 8 : 0;
                a[i] &= (uint8_t)(bits ? 0xff << (8 - bits) : 0);
        }
}

int berth_prefix_parse(const char *s, berth_prefix *ret, berth_error *err)
{
        const char *slash = strchr(s, '/');
        if (slash == NULL)
                return berth_errx(err, EINVAL, "invalid CIDR address: %s", s);
        _cleanup_free_ char *host = strndup(s, (size_t)(slash - s));
        berth_prefix p = {.family = family_of(host)};
        char *end = NULL;
        errno = 0;
        unsigned long len = strtoul(slash + 1, &end, 10);
        size_t bytes = addr_len(p.family);
        if (inet_pton(p.family, host, p.addr) != 1 || errno || end == slash + 1 || *end ||
            len > bytes * 8)
                return berth_errx(err, EINVAL, "invalid CIDR address: %s", s);
        p.len = (unsigned)len;
        berth_prefix net = p;
        mask_to(net.addr, bytes, p.len);
        if (memcmp(net.addr, p.addr, bytes) != 0) {
                char want[64];
                return berth_errx(err, EINVAL, "invalid subnet %s: it should be %s", s,
                                  berth_prefix_str(&net, want, sizeof(want)));
        }
        *ret = p;
        return 0;
}

const char *berth_ip_str(const berth_ip *ip, char *buf, size_t n)
{
        if (inet_ntop(ip->family, ip->addr, buf, (socklen_t)n) == NULL)
                snprintf(buf, n, "?");
        return buf;
}

const char *berth_prefix_str(const berth_prefix *p, char *buf, size_t n)
{
        char a[INET6_ADDRSTRLEN];
        if (inet_ntop(p->family, p->addr, a, sizeof(a)) == NULL)
                snprintf(a, sizeof(a), "?");
        snprintf(buf, n, "%s/%u", a, p->len);
        return buf;
}

bool berth_ip_equal(const berth_ip *a, const berth_ip *b)
{
        return a->family == b->family && memcmp(a->addr, b->addr, addr_len(a->family)) == 0;
}

bool berth_prefix_contains(const berth_prefix *p, const berth_ip *ip)
{
        if (p->family != ip->family)
                return false;
        uint8_t a[16];
        memcpy(a, ip->addr, sizeof(a));
        mask_to(a, addr_len(p->family), p->len);
        return memcmp(a, p->addr, addr_len(p->family)) == 0;
}

bool berth_prefix_overlaps(const berth_prefix *a, const berth_prefix *b)
{
        if (a->family != b->family)
                return false;
        /* the shorter prefix holds the other's network address */
        const berth_prefix *wide = a->len <= b->len ? a : b, *narrow = wide == a ? b : a;
        berth_ip ip = {.family = narrow->family};
        memcpy(ip.addr, narrow->addr, sizeof(ip.addr));
        return berth_prefix_contains(wide, &ip);
}

/* a + 1 in place; false when it wrapped. */
static bool ip_inc(berth_ip *a)
{
        for (size_t i = addr_len(a->family); i-- > 0;)
                if (++a->addr[i] != 0)
                        return true;
        return false;
}

/* The last address of p. */
static berth_ip prefix_last(const berth_prefix *p)
{
        berth_ip ip = {.family = p->family};
        memcpy(ip.addr, p->addr, sizeof(ip.addr));
        size_t bytes = addr_len(p->family);
        for (size_t i = 0; i < bytes; i++) {
                unsigned bits = p->len >= (i + 1) * 8 ? 8
                                : p->len > i * 8      ? p->len - (unsigned)i * 8
                                                      : 0;
                ip.addr[i] |= (uint8_t)(0xff >> bits);
        }
        return ip;
}

/* A host address of the subnet: neither its network address nor (IPv4, shorter than /31)
 * its broadcast. */
static bool host_address(const berth_prefix *subnet, const berth_ip *ip)
{
        size_t bytes = addr_len(subnet->family);
        if (subnet->len >= bytes * 8 - (subnet->family == AF_INET ? 1 : 0))
                return true; /* /32, /31, /128: every address is a host */
        if (memcmp(ip->addr, subnet->addr, bytes) == 0)
                return false;
        berth_ip last = prefix_last(subnet);
        return subnet->family != AF_INET || !berth_ip_equal(ip, &last);
}

int berth_prefix_first_host(const berth_prefix *p, berth_ip *ret, berth_error *err)
{
        return berth_ipam_next(p, NULL, NULL, NULL, 0, NULL, NULL, ret, err);
}

int berth_ipam_next(const berth_prefix *subnet, const berth_prefix *range, const berth_ip *gateway,
                    const berth_ip *reserved, size_t n, berth_ip_taken_fn taken, void *userdata,
                    berth_ip *ret, berth_error *err)
{
        const berth_prefix *r = range ? range : subnet;
        berth_ip ip = {.family = r->family}, last = prefix_last(r);
        memcpy(ip.addr, r->addr, sizeof(ip.addr));
        for (;;) {
                bool ok = berth_prefix_contains(subnet, &ip) && host_address(subnet, &ip) &&
                          !(gateway && berth_ip_equal(&ip, gateway));
                for (size_t i = 0; ok && i < n; i++)
                        ok = !berth_ip_equal(&ip, &reserved[i]);
                if (ok && (taken == NULL || !taken(&ip, userdata))) {
                        *ret = ip;
                        return 0;
                }
                if (berth_ip_equal(&ip, &last) || !ip_inc(&ip))
                        break;
        }
        char s[64];
        return berth_errx(
            err, ENOSPC, "no available IPv%d addresses on this network's address pools: %s",
            subnet->family == AF_INET ? 4 : 6, berth_prefix_str(subnet, s, sizeof(s)));
}

static bool overlaps_any(const berth_prefix *p, const berth_prefix *in_use, size_t n)
{
        for (size_t j = 0; j < n; j++)
                if (berth_prefix_overlaps(p, &in_use[j]))
                        return true;
        return false;
}

int berth_ipam_pool_pick(const berth_prefix *in_use, size_t n, berth_prefix *ret, berth_error *err)
{
        /* 172.17–31.0.0/16, then 192.168.0.0/16 in /20s */
        for (unsigned i = 0; i < 15 + 16; i++) {
                berth_prefix p = {.family = AF_INET};
                if (i < 15) {
                        p.addr[0] = 172, p.addr[1] = (uint8_t)(17 + i), p.len = 16;
                } else {
                        p.addr[0] = 192, p.addr[1] = 168, p.addr[2] = (uint8_t)((i - 15) << 4);
                        p.len = 20;
                }
                if (!overlaps_any(&p, in_use, n)) {
                        *ret = p;
                        return 0;
                }
        }
        return berth_errx(err, ENOSPC,
                          "could not find an available, non-overlapping IPv4 address pool among "
                          "the defaults to assign to the network");
}

int berth_ipam_pool6_pick(const char *host_id, const berth_prefix *in_use, size_t n,
                          berth_prefix *ret, berth_error *err)
{
        berth_digest d;
        berth_digest_of(host_id, strlen(host_id), &d);
        const char *hex = berth_digest_hex(&d);
        berth_prefix p = {.family = AF_INET6, .len = 64};
        p.addr[0] = 0xfd;
        /* bytes 3..7 of the hash are the first eight's low 40 bits */
        for (int i = 0; i < 5; i++) {
                unsigned byte = 0;
                sscanf(hex + 2 * (3 + i), "%2x", &byte);
                p.addr[1 + i] = (uint8_t)byte;
        }
        for (unsigned sub = 0; sub < 65536; sub++) {
                p.addr[6] = (uint8_t)(sub >> 8);
                p.addr[7] = (uint8_t)sub;
                if (!overlaps_any(&p, in_use, n)) {
                        *ret = p;
                        return 0;
                }
        }
        return berth_errx(err, ENOSPC,
                          "could not find an available, non-overlapping IPv6 address pool among "
                          "the defaults to assign to the network");
}

static void push_prefix(berth_prefix **v, size_t *n, const berth_prefix *p)
{
        *v = berth_xrealloc(*v, (*n + 1) * sizeof(**v));
        (*v)[(*n)++] = *p;
}

/* Prefix length of a netmask (contiguous bits). */
static unsigned mask_len(const uint8_t *m, size_t bytes)
{
        unsigned len = 0;
        for (size_t i = 0; i < bytes; i++)
                for (int b = 7; b >= 0 && (m[i] >> b) & 1; b--)
                        len++;
        return len;
}

/* /proc/net/route: the IPv4 routes that are not default routes. */
static void routes_v4(berth_prefix **v, size_t *n)
{
        FILE *f = fopen("/proc/net/route", "re");
        if (f == NULL)
                return;
        char line[512];
        if (fgets(line, sizeof(line), f) == NULL) { /* the header */
                fclose(f);
                return;
        }
        while (fgets(line, sizeof(line), f)) {
                char ifname[64];
                unsigned dst, gw, flags, refcnt, use, metric, mask;
                if (sscanf(line, "%63s %x %x %x %u %u %u %x", ifname, &dst, &gw, &flags, &refcnt,
                           &use, &metric, &mask) != 8 ||
                    mask == 0)
                        continue;
                berth_prefix p = {.family = AF_INET};
                memcpy(p.addr, &dst, 4); /* the file has them in network order, as bytes */
                uint8_t m[4];
                memcpy(m, &mask, 4);
                p.len = mask_len(m, 4);
                push_prefix(v, n, &p);
        }
        fclose(f);
}

int berth_ipam_host_prefixes(berth_prefix **ret, size_t *ret_n, berth_error *err)
{
        berth_prefix *v = NULL;
        size_t n = 0;
        struct ifaddrs *ifa = NULL;
        if (getifaddrs(&ifa) < 0)
                return berth_err(err, errno, "cannot read the host's addresses");
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                if (i->ifa_addr == NULL || i->ifa_netmask == NULL)
                        continue;
                int fam = i->ifa_addr->sa_family;
                if (fam != AF_INET && fam != AF_INET6)
                        continue;
                berth_prefix p = {.family = fam};
                uint8_t m[16] = {0};
                if (fam == AF_INET) {
                        memcpy(p.addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
                        memcpy(m, &((struct sockaddr_in *)i->ifa_netmask)->sin_addr, 4);
                } else {
                        memcpy(p.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
                        memcpy(m, &((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr, 16);
                }
                p.len = mask_len(m, addr_len(fam));
                mask_to(p.addr, addr_len(fam), p.len);
                push_prefix(&v, &n, &p);
        }
        freeifaddrs(ifa);
        routes_v4(&v, &n);
        *ret = v;
        *ret_n = n;
        return 0;
}
