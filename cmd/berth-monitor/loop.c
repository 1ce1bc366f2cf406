/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's event loop: container output → log and clients, clients' input → container. */
#include "monitor.h"
#include "base/fs.h"
#include "engine/monitor-proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define CLIENT_OUT_MAX    (8u << 20) /* a client that reads nothing is dropped past this */
#define STDIN_PENDING_MAX (1u << 20)

struct client {
        int fd;
        bool hello;
        unsigned streams;
        unsigned char in[BERTH_FRAME_HEADER + 65536];
        size_t in_len;
        char *out;
        size_t out_len, out_cap;
};

static char *stdin_pending;
static size_t stdin_len;

void monitor_add_client(monitor *m, int fd, bool hello_done, unsigned streams)
{
        fcntl(fd, F_SETFL, O_NONBLOCK);
        client *c = calloc(1, sizeof(*c));
        if (c == NULL) {
                close(fd);
                return;
        }
        c->fd = fd;
        c->hello = hello_done;
        c->streams = streams;
        m->clients = realloc(m->clients, (m->n_clients + 1) * sizeof(*m->clients));
        m->clients[m->n_clients++] = c;
}

static void client_drop(monitor *m, size_t i)
{
        client *c = m->clients[i];
        close(c->fd);
        free(c->out);
        free(c);
        m->clients[i] = m->clients[--m->n_clients];
}

/* Send what is queued; false when the client is gone. */
static bool client_flush(client *c)
{
        while (c->out_len > 0) {
                ssize_t n = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR;
                memmove(c->out, c->out + n, c->out_len - (size_t)n);
                c->out_len -= (size_t)n;
        }
        return true;
}

static bool client_queue(client *c, int type, const void *data, size_t len)
{
        size_t need = c->out_len + BERTH_FRAME_HEADER + len;
        if (need > CLIENT_OUT_MAX)
                return false;
        if (need > c->out_cap) {
                size_t cap = c->out_cap ? c->out_cap : 16384;
                while (cap < need)
                        cap *= 2;
                char *p = realloc(c->out, cap);
                if (p == NULL)
                        return false;
                c->out = p;
                c->out_cap = cap;
        }
        unsigned char *h = (unsigned char *)c->out + c->out_len;
        h[0] = (unsigned char)type;
        h[1] = h[2] = h[3] = 0;
        h[4] = (unsigned char)(len >> 24);
        h[5] = (unsigned char)(len >> 16);
        h[6] = (unsigned char)(len >> 8);
        h[7] = (unsigned char)len;
        memcpy(c->out + c->out_len + BERTH_FRAME_HEADER, data, len);
        c->out_len = need;
        return client_flush(c);
}

void monitor_broadcast(monitor *m, int type, const void *data, size_t len)
{
        unsigned want = type == BERTH_FRAME_STDOUT   ? BERTH_ATTACH_STDOUT
                        : type == BERTH_FRAME_STDERR ? BERTH_ATTACH_STDERR
                                                     : ~0u;
        for (size_t i = 0; i < m->n_clients;) {
                client *c = m->clients[i];
                if (c->hello && (c->streams & want) && !client_queue(c, type, data, len)) {
                        client_drop(m, i);
                        continue;
                }
                i++;
        }
}

static int stdin_fd(monitor *m)
{
        return m->cfg.tty ? m->master : m->in[1];
}

static void stdin_close(monitor *m)
{
        if (m->cfg.tty || m->stdin_closed)
                return;
        if (stdin_len > 0)
                return; /* closed once the pending input is written */
        m->stdin_closed = true;
        if (m->in[1] >= 0) {
                close(m->in[1]);
                m->in[1] = -1;
        }
}

static void stdin_flush(monitor *m)
{
        int fd = stdin_fd(m);
        while (stdin_len > 0 && fd >= 0) {
                ssize_t n = write(fd, stdin_pending, stdin_len);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return;
                        stdin_len = 0; /* the container closed its stdin */
                        break;
                }
                memmove(stdin_pending, stdin_pending + n, stdin_len - (size_t)n);
                stdin_len -= (size_t)n;
        }
}

