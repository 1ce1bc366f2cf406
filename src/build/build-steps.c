/* SPDX-License-Identifier: Apache-2.0 */
/* The layer steps as the driver runs them: RUN, COPY and ADD, with the cache. */
#include "build-internal.h"
#include "run-mount.h"
#include "sweep.h"
#include "registry/client.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/buildcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void build_say(build *b, const char *fmt, ...)
{
        if (b->o->quiet)
                return;
        va_list ap;
        va_start(ap, fmt);
        vdprintf(b->o->out_fd, fmt, ap);
        va_end(ap);
}

static const char *created_of(build *b)
{
        return b->created[0] ? b->created : NULL;
}

int build_stage_materialize(build_stage *s, berth_error *err)
{
        if (s->has_image)
                return 0;
        berth_image_derive_opts d = {.created = created_of(s->b)};
        int r = berth_image_derive(s->b->im, &d, s->sc.cfg, &s->image, err);
        if (r < 0)
                return r;
        s->has_image = true;
        s->dirty = false;
        return 0;
}

bool build_cache_take(build_stage *s)
{
        if (s->no_cache)
                return false;
        berth_digest id;
        berth_error ignored = {0};
        if (berth_build_cache_get(s->b->im, berth_digest_hex(&s->key), &id, &ignored) < 0)
                return false;
        oci_image_config *cfg = NULL;
        oci_manifest *man = NULL;
        if (berth_image_load(s->b->im, &id, &cfg, &man, &ignored) < 0)
                return false;
        berth_oci_manifest_free(man);
        berth_oci_image_config_free(s->sc.cfg);
        s->sc.cfg = cfg;
        s->image = id;
        s->has_image = true;
        s->dirty = false;
        berth_strv_free(s->mkdirs);
        s->mkdirs = NULL;
        build_say(s->b, " ---> Using cache\n ---> %.12s\n", berth_digest_hex(&id));
        return true;
}

void build_step_done(build_stage *s)
{
        berth_strv_free(s->mkdirs);
        s->mkdirs = NULL;
        s->has_image = true;
        s->dirty = false;
        build_say(s->b, " ---> %.12s\n", berth_digest_hex(&s->image));
}

/* The RUN's network: its --network flag, else the build's; "default" (a namespace on the
 * default bridge) is the build's, and "none" when no one gives the builder networks. The
 * name is part of the step's key. */
static int run_network(build_stage *s, const berth_dockerfile_instr *in, const char **ret,
                       berth_error *err)
{
        const char *n = berth_dockerfile_flag_value(in, "network");
        if (n == NULL || strcmp(n, "default") == 0)
                n = s->b->o->network ? s->b->o->network : "default";
        if (strcmp(n, "default") == 0 && s->b->o->net == NULL)
                n = "none";
        if (strcmp(n, "none") != 0 && strcmp(n, "host") != 0 && strcmp(n, "default") != 0)
                return berth_errx(err, EINVAL, "network mode \"%s\" not supported by berth build",
                                  n);
        *ret = n;
        return 0;
}

/* The command a RUN runs: with heredocs, the shell reads them itself (the line and each
 * body with its terminator); a RUN of a single bare heredoc runs the body as the script. */
static char **run_command(build_stage *s, const berth_dockerfile_instr *in)
{
        if (in->json || in->n_heredocs == 0)
                return berth_build_command(&s->sc, in);
        const char *line = in->n_args ? in->args[0] : "";
        _cleanup_free_ char *script = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&script, &len);
        const berth_dockerfile_heredoc *h = &in->heredocs[0];
        const char *p = line + strspn(line, " \t");
        bool bare =
            in->n_heredocs == 1 && strncmp(p, "<<", 2) == 0 && strcspn(p, " \t") == strlen(p);
        if (bare) {
                fputs(h->content, f);
        } else {
                fputs(line, f);
                for (size_t i = 0; i < in->n_heredocs; i++)
                        fprintf(f, "\n%s%s", in->heredocs[i].content, in->heredocs[i].name);
        }
        fclose(f);
        berth_dockerfile_instr shell = *in;
        char *args[] = {script, NULL};
        shell.args = args;
        shell.n_args = 1;
        shell.json = false;
        return berth_build_command(&s->sc, &shell);
}

