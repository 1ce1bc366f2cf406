/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mounting a snapshot's overlay. One page (4096 bytes) of mount(2) data does
 * not hold the lowerdir paths of many layers, so:
 *  - the new mount API adds lowers one at a time with "lowerdir+" (6.8+);
 *  - else, as Docker's overlay2 does, each layer gets a short symlink
 *    layers/l/<16 hex> → ../<chain>/diff and a child process mounts with
 *    lowerdir=l/…:l/… relative to layers/ (its cwd).
 */
#include "snapshot-internal.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/layers.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Overlay features that would make an upper dir that berth_pack_diff() refuses. */
#define OVERLAY_EXTRA "redirect_dir=off,metacopy=off"
#define SHORT_LEN     16

typedef struct {
        char *upper, *work, *target, *empty;
        char **lowers; /* diff dirs, top first */
        size_t n;
        bool volatile_upper;
} mount_args;

static void mount_args_clear(mount_args *a)
{
        free(a->upper);
        free(a->work);
        free(a->target);
        free(a->empty);
        for (size_t i = 0; i < a->n; i++)
                free(a->lowers[i]);
        free(a->lowers);
}

static char *abs_path(const char *p)
{
        char buf[PATH_MAX];
        return realpath(p, buf) ? berth_xstrdup(buf) : NULL;
}

static int mount_args_get(berth_images *im, const char *dir, const char *target, mount_args *a,
                          berth_error *err)
{
        _cleanup_free_ berth_digest *chain = NULL;
        size_t n = 0;
        int r = snapshot_read_lower(dir, &chain, &n, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *u = berth_xasprintf("%s/upper", dir);
        _cleanup_free_ char *w = berth_xasprintf("%s/work", dir);
        _cleanup_free_ char *e = berth_xasprintf("%s/empty", dir);
        _cleanup_free_ char *t = target ? berth_xstrdup(target) : berth_xasprintf("%s/merged", dir);
        a->upper = abs_path(u);
        a->work = abs_path(w);
        a->empty = n == 0 ? abs_path(e) : NULL; /* made only for an image without layers */
        a->target = abs_path(t);
        if (!a->upper || !a->work || (n == 0 && !a->empty) || !a->target)
                return berth_err(err, errno, "snapshot '%s' is incomplete", dir);
        a->lowers = berth_xmalloc0((n ? n : 1) * sizeof(char *));
        for (size_t i = 0; i < n; i++) {
                const berth_digest *c = &chain[n - 1 - i];
                if (!berth_layer_exists(berth_images_layers_fd(im), c))
                        return berth_errx(err, ENOENT, "layer '%s' of snapshot '%s' is missing",
                                          c->s, dir);
                a->lowers[a->n++] = berth_layer_diff_path(berth_images_layers_dir(im), c);
        }
        return 0;
}

/* fsconfig takes at most 256 bytes of value: longer paths go through an fd. */
static int set_path(int fsfd, const char *key, const char *path, berth_error *err)
{
        char fdp[32];
        _cleanup_close_ int fd = -1;
        const char *value = path;
        if (strlen(path) >= 256) {
                fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return berth_err(err, errno, "cannot open '%s'", path);
                value = berth_fd_path(fd, fdp);
        }
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, key, value, 0) < 0)
                return berth_err(err, errno, "cannot set overlay %s '%s'", key, path);
        return 0;
}

