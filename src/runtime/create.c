/* SPDX-License-Identifier: Apache-2.0 */
#include "container.h"
#include "console.h"
#include "hooks.h"
#include "init.h"
#include "seccomp-listener.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Devices every container may use (runc's defaults), allowed after the config's rules. */
static const oci_device_rule default_allow[] = {
    {true, 'c', 1, 3, "rwm"}, {true, 'c', 1, 5, "rwm"}, {true, 'c', 1, 7, "rwm"},
    {true, 'c', 1, 8, "rwm"}, {true, 'c', 1, 9, "rwm"}, {true, 'c', 5, 0, "rwm"},
    {true, 'c', 5, 1, "rwm"}, {true, 'c', 5, 2, "rwm"}, {true, 'c', 136, -1, "rwm"},
};

/* The resources to apply: the config's, plus the default and configured devices allowed. */
static oci_resources effective_resources(const oci_linux *l, oci_device_rule **ret_rules)
{
        oci_resources res = {0};
        if (l->has_resources)
                res = l->resources;
        if (!l->has_resources || res.n_devices == 0) {
                *ret_rules = NULL;
                return res;
        }
        size_t n = res.n_devices + ARRAY_SIZE(default_allow) + l->n_devices;
        oci_device_rule *v = berth_xmalloc0(n * sizeof(*v));
        size_t k = 0;
        for (size_t i = 0; i < res.n_devices; i++)
                v[k++] = res.devices[i];
        for (size_t i = 0; i < ARRAY_SIZE(default_allow); i++)
                v[k++] = default_allow[i];
        for (size_t i = 0; i < l->n_devices; i++) {
                const oci_device *d = &l->devices[i];
                if (d->type == 'p')
                        continue;
                v[k++] = (oci_device_rule){true, d->type == 'b' ? 'b' : 'c', d->major, d->minor,
                                           (char *)"rwm"};
        }
        res.devices = v;
        res.n_devices = k;
        *ret_rules = v;
        return res;
}

typedef struct {
        container c;
        oci_spec *spec;
        berth_cgroup *cg;
        pid_t stage1, init;
        int sync[2];
        int fifo_fd, console_fd;
        int ns_fds[OCI_NS_COUNT];
        bool dir_made;
        berth_seccomp *seccomp;
} create_job;

static void job_abort(create_job *j)
{
        if (j->init > 0) {
                kill(j->init, SIGKILL);
                waitpid(j->init, NULL, 0);
        }
        if (j->stage1 > 0) {
                kill(j->stage1, SIGKILL);
                waitpid(j->stage1, NULL, 0);
        }
        if (j->cg) {
                berth_cgroup_kill_all(j->cg, SIGKILL, NULL);
                berth_cgroup_destroy(j->cg, NULL);
        }
        if (j->dir_made)
                berth_rm_rf(j->c.dir, NULL);
}

static void job_free(create_job *j)
{
        berth_cgroup_free(j->cg);
        for (int i = 0; i < 2; i++)
                if (j->sync[i] >= 0)
                        close(j->sync[i]);
        if (j->fifo_fd >= 0)
                close(j->fifo_fd);
        if (j->console_fd >= 0)
                close(j->console_fd);
        for (int i = 0; i < OCI_NS_COUNT; i++)
                if (j->ns_fds[i] >= 0)
                        close(j->ns_fds[i]);
        container_close(&j->c);
        berth_seccomp_free(j->seccomp);
        berth_oci_spec_free(j->spec);
}

static int check_config(const oci_spec *s, berth_error *err)
{
        if (s->process == NULL)
                return berth_errx(err, EINVAL, "process: required to create a container");
        if (s->linux == NULL)
                return berth_errx(err, EINVAL, "linux: required on Linux");
        if (berth_oci_spec_namespace(s, OCI_NS_MOUNT) == NULL)
                return berth_errx(err, EINVAL, "linux.namespaces: a mount namespace is required");
        const oci_namespace *uts = berth_oci_spec_namespace(s, OCI_NS_UTS);
        if ((s->hostname || s->domainname) && (uts == NULL || uts->path))
                return berth_errx(err, EINVAL,
                                  "hostname: needs a new uts namespace in linux.namespaces");
        const oci_namespace *user = berth_oci_spec_namespace(s, OCI_NS_USER);
        if (user && !user->path && (s->linux->n_uid_mappings == 0 || s->linux->n_gid_mappings == 0))
                return berth_errx(err, EINVAL,
                                  "linux.uidMappings: a new user namespace needs uid and gid "
                                  "mappings");
        return 0;
}

static char *state_json_of(create_job *j, enum berth_rt_status status)
{
        j->c.st.status = status;
        return berth_rt_state_json(&j->c.st);
}

typedef struct {
        create_job *j;
        const oci_spec *s;
        const berth_rt_create_opts *o;
        const char *rootfs;
        int new_flags;
        bool in_v2; /* set before stage 1 runs: it entered the cgroup2 part at its birth */
} create_stage1_arg;

