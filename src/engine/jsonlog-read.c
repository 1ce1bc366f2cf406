/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json-file logs, the reader: the files oldest first, the last N entries
 * found by reading backwards, since/until, and following the log across
 * rotations (inotify on its directory, polling when that is not possible).
 *
 * The writer is another process and takes no lock, so files are tracked by
 * inode: a file that is no longer at <path> has been rotated (its data is
 * complete), and the file written after it is the one a rank lower
 * (<path>.k → <path>.(k-1), <path>.1 → <path>).
 */
#include "engine/jsonlog.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK    (64 * 1024)
#define MAX_LINE (4 * 1024 * 1024) /* far beyond any entry we write: such a line is skipped */
#define IDLE_MS  250               /* still_running is asked at least this often when idle */
#define ATTEMPTS 20                /* retries when a rotation races a lookup */
#define WATCH_MASK                                                                                 \
        (IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |        \
         IN_DELETE_SELF | IN_MOVE_SELF)

typedef struct {
        int fd; /* -1: none (yet) */
        dev_t dev;
        ino_t ino;
        off_t off; /* where the next unread line starts */
} lfile;

typedef struct {
        const char *path;
        int max_file;
        berth_log_read_opts o;
        int (*fn)(const berth_log_entry *e, void *userdata);
        void *userdata;
        char *buf; /* lines being read */
        size_t cap;
        bool skipping;      /* inside a line longer than MAX_LINE */
        bool until_reached; /* an entry at or after `until`: the read is over */
        int fn_ret;         /* what fn returned when it stopped the read */
} reader;

typedef struct {
        char *buf;
        off_t start; /* file offset of buf[0] */
        size_t len;
} chunk;

static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
        if (a->tv_sec != b->tv_sec)
                return a->tv_sec < b->tv_sec ? -1 : 1;
        if (a->tv_nsec != b->tv_nsec)
                return a->tv_nsec < b->tv_nsec ? -1 : 1;
        return 0;
}

static void close_lfile(lfile *f)
{
        if (f->fd >= 0)
                close(f->fd);
        f->fd = -1;
}

static void log_name(const reader *r, int k, char buf[static PATH_MAX])
{
        if (k == 0)
                snprintf(buf, PATH_MAX, "%s", r->path);
        else
                snprintf(buf, PATH_MAX, "%s.%d", r->path, k);
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

/* "2026-11-24T10:00:00.123456789Z" or with a ±hh:mm offset (Go's RFC3339Nano). */
static bool parse_time(const char *s, struct timespec *ret)
{
        if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
            s[13] != ':' || s[16] != ':')
                return false;
        int year = digits(s, 4), mon = digits(s + 5, 2), day = digits(s + 8, 2);
        int hour = digits(s + 11, 2), min = digits(s + 14, 2), sec = digits(s + 17, 2);
        if (year < 0 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
            min < 0 || min > 59 || sec < 0 || sec > 60)
                return false;

        const char *p = s + 19;
        long nsec = 0;
        if (*p == '.') {
                int nd = 0;
                for (p++; *p >= '0' && *p <= '9'; p++, nd++)
                        if (nd < 9)
                                nsec = nsec * 10 + (*p - '0');
                if (nd == 0)
                        return false;
                for (; nd < 9; nd++)
                        nsec *= 10;
        }
        long off = 0;
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
                int oh = digits(p + 1, 2), om = digits(p + 4, 2);
                if (oh < 0 || om < 0)
                        return false;
                off = (oh * 3600L + om * 60L) * (*p == '+' ? 1 : -1);
                p += 6;
        } else {
                return false;
        }
        if (*p != '\0')
                return false;

        struct tm tm = {.tm_year = year - 1900,
                        .tm_mon = mon - 1,
                        .tm_mday = day,
                        .tm_hour = hour,
                        .tm_min = min,
                        .tm_sec = sec};
        time_t t = timegm(&tm);
        ret->tv_sec = t - off;
        ret->tv_nsec = nsec;
        return true;
}

