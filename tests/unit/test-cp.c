/* SPDX-License-Identifier: Apache-2.0 */
/* cp's path rules, its view of a container (links followed inside it, mounts), and its tar
 * reader's confinement, on a throwaway directory. */
#include "tap.h"
#include "tar-build.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/cp-view.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_clean(void)
{
        static const char *const cases[][2] = {
            {"", "/"},       {"/", "/"},       {".", "/."},           {"a//b/../c/", "/a/c/"},
            {"x/.", "/x/."}, {"/x/./", "/x/"}, {"../../etc", "/etc"}, {"/a/b", "/a/b"},
            {"/a/..", "/"},  {"a/b/..", "/a"}, {"/.", "/."},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *c = berth_cp_clean(cases[i][0]);
                is_str(c, cases[i][1], "clean '%s'", cases[i][0]);
        }
        ok(berth_cp_asserts_dir("/a/"), "a trailing / asserts a directory");
        ok(berth_cp_asserts_dir("/a/."), "a trailing /. asserts a directory");
        ok(berth_cp_asserts_dir("."), "'.' asserts a directory");
        ok(!berth_cp_asserts_dir("/a"), "/a does not");
        ok(!berth_cp_asserts_dir("/a.."), "/a.. does not");
        ok(!berth_cp_asserts_dir("/a/x."), "/a/x. does not");
        bool esc;
        _cleanup_free_ char *r1 = berth_path_clean_rel("../x/./y", &esc);
        is_str(r1, "x/y", "clean_rel drops a leading ..");
        ok(esc, "and says it tried to climb");
        _cleanup_free_ char *r2 = berth_path_clean_rel("a/../b", &esc);
        is_str(r2, "b", "clean_rel applies ..");
        ok(!esc, "without climbing out");
}

