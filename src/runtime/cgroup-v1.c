/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup v1: one file per controller hierarchy. */
#include "runtime/cgroup-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The directory of controller ctrl, or an error naming the resource asked for. */
static const char *need(berth_cgroup *cg, const char *ctrl, const char *what, berth_error *err)
{
        struct cg_hier *h = cg_v1_find(cg, ctrl);
        if (!h) {
                berth_errx(err, ENOTSUP, "cannot set %s: the %s controller is not mounted", what,
                           ctrl);
                return NULL;
        }
        return h->dir;
}

static bool is_blank(const char *s)
{
        return s[strspn(s, " \t\n")] == '\0';
}

int cg_v1_cpuset_init(const char *dir, berth_error *err)
{
        static const char *files[] = {"cpuset.cpus", "cpuset.mems"};
        _cleanup_free_ char *parent = berth_xstrdup(dir);
        char *slash = strrchr(parent, '/');
        if (!slash || slash == parent)
                return 0;
        *slash = '\0';
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *cur = NULL, *p = NULL;
                int r = cg_read(dir, files[i], &cur, err);
                if (r < 0)
                        return r;
                if (!is_blank(cur))
                        continue;
                r = cg_read(parent, files[i], &p, err);
                if (r < 0)
                        return r;
                p[strcspn(p, "\n")] = '\0';
                if (!*p)
                        continue;
                r = cg_write(dir, files[i], p, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int set_memory(berth_cgroup *cg, const oci_resources *res, berth_error *err)
{
        const typeof(res->memory) *m = &res->memory;
        if (!m->limit.set && !m->reservation.set && !m->swap.set && !m->kernel.set &&
            !m->kernel_tcp.set && !m->swappiness.set && !m->disable_oom_killer &&
            !m->use_hierarchy.set)
                return 0;
        const char *d = need(cg, "memory", "memory limits", err);
        if (!d)
                return -err->code;
        int r = 0;
        if (m->limit.set && m->swap.set && m->swap.v != 0) {
                /* memsw >= limit at every step: raise memsw first, or lower limit first. */
                uint64_t cur = 0;
                r = cg_read_u64(d, "memory.limit_in_bytes", &cur, err);
                if (r < 0)
                        return r;
                if (m->swap.v == -1 || (uint64_t)m->swap.v >= cur) {
                        r = cg_writef(d, "memory.memsw.limit_in_bytes", err, "%lld",
                                      (long long)m->swap.v);
                        if (r >= 0)
                                r = cg_writef(d, "memory.limit_in_bytes", err, "%lld",
                                              (long long)m->limit.v);
                } else {
                        r = cg_writef(d, "memory.limit_in_bytes", err, "%lld",
                                      (long long)m->limit.v);
                        if (r >= 0)
                                r = cg_writef(d, "memory.memsw.limit_in_bytes", err, "%lld",
                                              (long long)m->swap.v);
                }
        } else if (m->limit.set) {
                r = cg_writef(d, "memory.limit_in_bytes", err, "%lld", (long long)m->limit.v);
        } else if (m->swap.set && m->swap.v != 0) {
                r = cg_writef(d, "memory.memsw.limit_in_bytes", err, "%lld", (long long)m->swap.v);
        }
        if (r < 0)
                return r;
        if (m->reservation.set && (r = cg_writef(d, "memory.soft_limit_in_bytes", err, "%lld",
                                                 (long long)m->reservation.v)) < 0)
                return r;
        /* kmem limits are gone from recent kernels: ignore when absent. */
        if (m->kernel.set && cg_exists(d, "memory.kmem.limit_in_bytes")) {
                berth_error e = {0};
                (void)cg_writef(d, "memory.kmem.limit_in_bytes", &e, "%lld",
                                (long long)m->kernel.v);
        }
        if (m->kernel_tcp.set && cg_exists(d, "memory.kmem.tcp.limit_in_bytes") &&
            (r = cg_writef(d, "memory.kmem.tcp.limit_in_bytes", err, "%lld",
                           (long long)m->kernel_tcp.v)) < 0)
                return r;
        if (m->swappiness.set) {
                if (m->swappiness.v > 100)
                        return berth_errx(err, EINVAL, "invalid memory swappiness %llu",
                                          (unsigned long long)m->swappiness.v);
                if ((r = cg_writef(d, "memory.swappiness", err, "%llu",
                                   (unsigned long long)m->swappiness.v)) < 0)
                        return r;
        }
        if (m->disable_oom_killer && (r = cg_write(d, "memory.oom_control", "1", err)) < 0)
                return r;
        if (m->use_hierarchy.set && cg_exists(d, "memory.use_hierarchy")) {
                berth_error e = {0};
                (void)cg_writef(d, "memory.use_hierarchy", &e, "%llu",
                                (unsigned long long)m->use_hierarchy.v);
        }
        return 0;
}

static int set_cpu(berth_cgroup *cg, const oci_resources *res, berth_error *err)
{
        const typeof(res->cpu) *c = &res->cpu;
        int r;
        /* shares 0 means unset, as in runc (docker sends "shares": 0 by default). */
        bool shares = c->shares.set && c->shares.v;
        if (shares || c->period.set || c->quota.set || c->realtime_period.set ||
            c->realtime_runtime.set || c->burst.set || c->idle.set) {
                const char *d = need(cg, "cpu", "cpu limits", err);
                if (!d)
                        return -err->code;
                if (shares && (r = cg_writef(d, "cpu.shares", err, "%llu",
                                             (unsigned long long)c->shares.v)) < 0)
                        return r;
                if (c->period.set && (r = cg_writef(d, "cpu.cfs_period_us", err, "%llu",
                                                    (unsigned long long)c->period.v)) < 0)
                        return r;
                if (c->quota.set &&
                    (r = cg_writef(d, "cpu.cfs_quota_us", err, "%lld",
                                   c->quota.v > 0 ? (long long)c->quota.v : -1LL)) < 0)
                        return r;
                if (c->burst.set && (r = cg_writef(d, "cpu.cfs_burst_us", err, "%llu",
                                                   (unsigned long long)c->burst.v)) < 0)
                        return r;
                if (c->realtime_period.set &&
                    (r = cg_writef(d, "cpu.rt_period_us", err, "%llu",
                                   (unsigned long long)c->realtime_period.v)) < 0)
                        return r;
                if (c->realtime_runtime.set &&
                    (r = cg_writef(d, "cpu.rt_runtime_us", err, "%lld",
                                   (long long)c->realtime_runtime.v)) < 0)
                        return r;
                if (c->idle.set &&
                    (r = cg_writef(d, "cpu.idle", err, "%lld", (long long)c->idle.v)) < 0)
                        return r;
        }
        if ((c->cpus && *c->cpus) || (c->mems && *c->mems)) {
                const char *d = need(cg, "cpuset", "cpuset", err);
                if (!d)
                        return -err->code;
                if (c->cpus && *c->cpus && (r = cg_write(d, "cpuset.cpus", c->cpus, err)) < 0)
                        return r;
                if (c->mems && *c->mems && (r = cg_write(d, "cpuset.mems", c->mems, err)) < 0)
                        return r;
        }
        return 0;
}

static int write_devs(const char *d, const char *file, const oci_blkio_device *v, size_t n,
                      berth_error *err)
{
        for (size_t i = 0; i < n; i++) {
                int r = cg_writef(d, file, err, "%lld:%lld %llu", (long long)v[i].major,
                                  (long long)v[i].minor, (unsigned long long)v[i].rate);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int set_blkio(berth_cgroup *cg, const oci_resources *res, berth_error *err)
{
        const typeof(res->blkio) *b = &res->blkio;
        /* weight 0 means unset, as in runc (docker sends "weight": 0 by default). */
        bool weight = b->weight.set && b->weight.v;
        bool leaf_weight = b->leaf_weight.set && b->leaf_weight.v;
        if (!weight && !leaf_weight && !b->n_weight_device && !b->n_throttle_read_bps &&
            !b->n_throttle_write_bps && !b->n_throttle_read_iops && !b->n_throttle_write_iops)
                return 0;
        const char *d = need(cg, "blkio", "block I/O limits", err);
        if (!d)
                return -err->code;
        int r;
        /* CFQ's blkio.weight is gone from recent kernels; BFQ has blkio.bfq.weight. */
        const char *wfile = cg_exists(d, "blkio.weight") || !cg_exists(d, "blkio.bfq.weight")
                                ? "blkio.weight"
                                : "blkio.bfq.weight";
        const char *wdfile =
            cg_exists(d, "blkio.weight_device") || !cg_exists(d, "blkio.bfq.weight_device")
                ? "blkio.weight_device"
                : "blkio.bfq.weight_device";
        if (weight && (r = cg_writef(d, wfile, err, "%llu", (unsigned long long)b->weight.v)) < 0)
                return r;
        if (leaf_weight && (r = cg_writef(d, "blkio.leaf_weight", err, "%llu",
                                          (unsigned long long)b->leaf_weight.v)) < 0)
                return r;
        for (size_t i = 0; i < b->n_weight_device; i++) {
                const oci_blkio_device *w = &b->weight_device[i];
                if (w->weight.set &&
                    (r = cg_writef(d, wdfile, err, "%lld:%lld %llu", (long long)w->major,
                                   (long long)w->minor, (unsigned long long)w->weight.v)) < 0)
                        return r;
                if (w->leaf_weight.set &&
                    (r = cg_writef(d, "blkio.leaf_weight_device", err, "%lld:%lld %llu",
                                   (long long)w->major, (long long)w->minor,
                                   (unsigned long long)w->leaf_weight.v)) < 0)
                        return r;
        }
        if ((r = write_devs(d, "blkio.throttle.read_bps_device", b->throttle_read_bps,
                            b->n_throttle_read_bps, err)) < 0 ||
            (r = write_devs(d, "blkio.throttle.write_bps_device", b->throttle_write_bps,
                            b->n_throttle_write_bps, err)) < 0 ||
            (r = write_devs(d, "blkio.throttle.read_iops_device", b->throttle_read_iops,
                            b->n_throttle_read_iops, err)) < 0 ||
            (r = write_devs(d, "blkio.throttle.write_iops_device", b->throttle_write_iops,
                            b->n_throttle_write_iops, err)) < 0)
                return r;
        return 0;
}

static void dev_num(char *buf, size_t sz, int64_t v)
{
        if (v < 0)
                snprintf(buf, sz, "*");
        else
                snprintf(buf, sz, "%lld", (long long)v);
}

static int set_devices(berth_cgroup *cg, const oci_resources *res, berth_error *err)
{
        if (!res->n_devices)
                return 0;
        const char *d = need(cg, "devices", "device rules", err);
        if (!d)
                return -err->code;
        int r = cg_write(d, "devices.deny", "a", err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < res->n_devices; i++) {
                const oci_device_rule *x = &res->devices[i];
                char maj[24], min[24];
                dev_num(maj, sizeof(maj), x->major);
                dev_num(min, sizeof(min), x->minor);
                char type = x->type ? x->type : 'a';
                const char *access = x->access && *x->access ? x->access : "rwm";
                r = cg_writef(d, x->allow ? "devices.allow" : "devices.deny", err, "%c %s:%s %s",
                              type, maj, min, access);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int set_misc(berth_cgroup *cg, const oci_resources *res, berth_error *err)
{
        int r;
        if (res->pids.limit.set) {
                const char *d = need(cg, "pids", "a pids limit", err);
                if (!d)
                        return -err->code;
                if (res->pids.limit.v > 0)
                        r = cg_writef(d, "pids.max", err, "%lld", (long long)res->pids.limit.v);
                else
                        r = cg_write(d, "pids.max", "max", err);
                if (r < 0)
                        return r;
        }
        if (res->n_hugepage_limits && (cg_v1_find(cg, "hugetlb") || !cg_v2_hier(cg))) {
                const char *d = need(cg, "hugetlb", "hugepage limits", err);
                if (!d)
                        return -err->code;
                for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                        const oci_hugepage_limit *h = &res->hugepage_limits[i];
                        _cleanup_free_ char *f =
                            berth_xasprintf("hugetlb.%s.limit_in_bytes", h->pagesize);
                        if ((r = cg_writef(d, f, err, "%llu", (unsigned long long)h->limit)) < 0)
                                return r;
                }
        }
        if (res->network.class_id.set) {
                const char *d = need(cg, "net_cls", "a network class id", err);
                if (!d)
                        return -err->code;
                if ((r = cg_writef(d, "net_cls.classid", err, "%llu",
                                   (unsigned long long)res->network.class_id.v)) < 0)
                        return r;
        }
        if (res->network.n_priorities) {
                const char *d = need(cg, "net_prio", "network priorities", err);
                if (!d)
                        return -err->code;
                for (size_t i = 0; i < res->network.n_priorities; i++) {
                        const oci_kv *p = &res->network.priorities[i];
                        if ((r = cg_writef(d, "net_prio.ifpriomap", err, "%s %s", p->key,
                                           p->value)) < 0)
                                return r;
                }
        }
        return 0;
}

int cg_v1_apply(berth_cgroup *cg, const oci_resources *res, berth_error *err)
{
        int r;
        if ((r = set_memory(cg, res, err)) < 0 || (r = set_cpu(cg, res, err)) < 0 ||
            (r = set_blkio(cg, res, err)) < 0 || (r = set_devices(cg, res, err)) < 0 ||
            (r = set_misc(cg, res, err)) < 0)
                return r;
        return 0;
}

int cg_v1_freeze(const char *dir, bool frozen, berth_error *err)
{
        const char *want = frozen ? "FROZEN" : "THAWED";
        /* A freeze can stay in FREEZING; writing FROZEN again retries it (as runc does). */
        for (int i = 0; i < 1000; i++) {
                int r = cg_write(dir, "freezer.state", want, err);
                if (r < 0)
                        return r;
                _cleanup_free_ char *s = NULL;
                r = cg_read(dir, "freezer.state", &s, err);
                if (r < 0)
                        return r;
                if (berth_str_has_prefix(s, want))
                        return 0;
                struct timespec ts = {0, 1000000L};
                nanosleep(&ts, NULL);
        }
        if (frozen) {
                berth_error e = {0};
                (void)cg_write(dir, "freezer.state", "THAWED", &e);
        }
        return berth_errx(err, EBUSY, "'%s/freezer.state' did not become %s", dir, want);
}

static uint64_t ticks_to_ns(uint64_t t)
{
        long hz = sysconf(_SC_CLK_TCK);
        return hz > 0 ? t * (1000000000ULL / (uint64_t)hz) : t;
}

/* Sum the "Read" and "Write" lines of blkio.throttle.io_service_bytes. */
static void parse_blkio_bytes(const char *s, uint64_t *rd, uint64_t *wr)
{
        for (const char *l = s; l && *l;) {
                char op[16];
                unsigned long long v;
                if (sscanf(l, "%*s %15s %llu", op, &v) == 2) {
                        if (strcmp(op, "Read") == 0)
                                *rd += v;
                        else if (strcmp(op, "Write") == 0)
                                *wr += v;
                }
                l = strchr(l, '\n');
                if (l)
                        l++;
        }
}

int cg_v1_stats(berth_cgroup *cg, berth_cgroup_stats *st, berth_error *err)
{
        berth_error e = {0};
        struct cg_hier *h;
        (void)err;
        if ((h = cg_v1_find(cg, "memory"))) {
                _cleanup_free_ char *ms = NULL, *oc = NULL;
                uint64_t memsw = 0;
                (void)cg_read_u64(h->dir, "memory.usage_in_bytes", &st->memory_usage, &e);
                (void)cg_read_u64(h->dir, "memory.limit_in_bytes", &st->memory_limit, &e);
                (void)cg_read_u64(h->dir, "memory.max_usage_in_bytes", &st->memory_max_usage, &e);
                if (cg_read_u64(h->dir, "memory.memsw.usage_in_bytes", &memsw, &e) == 0 &&
                    memsw > st->memory_usage)
                        st->memory_swap_usage = memsw - st->memory_usage;
                if (cg_read(h->dir, "memory.stat", &ms, &e) == 0) {
                        if (cg_keyed_u64(ms, "total_cache", &st->memory_cache) < 0)
                                (void)cg_keyed_u64(ms, "cache", &st->memory_cache);
                        if (cg_keyed_u64(ms, "total_inactive_file", &st->memory_inactive_file) < 0)
                                (void)cg_keyed_u64(ms, "inactive_file", &st->memory_inactive_file);
                }
                if (cg_read(h->dir, "memory.oom_control", &oc, &e) == 0)
                        (void)cg_keyed_u64(oc, "oom_kill", &st->oom_kill_count);
        }
        if ((h = cg_v1_find(cg, "cpuacct"))) {
                _cleanup_free_ char *s = NULL;
                uint64_t v;
                (void)cg_read_u64(h->dir, "cpuacct.usage", &st->cpu_usage_ns, &e);
                if (cg_read(h->dir, "cpuacct.stat", &s, &e) == 0) {
                        if (cg_keyed_u64(s, "user", &v) == 0)
                                st->cpu_user_ns = ticks_to_ns(v);
                        if (cg_keyed_u64(s, "system", &v) == 0)
                                st->cpu_system_ns = ticks_to_ns(v);
                }
        }
        if ((h = cg_v1_find(cg, "cpu"))) {
                _cleanup_free_ char *s = NULL;
                if (cg_read(h->dir, "cpu.stat", &s, &e) == 0) {
                        (void)cg_keyed_u64(s, "nr_throttled", &st->cpu_throttled_periods);
                        (void)cg_keyed_u64(s, "throttled_time", &st->cpu_throttled_ns);
                }
        }
        if ((h = cg_v1_find(cg, "pids"))) {
                (void)cg_read_u64(h->dir, "pids.current", &st->pids_current, &e);
                (void)cg_read_u64(h->dir, "pids.max", &st->pids_limit, &e);
        }
        if ((h = cg_v1_find(cg, "blkio"))) {
                _cleanup_free_ char *s = NULL;
                if (cg_read(h->dir, "blkio.throttle.io_service_bytes_recursive", &s, &e) == 0 ||
                    cg_read(h->dir, "blkio.throttle.io_service_bytes", &s, &e) == 0)
                        parse_blkio_bytes(s, &st->io_read_bytes, &st->io_write_bytes);
        }
        return 0;
}