/*
 * One line (without its newline) into an entry that points into *ret_root.
 * Docker leaves "log" out when it is empty; "attrs" and other keys are ignored.
 */
static bool parse_entry(const char *p, size_t len, json_t **ret_root, berth_log_entry *e)
{
        json_error_t jerr;
        json_t *root = json_loadb(p, len, JSON_ALLOW_NUL, &jerr);
        if (root == NULL)
                return false;
        json_t *t = json_object_get(root, "time"), *lg = json_object_get(root, "log");
        json_t *st = json_object_get(root, "stream");
        if (!json_is_string(t) || !parse_time(json_string_value(t), &e->time) ||
            (lg != NULL && !json_is_string(lg)) || (st != NULL && !json_is_string(st))) {
                json_decref(root);
                return false;
        }
        e->log = lg ? json_string_value(lg) : "";
        e->len = lg ? json_string_length(lg) : 0;
        e->stream = st ? json_string_value(st) : "";
        *ret_root = root;
        return true;
}

/* 1 when the read is over (until reached, or fn said stop), else 0. */
static int handle_line(reader *r, const char *p, size_t len)
{
        berth_log_entry e;
        json_t *root;
        int ret = 0;

        if (!parse_entry(p, len, &root, &e))
                return 0; /* a torn or foreign line */
        if (r->o.has_since && ts_cmp(&e.time, &r->o.since) < 0) {
                /* too old */
        } else if (r->o.has_until && ts_cmp(&e.time, &r->o.until) >= 0) {
                r->until_reached = true;
                ret = 1;
        } else {
                int f = r->fn(&e, r->userdata);
                if (f != 0) {
                        r->fn_ret = f;
                        ret = 1;
                }
        }
        json_decref(root);
        return ret;
}

