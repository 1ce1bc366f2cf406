/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Dockerfile parser's first pass, as BuildKit's frontend/dockerfile/
 * parser: lines, parser directives, comments, line continuations with the
 * escape character, heredoc bodies, and each instruction's form (exec or
 * shell, words, ENV/LABEL pairs). Then the second pass (dockerfile-instr.c)
 * checks each instruction and the stages are made.
 */
#include "dockerfile-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct df_parser {
        const char *data;
        size_t len, pos;
        unsigned lineno;
        char escape;
        bool dir_done, seen_syntax, seen_escape, seen_check;
        char *syntax;
        berth_dockerfile_instr *instrs;
        size_t n_instrs, cap_instrs;
        char **warnings;
        df_buf msg;
        unsigned err_line, err_col;
};

static int parse_error(df_parser *p, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int parse_error(df_parser *p, unsigned line, unsigned col, const char *fmt, ...)
{
        char m[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m, sizeof(m), fmt, ap);
        va_end(ap);
        p->msg.len = 0;
        df_buf_adds(&p->msg, m);
        p->err_line = line;
        p->err_col = col;
        return -1;
}

/* An error whose text is already in p->msg. */
static int parse_error_msg(df_parser *p, unsigned line, unsigned col)
{
        p->err_line = line;
        p->err_col = col;
        return -1;
}

/* The next physical line, with its newline; false at the end. */
static int next_line(df_parser *p, const char **ret, size_t *ret_n)
{
        if (p->pos >= p->len)
                return 0;
        const char *s = p->data + p->pos;
        const char *nl = memchr(s, '\n', p->len - p->pos);
        size_t n = nl ? (size_t)(nl - s) + 1 : p->len - p->pos;
        p->lineno++;
        if (n > BERTH_DOCKERFILE_MAX_LINE)
                return parse_error(p, p->lineno, 1,
                                   "dockerfile line greater than max allowed size of %u",
                                   BERTH_DOCKERFILE_MAX_LINE);
        const char *nul = memchr(s, '\0', n);
        if (nul)
                return parse_error(p, p->lineno, 1 + (unsigned)(nul - s),
                                   "unexpected NUL byte: the file is not text (UTF-16?)");
        p->pos += n;
        if (p->lineno == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
                s += 3; /* byte order mark */
                n -= 3;
        }
        *ret = s;
        *ret_n = n;
        return 1;
}

static void trim_newline(const char *s, size_t *n)
{
        while (*n > 0 && (s[*n - 1] == '\n' || s[*n - 1] == '\r'))
                (*n)--;
}

static size_t trim_left_space(const char **s, size_t *n)
{
        size_t l, total = 0;
        while (*n > 0 && (l = df_space_len(*s, *n)) > 0) {
                *s += l;
                *n -= l;
                total += l;
        }
        return total;
}

static bool is_comment(const char *s, size_t n)
{
        trim_left_space(&s, &n);
        return n > 0 && s[0] == '#';
}

/*
 * "# key=value" before anything else: syntax, escape, check (case-insensitive
 * keys). The first line that is not one ends the directives for good.
 * 1 when the line was a directive, 0 when not, -1 on error.
 */
static int parser_directive(df_parser *p, const char *s, size_t n)
{
        if (p->dir_done)
                return 0;
        if (n == 0 || s[0] != '#')
                goto done;
        s++, n--;
        trim_left_space(&s, &n);
        size_t k = 0;
        if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
                goto done;
        while (k < n && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
                         (s[k] >= '0' && s[k] <= '9')))
                k++;
        size_t j = k;
        while (j < n && df_is_re_space(s[j]))
                j++;
        if (j >= n || s[j] != '=')
                goto done;
        const char *v = s + j + 1;
        size_t vn = n - j - 1;
        if (vn == 0)
                goto done;
        /* \s*(.+?)\s*$ */
        size_t a = 0, b = vn;
        while (a < vn && df_is_re_space(v[a]))
                a++;
        while (b > a && df_is_re_space(v[b - 1]))
                b--;
        if (a == b)
                a = vn - 1, b = vn; /* all blank: the lazy group still takes one */

        char key[16];
        if (k >= sizeof(key))
                goto done;
        for (size_t i = 0; i < k; i++)
                key[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
        key[k] = '\0';
        bool *seen;
        if (strcmp(key, "syntax") == 0)
                seen = &p->seen_syntax;
        else if (strcmp(key, "escape") == 0)
                seen = &p->seen_escape;
        else if (strcmp(key, "check") == 0)
                seen = &p->seen_check;
        else
                goto done;
        if (*seen)
                return parse_error(p, p->lineno, 1, "only one %s parser directive can be used",
                                   key);
        *seen = true;
        if (strcmp(key, "escape") == 0) {
                if (b - a != 1 || (v[a] != '\\' && v[a] != '`')) {
                        df_buf q = {0};
                        df_buf_add(&q, v + a, b - a > 64 ? 64 : b - a);
                        parse_error(p, p->lineno, 1,
                                    "invalid escape token '%s' does not match ` or \\", q.s);
                        df_buf_free(&q);
                        return -1;
                }
                p->escape = v[a];
        } else if (strcmp(key, "syntax") == 0) {
                p->syntax = df_strndup(v + a, b - a);
        }
        return 1;
done:
        p->dir_done = true;
        return 0;
}

/* The escape character as the last non-blank character continues the line,
 * unless an escape precedes it (BuildKit's regular expression: "foo \\\" does
 * not continue). True when it ends the instruction. */
static bool trim_continuation(const df_parser *p, const char *s, size_t *n)
{
        size_t k = *n;
        while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
                k--;
        if (k == 0 || s[k - 1] != p->escape)
                return true;
        if (k >= 2 && s[k - 2] == p->escape)
                return true;
        *n = k - 1;
        return false;
}

static void push_str(char ***v, size_t *n, char *s)
{
        *v = df_grow(*v, *n ? *n + 1 : 0, *n + 2, sizeof(char *));
        (*v)[(*n)++] = s;
        (*v)[*n] = NULL;
}

/* BuildKit's extractBuilderFlags: leading "--words" (quotes and escapes
 * processed) up to the first other word; "--" alone ends them. */
static void extract_flags(const df_parser *p, const char *s, size_t n, berth_dockerfile_instr *in,
                          size_t *ret_rest)
{
        enum { SPACES, WORD, QUOTE } phase = SPACES;
        df_buf w = {0};
        bool blank_ok = false;
        char quote = 0;
        size_t pos;

        for (pos = 0; pos <= n; pos++) {
                char c = pos < n ? s[pos] : 0;
                bool space =
                    c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
                if (phase == SPACES) {
                        if (pos == n)
                                break;
                        if (space)
                                continue;
                        if (c != '-' || pos + 1 == n || s[pos + 1] != '-')
                                goto out;
                        phase = WORD;
                }
                if (pos == n) {
                        if (!(w.len == 2 && memcmp(w.s, "--", 2) == 0) && (blank_ok || w.len > 0))
                                goto push_last;
                        break;
                }
                if (phase == WORD) {
                        if (space) {
                                phase = SPACES;
                                if (w.len == 2 && memcmp(w.s, "--", 2) == 0)
                                        goto out;
                                if (blank_ok || w.len > 0) {
                                        in->flags = df_grow(in->flags, in->n_flags, in->n_flags + 1,
                                                            sizeof(*in->flags));
                                        in->flags[in->n_flags++] =
                                            (berth_dockerfile_flag){.name = df_buf_take(&w)};
                                }
                                w.len = 0;
                                blank_ok = false;
                                continue;
                        }
                        if (c == '\'' || c == '"') {
                                quote = c;
                                blank_ok = true;
                                phase = QUOTE;
                                continue;
                        }
                        if (c == p->escape) {
                                if (pos + 1 == n)
                                        continue;
                                c = s[++pos];
                        }
                        df_buf_addc(&w, c);
                        continue;
                }
                /* QUOTE */
                if (c == quote) {
                        phase = WORD;
                        continue;
                }
                if (c == p->escape) {
                        if (pos + 1 == n) {
                                phase = WORD;
                                continue;
                        }
                        c = s[++pos];
                }
                df_buf_addc(&w, c);
        }
        pos = n;
        goto out;
push_last:
        in->flags = df_grow(in->flags, in->n_flags, in->n_flags + 1, sizeof(*in->flags));
        in->flags[in->n_flags++] = (berth_dockerfile_flag){.name = df_buf_take(&w)};
        pos = n;
out:
        df_buf_free(&w);
        *ret_rest = pos > n ? n : pos;
}

/* BuildKit's parseWords: words split on spaces, quotes and escapes kept. */
static char **parse_words(const df_parser *p, const char *s, size_t n, size_t *ret_n)
{
        enum { SPACES, WORD, QUOTE } phase = SPACES;
        df_buf w = {0};
        char **v = NULL;
        size_t nv = 0;
        bool blank_ok = false;
        char quote = 0;

        for (size_t pos = 0; pos <= n;) {
                size_t cl = pos < n ? df_rune_len(s + pos, n - pos) : 0;
                char c = pos < n ? s[pos] : 0;
                if (phase == SPACES) {
                        if (pos == n)
                                break;
                        if (df_space_len(s + pos, n - pos) > 0) {
                                pos += cl;
                                continue;
                        }
                        phase = WORD;
                }
                if (pos == n) {
                        if (blank_ok || w.len > 0)
                                push_str(&v, &nv, df_buf_take(&w));
                        break;
                }
                if (phase == WORD) {
                        if (df_space_len(s + pos, n - pos) > 0) {
                                phase = SPACES;
                                if (blank_ok || w.len > 0)
                                        push_str(&v, &nv, df_buf_take(&w));
                                w.len = 0;
                                blank_ok = false;
                                pos += cl;
                                continue;
                        }
                        if (c == '\'' || c == '"') {
                                quote = c;
                                blank_ok = true;
                                phase = QUOTE;
                        }
                        if (c == p->escape) {
                                if (pos + cl == n) {
                                        pos += cl;
                                        continue; /* an escape at the end is dropped */
                                }
                                /* escape and character both stay */
                                df_buf_add(&w, s + pos, cl);
                                pos += cl;
                                cl = df_rune_len(s + pos, n - pos);
                        }
                        df_buf_add(&w, s + pos, cl);
                        pos += cl;
                        continue;
                }
                /* QUOTE */
                if (c == quote)
                        phase = WORD;
                if (c == p->escape && quote != '\'') {
                        if (pos + cl == n) {
                                phase = WORD;
                                pos += cl;
                                continue;
                        }
                        df_buf_add(&w, s + pos, cl);
                        pos += cl;
                        cl = df_rune_len(s + pos, n - pos);
                }
                df_buf_add(&w, s + pos, cl);
                pos += cl;
        }
        df_buf_free(&w);
        *ret_n = nv;
        return v;
}

/* Whitespace-separated ([\t\v\f\r ]+) words of s. */
static void split_ws(const char *s, size_t n, size_t max, char ***v, size_t *nv)
{
        size_t i = 0;
        while (i <= n) {
                size_t j = i;
                if (max && *nv + 1 == max) {
                        j = n;
                } else {
                        while (j < n && !df_is_hspace(s[j]))
                                j++;
                }
                push_str(v, nv, df_strndup(s + i, j - i));
                if (j >= n)
                        break;
                while (j < n && df_is_hspace(s[j]))
                        j++;
                i = j;
        }
}

/* 1: a JSON array of strings; 0: not JSON (shell form); -1: JSON, not strings. */
static int parse_json(df_parser *p, const char *s, size_t n, berth_dockerfile_instr *in)
{
        trim_left_space(&s, &n);
        if (n == 0 || s[0] != '[')
                return 0;
        json_error_t jerr;
        json_t *j = json_loadb(s, n, JSON_ALLOW_NUL, &jerr);
        if (j == NULL || !json_is_array(j)) {
                json_decref(j);
                return 0;
        }
        size_t i;
        json_t *e;
        char **v = NULL;
        size_t nv = 0;
        json_array_foreach (j, i, e) {
                if (!json_is_string(e)) {
                        berth_strv_free(v);
                        json_decref(j);
                        df_buf_adds(&p->msg, "when using JSON array syntax, arrays must be "
                                             "comprised of strings only");
                        return -1;
                }
                if (strlen(json_string_value(e)) != json_string_length(e)) {
                        berth_strv_free(v);
                        json_decref(j);
                        df_buf_adds(&p->msg, "when using JSON array syntax, strings must not "
                                             "contain NUL characters");
                        return -1;
                }
                push_str(&v, &nv, berth_xstrdup(json_string_value(e)));
        }
        json_decref(j);
        if (v == NULL)
                v = berth_xmalloc0(sizeof(char *));
        berth_strv_free(in->args);
        in->args = v;
        in->n_args = nv;
        in->json = true;
        return 1;
}

/* RUN, CMD, ENTRYPOINT, SHELL: exec form, or the rest as one string. */
static int form_maybe_json(df_parser *p, const char *s, size_t n, berth_dockerfile_instr *in)
{
        if (n == 0)
                return 0;
        int r = parse_json(p, s, n, in);
        if (r != 0)
                return r;
        push_str(&in->args, &in->n_args, df_strndup(s, n));
        return 0;
}

/* ADD, COPY, VOLUME: exec form, or whitespace-separated words. */
static int form_maybe_json_list(df_parser *p, const char *s, size_t n, berth_dockerfile_instr *in)
{
        int r = parse_json(p, s, n, in);
        if (r != 0)
                return r;
        if (n > 0)
                split_ws(s, n, 0, &in->args, &in->n_args);
        return 0;
}

/* ENV, LABEL: "key value" or key=value pairs (raw, quotes kept). */
static int form_name_val(df_parser *p, const char *s, size_t n, const char *what,
                         berth_dockerfile_instr *in)
{
        size_t nw;
        _cleanup_strv_ char **words = parse_words(p, s, n, &nw);
        if (nw == 0)
                return 0;
        if (strchr(words[0], '=') == NULL) {
                char **parts = NULL;
                size_t np = 0;
                split_ws(s, n, 2, &parts, &np);
                if (np < 2) {
                        berth_strv_free(parts);
                        df_buf_adds(&p->msg, what);
                        df_buf_adds(&p->msg, " must have two arguments");
                        return -1;
                }
                in->kvs = berth_xmalloc0(sizeof(*in->kvs));
                in->kvs[0] = (berth_dockerfile_kv){.key = parts[0], .value = parts[1]};
                in->n_kvs = 1;
                in->kv_legacy = true;
                free(parts);
                return 0;
        }
        in->kvs = berth_xmalloc0(nw * sizeof(*in->kvs));
        for (size_t i = 0; i < nw; i++) {
                char *eq = strchr(words[i], '=');
                if (eq == NULL) {
                        df_buf_adds(&p->msg, "Syntax error - can't find = in ");
                        df_go_quote(&p->msg, words[i], strlen(words[i]));
                        df_buf_adds(&p->msg, ". Must be of the form: name=value");
                        return -1;
                }
                in->kvs[in->n_kvs++] = (berth_dockerfile_kv){
                    .key = df_strndup(words[i], (size_t)(eq - words[i])),
                    .value = berth_xstrdup(eq + 1),
                };
        }
        return 0;
}

/* HEALTHCHECK: the type word, then as CMD. */
static int form_health(df_parser *p, const char *s, size_t n, berth_dockerfile_instr *in)
{
        size_t sep = 0, next;
        while (sep < n && !(df_is_hspace(s[sep]) || s[sep] == '\n'))
                sep++;
        next = sep;
        while (next < n && (df_is_hspace(s[next]) || s[next] == '\n'))
                next++;
        if (sep == 0)
                return 0;
        berth_dockerfile_instr sub = {0};
        int r = form_maybe_json(p, s + next, n - next, &sub);
        if (r < 0) {
                df_instr_clear(&sub);
                return r;
        }
        push_str(&in->args, &in->n_args, df_strndup(s, sep));
        for (size_t i = 0; i < sub.n_args; i++)
                push_str(&in->args, &in->n_args, TAKE_PTR(sub.args[i]));
        in->json = sub.json;
        df_instr_clear(&sub);
        return 0;
}

static int new_instr(df_parser *p, const char *line, size_t len, int depth,
                     berth_dockerfile_instr *in, berth_dockerfile_instr *child);

/* ONBUILD: the trigger is parsed for its form; it stays text (args[1]). */
static int form_onbuild(df_parser *p, const char *s, size_t n, berth_dockerfile_instr *in,
                        berth_dockerfile_instr *child)
{
        if (n == 0)
                return 0;
        int r = new_instr(p, s, n, 1, child, NULL);
        if (r < 0)
                return r;
        push_str(&in->args, &in->n_args, berth_xstrdup(child->keyword));
        return 0;
}

/* BuildKit's newNodeFromLine: keyword, flags, then the form of the rest. */
static int new_instr(df_parser *p, const char *line, size_t len, int depth,
                     berth_dockerfile_instr *in, berth_dockerfile_instr *child)
{
        const char *s = line;
        size_t n = len, k = 0, rest = 0;
        df_trim_space(&s, &n);
        while (k < n && !df_is_hspace(s[k]))
                k++;
        in->keyword = df_strndup(s, k);
        in->original = df_strndup(line, len);
        in->cmd = df_cmd_lookup(s, k);
        in->name = df_cmd_name(in->cmd);
        in->args = berth_xmalloc0(sizeof(char *));
        const char *a = s + k;
        size_t an = n - k;
        while (an > 0 && df_is_hspace(*a))
                a++, an--;
        if (k < n) {
                extract_flags(p, a, an, in, &rest);
                a += rest;
                an -= rest;
                df_trim_space(&a, &an);
        }
        switch (in->cmd) {
        case BERTH_DF_ADD:
        case BERTH_DF_COPY:
        case BERTH_DF_VOLUME:
                return form_maybe_json_list(p, a, an, in);
        case BERTH_DF_ARG: {
                size_t nw;
                char **w = parse_words(p, a, an, &nw);
                if (w) {
                        free(in->args);
                        in->args = w;
                        in->n_args = nw;
                }
                return 0;
        }
        case BERTH_DF_CMD:
        case BERTH_DF_ENTRYPOINT:
        case BERTH_DF_RUN:
        case BERTH_DF_SHELL:
                return form_maybe_json(p, a, an, in) < 0 ? -1 : 0;
        case BERTH_DF_ENV:
                return form_name_val(p, a, an, "ENV", in);
        case BERTH_DF_LABEL:
                return form_name_val(p, a, an, "LABEL", in);
        case BERTH_DF_EXPOSE:
        case BERTH_DF_FROM:
                if (an > 0)
                        split_ws(a, an, 0, &in->args, &in->n_args);
                return 0;
        case BERTH_DF_HEALTHCHECK:
                return form_health(p, a, an, in);
        case BERTH_DF_MAINTAINER:
        case BERTH_DF_STOPSIGNAL:
        case BERTH_DF_USER:
        case BERTH_DF_WORKDIR:
                if (an > 0)
                        push_str(&in->args, &in->n_args, df_strndup(a, an));
                return 0;
        case BERTH_DF_ONBUILD:
                if (depth > 0)
                        return 0; /* ONBUILD ONBUILD: refused by the second pass */
                return form_onbuild(p, a, an, in, child);
        default:
                return 0; /* unknown: reported by the second pass */
        }
}

void df_heredoc_clear(berth_dockerfile_heredoc *h)
{
        free(h->name);
        free(h->content);
        *h = (berth_dockerfile_heredoc){0};
}

static size_t count_quotes(const char *s)
{
        size_t c = 0;
        for (; *s; s++)
                c += *s == '\'' || *s == '"';
        return c;
}

/* BuildKit's ParseHeredoc: ^(\d*)<<(-?)\s*([^<]*)$ and one shell word. */
int df_heredoc_word(const char *s, size_t n, berth_dockerfile_heredoc *ret, df_buf *msg)
{
        size_t i = 0;
        unsigned long fd = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
                fd = fd > 100000000UL ? fd : fd * 10 + (unsigned long)(s[i] - '0');
                i++;
        }
        if (i + 2 > n || s[i] != '<' || s[i + 1] != '<')
                return 0;
        i += 2;
        bool chomp = i < n && s[i] == '-';
        if (chomp)
                i++;
        while (i < n && df_is_re_space(s[i]))
                i++;
        if (i == n || memchr(s + i, '<', n - i))
                return 0;

        df_lex_opts o = {.escape = '\\', .skip_unset = true};
        df_buf r1 = {0}, r2 = {0};
        char **w1 = NULL, **w2 = NULL;
        int r = 0;
        if (df_lex(s + i, n - i, &o, NULL, NULL, &r1, &w1, msg) < 0) {
                r = -1;
                goto out;
        }
        if (berth_strv_length(w1) != 1)
                goto out;
        o.raw_quotes = true;
        if (df_lex(s + i, n - i, &o, NULL, NULL, &r2, &w2, msg) < 0) {
                r = -1;
                goto out;
        }
        if (berth_strv_length(w2) != 1) {
                df_buf_adds(msg, "internal lexing of heredoc produced inconsistent results: ");
                df_buf_add(msg, s + i, n - i);
                r = -1;
                goto out;
        }
        *ret = (berth_dockerfile_heredoc){
            .name = berth_xstrdup(w1[0]),
            .expand = count_quotes(w1[0]) == count_quotes(w2[0]),
            .chomp = chomp,
            .fd = fd > UINT32_MAX ? UINT32_MAX : (unsigned)fd,
        };
        r = 1;
out:
        df_buf_free(&r1);
        df_buf_free(&r2);
        berth_strv_free(w1);
        berth_strv_free(w2);
        return r;
}

