/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `inspect -f` and the other --format options over a JSON object: Go's text/template as
 * docker's CLI offers it — fields and chains (.A.B, $.A, $x.A, (pipeline).A), pipelines
 * with "|", variables ($x := …, $x = …), if / else if / else, range (lists, and maps in key
 * order, with $i, $e :=), with, comments, "{{-" and "-}}" trimming, string, number and
 * boolean literals; Go's functions and, or, not, eq, ne, lt, le, gt, ge, len, index, print,
 * printf, println, slice, and docker's json, join, split, lower, upper, title, pad,
 * truncate. Values are JSON values (jansson); a missing map key is "no value"; a missing
 * field of the object itself is an error, as a struct field in docker.
 */
#include "format.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- output ---- */

typedef struct {
        char *s;
        size_t len;
} out_t;

static void add(out_t *o, const char *s, size_t len)
{
        o->s = berth_xrealloc(o->s, o->len + len + 1);
        memcpy(o->s + o->len, s, len);
        o->len += len;
        o->s[o->len] = '\0';
}

static void adds(out_t *o, const char *s)
{
        add(o, s, strlen(s));
}

static int cmp_key(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* an object's keys, sorted (Go's map order), malloc'd; *ret_n their number */
static const char **sorted_keys(const json_t *v, size_t *ret_n)
{
        size_t n = json_object_size(v), i = 0;
        const char **keys = berth_xmalloc0((n ? n : 1) * sizeof(char *));
        const char *k;
        json_t *e;
        json_object_foreach ((json_t *)v, k, e) {
                keys[i++] = k;
        }
        qsort(keys, n, sizeof(char *), cmp_key);
        *ret_n = n;
        return keys;
}

/* A value as Go's text/template prints it: maps as map[k:v …] with sorted keys, lists as
 * [a b], a missing value as <no value> at the top and <nil> inside. */
static void go_print(out_t *o, const json_t *v, bool top)
{
        char buf[64];
        if (v == NULL) {
                adds(o, top ? "<no value>" : "<nil>");
                return;
        }
        switch (json_typeof(v)) {
        case JSON_STRING:
                add(o, json_string_value(v), json_string_length(v));
                break;
        case JSON_INTEGER:
                snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                adds(o, buf);
                break;
        case JSON_REAL: {
                double d = json_real_value(v);
                if (d > -1e18 && d < 1e18 && d == (double)(long long)d)
                        snprintf(buf, sizeof(buf), "%lld", (long long)d);
                else
                        snprintf(buf, sizeof(buf), "%g", d);
                adds(o, buf);
                break;
        }
        case JSON_TRUE:
                adds(o, "true");
                break;
        case JSON_FALSE:
                adds(o, "false");
                break;
        case JSON_NULL:
                adds(o, top ? "<no value>" : "<nil>");
                break;
        case JSON_ARRAY: {
                adds(o, "[");
                size_t i;
                json_t *e;
                json_array_foreach ((json_t *)v, i, e) {
                        if (i)
                                adds(o, " ");
                        go_print(o, e, false);
                }
                adds(o, "]");
                break;
        }
        case JSON_OBJECT: {
                size_t n;
                _cleanup_free_ const char **keys = sorted_keys(v, &n);
                adds(o, "map[");
                for (size_t i = 0; i < n; i++) {
                        if (i)
                                adds(o, " ");
                        adds(o, keys[i]);
                        adds(o, ":");
                        go_print(o, json_object_get(v, keys[i]), false);
                }
                adds(o, "]");
                break;
        }
        }
}

/* ---- the parse tree ---- */

typedef enum { T_FIELD, T_DOT, T_VAR, T_STR, T_NUM, T_BOOL, T_NIL, T_FUNC, T_PIPE } term_kind;

typedef struct pipe_s pipe_t;

typedef struct {
        term_kind kind;
        char *name;      /* T_VAR ("$" alone: ""), T_FUNC, T_STR (the text) */
        double num;      /* T_NUM */
        bool is_int;     /* T_NUM */
        bool truth;      /* T_BOOL */
        pipe_t *pipe;    /* T_PIPE: (…) */
        char **fields;   /* then .A.B… */
        size_t n_fields; /* (T_FIELD: the chain from dot itself) */
} term_t;

typedef struct {
        term_t *args;
        size_t n;
} cmd_t;

struct pipe_s {
        char *vars[2]; /* $x := / $i, $e := */
        size_t n_vars;
        bool declare; /* := (else =) */
        cmd_t *cmds;
        size_t n;
};

typedef enum { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH } node_kind;

typedef struct node_s node_t;
typedef struct {
        node_t *v;
        size_t n;
} list_t;

struct node_s {
        node_kind kind;
        char *text;    /* N_TEXT */
        size_t len;    /* N_TEXT */
        pipe_t *pipe;  /* the others */
        list_t body;   /* if, range, with */
        list_t orelse; /* else (an "else if" is an N_IF alone in it) */
};

static void pipe_free(pipe_t *p);

static void term_clear(term_t *t)
{
        free(t->name);
        pipe_free(t->pipe);
        for (size_t i = 0; i < t->n_fields; i++)
                free(t->fields[i]);
        free(t->fields);
}

