/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources, linux.devices and process.rlimits from HostConfig, in
 * the API's units, with Docker's checks and defaults (MemorySwap twice
 * Memory, PidsLimit 0 or -1 unlimited, NanoCpus as a CFS quota over a
 * 100 ms period).
 */
#include "specgen-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MIN_MEMORY (6LL << 20)
#define CFS_PERIOD 100000 /* µs */

#define HC "HostConfig"

static int memory(const json_t *hc, json_t *res, berth_error *err)
{
        int64_t mem, swap, resv, swappiness;
        bool swappiness_set, oom_set, oom_disable;
        int r;
        if ((r = sg_get_int(hc, HC, "Memory", &mem, err)) < 0 ||
            (r = sg_get_int(hc, HC, "MemorySwap", &swap, err)) < 0 ||
            (r = sg_get_int(hc, HC, "MemoryReservation", &resv, err)) < 0 ||
            (r = sg_get_opt_int(hc, HC, "MemorySwappiness", &swappiness, &swappiness_set, err)) <
                0 ||
            (r = sg_get_bool(hc, HC, "OomKillDisable", &oom_disable, err)) < 0)
                return r;
        oom_set = json_is_boolean(json_object_get(hc, "OomKillDisable"));

        if (mem != 0 && mem < MIN_MEMORY)
                return berth_errx(err, EINVAL, "minimum memory limit allowed is 6MB");
        if (mem > 0 && swap == 0)
                swap = mem * 2; /* Docker's default: as much swap as memory */
        if (mem > 0 && swap > 0 && swap < mem)
                return berth_errx(err, EINVAL,
                                  "minimum memoryswap limit should be larger than memory limit");
        if (mem == 0 && swap > 0)
                return berth_errx(err, EINVAL,
                                  "you should always set the memory limit when using memoryswap "
                                  "limit");
        if (swappiness_set && swappiness == -1)
                swappiness_set = false; /* -1: the host's default */
        if (swappiness_set && (swappiness < 0 || swappiness > 100))
                return berth_errx(err, EINVAL,
                                  "invalid value: %lld, valid memory swappiness range is 0-100",
                                  (long long)swappiness);
        if (resv != 0 && resv < MIN_MEMORY)
                return berth_errx(err, EINVAL, "minimum memory reservation allowed is 6MB");
        if (mem > 0 && resv > 0 && mem < resv)
                return berth_errx(err, EINVAL,
                                  "minimum memory limit can not be less than memory reservation "
                                  "limit");

        json_t *m = json_object();
        if (mem > 0)
                json_object_set_new(m, "limit", json_integer(mem));
        if (resv > 0)
                json_object_set_new(m, "reservation", json_integer(resv));
        if (swap > 0)
                json_object_set_new(m, "swap", json_integer(swap));
        if (swappiness_set)
                json_object_set_new(m, "swappiness", json_integer(swappiness));
        if (oom_set)
                json_object_set_new(m, "disableOOMKiller", json_boolean(oom_disable));
        if (json_object_size(m))
                json_object_set_new(res, "memory", m);
        else
                json_decref(m);
        return 0;
}

