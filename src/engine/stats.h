/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "engine/engine.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * Resource usage of containers (`stats`), as Docker's daemon and CLI
 * compute it.
 *
 * A sample (berth_engine_stats) holds cumulative counters read at one
 * moment; CPU % needs two samples of the same container:
 *
 *   berth_engine_stats(e, "web", &a, err);  … about a second …
 *   berth_engine_stats(e, "web", &b, err);
 *   berth_stats_cpu_percent(&a, &b);        berth_stats_mem_used(&b);
 *
 * The pure functions below take numbers only, so they are unit-tested
 * without containers.
 */

typedef struct {
        char *id, *name;
        bool running; /* false: every counter is 0 (Docker's empty stats for a stopped one) */
        uint64_t cpu_usage_ns;  /* container, cumulative (cgroup cpuacct.usage / usage_usec) */
        uint64_t system_cpu_ns; /* the host, cumulative: /proc/stat "cpu" line, 7 fields */
        unsigned online_cpus;   /* "cpuN" lines of /proc/stat */
        uint64_t mem_usage;     /* cgroup usage, page cache included */
        uint64_t mem_inactive_file;
        uint64_t mem_limit;      /* the container's limit, or the host's memory when it has none */
        uint64_t net_rx, net_tx; /* bytes over the interfaces of its own network namespace */
        uint64_t blk_read, blk_write;
        uint64_t pids;
} berth_container_stats;

void berth_container_stats_clear(berth_container_stats *s);

/**
 * One sample of the container name (id, name or id prefix). A container
 * that does not run gives running=false and zeros, not an error; only a
 * missing container (-ENOENT, "no such container: <name>") or an
 * unreadable host (/proc/stat) fails. Network counters are those of the
 * interfaces (but lo) in the network namespace of the container's init;
 * a container sharing the host's network namespace shows 0, as in Docker.
 */
int berth_engine_stats(berth_engine *e, const char *name, berth_container_stats *ret,
                       berth_error *err);

/**
 * Docker's CPU %: (Δ container cpu / Δ system cpu) × online cpus × 100,
 * 0 when either delta is not positive (the first sample, a counter reset).
 */
double berth_stats_cpu_percent(uint64_t prev_cpu_ns, uint64_t cpu_ns, uint64_t prev_system_ns,
                               uint64_t system_ns, unsigned online_cpus);
/** Docker's memory use without cache: usage − inactive_file when that is smaller, else usage. */
uint64_t berth_stats_mem_used(uint64_t usage, uint64_t inactive_file);
/** used / limit × 100; 0 when the limit is 0 (nothing read). */
double berth_stats_mem_percent(uint64_t used, uint64_t limit);
/** The limit to show: the cgroup's, unless it is 0 ("max") or above the host's memory. */
uint64_t berth_stats_mem_limit(uint64_t cgroup_limit, uint64_t host_memory);

/**
 * /proc/stat text → the host's cumulative cpu time in ns (user, nice,
 * system, idle, iowait, irq, softirq of the "cpu" line, at ticks_per_sec)
 * and the number of "cpuN" lines. -EINVAL when there is no usable "cpu" line.
 */
int berth_stats_parse_proc_stat(const char *text, long ticks_per_sec, uint64_t *ret_ns,
                                unsigned *ret_cpus);
/** /proc/<pid>/net/dev text → received and sent bytes summed over every interface but lo. */
void berth_stats_parse_net_dev(const char *text, uint64_t *ret_rx, uint64_t *ret_tx);
/** /proc/meminfo text → MemTotal in bytes (0 when absent). */
uint64_t berth_stats_parse_meminfo(const char *text);
