/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `health`: run the healthcheck in the container through the runtime library
 * (from a sealed copy: it enters the container), keep at most 4 KiB of its
 * output, kill it after the timeout, and record the result in berth.db the
 * way Docker keeps State.Health (engine/health-record.h, by the rules of
 * engine/policy.h); then tell the monitor the status (engine/helper-proto.h).
 */
#include "helper.h"
#include "base/cleanup.h"
#include "base/db.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "base/units.h"
#include "engine/health-record.h"
#include "engine/helper-proto.h"
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

#define OUTPUT_MAX BERTH_HEALTH_OUTPUT_MAX

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
                close(3); /* the monitor's pipe stays out of the container */
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
        int64_t deadline = now_ns() + c->health.timeout_ns;
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

int helper_health(const berth_monitor_conf *cfg, int64_t started_ns)
{
        if (cfg->health_test == NULL)
                return 1;
        _cleanup_free_ char *start = berth_now_rfc3339();
        int64_t since_start = now_ns() - started_ns;
        char out[OUTPUT_MAX + 1];
        size_t out_len;
        int code;
        run_test(cfg, &code, out, &out_len);
        out[out_len] = '\0';
        _cleanup_free_ char *end = berth_now_rfc3339();
        _cleanup_free_ char *timed_out =
            code < 0 ? berth_health_timeout_message(cfg->health.timeout_ns, out) : NULL;
        berth_health_probe probe = {.start = start,
                                    .end = end,
                                    .exit_code = code,
                                    .output = timed_out ? timed_out : out,
                                    .since_start_ns = since_start};
        berth_error err = {0};
        berth_db *db = NULL;
        berth_health_status status;
        if (helper_open_db(cfg, &db, &err) < 0)
                return 1;
        int r = berth_container_record_health(db, cfg->id, cfg->image, cfg->name, &cfg->health,
                                              &probe, &status, &err);
        berth_db_close(db);
        if (r < 0)
                return 1;
        char line[BERTH_HELPER_LINE_MAX];
        berth_helper_format_health(status, line, sizeof(line));
        return berth_write_all(3, line, strlen(line)) < 0 ? 1 : 0;
}