/* The heredocs named on the line: its shell words that look like <<WORD. */
static int heredocs_from_line(df_parser *p, const char *line, berth_dockerfile_instr *in)
{
        df_lex_opts o = {
            .escape = '\\', .raw_quotes = true, .raw_escapes = true, .skip_unset = true};
        df_buf res = {0}, ignored = {0};
        char **words = NULL;
        int r = 0;
        if (df_lex(line, strlen(line), &o, NULL, NULL, &res, &words, &ignored) < 0)
                goto out; /* BuildKit ignores a line it cannot lex: no heredocs */
        STRV_FOREACH (w, words) {
                berth_dockerfile_heredoc h;
                int k = df_heredoc_word(*w, strlen(*w), &h, &p->msg);
                if (k < 0) {
                        r = -1;
                        goto out;
                }
                if (k == 0)
                        continue;
                in->heredocs = df_grow(in->heredocs, in->n_heredocs, in->n_heredocs + 1,
                                       sizeof(*in->heredocs));
                in->heredocs[in->n_heredocs++] = h;
        }
out:
        df_buf_free(&res);
        df_buf_free(&ignored);
        berth_strv_free(words);
        return r;
}

static void chomp_tabs(df_buf *out, const char *s, size_t n)
{
        bool bol = true;
        for (size_t i = 0; i < n; i++) {
                if (bol && s[i] == '\t')
                        continue;
                bol = s[i] == '\n';
                df_buf_addc(out, s[i]);
        }
}

