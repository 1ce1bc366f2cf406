/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Restart and health policy against Docker's semantics (its restartmanager
 * and daemon/health.go): the pure decisions table by table, the back-off
 * sequence, the lines the helper tells the monitor, and what the records
 * keep (one transaction each).
 */
#include "base/cleanup-json.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "base/units.h"
#include "engine/container-policy.h"
#include "engine/containers.h"
#include "engine/events.h"
#include "engine/exit.h"
#include "engine/health-record.h"
#include "engine/helper-proto.h"
#include "engine/policy.h"
#include "records.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S  1000000000LL
#define MS 1000000LL

static const char ID[] = "5555555555555555555555555555555555555555555555555555555555555555";

static void test_parse(void)
{
        static const struct {
                const char *name;
                int max;
                int rc;
                berth_restart_mode mode;
                int want_max;
        } rows[] = {
            {NULL, 0, 0, BERTH_RESTART_NO, 0},
            {"", 0, 0, BERTH_RESTART_NO, 0},
            {"no", 0, 0, BERTH_RESTART_NO, 0},
            {"always", 0, 0, BERTH_RESTART_ALWAYS, 0},
            {"unless-stopped", 0, 0, BERTH_RESTART_UNLESS_STOPPED, 0},
            {"on-failure", 0, 0, BERTH_RESTART_ON_FAILURE, 0},
            {"on-failure", 3, 0, BERTH_RESTART_ON_FAILURE, 3},
            {"on-failure", -1, 0, BERTH_RESTART_ON_FAILURE, 0},
            {"sometimes", 0, -EINVAL, 0, 0},
            {"Always", 0, -EINVAL, 0, 0},
            {"on-failure:3", 0, -EINVAL, 0, 0},
        };
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                berth_restart_policy p = {.mode = 99};
                int rc = berth_policy_restart_parse(rows[i].name, rows[i].max, &p);
                ok(rc == rows[i].rc &&
                       (rc < 0 || (p.mode == rows[i].mode && p.max_retries == rows[i].want_max)),
                   "parse \"%s\" (max %d)", rows[i].name ? rows[i].name : "(null)", rows[i].max);
        }
        json_t *body = json_pack("{s:{s:{s:s, s:i}}}", "HostConfig", "RestartPolicy", "Name",
                                 "on-failure", "MaximumRetryCount", 4);
        berth_restart_policy p = berth_container_restart_policy(body);
        ok(p.mode == BERTH_RESTART_ON_FAILURE && p.max_retries == 4,
           "a body's HostConfig.RestartPolicy");
        json_decref(body);
        p = berth_container_restart_policy(NULL);
        ok(p.mode == BERTH_RESTART_NO, "no body, no policy");
}

/* Docker's rule on an exit, written out as its documentation says it. */
static bool docker_restarts(berth_restart_mode mode, int max, int code, bool stopped, int count)
{
        if (stopped) /* docker stop/kill cancels the restart manager */
                return false;
        switch (mode) {
        case BERTH_RESTART_ALWAYS:
        case BERTH_RESTART_UNLESS_STOPPED:
                return true;
        case BERTH_RESTART_ON_FAILURE:
                return code != 0 && (max == 0 || count < max);
        default:
                return false;
        }
}

