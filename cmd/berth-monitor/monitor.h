/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "engine/jsonlog.h"
#include "engine/monitor-conf.h"
#include "engine/policy.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * berth-monitor: one per running container. The engine writes
 * <dir>/monitor.conf and execs `berth-monitor --sync-fd N [--attach-fd M
 * --attach-streams S] <dir>` in a session of its own. The monitor
 *   - creates and starts the container through berth-monitor-helper, run
 *     as a short-lived child that re-executes from a sealed memfd copy (the
 *     container's init is created from that copy; as the subreaper, the
 *     monitor inherits it);
 *   - writes "ok" or the error on the sync fd, then closes it;
 *   - copies the container's output to its json-file log and to attached
 *     clients, and clients' input to the container;
 *   - on exit, has the helper record it and decide on a restart by the
 *     policy (the helper opens berth.db, so the monitor itself links nothing
 *     but libc and stays small), waits the back-off it says and starts the
 *     container again; runs healthchecks (the helper again) when the rules
 *     of engine/policy.h say,
 *     unmounts the rootfs, removes the container under --rm and tells
 *     every client the exit code;
 *   - holds the container's ports published on [::1] (monitor.conf's
 *     `forwards`: the kernel cannot DNAT those) from before its start to its
 *     last exit, and forwards them to it (forward.c).
 * It needs nothing from the process that started it.
 */

typedef struct client client;

typedef struct {
        berth_monitor_conf cfg;
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
        bool finish_after_clients; /* --rm handed to a client: finish once it hangs up */
        bool removed_by_client;    /* … and it said it did */
        bool exit_unrecorded;      /* … and was to record the exit too */
        int exit_status;           /* the last wait status of the container's init */
        /* restarts: the helper's `record` decides (engine/policy.h), we wait and start */
        int64_t restart_at_ns; /* 0: none pending */
        int64_t last_delay_ms; /* the wait before the last restart: the back-off's state */
        /* health: a probe at next_health_ns (0 while one runs), its status read from
         * health_fd when its helper exits */
        int64_t next_health_ns;
        pid_t health_pid;
        int64_t health_probe_ns; /* when the running probe began */
        int health_fd;
        berth_health_status health_status;
} monitor;

int64_t monitor_now_ns(void);

/* spawn.c: the work done by berth-monitor-helper, in children */
/** Create + start (the helper's "create"); on success m->pid is the container's init. */
int monitor_start_container(monitor *m, bool restarted, char *errbuf, size_t errsz);
/**
 * The container exited with wait status: the helper's `record` records it
 * with the restart policy's decision, and says it on a pipe
 * (engine/helper-proto.h). Returns the decision: no restart when the
 * helper said nothing we understand.
 */
berth_restart_decision monitor_record_exit(monitor *m, int status);
/** After the last exit: unmount, --rm. */
void monitor_finish(monitor *m);
/** Docker's exit code of a wait status: the code, or 128 + the signal. */
int monitor_exit_code(int status);
/** Kick off a healthcheck (the helper's "health") if one is due and none runs. */
void monitor_health_tick(monitor *m);
/** The healthcheck's helper exited: read the status it recorded, schedule the next probe. */
void monitor_health_done(monitor *m);

/* forward.c: ports published on [::1], forwarded to the container (the kernel cannot) */
struct pollfd;
/** Bind and listen on [::1] for each "PROTO HOSTPORT ADDR PORT" of spec (','-joined; NULL: none);
 * -1 with Docker's "port is already allocated" (or why) in errbuf. */
int monitor_forward_open(const char *spec, char *errbuf, size_t errsz);
/** How many pollfds monitor_forward_poll fills now. */
size_t monitor_forward_npoll(void);
void monitor_forward_poll(struct pollfd *p);
/** After poll: p as monitor_forward_poll filled it. */
void monitor_forward_events(const struct pollfd *p);
/** Close every socket, pipe and connection of the forwarder (at the last exit: the ports are
 * free at once). */
void monitor_forward_close(void);

/* dbhold.c */
/** Keep berth.db's WAL index valid for later commands while we live (a shared lock on the
 *  -shm file's dead man switch byte); a failure only costs them its rebuild. */
void monitor_db_hold(const char *root);
/** The longest the loop may sleep for the forwarder (UDP clients' expiry), -1: forever. */
int monitor_forward_timeout_ms(void);

/* clients (loop.c) */
void monitor_add_client(monitor *m, int fd, bool hello_done, unsigned streams);
void monitor_broadcast(monitor *m, int type, const void *data, size_t len);
int monitor_loop(monitor *m);