/* Read each heredoc's body: the lines up to its terminator. raw gets the
 * bodies as written, for ONBUILD's trigger text. */
static int read_heredocs(df_parser *p, berth_dockerfile_instr *in, df_buf *raw)
{
        for (size_t i = 0; i < in->n_heredocs; i++) {
                berth_dockerfile_heredoc *h = &in->heredocs[i];
                df_buf content = {0};
                bool terminated = false;
                const char *l;
                size_t n;
                int k;
                while ((k = next_line(p, &l, &n)) > 0) {
                        const char *t = l;
                        size_t tn = n;
                        trim_newline(t, &tn);
                        if (h->chomp)
                                while (tn > 0 && *t == '\t')
                                        t++, tn--;
                        if (tn == strlen(h->name) && memcmp(t, h->name, tn) == 0) {
                                terminated = true;
                                break;
                        }
                        df_buf_add(&content, l, n);
                }
                if (k < 0) {
                        df_buf_free(&content);
                        return -1;
                }
                if (!terminated) {
                        df_buf_free(&content);
                        return parse_error(p, in->line, in->column, "unterminated heredoc");
                }
                if (raw) {
                        df_buf_addc(raw, '\n');
                        df_buf_add(raw, content.s ? content.s : "", content.len);
                        df_buf_adds(raw, h->name);
                }
                if (h->chomp) {
                        df_buf c = {0};
                        chomp_tabs(&c, content.s ? content.s : "", content.len);
                        h->content = df_buf_take(&c);
                        df_buf_free(&content);
                } else {
                        h->content = df_buf_take(&content);
                }
        }
        return 0;
}

