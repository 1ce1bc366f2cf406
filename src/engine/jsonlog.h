/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/**
 * Docker's json-file log driver: a container's output as one JSON object a
 * line, {"log":"text\n","stream":"stdout","time":"2026-11-24T10:00:00.123456789Z"},
 * in <path>, rotated to <path>.1 … <path>.<max_file-1> when it passes
 * max_size bytes (Docker's --log-opt max-size / max-file).
 *
 * The writer is used by berth-monitor: one per container, one thread.
 * Output is split at newlines, one entry each; text without a newline is
 * kept until the newline comes, the buffer reaches 16 KiB (written as it
 * is, like Docker's partial messages) or the log is flushed/closed.
 * Each stream ("stdout", "stderr") has its own pending buffer.
 */
typedef struct berth_jsonlog berth_jsonlog;

/** max_size 0: never rotate; max_file >= 1 (1: truncate in place on rotation). */
berth_jsonlog *berth_jsonlog_open(const char *path, int64_t max_size, int max_file,
                                  berth_error *err);
/** Log data read from a stream at time ts (NULL: now). */
int berth_jsonlog_write(berth_jsonlog *l, const char *stream, const char *data, size_t len,
                        const struct timespec *ts, berth_error *err);
/** Write out pending partial lines. */
int berth_jsonlog_flush(berth_jsonlog *l, berth_error *err);
/** Flush and close; NULL is fine. */
void berth_jsonlog_close(berth_jsonlog *l);

typedef struct {
        const char *stream; /* "stdout" or "stderr" */
        const char *log;    /* the text, with its newline if it had one */
        size_t len;
        struct timespec time;
} berth_log_entry;

typedef struct {
        int64_t tail; /* only the last N entries (-1: all) */
        bool has_since, has_until;
        struct timespec since; /* entries at or after */
        struct timespec until; /* entries before */
        bool follow;           /* keep reading new entries (across rotation) … */
        /* … until this returns false; asked at least every 250 ms while idle */
        bool (*still_running)(void *userdata);
} berth_log_read_opts;

/**
 * Read the log (oldest rotated file first) and call fn for each entry in
 * order; a non-zero return from fn stops the read and is returned. A line
 * that is not valid JSON (a torn last line of a crashed writer) is skipped.
 */
int berth_jsonlog_read(const char *path, int max_file, const berth_log_read_opts *o,
                       int (*fn)(const berth_log_entry *e, void *userdata), void *userdata,
                       berth_error *err);
