/* SPDX-License-Identifier: Apache-2.0 */
#include "base/cleanup.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "runtime/cgroup-internal.h"
#include "runtime/cgroup.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char fake_root[64];

/* ---- helpers ---- */

static void put(const char *dir, const char *name, const char *content)
{
        _cleanup_free_ char *p = berth_xasprintf("%s/%s", dir, name);
        berth_error err = {0};
        if (berth_write_file(p, content, strlen(content), O_CREAT, &err) < 0)
                printf("# %s\n", err.msg);
}

/* Whole content of dir/name, or "(missing)"; static buffer. */
static const char *get(const char *dir, const char *name)
{
        static char buf[4096];
        _cleanup_free_ char *p = berth_xasprintf("%s/%s", dir, name);
        _cleanup_free_ char *s = NULL;
        berth_error err = {0};
        if (berth_read_file(p, &s, NULL, &err) < 0)
                return "(missing)";
        snprintf(buf, sizeof(buf), "%s", s);
        return buf;
}

static void mkdirs(const char *p)
{
        berth_error err = {0};
        berth_mkdir_p(p, 0755, &err);
}

static bool is_dir(const char *p)
{
        struct stat st;
        return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void make_fake_root(void)
{
        snprintf(fake_root, sizeof(fake_root), "/tmp/berth-cgtest-XXXXXX");
        if (!mkdtemp(fake_root))
                abort();
}

static void rm_fake_root(void)
{
        berth_error err = {0};
        if (fake_root[0])
                berth_rm_rf(fake_root, &err);
        fake_root[0] = '\0';
}

/* ---- path rules ---- */

static void test_paths(void)
{
        berth_error err = {0};
        char *p;
#define PATH_IS(in, id, sd, want)                                                                  \
        do {                                                                                       \
                p = berth_cgroup_path_for(in, id, sd, &err);                                       \
                is_str(p, want, "path_for(%s, %s, %d)", in ? in : "NULL", id, sd);                 \
                free(p);                                                                           \
        } while (0)
        PATH_IS(NULL, "c1", false, "/berth/c1");
        PATH_IS("/a/b", "c1", false, "/a/b");
        PATH_IS("a/b", "c1", false, "/a/b");
        PATH_IS("/a//b/./c/", "c1", false, "/a/b/c");
        PATH_IS("system.slice:berth:c1", "c1", true, "/system.slice/berth-c1.scope");
        PATH_IS("a-b-c.slice:pfx:c1", "c1", true, "/a.slice/a-b.slice/a-b-c.slice/pfx-c1.scope");
        PATH_IS("-.slice:pfx:c1", "c1", true, "/pfx-c1.scope");
        PATH_IS(":pfx:c1", "c1", true, "/system.slice/pfx-c1.scope");
        PATH_IS("user.slice::c1", "c1", true, "/user.slice/c1.scope");
        p = berth_cgroup_path_for("/a/../../etc", "c1", false, &err);
        ok(p == NULL && strstr(err.msg, ".."), "'..' refused: %s", err.msg);
        p = berth_cgroup_path_for("..", "c1", false, &err);
        ok(p == NULL, "bare '..' refused");
        p = berth_cgroup_path_for(NULL, "../x", false, &err);
        ok(p == NULL, "id with '/' refused");
        p = berth_cgroup_path_for("nocolons", "c1", true, &err);
        ok(p == NULL && strstr(err.msg, "slice:prefix:name"), "bad systemd form refused");
        p = berth_cgroup_path_for("a--b.slice:p:c", "c1", true, &err);
        ok(p == NULL, "bad slice name refused");
}

/* ---- fake cgroup v2 ---- */

static const char *v2_leaf_files[] = {
    "cgroup.controllers",
    "cgroup.subtree_control",
    "cgroup.procs",
    "cgroup.freeze",
    "cgroup.events",
    "memory.max",
    "memory.low",
    "memory.swap.max",
    "memory.high",
    "cpu.weight",
    "cpu.max",
    "cpuset.cpus",
    "cpuset.mems",
    "pids.max",
    "io.weight",
    "io.max",
    "hugetlb.2MB.max",
    "memory.current",
    "memory.stat",
    "cpu.stat",
    "io.stat",
    "memory.events",
    "memory.swap.current",
    "pids.current",
    "memory.peak",
};

static void make_v2_tree(void)
{
        make_fake_root();
        const char *ctl = "cpuset cpu io memory hugetlb pids\n";
        put(fake_root, "cgroup.controllers", ctl);
        put(fake_root, "cgroup.subtree_control", "");
        _cleanup_free_ char *mid = berth_xasprintf("%s/berth", fake_root);
        _cleanup_free_ char *leaf = berth_xasprintf("%s/berth/c1", fake_root);
        mkdirs(leaf);
        put(mid, "cgroup.controllers", ctl);
        put(mid, "cgroup.subtree_control", "");
        for (size_t i = 0; i < ARRAY_SIZE(v2_leaf_files); i++)
                put(leaf, v2_leaf_files[i], "");
        put(leaf, "cgroup.events", "populated 0\nfrozen 0\n");
}

static oci_blkio_device dev_8_0(uint64_t rate)
{
        return (oci_blkio_device){.major = 8, .minor = 0, .rate = rate};
}

static void test_v2_fake(void)
{
        make_v2_tree();
        berth_cgroup_set_root(fake_root, BERTH_CGROUP_UNIFIED);
        _cleanup_free_ char *leaf = berth_xasprintf("%s/berth/c1", fake_root);
        berth_error err = {0};

        oci_blkio_device rbps = dev_8_0(1048576), wbps = dev_8_0(2097152), riops = dev_8_0(100),
                         wiops = dev_8_0(200);
        oci_blkio_device wdev = {.major = 8, .minor = 16, .weight = {true, 500}};
        oci_hugepage_limit hp = {.pagesize = "2MB", .limit = 4194304};
        oci_kv uni = {.key = "memory.high", .value = "30000000"};
        oci_resources res = {0};
        res.memory.limit = (oci_opt_i64){true, 33554432};
        res.memory.reservation = (oci_opt_i64){true, 16777216};
        res.memory.swap = (oci_opt_i64){true, 67108864};
        res.cpu.shares = (oci_opt_u64){true, 1024};
        res.cpu.quota = (oci_opt_i64){true, 50000};
        res.cpu.period = (oci_opt_u64){true, 100000};
        res.cpu.cpus = "0-1";
        res.cpu.mems = "0";
        res.pids.limit = (oci_opt_i64){true, 10};
        res.blkio.weight = (oci_opt_u64){true, 500};
        res.blkio.weight_device = &wdev;
        res.blkio.n_weight_device = 1;
        res.blkio.throttle_read_bps = &rbps;
        res.blkio.n_throttle_read_bps = 1;
        res.blkio.throttle_write_bps = &wbps;
        res.blkio.n_throttle_write_bps = 1;
        res.blkio.throttle_read_iops = &riops;
        res.blkio.n_throttle_read_iops = 1;
        res.blkio.throttle_write_iops = &wiops;
        res.blkio.n_throttle_write_iops = 1;
        res.hugepage_limits = &hp;
        res.n_hugepage_limits = 1;
        res.unified = &uni;
        res.n_unified = 1;

        berth_cgroup *cg = NULL;
        int r = berth_cgroup_create("/berth/c1", &res, &cg, &err);
        ok(r == 0, "v2 fake: create: %s", err.msg);
        if (r < 0) {
                rm_fake_root();
                return;
        }
        is_str(get(fake_root, "cgroup.subtree_control"), "+cpuset +cpu +io +memory +hugetlb +pids",
               "v2: controllers enabled at the root");
        _cleanup_free_ char *mid = berth_xasprintf("%s/berth", fake_root);
        is_str(get(mid, "cgroup.subtree_control"), "+cpuset +cpu +io +memory +hugetlb +pids",
               "v2: controllers enabled in the parent");
        is_str(get(leaf, "cgroup.subtree_control"), "", "v2: leaf subtree_control untouched");
        is_str(get(leaf, "memory.max"), "33554432", "v2: memory.max");
        is_str(get(leaf, "memory.low"), "16777216", "v2: memory.low from reservation");
        is_str(get(leaf, "memory.swap.max"), "33554432", "v2: swap.max = swap - limit");
        is_str(get(leaf, "cpu.weight"), "39", "v2: cpu.weight from shares 1024");
        is_str(get(leaf, "cpu.max"), "50000 100000", "v2: cpu.max");
        is_str(get(leaf, "cpuset.cpus"), "0-1", "v2: cpuset.cpus");
        is_str(get(leaf, "cpuset.mems"), "0", "v2: cpuset.mems");
        is_str(get(leaf, "pids.max"), "10", "v2: pids.max");
        is_str(get(leaf, "io.weight"), "8:16 4950", "v2: io.weight per device, converted");
        is_str(get(leaf, "io.max"), "8:0 rbps=1048576 wbps=2097152 riops=100 wiops=200",
               "v2: io.max one line per device");
        is_str(get(leaf, "hugetlb.2MB.max"), "4194304", "v2: hugetlb.2MB.max");
        is_str(get(leaf, "memory.high"), "30000000", "v2: unified key written verbatim");
        is_str(berth_cgroup_get_path(cg), "/berth/c1", "v2: get_path");

        /* io.weight from the global weight alone. */
        oci_resources u = {0};
        u.blkio.weight = (oci_opt_u64){true, 10};
        ok(berth_cgroup_update(cg, &u, &err) == 0, "v2: update io weight");
        is_str(get(leaf, "io.weight"), "1", "v2: blkio weight 10 -> io.weight 1");
        u.blkio.weight = (oci_opt_u64){true, 1000};
        berth_cgroup_update(cg, &u, &err);
        is_str(get(leaf, "io.weight"), "10000", "v2: blkio weight 1000 -> io.weight 10000");

        /* Update only what is given. */
        u = (oci_resources){0};
        u.pids.limit = (oci_opt_i64){true, 0};
        ok(berth_cgroup_update(cg, &u, &err) == 0, "v2: update pids: %s", err.msg);
        is_str(get(leaf, "pids.max"), "max", "v2: pids 0 -> max");
        is_str(get(leaf, "memory.max"), "33554432", "v2: memory.max untouched by update");
        is_str(get(leaf, "cpu.max"), "50000 100000", "v2: cpu.max untouched by update");

        u = (oci_resources){0};
        u.cpu.quota = (oci_opt_i64){true, -1};
        berth_cgroup_update(cg, &u, &err);
        is_str(get(leaf, "cpu.max"), "max 100000", "v2: quota -1 -> 'max 100000'");
        u = (oci_resources){0};
        u.cpu.shares = (oci_opt_u64){true, 2};
        berth_cgroup_update(cg, &u, &err);
        is_str(get(leaf, "cpu.weight"), "1", "v2: shares 2 -> weight 1");
        u.cpu.shares = (oci_opt_u64){true, 262144};
        berth_cgroup_update(cg, &u, &err);
        is_str(get(leaf, "cpu.weight"), "10000", "v2: shares 262144 -> weight 10000");

        u = (oci_resources){0};
        u.memory.limit = (oci_opt_i64){true, -1};
        u.memory.swap = (oci_opt_i64){true, -1};
        ok(berth_cgroup_update(cg, &u, &err) == 0, "v2: unlimited memory");
        is_str(get(leaf, "memory.max"), "max", "v2: memory -1 -> max");
        is_str(get(leaf, "memory.swap.max"), "max", "v2: swap -1 -> max");
        u.memory.limit = (oci_opt_i64){true, 100};
        u.memory.swap = (oci_opt_i64){true, 50};
        ok(berth_cgroup_update(cg, &u, &err) < 0 && strstr(err.msg, "below"),
           "v2: swap below memory refused: %s", err.msg);
        u = (oci_resources){0};
        u.memory.swap = (oci_opt_i64){true, 50};
        ok(berth_cgroup_update(cg, &u, &err) < 0, "v2: swap without memory limit refused");

        oci_kv bad[] = {{.key = "../../etc/passwd", .value = "x"},
                        {.key = "a/b", .value = "x"},
                        {.key = "memory.nosuch", .value = "1"}};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                u = (oci_resources){0};
                u.unified = &bad[i];
                u.n_unified = 1;
                ok(berth_cgroup_update(cg, &u, &err) < 0, "v2: unified key '%s' refused: %s",
                   bad[i].key, err.msg);
        }

        ok(berth_cgroup_enter(cg, 4242, &err) == 0, "v2: enter");
        is_str(get(leaf, "cgroup.procs"), "4242", "v2: pid written to cgroup.procs");
        pid_t *pids = NULL;
        size_t n = 0;
        ok(berth_cgroup_pids(cg, &pids, &n, &err) == 0 && n == 1 && pids[0] == 4242,
           "v2: pids read back");
        free(pids);

        put(leaf, "cgroup.events", "populated 1\nfrozen 1\n");
        ok(berth_cgroup_freeze(cg, true, &err) == 0, "v2: freeze: %s", err.msg);
        is_str(get(leaf, "cgroup.freeze"), "1", "v2: cgroup.freeze written");
        bool fr = false;
        ok(berth_cgroup_is_frozen(cg, &fr, &err) == 0 && fr, "v2: is_frozen");
        put(leaf, "cgroup.events", "populated 1\nfrozen 0\n");
        ok(berth_cgroup_freeze(cg, false, &err) == 0, "v2: thaw");
        is_str(get(leaf, "cgroup.freeze"), "0", "v2: cgroup.freeze cleared");

        /* Stats from files as the kernel writes them. */
        put(leaf, "memory.current", "1000000\n");
        put(leaf, "memory.max", "max\n");
        put(leaf, "memory.peak", "2000000\n");
        put(leaf, "memory.swap.current", "4096\n");
        put(leaf, "memory.stat",
            "anon 100\nfile 65536\nkernel 5\nactive_file 1000\ninactive_file 4096\n");
        put(leaf, "cpu.stat",
            "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n"
            "nr_periods 10\nnr_throttled 3\nthrottled_usec 42\n");
        put(leaf, "pids.current", "7\n");
        put(leaf, "pids.max", "10\n");
        put(leaf, "io.stat",
            "8:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n"
            "8:16 rbytes=1 wbytes=2 rios=1 wios=1 dbytes=0 dios=0\n");
        put(leaf, "memory.events", "low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n");
        berth_cgroup_stats st;
        ok(berth_cgroup_read_stats(cg, &st, &err) == 0, "v2: stats");
        is_int(st.memory_usage, 1000000, "v2 stats: memory usage");
        is_int(st.memory_limit, 0, "v2 stats: memory limit max -> 0");
        is_int(st.memory_max_usage, 2000000, "v2 stats: memory peak");
        is_int(st.memory_swap_usage, 4096, "v2 stats: swap");
        is_int(st.memory_cache, 65536, "v2 stats: cache = file");
        is_int(st.memory_inactive_file, 4096, "v2 stats: inactive_file");
        is_int(st.cpu_usage_ns, 1500000, "v2 stats: cpu usage ns");
        is_int(st.cpu_user_ns, 1000000, "v2 stats: cpu user ns");
        is_int(st.cpu_system_ns, 500000, "v2 stats: cpu system ns");
        is_int(st.cpu_throttled_periods, 3, "v2 stats: throttled periods");
        is_int(st.cpu_throttled_ns, 42000, "v2 stats: throttled ns");
        is_int(st.pids_current, 7, "v2 stats: pids current");
        is_int(st.pids_limit, 10, "v2 stats: pids limit");
        is_int(st.io_read_bytes, 1025, "v2 stats: io read bytes");
        is_int(st.io_write_bytes, 2050, "v2 stats: io write bytes");
        is_int(st.oom_kill_count, 1, "v2 stats: oom kills");
        berth_cgroup_free(cg);

        /* A failing create removes only what it made. */
        r = berth_cgroup_create("/berth/new/leaf", &res, &cg, &err);
        ok(r < 0, "v2: create with missing files fails: %s", err.msg);
        _cleanup_free_ char *nd = berth_xasprintf("%s/berth/new", fake_root);
        ok(!is_dir(nd), "v2: failed create removed the directories it made");
        ok(is_dir(mid), "v2: failed create kept the pre-existing parent");
        ok(berth_cgroup_create("/berth/../x", NULL, &cg, &err) < 0, "v2: create refuses '..'");

        berth_cgroup_set_root(NULL, 0);
        rm_fake_root();
}

