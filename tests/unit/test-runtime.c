/* SPDX-License-Identifier: Apache-2.0 */
#include "base/cleanup.h"
#include "runtime/container.h"
#include "runtime/runtime.h"
#include "runtime/procfs.h"
#include "runtime/rootfs.h"
#include "runtime/selfclone.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <stdlib.h>
#include <sched.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_signals(void)
{
        is_int(berth_rt_signal_parse("KILL"), SIGKILL, "KILL");
        is_int(berth_rt_signal_parse("SIGTERM"), SIGTERM, "SIGTERM");
        is_int(berth_rt_signal_parse("sigusr1"), SIGUSR1, "names are case-insensitive");
        is_int(berth_rt_signal_parse("9"), 9, "numbers");
        is_int(berth_rt_signal_parse("RTMIN+3"), SIGRTMIN + 3, "RTMIN+3");
        is_int(berth_rt_signal_parse("SIGRTMAX-1"), SIGRTMAX - 1, "SIGRTMAX-1");
        is_int(berth_rt_signal_parse("RTMIN+99"), -1, "RTMIN beyond RTMAX refused");
        is_int(berth_rt_signal_parse("NOPE"), -1, "unknown name refused");
        is_int(berth_rt_signal_parse("0"), -1, "0 is not a signal to send");
        is_int(berth_rt_signal_parse("999"), -1, "out of range number refused");
        is_int(berth_rt_signal_parse(""), -1, "empty refused");
}

static void test_ids(void)
{
        berth_error err = {0};
        ok(container_validate_id("web-1.prod_a+b", &err) == 0, "a normal id is fine");
        ok(container_validate_id("../etc", &err) < 0, "slashes refused");
        like(err.msg, "invalid container id '../etc'", "the message names the id");
        ok(container_validate_id("..", &err) < 0, "'..' refused");
        ok(container_validate_id("", &err) < 0, "empty refused");
        ok(container_validate_id("a b", &err) < 0, "spaces refused");
}

static void test_state_json(void)
{
        berth_rt_state st = {
            .id = (char *)"c1",
            .pid = 42,
            .status = BERTH_RT_RUNNING,
            .bundle = (char *)"/b",
            .rootfs = (char *)"/b/rootfs",
            .created = (char *)"2026-11-24T00:00:00.000000000Z",
            .owner = (char *)"",
            .annotations_json = (char *)"{\"k\":\"v\"}",
        };
        _cleanup_free_ char *s = berth_rt_state_json(&st);
        json_t *o = json_loads(s, 0, NULL);
        ok(o != NULL, "state is JSON");
        is_str(json_string_value(json_object_get(o, "ociVersion")), "1.2.0", "ociVersion");
        is_str(json_string_value(json_object_get(o, "status")), "running", "status");
        is_int(json_integer_value(json_object_get(o, "pid")), 42, "pid");
        is_str(json_string_value(json_object_get(o, "bundle")), "/b", "bundle");
        is_str(json_string_value(json_object_get(json_object_get(o, "annotations"), "k")), "v",
               "annotations");
        json_decref(o);
        for (int i = BERTH_RT_CREATING; i <= BERTH_RT_STOPPED; i++)
                ok(berth_rt_status_name(i)[0] != 'u', "status %d has a name", i);
}

static void test_pid_start(void)
{
        ok(berth_pid_start_time(getpid()) > 0, "our own start time is known");
        pid_t p = fork();
        if (p == 0)
                _exit(0);
        /* a zombie counts as gone */
        usleep(100000);
        is_int(berth_pid_start_time(p), 0, "a zombie has no start time");
        waitpid(p, NULL, 0);
        is_int(berth_pid_start_time(p), 0, "a reaped pid has no start time");
        is_int(berth_pid_start_time(0), 0, "pid 0 is nobody");
}

/* Run sh -c script as berth_exec_sealed (sealed) or execv would; its stdout and status. */
static int sh_output(bool sealed, const char *script, char *out, size_t outsz)
{
        int p[2];
        if (pipe(p) < 0)
                return -1;
        pid_t pid = fork();
        if (pid == 0) {
                dup2(p[1], 1);
                char *argv[] = {"sh", "-c", (char *)script, NULL};
                char *envp[] = {"PATH=/usr/bin:/bin", NULL};
                if (sealed)
                        berth_exec_sealed("/bin/sh", argv, envp);
                execve("/bin/sh", argv, envp);
                _exit(127);
        }
        close(p[1]);
        ssize_t len = berth_read_all(p[0], out, outsz - 1);
        out[len > 0 ? len : 0] = '\0';
        close(p[0]);
        int st = 0;
        waitpid(pid, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int count_overlays(void)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];
        int n = 0;
        while (f && fgets(line, sizeof(line), f))
                n += strstr(line, " - overlay ") != NULL;
        if (f)
                fclose(f);
        return n;
}

static void test_exec_sealed(void)
{
        char out[512];
        /* the shell's own exe ($$), not that of a command it runs */
        const char *probe = "readlink /proc/$$/exe; [ -w /proc/$$/exe ] && echo writable || "
                            "echo read-only";
        if (geteuid() != 0) {
                ok(1, "# SKIP overlay mounts need root");
                return;
        }
        int overlays = count_overlays();
        is_int(sh_output(false, probe, out, sizeof(out)), 0, "plain exec runs");
        like(out, "writable", "plainly exec'd, root may write the program's file");
        is_int(sh_output(true, probe, out, sizeof(out)), 0, "sealed exec runs");
        like(out, "read-only", "sealed, nobody may write it");
        out[strcspn(out, "\n")] = '\0'; /* its exe */
        ok(out[0] == '/' && out[1] != '\0' && strchr(out + 1, '/') == NULL,
           "its exe is named from the root of a mount of its directory alone: %s", out);
        ok(!berth_exe_is_sealed(), "this test program is not sealed");
        char *argv[] = {"x", NULL};
        ok(berth_exec_sealed("/nonexistent/dir/prog", argv, argv + 1) < 0,
           "a program that is not there: an error, not an exec");
        ok(berth_exec_sealed("relative", argv, argv + 1) == -EINVAL, "a relative path is refused");
        is_int(count_overlays(), overlays, "no overlay mount is left in our namespace");
}