static int cpu(const json_t *hc, json_t *res, berth_error *err)
{
        int64_t nano, quota, period, shares, rt_period, rt_runtime;
        const char *cpus = NULL, *mems = NULL;
        int r;
        if ((r = sg_get_int(hc, HC, "NanoCpus", &nano, err)) < 0 ||
            (r = sg_get_int(hc, HC, "CpuQuota", &quota, err)) < 0 ||
            (r = sg_get_int(hc, HC, "CpuPeriod", &period, err)) < 0 ||
            (r = sg_get_int(hc, HC, "CpuShares", &shares, err)) < 0 ||
            (r = sg_get_int(hc, HC, "CpuRealtimePeriod", &rt_period, err)) < 0 ||
            (r = sg_get_int(hc, HC, "CpuRealtimeRuntime", &rt_runtime, err)) < 0 ||
            (r = sg_get_str(hc, HC, "CpusetCpus", &cpus, err)) < 0 ||
            (r = sg_get_str(hc, HC, "CpusetMems", &mems, err)) < 0)
                return r;

        if (nano > 0 && period > 0)
                return berth_errx(err, EINVAL,
                                  "conflicting options: nano cpus and cpu period cannot both be "
                                  "set");
        if (nano > 0 && quota > 0)
                return berth_errx(err, EINVAL,
                                  "conflicting options: nano cpus and cpu quota cannot both be "
                                  "set");
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        if (nano < 0 || (ncpu > 0 && nano > (int64_t)ncpu * 1000000000LL))
                return berth_errx(err, EINVAL,
                                  "range of cpus is from 0.01 to %ld.00, as there are only %ld "
                                  "cpus available",
                                  ncpu, ncpu);
        if (shares < 0)
                return berth_errx(err, EINVAL,
                                  "invalid cpu shares (%lld): value must be a positive integer",
                                  (long long)shares);
        if (period != 0 && (period < 1000 || period > 1000000))
                return berth_errx(err, EINVAL,
                                  "cpu cfs period can not be less than 1ms (i.e. 1000) or larger "
                                  "than 1s (i.e. 1000000)");
        if (quota > 0 && quota < 1000)
                return berth_errx(err, EINVAL,
                                  "cpu cfs quota can not be less than 1ms (i.e. 1000)");

        json_t *c = json_object();
        if (shares > 0)
                json_object_set_new(c, "shares", json_integer(shares));
        if (nano > 0) {
                json_object_set_new(c, "period", json_integer(CFS_PERIOD));
                json_object_set_new(c, "quota", json_integer(nano * CFS_PERIOD / 1000000000LL));
        }
        if (period != 0)
                json_object_set_new(c, "period", json_integer(period));
        if (quota != 0)
                json_object_set_new(c, "quota", json_integer(quota));
        if (rt_period != 0)
                json_object_set_new(c, "realtimePeriod", json_integer(rt_period));
        if (rt_runtime != 0)
                json_object_set_new(c, "realtimeRuntime", json_integer(rt_runtime));
        if (cpus && cpus[0])
                json_object_set_new(c, "cpus", json_string(cpus));
        if (mems && mems[0])
                json_object_set_new(c, "mems", json_string(mems));
        if (json_object_size(c))
                json_object_set_new(res, "cpu", c);
        else
                json_decref(c);
        return 0;
}

/* major/minor of the block device at path (Docker's --blkio-weight-device etc.). */
static int block_dev(const char *path, const char *where, json_t **ret, berth_error *err)
{
        struct stat st;
        if (path == NULL)
                return berth_errx(err, EINVAL, "%s: Path: missing", where);
        if (stat(path, &st) < 0)
                return berth_err(err, errno, "%s: cannot stat '%s'", where, path);
        *ret = json_pack("{s:I, s:I}", "major", (json_int_t)major(st.st_rdev), "minor",
                         (json_int_t)minor(st.st_rdev));
        return 0;
}

static int blkio(const json_t *hc, json_t *res, berth_error *err)
{
        static const struct {
                const char *api, *oci, *value_key, *oci_value;
        } lists[] = {
            {"BlkioWeightDevice", "weightDevice", "Weight", "weight"},
            {"BlkioDeviceReadBps", "throttleReadBpsDevice", "Rate", "rate"},
            {"BlkioDeviceWriteBps", "throttleWriteBpsDevice", "Rate", "rate"},
            {"BlkioDeviceReadIOps", "throttleReadIOPSDevice", "Rate", "rate"},
            {"BlkioDeviceWriteIOps", "throttleWriteIOPSDevice", "Rate", "rate"},
        };
        int64_t weight;
        int r = sg_get_int(hc, HC, "BlkioWeight", &weight, err);
        if (r < 0)
                return r;
        if (weight != 0 && (weight < 10 || weight > 1000))
                return berth_errx(err, EINVAL, "range of blkio weight is from 10 to 1000");

        json_t *b = json_object();
        if (weight > 0)
                json_object_set_new(b, "weight", json_integer(weight));
        for (size_t k = 0; k < ARRAY_SIZE(lists); k++) {
                const json_t *arr = NULL;
                if ((r = sg_get_array(hc, HC, lists[k].api, &arr, err)) < 0)
                        goto fail;
                if (json_array_size(arr) == 0)
                        continue;
                json_t *out = json_array();
                json_object_set_new(b, lists[k].oci, out);
                size_t i;
                json_t *el;
                json_array_foreach (arr, i, el) {
                        char where[64];
                        const char *path = NULL;
                        int64_t v;
                        json_t *d = NULL;
                        snprintf(where, sizeof(where), HC ".%s[%zu]", lists[k].api, i);
                        if ((r = sg_get_str(el, where, "Path", &path, err)) < 0 ||
                            (r = sg_get_int(el, where, lists[k].value_key, &v, err)) < 0 ||
                            (r = block_dev(path, where, &d, err)) < 0)
                                goto fail;
                        if (v < 0) {
                                json_decref(d);
                                r = berth_errx(err, EINVAL, "%s: %s must not be negative", where,
                                               lists[k].value_key);
                                goto fail;
                        }
                        json_object_set_new(d, lists[k].oci_value, json_integer(v));
                        json_array_append_new(out, d);
                }
        }
        if (json_object_size(b))
                json_object_set_new(res, "blockIO", b);
        else
                json_decref(b);
        return 0;
fail:
        json_decref(b);
        return r;
}