static void test_restart_table(void)
{
        static const berth_restart_policy policies[] = {
            {BERTH_RESTART_NO, 0},
            {BERTH_RESTART_ALWAYS, 0},
            {BERTH_RESTART_UNLESS_STOPPED, 0},
            {BERTH_RESTART_ON_FAILURE, 0},
            {BERTH_RESTART_ON_FAILURE, 2},
        };
        static const int codes[] = {0, 1, 2, 125, 137, 143, 255};
        static const int64_t ran[] = {0, 50, 9999, 10000, 3600000};
        static const int counts[] = {0, 1, 2, 3, 100};
        int cases = 0, wrong = 0;
        for (size_t a = 0; a < sizeof(policies) / sizeof(policies[0]); a++)
                for (size_t b = 0; b < sizeof(codes) / sizeof(codes[0]); b++)
                        for (int stopped = 0; stopped < 2; stopped++)
                                for (size_t d = 0; d < sizeof(ran) / sizeof(ran[0]); d++)
                                        for (size_t e = 0; e < sizeof(counts) / sizeof(counts[0]);
                                             e++) {
                                                berth_exit_facts f = {.exit_code = codes[b],
                                                                      .manual_stop = stopped,
                                                                      .restart_count = counts[e],
                                                                      .ran_ms = ran[d],
                                                                      .last_delay_ms = 400};
                                                berth_restart_decision r =
                                                    berth_policy_restart(&policies[a], &f);
                                                bool want = docker_restarts(
                                                    policies[a].mode, policies[a].max_retries,
                                                    codes[b], stopped, counts[e]);
                                                cases++;
                                                if (r.restart != want) {
                                                        wrong++;
                                                        printf("# policy %d:%d code %d stopped %d "
                                                               "ran %lld count %d: got %d\n",
                                                               policies[a].mode,
                                                               policies[a].max_retries, codes[b],
                                                               stopped, (long long)ran[d],
                                                               counts[e], r.restart);
                                                }
                                                if (r.restart &&
                                                    r.delay_ms != (ran[d] >= 10000 ? 100 : 800)) {
                                                        wrong++;
                                                        printf("# delay %lld after ran %lld\n",
                                                               (long long)r.delay_ms,
                                                               (long long)ran[d]);
                                                }
                                        }
        ok(wrong == 0, "every policy × exit code × user stop × run time × restart count (%d cases)",
           cases);

        /* the rows people ask about, spelled out */
        berth_restart_policy always = {BERTH_RESTART_ALWAYS, 0};
        berth_restart_policy unless = {BERTH_RESTART_UNLESS_STOPPED, 0};
        berth_restart_policy onfail = {BERTH_RESTART_ON_FAILURE, 2};
        berth_restart_policy no = {BERTH_RESTART_NO, 0};
        berth_exit_facts ok0 = {.exit_code = 0}, fail1 = {.exit_code = 1};
        berth_exit_facts stopped = {.exit_code = 137, .manual_stop = true};
        ok(berth_policy_restart(&always, &ok0).restart, "always: a clean exit restarts");
        ok(!berth_policy_restart(&always, &stopped).restart, "always: not after the user's stop");
        ok(berth_policy_restart(&unless, &fail1).restart, "unless-stopped: a failure restarts");
        ok(!berth_policy_restart(&unless, &stopped).restart,
           "unless-stopped: not after the user's stop");
        ok(!berth_policy_restart(&onfail, &ok0).restart, "on-failure: exit 0 stays exited");
        ok(berth_policy_restart(&onfail, &fail1).restart, "on-failure: exit 1 restarts");
        berth_exit_facts fail_at_max = {.exit_code = 1, .restart_count = 2};
        ok(!berth_policy_restart(&onfail, &fail_at_max).restart,
           "on-failure:2 after 2 restarts stays exited");
        ok(!berth_policy_restart(&no, &fail1).restart, "no: never");
}

static void test_backoff(void)
{
        static const int64_t want[] = {100,   200,   400,   800,   1600,  3200, 6400,
                                       12800, 25600, 51200, 60000, 60000, 60000};
        berth_restart_policy always = {BERTH_RESTART_ALWAYS, 0};
        berth_exit_facts f = {.exit_code = 1, .ran_ms = 10};
        bool same = true;
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                berth_restart_decision d = berth_policy_restart(&always, &f);
                if (!d.restart || d.delay_ms != want[i]) {
                        same = false;
                        printf("# restart %zu: %lld ms, want %lld\n", i + 1, (long long)d.delay_ms,
                               (long long)want[i]);
                }
                f.last_delay_ms = d.delay_ms;
        }
        ok(same, "back-off: 100 ms, doubling, at most a minute");
        f.ran_ms = 9999;
        is_int(berth_policy_restart(&always, &f).delay_ms, 60000, "a run of 9.999 s keeps it");
        f.ran_ms = 10000;
        is_int(berth_policy_restart(&always, &f).delay_ms, 100,
               "a run of 10 s starts it over at 100 ms");
        f.last_delay_ms = 3200;
        f.ran_ms = 0;
        f.manual_stop = true;
        berth_restart_decision d = berth_policy_restart(&always, &f);
        ok(!d.restart && d.delay_ms == 6400,
           "a decision not to restart still moves the back-off on (as Docker's does)");
        berth_restart_policy no = {BERTH_RESTART_NO, 0};
        d = berth_policy_restart(&no, &f);
        ok(!d.restart && d.delay_ms == 3200, "\"no\" leaves it alone");
}

