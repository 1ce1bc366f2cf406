/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources: cgroup limits, and a resources document alone (`update -r`). */
#include "spec-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>

static int parse_device_rules(json_t *obj, const char *base, oci_resources *r, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX], fp[OCI_PATH_MAX];
        json_t *arr = NULL;
        int k = oci_get_arr(obj, base, "devices", false, &arr, err);
        if (k <= 0)
                return k;
        oci_path(p, base, "devices");
        size_t n = json_array_size(arr);
        r->devices = berth_xmalloc0((n ? n : 1) * sizeof(oci_device_rule));
        for (size_t i = 0; i < n; i++) {
                json_t *el = json_array_get(arr, i);
                oci_device_rule *d = &r->devices[i];
                r->n_devices = i + 1;
                _cleanup_free_ char *type = NULL;
                d->major = d->minor = -1;
                d->type = 'a';
                oci_path_i(ep, p, i);
                if ((k = oci_want_object(el, ep, err)) < 0)
                        return k;
                json_t *allow = json_object_get(el, "allow");
                if (allow == NULL || json_is_null(allow))
                        return oci_err_missing(err, oci_path(fp, ep, "allow"));
                if ((k = oci_get_bool(el, ep, "allow", &d->allow, err)) < 0 ||
                    (k = oci_get_str(el, ep, "type", false, &type, err)) < 0 ||
                    (k = oci_get_i64(el, ep, "major", false, -1, INT64_MAX, &d->major, err)) < 0 ||
                    (k = oci_get_i64(el, ep, "minor", false, -1, INT64_MAX, &d->minor, err)) < 0 ||
                    (k = oci_get_str(el, ep, "access", false, &d->access, err)) < 0)
                        return k;
                if (type) {
                        if (strlen(type) != 1 || !strchr("acb", type[0]))
                                return berth_errx(err, EINVAL,
                                                  "%s: must be one of a, c, b, got '%s'",
                                                  oci_path(fp, ep, "type"), type);
                        d->type = type[0];
                }
                if (d->access) {
                        const char *a = d->access;
                        bool seen[3] = {false};
                        for (; *a; a++) {
                                const char *at = strchr("rwm", *a);
                                if (at == NULL || seen[at - "rwm"])
                                        break;
                                seen[at - "rwm"] = true;
                        }
                        if (*a != '\0')
                                return berth_errx(err, EINVAL,
                                                  "%s: must be a combination of r, w, m, got '%s'",
                                                  oci_path(fp, ep, "access"), d->access);
                }
        }
        return 0;
}

static int parse_memory(json_t *obj, const char *base, oci_resources *r, berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *v = NULL;
        int k = oci_get_obj(obj, base, "memory", false, &v, err);
        if (k <= 0)
                return k;
        oci_path(p, base, "memory");
        bool hier = false;
        if ((k = oci_get_opt_i64(v, p, "limit", -1, INT64_MAX, &r->memory.limit, err)) < 0 ||
            (k = oci_get_opt_i64(v, p, "reservation", -1, INT64_MAX, &r->memory.reservation, err)) <
                0 ||
            (k = oci_get_opt_i64(v, p, "swap", -1, INT64_MAX, &r->memory.swap, err)) < 0 ||
            (k = oci_get_opt_i64(v, p, "kernel", -1, INT64_MAX, &r->memory.kernel, err)) < 0 ||
            (k = oci_get_opt_i64(v, p, "kernelTCP", -1, INT64_MAX, &r->memory.kernel_tcp, err)) <
                0 ||
            (k = oci_get_opt_u64(v, p, "swappiness", 100, &r->memory.swappiness, err)) < 0 ||
            (k = oci_get_bool(v, p, "disableOOMKiller", &r->memory.disable_oom_killer, err)) < 0 ||
            (k = oci_get_bool(v, p, "checkBeforeUpdate", &r->memory.check_before_update, err)) < 0)
                return k;
        if ((k = oci_get_bool(v, p, "useHierarchy", &hier, err)) < 0)
                return k;
        if (k > 0)
                r->memory.use_hierarchy = (oci_opt_u64){.set = true, .v = hier};
        return 0;
}

