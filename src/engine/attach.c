/* SPDX-License-Identifier: Apache-2.0 */
/* attach streams (attach.h): the handle, and a container's stream over its monitor's frames. */
#include "engine/attach-internal.h"
#include "engine/engine-internal.h"
#include "engine/monitor-proto.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int attach_check_keys(const berth_attach_opts *o, berth_error *err)
{
        berth_detach_keys keys;
        return berth_detach_keys_parse(o->detach_keys, &keys, NULL, err);
}

int attach_new(berth_engine *e, const attach_ops *ops, int fd, bool tty, const berth_attach_opts *o,
               berth_attach **ret, berth_error *err)
{
        berth_detach_keys keys;
        if (berth_detach_keys_parse(o->detach_keys, &keys, NULL, err) < 0) {
                close(fd);
                return -EINVAL;
        }
        berth_attach *h = calloc(1, sizeof(*h));
        if (h == NULL) {
                close(fd);
                return berth_errx(err, ENOMEM, "out of memory");
        }
        *h = (berth_attach){.ops = ops,
                            .e = e,
                            .fd = fd,
                            .tty = tty,
                            .stdin_on = o->in,
                            .keys_on = tty && o->in,
                            .keys = keys,
                            .runtime = -1};
        *ret = h;
        return 0;
}

int berth_attach_fd(const berth_attach *h)
{
        return h->fd;
}

bool berth_attach_tty(const berth_attach *h)
{
        return h->tty;
}

bool berth_attach_stdin(const berth_attach *h)
{
        return h->stdin_on;
}

int berth_attach_read(berth_attach *h, berth_attach_frame *ret, berth_error *err)
{
        if (h->ended)
                return 0;
        int r = h->ops->read(h, ret, err);
        if (r > 0 && ret->stream == BERTH_ATTACH_OUT_EXIT)
                h->ended = true;
        return r;
}

int berth_attach_write(berth_attach *h, const void *data, size_t len, berth_error *err)
{
        if (!h->keys_on)
                return h->ops->send(h, data, len, err);
        /* in pieces no bigger than a matcher's output buffer */
        const unsigned char *p = data;
        unsigned char out[4096 + BERTH_DETACH_KEYS_MAX];
        while (len > 0) {
                size_t n = len < 4096 ? len : 4096, o = 0;
                bool detached = berth_detach_keys_feed(&h->keys, p, n, out, &o);
                if (o > 0) {
                        int r = h->ops->send(h, out, o, err);
                        if (r < 0)
                                return r;
                }
                if (detached)
                        return 1;
                p += n;
                len -= n;
        }
        return 0;
}

int berth_attach_close_stdin(berth_attach *h, berth_error *err)
{
        return h->ops->close_stdin(h, err);
}

int berth_engine_attach_resize(berth_attach *h, unsigned rows, unsigned cols, berth_error *err)
{
        if (!h->tty || rows == 0 || cols == 0)
                return 0;
        return h->ops->resize(h, rows, cols, err);
}

void berth_attach_close(berth_attach *h)
{
        if (h == NULL)
                return;
        if (!h->ended && h->ops->detach)
                h->ops->detach(h);
        if (h->fd >= 0)
                close(h->fd);
        free(h->container);
        free(h->exec_id);
        free(h->pid_file);
        free(h);
}

/* ---- a container's stream: its monitor's frames ---- */

static int monitor_read(berth_attach *h, berth_attach_frame *ret, berth_error *err)
{
        for (;;) {
                int type;
                char *data = NULL;
                size_t len = 0;
                int r = berth_frame_read(h->fd, &type, &data, &len);
                if (r == 0 || r == -ECONNRESET)
                        return 0;
                if (r < 0)
                        return berth_errx(err, -r, "cannot read from the monitor of %.12s: %s",
                                          h->container, strerror(-r));
                if (type == BERTH_FRAME_STDOUT || type == BERTH_FRAME_STDERR) {
                        *ret = (berth_attach_frame){.stream = type == BERTH_FRAME_STDOUT
                                                                  ? BERTH_ATTACH_OUT_STDOUT
                                                                  : BERTH_ATTACH_OUT_STDERR,
                                                    .data = data,
                                                    .len = len};
                        return 1;
                }
                if (type != BERTH_FRAME_EXIT) {
                        free(data);
                        continue; /* nothing else is for a client */
                }
                int code = atoi(data);
                bool unrecorded = strstr(data, " " BERTH_EXIT_UNRECORDED) != NULL;
                free(data);
                if (h->remove) {
                        /* the monitor left both to us: the exit's record ("die"), then --rm */
                        if (unrecorded)
                                berth_engine_record_exit(h->e, h->container, code, NULL);
                        if (berth_engine_remove(h->e, h->container, true, true, NULL) == 0)
                                berth_frame_write(h->fd, BERTH_FRAME_REMOVED, NULL, 0);
                }
                *ret = (berth_attach_frame){.stream = BERTH_ATTACH_OUT_EXIT, .code = code};
                return 1;
        }
}