static void stdin_write(monitor *m, const char *data, size_t len)
{
        if (stdin_fd(m) < 0 || len == 0)
                return;
        if (stdin_len + len > STDIN_PENDING_MAX)
                len = STDIN_PENDING_MAX - stdin_len;
        char *p = realloc(stdin_pending, stdin_len + len);
        if (p == NULL)
                return;
        stdin_pending = p;
        memcpy(stdin_pending + stdin_len, data, len);
        stdin_len += len;
        stdin_flush(m);
}

static void client_frame(monitor *m, client *c, int type, const char *data, size_t len)
{
        switch (type) {
        case BERTH_FRAME_HELLO:
                c->hello = true;
                c->streams = len > 0 ? (unsigned char)data[0] : 0;
                break;
        case BERTH_FRAME_STDIN:
                if (c->streams & BERTH_ATTACH_STDIN)
                        stdin_write(m, data, len);
                break;
        case BERTH_FRAME_STDIN_CLOSE:
                if ((c->streams & BERTH_ATTACH_STDIN) && m->cfg.stdin_once)
                        stdin_close(m);
                break;
        case BERTH_FRAME_REMOVED:
                if (c->streams & BERTH_ATTACH_REMOVES)
                        m->removed_by_client = true;
                break;
        case BERTH_FRAME_STOP:
                /* the restart's helper finds the user's stop in the record and cancels it */
                if (m->restart_at_ns > 0)
                        m->restart_at_ns = monitor_now_ns();
                break;
        case BERTH_FRAME_RESIZE: {
                unsigned rows = 0, cols = 0;
                char buf[64];
                snprintf(buf, sizeof(buf), "%.*s", (int)(len < 63 ? len : 63), data);
                if (m->master >= 0 && sscanf(buf, "%u %u", &rows, &cols) == 2) {
                        struct winsize ws = {.ws_row = (unsigned short)rows,
                                             .ws_col = (unsigned short)cols};
                        ioctl(m->master, TIOCSWINSZ, &ws);
                }
                break;
        }
        default:
                break;
        }
}

/* Read from a client; false when it is gone or broke the protocol. */
static bool client_read(monitor *m, client *c)
{
        ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
        if (n == 0)
                return false;
        if (n < 0)
                return errno == EAGAIN || errno == EINTR;
        c->in_len += (size_t)n;
        size_t off = 0;
        while (c->in_len - off >= BERTH_FRAME_HEADER) {
                int type;
                int64_t len = berth_frame_parse_header(c->in + off, &type);
                if (len < 0 || (size_t)len > sizeof(c->in) - BERTH_FRAME_HEADER)
                        return false;
                if (c->in_len - off < BERTH_FRAME_HEADER + (size_t)len)
                        break;
                client_frame(m, c, type, (const char *)c->in + off + BERTH_FRAME_HEADER,
                             (size_t)len);
                off += BERTH_FRAME_HEADER + (size_t)len;
        }
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
        return true;
}

/* Copy what the container wrote on fd to the log and to clients; false at EOF. */
static bool pump(monitor *m, int fd, int type)
{
        static char buf[32768];
        for (int rounds = 0; rounds < 16; rounds++) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                        return false; /* EOF, or EIO from a PTY whose last user left */
                if (n < 0)
                        return true;
                berth_jsonlog_write(m->log, type == BERTH_FRAME_STDERR ? "stderr" : "stdout", buf,
                                    (size_t)n, NULL, NULL);
                monitor_broadcast(m, type, buf, (size_t)n);
                if ((size_t)n < sizeof(buf))
                        return true;
        }
        return true;
}

static void drain_output(monitor *m)
{
        if (m->cfg.tty) {
                if (m->master >= 0) {
                        while (pump(m, m->master, BERTH_FRAME_STDOUT)) {
                                struct pollfd p = {.fd = m->master, .events = POLLIN};
                                if (poll(&p, 1, 0) <= 0)
                                        break;
                        }
                        close(m->master);
                        m->master = -1;
                }
        } else {
                for (int i = 0; i < 64 && pump(m, m->out[0], BERTH_FRAME_STDOUT); i++) {
                        struct pollfd p = {.fd = m->out[0], .events = POLLIN};
                        if (poll(&p, 1, 0) <= 0)
                                break;
                }
                for (int i = 0; i < 64 && pump(m, m->errp[0], BERTH_FRAME_STDERR); i++) {
                        struct pollfd p = {.fd = m->errp[0], .events = POLLIN};
                        if (poll(&p, 1, 0) <= 0)
                                break;
                }
        }
        berth_jsonlog_flush(m->log, NULL);
}