/* The kind of mount berth_sealed_open puts path under, as "TYPE ro" or "TYPE rw" (statfs's
 * magic in hex); in a new user and mount namespace when in_userns. */
static void sealed_mount_kind(const char *path, bool in_userns, char *out, size_t outsz)
{
        int p[2];
        snprintf(out, outsz, "none");
        if (pipe(p) < 0)
                return;
        pid_t pid = fork();
        if (pid == 0) {
                close(p[0]);
                if (in_userns) {
                        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                                _exit(1);
                        int m = open("/proc/self/uid_map", O_WRONLY);
                        if (m < 0 || write(m, "0 0 1\n", 6) != 6)
                                _exit(1);
                        close(m);
                }
                int fd = berth_sealed_open(path);
                struct statfs sf;
                char buf[64];
                int n = fd >= 0 && fstatfs(fd, &sf) == 0
                            ? snprintf(buf, sizeof(buf), "%lx %s", (unsigned long)sf.f_type,
                                       (sf.f_flags & ST_RDONLY) ? "ro" : "rw")
                            : snprintf(buf, sizeof(buf), "error %d", fd);
                _exit(write(p[1], buf, (size_t)n) == n ? 0 : 1);
        }
        close(p[1]);
        ssize_t n = read(p[0], out, outsz - 1);
        out[n > 0 ? n : 0] = '\0';
        close(p[0]);
        waitpid(pid, NULL, 0);
}

static void test_sealed_mounts(void)
{
        if (geteuid() != 0) {
                ok(1, "# SKIP sealed mounts need root");
                return;
        }
        struct statfs host;
        char kind[64], want[64];
        ok(statfs("/bin/sh", &host) == 0, "statfs of /bin/sh");
        sealed_mount_kind("/bin/sh", false, kind, sizeof(kind));
        snprintf(want, sizeof(want), "%lx ro", (unsigned long)host.f_type);
        is_str(kind, want,
               "in the initial user namespace: a read-only bind of the program's own "
               "file system");
        sealed_mount_kind("/bin/sh", true, kind, sizeof(kind));
        snprintf(want, sizeof(want), "%lx ro", (unsigned long)OVERLAYFS_SUPER_MAGIC);
        is_str(kind, want,
               "in a user namespace of its own: the read-only overlay, which no owner "
               "of the namespace can make writable");
}

static void test_procfs(void)
{
        berth_error err = {0};
        _cleanup_close_ int proc = berth_procfs_open(&err);
        ok(proc >= 0, "the procfs we run with opens as one: %s", err.msg);
        char rel[64], now[64] = "";
        snprintf(rel, sizeof(rel), "%d/comm", (int)getpid());
        /* comm is ours to write: the write goes to the file named by pid */
        is_int(berth_procfs_write(proc, rel, "berth-probe", 11, &err), 0,
               "a pid's file is written");
        _cleanup_close_ int c = openat(proc, rel, O_RDONLY | O_CLOEXEC);
        ssize_t n = c >= 0 ? read(c, now, sizeof(now) - 1) : -1;
        now[n > 0 ? n : 0] = '\0';
        like(now, "berth-probe", "and reads back");
        ok(berth_procfs_write(proc, "self/comm", "x", 1, &err) == -ELOOP,
           "a path through a symlink (self) is refused");
        ok(berth_procfs_write(proc, "../etc/passwd", "x", 1, &err) < 0, "nothing above /proc");
        like(err.msg, "/proc/../etc/passwd", "the error names the file");
}

/* In a private mount namespace of a child: bind one file onto another by fd. */
static void test_mount_bind_fd(void)
{
        if (geteuid() != 0) {
                ok(1, "# SKIP mounts need root");
                return;
        }
        char dir[] = "/tmp/berth-bindfd.XXXXXX";
        ok(mkdtemp(dir) != NULL, "scratch dir");
        _cleanup_free_ char *a = berth_xasprintf("%s/a", dir), *b = berth_xasprintf("%s/b", dir);
        berth_write_file(a, "source\n", 7, O_CREAT, NULL);
        berth_write_file(b, "target\n", 7, O_CREAT, NULL);
        pid_t pid = fork();
        if (pid == 0) {
                if (unshare(CLONE_NEWNS) < 0 ||
                    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(2);
                int s = open(a, O_PATH | O_CLOEXEC), t = open(b, O_PATH | O_CLOEXEC);
                if (berth_mount_bind_fd(s, t, false, NULL) < 0)
                        _exit(3);
                char *text = NULL;
                _exit(berth_read_file(b, &text, NULL, NULL) == 0 && strcmp(text, "source\n") == 0
                          ? 0
                          : 4);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the target shows the source (exit %d)",
           WEXITSTATUS(st));
        char *text = NULL;
        ok(berth_read_file(b, &text, NULL, NULL) == 0 && strcmp(text, "target\n") == 0,
           "and nothing of it outside that namespace");
        free(text);
        unlink(a), unlink(b), rmdir(dir);
}

int main(void)
{
        test_signals();
        test_ids();
        test_state_json();
        test_pid_start();
        test_exec_sealed();
        test_sealed_mounts();
        test_procfs();
        test_mount_bind_fd();
        return tap_done();
}
