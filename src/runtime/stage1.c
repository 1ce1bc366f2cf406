/* SPDX-License-Identifier: Apache-2.0 */
#include "init.h"
#include "procfs.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static const enum oci_ns_type join_order[] = {
    OCI_NS_USER, OCI_NS_IPC,    OCI_NS_UTS,  OCI_NS_NETWORK,
    OCI_NS_PID,  OCI_NS_CGROUP, OCI_NS_TIME, OCI_NS_MOUNT,
};

static int write_time_offsets(const berth_stage1_opts *o, berth_error *err)
{
        char buf[256];
        int n = 0;
        if (o->time_monotonic && o->time_monotonic->set)
                n += snprintf(buf + n, sizeof(buf) - n, "monotonic %lld %u\n",
                              (long long)o->time_monotonic->secs, o->time_monotonic->nanosecs);
        if (o->time_boottime && o->time_boottime->set)
                n += snprintf(buf + n, sizeof(buf) - n, "boottime %lld %u\n",
                              (long long)o->time_boottime->secs, o->time_boottime->nanosecs);
        if (n == 0)
                return 0;
        /* Stage 1 has not pivoted or joined the container's mount namespace:
         * this /proc is still the host's. One line per write: the kernel
         * parses a single offset per write. */
        _cleanup_close_ int proc = berth_procfs_open(err);
        if (proc < 0)
                return berth_wrap(err, "cannot set the time namespace offsets");
        char rel[64];
        snprintf(rel, sizeof(rel), "%d/timens_offsets", (int)getpid());
        for (char *line = buf; *line;) {
                char *nl = strchr(line, '\n');
                *nl = '\0';
                if (berth_procfs_write(proc, rel, line, strlen(line), err) < 0)
                        return berth_wrap(err, "cannot set the time namespace offsets");
                line = nl + 1;
        }
        return 0;
}

static int close_host_fds(const berth_stage1_opts *o)
{
        int keep[OCI_NS_COUNT + ARRAY_SIZE(o->keep_fds) + 1];
        size_t n = 0;
        keep[n++] = o->sync_fd;
        for (int t = 0; t < OCI_NS_COUNT; t++)
                if (o->ns_fds[t] >= 0)
                        keep[n++] = o->ns_fds[t];
        for (size_t i = 0; i < o->n_keep && i < ARRAY_SIZE(o->keep_fds); i++)
                if (o->keep_fds[i] >= 0)
                        keep[n++] = o->keep_fds[i];
        int r = berth_close_fds_from(3 + (o->preserve_fds > 0 ? o->preserve_fds : 0), keep, n);
        if (r < 0) {
                errno = -r;
                return -1;
        }
        return 0;
}

static int loopback_up(void)
{
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return -1;
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        int r = ioctl(s, SIOCGIFFLAGS, &ifr);
        if (r == 0 && !(ifr.ifr_flags & IFF_UP)) {
                ifr.ifr_flags |= IFF_UP;
                r = ioctl(s, SIOCSIFFLAGS, &ifr);
        }
        int e = errno;
        close(s);
        errno = e;
        return r;
}