/* ---- fake cgroup v1 (hybrid) ---- */

static void make_v1_tree(void)
{
        static const struct {
                const char *hier, *files;
        } h[] = {
            {"memory",
             "memory.limit_in_bytes memory.soft_limit_in_bytes memory.memsw.limit_in_bytes "
             "memory.swappiness memory.oom_control memory.usage_in_bytes "
             "memory.max_usage_in_bytes memory.memsw.usage_in_bytes memory.stat"},
            {"cpu,cpuacct", "cpu.shares cpu.cfs_quota_us cpu.cfs_period_us cpu.rt_period_us "
                            "cpu.rt_runtime_us cpu.stat cpuacct.usage cpuacct.stat"},
            {"cpuset", "cpuset.cpus cpuset.mems"},
            {"pids", "pids.max pids.current"},
            {"blkio", "blkio.weight blkio.leaf_weight blkio.weight_device "
                      "blkio.throttle.read_bps_device blkio.throttle.write_bps_device "
                      "blkio.throttle.read_iops_device blkio.throttle.write_iops_device "
                      "blkio.throttle.io_service_bytes"},
            {"devices", "devices.allow devices.deny"},
            {"freezer", "freezer.state"},
            {"net_cls,net_prio", "net_cls.classid net_prio.ifpriomap"},
            {"hugetlb", "hugetlb.2MB.limit_in_bytes"},
            {"systemd", ""},
            {"unified", "cgroup.controllers cgroup.subtree_control memory.high"},
        };
        make_fake_root();
        for (size_t i = 0; i < ARRAY_SIZE(h); i++) {
                _cleanup_free_ char *leaf = berth_xasprintf("%s/%s/c1", fake_root, h[i].hier);
                mkdirs(leaf);
                _cleanup_free_ char *copy = berth_xstrdup(h[i].files);
                char *save = NULL;
                for (char *f = strtok_r(copy, " ", &save); f; f = strtok_r(NULL, " ", &save))
                        put(leaf, f, "");
                put(leaf, "cgroup.procs", "");
        }
        _cleanup_free_ char *cs = berth_xasprintf("%s/cpuset", fake_root);
        put(cs, "cpuset.cpus", "0-3\n");
        put(cs, "cpuset.mems", "0\n");
        _cleanup_free_ char *mem = berth_xasprintf("%s/memory/c1", fake_root);
        put(mem, "memory.limit_in_bytes", "9223372036854771712\n");
        /* As on hosts that co-mount: the symlink is not a hierarchy of its own. */
        _cleanup_free_ char *cpu = berth_xasprintf("%s/cpu", fake_root);
        if (symlink("cpu,cpuacct", cpu) < 0)
                printf("# cannot symlink %s\n", cpu);
}