static int cmp_arg(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The legacy builder's history entry: "|2 A=1 B=2 /bin/sh -c make" (the stage's args,
 * sorted as it sorts them). */
static char *run_created_by(build_stage *s, char *const *args)
{
        _cleanup_free_ char *cmd = berth_strv_join(args, SIZE_MAX, " ");
        size_t n = berth_strv_length(s->sc.args);
        if (n == 0)
                return TAKE_PTR(cmd);
        _cleanup_strv_ char **sorted = berth_strv_dup(s->sc.args);
        qsort(sorted, n, sizeof(char *), cmp_arg);
        _cleanup_free_ char *a = berth_strv_join(sorted, SIZE_MAX, " ");
        return berth_xasprintf("|%zu %s %s", n, a, cmd);
}

/* Copy what fd holds to out (the output of a quiet build's failed step). */
static void replay(int fd, int out)
{
        char buf[65536];
        ssize_t n;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                if (berth_write_all(out, buf, (size_t)n) < 0)
                        return;
}

int build_step_run(build_stage *s, const berth_dockerfile_instr *in, berth_error *err)
{
        build *b = s->b;
        const char *network = NULL;
        build_mounts ms = {0};
        _cleanup_strv_ char **args = NULL, **env = NULL;
        _cleanup_free_ char *by = NULL, *extra = NULL;
        _cleanup_close_ int keep = -1;
        int r = run_network(s, in, &network, err);
        if (r == 0)
                r = build_mounts_prepare(s, in, &ms, err);
        if (r < 0)
                return r;
        extra = berth_xasprintf("%s\n%s", network, ms.key ? ms.key : "");
        build_key_next(s, in, extra, true);
        if (build_cache_take(s))
                goto out;
        if ((r = build_stage_materialize(s, err)) < 0)
                goto out;
        args = run_command(s, in);
        by = run_created_by(s, args);
        if (build_cache_from_take(s, by))
                goto out;
        env = build_args_run_env(s);
        bool has_sock = false;
        STRV_FOREACH (e, env)
                has_sock |= berth_str_has_prefix(*e, "SSH_AUTH_SOCK=");
        if (ms.ssh_sock && !has_sock) {
                _cleanup_free_ char *e = berth_xasprintf("SSH_AUTH_SOCK=%s", ms.ssh_sock);
                berth_strv_push(&env, e);
        }
        if (b->o->quiet) {
                keep = memfd_create("berth-build-run", MFD_CLOEXEC);
                if (keep < 0) {
                        r = berth_err(err, errno, "cannot keep the step's output");
                        goto out;
                }
        }
        berth_digest base = s->image;
        berth_build_run_opts ro = {.runtime_root = b->runtime_root,
                                   .work_dir = b->work_dir,
                                   .base = &base,
                                   .config = s->sc.cfg,
                                   .args = args,
                                   .env = env,
                                   .network = network,
                                   .net = b->o->net,
                                   .created = created_of(b),
                                   .created_by = by,
                                   .cache_key = berth_digest_hex(&s->key),
                                   .epoch = b->o->source_date_epoch >= 0 ? &b->o->source_date_epoch
                                                                         : NULL,
                                   .mkdirs = s->mkdirs,
                                   .mounts = ms.v,
                                   .n_mounts = ms.n,
                                   .out_fd = keep >= 0 ? keep : b->o->out_fd,
                                   .cancel = b->o->cancel};
        int status = -1;
        r = berth_build_step_run(b->im, &ro, &status, &s->image, err);
        if (r < 0) {
                if (keep >= 0)
                        replay(keep, b->o->out_fd);
                goto out;
        }
        build_step_done(s);
out:
        build_mounts_clear(&ms);
        return r;
}

/* ADD's downloads: at most this much each. */
#define BUILD_DOWNLOAD_MAX (8ULL << 30)

/* The legacy builder's history entry: "/bin/sh -c #(nop) COPY file:<hash> in /dst " (its
 * --chown written without a space before the hash, as docker does). */
