/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/net against the kernel. Needs root. The test first moves itself into a
 * network namespace of its own ("the host" below), so it never sees nor
 * touches the machine's links and routes; the container sides are two more
 * namespaces held by fds. All three go away with the process, whatever
 * happens: nothing to clean up on failure (the deletes are tests too).
 * What the library reads back is checked against `ip -j` run in the same
 * namespace, and a ping from the container side proves the link carries.
 */
#include "base/cleanup.h"
#include "net/nl-internal.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* is_int on a call that fills err (cleared first), showing err's message when it fails */
#define is_rc(call, want, ...)                                                                     \
        do {                                                                                       \
                berth_error_clear(&err);                                                           \
                long long _r = (call);                                                             \
                is_int(_r, want, __VA_ARGS__);                                                     \
                if (_r != (want) && err.msg[0])                                                    \
                        printf("#   %s\n", err.msg);                                               \
        } while (0)

static char *read_all(FILE *f)
{
        size_t n = 0, cap = 4096;
        char *s = malloc(cap);
        size_t got;
        while (s && (got = fread(s + n, 1, cap - n - 1, f)) > 0) {
                n += got;
                if (cap - n < 2)
                        s = realloc(s, cap *= 2);
        }
        if (s)
                s[n] = '\0';
        return s;
}

/* The command's exit status; its stdout in *out when out is not NULL. In netns_fd's namespace
 * when >= 0, else in the test's own. */
