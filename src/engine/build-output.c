/* SPDX-License-Identifier: Apache-2.0 */
/* `build --output`: an image's filesystem as a tar or a directory (engine.h). */
#include "engine-internal.h"
#include "cp.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "build/step.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The image's root as a tar on out (its entries "./…"). */
static int archive_root(int rootfd, int out, berth_error *err)
{
        return berth_cp_archive(rootfd, ".", ".", out, err);
}

static int output_tar(int rootfd, const char *dest, int out_fd, berth_error *err)
{
        if (strcmp(dest, "-") == 0)
                return archive_root(rootfd, out_fd, err);
        _cleanup_free_ char *tmp = berth_xasprintf("%s.tmp-%d", dest, (int)getpid());
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return berth_err(err, errno, "cannot write %s", dest);
        int r = archive_root(rootfd, fd, err);
        if (r == 0 && fsync(fd) < 0)
                r = berth_err(err, errno, "cannot write %s", dest);
        if (r == 0 && rename(tmp, dest) < 0)
                r = berth_err(err, errno, "cannot write %s", dest);
        if (r < 0)
                unlink(tmp);
        return r;
}

/* A child writes the tar into a pipe that this process unpacks into dest. */
static int output_local(int rootfd, const char *dest, berth_error *err)
{
        if (berth_mkdir_p(dest, 0755, err) < 0)
                return -err->code;
        _cleanup_close_ int dfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_err(err, errno, "cannot open %s", dest);
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return berth_err(err, errno, "cannot make a pipe");
        pid_t pid = fork();
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                return berth_err(err, errno, "cannot fork");
        }
        if (pid == 0) {
                close(p[0]);
                berth_error e2 = {0};
                _exit(archive_root(rootfd, p[1], &e2) < 0 ? 1 : 0);
        }
        close(p[1]);
        berth_cp_extract_opts xo = {.owner = BERTH_CP_OWNER_TAR};
        int r = berth_cp_extract(p[0], dfd, &xo, NULL, err);
        close(p[0]);
        int st = 0;
        if (r < 0)
                kill(pid, SIGKILL);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        if (r == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
                r = berth_errx(err, EIO, "cannot read the image's files");
        return r;
}

int berth_engine_build_output(berth_engine *e, const berth_digest *id, const char *type,
                              const char *dest, int out_fd, berth_error *err)
{
        bool tar = strcmp(type, "tar") == 0;
        if (!tar && strcmp(type, "local") != 0)
                return berth_errx(err, EINVAL, "unsupported output type \"%s\" (local or tar)",
                                  type);
        if (dest == NULL || *dest == '\0')
                return berth_errx(err, EINVAL, "the %s output needs a dest", type);
        _cleanup_free_ char *work = berth_xasprintf("%s/build", e->root);
        berth_build_source *src = NULL;
        int r = berth_build_source_open(berth_engine_images(e), work, id, &src, err);
        if (r < 0)
                return r;
        r = tar ? output_tar(berth_build_source_fd(src), dest, out_fd, err)
                : output_local(berth_build_source_fd(src), dest, err);
        berth_build_source_close(src);
        return r;
}
