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
 * The bytes are Docker's: "log" escaped like its writer (Go's rules, with
 * <, >, & as \u003c \u003e \u0026, U+2028/U+2029 escaped, each invalid
 * UTF-8 byte as \ufffd, a tab as \u0009), "time" in UTC as Go's
 * RFC3339Nano prints it (trailing zeros of the fraction trimmed).
 *
 * The writer is used by berth-monitor: one per container, one thread; it
 * links libc only (jsonlog-write.c; the reader is jsonlog-read.c).
 * Output is split at newlines, one entry each; text without a newline is
 * kept until the newline comes, the buffer reaches 16 KiB (written as it
 * is, like Docker's partial messages, but never cutting a UTF-8 character
 * in two) or the log is flushed/closed.
 * Each stream ("stdout", "stderr") has its own pending buffer.
 *
 * Each entry is one write(2) of a whole line (O_APPEND, no fsync). Before
 * an entry that would take the file past max_size, the log rotates:
 * <path>.(n-2) → <path>.(n-1) … <path> → <path>.1, and a new <path>
 * (0640); with max_file 1 the file is replaced by a new empty one. So a
 * file holds at most max_size bytes, unless a single entry is larger (it
 * is written, alone in its file). A log reopened after a crash that left
 * a torn last line gets a newline first, so that only the torn line is lost.
 */
typedef struct berth_jsonlog berth_jsonlog;

/**
 * Open (create 0640, or append to) the log at path; its directory must
 * exist. max_size 0: never rotate; max_file >= 1 (1: start over in a new
 * file on rotation). -EINVAL for max_file < 1 or max_size < 0.
 */
berth_jsonlog *berth_jsonlog_open(const char *path, int64_t max_size, int max_file,
                                  berth_error *err);
/**
 * Log data read from stream ("stdout" or "stderr", else -EINVAL) at time ts
 * (NULL: now). Complete lines are written before this returns. A failed
 * rotation is reported, but the entry still goes to the current file.
 */
int berth_jsonlog_write(berth_jsonlog *l, const char *stream, const char *data, size_t len,
                        const struct timespec *ts, berth_error *err);
/** Write out pending partial lines (stdout first), timed now, without a newline. */
int berth_jsonlog_flush(berth_jsonlog *l, berth_error *err);
/** Flush and close; NULL is fine. */
void berth_jsonlog_close(berth_jsonlog *l);

/** An entry as read; the strings are valid during the callback only. */
typedef struct {
        const char *stream; /* "stdout" or "stderr" */
        const char *log;    /* the text, with its newline if it had one; may hold NULs */
        size_t len;
        struct timespec time;
} berth_log_entry;

/**
 * As docker logs does, tail picks the last N entries first and since/until
 * filter those. The first entry at or after until ends the read (also when
 * following); a follow with until also ends once the clock passes until.
 */
typedef struct {
        int64_t tail; /* only the last N entries (-1: all) */
        bool has_since, has_until;
        struct timespec since; /* entries at or after */
        struct timespec until; /* entries before */
        bool follow;           /* keep reading new entries (across rotation) … */
        /* … until this returns false; asked at least every 250 ms while idle, with the
         * userdata given to berth_jsonlog_read(); required when following */
        bool (*still_running)(void *userdata);
} berth_log_read_opts;

/**
 * Read the log (oldest rotated file first) and call fn for each entry in
 * order; a non-zero return from fn stops the read and is returned. A line
 * that is not an entry (not JSON, no valid "time") is skipped, and so is a
 * last line without its newline (a torn line of a crashed writer) unless
 * following, where it is read once complete. o NULL: every entry, no follow.
 *
 * A log that does not exist (yet) has no entries: 0, or when following,
 * wait for it. Following watches the directory with inotify (polling when
 * it cannot), notices rotation by inode and goes on with the next file,
 * so each entry is seen once, in order, as long as the reader is not
 * max_file-1 rotations behind the writer. After still_running says false,
 * what is left is read and 0 returned.
 */
int berth_jsonlog_read(const char *path, int max_file, const berth_log_read_opts *o,
                       int (*fn)(const berth_log_entry *e, void *userdata), void *userdata,
                       berth_error *err);