static bool can_contain_heredoc(const berth_dockerfile_instr *in,
                                const berth_dockerfile_instr *child)
{
        if (in->cmd == BERTH_DF_ONBUILD) {
                if (child->keyword == NULL)
                        return false;
                in = child;
        }
        return (in->cmd == BERTH_DF_RUN || in->cmd == BERTH_DF_COPY || in->cmd == BERTH_DF_ADD) &&
               !in->json;
}

/* ONBUILD's trigger text: the line without "ONBUILD", then the heredocs. */
static char *onbuild_expression(const char *original, const df_buf *raw_heredocs)
{
        const char *s = original;
        while (df_is_re_space(*s))
                s++;
        if (strncasecmp(s, "onbuild", 7) == 0) {
                s += 7;
                while (df_is_re_space(*s))
                        s++;
        }
        df_buf b = {0};
        df_buf_adds(&b, s);
        if (raw_heredocs->len)
                df_buf_add(&b, raw_heredocs->s, raw_heredocs->len);
        return df_buf_take(&b);
}

static int add_instr(df_parser *p, berth_dockerfile_instr *in)
{
        if (p->n_instrs >= BERTH_DOCKERFILE_MAX_INSTRUCTIONS)
                return parse_error(p, in->line, in->column, "too many instructions (more than %u)",
                                   BERTH_DOCKERFILE_MAX_INSTRUCTIONS);
        if (p->n_instrs == p->cap_instrs) {
                p->cap_instrs = p->cap_instrs ? p->cap_instrs * 2 : 16;
                p->instrs = berth_xrealloc(p->instrs, p->cap_instrs * sizeof(*p->instrs));
        }
        p->instrs[p->n_instrs++] = *in;
        *in = (berth_dockerfile_instr){0};
        return 0;
}

