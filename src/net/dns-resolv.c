/* SPDX-License-Identifier: Apache-2.0 */
/* The host's nameservers, from the text of its resolv.conf (dns.h). */
#include "net/dns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r';
}

/* A link's index by its name, from /sys (glibc's if_nametoindex would bring its netlink code
 * into berth-dns, which is linked statically and kept small); 0 if there is none. */
static uint32_t ifindex(const char *name)
{
        char path[64 + IF_NAMESIZE], buf[16];
        if (strlen(name) >= IF_NAMESIZE || strchr(name, '/') || name[0] == '.')
                return 0;
        strcpy(path, "/sys/class/net/");
        strcat(path, name);
        strcat(path, "/ifindex");
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        return (uint32_t)strtoul(buf, NULL, 10);
}

/* "ADDR" or "ADDR%zone" of one nameserver line; false if it is neither. */
static bool server(const char *s, size_t len, uint16_t port, berth_dns_server *out)
{
        char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
        if (len == 0 || len >= sizeof(text))
                return false;
        memcpy(text, s, len);
        text[len] = '\0';
        memset(out, 0, sizeof(*out));
        struct sockaddr_in *in = (struct sockaddr_in *)&out->addr;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->addr;
        if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
                in->sin_family = AF_INET;
                in->sin_port = htons(port);
                out->len = sizeof(*in);
                return true;
        }
        char *zone = strchr(text, '%');
        if (zone)
                *zone++ = '\0';
        if (inet_pton(AF_INET6, text, &in6->sin6_addr) != 1)
                return false;
        if (zone) {
                char *end;
                unsigned long idx = strtoul(zone, &end, 10);
                if (*zone && *end == '\0')
                        in6->sin6_scope_id = (uint32_t)idx;
                else if ((in6->sin6_scope_id = ifindex(zone)) == 0)
                        return false;
        }
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        out->len = sizeof(*in6);
        return true;
}

size_t berth_dns_resolv_parse(const char *text, size_t len, uint16_t port,
                              berth_dns_server out[BERTH_DNS_SERVERS_MAX])
{
        size_t n = 0, i = 0;
        while (i < len && n < BERTH_DNS_SERVERS_MAX) {
                const char *nl = memchr(text + i, '\n', len - i);
                size_t l = nl ? (size_t)(nl - (text + i)) : len - i;
                const char *line = text + i;
                i += l + 1;
                size_t p = 0;
                while (p < l && blank(line[p]))
                        p++;
                if (l - p < 11 || memcmp(line + p, "nameserver", 10) != 0 || !blank(line[p + 10]))
                        continue;
                p += 10;
                while (p < l && blank(line[p]))
                        p++;
                size_t start = p;
                while (p < l && !blank(line[p]) && line[p] != '#' && line[p] != ';')
                        p++;
                if (server(line + start, p - start, port, &out[n]))
                        n++;
        }
        return n;
}
