/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup v2: the unified hierarchy's files. */
#include "runtime/cgroup-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>
#include <time.h>

uint64_t cg_shares_to_weight(uint64_t shares)
{
        if (shares == 0)
                return 0;
        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cg_blkio_to_io_weight(uint64_t weight)
{
        if (weight == 0)
                return 0;
        if (weight < 10)
                weight = 10;
        if (weight > 1000)
                weight = 1000;
        return 1 + ((weight - 10) * 9999) / 990;
}

int cg_v2_enable_controllers(const char *dir, const char *only, berth_error *err)
{
        _cleanup_free_ char *avail = NULL;
        int r = cg_read(dir, "cgroup.controllers", &avail, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **want = NULL;
        char *save = NULL;
        for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save))
                if (!only || strcmp(c, only) == 0)
                        berth_strv_push(&want, c);
        if (!want)
                return 0;
        _cleanup_free_ char *line = berth_xstrdup("");
        STRV_FOREACH (c, want) {
                char *n = berth_xasprintf("%s%s+%s", line, *line ? " " : "", *c);
                free(line);
                line = n;
        }
        berth_error e = {0};
        if (cg_write(dir, "cgroup.subtree_control", line, &e) == 0)
                return 0;
        /* One by one, so that one refused controller does not block the others. */
        STRV_FOREACH (c, want)
                (void)cg_writef(dir, "cgroup.subtree_control", &e, "+%s", *c);
        return 0;
}

/* runc's rule: swap is memory+swap in the spec, memory.swap.max is swap alone. */
static int swap_value(const oci_resources *res, char *buf, size_t sz, berth_error *err)
{
        int64_t swap = res->memory.swap.v;
        if (swap == -1) {
                snprintf(buf, sz, "max");
                return 1;
        }
        if (swap == 0)
                return 0;
        if (!res->memory.limit.set || res->memory.limit.v <= 0)
                return berth_errx(err, EINVAL, "cannot set a swap limit without a memory limit");
        if (swap < res->memory.limit.v)
                return berth_errx(err, EINVAL,
                                  "memory+swap limit %lld is below the memory limit %lld",
                                  (long long)swap, (long long)res->memory.limit.v);
        snprintf(buf, sz, "%lld", (long long)(swap - res->memory.limit.v));
        return 1;
}

static void limit_str(char *buf, size_t sz, int64_t v)
{
        if (v < 0)
                snprintf(buf, sz, "max");
        else
                snprintf(buf, sz, "%lld", (long long)v);
}

static int set_memory(const char *d, const oci_resources *res, berth_error *err)
{
        char buf[32];
        int r;
        if (res->memory.swap.set) {
                r = swap_value(res, buf, sizeof(buf), err);
                if (r < 0)
                        return r;
                /* Write swap first: a lower memory.max must not meet the old swap. */
                if (r > 0 && (r = cg_write(d, "memory.swap.max", buf, err)) < 0)
                        return r;
        }
        if (res->memory.limit.set) {
                limit_str(buf, sizeof(buf), res->memory.limit.v);
                if ((r = cg_write(d, "memory.max", buf, err)) < 0)
                        return r;
        }
        if (res->memory.reservation.set) {
                limit_str(buf, sizeof(buf), res->memory.reservation.v);
                if ((r = cg_write(d, "memory.low", buf, err)) < 0)
                        return r;
        }
        /* kernel, kernel_tcp, swappiness, disable_oom_killer: no v2 equivalent. */
        return 0;
}

static int set_cpu(const char *d, const oci_resources *res, berth_error *err)
{
        const typeof(res->cpu) *c = &res->cpu;
        int r;
        if (c->shares.set && c->shares.v &&
            (r = cg_writef(d, "cpu.weight", err, "%llu",
                           (unsigned long long)cg_shares_to_weight(c->shares.v))) < 0)
                return r;
        if (c->quota.set || c->period.set) {
                uint64_t period = c->period.set && c->period.v ? c->period.v : 100000;
                if (c->quota.set && c->quota.v > 0)
                        r = cg_writef(d, "cpu.max", err, "%lld %llu", (long long)c->quota.v,
                                      (unsigned long long)period);
                else
                        r = cg_writef(d, "cpu.max", err, "max %llu", (unsigned long long)period);
                if (r < 0)
                        return r;
        }
        if (c->burst.set &&
            (r = cg_writef(d, "cpu.max.burst", err, "%llu", (unsigned long long)c->burst.v)) < 0)
                return r;
        if (c->idle.set && (r = cg_writef(d, "cpu.idle", err, "%lld", (long long)c->idle.v)) < 0)
                return r;
        if ((c->realtime_period.set && c->realtime_period.v) ||
            (c->realtime_runtime.set && c->realtime_runtime.v))
                return berth_errx(err, ENOTSUP,
                                  "realtime cpu limits are not supported on "
                                  "cgroup v2");
        if (c->cpus && *c->cpus && (r = cg_write(d, "cpuset.cpus", c->cpus, err)) < 0)
                return r;
        if (c->mems && *c->mems && (r = cg_write(d, "cpuset.mems", c->mems, err)) < 0)
                return r;
        return 0;
}

