/* SPDX-License-Identifier: Apache-2.0 */
/* json-file logs: what `docker logs` would show, and the bytes Docker would have written. */
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "engine/jsonlog.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *dir;
/* 2026-11-24T10:00:00.123456789Z */
static const struct timespec T0 = {1795514400, 123456789};

typedef struct {
        char stream[8];
        char *log;
        size_t len;
        struct timespec time;
} ent;

typedef struct {
        ent *v;
        size_t n;
        size_t stop_after; /* fn returns 7 after this many (0: never) */
        /* follow */
        pid_t child;
        int go_fd; /* closed at the first still_running: the child may start writing */
        bool exited;
        int calls;
        double call_at[64];
        int running_calls; /* still_running returns true this many times (-1: until child exits) */
} ents;

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int collect(const berth_log_entry *e, void *ud)
{
        ents *es = ud;
        es->v = berth_xrealloc(es->v, (es->n + 1) * sizeof(ent));
        ent *x = &es->v[es->n++];
        snprintf(x->stream, sizeof(x->stream), "%s", e->stream);
        x->log = berth_xmalloc0(e->len + 1);
        memcpy(x->log, e->log, e->len);
        x->len = e->len;
        x->time = e->time;
        return es->stop_after && es->n == es->stop_after ? 7 : 0;
}

static void ents_free(ents *es)
{
        for (size_t i = 0; i < es->n; i++)
                free(es->v[i].log);
        free(es->v);
        memset(es, 0, sizeof(*es));
}

static bool child_running(void *ud)
{
        ents *es = ud;
        if (es->calls < (int)ARRAY_SIZE(es->call_at))
                es->call_at[es->calls] = now_s();
        es->calls++;
        if (es->go_fd > 0) {
                close(es->go_fd);
                es->go_fd = -1;
        }
        if (es->running_calls >= 0)
                return es->calls <= es->running_calls;
        if (!es->exited) {
                int status;
                if (waitpid(es->child, &status, WNOHANG) == es->child)
                        es->exited = true;
        }
        return !es->exited;
}

static char *path_of(const char *name)
{
        return berth_xasprintf("%s/%s", dir, name);
}

static char *slurp(const char *path)
{
        char *s = NULL;
        size_t len;
        berth_error err = {0};
        if (berth_read_file(path, &s, &len, &err) < 0)
                return NULL;
        return s;
}

static bool exists(const char *path)
{
        return access(path, F_OK) == 0;
}

static off_t size_of(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 ? st.st_size : -1;
}

static int count_lines(const char *path)
{
        _cleanup_free_ char *s = slurp(path);
        int n = 0;
        for (char *p = s; p && *p; p++)
                n += *p == '\n';
        return n;
}

static int read_log(const char *path, int max_file, const berth_log_read_opts *o, ents *es)
{
        berth_error err = {0};
        int r = berth_jsonlog_read(path, max_file, o, collect, es, &err);
        if (r < 0)
                printf("# read: %s\n", err.msg);
        return r;
}

static berth_jsonlog *open_log(const char *path, int64_t max_size, int max_file)
{
        berth_error err = {0};
        berth_jsonlog *l = berth_jsonlog_open(path, max_size, max_file, &err);
        if (l == NULL)
                printf("# open: %s\n", err.msg);
        return l;
}

static int wr(berth_jsonlog *l, const char *stream, const char *s, const struct timespec *ts)
{
        berth_error err = {0};
        int r = berth_jsonlog_write(l, stream, s, strlen(s), ts, &err);
        if (r < 0)
                printf("# write: %s\n", err.msg);
        return r;
}

static struct timespec at(long sec_after_t0)
{
        return (struct timespec){T0.tv_sec + sec_after_t0, T0.tv_nsec};
}

