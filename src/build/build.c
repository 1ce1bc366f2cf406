/* SPDX-License-Identifier: Apache-2.0 */
/* berth_build(): the stages the target needs, in order, each instruction a step (build.h). */
#include "build-internal.h"
#include "sweep.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "oci/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int stage_instr(build_stage *s, const berth_dockerfile_instr *in, berth_error *err);

/* A metadata step (or ARG): the config changes, a history entry without a layer. */
static int stage_meta(build_stage *s, const berth_dockerfile_instr *in, berth_error *err)
{
        _cleanup_free_ char *by = NULL;
        int r = in->cmd == BERTH_DF_ARG ? build_args_stage(s, in, &by, err)
                                        : berth_build_step_meta(&s->sc, in, &by, err);
        if (r < 0)
                return r;
        /* the history entry holds the instruction's words as they were expanded */
        build_key_next(s, in, by, false);
        if (in->cmd == BERTH_DF_WORKDIR && s->sc.cfg->config.working_dir)
                berth_strv_push(&s->mkdirs, s->sc.cfg->config.working_dir);
        char now[64];
        const char *created = s->b->created;
        if (!*created) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                created = berth_rfc3339_format(ts.tv_sec, (int32_t)ts.tv_nsec, now, sizeof(now));
        }
        if (berth_oci_image_config_add_history(s->sc.cfg, created, by, NULL, NULL, true) < 0)
                return berth_errx(err, EINVAL, "bad created time %s", created);
        s->dirty = true;
        return 0;
}

/* An image FROM or --from names: here already, or pulled (always with --pull). */
int build_image_get(build *b, const char *name, berth_digest *ret, berth_error *err)
{
        int r = -ENOENT;
        if (!b->o->pull)
                r = berth_images_resolve(b->im, name, ret, err);
        if (r == -ENOENT && b->o->pull_image) {
                *err = (berth_error){0};
                r = b->o->pull_image(name, b->o->userdata, ret, err);
        }
        return r;
}

int build_ref_image(build *b, size_t index, const char *ref, berth_digest *ret, berth_error *err)
{
        ssize_t j = build_stage_ref(b->df, ref, index);
        if (j >= 0 && b->stages[j].built) {
                *ret = b->stages[j].id;
                return 0;
        }
        return build_image_get(b, ref, ret, err);
}

/* The base's ONBUILD triggers run first, as the stage's own instructions; the new
 * image does not inherit them. */
