/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "engine/policy.h"

#include <stdbool.h>
#include <stdint.h>

/**
 * <container dir>/monitor.conf: what berth-monitor and its helper need to
 * know about a container, written by the engine at each start. One
 * "key=value" a line (values have no newlines), so the monitor reads it
 * without a JSON library. The healthcheck's test is kept as JSON text: only
 * the helper, which runs it, parses it.
 */
typedef struct {
        char *id, *name, *image;
        char *dir, *root, *runroot;
        char *berth;  /* the berth program (for --rm) */
        char *helper; /* berth-monitor-helper */
        bool tty, open_stdin, stdin_once, auto_remove;
        char *log_path;
        int64_t log_max_size;
        int log_max_file;
        char *restart; /* no, always, unless-stopped, on-failure */
        int restart_max;
        char *health_test;          /* JSON array, or NULL: no healthcheck */
        berth_health_config health; /* its settings, Docker's defaults filled in */
        /* ports published on [::1] that the monitor forwards (the kernel cannot DNAT them):
         * "PROTO HOSTPORT ADDR PORT" joined by ','; NULL: none */
        char *forwards;
} berth_monitor_conf;

/** Read dir/monitor.conf; -EINVAL when a required key (id, root, runroot, log_path) is missing. */
int berth_monitor_conf_load(const char *dir, berth_monitor_conf *ret, berth_error *err);
/** Write dir/monitor.conf (atomically); values with a newline are refused. */
int berth_monitor_conf_save(const berth_monitor_conf *c, berth_error *err);
void berth_monitor_conf_clear(berth_monitor_conf *c);