static void pipe_free(pipe_t *p)
{
        if (p == NULL)
                return;
        for (size_t i = 0; i < p->n; i++) {
                for (size_t j = 0; j < p->cmds[i].n; j++)
                        term_clear(&p->cmds[i].args[j]);
                free(p->cmds[i].args);
        }
        free(p->cmds);
        free(p->vars[0]);
        free(p->vars[1]);
        free(p);
}

static void pipe_freep(pipe_t **p)
{
        pipe_free(*p);
}

static void list_clear(list_t *l)
{
        for (size_t i = 0; i < l->n; i++) {
                node_t *n = &l->v[i];
                free(n->text);
                pipe_free(n->pipe);
                list_clear(&n->body);
                list_clear(&n->orelse);
        }
        free(l->v);
        l->v = NULL;
        l->n = 0;
}

static node_t *list_push(list_t *l)
{
        l->v = berth_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
        node_t *n = &l->v[l->n++];
        memset(n, 0, sizeof(*n));
        return n;
}

/* ---- parsing ---- */

/* where an error's words go */
typedef struct {
        char *msg;
        size_t msgsz;
} errbuf_t;

static int terr(errbuf_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int terr(errbuf_t *e, const char *fmt, ...)
{
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        snprintf(e->msg, e->msgsz, "template: %s", what);
        return -EINVAL;
}

typedef struct {
        const char *p;    /* where we are */
        const char *aend; /* the end of the current action's inside */
        bool trim;        /* the last action ended "-}}": the text after it loses its leading
                           * white space */
        errbuf_t *err;
} parser_t;

static void skip_space(parser_t *ps)
{
        while (ps->p < ps->aend && isspace((unsigned char)*ps->p))
                ps->p++;
}

static bool ident_char(char c)
{
        return isalnum((unsigned char)c) || c == '_';
}

/* an identifier at p (letters, digits, '_'), malloc'd, or NULL */
static char *ident(parser_t *ps)
{
        const char *s = ps->p;
        while (ps->p < ps->aend && ident_char(*ps->p))
                ps->p++;
        return ps->p > s ? strndup(s, (size_t)(ps->p - s)) : NULL;
}

/* .A.B… right after a term (no space between) */
static int field_chain(parser_t *ps, term_t *t)
{
        while (ps->p + 1 < ps->aend && ps->p[0] == '.' && ident_char(ps->p[1])) {
                ps->p++;
                char *f = ident(ps);
                t->fields = berth_xrealloc(t->fields, (t->n_fields + 1) * sizeof(char *));
                t->fields[t->n_fields++] = f;
        }
        return 0;
}

static int parse_string(parser_t *ps, term_t *t)
{
        char q = *ps->p++;
        out_t o = {.s = berth_xstrdup("")};
        while (ps->p < ps->aend && *ps->p != q) {
                char c = *ps->p++;
                if (q == '"' && c == '\\' && ps->p < ps->aend) {
                        char e = *ps->p++;
                        c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
                }
                add(&o, &c, 1);
        }
        if (ps->p >= ps->aend) {
                free(o.s);
                return terr(ps->err, "unterminated quoted string");
        }
        ps->p++;
        t->kind = T_STR;
        t->name = o.s;
        return 0;
}

static int parse_pipe(parser_t *ps, const char *stop, pipe_t **ret);

static int parse_term(parser_t *ps, term_t *t)
{
        memset(t, 0, sizeof(*t));
        char c = *ps->p;
        int r = 0;
        if (c == '.') {
                if (ps->p + 1 < ps->aend && ident_char(ps->p[1])) {
                        t->kind = T_FIELD;
                        return field_chain(ps, t);
                }
                ps->p++;
                t->kind = T_DOT;
                return 0;
        }
        if (c == '$') {
                ps->p++;
                t->kind = T_VAR;
                t->name = ident(ps);
                if (t->name == NULL)
                        t->name = berth_xstrdup("");
                return field_chain(ps, t);
        }
        if (c == '"' || c == '`')
                return parse_string(ps, t);
        if (c == '(') {
                ps->p++;
                t->kind = T_PIPE;
                if ((r = parse_pipe(ps, ")", &t->pipe)) < 0)
                        return r;
                if (ps->p >= ps->aend || *ps->p != ')')
                        return terr(ps->err, "unclosed left paren");
                ps->p++;
                return field_chain(ps, t);
        }
        if (isdigit((unsigned char)c) ||
            ((c == '-' || c == '+') && ps->p + 1 < ps->aend && isdigit((unsigned char)ps->p[1]))) {
                char *end;
                t->num = strtod(ps->p, &end);
                if (end > ps->aend || end == ps->p)
                        return terr(ps->err, "bad number syntax");
                t->is_int = memchr(ps->p, '.', (size_t)(end - ps->p)) == NULL &&
                            memchr(ps->p, 'e', (size_t)(end - ps->p)) == NULL;
                ps->p = end;
                t->kind = T_NUM;
                return 0;
        }
        char *id = ident(ps);
        if (id == NULL)
                return terr(ps->err, "unexpected \"%c\" in command", c);
        if (strcmp(id, "true") == 0 || strcmp(id, "false") == 0) {
                t->kind = T_BOOL;
                t->truth = id[0] == 't';
                free(id);
        } else if (strcmp(id, "nil") == 0) {
                t->kind = T_NIL;
                free(id);
        } else {
                t->kind = T_FUNC;
                t->name = id;
        }
        return 0;
}

/* A pipeline up to stop's first character (")" inside parentheses) or the action's end. */
static int parse_pipe(parser_t *ps, const char *stop, pipe_t **ret)
{
        _cleanup_(pipe_freep) pipe_t *p = berth_xmalloc0(sizeof(*p));
        int r;
        skip_space(ps);
        /* $x := / $x = / $i, $e := */
        const char *save = ps->p;
        while (ps->p < ps->aend && *ps->p == '$' && p->n_vars < 2) {
                ps->p++;
                char *v = ident(ps);
                skip_space(ps);
                p->vars[p->n_vars++] = v ? v : berth_xstrdup("");
                if (ps->p < ps->aend && *ps->p == ',') {
                        ps->p++;
                        skip_space(ps);
                        continue;
                }
                break;
        }
        if (p->n_vars > 0 && ps->p + 1 < ps->aend && ps->p[0] == ':' && ps->p[1] == '=') {
                p->declare = true;
                ps->p += 2;
        } else if (p->n_vars == 1 && ps->p < ps->aend && ps->p[0] == '=' &&
                   (ps->p + 1 >= ps->aend || ps->p[1] != '=')) {
                ps->p++;
        } else { /* not a declaration: the $ was an operand */
                for (size_t i = 0; i < p->n_vars; i++) {
                        free(p->vars[i]);
                        p->vars[i] = NULL;
                }
                p->n_vars = 0;
                ps->p = save;
        }
        for (;;) {
                skip_space(ps);
                cmd_t cmd = {0};
                while (ps->p < ps->aend && *ps->p != '|' && !strchr(stop, *ps->p)) {
                        cmd.args = berth_xrealloc(cmd.args, (cmd.n + 1) * sizeof(term_t));
                        if ((r = parse_term(ps, &cmd.args[cmd.n])) < 0) {
                                term_clear(&cmd.args[cmd.n]);
                                for (size_t i = 0; i < cmd.n; i++)
                                        term_clear(&cmd.args[i]);
                                free(cmd.args);
                                return r;
                        }
                        cmd.n++;
                        if (ps->p < ps->aend && !isspace((unsigned char)*ps->p) && *ps->p != '|' &&
                            !strchr(stop, *ps->p)) {
                                for (size_t i = 0; i < cmd.n; i++)
                                        term_clear(&cmd.args[i]);
                                free(cmd.args);
                                return terr(ps->err, "unexpected \"%c\" in operand", *ps->p);
                        }
                        skip_space(ps);
                }
                if (cmd.n == 0) {
                        free(cmd.args);
                        return terr(ps->err, "missing value for command");
                }
                p->cmds = berth_xrealloc(p->cmds, (p->n + 1) * sizeof(cmd_t));
                p->cmds[p->n++] = cmd;
                if (ps->p < ps->aend && *ps->p == '|') {
                        ps->p++;
                        continue;
                }
                break;
        }
        *ret = TAKE_PTR(p);
        return 0;
}

typedef enum { END_NONE, END_END, END_ELSE, END_EOF } ender;

/* The nodes up to an {{end}} or {{else…}} (*ret_end says which; an "else if"'s pipeline
 * in *ret_elseif), or the template's end. */
static int parse_list(parser_t *ps, list_t *l, ender *ret_end, pipe_t **ret_elseif)
{
        for (;;) {
                const char *open = strstr(ps->p, "{{");
                const char *text_end = open ? open : ps->p + strlen(ps->p);
                const char *ts = ps->p;
                if (ps->trim)
                        while (ts < text_end && isspace((unsigned char)*ts))
                                ts++;
                ps->trim = false;
                const char *te = text_end;
                if (open && open[2] == '-' && isspace((unsigned char)open[3]))
                        while (te > ts && isspace((unsigned char)te[-1]))
                                te--;
                if (te > ts) {
                        node_t *n = list_push(l);
                        n->kind = N_TEXT;
                        n->text = strndup(ts, (size_t)(te - ts));
                        n->len = (size_t)(te - ts);
                }
                if (open == NULL) {
                        *ret_end = END_EOF;
                        return 0;
                }
                const char *close = strstr(open + 2, "}}");
                if (close == NULL)
                        return terr(ps->err, "unclosed action");
                ps->p = open + 2;
                ps->aend = close;
                if (*ps->p == '-' && isspace((unsigned char)ps->p[1]))
                        ps->p++;
                if (ps->aend - 1 > ps->p && ps->aend[-1] == '-' &&
                    isspace((unsigned char)ps->aend[-2])) {
                        ps->aend--;
                        ps->trim = true;
                }
                skip_space(ps);
                const char *after = close + 2;
                if (ps->aend - ps->p >= 2 && ps->p[0] == '/' && ps->p[1] == '*') {
                        ps->p = after; /* a comment */
                        continue;
                }
                const char *save = ps->p;
                _cleanup_free_ char *kw = ident(ps);
                if (kw && strcmp(kw, "end") == 0) {
                        ps->p = after;
                        *ret_end = END_END;
                        return 0;
                }
                if (kw && strcmp(kw, "else") == 0) {
                        skip_space(ps);
                        const char *s2 = ps->p;
                        _cleanup_free_ char *kw2 = ident(ps);
                        if (kw2 && strcmp(kw2, "if") == 0) {
                                int r = parse_pipe(ps, "", ret_elseif);
                                if (r < 0)
                                        return r;
                        } else {
                                ps->p = s2;
                                if (ps->p < ps->aend)
                                        return terr(ps->err, "unexpected text after else");
                        }
                        ps->p = after;
                        *ret_end = END_ELSE;
                        return 0;
                }
                node_kind kind = N_ACTION;
                if (kw && strcmp(kw, "if") == 0)
                        kind = N_IF;
                else if (kw && strcmp(kw, "range") == 0)
                        kind = N_RANGE;
                else if (kw && strcmp(kw, "with") == 0)
                        kind = N_WITH;
                else
                        ps->p = save;
                pipe_t *pipe = NULL;
                int r = parse_pipe(ps, "", &pipe);
                if (r < 0)
                        return r;
                if (ps->p < ps->aend) {
                        pipe_free(pipe);
                        return terr(ps->err, "unexpected \"%c\" in command", *ps->p);
                }
                node_t *n = list_push(l);
                n->kind = kind;
                n->pipe = pipe;
                ps->p = after;
                if (kind == N_ACTION)
                        continue;
                /* the body, then an else (an "else if" nests an if in it) up to one end */
                node_t *cur = n;
                ender e;
                pipe_t *elseif = NULL;
                if ((r = parse_list(ps, &cur->body, &e, &elseif)) < 0)
                        return r;
                while (e == END_ELSE) {
                        if (elseif) {
                                node_t *in = list_push(&cur->orelse);
                                in->kind = N_IF;
                                in->pipe = elseif;
                                elseif = NULL;
                                cur = in;
                                if ((r = parse_list(ps, &cur->body, &e, &elseif)) < 0)
                                        return r;
                                continue;
                        }
                        if ((r = parse_list(ps, &cur->orelse, &e, &elseif)) < 0)
                                return r;
                        if (e == END_ELSE)
                                return terr(ps->err, "a second else");
                }
                if (e != END_END)
                        return terr(ps->err, "unexpected EOF: %s without end",
                                    kind == N_IF      ? "if"
                                    : kind == N_RANGE ? "range"
                                                      : "with");
        }
}

/* ---- running ---- */

typedef struct {
        char *name;
        json_t *v; /* a reference of ours; NULL: no value */
} var_t;

typedef struct {
        const json_t *root;
        var_t *vars;
        size_t n_vars;
        out_t *o;
        errbuf_t *err;
} run_t;

static void var_push(run_t *rs, const char *name, json_t *v)
{
        rs->vars = berth_xrealloc(rs->vars, (rs->n_vars + 1) * sizeof(var_t));
        rs->vars[rs->n_vars++] = (var_t){berth_xstrdup(name), v};
}

static void vars_pop_to(run_t *rs, size_t mark)
{
        while (rs->n_vars > mark) {
                var_t *v = &rs->vars[--rs->n_vars];
                free(v->name);
                json_decref(v->v);
        }
}

static var_t *var_find(run_t *rs, const char *name)
{
        for (size_t i = rs->n_vars; i-- > 0;)
                if (strcmp(rs->vars[i].name, name) == 0)
                        return &rs->vars[i];
        return NULL;
}

static bool truth(const json_t *v)
{
        if (v == NULL)
                return false;
        switch (json_typeof(v)) {
        case JSON_FALSE:
        case JSON_NULL:
                return false;
        case JSON_TRUE:
                return true;
        case JSON_INTEGER:
                return json_integer_value(v) != 0;
        case JSON_REAL:
                return json_real_value(v) != 0;
        case JSON_STRING:
                return json_string_length(v) > 0;
        case JSON_ARRAY:
                return json_array_size(v) > 0;
        case JSON_OBJECT:
                return json_object_size(v) > 0;
        }
        return false;
}

/* v.f for each field (v: a reference of ours, consumed); *ret a reference or NULL */
static int fields_of(run_t *rs, json_t *v, char *const *fields, size_t n, json_t **ret)
{
        for (size_t i = 0; i < n; i++) {
                if (v == NULL || json_is_null(v)) {
                        json_decref(v);
                        v = NULL;
                        continue; /* nothing under a missing value: no value */
                }
                if (!json_is_object(v)) {
                        json_decref(v);
                        return terr(rs->err, "can't evaluate field %s", fields[i]);
                }
                json_t *next = json_object_get(v, fields[i]);
                if (next == NULL && v == rs->root) {
                        json_decref(v);
                        return terr(rs->err, "can't evaluate field %s", fields[i]);
                }
                json_incref(next);
                json_decref(v);
                v = next;
        }
        *ret = v;
        return 0;
}

static int run_pipe(run_t *rs, const pipe_t *p, json_t *dot, json_t **ret);

static int call(run_t *rs, const char *fn, json_t **args, size_t n, json_t **ret);

static int eval_term(run_t *rs, const term_t *t, json_t *dot, json_t **ret)
{
        json_t *v = NULL;
        int r;
        switch (t->kind) {
        case T_FIELD:
        case T_DOT:
                v = json_incref(dot);
                break;
        case T_VAR: {
                var_t *x = var_find(rs, t->name);
                if (x == NULL)
                        return terr(rs->err, "undefined variable \"$%s\"", t->name);
                v = json_incref(x->v);
                break;
        }
        case T_STR:
                *ret = json_string(t->name);
                return 0;
        case T_NUM:
                *ret = t->is_int ? json_integer((json_int_t)t->num) : json_real(t->num);
                return 0;
        case T_BOOL:
                *ret = json_boolean(t->truth);
                return 0;
        case T_NIL:
                *ret = NULL;
                return 0;
        case T_FUNC:
                return call(rs, t->name, NULL, 0, ret);
        case T_PIPE:
                if ((r = run_pipe(rs, t->pipe, dot, &v)) < 0)
                        return r;
                break;
        }
        return fields_of(rs, v, t->fields, t->n_fields, ret);
}

static void args_free(json_t **args, size_t n)
{
        for (size_t i = 0; i < n; i++)
                json_decref(args[i]);
        free(args);
}

/* docker's `.Label "name"` method of its listings' rows (and of anything with Labels): the
 * label's value, "" when it has none; Labels an object, or a row's "k=v,k2=v2" text */
static int label_method(run_t *rs, const cmd_t *c, json_t *dot, json_t *piped, json_t **ret)
{
        term_t recv = c->args[0];
        recv.n_fields--; /* the receiver: the chain without "Label" */
        json_t *obj = NULL, *key = NULL;
        int r = eval_term(rs, &recv, dot, &obj);
        if (r == 0)
                r = c->n == 2 ? eval_term(rs, &c->args[1], dot, &key)
                              : (key = json_incref(piped), 0);
        const char *name = key && json_is_string(key) ? json_string_value(key) : NULL;
        if (r == 0 && name == NULL)
                r = terr(rs->err, "Label wants a label's name");
        const json_t *labels = json_object_get(obj, "Labels");
        const char *value = "";
        _cleanup_free_ char *copy = NULL;
        if (r == 0 && json_is_true(json_object_get(obj, CLI_FORMAT_HEADER_KEY))) {
                /* a table's header: docker's, the name's last part in capitals */
                const char *last = strrchr(name, '.');
                copy = berth_xstrdup(last ? last + 1 : name);
                for (char *p = copy; *p; p++)
                        *p = *p == '-' || *p == '_' ? ' ' : (char)toupper((unsigned char)*p);
                value = copy;
        } else if (r == 0 && json_is_object(labels)) {
                value = json_string_value(json_object_get(labels, name)) ?: "";
        } else if (r == 0 && json_is_string(labels)) {
                copy = berth_xstrdup(json_string_value(labels));
                size_t len = strlen(name);
                char *save = NULL;
                for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save))
                        if (strncmp(kv, name, len) == 0 && kv[len] == '=') {
                                value = kv + len + 1;
                                break;
                        }
        }
        if (r == 0)
                *ret = json_string(value);
        json_decref(obj);
        json_decref(key);
        return r;
}

