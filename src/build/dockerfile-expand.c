/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's shell-word lexer (BuildKit's frontend/dockerfile/shell): quotes,
 * the escape character and $-expansion in the words of ENV, ADD, COPY,
 * WORKDIR ... and, with other knobs, in the parser's heredoc detection.
 *
 * The lexer walks bytes; every character it treats specially is ASCII, and
 * where Go classifies runes (names, word splitting) whole UTF-8 sequences
 * are taken. ${...} nests (${A:-${B}}) through recursion bounded by
 * MAX_DEPTH; results are bounded by MAX_OUTPUT; pattern operators have a
 * work budget.
 */
#include "dockerfile-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH      100
#define MAX_OUTPUT     (16u << 20)
#define PATTERN_BUDGET (UINT64_C(1) << 27)

typedef struct words {
        df_buf buf;
        bool in_word;
        char **v;
        size_t n;
} words;

typedef struct lexer {
        const char *s;
        size_t len, pos;
        df_lex_opts o;
        bool raw_escapes; /* the current setting: ${V#...} turns it on inside */
        berth_build_lookup_fn lookup;
        void *ctx;
        unsigned depth;
        uint64_t budget;
        df_buf *msg;
} lexer;

static int lex_until(lexer *lx, int stop, bool raw_escapes, df_buf *result, words *w);

static void words_push(words *w)
{
        w->v = df_grow(w->v, w->n ? w->n + 1 : 0, w->n + 2, sizeof(char *));
        w->v[w->n++] = df_buf_take(&w->buf);
        w->v[w->n] = NULL;
}

static void words_add_raw(words *w, const char *s, size_t n)
{
        df_buf_add(&w->buf, s, n);
        w->in_word = true;
}

/* One rune that may split words (unicode.IsSpace). */
static void words_add_char(words *w, const char *s, size_t n)
{
        if (df_space_len(s, n) > 0) {
                if (w->in_word && w->buf.len != 0) {
                        words_push(w);
                        w->in_word = false;
                }
                return;
        }
        words_add_raw(w, s, n);
}

static void words_add_string(words *w, const char *s, size_t n)
{
        for (size_t i = 0; i < n;) {
                size_t l = df_rune_len(s + i, n - i);
                words_add_char(w, s + i, l);
                i += l;
        }
}

static void words_free(words *w)
{
        df_buf_free(&w->buf);
        berth_strv_free(w->v);
        *w = (words){0};
}

static int fail(lexer *lx, const char *m)
{
        lx->msg->len = 0;
        df_buf_adds(lx->msg, m);
        return -1;
}

static int too_large(lexer *lx, const df_buf *b)
{
        if (b->len <= MAX_OUTPUT)
                return 0;
        return fail(lx, "expansion result is larger than 16 MiB");
}

static int peek(const lexer *lx)
{
        return lx->pos < lx->len ? (unsigned char)lx->s[lx->pos] : -1;
}

static const char *get_env(lexer *lx, const char *name)
{
        return lx->lookup ? lx->lookup(name, lx->ctx) : NULL;
}

static bool is_special_param(int c)
{
        return c == '@' || c == '*' || c == '#' || c == '?' || c == '-' || c == '$' || c == '!' ||
               c == '0';
}

/* A name: letters, digits and '_'; or all the digits of a positional
 * parameter; or one special parameter character. */
static void process_name(lexer *lx, df_buf *name)
{
        while (lx->pos < lx->len) {
                int c = peek(lx);
                if (name->len == 0 && c >= '0' && c <= '9') {
                        while (peek(lx) >= '0' && peek(lx) <= '9')
                                df_buf_addc(name, lx->s[lx->pos++]);
                        return;
                }
                if (name->len == 0 && is_special_param(c)) {
                        df_buf_addc(name, lx->s[lx->pos++]);
                        return;
                }
                size_t l;
                uint32_t r = df_rune(lx->s + lx->pos, lx->len - lx->pos, &l);
                if (c != '_' && !df_rune_is_alnum(r))
                        break;
                df_buf_add(name, lx->s + lx->pos, l);
                lx->pos += l;
        }
        if (name->s == NULL)
                df_buf_add(name, "", 0);
}