static void on_exit_status(monitor *m, int status)
{
        drain_output(m);
        m->pid = 0;
        m->exit_status = status;
        bool delegated = false;
        /* (--rm and a restart policy are refused together: this only guards) */
        bool no_restart = m->cfg.restart == NULL || strcmp(m->cfg.restart, "no") == 0;
        for (size_t i = 0; no_restart && m->cfg.auto_remove && i < m->n_clients; i++)
                delegated = delegated || (m->clients[i]->streams & BERTH_ATTACH_REMOVES);
        if (delegated) {
                /* a foreground run --rm records the exit and removes the container
                 * itself (it has berth.db open already); the exit goes out at once,
                 * marked so. Should it hang up without saying REMOVED, we do both. */
                m->exit_code = monitor_exit_code(status);
                m->exit_unrecorded = true;
                monitor_forward_close();
                m->finish_after_clients = true;
                char msg[32];
                snprintf(msg, sizeof(msg), "%d " BERTH_EXIT_UNRECORDED, m->exit_code);
                monitor_broadcast(m, BERTH_FRAME_EXIT, msg, strlen(msg));
                m->done = true;
                return;
        }
        /* the helper records the exit and decides, by the policy, with its back-off */
        berth_restart_decision d = monitor_record_exit(m, status);
        char code[16];
        snprintf(code, sizeof(code), "%d", m->exit_code);
        if (!d.restart)
                monitor_finish(m); /* unmount, and --rm, before anyone hears of the exit */
        monitor_broadcast(m, BERTH_FRAME_EXIT, code, strlen(code));
        if (d.restart) {
                m->last_delay_ms = d.delay_ms;
                m->restart_at_ns = monitor_now_ns() + d.delay_ms * 1000000;
                return;
        }
        m->done = true;
}

static void reap(monitor *m)
{
        struct signalfd_siginfo si;
        while (read(m->sigfd, &si, sizeof(si)) == sizeof(si))
                ;
        for (;;) {
                int status;
                pid_t p = waitpid(-1, &status, WNOHANG);
                if (p <= 0)
                        break;
                if (p == m->pid)
                        on_exit_status(m, status);
                else if (p == m->health_pid)
                        monitor_health_done(m);
        }
}

static int poll_timeout(monitor *m)
{
        int64_t now = monitor_now_ns(), next = -1;
        if (m->restart_at_ns > 0)
                next = m->restart_at_ns;
        if (m->next_health_ns > 0 && m->pid > 0 && (next < 0 || m->next_health_ns < next))
                next = m->next_health_ns;
        int fwd = monitor_forward_timeout_ms();
        if (next < 0)
                return fwd;
        int64_t ms = (next - now) / 1000000 + 1;
        if (fwd >= 0 && ms > fwd)
                ms = fwd;
        return ms < 0 ? 0 : ms > 60000 ? 60000 : (int)ms;
}

static void timers(monitor *m)
{
        int64_t now = monitor_now_ns();
        if (m->restart_at_ns > 0 && now >= m->restart_at_ns) {
                m->restart_at_ns = 0;
                char errbuf[2048];
                if (monitor_start_container(m, true, errbuf, sizeof(errbuf)) < 0) {
                        /* it could not start again, or the user stopped it while it
                         * waited (the helper recorded it exited): waiters hear the exit */
                        char code[16];
                        snprintf(code, sizeof(code), "%d", m->exit_code);
                        monitor_finish(m);
                        monitor_broadcast(m, BERTH_FRAME_EXIT, code, strlen(code));
                        m->done = true;
                }
        }
        if (m->pid > 0)
                monitor_health_tick(m);
}

