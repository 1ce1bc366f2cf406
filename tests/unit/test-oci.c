/* SPDX-License-Identifier: Apache-2.0 */
#include "base/cleanup.h"
#include "base/error.h"
#include "base/strutil.h"
#include "oci/spec.h"
#include "tap.h"

#include <jansson.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

/* JSON written with ' for " so that it reads well in C. */
static char *J(const char *s)
{
        char *o = berth_xstrdup(s);
        for (char *c = o; *c; c++)
                if (*c == '\'')
                        *c = '"';
        return o;
}

/* A config like `runc spec` writes, plus resources, seccomp, hooks, devices. */
static const char full_config[] =
    "{'ociVersion': '1.2.0',"
    " 'process': {'terminal': true, 'consoleSize': {'height': 25, 'width': 80},"
    "   'user': {'uid': 1000, 'gid': 1001, 'umask': 18, 'additionalGids': [5, 6]},"
    "   'args': ['sh', '-c', 'echo hi'],"
    "   'env': ['PATH=/usr/bin:/bin', 'TERM=xterm', 'EMPTY='],"
    "   'cwd': '/srv//app/./', "
    "   'capabilities': {'bounding': ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],"
    "     'effective': ['CAP_KILL'], 'permitted': ['CAP_KILL', 'CAP_CHECKPOINT_RESTORE'],"
    "     'ambient': []},"
    "   'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 4096, 'soft': 1024},"
    "               {'type': 'RLIMIT_CORE', 'hard': 0, 'soft': 0}],"
    "   'noNewPrivileges': true, 'oomScoreAdj': -500,"
    "   'apparmorProfile': 'berth-default', 'selinuxLabel': 'system_u:system_r:container_t:s0',"
    "   'ioPriority': {'class': 'IOPRIO_CLASS_IDLE'}, 'futureField': {'x': 1}},"
    " 'root': {'path': 'rootfs', 'readonly': true},"
    " 'hostname': 'box', 'domainname': 'example.org',"
    " 'mounts': ["
    "   {'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
    "   {'destination': '/dev', 'type': 'tmpfs', 'source': 'tmpfs',"
    "    'options': ['nosuid', 'strictatime', 'mode=755', 'size=65536k']},"
    "   {'destination': '/dev/pts', 'type': 'devpts', 'source': 'devpts',"
    "    'options': ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']},"
    "   {'destination': '/data', 'type': 'bind', 'source': '/srv/data',"
    "    'options': ['rbind', 'ro', 'rslave']},"
    "   {'destination': '/sys', 'type': 'sysfs', 'source': 'sysfs',"
    "    'options': ['nosuid', 'noexec', 'nodev', 'ro']}],"
    " 'hooks': {"
    "   'prestart': [{'path': '/usr/bin/fix-mounts', 'args': ['fix-mounts', 'arg1'],"
    "                 'env': ['key1=value1'], 'timeout': 5}],"
    "   'createRuntime': [{'path': '/usr/bin/setup-network'}],"
    "   'poststop': [{'path': '/usr/sbin/cleanup.sh', 'args': ['cleanup.sh', '-f']}]},"
    " 'annotations': {'com.example.key1': 'value1', 'com.example.key2': 'value2'},"
    " 'linux': {"
    "   'namespaces': [{'type': 'pid'}, {'type': 'network', 'path': '/var/run/netns/n1'},"
    "                  {'type': 'ipc'}, {'type': 'uts'}, {'type': 'mount'}, {'type': 'user'},"
    "                  {'type': 'cgroup'}, {'type': 'time'}],"
    "   'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
    "   'gidMappings': [{'containerID': 0, 'hostID': 200000, 'size': 65536}],"
    "   'timeOffsets': {'monotonic': {'secs': 3600, 'nanosecs': 5},"
    "                   'boottime': {'secs': -7, 'nanosecs': 0}},"
    "   'devices': [{'path': '/dev/fuse', 'type': 'c', 'major': 10, 'minor': 229,"
    "                'fileMode': 438, 'uid': 0, 'gid': 0},"
    "               {'path': '/dev/sda', 'type': 'b', 'major': 8, 'minor': 0},"
    "               {'path': '/dev/fifo0', 'type': 'p'}],"
    "   'sysctl': {'net.ipv4.ip_forward': '1', 'kernel.shmmax': '4294967295'},"
    "   'cgroupsPath': '/berth/c1',"
    "   'resources': {"
    "     'devices': [{'allow': false, 'access': 'rwm'},"
    "                 {'allow': true, 'type': 'c', 'major': 10, 'minor': 229, 'access': 'rw'}],"
    "     'memory': {'limit': 536870912, 'reservation': 268435456, 'swap': -1,"
    "                'kernel': -1, 'kernelTCP': -1, 'swappiness': 0,"
    "                'disableOOMKiller': true, 'useHierarchy': true, 'checkBeforeUpdate': true},"
    "     'cpu': {'shares': 1024, 'quota': 1000000, 'burst': 1000, 'period': 500000,"
    "             'realtimeRuntime': 950000, 'realtimePeriod': 1000000, 'cpus': '2-3',"
    "             'mems': '0-7', 'idle': 1},"
    "     'pids': {'limit': 32771},"
    "     'blockIO': {'weight': 10, 'leafWeight': 10,"
    "       'weightDevice': [{'major': 8, 'minor': 0, 'weight': 500, 'leafWeight': 300},"
    "                        {'major': 8, 'minor': 16, 'weight': 500}],"
    "       'throttleReadBpsDevice': [{'major': 8, 'minor': 0, 'rate': 600}],"
    "       'throttleWriteBpsDevice': [{'major': 8, 'minor': 16, 'rate': 300}],"
    "       'throttleReadIOPSDevice': [{'major': 8, 'minor': 0, 'rate': 60}],"
    "       'throttleWriteIOPSDevice': [{'major': 8, 'minor': 16, 'rate': 30}]},"
    "     'hugepageLimits': [{'pageSize': '2MB', 'limit': 209715200},"
    "                        {'pageSize': '64KB', 'limit': 1000000}],"
    "     'network': {'classID': 1048577, 'priorities': [{'name': 'eth0', 'priority': 500},"
    "                                                    {'name': 'eth1', 'priority': 1000}]},"
    "     'unified': {'io.max': '8:0 rbps=1024', 'memory.high': '1073741824'},"
    "     'rdma': {'mlx5_1': {'hcaHandles': 3}}},"
    "   'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 1,"
    "     'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],"
    "     'flags': ['SECCOMP_FILTER_FLAG_LOG'],"
    "     'listenerPath': '/run/seccomp-agent.sock', 'listenerMetadata': 'meta',"
    "     'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
    "       {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "        'args': [{'index': 0, 'value': 4294967295, 'op': 'SCMP_CMP_EQ'},"
    "                 {'index': 1, 'value': 8, 'valueTwo': 0, 'op': 'SCMP_CMP_MASKED_EQ'}]},"
    "       {'names': ['mkdir'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 13},"
    "       {'names': ['openat2'], 'action': 'SCMP_ACT_NOTIFY'}]},"
    "   'rootfsPropagation': 'rslave',"
    "   'maskedPaths': ['/proc/kcore', '/sys/firmware'],"
    "   'readonlyPaths': ['/proc/sys', '/proc/sysrq-trigger'],"
    "   'mountLabel': 'system_u:object_r:container_file_t:s0',"
    "   'personality': {'domain': 'LINUX32', 'flags': []},"
    "   'intelRdt': {'closID': 'guaranteed_group', 'l3CacheSchema': 'L3:0=7f0'}},"
    " 'windows': {'ignored': true}, 'somethingNew': [1, 2, 3]}";

static oci_spec *parse_str(const char *single_quoted, berth_error *err)
{
        _cleanup_free_ char *j = J(single_quoted);
        return berth_oci_spec_parse(j, strlen(j), err);
}

static void test_full(void)
{
        berth_error err = {0};
        oci_spec *s = parse_str(full_config, &err);
        ok(s != NULL, "full config parses: %s", err.msg);
        if (s == NULL)
                return;
        is_str(s->oci_version, "1.2.0", "ociVersion");
        is_str(s->root_path, "rootfs", "root.path");
        ok(s->root_readonly, "root.readonly");
        is_str(s->hostname, "box", "hostname");
        is_str(s->domainname, "example.org", "domainname");

        oci_process *p = s->process;
        ok(p != NULL, "process present");
        ok(p->terminal, "process.terminal");
        ok(p->has_console_size && p->console_height == 25 && p->console_width == 80,
           "process.consoleSize");
        is_int(p->user.uid, 1000, "process.user.uid");
        is_int(p->user.gid, 1001, "process.user.gid");
        ok(p->user.umask.set && p->user.umask.v == 18, "process.user.umask");
        ok(p->user.n_additional_gids == 2 && p->user.additional_gids[0] == 5 &&
               p->user.additional_gids[1] == 6,
           "process.user.additionalGids");
        is_int(berth_strv_length(p->args), 3, "three args");
        is_str(p->args[2], "echo hi", "args[2]");
        is_str(p->env[2], "EMPTY=", "env with an empty value");
        is_str(p->cwd, "/srv/app", "cwd is cleaned");
        ok(p->has_caps, "has capabilities");
        is_int(berth_strv_length(p->caps.bounding), 3, "bounding set");
        is_str(p->caps.permitted[1], "CAP_CHECKPOINT_RESTORE", "cap 40 is known");
        ok(p->caps.inheritable == NULL, "absent set is NULL");
        ok(p->caps.ambient != NULL && p->caps.ambient[0] == NULL, "empty set is empty");
        is_int(p->n_rlimits, 2, "two rlimits");
        is_int(p->rlimits[0].resource, RLIMIT_NOFILE, "RLIMIT_NOFILE constant");
        ok(p->rlimits[0].hard == 4096 && p->rlimits[0].soft == 1024, "rlimit values");
        is_int(p->rlimits[1].resource, RLIMIT_CORE, "RLIMIT_CORE constant");
        ok(p->no_new_privileges, "noNewPrivileges");
        ok(p->oom_score_adj.set && p->oom_score_adj.v == -500, "oomScoreAdj");
        is_str(p->apparmor_profile, "berth-default", "apparmorProfile");
        is_str(p->selinux_label, "system_u:system_r:container_t:s0", "selinuxLabel");

        is_int(s->n_mounts, 5, "five mounts");
        oci_mount *m = &s->mounts[1];
        is_str(m->destination, "/dev", "mount destination");
        is_str(m->type, "tmpfs", "mount type");
        is_str(m->source, "tmpfs", "mount source");
        ok(m->flags == (MS_NOSUID | MS_STRICTATIME), "tmpfs flags");
        is_str(m->data, "mode=755,size=65536k", "tmpfs data");
        is_str(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5", "devpts data");
        m = &s->mounts[3];
        ok(m->bind && m->rbind, "rbind mount");
        ok(m->flags == (MS_BIND | MS_REC | MS_RDONLY), "rbind,ro flags");
        ok(m->propagation == (MS_SLAVE | MS_REC) && m->recursive_propagation, "rslave");
        ok(m->data == NULL, "no data for a bind mount");
        ok(s->mounts[0].options == NULL && s->mounts[0].flags == 0, "proc has no options");

        is_int(s->n_hooks[OCI_HOOK_PRESTART], 1, "one prestart hook");
        oci_hook *h = &s->hooks[OCI_HOOK_PRESTART][0];
        is_str(h->path, "/usr/bin/fix-mounts", "hook path");
        is_str(h->args[1], "arg1", "hook args");
        is_str(h->env[0], "key1=value1", "hook env");
        ok(h->timeout.set && h->timeout.v == 5, "hook timeout");
        is_int(s->n_hooks[OCI_HOOK_CREATE_RUNTIME], 1, "createRuntime hook");
        ok(!s->hooks[OCI_HOOK_CREATE_RUNTIME][0].timeout.set, "no timeout");
        is_int(s->n_hooks[OCI_HOOK_POSTSTOP], 1, "poststop hook");
        is_int(s->n_hooks[OCI_HOOK_POSTSTART], 0, "no poststart hooks");
        is_int(s->n_annotations, 2, "annotations");
        is_str(s->annotations[1].value, "value2", "annotation value");

        oci_linux *l = s->linux;
        ok(l != NULL, "linux present");
        is_int(l->n_namespaces, 8, "eight namespaces");
        const oci_namespace *ns = berth_oci_spec_namespace(s, OCI_NS_NETWORK);
        ok(ns && ns->path && strcmp(ns->path, "/var/run/netns/n1") == 0, "netns path");
        ns = berth_oci_spec_namespace(s, OCI_NS_TIME);
        ok(ns && ns->path == NULL, "time namespace, new");
        ok(l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 100000 &&
               l->uid_mappings[0].size == 65536,
           "uidMappings");
        ok(l->n_gid_mappings == 1 && l->gid_mappings[0].host_id == 200000, "gidMappings");
        ok(l->time_monotonic.set && l->time_monotonic.secs == 3600 &&
               l->time_monotonic.nanosecs == 5,
           "timeOffsets.monotonic");
        ok(l->time_boottime.set && l->time_boottime.secs == -7, "timeOffsets.boottime");
        is_int(l->n_devices, 3, "three devices");
        ok(l->devices[0].type == 'c' && l->devices[0].major == 10 && l->devices[0].minor == 229,
           "device numbers");
        ok(l->devices[0].file_mode.set && l->devices[0].file_mode.v == 0666, "device fileMode");
        ok(l->devices[0].uid.set && l->devices[0].uid.v == 0, "device uid");
        ok(l->devices[2].type == 'p', "fifo device without numbers");
        is_int(l->n_sysctl, 2, "sysctl");
        is_str(l->sysctl[0].key, "net.ipv4.ip_forward", "sysctl key");
        is_str(l->cgroups_path, "/berth/c1", "cgroupsPath");
        is_int(l->rootfs_propagation, MS_SLAVE | MS_REC, "rootfsPropagation rslave");
        is_str(l->masked_paths[1], "/sys/firmware", "maskedPaths");
        is_str(l->readonly_paths[0], "/proc/sys", "readonlyPaths");
        is_str(l->mount_label, "system_u:object_r:container_file_t:s0", "mountLabel");
        ok(l->has_personality && l->personality == PER_LINUX32, "personality LINUX32");
        ok(l->has_intel_rdt, "intelRdt accepted");

        ok(l->has_resources, "has resources");
        oci_resources *r = &l->resources;
        is_int(r->n_devices, 2, "device rules");
        ok(!r->devices[0].allow && r->devices[0].type == 'a' && r->devices[0].major == -1 &&
               r->devices[0].minor == -1,
           "deny-all rule defaults to a *:* ");
        ok(r->devices[1].allow && r->devices[1].type == 'c' && r->devices[1].major == 10,
           "allow rule");
        is_str(r->devices[1].access, "rw", "rule access");
        ok(r->memory.limit.set && r->memory.limit.v == 536870912, "memory.limit");
        ok(r->memory.swap.set && r->memory.swap.v == -1, "memory.swap -1 is unlimited");
        ok(r->memory.swappiness.set && r->memory.swappiness.v == 0, "memory.swappiness 0");
        ok(r->memory.disable_oom_killer && r->memory.check_before_update, "memory booleans");
        ok(r->memory.use_hierarchy.set && r->memory.use_hierarchy.v == 1, "useHierarchy");
        ok(r->cpu.shares.v == 1024 && r->cpu.quota.v == 1000000 && r->cpu.period.v == 500000,
           "cpu shares/quota/period");
        ok(r->cpu.burst.set && r->cpu.realtime_runtime.v == 950000 &&
               r->cpu.realtime_period.v == 1000000 && r->cpu.idle.v == 1,
           "cpu burst/realtime/idle");
        is_str(r->cpu.cpus, "2-3", "cpu.cpus");
        is_str(r->cpu.mems, "0-7", "cpu.mems");
        ok(r->pids.limit.set && r->pids.limit.v == 32771, "pids.limit");
        ok(r->blkio.weight.v == 10 && r->blkio.leaf_weight.v == 10, "blockIO weight");
        is_int(r->blkio.n_weight_device, 2, "weightDevice");
        ok(r->blkio.weight_device[0].weight.v == 500 &&
               r->blkio.weight_device[0].leaf_weight.v == 300 &&
               !r->blkio.weight_device[1].leaf_weight.set,
           "weightDevice weights");
        ok(r->blkio.n_throttle_read_bps == 1 && r->blkio.throttle_read_bps[0].rate == 600,
           "throttleReadBpsDevice");
        ok(r->blkio.n_throttle_write_bps == 1 && r->blkio.throttle_write_bps[0].minor == 16,
           "throttleWriteBpsDevice");
        ok(r->blkio.n_throttle_read_iops == 1 && r->blkio.throttle_read_iops[0].rate == 60,
           "throttleReadIOPSDevice");
        ok(r->blkio.n_throttle_write_iops == 1 && r->blkio.throttle_write_iops[0].rate == 30,
           "throttleWriteIOPSDevice");
        is_int(r->n_hugepage_limits, 2, "hugepageLimits");
        is_str(r->hugepage_limits[0].pagesize, "2MB", "hugepage size");
        ok(r->hugepage_limits[0].limit == 209715200, "hugepage limit");
        ok(r->network.class_id.set && r->network.class_id.v == 1048577, "network.classID");
        is_int(r->network.n_priorities, 2, "network.priorities");
        is_str(r->network.priorities[1].key, "eth1", "priority name");
        is_str(r->network.priorities[1].value, "1000", "priority as decimal");
        is_int(r->n_unified, 2, "unified");
        is_str(r->unified[0].value, "8:0 rbps=1024", "unified value");

        oci_seccomp *sc = l->seccomp;
        ok(sc != NULL, "seccomp present");
        is_int(sc->default_action, OCI_SECCOMP_ERRNO, "defaultAction");
        ok(sc->default_errno_ret.set && sc->default_errno_ret.v == 1, "defaultErrnoRet");
        is_str(sc->architectures[2], "SCMP_ARCH_X32", "architectures");
        is_str(sc->flags[0], "SECCOMP_FILTER_FLAG_LOG", "flags");
        is_str(sc->listener_path, "/run/seccomp-agent.sock", "listenerPath");
        is_str(sc->listener_metadata, "meta", "listenerMetadata");
        is_int(sc->n_syscalls, 4, "syscalls");
        is_str(sc->syscalls[0].names[1], "write", "syscall names");
        is_int(sc->syscalls[0].action, OCI_SECCOMP_ALLOW, "syscall action");
        is_int(sc->syscalls[1].n_args, 2, "syscall args");
        ok(sc->syscalls[1].args[0].value == 4294967295u &&
               sc->syscalls[1].args[0].op == OCI_SECCOMP_OP_EQ,
           "arg value and op");
        ok(sc->syscalls[1].args[1].index == 1 &&
               sc->syscalls[1].args[1].op == OCI_SECCOMP_OP_MASKED_EQ,
           "masked eq");
        ok(sc->syscalls[2].errno_ret.set && sc->syscalls[2].errno_ret.v == 13, "errnoRet");
        is_int(sc->syscalls[3].action, OCI_SECCOMP_NOTIFY, "notify action");
        berth_oci_spec_free(s);
}

/*
 * Set (or with value NULL remove) the field at a path like
 * "linux.namespaces[2].type" in the full config, and parse the result.
 */
static json_t *walk(json_t *v, const char *path, char *last, size_t lastsz, bool *is_index)
{
        const char *s = path;
        while (v) {
                if (*s == '[') {
                        char *end;
                        size_t i = strtoul(s + 1, &end, 10);
                        s = end + 1;
                        if (*s == '\0') {
                                snprintf(last, lastsz, "%zu", i);
                                *is_index = true;
                                return v;
                        }
                        v = json_array_get(v, i);
                } else {
                        size_t n = strcspn(s, ".[");
                        char key[128];
                        snprintf(key, sizeof(key), "%.*s", (int)n, s);
                        if (s[n] == '\0') {
                                snprintf(last, lastsz, "%s", key);
                                *is_index = false;
                                return v;
                        }
                        v = json_object_get(v, key);
                        s += n;
                }
                if (*s == '.')
                        s++;
        }
        return NULL;
}

static oci_spec *parse_modified(const char *path, const char *value, berth_error *err)
{
        _cleanup_free_ char *base = J(full_config);
        json_t *doc = json_loads(base, 0, NULL);
        char last[128];
        bool is_index = false;
        json_t *parent = walk(doc, path, last, sizeof(last), &is_index);
        if (parent == NULL) {
                json_decref(doc);
                snprintf(err->msg, sizeof(err->msg), "test bug: no parent for %s", path);
                return NULL;
        }
        if (value) {
                _cleanup_free_ char *vj = J(value);
                json_t *nv = json_loads(vj, JSON_DECODE_ANY, NULL);
                size_t i = strtoul(last, NULL, 10);
                if (is_index && i >= json_array_size(parent))
                        json_array_append_new(parent, nv);
                else if (is_index)
                        json_array_set_new(parent, i, nv);
                else
                        json_object_set_new(parent, last, nv);
        } else if (is_index) {
                json_array_remove(parent, strtoul(last, NULL, 10));
        } else {
                json_object_del(parent, last);
        }
        char *text = json_dumps(doc, 0);
        json_decref(doc);
        oci_spec *s = berth_oci_spec_parse(text, strlen(text), err);
        free(text);
        return s;
}

/* Setting path to value must be refused with a message containing want. */
static void refuse(const char *path, const char *value, const char *want)
{
        berth_error err = {0};
        oci_spec *s = parse_modified(path, value, &err);
        if (!ok(s == NULL, "refused: %s = %s", path, value ? value : "(removed)"))
                berth_oci_spec_free(s);
        else
                like(err.msg, want, "  error names the field: %s", want);
}

static void accept(const char *path, const char *value, const char *name)
{
        berth_error err = {0};
        oci_spec *s = parse_modified(path, value, &err);
        ok(s != NULL, "accepted: %s: %s", name, err.msg);
        berth_oci_spec_free(s);
}

static void test_refusals(void)
{
        /* Required fields. */
        refuse("ociVersion", NULL, "ociVersion: missing");
        refuse("ociVersion", "2", "ociVersion: expected a string, got integer");
        refuse("ociVersion", "'2.0.0'", "ociVersion: unsupported version '2.0.0'");
        refuse("root", NULL, "root: missing");
        refuse("root.path", NULL, "root.path: missing");
        refuse("root.path", "''", "root.path: must not be empty");
        refuse("root.readonly", "'yes'", "root.readonly: expected a boolean, got string");
        refuse("process.args", NULL, "process.args: must be a non-empty array of strings");
        refuse("process.args", "[]", "process.args: must be a non-empty array of strings");
        refuse("process.args", "['sh', 1]", "process.args: must be a non-empty array of strings");
        refuse("process.args", "'sh'", "process.args: must be a non-empty array of strings");
        refuse("process.cwd", NULL, "process.cwd: missing");
        refuse("process.cwd", "'srv'", "process.cwd: must be an absolute path, got 'srv'");
        refuse("process", "[]", "process: expected an object, got array");
        refuse("process.env[1]", "'NOVALUE'", "process.env[1]: must be NAME=VALUE");
        refuse("process.env[1]", "'=x'", "process.env[1]: must be NAME=VALUE");
        refuse("process.env[0]", "7", "process.env[0]: expected a string, got integer");

        /* Wrong JSON types. */
        refuse("process.user.uid", "'root'", "process.user.uid: expected an integer, got string");
        refuse("process.user.uid", "1.5", "process.user.uid: expected an integer, got real");
        refuse("process.user.uid", "-1", "process.user.uid: must be a non-negative integer");
        refuse("process.user.gid", "4294967296",
               "process.user.gid: must be an integer between 0 and 4294967295");
        refuse("process.user.umask", "512", "process.user.umask: must be an integer between 0");
        refuse("process.user.additionalGids[1]", "'wheel'",
               "process.user.additionalGids[1]: expected an integer, got string");
        refuse("process.terminal", "1", "process.terminal: expected a boolean, got integer");
        refuse("process.consoleSize.width", NULL, "process.consoleSize.width: missing");
        refuse("process.oomScoreAdj", "-1001", "process.oomScoreAdj: must be an integer between");
        refuse("hostname", "{}", "hostname: expected a string, got object");
        refuse("mounts", "{}", "mounts: expected an array, got object");
        refuse("mounts[1]", "'tmpfs'", "mounts[1]: expected an object, got string");
        refuse("annotations.x", "1", "annotations.x: expected a string, got integer");
        refuse("linux", "true", "linux: expected an object, got boolean");

        /* Namespaces. */
        refuse("linux.namespaces[2].type", "'foo'",
               "linux.namespaces[2].type: unknown namespace type 'foo'");
        refuse("linux.namespaces[2].type", "'pid'",
               "linux.namespaces[2].type: duplicate namespace type 'pid'");
        refuse("linux.namespaces[2].type", NULL, "linux.namespaces[2].type: missing");
        refuse("linux.namespaces[1].path", "'netns'",
               "linux.namespaces[1].path: must be an absolute path");

        /* Id mappings. */
        refuse("linux.uidMappings[0].size", "0", "linux.uidMappings[0].size: must be a positive");
        refuse("linux.gidMappings[0].hostID", "'x'",
               "linux.gidMappings[0].hostID: expected an integer, got string");
        refuse("linux.uidMappings[0].hostID", "4294967295",
               "linux.uidMappings[0]: range overflows 32-bit ids");
        refuse("linux.uidMappings[1]", "{'containerID': 100, 'hostID': 1, 'size': 5}",
               "linux.uidMappings[1]: containerID range overlaps linux.uidMappings[0]");
        refuse("linux.namespaces[5]", NULL, "linux.uidMappings: id mappings need a user namespace");
        refuse("linux.gidMappings", NULL,
               "linux.gidMappings: a new user namespace needs uid and gid mappings");

        /* Mounts. */
        refuse("mounts[3].destination", "'data'",
               "mounts[3].destination: must be an absolute path, got 'data'");
        refuse("mounts[3].destination", "'/data/../../etc'",
               "mounts[3].destination: '/data/../../etc' climbs above '/'");
        refuse("mounts[3].destination", NULL, "mounts[3].destination: missing");
        refuse("mounts[3].options[1]", "'idmap'",
               "mounts[3].options[1]: mount option 'idmap' is not supported");
        refuse("mounts[3].options[1]", "'rro'",
               "mounts[3].options[1]: mount option 'rro' is not supported");
        refuse("mounts[3].uidMappings", "[{'containerID': 0, 'hostID': 1000, 'size': 1}]",
               "mounts[3]: id-mapped mounts");
        refuse("mounts[3].options", "'ro'", "mounts[3].options: expected an array, got string");

        /* Process: rlimits, capabilities. */
        refuse("process.rlimits[1].type", "'RLIMIT_FOO'",
               "process.rlimits[1].type: unknown rlimit type 'RLIMIT_FOO'");
        refuse("process.rlimits[0].soft", "8192",
               "process.rlimits[0].soft: soft limit 8192 is greater than hard limit 4096");
        refuse("process.rlimits[1].type", "'RLIMIT_NOFILE'",
               "process.rlimits[1].type: duplicate rlimit type 'RLIMIT_NOFILE'");
        refuse("process.rlimits[0].hard", NULL, "process.rlimits[0].hard: missing");
        refuse("process.capabilities.effective[0]", "'CAP_FLY'",
               "process.capabilities.effective[0]: unknown capability 'CAP_FLY'");
        refuse("process.capabilities.bounding[1]", "'cap_kill'",
               "process.capabilities.bounding[1]: unknown capability 'cap_kill'");

        /* Seccomp. */
        refuse("linux.seccomp.defaultAction", "'SCMP_ACT_NOPE'",
               "linux.seccomp.defaultAction: unknown seccomp action 'SCMP_ACT_NOPE'");
        refuse("linux.seccomp.defaultAction", NULL, "linux.seccomp.defaultAction: missing");
        refuse("linux.seccomp.syscalls[1].args[0].op", "'SCMP_CMP_ALMOST'",
               "linux.seccomp.syscalls[1].args[0].op: unknown seccomp operator 'SCMP_CMP_ALMOST'");
        refuse("linux.seccomp.syscalls[1].args[0].index", "6",
               "linux.seccomp.syscalls[1].args[0].index: must be between 0 and 5");
        refuse("linux.seccomp.architectures[1]", "'SCMP_ARCH_Z80'",
               "linux.seccomp.architectures[1]: unknown seccomp architecture 'SCMP_ARCH_Z80'");
        refuse("linux.seccomp.flags[0]", "'SECCOMP_FILTER_FLAG_FAST'",
               "linux.seccomp.flags[0]: unknown seccomp flag");
        refuse("linux.seccomp.listenerPath", NULL,
               "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
        refuse("linux.seccomp.syscalls[0].names", "[]",
               "linux.seccomp.syscalls[0].names: must not be empty");
        refuse("linux.seccomp.syscalls[0].errnoRet", "1",
               "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO");
        refuse("linux.seccomp.syscalls[2].action", "'SCMP_ACT_KILL_EVERYONE'",
               "linux.seccomp.syscalls[2].action: unknown seccomp action");

        /* Hooks. */
        refuse("hooks.prestart[0].path", "'fix-mounts'",
               "hooks.prestart[0].path: must be an absolute path");
        refuse("hooks.prestart[0].timeout", "0",
               "hooks.prestart[0].timeout: must be a positive number of seconds, got 0");
        refuse("hooks.prestart[0].timeout", "-3", "hooks.prestart[0].timeout: must be a positive");
        refuse("hooks.poststop[0].path", NULL, "hooks.poststop[0].path: missing");
        refuse("hooks.createRuntime", "{}", "hooks.createRuntime: expected an array, got object");

        /* Devices, device rules, sysctl, resources. */
        refuse("linux.devices[0].type", "'x'", "linux.devices[0].type: must be one of c, b, u, p");
        refuse("linux.devices[1].path", "'dev/sda'", "linux.devices[1].path: must be an absolute");
        refuse("linux.devices[1].major", NULL, "linux.devices[1].major: missing");
        refuse("linux.resources.devices[1].type", "'z'",
               "linux.resources.devices[1].type: must be one of a, c, b");
        refuse("linux.resources.devices[1].access", "'rwx'",
               "linux.resources.devices[1].access: must be a combination of r, w, m");
        refuse("linux.resources.devices[1].access", "'rr'",
               "linux.resources.devices[1].access: must be a combination of r, w, m");
        refuse("linux.resources.devices[0].allow", NULL,
               "linux.resources.devices[0].allow: missing");
        refuse("linux.sysctl", "{'': '1'}", "linux.sysctl: keys must not be empty");
        refuse("linux.sysctl", "{'kernel.shmmax': 1}",
               "linux.sysctl.kernel.shmmax: expected a string, got integer");
        refuse("linux.resources.memory.limit", "'512m'",
               "linux.resources.memory.limit: expected an integer, got string");
        refuse("linux.resources.memory.limit", "-2",
               "linux.resources.memory.limit: must be an integer between -1");
        refuse("linux.resources.memory.swappiness", "101",
               "linux.resources.memory.swappiness: must be an integer between 0 and 100");
        refuse("linux.resources.cpu.cpus", "2", "linux.resources.cpu.cpus: expected a string");
        refuse("linux.resources.blockIO.weightDevice[1].major", NULL,
               "linux.resources.blockIO.weightDevice[1].major: missing");
        refuse("linux.resources.blockIO.throttleReadBpsDevice[0].rate", "-1",
               "linux.resources.blockIO.throttleReadBpsDevice[0].rate: must be a non-negative");
        refuse("linux.resources.hugepageLimits[0].pageSize", NULL,
               "linux.resources.hugepageLimits[0].pageSize: missing");
        refuse("linux.resources.network.priorities[0].priority", "'high'",
               "linux.resources.network.priorities[0].priority: expected an integer");
        refuse("linux.resources.unified", "{'../escape': '1'}",
               "linux.resources.unified: invalid cgroup file name '../escape'");
        refuse("linux.resources.pids", "5",
               "linux.resources.pids: expected an object, got integer");

        /* Other linux fields. */
        refuse("linux.rootfsPropagation", "'sideways'",
               "linux.rootfsPropagation: unknown propagation 'sideways'");
        refuse("linux.personality.domain", "'WINDOWS'",
               "linux.personality.domain: unknown personality domain 'WINDOWS'");
        refuse("linux.maskedPaths[0]", "'proc/kcore'",
               "linux.maskedPaths[0]: must be an absolute path");
        refuse("linux.timeOffsets.monotonic.nanosecs", "1000000000",
               "linux.timeOffsets.monotonic.nanosecs: must be below 1000000000");
        refuse("linux.namespaces[7]", NULL, "linux.timeOffsets: needs a new time namespace");
        refuse("linux.namespaces[3]", NULL, "hostname: setting it needs a uts namespace");

        /* Forward compatibility and leniency. */
        accept("process.brandNew", "{'a': [1, 2]}", "unknown process field is ignored");
        accept("linux.netDevices", "{'eth0': {'name': 'x'}}", "unknown linux field is ignored");
        accept("mounts[0].futureOption", "true", "unknown mount field is ignored");
        accept("hooks.somethingLater", "[{'path': 'rel'}]", "unknown hook kind is ignored");
        accept("process.user.uid", "4294967295", "uid 2^32-1 is in range");
        accept("hostname", "null", "null counts as absent");
        accept("linux.seccomp.syscalls[3]", NULL, "no notify: listenerPath still fine");
        for (const char *const *p =
                 (const char *const[]){"shared", "slave", "private", "unbindable", "rshared",
                                       "rprivate", "runbindable", NULL};
             *p; p++) {
                char v[32];
                snprintf(v, sizeof(v), "'%s'", *p);
                accept("linux.rootfsPropagation", v, *p);
        }
}

static void test_invalid_json(void)
{
        berth_error err = {0};
        const char *text = "{\n  \"ociVersion\": \"1.2.0\",\n  \"root\": {\"path\": }\n}";
        ok(berth_oci_spec_parse(text, strlen(text), &err) == NULL, "invalid JSON refused");
        like(err.msg, "invalid JSON at line 3 column ", "invalid JSON names line and column");
        text = "[1, 2]";
        ok(berth_oci_spec_parse(text, strlen(text), &err) == NULL, "array document refused");
        like(err.msg, "config: expected an object, got array", "top level must be an object");
        const char nul[] = "{\"ociVersion\": \"1.2\\u0000.0\"}";
        ok(berth_oci_spec_parse(nul, sizeof(nul) - 1, &err) == NULL, "NUL in a string refused");
        like(err.msg, "invalid JSON", "NUL error is a JSON error");
        ok(berth_oci_spec_parse("", 0, &err) == NULL, "empty input refused");
        like(err.msg, "invalid JSON at line", "empty input is a JSON error");
}

static void mount_case(const char *options, unsigned long flags, unsigned long clear,
                       unsigned long prop, const char *data, const char *name)
{
        _cleanup_free_ char *cfg =
            berth_xasprintf("{'ociVersion': '1.0.2', 'root': {'path': '/r'},"
                            " 'mounts': [{'destination': '/m', 'type': 'tmpfs', 'options': %s}]}",
                            options);
        berth_error err = {0};
        oci_spec *s = parse_str(cfg, &err);
        if (!ok(s != NULL, "mount options %s: %s", name, err.msg))
                return;
        oci_mount *m = &s->mounts[0];
        bool good =
            m->flags == flags && m->clear_flags == clear && m->propagation == prop &&
            ((data == NULL && m->data == NULL) || (data && m->data && strcmp(data, m->data) == 0));
        if (!ok(good, "  %s translate", options))
                printf("#   flags %#lx clear %#lx prop %#lx data %s\n", m->flags, m->clear_flags,
                       m->propagation, m->data ? m->data : "(null)");
        berth_oci_spec_free(s);
}

static void test_mount_options(void)
{
        mount_case("['ro']", MS_RDONLY, 0, 0, NULL, "ro");
        mount_case("['rw']", 0, MS_RDONLY, 0, NULL, "rw");
        mount_case("['ro', 'rw']", 0, MS_RDONLY, 0, NULL, "last of ro/rw wins");
        mount_case("['nosuid', 'suid']", 0, MS_NOSUID, 0, NULL, "suid");
        mount_case("['nodev', 'noexec']", MS_NODEV | MS_NOEXEC, 0, 0, NULL, "nodev noexec");
        mount_case("['dev', 'exec']", 0, MS_NODEV | MS_NOEXEC, 0, NULL, "dev exec");
        mount_case("['sync', 'dirsync']", MS_SYNCHRONOUS | MS_DIRSYNC, 0, 0, NULL, "sync");
        mount_case("['async']", 0, MS_SYNCHRONOUS, 0, NULL, "async");
        mount_case("['remount', 'mand']", MS_REMOUNT | MS_MANDLOCK, 0, 0, NULL, "remount mand");
        mount_case("['nomand']", 0, MS_MANDLOCK, 0, NULL, "nomand");
        mount_case("['noatime', 'nodiratime']", MS_NOATIME | MS_NODIRATIME, 0, 0, NULL, "noatime");
        mount_case("['atime', 'diratime']", 0, MS_NOATIME | MS_NODIRATIME, 0, NULL, "atime");
        mount_case("['relatime']", MS_RELATIME, 0, 0, NULL, "relatime");
        mount_case("['norelatime', 'nostrictatime']", 0, MS_RELATIME | MS_STRICTATIME, 0, NULL,
                   "norelatime");
        mount_case("['strictatime']", MS_STRICTATIME, 0, 0, NULL, "strictatime");
        mount_case("['silent']", MS_SILENT, 0, 0, NULL, "silent");
        mount_case("['loud']", 0, MS_SILENT, 0, NULL, "loud");
        mount_case("['lazytime']", 1UL << 25, 0, 0, NULL, "lazytime");
        mount_case("['bind']", MS_BIND, 0, 0, NULL, "bind");
        mount_case("['rbind']", MS_BIND | MS_REC, 0, 0, NULL, "rbind");
        mount_case("['shared']", 0, 0, MS_SHARED, NULL, "shared");
        mount_case("['rshared']", 0, 0, MS_SHARED | MS_REC, NULL, "rshared");
        mount_case("['slave']", 0, 0, MS_SLAVE, NULL, "slave");
        mount_case("['rprivate']", 0, 0, MS_PRIVATE | MS_REC, NULL, "rprivate");
        mount_case("['private']", 0, 0, MS_PRIVATE, NULL, "private");
        mount_case("['unbindable']", 0, 0, MS_UNBINDABLE, NULL, "unbindable");
        mount_case("['runbindable']", 0, 0, MS_UNBINDABLE | MS_REC, NULL, "runbindable");
        mount_case("['rslave', 'private']", 0, 0, MS_PRIVATE, NULL, "last propagation wins");
        mount_case("['mode=755', 'size=65536k']", 0, 0, 0, "mode=755,size=65536k", "data");
        mount_case("['nosuid', 'newinstance', 'ptmxmode=0666', 'gid=5']", MS_NOSUID, 0, 0,
                   "newinstance,ptmxmode=0666,gid=5", "devpts data");
        mount_case("['defaults', '']", 0, 0, 0, NULL, "defaults and empty are no-ops");
        mount_case("[]", 0, 0, 0, NULL, "no options");

        berth_error err = {0};
        oci_spec *s = parse_str("{'ociVersion': '1.0.0', 'root': {'path': 'r'}, 'mounts': ["
                                "{'destination': '/a', 'type': 'bind', 'source': '/x'},"
                                "{'destination': '/b', 'type': 'tmpfs', 'options': ['tmpcopyup']},"
                                "{'destination': '/c', 'options': ['rbind', 'rshared']}]}",
                                &err);
        ok(s != NULL, "bind mounts parse: %s", err.msg);
        if (s) {
                ok(s->mounts[0].bind && !s->mounts[0].rbind && s->mounts[0].flags == MS_BIND,
                   "type bind means a bind mount");
                ok(s->mounts[1].tmpcopyup && s->mounts[1].data == NULL, "tmpcopyup");
                ok(s->mounts[2].type == NULL && s->mounts[2].rbind &&
                       s->mounts[2].recursive_propagation,
                   "rbind without type");
                ok(s->process == NULL && s->linux == NULL, "process and linux may be absent");
                berth_oci_spec_free(s);
        }
}

static void test_path_cleaning(void)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
            {"/", "/"},
            {"//", "/"},
            {"/a//b", "/a/b"},
            {"/a/./b/.", "/a/b"},
            {"/a/b/../c", "/a/c"},
            {"/a/b/..", "/a"},
            {"/a/..", "/"},
            {"/dev/pts/", "/dev/pts"},
            {"/./../", NULL},
            {"/..", NULL},
            {"/a/../../b", NULL},
            {"/a/..b/c", "/a/..b/c"},
            {"/.hidden/...", "/.hidden/..."},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *cfg =
                    berth_xasprintf("{'ociVersion': '1.0.0', 'root': {'path': 'r'},"
                                    " 'mounts': [{'destination': '%s'}]}",
                                    cases[i].in);
                berth_error err = {0};
                oci_spec *s = parse_str(cfg, &err);
                if (cases[i].out) {
                        if (ok(s != NULL, "clean '%s': %s", cases[i].in, err.msg))
                                is_str(s->mounts[0].destination, cases[i].out, "  '%s' -> '%s'",
                                       cases[i].in, cases[i].out);
                } else {
                        ok(s == NULL, "'%s' is refused", cases[i].in);
                        like(err.msg, "mounts[0].destination: ", "  error names the field");
                        like(err.msg, "climbs above '/'", "  and says why");
                }
                berth_oci_spec_free(s);
        }
}

static void test_process_json(void)
{
        berth_error err = {0};
        _cleanup_free_ char *j =
            J("{'terminal': false, 'user': {'uid': 33, 'gid': 33}, 'args': ['ls', '-l'],"
              " 'env': ['A=1'], 'cwd': '/var/www',"
              " 'capabilities': {'bounding': ['CAP_CHOWN']}, 'noNewPrivileges': true}");
        oci_process *p = berth_oci_process_parse(j, strlen(j), &err);
        ok(p != NULL, "process.json parses: %s", err.msg);
        if (p) {
                is_int(p->user.uid, 33, "process.json uid");
                is_str(p->args[0], "ls", "process.json args");
                is_str(p->cwd, "/var/www", "process.json cwd");
                ok(p->has_caps && p->caps.bounding && p->caps.effective == NULL,
                   "process.json caps");
                ok(p->no_new_privileges && !p->terminal, "process.json booleans");
                berth_oci_process_free(p);
        }
        free(j);
        j = J("{'args': ['ls'], 'cwd': 'relative'}");
        ok(berth_oci_process_parse(j, strlen(j), &err) == NULL, "relative cwd refused");
        is_str(err.msg, "cwd: must be an absolute path, got 'relative'",
               "process.json fields are named from its root");
        free(j);
        j = J("{'cwd': '/'}");
        ok(berth_oci_process_parse(j, strlen(j), &err) == NULL, "no args refused");
        is_str(err.msg, "args: must be a non-empty array of strings", "args error");
        berth_oci_process_free(NULL);
}

static void test_resources_json(void)
{
        berth_error err = {0};
        _cleanup_free_ char *j =
            J("{'memory': {'limit': -1, 'swap': 1073741824}, 'cpu': {'quota': -1,"
              " 'period': 100000}, 'pids': {'limit': -1},"
              " 'unified': {'memory.max': 'max'}}");
        oci_resources *r = berth_oci_resources_parse(j, strlen(j), &err);
        ok(r != NULL, "resources parse: %s", err.msg);
        if (r) {
                ok(r->memory.limit.set && r->memory.limit.v == -1, "memory.limit -1");
                ok(!r->memory.reservation.set, "absent reservation is unset");
                ok(r->cpu.quota.v == -1 && r->cpu.period.v == 100000, "cpu quota/period");
                ok(r->pids.limit.set && r->pids.limit.v == -1, "pids.limit -1");
                is_str(r->unified[0].key, "memory.max", "unified key");
                berth_oci_resources_free(r);
        }
        free(j);
        j = J("{'cpu': {'shares': -5}}");
        ok(berth_oci_resources_parse(j, strlen(j), &err) == NULL, "negative shares refused");
        like(err.msg, "cpu.shares: must be a non-negative integer", "resources error path");
        free(j);
        j = J("{'blockIO': {'weight': 70000}}");
        ok(berth_oci_resources_parse(j, strlen(j), &err) == NULL, "huge blkio weight refused");
        like(err.msg, "blockIO.weight: must be an integer between 0 and 65535", "weight range");
        berth_oci_resources_free(NULL);
}

static void test_names(void)
{
        is_str(berth_oci_ns_name(OCI_NS_NETWORK), "network", "ns name");
        is_str(berth_oci_ns_proc_name(OCI_NS_NETWORK), "net", "ns proc name");
        is_str(berth_oci_ns_proc_name(OCI_NS_MOUNT), "mnt", "mnt proc name");
        is_int(berth_oci_ns_clone_flag(OCI_NS_USER), CLONE_NEWUSER, "user clone flag");
        is_int(berth_oci_ns_clone_flag(OCI_NS_TIME), 0x80, "time clone flag");
        ok(berth_oci_ns_name(OCI_NS_COUNT) == NULL, "out of range ns name");
        is_int(berth_oci_cap_from_name("CAP_SYS_ADMIN"), 21, "CAP_SYS_ADMIN is 21");
        is_int(berth_oci_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40, "CAP_CHECKPOINT_RESTORE");
        is_int(berth_oci_cap_from_name("CAP_NOPE"), -1, "unknown cap");
        is_str(berth_oci_cap_name(0), "CAP_CHOWN", "cap 0");
        ok(berth_oci_cap_name(41) == NULL, "cap 41 unknown");
}

static void test_default_spec(bool rootless)
{
        _cleanup_free_ char *text = berth_oci_spec_default_json(rootless);
        json_error_t jerr;
        json_t *j = json_loads(text, 0, &jerr);
        ok(j != NULL, "default%s spec is JSON", rootless ? " rootless" : "");
        ok(strchr(text, '\n') != strrchr(text, '\n'), "  and pretty-printed");
        json_decref(j);
        berth_error err = {0};
        oci_spec *s = berth_oci_spec_parse(text, strlen(text), &err);
        ok(s != NULL, "  parses as a spec: %s", err.msg);
        if (s == NULL)
                return;
        is_str(s->process->args[0], "sh", "  runs sh");
        ok(s->process->terminal && s->process->no_new_privileges, "  terminal, noNewPrivileges");
        is_int(berth_strv_length(s->process->caps.bounding), 3, "  three bounding caps");
        ok(s->process->caps.inheritable == NULL && s->process->caps.ambient == NULL,
           "  no inheritable or ambient caps");
        ok(s->process->n_rlimits == 1 && s->process->rlimits[0].resource == RLIMIT_NOFILE &&
               s->process->rlimits[0].hard == 1024,
           "  RLIMIT_NOFILE 1024");
        ok(berth_oci_spec_namespace(s, OCI_NS_PID) && berth_oci_spec_namespace(s, OCI_NS_MOUNT) &&
               berth_oci_spec_namespace(s, OCI_NS_CGROUP),
           "  pid, mount, cgroup namespaces");
        ok(berth_strv_contains(s->linux->masked_paths, "/proc/kcore") &&
               berth_strv_contains(s->linux->readonly_paths, "/proc/sys"),
           "  masked and readonly paths");
        if (rootless) {
                ok(berth_oci_spec_namespace(s, OCI_NS_USER) != NULL, "  user namespace");
                ok(berth_oci_spec_namespace(s, OCI_NS_NETWORK) == NULL, "  no network namespace");
                ok(s->linux->n_uid_mappings == 1 && s->linux->uid_mappings[0].host_id == getuid(),
                   "  maps the current uid");
                ok(s->linux->n_gid_mappings == 1 && s->linux->gid_mappings[0].host_id == getgid(),
                   "  maps the current gid");
                bool sys_bind = false;
                for (size_t i = 0; i < s->n_mounts; i++)
                        if (strcmp(s->mounts[i].destination, "/sys") == 0)
                                sys_bind = s->mounts[i].rbind;
                ok(sys_bind, "  /sys is a bind mount");
        } else {
                ok(berth_oci_spec_namespace(s, OCI_NS_USER) == NULL, "  no user namespace");
                ok(berth_oci_spec_namespace(s, OCI_NS_NETWORK) != NULL, "  network namespace");
                is_int(s->n_mounts, 7, "  seven mounts");
                is_str(s->mounts[6].destination, "/sys/fs/cgroup", "  cgroup mount last");
                ok(s->linux->has_resources && s->linux->resources.n_devices == 1 &&
                       !s->linux->resources.devices[0].allow,
                   "  denies all devices");
        }
        berth_oci_spec_free(s);
}

static void test_features(void)
{
        _cleanup_free_ char *text = berth_oci_features_json();
        json_error_t jerr;
        json_t *j = json_loads(text, 0, &jerr);
        ok(j != NULL, "features is JSON: %s", j ? "" : jerr.text);
        if (j == NULL)
                return;
        is_str(json_string_value(json_object_get(j, "ociVersionMin")), "1.0.0", "ociVersionMin");
        is_str(json_string_value(json_object_get(j, "ociVersionMax")), "1.2.0", "ociVersionMax");
        is_int(json_array_size(json_object_get(j, "hooks")), 6, "six hook kinds");
        json_t *mo = json_object_get(j, "mountOptions");
        bool has_rbind = false, has_idmap = false;
        size_t i;
        json_t *v;
        json_array_foreach (mo, i, v) {
                has_rbind |= strcmp(json_string_value(v), "rbind") == 0;
                has_idmap |= strcmp(json_string_value(v), "idmap") == 0;
        }
        ok(has_rbind && !has_idmap, "mountOptions lists rbind, not the refused idmap");
        json_t *l = json_object_get(j, "linux");
        is_int(json_array_size(json_object_get(l, "namespaces")), 8, "eight namespaces");
        is_int(json_array_size(json_object_get(l, "capabilities")), 41, "41 capabilities");
        json_t *cg = json_object_get(l, "cgroup");
        ok(json_is_true(json_object_get(cg, "v1")) && json_is_true(json_object_get(cg, "v2")) &&
               json_is_false(json_object_get(cg, "systemd")),
           "cgroup v1 v2, no systemd");
        json_t *sc = json_object_get(l, "seccomp");
        ok(json_is_true(json_object_get(sc, "enabled")), "seccomp enabled");
        is_int(json_array_size(json_object_get(sc, "actions")), 9, "nine seccomp actions");
        is_int(json_array_size(json_object_get(sc, "operators")), 7, "seven operators");
        ok(json_array_size(json_object_get(sc, "archs")) > 15, "seccomp archs");
        ok(json_is_false(json_object_get(json_object_get(l, "apparmor"), "enabled")),
           "apparmor disabled");
        ok(json_is_false(json_object_get(json_object_get(l, "intelRdt"), "enabled")),
           "intelRdt disabled");
        ok(json_is_object(json_object_get(j, "annotations")), "annotations object");
        json_decref(j);
}

static void test_load(void)
{
        berth_error err = {0};
        ok(berth_oci_spec_load("/nonexistent/config.json", &err) == NULL, "missing file");
        like(err.msg, "/nonexistent/config.json", "load error names the file");
        char tmpl[] = "/tmp/berth-oci-XXXXXX";
        int fd = mkstemp(tmpl);
        _cleanup_free_ char *j =
            J("{'ociVersion': '1.0.0', 'root': {'path': 'rootfs'},"
              " 'process': {'args': ['true'], 'cwd': '/', 'user': {'uid': 'x'}}}");
        ok(fd >= 0 && write(fd, j, strlen(j)) == (ssize_t)strlen(j), "write temp config");
        close(fd);
        ok(berth_oci_spec_load(tmpl, &err) == NULL, "bad config file refused");
        like(err.msg, "process.user.uid: expected an integer, got string", "load keeps the path");
        like(err.msg, tmpl, "  and names the file");
        unlink(tmpl);
}

int main(void)
{
        test_full();
        test_refusals();
        test_invalid_json();
        test_mount_options();
        test_path_cleaning();
        test_process_json();
        test_resources_json();
        test_names();
        test_default_spec(false);
        test_default_spec(true);
        test_features();
        test_load();
        return tap_done();
}