/* One command: a function call with its arguments (and the piped value last), or a single
 * operand. */
static int run_cmd(run_t *rs, const cmd_t *c, json_t *dot, json_t *piped, bool has_piped,
                   json_t **ret)
{
        int r;
        if (c->args[0].kind == T_FUNC) {
                size_t n = c->n - 1 + has_piped;
                json_t **args = berth_xmalloc0((n ? n : 1) * sizeof(json_t *));
                for (size_t i = 1; i < c->n; i++)
                        if ((r = eval_term(rs, &c->args[i], dot, &args[i - 1])) < 0) {
                                args_free(args, n);
                                return r;
                        }
                if (has_piped)
                        args[n - 1] = json_incref(piped);
                r = call(rs, c->args[0].name, args, n, ret);
                args_free(args, n);
                return r;
        }
        const term_t *t = &c->args[0];
        if ((c->n == 2 || (c->n == 1 && has_piped)) && t->n_fields > 0 &&
            strcmp(t->fields[t->n_fields - 1], "Label") == 0)
                return label_method(rs, c, dot, piped, ret);
        if (c->n > 1 || has_piped)
                return terr(rs->err, "can't give argument to non-function");
        return eval_term(rs, &c->args[0], dot, ret);
}

static int run_pipe(run_t *rs, const pipe_t *p, json_t *dot, json_t **ret)
{
        json_t *v = NULL;
        int r;
        for (size_t i = 0; i < p->n; i++) {
                json_t *next = NULL;
                r = run_cmd(rs, &p->cmds[i], dot, v, i > 0, &next);
                json_decref(v);
                if (r < 0)
                        return r;
                v = next;
        }
        if (p->n_vars == 1) {
                var_t *x = p->declare ? NULL : var_find(rs, p->vars[0]);
                if (!p->declare && x == NULL) {
                        json_decref(v);
                        return terr(rs->err, "undefined variable \"$%s\"", p->vars[0]);
                }
                if (x) {
                        json_decref(x->v);
                        x->v = json_incref(v);
                } else {
                        var_push(rs, p->vars[0], json_incref(v));
                }
        }
        *ret = v;
        return 0;
}