static void test_format(void)
{
        _cleanup_free_ char *p = path_of("format.log");
        mode_t old_umask = umask(077);
        berth_jsonlog *l = open_log(p, 0, 1);
        umask(old_umask);
        struct timespec t1 = {T0.tv_sec, 120000000}, t2 = {T0.tv_sec, 0}, t3 = {T0.tv_sec, 1};

        ok(wr(l, "stdout", "hello \"world\"\n", &T0) == 0, "write a line");
        wr(l, "stderr", "a\n", &t1);
        wr(l, "stderr", "b\n", &t2);
        wr(l, "stdout", "c\n", &t3);
        berth_jsonlog_close(l);
        _cleanup_free_ char *s = slurp(p);
        is_str(s,
               "{\"log\":\"hello \\\"world\\\"\\n\",\"stream\":\"stdout\","
               "\"time\":\"2026-11-24T10:00:00.123456789Z\"}\n"
               "{\"log\":\"a\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-24T10:00:00.12Z\"}\n"
               "{\"log\":\"b\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-24T10:00:00Z\"}\n"
               "{\"log\":\"c\\n\",\"stream\":\"stdout\","
               "\"time\":\"2026-11-24T10:00:00.000000001Z\"}\n",
               "lines are Docker's bytes: RFC3339Nano with the fraction trimmed");

        struct stat st;
        ok(stat(p, &st) == 0 && (st.st_mode & 0777) == 0640,
           "log file is created 0640 (umask 077)");
}

/* Every kind of byte Docker escapes, and what comes back. */
static const char tricky[] = "q\"b\\s\tt\rc\x01\x1f\x7f<>&\xe2\x80\xa8\xe2\x80\xa9"
                             "\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xb3\xef\xbf\xbd"
                             "\xff\xc0\xafx\xed\xa0\x80|\0|\xe2\x82\n";
static const char tricky_json[] =
    "q\\\"b\\\\s\\u0009t\\rc\\u0001\\u001f\x7f\\u003c\\u003e\\u0026\\u2028\\u2029"
    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xb3\xef\xbf\xbd"
    "\\ufffd\\ufffd\\ufffdx\\ufffd\\ufffd\\ufffd|\\u0000|\\ufffd\\ufffd\\n";
#define FFFD "\xef\xbf\xbd"
static const char tricky_back[] = "q\"b\\s\tt\rc\x01\x1f\x7f<>&\xe2\x80\xa8\xe2\x80\xa9"
                                  "\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xb3\xef\xbf\xbd" FFFD FFFD FFFD
                                  "x" FFFD FFFD FFFD "|\0|" FFFD FFFD "\n";

static void test_escaping(void)
{
        _cleanup_free_ char *p = path_of("escape.log");
        berth_error err = {0};
        berth_jsonlog *l = open_log(p, 0, 1);
        ok(berth_jsonlog_write(l, "stdout", tricky, sizeof(tricky) - 1, &T0, &err) == 0,
           "write quotes, backslashes, control chars, <>&, U+2028, UTF-8, invalid UTF-8, NUL");
        berth_jsonlog_close(l);

        _cleanup_free_ char *want = berth_xasprintf(
            "{\"log\":\"%s\",\"stream\":\"stdout\",\"time\":\"2026-11-24T10:00:00.123456789Z\"}\n",
            tricky_json);
        _cleanup_free_ char *s = slurp(p);
        is_str(s, want, "escaped as Docker does (\\u0009, \\u003c, \\ufffd per invalid byte)");

        ents es = {0};
        is_int(read_log(p, 1, NULL, &es), 0, "read it back");
        ok(es.n == 1 && es.v[0].len == sizeof(tricky_back) - 1 &&
               memcmp(es.v[0].log, tricky_back, es.v[0].len) == 0,
           "round trip: same text, invalid bytes as U+FFFD, NUL kept");
        ok(es.n == 1 && strcmp(es.v[0].stream, "stdout") == 0 && es.v[0].time.tv_sec == T0.tv_sec &&
               es.v[0].time.tv_nsec == T0.tv_nsec,
           "stream and nanosecond time come back");
        ents_free(&es);

        /* A line as dockerd writes it, with attrs, and one without "log" (empty). */
        _cleanup_free_ char *d = path_of("docker.log");
        const char *docker =
            "{\"log\":\"from docker\\n\",\"stream\":\"stderr\",\"attrs\":{\"tag\":\"web\"},"
            "\"time\":\"2026-11-24T11:00:00.5+01:00\"}\n"
            "{\"stream\":\"stdout\",\"time\":\"2026-11-24T10:00:01Z\"}\n";
        berth_write_file(d, docker, strlen(docker), O_CREAT, &err);
        is_int(read_log(d, 1, NULL, &es), 0, "read a log written by dockerd");
        ok(es.n == 2 && strcmp(es.v[0].log, "from docker\n") == 0 &&
               strcmp(es.v[0].stream, "stderr") == 0 && es.v[0].time.tv_sec == T0.tv_sec &&
               es.v[0].time.tv_nsec == 500000000 && es.v[1].len == 0,
           "attrs ignored, offset honoured, missing log is empty");
        ents_free(&es);
}

