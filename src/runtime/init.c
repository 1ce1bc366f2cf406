/* SPDX-License-Identifier: Apache-2.0 */
#include "init.h"
#include "console.h"
#include "hooks.h"
#include "procfs.h"
#include "rootfs.h"
#include "security.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/keyctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Through the procfs we were born with (the host's; stage 2 calls this before
 * pivot_root, while the container has had no chance to mount anything over
 * it). Namespaced sysctls land in the namespaces of the writer: ours now. */
static int apply_sysctl(const oci_linux *l, berth_error *err)
{
        if (l == NULL || l->n_sysctl == 0)
                return 0;
        _cleanup_close_ int proc = berth_procfs_open(err);
        if (proc < 0)
                return berth_wrap(err, "cannot set sysctls");
        for (size_t i = 0; i < l->n_sysctl; i++) {
                _cleanup_free_ char *rel = berth_xasprintf("sys/%s", l->sysctl[i].key);
                for (char *c = rel + strlen("sys/"); *c; c++)
                        if (*c == '.')
                                *c = '/';
                const char *v = l->sysctl[i].value;
                if (berth_procfs_write(proc, rel, v, strlen(v), err) < 0)
                        return berth_wrap(err, "cannot set sysctl '%s'", l->sysctl[i].key);
        }
        return 0;
}

int berth_process_set_oom_score_adj(pid_t pid, const oci_process *p, berth_error *err)
{
        if (!p->oom_score_adj.set)
                return 0;
        char v[32];
        int n = snprintf(v, sizeof(v), "%lld", (long long)p->oom_score_adj.v);
        if (berth_procfs_write_pid(pid, "oom_score_adj", v, (size_t)n, err) < 0)
                return berth_wrap(err, "cannot set oom_score_adj");
        return 0;
}

/* Resolve argv[0] against PATH from the process env, as execvpe would, so a
 * missing binary is reported at create time rather than after start.
 * The messages end in runc's lowercase "no such file or directory" and
 * "permission denied": the docker CLI matches those words to exit 127 and
 * 126 instead of 125. */
static int lookup_exe(const oci_process *p, char **ret, berth_error *err)
{
        const char *name = p->args[0];
        struct stat st;
        if (strchr(name, '/')) {
                if (stat(name, &st) < 0) {
                        if (errno == ENOENT)
                                return berth_errx(err, ENOENT,
                                                  "exec: '%s': no such file or directory", name);
                        return berth_err(err, errno, "exec: '%s'", name);
                }
                if (S_ISDIR(st.st_mode))
                        return berth_errx(err, EACCES,
                                          "exec: '%s': is a directory: permission denied", name);
                if (access(name, X_OK) < 0)
                        return berth_errx(err, EACCES, "exec: '%s': permission denied", name);
                *ret = berth_xstrdup(name);
                return 0;
        }
        const char *path = berth_strv_env_get(p->env, "PATH");
        if (path == NULL)
                path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        _cleanup_free_ char *copy = berth_xstrdup(path);
        char *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *cand = berth_xasprintf("%s/%s", *dir ? dir : ".", name);
                if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
                        *ret = TAKE_PTR(cand);
                        return 0;
                }
        }
        return berth_errx(err, ENOENT, "exec: '%s': executable file not found in $PATH", name);
}

/* chdir to cwd resolved inside our root (RESOLVE_IN_ROOT: no "..", absolute
 * or relative symlink leaves it; RESOLVE_NO_MAGICLINKS: no /proc/self/fd/N or
 * /proc/N/cwd jumps anywhere), and then make sure the kernel agrees that the
 * cwd is under the root: getcwd() fails (or says "(unreachable)") for a
 * directory outside it. Every host fd is closed by now (stage1.c), so there is
 * nothing outside to reach; this is the second wall (CVE-2024-21626). */
static int enter_cwd(const char *cwd, berth_error *err)
{
        if (cwd) {
                _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (root < 0)
                        return berth_err(err, errno, "cannot open the container's root");
                _cleanup_close_ int dir =
                    berth_open_in_root(root, cwd, O_PATH | O_DIRECTORY, 0, NULL);
                if (dir < 0)
                        return berth_err(err, -dir, "cannot chdir to the working directory '%s'",
                                         cwd);
                if (fchdir(dir) < 0)
                        return berth_err(err, errno, "cannot chdir to the working directory '%s'",
                                         cwd);
        }
        char buf[PATH_MAX];
        if (getcwd(buf, sizeof(buf)) == NULL) {
                if (errno == ENOENT)
                        return berth_errx(err, EPERM,
                                          "the working directory '%s' is outside the container",
                                          cwd ? cwd : "(inherited)");
                return berth_err(err, errno, "cannot read the working directory");
        }
        if (buf[0] != '/')
                return berth_errx(err, EPERM, "the working directory '%s' is outside the container",
                                  cwd ? cwd : buf);
        return 0;
}

