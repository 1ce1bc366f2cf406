/* SPDX-License-Identifier: Apache-2.0 */
/* The names the spec uses: namespaces, capabilities, rlimits, seccomp. */
#include "spec-internal.h"

#include <sched.h>
#include <string.h>
#include <sys/resource.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
        const char *name, *proc;
        int flag;
} ns_table[OCI_NS_COUNT] = {
    [OCI_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [OCI_NS_NETWORK] = {"network", "net", CLONE_NEWNET},
    [OCI_NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
    [OCI_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [OCI_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [OCI_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [OCI_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [OCI_NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

const char *berth_oci_ns_name(enum oci_ns_type t)
{
        return (unsigned)t < OCI_NS_COUNT ? ns_table[t].name : NULL;
}

int berth_oci_ns_clone_flag(enum oci_ns_type t)
{
        return (unsigned)t < OCI_NS_COUNT ? ns_table[t].flag : 0;
}

const char *berth_oci_ns_proc_name(enum oci_ns_type t)
{
        return (unsigned)t < OCI_NS_COUNT ? ns_table[t].proc : NULL;
}

/* Indexed by capability number, as in <linux/capability.h>. */
const char *const oci_cap_names[BERTH_OCI_CAP_LAST + 2] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
    NULL,
};

int berth_oci_cap_from_name(const char *name)
{
        for (int i = 0; name && i <= BERTH_OCI_CAP_LAST; i++)
                if (strcmp(oci_cap_names[i], name) == 0)
                        return i;
        return -1;
}

const char *berth_oci_cap_name(int cap)
{
        return cap >= 0 && cap <= BERTH_OCI_CAP_LAST ? oci_cap_names[cap] : NULL;
}

static const struct {
        const char *name;
        int resource;
} rlimit_table[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int oci_rlimit_from_name(const char *name)
{
        for (size_t i = 0; i < sizeof(rlimit_table) / sizeof(rlimit_table[0]); i++)
                if (strcmp(rlimit_table[i].name, name) == 0)
                        return rlimit_table[i].resource;
        return -1;
}

/* Indexed by enum oci_seccomp_action. */
const char *const oci_seccomp_action_names[] = {
    "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",      NULL,
};

/* Indexed by enum oci_seccomp_op. */
const char *const oci_seccomp_op_names[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

const char *const oci_seccomp_arch_names[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL,
};

const char *const oci_seccomp_flag_names[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    NULL,
};

const char *const oci_hook_names[OCI_HOOK_COUNT + 1] = {
    [OCI_HOOK_PRESTART] = "prestart",
    [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
    [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
    [OCI_HOOK_START_CONTAINER] = "startContainer",
    [OCI_HOOK_POSTSTART] = "poststart",
    [OCI_HOOK_POSTSTOP] = "poststop",
    [OCI_HOOK_COUNT] = NULL,
};

static int index_of(const char *const *names, const char *name)
{
        for (int i = 0; names[i]; i++)
                if (strcmp(names[i], name) == 0)
                        return i;
        return -1;
}

int oci_seccomp_action_from_name(const char *name)
{
        return index_of(oci_seccomp_action_names, name);
}

int oci_seccomp_op_from_name(const char *name)
{
        return index_of(oci_seccomp_op_names, name);
}

bool oci_seccomp_arch_known(const char *name)
{
        return index_of(oci_seccomp_arch_names, name) >= 0;
}

bool oci_seccomp_flag_known(const char *name)
{
        return index_of(oci_seccomp_flag_names, name) >= 0;
}