static void test_boot(void)
{
        static const struct {
                berth_restart_mode mode;
                int max, code;
                bool stopped;
                int count;
                bool want;
                const char *what;
        } rows[] = {
            {BERTH_RESTART_NO, 0, 255, false, 0, false, "no: stays down"},
            {BERTH_RESTART_ALWAYS, 0, 0, false, 0, true, "always"},
            {BERTH_RESTART_ALWAYS, 0, 137, true, 0, true, "always, even stopped by the user"},
            {BERTH_RESTART_UNLESS_STOPPED, 0, 255, false, 0, true, "unless-stopped, lost"},
            {BERTH_RESTART_UNLESS_STOPPED, 0, 0, false, 0, true, "unless-stopped, exited 0"},
            {BERTH_RESTART_UNLESS_STOPPED, 0, 137, true, 0, false,
             "unless-stopped, stopped by the user: stays down"},
            {BERTH_RESTART_ON_FAILURE, 0, 255, false, 0, true, "on-failure, lost (255)"},
            {BERTH_RESTART_ON_FAILURE, 0, 0, false, 0, false, "on-failure, exited 0"},
            {BERTH_RESTART_ON_FAILURE, 3, 1, false, 3, false, "on-failure:3, no retries left"},
            {BERTH_RESTART_ON_FAILURE, 3, 1, false, 2, true, "on-failure:3, a retry left"},
        };
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                berth_restart_policy p = {rows[i].mode, rows[i].max};
                berth_exit_facts f = {.exit_code = rows[i].code,
                                      .manual_stop = rows[i].stopped,
                                      .restart_count = rows[i].count};
                ok(berth_policy_restart_at_boot(&p, &f) == rows[i].want, "at boot: %s",
                   rows[i].what);
        }
        json_t *body = json_pack("{s:{s:{s:s}}}", "HostConfig", "RestartPolicy", "Name", "always");
        berth_container c = {.body = body, .state = BERTH_STATE_RUNNING};
        ok(!berth_container_restart_at_boot(&c), "a running container is not started again");
        c.state = BERTH_STATE_EXITED;
        ok(berth_container_restart_at_boot(&c), "an exited \"always\" one is");
        json_decref(body);
}