static void test_v1_fake(void)
{
        make_v1_tree();
        berth_cgroup_set_root(fake_root, BERTH_CGROUP_HYBRID);
        berth_error err = {0};
        oci_device_rule rules[] = {
            {.allow = false, .type = 'a', .major = -1, .minor = -1},
            {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},
            {.allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rw"}};
        oci_blkio_device rbps = dev_8_0(1048576);
        oci_blkio_device wdev = {.major = 8, .minor = 16, .weight = {true, 300}};
        oci_hugepage_limit hp = {.pagesize = "2MB", .limit = 2097152};
        oci_kv prio = {.key = "eth0", .value = "5"};
        oci_kv uni = {.key = "memory.high", .value = "max"};
        oci_resources res = {0};
        res.devices = rules;
        res.n_devices = ARRAY_SIZE(rules);
        res.memory.limit = (oci_opt_i64){true, 33554432};
        res.memory.reservation = (oci_opt_i64){true, 16777216};
        res.memory.swap = (oci_opt_i64){true, 67108864};
        res.memory.swappiness = (oci_opt_u64){true, 60};
        res.memory.disable_oom_killer = true;
        res.memory.kernel = (oci_opt_i64){true, 1000}; /* no kmem file: ignored */
        res.cpu.shares = (oci_opt_u64){true, 512};
        res.cpu.quota = (oci_opt_i64){true, 25000};
        res.cpu.period = (oci_opt_u64){true, 50000};
        res.cpu.realtime_period = (oci_opt_u64){true, 1000000};
        res.cpu.realtime_runtime = (oci_opt_i64){true, 950000};
        res.cpu.mems = "0";
        res.pids.limit = (oci_opt_i64){true, -1};
        res.blkio.weight = (oci_opt_u64){true, 500};
        res.blkio.leaf_weight = (oci_opt_u64){true, 400};
        res.blkio.weight_device = &wdev;
        res.blkio.n_weight_device = 1;
        res.blkio.throttle_read_bps = &rbps;
        res.blkio.n_throttle_read_bps = 1;
        res.hugepage_limits = &hp;
        res.n_hugepage_limits = 1;
        res.network.class_id = (oci_opt_u64){true, 0x100001};
        res.network.priorities = &prio;
        res.network.n_priorities = 1;
        res.unified = &uni;
        res.n_unified = 1;

        berth_cgroup *cg = NULL;
        int r = berth_cgroup_create("/c1", &res, &cg, &err);
        ok(r == 0, "v1 fake: create: %s", err.msg);
        if (r < 0) {
                berth_cgroup_set_root(NULL, 0);
                rm_fake_root();
                return;
        }
#define V1(hier, file, want, name)                                                                 \
        do {                                                                                       \
                _cleanup_free_ char *_d = berth_xasprintf("%s/%s/c1", fake_root, hier);            \
                is_str(get(_d, file), want, "v1: " name);                                          \
        } while (0)
        V1("memory", "memory.limit_in_bytes", "33554432", "memory limit");
        V1("memory", "memory.memsw.limit_in_bytes", "67108864", "memsw limit = spec swap");
        V1("memory", "memory.soft_limit_in_bytes", "16777216", "soft limit");
        V1("memory", "memory.swappiness", "60", "swappiness");
        V1("memory", "memory.oom_control", "1", "oom killer disabled");
        V1("cpu,cpuacct", "cpu.shares", "512", "cpu.shares");
        V1("cpu,cpuacct", "cpu.cfs_quota_us", "25000", "cfs quota");
        V1("cpu,cpuacct", "cpu.cfs_period_us", "50000", "cfs period");
        V1("cpu,cpuacct", "cpu.rt_period_us", "1000000", "rt period");
        V1("cpu,cpuacct", "cpu.rt_runtime_us", "950000", "rt runtime");
        V1("cpuset", "cpuset.cpus", "0-3", "cpuset.cpus copied from the parent");
        V1("cpuset", "cpuset.mems", "0", "cpuset.mems");
        V1("pids", "pids.max", "max", "pids -1 -> max");
        V1("blkio", "blkio.weight", "500", "blkio.weight");
        V1("blkio", "blkio.leaf_weight", "400", "blkio.leaf_weight");
        V1("blkio", "blkio.weight_device", "8:16 300", "blkio.weight_device");
        V1("blkio", "blkio.throttle.read_bps_device", "8:0 1048576", "throttle read bps");
        V1("devices", "devices.deny", "a *:* rwm", "devices: deny rule with wildcards");
        V1("devices", "devices.allow", "c 136:* rw", "devices: allow rule with wildcard");
        V1("hugetlb", "hugetlb.2MB.limit_in_bytes", "2097152", "hugetlb limit");
        V1("net_cls,net_prio", "net_cls.classid", "1048577", "net_cls.classid");
        V1("net_cls,net_prio", "net_prio.ifpriomap", "eth0 5", "net_prio.ifpriomap");
        V1("unified", "memory.high", "max", "hybrid: unified key in the v2 tree");
        V1("systemd", "cgroup.procs", "", "name=systemd dir exists");

        oci_resources u = {0};
        u.cpu.quota = (oci_opt_i64){true, -1};
        ok(berth_cgroup_update(cg, &u, &err) == 0, "v1: update quota");
        V1("cpu,cpuacct", "cpu.cfs_quota_us", "-1", "quota -1");
        V1("memory", "memory.limit_in_bytes", "33554432", "memory untouched by update");

        ok(berth_cgroup_enter(cg, 4243, &err) == 0, "v1: enter");
        V1("memory", "cgroup.procs", "4243", "pid in memory");
        V1("systemd", "cgroup.procs", "4243", "pid in name=systemd");
        V1("unified", "cgroup.procs", "4243", "pid in unified");

        /* A controller that is not mounted is an error only when asked for. */
        _cleanup_free_ char *ncdir = berth_xasprintf("%s/net_cls,net_prio", fake_root);
        berth_error e2 = {0};
        berth_rm_rf(ncdir, &e2);
        berth_cgroup_free(cg);
        ok(berth_cgroup_open("/c1", &cg, &err) == 0, "v1: open");
        u = (oci_resources){0};
        u.pids.limit = (oci_opt_i64){true, 5};
        ok(berth_cgroup_update(cg, &u, &err) == 0, "v1: update without net_cls works");
        u.network.class_id = (oci_opt_u64){true, 1};
        ok(berth_cgroup_update(cg, &u, &err) < 0 && strstr(err.msg, "net_cls"),
           "v1: asking for net_cls without it fails: %s", err.msg);

        /* Stats. */
        _cleanup_free_ char *m = berth_xasprintf("%s/memory/c1", fake_root);
        _cleanup_free_ char *c = berth_xasprintf("%s/cpu,cpuacct/c1", fake_root);
        _cleanup_free_ char *p = berth_xasprintf("%s/pids/c1", fake_root);
        _cleanup_free_ char *b = berth_xasprintf("%s/blkio/c1", fake_root);
        put(m, "memory.usage_in_bytes", "1000\n");
        put(m, "memory.max_usage_in_bytes", "3000\n");
        put(m, "memory.memsw.usage_in_bytes", "1500\n");
        put(m, "memory.stat",
            "cache 4096\nrss 100\ninactive_file 10\ntotal_cache 8192\ntotal_inactive_file 300\n");
        put(m, "memory.oom_control", "oom_kill_disable 1\nunder_oom 0\noom_kill 2\n");
        put(c, "cpuacct.usage", "123456789\n");
        put(c, "cpuacct.stat", "user 10\nsystem 5\n");
        put(c, "cpu.stat", "nr_periods 9\nnr_throttled 4\nthrottled_time 777\n");
        put(p, "pids.current", "3\n");
        put(p, "pids.max", "5\n");
        put(b, "blkio.throttle.io_service_bytes",
            "8:0 Read 100\n8:0 Write 200\n8:0 Sync 300\n8:0 Total 300\n8:16 Read 1\nTotal 301\n");
        berth_cgroup_stats st;
        ok(berth_cgroup_read_stats(cg, &st, &err) == 0, "v1: stats");
        is_int(st.memory_usage, 1000, "v1 stats: usage");
        is_int(st.memory_limit, 33554432, "v1 stats: limit");
        is_int(st.memory_max_usage, 3000, "v1 stats: max usage");
        is_int(st.memory_swap_usage, 500, "v1 stats: swap = memsw - usage");
        is_int(st.memory_cache, 8192, "v1 stats: cache (total_cache)");
        is_int(st.memory_inactive_file, 300, "v1 stats: total_inactive_file, not inactive_file");
        is_int(st.oom_kill_count, 2, "v1 stats: oom kills");
        is_int(st.cpu_usage_ns, 123456789, "v1 stats: cpu usage");
        is_int(st.cpu_user_ns, 10 * (1000000000LL / sysconf(_SC_CLK_TCK)), "v1 stats: user ns");
        is_int(st.cpu_system_ns, 5 * (1000000000LL / sysconf(_SC_CLK_TCK)), "v1 stats: system ns");
        is_int(st.cpu_throttled_periods, 4, "v1 stats: throttled periods");
        is_int(st.cpu_throttled_ns, 777, "v1 stats: throttled ns");
        is_int(st.pids_current, 3, "v1 stats: pids current");
        is_int(st.pids_limit, 5, "v1 stats: pids limit");
        is_int(st.io_read_bytes, 101, "v1 stats: io read");
        is_int(st.io_write_bytes, 200, "v1 stats: io write");
        berth_cgroup_free(cg);
        berth_cgroup_set_root(NULL, 0);
        rm_fake_root();
}

/* ---- the real host ---- */

static char host_top[64]; /* "/berth-test-<pid>" */

/* Remove our test cgroups from every hierarchy (atexit and between tests). */
static void rm_cg_tree(const char *dir)
{
        DIR *d = opendir(dir);
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *sub = berth_xasprintf("%s/%s", dir, de->d_name);
                rm_cg_tree(sub);
        }
        closedir(d);
        rmdir(dir);
}

static void host_cleanup(void)
{
        DIR *d = opendir("/sys/fs/cgroup");
        if (!d || !host_top[0])
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || de->d_type != DT_DIR)
                        continue;
                for (int k = 0; k < 2; k++) {
                        _cleanup_free_ char *p = berth_xasprintf(
                            "/sys/fs/cgroup/%s%s%s", de->d_name, host_top, k ? "-bad" : "");
                        rm_cg_tree(p);
                }
        }
        closedir(d);
}

