/* SPDX-License-Identifier: Apache-2.0 */
/* .dockerignore: reading the file and applying its patterns (dockerignore.h). */
#include "dockerignore.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "glob.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct di_pattern {
        char *text;     /* cleaned, without the '!' */
        char *stem;     /* text without a trailing slash-and-globstar or slash-and-star, then "/" */
        bool exception; /* it had a '!' */
        berth_glob *glob;
};

struct berth_dockerignore {
        struct di_pattern *v;
        size_t n, cap;
        bool exceptions;       /* some pattern has a '!' */
        bool plain_exceptions; /* and every such pattern's stem is a plain path */
        char *source;
};

void berth_dockerignore_free(berth_dockerignore *ign)
{
        if (ign == NULL)
                return;
        for (size_t i = 0; i < ign->n; i++) {
                free(ign->v[i].text);
                free(ign->v[i].stem);
                berth_glob_free(ign->v[i].glob);
        }
        free(ign->v);
        free(ign->source);
        free(ign);
}

static void dockerignore_freep(berth_dockerignore **p)
{
        berth_dockerignore_free(*p);
}

static berth_dockerignore *dockerignore_empty(void)
{
        berth_dockerignore *ign = berth_xmalloc0(sizeof(*ign));
        ign->plain_exceptions = true;
        return ign;
}

/* Bytes of the Unicode white space rune (Go's unicode.IsSpace) starting at s, or 0. */
static size_t space_at(const unsigned char *s, size_t len)
{
        if (len >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
                return 1;
        if (len >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
                return 2;
        if (len < 3)
                return 0;
        if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80) /* U+1680 */
                return 3;
        if (s[0] == 0xe2 && s[1] == 0x80 && /* U+2000-200A, U+2028, U+2029, U+202F */
            ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
                return 3;
        if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) /* U+205F */
                return 3;
        if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) /* U+3000 */
                return 3;
        return 0;
}

/* Go's strings.TrimSpace on s[0..*len): returns the new start, updates *len. */
static const char *trim_space(const char *s, size_t *len)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t start = 0, end = *len, w;
        while (start < end && (w = space_at(u + start, end - start)) > 0)
                start += w;
        for (;;) {
                size_t cut = 0;
                for (w = 1; w <= 3 && w <= end - start && cut == 0; w++)
                        if (space_at(u + end - w, w) == w)
                                cut = w;
                if (cut == 0)
                        break;
                end -= cut;
        }
        *len = end - start;
        return s + start;
}

/*
 * One line as ignorefile.ReadAll turns it into a pattern (after its comment
 * check): trimmed, "!" split off and the rest trimmed, cleaned, one leading
 * '/' dropped. NULL for a line that gives no pattern.
 */
static char *read_line_pattern(const char *line, size_t len)
{
        const char *p = trim_space(line, &len);
        if (len == 0)
                return NULL;
        bool invert = p[0] == '!';
        if (invert) {
                p++, len--;
                p = trim_space(p, &len);
        }
        _cleanup_free_ char *clean = NULL;
        const char *body = "";
        if (len > 0) {
                clean = berth_path_clean_go(p, len);
                body = clean;
                if (strlen(body) > 1 && body[0] == '/')
                        body++;
        }
        return berth_xasprintf("%s%s", invert ? "!" : "", body);
}

/* patternmatcher.New for one pattern: trimmed and cleaned again, then the '!' taken off. */
static int add_pattern(berth_dockerignore *ign, const char *raw, berth_error *err)
{
        size_t len = strlen(raw);
        const char *t = trim_space(raw, &len);
        if (len == 0)
                return 0;
        _cleanup_free_ char *p = berth_path_clean_go(t, len);
        const char *body = p;
        bool exception = false;
        if (p[0] == '!') {
                if (p[1] == '\0')
                        return berth_errx(err, EINVAL, "illegal exclusion pattern: \"!\"");
                exception = true;
                body = p + 1;
        }
        berth_glob *g;
        if (berth_glob_compile(body, BERTH_GLOB_DOCKERIGNORE, &g) < 0)
                return berth_errx(err, EINVAL, "syntax error in pattern '%s'", body);

        if (ign->n == ign->cap) {
                ign->cap = ign->cap ? ign->cap * 2 : 8;
                ign->v = berth_xrealloc(ign->v, ign->cap * sizeof(*ign->v));
        }
        struct di_pattern *d = &ign->v[ign->n++];
        d->text = berth_xstrdup(body);
        d->exception = exception;
        d->glob = g;
        /* fsutil's patternWithoutTrailingGlob, then the separator. */
        size_t sl = strlen(body);
        if (sl >= 3 && strcmp(body + sl - 3, "/**") == 0)
                sl -= 3;
        if (sl >= 2 && strncmp(body + sl - 2, "/*", 2) == 0)
                sl -= 2;
        d->stem = berth_xasprintf("%.*s/", (int)sl, body);
        if (exception) {
                ign->exceptions = true;
                if (strpbrk(d->stem, "*[]?^\\"))
                        ign->plain_exceptions = false;
        }
        return 0;
}

int berth_dockerignore_new(char *const *patterns, berth_dockerignore **ret, berth_error *err)
{
        _cleanup_(dockerignore_freep) berth_dockerignore *ign = dockerignore_empty();
        for (size_t i = 0; patterns && patterns[i]; i++) {
                _cleanup_free_ char *p = read_line_pattern(patterns[i], strlen(patterns[i]));
                if (p && add_pattern(ign, p, err) < 0)
                        return -err->code;
        }
        *ret = TAKE_PTR(ign);
        return 0;
}