static char *copy_created_by(build_stage *s, const berth_dockerfile_instr *in,
                             const berth_context_selection *sel, const char *dest,
                             const char *chown)
{
        const char *kind = "multi";
        if (sel && sel->n_items == 1 && in->n_heredocs == 0)
                kind = S_ISDIR(sel->entries[sel->items[0].first].mode) ? "dir" : "file";
        const char *hex = sel ? berth_digest_hex(&sel->digest) : "";
        _cleanup_free_ char *prefix = berth_build_nop_prefix(&s->sc);
        _cleanup_free_ char *ch =
            chown && *chown ? berth_xasprintf("--chown=%s", chown) : berth_xstrdup("");
        return berth_xasprintf("%s%s %s%s:%s in %s ", prefix, berth_dockerfile_cmd_upper(in->cmd),
                               ch, kind, hex, dest);
}

/* A flag's value expanded in the stage's scope, NULL when not given. */
static int flag_expanded(build_stage *s, const berth_dockerfile_instr *in, const char *name,
                         char **ret, berth_error *err)
{
        const char *v = berth_dockerfile_flag_value(in, name);
        *ret = NULL;
        return v ? berth_build_expand_in(&s->sc, v, ret, err) : 0;
}

typedef struct {
        char **sources; /* paths, expanded */
        berth_build_copy_inline *inlines;
        size_t n_inlines;
        char **inline_text; /* what inlines point into */
        char *dest, *from, *chown, *chmod;
        berth_build_source *src;
        berth_context_selection *sel;
        berth_digest from_id;
        char **excludes; /* --exclude patterns, expanded */
        bool urls;       /* ADD of URLs: downloaded into dl */
        berth_build_scratch dl;
} copy_args;

static void copy_args_clear(copy_args *a)
{
        berth_strv_free(a->sources);
        berth_strv_free(a->excludes);
        free(a->inlines);
        berth_strv_free(a->inline_text);
        free(a->dest);
        free(a->from);
        free(a->chown);
        free(a->chmod);
        if (a->src)
                berth_build_source_close(a->src);
        berth_context_selection_free(a->sel);
        if (a->urls)
                berth_build_scratch_close(&a->dl);
}

/* The name a URL's file gets: the last component of its path. */
static char *url_file_name(const char *url)
{
        const char *p = strstr(url, "://");
        p = p ? p + 3 : url;
        size_t end = strcspn(p, "?#");
        const char *slash = memrchr(p, '/', end);
        if (slash == NULL || (size_t)(slash - p) + 1 >= end)
                return NULL;
        return strndup(slash + 1, end - (size_t)(slash - p) - 1);
}

/* ADD https://…: each URL downloaded (every build, as docker's legacy builder does: its
 * content is the cache key) into a scratch dir, mode 0600 and Last-Modified's time, as
 * docker sets them; the sources become their names there. */