/* Find or add the io.max line of device maj:min. */
struct io_line {
        int64_t major, minor;
        char *text;
};

static void io_add(struct io_line **v, size_t *n, const oci_blkio_device *devs, size_t nd,
                   const char *key)
{
        for (size_t i = 0; i < nd; i++) {
                size_t k;
                for (k = 0; k < *n; k++)
                        if ((*v)[k].major == devs[i].major && (*v)[k].minor == devs[i].minor)
                                break;
                if (k == *n) {
                        *v = berth_xrealloc(*v, (*n + 1) * sizeof(**v));
                        (*v)[k] =
                            (struct io_line){devs[i].major, devs[i].minor,
                                             berth_xasprintf("%lld:%lld", (long long)devs[i].major,
                                                             (long long)devs[i].minor)};
                        (*n)++;
                }
                char *t = berth_xasprintf("%s %s=%llu", (*v)[k].text, key,
                                          (unsigned long long)devs[i].rate);
                free((*v)[k].text);
                (*v)[k].text = t;
        }
}

static int set_io(const char *d, const oci_resources *res, berth_error *err)
{
        const typeof(res->blkio) *b = &res->blkio;
        int r;
        if (b->weight.set && b->weight.v &&
            (r = cg_writef(d, "io.weight", err, "%llu",
                           (unsigned long long)cg_blkio_to_io_weight(b->weight.v))) < 0)
                return r;
        for (size_t i = 0; i < b->n_weight_device; i++) {
                const oci_blkio_device *w = &b->weight_device[i];
                if (w->weight.set &&
                    (r = cg_writef(d, "io.weight", err, "%lld:%lld %llu", (long long)w->major,
                                   (long long)w->minor,
                                   (unsigned long long)cg_blkio_to_io_weight(w->weight.v))) < 0)
                        return r;
        }
        struct io_line *v = NULL;
        size_t n = 0;
        io_add(&v, &n, b->throttle_read_bps, b->n_throttle_read_bps, "rbps");
        io_add(&v, &n, b->throttle_write_bps, b->n_throttle_write_bps, "wbps");
        io_add(&v, &n, b->throttle_read_iops, b->n_throttle_read_iops, "riops");
        io_add(&v, &n, b->throttle_write_iops, b->n_throttle_write_iops, "wiops");
        r = 0;
        for (size_t i = 0; i < n; i++) {
                if (r >= 0)
                        r = cg_write(d, "io.max", v[i].text, err);
                free(v[i].text);
        }
        free(v);
        return r;
}