static void test_partial(void)
{
        _cleanup_free_ char *p = path_of("partial.log");
        berth_error err = {0};
        berth_jsonlog *l = open_log(p, 0, 1);
        wr(l, "stdout", "abc", &T0);
        is_int(size_of(p), 0, "a partial line is held");
        wr(l, "stdout", "def\nghi", &T0);
        wr(l, "stdout", "jkl\n", &T0);
        wr(l, "stdout", "tail", &T0);
        is_int(count_lines(p), 2, "two lines once their newlines came");
        ok(berth_jsonlog_flush(l, &err) == 0, "flush");
        is_int(count_lines(p), 3, "flush writes the pending text");
        wr(l, "stdout", "x\n", &T0);
        wr(l, "stdout", "end", &T0);
        berth_jsonlog_close(l);

        ents es = {0};
        read_log(p, 1, NULL, &es);
        ok(es.n == 5 && strcmp(es.v[0].log, "abcdef\n") == 0 &&
               strcmp(es.v[1].log, "ghijkl\n") == 0 && strcmp(es.v[2].log, "tail") == 0 &&
               strcmp(es.v[3].log, "x\n") == 0 && strcmp(es.v[4].log, "end") == 0,
           "entries: abcdef\\n ghijkl\\n tail x\\n end (close flushes)");
        ents_free(&es);

        /* 16 KiB: a longer line is cut, like Docker's partial messages */
        _cleanup_free_ char *q = path_of("long.log");
        _cleanup_free_ char *big = berth_xmalloc0(40002);
        memset(big, 'a', 40000);
        l = open_log(q, 0, 1);
        for (int i = 0; i < 4; i++)
                berth_jsonlog_write(l, "stdout", big, 10000, &T0, &err);
        is_int(count_lines(q), 2, "40000 bytes without newline: two 16 KiB entries so far");
        berth_jsonlog_write(l, "stdout", "\n", 1, &T0, &err);
        big[40000] = '\n';
        berth_jsonlog_write(l, "stdout", big, 40001, &T0, &err); /* in one piece */
        memset(big, 'b', 16384);
        big[16383] = '\n';
        berth_jsonlog_write(l, "stdout", big, 16384, &T0, &err); /* just fits */
        big[16384] = '\n';
        big[16383] = 'b';
        berth_jsonlog_write(l, "stdout", big, 16385, &T0, &err); /* one too many */
        berth_jsonlog_close(l);
        read_log(q, 1, NULL, &es);
        ok(es.n == 9, "9 entries (got %zu)", es.n);
        if (es.n == 9) {
                size_t want[] = {16384, 16384, 7233, 16384, 16384, 7233, 16384, 16384, 1};
                bool lens = true, nl = true;
                for (size_t i = 0; i < 9; i++) {
                        lens = lens && es.v[i].len == want[i];
                        nl = nl && (es.v[i].log[es.v[i].len - 1] == '\n') ==
                                       (i == 2 || i == 5 || i == 6 || i == 8);
                }
                ok(lens, "sizes 16384 16384 7233 twice, 16384 (16383 + newline), 16384, 1");
                ok(nl, "only the ends of lines carry a newline");
                is_str(es.v[7].log + 16383, "b",
                       "16384 bytes and a newline: a full partial entry, then the newline");
        } else {
                ok(0, "sizes");
                ok(0, "newlines");
                ok(0, "last");
        }
        ents_free(&es);

        /* The cut never splits a character. */
        _cleanup_free_ char *u = path_of("utf8.log");
        memset(big, 'a', 16383);
        memcpy(big + 16383, "\xc3\xa9z\n", 4);
        l = open_log(u, 0, 1);
        berth_jsonlog_write(l, "stdout", big, 16387, &T0, &err);
        berth_jsonlog_close(l);
        read_log(u, 1, NULL, &es);
        ok(es.n == 2 && es.v[0].len == 16383 && strcmp(es.v[1].log, "\xc3\xa9z\n") == 0,
           "a character across the 16 KiB mark goes whole into the next entry");
        ents_free(&es);
}

