/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run flags about resources: memory, CPU, pids, block IO weight, OOM,
 * /dev/shm, --ulimit and --sysctl, in the API's units (bytes, nano-CPUs,
 * microseconds for CFS period/quota).
 */
#include "runflags-int.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define V(id)   (st->v[(id)])
#define SET(id) (st->v[(id)].set)

/* The rlimits docker knows by name ("as" is left out, as docker does). */
static const char *const ulimit_names[] = {"core",    "cpu",      "data",   "fsize",      "locks",
                                           "memlock", "msgqueue", "nice",   "nofile",     "nproc",
                                           "rss",     "rtprio",   "rttime", "sigpending", "stack"};

/* name=soft[:hard]; hard defaults to soft; -1 is unlimited. */
int rf_check_ulimit(rf_state *st, const char *value, char **ret, berth_error *err)
{
        _cleanup_free_ char *name = NULL, *soft_s = NULL;
        const char *limits = rf_cut(value, '=', &name);
        if (limits == NULL)
                return berth_errx(err, EINVAL, "invalid ulimit argument: %s", value);
        bool known = false;
        for (size_t i = 0; i < ARRAY_SIZE(ulimit_names); i++)
                known = known || strcmp(name, ulimit_names[i]) == 0;
        if (!known)
                return berth_errx(err, EINVAL, "invalid ulimit type: %s", name);
        const char *hard_s = rf_cut(limits, ':', &soft_s);
        int64_t soft, hard;
        if (hard_s && rf_parse_int(hard_s, 10, 64, &hard, err) < 0)
                return -EINVAL;
        if (rf_parse_int(soft_s, 10, 64, &soft, err) < 0)
                return -EINVAL;
        if (hard_s == NULL)
                hard = soft;
        if (hard != -1 && soft == -1)
                return berth_errx(err, EINVAL,
                                  "ulimit soft limit must be less than or equal to hard limit: "
                                  "soft: -1 (unlimited), hard: %lld",
                                  (long long)hard);
        if (hard != -1 && soft > hard)
                return berth_errx(err, EINVAL,
                                  "ulimit soft limit must be less than or equal to hard limit: "
                                  "%lld > %lld",
                                  (long long)soft, (long long)hard);
        if (st->ulimits == NULL)
                st->ulimits = json_object();
        json_object_set_new(st->ulimits, name,
                            json_pack("{s:s,s:I,s:I}", "Name", name, "Hard", (json_int_t)hard,
                                      "Soft", (json_int_t)soft));
        *ret = NULL;
        return 0;
}

/* Only the namespaced sysctls docker lets through: kernel.msg*, kernel.sem, kernel.shm*, net.*,
 * fs.mqueue.*. */
int rf_check_sysctl(rf_state *st, const char *value, char **ret, berth_error *err)
{
        static const char *const names[] = {
            "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
            "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
        _cleanup_free_ char *key = NULL;
        const char *v = rf_cut(value, '=', &key);
        bool allowed = berth_str_has_prefix(key, "net.") || berth_str_has_prefix(key, "fs.mqueue.");
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                allowed = allowed || strcmp(key, names[i]) == 0;
        if (v == NULL || *key == '\0' || !allowed)
                return berth_errx(err, EINVAL, "sysctl '%s' is not allowed", value);
        if (st->sysctls == NULL)
                st->sysctls = json_object();
        json_object_set_new(st->sysctls, key, json_string(v));
        *ret = NULL;
        return 0;
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int rf_build_resources(rf_state *st, json_t *hc, berth_error *err)
{
        static const struct {
                enum rf_id id;
                const char *key;
        } numbers[] = {
            {RF_MEMORY, "Memory"},
            {RF_MEMORY_RESERVATION, "MemoryReservation"},
            {RF_MEMORY_SWAP, "MemorySwap"},
            {RF_MEMORY_SWAPPINESS, "MemorySwappiness"},
            {RF_CPUS, "NanoCpus"},
            {RF_CPU_SHARES, "CpuShares"},
            {RF_CPU_PERIOD, "CpuPeriod"},
            {RF_CPU_QUOTA, "CpuQuota"},
            {RF_PIDS_LIMIT, "PidsLimit"},
            {RF_BLKIO_WEIGHT, "BlkioWeight"},
            {RF_OOM_SCORE_ADJ, "OomScoreAdj"},
            {RF_SHM_SIZE, "ShmSize"},
        };
        static const struct {
                enum rf_id id;
                const char *key;
        } strings[] = {
            {RF_CPUSET_CPUS, "CpusetCpus"},
            {RF_CPUSET_MEMS, "CpusetMems"},
            {RF_CGROUP_PARENT, "CgroupParent"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(numbers); i++)
                if (SET(numbers[i].id))
                        json_object_set_new(hc, numbers[i].key, json_integer(V(numbers[i].id).num));
        for (size_t i = 0; i < ARRAY_SIZE(strings); i++)
                if (SET(strings[i].id))
                        json_object_set_new(hc, strings[i].key, json_string(V(strings[i].id).str));
        if (SET(RF_OOM_KILL_DISABLE))
                json_object_set_new(hc, "OomKillDisable", json_boolean(V(RF_OOM_KILL_DISABLE).num));
        if (st->ulimits) {
                size_t n = json_object_size(st->ulimits), i = 0;
                const char **names = berth_xmalloc0(n * sizeof(*names));
                const char *name;
                json_t *u;
                json_object_foreach (st->ulimits, name, u)
                        names[i++] = name;
                qsort(names, n, sizeof(*names), cmp_names);
                json_t *list = json_array();
                for (i = 0; i < n; i++)
                        json_array_append(list, json_object_get(st->ulimits, names[i]));
                free(names);
                json_object_set_new(hc, "Ulimits", list);
        }
        (void)err;
        return 0;
}