int berth_stage1(const berth_stage1_opts *o)
{
        berth_error err = {0};
        struct sync_msg m;
        int fd = o->sync_fd;

        if (sync_expect(fd, SYNC_GO, &m, &err) < 0)
                _exit(1);
        /* the cgroups first: the paths are the host's until we join or make a mount
         * namespace, and a new cgroup namespace is rooted where we are */
        if (o->cg && berth_cgroup_enter_self(o->cg, o->cg_v2_done, &err) < 0)
                sync_fail(fd, &err);
        if (o->oom_process && berth_process_set_oom_score_adj(getpid(), o->oom_process, &err) < 0)
                sync_fail(fd, &err);
        /* Nothing of the host may reach the container: whatever the caller had
         * open (state dir, berth.db, locks, cgroup dirs) is closed before a
         * path of the container is resolved or a process of it can see us
         * (CVE-2024-21626: a cwd of /proc/self/fd/N; ptrace from inside). */
        if (close_host_fds(o) < 0) {
                berth_err(&err, errno, "cannot close the runtime's file descriptors");
                sync_fail(fd, &err);
        }
        /* Not dumpable while joining: a process of the container with
         * CAP_SYS_PTRACE cannot attach to us or open our /proc entries; the
         * container's execve resets it. (Not with a user namespace: our /proc
         * files would belong to an unmapped root and stay out of reach.) */
        if (o->ns_fds[OCI_NS_USER] < 0 && !(o->new_flags & CLONE_NEWUSER))
                prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        for (size_t i = 0; i < ARRAY_SIZE(join_order); i++) {
                enum oci_ns_type t = join_order[i];
                if (o->ns_fds[t] < 0)
                        continue;
                if (setns(o->ns_fds[t], berth_oci_ns_clone_flag(t)) < 0) {
                        berth_err(&err, errno, "cannot join the %s namespace",
                                  berth_oci_ns_name(t));
                        sync_fail(fd, &err);
                }
        }
        if (o->new_flags & CLONE_NEWUSER) {
                if (unshare(CLONE_NEWUSER) < 0) {
                        berth_err(&err, errno, "cannot create a user namespace");
                        sync_fail(fd, &err);
                }
                sync_send(fd, SYNC_USERNS, 0, NULL);
                if (sync_expect(fd, SYNC_USERNS_DONE, &m, &err) < 0)
                        _exit(1);
                if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
                        berth_err(&err, errno, "cannot become root in the user namespace");
                        sync_fail(fd, &err);
                }
        }
        /* joined: the namespace fds are not needed any more */
        for (int t = 0; t < OCI_NS_COUNT; t++)
                if (o->ns_fds[t] >= 0)
                        close(o->ns_fds[t]);
        int rest = o->new_flags & ~CLONE_NEWUSER;
        if (rest && unshare(rest) < 0) {
                berth_err(&err, errno, "cannot create namespaces (flags 0x%x)", rest);
                sync_fail(fd, &err);
        }
        /* a new network namespace has lo, down: up, as every runtime does */
        if ((rest & CLONE_NEWNET) && loopback_up() < 0) {
                berth_err(&err, errno, "cannot set up the loopback interface");
                sync_fail(fd, &err);
        }
        if ((o->new_flags & CLONE_NEWTIME) && write_time_offsets(o, &err) < 0)
                sync_fail(fd, &err);

        int pass_fd = -1;
        if (o->prepare && o->prepare(o->prepare_arg, &pass_fd, &err) < 0)
                sync_fail(fd, &err);

        pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
        if (pid < 0) {
                berth_err(&err, errno, "cannot start the container's init");
                sync_fail(fd, &err);
        }
        if (pid == 0) {
                if (pass_fd >= 0)
                        close(pass_fd);
                return 0;
        }
        sync_send(fd, SYNC_PID, pid, NULL);
        if (pass_fd >= 0)
                sync_send_fd(fd, SYNC_SECCOMP_NOTIFY, pass_fd);
        _exit(0);
}

pid_t berth_stage1_start(berth_cgroup *cg, bool share, bool *in_v2, void (*fn)(void *), void *arg)
{
        if (share) {
                int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
                pid_t pid = berth_cgroup_vfork(cg, in_v2, fn, arg);
                if (pid >= 0) {
                        if (dumpable == 1)
                                prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
                        return pid;
                }
        }
        pid_t pid = berth_cgroup_fork(cg, in_v2);
        if (pid == 0) {
                fn(arg);
                _exit(127);
        }
        return pid;
}

static int write_map(pid_t pid, const char *file, const oci_id_mapping *v, size_t n,
                     berth_error *err)
{
        if (n == 0)
                return 0;
        char buf[4096];
        size_t len = 0;
        for (size_t i = 0; i < n && len < sizeof(buf) - 64; i++)
                len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n",
                                        v[i].container_id, v[i].host_id, v[i].size);
        if (berth_procfs_write_pid(pid, file, buf, len, err) < 0)
                return berth_wrap(err, "cannot write the user namespace's %s", file);
        return 0;
}

int berth_write_id_maps(pid_t pid, const oci_linux *l, berth_error *err)
{
        int r = write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err);
        if (r < 0)
                return r;
        return write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err);
}
