/* SPDX-License-Identifier: Apache-2.0 */
/* What `berth-runtime spec` and `berth-runtime features` print. */
#include "spec-internal.h"

#include "base/strutil.h"

#include <string.h>
#include <unistd.h>

static json_t *strv_json(const char *const *v)
{
        json_t *a = json_array();
        for (size_t i = 0; v[i]; i++)
                json_array_append_new(a, json_string(v[i]));
        return a;
}

static json_t *mount_json(const char *dest, const char *type, const char *source,
                          const char *const *options)
{
        json_t *m = json_object();
        json_object_set_new(m, "destination", json_string(dest));
        json_object_set_new(m, "type", json_string(type));
        json_object_set_new(m, "source", json_string(source));
        json_object_set_new(m, "options", strv_json(options));
        return m;
}

static json_t *default_mounts(bool rootless)
{
        json_t *a = json_array();
        json_array_append_new(a, mount_json("/proc", "proc", "proc", (const char *[]){NULL}));
        json_array_append_new(a, mount_json("/dev", "tmpfs", "tmpfs",
                                            (const char *[]){"nosuid", "strictatime", "mode=755",
                                                             "size=65536k", NULL}));
        /* gid=5 (tty) does not exist in a user namespace that maps one id. */
        json_array_append_new(
            a,
            mount_json("/dev/pts", "devpts", "devpts",
                       rootless ? (const char *[]){"nosuid", "noexec", "newinstance",
                                                   "ptmxmode=0666", "mode=0620", NULL}
                                : (const char *[]){"nosuid", "noexec", "newinstance",
                                                   "ptmxmode=0666", "mode=0620", "gid=5", NULL}));
        json_array_append_new(a, mount_json("/dev/shm", "tmpfs", "shm",
                                            (const char *[]){"nosuid", "noexec", "nodev",
                                                             "mode=1777", "size=65536k", NULL}));
        json_array_append_new(a, mount_json("/dev/mqueue", "mqueue", "mqueue",
                                            (const char *[]){"nosuid", "noexec", "nodev", NULL}));
        if (rootless) {
                /* sysfs cannot be mounted without a network namespace we own. */
                json_array_append_new(a, mount_json("/sys", "none", "/sys",
                                                    (const char *[]){"rbind", "nosuid", "noexec",
                                                                     "nodev", "ro", NULL}));
        } else {
                json_array_append_new(
                    a, mount_json("/sys", "sysfs", "sysfs",
                                  (const char *[]){"nosuid", "noexec", "nodev", "ro", NULL}));
                json_array_append_new(a, mount_json("/sys/fs/cgroup", "cgroup", "cgroup",
                                                    (const char *[]){"nosuid", "noexec", "nodev",
                                                                     "relatime", "ro", NULL}));
        }
        return a;
}

static json_t *default_process(void)
{
        static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                           NULL};
        json_t *p = json_object();
        json_object_set_new(p, "terminal", json_true());
        json_object_set_new(p, "user", json_pack("{s:i, s:i}", "uid", 0, "gid", 0));
        json_object_set_new(p, "args", strv_json((const char *[]){"sh", NULL}));
        json_object_set_new(p, "env",
                            strv_json((const char *[]){
                                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                "TERM=xterm", NULL}));
        json_object_set_new(p, "cwd", json_string("/"));
        json_t *c = json_object();
        json_object_set_new(c, "bounding", strv_json(caps));
        json_object_set_new(c, "effective", strv_json(caps));
        json_object_set_new(c, "permitted", strv_json(caps));
        json_object_set_new(p, "capabilities", c);
        json_object_set_new(
            p, "rlimits",
            json_pack("[{s:s, s:i, s:i}]", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024));
        json_object_set_new(p, "noNewPrivileges", json_true());
        return p;
}

