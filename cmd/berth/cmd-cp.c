/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth cp`. Its container side is the
 * engine's (src/engine/cp.h); here is its host side, with docker's rules
 * for what lands where (docker/cli's cp and moby's archive copy).
 */
#include "cli.h"
#include "base/fs.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "base/units.h"
#include "engine/commit.h"
#include "engine/cp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* docker's splitCpArg: "CONTAINER:PATH", unless it is an absolute or ./relative local path. */
static void split_arg(const char *arg, char **ret_ctr, const char **ret_path)
{
        const char *colon = strchr(arg, ':');
        *ret_ctr = NULL;
        *ret_path = arg;
        if (arg[0] == '/' || colon == NULL || arg[0] == '.')
                return;
        *ret_ctr = strndup(arg, (size_t)(colon - arg));
        *ret_path = colon + 1;
}

/* An absolute host path, cleaned, that keeps a trailing "/" or "/." (resolveLocalPath). */
static char *host_abs(const char *path)
{
        if (path[0] == '/')
                return berth_cp_clean(path);
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof(cwd)) == NULL)
                return berth_cp_clean(path);
        _cleanup_free_ char *joined = berth_xasprintf("%s/%s", cwd, path);
        return berth_cp_clean(joined);
}

typedef struct {
        char *path;
        bool exists, is_dir;
} copy_info;

static void copy_info_clear(copy_info *i)
{
        free(i->path);
        i->path = NULL;
}

/* CopyInfoDestinationPath: the host destination, its symlinks followed (10 at most). */
static int dest_info(const char *path, copy_info *ret, berth_error *err)
{
        _cleanup_free_ char *p = berth_xstrdup(path);
        struct stat st;
        int r = lstat(p, &st);
        for (int n = 0; r == 0 && S_ISLNK(st.st_mode); n++) {
                if (n > 10)
                        return berth_errx(err, ELOOP, "too many symlinks in %s", path);
                char target[PATH_MAX];
                ssize_t l = readlink(p, target, sizeof(target) - 1);
                if (l < 0)
                        return berth_err(err, errno, "readlink %s", p);
                target[l] = '\0';
                char *next;
                if (target[0] == '/') {
                        next = berth_xstrdup(target);
                } else {
                        char *dir, *base;
                        berth_cp_split(p, &dir, &base);
                        next = berth_xasprintf("%s/%s", dir, target);
                        free(dir);
                        free(base);
                }
                free(p);
                p = berth_cp_clean(next);
                free(next);
                r = lstat(p, &st);
        }
        if (r < 0) {
                if (errno != ENOENT)
                        return berth_err(err, errno, "lstat %s", p);
                char *dir, *base;
                berth_cp_split(p, &dir, &base);
                struct stat pst;
                int pr = stat(dir, &pst);
                int e = errno;
                _cleanup_free_ char *d = dir;
                free(base);
                if (pr < 0)
                        return berth_err(err, e, "stat %s", d);
                if (!S_ISDIR(pst.st_mode))
                        return berth_errx(err, ENOTDIR, "not a directory");
                *ret = (copy_info){.path = TAKE_PTR(p)};
                return 0;
        }
        *ret = (copy_info){.path = TAKE_PTR(p), .exists = true, .is_dir = S_ISDIR(st.st_mode)};
        return 0;
}

/*
 * PrepareArchiveCopy: the directory to extract into and the name the source's entries must
 * have there (*ret_name NULL: the source's own).
 */
static int prepare_copy(bool src_is_dir, const copy_info *dst, char **ret_dir, char **ret_name,
                        berth_error *err)
{
        char *dir, *base;
        berth_cp_split(dst->path, &dir, &base);
        if (dst->exists && dst->is_dir) {
                free(dir);
                free(base);
                *ret_dir = berth_xstrdup(dst->path);
                *ret_name = NULL;
                return 0;
        }
        if (dst->exists && src_is_dir) {
                free(dir);
                free(base);
                return berth_errx(err, EISDIR, "cannot copy directory");
        }
        if (!dst->exists && !src_is_dir && berth_cp_asserts_dir(dst->path)) {
                free(dir);
                free(base);
                return berth_errx(err, ENOENT, "no such directory");
        }
        *ret_dir = dir;
        *ret_name = base;
        return 0;
}

/* A producer of a tar stream, run in a thread while the main thread consumes it. */
typedef struct {
        berth_engine *e; /* cp from a container, else the host archive below */
        const char *ctr, *path, *name;
        bool follow;
        int dirfd;
        const char *entry;
        int out_fd;
        int rc;
        berth_error err;
} producer;

static void *produce(void *arg)
{
        producer *p = arg;
        if (p->e)
                p->rc = berth_engine_cp_from(p->e, p->ctr, p->path, p->follow, p->name, p->out_fd,
                                             &p->err);
        else
                p->rc = berth_cp_archive(p->dirfd, p->entry, p->name, p->out_fd, &p->err);
        close(p->out_fd);
        p->out_fd = -1;
        return NULL;
}

static int not_found(const char *ctr, const char *path)
{
        fprintf(stderr, "berth: Error: No such container:path: %s:%s\n", ctr, path);
        return 1;
}

static void print_copied(bool quiet, int64_t bytes, const char *to)
{
        if (quiet)
                return;
        char h[32];
        berth_human_size(bytes, h, sizeof(h));
        fprintf(stderr, "Successfully copied %s to %s\n", h, to);
}

static int copy_from(berth_cli *cli, const char *ctr, const char *src, const char *dst, bool follow,
                     bool quiet)
{
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL)
                return cli_error(&err);
        if (strcmp(dst, "-") == 0) {
                if (berth_engine_cp_from(e, ctr, src, follow, NULL, STDOUT_FILENO, &err) < 0)
                        return err.code == ENOENT ? not_found(ctr, src) : cli_error(&err);
                return 0;
        }
        _cleanup_free_ char *abs = host_abs(dst);
        berth_cp_stat st = {0};
        if (berth_engine_cp_stat(e, ctr, src, follow, &st, &err) < 0)
                return err.code == ENOENT ? not_found(ctr, src) : cli_error(&err);
        bool src_dir = S_ISDIR(st.mode);
        int64_t size = st.size;
        berth_cp_stat_clear(&st);
        copy_info di = {0};
        _cleanup_free_ char *dir = NULL, *name = NULL;
        if (dest_info(abs, &di, &err) < 0 || prepare_copy(src_dir, &di, &dir, &name, &err) < 0) {
                copy_info_clear(&di);
                return cli_error(&err);
        }
        copy_info_clear(&di);
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
                berth_err(&err, errno, "cannot open '%s'", dir);
                return cli_error(&err);
        }
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0) {
                berth_err(&err, errno, "cannot make a pipe");
                return cli_error(&err);
        }
        producer p = {
            .e = e, .ctr = ctr, .path = src, .name = name, .follow = follow, .out_fd = pfd[1]};
        pthread_t t;
        if (pthread_create(&t, NULL, produce, &p) != 0) {
                close(pfd[0]);
                close(pfd[1]);
                berth_errx(&err, EAGAIN, "cannot start a thread");
                return cli_error(&err);
        }
        berth_cp_extract_opts o = {.owner = BERTH_CP_OWNER_NONE};
        uint64_t bytes = 0;
        int r = berth_cp_extract(pfd[0], dirfd, &o, &bytes, &err);
        close(pfd[0]);
        pthread_join(t, NULL);
        /* the producer's error, unless it only saw the consumer go away */
        if (p.rc < 0 && (r == 0 || p.err.code != EPIPE))
                return p.err.code == ENOENT ? not_found(ctr, src) : cli_error(&p.err);
        if (r < 0)
                return cli_error(&err);
        print_copied(quiet, src_dir ? (int64_t)bytes : size, abs);
        return 0;
}

/* CopyInfoSourcePath: the host source, its parents' symlinks resolved (and itself with -L). */
static int source_info(const char *path, bool follow, char **ret_path, char **ret_rebase,
                       bool *ret_dir, berth_error *err)
{
        char buf[PATH_MAX];
        _cleanup_free_ char *resolved = NULL, *rebase = NULL;
        char *dir, *base;
        berth_cp_split(path, &dir, &base);
        _cleanup_free_ char *d = dir, *b = base;
        bool trailing = path[strlen(path) - 1] == '/';
        if (follow || trailing) {
                /* the whole path: docker's EvalSymlinks (a trailing "/" resolves the last link) */
                if (realpath(path, buf) == NULL)
                        return berth_err(err, errno, "lstat %s", path);
                resolved = berth_cp_clean(buf);
                if (berth_cp_asserts_dir(path) && strcmp(b, ".") == 0) {
                        char *s = berth_xasprintf("%s%s.", resolved,
                                                  strcmp(resolved, "/") == 0 ? "" : "/");
                        free(resolved);
                        resolved = s;
                }
        } else {
                if (realpath(dir, buf) == NULL)
                        return berth_err(err, errno, "lstat %s", dir);
                resolved = berth_xasprintf("%s%s%s", buf, strcmp(buf, "/") == 0 ? "" : "/", b);
        }
        char *rdir, *rbase;
        berth_cp_split(resolved, &rdir, &rbase);
        if (strcmp(rbase, b) != 0)
                rebase = berth_xstrdup(b);
        free(rdir);
        free(rbase);
        struct stat st;
        if (lstat(resolved, &st) < 0)
                return berth_err(err, errno, "lstat %s", resolved);
        *ret_dir = S_ISDIR(st.st_mode);
        *ret_path = TAKE_PTR(resolved);
        *ret_rebase = TAKE_PTR(rebase);
        return 0;
}

static const char *file_mode_problem(uint32_t mode)
{
        if (S_ISDIR(mode) || S_ISREG(mode))
                return NULL;
        if (S_ISCHR(mode) || S_ISBLK(mode))
                return "got a device";
        if (S_ISFIFO(mode))
                return "got a named pipe";
        if (S_ISSOCK(mode))
                return "got a socket";
        return "got an irregular file";
}

static int copy_to(berth_cli *cli, const char *src, const char *ctr, const char *dst, bool follow,
                   bool copy_uid_gid, bool quiet)
{
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL)
                return cli_error(&err);
        /* what the destination is, in the container */
        copy_info di = {.path = berth_xstrdup(dst)};
        berth_cp_stat st = {0};
        if (berth_engine_cp_stat(e, ctr, dst, false, &st, &err) == 0) {
                int r = 0;
                if (S_ISLNK(st.mode) && st.link_target) {
                        free(di.path);
                        di.path = berth_xstrdup(st.link_target);
                        berth_cp_stat_clear(&st);
                        r = berth_engine_cp_stat(e, ctr, di.path, false, &st, &err);
                }
                if (r == 0) {
                        const char *bad = file_mode_problem(st.mode);
                        if (bad) {
                                fprintf(stderr,
                                        "berth: destination \"%s:%s\" must be a directory or a "
                                        "regular file: %s\n",
                                        ctr, dst, bad);
                                berth_cp_stat_clear(&st);
                                copy_info_clear(&di);
                                return 1;
                        }
                        di.exists = true;
                        di.is_dir = S_ISDIR(st.mode);
                }
        }
        berth_cp_stat_clear(&st);
        berth_error_clear(&err);

        if (strcmp(src, "-") == 0) {
                int r = 0;
                if (!di.is_dir) {
                        fprintf(stderr, "berth: destination \"%s:%s\" must be a directory\n", ctr,
                                dst);
                        r = 1;
                } else if (berth_engine_cp_to(e, ctr, di.path, STDIN_FILENO, copy_uid_gid, &err) <
                           0) {
                        r = err.code == ENOENT ? not_found(ctr, dst) : cli_error(&err);
                }
                copy_info_clear(&di);
                return r;
        }

        _cleanup_free_ char *abs = host_abs(src), *spath = NULL, *rebase = NULL;
        _cleanup_free_ char *dir = NULL, *name = NULL;
        bool src_dir = false;
        if (source_info(abs, follow, &spath, &rebase, &src_dir, &err) < 0 ||
            prepare_copy(src_dir, &di, &dir, &name, &err) < 0) {
                copy_info_clear(&di);
                return cli_error(&err);
        }
        _cleanup_free_ char *where = berth_xasprintf("%s:%s", ctr, di.path);
        copy_info_clear(&di);
        char *hdir, *hbase;
        berth_cp_split(spath, &hdir, &hbase);
        _cleanup_free_ char *hd = hdir, *hb = hbase;
        _cleanup_close_ int hfd = open(hd, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (hfd < 0) {
                berth_err(&err, errno, "cannot open '%s'", hd);
                return cli_error(&err);
        }
        int64_t size = berth_usage_at(hfd, hb);
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0) {
                berth_err(&err, errno, "cannot make a pipe");
                return cli_error(&err);
        }
        producer p = {.dirfd = hfd,
                      .entry = hb,
                      .name = name     ? name
                              : rebase ? rebase
                                       : hb,
                      .out_fd = pfd[1]};
        pthread_t t;
        if (pthread_create(&t, NULL, produce, &p) != 0) {
                close(pfd[0]);
                close(pfd[1]);
                berth_errx(&err, EAGAIN, "cannot start a thread");
                return cli_error(&err);
        }
        int r = berth_engine_cp_to(e, ctr, dir, pfd[0], copy_uid_gid, &err);
        close(pfd[0]);
        pthread_join(t, NULL);
        if (p.rc < 0 && (r == 0 || p.err.code != EPIPE))
                return cli_error(&p.err);
        if (r < 0)
                return err.code == ENOENT ? not_found(ctr, dir) : cli_error(&err);
        print_copied(quiet, size, where);
        return 0;
}

int cmd_cp(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {{"archive", no_argument, NULL, 'a'},
                                          {"follow-link", no_argument, NULL, 'L'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        bool archive = false, follow = false, quiet = false, quiet_set = false;
        int c;
        while ((c = getopt_long(argc, argv, "aLqh", o, NULL)) != -1) {
                switch (c) {
                case 'a':
                        archive = true;
                        break;
                case 'L':
                        follow = true;
                        break;
                case 'q':
                        quiet = quiet_set = true;
                        break;
                case 'h':
                        printf("Usage:  berth cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
                               "\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH\n\n"
                               "Copy files/folders between a container and the local "
                               "filesystem\n\n"
                               "Use '-' as the source to read a tar archive from stdin\n"
                               "and extract it to a directory destination in a container.\n"
                               "Use '-' as the destination to stream a tar archive of a\n"
                               "container source to stdout.\n\n"
                               "Options:\n"
                               "  -a, --archive       Archive mode (copy all uid/gid "
                               "information)\n"
                               "  -L, --follow-link   Always follow symlinks in SRC_PATH\n"
                               "  -q, --quiet         Suppress progress output during copy. "
                               "Progress output is automatically suppressed if no terminal is "
                               "attached\n");
                        return 0;
                default:
                        return cli_usage("cp", "unknown flag");
                }
        }
        if (argc - optind != 2)
                return cli_usage("cp", "\"cp\" requires exactly 2 arguments.");
        const char *src = argv[optind], *dst = argv[optind + 1];
        berth_error err = {0};
        if (src[0] == '\0') {
                berth_errx(&err, EINVAL, "source can not be empty");
                return cli_error(&err);
        }
        if (dst[0] == '\0') {
                berth_errx(&err, EINVAL, "destination can not be empty");
                return cli_error(&err);
        }
        if (!quiet_set)
                quiet = !isatty(STDOUT_FILENO);
        _cleanup_free_ char *sctr = NULL, *dctr = NULL;
        const char *spath, *dpath;
        split_arg(src, &sctr, &spath);
        split_arg(dst, &dctr, &dpath);
        if (sctr && dctr) {
                berth_errx(&err, EINVAL, "copying between containers is not supported");
                return cli_error(&err);
        }
        if (!sctr && !dctr) {
                berth_errx(&err, EINVAL, "must specify at least one container source");
                return cli_error(&err);
        }
        signal(SIGPIPE, SIG_IGN);
        if (sctr)
                return copy_from(cli, sctr, spath, dpath, follow, quiet);
        return copy_to(cli, spath, dctr, dpath, follow, archive, quiet);
}