/* ---- devices ------------------------------------------------------------ */

static json_t *cgroup_rule(bool allow, const char *type, int64_t maj, int64_t min,
                           const char *access)
{
        json_t *r = json_pack("{s:b}", "allow", allow);
        if (type)
                json_object_set_new(r, "type", json_string(type));
        if (maj != INT64_MIN)
                json_object_set_new(r, "major", json_integer(maj));
        if (min != INT64_MIN)
                json_object_set_new(r, "minor", json_integer(min));
        json_object_set_new(r, "access", json_string(access));
        return r;
}

/* Docker's default device rules: deny all, then the nodes every container has. */
static json_t *default_rules(void)
{
        static const struct {
                bool allow;
                int maj, min;
        } nodes[] = {
            {true, 1, 5},     /* /dev/zero */
            {true, 1, 3},     /* /dev/null */
            {true, 1, 9},     /* /dev/urandom */
            {true, 1, 8},     /* /dev/random */
            {true, 5, 0},     /* /dev/tty */
            {true, 5, 1},     /* /dev/console */
            {false, 10, 229}, /* /dev/net/tun */
        };
        json_t *a = json_array();
        json_array_append_new(a, cgroup_rule(false, NULL, INT64_MIN, INT64_MIN, "rwm"));
        for (size_t i = 0; i < ARRAY_SIZE(nodes); i++)
                json_array_append_new(
                    a, cgroup_rule(nodes[i].allow, "c", nodes[i].maj, nodes[i].min, "rwm"));
        return a;
}

/* The device at host path as a linux.devices entry at container path; -ENODEV when not one. */
static int device_entry(const char *host, const char *ctr, json_t **ret, berth_error *err)
{
        struct stat st;
        if (lstat(host, &st) < 0)
                return berth_err(err, errno, "cannot stat device '%s'", host);
        const char *type;
        if (S_ISCHR(st.st_mode))
                type = "c";
        else if (S_ISBLK(st.st_mode))
                type = "b";
        else if (S_ISFIFO(st.st_mode))
                type = "p";
        else
                return berth_errx(err, ENODEV, "'%s' is not a device node", host);
        *ret = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "path", ctr, "type", type, "major",
                         (json_int_t)major(st.st_rdev), "minor", (json_int_t)minor(st.st_rdev),
                         "fileMode", (json_int_t)(st.st_mode & 07777), "uid", (json_int_t)st.st_uid,
                         "gid", (json_int_t)st.st_gid);
        return 0;
}

static bool valid_permissions(const char *p)
{
        if (p[0] == '\0' || strlen(p) > 3)
                return false;
        for (const char *c = p; *c; c++)
                if ((*c != 'r' && *c != 'w' && *c != 'm') || strchr(c + 1, *c))
                        return false;
        return true;
}

/* Every device node under dir (host) as dir's counterpart under ctr, recursively. */
static void walk_devices(const char *dir, const char *ctr, const char *perms, json_t *devs,
                         json_t *rules, int depth)
{
        DIR *d = depth < 16 ? opendir(dir) : NULL;
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                _cleanup_free_ char *hp = berth_xasprintf("%s/%s", dir, de->d_name);
                _cleanup_free_ char *cp = berth_xasprintf("%s/%s", ctr, de->d_name);
                struct stat st;
                if (lstat(hp, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        walk_devices(hp, cp, perms, devs, rules, depth + 1);
                        continue;
                }
                berth_error e = {0};
                json_t *dev = NULL;
                if (device_entry(hp, cp, &dev, &e) < 0)
                        continue;
                if (rules)
                        json_array_append_new(
                            rules,
                            cgroup_rule(true, json_string_value(json_object_get(dev, "type")),
                                        json_integer_value(json_object_get(dev, "major")),
                                        json_integer_value(json_object_get(dev, "minor")), perms));
                json_array_append_new(devs, dev);
        }
        if (d)
                closedir(d);
}