static json_t *default_linux(bool rootless)
{
        static const char *const masked[] = {
            "/proc/acpi",
            "/proc/asound",
            "/proc/kcore",
            "/proc/keys",
            "/proc/latency_stats",
            "/proc/timer_list",
            "/proc/timer_stats",
            "/proc/sched_debug",
            "/sys/firmware",
            "/proc/scsi",
            NULL,
        };
        static const char *const readonly[] = {
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
        };
        json_t *l = json_object();
        if (rootless) {
                json_object_set_new(l, "uidMappings",
                                    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                              (json_int_t)getuid(), "size", 1));
                json_object_set_new(l, "gidMappings",
                                    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                              (json_int_t)getgid(), "size", 1));
        } else {
                json_object_set_new(
                    l, "resources",
                    json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
        }
        json_t *ns = json_array();
        const char *names[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};
        for (size_t i = 0; names[i]; i++) {
                if (rootless && strcmp(names[i], "network") == 0)
                        continue;
                json_array_append_new(ns, json_pack("{s:s}", "type", names[i]));
        }
        if (rootless)
                json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
        json_object_set_new(l, "namespaces", ns);
        json_object_set_new(l, "maskedPaths", strv_json(masked));
        json_object_set_new(l, "readonlyPaths", strv_json(readonly));
        return l;
}

static char *dump(json_t *j)
{
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(j);
        if (s == NULL)
                abort(); /* only fails on allocation */
        char *out = berth_xasprintf("%s\n", s);
        free(s);
        return out;
}

char *berth_oci_spec_default_json(bool rootless)
{
        json_t *j = json_object();
        json_object_set_new(j, "ociVersion", json_string("1.2.0"));
        json_object_set_new(j, "process", default_process());
        json_object_set_new(j, "root", json_pack("{s:s, s:b}", "path", "rootfs", "readonly", 1));
        json_object_set_new(j, "hostname", json_string("berth"));
        json_object_set_new(j, "mounts", default_mounts(rootless));
        json_object_set_new(j, "linux", default_linux(rootless));
        return dump(j);
}

char *berth_oci_features_json(void)
{
        json_t *j = json_object();
        json_object_set_new(j, "ociVersionMin", json_string("1.0.0"));
        json_object_set_new(j, "ociVersionMax", json_string("1.2.0"));
        json_object_set_new(j, "hooks", strv_json(oci_hook_names));

        json_t *opts = json_array();
        for (size_t i = 0; i < oci_mount_option_count(); i++) {
                const char *name = oci_mount_option_name(i);
                if (name)
                        json_array_append_new(opts, json_string(name));
        }
        json_object_set_new(j, "mountOptions", opts);

        json_t *l = json_object();
        json_t *ns = json_array();
        for (int t = 0; t < OCI_NS_COUNT; t++)
                json_array_append_new(ns, json_string(berth_oci_ns_name(t)));
        json_object_set_new(l, "namespaces", ns);
        json_object_set_new(l, "capabilities", strv_json(oci_cap_names));
        json_object_set_new(
            l, "cgroup",
            json_pack("{s:b, s:b, s:b, s:b}", "v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0));
        json_t *sc = json_pack("{s:b}", "enabled", 1);
        json_object_set_new(sc, "actions", strv_json(oci_seccomp_action_names));
        json_object_set_new(sc, "operators", strv_json(oci_seccomp_op_names));
        json_object_set_new(sc, "archs", strv_json(oci_seccomp_arch_names));
        json_object_set_new(sc, "knownFlags", strv_json(oci_seccomp_flag_names));
        json_object_set_new(l, "seccomp", sc);
        json_object_set_new(l, "apparmor", json_pack("{s:b}", "enabled", 0));
        json_object_set_new(l, "selinux", json_pack("{s:b}", "enabled", 0));
        json_object_set_new(l, "intelRdt", json_pack("{s:b}", "enabled", 0));
        json_object_set_new(j, "linux", l);
        json_object_set_new(j, "annotations", json_object());
        return dump(j);
}
