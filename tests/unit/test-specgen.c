/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth_specgen(): the config.json a `docker run` gets, checked the way its
 * user would check it. Every config made is also parsed back with
 * berth_oci_spec_parse (the runtime's parser) and its seccomp filter
 * compiled with libseccomp.
 */
#include "base/cleanup.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "specgen/specgen.h"
#include "oci/spec.h"
#include "runtime/security.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define ID "4f2c1d9e8b7a60514f2c1d9e8b7a60514f2c1d9e8b7a60514f2c1d9e8b7a6051"

static char tmp[] = "/tmp/test-specgen.XXXXXX";
static char rootfs[PATH_MAX], hostile[PATH_MAX], nofiles[PATH_MAX], fifo_root[PATH_MAX];
static char dev_root[PATH_MAX], big_root[PATH_MAX];
static char outside[PATH_MAX];

/* JSON written with ' for " so that it reads well in C. */
static json_t *J(const char *s)
{
        _cleanup_free_ char *o = berth_xstrdup(s);
        for (char *c = o; *c; c++)
                if (*c == '\'')
                        *c = '"';
        json_error_t e;
        json_t *j = json_loads(o, 0, &e);
        if (j == NULL) {
                printf("# bad test JSON: %s: %s\n", e.text, o);
                abort();
        }
        return j;
}

typedef struct {
        const char *rootfs, *init_path, *hostname_path, *hosts_path, *resolv_path;
        const char *cgroup_parent, *mounts;
} gen_opts;

/*
 * The config for a body and image config (JSON with '), or NULL with the
 * message in err. Each config made must parse with the runtime's parser
 * and its seccomp filter must compile: both are one test each.
 */
static json_t *gen_with(const char *body, const char *image, const gen_opts *o, berth_error *err)
{
        json_t *b = J(body);
        json_t *i = image ? J(image) : NULL;
        json_t *m = o && o->mounts ? J(o->mounts) : NULL;
        berth_specgen_input in = {
            .id = ID,
            .rootfs = o && o->rootfs ? o->rootfs : rootfs,
            .image = i,
            .body = b,
            .mounts = m,
            .init_path = o ? o->init_path : NULL,
            .hostname_path = o ? o->hostname_path : NULL,
            .hosts_path = o ? o->hosts_path : NULL,
            .resolv_path = o ? o->resolv_path : NULL,
            .cgroup_parent = o ? o->cgroup_parent : NULL,
        };
        berth_error_clear(err);
        json_t *spec = berth_specgen(&in, err);
        json_decref(b);
        json_decref(i);
        json_decref(m);
        if (spec == NULL)
                return NULL;

        _cleanup_free_ char *text = json_dumps(spec, 0);
        berth_error perr = {0};
        oci_spec *s = berth_oci_spec_parse(text, strlen(text), &perr);
        ok(s != NULL, "  … and berth_oci_spec_parse takes it%s%s", s ? "" : ": ", perr.msg);
        if (s && s->linux && s->linux->seccomp) {
                berth_seccomp *sc = NULL;
                int r = berth_seccomp_compile(s->linux->seccomp, &sc, &perr);
                ok(r == 0, "  … and its seccomp filter compiles%s%s", r == 0 ? "" : ": ", perr.msg);
                berth_seccomp_free(sc);
        }
        berth_oci_spec_free(s);
        return spec;
}

static json_t *gen(const char *body, const char *image)
{
        berth_error err = {0};
        json_t *s = gen_with(body, image, NULL, &err);
        if (s == NULL)
                printf("# specgen failed: %s\n", err.msg);
        return s;
}

/* The error specgen gives for body (it must fail). */
static const char *gen_err(const char *body, const char *image, const gen_opts *o)
{
        static berth_error err;
        json_t *s = gen_with(body, image, o, &err);
        if (s) {
                json_decref(s);
                return "(no error)";
        }
        return err.msg;
}

/* The value at a dotted path ("process.user.uid", "mounts.3.destination"). */
static json_t *at(json_t *j, const char *path)
{
        _cleanup_free_ char *p = berth_xstrdup(path);
        char *save = NULL;
        for (char *t = strtok_r(p, ".", &save); t && j; t = strtok_r(NULL, ".", &save)) {
                if (json_is_array(j))
                        j = json_array_get(j, strtoul(t, NULL, 10));
                else
                        j = json_object_get(j, t);
        }
        return j;
}

static const char *str_at(json_t *j, const char *path)
{
        return json_string_value(at(j, path));
}

static long long int_at(json_t *j, const char *path)
{
        json_t *v = at(j, path);
        return v ? json_integer_value(v) : -999999;
}

/* An array of strings or integers joined with ','. */
static const char *joined(json_t *arr)
{
        static char buf[8192];
        size_t o = 0, i;
        json_t *el;
        buf[0] = '\0';
        if (!json_is_array(arr))
                return "(not an array)";
        json_array_foreach (arr, i, el) {
                if (json_is_string(el))
                        o += snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? "," : "",
                                      json_string_value(el));
                else
                        o += snprintf(buf + o, sizeof(buf) - o, "%s%lld", i ? "," : "",
                                      (long long)json_integer_value(el));
                if (o >= sizeof(buf))
                        break;
        }
        return buf;
}

static bool has(json_t *arr, const char *s)
{
        size_t i;
        json_t *el;
        json_array_foreach (arr, i, el)
                if (json_is_string(el) && strcmp(json_string_value(el), s) == 0)
                        return true;
        return false;
}

static json_t *mount_at(json_t *spec, const char *dest)
{
        size_t i;
        json_t *m;
        json_array_foreach (json_object_get(spec, "mounts"), i, m)
                if (strcmp(json_string_value(json_object_get(m, "destination")), dest) == 0)
                        return m;
        return NULL;
}

static size_t mount_index(json_t *spec, const char *dest)
{
        size_t i;
        json_t *m;
        json_array_foreach (json_object_get(spec, "mounts"), i, m)
                if (strcmp(json_string_value(json_object_get(m, "destination")), dest) == 0)
                        return i;
        return (size_t)-1;
}

static bool has_ns(json_t *spec, const char *type)
{
        size_t i;
        json_t *n;
        json_array_foreach (at(spec, "linux.namespaces"), i, n)
                if (strcmp(str_at(n, "type"), type) == 0)
                        return true;
        return false;
}

/* Is name in any allow rule of the seccomp profile (without argument filters)? */
static bool seccomp_allows(json_t *spec, const char *name)
{
        size_t i;
        json_t *r;
        json_array_foreach (at(spec, "linux.seccomp.syscalls"), i, r)
                if (strcmp(str_at(r, "action"), "SCMP_ACT_ALLOW") == 0 &&
                    json_object_get(r, "args") == NULL && has(json_object_get(r, "names"), name))
                        return true;
        return false;
}

/* The rule naming name, if any. */
static json_t *seccomp_rule(json_t *spec, const char *name)
{
        size_t i;
        json_t *r;
        json_array_foreach (at(spec, "linux.seccomp.syscalls"), i, r)
                if (has(json_object_get(r, "names"), name))
                        return r;
        return NULL;
}

static void write_file(const char *dir, const char *name, const char *content)
{
        _cleanup_free_ char *p = berth_xasprintf("%s/%s", dir, name);
        berth_error err = {0};
        if (berth_write_file(p, content, strlen(content), O_CREAT, &err) < 0) {
                printf("# %s\n", err.msg);
                abort();
        }
}

