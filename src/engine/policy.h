/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/**
 * Restart and health policy: what Docker's daemon decides when a
 * container exits (its restartmanager) and after each healthcheck probe
 * (daemon/health.go), as pure functions. They take the facts — the
 * policy, the exit code, whether the user stopped the container, how often
 * it restarted, how long it ran, the time — and return what to do; they
 * read no clock, no file and no database, so berth-monitor (libc only)
 * links them as well as the helper and the CLI.
 *
 * Who calls them:
 *  - berth-monitor-helper `record` after each exit: berth_policy_restart()
 *    (it records the decision with the exit, in one transaction, and
 *    tells the monitor, see engine/helper-proto.h);
 *  - berth-monitor-helper `health` after each probe:
 *    berth_policy_health_result() (engine/health-record.c);
 *  - berth-monitor, to know when the next probe runs:
 *    berth_policy_health_interval();
 *  - `berth start --all --restart-policy` at boot: berth_policy_restart_at_boot().
 */

/* restart policy -------------------------------------------------------- */

typedef enum {
        BERTH_RESTART_NO,
        BERTH_RESTART_ALWAYS,
        BERTH_RESTART_UNLESS_STOPPED,
        BERTH_RESTART_ON_FAILURE,
} berth_restart_mode;

typedef struct {
        berth_restart_mode mode;
        int max_retries; /* on-failure: at most this many restarts, 0 for no limit */
} berth_restart_policy;

/* Docker's back-off: the first restart waits 100 ms, each next one twice the one
 * before, at most a minute; a run of 10 s or more starts it over. */
#define BERTH_RESTART_DELAY_FIRST_MS 100
#define BERTH_RESTART_DELAY_MAX_MS   60000
#define BERTH_RESTART_RESET_AFTER_MS 10000

/** A RestartPolicy's Name ("" or NULL is "no") and MaximumRetryCount; -EINVAL for another name. */
int berth_policy_restart_parse(const char *name, int max_retries, berth_restart_policy *ret);

typedef struct {
        int exit_code;
        /* the user stopped or killed it (`stop`, `kill`, `rm -f`): a restart is cancelled */
        bool manual_stop;
        int restart_count;     /* restarts since the user last started it (RestartCount) */
        int64_t ran_ms;        /* how long the run that just ended lasted */
        int64_t last_delay_ms; /* the wait before the previous restart; 0 before the first */
} berth_exit_facts;

typedef struct {
        bool restart;
        /* when restart: wait this long, then start it again. Whatever the answer, the
         * back-off state to give as last_delay_ms next time. */
        int64_t delay_ms;
} berth_restart_decision;

/**
 * The container's process exited: restart it (after how long), or leave it
 * exited. A container the user stopped stays stopped whatever its policy;
 * "always" and "unless-stopped" restart on any exit; "on-failure" on a
 * non-zero exit, while restart_count < max_retries (any count when 0).
 */
berth_restart_decision berth_policy_restart(const berth_restart_policy *p,
                                            const berth_exit_facts *f);

/**
 * When berth comes up (the daemon's start, `start --all --restart-policy`):
 * whether a container that is not running is started, from its last exit.
 * "always" is, even when the user stopped it; "unless-stopped" unless the
 * user stopped it; "on-failure" when its last exit was non-zero (a lost
 * container's is 255) and it has retries left; "no" never.
 */
bool berth_policy_restart_at_boot(const berth_restart_policy *p, const berth_exit_facts *f);

/* health ---------------------------------------------------------------- */

typedef enum {
        BERTH_HEALTH_STARTING,
        BERTH_HEALTH_HEALTHY,
        BERTH_HEALTH_UNHEALTHY,
} berth_health_status;

#define BERTH_HEALTH_INTERVAL_DEFAULT_NS       30000000000LL /* 30s */
#define BERTH_HEALTH_TIMEOUT_DEFAULT_NS        30000000000LL /* 30s */
#define BERTH_HEALTH_START_INTERVAL_DEFAULT_NS 5000000000LL  /* 5s */
#define BERTH_HEALTH_RETRIES_DEFAULT           3
#define BERTH_HEALTH_LOG_MAX                   5    /* results kept in State.Health.Log */
#define BERTH_HEALTH_OUTPUT_MAX                4096 /* bytes of a probe's output kept */

/** A Healthcheck's settings, in nanoseconds; 0 (or less) means Docker's default. */
typedef struct {
        int64_t interval_ns, timeout_ns, start_period_ns, start_interval_ns;
        int retries;
} berth_health_config;

/** Docker's defaults in every field left 0 (interval 30s, timeout 30s, start period 0,
 * start interval 5s, retries 3). */
void berth_policy_health_defaults(berth_health_config *c);

/** "starting", "healthy", "unhealthy"; parse gives -1 for anything else. */
const char *berth_health_status_name(berth_health_status s);
int berth_health_status_parse(const char *name);

typedef struct {
        berth_health_status status;
        int failing_streak;
} berth_health_state;

/** What a (re)start makes of it: starting, no failures (Docker keeps the log). */
berth_health_state berth_policy_health_started(void);

/**
 * One probe ended with exit_code (0 passes; anything else, a timeout's -1
 * included, fails). since_start_ns: from the container's start to the
 * probe's start. A pass makes it healthy and clears the streak; a failure
 * adds to the streak, and makes it unhealthy at `retries` — except while it
 * is still starting (never passed) within the start period, when a failure
 * does not count. Returns true when the status changed (a "health_status"
 * event).
 */
bool berth_policy_health_result(const berth_health_config *c, berth_health_state *s, int exit_code,
                                int64_t since_start_ns);

/**
 * How long to wait before the next probe, counted from the end of the last
 * one (or from the start, for the first): the interval once the start
 * period is over; inside it the start interval while still starting (the
 * interval once it passed), but never past the start period's end, so that
 * a probe runs when it ends (moby's getInterval with its fixes for
 * moby#46747: the start interval capped by what is left of the period).
 */
int64_t berth_policy_health_interval(const berth_health_config *c, berth_health_status status,
                                     int64_t since_start_ns);
