/* SPDX-License-Identifier: Apache-2.0 */
#include "ttyproxy.h"
#include "runtime/sync.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t winch;

static void on_winch(int sig)
{
        (void)sig;
        winch = 1;
}

static void copy_winsize(int master)
{
        struct winsize ws;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                ioctl(master, TIOCSWINSZ, &ws);
}

static bool pump(int from, int to)
{
        char buf[8192];
        ssize_t n = read(from, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return true;
        if (n <= 0)
                return false;
        for (ssize_t off = 0; off < n;) {
                ssize_t w = write(to, buf + off, (size_t)(n - off));
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return false;
                off += w;
        }
        return true;
}

_Noreturn static void proxy(int sock)
{
        int master = berth_recv_fd(sock, NULL, 0);
        close(sock);
        if (master < 0)
                _exit(0); /* no terminal after all */
        struct termios saved;
        bool raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
        if (raw) {
                struct termios t = saved;
                cfmakeraw(&t);
                tcsetattr(STDIN_FILENO, TCSANOW, &t);
                copy_winsize(master);
                struct sigaction sa = {.sa_handler = on_winch};
                sigaction(SIGWINCH, &sa, NULL);
        }
        bool in_open = true;
        for (;;) {
                struct pollfd p[2] = {{.fd = master, .events = POLLIN},
                                      {.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN}};
                int r = poll(p, 2, -1);
                if (winch) {
                        winch = 0;
                        copy_winsize(master);
                }
                if (r < 0)
                        continue;
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        if (!pump(master, STDOUT_FILENO))
                                break;
                }
                if (p[1].revents & (POLLIN | POLLHUP)) {
                        if (!pump(STDIN_FILENO, master)) {
                                in_open = false;
                                if (!raw) {
                                        char eot = 4; /* ^D: end of input on the container's tty */
                                        ssize_t w = write(master, &eot, 1);
                                        (void)w;
                                }
                        }
                }
        }
        if (raw)
                tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        _exit(0);
}

int tty_proxy_start(pid_t *ret_pid)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(sv[0]);
                close(sv[1]);
                return -e;
        }
        if (pid == 0) {
                close(sv[0]);
                proxy(sv[1]);
        }
        close(sv[1]);
        *ret_pid = pid;
        return sv[0];
}

void tty_proxy_finish(int sock, pid_t pid)
{
        if (sock >= 0)
                close(sock);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}
