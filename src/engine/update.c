/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `update`: a container's resource limits and restart policy changed, as dockerd does it — the
 * record's HostConfig first checked whole, then the limits given to the runtime of a container
 * that runs (its cgroups change live), then the restart policy to its monitor's configuration
 * (read by the helper at each exit), then the record and an "update" event.
 */
#include "engine/engine-internal.h"
#include "engine/monitor-conf.h"
#include "base/cleanup-json.h"
#include "oci/spec.h"
#include "specgen/specgen.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* the HostConfig fields `update` may change (Docker's container.UpdateConfig) */
static const char *const updatable[] = {
    "BlkioWeight",        "CpuShares",  "CpuPeriod",  "CpuQuota",     "CpuRealtimePeriod",
    "CpuRealtimeRuntime", "CpusetCpus", "CpusetMems", "NanoCpus",     "Memory",
    "MemoryReservation",  "MemorySwap", "PidsLimit",  "RestartPolicy"};

static bool is_updatable(const char *key)
{
        for (size_t i = 0; i < ARRAY_SIZE(updatable); i++)
                if (strcmp(key, updatable[i]) == 0)
                        return true;
        return false;
}

/* hc with the changes in it, checked as dockerd checks an update */
static int merge(json_t *hc, const json_t *changes, berth_error *err)
{
        const char *k;
        json_t *v;
        json_object_foreach ((json_t *)changes, k, v) {
                if (!is_updatable(k))
                        return berth_errx(err, EINVAL, "%s cannot be updated", k);
        }
        json_int_t old_swap = json_integer_value(json_object_get(hc, "MemorySwap"));
        json_t *mem = json_object_get(changes, "Memory");
        if (mem && !json_object_get(changes, "MemorySwap") && old_swap > 0 &&
            json_integer_value(mem) > old_swap)
                return berth_errx(err, EINVAL,
                                  "Memory limit should be smaller than already set memoryswap "
                                  "limit, update the memoryswap at the same time");
        /* --cpus sets the CFS period and quota: once one way is set, the other is refused */
        static const struct {
                const char *given, *set, *msg;
        } cpu_conflicts[] = {{"NanoCpus", "CpuPeriod",
                              "Nano CPUs cannot be updated as CPU Period has already been set"},
                             {"NanoCpus", "CpuQuota",
                              "Nano CPUs cannot be updated as CPU Quota has already been set"},
                             {"CpuPeriod", "NanoCpus",
                              "CPU Period cannot be updated as NanoCPUs has already been set"},
                             {"CpuQuota", "NanoCpus",
                              "CPU Quota cannot be updated as NanoCPUs has already been set"}};
        for (size_t i = 0; i < ARRAY_SIZE(cpu_conflicts); i++)
                if (json_integer_value(json_object_get(changes, cpu_conflicts[i].given)) > 0 &&
                    json_integer_value(json_object_get(hc, cpu_conflicts[i].set)) > 0)
                        return berth_errx(err, EINVAL, "Conflicting options: %s",
                                          cpu_conflicts[i].msg);
        json_object_foreach ((json_t *)changes, k, v) {
                json_object_set(hc, k, v);
        }
        if (json_object_get(changes, "RestartPolicy")) {
                const char *name = json_string_value(
                    json_object_get(json_object_get(changes, "RestartPolicy"), "Name"));
                if (json_is_true(json_object_get(hc, "AutoRemove")) && name && *name &&
                    strcmp(name, "no") != 0)
                        return berth_errx(err, EINVAL,
                                          "Restart policy cannot be updated because AutoRemove is "
                                          "enabled for the container");
                return engine_validate_restart(hc, err);
        }
        return 0;
}

/* the limits to the runtime: the container's cgroups change now */
static int apply_limits(berth_engine *e, const char *id, const json_t *res, berth_error *err)
{
        _cleanup_free_ char *text = json_dumps(res, JSON_COMPACT);
        oci_resources *r = text ? berth_oci_resources_parse(text, strlen(text), err) : NULL;
        if (r == NULL)
                return berth_error_rc(err, -EINVAL);
        int rc = berth_rt_update(&e->rt, id, r, err);
        berth_oci_resources_free(r);
        return rc;
}

/* the restart policy to the monitor's configuration, where it has one */
static int apply_restart(berth_engine *e, const char *id, const json_t *hc, berth_error *err)
{
        _cleanup_free_ char *dir = berth_engine_container_dir(e, id);
        _cleanup_free_ char *conf = berth_xasprintf("%s/monitor.conf", dir);
        if (access(conf, F_OK) < 0)
                return 0; /* never started: the start writes it from the record */
        berth_monitor_conf m;
        int r = berth_monitor_conf_load(dir, &m, err);
        if (r < 0)
                return r;
        const json_t *rp = json_object_get(hc, "RestartPolicy");
        const char *name = json_string_value(json_object_get(rp, "Name"));
        free(m.restart);
        m.restart = berth_xstrdup(name && *name ? name : "no");
        m.restart_max = (int)json_integer_value(json_object_get(rp, "MaximumRetryCount"));
        r = berth_monitor_conf_save(&m, err);
        berth_monitor_conf_clear(&m);
        return r;
}

int berth_engine_update(berth_engine *e, const char *name, const json_t *changes, berth_error *err)
{
        berth_container c;
        if (berth_engine_reconcile(e, name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        _cleanup_free_ char *id = berth_xstrdup(c.id);
        berth_container_clear(&c);
        /* not while a start or a stop holds it: after, as it is then */
        _cleanup_close_ int lock = engine_lock_container(e, id);
        int r = berth_engine_get(e, id, &c, err);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *body = json_deep_copy(c.body);
        json_t *hc = json_object_get(body, "HostConfig");
        if (!json_is_object(hc)) {
                hc = json_object();
                json_object_set_new(body, "HostConfig", hc);
        }
        _cleanup_json_ json_t *limits = NULL;
        if ((r = merge(hc, changes, err)) < 0)
                goto out;
        /* checked as a start will make them, whether it runs or not */
        if ((limits = berth_specgen_limits(hc, err)) == NULL) {
                r = berth_error_rc(err, -EINVAL);
                goto out;
        }
        if (berth_state_up(c.state) && (r = apply_limits(e, c.id, limits, err)) < 0)
                goto out;
        if (json_object_get(changes, "RestartPolicy") && (r = apply_restart(e, c.id, hc, err)) < 0)
                goto out;
        if ((r = berth_container_set_body(berth_engine_db(e), c.id, body, err)) < 0)
                goto out;
        engine_event(e, &c, "update", NULL, NULL);
out:
        berth_container_clear(&c);
        return r;
}