static int run_list(run_t *rs, const list_t *l, json_t *dot);

/* One round of a range: its variables set ($i or $k and $e; or $e), the body run on e; key a
 * reference it takes. */
static int range_one(run_t *rs, const node_t *n, json_t *key, json_t *e)
{
        size_t mark = rs->n_vars;
        if (n->pipe->n_vars == 2) {
                var_push(rs, n->pipe->vars[0], key);
                key = NULL;
                var_push(rs, n->pipe->vars[1], json_incref(e));
        } else if (n->pipe->n_vars == 1) {
                var_push(rs, n->pipe->vars[0], json_incref(e));
        }
        json_decref(key);
        int r = run_list(rs, &n->body, e);
        vars_pop_to(rs, mark);
        return r;
}

static int run_node(run_t *rs, const node_t *n, json_t *dot)
{
        json_t *v = NULL;
        int r = 0;
        size_t mark = rs->n_vars;
        switch (n->kind) {
        case N_TEXT:
                add(rs->o, n->text, n->len);
                return 0;
        case N_ACTION:
                if ((r = run_pipe(rs, n->pipe, dot, &v)) < 0)
                        return r;
                if (n->pipe->n_vars == 0)
                        go_print(rs->o, v, true);
                json_decref(v);
                return 0; /* a declared variable lives to the end of its block */
        case N_IF:
        case N_WITH:
                if ((r = run_pipe(rs, n->pipe, dot, &v)) < 0)
                        return r;
                if (truth(v))
                        r = run_list(rs, &n->body, n->kind == N_WITH ? v : dot);
                else
                        r = run_list(rs, &n->orelse, dot);
                json_decref(v);
                break;
        case N_RANGE: {
                /* the range's own variables are the element's, not the pipeline's result */
                pipe_t bare = *n->pipe;
                bare.n_vars = 0;
                if ((r = run_pipe(rs, &bare, dot, &v)) < 0)
                        return r;
                size_t count = 0;
                if (v && json_is_array(v)) {
                        size_t i;
                        json_t *e;
                        json_array_foreach (v, i, e) {
                                r = range_one(rs, n, json_integer((json_int_t)i), e);
                                count++;
                                if (r < 0)
                                        break;
                        }
                } else if (v && json_is_object(v)) {
                        size_t nk;
                        _cleanup_free_ const char **keys = sorted_keys(v, &nk);
                        for (size_t i = 0; i < nk; i++) {
                                r = range_one(rs, n, json_string(keys[i]),
                                              json_object_get(v, keys[i]));
                                count++;
                                if (r < 0)
                                        break;
                        }
                } else if (v && !json_is_null(v)) {
                        json_decref(v);
                        return terr(rs->err, "range can't iterate over %s",
                                    json_is_string(v) ? "a string" : "a number or boolean");
                }
                if (r == 0 && count == 0)
                        r = run_list(rs, &n->orelse, dot);
                json_decref(v);
                break;
        }
        }
        vars_pop_to(rs, mark);
        return r;
}

