/* SPDX-License-Identifier: Apache-2.0 */
/* udp-echo PORT: answer every UDP datagram on PORT (IPv4 and IPv6) with "echo: " and what it
 * held. Static: it runs inside a busybox container (tests/integration/container-network.bats:
 * busybox's nc has no UDP). */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: udp-echo PORT\n");
                return 2;
        }
        int s = socket(AF_INET6, SOCK_DGRAM, 0);
        int off = 0;
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
        struct sockaddr_in6 a = {.sin6_family = AF_INET6,
                                 .sin6_port = htons((uint16_t)atoi(argv[1]))};
        if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
                perror("udp-echo: bind");
                return 1;
        }
        for (;;) {
                char buf[1500], out[1600];
                struct sockaddr_storage from;
                socklen_t fl = sizeof(from);
                ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
                if (n < 0)
                        continue;
                int m = snprintf(out, sizeof(out), "echo: %.*s", (int)n, buf);
                sendto(s, out, (size_t)m, 0, (struct sockaddr *)&from, fl);
        }
}