static int monitor_send(berth_attach *h, const void *data, size_t len, berth_error *err)
{
        int r = berth_frame_write(h->fd, BERTH_FRAME_STDIN, data, len);
        if (r < 0)
                return berth_err(err, -r, "cannot write to the monitor of %.12s", h->container);
        return 0;
}

static int monitor_close_stdin(berth_attach *h, berth_error *err)
{
        int r = berth_frame_write(h->fd, BERTH_FRAME_STDIN_CLOSE, NULL, 0);
        if (r < 0)
                return berth_err(err, -r, "cannot write to the monitor of %.12s", h->container);
        return 0;
}

static int monitor_resize(berth_attach *h, unsigned rows, unsigned cols, berth_error *err)
{
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%u %u", rows, cols);
        int r = berth_frame_write(h->fd, BERTH_FRAME_RESIZE, buf, (size_t)n);
        if (r < 0)
                return berth_err(err, -r, "cannot resize the terminal of %.12s", h->container);
        return 0;
}

static const attach_ops monitor_ops = {.read = monitor_read,
                                       .send = monitor_send,
                                       .close_stdin = monitor_close_stdin,
                                       .resize = monitor_resize};

static unsigned streams_of(const berth_attach_opts *o)
{
        return (o->in ? BERTH_ATTACH_STDIN : 0) | (o->out ? BERTH_ATTACH_STDOUT : 0) |
               (o->err ? BERTH_ATTACH_STDERR : 0) | (o->remove ? BERTH_ATTACH_REMOVES : 0);
}

static int monitor_stream(berth_engine *e, const berth_container *c, int fd,
                          const berth_attach_opts *o, berth_attach **ret, berth_error *err)
{
        berth_attach *h;
        int r = attach_new(e, &monitor_ops, fd, json_is_true(json_object_get(c->body, "Tty")), o,
                           &h, err);
        if (r < 0)
                return r;
        h->container = berth_xstrdup(c->id);
        h->remove = o->remove;
        *ret = h;
        return 0;
}

int berth_engine_attach_open(berth_engine *e, const char *name, const berth_attach_opts *o,
                             berth_attach **ret, berth_error *err)
{
        berth_container c;
        int r = attach_check_keys(o, err);
        if (r < 0 || (r = berth_engine_get(e, name, &c, err)) < 0)
                return r;
        if (c.state == BERTH_STATE_PAUSED)
                r = berth_errx(err, EBUSY,
                               "container %s is paused, unpause the container before attach", name);
        else if (c.state == BERTH_STATE_RESTARTING)
                r = berth_errx(err, EBUSY,
                               "container %s is restarting, wait until the container is running",
                               name);
        else if (c.state != BERTH_STATE_RUNNING)
                r = berth_errx(err, EBUSY,
                               "You cannot attach to a stopped container, start it first");
        int fd = -1;
        if (r == 0) {
                berth_attach_opts so = *o;
                so.in = o->in && json_is_true(json_object_get(c.body, "OpenStdin"));
                so.remove = false;
                fd = berth_monitor_connect(berth_engine_runroot(e), c.id, streams_of(&so), err);
                r = fd < 0 ? fd : monitor_stream(e, &c, fd, &so, ret, err);
        }
        berth_container_clear(&c);
        return r;
}

int berth_engine_start_attach(berth_engine *e, const char *name, const berth_attach_opts *o,
                              berth_attach **ret, berth_error *err)
{
        berth_container c;
        int r = attach_check_keys(o, err);
        if (r < 0 || (r = berth_engine_get(e, name, &c, err)) < 0)
                return r;
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                berth_container_clear(&c);
                return berth_err(err, errno, "cannot make a socket pair");
        }
        berth_attach_opts ao = *o;
        ao.in = o->in && json_is_true(json_object_get(c.body, "OpenStdin"));
        berth_start_opts so = {.attach_fd = sv[1], .attach_streams = streams_of(&ao)};
        r = berth_engine_start(e, c.id, &so, err);
        close(sv[1]);
        if (r < 0)
                close(sv[0]);
        else
                r = monitor_stream(e, &c, sv[0], &ao, ret, err);
        berth_container_clear(&c);
        return r;
}
