/* SPDX-License-Identifier: Apache-2.0 */
/* What killed builds left, found by their free locks and removed (sweep.h). */
#include "sweep.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int berth_build_lock_take(const char *work_dir, const char *name, berth_error *err)
{
        if (berth_mkdir_p(work_dir, 0700, err) < 0)
                return -err->code;
        _cleanup_free_ char *path = berth_xasprintf("%s/%s.lock", work_dir, name);
        for (;;) {
                int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return berth_err(err, errno, "cannot make %s", path);
                if (flock(fd, LOCK_EX) < 0) {
                        int r = berth_err(err, errno, "cannot lock %s", path);
                        close(fd);
                        return r;
                }
                /* a sweep may have taken the file for an orphan and unlinked it between our
                 * open and flock: only the file that is still there counts */
                struct stat a, b;
                if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
                    a.st_dev == b.st_dev)
                        return fd;
                close(fd);
        }
}

void berth_build_lock_drop(const char *work_dir, const char *name, int lockfd)
{
        if (lockfd < 0)
                return;
        _cleanup_free_ char *path = berth_xasprintf("%s/%s.lock", work_dir, name);
        unlink(path);
        close(lockfd);
}

void berth_build_runtime_quiet(const char *runtime_root, const char *const *args)
{
        _cleanup_free_ char *rt = berth_program_path("berth-runtime", "BERTH_RUNTIME");
        const char *argv[8] = {"berth-runtime", "--root", runtime_root};
        size_t n = 3;
        for (; args[n - 3] && n < ARRAY_SIZE(argv) - 1; n++)
                argv[n] = args[n - 3];
        argv[n] = NULL;
        pid_t pid = fork();
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR);
                if (null >= 0) {
                        dup2(null, 1);
                        dup2(null, 2);
                }
                execv(rt, (char *const *)argv);
                _exit(127);
        }
        if (pid > 0)
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
}

void berth_build_runtime_delete(const char *runtime_root, const char *id)
{
        const char *const args[] = {"delete", "--force", id, NULL};
        berth_build_runtime_quiet(runtime_root, args);
}

static bool is_hex(const char *s, size_t n)
{
        if (strlen(s) != n)
                return false;
        return strspn(s, "0123456789abcdef") == n;
}

/* <prefix>-<24 hex> of a scratch directory. */
static bool scratch_name(const char *name)
{
        const char *prefixes[] = {"context-", "mount-", "download-"};
        for (size_t i = 0; i < 3; i++)
                if (berth_str_has_prefix(name, prefixes[i]) &&
                    is_hex(name + strlen(prefixes[i]), 24))
                        return true;
        return false;
}