/* Stage 1 (a vfork'd or forked child), and in its child stage 2, the container's init. */
_Noreturn static void create_stage1(void *arg)
{
        create_stage1_arg *a = arg;
        create_job *j = a->j;
        const oci_linux *l = a->s->linux;
        close(j->sync[0]);
        berth_stage1_opts so = {
            .sync_fd = j->sync[1],
            .cg = j->cg,
            .cg_v2_done = a->in_v2,
            .new_flags = a->new_flags,
            .time_monotonic = &l->time_monotonic,
            .time_boottime = &l->time_boottime,
            .keep_fds = {j->fifo_fd, j->console_fd},
            .n_keep = 2,
            .preserve_fds = a->o->preserve_fds,
        };
        memcpy(so.ns_fds, j->ns_fds, sizeof(so.ns_fds));
        berth_stage1(&so);
        berth_init_opts io = {
            .spec = a->s,
            .opts = a->o,
            .rootfs = a->rootfs,
            .cgroup_path = j->c.st.cgroup_path,
            .sync_fd = j->sync[1],
            .fifo_fd = j->fifo_fd,
            .console_fd = j->console_fd,
            .new_mntns = berth_oci_spec_namespace(a->s, OCI_NS_MOUNT) != NULL,
            .new_userns = (a->new_flags & CLONE_NEWUSER) != 0,
            .cgroupns = berth_oci_spec_namespace(a->s, OCI_NS_CGROUP) != NULL,
            .seccomp = j->seccomp,
        };
        berth_container_init(&io);
}

