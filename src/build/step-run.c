/* SPDX-License-Identifier: Apache-2.0 */
/* RUN: a snapshot, berth-runtime run with a generated config, a commit (step.h). */
#include "step.h"
#include "step-internal.h"
#include "base/cleanup-json.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/snapshot.h"
#include "run-mount.h"
#include "specgen/specgen.h"
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static json_t *strv_json(char *const *v)
{
        json_t *a = json_array();
        STRV_FOREACH (s, (char **)v)
                json_array_append_new(a, json_string(*s));
        return a;
}

/* The step's own /etc/hosts, /etc/resolv.conf and /etc/hostname: copies, never the host's
 * files themselves (a bind of those would let the step write them). */
static int write_etc_files(const char *dir, const char *network, const char *hostname,
                           berth_error *err)
{
        _cleanup_free_ char *hosts = berth_xasprintf("%s/hosts", dir);
        _cleanup_free_ char *resolv = berth_xasprintf("%s/resolv.conf", dir);
        _cleanup_free_ char *hn = berth_xasprintf("%s/hostname", dir);
        _cleanup_free_ char *hosts_text =
            berth_xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                            "127.0.0.1\t%s\n",
                            hostname);
        _cleanup_free_ char *resolv_text = NULL;
        size_t rlen = 0;
        if (strcmp(network, "host") != 0 ||
            berth_read_file("/etc/resolv.conf", &resolv_text, &rlen, NULL) < 0) {
                free(resolv_text);
                resolv_text = berth_xstrdup("");
                rlen = 0;
        }
        _cleanup_free_ char *hn_text = berth_xasprintf("%s\n", hostname);
        if (berth_write_file_replace(hosts, hosts_text, strlen(hosts_text), 0644, err) < 0 ||
            berth_write_file_replace(resolv, resolv_text, rlen, 0644, err) < 0 ||
            berth_write_file_replace(hn, hn_text, strlen(hn_text), 0644, err) < 0)
                return -err->code;
        return 0;
}

/* The OCI config of the step's process, into dir/config.json. */
static int write_spec(const berth_build_run_opts *o, const char *dir, const char *id,
                      const char *hn, const char *netns, berth_error *err)
{
        const oci_container_config *c = &o->config->config;
        _cleanup_json_ json_t *body = json_object();
        json_object_set_new(body, "Cmd", strv_json(o->args));
        json_object_set_new(body, "Entrypoint", json_array());
        if (o->network == NULL || strcmp(o->network, "host") != 0) /* host: the host's */
                json_object_set_new(body, "Hostname", json_string(hn));
        json_object_set_new(body, "Env", strv_json(o->env ? o->env : c->env));
        if (c->working_dir && *c->working_dir)
                json_object_set_new(body, "WorkingDir", json_string(c->working_dir));
        if (c->user && *c->user)
                json_object_set_new(body, "User", json_string(c->user));
        json_object_set_new(body, "HostConfig",
                            json_pack("{s:s}", "NetworkMode", o->network ? o->network : "none"));
        _cleanup_free_ char *rootfs = berth_xasprintf("%s/merged", dir);
        _cleanup_free_ char *hosts = berth_xasprintf("%s/hosts", dir);
        _cleanup_free_ char *resolv = berth_xasprintf("%s/resolv.conf", dir);
        _cleanup_free_ char *hostname = berth_xasprintf("%s/hostname", dir);
        berth_specgen_input in = {.id = id,
                                  .rootfs = rootfs,
                                  .body = body,
                                  .hostname_path = hostname,
                                  .hosts_path = hosts,
                                  .resolv_path = resolv,
                                  .netns_path = netns};
        _cleanup_free_ char *path = berth_xasprintf("%s/config.json", dir);
        return berth_specgen_write(&in, path, err);
}

/* berth-runtime kill ID KILL: the step's process goes (run then returns). Quiet: before
 * the runtime has recorded the container, there is nothing to kill yet. */
static void runtime_kill(const char *runtime_root, const char *id)
{
        const char *const args[] = {"kill", id, "KILL", NULL};
        berth_build_runtime_quiet(runtime_root, args);
}

/* A cancelled step: its process is killed until berth-runtime run returns (it holds the
 * signal while it makes the container, and a kill finds no container before that). */
static void runtime_stop(pid_t run, const char *runtime_root, const char *id, int *st)
{
        for (;;) {
                runtime_kill(runtime_root, id);
                for (int i = 0; i < 20; i++) {
                        pid_t w = waitpid(run, st, WNOHANG);
                        if (w == run || (w < 0 && errno != EINTR))
                                return;
                        usleep(10000);
                }
        }
}

