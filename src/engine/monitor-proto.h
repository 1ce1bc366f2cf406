/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * What berth-monitor and its clients say to each other over the monitor's
 * unix socket (<runroot>/monitor/<id>) or a socketpair handed to it at
 * start. Every message is a frame: an 8-byte header — type, three zero
 * bytes, the payload length as a 32-bit big-endian number — then the
 * payload (the layout of Docker's multiplexed attach stream).
 *
 * A client first sends HELLO with one byte of BERTH_ATTACH_* flags: the
 * streams it wants (none: it only waits for the exit). The monitor then
 * sends STDOUT/STDERR frames (under a TTY everything is STDOUT) and, when
 * the container has exited for good (after the exit is recorded, and after
 * the container is removed under --rm), EXIT with the exit code in decimal.
 * A client with STDIN sends STDIN frames, STDIN_CLOSE for end of input and
 * RESIZE ("rows cols") under a TTY. A client that goes away changes nothing
 * for the container.
 */
enum {
        BERTH_FRAME_STDIN = 0,
        BERTH_FRAME_STDOUT = 1,
        BERTH_FRAME_STDERR = 2,
        BERTH_FRAME_EXIT = 3,
        BERTH_FRAME_HELLO = 16,
        BERTH_FRAME_STDIN_CLOSE = 17,
        BERTH_FRAME_RESIZE = 18,
        BERTH_FRAME_REMOVED = 19, /* client → monitor: it has removed the container (--rm) */
        /* client → monitor: the user stopped the container (its record says so): a restart
         * it waits for is cancelled now, not when the back-off ends */
        BERTH_FRAME_STOP = 20,
};

#define BERTH_ATTACH_STDIN  1u
#define BERTH_ATTACH_STDOUT 2u
#define BERTH_ATTACH_STDERR 4u
/* The client removes the container itself after EXIT (a foreground `run --rm`, which
 * has the engine open already): the monitor waits for it to hang up, and removes the
 * container itself unless the client said REMOVED first (it died, or failed). */
#define BERTH_ATTACH_REMOVES 8u

/* After the code in an EXIT frame to a REMOVES client: the monitor has not
 * recorded the exit, the client is to (berth_engine_record_exit). */
#define BERTH_EXIT_UNRECORDED "unrecorded"

#define BERTH_FRAME_HEADER 8
#define BERTH_FRAME_MAX    (1u << 20)

/** Write one frame (blocking, EINTR-safe). */
int berth_frame_write(int fd, int type, const void *data, size_t len);
/**
 * Read one frame (blocking): *ret_type, *ret_data (malloc'd, NUL-terminated
 * for convenience), *ret_len. 0 at a clean EOF before a header, 1 for a
 * frame, <0 on error or a frame over BERTH_FRAME_MAX.
 */
int berth_frame_read(int fd, int *ret_type, char **ret_data, size_t *ret_len);
/** Parse a header; the payload length, or -1 when it is not a frame. */
int64_t berth_frame_parse_header(const unsigned char hdr[BERTH_FRAME_HEADER], int *ret_type);

/** <runroot>/monitor (caller frees). */
char *berth_monitor_dir(const char *runroot);
/**
 * Connect to the monitor of container id and say HELLO with streams.
 * -ENOENT/-ECONNREFUSED (and *err) when no monitor listens. Works for
 * paths longer than sun_path (through /proc/self/fd).
 */
int berth_monitor_connect(const char *runroot, const char *id, unsigned streams, berth_error *err);
/** Bind a listening socket at dir/name, through /proc/self/fd as connect does. */
int berth_unix_listen_at(int dirfd, const char *name, berth_error *err);