/* HostConfig.Devices: nodes to create and the cgroup rules that let them be used. */
static int user_devices(const json_t *hc, bool privileged, json_t *devs, json_t *rules,
                        berth_error *err)
{
        const json_t *arr = NULL;
        int r = sg_get_array(hc, HC, "Devices", &arr, err);
        if (r < 0)
                return r;
        size_t i;
        json_t *el;
        json_array_foreach (arr, i, el) {
                char where[48];
                const char *host = NULL, *ctr = NULL, *perms = NULL;
                snprintf(where, sizeof(where), HC ".Devices[%zu]", i);
                if ((r = sg_get_str(el, where, "PathOnHost", &host, err)) < 0 ||
                    (r = sg_get_str(el, where, "PathInContainer", &ctr, err)) < 0 ||
                    (r = sg_get_str(el, where, "CgroupPermissions", &perms, err)) < 0)
                        return r;
                if (host == NULL || host[0] == '\0')
                        return berth_errx(err, EINVAL, "%s: PathOnHost: missing", where);
                if (ctr == NULL || ctr[0] == '\0')
                        ctr = host;
                if (ctr[0] != '/')
                        return berth_errx(err, EINVAL,
                                          "%s: PathInContainer '%s' is not an absolute path", where,
                                          ctr);
                if (perms == NULL || perms[0] == '\0')
                        perms = "rwm";
                if (!valid_permissions(perms))
                        return berth_errx(err, EINVAL, "%s: invalid device permissions '%s'", where,
                                          perms);
                /* Privileged containers have the host's nodes already. */
                if (privileged && strcmp(host, ctr) == 0)
                        continue;

                /* A symlink (/dev/disk/by-id/…) names the node it points to. */
                _cleanup_free_ char *resolved = realpath(host, NULL);
                const char *hp = resolved ? resolved : host;
                struct stat st;
                if (stat(hp, &st) == 0 && S_ISDIR(st.st_mode)) {
                        size_t before = json_array_size(devs);
                        walk_devices(hp, ctr, perms, devs, privileged ? NULL : rules, 0);
                        if (json_array_size(devs) == before)
                                return berth_errx(err, ENODEV,
                                                  "error gathering device information while "
                                                  "adding custom device \"%s\": not a device node",
                                                  host);
                        continue;
                }
                json_t *dev = NULL;
                r = device_entry(hp, ctr, &dev, err);
                if (r < 0)
                        return berth_wrap(err,
                                          "error gathering device information while adding "
                                          "custom device \"%s\"",
                                          host);
                if (!privileged)
                        json_array_append_new(
                            rules,
                            cgroup_rule(true, json_string_value(json_object_get(dev, "type")),
                                        json_integer_value(json_object_get(dev, "major")),
                                        json_integer_value(json_object_get(dev, "minor")), perms));
                json_array_append_new(devs, dev);
        }
        return 0;
}

/* "c 1:3 rwm", "a *:* m", … as Docker's --device-cgroup-rule takes them. */
static int cgroup_rules(const json_t *hc, json_t *rules, berth_error *err)
{
        _cleanup_strv_ char **v = NULL;
        int r = sg_get_strv(hc, HC, "DeviceCgroupRules", &v, err);
        if (r < 0)
                return r;
        STRV_FOREACH (s, v) {
                char type, majs[24], mins[24], access[8], extra;
                if (sscanf(*s, "%c %23[0-9*]:%23[0-9*] %7s%c", &type, majs, mins, access, &extra) !=
                        4 ||
                    (type != 'a' && type != 'b' && type != 'c') || (*s)[1] != ' ' ||
                    !valid_permissions(access))
                        return berth_errx(err, EINVAL, "invalid device cgroup rule format: '%s'",
                                          *s);
                long long maj = -1, min = -1;
                if ((strcmp(majs, "*") != 0 && berth_parse_i64(majs, &maj) < 0) ||
                    (strcmp(mins, "*") != 0 && berth_parse_i64(mins, &min) < 0) ||
                    (strchr(majs, '*') && strcmp(majs, "*") != 0) ||
                    (strchr(mins, '*') && strcmp(mins, "*") != 0))
                        return berth_errx(err, EINVAL, "invalid device cgroup rule format: '%s'",
                                          *s);
                char t[2] = {type, '\0'};
                json_array_append_new(rules, cgroup_rule(true, t, maj, min, access));
        }
        return 0;
}

json_t *berth_specgen_limits(const json_t *hc, berth_error *err)
{
        json_t *res = json_object();
        int64_t pids;
        bool pids_set;
        if (memory(hc, res, err) < 0 || cpu(hc, res, err) < 0 || blkio(hc, res, err) < 0 ||
            sg_get_opt_int(hc, HC, "PidsLimit", &pids, &pids_set, err) < 0) {
                json_decref(res);
                return NULL;
        }
        if (pids_set)
                json_object_set_new(
                    res, "pids", json_pack("{s:I}", "limit", (json_int_t)(pids <= 0 ? -1 : pids)));
        return res;
}