static int run(int netns_fd, char **out, const char *fmt, ...)
{
        char cmd[1024], full[1200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        if (netns_fd >= 0)
                snprintf(full, sizeof(full), "nsenter --net=/proc/%d/fd/%d %s", (int)getpid(),
                         netns_fd, cmd);
        else
                snprintf(full, sizeof(full), "%s", cmd);
        FILE *f = popen(full, "r");
        if (f == NULL)
                return -1;
        char *s = read_all(f);
        int status = pclose(f);
        if (out)
                *out = s;
        else
                free(s);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* `ip -j …` in a namespace, parsed. */
static json_t *ip_json(int netns_fd, const char *args)
{
        _cleanup_free_ char *out = NULL;
        if (run(netns_fd, &out, "ip -j %s", args) != 0 || out == NULL)
                return NULL;
        return json_loads(out, 0, NULL);
}

/* Whether ip -j addr's first link has local/prefixlen. */
static bool ip_has_addr(json_t *links, const char *local, int prefixlen)
{
        json_t *info = json_object_get(json_array_get(links, 0), "addr_info"), *a;
        size_t i;
        json_array_foreach (info, i, a) {
                const char *l = json_string_value(json_object_get(a, "local"));
                if (l && strcmp(l, local) == 0 &&
                    json_integer_value(json_object_get(a, "prefixlen")) == prefixlen)
                        return true;
        }
        return false;
}

static const char *jstr(json_t *links, const char *key)
{
        const char *s = json_string_value(json_object_get(json_array_get(links, 0), key));
        return s ? s : "";
}

static bool lib_has_addr(berth_net *nl, const char *name, const char *text)
{
        berth_error err = {0};
        _cleanup_free_ berth_net_addr *v = NULL;
        size_t n = 0;
        char buf[BERTH_NET_ADDR_STRLEN];
        if (berth_net_addr_list(nl, name, &v, &n, &err) < 0) {
                printf("# %s\n", err.msg);
                return false;
        }
        for (size_t i = 0; i < n; i++)
                if (strcmp(berth_net_addr_format(&v[i], true, buf, sizeof(buf)), text) == 0)
                        return true;
        return false;
}

/* Whether nl's main table has a route to dst ("default" or a prefix) via gw ("" for none) out of
 * link ifindex. */
static bool lib_has_route(berth_net *nl, const char *dst, const char *gw, int ifindex)
{
        berth_error err = {0};
        _cleanup_free_ berth_net_route *v = NULL;
        size_t n = 0;
        char d[BERTH_NET_ADDR_STRLEN], g[BERTH_NET_ADDR_STRLEN];
        if (berth_net_route_list(nl, AF_UNSPEC, &v, &n, &err) < 0) {
                printf("# %s\n", err.msg);
                return false;
        }
        for (size_t i = 0; i < n; i++) {
                if (v[i].dst.prefixlen == 0)
                        snprintf(d, sizeof(d), "default");
                else
                        berth_net_addr_format(&v[i].dst, true, d, sizeof(d));
                g[0] = '\0';
                if (v[i].has_gateway)
                        berth_net_addr_format(&v[i].gateway, false, g, sizeof(g));
                if (strcmp(d, dst) == 0 && strcmp(g, gw) == 0 && v[i].oif == ifindex)
                        return true;
        }
        return false;
}

static bool libmnl_mapped(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "re");
        char line[512];
        while (f && fgets(line, sizeof(line), f))
                if (strstr(line, "libmnl"))
                        return true;
        return false;
}

/* A new network namespace, held by the fd returned: made by a thread that ends at once. */
static void *unshare_net(void *p)
{
        int *fd = p;
        if (unshare(CLONE_NEWNET) == 0)
                *fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        return NULL;
}

static int new_netns(void)
{
        int fd = -1;
        pthread_t t;
        if (pthread_create(&t, NULL, unshare_net, &fd) != 0)
                return -1;
        pthread_join(t, NULL);
        return fd;
}

static void check_text(void)
{
        berth_error err = {0};
        const char *bad[] = {"",       "a/b", "has space", "tab\tx",
                             "eth0:1", ".",   "..",        "0123456789abcdef"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                is_int(berth_net_name_check(bad[i], &err), -EINVAL, "name '%s' refused", bad[i]);
        is_int(berth_net_name_check("0123456789abcde", &err), 0, "15 bytes are a name");
        is_int(berth_net_name_check("veth-x_1.2", &err), 0, "so is veth-x_1.2");

        berth_net_addr a;
        char buf[64];
        ok(berth_net_addr_parse("10.88.0.2/16", &a, &err) == 0 && a.family == AF_INET &&
               a.prefixlen == 16,
           "10.88.0.2/16 parsed");
        is_str(berth_net_addr_format(&a, true, buf, sizeof(buf)), "10.88.0.2/16", "and formatted");
        ok(berth_net_addr_parse("fd00::2/64", &a, &err) == 0 && a.family == AF_INET6 &&
               a.prefixlen == 64,
           "fd00::2/64 parsed");
        ok(berth_net_addr_parse("10.0.0.1", &a, &err) == 0 && a.prefixlen == 32,
           "a bare address gets /32");
        const char *bad_addr[] = {"10.0.0.1/33", "fd00::1/129", "x",           "10.0.0.1/",
                                  "/24",         "10.0.0.1/2x", "10.0.0.1/-1", "10.0.0.256/8"};
        for (size_t i = 0; i < ARRAY_SIZE(bad_addr); i++)
                is_int(berth_net_addr_parse(bad_addr[i], &a, &err), -EINVAL, "'%s' refused",
                       bad_addr[i]);

        uint8_t mac[6];
        ok(berth_net_mac_parse("02:42:AC:11:00:0f", mac, &err) == 0 && mac[0] == 2 && mac[5] == 15,
           "a MAC parsed");
        is_str(berth_net_mac_format(mac, buf), "02:42:ac:11:00:0f", "and formatted");
        const char *bad_mac[] = {"02:42:ac:11:00",   "02:42:ac:11:00:0f:", "02-42-ac-11-00-0f",
                                 "2:42:ac:11:00:0f", "02:42:ac:11:00:0g",  ""};
        for (size_t i = 0; i < ARRAY_SIZE(bad_mac); i++)
                is_int(berth_net_mac_parse(bad_mac[i], mac, &err), -EINVAL, "MAC '%s' refused",
                       bad_mac[i]);
}

/* Replies a hostile or broken kernel could send: every length is checked. */
static void check_parsers(void)
{
        berth_error err = {0};
        char buf[256];
        berth_net_link l;
        struct {
                const char *what;
                uint16_t type;
                uint16_t len;
                const char *data;
                int want;
        } cases[] = {
            {"a good link", IFLA_IFNAME, 5, "eth0", 0},
            {"a name without its NUL", IFLA_IFNAME, 4, "eth0", -EPROTO},
            {"a name of 20 bytes", IFLA_IFNAME, 21, "01234567890123456789", -EPROTO},
            {"an MTU of 2 bytes", IFLA_MTU, 2, "\x05\xdc", -EPROTO},
            {"a master of 3 bytes", IFLA_MASTER, 3, "\1\0\0", -EPROTO},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                memset(buf, 0, sizeof(buf));
                struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
                nlh->nlmsg_type = RTM_NEWLINK;
                struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
                ifi->ifi_index = 7;
                if (cases[i].type != IFLA_IFNAME)
                        mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
                mnl_attr_put(nlh, cases[i].type, cases[i].len, cases[i].data);
                is_int(berth_nl_parse_link(nlh, &l, &err), cases[i].want, "parse: %s",
                       cases[i].what);
        }
        /* an attribute whose length runs past the message: not read */
        memset(buf, 0, sizeof(buf));
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_NEWLINK;
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
        ifi->ifi_index = 7;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
        struct nlattr *mtu = (struct nlattr *)((char *)nlh + nlh->nlmsg_len);
        mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
        mtu->nla_len = 200;
        ok(berth_nl_parse_link(nlh, &l, &err) < 0 || l.mtu == 0,
           "parse: an attribute longer than its message is not read");
        /* a truncated header */
        nlh->nlmsg_len = NLMSG_HDRLEN + 4;
        is_int(berth_nl_parse_link(nlh, &l, &err), -EPROTO, "parse: a short ifinfomsg");

        /* addresses: the address's length must be its family's */
        memset(buf, 0, sizeof(buf));
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_NEWADDR;
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = AF_INET;
        ifa->ifa_prefixlen = 24;
        ifa->ifa_index = 3;
        mnl_attr_put(nlh, IFA_LOCAL, 3, "\x0a\x00\x00");
        berth_net_addr a;
        int ifindex;
        is_int(berth_nl_parse_addr(nlh, &a, &ifindex, &err), -EPROTO,
               "parse: an IPv4 address of 3 bytes");
        ifa->ifa_prefixlen = 40;
        is_int(berth_nl_parse_addr(nlh, &a, &ifindex, &err), -EPROTO, "parse: an IPv4 /40");

        /* routes: a gateway of the wrong length, a prefix too long */
        memset(buf, 0, sizeof(buf));
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_NEWROUTE;
        struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
        rtm->rtm_family = AF_INET6;
        rtm->rtm_table = RT_TABLE_MAIN;
        mnl_attr_put(nlh, RTA_GATEWAY, 4, "\x0a\x00\x00\x01");
        berth_net_route rt;
        unsigned table;
        is_int(berth_nl_parse_route(nlh, &rt, &table, &err), -EPROTO,
               "parse: an IPv6 gateway of 4 bytes");
        rtm->rtm_family = AF_INET;
        ok(berth_nl_parse_route(nlh, &rt, &table, &err) == 0 && rt.has_gateway &&
               rt.gateway.addr[3] == 1 && table == RT_TABLE_MAIN,
           "parse: an IPv4 default route via 10.0.0.1");
        rtm->rtm_dst_len = 33;
        is_int(berth_nl_parse_route(nlh, &rt, &table, &err), -EPROTO, "parse: an IPv4 /33 route");
}

/* Answers matched by sequence number and port id; the kernel's error and words kept. */
static void check_answers(void)
{
        berth_error err = {0};
        berth_net nl = {.portid = 4242};
        char buf[256] = {0};
        int status = 0;
        /* an error for request 7, capped, with an extended message */
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = NLMSG_ERROR;
        nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
        nlh->nlmsg_seq = 7;
        nlh->nlmsg_pid = 4242;
        struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
        e->error = -EINVAL;
        e->msg.nlmsg_len = NLMSG_HDRLEN + 16;
        mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "mtu less than device minimum");
        size_t n = nlh->nlmsg_len;

        is_int(berth_nl_answers(&nl, buf, n, 8, NULL, NULL, &status, &err), 0,
               "an answer to another request is skipped");
        nl.portid = 1;
        is_int(berth_nl_answers(&nl, buf, n, 7, NULL, NULL, &status, &err), 0,
               "so is one for another socket");
        nl.portid = 4242;
        is_int(berth_nl_answers(&nl, buf, n, 7, NULL, NULL, &status, &err), 1, "ours ends it");
        is_int(status, -EINVAL, "with the kernel's errno");
        is_str(err.msg, "Invalid argument (mtu less than device minimum)", "and its words");

        /* a dump that ends in an error */
        memset(buf, 0, sizeof(buf));
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = NLMSG_DONE;
        nlh->nlmsg_seq = 9;
        nlh->nlmsg_pid = 4242;
        *(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = -EBUSY;
        status = 0;
        is_int(berth_nl_answers(&nl, buf, nlh->nlmsg_len, 9, NULL, NULL, &status, &err), 1,
               "NLMSG_DONE ends a dump");
        is_int(status, -EBUSY, "with its error");
}

/* A sysctl file's text in a namespace (-1: the test's own), malloc'd, NULL if unreadable. */
static char *sysctl_in(int netns_fd, const char *path)
{
        char *v = NULL;
        if (run(netns_fd, &v, "cat /proc/sys/%s 2>/dev/null", path) != 0) {
                free(v);
                return NULL;
        }
        return v;
}

/* Links' IPv6 settings written in a handle's namespace, and the bridge driver's use of them:
 * no router advertisement on a bridge it makes; on a container's link IPv6 only with an IPv6
 * address, and then no router advertisement either. */
static void check_ipv6_settings(berth_net *host, berth_net *ctr, int ns_ctr)
{
        berth_error err = {0};
        char *v; /* each read freed before the next */
        is_rc(berth_net_link_ipv6_set(ctr, "eth0", "accept_ra", "2", &err), 0,
              "eth0's accept_ra set through the container's handle");
        v = sysctl_in(ns_ctr, "net/ipv6/conf/eth0/accept_ra");
        is_str(v, "2\n", "read in the container's namespace");
        free(v);
        is_rc(berth_net_link_ipv6_set(host, "eth0", "accept_ra", "0", &err), -ENOENT,
              "through the host's handle: no eth0 there, ENOENT");
        is_rc(berth_net_link_ipv6_set(ctr, "eth0", "../../ipv4/ip_forward", "1", &err), -EINVAL,
              "a setting with a '/' refused");
        is_rc(berth_net_link_ipv6_set(ctr, "..", "accept_ra", "0", &err), -EINVAL,
              "a link named '..' refused");
        ok(!berth_net_ipv6_conf_missing(ctr), "this kernel has IPv6");

        berth_net_bridge_conf bc = {.name = "brt1"};
        bool made = false;
        ok(berth_net_bridge_ensure(host, &bc, &made, &err) == 0 && made, "a bridge made: %s",
           err.msg);
        v = sysctl_in(-1, "net/ipv6/conf/brt1/accept_ra");
        is_str(v, "0\n", "it takes no router advertisement");
        free(v);
        int ns = new_netns();
        _cleanup_net_ berth_net *nl = NULL;
        if (ns < 0 || berth_net_open(ns, &nl, &err) < 0) {
                ok(false, "a namespace for the endpoints: %s", err.msg);
                return;
        }
        berth_net_endpoint_conf e4 = {
            .host_name = "vet4", .ifname = "eth4", .bridge = "brt1", .n_addrs = 1};
        berth_net_addr_parse("10.89.0.2/24", &e4.addrs[0], NULL);
        berth_net_endpoint_conf e6 = {
            .host_name = "vet6", .ifname = "eth6", .bridge = "brt1", .n_addrs = 2};
        berth_net_addr_parse("10.89.0.3/24", &e6.addrs[0], NULL);
        berth_net_addr_parse("fd00:89::3/64", &e6.addrs[1], NULL);
        is_rc(berth_net_endpoint_add(host, nl, ns, &e4, &err), 0, "an IPv4 endpoint");
        is_rc(berth_net_endpoint_add(host, nl, ns, &e6, &err), 0, "an IPv4 and IPv6 endpoint");
        v = sysctl_in(ns, "net/ipv6/conf/eth4/disable_ipv6");
        is_str(v, "1\n", "IPv6 off on the IPv4 one");
        free(v);
        run(ns, &v, "ip -6 addr show dev eth4");
        is_str(v, "", "it has no IPv6 address, not even a link-local one");
        free(v);
        v = sysctl_in(ns, "net/ipv6/conf/eth6/disable_ipv6");
        is_str(v, "0\n", "on on the other");
        free(v);
        v = sysctl_in(ns, "net/ipv6/conf/eth6/accept_ra");
        is_str(v, "0\n", "which takes no router advertisement");
        free(v);
        ok(lib_has_addr(nl, "eth6", "fd00:89::3/64"), "and has its IPv6 address");
        berth_net_link_delete(host, "vet4", NULL);
        berth_net_link_delete(host, "vet6", NULL);
        berth_net_link_delete(host, "brt1", NULL);
        close(ns);
}

int main(void)
{
        if (geteuid() != 0) {
                printf("1..0 # SKIP needs root\n");
                return 0;
        }
        berth_error err = {0};
        check_text();

        ok(!libmnl_mapped(), "libmnl is not loaded before a network is opened");
        if (unshare(CLONE_NEWNET) < 0) {
                printf("Bail out! cannot make the test's own network namespace: %m\n");
                return 1;
        }
        int ns_b = new_netns(), ns_c = new_netns();
        if (ns_b < 0 || ns_c < 0) {
                printf("Bail out! cannot make network namespaces: %m\n");
                return 1;
        }
        _cleanup_net_ berth_net *host = NULL, *ctr = NULL, *mv = NULL;
        if (berth_net_open(-1, &host, &err) < 0 || berth_net_open(ns_b, &ctr, &err) < 0 ||
            berth_net_open(ns_c, &mv, &err) < 0) {
                printf("Bail out! %s\n", err.msg);
                return 1;
        }
        ok(libmnl_mapped(), "and is once one is");
        check_parsers();
        check_answers();
        is_rc(berth_net_open(open("/dev/null", O_RDONLY | O_CLOEXEC), &(berth_net *){NULL}, &err),
              -EINVAL, "a handle on something not a netns is refused");

        /* the bridge */
        uint8_t brmac[6], peermac[6];
        berth_net_mac_parse("02:42:ac:58:00:01", brmac, NULL);
        berth_net_mac_parse("02:42:ac:58:00:02", peermac, NULL);
        is_rc(berth_net_bridge_create(host, "brt0", 1400, brmac, &err), 0, "bridge created");
        /* forward_delay: set to 15 s were an attribute put in the wrong nest */
        json_t *j = ip_json(-1, "-d link show dev brt0");
        json_t *brinfo =
            json_object_get(json_object_get(json_array_get(j, 0), "linkinfo"), "info_data");
        is_int(json_integer_value(json_object_get(brinfo, "forward_delay")), 1500,
               "the bridge's own settings untouched");
        json_decref(j);
        is_rc(berth_net_bridge_create(host, "brt0", 0, NULL, &err), -EEXIST, "twice: EEXIST kept");
        ok(err.code == EEXIST && strstr(err.msg, "cannot create bridge 'brt0'"), "%s", err.msg);
        berth_net_link l = {0};
        char macbuf[18];
        int r = berth_net_link_get(host, "brt0", &l, &err);
        ok(r == 0 && strcmp(l.kind, "bridge") == 0 && l.mtu == 1400 && l.has_mac &&
               memcmp(l.mac, brmac, 6) == 0 && !(l.flags & IFF_UP),
           "read back: kind %s, mtu %u, mac %s, down", l.kind, l.mtu,
           berth_net_mac_format(l.mac, macbuf));
        int br_index = l.ifindex;
        is_rc(berth_net_link_index(host, "brt0", &err), br_index, "its ifindex");
        berth_net_addr gw4, gw6, ip4, ip6;
        berth_net_addr_parse("10.88.0.1/24", &gw4, NULL);
        berth_net_addr_parse("fd00:88::1/64", &gw6, NULL);
        berth_net_addr_parse("10.88.0.2/24", &ip4, NULL);
        berth_net_addr_parse("fd00:88::2/64", &ip6, NULL);
        is_rc(berth_net_addr_add(host, "brt0", &gw4, &err), 0, "gateway v4 on the bridge");
        is_rc(berth_net_addr_add(host, "brt0", &gw6, &err), 0, "gateway v6 on the bridge");
        is_rc(berth_net_addr_add(host, "brt0", &gw4, &err), -EEXIST, "an address twice: EEXIST");
        is_rc(berth_net_link_set_up(host, "brt0", true, &err), 0, "bridge up");
        ok(lib_has_addr(host, "brt0", "10.88.0.1/24") &&
               lib_has_addr(host, "brt0", "fd00:88::1/64"),
           "the bridge's addresses read back");

        /* the veth pair, its peer born in the container's namespace */
        is_rc(berth_net_veth_create(host, "vetht0", "vpeer0", 1400, ns_b, &err), 0,
              "veth pair created");
        is_rc(berth_net_link_get(host, "vpeer0", &l, &err), -ENODEV,
              "the peer never shows on the host");
        ok(berth_net_link_get(ctr, "vpeer0", &l, &err) == 0 && strcmp(l.kind, "veth") == 0 &&
               l.mtu == 1400,
           "it is in the container's namespace");
        is_rc(berth_net_link_set_master(host, "vetht0", "brt0", &err), 0, "host end on the bridge");
        is_rc(berth_net_link_set_up(host, "vetht0", true, &err), 0, "host end up");
        r = berth_net_link_get(host, "vetht0", &l, &err);
        ok(r == 0 && l.master == br_index && (l.flags & IFF_UP) && l.mtu == 1400,
           "read back: master %d, up", l.master);
        /* hairpin mode, as `bridge -d link` shows it */
        is_rc(berth_net_link_set_hairpin(host, "vetht0", true, &err), 0, "hairpin on");
        _cleanup_free_ char *hp = NULL;
        run(-1, &hp, "bridge -d link show dev vetht0");
        ok(hp && strstr(hp, "hairpin on"), "bridge -d link: hairpin on");
        is_rc(berth_net_link_set_hairpin(host, "vetht0", false, &err), 0, "hairpin off");
        free(hp);
        hp = NULL;
        run(-1, &hp, "bridge -d link show dev vetht0");
        ok(hp && strstr(hp, "hairpin off"), "bridge -d link: hairpin off");
        ok(berth_net_link_set_hairpin(host, "brt0", true, &err) < 0 && err.code != 0,
           "a link that is no bridge's port refused: %s", err.msg);
        berth_net_link_set_hairpin(host, "vetht0", true, &err);

        /* inside the container's namespace */
        is_rc(berth_net_link_rename(ctr, "vpeer0", "eth0", &err), 0, "peer renamed eth0");
        is_rc(berth_net_link_set_mac(ctr, "eth0", peermac, &err), 0, "its MAC set");
        is_rc(berth_net_link_set_mtu(ctr, "eth0", 1380, &err), 0, "its MTU set");
        is_rc(berth_net_addr_add(ctr, "eth0", &ip4, &err), 0, "v4 address");
        is_rc(berth_net_addr_add(ctr, "eth0", &ip6, &err), 0, "v6 address");
        is_rc(berth_net_link_set_up(ctr, "lo", true, &err), 0, "lo up");
        is_rc(berth_net_link_set_up(ctr, "eth0", true, &err), 0, "eth0 up");
        is_rc(berth_net_link_set_mtu(ctr, "eth0", 20, &err), -EINVAL,
              "an MTU of 20: the kernel's EINVAL kept");
        like(err.msg, "cannot set the MTU of link 'eth0': Invalid argument",
             "with the kernel's words: %s", err.msg);
        berth_net_addr bare4 = gw4, bare6 = gw6;
        bare4.prefixlen = 32;
        bare6.prefixlen = 128;
        is_rc(berth_net_route_add(ctr, NULL, &bare4, "eth0", &err), 0, "default route v4");
        is_rc(berth_net_route_add(ctr, NULL, &bare6, "eth0", &err), 0, "default route v6");
        is_rc(berth_net_route_add(ctr, NULL, &bare4, "eth0", &err), -EEXIST, "twice: EEXIST");
        r = berth_net_link_get(ctr, "eth0", &l, &err);
        ok(r == 0 && memcmp(l.mac, peermac, 6) == 0 && (l.flags & IFF_UP) && l.mtu == 1380,
           "eth0 read back: mac %s, up, mtu %u", berth_net_mac_format(l.mac, macbuf), l.mtu);
        ok(lib_has_addr(ctr, "eth0", "10.88.0.2/24") && lib_has_addr(ctr, "eth0", "fd00:88::2/64"),
           "eth0's addresses read back");
        ok(lib_has_route(ctr, "default", "10.88.0.1", l.ifindex) &&
               lib_has_route(ctr, "default", "fd00:88::1", l.ifindex) &&
               lib_has_route(ctr, "10.88.0.0/24", "", l.ifindex) &&
               !lib_has_route(ctr, "default", "10.88.0.9", l.ifindex),
           "the routes read back: both defaults, the subnet's");
        is_rc(berth_net_route_list(ctr, 99, &(berth_net_route *){NULL}, &(size_t){0}, &err),
              -EINVAL, "routes of family 99: EINVAL");

        /* what iproute2 sees */
        j = ip_json(ns_b, "addr show dev eth0");
        ok(j && ip_has_addr(j, "10.88.0.2", 24) && ip_has_addr(j, "fd00:88::2", 64) &&
               strcmp(jstr(j, "address"), "02:42:ac:58:00:02") == 0 &&
               json_integer_value(json_object_get(json_array_get(j, 0), "mtu")) == 1380,
           "ip -j addr in the container: eth0's addresses, MAC and MTU");
        json_decref(j);
        j = ip_json(ns_b, "route show default");
        ok(j && strcmp(jstr(j, "gateway"), "10.88.0.1") == 0 && strcmp(jstr(j, "dev"), "eth0") == 0,
           "ip -j route: default via 10.88.0.1 dev eth0");
        json_decref(j);
        j = ip_json(ns_b, "-6 route show default");
        ok(j && strcmp(jstr(j, "gateway"), "fd00:88::1") == 0, "ip -j -6 route: via fd00:88::1");
        json_decref(j);
        j = ip_json(ns_b, "link show dev lo");
        ok(j && strcmp(jstr(j, "operstate"), "UNKNOWN") == 0, "lo is up");
        json_decref(j);
        j = ip_json(-1, "addr show dev brt0");
        ok(j && ip_has_addr(j, "10.88.0.1", 24) && ip_has_addr(j, "fd00:88::1", 64),
           "ip -j addr on the host: the bridge's gateway addresses");
        json_decref(j);
        j = ip_json(-1, "link show dev vetht0");
        ok(j && strcmp(jstr(j, "master"), "brt0") == 0, "ip -j link: vetht0 is on brt0");
        json_decref(j);

        /* the link carries */
        int ping4 = 1, ping6 = 1;
        for (int i = 0; i < 3 && ping4; i++)
                ping4 = run(ns_b, NULL, "busybox ping -c 1 -W 2 10.88.0.1 >/dev/null 2>&1");
        for (int i = 0; i < 3 && ping6; i++)
                ping6 = run(ns_b, NULL, "busybox ping -6 -c 1 -W 2 fd00:88::1 >/dev/null 2>&1");
        is_int(ping4, 0, "the container pings the bridge's v4 address");
        is_int(ping6, 0, "and its v6 address");

        /* hostile names: refused before anything is sent */
        is_rc(berth_net_veth_create(host, "bad/name", "p", 0, ns_b, &err), -EINVAL,
              "veth with a '/' in its name refused");
        is_rc(berth_net_link_set_up(host, "a b", true, &err), -EINVAL, "a name with a space");
        is_rc(berth_net_link_rename(ctr, "eth0", "0123456789abcdef", &err), -EINVAL,
              "a new name of 16 bytes");

        /* macvlan, born in a third namespace, on a dummy parent (a veth end where the kernel
         * has no dummy driver) */
        const char *parent = "dumt0";
        if (run(-1, NULL, "ip link add dumt0 type dummy 2>/dev/null") != 0) {
                printf("# no dummy links in this kernel: a veth end is the macvlan's parent\n");
                parent = "part0";
                run(-1, NULL, "ip link add part0 type veth peer name part1");
        }
        is_rc(berth_net_macvlan_create(host, "mvt0", parent, 1400, ns_c, &err), 0,
              "macvlan on %s created in its namespace", parent);
        is_rc(berth_net_link_get(host, "mvt0", &l, &err), -ENODEV, "not on the host");
        r = berth_net_link_get(mv, "mvt0", &l, &err);
        ok(r == 0 && strcmp(l.kind, "macvlan") == 0 && l.mtu == 1400, "in its namespace: kind %s",
           l.kind);
        j = ip_json(ns_c, "-d link show dev mvt0");
        json_t *info = json_object_get(json_array_get(j, 0), "linkinfo");
        ok(j &&
               strcmp(json_string_value(json_object_get(info, "info_kind")) ?: "", "macvlan") ==
                   0 &&
               strcmp(json_string_value(json_object_get(json_object_get(info, "info_data"), "mode"))
                          ?: "",
                      "bridge") == 0,
           "ip -j -d link: macvlan mode bridge");
        json_decref(j);
        is_rc(berth_net_macvlan_create(host, "mvt1", "nosuch0", 0, ns_c, &err), -ENODEV,
              "on a missing parent: ENODEV");

        /* a pair with both ends here (joining two namespaces by hand) */
        is_rc(berth_net_veth_create(host, "vhx0", "vhx1", 0, -1, &err), 0, "a veth pair here");
        ok(berth_net_link_index(host, "vhx1", &err) > 0, "its peer here too");
        is_rc(berth_net_link_delete(host, "vhx1", &err), 0, "deleting the peer");
        is_rc(berth_net_link_get(host, "vhx0", &l, &err), -ENODEV, "takes the other end");

        check_ipv6_settings(host, ctr, ns_b);

        /* deleting */
        is_rc(berth_net_link_delete(host, "vetht0", &err), 0, "host end deleted");
        is_rc(berth_net_link_get(ctr, "eth0", &l, &err), -ENODEV, "and eth0 went with it");
        is_rc(berth_net_link_delete(host, "vetht0", &err), -ENODEV, "twice: ENODEV kept");
        like(err.msg, "cannot delete link 'vetht0'", "saying which");
        is_rc(berth_net_link_delete(mv, "mvt0", &err), 0, "macvlan deleted");
        is_rc(berth_net_link_delete(host, "brt0", &err), 0, "bridge deleted");
        run(-1, NULL, "ip link del %s", parent);
        _cleanup_free_ char *left = NULL;
        run(-1, &left, "ip -o link show | grep -v ': lo:'");
        is_str(left, "", "nothing left on the test's host side");

        close(ns_b);
        close(ns_c);
        return tap_done();
}