static void warn(df_parser *p, char *w)
{
        size_t n = berth_strv_length(p->warnings);
        if (n >= 100) {
                free(w);
                return;
        }
        push_str(&p->warnings, &n, w);
}

/* One instruction from its first line on: continuations, then heredocs. */
static int read_instruction(df_parser *p, const char *l, size_t n, unsigned column)
{
        berth_dockerfile_instr in = {0}, child = {0};
        df_buf line = {0}, raw = {0};
        unsigned start = p->lineno;
        bool eol = trim_continuation(p, l, &n);
        bool empty_cont = false;
        int r;

        if (eol && n == 0)
                return 0;
        df_buf_add(&line, l, n);
        while (!eol) {
                const char *c;
                size_t cn;
                r = next_line(p, &c, &cn);
                if (r < 0)
                        goto out;
                if (r == 0)
                        break;
                if (is_comment(c, cn))
                        continue;
                trim_newline(c, &cn);
                const char *t = c;
                size_t tn = cn;
                trim_left_space(&t, &tn);
                if (tn == 0) {
                        empty_cont = true;
                        continue;
                }
                eol = trim_continuation(p, c, &cn);
                df_buf_add(&line, c, cn);
        }
        df_buf_add(&line, "", 0);
        if (empty_cont)
                warn(p, berth_xasprintf("line %u: empty continuation line (Docker will refuse "
                                        "these in a future release)",
                                        start));

        in.line = start;
        in.column = column;
        p->msg.len = 0;
        r = new_instr(p, line.s, line.len, 0, &in, &child);
        if (r < 0) {
                r = parse_error_msg(p, start, column);
                goto out;
        }
        if (can_contain_heredoc(&in, &child) && strstr(line.s, "<<")) {
                r = heredocs_from_line(p, line.s, &in);
                if (r < 0) {
                        r = parse_error_msg(p, start, column);
                        goto out;
                }
                r = read_heredocs(p, &in, in.cmd == BERTH_DF_ONBUILD ? &raw : NULL);
                if (r < 0)
                        goto out;
        }
        if (in.cmd == BERTH_DF_ONBUILD && in.n_args > 0)
                push_str(&in.args, &in.n_args, onbuild_expression(in.original, &raw));
        in.end_line = p->lineno;
        r = add_instr(p, &in);
out:
        df_instr_clear(&in);
        df_instr_clear(&child);
        df_buf_free(&line);
        df_buf_free(&raw);
        return r;
}