int berth_build_scratch_open(const char *work_dir, const char *prefix, berth_build_scratch *ret,
                             berth_error *err)
{
        char hex[25];
        *ret = (berth_build_scratch){.dirfd = -1, .lock = -1};
        if (berth_random_hex(hex, 12, err) < 0)
                return -err->code;
        berth_build_scratch s = {.name = berth_xasprintf("%s-%s", prefix, hex),
                                 .work_dir = berth_xstrdup(work_dir),
                                 .dirfd = -1};
        s.lock = berth_build_lock_take(work_dir, s.name, err);
        int r = s.lock < 0 ? s.lock : 0;
        if (r == 0) {
                s.dir = berth_xasprintf("%s/%s", work_dir, s.name);
                if (mkdir(s.dir, 0700) < 0)
                        r = berth_err(err, errno, "cannot make %s", s.dir);
                else if ((s.dirfd = open(s.dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
                         0)
                        r = berth_err(err, errno, "cannot open %s", s.dir);
        }
        if (r < 0) {
                berth_build_scratch_close(&s);
                return r;
        }
        *ret = s;
        return 0;
}

void berth_build_scratch_close(berth_build_scratch *s)
{
        if (s->dirfd >= 0)
                close(s->dirfd);
        if (s->dir)
                berth_rm_rf(s->dir, NULL);
        if (s->lock >= 0)
                berth_build_lock_drop(s->work_dir, s->name, s->lock);
        free(s->name);
        free(s->dir);
        free(s->work_dir);
        *s = (berth_build_scratch){.dirfd = -1, .lock = -1};
}

/* A lock file whose NAME is gone and whose maker is dead (killed between the two). */
static void sweep_orphan_lock(int dfd, const char *lockname)
{
        _cleanup_free_ char *name = strndup(lockname, strlen(lockname) - 5);
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
                return;
        _cleanup_close_ int fd = openat(dfd, lockname, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
                unlinkat(dfd, lockname, 0);
}

/* A step's runtime state (build-<hex>) without its snapshot: the runtime was killed after
 * the build had removed the snapshot (the snapshot outlives the state otherwise). */
static void sweep_runtime_orphans(const char *work, const char *runroot, bool repair,
                                  char ***problems, char ***actions)
{
        _cleanup_free_ char *rtroot = berth_xasprintf("%s/runtime", runroot);
        DIR *d = opendir(rtroot);
        if (d == NULL)
                return;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                const char *id = de->d_name;
                if (!berth_str_has_prefix(id, "build-") || !is_hex(id + 6, 24))
                        continue;
                _cleanup_free_ char *snap = berth_xasprintf("%s/%s", work, id + 6);
                struct stat st;
                if (lstat(snap, &st) == 0 || errno != ENOENT)
                        continue;
                if (problems) {
                        _cleanup_free_ char *p = berth_xasprintf(
                            "build step state %s/%s was left by a build that was killed", rtroot,
                            id);
                        berth_strv_push(problems, p);
                }
                if (!repair)
                        continue;
                berth_build_runtime_delete(rtroot, id);
                if (actions) {
                        _cleanup_free_ char *a = berth_xasprintf("removed %s/%s", rtroot, id);
                        berth_strv_push(actions, a);
                }
        }
        closedir(d);
}

int berth_build_sweep(berth_images *im, const char *root, const char *runroot, bool repair,
                      char ***problems, char ***actions, berth_error *err)
{
        _cleanup_free_ char *work = berth_xasprintf("%s/build", root);
        sweep_runtime_orphans(work, runroot, repair, problems, actions);
        DIR *d = opendir(work);
        if (d == NULL)
                return errno == ENOENT ? 0 : berth_err(err, errno, "cannot read %s", work);
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                const char *name = de->d_name;
                if (berth_str_has_suffix(name, ".lock")) {
                        sweep_orphan_lock(dirfd(d), name);
                        continue;
                }
                bool step = is_hex(name, 24);
                bool context = scratch_name(name);
                if (!step && !context)
                        continue;
                _cleanup_free_ char *lockpath = berth_xasprintf("%s/%s.lock", work, name);
                _cleanup_close_ int lock =
                    open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0)
                        continue; /* its build is running */
                _cleanup_free_ char *dir = berth_xasprintf("%s/%s", work, name);
                if (problems) {
                        _cleanup_free_ char *p = berth_xasprintf(
                            "%s %s was left by a build that was killed",
                            step ? "build step snapshot" : "build context copy", dir);
                        berth_strv_push(problems, p);
                }
                if (!repair)
                        continue;
                berth_error e2 = {0};
                if (step) {
                        _cleanup_free_ char *rtroot = berth_xasprintf("%s/runtime", runroot);
                        _cleanup_free_ char *id = berth_xasprintf("build-%s", name);
                        berth_build_runtime_delete(rtroot, id);
                }
                int r = step ? berth_snapshot_remove(im, dir, &e2) : 0;
                if (r == 0)
                        r = berth_rm_rf(dir, &e2);
                _cleanup_free_ char *a = r < 0
                                             ? berth_xasprintf("cannot remove %s: %s", dir, e2.msg)
                                             : berth_xasprintf("removed %s", dir);
                if (actions)
                        berth_strv_push(actions, a);
                if (r == 0)
                        unlink(lockpath);
        }
        closedir(d);
        return 0;
}