static void test_health_rules(void)
{
        berth_health_config d = {0};
        berth_policy_health_defaults(&d);
        ok(d.interval_ns == 30 * S && d.timeout_ns == 30 * S && d.start_period_ns == 0 &&
               d.start_interval_ns == 5 * S && d.retries == 3,
           "defaults: interval 30s, timeout 30s, no start period, start interval 5s, 3 retries");
        berth_health_config set = {.interval_ns = 2 * S, .retries = 5};
        berth_policy_health_defaults(&set);
        ok(set.interval_ns == 2 * S && set.retries == 5 && set.timeout_ns == 30 * S,
           "what is set stays");

        berth_health_config c = {.retries = 3};
        berth_health_state s = berth_policy_health_started();
        ok(s.status == BERTH_HEALTH_STARTING && s.failing_streak == 0, "a start: starting");
        ok(!berth_policy_health_result(&c, &s, 1, 1 * S) &&
               !berth_policy_health_result(&c, &s, 1, 2 * S) && s.status == BERTH_HEALTH_STARTING &&
               s.failing_streak == 2,
           "two failures: still starting, streak 2");
        ok(berth_policy_health_result(&c, &s, 1, 3 * S) && s.status == BERTH_HEALTH_UNHEALTHY &&
               s.failing_streak == 3,
           "the third: unhealthy (a change)");
        ok(!berth_policy_health_result(&c, &s, 2, 4 * S) && s.failing_streak == 4,
           "more failures: the streak grows, no change");
        ok(berth_policy_health_result(&c, &s, 0, 5 * S) && s.status == BERTH_HEALTH_HEALTHY &&
               s.failing_streak == 0,
           "a pass: healthy, streak cleared");
        ok(!berth_policy_health_result(&c, &s, -1, 6 * S) && s.status == BERTH_HEALTH_HEALTHY &&
               s.failing_streak == 1,
           "a timeout (-1) is a failure; one is not enough");

        /* the start period */
        berth_health_config sp = {.start_period_ns = 10 * S, .retries = 1};
        s = berth_policy_health_started();
        ok(!berth_policy_health_result(&sp, &s, 1, 1 * S) && s.failing_streak == 0 &&
               s.status == BERTH_HEALTH_STARTING,
           "start period: a failure while starting does not count");
        ok(!berth_policy_health_result(&sp, &s, 1, 9999 * MS) && s.failing_streak == 0,
           "… up to its end");
        ok(berth_policy_health_result(&sp, &s, 1, 10 * S) && s.status == BERTH_HEALTH_UNHEALTHY,
           "after it, it counts (retries 1: unhealthy)");
        s = berth_policy_health_started();
        ok(berth_policy_health_result(&sp, &s, 0, 1 * S) && s.status == BERTH_HEALTH_HEALTHY,
           "start period: a pass makes it healthy at once");
        ok(berth_policy_health_result(&sp, &s, 1, 2 * S) && s.status == BERTH_HEALTH_UNHEALTHY &&
               s.failing_streak == 1,
           "once it passed, failures in the start period count");
        berth_health_config r2 = {.retries = 2};
        s = (berth_health_state){BERTH_HEALTH_UNHEALTHY, 7};
        ok(berth_policy_health_result(&r2, &s, 0, 100 * S) && s.status == BERTH_HEALTH_HEALTHY,
           "unhealthy → healthy on one pass");

        /* when the next probe runs */
        static const struct {
                berth_health_config c;
                berth_health_status status;
                int64_t since, want;
                const char *what;
        } next[] = {
            {{.interval_ns = 30 * S},
             BERTH_HEALTH_STARTING,
             0,
             30 * S,
             "no start period: the interval, the first probe too"},
            {{.interval_ns = 30 * S, .start_period_ns = 60 * S, .start_interval_ns = 2 * S},
             BERTH_HEALTH_STARTING,
             0,
             2 * S,
             "in the start period, starting: the start interval"},
            {{.interval_ns = 30 * S, .start_period_ns = 60 * S, .start_interval_ns = 2 * S},
             BERTH_HEALTH_HEALTHY,
             10 * S,
             30 * S,
             "in the start period, healthy: the interval"},
            {{.interval_ns = 30 * S, .start_period_ns = 60 * S, .start_interval_ns = 2 * S},
             BERTH_HEALTH_HEALTHY,
             45 * S,
             15 * S,
             "healthy, the start period ends before the interval would: then"},
            {{.interval_ns = 30 * S, .start_period_ns = 60 * S, .start_interval_ns = 2 * S},
             BERTH_HEALTH_STARTING,
             59 * S,
             1 * S,
             "starting, it ends before the start interval would: then"},
            {{.interval_ns = 10 * S, .start_period_ns = 3 * S, .start_interval_ns = 300 * MS},
             BERTH_HEALTH_STARTING,
             0,
             300 * MS,
             "a start period shorter than the interval: still the start interval"},
            {{.interval_ns = 30 * S, .start_period_ns = 60 * S, .start_interval_ns = 2 * S},
             BERTH_HEALTH_STARTING,
             60 * S,
             30 * S,
             "after the start period: the interval"},
            {{.start_period_ns = 60 * S},
             BERTH_HEALTH_STARTING,
             0,
             5 * S,
             "the start interval's default is 5s"},
        };
        for (size_t i = 0; i < sizeof(next) / sizeof(next[0]); i++)
                is_int(berth_policy_health_interval(&next[i].c, next[i].status, next[i].since),
                       next[i].want, "next probe: %s", next[i].what);

        is_str(berth_health_status_name(BERTH_HEALTH_UNHEALTHY), "unhealthy", "names");
        ok(berth_health_status_parse("healthy") == BERTH_HEALTH_HEALTHY &&
               berth_health_status_parse("none") < 0 && berth_health_status_parse(NULL) < 0,
           "parse");

        json_t *body =
            json_pack("{s:{s:[s,s], s:I, s:I}}", "Healthcheck", "Test", "CMD-SHELL", "true",
                      "Interval", (json_int_t)(2 * S), "StartInterval", (json_int_t)(1 * S));
        berth_health_config hc;
        _cleanup_free_ char *test = berth_container_healthcheck(body, &hc);
        ok(test && strcmp(test, "[\"CMD-SHELL\",\"true\"]") == 0 && hc.interval_ns == 2 * S &&
               hc.start_interval_ns == 1 * S && hc.timeout_ns == 30 * S && hc.retries == 3,
           "a body's Healthcheck, defaults filled in");
        json_decref(body);
        body = json_pack("{s:{s:[s]}}", "Healthcheck", "Test", "NONE");
        ok(berth_container_healthcheck(body, &hc) == NULL, "NONE: no healthcheck");
        json_decref(body);
}