static void test_streams(void)
{
        _cleanup_free_ char *p = path_of("streams.log");
        berth_jsonlog *l = open_log(p, 0, 1);
        wr(l, "stdout", "out1 ", &T0);
        wr(l, "stderr", "err1 ", &T0);
        wr(l, "stdout", "out2\nout3 ", &T0);
        wr(l, "stderr", "err2\n", &T0);
        wr(l, "stderr", "err3", &T0);
        berth_jsonlog_close(l);
        ents es = {0};
        read_log(p, 1, NULL, &es);
        ok(es.n == 4 && strcmp(es.v[0].stream, "stdout") == 0 &&
               strcmp(es.v[0].log, "out1 out2\n") == 0 && strcmp(es.v[1].stream, "stderr") == 0 &&
               strcmp(es.v[1].log, "err1 err2\n") == 0 && strcmp(es.v[2].log, "out3 ") == 0 &&
               strcmp(es.v[2].stream, "stdout") == 0 && strcmp(es.v[3].log, "err3") == 0 &&
               strcmp(es.v[3].stream, "stderr") == 0,
           "two streams keep their own partial lines");
        ents_free(&es);

        berth_error err = {0};
        l = open_log(p, 0, 1);
        ok(berth_jsonlog_write(l, "stdin", "x\n", 2, NULL, &err) == -EINVAL &&
               strstr(err.msg, "unknown log stream 'stdin'"),
           "an unknown stream is refused: %s", err.msg);
        berth_jsonlog_close(l);
}

/* entries "line NN\n" at T0+NN s: 78 bytes a line, 4 in 320 bytes */
static void write_numbered(const char *p, int64_t max_size, int max_file, int from, int to)
{
        berth_jsonlog *l = open_log(p, max_size, max_file);
        for (int i = from; i < to; i++) {
                char s[32];
                struct timespec t = at(i);
                snprintf(s, sizeof(s), "line %02d\n", i);
                wr(l, i % 2 ? "stderr" : "stdout", s, &t);
        }
        berth_jsonlog_close(l);
}

static bool numbered(const ents *es, int from, int to)
{
        if (es->n != (size_t)(to - from)) {
                printf("#   %zu entries, want %d\n", es->n, to - from);
                return false;
        }
        for (int i = from; i < to; i++) {
                char s[32];
                snprintf(s, sizeof(s), "line %02d\n", i);
                if (strcmp(es->v[i - from].log, s) != 0) {
                        printf("#   entry %d is '%s', want '%s'\n", i - from, es->v[i - from].log,
                               s);
                        return false;
                }
        }
        return true;
}

