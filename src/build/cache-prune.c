/* SPDX-License-Identifier: Apache-2.0 */
/* The prune of RUN --mount=type=cache directories that no build uses (run-mount.h). */
#include "run-mount.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/inode-map.h"
#include "base/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define TRASH_PREFIX ".pruning-"

static bool cache_name(const char *s)
{
        return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* One directory: locked alone (or left: a build uses it, 0), renamed away from its name (a
 * build that locks it later finds another), measured and removed (1). */
static int prune_one(int dfd, const char *name, const char *dir, uint64_t *reclaimed,
                     berth_error *err)
{
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return 0;
        char trash[sizeof(TRASH_PREFIX) + 64];
        snprintf(trash, sizeof(trash), TRASH_PREFIX "%s", name);
        if (renameat(dfd, name, dfd, trash) < 0)
                return berth_err(err, errno, "cannot remove the build cache %s/%s", dir, name);
        uint64_t size = 0;
        if (berth_tree_size(fd, &size) == 0)
                *reclaimed += size;
        _cleanup_free_ char *path = berth_xasprintf("%s/%s", dir, trash);
        int r = berth_rm_rf(path, err);
        return r < 0 ? r : 1;
}

int berth_build_cache_prune(const char *root, char ***ret_ids, uint64_t *ret_reclaimed,
                            berth_error *err)
{
        _cleanup_free_ char *dir = berth_xasprintf("%s/build/cache", root);
        _cleanup_strv_ char **ids = berth_xmalloc0(sizeof(char *));
        uint64_t reclaimed = 0;
        int r = 0;
        DIR *d = opendir(dir);
        if (d == NULL && errno != ENOENT)
                return berth_err(err, errno, "cannot read %s", dir);
        struct dirent *de;
        while (d && r == 0 && (de = readdir(d)) != NULL) {
                if (berth_str_has_prefix(de->d_name, TRASH_PREFIX)) {
                        _cleanup_free_ char *path = berth_xasprintf("%s/%s", dir, de->d_name);
                        r = berth_rm_rf(path, err);
                } else if (cache_name(de->d_name)) {
                        r = prune_one(dirfd(d), de->d_name, dir, &reclaimed, err);
                        if (r > 0)
                                berth_strv_push(&ids, de->d_name);
                        r = r < 0 ? r : 0;
                }
        }
        if (d)
                closedir(d);
        if (r < 0)
                return r;
        if (ret_ids)
                *ret_ids = TAKE_PTR(ids);
        if (ret_reclaimed)
                *ret_reclaimed = reclaimed;
        return 0;
}