static void make_roots(void)
{
        if (mkdtemp(tmp) == NULL)
                abort();
        snprintf(rootfs, sizeof(rootfs), "%s/rootfs", tmp);
        snprintf(hostile, sizeof(hostile), "%s/hostile", tmp);
        snprintf(nofiles, sizeof(nofiles), "%s/nofiles", tmp);
        snprintf(fifo_root, sizeof(fifo_root), "%s/fifo", tmp);
        snprintf(outside, sizeof(outside), "%s/outside-passwd", tmp);
        berth_error err = {0};
        _cleanup_free_ char *etc = berth_xasprintf("%s/etc", rootfs);
        _cleanup_free_ char *hetc = berth_xasprintf("%s/etc", hostile);
        _cleanup_free_ char *fetc = berth_xasprintf("%s/etc", fifo_root);
        _cleanup_free_ char *inside = berth_xasprintf("%s%s", hostile, tmp);
        if (berth_mkdir_p(etc, 0755, &err) < 0 || berth_mkdir_p(hetc, 0755, &err) < 0 ||
            berth_mkdir_p(nofiles, 0755, &err) < 0 || berth_mkdir_p(fetc, 0755, &err) < 0 ||
            berth_mkdir_p(inside, 0755, &err) < 0)
                abort();
        write_file(rootfs, "etc/passwd",
                   "root:x:0:0:root:/root:/bin/sh\n"
                   "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                   "\n"
                   "  app:x:1000:1000:App User:/home/app:/bin/sh  \n"
                   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        write_file(rootfs, "etc/group",
                   "root:x:0:\n"
                   "audio:x:29:app,nobody\n"
                   "video:x:44:app\n"
                   "staff:x:50:\n"
                   "app:x:1000:\n"
                   "nogroup:x:65534:\n");
        /* A host file the hostile image points its passwd at: never read. */
        write_file(tmp, "outside-passwd", "evil:x:4242:4242::/:/bin/sh\n");
        /* …and the file of that name inside the hostile root: what is read. */
        _cleanup_free_ char *inside_passwd = berth_xasprintf("%s/outside-passwd", inside);
        write_file("/", inside_passwd, "inner:x:77:77::/:/bin/sh\n");
        _cleanup_free_ char *link = berth_xasprintf("%s/etc/passwd", hostile);
        _cleanup_free_ char *glink = berth_xasprintf("%s/etc/group", hostile);
        if (symlink(outside, link) < 0 ||
            symlink("../../../../../../../../../../../etc/passwd", glink) < 0)
                abort();
        _cleanup_free_ char *fifo = berth_xasprintf("%s/etc/passwd", fifo_root);
        if (mkfifo(fifo, 0644) < 0)
                abort();
        /* /etc/passwd -> /dev/zero, the root's own char device (made when root); /etc/group a
         * FIFO in the FIFO root too */
        snprintf(dev_root, sizeof(dev_root), "%s/devroot", tmp);
        _cleanup_free_ char *detc = berth_xasprintf("%s/etc", dev_root);
        _cleanup_free_ char *ddev = berth_xasprintf("%s/dev", dev_root);
        _cleanup_free_ char *dpw = berth_xasprintf("%s/etc/passwd", dev_root);
        _cleanup_free_ char *dzero = berth_xasprintf("%s/dev/zero", dev_root);
        if (berth_mkdir_p(detc, 0755, &err) < 0 || berth_mkdir_p(ddev, 0755, &err) < 0 ||
            symlink("/dev/zero", dpw) < 0)
                abort();
        write_file(dev_root, "etc/group", "root:x:0:\n");
        _cleanup_free_ char *fgr = berth_xasprintf("%s/etc/group", fifo_root);
        if (mkfifo(fgr, 0644) < 0)
                abort();
        if (geteuid() == 0 && mknod(dzero, S_IFCHR | 0666, makedev(1, 5)) < 0)
                abort();
        /* a sparse /etc/passwd of 17 MiB */
        snprintf(big_root, sizeof(big_root), "%s/bigroot", tmp);
        _cleanup_free_ char *betc = berth_xasprintf("%s/etc", big_root);
        _cleanup_free_ char *bpw = berth_xasprintf("%s/etc/passwd", big_root);
        if (berth_mkdir_p(betc, 0755, &err) < 0)
                abort();
        write_file(big_root, "etc/passwd", "app:x:1000:1000::/:/bin/sh\n");
        if (truncate(bpw, 17 << 20) < 0)
                abort();
}

/* ---- the tests --------------------------------------------------------------- */

static void test_defaults(void)
{
        json_t *s = gen("{'Image': 'busybox', 'Cmd': ['sh']}", NULL);
        ok(s != NULL, "a plain docker run makes a config");
        if (s == NULL)
                return;
        is_str(str_at(s, "ociVersion"), "1.0.2", "ociVersion 1.0.2");
        is_str(joined(at(s, "process.capabilities.bounding")),
               "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FSETID,CAP_FOWNER,CAP_MKNOD,CAP_NET_RAW,"
               "CAP_SETGID,CAP_SETUID,CAP_SETFCAP,CAP_SETPCAP,CAP_NET_BIND_SERVICE,"
               "CAP_SYS_CHROOT,CAP_KILL,CAP_AUDIT_WRITE",
               "docker's 14 default capabilities");
        size_t n = 0;
        while (berth_specgen_default_caps[n])
                n++;
        is_int(n, 14, "berth_specgen_default_caps has 14 entries");
        is_str(joined(at(s, "process.capabilities.effective")),
               joined(at(s, "process.capabilities.bounding")), "effective = bounding");
        is_str(joined(at(s, "process.capabilities.permitted")),
               joined(at(s, "process.capabilities.bounding")), "permitted = bounding");
        ok(at(s, "process.capabilities.inheritable") == NULL &&
               at(s, "process.capabilities.ambient") == NULL,
           "no inheritable or ambient capabilities");
        is_str(str_at(s, "linux.seccomp.defaultAction"), "SCMP_ACT_ERRNO",
               "seccomp: everything not listed is refused");
        is_int(int_at(s, "linux.seccomp.defaultErrnoRet"), EPERM, "… with EPERM");
        is_str(joined(at(s, "linux.seccomp.architectures")),
               "SCMP_ARCH_X86_64,SCMP_ARCH_X86,SCMP_ARCH_X32", "seccomp covers x86_64, x86, x32");
        ok(seccomp_allows(s, "read") && seccomp_allows(s, "execve") && seccomp_allows(s, "chroot"),
           "seccomp allows read, execve, chroot (CAP_SYS_CHROOT is a default)");
        ok(!seccomp_allows(s, "mount") && !seccomp_allows(s, "unshare") &&
               !seccomp_allows(s, "setns") && !seccomp_allows(s, "reboot") &&
               !seccomp_allows(s, "init_module") && !seccomp_allows(s, "bpf") &&
               !seccomp_allows(s, "io_uring_setup") && !seccomp_allows(s, "keyctl"),
           "seccomp refuses mount, unshare, setns, reboot, init_module, bpf, io_uring, keyctl");
        json_t *c3 = seccomp_rule(s, "clone3");
        ok(c3 && strcmp(str_at(c3, "action"), "SCMP_ACT_ERRNO") == 0 &&
               int_at(c3, "errnoRet") == ENOSYS,
           "clone3 fails with ENOSYS (libc falls back to clone)");
        json_t *cl = seccomp_rule(s, "clone");
        ok(cl && strcmp(str_at(cl, "args.0.op"), "SCMP_CMP_MASKED_EQ") == 0 &&
               int_at(cl, "args.0.value") == 0x7e020000 && int_at(cl, "args.0.valueTwo") == 0,
           "clone is allowed only without namespace flags");
        json_t *pers = seccomp_rule(s, "personality");
        ok(pers && json_object_get(pers, "args") && !seccomp_allows(s, "personality"),
           "personality only with argument filters");
        ok(!seccomp_allows(s, "socket") && seccomp_rule(s, "socket") != NULL,
           "socket only with a family filter (no AF_ALG, AF_VSOCK)");
        ok(seccomp_allows(s, "ptrace"), "ptrace allowed (kernel >= 4.8)");
        is_str(joined(at(s, "linux.namespaces.0")), "(not an array)", "namespaces are objects");
        ok(has_ns(s, "mount") && has_ns(s, "network") && has_ns(s, "uts") && has_ns(s, "pid") &&
               has_ns(s, "ipc") && has_ns(s, "cgroup") && !has_ns(s, "user"),
           "new mount, network, uts, pid, ipc, cgroup namespaces; no user namespace");
        is_str(str_at(s, "hostname"), "4f2c1d9e8b7a", "hostname is the id's first 12");
        is_str(joined(at(s, "process.env")),
               "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,"
               "HOSTNAME=4f2c1d9e8b7a",
               "env: docker's PATH and HOSTNAME");
        is_str(str_at(s, "process.cwd"), "/", "cwd /");
        ok(json_is_false(at(s, "process.terminal")), "no terminal");
        is_str(str_at(s, "linux.cgroupsPath"), "/berth/" ID, "cgroupsPath /berth/<id>");
        ok(has(at(s, "linux.maskedPaths"), "/proc/kcore") &&
               has(at(s, "linux.maskedPaths"), "/proc/keys") &&
               has(at(s, "linux.maskedPaths"), "/sys/firmware") &&
               has(at(s, "linux.maskedPaths"), "/proc/timer_list"),
           "masked paths as docker's");
        is_str(joined(at(s, "linux.readonlyPaths")),
               "/proc/bus,/proc/fs,/proc/irq,/proc/sys,/proc/sysrq-trigger",
               "read-only paths as docker's");
        ok(has(at(mount_at(s, "/dev/shm"), "options"), "size=67108864"),
           "/dev/shm is 64 MiB by default");
        ok(has(at(mount_at(s, "/sys"), "options"), "ro"), "/sys is read-only");
        ok(has(at(mount_at(s, "/sys/fs/cgroup"), "options"), "ro") &&
               strcmp(str_at(mount_at(s, "/sys/fs/cgroup"), "type"), "cgroup") == 0,
           "cgroupfs read-only");
        ok(mount_at(s, "/proc") && mount_at(s, "/dev") && mount_at(s, "/dev/pts") &&
               mount_at(s, "/dev/mqueue"),
           "proc, /dev, devpts, mqueue mounted");
        is_int(int_at(s, "process.oomScoreAdj"), 0, "oomScoreAdj 0");
        ok(at(s, "process.noNewPrivileges") == NULL, "no no_new_privs unless asked");
        ok(json_is_false(at(s, "root.readonly")), "root writable");
        is_str(str_at(s, "root.path"), rootfs, "root.path is the rootfs");
        is_str(str_at(s, "linux.resources.devices.0.access"), "rwm", "devices: deny all first…");
        ok(json_is_false(at(s, "linux.resources.devices.0.allow")) &&
               at(s, "linux.resources.devices.0.type") == NULL,
           "… for every type");
        is_int(json_array_size(at(s, "linux.resources.devices")), 8,
               "… then docker's allowed list (null, zero, full, random, urandom, tty, "
               "console; tun denied)");
        const char *ping =
            json_string_value(json_object_get(at(s, "linux.sysctl"), "net.ipv4.ping_group_range"));
        ok((ping && strcmp(ping, "0 2147483647") == 0) ||
               access("/proc/sys/net/ipv4/ping_group_range", F_OK) != 0,
           "ping works without CAP_NET_RAW (docker's sysctl)");
        ok(json_object_get(at(s, "linux.sysctl"), "net.ipv4.ip_unprivileged_port_start") ||
               access("/proc/sys/net/ipv4/ip_unprivileged_port_start", F_OK) != 0,
           "low ports bindable without CAP_NET_BIND_SERVICE (docker's sysctl)");
        json_decref(s);
}

static void test_caps(void)
{
        json_t *s = gen("{'Cmd': ['sh'], 'HostConfig': {'CapDrop': ['ALL'], "
                        "'CapAdd': ['NET_ADMIN']}}",
                        NULL);
        is_str(joined(at(s, "process.capabilities.bounding")), "CAP_NET_ADMIN",
               "--cap-drop ALL --cap-add NET_ADMIN gives exactly CAP_NET_ADMIN");
        is_str(joined(at(s, "process.capabilities.effective")), "CAP_NET_ADMIN", "… effective too");
        ok(!seccomp_allows(s, "chroot"), "… and chroot is no longer allowed by seccomp");
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'HostConfig': {'CapDrop': ['chown', 'CAP_kill']}}", NULL);
        ok(!has(at(s, "process.capabilities.bounding"), "CAP_CHOWN") &&
               !has(at(s, "process.capabilities.bounding"), "CAP_KILL"),
           "--cap-drop chown --cap-drop CAP_kill (any case, with or without CAP_)");
        is_int(json_array_size(at(s, "process.capabilities.bounding")), 12, "12 left");
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'HostConfig': {'CapAdd': ['sys_admin', 'Sys_Ptrace']}}", NULL);
        ok(has(at(s, "process.capabilities.bounding"), "CAP_SYS_ADMIN") &&
               has(at(s, "process.capabilities.bounding"), "CAP_SYS_PTRACE"),
           "--cap-add sys_admin --cap-add Sys_Ptrace");
        ok(seccomp_allows(s, "mount") && seccomp_allows(s, "unshare") &&
               seccomp_allows(s, "setns") && seccomp_allows(s, "clone") &&
               seccomp_allows(s, "clone3") && seccomp_allows(s, "process_vm_readv") &&
               seccomp_allows(s, "kcmp"),
           "… seccomp allows mount, unshare, setns, clone, clone3, kcmp with them");
        ok(seccomp_rule(s, "clone3") && seccomp_allows(s, "clone3"),
           "… clone3 is no longer ENOSYS");
        ok(!seccomp_allows(s, "reboot") && !seccomp_allows(s, "init_module"),
           "… but not reboot or init_module");
        json_decref(s);

        static const struct {
                const char *cap, *syscall;
        } gated[] = {
            {"SYS_BOOT", "reboot"},
            {"SYS_MODULE", "finit_module"},
            {"SYS_TIME", "settimeofday"},
            {"SYS_NICE", "set_mempolicy"},
            {"SYSLOG", "syslog"},
            {"SYS_PACCT", "acct"},
            {"SYS_RAWIO", "iopl"},
            {"SYS_TTY_CONFIG", "vhangup"},
            {"BPF", "bpf"},
            {"PERFMON", "perf_event_open"},
            {"DAC_READ_SEARCH", "open_by_handle_at"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(gated); i++) {
                _cleanup_free_ char *body = berth_xasprintf(
                    "{'Cmd': ['sh'], 'HostConfig': {'CapAdd': ['%s']}}", gated[i].cap);
                json_t *without = gen("{'Cmd': ['sh']}", NULL);
                s = gen(body, NULL);
                ok(seccomp_allows(s, gated[i].syscall) &&
                       !seccomp_allows(without, gated[i].syscall),
                   "%s is allowed only with CAP_%s", gated[i].syscall, gated[i].cap);
                json_decref(s);
                json_decref(without);
        }

        s = gen("{'Cmd': ['sh'], 'HostConfig': {'CapAdd': ['ALL'], 'CapDrop': ['NET_RAW']}}", NULL);
        ok(has(at(s, "process.capabilities.bounding"), "CAP_SYS_ADMIN") &&
               has(at(s, "process.capabilities.bounding"), "CAP_MAC_ADMIN") &&
               !has(at(s, "process.capabilities.bounding"), "CAP_NET_RAW"),
           "--cap-add ALL --cap-drop NET_RAW: everything but NET_RAW");
        json_decref(s);

        /* A capability this process lacks (e.g. in a restricted sandbox) cannot be given. */
        unsigned long long eff = 0;
        char line[256];
        FILE *f = fopen("/proc/self/status", "re");
        while (f && fgets(line, sizeof(line), f))
                sscanf(line, "CapEff: %llx", &eff);
        if (f)
                fclose(f);
        int missing = -1;
        for (int c = 0; eff && c <= 40 && missing < 0; c++)
                if (!(eff & (1ULL << c)) && berth_oci_cap_name(c))
                        missing = c;
        if (missing >= 0 && access("/proc/sys/kernel/cap_last_cap", F_OK) == 0) {
                _cleanup_free_ char *b =
                    berth_xasprintf("{'Cmd': ['sh'], 'HostConfig': {'CapAdd': ['%s']}}",
                                    berth_oci_cap_name(missing));
                like(gen_err(b, NULL, NULL), "not available in the current environment",
                     "--cap-add %s, which this process lacks → error", berth_oci_cap_name(missing));
                s = gen("{'Cmd': ['sh'], 'HostConfig': {'Privileged': true}}", NULL);
                ok(!has(at(s, "process.capabilities.bounding"), berth_oci_cap_name(missing)),
                   "… and --privileged does not ask for it");
                json_decref(s);
        } else {
                for (int k = 0; k < 2; k++)
                        printf("ok %d - a capability this process lacks # skip none lacking\n",
                               ++tap_count);
        }

        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'CapAdd': ['FOO']}}", NULL, NULL),
             "unknown capability: \"CAP_FOO\"", "unknown capability → docker's error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'CapDrop': ['cap_bogus']}}", NULL, NULL),
             "unknown capability: \"CAP_BOGUS\"", "… in CapDrop too");
}