static int do_create(const berth_rt_ctx *ctx, const berth_rt_create_opts *o, create_job *j,
                     berth_error *err)
{
        int r;
        char bundle[PATH_MAX];
        if (realpath(o->bundle, bundle) == NULL)
                return berth_err(err, errno, "cannot open bundle '%s'", o->bundle);
        _cleanup_free_ char *cfg = berth_xasprintf("%s/config.json", bundle);
        j->spec = berth_oci_spec_load(cfg, err);
        if (j->spec == NULL)
                return -err->code;
        if ((r = check_config(j->spec, err)) < 0)
                return r;
        const oci_spec *s = j->spec;
        const oci_linux *l = s->linux;

        _cleanup_free_ char *rootfs_rel = s->root_path[0] == '/'
                                              ? berth_xstrdup(s->root_path)
                                              : berth_xasprintf("%s/%s", bundle, s->root_path);
        char rootfs[PATH_MAX];
        if (realpath(rootfs_rel, rootfs) == NULL)
                return berth_err(err, errno, "root.path: cannot open '%s'", rootfs_rel);
        struct stat st;
        if (stat(rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
                return berth_errx(err, ENOTDIR, "root.path: '%s' is not a directory", rootfs);

        /* Namespaces to join are opened before anything is made. */
        int new_flags = 0;
        for (size_t i = 0; i < l->n_namespaces; i++) {
                const oci_namespace *ns = &l->namespaces[i];
                if (ns->path == NULL) {
                        new_flags |= berth_oci_ns_clone_flag(ns->type);
                        continue;
                }
                j->ns_fds[ns->type] = open(ns->path, O_RDONLY | O_CLOEXEC);
                if (j->ns_fds[ns->type] < 0)
                        return berth_err(err, errno, "linux.namespaces[%zu].path: cannot open '%s'",
                                         i, ns->path);
        }
        if (s->process->terminal) {
                if (o->has_console_fd) {
                        j->console_fd = fcntl(o->console_fd, F_DUPFD_CLOEXEC, 3);
                        if (j->console_fd < 0)
                                return berth_err(err, errno, "cannot dup the console socket");
                } else if (o->console_socket == NULL) {
                        return berth_errx(err, EINVAL,
                                          "process.terminal is set: --console-socket is required");
                } else {
                        j->console_fd = berth_unix_connect(o->console_socket, err);
                        if (j->console_fd < 0)
                                return j->console_fd;
                }
        }

        /* The state dir: its creation is the claim on the id. */
        if (berth_mkdir_p(ctx->root, 0711, err) < 0)
                return berth_wrap(err, "cannot create the state root");
        j->c.dir = container_dir(ctx, o->id);
        if (mkdir(j->c.dir, 0711) < 0) {
                if (errno == EEXIST)
                        return berth_errx(err, EEXIST, "container '%s' already exists", o->id);
                return berth_err(err, errno, "cannot create '%s'", j->c.dir);
        }
        j->dir_made = true;
        j->c.lock_fd = open(j->c.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *fifo = berth_xasprintf("%s/exec.fifo", j->c.dir);
        /* 0622 exactly (not umask'd): a container root mapped to another uid must open it. */
        if (mkfifo(fifo, 0622) < 0 || chmod(fifo, 0622) < 0)
                return berth_err(err, errno, "cannot create '%s'", fifo);
        j->fifo_fd = open(fifo, O_PATH | O_CLOEXEC);
        if (j->fifo_fd < 0)
                return berth_err(err, errno, "cannot open '%s'", fifo);
        _cleanup_free_ char *saved = berth_xasprintf("%s/config.json", j->c.dir);
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (berth_read_file(cfg, &text, &len, err) < 0 ||
            berth_write_file_replace(saved, text, len, 0600, err) < 0)
                return -err->code;

        j->c.st.id = berth_xstrdup(o->id);
        j->c.st.bundle = berth_xstrdup(bundle);
        j->c.st.rootfs = berth_xstrdup(rootfs);
        j->c.st.created = berth_now_rfc3339();
        j->c.st.owner = berth_xstrdup("");
        j->c.creating = true;
        json_t *ann = json_object();
        for (size_t i = 0; i < s->n_annotations; i++)
                json_object_set_new(ann, s->annotations[i].key,
                                    json_string(s->annotations[i].value));
        j->c.st.annotations_json = json_dumps(ann, JSON_COMPACT);
        json_decref(ann);
        j->c.st.cgroup_path =
            berth_cgroup_path_for(l->cgroups_path, o->id, ctx->systemd_cgroup, err);
        if (j->c.st.cgroup_path == NULL)
                return berth_wrap(err, "linux.cgroupsPath");
        if ((r = container_save(&j->c, err)) < 0)
                return r;

        _cleanup_free_ oci_device_rule *rules = NULL;
        oci_resources res = effective_resources(l, &rules);
        if ((r = berth_cgroup_create(j->c.st.cgroup_path, &res, &j->cg, err)) < 0)
                return r;

        if (l->seccomp) {
                _cleanup_free_ char *cache = berth_runtime_seccomp_cache(ctx);
                if ((r = berth_seccomp_prepare(l->seccomp, cache, &j->seccomp, err)) < 0)
                        return berth_wrap(err, "linux.seccomp");
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, j->sync) < 0)
                return berth_err(err, errno, "cannot create a socketpair");

        create_stage1_arg a = {.j = j, .s = s, .o = o, .rootfs = rootfs, .new_flags = new_flags};
        /* stage 1 goes at once (it enters the cgroups itself, stage1.c): in a vfork, it may run
         * to its end before we are back */
        sync_send(j->sync[0], SYNC_GO, 0, NULL);
        /* Stage 1 shares our memory while we wait, where it can (no copy of our page tables):
         * not with a new user namespace, whose id maps we write while it waits. */
        j->stage1 =
            berth_stage1_start(j->cg, !(new_flags & CLONE_NEWUSER), &a.in_v2, create_stage1, &a);
        if (j->stage1 < 0)
                return berth_err(err, errno, "cannot fork");
        close(j->sync[1]);
        j->sync[1] = -1;
        int fd = j->sync[0];
        struct sync_msg m;

        if (new_flags & CLONE_NEWUSER) {
                if ((r = sync_expect(fd, SYNC_USERNS, &m, err)) < 0)
                        return r;
                if ((r = berth_write_id_maps(j->stage1, l, err)) < 0)
                        return r;
                sync_send(fd, SYNC_USERNS_DONE, 0, NULL);
        }
        if ((r = sync_expect(fd, SYNC_PID, &m, err)) < 0)
                return r;
        j->init = m.value;
        waitpid(j->stage1, NULL, 0);
        j->stage1 = 0;
        if ((r = berth_process_set_oom_score_adj(j->init, s->process, err)) < 0)
                return r;

        j->c.st.pid = j->init;
        j->c.pid_start = berth_pid_start_time(j->init);
        if ((r = container_save(&j->c, err)) < 0)
                return r;
        _cleanup_free_ char *sj = state_json_of(j, BERTH_RT_CREATING);
        if ((r = berth_hooks_run(s, OCI_HOOK_PRESTART, sj, err)) < 0 ||
            (r = berth_hooks_run(s, OCI_HOOK_CREATE_RUNTIME, sj, err)) < 0)
                return r;
        sync_send(fd, SYNC_GO, 0, sj);
        if (o->while_init)
                o->while_init(o->while_init_arg);
        if ((r = berth_wait_ready(fd, s, j->init, sj, err)) < 0)
                return r;
        if (o->pid_file && (r = container_write_pid_file(o->pid_file, j->init, err)) < 0)
                return r;
        j->c.creating = false;
        return container_save(&j->c, err);
}

int berth_rt_create_internal(const berth_rt_ctx *ctx, const berth_rt_create_opts *o, pid_t *ret_pid,
                             berth_error *err)
{
        int r = container_validate_id(o->id, err);
        if (r < 0)
                return r;
        create_job j = {.sync = {-1, -1}, .fifo_fd = -1, .console_fd = -1};
        j.c.lock_fd = -1;
        for (int i = 0; i < OCI_NS_COUNT; i++)
                j.ns_fds[i] = -1;
        r = do_create(ctx, o, &j, err);
        if (r < 0)
                job_abort(&j);
        else if (ret_pid)
                *ret_pid = j.init;
        job_free(&j);
        return r;
}

int berth_rt_create(const berth_rt_ctx *ctx, const berth_rt_create_opts *o, berth_error *err)
{
        return berth_rt_create_internal(ctx, o, NULL, err);
}
