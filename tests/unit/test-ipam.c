/* SPDX-License-Identifier: Apache-2.0 */
/* IPAM as Docker's default: subnets, gateways, ranges, reserved addresses, the pools. */
#include "net/ipam.h"

#include "base/cleanup.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *ip_s(const berth_ip *ip)
{
        static char buf[64];
        return berth_ip_str(ip, buf, sizeof(buf));
}

static berth_prefix P(const char *s)
{
        berth_prefix p = {0};
        berth_error err = {0};
        if (berth_prefix_parse(s, &p, &err) < 0)
                abort();
        return p;
}

static berth_ip I(const char *s)
{
        berth_ip ip = {0};
        berth_error err = {0};
        if (berth_ip_parse(s, &ip, &err) < 0)
                abort();
        return ip;
}

static void test_parse(void)
{
        berth_error err = {0};
        berth_prefix p;
        char buf[64];
        ok(berth_prefix_parse("10.1.0.0/16", &p, &err) == 0 && p.len == 16 && p.family == AF_INET,
           "a v4 subnet");
        is_str(berth_prefix_str(&p, buf, sizeof(buf)), "10.1.0.0/16", "written back");
        ok(berth_prefix_parse("fd00:1::/64", &p, &err) == 0 && p.family == AF_INET6, "a v6 subnet");
        is_str(berth_prefix_str(&p, buf, sizeof(buf)), "fd00:1::/64", "v6 written back");
        is_int(berth_prefix_parse("10.1.0.1/16", &p, &err), -EINVAL, "host bits are refused");
        is_str(err.msg, "invalid subnet 10.1.0.1/16: it should be 10.1.0.0/16",
               "in Docker's words");
        is_int(berth_prefix_parse("10.1.0.0", &p, &err), -EINVAL, "no length");
        is_int(berth_prefix_parse("10.1.0.0/33", &p, &err), -EINVAL, "too long");
        is_int(berth_prefix_parse("10.1.0.0/", &p, &err), -EINVAL, "empty length");
        is_int(berth_prefix_parse("10.1.0.0/1x", &p, &err), -EINVAL, "junk length");
        is_int(berth_prefix_parse("300.1.0.0/16", &p, &err), -EINVAL, "bad address");
        is_int(berth_prefix_parse("fd00::/129", &p, &err), -EINVAL, "v6 too long");
        berth_ip ip;
        is_int(berth_ip_parse("10.1.2.3.4", &ip, &err), -EINVAL, "a bad IP");
        ok(berth_ip_parse("::1", &ip, &err) == 0 && ip.family == AF_INET6, "a v6 IP");
}

static void test_contains(void)
{
        berth_prefix a = P("10.1.0.0/16");
        berth_ip in = I("10.1.255.255"), out = I("10.2.0.0"), v6 = I("fd00::1");
        ok(berth_prefix_contains(&a, &in), "contains its last address");
        ok(!berth_prefix_contains(&a, &out), "not the next subnet's first");
        ok(!berth_prefix_contains(&a, &v6), "not another family");
        berth_prefix b = P("10.1.128.0/17"), c = P("10.0.0.0/8"), d = P("10.2.0.0/16");
        ok(berth_prefix_overlaps(&a, &b) && berth_prefix_overlaps(&b, &a), "a part overlaps");
        ok(berth_prefix_overlaps(&a, &c) && berth_prefix_overlaps(&c, &a), "a whole overlaps");
        ok(!berth_prefix_overlaps(&a, &d), "neighbours do not");
        berth_prefix all = P("0.0.0.0/0");
        ok(berth_prefix_overlaps(&a, &all), "the default route covers all");
}

typedef struct {
        const char **taken;
} used;

static bool is_taken(const berth_ip *ip, void *userdata)
{
        const used *u = userdata;
        for (const char **t = u->taken; t && *t; t++) {
                berth_ip x = I(*t);
                if (berth_ip_equal(ip, &x))
                        return true;
        }
        return false;
}