static void test_privileged(void)
{
        json_t *s = gen("{'Cmd': ['sh'], 'HostConfig': {'Privileged': true}}", NULL);
        ok(s != NULL, "--privileged makes a config");
        if (s == NULL)
                return;
        ok(has(at(s, "process.capabilities.bounding"), "CAP_SYS_ADMIN") &&
               has(at(s, "process.capabilities.bounding"), "CAP_SYS_MODULE") &&
               has(at(s, "process.capabilities.effective"), "CAP_SYS_BOOT"),
           "--privileged has every capability");
        ok(json_array_size(at(s, "process.capabilities.bounding")) >= 38, "… all of them (%zu)",
           json_array_size(at(s, "process.capabilities.bounding")));
        ok(at(s, "linux.seccomp") == NULL, "… no seccomp");
        ok(at(s, "linux.maskedPaths") == NULL && at(s, "linux.readonlyPaths") == NULL,
           "… no masked or read-only paths");
        ok(!has(at(mount_at(s, "/sys"), "options"), "ro"), "… /sys writable");
        ok(!has(at(mount_at(s, "/sys/fs/cgroup"), "options"), "ro"), "… cgroupfs writable");
        ok(json_is_true(at(s, "linux.resources.devices.0.allow")) &&
               json_array_size(at(s, "linux.resources.devices")) == 1,
           "… every device allowed");
        size_t i;
        json_t *d;
        bool null_dev = false;
        json_array_foreach (at(s, "linux.devices"), i, d)
                null_dev |= strcmp(str_at(d, "path"), "/dev/null") == 0;
        ok(null_dev, "… the host's devices are created (%zu)",
           json_array_size(at(s, "linux.devices")));
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'HostConfig': {'Privileged': true, 'SecurityOpt': "
                "['seccomp={\\'defaultAction\\': \\'SCMP_ACT_ALLOW\\', \\'syscalls\\': "
                "[{\\'names\\': [\\'kexec_load\\'], \\'action\\': \\'SCMP_ACT_ERRNO\\'}]}']}}",
                NULL);
        is_str(str_at(s, "linux.seccomp.syscalls.0.names.0"), "kexec_load",
               "--privileged with an explicit seccomp profile keeps it");
        json_decref(s);
}

