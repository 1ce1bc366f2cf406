/* SPDX-License-Identifier: Apache-2.0 */
/* berth's nftables table, written whole from the networks and published ports (firewall.h). */
#include "firewall.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "net/ipam.h"
#include "net/net.h"

#include <arpa/inet.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The maps of published ports: by family (4, 6), protocol, and what the host address is. */
enum { TO_ANY, TO_ADDR, TO_LOOPBACK, N_TO };
static const char *const to_names[N_TO] = {"any", "addr", "lo"};
static const char *const protos[2] = {"tcp", "udp"};

static bool name_ok(const char *s)
{
        return s && *s && strlen(s) < 64 &&
               strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") ==
                   strlen(s);
}

static int proto_index(const char *p)
{
        for (int i = 0; i < 2; i++)
                if (p && strcmp(p, protos[i]) == 0)
                        return i;
        return -1;
}

/* One map element per published port, into the text of its map. */
typedef struct {
        FILE *f;
        char *text;
        size_t len;
} elems;

static void elem_add(elems *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void elem_add(elems *e, const char *fmt, ...)
{
        if (e->f == NULL)
                e->f = open_memstream(&e->text, &e->len);
        else
                fputs(", ", e->f);
        va_list ap;
        va_start(ap, fmt);
        vfprintf(e->f, fmt, ap);
        va_end(ap);
}

static void elems_close(elems *e)
{
        if (e->f)
                fclose(e->f);
        e->f = NULL;
}

/* `set NAME { type T; [flags interval;] elements = { … } }`, elements only when there are some
 * (nft refuses an empty list). */
static void put_set(FILE *f, const char *kind, const char *name, const char *type, bool interval,
                    elems *e)
{
        elems_close(e);
        fprintf(f, "  %s %s {\n    type %s;\n", kind, name, type);
        if (interval)
                fputs("    flags interval;\n", f);
        if (e->text && *e->text)
                fprintf(f, "    elements = { %s };\n", e->text);
        fputs("  }\n", f);
}

static int check_prefix(const char *s, int family, berth_error *err)
{
        berth_prefix p;
        int r = berth_prefix_parse(s, &p, err);
        if (r == 0 && p.family != family)
                r = berth_errx(err, EINVAL, "%s is not an IPv%d subnet", s,
                               family == AF_INET ? 4 : 6);
        return r;
}

int berth_fw_script(const char *table, const berth_fw_network *nets, size_t n,
                    const berth_fw_port *ports, size_t np, char **ret, berth_error *err)
{
        if (!name_ok(table))
                return berth_errx(err, EINVAL, "invalid nftables table name \"%s\"",
                                  table ? table : "");
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        fprintf(f, "add table inet %s\ndelete table inet %s\n", table, table);
        if (n == 0 && np == 0) {
                fclose(f);
                *ret = text;
                return 0;
        }
        elems bridges = {0}, internal = {0}, masq[2] = {{0}}, maps[2][2][N_TO] = {{{{0}}}},
              hairpin[2] = {{0}};
        int r = 0;
        for (size_t i = 0; r == 0 && i < n; i++) {
                const berth_fw_network *nw = &nets[i];
                if ((r = berth_net_name_check(nw->bridge, err)) < 0)
                        break;
                elem_add(&bridges, "\"%s\"", nw->bridge);
                if (nw->internal)
                        elem_add(&internal, "\"%s\"", nw->bridge);
                if (nw->subnet4 && (r = check_prefix(nw->subnet4, AF_INET, err)) < 0)
                        break;
                if (nw->subnet6 && (r = check_prefix(nw->subnet6, AF_INET6, err)) < 0)
                        break;
                if (!nw->internal && nw->subnet4)
                        elem_add(&masq[0], "%s", nw->subnet4);
                if (!nw->internal && nw->subnet6)
                        elem_add(&masq[1], "%s", nw->subnet6);
        }
        for (size_t i = 0; r == 0 && i < np; i++) {
                const berth_fw_port *p = &ports[i];
                int pi = proto_index(p->proto);
                berth_ip to, host;
                if (pi < 0) {
                        r = berth_errx(err, EINVAL, "invalid protocol \"%s\"",
                                       p->proto ? p->proto : "");
                        break;
                }
                if (p->host_port == 0 || p->port == 0) {
                        r = berth_errx(err, EINVAL, "a published port is 1 to 65535");
                        break;
                }
                if ((r = berth_ip_parse(p->addr ? p->addr : "", &to, err)) < 0)
                        break;
                int fam = to.family == AF_INET ? 0 : 1;
                int kind = TO_ANY;
                char hbuf[64] = "", tbuf[64];
                berth_ip_str(&to, tbuf, sizeof(tbuf));
                if (p->host_ip && *p->host_ip) {
                        if ((r = berth_ip_parse(p->host_ip, &host, err)) < 0)
                                break;
                        if (host.family != to.family) {
                                r = berth_errx(err, EINVAL, "%s and %s are not of one family",
                                               p->host_ip, p->addr);
                                break;
                        }
                        static const uint8_t zero[16];
                        bool unspecified = memcmp(host.addr, zero, fam ? 16 : 4) == 0;
                        bool loopback = fam ? memcmp(host.addr, zero, 15) == 0 && host.addr[15] == 1
                                            : host.addr[0] == 127;
                        kind = unspecified ? TO_ANY : loopback ? TO_LOOPBACK : TO_ADDR;
                        berth_ip_str(&host, hbuf, sizeof(hbuf));
                }
                /* a container to its own published port: source and destination are it */
                elem_add(&hairpin[fam], "%s . %s . %s . %u", tbuf, tbuf, protos[pi], p->port);
                if (kind == TO_ANY)
                        elem_add(&maps[fam][pi][kind], "%u : %s . %u", p->host_port, tbuf, p->port);
                else
                        elem_add(&maps[fam][pi][kind], "%s . %u : %s . %u", hbuf, p->host_port,
                                 tbuf, p->port);
        }
        if (r < 0) {
                fclose(f);
                free(text);
                goto out;
        }
        fprintf(f, "table inet %s {\n", table);
        put_set(f, "set", "bridges", "ifname", false, &bridges);
        put_set(f, "set", "internal", "ifname", false, &internal);
        put_set(f, "set", "masq4", "ipv4_addr", true, &masq[0]);
        put_set(f, "set", "masq6", "ipv6_addr", true, &masq[1]);
        put_set(f, "set", "hairpin4", "ipv4_addr . ipv4_addr . inet_proto . inet_service", false,
                &hairpin[0]);
        put_set(f, "set", "hairpin6", "ipv6_addr . ipv6_addr . inet_proto . inet_service", false,
                &hairpin[1]);
        for (int fam = 0; fam < 2; fam++)
                for (int pi = 0; pi < 2; pi++)
                        for (int k = 0; k < N_TO; k++) {
                                char name[32], type[96];
                                const char *a = fam ? "ipv6_addr" : "ipv4_addr";
                                snprintf(name, sizeof(name), "ports%d-%s-%s", fam ? 6 : 4,
                                         protos[pi], to_names[k]);
                                if (k == TO_ANY)
                                        snprintf(type, sizeof(type),
                                                 "inet_service : %s . inet_service", a);
                                else
                                        snprintf(type, sizeof(type),
                                                 "%s . inet_service : %s . inet_service", a, a);
                                put_set(f, "map", name, type, false, &maps[fam][pi][k]);
                        }
        /* published ports: from elsewhere (prerouting) and from the host itself (output) */
        for (int hook = 0; hook < 2; hook++) {
                fprintf(f, "  chain %s {\n    type nat hook %s priority -100; policy accept;\n",
                        hook ? "output" : "prerouting", hook ? "output" : "prerouting");
                for (int fam = 0; fam < 2; fam++)
                        for (int pi = 0; pi < 2; pi++) {
                                const char *ip = fam ? "ip6" : "ip";
                                const char *nf = fam ? "ipv6" : "ipv4";
                                /* not ::1 from the host itself: the answer, de-NATed to
                                 * ::1, would come in on a bridge, where IPv6 drops it
                                 * (berth-monitor forwards [::1] instead) */
                                fprintf(f,
                                        "    meta nfproto %s %sfib daddr type local dnat %s to %s "
                                        "dport map @ports%d-%s-any\n",
                                        nf, hook && fam ? "ip6 daddr != ::1 " : "", ip, protos[pi],
                                        fam ? 6 : 4, protos[pi]);
                                fprintf(f,
                                        "    meta nfproto %s dnat %s to %s daddr . %s dport map "
                                        "@ports%d-%s-addr\n",
                                        nf, ip, ip, protos[pi], fam ? 6 : 4, protos[pi]);
                                if (hook)
                                        fprintf(f,
                                                "    meta nfproto %s dnat %s to %s daddr . %s "
                                                "dport map @ports%d-%s-lo\n",
                                                nf, ip, ip, protos[pi], fam ? 6 : 4, protos[pi]);
                        }
                fputs("  }\n", f);
        }
        /* what a network sends out goes as the host; a connection from the host's loopback to
         * a container as its bridge's address (127.0.0.1 cannot leave lo); a container's
         * connection to a published port that leads back into a bridge (hairpin) as the host,
         * so that the answer comes back the way it went: routed between bridges, or, with
         * br_netfilter, DNATed on the bridge and sent back out of the port it came in on (the
         * veths are in hairpin mode), where postrouting sees no input link: Docker's rule, a
         * source that is the destination, to a published port of it (@hairpin4/6) */
        fputs("  chain postrouting {\n    type nat hook postrouting priority 100; policy accept;\n"
              "    ip saddr @masq4 oifname != @bridges masquerade\n"
              "    ip6 saddr @masq6 oifname != @bridges masquerade\n"
              "    oifname @bridges ip saddr 127.0.0.0/8 masquerade\n"
              "    iifname @bridges oifname @bridges ct status dnat masquerade\n"
              "    oifname @bridges ct status dnat ip saddr . ip daddr . meta l4proto . th dport "
              "@hairpin4 masquerade\n"
              "    oifname @bridges ct status dnat ip6 saddr . ip6 daddr . meta l4proto . th dport "
              "@hairpin6 masquerade\n"
              "    oifname @bridges ip6 saddr ::1 masquerade\n  }\n",
              f);
        /* a network's packets come from its own addresses: what arrives on a bridge with a
         * source the host would not route back out of that bridge (a container with
         * CAP_NET_RAW forging another host's or network's address) is dropped before NAT, so
         * the host forwards no forged source anywhere (strict reverse-path filtering, both
         * families; a route the user adds through a container makes its addresses valid) */
        fputs("  chain spoof {\n    type filter hook prerouting priority -150; policy accept;\n"
              "    iifname @bridges fib saddr . iif oif missing drop\n  }\n",
              f);
        /* the host's loopback is the host's: route_localnet (on the bridges, for ports
         * published on 127.0.0.1) would let a container that crafts a packet to 127.0.0.0/8
         * reach the host's local services; only answers to the host's own connections come in
         * (CVE-2020-8558's class) */
        fputs("  chain input {\n    type filter hook input priority 0; policy accept;\n"
              "    iifname @bridges ip daddr 127.0.0.0/8 ct state established,related accept\n"
              "    iifname @bridges ip daddr 127.0.0.0/8 drop\n  }\n",
              f);
        /* isolation: only what a published port let in, answers, and what leaves a network */
        fputs("  chain forward {\n    type filter hook forward priority 0; policy accept;\n"
              "    iifname @internal oifname != @internal drop\n"
              "    oifname @internal iifname != @internal drop\n",
              f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "    iifname \"%s\" oifname @bridges oifname != \"%s\" drop\n",
                        nets[i].bridge, nets[i].bridge);
        fputs("    oifname @bridges ct state established,related accept\n"
              "    oifname @bridges ct status dnat accept\n"
              "    oifname @bridges iifname != @bridges drop\n  }\n}\n",
              f);
        fclose(f);
        *ret = text;
out:
        elems_close(&bridges);
        elems_close(&internal);
        free(bridges.text);
        free(internal.text);
        for (int a = 0; a < 2; a++) {
                elems_close(&masq[a]);
                free(masq[a].text);
                elems_close(&hairpin[a]);
                free(hairpin[a].text);
                for (int b = 0; b < 2; b++)
                        for (int k = 0; k < N_TO; k++) {
                                elems_close(&maps[a][b][k]);
                                free(maps[a][b][k].text);
                        }
        }
        return r;
}

int berth_fw_run(const char *script, bool check_only, berth_error *err)
{
        int r = berth_libnftables_load(err);
        if (r < 0)
                return r;
        struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
        if (nft == NULL)
                return berth_errx(err, ENOMEM, "cannot start nftables");
        nft_ctx_buffer_output(nft);
        nft_ctx_buffer_error(nft);
        nft_ctx_set_dry_run(nft, check_only);
        if (nft_run_cmd_from_buffer(nft, script) != 0) {
                const char *msg = nft_ctx_get_error_buffer(nft);
                r = berth_errx(err, EIO, "nftables: %s",
                               msg && *msg ? msg : "the table was refused");
                /* nft's message ends with the offending line and a caret line: one line is
                 * enough to say which */
                char *nl = strchr(err->msg, '\n');
                if (nl)
                        *nl = '\0';
        }
        nft_ctx_free(nft);
        return r;
}