int berth_dockerignore_parse(const char *text, size_t len, const char *name,
                             berth_dockerignore **ret, berth_error *err)
{
        _cleanup_(dockerignore_freep) berth_dockerignore *ign = dockerignore_empty();
        size_t pos = 0, lineno = 0;
        while (pos < len) {
                const char *line = text + pos;
                const char *nl = memchr(line, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - line) : len - pos;
                pos += n + (nl ? 1 : 0);
                lineno++;
                if (n > 0 && line[n - 1] == '\r')
                        n--;
                if (lineno == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
                        line += 3, n -= 3;
                if (n > 0 && line[0] == '#')
                        continue;
                if (memchr(line, '\0', n))
                        continue; /* no file name holds a NUL: it matches nothing */
                _cleanup_free_ char *p = read_line_pattern(line, n);
                if (p && add_pattern(ign, p, err) < 0)
                        return berth_wrap(err, "cannot parse '%s': line %zu", name, lineno);
        }
        *ret = TAKE_PTR(ign);
        return 0;
}

static bool absent(int r)
{
        return r == -ENOENT || r == -ENOTDIR || r == -EINVAL || r == -ELOOP;
}

static int load_one(int dirfd, const char *name, berth_dockerignore **ret, berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        berth_error e = {0};
        int r = berth_read_file_in_root(dirfd, name, BERTH_DOCKERIGNORE_MAX, &text, &len, &e);
        if (absent(r))
                return 0;
        if (r < 0) {
                *err = e;
                return berth_wrap(err, "cannot read '%s'", name);
        }
        r = berth_dockerignore_parse(text, len, name, ret, err);
        if (r < 0)
                return r;
        (*ret)->source = berth_xstrdup(name);
        return 1;
}

int berth_dockerignore_load(int context_dirfd, int dockerfile_dirfd, const char *dockerfile_name,
                            berth_dockerignore **ret, berth_error *err)
{
        int r;
        if (dockerfile_dirfd >= 0 && dockerfile_name && dockerfile_name[0]) {
                _cleanup_free_ char *name = berth_xasprintf("%s.dockerignore", dockerfile_name);
                r = load_one(dockerfile_dirfd, name, ret, err);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        r = load_one(context_dirfd, ".dockerignore", ret, err);
        if (r != 0)
                return r < 0 ? r : 0;
        *ret = dockerignore_empty();
        return 0;
}

const char *berth_dockerignore_source(const berth_dockerignore *ign)
{
        return ign->source;
}

size_t berth_dockerignore_count(const berth_dockerignore *ign)
{
        return ign->n;
}

const char *berth_dockerignore_pattern(const berth_dockerignore *ign, size_t i, bool *ret_exception)
{
        if (i >= ign->n)
                return NULL;
        if (ret_exception)
                *ret_exception = ign->v[i].exception;
        return ign->v[i].text;
}

bool berth_dockerignore_has_exceptions(const berth_dockerignore *ign)
{
        return ign->exceptions;
}

/* Whether g matches one of path's proper ancestors ("a", "a/b" for "a/b/c"). */
static bool ancestor_matches(const berth_glob *g, const char *path)
{
        _cleanup_free_ char *buf = berth_xstrdup(path);
        for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                bool m = berth_glob_match(g, buf);
                *s = '/';
                if (m)
                        return true;
        }
        return false;
}

bool berth_dockerignore_match(const berth_dockerignore *ign, const char *path,
                              const bool *parent_info, bool *ret_info)
{
        bool matched = false;
        for (size_t i = 0; i < ign->n; i++) {
                const struct di_pattern *p = &ign->v[i];
                bool m = parent_info && parent_info[i];
                if (!m) {
                        /* Docker skips what cannot change the outcome, and then does not
                         * record the pattern as matching for the children either. */
                        if (p->exception != matched) {
                                if (ret_info)
                                        ret_info[i] = false;
                                continue;
                        }
                        m = berth_glob_match(p->glob, path);
                        if (!m && parent_info == NULL)
                                m = ancestor_matches(p->glob, path);
                }
                if (ret_info)
                        ret_info[i] = m;
                if (m)
                        matched = !p->exception;
        }
        return matched;
}

bool berth_dockerignore_excluded(const berth_dockerignore *ign, const char *path)
{
        if (ign->n == 0)
                return false;
        _cleanup_free_ char *buf = berth_xstrdup(path);
        _cleanup_free_ bool *a = berth_xmalloc0(ign->n * sizeof(bool));
        _cleanup_free_ bool *b = berth_xmalloc0(ign->n * sizeof(bool));
        bool *parent = NULL, *cur = a;
        for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                berth_dockerignore_match(ign, buf, parent, cur);
                *s = '/';
                parent = cur;
                cur = cur == a ? b : a;
        }
        return berth_dockerignore_match(ign, buf, parent, NULL);
}

bool berth_dockerignore_descend(const berth_dockerignore *ign, const char *dir)
{
        if (!ign->exceptions)
                return false;
        if (!ign->plain_exceptions)
                return true;
        _cleanup_free_ char *dirslash = berth_xasprintf("%s/", dir);
        size_t len = strlen(dirslash);
        for (size_t i = 0; i < ign->n; i++)
                if (ign->v[i].exception && strncmp(ign->v[i].stem, dirslash, len) == 0)
                        return true;
        return false;
}
