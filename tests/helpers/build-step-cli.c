/* SPDX-License-Identifier: Apache-2.0 */
/*
 * build-step-cli: one RUN step (berth_build_step_run) on an image of a store,
 * for the bats suites until `berth build` drives the steps itself.
 *
 *   build-step-cli ROOT RUNROOT IMAGE NETWORK ARG...
 *
 * Runs ARG... on IMAGE (a name or id in the store at ROOT) with IMAGE's own
 * config (Env, WorkingDir, User), the process's output on stdout; prints
 * "image sha256:…" for the new image, or the error on stderr with the
 * process's exit code (1 when it did not run).
 *
 *   build-step-cli copy ROOT IMAGE [OPTION...] CONTEXT DEST [SRC...]
 *
 * One COPY (ADD with --add) step (berth_build_step_copy) on IMAGE: SRC...
 * selected in the directory CONTEXT (berth_context_select, no .dockerignore)
 * or, with --from=IMAGE2, in IMAGE2's root (CONTEXT is then ignored), copied
 * to DEST with IMAGE's config. Options: --add, --chown=SPEC, --chmod=MODE,
 * --from=IMAGE2, --heredoc=NAME=CONTENT (repeatable; after the sources),
 * --epoch=N. Prints "image sha256:…", or the error on stderr (exit 1).
 */
#include "base/cleanup.h"
#include "base/strutil.h"
#include "build/context.h"
#include "build/step.h"
#include "image/images.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int copy_main(int argc, char **argv)
{
        berth_error err = {0};
        berth_images *im = NULL;
        berth_digest base, from, id;
        oci_image_config *cfg = NULL;
        oci_manifest *man = NULL;
        berth_build_copy_opts o = {.epoch = -1, .src_dirfd = -1};
        berth_build_copy_inline inl[16];
        berth_build_source *src = NULL;
        berth_context_selection *sel = NULL;
        const char *from_name = NULL;
        _cleanup_free_ char *work = NULL, *srcs = NULL, *by = NULL;
        int i = 4, r = -1, ctx = -1;
        if (argc < 4)
                goto usage;
        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                char *a = argv[i];
                if (strcmp(a, "--add") == 0)
                        o.add = true;
                else if (strncmp(a, "--chown=", 8) == 0)
                        o.chown = a + 8;
                else if (strncmp(a, "--chmod=", 8) == 0)
                        o.chmod = a + 8;
                else if (strncmp(a, "--from=", 7) == 0)
                        from_name = a + 7;
                else if (strncmp(a, "--epoch=", 8) == 0)
                        o.epoch = strtoll(a + 8, NULL, 10);
                else if (strncmp(a, "--heredoc=", 10) == 0 && strchr(a + 10, '=') &&
                         o.n_inlines < 16) {
                        char *eq = strchr(a + 10, '=');
                        *eq = '\0';
                        inl[o.n_inlines++] = (berth_build_copy_inline){
                            .name = a + 10, .data = eq + 1, .len = strlen(eq + 1)};
                } else
                        goto usage;
        }
        if (argc - i < 2)
                goto usage;
        char **sources = argv + i + 2;
        work = berth_xasprintf("%s/build", argv[2]);
        srcs = berth_strv_join(sources, SIZE_MAX, " ");
        by = berth_xasprintf("/bin/sh -c #(nop) %s %s in %s ", o.add ? "ADD" : "COPY", srcs,
                             argv[i + 1]);
        if (berth_images_open(argv[2], &im, &err) < 0 ||
            berth_images_resolve(im, argv[3], &base, &err) < 0 ||
            berth_image_load(im, &base, &cfg, &man, &err) < 0 ||
            berth_build_copy_check_sources(sources, o.add, &err) < 0)
                goto out;
        if (from_name) {
                if (berth_images_resolve(im, from_name, &from, &err) < 0 ||
                    berth_build_source_open(im, work, &from, &src, &err) < 0)
                        goto out;
                o.src_dirfd = berth_build_source_fd(src);
        } else {
                ctx = open(argv[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (ctx < 0) {
                        berth_err(&err, errno, "cannot open '%s'", argv[i]);
                        goto out;
                }
                o.src_dirfd = ctx;
        }
        if (sources[0] && berth_context_select(o.src_dirfd, NULL, sources, &sel, &err) < 0)
                goto out;
        o.work_dir = work;
        o.base = &base;
        o.config = cfg;
        o.sel = sel;
        o.inlines = inl;
        o.dest = argv[i + 1];
        o.created_by = by;
        r = berth_build_step_copy(im, &o, &id, &err);
out:
        berth_context_selection_free(sel);
        berth_build_source_close(src);
        if (ctx >= 0)
                close(ctx);
        berth_oci_image_config_free(cfg);
        berth_oci_manifest_free(man);
        berth_images_close(im);
        if (r < 0) {
                fprintf(stderr, "build-step-cli: %s\n", err.msg);
                return 1;
        }
        printf("image %s\n", id.s);
        return 0;
usage:
        fprintf(stderr,
                "usage: build-step-cli copy ROOT IMAGE [OPTION...] CONTEXT DEST [SRC...]\n");
        return 2;
}

int main(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "copy") == 0)
                return copy_main(argc, argv);
        if (argc < 6) {
                fprintf(stderr, "usage: build-step-cli ROOT RUNROOT IMAGE NETWORK ARG...\n");
                return 2;
        }
        berth_error err = {0};
        berth_images *im = NULL;
        berth_digest base, id;
        oci_image_config *cfg = NULL;
        oci_manifest *man = NULL;
        if (berth_images_open(argv[1], &im, &err) < 0 ||
            berth_images_resolve(im, argv[3], &base, &err) < 0 ||
            berth_image_load(im, &base, &cfg, &man, &err) < 0) {
                fprintf(stderr, "build-step-cli: %s\n", err.msg);
                return 1;
        }
        _cleanup_free_ char *work = berth_xasprintf("%s/build", argv[1]);
        _cleanup_free_ char *rt = berth_xasprintf("%s/runtime", argv[2]);
        _cleanup_free_ char *by = berth_xasprintf("/bin/sh -c %s", argv[argc - 1]);
        fflush(stdout);
        berth_build_run_opts o = {.runtime_root = rt,
                                  .work_dir = work,
                                  .base = &base,
                                  .config = cfg,
                                  .args = argv + 5,
                                  .network = argv[4],
                                  .created_by = by,
                                  .out_fd = STDOUT_FILENO};
        int status = -1;
        int r = berth_build_step_run(im, &o, &status, &id, &err);
        berth_oci_image_config_free(cfg);
        berth_oci_manifest_free(man);
        berth_images_close(im);
        if (r < 0) {
                fprintf(stderr, "build-step-cli: %s\n", err.msg);
                return status > 0 ? status : 1;
        }
        printf("image %s\n", id.s);
        return 0;
}
