/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth's default seccomp profile: an allow-list that keeps out what
 * Docker's default profile keeps out. Everything not listed fails with
 * EPERM. What a capability guards (mount, ptrace, reboot, module loading,
 * clock setting, bpf, …) is allowed only when the container holds that
 * capability: the kernel checks the capability again, the filter keeps
 * those code paths out of reach otherwise.
 *
 * Names the installed libseccomp does not know are skipped by the runtime
 * (src/runtime/seccomp.c), so new system calls can be listed before every
 * host knows them. Syscalls of other architectures resolve to libseccomp's
 * pseudo numbers and are added only where they exist.
 */
#include "specgen-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- allowed for every container, by topic ---------------------------- */

static const char *const *const allowed[] = {
    /* files: open, close, read, write, seek */
    NAMES("open", "openat", "openat2", "creat", "close", "close_range", "read", "readv", "pread64",
          "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev", "pwritev2", "lseek",
          "_llseek", "sendfile", "sendfile64", "splice", "tee", "vmsplice", "copy_file_range",
          "readahead", "fadvise64", "fadvise64_64", "fallocate", "cachestat"),
    /* files: descriptors, locks, syncing */
    NAMES("dup", "dup2", "dup3", "fcntl", "fcntl64", "flock", "ioctl", "fsync", "fdatasync", "sync",
          "syncfs", "sync_file_range", "truncate", "truncate64", "ftruncate", "ftruncate64"),
    /* files: metadata */
    NAMES("stat", "stat64", "lstat", "lstat64", "fstat", "fstat64", "fstatat64", "newfstatat",
          "statx", "statfs", "statfs64", "fstatfs", "fstatfs64", "access", "faccessat",
          "faccessat2", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "chown32", "fchown",
          "fchown32", "fchownat", "lchown", "lchown32", "umask", "utime", "utimes", "utimensat",
          "utimensat_time64", "futimesat", "name_to_handle_at"),
    /* files: extended attributes */
    NAMES("getxattr", "lgetxattr", "fgetxattr", "getxattrat", "setxattr", "lsetxattr", "fsetxattr",
          "setxattrat", "listxattr", "llistxattr", "flistxattr", "listxattrat", "removexattr",
          "lremovexattr", "fremovexattr", "removexattrat"),
    /* directories and names */
    NAMES("getcwd", "chdir", "fchdir", "mkdir", "mkdirat", "rmdir", "getdents", "getdents64",
          "link", "linkat", "symlink", "symlinkat", "unlink", "unlinkat", "rename", "renameat",
          "renameat2", "readlink", "readlinkat", "mknod", "mknodat", "statmount", "listmount"),
    /* waiting for file descriptors, event and notification fds */
    NAMES("select", "_newselect", "pselect6", "pselect6_time64", "poll", "ppoll", "ppoll_time64",
          "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait",
          "epoll_wait_old", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd",
          "signalfd4", "timerfd_create", "timerfd_settime", "timerfd_settime64", "timerfd_gettime",
          "timerfd_gettime64", "pipe", "pipe2", "inotify_init", "inotify_init1",
          "inotify_add_watch", "inotify_rm_watch", "fanotify_mark"),
    /* asynchronous I/O (io_uring stays out, as in Docker since 2023) */
    NAMES("io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
          "io_pgetevents_time64"),
    /* memory */
    NAMES("brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync",
          "mlock", "mlock2", "mlockall", "munlock", "munlockall", "membarrier", "memfd_create",
          "memfd_secret", "remap_file_pages", "pkey_alloc", "pkey_free", "pkey_mprotect",
          "map_shadow_stack", "mseal"),
    /* processes and threads */
    NAMES("fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "waitpid",
          "getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid",
          "set_tid_address", "set_robust_list", "get_robust_list", "set_thread_area",
          "get_thread_area", "rseq", "restart_syscall", "prctl", "getcpu", "pidfd_open",
          "pidfd_send_signal", "process_mrelease", "uretprobe", "riscv_hwprobe"),
    /* futexes */
    NAMES("futex", "futex_time64", "futex_waitv", "futex_wait", "futex_wake", "futex_requeue"),
    /* credentials (the kernel checks CAP_SETUID / CAP_SETGID itself) */
    NAMES("getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid",
          "getegid32", "getresuid", "getresuid32", "getresgid", "getresgid32", "getgroups",
          "getgroups32", "setuid", "setuid32", "setgid", "setgid32", "setreuid", "setreuid32",
          "setregid", "setregid32", "setresuid", "setresuid32", "setresgid", "setresgid32",
          "setfsuid", "setfsuid32", "setfsgid", "setfsgid32", "setgroups", "setgroups32", "capget",
          "capset"),
    /* limits, priorities, accounting, self-sandboxing */
    NAMES("getrlimit", "ugetrlimit", "setrlimit", "prlimit64", "getrusage", "getpriority",
          "setpriority", "ioprio_get", "ioprio_set", "times", "sysinfo", "uname", "getrandom",
          "seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"),
    /* scheduling */
    NAMES("sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getattr", "sched_setattr",
          "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",
          "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
          "sched_rr_get_interval_time64"),
    /* signals */
    NAMES("kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
          "rt_sigpending", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
          "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack", "sigprocmask", "sigreturn",
          "pause", "alarm"),
    /* time (reading it; adjtimex and clock_adjtime only change it with CAP_SYS_TIME) */
    NAMES("time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres",
          "clock_getres_time64", "clock_nanosleep", "clock_nanosleep_time64", "nanosleep",
          "getitimer", "setitimer", "timer_create", "timer_delete", "timer_settime",
          "timer_settime64", "timer_gettime", "timer_gettime64", "timer_getoverrun", "adjtimex",
          "clock_adjtime", "clock_adjtime64"),
    /* sockets (socket(2) itself is below, with the families it may open) */
    NAMES("socketpair", "socketcall", "bind", "connect", "listen", "accept", "accept4",
          "getsockname", "getpeername", "getsockopt", "setsockopt", "shutdown", "send", "sendto",
          "sendmsg", "sendmmsg", "recv", "recvfrom", "recvmsg", "recvmmsg", "recvmmsg_time64"),
    /* System V IPC and POSIX message queues (the container has its own ipc namespace) */
    NAMES("ipc", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop",
          "semtimedop_time64", "semctl", "shmget", "shmat", "shmdt", "shmctl", "mq_open",
          "mq_unlink", "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive",
          "mq_timedreceive_time64", "mq_notify", "mq_getsetattr"),
};