static void test_rotation(void)
{
        _cleanup_free_ char *p = path_of("rot.log"), *p1 = path_of("rot.log.1");
        _cleanup_free_ char *p2 = path_of("rot.log.2"), *p3 = path_of("rot.log.3");
        write_numbered(p, 320, 3, 0, 30);
        ok(exists(p) && exists(p1) && exists(p2) && !exists(p3),
           "max_file 3: rot.log, .1, .2 and no .3");
        ok(size_of(p) <= 320 && size_of(p1) <= 320 && size_of(p2) <= 320,
           "each file at most max_size (%lld %lld %lld)", (long long)size_of(p),
           (long long)size_of(p1), (long long)size_of(p2));
        is_int(count_lines(p) + count_lines(p1) + count_lines(p2), 10, "4 entries a file: 10 kept");

        struct stat st;
        ok(stat(p, &st) == 0 && (st.st_mode & 0777) == 0640, "the new file is 0640 too");

        ents es = {0};
        is_int(read_log(p, 3, NULL, &es), 0, "read the rotated log");
        ok(numbered(&es, 20, 30), "the surviving entries, oldest file first, in order");
        ok(es.n == 10 && strcmp(es.v[1].stream, "stderr") == 0 &&
               es.v[9].time.tv_sec == at(29).tv_sec,
           "streams and times survive rotation");
        ents_free(&es);

        /* An entry larger than max_size still gets written, in a file of its own. */
        berth_jsonlog *l = open_log(p, 320, 3);
        char big[1001];
        memset(big, 'x', 999);
        big[999] = '\n';
        big[1000] = '\0';
        wr(l, "stdout", big, &T0);
        ok(size_of(p) > 320 && count_lines(p) == 1 && count_lines(p1) == 2,
           "a 1000-byte entry is written alone (the old file rotated first)");
        wr(l, "stdout", "after\n", &T0);
        berth_jsonlog_close(l);
        ok(count_lines(p) == 1 && count_lines(p1) == 1 && size_of(p1) > 320,
           "and the next entry starts a new file");
        read_log(p, 3, NULL, &es);
        ok(es.n == 4 && strcmp(es.v[0].log, "line 28\n") == 0 && es.v[2].len == 1000 &&
               strcmp(es.v[3].log, "after\n") == 0,
           "reading gives the older entries, the big one, then the new one");
        ents_free(&es);

        /* max_file 1: the file starts over */
        _cleanup_free_ char *q = path_of("one.log"), *q1 = path_of("one.log.1");
        write_numbered(q, 200, 1, 0, 9);
        ok(exists(q) && !exists(q1) && size_of(q) <= 200, "max_file 1: one file, at most max_size");
        read_log(q, 1, NULL, &es);
        ok(numbered(&es, 8, 9), "max_file 1 keeps only the entries since the last rotation");
        ents_free(&es);
}

