/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_spec(const berth_rt_ctx *ctx, int argc, char **argv)
{
        static const struct option o[] = {{"bundle", required_argument, NULL, 'b'},
                                          {"rootless", no_argument, NULL, 'r'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        const char *bundle = ".";
        bool rootless = false;
        int c;
        while ((c = getopt_long_only(argc, argv, "+b:h", o, NULL)) != -1) {
                if (c == 'b')
                        bundle = optarg;
                else if (c == 'r')
                        rootless = true;
                else if (c == 'h') {
                        printf("usage: berth-runtime spec [--bundle DIR] [--rootless]\n");
                        return 0;
                } else
                        return cli_usage_error("spec", "unknown option");
        }
        berth_error err = {0};
        _cleanup_free_ char *path = berth_xasprintf("%s/config.json", bundle);
        _cleanup_free_ char *json = berth_oci_spec_default_json(rootless);
        size_t len = strlen(json);
        _cleanup_free_ char *text = berth_xasprintf("%s\n", json);
        if (access(path, F_OK) == 0) {
                berth_errx(&err, EEXIST, "'%s' exists: remove it first", path);
                return cli_fail(&err);
        }
        if (berth_write_file(path, text, len + 1, O_CREAT | O_EXCL, &err) < 0)
                return cli_fail(&err);
        return 0;
}

int cmd_features(const berth_rt_ctx *ctx, int argc, char **argv)
{
        _cleanup_free_ char *json = berth_oci_features_json();
        printf("%s\n", json);
        return 0;
}

enum {
        OPT_MEMORY = 1000,
        OPT_MEMORY_RES,
        OPT_MEMORY_SWAP,
        OPT_KERNEL,
        OPT_CPU_SHARES,
        OPT_CPU_QUOTA,
        OPT_CPU_PERIOD,
        OPT_CPUSET_CPUS,
        OPT_CPUSET_MEMS,
        OPT_PIDS,
        OPT_BLKIO,
        OPT_RT_RUNTIME,
        OPT_RT_PERIOD,
};

static int set_i64(oci_opt_i64 *o, const char *v, bool size)
{
        long long n;
        int r = size ? cli_parse_size(v, &n) : berth_parse_i64(v, &n);
        if (r < 0)
                return r;
        o->set = true;
        o->v = n;
        return 0;
}

static int set_u64(oci_opt_u64 *o, const char *v)
{
        long long n;
        if (berth_parse_i64(v, &n) < 0 || n < 0)
                return -EINVAL;
        o->set = true;
        o->v = (uint64_t)n;
        return 0;
}

int cmd_update(const berth_rt_ctx *ctx, int argc, char **argv)
{
        static const struct option o[] = {
            {"resources", required_argument, NULL, 'r'},
            {"memory", required_argument, NULL, OPT_MEMORY},
            {"memory-reservation", required_argument, NULL, OPT_MEMORY_RES},
            {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
            {"kernel-memory", required_argument, NULL, OPT_KERNEL},
            {"cpu-shares", required_argument, NULL, OPT_CPU_SHARES},
            {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
            {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
            {"cpu-rt-runtime", required_argument, NULL, OPT_RT_RUNTIME},
            {"cpu-rt-period", required_argument, NULL, OPT_RT_PERIOD},
            {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
            {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
            {"pids-limit", required_argument, NULL, OPT_PIDS},
            {"blkio-weight", required_argument, NULL, OPT_BLKIO},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        oci_resources flags = {0};
        const char *file = NULL;
        bool any = false;
        int c, r = 0;
        while ((c = getopt_long_only(argc, argv, "+r:h", o, NULL)) != -1) {
                any = true;
                switch (c) {
                case 'r':
                        file = optarg;
                        break;
                case OPT_MEMORY:
                        r = set_i64(&flags.memory.limit, optarg, true);
                        break;
                case OPT_MEMORY_RES:
                        r = set_i64(&flags.memory.reservation, optarg, true);
                        break;
                case OPT_MEMORY_SWAP:
                        r = set_i64(&flags.memory.swap, optarg, true);
                        break;
                case OPT_KERNEL:
                        r = set_i64(&flags.memory.kernel, optarg, true);
                        break;
                case OPT_CPU_SHARES:
                        r = set_u64(&flags.cpu.shares, optarg);
                        break;
                case OPT_CPU_QUOTA:
                        r = set_i64(&flags.cpu.quota, optarg, false);
                        break;
                case OPT_CPU_PERIOD:
                        r = set_u64(&flags.cpu.period, optarg);
                        break;
                case OPT_RT_RUNTIME:
                        r = set_i64(&flags.cpu.realtime_runtime, optarg, false);
                        break;
                case OPT_RT_PERIOD:
                        r = set_u64(&flags.cpu.realtime_period, optarg);
                        break;
                case OPT_CPUSET_CPUS:
                        free(flags.cpu.cpus);
                        flags.cpu.cpus = berth_xstrdup(optarg);
                        break;
                case OPT_CPUSET_MEMS:
                        free(flags.cpu.mems);
                        flags.cpu.mems = berth_xstrdup(optarg);
                        break;
                case OPT_PIDS:
                        r = set_i64(&flags.pids.limit, optarg, false);
                        break;
                case OPT_BLKIO:
                        r = set_u64(&flags.blkio.weight, optarg);
                        break;
                case 'h':
                        printf("usage: berth-runtime update [-r FILE|-] [--memory N] "
                               "[--cpu-quota N] … ID\n");
                        return 0;
                default:
                        return cli_usage_error("update", "unknown option");
                }
                if (r < 0)
                        return cli_usage_error("update", "invalid value '%s'", optarg);
        }
        const char *id = cli_need_id("update", argc, argv);
        if (id == NULL)
                return 1;
        if (!any)
                return cli_usage_error("update", "nothing to update");
        berth_error err = {0};
        oci_resources *res = NULL;
        if (file) {
                _cleanup_free_ char *text = NULL;
                size_t len;
                if (berth_read_file(strcmp(file, "-") == 0 ? "/dev/stdin" : file, &text, &len,
                                    &err) < 0)
                        return cli_fail(&err);
                res = berth_oci_resources_parse(text, len, &err);
                if (res == NULL)
                        return cli_fail(&err);
        }
        /* Flags override the file, field by field. */
        oci_resources *use = res ? res : &flags;
        if (res) {
#define TAKE(f)                                                                                    \
        if (flags.f.set)                                                                           \
        res->f = flags.f
                TAKE(memory.limit);
                TAKE(memory.reservation);
                TAKE(memory.swap);
                TAKE(memory.kernel);
                TAKE(cpu.shares);
                TAKE(cpu.quota);
                TAKE(cpu.period);
                TAKE(cpu.realtime_runtime);
                TAKE(cpu.realtime_period);
                TAKE(pids.limit);
                TAKE(blkio.weight);
#undef TAKE
                if (flags.cpu.cpus) {
                        free(res->cpu.cpus);
                        res->cpu.cpus = TAKE_PTR(flags.cpu.cpus);
                }
                if (flags.cpu.mems) {
                        free(res->cpu.mems);
                        res->cpu.mems = TAKE_PTR(flags.cpu.mems);
                }
        }
        r = berth_rt_update(ctx, id, use, &err);
        berth_oci_resources_free(res);
        free(flags.cpu.cpus);
        free(flags.cpu.mems);
        return r < 0 ? cli_fail(&err) : 0;
}