/* True when path exists under no hierarchy; names the first one found in *where. */
static bool gone_everywhere(const char *path, char *where, size_t wsz)
{
        DIR *d = opendir("/sys/fs/cgroup");
        bool gone = true;
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.' || de->d_type != DT_DIR)
                        continue;
                _cleanup_free_ char *p = berth_xasprintf("/sys/fs/cgroup/%s%s", de->d_name, path);
                if (is_dir(p)) {
                        snprintf(where, wsz, "%s", p);
                        gone = false;
                }
        }
        if (d)
                closedir(d);
        return gone;
}

static bool in_all(const char *path, char *where, size_t wsz)
{
        static const char *h[] = {"memory", "cpu",     "cpuacct", "cpuset",  "pids",
                                  "blkio",  "devices", "freezer", "systemd", "unified"};
        for (size_t i = 0; i < ARRAY_SIZE(h); i++) {
                _cleanup_free_ char *p = berth_xasprintf("/sys/fs/cgroup/%s%s", h[i], path);
                if (!is_dir(p)) {
                        snprintf(where, wsz, "%s", p);
                        return false;
                }
        }
        return true;
}

static pid_t spawn_sleeper(void)
{
        pid_t pid = fork();
        if (pid == 0) {
                for (;;)
                        pause();
        }
        return pid;
}