static ssize_t pread_full(int fd, void *buf, size_t len, off_t off)
{
        size_t done = 0;
        while (done < len) {
                ssize_t n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        return (ssize_t)done;
}

/*
 * Hand the complete lines of f from f->off on to handle_line(), moving
 * f->off past them. What follows the last newline is a line still being
 * written: left for later, or skipped when `final` (the file is complete,
 * or its writer is gone). Returns 1 when the read is over, 0 at the end of
 * the data, <0 on error.
 */
static int read_lines(reader *r, lfile *f, bool final, berth_error *err)
{
        size_t len = 0;

        for (;;) {
                if (len == r->cap) {
                        if (r->cap >= MAX_LINE) {
                                r->skipping = true; /* drop what we have of this line */
                                f->off += (off_t)len;
                                len = 0;
                        } else {
                                r->cap *= 2;
                                r->buf = berth_xrealloc(r->buf, r->cap);
                        }
                }
                ssize_t n = pread(f->fd, r->buf + len, r->cap - len, f->off + (off_t)len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "cannot read log file '%s'", r->path);
                if (n == 0)
                        break;
                len += (size_t)n;

                char *p = r->buf, *end = r->buf + len, *nl;
                int stop = 0;
                while (!stop && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
                        if (r->skipping)
                                r->skipping = false;
                        else
                                stop = handle_line(r, p, (size_t)(nl - p));
                        p = nl + 1;
                }
                size_t used = (size_t)(p - r->buf);
                f->off += (off_t)used;
                if (stop)
                        return 1;
                memmove(r->buf, p, len - used);
                len -= used;
        }
        if (final) {
                f->off += (off_t)len;
                r->skipping = false;
        }
        return 0;
}

/* *ret: the offset of the last '\n' in fd before `before`, or -1. */
static int prev_newline(int fd, off_t before, chunk *c, off_t *ret)
{
        while (before > 0) {
                if (c->len == 0 || before <= c->start || before > c->start + (off_t)c->len) {
                        off_t s = before > CHUNK ? before - CHUNK : 0;
                        ssize_t n = pread_full(fd, c->buf, (size_t)(before - s), s);
                        if (n < 0)
                                return -errno;
                        c->start = s;
                        c->len = (size_t)n;
                        if (n == 0)
                                break;
                }
                size_t span = (size_t)(before - c->start);
                if (span > c->len)
                        span = c->len;
                const char *q = memrchr(c->buf, '\n', span);
                if (q != NULL) {
                        *ret = c->start + (q - c->buf);
                        return 0;
                }
                before = c->start;
        }
        *ret = -1;
        return 0;
}

static bool line_is_entry(reader *r, int fd, off_t start, size_t len)
{
        berth_log_entry e;
        json_t *root;

        if (len > MAX_LINE)
                return false;
        if (len > r->cap) {
                r->cap = len;
                r->buf = berth_xrealloc(r->buf, r->cap);
        }
        if (pread_full(fd, r->buf, len, start) != (ssize_t)len)
                return false;
        if (!parse_entry(r->buf, len, &root, &e))
                return false;
        json_decref(root);
        return true;
}

/*
 * Where the last `want` entries (want >= 0) of files[0..n) begin: walk the
 * lines backwards from the end of the newest file, counting only lines that
 * are entries; nothing before them is read.
 */
static int tail_start(reader *r, const lfile *files, size_t n, int64_t want, size_t *ret_i,
                      off_t *ret_off, berth_error *err)
{
        _cleanup_free_ char *cbuf = berth_xmalloc0(CHUNK);
        const char *name = r->path;

        for (size_t i = n; i-- > 0;) {
                chunk c = {.buf = cbuf};
                struct stat st;
                off_t nl, prev;
                int fd = files[i].fd;
                if (fstat(fd, &st) < 0)
                        return berth_err(err, errno, "cannot stat log file '%s'", name);
                int q = prev_newline(fd, st.st_size, &c, &nl);
                if (q < 0)
                        return berth_err(err, -q, "cannot read log file '%s'", name);
                if (want == 0) {
                        /* just after the last complete line of the newest file */
                        *ret_i = i;
                        *ret_off = nl + 1;
                        return 0;
                }
                for (; nl >= 0; nl = prev) {
                        q = prev_newline(fd, nl, &c, &prev);
                        if (q < 0)
                                return berth_err(err, -q, "cannot read log file '%s'", name);
                        if (line_is_entry(r, fd, prev + 1, (size_t)(nl - prev - 1)) &&
                            --want == 0) {
                                *ret_i = i;
                                *ret_off = prev + 1;
                                return 0;
                        }
                }
        }
        *ret_i = 0;
        *ret_off = 0;
        return 0;
}

/*
 * Open the log's files, oldest first, as one consistent set. They are
 * opened newest first, which can meet a file twice (moved up a rank by a
 * rotation in between; kept once) but never miss one; the set is taken
 * when <path> is the same file after the opens as before, that is when no
 * rotation finished in between.
 */
static int open_files(reader *r, lfile *files, size_t *ret_n, berth_error *err)
{
        char name[PATH_MAX];

        for (int attempt = 0;; attempt++) {
                size_t n = 0;
                bool have_current = false;
                for (int k = 0; k < r->max_file; k++) {
                        struct stat st;
                        log_name(r, k, name);
                        int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                        if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
                                continue;
                        if (fd < 0 || fstat(fd, &st) < 0) {
                                int e = errno;
                                if (fd >= 0)
                                        close(fd);
                                for (size_t i = 0; i < n; i++)
                                        close_lfile(&files[i]);
                                return berth_err(err, e, "cannot open log file '%s'", name);
                        }
                        bool dup = false;
                        for (size_t i = 0; i < n && !dup; i++)
                                dup = files[i].dev == st.st_dev && files[i].ino == st.st_ino;
                        if (dup) {
                                close(fd);
                                continue;
                        }
                        if (k == 0)
                                have_current = true;
                        files[n++] = (lfile){.fd = fd, .dev = st.st_dev, .ino = st.st_ino};
                }

                struct stat st;
                bool same;
                if (stat(r->path, &st) == 0)
                        same =
                            have_current && st.st_dev == files[0].dev && st.st_ino == files[0].ino;
                else
                        same = !have_current;
                if (same || attempt == ATTEMPTS) {
                        for (size_t i = 0; i < n / 2; i++) {
                                lfile t = files[i];
                                files[i] = files[n - 1 - i];
                                files[n - 1 - i] = t;
                        }
                        *ret_n = n;
                        return 0;
                }
                for (size_t i = 0; i < n; i++)
                        close_lfile(&files[i]);
        }
}

/* Whether cur is finished: it is not (or no longer) the file at <path>. */
static bool moved_on(const reader *r, const lfile *cur)
{
        struct stat st;
        if (cur->fd < 0)
                return true;
        if (fstat(cur->fd, &st) == 0 && st.st_nlink == 0)
                return true;
        if (stat(r->path, &st) < 0)
                return true;
        return st.st_dev != cur->dev || st.st_ino != cur->ino;
}

static int stat_is(const char *name, const lfile *f)
{
        struct stat st;
        return stat(name, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino;
}

/*
 * The file written after cur, which has been read to its end: the one a
 * rank lower than where cur is now; when cur is gone (dropped as the oldest,
 * or max_file 1) or there was none, the oldest there is. Returns 0 with
 * *next, 1 when it does not exist yet, <0 on error.
 */
static int open_next(const reader *r, const lfile *cur, lfile *next, berth_error *err)
{
        char name[PATH_MAX], at[PATH_MAX];

        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                int k = -1;
                for (int i = 1; cur->fd >= 0 && i < r->max_file && k < 0; i++) {
                        log_name(r, i, at);
                        if (stat_is(at, cur))
                                k = i;
                }
                bool retry = false;
                for (int j = k > 0 ? k - 1 : r->max_file - 1; j >= 0 && !retry; j--) {
                        struct stat st;
                        log_name(r, j, name);
                        int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                        if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
                                continue;
                        if (fd < 0 || fstat(fd, &st) < 0) {
                                int e = errno;
                                if (fd >= 0)
                                        close(fd);
                                return berth_err(err, e, "cannot open log file '%s'", name);
                        }
                        /* cur must still be where we found it, else this file is not its next */
                        if ((cur->fd >= 0 && st.st_dev == cur->dev && st.st_ino == cur->ino) ||
                            (k > 0 && !stat_is(at, cur))) {
                                close(fd);
                                retry = true;
                                break;
                        }
                        *next = (lfile){.fd = fd, .dev = st.st_dev, .ino = st.st_ino};
                        return 0;
                }
                if (!retry)
                        return 1;
        }
        return 1;
}

static bool until_passed(const reader *r)
{
        struct timespec now;
        if (!r->o.has_until)
                return false;
        clock_gettime(CLOCK_REALTIME, &now);
        return ts_cmp(&now, &r->o.until) >= 0;
}

/* Sleep until the directory changes or IDLE_MS pass. */
static void wait_for_change(int ifd, bool *watching, const char *dir)
{
        if (ifd >= 0 && !*watching)
                *watching = inotify_add_watch(ifd, dir, WATCH_MASK) >= 0;
        if (ifd < 0 || !*watching) {
                poll(NULL, 0, 100); /* no directory (yet), or no inotify: poll the files */
                return;
        }
        struct pollfd p = {.fd = ifd, .events = POLLIN};
        if (poll(&p, 1, IDLE_MS) <= 0)
                return;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n;
        while ((n = read(ifd, buf, sizeof(buf))) > 0) {
                for (char *q = buf; q < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)q;
                        if (ev->mask & IN_IGNORED)
                                *watching = false; /* the directory went away */
                        q += sizeof(*ev) + ev->len;
                }
        }
}