static void test_security_opts(void)
{
        json_t *s =
            gen("{'Cmd': ['sh'], 'HostConfig': {'SecurityOpt': ['no-new-privileges']}}", NULL);
        ok(json_is_true(at(s, "process.noNewPrivileges")), "--security-opt no-new-privileges");
        json_decref(s);
        s = gen("{'Cmd': ['sh'], 'HostConfig': {'SecurityOpt': ['no-new-privileges:true']}}", NULL);
        ok(json_is_true(at(s, "process.noNewPrivileges")), "no-new-privileges:true");
        json_decref(s);
        s = gen("{'Cmd': ['sh'], 'HostConfig': {'SecurityOpt': ['no-new-privileges=false']}}",
                NULL);
        ok(at(s, "process.noNewPrivileges") == NULL, "no-new-privileges=false");
        json_decref(s);
        s = gen("{'Cmd': ['sh'], 'HostConfig': {'SecurityOpt': ['seccomp=unconfined', "
                "'apparmor=unconfined', 'label=disable', 'label=type:svirt_apache_t']}}",
                NULL);
        ok(s && at(s, "linux.seccomp") == NULL, "seccomp=unconfined: no filter");
        ok(s != NULL, "apparmor=… and label=… are accepted (and ignored)");
        json_decref(s);
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'SecurityOpt': ['bogus=1']}}", NULL, NULL),
             "invalid --security-opt 2: \"bogus=1\"", "unknown security option → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'SecurityOpt': ['nonsense']}}", NULL, NULL),
             "invalid --security-opt 1: \"nonsense\"", "malformed security option → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'SecurityOpt': ['no-new-privileges=maybe']}}",
                     NULL, NULL),
             "invalid --security-opt 2", "no-new-privileges=maybe → error");

        /* A docker-format profile, as `--security-opt seccomp=file.json` sends it. */
        s = gen("{'Cmd': ['sh'], 'HostConfig': {'CapAdd': ['NET_ADMIN'], 'SecurityOpt': "
                "['seccomp={\\'defaultAction\\': \\'SCMP_ACT_ERRNO\\', \\'archMap\\': "
                "[{\\'architecture\\': \\'SCMP_ARCH_X86_64\\', \\'subArchitectures\\': "
                "[\\'SCMP_ARCH_X86\\']}, {\\'architecture\\': \\'SCMP_ARCH_AARCH64\\', "
                "\\'subArchitectures\\': [\\'SCMP_ARCH_ARM\\']}], \\'syscalls\\': ["
                "{\\'names\\': [\\'read\\', \\'write\\'], \\'action\\': \\'SCMP_ACT_ALLOW\\'},"
                "{\\'name\\': \\'mount\\', \\'action\\': \\'SCMP_ACT_ALLOW\\', \\'includes\\': "
                "{\\'caps\\': [\\'CAP_SYS_ADMIN\\']}},"
                "{\\'name\\': \\'sethostname\\', \\'action\\': \\'SCMP_ACT_ALLOW\\', "
                "\\'includes\\': {\\'caps\\': [\\'CAP_NET_ADMIN\\']}},"
                "{\\'names\\': [\\'kill\\'], \\'action\\': \\'SCMP_ACT_ALLOW\\', \\'excludes\\': "
                "{\\'caps\\': [\\'CAP_NET_ADMIN\\']}},"
                "{\\'names\\': [\\'uname\\'], \\'action\\': \\'SCMP_ACT_ALLOW\\', \\'includes\\': "
                "{\\'minKernel\\': \\'3.0\\', \\'arches\\': [\\'amd64\\']}}]}']}}",
                NULL);
        ok(s != NULL, "seccomp=<docker-format profile> is taken");
        is_str(joined(at(s, "linux.seccomp.architectures")), "SCMP_ARCH_X86_64,SCMP_ARCH_X86",
               "… archMap gives the native architecture and its sub-architectures");
        ok(seccomp_allows(s, "read") && seccomp_allows(s, "write"), "… plain rules kept");
        ok(!seccomp_rule(s, "mount"), "… a rule for CAP_SYS_ADMIN dropped without it");
        ok(seccomp_allows(s, "sethostname"), "… a rule for CAP_NET_ADMIN kept with it ('name')");
        ok(!seccomp_rule(s, "kill"), "… excludes caps drops a rule");
        ok(seccomp_allows(s, "uname"), "… includes minKernel and arches");
        ok(seccomp_rule(s, "mount") == NULL && at(s, "linux.seccomp.syscalls.0.includes") == NULL,
           "… no docker-only keys left");
        json_decref(s);

        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'SecurityOpt': ['seccomp={not json']}}", NULL,
                     NULL),
             "decoding seccomp profile failed", "bad seccomp JSON → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'SecurityOpt': ['seccomp={\\'defaultAction\\':"
                     " \\'SCMP_ACT_FOO\\'}']}}",
                     NULL, NULL),
             "linux.seccomp.defaultAction: unknown seccomp action 'SCMP_ACT_FOO'",
             "unknown seccomp action → error naming it");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'SecurityOpt': ['seccomp={\\'defaultAction\\':"
                     " \\'SCMP_ACT_ERRNO\\', \\'syscalls\\': [{\\'name\\': \\'a\\', \\'names\\': "
                     "[\\'b\\'], \\'action\\': \\'SCMP_ACT_ALLOW\\'}]}']}}",
                     NULL, NULL),
             "both 'name' and 'names'", "'name' with 'names' → error");
        s = gen("{'Cmd': ['sh'], 'HostConfig': {'SecurityOpt': ['seccomp={}']}}", NULL);
        ok(s && at(s, "linux.seccomp") == NULL, "an empty profile means no filter (as docker)");
        json_decref(s);
}

