/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"
#include "base/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cli_table {
        size_t ncols, nrows;
        size_t min_width; /* 10 as docker's formatter; `top` uses 20 */
        char **cells;     /* nrows × ncols */
};

cli_table *cli_table_new(size_t ncols)
{
        cli_table *t = berth_xmalloc0(sizeof(*t));
        t->ncols = ncols;
        t->min_width = 10;
        return t;
}

void cli_table_row(cli_table *t, const char *const *cells)
{
        t->cells = berth_xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
        for (size_t c = 0; c < t->ncols; c++)
                t->cells[t->nrows * t->ncols + c] = berth_xstrdup(cells[c] ? cells[c] : "");
        t->nrows++;
}

void cli_table_row_strv(cli_table *t, char **cells)
{
        const char **row = berth_xmalloc0(t->ncols * sizeof(char *));
        for (size_t c = 0, done = 0; c < t->ncols; c++) {
                if (!done && cells && cells[c])
                        row[c] = cells[c];
                else
                        done = 1;
        }
        cli_table_row(t, row);
        free(row);
}

void cli_table_set_min_width(cli_table *t, size_t width)
{
        t->min_width = width;
}

void cli_table_print(cli_table *t)
{
        cli_table_fprint(t, stdout);
}

void cli_table_fprint(cli_table *t, FILE *f)
{
        size_t *w = berth_xmalloc0(t->ncols * sizeof(size_t));
        for (size_t r = 0; r < t->nrows; r++)
                for (size_t c = 0; c < t->ncols; c++) {
                        size_t len = strlen(t->cells[r * t->ncols + c]) + 3;
                        if (len > w[c])
                                w[c] = len;
                }
        for (size_t c = 0; c < t->ncols; c++)
                if (w[c] < t->min_width)
                        w[c] = t->min_width;
        for (size_t r = 0; r < t->nrows; r++) {
                for (size_t c = 0; c < t->ncols; c++) {
                        const char *s = t->cells[r * t->ncols + c];
                        if (c + 1 < t->ncols)
                                fprintf(f, "%-*s", (int)w[c], s);
                        else
                                fprintf(f, "%s\n", s);
                }
        }
        free(w);
}

void cli_table_free(cli_table *t)
{
        if (t == NULL)
                return;
        for (size_t i = 0; i < t->nrows * t->ncols; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
}

/* Tab-separated cells, empty ones kept (a column left empty stays in its place). */
static char **split_tabs(const char *line)
{
        char **cells = berth_xmalloc0(sizeof(char *));
        for (const char *p = line;;) {
                size_t n = strcspn(p, "\t");
                char *cell = strndup(p, n);
                berth_strv_push(&cells, cell);
                free(cell);
                if (p[n] == '\0')
                        break;
                p += n + 1;
        }
        return cells;
}

cli_table *cli_table_from_line(const char *line)
{
        _cleanup_strv_ char **cells = split_tabs(line);
        cli_table *t = cli_table_new(berth_strv_length(cells));
        cli_table_row_strv(t, cells);
        return t;
}

void cli_table_add_line(cli_table *t, const char *line)
{
        _cleanup_strv_ char **cells = split_tabs(line);
        cli_table_row_strv(t, cells);
}