static int parse_cpu(json_t *obj, const char *base, oci_resources *r, berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *v = NULL;
        int k = oci_get_obj(obj, base, "cpu", false, &v, err);
        if (k <= 0)
                return k;
        oci_path(p, base, "cpu");
        if ((k = oci_get_opt_u64(v, p, "shares", UINT64_MAX, &r->cpu.shares, err)) < 0 ||
            (k = oci_get_opt_i64(v, p, "quota", -1, INT64_MAX, &r->cpu.quota, err)) < 0 ||
            (k = oci_get_opt_u64(v, p, "burst", UINT64_MAX, &r->cpu.burst, err)) < 0 ||
            (k = oci_get_opt_u64(v, p, "period", UINT64_MAX, &r->cpu.period, err)) < 0 ||
            (k = oci_get_opt_i64(v, p, "realtimeRuntime", INT64_MIN, INT64_MAX,
                                 &r->cpu.realtime_runtime, err)) < 0 ||
            (k = oci_get_opt_u64(v, p, "realtimePeriod", UINT64_MAX, &r->cpu.realtime_period,
                                 err)) < 0 ||
            (k = oci_get_opt_i64(v, p, "idle", 0, 1, &r->cpu.idle, err)) < 0 ||
            (k = oci_get_str(v, p, "cpus", false, &r->cpu.cpus, err)) < 0 ||
            (k = oci_get_str(v, p, "mems", false, &r->cpu.mems, err)) < 0)
                return k;
        return 0;
}

static void blkio_free(oci_blkio_device *d)
{
        free(d);
}

/* weightDevice (weighted=true) or throttle* arrays. */
static int parse_blkio_devices(json_t *obj, const char *base, const char *key, bool weighted,
                               oci_blkio_device **ret, size_t *ret_n, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        json_t *arr = NULL;
        int k = oci_get_arr(obj, base, key, false, &arr, err);
        if (k <= 0)
                return k;
        oci_path(p, base, key);
        size_t n = json_array_size(arr);
        *ret = berth_xmalloc0((n ? n : 1) * sizeof(oci_blkio_device));
        for (size_t i = 0; i < n; i++) {
                json_t *el = json_array_get(arr, i);
                oci_blkio_device *d = &(*ret)[i];
                *ret_n = i + 1;
                oci_path_i(ep, p, i);
                if ((k = oci_want_object(el, ep, err)) < 0 ||
                    (k = oci_get_i64(el, ep, "major", true, 0, INT64_MAX, &d->major, err)) < 0 ||
                    (k = oci_get_i64(el, ep, "minor", true, 0, INT64_MAX, &d->minor, err)) < 0)
                        return k;
                if (weighted) {
                        if ((k = oci_get_opt_u64(el, ep, "weight", UINT16_MAX, &d->weight, err)) <
                                0 ||
                            (k = oci_get_opt_u64(el, ep, "leafWeight", UINT16_MAX, &d->leaf_weight,
                                                 err)) < 0)
                                return k;
                } else if ((k = oci_get_u64(el, ep, "rate", true, UINT64_MAX, &d->rate, err)) < 0) {
                        return k;
                }
        }
        return 0;
}

static int parse_blkio(json_t *obj, const char *base, oci_resources *r, berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *v = NULL;
        int k = oci_get_obj(obj, base, "blockIO", false, &v, err);
        if (k <= 0)
                return k;
        oci_path(p, base, "blockIO");
        if ((k = oci_get_opt_u64(v, p, "weight", UINT16_MAX, &r->blkio.weight, err)) < 0 ||
            (k = oci_get_opt_u64(v, p, "leafWeight", UINT16_MAX, &r->blkio.leaf_weight, err)) < 0 ||
            (k = parse_blkio_devices(v, p, "weightDevice", true, &r->blkio.weight_device,
                                     &r->blkio.n_weight_device, err)) < 0 ||
            (k = parse_blkio_devices(v, p, "throttleReadBpsDevice", false,
                                     &r->blkio.throttle_read_bps, &r->blkio.n_throttle_read_bps,
                                     err)) < 0 ||
            (k = parse_blkio_devices(v, p, "throttleWriteBpsDevice", false,
                                     &r->blkio.throttle_write_bps, &r->blkio.n_throttle_write_bps,
                                     err)) < 0 ||
            (k = parse_blkio_devices(v, p, "throttleReadIOPSDevice", false,
                                     &r->blkio.throttle_read_iops, &r->blkio.n_throttle_read_iops,
                                     err)) < 0 ||
            (k = parse_blkio_devices(v, p, "throttleWriteIOPSDevice", false,
                                     &r->blkio.throttle_write_iops, &r->blkio.n_throttle_write_iops,
                                     err)) < 0)
                return k;
        return 0;
}

static int parse_hugepages(json_t *obj, const char *base, oci_resources *r, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        json_t *arr = NULL;
        int k = oci_get_arr(obj, base, "hugepageLimits", false, &arr, err);
        if (k <= 0)
                return k;
        oci_path(p, base, "hugepageLimits");
        size_t n = json_array_size(arr);
        r->hugepage_limits = berth_xmalloc0((n ? n : 1) * sizeof(oci_hugepage_limit));
        for (size_t i = 0; i < n; i++) {
                json_t *el = json_array_get(arr, i);
                oci_hugepage_limit *h = &r->hugepage_limits[i];
                r->n_hugepage_limits = i + 1;
                oci_path_i(ep, p, i);
                if ((k = oci_want_object(el, ep, err)) < 0 ||
                    (k = oci_get_str(el, ep, "pageSize", true, &h->pagesize, err)) < 0 ||
                    (k = oci_get_u64(el, ep, "limit", true, UINT64_MAX, &h->limit, err)) < 0)
                        return k;
                if (h->pagesize[0] == '\0' || strchr(h->pagesize, '/') || strchr(h->pagesize, '.'))
                        return berth_errx(err, EINVAL, "%s.pageSize: invalid page size '%s'", ep,
                                          h->pagesize);
        }
        return 0;
}

