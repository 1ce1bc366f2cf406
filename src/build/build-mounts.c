/* SPDX-License-Identifier: Apache-2.0 */
/* RUN --mount in a stage: each flag parsed, its source found and opened (run-mount.h). */
#include "build-internal.h"
#include "context.h"
#include "dockerignore.h"
#include "run-mount.h"
#include "sweep.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void build_mounts_clear(build_mounts *ms)
{
        for (size_t i = 0; i < ms->n; i++)
                berth_build_run_mount_clear(&ms->v[i]);
        free(ms->v);
        for (size_t i = 0; i < ms->n_sources; i++)
                berth_build_source_close(ms->sources[i]);
        free(ms->sources);
        for (size_t i = 0; i < ms->n_copies; i++) {
                _cleanup_free_ char *dir =
                    berth_xasprintf("%s/%s", ms->work_dir, ms->copies[i].name);
                berth_rm_rf(dir, NULL);
                berth_build_lock_drop(ms->work_dir, ms->copies[i].name, ms->copies[i].lock);
                free(ms->copies[i].name);
        }
        free(ms->copies);
        free(ms->key);
        free(ms->ssh_sock);
        *ms = (build_mounts){0};
}

/* The context's `source` as the build may see it, .dockerignore applied: with rules, a copy of
 * what they let through (in work_dir/mount-<hex>, locked as sweep.h says); without, the
 * context itself. *ret_fd an O_PATH fd of it; *ret_digest the selection's digest. */
static int context_source(build_stage *s, build_mounts *ms, const char *source, int *ret_fd,
                          bool *ret_dir, berth_digest *ret_digest, berth_error *err)
{
        build *b = s->b;
        int ctx = b->o->context_dirfd;
        if (ctx < 0)
                return berth_errx(err, ENOENT, "RUN --mount: there is no build context");
        char *srcs[] = {(char *)source, NULL};
        _cleanup_(berth_context_selection_freep) berth_context_selection *sel = NULL;
        int r = berth_context_select(ctx, b->o->ignore, srcs, &sel, err);
        if (r < 0)
                return berth_wrap(err, "RUN --mount source");
        *ret_digest = sel->digest;
        const berth_context_entry *top = &sel->entries[sel->items[0].first];
        *ret_dir = S_ISDIR(top->mode);
        if (b->o->ignore == NULL || berth_dockerignore_count(b->o->ignore) == 0) {
                int fd = berth_open_in_root(ctx, source, O_PATH, 0, err);
                return fd < 0 ? fd : (*ret_fd = fd, 0);
        }
        berth_build_scratch sc;
        if ((r = berth_build_scratch_open(ms->work_dir, "mount", &sc, err)) < 0)
                return r;
        ms->copies = berth_xrealloc(ms->copies, (ms->n_copies + 1) * sizeof(*ms->copies));
        ms->copies[ms->n_copies++] = sc;
        const char *dir = sc.dir;
        berth_build_copy_opts co = {.src_dirfd = ctx, .sel = sel, .dest = "/", .epoch = -1};
        if ((r = berth_build_copy_into(&co, dir, err)) < 0)
                return r;
        int dfd = sc.dirfd;
        int fd = *ret_dir ? fcntl(dfd, F_DUPFD_CLOEXEC, 3)
                          : berth_open_in_root(dfd, sel->items[0].name, O_PATH, 0, err);
        return fd < 0 ? (errno ? -errno : fd) : (*ret_fd = fd, 0);
}

/* A bind's source: in the context, or in --from's stage or image. */
static int bind_source(build_stage *s, build_mounts *ms, const berth_build_mount *m,
                       berth_build_run_mount *rm, FILE *key, berth_error *err)
{
        build *b = s->b;
        if (m->from == NULL) {
                berth_digest d;
                int r = context_source(s, ms, m->source, &rm->src_fd, &rm->src_dir, &d, err);
                if (r == 0)
                        fprintf(key, "bind %s %s\n", m->source, d.s);
                return r;
        }
        _cleanup_free_ char *from = NULL;
        if (berth_build_expand_in(&s->sc, m->from, &from, err) < 0)
                return -err->code;
        berth_digest id;
        int r = build_ref_image(b, s->index, from, &id, err);
        if (r < 0)
                return r;
        berth_build_source *src = NULL;
        if ((r = berth_build_source_open(b->im, b->work_dir, &id, &src, err)) < 0)
                return r;
        ms->sources = berth_xrealloc(ms->sources, (ms->n_sources + 1) * sizeof(*ms->sources));
        ms->sources[ms->n_sources++] = src;
        rm->src_fd = berth_open_in_root(berth_build_source_fd(src), m->source, O_PATH, 0, err);
        if (rm->src_fd < 0)
                return berth_wrap(err, "RUN --mount source %s in %s", m->source, from);
        struct stat st;
        rm->src_dir = fstat(rm->src_fd, &st) == 0 && S_ISDIR(st.st_mode);
        fprintf(key, "bind %s %s %s\n", from, id.s, m->source);
        return 0;
}