static void test_next(void)
{
        berth_error err = {0};
        berth_prefix net = P("10.1.0.0/24");
        berth_ip gw, ip;
        ok(berth_prefix_first_host(&net, &gw, &err) == 0, "a first host");
        is_str(ip_s(&gw), "10.1.0.1", "the gateway Docker picks");
        ok(berth_ipam_next(&net, NULL, &gw, NULL, 0, NULL, NULL, &ip, &err) == 0, "next");
        is_str(ip_s(&ip), "10.1.0.2", "after the gateway");
        const char *taken[] = {"10.1.0.2", "10.1.0.3", NULL};
        used u = {taken};
        berth_ip aux = I("10.1.0.4");
        ok(berth_ipam_next(&net, NULL, &gw, &aux, 1, is_taken, &u, &ip, &err) == 0, "skipping");
        is_str(ip_s(&ip), "10.1.0.5", "leased and auxiliary addresses are skipped");
        berth_prefix range = P("10.1.0.128/25");
        ok(berth_ipam_next(&net, &range, &gw, NULL, 0, NULL, NULL, &ip, &err) == 0, "a range");
        is_str(ip_s(&ip), "10.1.0.128", "the range's first address");
        /* a /30 has two hosts: the gateway and one more; the broadcast is never given */
        berth_prefix small = P("10.9.0.0/30");
        berth_ip g2 = I("10.9.0.1");
        ok(berth_ipam_next(&small, NULL, &g2, NULL, 0, NULL, NULL, &ip, &err) == 0, "a /30");
        is_str(ip_s(&ip), "10.9.0.2", "its one address");
        const char *full[] = {"10.9.0.2", NULL};
        used f = {full};
        is_int(berth_ipam_next(&small, NULL, &g2, NULL, 0, is_taken, &f, &ip, &err), -ENOSPC,
               "full: no broadcast handed out");
        like(err.msg, "no available IPv4 addresses", "Docker's words");
        /* IPv6: no broadcast, the subnet-router address (::) is not given */
        berth_prefix v6 = P("fd00:1::/64");
        ok(berth_prefix_first_host(&v6, &gw, &err) == 0, "v6 gateway");
        is_str(ip_s(&gw), "fd00:1::1", "::1 as Docker's");
        ok(berth_ipam_next(&v6, NULL, &gw, NULL, 0, NULL, NULL, &ip, &err) == 0, "v6 next");
        is_str(ip_s(&ip), "fd00:1::2", "::2");
        /* the end of the address space does not wrap */
        berth_prefix top = P("255.255.255.252/30");
        berth_ip gtop = I("255.255.255.253");
        ok(berth_ipam_next(&top, NULL, &gtop, NULL, 0, NULL, NULL, &ip, &err) == 0, "at the top");
        is_str(ip_s(&ip), "255.255.255.254", "the last host");
}

static void test_pools(void)
{
        berth_error err = {0};
        berth_prefix got;
        char buf[64];
        ok(berth_ipam_pool_pick(NULL, 0, &got, &err) == 0, "a pool");
        is_str(berth_prefix_str(&got, buf, sizeof(buf)), "172.17.0.0/16", "docker's first");
        berth_prefix used_[2] = {P("172.17.0.1/32"), P("172.18.5.0/24")};
        ok(berth_ipam_pool_pick(used_, 2, &got, &err) == 0, "past the used");
        is_str(berth_prefix_str(&got, buf, sizeof(buf)), "172.19.0.0/16", "the first free");
        berth_prefix wide[2] = {P("172.16.0.0/12"), P("192.168.0.0/19")};
        ok(berth_ipam_pool_pick(wide, 2, &got, &err) == 0, "into 192.168");
        is_str(berth_prefix_str(&got, buf, sizeof(buf)), "192.168.32.0/20", "a free /20");
        berth_prefix none[2] = {P("172.16.0.0/12"), P("192.168.0.0/16")};
        is_int(berth_ipam_pool_pick(none, 2, &got, &err), -ENOSPC, "all taken");
        like(err.msg, "could not find an available, non-overlapping IPv4 address pool",
             "Docker's words");
        berth_prefix *host = NULL;
        size_t n = 0;
        ok(berth_ipam_host_prefixes(&host, &n, &err) == 0 && n > 0, "the host's prefixes");
        bool lo = false;
        berth_ip l = I("127.0.0.1");
        for (size_t i = 0; i < n; i++)
                lo = lo || berth_prefix_contains(&host[i], &l);
        ok(lo, "loopback is among them");
        free(host);
}

/* Docker 27+'s IPv6 pool: fd00::/8 and the low 40 bits of sha256(host id)'s first 8 bytes */
static void test_pool6(void)
{
        berth_error err = {0};
        berth_prefix got;
        char buf[64];
        /* sha256("") = e3b0c442 98fc1c14 …: its first 8 bytes' low 40 bits are 42 98 fc 1c 14 */
        ok(berth_ipam_pool6_pick("", NULL, 0, &got, &err) == 0, "a pool for the empty id");
        is_str(berth_prefix_str(&got, buf, sizeof(buf)), "fd42:98fc:1c14::/64",
               "its /48's first /64");
        /* sha256("abc") = ba7816bf 8f01cfea … */
        berth_prefix used_[2] = {P("fdbf:8f01:cfea::/64"), P("fdbf:8f01:cfea:1::5/128")};
        ok(berth_ipam_pool6_pick("abc", used_, 2, &got, &err) == 0, "past the used");
        is_str(berth_prefix_str(&got, buf, sizeof(buf)), "fdbf:8f01:cfea:2::/64",
               "the first free /64");
        berth_prefix all = P("fdbf:8f01:cfea::/48");
        is_int(berth_ipam_pool6_pick("abc", &all, 1, &got, &err), -ENOSPC, "the /48 taken whole");
        like(err.msg, "could not find an available, non-overlapping IPv6 address pool",
             "Docker's words");
        berth_prefix v4 = P("10.0.0.0/8");
        ok(berth_ipam_pool6_pick("abc", &v4, 1, &got, &err) == 0 &&
               strcmp(berth_prefix_str(&got, buf, sizeof(buf)), "fdbf:8f01:cfea::/64") == 0,
           "an IPv4 prefix in use is no obstacle");
}

int main(void)
{
        test_parse();
        test_contains();
        test_next();
        test_pools();
        test_pool6();
        return tap_done();
}