static void test_lines(void)
{
        char line[BERTH_HELPER_LINE_MAX];
        berth_restart_decision d = {.restart = true, .delay_ms = 800}, back;
        berth_helper_format_exit(&d, line, sizeof(line));
        is_str(line, "restart 800\n", "restart line");
        ok(berth_helper_parse_exit(line, &back) == 0 && back.restart && back.delay_ms == 800,
           "read back");
        d.restart = false;
        berth_helper_format_exit(&d, line, sizeof(line));
        ok(strcmp(line, "exited\n") == 0 && berth_helper_parse_exit(line, &back) == 0 &&
               !back.restart,
           "exited line");
        static const char *const bad[] = {"",
                                          "restart\n",
                                          "restart 5",
                                          "restart -1\n",
                                          "restart 5\nrestart 6\n",
                                          "restart 5x\n",
                                          "exited",
                                          "cannot open berth.db"};
        bool refused = true;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                refused = refused && berth_helper_parse_exit(bad[i], &back) == -EINVAL;
        ok(refused, "anything else decides nothing");
        berth_health_status hs;
        berth_helper_format_health(BERTH_HEALTH_HEALTHY, line, sizeof(line));
        ok(strcmp(line, "health healthy\n") == 0 && berth_helper_parse_health(line, &hs) == 0 &&
               hs == BERTH_HEALTH_HEALTHY,
           "health line");
        ok(berth_helper_parse_health("health fine\n", &hs) == -EINVAL &&
               berth_helper_parse_health("health healthy", &hs) == -EINVAL &&
               berth_helper_parse_health("", &hs) == -EINVAL,
           "a bad health line is refused");

        static const struct {
                int64_t ns;
                const char *want;
        } durs[] = {{30 * S, "30s"},      {90 * S, "1m30s"},   {3600 * S, "1h0m0s"},
                    {500 * MS, "500ms"},  {1500 * MS, "1.5s"}, {0, "0s"},
                    {1500, "1.5\u00b5s"}, {7, "7ns"},          {3723 * S + 5 * MS, "1h2m3.005s"}};
        for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
                char buf[32];
                berth_format_go_duration(durs[i].ns, buf, sizeof(buf));
                is_str(buf, durs[i].want, "Go's duration of %lld ns", (long long)durs[i].ns);
        }
        _cleanup_free_ char *m1 = berth_health_timeout_message(30 * S, "");
        is_str(m1, "Health check exceeded timeout (30s)", "the timeout's message");
        _cleanup_free_ char *m2 = berth_health_timeout_message(500 * MS, "half");
        is_str(m2, "Health check exceeded timeout (500ms): half", "… with what it wrote");
}

static berth_container get(berth_db *db)
{
        berth_container c = {0};
        berth_error err = {0};
        berth_container_get(db, ID, &c, &err);
        return c;
}

