/* SPDX-License-Identifier: Apache-2.0 */
/* The blob store: opening it, cleaning up after dead writers, reading, listing, removing. */
#include "store-private.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A temp file whose writer's pid we cannot see is left alone this long. */
#define STALE_TEMP_SECONDS 3600

int berth_store_blob_name(const berth_digest *d, char name[static 65], berth_error *err)
{
        berth_digest ok;
        if (d == NULL)
                return berth_errx(err, EINVAL, "invalid digest: none given");
        if (strnlen(d->s, sizeof(d->s)) == sizeof(d->s))
                return berth_errx(err, EINVAL, "invalid digest: not terminated");
        int r = berth_digest_parse(d->s, &ok, err);
        if (r < 0)
                return r;
        memcpy(name, berth_digest_hex(&ok), 64);
        name[64] = '\0';
        return 0;
}

/* mkdirat (existing is fine) and open the directory, refusing a symlink in its place. */
static int open_subdir(int dirfd, const char *parent, const char *name, mode_t mode,
                       berth_error *err)
{
        if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
                return berth_err(err, errno, "cannot create directory '%s/%s'", parent, name);
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open directory '%s/%s'", parent, name);
        return fd;
}

/* "<pid>-<hex>", as berth_blob_writer_new() names its temp files. */
static bool parse_temp_name(const char *name, pid_t *ret_pid)
{
        const char *dash = strchr(name, '-');
        if (dash == NULL || dash == name || dash - name > 10 || dash[1] == '\0')
                return false;
        long long pid = 0;
        for (const char *p = name; p < dash; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                pid = pid * 10 + (*p - '0');
        }
        for (const char *p = dash + 1; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return false;
        if (pid <= 0 || pid > INT32_MAX)
                return false;
        *ret_pid = (pid_t)pid;
        return true;
}

static bool pid_alive(pid_t pid)
{
        return kill(pid, 0) == 0 || errno != ESRCH;
}

/* A writer's temp file is locked while the writer lives; a free lock means it is gone. */
static bool temp_file_in_use(int dirfd, const char *name)
{
        _cleanup_close_ int fd =
            openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return errno != ENOENT;
        return flock(fd, LOCK_EX | LOCK_NB) < 0;
}

/*
 * A file in root/tmp is stale when no writer holds its lock and either its
 * writer's pid is dead or it is older than STALE_TEMP_SECONDS. The pid and age
 * come first: probing the lock of a live writer's file could take it in the
 * moment between its creation and its writer's flock (the writer then moves on
 * to another name, and leaves this one to us).
 */
static bool temp_is_stale(int tmp_fd, const char *name)
{
        struct stat st;
        struct timespec now;
        if (fstatat(tmp_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode))
                return false; /* gone, or not ours to remove */
        clock_gettime(CLOCK_REALTIME, &now);
        bool old = st.st_mtim.tv_sec + STALE_TEMP_SECONDS < now.tv_sec;
        pid_t pid;
        bool dead = parse_temp_name(name, &pid) && !pid_alive(pid);
        if (!old && !dead)
                return false;
        return !S_ISREG(st.st_mode) || !temp_file_in_use(tmp_fd, name);
}

bool berth_store_temp_is_stale(berth_store *s, const char *name)
{
        return temp_is_stale(s->tmp_fd, name);
}

/* Remove what crashed writers left in root/tmp. Best effort: a file that cannot be removed
 * stays. */
static void remove_stale_temp_files(int tmp_fd)
{
        int fd = openat(tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        DIR *dir = fdopendir(fd);
        if (dir == NULL) {
                close(fd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (temp_is_stale(dirfd(dir), de->d_name))
                        unlinkat(dirfd(dir), de->d_name, 0);
        }
        closedir(dir);
}

/*
 * The store lock is two one-byte open file description locks on root/store.lock:
 * byte 1 is the lock itself (writers read-lock it, a collector write-locks it),
 * byte 0 a turnstile that a waiting collector holds, so that writers arriving
 * after it queue behind it instead of overtaking it. A writer holds the
 * turnstile only for the moment it takes byte 1; a collector takes the turnstile
 * before byte 1 and never the other way round, so neither waits for the other
 * while holding what the other needs.
 */
#define LOCK_TURNSTILE 0
#define LOCK_STORE     1

static int range_lock(int fd, short type, off_t at, bool wait)
{
        struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = at, .l_len = 1};
        for (;;) {
                if (fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) == 0)
                        return 0;
                if (errno != EINTR)
                        return errno == EACCES ? -EAGAIN : -errno;
        }
}

int berth_store_lock(berth_store *s, unsigned flags, berth_error *err)
{
        bool collect = flags & BERTH_STORE_LOCK_COLLECT;
        bool wait = !(flags & BERTH_STORE_LOCK_NOWAIT);
        const char *what = collect ? "for removal" : "for writing";
        _cleanup_free_ char *path = berth_xasprintf("%s/store.lock", s->root);
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s'", path);
        int r = range_lock(fd, collect ? F_WRLCK : F_RDLCK, LOCK_TURNSTILE, wait);
        if (r == 0)
                r = range_lock(fd, collect ? F_WRLCK : F_RDLCK, LOCK_STORE, wait);
        if (r == 0 && !collect)
                r = range_lock(fd, F_UNLCK, LOCK_TURNSTILE, false);
        if (r == -EAGAIN)
                return berth_errx(err, EWOULDBLOCK, "cannot lock the image store %s: it is busy",
                                  what);
        if (r < 0)
                return berth_err(err, -r, "cannot lock '%s' %s", path, what);
        return TAKE_FD(fd);
}

void berth_store_unlock(int lock)
{
        if (lock >= 0)
                close(lock);
}

int berth_store_open(const char *root, berth_store **ret, berth_error *err)
{
        return berth_store_open_flags(root, 0, ret, err);
}

int berth_store_open_flags(const char *root, unsigned flags, berth_store **ret, berth_error *err)
{
        _cleanup_close_ int root_fd = -1, blobs_fd = -1, sha_fd = -1, layers_fd = -1, tmp_fd = -1;
        if (root == NULL || root[0] == '\0')
                return berth_errx(err, EINVAL, "cannot open image store: no root directory given");
        _cleanup_free_ char *r = berth_xstrdup(root);
        for (size_t n = strlen(r); n > 1 && r[n - 1] == '/'; n--)
                r[n - 1] = '\0';
        int q = berth_mkdir_p(r, 0700, err);
        if (q < 0)
                return berth_wrap(err, "cannot open image store '%s'", r);
        root_fd = open(r, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return berth_err(err, errno, "cannot open image store '%s'", r);
        _cleanup_free_ char *blobs = berth_xasprintf("%s/blobs", r);
        if ((blobs_fd = open_subdir(root_fd, r, "blobs", 0755, err)) < 0 ||
            (sha_fd = open_subdir(blobs_fd, blobs, "sha256", 0755, err)) < 0 ||
            (layers_fd = open_subdir(root_fd, r, "layers", 0755, err)) < 0 ||
            (tmp_fd = open_subdir(root_fd, r, "tmp", 0755, err)) < 0)
                return berth_wrap(err, "cannot open image store '%s'", r);

        if (!(flags & BERTH_STORE_KEEP_TEMP))
                remove_stale_temp_files(tmp_fd);

        berth_store *s = berth_xmalloc0(sizeof(*s));
        s->root = TAKE_PTR(r);
        s->blobs_fd = TAKE_FD(sha_fd);
        s->tmp_fd = TAKE_FD(tmp_fd);
        *ret = s;
        return 0;
}

void berth_store_free(berth_store *s)
{
        if (s == NULL)
                return;
        if (s->blobs_fd >= 0)
                close(s->blobs_fd);
        if (s->tmp_fd >= 0)
                close(s->tmp_fd);
        free(s->root);
        free(s);
}

const char *berth_store_root(const berth_store *s)
{
        return s->root;
}

bool berth_store_has(berth_store *s, const berth_digest *d)
{
        char name[65];
        struct stat st;
        if (berth_store_blob_name(d, name, NULL) < 0)
                return false;
        return fstatat(s->blobs_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

char *berth_store_blob_path(berth_store *s, const berth_digest *d, berth_error *err)
{
        char name[65];
        if (berth_store_blob_name(d, name, err) < 0)
                return NULL;
        return berth_xasprintf("%s/blobs/sha256/%s", s->root, name);
}

int berth_store_open_blob(berth_store *s, const berth_digest *d, int *ret_fd, uint64_t *ret_size,
                          berth_error *err)
{
        char name[65];
        struct stat st;
        int r = berth_store_blob_name(d, name, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = openat(s->blobs_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open blob '%s'", d->s);
        if (fstat(fd, &st) < 0)
                return berth_err(err, errno, "cannot stat blob '%s'", d->s);
        if (!S_ISREG(st.st_mode))
                return berth_errx(err, EINVAL, "cannot open blob '%s': not a regular file", d->s);
        if (ret_size)
                *ret_size = (uint64_t)st.st_size;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int corrupted(berth_error *err, const berth_digest *want, const berth_digest *got)
{
        return berth_errx(err, EBADMSG, "blob '%s' is corrupted: its content has digest %s",
                          want->s, got->s);
}

int berth_store_read_blob(berth_store *s, const berth_digest *d, size_t max, char **ret,
                          size_t *ret_len, berth_error *err)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        uint64_t size;
        int r = berth_store_open_blob(s, d, &fd, &size, err);
        if (r < 0)
                return r;
        if (size > max)
                return berth_errx(err, EFBIG, "blob '%s' is too large: %llu bytes, at most %zu",
                                  d->s, (unsigned long long)size, max);
        buf = berth_xmalloc0(size + 1);
        ssize_t n = berth_read_all(fd, buf, size);
        if (n < 0)
                return berth_err(err, errno, "cannot read blob '%s'", d->s);
        if ((uint64_t)n != size)
                return berth_errx(err, EIO, "cannot read blob '%s': short read", d->s);
        berth_digest got;
        berth_digest_of(buf, size, &got);
        if (!berth_digest_equal(&got, d))
                return corrupted(err, d, &got);
        if (ret_len)
                *ret_len = size;
        *ret = TAKE_PTR(buf);
        return 0;
}

int berth_store_verify_blob(berth_store *s, const berth_digest *d, berth_error *err)
{
        _cleanup_close_ int fd = -1;
        berth_digest got;
        int r = berth_store_open_blob(s, d, &fd, NULL, err);
        if (r < 0)
                return r;
        r = berth_digest_fd(fd, &got, NULL, err);
        if (r < 0)
                return berth_wrap(err, "cannot verify blob '%s'", d->s);
        if (!berth_digest_equal(&got, d))
                return corrupted(err, d, &got);
        return 0;
}

int berth_store_remove_blob(berth_store *s, const berth_digest *d, berth_error *err)
{
        char name[65];
        int r = berth_store_blob_name(d, name, err);
        if (r < 0)
                return r;
        if (unlinkat(s->blobs_fd, name, 0) < 0)
                return berth_err(err, errno, "cannot remove blob '%s'", d->s);
        if (fsync(s->blobs_fd) < 0)
                return berth_err(err, errno, "cannot sync '%s/blobs/sha256'", s->root);
        return 0;
}

static int by_digest(const void *a, const void *b)
{
        return strcmp(((const berth_digest *)a)->s, ((const berth_digest *)b)->s);
}

int berth_store_list_blobs(berth_store *s, berth_digest **ret, size_t *n, berth_error *err)
{
        _cleanup_free_ berth_digest *list = NULL;
        size_t count = 0, cap = 0;
        int fd = openat(s->blobs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s/blobs/sha256'", s->root);
        DIR *dir = fdopendir(fd);
        if (dir == NULL) {
                int e = errno;
                close(fd);
                return berth_err(err, e, "cannot read '%s/blobs/sha256'", s->root);
        }
        for (;;) {
                errno = 0;
                struct dirent *de = readdir(dir);
                if (de == NULL)
                        break;
                char text[BERTH_DIGEST_LEN + 8];
                berth_digest d;
                struct stat st;
                if (strlen(de->d_name) != 64)
                        continue;
                snprintf(text, sizeof(text), "sha256:%s", de->d_name);
                if (berth_digest_parse(text, &d, NULL) < 0)
                        continue;
                if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISREG(st.st_mode))
                        continue;
                if (count == cap) {
                        cap = cap ? cap * 2 : 64;
                        list = berth_xrealloc(list, cap * sizeof(*list));
                }
                list[count++] = d;
        }
        int e = errno;
        closedir(dir);
        if (e != 0)
                return berth_err(err, e, "cannot read '%s/blobs/sha256'", s->root);
        if (count > 0)
                qsort(list, count, sizeof(*list), by_digest);
        *ret = TAKE_PTR(list);
        *n = count;
        return 0;
}
