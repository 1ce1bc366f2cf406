/* SPDX-License-Identifier: Apache-2.0 */
/* stats arithmetic and parsers, top's ps parsing and /proc rows, prune filters. */
#include "tap.h"

#include "base/cleanup.h"
#include "base/strutil.h"
#include "engine/prune.h"
#include "engine/stats.h"
#include "engine/top.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static bool near(double a, double b)
{
        return fabs(a - b) < 1e-6;
}

static void test_cpu(void)
{
        /* one busy cpu of four: 1 s of container time over 4 s of host time */
        ok(near(berth_stats_cpu_percent(0, 1000000000, 0, 4000000000ULL, 4), 100.0),
           "cpu: one busy cpu of four is 100%%");
        ok(near(berth_stats_cpu_percent(500, 500 + 1000000000ULL, 10, 10 + 2000000000ULL, 2),
                100.0),
           "cpu: deltas, not totals");
        ok(near(berth_stats_cpu_percent(0, 2000000000ULL, 0, 2000000000ULL, 2), 200.0),
           "cpu: two busy cpus of two is 200%%");
        ok(near(berth_stats_cpu_percent(0, 250000000, 0, 2000000000ULL, 2), 25.0),
           "cpu: a quarter of one cpu");
        ok(near(berth_stats_cpu_percent(100, 100, 0, 1000, 2), 0.0), "cpu: no use is 0");
        ok(near(berth_stats_cpu_percent(200, 100, 0, 1000, 2), 0.0), "cpu: counter reset is 0");
        ok(near(berth_stats_cpu_percent(0, 100, 1000, 1000, 2), 0.0),
           "cpu: no system time passed is 0");
}

static void test_memory(void)
{
        is_int(berth_stats_mem_used(100 << 20, 30 << 20), 70 << 20, "mem: usage - inactive_file");
        is_int(berth_stats_mem_used(10, 20), 10, "mem: inactive_file above usage: usage");
        is_int(berth_stats_mem_used(10, 10), 10, "mem: inactive_file equal to usage: usage");
        is_int(berth_stats_mem_used(0, 0), 0, "mem: nothing");
        ok(near(berth_stats_mem_percent(32 << 20, 128 << 20), 25.0), "mem: 32 MiB of 128 is 25%%");
        ok(near(berth_stats_mem_percent(5, 0), 0.0), "mem: no limit read is 0%%");
        is_int(berth_stats_mem_limit(64 << 20, 1ULL << 30), 64 << 20, "limit: the cgroup's");
        is_int(berth_stats_mem_limit(0, 1ULL << 30), 1ULL << 30, "limit: max is the host's");
        is_int(berth_stats_mem_limit(9223372036854771712ULL, 1ULL << 30), 1ULL << 30,
               "limit: v1 unlimited is the host's");
        is_int(berth_stats_mem_limit(64 << 20, 0), 64 << 20, "limit: host unknown");
}

static void test_parsers(void)
{
        uint64_t ns = 0, rx = 1, tx = 1;
        unsigned cpus = 0;
        const char *stat = "cpu  100 1 50 800 10 2 3 4 0 0\n"
                           "cpu0 50 1 25 400 5 1 2 2 0 0\n"
                           "cpu1 50 0 25 400 5 1 1 2 0 0\n"
                           "intr 12345\nctxt 99\nbtime 1700000000\n";
        ok(berth_stats_parse_proc_stat(stat, 100, &ns, &cpus) == 0, "proc/stat parses");
        is_int(ns, 966ULL * 10000000ULL, "proc/stat: 7 fields (not steal) at 100 Hz, in ns");
        is_int(cpus, 2, "proc/stat: cpuN lines counted");
        ok(berth_stats_parse_proc_stat(stat, 250, &ns, &cpus) == 0 && ns == 966ULL * 4000000ULL,
           "proc/stat: other clock rates");
        ok(berth_stats_parse_proc_stat("intr 1\n", 100, &ns, &cpus) < 0,
           "proc/stat: no cpu line is an error");
        ok(berth_stats_parse_proc_stat("cpu 1 2\n", 100, &ns, &cpus) < 0,
           "proc/stat: a short cpu line is an error");
        const char *dev =
            "Inter-|   Receive                                                |  Transmit\n"
            " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
            "errs drop fifo colls carrier compressed\n"
            "    lo:  999999     10    0    0    0     0          0         0   888888      10    "
            "0    0    0     0       0          0\n"
            "  eth0:    1500     12    0    0    0     0          0         0     700       7    "
            "0    0    0     0       0          0\n"
            "veth1:100 1 0 0 0 0 0 0 20 1 0 0 0 0 0 0\n";
        berth_stats_parse_net_dev(dev, &rx, &tx);
        is_int(rx, 1600, "net/dev: received bytes summed, lo left out");
        is_int(tx, 720, "net/dev: sent bytes summed, lo left out");
        berth_stats_parse_net_dev("", &rx, &tx);
        ok(rx == 0 && tx == 0, "net/dev: nothing is 0");
        is_int(berth_stats_parse_meminfo("MemTotal:       24684092 kB\nMemFree: 1 kB\n"),
               24684092ULL * 1024, "meminfo: MemTotal in bytes");
        is_int(berth_stats_parse_meminfo("MemFree: 1 kB\n"), 0, "meminfo: no MemTotal is 0");
}