static void test_command(void)
{
        const char *img = "{'Entrypoint': ['/entry.sh', '--flag'], 'Cmd': ['default-arg'], "
                          "'Env': ['PATH=/custom/bin', 'A=1', 'B=2'], 'WorkingDir': '/srv', "
                          "'User': 'app'}";
        json_t *s = gen("{'Cmd': ['x', 'y']}", img);
        is_str(joined(at(s, "process.args")), "/entry.sh,--flag,x,y",
               "image Entrypoint + body Cmd");
        is_str(str_at(s, "process.cwd"), "/srv", "image WorkingDir");
        is_int(int_at(s, "process.user.uid"), 1000, "image User");
        json_decref(s);

        s = gen("{}", img);
        is_str(joined(at(s, "process.args")), "/entry.sh,--flag,default-arg",
               "image Entrypoint + image Cmd");
        json_decref(s);

        s = gen("{'Entrypoint': ['/bin/other']}", img);
        is_str(joined(at(s, "process.args")), "/bin/other",
               "a body Entrypoint resets the image Cmd");
        json_decref(s);

        s = gen("{'Entrypoint': '/bin/one-string'}", img);
        is_str(joined(at(s, "process.args")), "/bin/one-string",
               "an Entrypoint given as a string is one word");
        json_decref(s);

        s = gen("{'Entrypoint': [''], 'Cmd': ['ls', '-l']}", img);
        is_str(joined(at(s, "process.args")), "ls,-l", "--entrypoint '' runs the Cmd alone");
        json_decref(s);

        like(gen_err("{'Entrypoint': ['']}", img, NULL), "no command specified",
             "--entrypoint '' and no Cmd → no command");
        like(gen_err("{}", NULL, NULL), "no command specified", "no command at all → error");

        s = gen("{'Env': ['B=3', 'C=4'], 'Cmd': ['sh']}", img);
        is_str(joined(at(s, "process.env")), "PATH=/custom/bin,HOSTNAME=4f2c1d9e8b7a,B=3,C=4,A=1",
               "env: image PATH replaces the default, body wins over image");
        json_decref(s);

        s = gen("{'Env': ['PATH', 'X=1'], 'Cmd': ['sh'], 'Tty': true}", NULL);
        is_str(joined(at(s, "process.env")), "HOSTNAME=4f2c1d9e8b7a,TERM=xterm,X=1",
               "TERM=xterm with a tty; a bare NAME unsets it");
        ok(json_is_true(at(s, "process.terminal")), "Tty → terminal");
        json_decref(s);

        s = gen("{'Env': ['TERM=dumb'], 'Cmd': ['sh'], 'Tty': true, 'HostConfig': "
                "{'ConsoleSize': [40, 120]}}",
                NULL);
        ok(has(at(s, "process.env"), "TERM=dumb") && !has(at(s, "process.env"), "TERM=xterm"),
           "the container's TERM wins");
        is_int(int_at(s, "process.consoleSize.width"), 120, "ConsoleSize → consoleSize");
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'WorkingDir': '/work/dir'}", img);
        is_str(str_at(s, "process.cwd"), "/work/dir", "body WorkingDir wins");
        json_decref(s);
        like(gen_err("{'Cmd': ['sh'], 'WorkingDir': 'rel/dir'}", NULL, NULL),
             "the working directory 'rel/dir' is invalid, it needs to be an absolute path",
             "relative WorkingDir → docker's error");

        s = gen("{'Cmd': ['sh'], 'Hostname': 'web', 'Domainname': 'example.org'}", NULL);
        is_str(str_at(s, "hostname"), "web", "Hostname");
        is_str(str_at(s, "domainname"), "example.org", "Domainname");
        ok(has(at(s, "process.env"), "HOSTNAME=web"), "HOSTNAME env follows it");
        json_decref(s);

        like(gen_err("{'Cmd': 'sh', 'HostConfig': {'Memory': 'lots'}}", NULL, NULL),
             "HostConfig.Memory: expected an integer, got string", "wrong JSON type → error");
        like(gen_err("{'Cmd': ['sh', 3]}", NULL, NULL), "Cmd[1]: expected a string",
             "non-string Cmd word → error");
}

