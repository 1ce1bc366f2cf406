/* SPDX-License-Identifier: Apache-2.0 */
/* `berth update`: docker's flags into a HostConfig's changes, then the engine for each
 * container named (src/engine/update.c). */
#include "base/cleanup-json.h"
#include "base/units.h"
#include "cli.h"
#include "runflags-int.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage:  berth update [OPTIONS] CONTAINER [CONTAINER...]\n\n"
    "Update configuration of one or more containers\n\n"
    "Options:\n"
    "      --blkio-weight uint16        Block IO (relative weight), between 10 and 1000, or 0 to "
    "disable (default 0)\n"
    "      --cpu-period int             Limit CPU CFS (Completely Fair Scheduler) period\n"
    "      --cpu-quota int              Limit CPU CFS (Completely Fair Scheduler) quota\n"
    "      --cpu-rt-period int          Limit the CPU real-time period in microseconds\n"
    "      --cpu-rt-runtime int         Limit the CPU real-time runtime in microseconds\n"
    "  -c, --cpu-shares int             CPU shares (relative weight)\n"
    "      --cpus decimal               Number of CPUs\n"
    "      --cpuset-cpus string         CPUs in which to allow execution (0-3, 0,1)\n"
    "      --cpuset-mems string         MEMs in which to allow execution (0-3, 0,1)\n"
    "  -m, --memory bytes               Memory limit\n"
    "      --memory-reservation bytes   Memory soft limit\n"
    "      --memory-swap bytes          Swap limit equal to memory plus swap: -1 to enable "
    "unlimited swap\n"
    "      --pids-limit int             Tune container pids limit (set -1 for unlimited)\n"
    "      --restart string             Restart policy to apply when a container exits\n";

enum {
        O_BLKIO = 256,
        O_PERIOD,
        O_QUOTA,
        O_RT_PERIOD,
        O_RT_RUNTIME,
        O_CPUS,
        O_CPUSET_CPUS,
        O_CPUSET_MEMS,
        O_RESERVATION,
        O_SWAP,
        O_PIDS,
        O_RESTART
};

/* "name[:count]" as the RestartPolicy object (the engine checks the policy itself) */
static int restart_policy(const char *value, json_t **ret, berth_error *err)
{
        const char *colon = strchr(value, ':');
        _cleanup_free_ char *name =
            colon ? strndup(value, (size_t)(colon - value)) : berth_xstrdup(value);
        int64_t max = 0;
        if (colon && *name == '\0')
                return berth_errx(err, EINVAL,
                                  "invalid restart policy format: no policy provided before "
                                  "colon");
        if (colon && colon[1]) {
                berth_error ignored = {0};
                if (rf_parse_int(colon + 1, 10, 64, &max, &ignored) < 0)
                        return berth_errx(err, EINVAL,
                                          "invalid restart policy format: maximum retry count "
                                          "must be an integer");
        }
        *ret = json_pack("{s:s, s:I}", "Name", name, "MaximumRetryCount", (json_int_t)max);
        return 0;
}

/* one flag's value into changes */
static int take(int c, const char *v, json_t *changes, berth_error *err)
{
        int64_t n;
        uint64_t u;
        const char *key = NULL;
        json_t *val = NULL;
        int r = 0;
        switch (c) {
        case 'm':
        case O_RESERVATION:
        case O_SWAP:
                key = c == 'm' ? "Memory" : c == O_SWAP ? "MemorySwap" : "MemoryReservation";
                if (c == O_SWAP && strcmp(v, "-1") == 0)
                        n = -1;
                else if ((r = berth_parse_ram_bytes(v, &n, err)) < 0)
                        break;
                val = json_integer(n);
                break;
        case O_CPUS:
                if ((r = rf_parse_nano_cpus(v, &n, err)) == 0)
                        key = "NanoCpus", val = json_integer(n);
                break;
        case O_BLKIO:
                if ((r = rf_parse_uint(v, 10, 16, &u, err)) == 0)
                        key = "BlkioWeight", val = json_integer((json_int_t)u);
                break;
        case O_CPUSET_CPUS:
        case O_CPUSET_MEMS:
                key = c == O_CPUSET_CPUS ? "CpusetCpus" : "CpusetMems";
                val = json_string(v);
                break;
        case O_RESTART:
                if ((r = restart_policy(v, &val, err)) == 0)
                        key = "RestartPolicy";
                break;
        default: { /* the integers */
                static const struct {
                        int c;
                        const char *key;
                } ints[] = {{'c', "CpuShares"},
                            {O_PERIOD, "CpuPeriod"},
                            {O_QUOTA, "CpuQuota"},
                            {O_RT_PERIOD, "CpuRealtimePeriod"},
                            {O_RT_RUNTIME, "CpuRealtimeRuntime"},
                            {O_PIDS, "PidsLimit"}};
                for (size_t i = 0; i < ARRAY_SIZE(ints); i++)
                        if (ints[i].c == c)
                                key = ints[i].key;
                if (key && (r = rf_parse_int(v, 10, 64, &n, err)) == 0)
                        val = json_integer(n);
        }
        }
        if (r < 0)
                return r;
        json_object_set_new(changes, key, val);
        return 0;
}

static int update_one(berth_engine *e, const char *name, void *changes, berth_error *err)
{
        return berth_engine_update(e, name, changes, err);
}

int cmd_update(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"blkio-weight", required_argument, NULL, O_BLKIO},
            {"cpu-period", required_argument, NULL, O_PERIOD},
            {"cpu-quota", required_argument, NULL, O_QUOTA},
            {"cpu-rt-period", required_argument, NULL, O_RT_PERIOD},
            {"cpu-rt-runtime", required_argument, NULL, O_RT_RUNTIME},
            {"cpu-shares", required_argument, NULL, 'c'},
            {"cpus", required_argument, NULL, O_CPUS},
            {"cpuset-cpus", required_argument, NULL, O_CPUSET_CPUS},
            {"cpuset-mems", required_argument, NULL, O_CPUSET_MEMS},
            {"memory", required_argument, NULL, 'm'},
            {"memory-reservation", required_argument, NULL, O_RESERVATION},
            {"memory-swap", required_argument, NULL, O_SWAP},
            {"pids-limit", required_argument, NULL, O_PIDS},
            {"restart", required_argument, NULL, O_RESTART},
            {"help", no_argument, NULL, 'h'},
            {0}};
        _cleanup_json_ json_t *changes = json_object();
        berth_error err = {0};
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":c:m:h", opts, NULL)) != -1) {
                if (c == 'h') {
                        printf("%s", usage);
                        return 0;
                }
                if (c == '?' || c == ':')
                        return cli_bad_flag("update", argv, c);
                if (take(c, optarg, changes, &err) < 0) {
                        fprintf(stderr, "berth: invalid argument \"%s\": %s\n", optarg, err.msg);
                        return 125;
                }
        }
        if (optind >= argc)
                return cli_usage("update", "\"berth update\" requires at least 1 argument.");
        if (json_object_size(changes) == 0)
                return cli_usage("update",
                                 "you must provide one or more flags when using this command");
        return cli_each(cli, "update", argc, argv, update_one, changes, true);
}
