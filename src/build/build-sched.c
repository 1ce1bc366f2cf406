/* SPDX-License-Identifier: Apache-2.0 */
/* Which stage builds when, and where: in this process, or several at once in children. */
#include "build-internal.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
        pid_t pid;
        size_t index;
        int out; /* memfd: the stage's output */
        int res; /* pipe: its result */
} child;

static bool ready(const build *b, size_t i, const bool *running)
{
        const build_stage_result *r = &b->stages[i];
        if (!r->needed || r->built || running[i])
                return false;
        for (size_t k = 0; k < r->n_deps; k++)
                if (!b->stages[r->deps[k]].built)
                        return false;
        return true;
}

/* What a child needs from the registry is got here first (a child has no transfer
 * options): its FROM image, when it is one. */
static int prefetch(build *b, size_t i, berth_error *err)
{
        const berth_dockerfile_stage *st = &b->df->stages[i];
        berth_build_expand_opts eo = {.escape = b->df->escape};
        _cleanup_free_ char *base = NULL;
        if (berth_build_expand(st->base, &eo, build_args_global_lookup, b, &base, err) < 0)
                return -err->code;
        if (strcasecmp(base, "scratch") == 0 || build_stage_ref(b->df, base, i) >= 0)
                return 0;
        int r = build_image_get(b, base, &b->stages[i].base, err);
        if (r == 0)
                b->stages[i].has_base = true;
        return r;
}

/* The child: build stage i with a store of its own; its result on res as
 * "ok <id> <consumed args…>" or "err <errno> <message>". */
static void child_main(build *b, size_t i, bool target, int out, int res)
{
        berth_error err = {0};
        berth_images *im = NULL;
        berth_build_opts o = *b->o;
        o.out_fd = out;
        o.pull_image = NULL;
        b->o = &o;
        int r = berth_images_open(o.root, &im, &err);
        if (r == 0) {
                b->im = im;
                r = build_stage_run(b, i, target, &err);
        }
        FILE *f = fdopen(res, "w");
        if (f) {
                if (r == 0) {
                        fprintf(f, "ok %s", b->stages[i].id.s);
                        STRV_FOREACH (c, b->consumed)
                                fprintf(f, " %s", *c);
                } else {
                        fprintf(f, "err %d %s", -r, err.msg);
                }
                fclose(f);
        }
        _exit(r == 0 ? 0 : 1);
}

static int spawn(build *b, size_t i, bool target, child *c, berth_error *err)
{
        int p[2];
        c->index = i;
        c->out = memfd_create("berth-build-stage", MFD_CLOEXEC);
        if (c->out < 0 || pipe2(p, O_CLOEXEC) < 0)
                return berth_err(err, errno, "cannot start a stage");
        fflush(NULL);
        c->pid = fork();
        if (c->pid < 0) {
                close(p[0]);
                close(p[1]);
                return berth_err(err, errno, "cannot start a stage");
        }
        if (c->pid == 0) {
                close(p[0]);
                child_main(b, i, target, c->out, p[1]);
        }
        close(p[1]);
        c->res = p[0];
        return 0;
}

/* A child ended: its output shown, its result taken. */
static int collect(build *b, child *c, berth_error *err)
{
        char buf[65536];
        ssize_t n;
        if (lseek(c->out, 0, SEEK_SET) == 0)
                while ((n = read(c->out, buf, sizeof(buf))) > 0)
                        if (berth_write_all(b->o->out_fd, buf, (size_t)n) < 0)
                                break;
        size_t len = 0;
        _cleanup_free_ char *res = NULL;
        FILE *f = fdopen(c->res, "r");
        if (f == NULL || getdelim(&res, &len, '\0', f) < 0) {
                if (f)
                        fclose(f);
                else
                        close(c->res);
                close(c->out);
                return berth_errx(err, EIO, "a stage's build ended without a result");
        }
        fclose(f);
        close(c->out);
        if (strncmp(res, "ok ", 3) == 0) {
                char *save = NULL;
                char *id = strtok_r(res + 3, " ", &save);
                if (id == NULL || berth_digest_parse(id, &b->stages[c->index].id, err) < 0)
                        return berth_errx(err, EIO, "a stage's build gave no image");
                b->stages[c->index].built = true;
                for (char *a = strtok_r(NULL, " ", &save); a; a = strtok_r(NULL, " ", &save))
                        if (!berth_strv_contains(b->consumed, a))
                                berth_strv_push(&b->consumed, a);
                return 0;
        }
        int code = EIO;
        char *msg = res;
        if (sscanf(res, "err %d", &code) == 1 && (msg = strchr(res + 4, ' ')) != NULL)
                msg++;
        return berth_errx(err, code > 0 ? code : EIO, "%s", msg ? msg : res);
}

int build_run_stages(build *b, size_t last, berth_error *err)
{
        size_t n = b->df->n_stages;
        _cleanup_free_ bool *running = berth_xmalloc0(n * sizeof(bool));
        _cleanup_free_ child *kids = berth_xmalloc0(BUILD_MAX_PARALLEL * sizeof(child));
        size_t nk = 0;
        int r = 0;
        for (;;) {
                size_t nready = 0, first = 0;
                for (size_t i = 0; i <= last; i++)
                        if (ready(b, i, running) && nready++ == 0)
                                first = i;
                if (r == 0 && nready == 1 && nk == 0) {
                        /* a chain: here, its output as it comes */
                        if ((r = build_stage_run(b, first, first == last, err)) < 0)
                                break;
                        continue;
                }
                for (size_t i = 0; r == 0 && i <= last && nk < BUILD_MAX_PARALLEL; i++) {
                        if (!ready(b, i, running))
                                continue;
                        if ((r = prefetch(b, i, err)) < 0 ||
                            (r = spawn(b, i, i == last, &kids[nk], err)) < 0)
                                break;
                        running[i] = true;
                        nk++;
                }
                if (nk == 0)
                        break;
                int st;
                pid_t pid = waitpid(-1, &st, 0);
                if (pid < 0) {
                        if (errno == EINTR)
                                continue;
                        r = r ? r : berth_err(err, errno, "cannot wait for a stage");
                        break;
                }
                for (size_t k = 0; k < nk; k++) {
                        if (kids[k].pid != pid)
                                continue;
                        berth_error e2 = {0};
                        int cr = collect(b, &kids[k], &e2);
                        running[kids[k].index] = false;
                        kids[k] = kids[--nk];
                        if (cr < 0 && r == 0) {
                                r = cr;
                                *err = e2;
                                /* the others stop too, cleaning up as a cancelled build does */
                                for (size_t o = 0; o < nk; o++)
                                        kill(kids[o].pid, SIGTERM);
                        }
                        break;
                }
                if (r < 0 && nk == 0)
                        break;
        }
        if (r == 0 && !b->stages[last].built)
                r = berth_errx(err, EIO, "the target stage was not built");
        return r;
}
