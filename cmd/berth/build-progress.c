/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `build` on a terminal: the legacy builder's lines (what berth_build()
 * writes, and what the API streams) read from a pipe and drawn as a compact
 * view that is redrawn in place — a header with the elapsed time and the
 * steps done, one line per step (CACHED, its time), and the last lines of
 * the running step's output under it.
 */
#include "build-progress.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TAIL_LINES 6
#define REDRAW_MS  100

typedef struct {
        char *text; /* "RUN make" */
        unsigned no, total;
        double start, end; /* end 0: running */
        bool cached;
} step;

struct cli_build_progress {
        FILE *out;
        int rfd, wfd;
        pthread_t thread;
        step *steps;
        size_t n;
        char *tail[TAIL_LINES]; /* the running step's last lines, oldest first */
        size_t n_tail;
        char **notes; /* other lines: warnings, triggers */
        size_t drawn; /* lines of the last drawing, to move up over */
        double t0;
        int width;
};

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void tail_clear(cli_build_progress *p)
{
        for (size_t i = 0; i < p->n_tail; i++)
                free(p->tail[i]);
        p->n_tail = 0;
}

static void tail_push(cli_build_progress *p, const char *line)
{
        if (p->n_tail == TAIL_LINES) {
                free(p->tail[0]);
                memmove(p->tail, p->tail + 1, (TAIL_LINES - 1) * sizeof(char *));
                p->n_tail--;
        }
        p->tail[p->n_tail++] = berth_xstrdup(line);
}

static step *current(cli_build_progress *p)
{
        return p->n ? &p->steps[p->n - 1] : NULL;
}

static void finish_current(cli_build_progress *p)
{
        step *s = current(p);
        if (s && s->end == 0)
                s->end = now();
}

/* One line of the legacy output into the view's state. */
static void feed(cli_build_progress *p, const char *line)
{
        unsigned no, total;
        int off = 0;
        if (sscanf(line, "Step %u/%u : %n", &no, &total, &off) == 2 && off > 0) {
                finish_current(p);
                tail_clear(p);
                p->steps = berth_xrealloc(p->steps, (p->n + 1) * sizeof(*p->steps));
                p->steps[p->n++] = (step){
                    .text = berth_xstrdup(line + off), .no = no, .total = total, .start = now()};
                return;
        }
        step *s = current(p);
        if (strcmp(line, " ---> Using cache") == 0) {
                if (s)
                        s->cached = true;
                return;
        }
        if (strncmp(line, " ---> ", 6) == 0) {
                finish_current(p);
                tail_clear(p);
                return;
        }
        if (line[0] == '[' || line[0] == '#') {
                berth_strv_push(&p->notes, line);
                return;
        }
        tail_push(p, line);
}

/* Cut s to the terminal's width (bytes; good enough for a progress line). */
static void put_line(cli_build_progress *p, const char *s)
{
        int w = p->width > 8 ? p->width - 1 : 79;
        fprintf(p->out, "\033[2K%.*s\n", w, s);
}

static void draw(cli_build_progress *p, bool final)
{
        if (p->drawn)
                fprintf(p->out, "\033[%zuA", p->drawn);
        size_t lines = 0;
        unsigned total = p->n ? p->steps[p->n - 1].total : 0, done = 0;
        for (size_t i = 0; i < p->n; i++)
                done += p->steps[i].end != 0;
        _cleanup_free_ char *head = berth_xasprintf("[+] Building %.1fs (%u/%u)%s", now() - p->t0,
                                                    done, total, final ? " FINISHED" : "");
        put_line(p, head);
        lines++;
        for (size_t i = 0; i < p->n; i++) {
                step *s = &p->steps[i];
                double t = (s->end ? s->end : now()) - s->start;
                _cleanup_free_ char *l = berth_xasprintf(
                    " => %s[%u/%u] %s", s->cached ? "CACHED " : "", s->no, s->total, s->text);
                int w = p->width > 20 ? p->width - 10 : 70;
                _cleanup_free_ char *row = berth_xasprintf("%-*.*s %5.1fs", w, w, l, t);
                put_line(p, row);
                lines++;
        }
        if (!final)
                for (size_t i = 0; i < p->n_tail; i++) {
                        _cleanup_free_ char *l = berth_xasprintf(" => => # %s", p->tail[i]);
                        put_line(p, l);
                        lines++;
                }
        STRV_FOREACH (n, p->notes) {
                put_line(p, *n);
                lines++;
        }
        /* what the last drawing had beyond this one is cleared */
        fputs("\033[J", p->out);
        fflush(p->out);
        p->drawn = lines;
}

static void *run(void *arg)
{
        cli_build_progress *p = arg;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        double last = 0;
        for (;;) {
                struct pollfd pfd = {.fd = p->rfd, .events = POLLIN};
                int pr = poll(&pfd, 1, REDRAW_MS);
                if (pr < 0 && errno != EINTR)
                        break;
                if (pr > 0) {
                        if (cap - len < 4096) {
                                cap = cap ? cap * 2 : 8192;
                                buf = berth_xrealloc(buf, cap);
                        }
                        ssize_t n = read(p->rfd, buf + len, cap - len - 1);
                        if (n <= 0)
                                break;
                        len += (size_t)n;
                        char *nl;
                        while ((nl = memchr(buf, '\n', len)) != NULL) {
                                *nl = '\0';
                                feed(p, buf);
                                size_t used = (size_t)(nl - buf) + 1;
                                memmove(buf, buf + used, len - used);
                                len -= used;
                        }
                }
                if (now() - last >= REDRAW_MS / 1000.0) {
                        draw(p, false);
                        last = now();
                }
        }
        if (len) {
                buf[len] = '\0';
                feed(p, buf);
        }
        finish_current(p);
        return NULL;
}

bool cli_build_progress_wanted(FILE *out)
{
        const char *term = getenv("TERM");
        return isatty(fileno(out)) && term && strcmp(term, "dumb") != 0;
}

cli_build_progress *cli_build_progress_start(FILE *out, int *ret_fd)
{
        int p2[2];
        if (pipe2(p2, O_CLOEXEC) < 0)
                return NULL;
        cli_build_progress *p = berth_xmalloc0(sizeof(*p));
        p->out = out;
        p->rfd = p2[0];
        p->wfd = p2[1];
        p->t0 = now();
        const char *cols = getenv("COLUMNS");
        p->width = cols ? atoi(cols) : 0;
        if (p->width <= 0) {
                FILE *f = popen("tput cols 2>/dev/null", "r");
                if (f) {
                        if (fscanf(f, "%d", &p->width) != 1)
                                p->width = 80;
                        pclose(f);
                }
        }
        if (pthread_create(&p->thread, NULL, run, p) != 0) {
                close(p->rfd);
                close(p->wfd);
                free(p);
                return NULL;
        }
        *ret_fd = p->wfd;
        return p;
}

void cli_build_progress_finish(cli_build_progress *p, bool failed)
{
        if (p == NULL)
                return;
        close(p->wfd);
        pthread_join(p->thread, NULL);
        close(p->rfd);
        draw(p, !failed);
        if (failed && p->n_tail) {
                /* the failing step's last lines stay on screen above the error */
                for (size_t i = 0; i < p->n_tail; i++)
                        fprintf(p->out, " => => # %s\n", p->tail[i]);
                fflush(p->out);
        }
        for (size_t i = 0; i < p->n; i++)
                free(p->steps[i].text);
        free(p->steps);
        tail_clear(p);
        berth_strv_free(p->notes);
        free(p);
}