int sg_resources(const json_t *hc, bool privileged, json_t *linux_obj, berth_error *err)
{
        json_t *res = berth_specgen_limits(hc, err);
        if (res == NULL)
                return berth_error_rc(err, -EINVAL);
        json_t *devs = json_array();
        json_t *rules = NULL;
        int r;

        if (privileged) {
                walk_devices("/dev", "/dev", "rwm", devs, NULL, 0);
                /* What the runtime makes itself, and what is mounted there. */
                static const char *const skip[] = {"/dev/console", "/dev/ptmx"};
                for (size_t i = json_array_size(devs); i-- > 0;) {
                        const char *p =
                            json_string_value(json_object_get(json_array_get(devs, i), "path"));
                        bool drop = strcmp(json_string_value(
                                               json_object_get(json_array_get(devs, i), "type")),
                                           "p") == 0;
                        for (size_t k = 0; k < ARRAY_SIZE(skip); k++)
                                drop |= strcmp(p, skip[k]) == 0;
                        drop |= berth_str_has_prefix(p, "/dev/pts/") ||
                                berth_str_has_prefix(p, "/dev/shm/") ||
                                berth_str_has_prefix(p, "/dev/mqueue/") ||
                                berth_str_has_prefix(p, "/dev/fd/");
                        if (drop)
                                json_array_remove(devs, i);
                }
                rules = json_pack("[{s:b, s:s}]", "allow", 1, "access", "rwm");
        } else
                rules = default_rules();
        if ((r = user_devices(hc, privileged, devs, rules, err)) < 0)
                goto fail;
        if (!privileged && (r = cgroup_rules(hc, rules, err)) < 0)
                goto fail;

        json_object_set_new(res, "devices", rules);
        json_object_set_new(linux_obj, "resources", res);
        json_object_set_new(linux_obj, "devices", devs);
        return 0;
fail:
        json_decref(rules);
        json_decref(res);
        json_decref(devs);
        return r;
}

/* ---- rlimits ------------------------------------------------------------ */

int sg_rlimits(const json_t *hc, json_t **ret, berth_error *err)
{
        static const char *const known[] = {
            "as",   "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue",
            "nice", "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",
        };
        const json_t *arr = NULL;
        int r = sg_get_array(hc, HC, "Ulimits", &arr, err);
        *ret = NULL;
        if (r < 0 || json_array_size(arr) == 0)
                return r;

        json_t *out = json_array();
        size_t i;
        json_t *el;
        json_array_foreach (arr, i, el) {
                char where[48];
                const char *name = NULL;
                int64_t soft, hard;
                snprintf(where, sizeof(where), HC ".Ulimits[%zu]", i);
                if ((r = sg_get_str(el, where, "Name", &name, err)) < 0 ||
                    (r = sg_get_int(el, where, "Soft", &soft, err)) < 0 ||
                    (r = sg_get_int(el, where, "Hard", &hard, err)) < 0)
                        goto fail;
                bool ok = false;
                for (size_t k = 0; name && k < ARRAY_SIZE(known); k++)
                        ok |= strcmp(name, known[k]) == 0;
                if (!ok) {
                        r = berth_errx(err, EINVAL, "%s: invalid ulimit type: %s", where,
                                       name ? name : "(none)");
                        goto fail;
                }
                /* -1 is "unlimited"; JSON numbers here stop at INT64_MAX, which
                 * the kernel treats as no limit in practice. */
                if (soft < 0)
                        soft = INT64_MAX;
                if (hard < 0)
                        hard = INT64_MAX;
                if (soft > hard) {
                        r = berth_errx(err, EINVAL,
                                       "%s: ulimit soft limit must be less than or equal to hard "
                                       "limit: %lld > %lld",
                                       where, (long long)soft, (long long)hard);
                        goto fail;
                }
                char type[32];
                snprintf(type, sizeof(type), "RLIMIT_%s", name);
                for (char *c = type; *c; c++)
                        *c = (char)toupper((unsigned char)*c);
                /* A later entry for the same limit replaces the earlier one. */
                size_t j;
                json_t *prev;
                json_array_foreach (out, j, prev)
                        if (strcmp(json_string_value(json_object_get(prev, "type")), type) == 0) {
                                json_array_remove(out, j);
                                break;
                        }
                json_array_append_new(out, json_pack("{s:s, s:I, s:I}", "type", type, "hard",
                                                     (json_int_t)hard, "soft", (json_int_t)soft));
        }
        *ret = out;
        return 0;
fail:
        json_decref(out);
        return r;
}