static void test_tail_since_until(void)
{
        _cleanup_free_ char *p = path_of("tail.log");
        ents es = {0};
        berth_log_read_opts o = {.tail = -1};
        write_numbered(p, 320, 3, 0, 30); /* line 20..23 in .2, 24..27 in .1, 28, 29 */

        o.tail = 0;
        read_log(p, 3, &o, &es);
        is_int(es.n, 0, "tail 0: nothing");
        ents_free(&es);
        o.tail = 1;
        read_log(p, 3, &o, &es);
        ok(numbered(&es, 29, 30), "tail 1: the last entry");
        ents_free(&es);
        o.tail = 3;
        read_log(p, 3, &o, &es);
        ok(numbered(&es, 27, 30), "tail 3: across the current and the .1 file");
        ents_free(&es);
        o.tail = 7;
        read_log(p, 3, &o, &es);
        ok(numbered(&es, 23, 30), "tail 7: across three files");
        ents_free(&es);
        o.tail = 10;
        read_log(p, 3, &o, &es);
        ok(numbered(&es, 20, 30), "tail 10: exactly all");
        ents_free(&es);
        o.tail = 1000;
        read_log(p, 3, &o, &es);
        ok(numbered(&es, 20, 30), "tail 1000: all there is");
        ents_free(&es);

        o = (berth_log_read_opts){.tail = -1, .has_since = true, .since = at(25)};
        read_log(p, 3, &o, &es);
        ok(numbered(&es, 25, 30), "since: entries at or after");
        ents_free(&es);
        o.since.tv_nsec++;
        read_log(p, 3, &o, &es);
        ok(numbered(&es, 26, 30), "since one nanosecond later leaves that entry out");
        ents_free(&es);
        o = (berth_log_read_opts){.tail = -1, .has_until = true, .until = at(22)};
        read_log(p, 3, &o, &es);
        ok(numbered(&es, 20, 22), "until: entries before");
        ents_free(&es);
        o = (berth_log_read_opts){
            .tail = -1, .has_since = true, .since = at(23), .has_until = true, .until = at(26)};
        read_log(p, 3, &o, &es);
        ok(numbered(&es, 23, 26), "since and until together");
        ents_free(&es);
        o = (berth_log_read_opts){.tail = 3, .has_since = true, .since = at(28)};
        read_log(p, 3, &o, &es);
        ok(numbered(&es, 28, 30), "tail then since, as docker does");
        ents_free(&es);

        o = (berth_log_read_opts){.tail = -1};
        es.stop_after = 3;
        berth_error err = {0};
        is_int(berth_jsonlog_read(p, 3, &o, collect, &es, &err), 7,
               "a non-zero return from fn stops the read and is returned");
        is_int(es.n, 3, "no entry after that");
        ents_free(&es);

        /* tail reads backwards: a 64 GiB hole before the entries is never read */
        _cleanup_free_ char *h = path_of("hole.log"), *src = path_of("hole-src.log");
        write_numbered(src, 0, 1, 0, 3);
        _cleanup_free_ char *s = slurp(src);
        int fd = open(h, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
        off_t hole = (off_t)64 << 30;
        bool made = fd >= 0 && pwrite(fd, s, strlen(s), hole) == (ssize_t)strlen(s);
        if (fd >= 0)
                close(fd);
        double t = now_s();
        o.tail = 2;
        if (made)
                read_log(h, 1, &o, &es);
        t = now_s() - t;
        ok(made && numbered(&es, 1, 3) && t < 2.0,
           "tail 2 of a 64 GiB file takes %.3f s, not a read of the whole", t);
        ents_free(&es);
        unlink(h);
}

static void test_torn(void)
{
        _cleanup_free_ char *p = path_of("torn.log");
        berth_error err = {0};
        ents es = {0};
        write_numbered(p, 0, 1, 0, 2);
        int fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
        const char *junk =
            "not json at all\n{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"garbage\"}\n";
        ok(write(fd, junk, strlen(junk)) > 0, "append a garbage line and one with a bad time");
        close(fd);
        write_numbered(p, 0, 1, 2, 3);
        fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
        const char *torn = "{\"log\":\"torn\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-2";
        (void)!write(fd, torn, strlen(torn));
        close(fd);
        is_int(read_log(p, 1, NULL, &es), 0, "read a log with bad lines and a torn end");
        ok(numbered(&es, 0, 3), "bad lines and the torn last line are skipped");
        ents_free(&es);
        berth_log_read_opts o = {.tail = 2};
        read_log(p, 1, &o, &es);
        ok(numbered(&es, 1, 3), "tail counts entries, not bad lines");
        ents_free(&es);

        /* a whole object without its newline is still torn */
        _cleanup_free_ char *q = path_of("torn2.log");
        const char *nonl =
            "{\"log\":\"a\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-24T10:00:00Z\"}\n"
            "{\"log\":\"b\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-24T10:00:00Z\"}";
        berth_write_file(q, nonl, strlen(nonl), O_CREAT, &err);
        read_log(q, 1, NULL, &es);
        ok(es.n == 1 && strcmp(es.v[0].log, "a\n") == 0, "a last line without newline is skipped");
        ents_free(&es);

        /* a writer opening after a crash ends the torn line so its own stay whole */
        write_numbered(p, 0, 1, 3, 4);
        read_log(p, 1, NULL, &es);
        ok(numbered(&es, 0, 4), "entries written after reopening are read");
        ents_free(&es);
}

static void test_missing_and_bad(void)
{
        _cleanup_free_ char *p = path_of("none.log"), *nodir = path_of("nodir/x.log");
        berth_error err = {0};
        ents es = {0};
        is_int(read_log(p, 3, NULL, &es), 0, "a log that does not exist yet: no error");
        is_int(es.n, 0, "and no entries");
        is_int(read_log(nodir, 3, NULL, &es), 0, "nor when its directory is missing");

        ok(berth_jsonlog_open(p, 0, 0, &err) == NULL && err.code == EINVAL &&
               strstr(err.msg, "max-file 0") != NULL,
           "max_file 0 is refused: %s", err.msg);
        berth_error_clear(&err);
        ok(berth_jsonlog_open(p, -5, 1, &err) == NULL && err.code == EINVAL,
           "a negative max_size is refused: %s", err.msg);
        ok(!exists(p), "and nothing was created");
        berth_error_clear(&err);
        is_int(berth_jsonlog_read(p, 0, NULL, collect, &es, &err), -EINVAL,
               "read with max_file 0 is refused: %s", err.msg);
        berth_log_read_opts o = {.tail = -1, .follow = true};
        berth_error_clear(&err);
        is_int(berth_jsonlog_read(p, 1, &o, collect, &es, &err), -EINVAL,
               "follow without still_running is refused: %s", err.msg);
        berth_error_clear(&err);
        ok(berth_jsonlog_open(nodir, 0, 1, &err) == NULL && err.code == ENOENT &&
               strstr(err.msg, nodir) != NULL,
           "a missing directory: %s", err.msg);

        /* an unwritable directory, as a user who may not write there */
        _cleanup_free_ char *ro = path_of("ro"), *rop = path_of("ro/x.log");
        mkdir(ro, 0755);
        int pfd[2];
        if (pipe(pfd) < 0)
                return;
        pid_t pid = fork();
        if (pid == 0) {
                close(pfd[0]);
                if (geteuid() == 0) {
                        if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
                                _exit(100);
                } else if (chmod(ro, 0555) < 0) {
                        _exit(100);
                }
                berth_error e = {0};
                berth_jsonlog *l = berth_jsonlog_open(rop, 0, 1, &e);
                if (l != NULL)
                        _exit(101);
                (void)!write(pfd[1], e.msg, strlen(e.msg));
                _exit(e.code);
        }
        close(pfd[1]);
        char msg[2048] = "";
        ssize_t n = read(pfd[0], msg, sizeof(msg) - 1);
        if (n > 0)
                msg[n] = '\0';
        close(pfd[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == EACCES,
           "an unwritable directory fails with EACCES (exit %d)", WEXITSTATUS(status));
        _cleanup_free_ char *want = berth_xasprintf("cannot open log file '%s': ", rop);
        like(msg, want, "one clear message naming the file");
}

/* The child of the follow test: appends and rotates while the parent follows. */
static void follower_child(const char *p, int n, int go_fd)
{
        char c;
        (void)!read(go_fd, &c, 1); /* until the parent has read the log's tail */
        berth_jsonlog *l = open_log(p, 1500, 8);
        if (l == NULL)
                _exit(1);
        for (int i = 0; i < n; i++) {
                char s[32];
                snprintf(s, sizeof(s), "msg %03d\n", i);
                if (i % 7 == 3) {
                        /* a line in two writes */
                        berth_jsonlog_write(l, "stderr", s, 4, NULL, &(berth_error){0});
                        usleep(500);
                        berth_jsonlog_write(l, "stderr", s + 4, strlen(s) - 4, NULL,
                                            &(berth_error){0});
                } else {
                        wr(l, "stdout", s, NULL);
                }
                usleep(1000);
        }
        berth_jsonlog_close(l);
        _exit(0);
}

static void test_follow(void)
{
        _cleanup_free_ char *p = path_of("follow.log"), *p7 = path_of("follow.log.7");
        const int N = 500;
        ents es = {.running_calls = -1};

        berth_jsonlog *l = open_log(p, 1500, 8);
        for (int i = 0; i < 5; i++) {
                char s[32];
                snprintf(s, sizeof(s), "pre %d\n", i);
                wr(l, "stdout", s, NULL);
        }
        berth_jsonlog_close(l);

        int go[2];
        if (pipe2(go, O_CLOEXEC) < 0)
                return;
        fflush(stdout);
        es.child = fork();
        if (es.child == 0) {
                close(go[1]);
                follower_child(p, N, go[0]);
        }
        close(go[0]);
        es.go_fd = go[1];
        berth_log_read_opts o = {.tail = 2, .follow = true, .still_running = child_running};
        int r = read_log(p, 8, &o, &es);
        is_int(r, 0, "follow returns 0 once still_running says no");
        ok(es.exited, "the writer had exited");
        ok(exists(p7), "the log rotated while being followed");
        if (es.n != (size_t)N + 2)
                for (size_t i = 0; i < es.n; i++)
                        printf("#   %zu: %s", i, es.v[i].log);
        bool order = es.n == (size_t)N + 2 && strcmp(es.v[0].log, "pre 3\n") == 0 &&
                     strcmp(es.v[1].log, "pre 4\n") == 0;
        for (int i = 0; order && i < N; i++) {
                char s[32];
                snprintf(s, sizeof(s), "msg %03d\n", i);
                if (strcmp(es.v[i + 2].log, s) != 0) {
                        printf("#   entry %d is '%s', want '%s'\n", i + 2, es.v[i + 2].log, s);
                        order = false;
                }
        }
        ok(order, "tail 2 then every new entry exactly once, in order (%zu entries, want %d)", es.n,
           N + 2);
        ents_free(&es);

        /* follow a log that does not exist yet */
        _cleanup_free_ char *q = path_of("later.log");
        es = (ents){.running_calls = -1};
        fflush(stdout);
        es.child = fork();
        if (es.child == 0) {
                usleep(200000);
                write_numbered(q, 0, 1, 0, 3);
                _exit(0);
        }
        o = (berth_log_read_opts){.tail = -1, .follow = true, .still_running = child_running};
        is_int(read_log(q, 1, &o, &es), 0, "follow a log before it exists");
        ok(numbered(&es, 0, 3), "its entries once it appears");
        ents_free(&es);

        /* tail 0: only what comes after */
        es = (ents){.running_calls = 1};
        o.tail = 0;
        is_int(read_log(q, 1, &o, &es), 0, "follow with tail 0");
        is_int(es.n, 0, "shows none of the entries already there");
        ents_free(&es);
        o.tail = -1;

        /* idle: still_running is asked at least every 250 ms */
        es = (ents){.running_calls = 5};
        double t = now_s();
        is_int(read_log(q, 1, &o, &es), 0, "follow an idle log");
        t = now_s() - t;
        double gap = 0;
        for (int i = 1; i < es.calls && i < (int)ARRAY_SIZE(es.call_at); i++)
                if (es.call_at[i] - es.call_at[i - 1] > gap)
                        gap = es.call_at[i] - es.call_at[i - 1];
        ok(es.calls == 6 && gap < 0.45, "asked %d times, at most %.3f s apart", es.calls, gap);
        ok(numbered(&es, 0, 3) && t < 2.5, "returned the entries and stopped after %.2f s", t);
        ents_free(&es);

        /* until in the future: the follow ends when the clock passes it */
        _cleanup_free_ char *nw = path_of("now.log");
        l = open_log(nw, 0, 1);
        wr(l, "stdout", "one\ntwo\nthree\n", NULL);
        berth_jsonlog_close(l);
        es = (ents){.running_calls = 1000};
        clock_gettime(CLOCK_REALTIME, &o.until);
        o.until.tv_sec += 1;
        o.has_until = true;
        t = now_s();
        read_log(nw, 1, &o, &es);
        t = now_s() - t;
        ok(es.n == 3 && t < 3.0, "follow with until stops when until has passed (%.2f s)", t);
        ents_free(&es);
}

int main(void)
{
        char tmpl[] = "/tmp/berth-jsonlog-XXXXXX";
        dir = mkdtemp(tmpl);
        if (dir == NULL || chmod(dir, 0755) < 0) {
                printf("Bail out! cannot make a temp dir\n");
                return 1;
        }

        test_format();
        test_escaping();
        test_partial();
        test_streams();
        test_rotation();
        test_tail_since_until();
        test_torn();
        test_missing_and_bad();
        test_follow();

        berth_error err = {0};
        berth_rm_rf(dir, &err);
        return tap_done();
}