/* What the step's pipe holds, to out; true while the pipe may give more (false at its end, and
 * it is closed then). */
static bool relay_out(int relay[2], int out)
{
        if (relay[0] >= 0 && berth_fd_relay(relay[0], out) > 0)
                return true;
        if (relay[0] >= 0)
                close(relay[0]);
        relay[0] = -1;
        return false;
}

/* berth-runtime run of the bundle dir; *ret_status is the process's exit code (128+N for a
 * signal, as a shell says). The cancelling signals are held from the check of o->cancel to
 * the wait, which lets them in only while it sleeps: one that comes at any moment stops
 * the step. */
static int runtime_run(const berth_build_run_opts *o, const char *dir, const char *id,
                       int *ret_status, berth_error *err)
{
        int relay[2] = {-1, -1};
        _cleanup_free_ char *rt = berth_program_path("berth-runtime", "BERTH_RUNTIME");
        _cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0)
                return berth_err(err, errno, "cannot open /dev/null");
        sigset_t held, old;
        sigemptyset(&held);
        sigaddset(&held, SIGINT);
        sigaddset(&held, SIGTERM);
        sigaddset(&held, SIGHUP);
        sigprocmask(SIG_BLOCK, &held, &old);
        int r = 0, st = 0;
        pid_t pid = -1;
        _cleanup_close_ int pidfd = -1;
        if (o->cancel && *o->cancel) {
                r = berth_errx(err, ECANCELED, "the build was cancelled");
                goto out;
        }
        /* the step's output goes to out_fd through a pipe of ours unless out_fd is private
         * already: a RUN must not hold the user's terminal (berth_fd_private) */
        if (!berth_fd_private(o->out_fd)) {
                if (pipe2(relay, O_CLOEXEC) < 0) {
                        r = berth_err(err, errno, "cannot make a pipe");
                        goto out;
                }
                fcntl(relay[0], F_SETFL, O_NONBLOCK);
        }
        if ((pid = fork()) < 0) {
                r = berth_err(err, errno, "cannot fork");
                goto out;
        }
        if (pid == 0) {
                sigprocmask(SIG_SETMASK, &old, NULL);
                int out = relay[1] >= 0 ? relay[1] : o->out_fd;
                if (dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
                        _exit(127);
                char *argv[] = {(char *)"berth-runtime",
                                (char *)"--root",
                                (char *)o->runtime_root,
                                (char *)"run",
                                (char *)"--bundle",
                                (char *)dir,
                                (char *)id,
                                NULL};
                execv(rt, argv);
                dprintf(2, "berth: cannot run %s: %s\n", rt, strerror(errno));
                _exit(127);
        }
        if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
                r = berth_err(err, errno, "cannot watch berth-runtime");
                runtime_stop(pid, o->runtime_root, id, &st);
                goto out;
        }
        if (relay[1] >= 0) {
                close(relay[1]);
                relay[1] = -1;
        }
        for (;;) {
                struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
                                      {.fd = relay[0], .events = POLLIN}};
                int n = ppoll(p, relay[0] >= 0 ? 2 : 1, NULL, &old);
                if (n > 0 && p[1].revents && relay_out(relay, o->out_fd))
                        continue;
                if (n > 0 && p[0].revents)
                        break;
                if (n > 0)
                        continue;
                if (errno != EINTR) {
                        r = berth_err(err, errno, "cannot wait for berth-runtime");
                        break;
                }
                if (o->cancel && *o->cancel)
                        break;
        }
        if (r < 0 || (o->cancel && *o->cancel)) {
                runtime_stop(pid, o->runtime_root, id, &st);
                if (r == 0)
                        r = berth_errx(err, ECANCELED, "the build was cancelled");
                goto out;
        }
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        /* what it wrote before it ended (a child left behind may hold the pipe: no waiting) */
        relay_out(relay, o->out_fd);
        *ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
        for (int i = 0; i < 2; i++)
                if (relay[i] >= 0)
                        close(relay[i]);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

/* The step's /etc files are bind-mounted; when the image has none, berth-runtime makes
 * empty files to mount them on. Those are no part of the step's layer (docker's builders
 * leave none): the ones the image lacked before the run are dropped from the upper dir
 * after it, when they are still empty regular files. */
static const char *const etc_stubs[] = {"hosts", "resolv.conf", "hostname"};