static int set_hugetlb(const char *d, const oci_resources *res, berth_error *err)
{
        for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                const oci_hugepage_limit *h = &res->hugepage_limits[i];
                _cleanup_free_ char *f = berth_xasprintf("hugetlb.%s.max", h->pagesize);
                int r = cg_writef(d, f, err, "%llu", (unsigned long long)h->limit);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int set_unified(const char *d, const oci_resources *res, berth_error *err)
{
        for (size_t i = 0; i < res->n_unified; i++) {
                const oci_kv *kv = &res->unified[i];
                if (!*kv->key || strchr(kv->key, '/') || strstr(kv->key, "..") ||
                    strcmp(kv->key, ".") == 0)
                        return berth_errx(err, EINVAL, "invalid unified cgroup key '%s'", kv->key);
                if (!cg_exists(d, kv->key))
                        return berth_errx(err, ENOENT,
                                          "cannot set unified key '%s': no such file in '%s' "
                                          "(controller not enabled?)",
                                          kv->key, d);
                int r = cg_write(d, kv->key, kv->value ? kv->value : "", err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cg_v2_apply(const char *dir, const oci_resources *res, bool hybrid, berth_error *err)
{
        int r;
        if (hybrid) {
                /* The v1 controllers carry everything else. */
                if ((r = set_unified(dir, res, err)) < 0)
                        return r;
                if (res->n_hugepage_limits && cg_exists(dir, "cgroup.controllers")) {
                        _cleanup_free_ char *c = NULL;
                        if (cg_read(dir, "cgroup.controllers", &c, err) == 0 &&
                            strstr(c, "hugetlb"))
                                return set_hugetlb(dir, res, err);
                }
                return 0;
        }
        if ((r = set_memory(dir, res, err)) < 0 || (r = set_cpu(dir, res, err)) < 0 ||
            (r = set_io(dir, res, err)) < 0 || (r = set_hugetlb(dir, res, err)) < 0)
                return r;
        if (res->pids.limit.set) {
                if (res->pids.limit.v > 0)
                        r = cg_writef(dir, "pids.max", err, "%lld", (long long)res->pids.limit.v);
                else
                        r = cg_write(dir, "pids.max", "max", err);
                if (r < 0)
                        return r;
        }
        if (res->n_devices && (r = cg_v2_devices_apply(dir, res->devices, res->n_devices, err)) < 0)
                return r;
        /* Unified keys last: they override what the structured fields wrote. */
        return set_unified(dir, res, err);
}

int cg_v2_freeze(const char *dir, bool frozen, berth_error *err)
{
        int r = cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", err);
        if (r < 0)
                return r;
        const char *want = frozen ? "frozen 1" : "frozen 0";
        for (int i = 0; i < 2000; i++) {
                _cleanup_free_ char *s = NULL;
                r = cg_read(dir, "cgroup.events", &s, err);
                if (r < 0)
                        return r;
                uint64_t v;
                if (cg_keyed_u64(s, "frozen", &v) == 0 && (v == 1) == frozen)
                        return 0;
                struct timespec ts = {0, 1000000L};
                nanosleep(&ts, NULL);
        }
        if (frozen) {
                berth_error e = {0};
                (void)cg_write(dir, "cgroup.freeze", "0", &e);
        }
        return berth_errx(err, EBUSY, "'%s/cgroup.events' did not show '%s'", dir, want);
}

/* Sum rbytes= and wbytes= over the lines of io.stat. */
static void parse_io_stat(const char *s, uint64_t *rd, uint64_t *wr)
{
        for (const char *p = s; p && *p; p++) {
                if ((p == s || p[-1] == ' ' || p[-1] == '\n')) {
                        if (berth_str_has_prefix(p, "rbytes="))
                                *rd += strtoull(p + 7, NULL, 10);
                        else if (berth_str_has_prefix(p, "wbytes="))
                                *wr += strtoull(p + 7, NULL, 10);
                }
        }
}

int cg_v2_stats(const char *dir, berth_cgroup_stats *st, berth_error *err)
{
        berth_error e = {0};
        _cleanup_free_ char *ms = NULL, *cs = NULL, *io = NULL, *ev = NULL;
        uint64_t v;
        (void)err;
        (void)cg_read_u64(dir, "memory.current", &st->memory_usage, &e);
        (void)cg_read_u64(dir, "memory.max", &st->memory_limit, &e);
        (void)cg_read_u64(dir, "memory.peak", &st->memory_max_usage, &e);
        (void)cg_read_u64(dir, "memory.swap.current", &st->memory_swap_usage, &e);
        if (cg_read(dir, "memory.stat", &ms, &e) == 0) {
                (void)cg_keyed_u64(ms, "file", &st->memory_cache);
                (void)cg_keyed_u64(ms, "inactive_file", &st->memory_inactive_file);
        }
        if (cg_read(dir, "cpu.stat", &cs, &e) == 0) {
                if (cg_keyed_u64(cs, "usage_usec", &v) == 0)
                        st->cpu_usage_ns = v * 1000;
                if (cg_keyed_u64(cs, "user_usec", &v) == 0)
                        st->cpu_user_ns = v * 1000;
                if (cg_keyed_u64(cs, "system_usec", &v) == 0)
                        st->cpu_system_ns = v * 1000;
                (void)cg_keyed_u64(cs, "nr_throttled", &st->cpu_throttled_periods);
                if (cg_keyed_u64(cs, "throttled_usec", &v) == 0)
                        st->cpu_throttled_ns = v * 1000;
        }
        (void)cg_read_u64(dir, "pids.current", &st->pids_current, &e);
        (void)cg_read_u64(dir, "pids.max", &st->pids_limit, &e);
        if (cg_read(dir, "io.stat", &io, &e) == 0)
                parse_io_stat(io, &st->io_read_bytes, &st->io_write_bytes);
        if (cg_read(dir, "memory.events", &ev, &e) == 0)
                (void)cg_keyed_u64(ev, "oom_kill", &st->oom_kill_count);
        return 0;
}