static void test_records(berth_db *db, const char *dir)
{
        berth_error err = {0};
        berth_rt_ctx rt = {.root = (char *)dir};
        ok(test_insert_container(db, ID, "pol", &err) == 0, "a record: %s", err.msg);

        berth_restart_policy onfail = {BERTH_RESTART_ON_FAILURE, 2};
        ok(berth_container_set_running(db, ID, 42, false, &err) == 0, "started");
        int64_t last = 0;
        for (int i = 1; i <= 3; i++) {
                berth_exit_facts f = {.exit_code = 3, .ran_ms = 5, .last_delay_ms = last};
                berth_restart_decision d;
                ok(berth_container_record_exit_policy(db, &rt, ID, "busybox", "pol", &onfail, &f,
                                                      &d, &err) == 0,
                   "exit %d recorded: %s", i, err.msg);
                berth_container r = get(db);
                if (i <= 2)
                        ok(d.restart && d.delay_ms == 100 << (i - 1) &&
                               r.state == BERTH_STATE_RESTARTING && r.restart_count == i &&
                               r.exit_code == 3,
                           "on-failure:2, exit %d: restarting in %lld ms, RestartCount %d", i,
                           (long long)d.delay_ms, r.restart_count);
                else
                        ok(!d.restart && r.state == BERTH_STATE_EXITED && r.restart_count == 2,
                           "exit 3: exited, RestartCount stays 2");
                berth_container_clear(&r);
                last = d.delay_ms;
                if (d.restart)
                        berth_container_set_running(db, ID, 43, true, &err);
        }
        berth_container r = get(db);
        is_int(r.restart_count, 2, "a policy's restart keeps the count");
        berth_container_clear(&r);
        berth_container_set_running(db, ID, 44, false, &err);
        r = get(db);
        ok(r.restart_count == 0 && !r.manual_stop, "a user's start clears it (as Docker's does)");
        berth_container_clear(&r);

        berth_restart_policy always = {BERTH_RESTART_ALWAYS, 0};
        berth_container_set_manual_stop(db, ID, true, &err);
        berth_container_set_running(db, ID, 45, true, &err);
        r = get(db);
        ok(r.manual_stop, "a policy's restart keeps a stop that came while it waited");
        berth_container_clear(&r);
        berth_exit_facts f = {.exit_code = 137};
        berth_restart_decision d;
        berth_container_record_exit_policy(db, &rt, ID, "busybox", "pol", &always, &f, &d, &err);
        r = get(db);
        ok(!d.restart && f.manual_stop && r.state == BERTH_STATE_EXITED,
           "always, stopped by the user: exited, the record's stop seen");
        berth_container_clear(&r);

        /* health: the log keeps five, the status moves, events on a change */
        berth_health_config hc = {.retries = 2};
        _cleanup_json_ json_t *h0 = berth_health_started(NULL);
        berth_container_set_health(db, ID, h0, &err);
        int64_t seq = berth_events_last_seq(db);
        int codes[] = {1, 1, 1, 0, 0, 0, 1};
        berth_health_status st = BERTH_HEALTH_STARTING;
        for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
                char out[16];
                snprintf(out, sizeof(out), "probe %zu", i);
                berth_health_probe p = {.start = "2026-12-07T10:00:00Z",
                                        .end = "2026-12-07T10:00:01Z",
                                        .exit_code = codes[i],
                                        .output = out,
                                        .since_start_ns = 100 * S};
                berth_container_record_health(db, ID, "busybox", "pol", &hc, &p, &st, &err);
        }
        r = get(db);
        json_t *log = json_object_get(r.health, "Log");
        ok(json_array_size(log) == 5 &&
               strcmp(json_string_value(json_object_get(json_array_get(log, 0), "Output")),
                      "probe 2") == 0,
           "the log keeps the last five");
        ok(st == BERTH_HEALTH_HEALTHY &&
               strcmp(json_string_value(json_object_get(r.health, "Status")), "healthy") == 0 &&
               json_integer_value(json_object_get(r.health, "FailingStreak")) == 1,
           "healthy, one failure since");
        _cleanup_json_ json_t *again = berth_health_started(r.health);
        ok(json_array_size(json_object_get(again, "Log")) == 5 &&
               strcmp(json_string_value(json_object_get(again, "Status")), "starting") == 0 &&
               json_integer_value(json_object_get(again, "FailingStreak")) == 0,
           "a restart: starting again, the log kept");
        berth_container_clear(&r);
        berth_event *ev = NULL;
        size_t n = 0;
        berth_events_read(db, seq, 0, 0, &ev, &n, &err);
        ok(n == 2 && strcmp(ev[0].action, "health_status: unhealthy") == 0 &&
               strcmp(ev[1].action, "health_status: healthy") == 0,
           "an event for each change, none for the rest (%zu)", n);
        berth_events_free(ev, n);
}

int main(void)
{
        test_parse();
        test_restart_table();
        test_backoff();
        test_boot();
        test_health_rules();
        test_lines();

        char tmpl[] = "/tmp/berth-policy-XXXXXX";
        char *dir = mkdtemp(tmpl);
        _cleanup_free_ char *path = berth_xasprintf("%s/berth.db", dir);
        berth_error err = {0};
        berth_db *db = NULL;
        ok(berth_db_open(path, &db, &err) == 0 && berth_containers_migrate(db, &err) == 0 &&
               berth_events_migrate(db, &err) == 0,
           "open: %s", err.msg);
        test_records(db, dir);
        berth_db_close(db);
        _cleanup_free_ char *cmd = berth_xasprintf("rm -rf '%s'", dir);
        if (system(cmd) != 0)
                printf("# cannot remove %s\n", dir);
        return tap_done();
}