int monitor_loop(monitor *m)
{
        while (!m->done) {
                size_t cap = 6 + m->n_clients + monitor_forward_npoll();
                struct pollfd *p = calloc(cap, sizeof(*p));
                size_t n = 0;
                p[n++] = (struct pollfd){.fd = m->sigfd, .events = POLLIN};
                p[n++] = (struct pollfd){.fd = m->listen_fd, .events = POLLIN};
                int outs[2] = {-1, -1};
                if (m->cfg.tty) {
                        outs[0] = m->master;
                } else {
                        outs[0] = m->out[0];
                        outs[1] = m->errp[0];
                }
                size_t first_out = n;
                for (int i = 0; i < 2; i++)
                        p[n++] = (struct pollfd){.fd = m->pid > 0 ? outs[i] : -1, .events = POLLIN};
                p[n++] = (struct pollfd){.fd = stdin_len > 0 ? stdin_fd(m) : -1, .events = POLLOUT};
                size_t first_client = n;
                for (size_t i = 0; i < m->n_clients; i++)
                        p[n++] = (struct pollfd){
                            .fd = m->clients[i]->fd,
                            .events = (short)((stdin_len < 65536 ? POLLIN : 0) |
                                              (m->clients[i]->out_len ? POLLOUT : 0))};
                size_t first_fwd = n;
                monitor_forward_poll(p + n);
                n += monitor_forward_npoll();
                int r = poll(p, n, poll_timeout(m));
                if (r < 0 && errno != EINTR) {
                        free(p);
                        return 1;
                }
                if (r > 0) {
                        for (int i = 0; i < 2; i++) {
                                if (p[first_out + i].fd >= 0 && p[first_out + i].revents &&
                                    !pump(m, outs[i],
                                          i == 0 ? BERTH_FRAME_STDOUT : BERTH_FRAME_STDERR) &&
                                    m->cfg.tty) {
                                        /* PTY with no writer left: wait for the exit */
                                        close(m->master);
                                        m->master = -1;
                                }
                        }
                        if (p[first_client - 1].revents)
                                stdin_flush(m);
                        if (stdin_len == 0 && m->stdin_closed && m->in[1] >= 0) {
                                close(m->in[1]);
                                m->in[1] = -1;
                        }
                        /* clients: walk backwards, dropping shuffles the tail */
                        size_t nc = m->n_clients;
                        for (size_t k = nc; k-- > 0;) {
                                if (k >= m->n_clients)
                                        continue;
                                short re = p[first_client + k].revents;
                                client *c = m->clients[k];
                                bool ok = true;
                                if (re & POLLOUT)
                                        ok = client_flush(c);
                                if (ok && (re & (POLLIN | POLLHUP | POLLERR)))
                                        ok = client_read(m, c);
                                if (!ok)
                                        client_drop(m, k);
                        }
                        if (p[1].revents & POLLIN) {
                                int fd;
                                while ((fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
                                        monitor_add_client(m, fd, false, 0);
                        }
                        if (p[0].revents & POLLIN)
                                reap(m);
                }
                if (r >= 0)
                        monitor_forward_events(p + first_fwd); /* (UDP expiry on a timeout too) */
                free(p);
                timers(m);
        }
        /* give clients a moment to take the last frames; a client doing the --rm gets
         * up to 10 s to finish it and hang up */
        for (int tries = 0; tries < 1000 && m->n_clients > 0; tries++) {
                for (size_t k = m->n_clients; k-- > 0;) {
                        client *c = m->clients[k];
                        bool removes = m->finish_after_clients &&
                                       (c->streams & BERTH_ATTACH_REMOVES) && tries < 1000;
                        if (!client_flush(c))
                                client_drop(m, k);
                        else if (c->out_len == 0 && !removes)
                                client_drop(m, k);
                        else if (c->out_len == 0 && removes && !client_read(m, c))
                                client_drop(m, k);
                }
                if (m->n_clients > 0)
                        usleep(10000);
                else
                        break;
                if (tries >= 100 && !m->finish_after_clients)
                        break;
        }
        if (m->finish_after_clients && !m->removed_by_client) {
                /* the client died, or could not remove it */
                if (m->exit_unrecorded)
                        monitor_record_exit(m, m->exit_status);
                monitor_finish(m);
        }
        return 0;
}
