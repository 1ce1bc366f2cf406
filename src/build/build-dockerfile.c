/* SPDX-License-Identifier: Apache-2.0 */
/* The Dockerfile inside a context (build.h). */
#include "build.h"
#include "dockerfile.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>

int berth_build_read_dockerfile(int ctx_dirfd, const char *name, char **ret, size_t *ret_len,
                                char **ret_name, berth_error *err)
{
        const char *tries[] = {name ? name : "Dockerfile", name ? NULL : "dockerfile", NULL};
        for (size_t i = 0; tries[i]; i++) {
                berth_error e = {0};
                int r = berth_read_file_in_root(ctx_dirfd, tries[i], BERTH_DOCKERFILE_MAX_SIZE, ret,
                                                ret_len, &e);
                if (r == 0) {
                        *ret_name = berth_xstrdup(tries[i]);
                        return 0;
                }
                if (r != -ENOENT) {
                        *err = e;
                        return r;
                }
        }
        return berth_errx(err, ENOENT, "Cannot locate specified Dockerfile: %s",
                          name ? name : "Dockerfile");
}
