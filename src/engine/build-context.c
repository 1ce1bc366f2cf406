/* SPDX-License-Identifier: Apache-2.0 */
/* A build context from a tar (engine.h). */
#include "engine-internal.h"
#include "cp.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "build/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int berth_engine_build_context_unpack(berth_engine *e, int tar_fd, berth_build_context *ret,
                                      berth_error *err)
{
        _cleanup_free_ char *work = berth_xasprintf("%s/build", berth_engine_root(e));
        berth_build_scratch sc;
        int r = berth_build_scratch_open(work, "context", &sc, err);
        if (r < 0)
                return r;
        berth_cp_extract_opts xo = {.owner = BERTH_CP_OWNER_TAR};
        if ((r = berth_cp_extract(tar_fd, sc.dirfd, &xo, NULL, err)) < 0) {
                berth_build_scratch_close(&sc);
                return berth_errx(err, -r, "cannot read the build context: %s", err->msg);
        }
        *ret = sc;
        return 0;
}

void berth_engine_build_context_remove(berth_engine *e, berth_build_context *c)
{
        (void)e;
        berth_build_scratch_close(c);
}
