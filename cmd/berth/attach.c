/* SPDX-License-Identifier: Apache-2.0 */
/* The terminal's end of an attach stream: raw mode, sizes, signals; the stream is the engine's. */
#include "cli.h"
#include "base/fs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_tio;
static bool raw_on;

static void restore_tty(void)
{
        if (raw_on) {
                tcsetattr(0, TCSADRAIN, &saved_tio);
                raw_on = false;
        }
}

static void raw_tty(void)
{
        if (!isatty(0) || tcgetattr(0, &saved_tio) < 0)
                return;
        struct termios raw = saved_tio;
        cfmakeraw(&raw);
        raw.c_oflag |= OPOST; /* keep \n → \r\n for our own messages */
        if (tcsetattr(0, TCSADRAIN, &raw) == 0) {
                raw_on = true;
                atexit(restore_tty);
        }
}

static void send_size(berth_attach *h, const cli_attach_opts *o)
{
        struct winsize ws;
        if ((ioctl(0, TIOCGWINSZ, &ws) != 0 && ioctl(1, TIOCGWINSZ, &ws) != 0) || ws.ws_row == 0)
                return;
        if (o->on_resize)
                o->on_resize(ws.ws_row, ws.ws_col, o->userdata);
        else
                berth_engine_attach_resize(h, ws.ws_row, ws.ws_col, NULL);
}

int cli_attach_loop(berth_attach *h, const cli_attach_opts *o, int *ret_code)
{
        bool tty = berth_attach_tty(h), stdin_open = berth_attach_stdin(h);
        if (tty && stdin_open)
                raw_tty();
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGWINCH);
        if (o->sig_proxy) {
                int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
                for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
                        sigaddset(&set, sigs[i]);
        }
        sigprocmask(SIG_BLOCK, &set, NULL);
        int sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (tty)
                send_size(h, o);
        berth_error err = {0};
        int rc = -1;
        for (;;) {
                struct pollfd p[3] = {{.fd = berth_attach_fd(h), .events = POLLIN},
                                      {.fd = stdin_open ? 0 : -1, .events = POLLIN},
                                      {.fd = sfd, .events = POLLIN}};
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[2].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo == SIGWINCH) {
                                        if (tty)
                                                send_size(h, o);
                                } else if (o->on_signal) {
                                        o->on_signal((int)si.ssi_signo, o->userdata);
                                }
                        }
                }
                if (p[1].revents & (POLLIN | POLLHUP)) {
                        unsigned char buf[16384];
                        ssize_t n = read(0, buf, sizeof(buf));
                        if (n <= 0) {
                                stdin_open = false;
                                berth_attach_close_stdin(h, NULL);
                        } else {
                                int r = berth_attach_write(h, buf, (size_t)n, &err);
                                if (r == 1) {
                                        rc = 0; /* detached */
                                        break;
                                }
                        }
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        berth_attach_frame f;
                        int r = berth_attach_read(h, &f, &err);
                        if (r <= 0) {
                                if (r < 0) {
                                        restore_tty();
                                        fprintf(stderr, "berth: %s\n", err.msg);
                                }
                                break;
                        }
                        if (f.stream == BERTH_ATTACH_OUT_EXIT) {
                                *ret_code = f.code;
                                rc = 1;
                                break;
                        }
                        (void)berth_write_all(f.stream == BERTH_ATTACH_OUT_STDERR ? 2 : 1, f.data,
                                              f.len);
                        free(f.data);
                }
        }
        restore_tty();
        if (sfd >= 0)
                close(sfd);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        return rc;
}