/* The native architecture's own calls. */
static const char *const arch_allowed[] = {
#if defined(__x86_64__)
    "arch_prctl",
    "modify_ldt",
#elif defined(__i386__)
    "modify_ldt",
#elif defined(__aarch64__) || defined(__arm__)
    "arm_fadvise64_64",
    "arm_sync_file_range",
    "sync_file_range2",
    "breakpoint",
    "cacheflush",
    "set_tls",
#elif defined(__powerpc64__)
    "sync_file_range2",
    "swapcontext",
#elif defined(__s390x__) || defined(__s390__)
    "s390_pci_mmio_read",
    "s390_pci_mmio_write",
    "s390_runtime_instr",
#elif defined(__riscv)
    "riscv_flush_icache",
#endif
    NULL,
};

/* ---- allowed with a capability ---------------------------------------- */

static const struct {
        const char *cap;
        const char *const *names;
} by_cap[] = {
    {"CAP_SYS_ADMIN",
     NAMES("mount", "umount", "umount2", "mount_setattr", "move_mount", "open_tree", "fsopen",
           "fsconfig", "fsmount", "fspick", "unshare", "setns", "clone", "clone3", "sethostname",
           "setdomainname", "quotactl", "quotactl_fd", "fanotify_init", "lookup_dcookie", "bpf",
           "perf_event_open", "syslog", "lsm_get_self_attr", "lsm_set_self_attr",
           "lsm_list_modules")},
    {"CAP_DAC_READ_SEARCH", NAMES("open_by_handle_at")},
    {"CAP_SYS_BOOT", NAMES("reboot")},
    {"CAP_SYS_CHROOT", NAMES("chroot")},
    {"CAP_SYS_MODULE", NAMES("init_module", "finit_module", "delete_module")},
    {"CAP_SYS_PACCT", NAMES("acct")},
    {"CAP_SYS_PTRACE", NAMES("ptrace", "process_vm_readv", "process_vm_writev", "process_madvise",
                             "pidfd_getfd", "kcmp")},
    {"CAP_SYS_RAWIO", NAMES("iopl", "ioperm")},
    {"CAP_SYS_TIME", NAMES("settimeofday", "stime", "clock_settime", "clock_settime64")},
    {"CAP_SYS_TTY_CONFIG", NAMES("vhangup")},
    {"CAP_SYS_NICE", NAMES("mbind", "get_mempolicy", "set_mempolicy", "set_mempolicy_home_node")},
    {"CAP_SYSLOG", NAMES("syslog")},
    {"CAP_BPF", NAMES("bpf")},
    {"CAP_PERFMON", NAMES("perf_event_open")},
};

/*
 * Since Linux 4.8 seccomp is checked again after a tracer changes a
 * syscall, so ptrace can no longer be used to get around the filter:
 * tracing one's own children is allowed from then on.
 */
static const char *const ptrace_since_4_8[] = {"ptrace", "process_vm_readv", "process_vm_writev",
                                               NULL};

/* personality(2) values that change nothing dangerous: PER_LINUX,
 * PER_LINUX32, with UNAME26, and the 0xffffffff query. */
static const uint64_t personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

/* Address families socket(2) may not open: AF_ALG (38, the kernel crypto
 * API) and AF_VSOCK (40, the hypervisor's sockets). */
