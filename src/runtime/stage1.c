/* SPDX-License-Identifier: Apache-2.0 */
#include "init.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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
        /* One line per write: the kernel parses a single offset per write. */
        for (char *line = buf; *line;) {
                char *nl = strchr(line, '\n');
                *nl = '\0';
                if (berth_write_file("/proc/self/timens_offsets", line, strlen(line), 0, err) < 0)
                        return berth_wrap(err, "cannot set the time namespace offsets");
                line = nl + 1;
        }
        return 0;
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
        int rest = o->new_flags & ~CLONE_NEWUSER;
        if (rest && unshare(rest) < 0) {
                berth_err(&err, errno, "cannot create namespaces (flags 0x%x)", rest);
                sync_fail(fd, &err);
        }
        if ((o->new_flags & CLONE_NEWTIME) && write_time_offsets(o, &err) < 0)
                sync_fail(fd, &err);

        pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
        if (pid < 0) {
                berth_err(&err, errno, "cannot start the container's init");
                sync_fail(fd, &err);
        }
        if (pid == 0)
                return 0;
        sync_send(fd, SYNC_PID, pid, NULL);
        _exit(0);
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
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
        if (berth_write_file(path, buf, len, 0, err) < 0)
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