int berth_process_prepare(const oci_process *p, const oci_spec *spec, berth_seccomp *seccomp,
                          char **ret_exe, int *ret_notify_fd, berth_error *err)
{
        int r;
        if ((r = enter_cwd(p->cwd, err)) < 0)
                return r;
        if ((r = berth_rlimits_apply(p->rlimits, p->n_rlimits, err)) < 0)
                return r;
        if (spec->linux && spec->linux->has_personality &&
            (r = berth_personality_apply(spec->linux->personality, err)) < 0)
                return r;
        _cleanup_free_ char *exe = NULL;
        if ((r = lookup_exe(p, &exe, err)) < 0)
                return r;

        berth_seccomp *sc = seccomp, *own = NULL;
        const oci_seccomp *scfg = spec->linux ? spec->linux->seccomp : NULL;
        if (sc == NULL && scfg) {
                if ((r = berth_seccomp_compile(scfg, &own, err)) < 0)
                        return r;
                sc = own;
        }
        int notify_fd = -1;
        if (sc && !p->no_new_privileges) {
                r = berth_seccomp_install(sc, &notify_fd, err);
                if (r < 0)
                        goto out;
        }
        r = berth_user_and_caps_apply(&p->user, p->has_caps ? &p->caps : NULL, err);
        if (r < 0)
                goto out;
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                r = berth_err(err, errno, "cannot set no_new_privs");
                goto out;
        }
        if (sc && p->no_new_privileges) {
                r = berth_seccomp_install(sc, &notify_fd, err);
                if (r < 0)
                        goto out;
        }
        *ret_exe = TAKE_PTR(exe);
        *ret_notify_fd = notify_fd;
        notify_fd = -1;
        r = 0;
out:
        if (notify_fd >= 0)
                close(notify_fd);
        berth_seccomp_free(own);
        return r;
}

/* Stdio that is a null device other than the container's own — the host's /dev/null, which a
 * monitor, a CLI or containerd-shim hands a process without input — becomes the container's
 * /dev/null: through the host's inode a process of the container could chmod or chown the
 * host's /dev/null (/proc/self/fd/0 leads to it; a mode of 000 breaks every unprivileged user of
 * the host). What the fd does is the same. Opened here, in the container's mount namespace with
 * the process's own credentials (no more than it could open itself), and used only if it is a
 * null device; else the fd stays (runc keeps it). */