static int cache_source(build_stage *s, const berth_build_mount *m, berth_build_run_mount *rm,
                        berth_error *err)
{
        int r = berth_build_cache_dir(s->b->o->root, m, &rm->src_fd, &rm->lock_fd, err);
        if (r < 0)
                return r;
        rm->src_dir = true;
        return 0;
}

/* Whether a secret of that id was given; its bytes in *rm. */
static bool secret_of(build *b, const berth_build_mount *m, berth_build_run_mount *rm)
{
        for (size_t i = 0; i < b->o->n_secrets; i++) {
                const berth_build_secret *sec = &b->o->secrets[i];
                if (strcmp(sec->id, m->id) != 0)
                        continue;
                rm->data = berth_xmalloc0(sec->len + 1);
                memcpy(rm->data, sec->data, sec->len);
                rm->len = sec->len;
                return true;
        }
        return false;
}

/* The agent socket of that id, opened and checked to be a socket; false without one. */
static int ssh_source(build *b, const berth_build_mount *m, berth_build_run_mount *rm,
                      bool *ret_found, berth_error *err)
{
        *ret_found = false;
        for (size_t i = 0; i < b->o->n_ssh; i++) {
                const berth_build_ssh *a = &b->o->ssh[i];
                if (strcmp(a->id, m->id) != 0)
                        continue;
                rm->src_fd = open(a->socket, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                struct stat st;
                if (rm->src_fd < 0 || fstat(rm->src_fd, &st) < 0)
                        return berth_err(err, errno, "ssh agent %s: cannot open %s", a->id,
                                         a->socket);
                if (!S_ISSOCK(st.st_mode))
                        return berth_errx(err, EINVAL, "ssh agent %s: %s is not a socket", a->id,
                                          a->socket);
                *ret_found = true;
                return 0;
        }
        return 0;
}

int build_mounts_prepare(build_stage *s, const berth_dockerfile_instr *in, build_mounts *ms,
                         berth_error *err)
{
        *ms = (build_mounts){.work_dir = s->b->work_dir};
        size_t len = 0;
        FILE *key = open_memstream(&ms->key, &len);
        int r = 0;
        unsigned n_ssh = 0;
        for (size_t i = 0; r == 0 && i < in->n_flags; i++) {
                if (strcmp(in->flags[i].name, "mount") != 0)
                        continue;
                _cleanup_free_ char *value = NULL;
                berth_build_mount m = {0};
                if ((r = berth_build_expand_in(&s->sc, in->flags[i].value, &value, err)) < 0 ||
                    (r = berth_build_mount_parse(value, s->sc.cfg->config.working_dir, n_ssh, &m,
                                                 err)) < 0)
                        break;
                berth_build_run_mount rm = {.type = m.type,
                                            .target = berth_xstrdup(m.target),
                                            .src_fd = -1,
                                            .lock_fd = -1,
                                            .readonly = m.readonly,
                                            .size = m.size,
                                            .mode = m.mode,
                                            .uid = m.uid,
                                            .gid = m.gid};
                bool keep = true;
                if (m.type == BERTH_BUILD_MOUNT_BIND)
                        r = bind_source(s, ms, &m, &rm, key, err);
                else if (m.type == BERTH_BUILD_MOUNT_CACHE)
                        r = cache_source(s, &m, &rm, err);
                else if (m.type == BERTH_BUILD_MOUNT_SECRET && !secret_of(s->b, &m, &rm)) {
                        keep = false;
                        if (m.required)
                                r = berth_errx(err, ENOENT, "secret %s: not found", m.id);
                } else if (m.type == BERTH_BUILD_MOUNT_SSH) {
                        n_ssh++;
                        r = ssh_source(s->b, &m, &rm, &keep, err);
                        if (r == 0 && !keep && m.required)
                                r = berth_errx(err, ENOENT,
                                               "no ssh agent %s was given (berth build --ssh %s)",
                                               m.id, m.id);
                        if (r == 0 && keep && ms->ssh_sock == NULL)
                                ms->ssh_sock = berth_xstrdup(m.target);
                }
                if (r == 0 && keep) {
                        ms->v = berth_xrealloc(ms->v, (ms->n + 1) * sizeof(*ms->v));
                        ms->v[ms->n++] = rm;
                } else {
                        berth_build_run_mount_clear(&rm);
                }
                berth_build_mount_clear(&m);
        }
        fclose(key);
        if (r < 0)
                build_mounts_clear(ms);
        return r;
}