static unsigned etc_stubs_missing(const char *dir)
{
        _cleanup_free_ char *etc = berth_xasprintf("%s/merged/etc", dir);
        _cleanup_close_ int fd = open(etc, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        unsigned missing = 0;
        struct stat st;
        for (unsigned i = 0; i < ARRAY_SIZE(etc_stubs); i++)
                if (fd < 0 ? errno == ENOENT
                           : fstatat(fd, etc_stubs[i], &st, AT_SYMLINK_NOFOLLOW) < 0 &&
                                 errno == ENOENT)
                        missing |= 1u << i;
        return missing;
}

static void etc_stubs_drop(const char *dir, unsigned missing)
{
        _cleanup_free_ char *etc = berth_xasprintf("%s/upper/etc", dir);
        _cleanup_close_ int fd = open(etc, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0)
                return;
        for (unsigned i = 0; i < ARRAY_SIZE(etc_stubs); i++)
                if ((missing & (1u << i)) &&
                    fstatat(fd, etc_stubs[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISREG(st.st_mode) && st.st_size == 0)
                        (void)unlinkat(fd, etc_stubs[i], 0);
}

static int make_dirs(const char *merged, char *const *dirs, berth_error *err)
{
        if (dirs == NULL || dirs[0] == NULL)
                return 0;
        _cleanup_close_ int root = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return berth_err(err, errno, "cannot open the step's root");
        return berth_build_mkdirs(root, dirs, err);
}

/* "default": the step joins the default bridge through o->net, which writes its /etc files
 * into dir as well; *joined says that it must leave. */
static int net_join(const berth_build_run_opts *o, const char *dir, const char *id,
                    const char *hostname, char **ret_netns, bool *joined, berth_error *err)
{
        if (o->network == NULL || strcmp(o->network, "default") != 0)
                return 0;
        if (o->net == NULL || o->net->join == NULL)
                return berth_errx(err, EINVAL, "no network for the build's default network");
        int r = o->net->join(o->net->userdata, id, hostname, dir, ret_netns, err);
        if (r < 0)
                return r;
        *joined = true;
        return 0;
}

static void net_leave(const berth_build_run_opts *o, const char *id, bool *joined)
{
        if (!*joined)
                return;
        o->net->leave(o->net->userdata, id);
        *joined = false;
}

int berth_build_step_run(berth_images *im, const berth_build_run_opts *o, int *ret_status,
                         berth_digest *ret_id, berth_error *err)
{
        _cleanup_free_ char *netns = NULL;
        bool joined = false;
        build_snapshot snap;
        int status = -1;
        int r = build_snapshot_open(im, o->work_dir, o->base, &snap, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *id = berth_xasprintf("build-%s", snap.hex);
        _cleanup_free_ char *merged = berth_xasprintf("%s/merged", snap.dir);
        unsigned stubs = etc_stubs_missing(snap.dir);
        /* the step's hostname: 12 hex, as the legacy builder's containers have theirs */
        char hostname[13];
        snprintf(hostname, sizeof(hostname), "%.12s", snap.hex);
        if ((r = make_dirs(merged, o->mkdirs, err)) < 0 ||
            (r = berth_build_mounts_attach(merged, o->mounts, o->n_mounts, err)) < 0 ||
            (r = write_etc_files(snap.dir, o->network ? o->network : "none", hostname, err)) < 0 ||
            (r = net_join(o, snap.dir, id, hostname, &netns, &joined, err)) < 0 ||
            (r = write_spec(o, snap.dir, id, hostname, netns, err)) < 0 ||
            (r = runtime_run(o, snap.dir, id, &status, err)) < 0)
                goto out;
        /* the process is gone: its address is free before the commit */
        net_leave(o, id, &joined);
        if ((r = berth_snapshot_umount(snap.dir, NULL, err)) < 0)
                goto out;
        etc_stubs_drop(snap.dir, stubs);
        if (status != 0) {
                _cleanup_free_ char *cmd = berth_strv_join(o->args, SIZE_MAX, " ");
                r = berth_errx(err, ECHILD, "The command '%s' returned a non-zero code: %d", cmd,
                               status);
                goto out;
        }
        r = build_snapshot_commit(im, snap.dir, o->base, o->config, o->created, o->created_by,
                                  o->cache_key, o->epoch ? *o->epoch : -1, ret_id, err);
out:;
        /* berth-runtime run removes its state as it returns; not when it was killed */
        char *state = berth_xasprintf("%s/%s", o->runtime_root, id);
        if (access(state, F_OK) == 0)
                berth_build_runtime_delete(o->runtime_root, id);
        free(state);
        net_leave(o, id, &joined);
        build_snapshot_close(im, &snap);
        if (ret_status)
                *ret_status = status;
        return r;
}