static int stage_triggers(build_stage *s, berth_error *err)
{
        char **triggers = TAKE_PTR(s->sc.cfg->config.on_build);
        _cleanup_strv_ char **owned = triggers;
        size_t n = berth_strv_length(triggers);
        if (n == 0)
                return 0;
        build_say(s->b, "# Executing %zu build trigger%s\n", n, n == 1 ? "" : "s");
        STRV_FOREACH (t, triggers) {
                berth_dockerfile *df = NULL;
                int r = berth_dockerfile_parse(*t, strlen(*t), "ONBUILD", BERTH_DOCKERFILE_FRAGMENT,
                                               &df, err);
                for (size_t i = 0; r == 0 && i < df->n_instrs; i++) {
                        const berth_dockerfile_instr *in = &df->instrs[i];
                        if (in->cmd == BERTH_DF_ONBUILD || in->cmd == BERTH_DF_FROM ||
                            in->cmd == BERTH_DF_MAINTAINER)
                                r = berth_errx(err, EINVAL,
                                               "%s isn't allowed as an ONBUILD trigger",
                                               berth_dockerfile_cmd_upper(in->cmd));
                        else
                                r = stage_instr(s, in, err);
                }
                berth_dockerfile_free(df);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Whether the host runs platform ("os/arch[/variant]"). */
static bool host_runs(build *b, const char *platform)
{
        char os[32] = "", arch[32] = "";
        if (sscanf(platform, "%31[^/]/%31[^/]", os, arch) < 1)
                return false;
        return strcmp(os, b->os) == 0 && (!*arch || strcmp(arch, b->arch) == 0);
}

/* Both of docker's builders give a stage whose base sets no PATH the default one: RUN
 * sees it, ENV can extend it, and the image keeps it. */
static void stage_default_path(build_stage *s)
{
        STRV_FOREACH (e, s->sc.cfg->config.env)
                if (strncmp(*e, "PATH=", 5) == 0)
                        return;
        berth_oci_config_set_env(berth_oci_image_config_edit(s->sc.cfg), "PATH",
                                 "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

static int stage_from(build_stage *s, berth_error *err)
{
        build *b = s->b;
        const berth_dockerfile_stage *st = &b->df->stages[s->index];
        berth_build_expand_opts eo = {.escape = b->df->escape};
        _cleanup_free_ char *base = NULL, *platform = NULL;
        if (berth_build_expand(st->base, &eo, build_args_global_lookup, b, &base, err) < 0)
                return -err->code;
        if (st->platform &&
            berth_build_expand(st->platform, &eo, build_args_global_lookup, b, &platform, err) < 0)
                return -err->code;
        build_say(b, "Step %zu/%zu : %s\n", ++b->step, b->total, st->from->original);
        if (platform && !host_runs(b, platform))
                return berth_errx(err, ENOTSUP,
                                  "image platform %s does not match the host's (%s), and no "
                                  "emulator is registered",
                                  platform, b->platform);
        if (*base == '\0')
                return berth_errx(err, EINVAL, "base name (%s) should not be blank", st->base);
        ssize_t j = build_stage_ref(b->df, base, s->index);
        if (strcasecmp(base, "scratch") == 0) {
                s->sc.cfg = berth_oci_image_config_new(b->os, b->arch, b->variant);
                berth_hasher *h = berth_hasher_new();
                berth_hasher_update(h, "scratch", 8);
                berth_hasher_update(h, b->platform, strlen(b->platform));
                berth_hasher_final(h, &s->key);
                berth_hasher_free(h);
                s->dirty = true;
                stage_default_path(s);
                return 0;
        }
        int r;
        if (j >= 0 && b->df->stages[j].name && strcasecmp(b->df->stages[j].name, base) == 0)
                s->image = b->stages[j].id;
        else if (b->stages[s->index].has_base)
                s->image = b->stages[s->index].base;
        else if ((r = build_image_get(b, base, &s->image, err)) < 0)
                return r;
        oci_manifest *man = NULL;
        if ((r = berth_image_load(b->im, &s->image, &s->sc.cfg, &man, err)) < 0)
                return r;
        berth_oci_manifest_free(man);
        stage_default_path(s);
        s->has_image = true;
        s->key = s->image;
        build_say(b, " ---> %.12s\n", berth_digest_hex(&s->image));
        return stage_triggers(s, err);
}

static int stage_instr(build_stage *s, const berth_dockerfile_instr *in, berth_error *err)
{
        switch (in->cmd) {
        case BERTH_DF_RUN:
                return build_step_run(s, in, err);
        case BERTH_DF_COPY:
        case BERTH_DF_ADD:
                return build_step_copy(s, in, err);
        case BERTH_DF_FROM:
                return berth_errx(err, EINVAL, "FROM inside a stage");
        default:
                return stage_meta(s, in, err);
        }
}

/* --label: set on the target's config at its end, as a step of the key chain. */
static void stage_labels(build_stage *s)
{
        char *const *labels = s->b->o->labels;
        if (labels == NULL || labels[0] == NULL)
                return;
        oci_container_config *cc = berth_oci_image_config_edit(s->sc.cfg);
        berth_hasher *h = berth_hasher_new();
        berth_hasher_update(h, s->key.s, strlen(s->key.s) + 1);
        STRV_FOREACH (l, (char **)labels) {
                _cleanup_free_ char *k = strndup(*l, strcspn(*l, "="));
                const char *v = strchr(*l, '=');
                berth_oci_config_set_label(cc, k, v ? v + 1 : "");
                berth_hasher_update(h, *l, strlen(*l) + 1);
        }
        berth_hasher_final(h, &s->key);
        berth_hasher_free(h);
        s->dirty = true;
}

/* The stage's image: the last layer step's, or its config registered now (found by its
 * key when an earlier build made the same). */
static int stage_finish(build_stage *s, bool target, berth_error *err)
{
        if (target)
                stage_labels(s);
        if (s->dirty && !build_cache_take(s)) {
                berth_image_derive_opts d = {.parent = s->has_image ? &s->image : NULL,
                                             .created = s->b->created[0] ? s->b->created : NULL,
                                             .cache_key = berth_digest_hex(&s->key)};
                berth_digest id;
                int r = berth_image_derive(s->b->im, &d, s->sc.cfg, &id, err);
                if (r < 0)
                        return r;
                s->image = id;
                build_step_done(s);
        }
        return 0;
}

static bool in_filter(char *const *filter, const char *name)
{
        STRV_FOREACH (f, (char **)filter)
                if (name && strcasecmp(*f, name) == 0)
                        return true;
        return false;
}

int build_stage_run(build *b, size_t index, bool target, berth_error *err)
{
        const berth_dockerfile_stage *st = &b->df->stages[index];
        b->step = b->stages[index].first_step - 1;
        build_stage s = {.b = b, .index = index, .sc = {.escape = b->df->escape}};
        s.sc.args = berth_xmalloc0(sizeof(char *));
        s.no_cache = b->o->no_cache || in_filter(b->o->no_cache_filter, st->name);
        int r = stage_from(&s, err);
        for (size_t i = 0; r == 0 && i < st->n_instrs; i++) {
                if (b->o->cancel && *b->o->cancel) {
                        r = berth_errx(err, ECANCELED, "the build was cancelled");
                        break;
                }
                build_say(b, "Step %zu/%zu : %s\n", ++b->step, b->total, st->instrs[i].original);
                r = stage_instr(&s, &st->instrs[i], err);
        }
        if (r == 0 && b->o->cancel && *b->o->cancel)
                r = berth_errx(err, ECANCELED, "the build was cancelled");
        if (r == 0)
                r = stage_finish(&s, target, err);
        if (r == 0) {
                b->stages[index].built = true;
                b->stages[index].id = s.image;
        }
        berth_oci_image_config_free(s.sc.cfg);
        berth_strv_free(s.sc.args);
        berth_strv_free(s.mkdirs);
        return r;
}

static void build_free(build *b)
{
        berth_strv_free(b->given);
        berth_strv_free(b->consumed);
        berth_strv_free(b->global);
        for (size_t i = 0; b->stages && i < b->df->n_stages; i++)
                free(b->stages[i].deps);
        free(b->stages);
        berth_dockerfile_free(b->df);
        free(b->work_dir);
        free(b->runtime_root);
        free(b->cache_from);
        free(b->platform);
}

int berth_build(berth_images *im, const berth_build_opts *o, berth_digest *ret_id, berth_error *err)
{
        build b = {.im = im, .o = o};
        _cleanup_free_ char *warn = NULL;
        int r = berth_dockerfile_parse(o->dockerfile, o->dockerfile_len,
                                       o->dockerfile_name ? o->dockerfile_name : "Dockerfile", 0,
                                       &b.df, err);
        if (r < 0)
                return r;
        berth_host_platform(&b.os, &b.arch, &b.variant);
        b.platform = b.variant ? berth_xasprintf("%s/%s/%s", b.os, b.arch, b.variant)
                               : berth_xasprintf("%s/%s", b.os, b.arch);
        b.work_dir = berth_xasprintf("%s/build", o->root);
        b.runtime_root = berth_xasprintf("%s/runtime", o->runroot);
        if (o->source_date_epoch >= 0)
                berth_rfc3339_format(o->source_date_epoch, 0, b.created, sizeof(b.created));
        build_args_init(&b);
        /* what killed builds left goes first (their snapshots hold layers and mounts) */
        berth_error ignored = {0};
        (void)berth_build_sweep(im, o->root, o->runroot, true, NULL, NULL, &ignored);
        /* and what their steps held on the default bridge, which only the engine knows */
        if (o->net && o->net->sweep)
                o->net->sweep(o->net->userdata);
        if (o->platform && !host_runs(&b, o->platform)) {
                r = berth_errx(err, ENOTSUP,
                               "platform %s is not the host's (%s), and no emulator is registered",
                               o->platform, b.platform);
                goto out;
        }
        if ((r = build_args_global(&b, err)) < 0 || (r = build_plan(&b, err)) < 0)
                goto out;
        build_cache_from_init(&b);
        for (size_t i = 0; i < b.df->n_global_args; i++)
                build_say(&b, "Step %zu/%zu : %s\n", ++b.step, b.total, b.df->instrs[i].original);
        size_t last = 0;
        for (size_t i = 0; i < b.df->n_stages; i++)
                if (b.stages[i].needed)
                        last = i;
        if ((r = build_run_stages(&b, last, err)) < 0)
                goto out;
        warn = build_args_unconsumed(&b);
        if (warn)
                dprintf(o->out_fd, "%s\n", warn);
        STRV_FOREACH (t, (char **)o->tags)
                if ((r = berth_images_tag(im, b.stages[last].id.s, *t, err)) < 0)
                        goto out;
        *ret_id = b.stages[last].id;
out:
        build_free(&b);
        return r;
}