static int unsupported(lexer *lx, const df_buf *chs)
{
        df_buf m = {0};
        df_buf_adds(&m, "unsupported modifier (");
        df_buf_add(&m, chs->s, chs->len);
        df_buf_adds(&m, ") in substitution");
        fail(lx, m.s);
        df_buf_free(&m);
        return -1;
}

/* The word of ${name<op>word}, up to the closing brace. */
static int modifier_word(lexer *lx, int stop, bool raw, const char *eof_msg, df_buf *word)
{
        if (++lx->depth > MAX_DEPTH)
                return fail(lx, "substitutions nested too deeply");
        int r = lex_until(lx, stop, raw, word, NULL);
        lx->depth--;
        if (r < 0 && lx->pos >= lx->len && eof_msg)
                return fail(lx, eof_msg);
        return r;
}

static int pattern_error(lexer *lx, const df_buf *pat, const df_buf *why)
{
        df_buf m = {0};
        df_buf_adds(&m, "invalid pattern (");
        df_buf_add(&m, pat->s, pat->len);
        df_buf_adds(&m, ") in substitution: ");
        df_buf_add(&m, why->s, why->len);
        fail(lx, m.s);
        df_buf_free(&m);
        return -1;
}

static int substitute_replace(lexer *lx, const char *name, df_buf *out)
{
        df_buf pat = {0}, repl = {0}, why = {0};
        df_pattern *p = NULL;
        bool all = false;
        int r;

        if (peek(lx) == '/') {
                all = true;
                lx->pos++;
        }
        r = modifier_word(lx, '/', true, "syntax error: missing '/' in ${}", &pat);
        if (r < 0)
                goto out;
        r = modifier_word(lx, '}', true, "syntax error: missing '}'", &repl);
        if (r < 0)
                goto out;
        df_buf_add(&pat, "", 0);
        df_buf_add(&repl, "", 0);
        const char *v = get_env(lx, name);
        if (v == NULL && lx->o.skip_unset) {
                df_buf_adds(out, "${");
                df_buf_adds(out, name);
                df_buf_addc(out, '/');
                df_buf_add(out, pat.s, pat.len);
                df_buf_addc(out, '/');
                df_buf_add(out, repl.s, repl.len);
                df_buf_addc(out, '}');
                goto out;
        }
        r = df_pattern_compile(pat.s, pat.len, &p, &why);
        if (r < 0) {
                r = pattern_error(lx, &pat, &why);
                goto out;
        }
        if (v == NULL)
                v = "";
        r = df_pattern_replace(p, v, strlen(v), repl.s, all, out, &lx->budget, &why);
        if (r < 0)
                r = fail(lx, why.s);
out:
        df_pattern_free(p);
        df_buf_free(&pat);
        df_buf_free(&repl);
        df_buf_free(&why);
        return r;
}

static int substitute_trim(lexer *lx, int op, const char *value, df_buf *word, df_buf *out)
{
        df_buf why = {0};
        df_pattern *p = NULL;
        const char *pat = word->s;
        size_t plen = word->len;
        bool greedy = false;
        if (plen > 0 && pat[0] == op) {
                greedy = true;
                pat++;
                plen--;
        }
        int r = df_pattern_compile(pat, plen, &p, &why);
        if (r < 0) {
                df_buf tmp = {0};
                df_buf_add(&tmp, pat, plen);
                r = pattern_error(lx, &tmp, &why);
                df_buf_free(&tmp);
        } else {
                r = df_pattern_trim(p, value, strlen(value), op == '%', greedy, out, &lx->budget,
                                    &why);
                if (r < 0)
                        r = fail(lx, why.s);
        }
        df_pattern_free(p);
        df_buf_free(&why);
        return r;
}