static bool is_null_dev(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

static void stdio_null_own(void)
{
        struct stat st[3] = {0};
        bool any = false;
        for (int fd = 0; fd < 3; fd++)
                any = (fstat(fd, &st[fd]) == 0 && is_null_dev(&st[fd])) || any;
        if (!any) /* (the usual: pipes, a PTY) */
                return;
        int own = open("/dev/null", O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        struct stat o;
        if (own < 0)
                return;
        if (fstat(own, &o) == 0 && is_null_dev(&o))
                for (int fd = 0; fd < 3; fd++)
                        if (is_null_dev(&st[fd]) &&
                            (st[fd].st_dev != o.st_dev || st[fd].st_ino != o.st_ino))
                                dup2(own, fd);
        close(own);
}

_Noreturn void berth_process_exec(const oci_process *p, const char *exe, int sync_fd)
{
        char *empty[] = {NULL};
        stdio_null_own();
        /* the runtime holds the signals it passes on while it sets up; not the container */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(exe, p->args, p->env ? p->env : empty);
        int e = errno;
        berth_error err = {0};
        berth_err(&err, e, "exec '%s'", exe);
        if (sync_fd >= 0)
                sync_send(sync_fd, SYNC_ERROR, e, err.msg);
        else
                dprintf(STDERR_FILENO, "berth-runtime: %s\n", err.msg);
        _exit(e == ENOENT ? 127 : 126);
}

/* The state JSON with another status (the parent sent it while "creating"). */
static char *state_with_status(const char *state_json, const char *status)
{
        json_t *o = json_loads(state_json, 0, NULL);
        if (o == NULL)
                return berth_xstrdup(state_json);
        json_object_set_new(o, "status", json_string(status));
        char *r = json_dumps(o, JSON_INDENT(2));
        json_decref(o);
        return r ? r : berth_xstrdup(state_json);
}

static void fail(const berth_init_opts *o, berth_error *err)
{
        sync_fail(o->sync_fd, err);
}

_Noreturn void berth_container_init(const berth_init_opts *o)
{
        berth_error err = {0};
        struct sync_msg m;
        const oci_spec *s = o->spec;
        const oci_process *p = s->process;
        int fd = o->sync_fd;

        /* GO carries the state JSON for the in-container hooks. */
        if (sync_expect(fd, SYNC_GO, &m, &err) < 0)
                _exit(1);
        _cleanup_free_ char *state_json = berth_xstrdup(m.text);

        if (!p->terminal && setsid() < 0)
                berth_err(&err, errno, "cannot start a new session"), fail(o, &err);

        if (o->new_mntns) {
                berth_rootfs_opts ro = {
                    .spec = s,
                    .rootfs = o->rootfs,
                    .cgroup_path = o->cgroup_path,
                    .cgroupns = o->cgroupns,
                    .userns = o->new_userns,
                    .terminal = p->terminal,
                };
                if (berth_rootfs_prepare(&ro, &err) < 0)
                        fail(o, &err);
                if (berth_hooks_run(s, OCI_HOOK_CREATE_CONTAINER, state_json, &err) < 0)
                        fail(o, &err);
                /* sysctls, masked and read-only paths before pivot_root: through
                 * the runtime's procfs and fds it opened and checked, never
                 * through paths of the container's own tree */
                if (apply_sysctl(s->linux, &err) < 0)
                        fail(o, &err);
                if (berth_rootfs_protect(o->rootfs, s, &err) < 0)
                        fail(o, &err);
                if (berth_rootfs_pivot(o->rootfs, o->opts->no_pivot, &err) < 0)
                        fail(o, &err);
        } else {
                if (apply_sysctl(s->linux, &err) < 0)
                        fail(o, &err);
                if (chroot(o->rootfs) < 0 || chdir("/") < 0)
                        berth_err(&err, errno, "cannot chroot into '%s'", o->rootfs), fail(o, &err);
        }

        if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
                berth_err(&err, errno, "cannot set the hostname"), fail(o, &err);
        if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
                berth_err(&err, errno, "cannot set the domain name"), fail(o, &err);
        if (o->new_mntns && berth_rootfs_finalize(s, &err) < 0)
                fail(o, &err);
        if (!o->opts->no_new_keyring)
                syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL); /* best effort */
        if (p->terminal) {
                if (berth_console_setup(o->console_fd, p, true, &err) < 0)
                        fail(o, &err);
                close(o->console_fd);
        }

        _cleanup_free_ char *exe = NULL;
        int notify_fd = -1;
        if (berth_process_prepare(p, s, o->seccomp, &exe, &notify_fd, &err) < 0)
                fail(o, &err);
        if (notify_fd >= 0) {
                sync_send_fd(fd, SYNC_SECCOMP_NOTIFY, notify_fd);
                close(notify_fd);
        }

        /* Keep stdio, the preserved fds, the fifo and the sync socket; close the rest. */
        int keep[] = {o->fifo_fd, fd};
        berth_close_fds_from(3 + o->opts->preserve_fds, keep, ARRAY_SIZE(keep));

        sync_send(fd, SYNC_READY, 0, NULL);
        close(fd);

        /* Wait for `start`: it opens the fifo for reading. Our O_PATH fd is
         * reopened through the container's /proc, so that /proc must be a
         * procfs root first: never a path of the image's own. */
        int proc = berth_procfs_open(&err);
        char rel[32];
        snprintf(rel, sizeof(rel), "self/fd/%d", o->fifo_fd);
        int w = proc >= 0 ? openat(proc, rel, O_WRONLY | O_CLOEXEC) : -1;
        if (w < 0) {
                dprintf(STDERR_FILENO, "berth-runtime: cannot open exec.fifo: %s\n",
                        proc < 0 ? err.msg : strerror(errno));
                _exit(1);
        }
        close(proc);
        if (write(w, "0", 1) != 1)
                _exit(1);
        close(w);
        close(o->fifo_fd);

        _cleanup_free_ char *created = state_with_status(state_json, "created");
        if (berth_hooks_run(s, OCI_HOOK_START_CONTAINER, created, &err) < 0) {
                dprintf(STDERR_FILENO, "berth-runtime: %s\n", err.msg);
                _exit(1);
        }
        berth_process_exec(p, exe, -1);
}
