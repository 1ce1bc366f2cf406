/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/db.h"
#include "engine/jsonlog.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * berth-monitor: one per running container. The engine writes
 * <dir>/monitor.json and execs `berth-monitor --sync-fd N [--attach-fd M
 * --attach-streams S] <dir>` in a session of its own. The monitor
 *   - creates and starts the container in a short-lived child of its own
 *     that re-executes from a sealed memfd copy (the container's init is
 *     created from that copy; as the subreaper, the monitor inherits it);
 *   - writes "ok" or the error on the sync fd, then closes it;
 *   - copies the container's output to its json-file log and to attached
 *     clients, and clients' input to the container;
 *   - on exit, records it (a child that opens berth.db, so the monitor
 *     itself stays small), restarts per policy, runs healthchecks,
 *     unmounts the rootfs, removes the container under --rm and tells
 *     every client the exit code.
 * It needs nothing from the process that started it.
 */

typedef struct {
        char *id, *dir, *root, *runroot, *berth;
        char *name, *image; /* for events */
        bool tty, open_stdin, stdin_once, auto_remove;
        char *log_path;
        int64_t log_max_size;
        int log_max_file;
        char *restart_name;
        int restart_max;
        /* healthcheck (test NULL: none) */
        json_t *health_test;
        int64_t health_interval_ns, health_timeout_ns, health_start_period_ns;
        int health_retries;
} monitor_config;

int monitor_config_load(const char *dir, monitor_config *ret);
/** Record a container event with the container's image and name. */
void monitor_event(berth_db *db, const monitor_config *c, const char *action, const char *key,
                   const char *value);

typedef struct client client;

typedef struct {
        monitor_config cfg;
        berth_jsonlog *log;
        int listen_fd;
        int sigfd;
        /* the container's stdio: pipes we keep both ends of (so a restart gets them
         * again); under a TTY the PTY master instead */
        int out[2], errp[2], in[2];
        int master;
        bool stdin_closed;
        pid_t pid; /* the container's init, 0 when not running */
        int64_t started_ns;
        client **clients;
        size_t n_clients;
        int exit_code;
        bool done;
        /* restarts */
        int64_t restart_at_ns; /* 0: none pending */
        int64_t backoff_ms;
        /* health */
        int64_t next_health_ns;
        pid_t health_pid;
} monitor;

int64_t monitor_now_ns(void);

/** Create + start (in a sealed child); on success m->pid is the container's init. */
int monitor_start_container(monitor *m, bool restarted, char *errbuf, size_t errsz);
/** The container exited with wait status: record it; returns true when it should restart. */
bool monitor_record_exit(monitor *m, int status);
/** After the last exit: unmount, --rm. */
void monitor_finish(monitor *m);
/** Kick off a healthcheck child (if one is due and none runs). */
void monitor_health_tick(monitor *m);
/** Entry points of the children modes (argv after the mode flag). */
int monitor_create_main(int argc, char **argv);
int monitor_health_main(int argc, char **argv);

/* clients (loop.c) */
void monitor_add_client(monitor *m, int fd, bool hello_done, unsigned streams);
void monitor_broadcast(monitor *m, int type, const void *data, size_t len);
int monitor_loop(monitor *m);
