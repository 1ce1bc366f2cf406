/* SPDX-License-Identifier: Apache-2.0 */
/* `stats`: docker's live table of container resource usage. */
#include "cli.h"
#include "format.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "base/units.h"
#include "engine/stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { S_CONTAINER, S_NAME, S_ID, S_CPU, S_MEMUSAGE, S_MEMPERC, S_NETIO, S_BLOCKIO, S_PIDS, S_N };
static const cli_format_field stats_fields[S_N] = {
    {"Container", "CONTAINER"},
    {"Name", "NAME"},
    {"ID", "CONTAINER ID"},
    {"CPUPerc", "CPU %"},
    {"MemUsage", "MEM USAGE / LIMIT"},
    {"MemPerc", "MEM %"},
    {"NetIO", "NET I/O"},
    {"BlockIO", "BLOCK I/O"},
    {"PIDs", "PIDS"},
};
#define DEFAULT_FORMAT                                                                             \
        "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t"        \
        "{{.BlockIO}}\t{{.PIDs}}"

/* One container followed: what the user named it (or its id), its last sample. */
typedef struct {
        char *key;
        bool have, valid;
        berth_container_stats prev, cur;
} target;

typedef struct {
        target *v;
        size_t n;
} targets;

static void targets_free(targets *t)
{
        for (size_t i = 0; i < t->n; i++) {
                free(t->v[i].key);
                berth_container_stats_clear(&t->v[i].prev);
                berth_container_stats_clear(&t->v[i].cur);
        }
        free(t->v);
        *t = (targets){0};
}

static target *targets_find(targets *t, const char *key)
{
        for (size_t i = 0; i < t->n; i++)
                if (strcmp(t->v[i].key, key) == 0)
                        return &t->v[i];
        return NULL;
}

static target *targets_add(targets *t, const char *key)
{
        target *x = targets_find(t, key);
        if (x)
                return x;
        t->v = berth_xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
        x = &t->v[t->n++];
        *x = (target){.key = berth_xstrdup(key)};
        return x;
}

/* Without names: the running containers (every one with -a), newest first; the samples of
 * those still there are kept, the others dropped. */
static int refresh_list(berth_engine *e, bool all, targets *t, berth_error *err)
{
        berth_container *v = NULL;
        size_t n = 0;
        if (berth_engine_list(e, &v, &n, err) < 0)
                return -1;
        targets next = {0};
        for (size_t i = 0; i < n; i++) {
                if (!all && !berth_state_live(v[i].state))
                        continue;
                target *old = targets_find(t, v[i].id);
                target *x = targets_add(&next, v[i].id);
                if (old) {
                        x->have = old->have;
                        x->valid = old->valid;
                        x->prev = old->prev;
                        x->cur = old->cur;
                        old->prev = old->cur = (berth_container_stats){0};
                }
        }
        berth_containers_free(v, n);
        targets_free(t);
        *t = next;
        return 0;
}

/* A new sample for each; the last one becomes prev. A container that cannot be read (gone)
 * is marked invalid; in the first round that is an error, said here (docker says every one
 * before it shows anything). */
static int sample(berth_engine *e, targets *t, bool first)
{
        int rc = 0;
        for (size_t i = 0; i < t->n; i++) {
                target *x = &t->v[i];
                berth_container_stats s;
                berth_error err = {0};
                if (berth_engine_stats(e, x->key, &s, &err) < 0) {
                        if (first) {
                                fprintf(stderr, "berth: %s\n", err.msg);
                                rc = -1;
                        }
                        x->valid = false;
                        continue;
                }
                berth_container_stats_clear(&x->prev);
                x->prev = x->cur;
                x->cur = s;
                x->have = true;
                x->valid = true;
        }
        return rc;
}

/* The row of one target, as docker's stats formatter prints it. */
static void row_values(const target *x, bool no_trunc, char vals[S_N][160])
{
        const berth_container_stats *c = &x->cur, *p = &x->prev;
        snprintf(vals[S_CONTAINER], 160, "%s", x->key);
        snprintf(vals[S_NAME], 160, "%s", c->name && *c->name ? c->name : "--");
        snprintf(vals[S_ID], 160, "%.*s", no_trunc ? 64 : 12, c->id ? c->id : "");
        if (!x->valid) {
                snprintf(vals[S_CPU], 160, "--");
                snprintf(vals[S_MEMUSAGE], 160, "-- / --");
                snprintf(vals[S_MEMPERC], 160, "--");
                snprintf(vals[S_NETIO], 160, "--");
                snprintf(vals[S_BLOCKIO], 160, "--");
                snprintf(vals[S_PIDS], 160, "--");
                return;
        }
        double cpu = 0.0;
        if (p->running && c->running)
                cpu = berth_stats_cpu_percent(p->cpu_usage_ns, c->cpu_usage_ns, p->system_cpu_ns,
                                              c->system_cpu_ns, c->online_cpus);
        uint64_t used = berth_stats_mem_used(c->mem_usage, c->mem_inactive_file);
        char a[32], b[32];
        snprintf(vals[S_CPU], 160, "%.2f%%", cpu);
        berth_bytes_size((double)used, a, sizeof(a));
        berth_bytes_size((double)c->mem_limit, b, sizeof(b));
        snprintf(vals[S_MEMUSAGE], 160, "%s / %s", a, b);
        snprintf(vals[S_MEMPERC], 160, "%.2f%%", berth_stats_mem_percent(used, c->mem_limit));
        berth_human_size_prec((double)c->net_rx, 3, a, sizeof(a));
        berth_human_size_prec((double)c->net_tx, 3, b, sizeof(b));
        snprintf(vals[S_NETIO], 160, "%s / %s", a, b);
        berth_human_size_prec((double)c->blk_read, 3, a, sizeof(a));
        berth_human_size_prec((double)c->blk_write, 3, b, sizeof(b));
        snprintf(vals[S_BLOCKIO], 160, "%s / %s", a, b);
        snprintf(vals[S_PIDS], 160, "%llu", (unsigned long long)c->pids);
}

