/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "runtime/cgroup.h"
#include "runtime/security.h"

#include "container.h"
#include "sync.h"

#include <stdbool.h>
#include <sys/types.h>

/**
 * The processes that become a container (create) or join one (exec).
 *
 * The runtime forks stage 1, which waits for SYNC_GO (sent once it is in
 * the container's cgroup), closes every fd the container must not have
 * (the caller's state dir, database, locks: anything but stdio, the
 * preserved fds, the sync socket and what o->keep_fds names), turns
 * non-dumpable (no user namespace), joins the namespaces given by fd (user first),
 * unshares the new ones (a new user namespace first, after which the
 * runtime writes its id maps), writes time-namespace offsets, and then
 * clones stage 2 with CLONE_PARENT — so stage 2, the container's init (pid 1
 * of a new pid namespace), is a direct child of the runtime — reports its
 * pid (SYNC_PID) and exits.
 */
typedef struct {
        int sync_fd;
        berth_cgroup *cg;         /* to enter first (NULL: none) */
        bool cg_v2_done;          /* the fork put us in its cgroup2 part already */
        int ns_fds[OCI_NS_COUNT]; /* namespaces to join, -1 for none */
        int new_flags;            /* CLONE_NEW* to create (user included) */
        const oci_time_offset *time_monotonic, *time_boottime;
        /* Host fds the later stages need (sync_fd and ns_fds are kept anyway):
         * every other fd above 2 + preserve_fds is closed once the cgroups are
         * entered, before any namespace is joined or made. */
        int keep_fds[4];
        size_t n_keep;
        int preserve_fds;
        /* Called once every namespace is joined or made, before stage 2 is
         * cloned into the container's pid namespace (NULL: nothing). exec
         * does all its privileged set-up here, where no process of the
         * container can see it; a fd left in *ret_pass_fd is sent to the
         * parent as SYNC_SECCOMP_NOTIFY after SYNC_PID. */
        int (*prepare)(void *arg, int *ret_pass_fd, berth_error *err);
        void *prepare_arg;
        /* exec: the process's oom_score_adj (NULL or unset: none), set on stage 1 itself
         * through the host's procfs before any namespace is joined; stage 2 inherits it, so
         * the parent has nothing left to do before stage 2 may exec */
        const oci_process *oom_process;
} berth_stage1_opts;

/** Run stage 1 in the forked child. Returns 0 only in stage 2; stage 1 itself exits. */
int berth_stage1(const berth_stage1_opts *o);

/**
 * Start stage 1 in cg's cgroup2 part where the kernel can: a vfork running fn(arg) in our memory
 * while we wait, when share and base/vfork.h allow it (dumpability, which stage 1 clears and which
 * is the memory's, is given back after), else a fork whose child runs fn. *in_v2 as
 * berth_cgroup_fork() sets it (before fn runs). The child's pid, or -1 with errno set.
 */
pid_t berth_stage1_start(berth_cgroup *cg, bool share, bool *in_v2, void (*fn)(void *), void *arg);

/** Parent side: answer SYNC_USERNS by writing pid's uid/gid maps. */
int berth_write_id_maps(pid_t pid, const oci_linux *l, berth_error *err);

/** Everything the container's init needs, set by create. */
typedef struct {
        const oci_spec *spec;
        const berth_rt_create_opts *opts;
        const char *rootfs;
        const char *cgroup_path;
        int sync_fd;
        int fifo_fd;    /* O_PATH fd of exec.fifo */
        int console_fd; /* connection to the console socket, or -1 */
        bool new_mntns, new_userns, new_utsns, cgroupns;
        berth_seccomp *seccomp; /* the filter, prepared before the fork (or NULL) */
} berth_init_opts;

/** Stage 2 of create: set up and wait on the fifo, then exec. Never returns. */
_Noreturn void berth_container_init(const berth_init_opts *o);

/**
 * Shared last steps of init and exec: cwd (resolved in the root, checked),
 * rlimits, personality, seccomp, user and capabilities, no_new_privs.
 * Returns the resolved executable path, and the seccomp notify fd (or -1)
 * for the caller to pass on to the parent.
 */
int berth_process_prepare(const oci_process *p, const oci_spec *spec, berth_seccomp *seccomp,
                          char **ret_exe, int *ret_notify_fd, berth_error *err);
/** p's oom_score_adj for pid through the host's procfs: create's parent for stage 2, exec's stage 1
 * for itself before it joins a namespace (stage 2 inherits it). */
int berth_process_set_oom_score_adj(pid_t pid, const oci_process *p, berth_error *err);
/** execve p with the resolved exe; on failure report on stderr and _exit(127 or 126). */
_Noreturn void berth_process_exec(const oci_process *p, const char *exe, int sync_fd);