static int first_pass(df_parser *p)
{
        const char *l;
        size_t n;
        int r;
        while ((r = next_line(p, &l, &n)) > 0) {
                trim_newline(l, &n);
                unsigned column = 1 + (unsigned)trim_left_space(&l, &n);
                r = parser_directive(p, l, n);
                if (r < 0)
                        return r;
                if (n > 0 && l[0] == '#')
                        continue; /* a comment (or a directive) */
                r = read_instruction(p, l, n, column);
                if (r < 0)
                        return r;
        }
        return r;
}

static int located(berth_error *err, const char *filename, unsigned line, unsigned col,
                   const char *msg)
{
        if (line == 0)
                return berth_errx(err, EINVAL, "%s: %s", filename, msg);
        return berth_errx(err, EINVAL, "%s:%u:%u: %s", filename, line, col, msg);
}

void berth_dockerfile_free(berth_dockerfile *df)
{
        if (df == NULL)
                return;
        for (size_t i = 0; i < df->n_instrs; i++)
                df_instr_clear(&df->instrs[i]);
        free(df->instrs);
        for (size_t i = 0; i < df->n_stages; i++)
                free(df->stages[i].name);
        free(df->stages);
        berth_strv_free(df->warnings);
        free(df->filename);
        free(df->syntax);
        free(df);
}