static int process_dollar(lexer *lx, df_buf *out)
{
        df_buf name = {0}, chs = {0}, word = {0};
        const char *v;
        int r = 0;

        lx->pos++; /* '$' */
        if (peek(lx) != '{') {
                process_name(lx, &name);
                if (name.len == 0) {
                        df_buf_addc(out, '$');
                        goto out;
                }
                v = get_env(lx, name.s);
                if (v == NULL && lx->o.skip_unset) {
                        df_buf_addc(out, '$');
                        df_buf_add(out, name.s, name.len);
                } else if (v) {
                        df_buf_adds(out, v);
                }
                goto out;
        }

        lx->pos++; /* '{' */
        int c = peek(lx);
        if (c < 0) {
                r = fail(lx, "syntax error: missing '}'");
                goto out;
        }
        if (c == '{' || c == '}' || c == ':') {
                r = fail(lx, "syntax error: bad substitution");
                goto out;
        }
        process_name(lx, &name);
        if (lx->pos >= lx->len) {
                r = fail(lx, "syntax error: missing '}'");
                goto out;
        }
        c = (unsigned char)lx->s[lx->pos];
        if (c == '}') {
                lx->pos++;
                v = get_env(lx, name.s);
                if (v == NULL && lx->o.skip_unset) {
                        df_buf_adds(out, "${");
                        df_buf_add(out, name.s, name.len);
                        df_buf_addc(out, '}');
                } else if (v) {
                        df_buf_adds(out, v);
                }
                goto out;
        }
        if (c == '/') {
                lx->pos++;
                r = substitute_replace(lx, name.s, out);
                goto out;
        }

        /* ${name<op>word}, ${name:<op>word}. */
        bool null_is_unset = false;
        size_t l = df_rune_len(lx->s + lx->pos, lx->len - lx->pos);
        df_buf_add(&chs, lx->s + lx->pos, l);
        lx->pos += l;
        if (c == ':') {
                null_is_unset = true;
                if (lx->pos >= lx->len) {
                        df_buf_adds(&chs, "\xef\xbf\xbd"); /* Go's EOF rune */
                        c = -1;
                } else {
                        c = (unsigned char)lx->s[lx->pos];
                        l = df_rune_len(lx->s + lx->pos, lx->len - lx->pos);
                        df_buf_add(&chs, lx->s + lx->pos, l);
                        lx->pos += l;
                }
        } else if (!(c == '+' || c == '-' || c == '?' || c == '#' || c == '%')) {
                r = unsupported(lx, &chs);
                goto out;
        }
        bool raw = c == '#' || c == '%';
        if (null_is_unset && raw) {
                r = unsupported(lx, &chs);
                goto out;
        }
        r = modifier_word(lx, '}', raw, "syntax error: missing '}'", &word);
        if (r < 0)
                goto out;
        df_buf_add(&word, "", 0);

        v = get_env(lx, name.s);
        if (v == NULL && lx->o.skip_unset) {
                df_buf_adds(out, "${");
                df_buf_add(out, name.s, name.len);
                df_buf_add(out, chs.s, chs.len);
                df_buf_add(out, word.s, word.len);
                df_buf_addc(out, '}');
                goto out;
        }
        bool empty = v == NULL || (null_is_unset && v[0] == '\0');
        switch (c) {
        case '-':
                df_buf_adds(out, empty ? word.s : v);
                break;
        case '+':
                if (!empty)
                        df_buf_add(out, word.s, word.len);
                break;
        case '?':
                if (v == NULL || empty) {
                        df_buf m = {0};
                        df_buf_add(&m, name.s, name.len);
                        df_buf_adds(&m, ": ");
                        if (word.len)
                                df_buf_add(&m, word.s, word.len);
                        else
                                df_buf_adds(&m, v == NULL ? "is not allowed to be unset"
                                                          : "is not allowed to be empty");
                        r = fail(lx, m.s);
                        df_buf_free(&m);
                        break;
                }
                df_buf_adds(out, v);
                break;
        case '#':
        case '%':
                r = substitute_trim(lx, c, v ? v : "", &word, out);
                break;
        default:
                r = unsupported(lx, &chs);
        }
out:
        df_buf_free(&name);
        df_buf_free(&chs);
        df_buf_free(&word);
        return r;
}