/* The follow loop, from cur (owned) on. 1 when the read was stopped, 0, or <0. */
static int follow(reader *r, lfile *cur, int ifd, bool watching, const char *dir, berth_error *err)
{
        bool stopping = false;
        int ret;

        for (;;) {
                int fd_before = cur->fd;
                off_t off_before = cur->off;

                if (cur->fd >= 0 && (ret = read_lines(r, cur, false, err)) != 0)
                        return ret;
                while (moved_on(r, cur)) {
                        /* rotated: it is complete, read the rest, then go on to the next */
                        if (cur->fd >= 0 && (ret = read_lines(r, cur, true, err)) != 0)
                                return ret;
                        lfile next;
                        ret = open_next(r, cur, &next, err);
                        if (ret < 0)
                                return ret;
                        if (ret > 0)
                                break; /* not created yet */
                        close_lfile(cur);
                        *cur = next;
                        r->skipping = false;
                        if ((ret = read_lines(r, cur, false, err)) != 0)
                                return ret;
                }
                if (stopping)
                        return cur->fd >= 0 ? read_lines(r, cur, true, err) : 0;
                if (cur->fd != fd_before || cur->off != off_before)
                        continue; /* busy: look again before sleeping */
                if (!r->o.still_running(r->userdata) || until_passed(r)) {
                        stopping = true; /* one more pass for what is left */
                        continue;
                }
                wait_for_change(ifd, &watching, dir);
        }
}

