/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stdio an exec without a terminal gets. The caller's fds would reach a process of the
 * container as they are, and through /proc/self/fd/N it could reopen, chmod or chown what they
 * lead to: the user's terminal (and read what is typed there after `exec` returns, from a
 * child left behind), a file of the host the output goes to (made setuid, say). So only what
 * leads nowhere on the host passes as it is — a pipe, a socket, a null device (which the
 * runtime swaps for the container's own /dev/null) — and anything else goes through a pipe of
 * ours that we copy while the runtime runs, as Docker's daemon streams it. A detached exec gets
 * null devices: its caller is gone long before it ends.
 */
#include "engine/exec-internal.h"
#include "base/cleanup.h"
#include "base/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void exec_stdio_init(exec_stdio *s)
{
        for (int i = 0; i < 3; i++) {
                s->child[i] = s->ours[i] = s->caller[i] = -1;
                s->owns_child[i] = false;
        }
        s->len = s->off = 0;
}

int exec_stdio_open(exec_stdio *s, const int fds[3], bool detach, berth_error *err)
{
        exec_stdio_init(s);
        for (int i = 0; i < 3; i++) {
                if (detach) {
                        s->child[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
                        if (s->child[i] < 0)
                                return berth_err(err, errno, "cannot open /dev/null");
                        s->owns_child[i] = true;
                        continue;
                }
                if (fds[i] < 0 || berth_fd_private(fds[i])) {
                        s->child[i] = fds[i];
                        continue;
                }
                int p[2];
                if (pipe2(p, O_CLOEXEC) < 0)
                        return berth_err(err, errno, "cannot make a pipe");
                /* stdin: the process reads p[0], we write p[1]; out: the reverse */
                s->child[i] = i == 0 ? p[0] : p[1];
                s->owns_child[i] = true;
                s->ours[i] = i == 0 ? p[1] : p[0];
                s->caller[i] = fds[i];
                fcntl(s->ours[i], F_SETFL, O_NONBLOCK);
        }
        return 0;
}

/* The runtime has its copies: ours of the process's ends go (or no EOF would ever come). */
void exec_stdio_started(exec_stdio *s)
{
        for (int i = 0; i < 3; i++)
                if (s->owns_child[i]) {
                        close(s->child[i]);
                        s->child[i] = -1;
                        s->owns_child[i] = false;
                }
}

static void close_ours(exec_stdio *s, int i)
{
        if (s->ours[i] >= 0)
                close(s->ours[i]);
        s->ours[i] = -1;
}

int exec_stdio_wait(exec_stdio *s, pid_t pid)
{
        bool relaying = false;
        for (int i = 0; i < 3; i++)
                relaying = relaying || s->ours[i] >= 0;
        if (!relaying)
                return exec_wait_runtime(pid);
        bool in_open = s->ours[0] >= 0;
        /* the runtime's exit as an event (a pidfd: Linux 5.3); else looked for every 20 ms */
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        for (;;) {
                int st = 0;
                pid_t w = waitpid(pid, &st, WNOHANG);
                if (w == pid) {
                        /* the process is gone: what it wrote is in the pipes (a child it left
                         * may hold them open: no waiting for their end) */
                        for (int i = 1; i < 3; i++)
                                if (s->ours[i] >= 0)
                                        berth_fd_relay(s->ours[i], s->caller[i]);
                        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                }
                struct pollfd p[4];
                int idx[4], n = 0;
                if (in_open && s->ours[0] >= 0) {
                        /* stdin: read the caller's when our buffer is empty, else write it on */
                        p[n] = s->len == s->off
                                   ? (struct pollfd){.fd = s->caller[0], .events = POLLIN}
                                   : (struct pollfd){.fd = s->ours[0], .events = POLLOUT};
                        idx[n++] = 0;
                }
                for (int i = 1; i < 3; i++)
                        if (s->ours[i] >= 0) {
                                p[n] = (struct pollfd){.fd = s->ours[i], .events = POLLIN};
                                idx[n++] = i;
                        }
                if (pidfd >= 0) {
                        p[n] = (struct pollfd){.fd = pidfd, .events = POLLIN};
                        idx[n++] = -1;
                }
                int r = poll(p, (nfds_t)n, pidfd >= 0 ? -1 : 20);
                if (r < 0 && errno != EINTR)
                        return exec_wait_runtime(pid);
                for (int k = 0; r > 0 && k < n; k++) {
                        if (!p[k].revents)
                                continue;
                        int i = idx[k];
                        if (i < 0)
                                continue; /* the runtime's exit: waitpid above */
                        if (i > 0) {
                                if (berth_fd_relay(s->ours[i], s->caller[i]) <= 0)
                                        close_ours(s, i);
                        } else if (s->len == s->off) {
                                ssize_t got = read(s->caller[0], s->buf, sizeof(s->buf));
                                if (got > 0) {
                                        s->len = (size_t)got;
                                        s->off = 0;
                                } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                                        close_ours(s, 0); /* the process sees its stdin end */
                                        in_open = false;
                                }
                        } else {
                                ssize_t put = write(s->ours[0], s->buf + s->off, s->len - s->off);
                                if (put > 0) {
                                        s->off += (size_t)put;
                                } else if (put < 0 && errno != EAGAIN && errno != EINTR) {
                                        close_ours(s, 0); /* it closed its stdin */
                                        in_open = false;
                                }
                        }
                }
        }
}

void exec_stdio_close(exec_stdio *s)
{
        for (int i = 0; i < 3; i++)
                close_ours(s, i);
        exec_stdio_started(s);
}