static char proc_state(pid_t pid)
{
        char p[64], buf[512];
        snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return '?';
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return '?';
        buf[n] = 0;
        char *e = strrchr(buf, ')');
        return e && e[1] ? e[2] : '?';
}

static bool host_ok(const char **why)
{
        if (geteuid() != 0) {
                *why = "not root";
                return false;
        }
        enum berth_cgroup_mode mode;
        berth_error err = {0};
        if (berth_cgroup_mode(&mode, &err) < 0 || mode != BERTH_CGROUP_HYBRID ||
            !is_dir("/sys/fs/cgroup/memory") || !is_dir("/sys/fs/cgroup/freezer")) {
                *why = "host cgroups are not hybrid with memory and freezer";
                return false;
        }
        return true;
}

static void test_host(void)
{
        const char *why = NULL;
        if (!host_ok(&why)) {
                for (int i = 0; i < 8; i++)
                        printf("ok %d - host cgroup test %d # skip %s\n", ++tap_count, i, why);
                return;
        }
        berth_error err = {0};
        char where[512] = "";
        _cleanup_free_ char *path = berth_xasprintf("%s/c", host_top);
        oci_resources res = {0};
        res.memory.limit = (oci_opt_i64){true, 32 << 20};
        res.memory.swap = (oci_opt_i64){true, 64 << 20};
        res.cpu.shares = (oci_opt_u64){true, 512};
        res.cpu.quota = (oci_opt_i64){true, 50000};
        res.cpu.period = (oci_opt_u64){true, 100000};
        res.cpu.cpus = "0";
        res.cpu.mems = "0";
        res.pids.limit = (oci_opt_i64){true, 10};
        oci_device_rule rules[] = {{.allow = false, .type = 'a', .major = -1, .minor = -1},
                                   {.allow = true, .type = 'c', .major = 1, .minor = 5}};
        res.devices = rules;
        res.n_devices = 2;
        berth_cgroup *cg = NULL;
        int r = berth_cgroup_create(path, &res, &cg, &err);
        ok(r == 0, "host: create %s: %s", path, err.msg);
        if (r < 0)
                return;
        _cleanup_free_ char *md = berth_xasprintf("/sys/fs/cgroup/memory%s", path);
        _cleanup_free_ char *cd = berth_xasprintf("/sys/fs/cgroup/cpu%s", path);
        _cleanup_free_ char *sd = berth_xasprintf("/sys/fs/cgroup/cpuset%s", path);
        _cleanup_free_ char *pd = berth_xasprintf("/sys/fs/cgroup/pids%s", path);
        _cleanup_free_ char *dd = berth_xasprintf("/sys/fs/cgroup/devices%s", path);
        _cleanup_free_ char *fd = berth_xasprintf("/sys/fs/cgroup/freezer%s", path);
        ok(in_all(path, where, sizeof(where)), "host: cgroup in every hierarchy (missing %s)",
           where);
        is_str(get(md, "memory.limit_in_bytes"), "33554432\n", "host: memory limit 32M");
        is_str(get(md, "memory.memsw.limit_in_bytes"), "67108864\n", "host: memsw 64M");
        is_str(get(cd, "cpu.cfs_quota_us"), "50000\n", "host: cfs quota");
        is_str(get(cd, "cpu.shares"), "512\n", "host: cpu shares");
        is_str(get(sd, "cpuset.cpus"), "0\n", "host: cpuset.cpus");
        is_str(get(pd, "pids.max"), "10\n", "host: pids.max");
        is_str(get(dd, "devices.list"), "c 1:5 rwm\n", "host: devices.list");

        /* Grow then shrink memory+swap: the write order must avoid EINVAL. */
        oci_resources u = {0};
        u.memory.limit = (oci_opt_i64){true, 128 << 20};
        u.memory.swap = (oci_opt_i64){true, 256 << 20};
        ok(berth_cgroup_update(cg, &u, &err) == 0, "host: grow memory+swap: %s", err.msg);
        u.memory.limit = (oci_opt_i64){true, 16 << 20};
        u.memory.swap = (oci_opt_i64){true, 24 << 20};
        ok(berth_cgroup_update(cg, &u, &err) == 0, "host: shrink memory+swap: %s", err.msg);
        is_str(get(md, "memory.limit_in_bytes"), "16777216\n", "host: memory limit now 16M");

        pid_t child = spawn_sleeper();
        ok(berth_cgroup_enter(cg, child, &err) == 0, "host: enter child: %s", err.msg);
        _cleanup_free_ char *pcg = NULL;
        _cleanup_free_ char *pcgp = berth_xasprintf("/proc/%d/cgroup", (int)child);
        berth_read_file(pcgp, &pcg, NULL, &err);
        _cleanup_free_ char *want = berth_xasprintf("memory:%s\n", path);
        like(pcg, want, "host: child's /proc/pid/cgroup shows the memory cgroup");
        _cleanup_free_ char *want0 = berth_xasprintf("0::%s\n", path);
        like(pcg, want0, "host: child in the unified cgroup too");
        pid_t *pids = NULL;
        size_t n = 0;
        ok(berth_cgroup_pids(cg, &pids, &n, &err) == 0 && n == 1 && pids[0] == child,
           "host: pids lists the child");
        free(pids);

        ok(berth_cgroup_freeze(cg, true, &err) == 0, "host: freeze: %s", err.msg);
        bool fr = false;
        ok(berth_cgroup_is_frozen(cg, &fr, &err) == 0 && fr, "host: is_frozen");
        is_str(get(fd, "freezer.state"), "FROZEN\n", "host: freezer.state FROZEN");
        char s = proc_state(child);
        ok(s == 'D' || s == 'T' || s == 'S', "host: frozen child state '%c'", s);
        ok(berth_cgroup_freeze(cg, false, &err) == 0, "host: thaw");
        ok(berth_cgroup_is_frozen(cg, &fr, &err) == 0 && !fr, "host: not frozen after thaw");

        berth_cgroup_stats st;
        ok(berth_cgroup_read_stats(cg, &st, &err) == 0, "host: stats");
        is_int(st.memory_limit, 16 << 20, "host stats: memory limit");
        is_int(st.pids_current, 1, "host stats: pids current");
        is_int(st.pids_limit, 10, "host stats: pids limit");

        ok(berth_cgroup_kill_all(cg, SIGKILL, &err) == 0, "host: kill_all: %s", err.msg);
        int status = 0;
        ok(waitpid(child, &status, 0) == child && WIFSIGNALED(status) &&
               WTERMSIG(status) == SIGKILL,
           "host: child killed by SIGKILL");
        ok(berth_cgroup_destroy(cg, &err) == 0, "host: destroy: %s", err.msg);
        ok(gone_everywhere(path, where, sizeof(where)), "host: leaf gone everywhere (left %s)",
           where);
        berth_cgroup_free(cg);
        /* The top dir was created too (as an intermediate); remove it via open+destroy. */
        ok(berth_cgroup_open(host_top, &cg, &err) == 0 && berth_cgroup_destroy(cg, &err) == 0,
           "host: destroy the parent");
        berth_cgroup_free(cg);
        ok(gone_everywhere(host_top, where, sizeof(where)), "host: nothing left (left %s)", where);

        /* A create failing midway removes everything it made. */
        _cleanup_free_ char *bad = berth_xasprintf("%s-bad/x", host_top);
        _cleanup_free_ char *badtop = berth_xasprintf("%s-bad", host_top);
        oci_resources br = {0};
        br.memory.limit = (oci_opt_i64){true, 32 << 20};
        br.cpu.cpus = "999";
        ok(berth_cgroup_create(bad, &br, &cg, &err) < 0, "host: invalid cpuset fails: %s", err.msg);
        ok(gone_everywhere(badtop, where, sizeof(where)), "host: failed create left nothing (%s)",
           where);
}