static int run_list(run_t *rs, const list_t *l, json_t *dot)
{
        size_t mark = rs->n_vars;
        int r = 0;
        for (size_t i = 0; r == 0 && i < l->n; i++)
                r = run_node(rs, &l->v[i], dot);
        vars_pop_to(rs, mark);
        return r;
}

/* ---- functions ---- */

/* v as Go's fmt prints it with %v / print */
static char *text_of(const json_t *v)
{
        out_t o = {.s = berth_xstrdup("")};
        go_print(&o, v, false);
        return o.s;
}

static bool number_of(const json_t *v, double *ret)
{
        if (v && json_is_number(v)) {
                *ret = json_number_value(v);
                return true;
        }
        return false;
}

static bool equal(const json_t *a, const json_t *b)
{
        double x, y;
        if (number_of(a, &x) && number_of(b, &y))
                return x == y;
        if (a == NULL || b == NULL)
                return a == b || (a && json_is_null(a)) || (b && json_is_null(b));
        return json_equal((json_t *)a, (json_t *)b);
}

/* a < b for numbers or strings: 1 or 0; -1 when they cannot be compared */
static int less(const json_t *a, const json_t *b)
{
        double x, y;
        if (number_of(a, &x) && number_of(b, &y))
                return x < y;
        if (a && b && json_is_string(a) && json_is_string(b))
                return strcmp(json_string_value(a), json_string_value(b)) < 0;
        return -1;
}