static int mount_new(const mount_args *a, berth_error *err)
{
        _cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return berth_err(err, errno, "cannot open an overlay context");
        int r = 0;
        for (size_t i = 0; i < a->n && r == 0; i++)
                r = set_path(fsfd, "lowerdir+", a->lowers[i], err);
        if (r == 0 && a->n == 0)
                r = set_path(fsfd, "lowerdir+", a->empty, err);
        if (r == 0)
                r = set_path(fsfd, "upperdir", a->upper, err);
        if (r == 0)
                r = set_path(fsfd, "workdir", a->work, err);
        if (r == 0 && (fsconfig(fsfd, FSCONFIG_SET_STRING, "redirect_dir", "off", 0) < 0 ||
                       fsconfig(fsfd, FSCONFIG_SET_STRING, "metacopy", "off", 0) < 0))
                r = berth_err(err, errno, "cannot set overlay options");
        /* (a kernel before 5.10 does not know it: then the mount syncs as usual) */
        if (r == 0 && a->volatile_upper)
                (void)fsconfig(fsfd, FSCONFIG_SET_FLAG, "volatile", NULL, 0);
        if (r < 0)
                return r;
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return berth_err(err, errno, "cannot create the overlay on '%s'", a->target);
        _cleanup_close_ int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
        if (mfd < 0)
                return berth_err(err, errno, "cannot mount the overlay on '%s'", a->target);
        if (move_mount(mfd, "", AT_FDCWD, a->target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return berth_err(err, errno, "cannot mount the overlay on '%s'", a->target);
        return 0;
}

/* layers/l/<first 16 hex of the chain id> → ../<chain hex>/diff */
static int short_link(berth_images *im, const char *diff, char name[static SHORT_LEN + 1],
                      berth_error *err)
{
        const char *layers = berth_images_layers_dir(im);
        size_t ll = strlen(layers);
        /* diff is "<layers>/<hex>/diff" */
        const char *hex = diff + ll + 1;
        _cleanup_free_ char *want = berth_xasprintf("../%.64s/diff", hex);
        memcpy(name, hex, SHORT_LEN);
        name[SHORT_LEN] = '\0';
        int lfd = berth_images_layers_fd(im);
        if (mkdirat(lfd, "l", 0700) < 0 && errno != EEXIST)
                return berth_err(err, errno, "cannot create '%s/l'", layers);
        _cleanup_free_ char *rel = berth_xasprintf("l/%s", name);
        if (symlinkat(want, lfd, rel) == 0)
                return 0;
        if (errno != EEXIST)
                return berth_err(err, errno, "cannot create '%s/%s'", layers, rel);
        char got[PATH_MAX];
        ssize_t len = readlinkat(lfd, rel, got, sizeof(got) - 1);
        if (len < 0)
                return berth_err(err, errno, "cannot read '%s/%s'", layers, rel);
        got[len] = '\0';
        if (strcmp(got, want) != 0)
                return berth_errx(err, EEXIST, "'%s/%s' points elsewhere ('%s')", layers, rel, got);
        return 0;
}

static int mount_legacy(berth_images *im, const mount_args *a, berth_error *err)
{
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *data = berth_xmalloc0(cap);
        len += (size_t)snprintf(data, cap, "lowerdir=");
        for (size_t i = 0; i < a->n; i++) {
                char name[SHORT_LEN + 1];
                int r = short_link(im, a->lowers[i], name, err);
                if (r < 0)
                        return r;
                if (len + SHORT_LEN + 4 >= cap)
                        return berth_errx(err, E2BIG,
                                          "too many layers (%zu) to mount without the new mount "
                                          "API",
                                          a->n);
                len += (size_t)snprintf(data + len, cap - len, "%sl/%s", i ? ":" : "", name);
        }
        if (a->n == 0)
                len += (size_t)snprintf(data + len, cap - len, "%s", a->empty);
        int n = snprintf(data + len, cap - len, ",upperdir=%s,workdir=%s," OVERLAY_EXTRA, a->upper,
                         a->work);
        if (n < 0 || (size_t)n >= cap - len)
                return berth_errx(err, E2BIG,
                                  "too many layers (%zu) to mount without the new mount API", a->n);
        /* chdir is process-wide: a child does it, and its mount is ours too. */
        pid_t pid = fork();
        if (pid < 0)
                return berth_err(err, errno, "cannot fork to mount '%s'", a->target);
        if (pid == 0) {
                if (chdir(berth_images_layers_dir(im)) < 0)
                        _exit(errno);
                size_t end = strlen(data);
                if (a->volatile_upper && end + 10 < cap) {
                        strcpy(data + end, ",volatile");
                        if (mount("overlay", a->target, "overlay", 0, data) == 0)
                                _exit(0);
                        data[end] = '\0'; /* before 5.10: without */
                }
                if (mount("overlay", a->target, "overlay", 0, data) < 0)
                        _exit(errno);
                _exit(0);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return berth_err(err, errno, "cannot wait for the mount of '%s'",
                                         a->target);
        if (!WIFEXITED(status))
                return berth_errx(err, EIO, "cannot mount the overlay on '%s': helper died",
                                  a->target);
        if (WEXITSTATUS(status) != 0)
                return berth_err(err, WEXITSTATUS(status), "cannot mount the overlay on '%s'",
                                 a->target);
        return 0;
}

int snapshot_mount_how(berth_images *im, const char *dir, const char *target,
                       enum snapshot_mount_how how, bool volatile_upper, berth_error *err)
{
        mount_args a = {.volatile_upper = volatile_upper};
        int r = mount_args_get(im, dir, target, &a, err);
        if (r == 0 && volatile_upper) {
                /* the mark a volatile mount leaves in the work dir, which makes the
                 * kernel refuse the next mount; its upper dir is thrown away anyway */
                _cleanup_free_ char *mark = berth_xasprintf("%s/work/incompat", a.work);
                r = berth_rm_rf(mark, err);
        }
        if (r < 0) {
                mount_args_clear(&a);
                return berth_wrap(err, "cannot mount snapshot '%s'", dir);
        }
        if (how != SNAPSHOT_MOUNT_LEGACY) {
                berth_error e1 = {0};
                r = mount_new(&a, &e1);
                /* Kernels before 6.8 know no "lowerdir+" (EINVAL), old ones no fsopen. */
                if (r < 0 && how == SNAPSHOT_MOUNT_AUTO &&
                    (e1.code == EINVAL || e1.code == ENOSYS || e1.code == EPERM))
                        how = SNAPSHOT_MOUNT_LEGACY;
                else if (r < 0)
                        *err = e1;
                else
                        how = SNAPSHOT_MOUNT_NEW;
        }
        if (how == SNAPSHOT_MOUNT_LEGACY)
                r = mount_legacy(im, &a, err);
        mount_args_clear(&a);
        if (r < 0)
                return berth_wrap(err, "cannot mount snapshot '%s'", dir);
        return 0;
}

int berth_snapshot_mount(berth_images *im, const char *dir, const char *target, berth_error *err)
{
        return snapshot_mount_how(im, dir, target, SNAPSHOT_MOUNT_AUTO, false, err);
}

int berth_snapshot_mount_volatile(berth_images *im, const char *dir, berth_error *err)
{
        return snapshot_mount_how(im, dir, NULL, SNAPSHOT_MOUNT_AUTO, true, err);
}
