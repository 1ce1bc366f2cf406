/* SPDX-License-Identifier: Apache-2.0 */
/* A build context from a tar (engine.h). */
#include "engine.h"
#include "cp.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int berth_engine_build_context_unpack(berth_engine *e, int tar_fd, char **ret_dir, int *ret_dirfd,
                                      berth_error *err)
{
        char hex[25];
        if (berth_random_hex(hex, 12, err) < 0)
                return -err->code;
        _cleanup_free_ char *parent = berth_xasprintf("%s/build", berth_engine_root(e));
        if (berth_mkdir_p(parent, 0700, err) < 0)
                return -err->code;
        char *dir = berth_xasprintf("%s/context-%s", parent, hex);
        if (mkdir(dir, 0700) < 0) {
                int r = berth_err(err, errno, "cannot make %s", dir);
                free(dir);
                return r;
        }
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                int r = berth_err(err, errno, "cannot open %s", dir);
                berth_engine_build_context_remove(dir, -1);
                return r;
        }
        berth_cp_extract_opts xo = {.owner = BERTH_CP_OWNER_TAR};
        int r = berth_cp_extract(tar_fd, fd, &xo, NULL, err);
        if (r < 0) {
                berth_engine_build_context_remove(dir, fd);
                return berth_errx(err, -r, "cannot read the build context: %s", err->msg);
        }
        *ret_dir = dir;
        *ret_dirfd = fd;
        return 0;
}

void berth_engine_build_context_remove(char *dir, int dirfd)
{
        if (dirfd >= 0)
                close(dirfd);
        if (dir)
                berth_rm_rf(dir, NULL);
        free(dir);
}
