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
 */
#include "base/cleanup.h"
#include "base/strutil.h"
#include "build/step.h"
#include "image/images.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
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