static void test_user(void)
{
        json_t *s = gen("{'Cmd': ['sh'], 'User': 'nobody'}", NULL);
        is_int(int_at(s, "process.user.uid"), 65534, "-u nobody: uid from /etc/passwd");
        is_int(int_at(s, "process.user.gid"), 65534, "… gid from /etc/passwd");
        is_str(joined(at(s, "process.user.additionalGids")), "65534,29",
               "… groups: its own and those listing it in /etc/group");
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'User': 'app'}", NULL);
        is_str(joined(at(s, "process.user.additionalGids")), "1000,29,44",
               "-u app (an entry with spaces around it): groups 1000, audio, video");
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'User': '1000'}", NULL);
        is_int(int_at(s, "process.user.gid"), 1000, "-u 1000 finds app's entry");
        is_str(joined(at(s, "process.user.additionalGids")), "1000,29,44", "… and its groups");
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'User': 'app:staff'}", NULL);
        is_int(int_at(s, "process.user.gid"), 50, "-u app:staff: gid of staff");
        is_str(joined(at(s, "process.user.additionalGids")), "50",
               "… and no supplementary groups (docker's rule)");
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'User': '4321'}", NULL);
        is_int(int_at(s, "process.user.uid"), 4321, "-u 4321 (not in passwd) is fine");
        is_int(int_at(s, "process.user.gid"), 0, "… gid 0");
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'User': '4321:777'}", NULL);
        is_int(int_at(s, "process.user.gid"), 777, "-u 4321:777");
        json_decref(s);

        s = gen("{'Cmd': ['sh']}", NULL);
        is_int(int_at(s, "process.user.uid"), 0, "no user: root");
        is_str(joined(at(s, "process.user.additionalGids")), "0", "… root's groups");
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'User': 'app', 'HostConfig': {'GroupAdd': ['staff', '12345']}}",
                NULL);
        is_str(joined(at(s, "process.user.additionalGids")), "1000,29,44,50,12345",
               "--group-add staff --group-add 12345");
        json_decref(s);

        like(gen_err("{'Cmd': ['sh'], 'User': 'foo'}", NULL, NULL),
             "unable to find user foo: no matching entries in passwd file",
             "unknown user → docker's error");
        like(gen_err("{'Cmd': ['sh'], 'User': 'app:nogrp'}", NULL, NULL),
             "unable to find group nogrp: no matching entries in group file",
             "unknown group → docker's error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'GroupAdd': ['nosuch']}}", NULL, NULL),
             "unable to find group nosuch", "unknown --group-add → error");
        like(gen_err("{'Cmd': ['sh'], 'User': '-5'}", NULL, NULL),
             "uids and gids must be in range 0-2147483647", "negative uid → error");

        gen_opts o = {.rootfs = nofiles};
        berth_error err = {0};
        s = gen_with("{'Cmd': ['sh'], 'User': '1234:5678'}", NULL, &o, &err);
        is_int(int_at(s, "process.user.uid"), 1234, "no /etc/passwd: a numeric user is fine");
        json_decref(s);
        like(gen_err("{'Cmd': ['sh'], 'User': 'app'}", NULL, &o),
             "unable to find user app: no matching entries in passwd file",
             "no /etc/passwd: a name is not found");

        /* /etc/passwd -> <host tmp>/outside-passwd: read inside the rootfs. */
        o.rootfs = hostile;
        like(gen_err("{'Cmd': ['sh'], 'User': 'evil'}", NULL, &o), "unable to find user evil",
             "a symlinked /etc/passwd pointing out of the rootfs does not read the host file");
        s = gen_with("{'Cmd': ['sh'], 'User': 'inner'}", NULL, &o, &err);
        is_int(int_at(s, "process.user.uid"), 77, "… it reads the file of that path in the rootfs");
        json_decref(s);
        /* /etc/group -> ../../../../etc/passwd: the rootfs's, itself a link to "inner". */
        s = gen_with("{'Cmd': ['sh'], 'User': '0', 'HostConfig': {'GroupAdd': ['inner']}}", NULL,
                     &o, &err);
        is_str(joined(at(s, "process.user.additionalGids")), "0,77",
               "… a ../../.. link for /etc/group stays in the rootfs too");
        json_decref(s);

        o.rootfs = fifo_root;
        like(gen_err("{'Cmd': ['sh'], 'User': 'app'}", NULL, &o),
             "cannot read the container's /etc/passwd: '/etc/passwd' is not a regular file",
             "a FIFO /etc/passwd is refused, not waited on, naming it");
        like(gen_err("{'Cmd': ['sh'], 'User': '1000'}", NULL, &o), "not a regular file",
             "… for a numeric user too (its entry gives the group)");
        _cleanup_free_ char *fpw = berth_xasprintf("%s/etc/passwd", fifo_root);
        unlink(fpw);
        write_file(fifo_root, "etc/passwd", "app:x:1000:1000::/:/bin/sh\n");
        like(gen_err("{'Cmd': ['sh'], 'User': 'app'}", NULL, &o),
             "cannot read the container's /etc/group: '/etc/group' is not a regular file",
             "a FIFO /etc/group likewise");

        o.rootfs = dev_root;
        if (geteuid() == 0)
                like(gen_err("{'Cmd': ['sh'], 'User': 'app'}", NULL, &o),
                     "'/etc/passwd' is not a regular file",
                     "/etc/passwd -> the root's /dev/zero node: refused, never read");
        else
                like(gen_err("{'Cmd': ['sh'], 'User': 'app'}", NULL, &o),
                     "unable to find user app: no matching entries in passwd file",
                     "/etc/passwd -> /dev/zero, none in the root: no entries");
        o.rootfs = big_root;
        like(gen_err("{'Cmd': ['sh'], 'User': 'app'}", NULL, &o),
             "'/etc/passwd' is larger than 16777216 bytes", "a 17 MiB /etc/passwd is refused");
}

static void test_namespaces(void)
{
        char host[256] = "";
        gethostname(host, sizeof(host));
        json_t *s = gen("{'Cmd': ['sh'], 'HostConfig': {'NetworkMode': 'host'}}", NULL);
        ok(!has_ns(s, "network") && has_ns(s, "uts"), "--network host: the host's netns");
        is_str(str_at(s, "hostname"), host, "… and the host's name");
        ok(at(s, "linux.sysctl") == NULL, "… no network sysctls");
        json_decref(s);

        static const char *const own[] = {"none", "default", "bridge", ""};
        for (size_t i = 0; i < ARRAY_SIZE(own); i++) {
                _cleanup_free_ char *b =
                    berth_xasprintf("{'Cmd': ['sh'], 'HostConfig': {'NetworkMode': '%s'}}", own[i]);
                s = gen(b, NULL);
                ok(has_ns(s, "network"), "--network '%s': a new netns", own[i]);
                json_decref(s);
        }

        s = gen("{'Cmd': ['sh'], 'HostConfig': {'IpcMode': 'host', 'PidMode': 'host', "
                "'UTSMode': 'host', 'CgroupnsMode': 'host'}}",
                NULL);
        ok(!has_ns(s, "ipc") && !has_ns(s, "pid") && !has_ns(s, "uts") && !has_ns(s, "cgroup"),
           "--ipc host --pid host --uts host --cgroupns host");
        ok(at(s, "hostname") == NULL, "… no hostname with the host's uts");
        is_str(str_at(mount_at(s, "/dev/shm"), "source"), "/dev/shm",
               "… the host's /dev/shm with --ipc host");
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'HostConfig': {'IpcMode': 'none', 'CgroupnsMode': 'private'}}",
                NULL);
        ok(has_ns(s, "ipc") && mount_at(s, "/dev/shm") == NULL, "--ipc none: no /dev/shm");
        ok(has_ns(s, "cgroup"), "--cgroupns private");
        json_decref(s);

        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'PidMode': 'weird'}}", NULL, NULL),
             "invalid PID mode: weird", "bad pid mode → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'CgroupnsMode': 'x'}}", NULL, NULL),
             "invalid cgroup namespace mode: x", "bad cgroupns mode → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'NetworkMode': 'container:abc'}}", NULL, NULL),
             "not supported", "container:… modes are refused, not ignored");

        s = gen("{'Cmd': ['sh'], 'HostConfig': {'Sysctls': {'net.core.somaxconn': '1024', "
                "'kernel.shmmax': '1000000'}}}",
                NULL);
        is_str(json_string_value(json_object_get(at(s, "linux.sysctl"), "net.core.somaxconn")),
               "1024", "--sysctl net.core.somaxconn");
        json_decref(s);
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'Sysctls': {'kernel.panic': '1'}}}", NULL,
                     NULL),
             "sysctl \"kernel.panic\" is not allowed", "a host-wide sysctl → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'NetworkMode': 'host', 'Sysctls': "
                     "{'net.core.somaxconn': '1'}}}",
                     NULL, NULL),
             "not allowed in the host's network namespace", "net.* with --network host → error");

        s = gen("{'Cmd': ['sh'], 'HostConfig': {'Annotations': {'org.example/a': 'b'}}}", NULL);
        is_str(json_string_value(json_object_get(at(s, "annotations"), "org.example/a")), "b",
               "--annotation");
        json_decref(s);

        berth_error err = {0};
        gen_opts o = {.cgroup_parent = "/custom/"};
        s = gen_with("{'Cmd': ['sh']}", NULL, &o, &err);
        is_str(str_at(s, "linux.cgroupsPath"), "/custom/" ID, "cgroup_parent /custom/");
        json_decref(s);
        s = gen("{'Cmd': ['sh'], 'HostConfig': {'CgroupParent': 'mygroup'}}", NULL);
        is_str(str_at(s, "linux.cgroupsPath"), "/mygroup/" ID, "--cgroup-parent mygroup");
        json_decref(s);
}