static int process_single_quote(lexer *lx, df_buf *out)
{
        lx->pos++;
        if (lx->o.raw_quotes)
                df_buf_addc(out, '\'');
        for (;;) {
                if (lx->pos >= lx->len)
                        return fail(lx, "unexpected end of statement while looking for matching "
                                        "single-quote");
                char c = lx->s[lx->pos++];
                if (c == '\'') {
                        if (lx->o.raw_quotes)
                                df_buf_addc(out, c);
                        return 0;
                }
                df_buf_addc(out, c);
        }
}

static int process_double_quote(lexer *lx, df_buf *out)
{
        lx->pos++;
        if (lx->o.raw_quotes)
                df_buf_addc(out, '"');
        for (;;) {
                int c = peek(lx);
                if (c < 0)
                        return fail(lx, "unexpected end of statement while looking for matching "
                                        "double-quote");
                if (c == '"') {
                        lx->pos++;
                        if (lx->o.raw_quotes)
                                df_buf_addc(out, '"');
                        return 0;
                }
                if (c == '$') {
                        if (process_dollar(lx, out) < 0)
                                return -1;
                        if (too_large(lx, out) < 0)
                                return -1;
                        continue;
                }
                lx->pos++;
                if (c == lx->o.escape) {
                        if (lx->raw_escapes)
                                df_buf_addc(out, (char)c);
                        int n = peek(lx);
                        if (n < 0)
                                continue; /* the next round reports the missing quote */
                        /* Only these are escaped; otherwise the escape stays (and, in
                         * raw mode, is there twice, as BuildKit does). */
                        if (n == '"' || n == '$' || n == lx->o.escape)
                                c = (unsigned char)lx->s[lx->pos++];
                }
                df_buf_addc(out, (char)c);
        }
}

/* "<<" and the blanks after it stay one word with what follows ("<< EOF"). */
static void process_possible_heredoc(lexer *lx, df_buf *out)
{
        lx->pos++;
        if (peek(lx) != '<') {
                df_buf_addc(out, '<');
                return;
        }
        lx->pos++;
        df_buf_adds(out, "<<");
        while (peek(lx) == ' ' || peek(lx) == '\t' || peek(lx) == '\r')
                df_buf_addc(out, lx->s[lx->pos++]);
}

static int lex_until(lexer *lx, int stop, bool raw_escapes, df_buf *result, words *w)
{
        bool saved = lx->raw_escapes;
        df_buf tmp = {0};
        int r = 0;

        lx->raw_escapes = raw_escapes;
        while (lx->pos < lx->len) {
                int c = (unsigned char)lx->s[lx->pos];
                if (stop >= 0 && c == stop) {
                        lx->pos++;
                        goto out;
                }
                if (c == '$' || c == '<' || (!lx->o.no_quotes && (c == '\'' || c == '"'))) {
                        tmp.len = 0;
                        if (c == '$')
                                r = process_dollar(lx, &tmp);
                        else if (c == '<')
                                process_possible_heredoc(lx, &tmp);
                        else if (c == '\'')
                                r = process_single_quote(lx, &tmp);
                        else
                                r = process_double_quote(lx, &tmp);
                        if (r < 0)
                                goto out;
                        df_buf_add(result, tmp.s ? tmp.s : "", tmp.len);
                        if (w && c == '$')
                                words_add_string(w, tmp.s ? tmp.s : "", tmp.len);
                        else if (w)
                                words_add_raw(w, tmp.s ? tmp.s : "", tmp.len);
                } else if (c == lx->o.escape) {
                        lx->pos++;
                        if (lx->raw_escapes) {
                                if (w)
                                        words_add_raw(w, lx->s + lx->pos - 1, 1);
                                df_buf_addc(result, (char)c);
                        }
                        if (lx->pos >= lx->len)
                                break; /* an escape at the end is dropped */
                        size_t l = df_rune_len(lx->s + lx->pos, lx->len - lx->pos);
                        if (w)
                                words_add_raw(w, lx->s + lx->pos, l);
                        df_buf_add(result, lx->s + lx->pos, l);
                        lx->pos += l;
                } else {
                        size_t l = df_rune_len(lx->s + lx->pos, lx->len - lx->pos);
                        if (w)
                                words_add_char(w, lx->s + lx->pos, l);
                        df_buf_add(result, lx->s + lx->pos, l);
                        lx->pos += l;
                }
                r = too_large(lx, result);
                if (r < 0)
                        goto out;
        }
        if (stop >= 0) {
                char m[80];
                snprintf(m, sizeof(m), "unexpected end of statement while looking for matching %c",
                         stop);
                r = fail(lx, m);
        }
out:
        lx->raw_escapes = saved;
        df_buf_free(&tmp);
        return r;
}

