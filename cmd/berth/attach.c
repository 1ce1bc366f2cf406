/* SPDX-License-Identifier: Apache-2.0 */
/* The client end of attach: a terminal or pipes on our side, the monitor's frames on the other. */
#include "cli.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "engine/monitor-proto.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
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

static void send_resize(int fd)
{
        struct winsize ws;
        if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
                char buf[32];
                int n = snprintf(buf, sizeof(buf), "%u %u", ws.ws_row, ws.ws_col);
                berth_frame_write(fd, BERTH_FRAME_RESIZE, buf, (size_t)n);
        }
}

/* "ctrl-p,ctrl-q" → bytes; NULL/"" gives Docker's default. */
static size_t parse_detach_keys(const char *spec, unsigned char *out, size_t max)
{
        if (spec == NULL || *spec == '\0')
                spec = "ctrl-p,ctrl-q";
        size_t n = 0;
        _cleanup_free_ char *copy = berth_xstrdup(spec);
        for (char *save = NULL, *k = strtok_r(copy, ",", &save); k && n < max;
             k = strtok_r(NULL, ",", &save)) {
                if (strncmp(k, "ctrl-", 5) == 0 && strlen(k) == 6) {
                        char c = k[5];
                        if (c >= 'a' && c <= 'z')
                                out[n++] = (unsigned char)(c - 'a' + 1);
                        else if (c == '@')
                                out[n++] = 0;
                        else if (c >= '[' && c <= '_')
                                out[n++] = (unsigned char)(c - '[' + 27);
                } else if (strlen(k) == 1) {
                        out[n++] = (unsigned char)k[0];
                }
        }
        return n;
}

int cli_attach_loop(int fd, const cli_attach_opts *o, int *ret_code)
{
        bool tty = o->tty && isatty(0);
        if (tty && o->stdin_on && tcgetattr(0, &saved_tio) == 0) {
                struct termios raw = saved_tio;
                cfmakeraw(&raw);
                raw.c_oflag |= OPOST; /* keep \n → \r\n for our own messages */
                if (tcsetattr(0, TCSADRAIN, &raw) == 0) {
                        raw_on = true;
                        atexit(restore_tty);
                }
        }
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGWINCH);
        if (o->sig_proxy) {
                sigaddset(&set, SIGINT);
                sigaddset(&set, SIGTERM);
                sigaddset(&set, SIGHUP);
                sigaddset(&set, SIGQUIT);
                sigaddset(&set, SIGUSR1);
                sigaddset(&set, SIGUSR2);
        }
        sigprocmask(SIG_BLOCK, &set, NULL);
        int sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (o->tty)
                send_resize(fd);
        unsigned char keys[16];
        size_t nkeys = o->tty && o->stdin_on ? parse_detach_keys(o->detach_keys, keys, 16) : 0;
        size_t matched = 0;
        bool stdin_open = o->stdin_on;
        int rc = -1;
        for (;;) {
                struct pollfd p[3] = {{.fd = fd, .events = POLLIN},
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
                                        if (o->tty)
                                                send_resize(fd);
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
                                berth_frame_write(fd, BERTH_FRAME_STDIN_CLOSE, NULL, 0);
                        } else {
                                size_t start = 0;
                                bool detached = false;
                                for (ssize_t i = 0; i < n && nkeys; i++) {
                                        if (buf[i] == keys[matched]) {
                                                if (++matched == nkeys) {
                                                        detached = true;
                                                        break;
                                                }
                                        } else {
                                                matched = buf[i] == keys[0] ? 1 : 0;
                                        }
                                }
                                if (detached) {
                                        restore_tty();
                                        fprintf(stderr, "\nread escape sequence\n");
                                        rc = 0;
                                        break;
                                }
                                berth_frame_write(fd, BERTH_FRAME_STDIN, buf + start,
                                                  (size_t)n - start);
                        }
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        int type;
                        char *data = NULL;
                        size_t len = 0;
                        int r = berth_frame_read(fd, &type, &data, &len);
                        if (r <= 0) {
                                free(data);
                                rc = -1;
                                break;
                        }
                        if (type == BERTH_FRAME_STDOUT)
                                (void)berth_write_all(1, data, len);
                        else if (type == BERTH_FRAME_STDERR)
                                (void)berth_write_all(2, data, len);
                        else if (type == BERTH_FRAME_EXIT) {
                                *ret_code = atoi(data);
                                if (o->ret_unrecorded)
                                        *o->ret_unrecorded =
                                            strstr(data, " " BERTH_EXIT_UNRECORDED) != NULL;
                                free(data);
                                rc = 1;
                                break;
                        }
                        free(data);
                }
        }
        restore_tty();
        if (sfd >= 0)
                close(sfd);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        return rc;
}
