/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/**
 * attach as a stream, for every front end: the CLI's `attach`, `run`,
 * `start -a` and `exec -it`, and the API's attach and exec start. The engine
 * gives a handle; the caller polls its fd (berth_attach_fd) and reads frames
 * from it when it is readable — output with its stream (stdout or stderr; all
 * of it is stdout under a TTY), then the exit — and writes the input it gets
 * to it. Nothing sleeps: the kernel wakes the caller (the monitor's socket,
 * or an exec's PTY master).
 *
 * Two kinds of streams behind one handle:
 *   - a container's: a connection to its berth-monitor (monitor-proto.h), by
 *     berth_engine_attach_open (to a running container) or
 *     berth_engine_start_attach (start it with us attached from its first
 *     byte: run, start -a);
 *   - an exec's with a TTY: berth_engine_exec_start_attach (exec.h), whose
 *     PTY master the handle holds.
 *
 * Under a TTY with stdin, input goes through the detach keys (detach-keys.h):
 * berth_attach_write says when they were typed; berth_attach_close then
 * leaves the container (or the exec) running. Docker's behaviour throughout.
 * A handle belongs to one thread at a time.
 */
#include "base/error.h"
#include "engine/engine.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct berth_attach berth_attach;

typedef struct {
        bool in, out, err;       /* the streams wanted (Docker's stdin: only with OpenStdin) */
        const char *detach_keys; /* NULL or "": ctrl-p,ctrl-q; checked by the open */
        /* run --rm in the foreground: at the exit this handle records it when the monitor
         * left that to it, and removes the container (BERTH_ATTACH_REMOVES) */
        bool remove;
} berth_attach_opts;

enum {
        BERTH_ATTACH_OUT_STDOUT = 1,
        BERTH_ATTACH_OUT_STDERR = 2,
        BERTH_ATTACH_OUT_EXIT = 3, /* the end: code is the exit code */
};

typedef struct {
        int stream; /* BERTH_ATTACH_OUT_* */
        char *data; /* output (malloc'd, NUL-terminated for convenience), NULL for the exit */
        size_t len;
        int code; /* for BERTH_ATTACH_OUT_EXIT */
} berth_attach_frame;

/**
 * Attach to the running container name. Docker's refusals: -EBUSY "You
 * cannot attach to a stopped container, start it first", "container <name>
 * is paused, unpause the container before attach", "… is restarting, wait
 * until the container is running"; -EINVAL "Invalid detach keys (…)
 * provided".
 */
int berth_engine_attach_open(berth_engine *e, const char *name, const berth_attach_opts *o,
                             berth_attach **ret, berth_error *err);
/**
 * Start name with a stream attached from its first byte. The start's errors
 * are berth_engine_start's (-EALREADY when it runs already).
 */
int berth_engine_start_attach(berth_engine *e, const char *name, const berth_attach_opts *o,
                              berth_attach **ret, berth_error *err);

/** The fd to poll for input (POLLIN). */
int berth_attach_fd(const berth_attach *h);
/** Whether the stream is a TTY's (one stream, raw bytes). */
bool berth_attach_tty(const berth_attach *h);
/** Whether it takes input (the process has its stdin from us). */
bool berth_attach_stdin(const berth_attach *h);
/**
 * One frame (blocking; call it when the fd polls readable): 1 and *ret, or 0
 * when the other end went away without an exit (the monitor died: ask the
 * record, berth_engine_wait), <0 on error. After an exit frame the stream is
 * over. Free ret->data.
 */
int berth_attach_read(berth_attach *h, berth_attach_frame *ret, berth_error *err);
/**
 * Input for the process. 1 when it ends in the detach keys (what came before
 * them is sent, they and what follows are not): close the handle to detach.
 * 0 when sent, <0 on error.
 */
int berth_attach_write(berth_attach *h, const void *data, size_t len, berth_error *err);
/** End of input (the process reads EOF; under a TTY, a ^D). */
int berth_attach_close_stdin(berth_attach *h, berth_error *err);
/** The TTY's size; nothing for a stream without one. */
int berth_engine_attach_resize(berth_attach *h, unsigned rows, unsigned cols, berth_error *err);
/**
 * Detach and free (NULL is fine). What is attached keeps running: a container
 * is its monitor's; an exec's PTY is handed to a process of its own that
 * holds it until the exec ends.
 */
void berth_attach_close(berth_attach *h);