/* printf's verbs %s %v %d %q %f %x and %%, with flags and widths passed on */
static json_t *go_printf(const char *fmt, json_t **args, size_t n)
{
        out_t o = {.s = berth_xstrdup("")};
        size_t ai = 0;
        for (const char *p = fmt; *p; p++) {
                if (*p != '%') {
                        add(&o, p, 1);
                        continue;
                }
                const char *spec = p++;
                while (*p && strchr("-+ #0123456789.", *p))
                        p++;
                if (*p == '\0')
                        break;
                if (*p == '%') {
                        adds(&o, "%");
                        continue;
                }
                char flags[32];
                size_t fl = (size_t)(p - spec);
                if (fl >= sizeof(flags) - 4)
                        fl = sizeof(flags) - 4;
                memcpy(flags, spec, fl);
                const json_t *a = ai < n ? args[ai++] : NULL;
                char buf[512];
                double d;
                if (*p == 'd' || *p == 'x') {
                        strcpy(flags + fl, *p == 'd' ? "lld" : "llx");
                        snprintf(buf, sizeof(buf), flags, number_of(a, &d) ? (long long)d : 0LL);
                } else if (*p == 'f') {
                        strcpy(flags + fl, "f");
                        snprintf(buf, sizeof(buf), flags, number_of(a, &d) ? d : 0.0);
                } else {
                        _cleanup_free_ char *s = text_of(a);
                        if (*p == 'q') {
                                _cleanup_free_ char *q = berth_xasprintf("\"%s\"", s);
                                strcpy(flags + fl, "s");
                                snprintf(buf, sizeof(buf), flags, q);
                        } else {
                                strcpy(flags + fl, "s");
                                snprintf(buf, sizeof(buf), flags, s);
                        }
                }
                adds(&o, buf);
        }
        json_t *r = json_string(o.s);
        free(o.s);
        return r;
}