static void test_limits(void)
{
        json_t *s = gen("{'Cmd': ['sh'], 'HostConfig': {'Memory': 67108864, "
                        "'MemoryReservation': 33554432, 'NanoCpus': 1500000000, 'CpuShares': 512, "
                        "'CpusetCpus': '0', 'CpusetMems': '0', 'PidsLimit': 100, "
                        "'BlkioWeight': 300, 'OomKillDisable': true, 'OomScoreAdj': 500, "
                        "'ShmSize': 134217728, 'Ulimits': [{'Name': 'nofile', 'Soft': 1024, "
                        "'Hard': 2048}, {'Name': 'core', 'Soft': -1, 'Hard': -1}]}}",
                        NULL);
        ok(s != NULL, "a run with every limit makes a config");
        if (s == NULL)
                return;
        is_int(int_at(s, "linux.resources.memory.limit"), 67108864, "-m 64m");
        is_int(int_at(s, "linux.resources.memory.swap"), 134217728,
               "… memory+swap defaults to twice the memory");
        is_int(int_at(s, "linux.resources.memory.reservation"), 33554432, "--memory-reservation");
        ok(json_is_true(at(s, "linux.resources.memory.disableOOMKiller")), "--oom-kill-disable");
        is_int(int_at(s, "linux.resources.cpu.quota"), 150000, "--cpus 1.5: quota 150000…");
        is_int(int_at(s, "linux.resources.cpu.period"), 100000, "… over a 100000 period");
        is_int(int_at(s, "linux.resources.cpu.shares"), 512, "--cpu-shares");
        is_str(str_at(s, "linux.resources.cpu.cpus"), "0", "--cpuset-cpus");
        is_str(str_at(s, "linux.resources.cpu.mems"), "0", "--cpuset-mems");
        is_int(int_at(s, "linux.resources.pids.limit"), 100, "--pids-limit 100");
        is_int(int_at(s, "linux.resources.blockIO.weight"), 300, "--blkio-weight");
        is_int(int_at(s, "process.oomScoreAdj"), 500, "--oom-score-adj");
        ok(has(at(mount_at(s, "/dev/shm"), "options"), "size=134217728"), "--shm-size 128m");
        is_str(str_at(s, "process.rlimits.0.type"), "RLIMIT_NOFILE", "--ulimit nofile…");
        is_int(int_at(s, "process.rlimits.0.soft"), 1024, "… soft");
        is_int(int_at(s, "process.rlimits.0.hard"), 2048, "… hard");
        ok(int_at(s, "process.rlimits.1.hard") == INT64_MAX, "--ulimit core=-1: no limit");
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'HostConfig': {'Memory': 67108864, 'MemorySwap': -1, "
                "'CpuQuota': 20000, 'CpuPeriod': 50000, 'PidsLimit': 0}}",
                NULL);
        ok(at(s, "linux.resources.memory.swap") == NULL, "--memory-swap -1: no swap limit");
        is_int(int_at(s, "linux.resources.cpu.quota"), 20000, "--cpu-quota");
        is_int(int_at(s, "linux.resources.cpu.period"), 50000, "--cpu-period");
        is_int(int_at(s, "linux.resources.pids.limit"), -1, "--pids-limit 0: unlimited");
        json_decref(s);
        s = gen("{'Cmd': ['sh'], 'HostConfig': {'PidsLimit': -1}}", NULL);
        is_int(int_at(s, "linux.resources.pids.limit"), -1, "--pids-limit -1: unlimited");
        json_decref(s);

        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'Memory': 1048576}}", NULL, NULL),
             "minimum memory limit allowed is 6MB", "-m 1m → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'Memory': 67108864, 'MemorySwap': 1000}}",
                     NULL, NULL),
             "memoryswap limit should be larger", "swap below memory → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'NanoCpus': 1000000000, 'CpuPeriod': 1000}}",
                     NULL, NULL),
             "nano cpus and cpu period cannot both be set", "--cpus with --cpu-period → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'BlkioWeight': 5}}", NULL, NULL),
             "range of blkio weight is from 10 to 1000", "bad blkio weight → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'OomScoreAdj': 2000}}", NULL, NULL),
             "range for oom score adj is [-1000, 1000]", "bad oom score adj → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'Ulimits': [{'Name': 'bogus', 'Soft': 1, "
                     "'Hard': 1}]}}",
                     NULL, NULL),
             "invalid ulimit type: bogus", "bad ulimit → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'Ulimits': [{'Name': 'nofile', 'Soft': 10, "
                     "'Hard': 1}]}}",
                     NULL, NULL),
             "soft limit must be less than or equal to hard limit", "soft > hard → error");
}