/* berth_cgroup_mount in a child with its own mount (and cgroup) namespace. */
static int mount_child(const char *path, int ready_fd, int go_fd, bool cgroupns,
                       unsigned long flags)
{
        char c;
        if (write(ready_fd, "r", 1) != 1 || read(go_fd, &c, 1) != 1)
                return 10;
        if (unshare(CLONE_NEWNS | (cgroupns ? CLONE_NEWCGROUP : 0)) < 0)
                return 11;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return 12;
        char dir[] = "/tmp/berth-cgmnt-XXXXXX";
        if (!mkdtemp(dir))
                return 13;
        int rc = 0;
        _cleanup_free_ char *lim = NULL, *q = NULL;
        _cleanup_free_ char *lp = berth_xasprintf("%s/memory/memory.limit_in_bytes", dir);
        int t = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        berth_error err = {0};
        if (berth_cgroup_mount(t, path, cgroupns, flags, &err) < 0) {
                printf("# %s\n", err.msg);
                rc = 14;
                goto out;
        }
        if (berth_read_file(lp, &lim, NULL, &err) < 0 || strcmp(lim, "50331648\n") != 0) {
                printf("# memory.limit_in_bytes: %s\n", lim ? lim : err.msg);
                rc = 15;
                goto out;
        }
        static const char *h[] = {"cpu",     "cpuacct", "cpuset",  "pids",   "blkio",
                                  "devices", "freezer", "systemd", "unified"};
        for (size_t i = 0; i < ARRAY_SIZE(h); i++) {
                _cleanup_free_ char *p = berth_xasprintf("%s/%s/cgroup.procs", dir, h[i]);
                if (access(p, F_OK) < 0) {
                        printf("# missing %s\n", p);
                        rc = 16;
                        goto out;
                }
        }
        /* Only our cgroup is visible: no sibling 'berth-test-*' of the host root. */
        q = berth_xasprintf("%s/memory/c", dir);
        if (is_dir(q)) {
                rc = 17;
                goto out;
        }
        if (flags & MS_RDONLY) {
                _cleanup_free_ char *x = berth_xasprintf("%s/newdir", dir);
                if (mkdir(x, 0755) == 0 || errno != EROFS) {
                        rc = 18;
                        goto out;
                }
                _cleanup_free_ char *y = berth_xasprintf("%s/pids/pids.max", dir);
                int wfd = open(y, O_WRONLY | O_CLOEXEC);
                if (wfd >= 0 || errno != EROFS) {
                        rc = 19;
                        goto out;
                }
        }
out:
        fflush(stdout);
        umount2(dir, MNT_DETACH);
        rmdir(dir);
        return rc;
}