/* Second pass: check each instruction, group them into stages. */
static int second_pass(df_parser *p, berth_dockerfile *df, unsigned flags)
{
        bool fragment = flags & BERTH_DOCKERFILE_FRAGMENT;
        size_t n_stages = 0;
        for (size_t i = 0; i < df->n_instrs; i++) {
                berth_dockerfile_instr *in = &df->instrs[i];
                p->msg.len = 0;
                if (df_check_instr(in, &p->msg) < 0)
                        return parse_error_msg(p, in->line, in->column);
                if (fragment) {
                        if (in->cmd == BERTH_DF_FROM)
                                return parse_error(p, in->line, in->column,
                                                   "FROM isn't allowed as an ONBUILD trigger");
                        continue;
                }
                if (in->cmd == BERTH_DF_FROM)
                        n_stages++;
                else if (n_stages == 0 && in->cmd == BERTH_DF_ARG)
                        df->n_global_args++;
                else if (n_stages == 0)
                        return parse_error(p, in->line, in->column,
                                           "no build stage in current context");
        }
        if (fragment)
                return 0;
        df->stages = berth_xmalloc0((n_stages ? n_stages : 1) * sizeof(*df->stages));
        for (size_t i = df->n_global_args; i < df->n_instrs; i++) {
                berth_dockerfile_instr *in = &df->instrs[i];
                if (in->cmd == BERTH_DF_FROM) {
                        berth_dockerfile_stage *st = &df->stages[df->n_stages++];
                        st->from = in;
                        st->base = in->args[0];
                        st->name = in->n_args == 3 ? berth_xstrdup(in->args[2]) : NULL;
                        for (char *c = st->name; c && *c; c++)
                                if (*c >= 'A' && *c <= 'Z')
                                        *c = (char)(*c - 'A' + 'a');
                        st->platform = berth_dockerfile_flag_value(in, "platform");
                        st->instrs = in + 1;
                } else {
                        df->stages[df->n_stages - 1].n_instrs++;
                }
        }
        return 0;
}

