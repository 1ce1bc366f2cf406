/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json-file logs, the writer: what berth-monitor links, so libc only (no
 * jansson), no threads, and no allocation beyond the line being built.
 */
#include "engine/jsonlog.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Docker's copier reads 16 KiB at a time: a longer line becomes partial entries. */
#define PARTIAL_MAX 16384
#define LOG_MODE    0640

enum { STREAM_STDOUT, STREAM_STDERR, N_STREAMS };
static const char *const stream_names[N_STREAMS] = {"stdout", "stderr"};

typedef struct {
        size_t len;
        char buf[PARTIAL_MAX + 1]; /* the text, and room for the newline that ends it */
} pending;

struct berth_jsonlog {
        int fd;
        char *path;
        int64_t max_size;
        int max_file;
        int64_t size; /* bytes in the current file */
        char *out;    /* the line being built */
        size_t out_cap;
        pending pend[N_STREAMS];
};

/*
 * Go's utf8.DecodeRune rules: the length of the valid UTF-8 sequence at
 * s[0..n), 0 when s[0] starts none, -1 when s[0..n) is a valid start that
 * n cuts short.
 */
static int utf8_seq(const unsigned char *s, size_t n)
{
        unsigned char b = s[0], lo = 0x80, hi = 0xBF;
        int len;

        if (b < 0x80)
                return 1;
        if (b >= 0xC2 && b <= 0xDF) {
                len = 2;
        } else if (b >= 0xE0 && b <= 0xEF) {
                len = 3;
                if (b == 0xE0)
                        lo = 0xA0; /* overlong */
                else if (b == 0xED)
                        hi = 0x9F; /* surrogates */
        } else if (b >= 0xF0 && b <= 0xF4) {
                len = 4;
                if (b == 0xF0)
                        lo = 0x90; /* overlong */
                else if (b == 0xF4)
                        hi = 0x8F; /* past U+10FFFF */
        } else {
                return 0;
        }
        for (int i = 1; i < len; i++) {
                if ((size_t)i >= n)
                        return -1;
                if (s[i] < lo || s[i] > hi)
                        return 0;
                lo = 0x80;
                hi = 0xBF;
        }
        return len;
}

/*
 * Where to cut s[0..n) so that no character is split: before a multi-byte
 * sequence that the end of the buffer cuts short, else n.
 */
static size_t utf8_cut(const char *s, size_t n)
{
        const unsigned char *u = (const unsigned char *)s;
        for (size_t back = 1; back <= 3 && back <= n; back++) {
                unsigned char b = u[n - back];
                if ((b & 0xC0) == 0x80)
                        continue; /* a continuation byte: look further back */
                if (b >= 0xC0 && utf8_seq(u + n - back, back) < 0)
                        return n - back;
                break;
        }
        return n;
}

/*
 * Escape s as the body of a JSON string the way Docker's json-file writer
 * does (Go's rules with HTML-safe <, >, &): out needs 6 bytes per input byte.
 */
static size_t escape_go(char *out, const char *s, size_t len)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *u = (const unsigned char *)s;
        size_t o = 0;

        for (size_t i = 0; i < len;) {
                unsigned char c = u[i];
                if (c < 0x80) {
                        if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' &&
                            c != '&') {
                                out[o++] = (char)c;
                        } else if (c == '"' || c == '\\') {
                                out[o++] = '\\';
                                out[o++] = (char)c;
                        } else if (c == '\n') {
                                out[o++] = '\\';
                                out[o++] = 'n';
                        } else if (c == '\r') {
                                out[o++] = '\\';
                                out[o++] = 'r';
                        } else {
                                memcpy(out + o, "\\u00", 4);
                                out[o + 4] = hex[c >> 4];
                                out[o + 5] = hex[c & 0xF];
                                o += 6;
                        }
                        i++;
                        continue;
                }
                int n = utf8_seq(u + i, len - i);
                if (n <= 0) {
                        memcpy(out + o, "\\ufffd", 6);
                        o += 6;
                        i++;
                } else if (n == 3 && c == 0xE2 && u[i + 1] == 0x80 &&
                           (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)) {
                        /* U+2028, U+2029: line separators to JavaScript */
                        memcpy(out + o, u[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
                        o += 6;
                        i += 3;
                } else {
                        memcpy(out + o, u + i, (size_t)n);
                        o += (size_t)n;
                        i += (size_t)n;
                }
        }
        return o;
}