static void test_top_parse(void)
{
        berth_error err = {0};
        berth_top t = {0};
        pid_t pids[] = {200, 300};
        const char *out = "  PID TTY          TIME CMD\n"
                          "  100 ?        00:00:00 host-thing\n"
                          "  200 ?        00:00:01 sh -c   sleep 5\n"
                          "    - -        00:00:00 -\n"
                          "  300 pts/1    00:00:00 sleep\n"
                          "  400 ?        00:00:00 other\n"
                          "    - -        00:00:00 -\n";
        ok(berth_top_parse_ps(out, pids, 2, &t, &err) == 0, "ps output parses");
        is_int(berth_strv_length(t.titles), 4, "ps: titles");
        is_int(t.n, 3, "ps: the container's rows and its thread row, not the host's");
        is_str(t.rows[0][0], "200", "ps: first row is pid 200");
        is_str(t.rows[0][3], "sh -c sleep 5", "ps: overhanging fields join the last column");
        is_str(t.rows[1][0], "-", "ps: thread row follows its process");
        is_str(t.rows[2][1], "pts/1", "ps: cells kept");
        berth_top_clear(&t);
        ok(berth_top_parse_ps("USER COMMAND\nroot sh\n", pids, 2, &t, &err) < 0,
           "ps: no PID column is an error");
        like(err.msg, "Couldn't find PID field", "ps: docker's message: %s", err.msg);
        ok(berth_top_parse_ps("PID CMD\nabc x\n", pids, 2, &t, &err) < 0 &&
               strstr(err.msg, "Unexpected pid 'abc'"),
           "ps: a bad pid is an error: %s", err.msg);
}

static void test_top_row(void)
{
        time_t now = time(NULL);
        char **row = berth_top_proc_row(getpid(), now, 0);
        ok(row != NULL && berth_strv_length(row) == 8, "proc row: 8 cells for ourselves");
        if (row) {
                _cleanup_free_ char *pid = berth_xasprintf("%d", (int)getpid());
                _cleanup_free_ char *ppid = berth_xasprintf("%d", (int)getppid());
                is_str(row[1], pid, "proc row: PID");
                is_str(row[2], ppid, "proc row: PPID");
                like(row[7], "test-stats", "proc row: CMD is the command line");
                ok(strlen(row[6]) == 8 && row[6][2] == ':' && row[6][5] == ':',
                   "proc row: TIME is HH:MM:SS (%s)", row[6]);
                ok(atoi(row[3]) >= 0 && atoi(row[3]) <= 99, "proc row: C within 0..99");
        }
        berth_strv_free(row);
        ok(berth_top_proc_row(0x7ffffff0, now, 0) == NULL, "proc row: a missing pid is NULL");
}

static void test_prune_filters(void)
{
        berth_error err = {0};
        int64_t t;
        time_t now = 1700000000;
        ok(berth_prune_parse_time("1h", now, &t, &err) == 0 && t == now - 3600,
           "until: a duration is before now");
        ok(berth_prune_parse_time("1699999999", now, &t, &err) == 0 && t == 1699999999,
           "until: unix seconds");
        ok(berth_prune_parse_time("1699999999.5", now, &t, &err) == 0 && t == 1699999999,
           "until: unix seconds with a fraction");
        ok(berth_prune_parse_time("2023-11-14T22:13:20Z", now, &t, &err) == 0 && t == 1700000000,
           "until: RFC 3339 UTC");
        ok(berth_prune_parse_time("2023-11-15T00:13:20+02:00", now, &t, &err) == 0 &&
               t == 1700000000,
           "until: RFC 3339 with an offset");
        ok(berth_prune_parse_time("2023-11-14T22:13:20.123Z", now, &t, &err) == 0 &&
               t == 1700000000,
           "until: fractional seconds");
        ok(berth_prune_parse_time("0", now, &t, &err) == 0 && t == 0, "until: 0 is the epoch");
        ok(berth_prune_parse_time("abc", now, &t, &err) < 0, "until: garbage refused");
        like(err.msg, "failed to parse value as time or duration", "until: docker's message");
        ok(berth_prune_parse_time("", now, &t, &err) < 0, "until: empty refused");

        berth_prune_filters f = {0};
        char *specs[] = {"label=a", "label=b=2", "label!=keep", "until=1h", NULL};
        ok(berth_prune_filters_parse(specs, &f, &err) == 0, "filters parse");
        ok(f.has_until && berth_strv_length(f.labels) == 2 && berth_strv_length(f.not_labels) == 1,
           "filters: until, labels, label!");
        json_t *l1 = json_pack("{s:s,s:s}", "a", "x", "b", "2");
        json_t *l2 = json_pack("{s:s,s:s}", "a", "x", "b", "3");
        json_t *l3 = json_pack("{s:s,s:s,s:s}", "a", "x", "b", "2", "keep", "");
        ok(berth_prune_labels_match(&f, l1), "labels: all match");
        ok(!berth_prune_labels_match(&f, l2), "labels: a value differs");
        ok(!berth_prune_labels_match(&f, l3), "labels: label! keeps it");
        ok(!berth_prune_labels_match(&f, NULL), "labels: none does not match label=");
        ok(berth_prune_labels_match(NULL, NULL), "labels: no filters match everything");
        json_decref(l1);
        json_decref(l2);
        json_decref(l3);
        berth_prune_filters_clear(&f);
        char *bad[] = {"dangling=true", NULL};
        ok(berth_prune_filters_parse(bad, &f, &err) < 0, "filters: an unknown key is refused");
        is_str(err.msg, "invalid filter 'dangling'", "filters: docker's message");
        char *two[] = {"until=1h", "until=2h", NULL};
        ok(berth_prune_filters_parse(two, &f, &err) < 0 && strstr(err.msg, "more than one until"),
           "filters: one until only");
}

int main(void)
{
        test_cpu();
        test_memory();
        test_parsers();
        test_top_parse();
        test_top_row();
        test_prune_filters();
        return tap_done();
}
