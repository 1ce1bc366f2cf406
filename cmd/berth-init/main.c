/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-init: a tiny first process for containers (`run --init`).
 *
 *   berth-init [--] CMD [ARG…]
 *
 * Runs CMD as its child, passes on every signal it can catch to it, reaps
 * every process that ends up as its child (orphans are reparented to the
 * pid namespace's first process, or to us as a child subreaper), and exits
 * with CMD's status: its exit code, or 128 + the signal that killed it.
 * CMD not found: 127; found but not runnable: 126 ("berth-init: …" on
 * stderr either way).
 *
 * The child gets its own process group and, on a terminal, the
 * foreground: keys like ^C reach it once, from the terminal, not twice.
 * Links nothing but libc.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/*
 * Signals left alone: those the kernel raises for a fault of our own (they
 * must not be blocked) and the terminal stop signals. Every other one is
 * blocked and waited for.
 */
static const int not_forwarded[] = {SIGFPE,  SIGILL, SIGSEGV, SIGBUS, SIGABRT,
                                    SIGTRAP, SIGSYS, SIGTTIN, SIGTTOU};

__attribute__((format(printf, 1, 2))) static void msg(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs("berth-init: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

static void child(char **argv, const sigset_t *orig)
{
        /* Own process group, and the terminal's foreground when there is one. */
        if (setpgid(0, 0) == 0 && isatty(STDIN_FILENO)) {
                struct sigaction ign = {.sa_handler = SIG_IGN}, old;
                sigaction(SIGTTOU, &ign, &old);
                (void)tcsetpgrp(STDIN_FILENO, getpgrp());
                sigaction(SIGTTOU, &old, NULL);
        }
        sigprocmask(SIG_SETMASK, orig, NULL);
        execvp(argv[0], argv);
        int e = errno;
        msg("cannot run '%s': %s", argv[0], strerror(e));
        _exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
}

static int status_code(int st)
{
        if (WIFEXITED(st))
                return WEXITSTATUS(st);
        if (WIFSIGNALED(st))
                return 128 + WTERMSIG(st);
        return 1;
}

int main(int argc, char **argv)
{
        sigset_t all, orig;
        int i = 1;

        if (i < argc && strcmp(argv[i], "--") == 0)
                i++;
        if (i >= argc) {
                fprintf(stderr, "usage: berth-init [--] CMD [ARG...]\n");
                return 2;
        }

        sigfillset(&all);
        for (size_t k = 0; k < sizeof(not_forwarded) / sizeof(not_forwarded[0]); k++)
                sigdelset(&all, not_forwarded[k]);
        if (sigprocmask(SIG_SETMASK, &all, &orig) < 0) {
                msg("cannot block signals: %s", strerror(errno));
                return 1;
        }
        /* Not the namespace's first process (e.g. --pid host): adopt orphans anyway. */
        if (getpid() != 1)
                (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

        pid_t pid = fork();
        if (pid < 0) {
                msg("cannot fork: %s", strerror(errno));
                return 1;
        }
        if (pid == 0)
                child(argv + i, &orig);

        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);
                if (sig < 0) {
                        if (errno == EINTR)
                                continue;
                        msg("cannot wait for signals: %s", strerror(errno));
                        return 1;
                }
                if (sig != SIGCHLD) {
                        /* ESRCH: the child has just ended; its SIGCHLD follows. */
                        (void)kill(pid, sig);
                        continue;
                }
                /* Reap everything that has ended: the child and any orphan. */
                for (;;) {
                        int st;
                        pid_t w = waitpid(-1, &st, WNOHANG);
                        if (w <= 0)
                                break;
                        if (w == pid)
                                return status_code(st);
                }
        }
}