/* RFC 3339 with nanoseconds as Go's time.RFC3339Nano prints a UTC time. */
static int format_time(const struct timespec *ts, char buf[static 48])
{
        struct tm tm;
        time_t sec = ts->tv_sec;
        if (gmtime_r(&sec, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
                return -EOVERFLOW;
        int n = snprintf(buf, 48, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (ts->tv_nsec != 0) {
                char frac[16];
                int f = snprintf(frac, sizeof(frac), "%09ld", (long)ts->tv_nsec);
                while (f > 0 && frac[f - 1] == '0')
                        frac[--f] = '\0';
                n += snprintf(buf + n, 48 - (size_t)n, ".%s", frac);
        }
        buf[n++] = 'Z';
        buf[n] = '\0';
        return 0;
}

/* path, or path.k for a rotated file; the length was checked at open. */
static void rotated_name(const berth_jsonlog *l, int k, char buf[static PATH_MAX])
{
        if (k == 0)
                snprintf(buf, PATH_MAX, "%s", l->path);
        else
                snprintf(buf, PATH_MAX, "%s.%d", l->path, k);
}

/* Open (creating 0640) the log file for appending. trunc: empty it if it exists. */
static int open_log_file(const char *path, bool trunc, berth_error *err)
{
        int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, LOG_MODE);
        if (fd >= 0) {
                (void)fchmod(fd, LOG_MODE); /* 0640 whatever the umask */
                return fd;
        }
        if (errno == EEXIST)
                fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY | (trunc ? O_TRUNC : 0));
        if (fd < 0)
                return berth_err(err, errno, "cannot open log file '%s'", path);
        return fd;
}

/*
 * path.(n-2) → path.(n-1) … path → path.1 and a new path; with max_file 1
 * the file is replaced by an empty one. Unlinking rather than truncating
 * lets a reader that follows the old file see that it is finished.
 */
static int rotate(berth_jsonlog *l, berth_error *err)
{
        char from[PATH_MAX], to[PATH_MAX];

        if (l->max_file > 1) {
                rotated_name(l, l->max_file - 1, to);
                if (unlink(to) < 0 && errno != ENOENT)
                        return berth_err(err, errno, "cannot remove old log file '%s'", to);
                for (int i = l->max_file - 1; i >= 1; i--) {
                        rotated_name(l, i - 1, from);
                        rotated_name(l, i, to);
                        if (rename(from, to) < 0 && errno != ENOENT)
                                return berth_err(err, errno, "cannot rename log file '%s' to '%s'",
                                                 from, to);
                }
        } else if (unlink(l->path) < 0 && errno != ENOENT) {
                return berth_err(err, errno, "cannot remove log file '%s'", l->path);
        }

        int fd = open_log_file(l->path, true, err);
        if (fd < 0)
                return fd;
        close(l->fd);
        l->fd = fd;
        l->size = 0;
        return 0;
}

/* One entry: build its line, rotate if it would not fit, append it with one write(2). */
static int emit(berth_jsonlog *l, int stream, const char *text, size_t len,
                const struct timespec *ts, berth_error *err)
{
        static const char pre[] = "{\"log\":\"", mid[] = "\",\"stream\":\"",
                          post[] = "\",\"time\":\"";
        char tbuf[48];
        int r = format_time(ts, tbuf);
        if (r < 0)
                return berth_errx(err, -r, "cannot log at time %lld: year outside 0-9999",
                                  (long long)ts->tv_sec);

        size_t tlen = strlen(tbuf), slen = strlen(stream_names[stream]);
        size_t need = sizeof(pre) + 6 * len + sizeof(mid) + slen + sizeof(post) + tlen + 3;
        if (need > l->out_cap) {
                l->out = berth_xrealloc(l->out, need);
                l->out_cap = need;
        }
        char *o = l->out;
        size_t n = 0;
        memcpy(o + n, pre, sizeof(pre) - 1);
        n += sizeof(pre) - 1;
        n += escape_go(o + n, text, len);
        memcpy(o + n, mid, sizeof(mid) - 1);
        n += sizeof(mid) - 1;
        memcpy(o + n, stream_names[stream], slen);
        n += slen;
        memcpy(o + n, post, sizeof(post) - 1);
        n += sizeof(post) - 1;
        memcpy(o + n, tbuf, tlen);
        n += tlen;
        memcpy(o + n, "\"}\n", 3);
        n += 3;

        /* A failed rotation is reported, but the entry still goes to the current file. */
        int rot = 0;
        if (l->max_size > 0 && l->size > 0 && l->size + (int64_t)n > l->max_size)
                rot = rotate(l, err);

        ssize_t w = berth_write_all(l->fd, o, n);
        if (w < 0 || (size_t)w != n) {
                int e = w < 0 ? errno : ENOSPC;
                /* Take back a torn line so that the next one starts on a line of its own. */
                if (ftruncate(l->fd, l->size) < 0) {
                        /* nothing more to do: the reader skips the torn line */
                }
                return berth_err(err, e, "cannot write log file '%s'", l->path);
        }
        l->size += (int64_t)n;
        return rot;
}

berth_jsonlog *berth_jsonlog_open(const char *path, int64_t max_size, int max_file,
                                  berth_error *err)
{
        _cleanup_close_ int fd = -1;

        if (path == NULL || *path == '\0') {
                berth_errx(err, EINVAL, "no log file path given");
                return NULL;
        }
        if (max_file < 1) {
                berth_errx(err, EINVAL, "invalid max-file %d for log '%s': must be at least 1",
                           max_file, path);
                return NULL;
        }
        if (max_size < 0) {
                berth_errx(err, EINVAL, "invalid max-size %lld for log '%s': must not be negative",
                           (long long)max_size, path);
                return NULL;
        }
        if (strlen(path) + 16 >= PATH_MAX) {
                berth_errx(err, ENAMETOOLONG, "log file path too long: '%s'", path);
                return NULL;
        }

        fd = open_log_file(path, false, err);
        if (fd < 0)
                return NULL;
        struct stat st;
        if (fstat(fd, &st) < 0) {
                berth_err(err, errno, "cannot stat log file '%s'", path);
                return NULL;
        }
        int64_t size = st.st_size;
        if (size > 0) {
                /* A writer that crashed mid-line left a torn line: end it, so ours stay whole. */
                char last;
                if (pread(fd, &last, 1, size - 1) == 1 && last != '\n') {
                        if (berth_write_all(fd, "\n", 1) != 1) {
                                berth_err(err, errno, "cannot write log file '%s'", path);
                                return NULL;
                        }
                        size++;
                }
        }

        berth_jsonlog *l = berth_xmalloc0(sizeof(*l));
        l->fd = TAKE_FD(fd);
        l->path = berth_xstrdup(path);
        l->max_size = max_size;
        l->max_file = max_file;
        l->size = size;
        return l;
}

/*
 * Text without a newline: add it to the stream's pending line; each time
 * that reaches PARTIAL_MAX bytes it is written as a partial entry, cut
 * before a character that is not complete yet.
 */
static int take(berth_jsonlog *l, int s, const char *t, size_t len, const struct timespec *ts,
                berth_error *err)
{
        pending *p = &l->pend[s];
        while (len > 0) {
                if (p->len == 0 && len >= PARTIAL_MAX) {
                        size_t cut = utf8_cut(t, PARTIAL_MAX);
                        int r = emit(l, s, t, cut, ts, err);
                        if (r < 0)
                                return r;
                        t += cut;
                        len -= cut;
                        continue;
                }
                size_t c = PARTIAL_MAX - p->len;
                if (c > len)
                        c = len;
                memcpy(p->buf + p->len, t, c);
                p->len += c;
                t += c;
                len -= c;
                if (p->len == PARTIAL_MAX) {
                        size_t cut = utf8_cut(p->buf, PARTIAL_MAX);
                        int r = emit(l, s, p->buf, cut, ts, err);
                        memmove(p->buf, p->buf + cut, PARTIAL_MAX - cut);
                        p->len = PARTIAL_MAX - cut;
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int berth_jsonlog_write(berth_jsonlog *l, const char *stream, const char *data, size_t len,
                        const struct timespec *ts, berth_error *err)
{
        struct timespec now;
        int s;

        if (l == NULL || stream == NULL || (data == NULL && len > 0))
                return berth_errx(err, EINVAL, "invalid arguments to log write");
        if (strcmp(stream, "stdout") == 0)
                s = STREAM_STDOUT;
        else if (strcmp(stream, "stderr") == 0)
                s = STREAM_STDERR;
        else
                return berth_errx(err, EINVAL, "unknown log stream '%s' for '%s'", stream, l->path);
        if (ts == NULL) {
                clock_gettime(CLOCK_REALTIME, &now);
                ts = &now;
        } else if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L) {
                return berth_errx(err, EINVAL, "invalid log time (%ld ns) for '%s'",
                                  (long)ts->tv_nsec, l->path);
        }

        pending *p = &l->pend[s];
        while (len > 0) {
                const char *nl = memchr(data, '\n', len);
                size_t tlen = nl ? (size_t)(nl - data) : len;
                int r;
                if (nl && p->len == 0 && tlen < PARTIAL_MAX) {
                        r = emit(l, s, data, tlen + 1, ts, err); /* the common case: no copy */
                } else {
                        r = take(l, s, data, tlen, ts, err);
                        if (r >= 0 && nl) {
                                p->buf[p->len++] = '\n';
                                r = emit(l, s, p->buf, p->len, ts, err);
                                p->len = 0;
                        }
                }
                if (r < 0)
                        return r;
                data += tlen + (nl ? 1 : 0);
                len -= tlen + (nl ? 1 : 0);
        }
        return 0;
}

int berth_jsonlog_flush(berth_jsonlog *l, berth_error *err)
{
        struct timespec now;
        int ret = 0;

        if (l == NULL)
                return berth_errx(err, EINVAL, "invalid arguments to log flush");
        clock_gettime(CLOCK_REALTIME, &now);
        for (int s = 0; s < N_STREAMS; s++) {
                pending *p = &l->pend[s];
                if (p->len == 0)
                        continue;
                int r = emit(l, s, p->buf, p->len, &now, err);
                p->len = 0;
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

void berth_jsonlog_close(berth_jsonlog *l)
{
        berth_error ignored = {0};
        if (l == NULL)
                return;
        (void)berth_jsonlog_flush(l, &ignored);
        close(l->fd);
        free(l->out);
        free(l->path);
        free(l);
}