int berth_dockerfile_parse(const char *data, size_t len, const char *filename, unsigned flags,
                           berth_dockerfile **ret, berth_error *err)
{
        if (filename == NULL)
                filename = "Dockerfile";
        if (len > BERTH_DOCKERFILE_MAX_SIZE)
                return berth_errx(err, EFBIG, "%s: file is larger than the maximum of %u bytes",
                                  filename, BERTH_DOCKERFILE_MAX_SIZE);
        df_parser p = {.data = data, .len = len, .escape = '\\'};
        berth_dockerfile *df = NULL;
        int r = first_pass(&p);
        if (r < 0)
                goto fail;
        if (p.n_instrs == 0) {
                r = parse_error(&p, 0, 0, "file with no instructions");
                goto fail;
        }
        df = berth_xmalloc0(sizeof(*df));
        df->filename = berth_xstrdup(filename);
        df->syntax = TAKE_PTR(p.syntax);
        df->escape = p.escape;
        df->instrs = TAKE_PTR(p.instrs);
        df->n_instrs = p.n_instrs;
        p.n_instrs = 0;
        df->warnings = p.warnings ? TAKE_PTR(p.warnings) : berth_xmalloc0(sizeof(char *));
        r = second_pass(&p, df, flags);
        if (r < 0)
                goto fail;
        df_buf_free(&p.msg);
        *ret = df;
        return 0;
fail:
        r = located(err, filename, p.err_line, p.err_col, p.msg.s ? p.msg.s : "parse error");
        berth_dockerfile_free(df);
        for (size_t i = 0; i < p.n_instrs; i++)
                df_instr_clear(&p.instrs[i]);
        free(p.instrs);
        free(p.syntax);
        berth_strv_free(p.warnings);
        df_buf_free(&p.msg);
        return r;
}

int berth_dockerfile_parse_fd(int fd, const char *filename, unsigned flags, berth_dockerfile **ret,
                              berth_error *err)
{
        df_buf b = {0};
        char chunk[65536];
        if (filename == NULL)
                filename = "Dockerfile";
        for (;;) {
                ssize_t n = read(fd, chunk, sizeof(chunk));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = berth_err(err, errno, "cannot read %s", filename);
                        df_buf_free(&b);
                        return r;
                }
                if (n == 0)
                        break;
                if (b.len + (size_t)n > BERTH_DOCKERFILE_MAX_SIZE) {
                        df_buf_free(&b);
                        return berth_errx(err, EFBIG,
                                          "%s: file is larger than the maximum of %u bytes",
                                          filename, BERTH_DOCKERFILE_MAX_SIZE);
                }
                df_buf_add(&b, chunk, (size_t)n);
        }
        int r = berth_dockerfile_parse(b.s ? b.s : "", b.len, filename, flags, ret, err);
        df_buf_free(&b);
        return r;
}