static int copy_download(build_stage *s, copy_args *a, berth_error *err)
{
        int r = berth_build_scratch_open(s->b->work_dir, "download", &a->dl, err);
        if (r < 0)
                return r;
        a->urls = true;
        STRV_FOREACH (u, a->sources) {
                _cleanup_free_ char *name = url_file_name(*u);
                if (name == NULL || !*name || !strcmp(name, ".") || !strcmp(name, ".."))
                        return berth_errx(err, EINVAL, "cannot determine filename from url: %s",
                                          *u);
                _cleanup_close_ int fd = openat(
                    a->dl.dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        return berth_err(err, errno, "cannot download %s", *u);
                int64_t mtime = -1;
                if ((r = berth_fetch_url(*u, fd, BUILD_DOWNLOAD_MAX, &mtime, err)) < 0)
                        return berth_wrap(err, "ADD failed");
                if (mtime >= 0) {
                        struct timespec ts[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
                        futimens(fd, ts);
                }
                free(*u);
                *u = TAKE_PTR(name);
        }
        return 0;
}

/* The instruction's words expanded: sources (paths and heredocs), dest, the flags. */
static int copy_expand(build_stage *s, const berth_dockerfile_instr *in, copy_args *a,
                       berth_error *err)
{
        const char *bad[] = {"parents", NULL};
        for (size_t i = 0; bad[i]; i++)
                if (berth_dockerfile_flag_value(in, bad[i]))
                        return berth_errx(err, ENOTSUP, "%s --%s is not supported yet",
                                          berth_dockerfile_cmd_upper(in->cmd), bad[i]);
        if (in->n_args < 2)
                return berth_errx(err, EINVAL, "%s requires at least two arguments",
                                  berth_dockerfile_cmd_upper(in->cmd));
        a->sources = berth_xmalloc0(sizeof(char *));
        a->inline_text = berth_xmalloc0(sizeof(char *));
        a->inlines = berth_xmalloc0(in->n_args * sizeof(*a->inlines));
        for (size_t i = 0; i + 1 < in->n_args; i++) {
                int h = in->arg_heredoc ? in->arg_heredoc[i] : -1;
                if (h < 0) {
                        _cleanup_free_ char *v = NULL;
                        if (berth_build_expand_in(&s->sc, in->args[i], &v, err) < 0)
                                return -err->code;
                        berth_strv_push(&a->sources, v);
                        continue;
                }
                const berth_dockerfile_heredoc *hd = &in->heredocs[h];
                _cleanup_free_ char *text = NULL;
                if (hd->expand) {
                        berth_build_expand_opts eo = {.escape = s->sc.escape, .no_quotes = true};
                        if (berth_build_expand(hd->content, &eo, berth_build_scope_lookup, &s->sc,
                                               &text, err) < 0)
                                return -err->code;
                } else {
                        text = berth_xstrdup(hd->content);
                }
                berth_strv_push(&a->inline_text, text);
        }
        size_t k = 0;
        for (size_t i = 0; i + 1 < in->n_args; i++) {
                int h = in->arg_heredoc ? in->arg_heredoc[i] : -1;
                if (h < 0)
                        continue;
                const char *t = a->inline_text[k];
                a->inlines[k++] = (berth_build_copy_inline){
                    .name = in->heredocs[h].name, .data = t, .len = strlen(t)};
        }
        a->n_inlines = k;
        a->excludes = berth_xmalloc0(sizeof(char *));
        for (size_t i = 0; i < in->n_flags; i++) {
                if (strcmp(in->flags[i].name, "exclude") != 0)
                        continue;
                _cleanup_free_ char *v = NULL;
                if (berth_build_expand_in(&s->sc, in->flags[i].value, &v, err) < 0)
                        return -err->code;
                berth_strv_push(&a->excludes, v);
        }
        if (berth_build_expand_in(&s->sc, in->args[in->n_args - 1], &a->dest, err) < 0 ||
            flag_expanded(s, in, "from", &a->from, err) < 0 ||
            flag_expanded(s, in, "chown", &a->chown, err) < 0 ||
            flag_expanded(s, in, "chmod", &a->chmod, err) < 0)
                return -err->code;
        return berth_build_copy_check_sources(a->sources, in->cmd == BERTH_DF_ADD, err);
}

/* --from's image: an earlier stage's, or an image (pulled when missing). */
/* What the sources select: in the context (its .dockerignore applied), or in the root of
 * --from's image, opened here (only on a cache miss: an image's files are known by its id). */
static int copy_select(build_stage *s, const berth_dockerfile_instr *in, copy_args *a, int *ret_fd,
                       berth_error *err)
{
        build *b = s->b;
        int fd = b->o->context_dirfd;
        if (a->from) {
                int r = berth_build_source_open(b->im, b->work_dir, &a->from_id, &a->src, err);
                if (r < 0)
                        return r;
                fd = berth_build_source_fd(a->src);
        } else if (a->urls) {
                fd = a->dl.dirfd;
        } else if (a->sources[0] && fd < 0) {
                return berth_errx(err, ENOENT,
                                  "%s failed: there is no build context (the Dockerfile came "
                                  "alone on stdin)",
                                  berth_dockerfile_cmd_upper(in->cmd));
        }
        *ret_fd = fd;
        if (a->sources[0] == NULL)
                return 0;
        int r = berth_context_select(fd, a->from || a->urls ? NULL : b->o->ignore, a->sources,
                                     &a->sel, err);
        if (r < 0)
                return berth_errx(err, -r, "%s failed: %s", berth_dockerfile_cmd_upper(in->cmd),
                                  err->msg);
        if (a->excludes[0]) {
                berth_context_selection *kept = NULL;
                if ((r = berth_context_selection_exclude(a->sel, a->excludes, &kept, err)) < 0)
                        return r;
                berth_context_selection_free(a->sel);
                a->sel = kept;
                if (kept->n_items == 0 && a->n_inlines == 0)
                        return berth_errx(err, ENOENT, "%s failed: no source files were specified",
                                          berth_dockerfile_cmd_upper(in->cmd));
        }
        return 0;
}

/* What COPY/ADD add to their key: the selection's content (or --from's image), and their
 * words as the stage's arguments expanded them. */
static char *copy_key_extra(const copy_args *a)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        fprintf(f, "%s\n%s\n",
                a->from  ? ""
                : a->sel ? a->sel->digest.s
                         : "",
                a->from ? a->from_id.s : "");
        STRV_FOREACH (src, a->sources)
                fprintf(f, "src %s\n", *src);
        STRV_FOREACH (x, a->excludes)
                fprintf(f, "exclude %s\n", *x);
        for (size_t i = 0; i < a->n_inlines; i++)
                fprintf(f, "inline %s %zu %s\n", a->inlines[i].name, a->inlines[i].len,
                        a->inlines[i].data);
        fprintf(f, "dest %s\nchown %s\nchmod %s\nfrom %s\n", a->dest, a->chown ? a->chown : "",
                a->chmod ? a->chmod : "", a->from ? a->from : "");
        fclose(f);
        return TAKE_PTR(text);
}

int build_step_copy(build_stage *s, const berth_dockerfile_instr *in, berth_error *err)
{
        build *b = s->b;
        copy_args a = {0};
        _cleanup_free_ char *extra = NULL, *by = NULL;
        int fd = -1;
        int r = copy_expand(s, in, &a, err);
        /* the key: --from's image by its id, the context's selection by its content */
        if (r == 0 && in->cmd == BERTH_DF_ADD && a.sources[0] && berth_build_is_url(a.sources[0]))
                r = copy_download(s, &a, err);
        if (r == 0 && a.from)
                r = build_ref_image(s->b, s->index, a.from, &a.from_id, err);
        else if (r == 0)
                r = copy_select(s, in, &a, &fd, err);
        if (r < 0)
                goto out;
        extra = copy_key_extra(&a);
        build_key_next(s, in, extra, false);
        if (build_cache_take(s))
                goto out;
        if (a.from && (r = copy_select(s, in, &a, &fd, err)) < 0)
                goto out;
        by = copy_created_by(s, in, a.sel, a.dest, a.chown);
        if (build_cache_from_take(s, by))
                goto out;
        if ((r = build_stage_materialize(s, err)) < 0)
                goto out;
        berth_digest base = s->image;
        berth_build_copy_opts co = {.work_dir = b->work_dir,
                                    .base = &base,
                                    .config = s->sc.cfg,
                                    .src_dirfd = fd,
                                    .sel = a.sel,
                                    .inlines = a.inlines,
                                    .n_inlines = a.n_inlines,
                                    .dest = a.dest,
                                    .chown = a.chown,
                                    .chmod = a.chmod,
                                    .add = in->cmd == BERTH_DF_ADD && !a.urls,
                                    .keep_owners = a.from != NULL,
                                    .mkdirs = s->mkdirs,
                                    .created = created_of(b),
                                    .created_by = by,
                                    .cache_key = berth_digest_hex(&s->key),
                                    .epoch = b->o->source_date_epoch};
        if ((r = berth_build_step_copy(b->im, &co, &s->image, err)) < 0)
                goto out;
        build_step_done(s);
out:
        copy_args_clear(&a);
        return r;
}
