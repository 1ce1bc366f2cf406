/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fw-script TABLE [--check|--apply] [net BRIDGE SUBNET4|- SUBNET6|- internal|-]...
 *                                   [port PROTO HOSTIP|- HOSTPORT ADDR PORT]...
 * Prints berth_fw_script()'s table for those networks and ports; --apply runs it
 * (berth_fw_run), --check has the kernel check it. For the firewall's tests.
 */
#include "net/firewall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *opt(const char *s)
{
        return strcmp(s, "-") == 0 ? NULL : s;
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: fw-script TABLE [--check|--apply] [net …] [port …]\n");
                return 2;
        }
        berth_fw_network nets[16] = {{0}};
        berth_fw_port ports[32] = {{0}};
        size_t n = 0, np = 0;
        int mode = 0;
        for (int i = 2; i < argc;) {
                if (strcmp(argv[i], "--check") == 0 || strcmp(argv[i], "--apply") == 0) {
                        mode = argv[i][2] == 'c' ? 1 : 2;
                        i++;
                } else if (strcmp(argv[i], "net") == 0 && i + 4 < argc && n < 16) {
                        nets[n++] =
                            (berth_fw_network){argv[i + 1], opt(argv[i + 2]), opt(argv[i + 3]),
                                               strcmp(argv[i + 4], "internal") == 0};
                        i += 5;
                } else if (strcmp(argv[i], "port") == 0 && i + 5 < argc && np < 32) {
                        ports[np++] = (berth_fw_port){argv[i + 1], opt(argv[i + 2]),
                                                      (uint16_t)atoi(argv[i + 3]), argv[i + 4],
                                                      (uint16_t)atoi(argv[i + 5])};
                        i += 6;
                } else {
                        fprintf(stderr, "fw-script: bad argument %s\n", argv[i]);
                        return 2;
                }
        }
        berth_error err = {0};
        char *script = NULL;
        if (berth_fw_script(argv[1], nets, n, ports, np, &script, &err) < 0) {
                fprintf(stderr, "fw-script: %s\n", err.msg);
                return 1;
        }
        if (mode && berth_fw_run(script, mode == 1, &err) < 0) {
                fprintf(stderr, "fw-script: %s\n", err.msg);
                free(script);
                return 1;
        }
        if (mode == 0)
                fputs(script, stdout);
        free(script);
        return 0;
}
