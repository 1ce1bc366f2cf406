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
        char hex[25];
        if (berth_random_hex(hex, 12, err) < 0)
                return -err->code;
        _cleanup_free_ char *work = berth_xasprintf("%s/build", berth_engine_root(e));
        berth_build_context c = {.name = berth_xasprintf("context-%s", hex), .dirfd = -1};
        c.lockfd = berth_build_lock_take(work, c.name, err);
        if (c.lockfd < 0) {
                free(c.name);
                return c.lockfd;
        }
        c.dir = berth_xasprintf("%s/%s", work, c.name);
        int r = 0;
        if (mkdir(c.dir, 0700) < 0)
                r = berth_err(err, errno, "cannot make %s", c.dir);
        else if ((c.dirfd = open(c.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
                r = berth_err(err, errno, "cannot open %s", c.dir);
        if (r == 0) {
                berth_cp_extract_opts xo = {.owner = BERTH_CP_OWNER_TAR};
                if ((r = berth_cp_extract(tar_fd, c.dirfd, &xo, NULL, err)) < 0)
                        r = berth_errx(err, -r, "cannot read the build context: %s", err->msg);
        }
        if (r < 0) {
                berth_engine_build_context_remove(e, &c);
                return r;
        }
        *ret = c;
        return 0;
}

void berth_engine_build_context_remove(berth_engine *e, berth_build_context *c)
{
        _cleanup_free_ char *work = berth_xasprintf("%s/build", berth_engine_root(e));
        if (c->dirfd >= 0)
                close(c->dirfd);
        if (c->dir)
                berth_rm_rf(c->dir, NULL);
        if (c->name)
                berth_build_lock_drop(work, c->name, c->lockfd);
        free(c->dir);
        free(c->name);
        *c = (berth_build_context){.dirfd = -1, .lockfd = -1};
}
