/* SPDX-License-Identifier: Apache-2.0 */
#include "base/cleanup.h"
#include "runtime/container.h"
#include "runtime/runtime.h"
#include "base/fs.h"
#include "tap.h"

#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_signals(void)
{
        is_int(berth_rt_signal_parse("KILL"), SIGKILL, "KILL");
        is_int(berth_rt_signal_parse("SIGTERM"), SIGTERM, "SIGTERM");
        is_int(berth_rt_signal_parse("sigusr1"), SIGUSR1, "names are case-insensitive");
        is_int(berth_rt_signal_parse("9"), 9, "numbers");
        is_int(berth_rt_signal_parse("RTMIN+3"), SIGRTMIN + 3, "RTMIN+3");
        is_int(berth_rt_signal_parse("SIGRTMAX-1"), SIGRTMAX - 1, "SIGRTMAX-1");
        is_int(berth_rt_signal_parse("RTMIN+99"), -1, "RTMIN beyond RTMAX refused");
        is_int(berth_rt_signal_parse("NOPE"), -1, "unknown name refused");
        is_int(berth_rt_signal_parse("0"), -1, "0 is not a signal to send");
        is_int(berth_rt_signal_parse("999"), -1, "out of range number refused");
        is_int(berth_rt_signal_parse(""), -1, "empty refused");
}

static void test_ids(void)
{
        berth_error err = {0};
        ok(container_validate_id("web-1.prod_a+b", &err) == 0, "a normal id is fine");
        ok(container_validate_id("../etc", &err) < 0, "slashes refused");
        like(err.msg, "invalid container id '../etc'", "the message names the id");
        ok(container_validate_id("..", &err) < 0, "'..' refused");
        ok(container_validate_id("", &err) < 0, "empty refused");
        ok(container_validate_id("a b", &err) < 0, "spaces refused");
}

static void test_state_json(void)
{
        berth_rt_state st = {
            .id = (char *)"c1",
            .pid = 42,
            .status = BERTH_RT_RUNNING,
            .bundle = (char *)"/b",
            .rootfs = (char *)"/b/rootfs",
            .created = (char *)"2026-11-24T00:00:00.000000000Z",
            .owner = (char *)"",
            .annotations_json = (char *)"{\"k\":\"v\"}",
        };
        _cleanup_free_ char *s = berth_rt_state_json(&st);
        json_t *o = json_loads(s, 0, NULL);
        ok(o != NULL, "state is JSON");
        is_str(json_string_value(json_object_get(o, "ociVersion")), "1.2.0", "ociVersion");
        is_str(json_string_value(json_object_get(o, "status")), "running", "status");
        is_int(json_integer_value(json_object_get(o, "pid")), 42, "pid");
        is_str(json_string_value(json_object_get(o, "bundle")), "/b", "bundle");
        is_str(json_string_value(json_object_get(json_object_get(o, "annotations"), "k")), "v",
               "annotations");
        json_decref(o);
        for (int i = BERTH_RT_CREATING; i <= BERTH_RT_STOPPED; i++)
                ok(berth_rt_status_name(i)[0] != 'u', "status %d has a name", i);
}

static void test_pid_start(void)
{
        ok(berth_pid_start_time(getpid()) > 0, "our own start time is known");
        pid_t p = fork();
        if (p == 0)
                _exit(0);
        /* a zombie counts as gone */
        usleep(100000);
        is_int(berth_pid_start_time(p), 0, "a zombie has no start time");
        waitpid(p, NULL, 0);
        is_int(berth_pid_start_time(p), 0, "a reaped pid has no start time");
        is_int(berth_pid_start_time(0), 0, "pid 0 is nobody");
}

int main(void)
{
        test_signals();
        test_ids();
        test_state_json();
        test_pid_start();
        return tap_done();
}