#define FAMILY_ALG   38
#define FAMILY_VSOCK 40

#define NS_FLAGS                                                                                   \
        (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
         CLONE_NEWCGROUP)

const char *sg_native_arch(void)
{
#if defined(__x86_64__) && defined(__ILP32__)
        return "x32";
#elif defined(__x86_64__)
        return "amd64";
#elif defined(__i386__)
        return "x86";
#elif defined(__aarch64__)
        return "arm64";
#elif defined(__arm__)
        return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        return "ppc64le";
#elif defined(__s390x__)
        return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
        return "riscv64";
#else
        return "";
#endif
}

static json_t *architectures(void)
{
        static const char *const archs[] = {
#if defined(__x86_64__) && !defined(__ILP32__)
                "SCMP_ARCH_X86_64",
                "SCMP_ARCH_X86",
                "SCMP_ARCH_X32",
#elif defined(__i386__)
                "SCMP_ARCH_X86",
#elif defined(__aarch64__)
                "SCMP_ARCH_AARCH64",
                "SCMP_ARCH_ARM",
#elif defined(__arm__)
                "SCMP_ARCH_ARM",
#elif defined(__s390x__)
                "SCMP_ARCH_S390X",
                "SCMP_ARCH_S390",
#endif
                NULL,
        };
        return sg_strv_json((char *const *)archs);
}

static json_t *rule(json_t *names, const char *action)
{
        return json_pack("{s:o, s:s}", "names", names, "action", action);
}

/*
 * A rule allowing name when argument index compares to value. For
 * SCMP_CMP_MASKED_EQ, value is the mask and the masked argument must be 0.
 */
static json_t *allow_if(const char *name, unsigned index, const char *op, uint64_t value)
{
        json_t *r = rule(json_pack("[s]", name), "SCMP_ACT_ALLOW");
        json_t *arg = json_pack("{s:I, s:I, s:s}", "index", (json_int_t)index, "value",
                                (json_int_t)value, "op", op);
        if (strcmp(op, "SCMP_CMP_MASKED_EQ") == 0)
                json_object_set_new(arg, "valueTwo", json_integer(0));
        json_object_set_new(r, "args", json_pack("[o]", arg));
        return r;
}

static void add_names(char ***v, const char *const *names)
{
        for (size_t i = 0; names[i]; i++)
                sg_strv_add_unique(v, names[i]);
}

json_t *sg_seccomp_default(char *const *caps)
{
        _cleanup_strv_ char **names = NULL;
        bool sys_admin = berth_strv_contains(caps, "CAP_SYS_ADMIN");

        for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
                add_names(&names, allowed[i]);
        add_names(&names, arch_allowed);
        if (sg_kernel_at_least(4, 8))
                add_names(&names, ptrace_since_4_8);
        for (size_t i = 0; i < ARRAY_SIZE(by_cap); i++)
                if (berth_strv_contains(caps, by_cap[i].cap))
                        add_names(&names, by_cap[i].names);

        json_t *syscalls = json_array();
        json_array_append_new(syscalls, rule(sg_strv_json(names), "SCMP_ACT_ALLOW"));

        /* socket(2): every family but AF_ALG and AF_VSOCK (three rules: any may match). */
        json_array_append_new(syscalls, allow_if("socket", 0, "SCMP_CMP_LT", FAMILY_ALG));
        json_array_append_new(syscalls, allow_if("socket", 0, "SCMP_CMP_EQ", FAMILY_ALG + 1));
        json_array_append_new(syscalls, allow_if("socket", 0, "SCMP_CMP_GT", FAMILY_VSOCK));

        for (size_t i = 0; i < ARRAY_SIZE(personalities); i++)
                json_array_append_new(syscalls,
                                      allow_if("personality", 0, "SCMP_CMP_EQ", personalities[i]));

        if (!sys_admin) {
                /* clone without any CLONE_NEW* flag: the flags are the first
                 * argument, except on s390 where they are the second. */
#if defined(__s390x__) || defined(__s390__)
                unsigned flags_arg = 1;
#else
                unsigned flags_arg = 0;
#endif
                json_array_append_new(syscalls,
                                      allow_if("clone", flags_arg, "SCMP_CMP_MASKED_EQ", NS_FLAGS));
                /* clone3 passes its flags in memory, where a filter cannot look:
                 * ENOSYS makes the C library fall back to clone. */
                json_t *c3 = rule(json_pack("[s]", "clone3"), "SCMP_ACT_ERRNO");
                json_object_set_new(c3, "errnoRet", json_integer(ENOSYS));
                json_array_append_new(syscalls, c3);
        }

        json_t *s = json_object();
        json_object_set_new(s, "defaultAction", json_string("SCMP_ACT_ERRNO"));
        json_object_set_new(s, "defaultErrnoRet", json_integer(EPERM));
        json_object_set_new(s, "architectures", architectures());
        json_object_set_new(s, "syscalls", syscalls);
        return s;
}