static const char *str_arg(json_t **args, size_t n, size_t i)
{
        return i < n && args[i] && json_is_string(args[i]) ? json_string_value(args[i]) : NULL;
}

static int call(run_t *rs, const char *fn, json_t **args, size_t n, json_t **ret)
{
        *ret = NULL;
        if (strcmp(fn, "and") == 0 || strcmp(fn, "or") == 0) {
                if (n == 0)
                        return terr(rs->err, "wrong number of args for %s", fn);
                bool want = fn[0] == 'o';
                size_t i = 0;
                while (i + 1 < n && truth(args[i]) != want)
                        i++;
                *ret = json_incref(args[i]);
                return 0;
        }
        if (strcmp(fn, "not") == 0) {
                if (n != 1)
                        return terr(rs->err, "wrong number of args for not: want 1 got %zu", n);
                *ret = json_boolean(!truth(args[0]));
                return 0;
        }
        if (strcmp(fn, "eq") == 0 || strcmp(fn, "ne") == 0) {
                if (n < 2)
                        return terr(rs->err, "missing argument for comparison");
                bool any = false;
                for (size_t i = 1; i < n; i++)
                        any = any || equal(args[0], args[i]);
                *ret = json_boolean(fn[0] == 'e' ? any : !any);
                return 0;
        }
        if (strcmp(fn, "lt") == 0 || strcmp(fn, "le") == 0 || strcmp(fn, "gt") == 0 ||
            strcmp(fn, "ge") == 0) {
                if (n != 2)
                        return terr(rs->err, "wrong number of args for %s: want 2 got %zu", fn, n);
                bool gt = fn[0] == 'g', eq = fn[1] == 'e';
                int l = gt ? less(args[1], args[0]) : less(args[0], args[1]);
                if (l < 0)
                        return terr(rs->err, "incompatible types for comparison");
                *ret = json_boolean(l || (eq && equal(args[0], args[1])));
                return 0;
        }
        if (strcmp(fn, "len") == 0) {
                const json_t *v = n == 1 ? args[0] : NULL;
                size_t len = v == NULL           ? SIZE_MAX
                             : json_is_array(v)  ? json_array_size(v)
                             : json_is_object(v) ? json_object_size(v)
                             : json_is_string(v) ? json_string_length(v)
                                                 : SIZE_MAX;
                if (len == SIZE_MAX)
                        return terr(rs->err,
                                    "error calling len: len of a value that is not a list, "
                                    "map or string");
                *ret = json_integer((json_int_t)len);
                return 0;
        }
        if (strcmp(fn, "index") == 0) {
                if (n < 1)
                        return terr(rs->err, "wrong number of args for index");
                json_t *v = args[0];
                for (size_t i = 1; v && i < n; i++) {
                        double d;
                        if (json_is_object(v) && str_arg(args, n, i))
                                v = json_object_get(v, str_arg(args, n, i));
                        else if (json_is_array(v) && number_of(args[i], &d)) {
                                if (d < 0 || d >= (double)json_array_size(v))
                                        return terr(rs->err,
                                                    "error calling index: index out of "
                                                    "range: %lld",
                                                    (long long)d);
                                v = json_array_get(v, (size_t)d);
                        } else if (json_is_null(v)) {
                                v = NULL;
                        } else {
                                return terr(rs->err,
                                            "error calling index: cannot index this value");
                        }
                }
                *ret = json_incref(v);
                return 0;
        }
        if (strcmp(fn, "slice") == 0) {
                double a = 0, b = -1;
                if (n < 1 || (n > 1 && !number_of(args[1], &a)) ||
                    (n > 2 && !number_of(args[2], &b)))
                        return terr(rs->err, "error calling slice: bad arguments");
                if (args[0] && json_is_string(args[0])) {
                        size_t len = json_string_length(args[0]);
                        size_t s = (size_t)a, e = b < 0 ? len : (size_t)b;
                        if (s > e || e > len)
                                return terr(rs->err, "error calling slice: index out of range");
                        *ret = json_stringn(json_string_value(args[0]) + s, e - s);
                        return 0;
                }
                if (args[0] && json_is_array(args[0])) {
                        size_t len = json_array_size(args[0]);
                        size_t s = (size_t)a, e = b < 0 ? len : (size_t)b;
                        if (s > e || e > len)
                                return terr(rs->err, "error calling slice: index out of range");
                        json_t *out = json_array();
                        for (size_t i = s; i < e; i++)
                                json_array_append(out, json_array_get(args[0], i));
                        *ret = out;
                        return 0;
                }
                return terr(rs->err, "error calling slice: cannot slice this value");
        }
        if (strcmp(fn, "print") == 0 || strcmp(fn, "println") == 0) {
                out_t o = {.s = berth_xstrdup("")};
                bool ln = fn[5] == 'l';
                for (size_t i = 0; i < n; i++) {
                        /* print: a space between operands when neither is a string */
                        if (i > 0 && (ln || (!(args[i - 1] && json_is_string(args[i - 1])) &&
                                             !(args[i] && json_is_string(args[i])))))
                                adds(&o, " ");
                        go_print(&o, args[i], false);
                }
                if (ln)
                        adds(&o, "\n");
                *ret = json_string(o.s);
                free(o.s);
                return 0;
        }
        if (strcmp(fn, "printf") == 0) {
                const char *f = str_arg(args, n, 0);
                if (f == NULL)
                        return terr(rs->err, "printf wants a format string");
                *ret = go_printf(f, args + 1, n - 1);
                return 0;
        }
        if (strcmp(fn, "json") == 0) {
                if (n != 1)
                        return terr(rs->err, "wrong number of args for json: want 1 got %zu", n);
                char *s = args[0] ? json_dumps(args[0], JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
                *ret = json_string(s ? s : "null");
                free(s);
                return 0;
        }
        if (strcmp(fn, "join") == 0) {
                const char *sep = str_arg(args, n, 1);
                if (n != 2 || sep == NULL || !(args[0] && json_is_array(args[0])))
                        return terr(rs->err, "error calling join: want a list and a separator");
                out_t o = {.s = berth_xstrdup("")};
                size_t i;
                json_t *e;
                json_array_foreach (args[0], i, e) {
                        if (i)
                                adds(&o, sep);
                        go_print(&o, e, false);
                }
                *ret = json_string(o.s);
                free(o.s);
                return 0;
        }
        if (strcmp(fn, "split") == 0) {
                const char *s = str_arg(args, n, 0), *sep = str_arg(args, n, 1);
                if (n != 2 || s == NULL || sep == NULL)
                        return terr(rs->err, "error calling split: want a string and a separator");
                json_t *out = json_array();
                size_t sl = strlen(sep);
                for (const char *p = s;;) {
                        const char *hit = sl ? strstr(p, sep) : NULL;
                        if (hit == NULL) {
                                json_array_append_new(out, json_string(p));
                                break;
                        }
                        json_array_append_new(out, json_stringn(p, (size_t)(hit - p)));
                        p = hit + sl;
                }
                *ret = out;
                return 0;
        }
        if (strcmp(fn, "lower") == 0 || strcmp(fn, "upper") == 0 || strcmp(fn, "title") == 0) {
                if (n != 1)
                        return terr(rs->err, "wrong number of args for %s: want 1 got %zu", fn, n);
                char *s = text_of(args[0]);
                bool start = true;
                for (char *p = s; *p; p++) {
                        if (fn[0] == 'l')
                                *p = (char)tolower((unsigned char)*p);
                        else if (fn[0] == 'u' || start)
                                *p = (char)toupper((unsigned char)*p);
                        start = isspace((unsigned char)*p);
                }
                *ret = json_string(s);
                free(s);
                return 0;
        }
        if (strcmp(fn, "pad") == 0) { /* docker's: spaces before and after */
                double a, b;
                if (n != 3 || !number_of(args[1], &a) || !number_of(args[2], &b) || a < 0 ||
                    b < 0 || a > 4096 || b > 4096)
                        return terr(rs->err, "error calling pad: want a value and two counts");
                _cleanup_free_ char *s = text_of(args[0]);
                _cleanup_free_ char *p = berth_xasprintf("%*s%s%*s", (int)a, "", s, (int)b, "");
                *ret = json_string(p);
                return 0;
        }
        if (strcmp(fn, "truncate") == 0) {
                double len;
                if (n != 2 || !number_of(args[1], &len) || len < 0)
                        return terr(rs->err, "error calling truncate: want a value and a length");
                _cleanup_free_ char *s = text_of(args[0]);
                if (strlen(s) > (size_t)len)
                        s[(size_t)len] = '\0';
                *ret = json_string(s);
                return 0;
        }
        return terr(rs->err, "function \"%s\" not defined", fn);
}

/* ---- the entry point ---- */

char *cli_format_json(const char *tmpl, const json_t *v, char *msg, size_t msgsz)
{
        errbuf_t eb = {msg, msgsz};
        parser_t ps = {.p = tmpl, .err = &eb};
        list_t root = {0};
        ender e;
        pipe_t *stray = NULL;
        int r = parse_list(&ps, &root, &e, &stray);
        if (r == 0 && e != END_EOF) {
                pipe_free(stray);
                r = terr(&eb, "unexpected {{%s}}", e == END_END ? "end" : "else");
        }
        out_t o = {.s = berth_xstrdup("")};
        if (r == 0) {
                run_t rs = {.root = v, .o = &o, .err = &eb};
                var_push(&rs, "", json_incref((json_t *)v));
                r = run_list(&rs, &root, (json_t *)v);
                vars_pop_to(&rs, 0);
                free(rs.vars);
        }
        list_clear(&root);
        if (r < 0) {
                free(o.s);
                return NULL;
        }
        return o.s;
}