static int read_log(reader *r, lfile *files, berth_error *err)
{
        _cleanup_free_ char *dir = berth_xstrdup(r->path);
        _cleanup_close_ int ifd = -1;
        bool watching = false;
        size_t n = 0, first = 0;
        off_t first_off = 0;
        int ret;

        char *slash = strrchr(dir, '/');
        if (slash == NULL)
                strcpy(dir, ".");
        else if (slash == dir)
                dir[1] = '\0';
        else
                *slash = '\0';

        /* Watch before looking, so that no change falls between the two. */
        if (r->o.follow) {
                ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
                if (ifd >= 0)
                        watching = inotify_add_watch(ifd, dir, WATCH_MASK) >= 0;
        }

        ret = open_files(r, files, &n, err);
        if (ret < 0)
                return ret;

        if (r->o.tail == 0 && !r->o.follow)
                return 0;
        if (r->o.tail >= 0 && n > 0) {
                ret = tail_start(r, files, n, r->o.tail, &first, &first_off, err);
                if (ret < 0)
                        return ret;
        }

        for (size_t i = first; i < n; i++) {
                files[i].off = i == first ? first_off : 0;
                bool final = i + 1 < n || !r->o.follow;
                if ((ret = read_lines(r, &files[i], final, err)) != 0)
                        return ret;
        }
        if (!r->o.follow)
                return 0;

        lfile cur = {.fd = -1};
        if (n > 0) {
                cur = files[n - 1];
                files[n - 1].fd = -1;
        }
        ret = follow(r, &cur, ifd, watching, dir, err);
        close_lfile(&cur);
        return ret;
}

int berth_jsonlog_read(const char *path, int max_file, const berth_log_read_opts *o,
                       int (*fn)(const berth_log_entry *e, void *userdata), void *userdata,
                       berth_error *err)
{
        if (path == NULL || *path == '\0' || fn == NULL)
                return berth_errx(err, EINVAL, "invalid arguments to log read");
        if (max_file < 1)
                return berth_errx(err, EINVAL,
                                  "invalid max-file %d for log '%s': must be at least 1", max_file,
                                  path);
        if (strlen(path) + 16 >= PATH_MAX)
                return berth_errx(err, ENAMETOOLONG, "log file path too long: '%s'", path);
        if (o != NULL && o->follow && o->still_running == NULL)
                return berth_errx(err, EINVAL, "following log '%s' needs a still_running callback",
                                  path);

        reader r = {
            .path = path,
            .max_file = max_file,
            .o = o ? *o : (berth_log_read_opts){.tail = -1},
            .fn = fn,
            .userdata = userdata,
            .cap = CHUNK,
        };
        r.buf = berth_xmalloc0(r.cap);
        lfile *files = berth_xmalloc0(sizeof(lfile) * (size_t)max_file);
        for (int i = 0; i < max_file; i++)
                files[i].fd = -1;

        int ret = read_log(&r, files, err);

        for (int i = 0; i < max_file; i++)
                close_lfile(&files[i]);
        free(files);
        free(r.buf);
        if (ret < 0)
                return ret;
        return ret > 0 && !r.until_reached ? r.fn_ret : 0;
}