static void test_host_mount(bool cgroupns, unsigned long flags, const char *name)
{
        const char *why = NULL;
        if (!host_ok(&why)) {
                printf("ok %d - %s # skip %s\n", ++tap_count, name, why);
                return;
        }
        berth_error err = {0};
        _cleanup_free_ char *path = berth_xasprintf("%s/m", host_top);
        oci_resources res = {0};
        res.memory.limit = (oci_opt_i64){true, 48 << 20};
        berth_cgroup *cg = NULL;
        if (!ok(berth_cgroup_create(path, &res, &cg, &err) == 0, "%s: create: %s", name, err.msg))
                return;
        int ready[2], go[2];
        if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
                abort();
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
                _exit(mount_child(path, ready[1], go[0], cgroupns, flags));
        char c;
        int rr = read(ready[0], &c, 1);
        (void)rr;
        ok(berth_cgroup_enter(cg, pid, &err) == 0, "%s: enter: %s", name, err.msg);
        if (write(go[1], "g", 1) != 1)
                abort();
        int status = 0;
        waitpid(pid, &status, 0);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: child sees its own cgroup (rc %d)",
           name, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        close(ready[0]);
        close(ready[1]);
        close(go[0]);
        close(go[1]);
        ok(berth_cgroup_destroy(cg, &err) == 0, "%s: destroy: %s", name, err.msg);
        berth_cgroup_free(cg);
        if (berth_cgroup_open(host_top, &cg, &err) == 0) {
                berth_cgroup_destroy(cg, &err);
                berth_cgroup_free(cg);
        }
}

