/* SPDX-License-Identifier: Apache-2.0 */
/* `berth version`. */
#include "cli.h"

#include <stdio.h>

int cmd_version(berth_cli *cli, int argc, char **argv)
{
        printf("Client:\n Version:    %s\n API version: 1.41\n OS/Arch:    linux/%s\n",
               BERTH_VERSION,
#if defined(__x86_64__)
               "amd64"
#elif defined(__aarch64__)
               "arm64"
#else
               "unknown"
#endif
        );
        return 0;
}
