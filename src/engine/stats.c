/* SPDX-License-Identifier: Apache-2.0 */
/* `stats`: one sample of a container's counters, and Docker's arithmetic on them. */
#include "engine/stats.h"
#include "engine/engine-internal.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void berth_container_stats_clear(berth_container_stats *s)
{
        if (s == NULL)
                return;
        free(s->id);
        free(s->name);
        *s = (berth_container_stats){0};
}

double berth_stats_cpu_percent(uint64_t prev_cpu_ns, uint64_t cpu_ns, uint64_t prev_system_ns,
                               uint64_t system_ns, unsigned online_cpus)
{
        double cpu_delta = (double)cpu_ns - (double)prev_cpu_ns;
        double system_delta = (double)system_ns - (double)prev_system_ns;
        if (cpu_delta <= 0.0 || system_delta <= 0.0)
                return 0.0;
        return cpu_delta / system_delta * (double)online_cpus * 100.0;
}

uint64_t berth_stats_mem_used(uint64_t usage, uint64_t inactive_file)
{
        return inactive_file < usage ? usage - inactive_file : usage;
}

double berth_stats_mem_percent(uint64_t used, uint64_t limit)
{
        return limit ? (double)used / (double)limit * 100.0 : 0.0;
}

uint64_t berth_stats_mem_limit(uint64_t cgroup_limit, uint64_t host_memory)
{
        if (host_memory && (cgroup_limit == 0 || cgroup_limit > host_memory))
                return host_memory;
        return cgroup_limit;
}

int berth_stats_parse_proc_stat(const char *text, long ticks_per_sec, uint64_t *ret_ns,
                                unsigned *ret_cpus)
{
        bool have_total = false;
        uint64_t ticks = 0;
        unsigned cpus = 0;
        if (ticks_per_sec <= 0)
                return -EINVAL;
        /* The cpu lines come first; anything else ends them (as Docker and glibc read it). */
        for (const char *l = text; l && strncmp(l, "cpu", 3) == 0;) {
                if (l[3] == ' ') {
                        unsigned long long v[7];
                        if (sscanf(l + 3, "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                                   &v[3], &v[4], &v[5], &v[6]) != 7)
                                return -EINVAL;
                        ticks = 0;
                        for (int i = 0; i < 7; i++)
                                ticks += v[i];
                        have_total = true;
                } else if (l[3] >= '0' && l[3] <= '9') {
                        cpus++;
                }
                l = strchr(l, '\n');
                if (l)
                        l++;
        }
        if (!have_total)
                return -EINVAL;
        /* ticks × 1e9 / hz, without overflowing for a long uptime */
        *ret_ns = ticks / (uint64_t)ticks_per_sec * 1000000000ULL +
                  ticks % (uint64_t)ticks_per_sec * 1000000000ULL / (uint64_t)ticks_per_sec;
        *ret_cpus = cpus;
        return 0;
}

void berth_stats_parse_net_dev(const char *text, uint64_t *ret_rx, uint64_t *ret_tx)
{
        uint64_t rx = 0, tx = 0;
        /* "  eth0: rx_bytes packets errs drop fifo frame compressed multicast tx_bytes …" */
        for (const char *l = text; l && *l;) {
                const char *colon = strchr(l, ':');
                const char *nl = strchr(l, '\n');
                if (colon && (nl == NULL || colon < nl)) {
                        const char *n = l;
                        while (*n == ' ')
                                n++;
                        unsigned long long v[9];
                        bool lo = (size_t)(colon - n) == 2 && strncmp(n, "lo", 2) == 0;
                        if (!lo &&
                            sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
                                   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
                                rx += v[0];
                                tx += v[8];
                        }
                }
                l = nl ? nl + 1 : NULL;
        }
        *ret_rx = rx;
        *ret_tx = tx;
}

uint64_t berth_stats_parse_meminfo(const char *text)
{
        const char *p = strstr(text, "MemTotal:");
        if (p == NULL || (p != text && p[-1] != '\n'))
                return 0;
        unsigned long long kb;
        if (sscanf(p + strlen("MemTotal:"), "%llu", &kb) != 1)
                return 0;
        return (uint64_t)kb * 1024;
}

static uint64_t host_memory(void)
{
        _cleanup_free_ char *text = NULL;
        if (berth_read_file("/proc/meminfo", &text, NULL, NULL) < 0)
                return 0;
        return berth_stats_parse_meminfo(text);
}

/* The container's network namespace, unless it is ours (host networking: nothing to count). */
static void net_counters(pid_t pid, uint64_t *rx, uint64_t *tx)
{
        _cleanup_free_ char *ns = berth_xasprintf("/proc/%d/ns/net", (int)pid);
        _cleanup_free_ char *dev = berth_xasprintf("/proc/%d/net/dev", (int)pid);
        _cleanup_free_ char *text = NULL;
        struct stat theirs, ours;
        *rx = *tx = 0;
        if (pid <= 0 || stat(ns, &theirs) < 0 || stat("/proc/self/ns/net", &ours) < 0 ||
            (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino))
                return;
        if (berth_read_file(dev, &text, NULL, NULL) == 0)
                berth_stats_parse_net_dev(text, rx, tx);
}

int berth_engine_stats(berth_engine *e, const char *name, berth_container_stats *ret,
                       berth_error *err)
{
        berth_container c;
        _cleanup_free_ char *stat_text = NULL;
        if (berth_engine_get(e, name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        berth_container_stats s = {.id = berth_xstrdup(c.id), .name = berth_xstrdup(c.name)};
        int r = berth_read_file("/proc/stat", &stat_text, NULL, err);
        if (r == 0 && berth_stats_parse_proc_stat(stat_text, sysconf(_SC_CLK_TCK), &s.system_cpu_ns,
                                                  &s.online_cpus) < 0)
                r = berth_errx(err, EINVAL, "cannot parse '/proc/stat'");
        if (r < 0) {
                berth_container_clear(&c);
                berth_container_stats_clear(&s);
                return r;
        }
        /* Docker counts a paused container as running; a restarting one gets empty stats. */
        if (berth_state_up(c.state)) {
                berth_cgroup_stats cs;
                berth_error ignored = {0};
                /* It may stop between the record and the cgroup: then it shows as stopped. */
                if (berth_rt_stats(berth_engine_rt(e), c.id, &cs, &ignored) == 0) {
                        s.running = true;
                        s.cpu_usage_ns = cs.cpu_usage_ns;
                        s.mem_usage = cs.memory_usage;
                        s.mem_inactive_file = cs.memory_inactive_file;
                        s.mem_limit = berth_stats_mem_limit(cs.memory_limit, host_memory());
                        s.blk_read = cs.io_read_bytes;
                        s.blk_write = cs.io_write_bytes;
                        s.pids = cs.pids_current;
                        net_counters(c.pid, &s.net_rx, &s.net_tx);
                }
        }
        berth_container_clear(&c);
        *ret = s;
        return 0;
}
