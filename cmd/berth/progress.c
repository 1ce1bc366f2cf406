/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pull and push progress as docker prints it. On a terminal every id (a
 * layer, the tag) keeps one line, redrawn in place as its state changes,
 * with a bar for the byte counts; elsewhere each state change is one plain
 * line and the byte counts are left out.
 */
#include "progress.h"
#include "base/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cli_progress {
        FILE *out;
        bool tty, quiet;
        char **ids; /* the lines drawn so far, by id, top to bottom */
        size_t n;
};

cli_progress *cli_progress_new(FILE *out, bool quiet)
{
        cli_progress *p = berth_xmalloc0(sizeof(*p));
        p->out = out;
        p->quiet = quiet;
        p->tty = isatty(fileno(out)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
        return p;
}

static void reset(cli_progress *p);

void cli_progress_free(cli_progress *p)
{
        if (p == NULL)
                return;
        reset(p);
        free(p->ids);
        free(p);
}

/* Decimal units with 3 significant digits, as docker shows sizes: "1.23MB", "512B". */
static void human(int64_t n, char *buf, size_t size)
{
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
        double v = (double)n;
        size_t u = 0;
        while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
                v /= 1000;
                u++;
        }
        snprintf(buf, size, "%.3g%s", v, units[u]);
}

/* "[=====>      ]  1.2MB/5.6MB", or "" when there is nothing to count. */
static void bar(const berth_progress_event *ev, char *buf, size_t size)
{
        char cur[32], tot[32];
        buf[0] = '\0';
        if (ev->current <= 0 && ev->total <= 0)
                return;
        human(ev->current, cur, sizeof(cur));
        if (ev->total <= 0) {
                snprintf(buf, size, "%8s", cur);
                return;
        }
        human(ev->total, tot, sizeof(tot));
        int width = 50;
        int64_t cur_clamped = ev->current > ev->total ? ev->total : ev->current;
        int filled = (int)(cur_clamped * width / ev->total);
        char b[64];
        int k = 0;
        b[k++] = '[';
        for (int i = 0; i < width; i++)
                b[k++] = i < filled ? '=' : i == filled ? '>' : ' ';
        b[k++] = ']';
        b[k] = '\0';
        snprintf(buf, size, "%s %8s/%s", b, cur, tot);
}

static void push_id(cli_progress *p, const char *id)
{
        p->ids = berth_xrealloc(p->ids, (p->n + 1) * sizeof(*p->ids));
        p->ids[p->n++] = berth_xstrdup(id);
}

static void reset(cli_progress *p)
{
        for (size_t i = 0; i < p->n; i++)
                free(p->ids[i]);
        p->n = 0;
}

static bool is_counting(const berth_progress_event *ev)
{
        return ev->total > 0 &&
               (strcmp(ev->status, "Downloading") == 0 || strcmp(ev->status, "Pushing") == 0 ||
                strcmp(ev->status, "Extracting") == 0);
}

void cli_progress_event(const berth_progress_event *ev, void *userdata)
{
        cli_progress *p = userdata;
        if (p->quiet)
                return;
        if (ev->id == NULL || ev->id[0] == '\0') {
                fprintf(p->out, "%s\n", ev->status);
                fflush(p->out);
                if (p->tty) /* a line that no id names, but that counts when moving up */
                        push_id(p, "");
                return;
        }
        if (berth_str_has_prefix(ev->status, "Pulling from"))
                reset(p); /* the next image (--all-tags): its layers get lines of their own */
        if (!p->tty) {
                if (!is_counting(ev))
                        fprintf(p->out, "%s: %s\n", ev->id, ev->status);
                fflush(p->out);
                return;
        }
        char b[160] = "";
        if (is_counting(ev))
                bar(ev, b, sizeof(b));
        size_t i = 0;
        while (i < p->n && strcmp(p->ids[i], ev->id) != 0)
                i++;
        if (i == p->n) {
                push_id(p, ev->id);
                fprintf(p->out, "%s: %s%s%s\n", ev->id, ev->status, *b ? " " : "", b);
        } else {
                size_t up = p->n - i;
                /* up to the id's line, clear it, redraw, and back down */
                fprintf(p->out, "\033[%zuA\r\033[2K%s: %s%s%s\r\033[%zuB", up, ev->id, ev->status,
                        *b ? " " : "", b, up);
        }
        fflush(p->out);
}