/* v2 device rules as BPF, on the host's unified tree. */
static void test_host_bpf(void)
{
        const char *why = NULL;
        if (!host_ok(&why) || !is_dir("/sys/fs/cgroup/unified")) {
                printf("ok %d - bpf device filter # skip %s\n", ++tap_count,
                       why ? why : "no unified tree");
                return;
        }
        berth_error err = {0};
        _cleanup_free_ char *path = berth_xasprintf("%s/b", host_top);
        berth_cgroup *cg = NULL;
        if (!ok(berth_cgroup_create(path, NULL, &cg, &err) == 0, "bpf: create: %s", err.msg))
                return;
        int go[2];
        if (pipe2(go, O_CLOEXEC) < 0)
                abort();
        pid_t pid = fork();
        if (pid == 0) {
                char c;
                if (read(go[0], &c, 1) != 1)
                        _exit(10);
                int rc = 0;
                int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (fd >= 0 || errno != EPERM)
                        rc |= 1; /* read of 1:3 must be denied */
                fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (fd < 0)
                        rc |= 2; /* write of 1:3 allowed */
                fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        rc |= 4; /* 1:5 allowed */
                fd = open("/dev/full", O_RDONLY | O_CLOEXEC);
                if (fd >= 0 || errno != EPERM)
                        rc |= 8; /* 1:7 denied by default */
                _exit(rc);
        }
        ok(berth_cgroup_enter(cg, pid, &err) == 0, "bpf: enter: %s", err.msg);
        oci_device_rule rules[] = {
            {.allow = false, .type = 'a', .major = -1, .minor = -1},
            {.allow = true, .type = 'c', .major = 1, .minor = -1},
            {.allow = false, .type = 'c', .major = 1, .minor = 3},
            {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "w"},
            {.allow = false, .type = 'c', .major = 1, .minor = 7, .access = "rwm"}};
        struct cg_hier *u = cg_v2_hier(cg);
        ok(u && cg_v2_devices_apply(u->dir, rules, 2, &err) == 0, "bpf: first filter: %s", err.msg);
        ok(u && cg_v2_devices_apply(u->dir, rules, ARRAY_SIZE(rules), &err) == 0,
           "bpf: replacing filter: %s", err.msg);
        oci_device_rule bad = {.allow = true, .type = 'c', .major = 1, .minor = 1, .access = "rwx"};
        ok(u && cg_v2_devices_apply(u->dir, &bad, 1, &err) < 0, "bpf: bad access refused");
        if (write(go[1], "g", 1) != 1)
                abort();
        int status = 0;
        waitpid(pid, &status, 0);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "bpf: child gets EPERM on denied devices only (rc %d)",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        close(go[0]);
        close(go[1]);
        ok(berth_cgroup_destroy(cg, &err) == 0, "bpf: destroy: %s", err.msg);
        berth_cgroup_free(cg);
        if (berth_cgroup_open(host_top, &cg, &err) == 0) {
                berth_cgroup_destroy(cg, &err);
                berth_cgroup_free(cg);
        }
}

int main(void)
{
        snprintf(host_top, sizeof(host_top), "/berth-test-%d", (int)getpid());
        atexit(host_cleanup);
        atexit(rm_fake_root);
        test_paths();
        test_v2_fake();
        test_v1_fake();
        test_host();
        test_host_mount(true, MS_NOSUID | MS_NODEV | MS_NOEXEC, "mount with cgroupns");
        test_host_mount(false, MS_NOSUID | MS_NODEV | MS_NOEXEC, "mount without cgroupns");
        test_host_bpf();
        test_host_mount(true, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mount read-only");
        return tap_done();
}
