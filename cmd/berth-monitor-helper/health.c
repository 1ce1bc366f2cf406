/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `health`: run the healthcheck in the container through the runtime library
 * (from a sealed copy: it enters the container), keep at most 4 KiB of its
 * output, kill it after the timeout, and record the result in berth.db the
 * way Docker keeps State.Health: Status (starting/healthy/unhealthy),
 * FailingStreak and the last five results.
 */
#include "helper.h"
#include "base/cleanup.h"
#include "base/db.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "base/units.h"
#include "engine/containers.h"
#include "oci/spec.h"
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_MAX 4096

static int64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The container's process settings with the test as its args. */
static oci_process *test_process(const berth_monitor_conf *c)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/config.json", c->dir);
        json_t *cfg = json_load_file(path, 0, NULL);
        if (cfg == NULL)
                return NULL;
        json_t *proc = json_deep_copy(json_object_get(cfg, "process"));
        json_decref(cfg);
        if (proc == NULL)
                return NULL;
        json_t *args = json_array();
        json_t *test = json_loads(c->health_test, 0, NULL);
        const char *kind = json_string_value(json_array_get(test, 0));
        if (kind && strcmp(kind, "CMD-SHELL") == 0) {
                json_array_append_new(args, json_string("/bin/sh"));
                json_array_append_new(args, json_string("-c"));
                json_array_append(args, json_array_get(test, 1));
        } else {
                for (size_t i = 1; i < json_array_size(test); i++)
                        json_array_append(args, json_array_get(test, i));
        }
        json_decref(test);
        json_object_set_new(proc, "args", args);
        json_object_set_new(proc, "terminal", json_false());
        json_object_del(proc, "consoleSize");
        char *text = json_dumps(proc, JSON_COMPACT);
        json_decref(proc);
        oci_process *p = berth_oci_process_parse(text, strlen(text), NULL);
        free(text);
        return p;
}

/* Run the test; *ret_code -1 on timeout. Output (up to OUTPUT_MAX) into out. */
static void run_test(const berth_monitor_conf *c, int *ret_code, char *out, size_t *out_len)
{
        *ret_code = -1;
        *out_len = 0;
        int pp[2];
        if (pipe2(pp, O_CLOEXEC) < 0)
                return;
        _cleanup_free_ char *pidfile = berth_xasprintf("%s/monitor/%s.health", c->runroot, c->id);
        unlink(pidfile);
        pid_t g = fork();
        if (g == 0) {
                dup2(pp[1], 1);
                dup2(pp[1], 2);
                _cleanup_free_ char *root = berth_xasprintf("%s/runtime", c->runroot);
                berth_rt_ctx ctx = {.root = root};
                oci_process *proc = test_process(c);
                if (proc == NULL)
                        _exit(125);
                berth_rt_exec_opts o = {.process = proc, .pid_file = pidfile};
                int status = 0;
                berth_error err = {0};
                if (berth_rt_exec(&ctx, c->id, &o, &status, &err) < 0) {
                        dprintf(2, "%s\n", err.msg);
                        _exit(126);
                }
                _exit(status);
        }
        close(pp[1]);
        int64_t deadline = now_ns() + c->health_timeout_ns;
        bool timed_out = false;
        for (;;) {
                int64_t left = (deadline - now_ns()) / 1000000;
                if (left <= 0) {
                        timed_out = true;
                        break;
                }
                struct pollfd p = {.fd = pp[0], .events = POLLIN};
                int r = poll(&p, 1, (int)left);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r == 0) {
                        timed_out = true;
                        break;
                }
                char buf[1024];
                ssize_t n = read(pp[0], buf, sizeof(buf));
                if (n <= 0)
                        break;
                size_t take = (size_t)n;
                if (*out_len + take > OUTPUT_MAX)
                        take = OUTPUT_MAX - *out_len;
                memcpy(out + *out_len, buf, take);
                *out_len += take;
        }
        close(pp[0]);
        if (timed_out) {
                _cleanup_free_ char *pidtxt = NULL;
                if (berth_read_file(pidfile, &pidtxt, NULL, NULL) == 0 && atoi(pidtxt) > 0)
                        kill(atoi(pidtxt), SIGKILL);
                kill(g, SIGKILL);
        }
        int st = 0;
        while (waitpid(g, &st, 0) < 0 && errno == EINTR)
                ;
        unlink(pidfile);
        if (!timed_out)
                *ret_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int helper_health(const berth_monitor_conf *cfgp)
{
        const berth_monitor_conf cfg = *cfgp;
        if (cfg.health_test == NULL)
                return 1;
        _cleanup_free_ char *start = berth_now_rfc3339();
        char out[OUTPUT_MAX + 1];
        size_t out_len;
        int code;
        run_test(&cfg, &code, out, &out_len);
        out[out_len] = '\0';
        _cleanup_free_ char *end = berth_now_rfc3339();
        if (code < 0)
                snprintf(out, sizeof(out), "Health check exceeded timeout (%llds)",
                         (long long)(cfg.health_timeout_ns / 1000000000));

        berth_error err = {0};
        berth_db *db = NULL;
        if (helper_open_db(&cfg, &db, &err) < 0)
                return 1;
        berth_container c;
        if (berth_container_get(db, cfg.id, &c, &err) < 0) {
                berth_db_close(db);
                return 1;
        }
        json_t *h = c.health ? json_deep_copy(c.health)
                             : json_pack("{s:s, s:i, s:[]}", "Status", "starting", "FailingStreak",
                                         0, "Log");
        json_t *log = json_object_get(h, "Log");
        if (!json_is_array(log)) {
                log = json_array();
                json_object_set_new(h, "Log", log);
        }
        json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:s}", "Start", start, "End", end,
                                             "ExitCode", code, "Output", out));
        while (json_array_size(log) > 5)
                json_array_remove(log, 0);
        int64_t since_start = 0;
        struct tm tm = {0};
        if (strptime(c.started_at, "%Y-%m-%dT%H:%M:%S", &tm))
                since_start = (int64_t)(time(NULL) - timegm(&tm)) * 1000000000;
        int streak = (int)json_integer_value(json_object_get(h, "FailingStreak"));
        if (code == 0) {
                json_object_set_new(h, "Status", json_string("healthy"));
                streak = 0;
        } else if (since_start >= cfg.health_start_period_ns) {
                /* failures inside the start period do not count */
                streak++;
                if (streak >= cfg.health_retries)
                        json_object_set_new(h, "Status", json_string("unhealthy"));
        }
        json_object_set_new(h, "FailingStreak", json_integer(streak));
        int rc = berth_container_set_health(db, cfg.id, h, &err);
        const char *was = json_string_value(json_object_get(c.health, "Status"));
        const char *now_status = json_string_value(json_object_get(h, "Status"));
        if (rc >= 0 && now_status && strcmp(now_status, "starting") != 0 &&
            (was == NULL || strcmp(was, now_status) != 0)) {
                _cleanup_free_ char *action = berth_xasprintf("health_status: %s", now_status);
                helper_event(db, &cfg, action, NULL, NULL);
        }
        json_decref(h);
        berth_container_clear(&c);
        berth_db_close(db);
        return rc < 0 ? 1 : 0;
}