static void test_split(void)
{
        static const char *const cases[][3] = {
            {"/a/b", "/a", "b"}, {"/a/b/", "/a", "b"}, {"/a/b/.", "/a/b", "."}, {"/", "/", "/"},
            {"/b", "/", "b"},    {"/.", "/", "."},     {"b", ".", "b"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *d, *b;
                berth_cp_split(cases[i][0], &d, &b);
                is_str(d, cases[i][1], "split '%s': dir", cases[i][0]);
                is_str(b, cases[i][2], "split '%s': base", cases[i][0]);
                free(d);
                free(b);
        }
}

static char tmp[] = "/tmp/berth-test-cp.XXXXXX";

static void sh(const char *cmd)
{
        _cleanup_free_ char *c = berth_xasprintf("cd %s && %s", tmp, cmd);
        if (system(c) != 0)
                fprintf(stderr, "# command failed: %s\n", cmd);
}

static void test_view(void)
{
        sh("mkdir -p root/etc root/srv/tree root/data vol/inner host/etc && echo c > root/etc/f && "
           "echo h > host/etc/f && ln -s / root/escape && ln -s ../../../../etc root/srv/rel && "
           "ln -s /data root/todata && ln -s ../../../.. vol/up && echo v > vol/inner/x && "
           "ln -s loop1 root/loop2 && ln -s loop2 root/loop1 && ln -s /etc/f root/srv/flink");
        _cleanup_free_ char *rootp = berth_xasprintf("%s/root", tmp);
        _cleanup_free_ char *volp = berth_xasprintf("%s/vol", tmp);
        int rootfd = open(rootp, O_PATH | O_DIRECTORY | O_CLOEXEC);
        berth_cp_view v;
        berth_cp_view_init(&v, rootfd);
        berth_error err = {0};
        ok(berth_cp_view_add(&v, "/todata/../data", open(volp, O_PATH | O_DIRECTORY | O_CLOEXEC),
                             NULL, true, &err) == 0,
           "a mount is added");
        is_str(v.m[0].dest, "/data", "its Destination is resolved");

        static const char *const canon[][3] = {
            /* path, follow_last, canonical */
            {"/escape/etc/f", "0", "/etc/f"},      {"/srv/rel/f", "0", "/etc/f"},
            {"/escape", "0", "/escape"},           {"/escape", "1", "/"},
            {"/srv/flink", "1", "/etc/f"},         {"/todata/inner", "0", "/data/inner"},
            {"/data/up/etc", "0", "/etc"},         {"/srv/rel/../x", "0", "/x"},
            {"/no/such/../file", "0", "/no/file"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(canon); i++) {
                _cleanup_free_ char *c = NULL;
                int r = berth_cp_canon(&v, canon[i][0], canon[i][1][0] == '1', &c, &err);
                ok(r == 0, "canon '%s'", canon[i][0]);
                is_str(c, canon[i][2], "canon '%s' (follow %s)", canon[i][0], canon[i][1]);
        }
        _cleanup_free_ char *loop = NULL;
        is_int(berth_cp_canon(&v, "/loop1/x", false, &loop, &err), -ELOOP, "a link loop is ELOOP");

        berth_cp_loc loc;
        berth_cp_view_map(&v, "/data/inner/x", &loc);
        ok(loc.mount == &v.m[0], "/data/inner/x is in the mount");
        is_str(loc.rel, "inner/x", "at inner/x of its source");
        berth_cp_view_map(&v, "/database", &loc);
        ok(loc.mount == NULL, "/database is not in /data");
        ok(berth_cp_view_has_mount_below(&v, "/"), "/ has a mount below");
        ok(!berth_cp_view_has_mount_below(&v, "/data"), "/data has none below it");

        /* reading through the view reaches the container's file, never the host's */
        _cleanup_free_ char *c = NULL;
        berth_cp_canon(&v, "/escape/etc/f", true, &c, &err);
        _cleanup_close_ int fd = berth_cp_view_open(&v, c, &err);
        char buf[8] = "";
        _cleanup_close_ int rfd = -1;
        char p[32];
        if (fd >= 0)
                rfd = open(berth_fd_path(fd, p), O_RDONLY | O_CLOEXEC);
        ok(rfd >= 0 && read(rfd, buf, sizeof(buf) - 1) == 2 && strcmp(buf, "c\n") == 0,
           "/escape/etc/f is the container's /etc/f");

        /* extracting: entries through links stay inside, escapes are refused */
        tent ents[] = {
            {.name = "escape/etc/new", .type = 'f', .data = "n"},
            {.name = "data/up/etc/viavol", .type = 'f', .data = "v"},
        };
        int tfd = tar_build(ents, ARRAY_SIZE(ents), TAR_PLAIN);
        berth_cp_extract_opts o = {.owner = BERTH_CP_OWNER_NONE};
        ok(berth_cp_tar_extract(&v, "/", tfd, &o, true, NULL, &err) == 0,
           "extract through links: %s", err.msg);
        close(tfd);
        _cleanup_free_ char *n1 = berth_xasprintf("%s/root/etc/new", tmp);
        _cleanup_free_ char *n2 = berth_xasprintf("%s/root/etc/viavol", tmp);
        ok(access(n1, F_OK) == 0, "escape/etc/new landed in the container's /etc");
        ok(access(n2, F_OK) == 0, "data/up/etc/viavol too");

        tent bad1[] = {{.name = "../../outside", .type = 'f', .data = "x"}};
        tfd = tar_build(bad1, 1, TAR_PLAIN);
        ok(berth_cp_tar_extract(&v, "/srv", tfd, &o, true, NULL, &err) < 0,
           "a name above the "
           "destination is refused");
        like(err.msg, "outside of", "with docker's reason");
        close(tfd);
        tent bad2[] = {{.name = "up", .type = 'l', .link = "../../../etc"}};
        tfd = tar_build(bad2, 1, TAR_PLAIN);
        ok(berth_cp_tar_extract(&v, "/srv", tfd, &o, true, NULL, &err) < 0,
           "a relative symlink out of the destination is refused");
        like(err.msg, "invalid symlink", "as docker says");
        close(tfd);
        tent bad3[] = {{.name = "tree", .type = 'f', .data = "x"}};
        tfd = tar_build(bad3, 1, TAR_PLAIN);
        ok(berth_cp_tar_extract(&v, "/srv", tfd, &o, true, NULL, &err) < 0,
           "a file never replaces a directory");
        like(err.msg, "cannot overwrite directory", "as docker says");
        close(tfd);
        v.m[0].rw = false;
        tent ro[] = {{.name = "x2", .type = 'f', .data = "x"}};
        tfd = tar_build(ro, 1, TAR_PLAIN);
        ok(berth_cp_tar_extract(&v, "/data", tfd, &o, true, NULL, &err) < 0,
           "a read-only mount is refused");
        like(err.msg, "read-only", "saying so");
        close(tfd);
        _cleanup_free_ char *hostf = berth_xasprintf("%s/host/etc/new", tmp);
        ok(access(hostf, F_OK) < 0, "nothing reached the 'host' beside the root");
        berth_cp_view_done(&v);
        close(rootfd);
}

/* A bind-mounted file whose source name is swapped (by whoever else can write the source's
 * directory) for a symlink to a host file, or a FIFO: cp neither writes nor reads through it. */
static void test_file_mount_swapped(void)
{
        sh("mkdir -p froot fsrc && touch froot/cfg && echo cfg > fsrc/cfg && echo secret > canary "
           "&& "
           "chmod 600 canary");
        _cleanup_free_ char *rootp = berth_xasprintf("%s/froot", tmp);
        _cleanup_free_ char *srcp = berth_xasprintf("%s/fsrc", tmp);
        _cleanup_free_ char *canary = berth_xasprintf("%s/canary", tmp);
        int rootfd = open(rootp, O_PATH | O_DIRECTORY | O_CLOEXEC);
        berth_cp_view v;
        berth_cp_view_init(&v, rootfd);
        berth_error err = {0};
        ok(berth_cp_view_add(&v, "/cfg", open(srcp, O_PATH | O_DIRECTORY | O_CLOEXEC),
                             berth_xstrdup("cfg"), true, &err) == 0,
           "a file mount is added");
        tent ents[] = {{.name = "cfg", .type = 'f', .data = "written", .mode = 0777}};
        berth_cp_extract_opts o = {.owner = BERTH_CP_OWNER_NONE};
        int tfd = tar_build(ents, 1, TAR_PLAIN);
        ok(berth_cp_tar_extract(&v, "/", tfd, &o, true, NULL, &err) == 0, "cp onto it: %s",
           err.msg);
        close(tfd);
        _cleanup_free_ char *cfg = berth_xasprintf("%s/fsrc/cfg", tmp);
        _cleanup_free_ char *cmd = berth_xasprintf("cat %s/fsrc/cfg | grep -qx written", tmp);
        ok(system(cmd) == 0, "… writes the source file");

        unlink(cfg);
        ok(symlink(canary, cfg) == 0, "the source's name swapped for a symlink to a host file");
        int pfd[2];
        ok(pipe(pfd) == 0, "a pipe");
        _cleanup_close_ int rfd = berth_cp_view_open(&v, "/", &err);
        ok(berth_cp_tar_write(&v, rfd, "/", "", pfd[1], &err) == 0, "cp from the root: %s",
           err.msg);
        close(pfd[1]);
        char buf[8192];
        ssize_t n = berth_read_all(pfd[0], buf, sizeof(buf) - 1);
        close(pfd[0]);
        buf[n > 0 ? n : 0] = '\0';
        ok(n > 0 && memmem(buf, (size_t)n, "secret", 6) == NULL,
           "… does not read the host file through it");

        tfd = tar_build(ents, 1, TAR_PLAIN);
        ok(berth_cp_tar_extract(&v, "/", tfd, &o, true, NULL, &err) < 0,
           "cp onto the mount is refused: %s", err.msg);
        close(tfd);
        struct stat st;
        ok(stat(canary, &st) == 0 && st.st_size == 7 && (st.st_mode & 07777) == 0600,
           "… the host file is neither written nor chmodded (%o)", st.st_mode & 07777);
        unlink(cfg);
        ok(mkfifo(cfg, 0600) == 0, "the source's name swapped for a FIFO");
        tfd = tar_build(ents, 1, TAR_PLAIN);
        ok(berth_cp_tar_extract(&v, "/", tfd, &o, true, NULL, &err) < 0 &&
               strstr(err.msg, "no longer a regular file"),
           "cp onto the mount is refused, not blocked: %s", err.msg);
        close(tfd);
        berth_cp_view_done(&v);
        close(rootfd);
}

int main(void)
{
        test_clean();
        test_split();
        if (mkdtemp(tmp) == NULL)
                return 1;
        test_view();
        test_file_mount_swapped();
        _cleanup_free_ char *rm = berth_xasprintf("rm -rf %s", tmp);
        if (system(rm) != 0)
                return 1;
        return tap_done();
}