int df_lex(const char *word, size_t len, const df_lex_opts *o, berth_build_lookup_fn lookup,
           void *ctx, df_buf *result, char ***ret_words, df_buf *msg)
{
        lexer lx = {
            .s = word,
            .len = len,
            .o = *o,
            .raw_escapes = o->raw_escapes,
            .lookup = lookup,
            .ctx = ctx,
            .budget = PATTERN_BUDGET,
            .msg = msg,
        };
        words w = {0};
        if (lx.o.escape == 0)
                lx.o.escape = '\\';
        int r = lex_until(&lx, -1, o->raw_escapes, result, ret_words ? &w : NULL);
        if (r < 0) {
                words_free(&w);
                return -1;
        }
        df_buf_add(result, "", 0);
        if (ret_words) {
                if (w.buf.len > 0)
                        words_push(&w);
                if (w.v == NULL)
                        w.v = berth_xmalloc0(sizeof(char *));
                *ret_words = TAKE_PTR(w.v);
                df_buf_free(&w.buf);
        }
        return 0;
}

static void to_lex_opts(const berth_build_expand_opts *opts, df_lex_opts *o)
{
        *o = (df_lex_opts){.escape = '\\'};
        if (opts) {
                o->escape = opts->escape ? opts->escape : '\\';
                o->raw_quotes = opts->raw_quotes;
                o->raw_escapes = opts->raw_escapes;
                o->skip_unset = opts->skip_unset;
                o->no_quotes = opts->no_quotes;
        }
}

static int expand_failed(const char *word, df_buf *msg, berth_error *err)
{
        df_buf q = {0};
        df_go_quote(&q, word, strlen(word));
        int r = berth_errx(err, EINVAL, "failed to process %s: %s", q.s, msg->s ? msg->s : "");
        df_buf_free(&q);
        return r;
}

int berth_build_expand(const char *word, const berth_build_expand_opts *opts,
                       berth_build_lookup_fn lookup, void *ctx, char **ret, berth_error *err)
{
        df_lex_opts o;
        df_buf result = {0}, msg = {0};
        to_lex_opts(opts, &o);
        if (df_lex(word, strlen(word), &o, lookup, ctx, &result, NULL, &msg) < 0) {
                int r = expand_failed(word, &msg, err);
                df_buf_free(&result);
                df_buf_free(&msg);
                return r;
        }
        *ret = df_buf_take(&result);
        return 0;
}

int berth_build_expand_words(const char *word, const berth_build_expand_opts *opts,
                             berth_build_lookup_fn lookup, void *ctx, char ***ret, berth_error *err)
{
        df_lex_opts o;
        df_buf result = {0}, msg = {0};
        char **v = NULL;
        to_lex_opts(opts, &o);
        int r = df_lex(word, strlen(word), &o, lookup, ctx, &result, &v, &msg);
        df_buf_free(&result);
        if (r < 0) {
                r = expand_failed(word, &msg, err);
                df_buf_free(&msg);
                return r;
        }
        *ret = v;
        return 0;
}
