/* SPDX-License-Identifier: Apache-2.0 */
/* The text forms src/net takes and gives: interface names, IP/prefix, MAC addresses. */
#include "net/nl-internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int berth_net_name_check(const char *name, berth_error *err)
{
        if (name == NULL || name[0] == '\0')
                return berth_errx(err, EINVAL, "an interface name cannot be empty");
        size_t len = strnlen(name, IFNAMSIZ);
        if (len >= IFNAMSIZ)
                return berth_errx(err, EINVAL, "interface name '%.*s…' is longer than %d bytes",
                                  IFNAMSIZ - 1, name, IFNAMSIZ - 1);
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return berth_errx(err, EINVAL, "'%s' cannot be an interface name", name);
        /* what the kernel's dev_valid_name() refuses, and control bytes */
        for (const unsigned char *p = (const unsigned char *)name; *p; p++)
                if (*p == '/' || *p == ':' || isspace(*p) || iscntrl(*p))
                        return berth_errx(err, EINVAL,
                                          "interface name '%s' has a '/', ':', space or control "
                                          "character",
                                          name);
        return 0;
}

int berth_net_addr_parse(const char *text, berth_net_addr *ret, berth_error *err)
{
        char host[INET6_ADDRSTRLEN];
        const char *slash = strchr(text, '/');
        size_t hlen = slash ? (size_t)(slash - text) : strlen(text);
        berth_net_addr a = {0};
        if (hlen == 0 || hlen >= sizeof(host))
                return berth_errx(err, EINVAL, "'%s' is not an IP address", text);
        memcpy(host, text, hlen);
        host[hlen] = '\0';
        if (inet_pton(AF_INET, host, a.addr) == 1)
                a.family = AF_INET;
        else if (inet_pton(AF_INET6, host, a.addr) == 1)
                a.family = AF_INET6;
        else
                return berth_errx(err, EINVAL, "'%s' is not an IP address", text);
        unsigned max = berth_nl_family_len(a.family) * 8;
        a.prefixlen = max;
        if (slash) {
                char *end;
                errno = 0;
                unsigned long p = strtoul(slash + 1, &end, 10);
                if (!isdigit((unsigned char)slash[1]) || *end || errno || p > max)
                        return berth_errx(err, EINVAL, "'%s' has no valid prefix length (0-%u)",
                                          text, max);
                a.prefixlen = (unsigned)p;
        }
        *ret = a;
        return 0;
}

const char *berth_net_addr_format(const berth_net_addr *a, bool with_prefix, char *buf, size_t size)
{
        char host[INET6_ADDRSTRLEN];
        if (inet_ntop(a->family, a->addr, host, sizeof(host)) == NULL)
                snprintf(host, sizeof(host), "?");
        if (with_prefix)
                snprintf(buf, size, "%s/%u", host, a->prefixlen);
        else
                snprintf(buf, size, "%s", host);
        return buf;
}

static int hex(char c)
{
        return isdigit((unsigned char)c) ? c - '0'
               : c >= 'a' && c <= 'f'    ? c - 'a' + 10
               : c >= 'A' && c <= 'F'    ? c - 'A' + 10
                                         : -1;
}

int berth_net_mac_parse(const char *text, uint8_t ret[BERTH_NET_MAC_LEN], berth_error *err)
{
        uint8_t mac[BERTH_NET_MAC_LEN];
        const char *p = text;
        for (int i = 0; i < BERTH_NET_MAC_LEN; i++, p += 3) {
                int hi = hex(p[0]), lo = hi < 0 ? -1 : hex(p[1]);
                char sep = lo < 0 ? 'x' : p[2];
                if (lo < 0 || sep != (i == BERTH_NET_MAC_LEN - 1 ? '\0' : ':'))
                        return berth_errx(err, EINVAL, "'%s' is not a MAC address", text);
                mac[i] = (uint8_t)(hi << 4 | lo);
        }
        memcpy(ret, mac, sizeof(mac));
        return 0;
}

const char *berth_net_mac_format(const uint8_t mac[BERTH_NET_MAC_LEN], char buf[18])
{
        snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                 mac[5]);
        return buf;
}
