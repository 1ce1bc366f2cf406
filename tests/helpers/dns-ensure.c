/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-ensure PROGRAM DIR LISTEN-ADDR...: berth_dns_ensure() as the engine
 * calls it (tests/integration/dns.bats): start the network's berth-dns
 * unless one runs. Prints "ok" or the error; exits 0 or 1.
 */
#include "net/dns.h"

#include <stdio.h>

int main(int argc, char **argv)
{
        if (argc < 4) {
                fprintf(stderr, "usage: dns-ensure PROGRAM DIR LISTEN-ADDR...\n");
                return 2;
        }
        berth_error err = {0};
        if (berth_dns_ensure(argv[1], argv[2], (const char *const *)argv + 3, (size_t)argc - 3,
                             &err) < 0) {
                printf("%s\n", err.msg);
                return 1;
        }
        printf("ok\n");
        return 0;
}