static void test_devices(void)
{
        json_t *s = gen("{'Cmd': ['sh'], 'HostConfig': {'Devices': [{'PathOnHost': '/dev/null', "
                        "'PathInContainer': '/dev/mynull', 'CgroupPermissions': 'rw'}], "
                        "'DeviceCgroupRules': ['c 42:* rmw', 'b *:* m']}}",
                        NULL);
        ok(s != NULL, "--device /dev/null:/dev/mynull:rw makes a config");
        if (s == NULL)
                return;
        json_t *d = at(s, "linux.devices.0");
        is_str(str_at(d, "path"), "/dev/mynull", "… the node is made at /dev/mynull");
        is_str(str_at(d, "type"), "c", "… a char device");
        ok(int_at(d, "major") == 1 && int_at(d, "minor") == 3, "… 1:3 as on the host");
        json_t *rules = at(s, "linux.resources.devices");
        size_t n = json_array_size(rules);
        ok(n == 11, "deny all, 7 defaults, the device, 2 rules (%zu)", n);
        json_t *r = json_array_get(rules, 8);
        ok(json_is_true(at(r, "allow")) && int_at(r, "major") == 1 && int_at(r, "minor") == 3 &&
               strcmp(str_at(r, "access"), "rw") == 0,
           "… the device allowed with its permissions");
        r = json_array_get(rules, 9);
        ok(int_at(r, "major") == 42 && int_at(r, "minor") == -1 &&
               strcmp(str_at(r, "access"), "rmw") == 0,
           "--device-cgroup-rule 'c 42:* rmw'");
        json_decref(s);

        s = gen("{'Cmd': ['sh'], 'HostConfig': {'Devices': [{'PathOnHost': '/dev/zero'}]}}", NULL);
        is_str(str_at(s, "linux.devices.0.path"), "/dev/zero",
               "--device /dev/zero: same path inside");
        is_str(str_at(s, "linux.resources.devices.8.access"), "rwm", "… rwm by default");
        json_decref(s);

        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'Devices': [{'PathOnHost': "
                     "'/dev/does-not-exist', 'PathInContainer': '/dev/x'}]}}",
                     NULL, NULL),
             "error gathering device information while adding custom device "
             "\"/dev/does-not-exist\"",
             "a device that does not exist → error");
        like(
            gen_err("{'Cmd': ['sh'], 'HostConfig': {'Devices': [{'PathOnHost': '/etc/hostname'}]}}",
                    NULL, NULL),
            "not a device node", "a regular file as device → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'Devices': [{'PathOnHost': '/dev/null', "
                     "'CgroupPermissions': 'rwx'}]}}",
                     NULL, NULL),
             "invalid device permissions 'rwx'", "bad permissions → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'DeviceCgroupRules': ['c 1 rwm']}}", NULL,
                     NULL),
             "invalid device cgroup rule format: 'c 1 rwm'", "bad cgroup rule → error");
}

static void test_init_and_mounts(void)
{
        berth_error err = {0};
        gen_opts o = {.init_path = "/usr/libexec/berth/berth-init"};
        json_t *s =
            gen_with("{'Cmd': ['sleep', '5'], 'HostConfig': {'Init': true}}", NULL, &o, &err);
        is_str(joined(at(s, "process.args")), "/sbin/docker-init,--,sleep,5",
               "--init runs the command under /sbin/docker-init --");
        json_t *m = mount_at(s, "/sbin/docker-init");
        is_str(str_at(m, "source"), "/usr/libexec/berth/berth-init", "… bound from init_path");
        ok(m && has(at(m, "options"), "ro") && has(at(m, "options"), "bind"), "… read-only");
        json_decref(s);

        s = gen_with("{'Cmd': ['sleep', '5'], 'HostConfig': {'Init': true, 'PidMode': 'host'}}",
                     NULL, &o, &err);
        is_str(joined(at(s, "process.args")), "sleep,5", "--init with --pid host: no init");
        json_decref(s);
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'Init': true}}", NULL, NULL), "no init binary",
             "--init without an init binary → error");

        o = (gen_opts){.hostname_path = "/var/lib/berth/c/hostname",
                       .hosts_path = "/var/lib/berth/c/hosts",
                       .resolv_path = "/var/lib/berth/c/resolv.conf",
                       .mounts = "[{'Type': 'bind', 'Source': '/srv/data/sub', 'Destination': "
                                 "'/data/sub', 'RW': true, 'Propagation': 'rprivate'},"
                                 "{'Type': 'volume', 'Name': 'v', 'Source': "
                                 "'/var/lib/berth/volumes/v/_data', 'Destination': '/data', "
                                 "'RW': false},"
                                 "{'Type': 'tmpfs', 'Destination': '/scratch', 'RW': true, "
                                 "'TmpfsOptions': {'SizeBytes': 1048576, 'Mode': 448}},"
                                 "{'Type': 'bind', 'Source': '/srv/shm', 'Destination': "
                                 "'/dev/shm//', 'RW': true}]"};
        s = gen_with("{'Cmd': ['sh'], 'HostConfig': {'ReadonlyRootfs': true, 'Tmpfs': {'/run': "
                     "'rw,size=64m,exec'}}}",
                     NULL, &o, &err);
        ok(s != NULL, "mounts of every kind make a config%s%s", s ? "" : ": ", err.msg);
        if (s == NULL)
                return;
        ok(json_is_true(at(s, "root.readonly")), "--read-only: root read-only");
        ok(!has(at(mount_at(s, "/dev/mqueue"), "options"), "ro"), "… mqueue stays writable");
        ok(has(at(mount_at(s, "/etc/hostname"), "options"), "ro"),
           "… the hostname file read-only too");
        m = mount_at(s, "/data");
        is_str(joined(at(m, "options")), "rbind,ro", "a read-only volume: rbind, ro");
        is_str(str_at(m, "source"), "/var/lib/berth/volumes/v/_data", "… from its _data dir");
        m = mount_at(s, "/data/sub");
        is_str(joined(at(m, "options")), "rbind,rprivate", "a bind with its propagation");
        ok(mount_index(s, "/data") < mount_index(s, "/data/sub"),
           "parents are mounted before children");
        m = mount_at(s, "/scratch");
        is_str(joined(at(m, "options")), "noexec,nosuid,nodev,rprivate,mode=700,size=1m",
               "--mount type=tmpfs,tmpfs-size=1m,tmpfs-mode=0700");
        m = mount_at(s, "/run");
        is_str(joined(at(m, "options")), "nosuid,nodev,rprivate,rw,size=64m,exec",
               "--tmpfs /run:rw,size=64m,exec (exec overrides noexec)");
        m = mount_at(s, "/dev/shm");
        is_str(str_at(m, "source"), "/srv/shm", "a user mount on /dev/shm replaces the default");
        m = mount_at(s, "/etc/resolv.conf");
        is_str(str_at(m, "source"), "/var/lib/berth/c/resolv.conf", "/etc/resolv.conf bound");
        ok(mount_at(s, "/etc/hosts") && mount_at(s, "/etc/hostname"),
           "/etc/hosts and /etc/hostname bound");
        json_decref(s);

        o = (gen_opts){.mounts = "[{'Type': 'bind', 'Source': '/srv', 'Destination': 'rel'}]"};
        like(gen_err("{'Cmd': ['sh']}", NULL, &o),
             "Mounts[0]: destination 'rel' is not an absolute",
             "relative mount destination → error");
        o.mounts = "[{'Type': 'npipe', 'Source': '/srv', 'Destination': '/x'}]";
        like(gen_err("{'Cmd': ['sh']}", NULL, &o), "unsupported mount type 'npipe'",
             "unknown mount type → error");
        o.mounts = "[{'Type': 'bind', 'Source': '/srv', 'Destination': '/x', 'Propagation': "
                   "'sideways'}]";
        like(gen_err("{'Cmd': ['sh']}", NULL, &o), "invalid propagation mode 'sideways'",
             "bad propagation → error");
        like(gen_err("{'Cmd': ['sh'], 'HostConfig': {'Tmpfs': {'/run': 'foo=bar'}}}", NULL, NULL),
             "invalid tmpfs option \"foo\"", "bad tmpfs option → error");

        o = (gen_opts){.mounts = "[{'Type': 'bind', 'Source': '/', 'Destination': '/dev'}]"};
        s = gen_with("{'Cmd': ['sh']}", NULL, &o, &err);
        ok(s && mount_at(s, "/dev/pts") == NULL && mount_at(s, "/dev/shm") == NULL &&
               mount_at(s, "/dev/mqueue") == NULL,
           "a user /dev drops the default mounts under it");
        json_decref(s);
}

int main(void)
{
        make_roots();
        test_defaults();
        test_caps();
        test_privileged();
        test_security_opts();
        test_command();
        test_user();
        test_namespaces();
        test_limits();
        test_devices();
        test_init_and_mounts();

        berth_error err = {0};
        berth_rm_rf(tmp, &err);
        return tap_done();
}