/* The whole output of one round, as text. */
static char *render(const targets *t, const char *format, bool no_trunc, bool named)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (f == NULL)
                abort();
        cli_table *tab = NULL;
        if (cli_format_is_table(format)) {
                _cleanup_free_ char *h = cli_format_header(format, stats_fields, S_N);
                tab = cli_table_from_line(h);
        }
        for (size_t i = 0; i < t->n; i++) {
                /* a named container that went away shows "--"; a listed one is dropped */
                if (!t->v[i].valid && (!named || !t->v[i].have))
                        continue;
                char vals[S_N][160];
                row_values(&t->v[i], no_trunc, vals);
                const char *pv[S_N];
                for (int k = 0; k < S_N; k++)
                        pv[k] = vals[k];
                _cleanup_free_ char *line = cli_format_row(format, stats_fields, pv, S_N);
                if (tab)
                        cli_table_add_line(tab, line);
                else
                        fprintf(f, "%s\n", line);
        }
        if (tab)
                cli_table_fprint(tab, f);
        cli_table_free(tab);
        fclose(f);
        return text;
}

/* On a terminal: back to the top-left, each line erased to its end, the rest of the screen
 * cleared, in one write (as docker redraws). */
static void show(const char *text, bool tty)
{
        if (!tty) {
                fputs(text, stdout);
                fflush(stdout);
                return;
        }
        char *frame = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&frame, &len);
        if (f == NULL)
                abort();
        fputs("\033[H", f);
        for (const char *l = text; *l;) {
                const char *nl = strchr(l, '\n');
                size_t n = nl ? (size_t)(nl - l) : strlen(l);
                fprintf(f, "%.*s\033[K\n", (int)n, l);
                l += n + (nl ? 1 : 0);
        }
        fputs("\033[J", f);
        fclose(f);
        fwrite(frame, 1, len, stdout);
        fflush(stdout);
        free(frame);
}

static void pause_1s(void)
{
        struct timespec ts = {1, 0};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void stats_usage(FILE *f)
{
        fprintf(f, "Usage:  berth stats [OPTIONS] [CONTAINER...]\n\n"
                   "Display a live stream of container(s) resource usage statistics\n\n"
                   "Aliases:\n  berth container stats, berth stats\n\n"
                   "Options:\n"
                   "  -a, --all             Show all containers (default shows just running)\n"
                   "      --format string   Format output using a custom template:\n"
                   "                        'table':            Print output in table format "
                   "with column headers (default)\n"
                   "                        'table TEMPLATE':   Print output in table format "
                   "using the given Go template\n"
                   "                        'json':             Print in JSON format\n"
                   "                        'TEMPLATE':         Print output using the given Go "
                   "template.\n"
                   "      --no-stream       Disable streaming stats and only pull the first "
                   "result\n"
                   "      --no-trunc        Do not truncate output\n");
}

int cmd_stats(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"all", no_argument, NULL, 'a'},      {"no-stream", no_argument, NULL, 'S'},
            {"no-trunc", no_argument, NULL, 'T'}, {"format", required_argument, NULL, 'F'},
            {"help", no_argument, NULL, 'h'},     {0},
        };
        bool all = false, no_stream = false, no_trunc = false;
        const char *format = NULL;
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":ah", opts, NULL)) != -1) {
                switch (c) {
                case 'a':
                        all = true;
                        break;
                case 'S':
                        no_stream = true;
                        break;
                case 'T':
                        no_trunc = true;
                        break;
                case 'F':
                        format = optarg;
                        break;
                case 'h':
                        stats_usage(stdout);
                        return 0;
                default:
                        return cli_bad_flag("stats", argv, c);
                }
        }
        if (format == NULL || *format == '\0' || strcmp(format, "table") == 0)
                format = DEFAULT_FORMAT;
        else if (strcmp(format, "json") == 0)
                format = "{{json .}}";
        char msg[256];
        if (cli_format_check(format, stats_fields, S_N, msg, sizeof(msg)) < 0)
                return cli_usage("stats", "%s", msg);
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL)
                return cli_error(&err);
        bool named = optind < argc;
        targets t = {0};
        for (int i = optind; i < argc; i++)
                targets_add(&t, argv[i]);
        if (!named && refresh_list(e, all, &t, &err) < 0) {
                targets_free(&t);
                return cli_error(&err);
        }
        /* the first sample: a missing container is an error before anything prints */
        if (sample(e, &t, true) < 0) {
                targets_free(&t);
                return 1;
        }
        bool tty = isatty(STDOUT_FILENO);
        for (;;) {
                pause_1s();
                if (!named && refresh_list(e, all, &t, &err) < 0) {
                        targets_free(&t);
                        return cli_error(&err);
                }
                (void)sample(e, &t, false);
                _cleanup_free_ char *text = render(&t, format, no_trunc, named);
                show(text, tty && !no_stream);
                if (no_stream)
                        break;
        }
        targets_free(&t);
        return 0;
}
