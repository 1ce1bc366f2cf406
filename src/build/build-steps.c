/* SPDX-License-Identifier: Apache-2.0 */
/* The layer steps as the driver runs them: RUN, COPY and ADD, with the cache. */
#include "build-internal.h"
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
        build_say(s->b, " ---> Using cache\n ---> %.12s\n", berth_digest_hex(&id));
        return true;
}

void build_step_done(build_stage *s)
{
        s->has_image = true;
        s->dirty = false;
        build_say(s->b, " ---> %.12s\n", berth_digest_hex(&s->image));
}

/* The RUN's network: its --network flag, else the build's; "default" is the build's. */
static int run_network(build_stage *s, const berth_dockerfile_instr *in, const char **ret,
                       berth_error *err)
{
        const char *n = berth_dockerfile_flag_value(in, "network");
        if (n == NULL || strcmp(n, "default") == 0)
                n = s->b->o->network ? s->b->o->network : "none";
        if (strcmp(n, "none") != 0 && strcmp(n, "host") != 0)
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

/* The legacy builder's history entry: "|2 A=1 B=2 /bin/sh -c make" (the stage's args). */
static char *run_created_by(build_stage *s, char *const *args)
{
        _cleanup_free_ char *cmd = berth_strv_join(args, SIZE_MAX, " ");
        size_t n = berth_strv_length(s->sc.args);
        if (n == 0)
                return TAKE_PTR(cmd);
        _cleanup_free_ char *a = berth_strv_join(s->sc.args, SIZE_MAX, " ");
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
        if (berth_dockerfile_flag_value(in, "mount"))
                return berth_errx(err, ENOTSUP, "RUN --mount is not supported yet");
        int r = run_network(s, in, &network, err);
        if (r < 0)
                return r;
        build_key_next(s, in, network);
        if (build_cache_take(s))
                return 0;
        if ((r = build_stage_materialize(s, err)) < 0)
                return r;
        _cleanup_strv_ char **args = run_command(s, in);
        _cleanup_strv_ char **env = build_args_run_env(s);
        _cleanup_free_ char *by = run_created_by(s, args);
        _cleanup_close_ int keep = -1;
        if (b->o->quiet) {
                keep = memfd_create("berth-build-run", MFD_CLOEXEC);
                if (keep < 0)
                        return berth_err(err, errno, "cannot keep the step's output");
        }
        berth_digest base = s->image;
        berth_build_run_opts ro = {.runtime_root = b->runtime_root,
                                   .work_dir = b->work_dir,
                                   .base = &base,
                                   .config = s->sc.cfg,
                                   .args = args,
                                   .env = env,
                                   .network = network,
                                   .created = created_of(b),
                                   .created_by = by,
                                   .cache_key = berth_digest_hex(&s->key),
                                   .epoch = b->o->source_date_epoch >= 0 ? &b->o->source_date_epoch
                                                                         : NULL,
                                   .out_fd = keep >= 0 ? keep : b->o->out_fd,
                                   .cancel = b->o->cancel};
        int status = -1;
        r = berth_build_step_run(b->im, &ro, &status, &s->image, err);
        if (r < 0) {
                if (keep >= 0)
                        replay(keep, b->o->out_fd);
                return r;
        }
        build_step_done(s);
        return 0;
}

int build_step_copy(build_stage *s, const berth_dockerfile_instr *in, berth_error *err)
{
        (void)s;
        return berth_errx(err, ENOTSUP, "%s is not supported yet",
                          berth_dockerfile_cmd_upper(in->cmd));
}