static int parse_network(json_t *obj, const char *base, oci_resources *r, berth_error *err)
{
        char p[OCI_PATH_MAX], pp[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        json_t *v = NULL, *arr = NULL;
        int k = oci_get_obj(obj, base, "network", false, &v, err);
        if (k <= 0)
                return k;
        oci_path(p, base, "network");
        if ((k = oci_get_opt_u64(v, p, "classID", UINT32_MAX, &r->network.class_id, err)) < 0 ||
            (k = oci_get_arr(v, p, "priorities", false, &arr, err)) <= 0)
                return k;
        oci_path(pp, p, "priorities");
        size_t n = json_array_size(arr);
        r->network.priorities = berth_xmalloc0((n ? n : 1) * sizeof(oci_kv));
        for (size_t i = 0; i < n; i++) {
                json_t *el = json_array_get(arr, i);
                oci_kv *kv = &r->network.priorities[i];
                r->network.n_priorities = i + 1;
                uint32_t prio = 0;
                oci_path_i(ep, pp, i);
                if ((k = oci_want_object(el, ep, err)) < 0 ||
                    (k = oci_get_str(el, ep, "name", true, &kv->key, err)) < 0 ||
                    (k = oci_get_u32(el, ep, "priority", true, &prio, err)) < 0)
                        return k;
                kv->value = berth_xasprintf("%u", prio);
        }
        return 0;
}

int oci_parse_resources(json_t *v, const char *base, oci_resources *r, berth_error *err)
{
        int k = oci_want_object(v, base[0] ? base : "resources", err);
        if (k < 0)
                return k;
        char p[OCI_PATH_MAX];
        json_t *pids = NULL;
        if ((k = parse_device_rules(v, base, r, err)) < 0 ||
            (k = parse_memory(v, base, r, err)) < 0 || (k = parse_cpu(v, base, r, err)) < 0 ||
            (k = oci_get_obj(v, base, "pids", false, &pids, err)) < 0)
                return k;
        if (k > 0 && (k = oci_get_opt_i64(pids, oci_path(p, base, "pids"), "limit", INT64_MIN,
                                          INT64_MAX, &r->pids.limit, err)) < 0)
                return k;
        if ((k = parse_blkio(v, base, r, err)) < 0 || (k = parse_hugepages(v, base, r, err)) < 0 ||
            (k = parse_network(v, base, r, err)) < 0 ||
            (k = oci_get_kv(v, base, "unified", &r->unified, &r->n_unified, err)) < 0)
                return k;
        for (size_t i = 0; i < r->n_unified; i++)
                if (strchr(r->unified[i].key, '/') || strcmp(r->unified[i].key, "..") == 0 ||
                    strcmp(r->unified[i].key, ".") == 0)
                        return berth_errx(err, EINVAL, "%s: invalid cgroup file name '%s'",
                                          oci_path(p, base, "unified"), r->unified[i].key);
        return 0;
}

void oci_resources_clear(oci_resources *r)
{
        if (r == NULL)
                return;
        for (size_t i = 0; i < r->n_devices; i++)
                free(r->devices[i].access);
        free(r->devices);
        free(r->cpu.cpus);
        free(r->cpu.mems);
        blkio_free(r->blkio.weight_device);
        blkio_free(r->blkio.throttle_read_bps);
        blkio_free(r->blkio.throttle_write_bps);
        blkio_free(r->blkio.throttle_read_iops);
        blkio_free(r->blkio.throttle_write_iops);
        for (size_t i = 0; i < r->n_hugepage_limits; i++)
                free(r->hugepage_limits[i].pagesize);
        free(r->hugepage_limits);
        oci_kv_free(r->network.priorities, r->network.n_priorities);
        oci_kv_free(r->unified, r->n_unified);
        *r = (oci_resources){0};
}

oci_resources *berth_oci_resources_parse(const char *json, size_t len, berth_error *err)
{
        json_t *root = oci_json_load(json, len, err);
        if (root == NULL)
                return NULL;
        oci_resources *r = berth_xmalloc0(sizeof(*r));
        int k = oci_parse_resources(root, "", r, err);
        json_decref(root);
        if (k < 0) {
                berth_oci_resources_free(r);
                return NULL;
        }
        return r;
}

void berth_oci_resources_free(oci_resources *r)
{
        oci_resources_clear(r);
        free(r);
}
