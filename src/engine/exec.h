/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/**
 * exec, as Docker's daemon keeps it: a record per exec (table execs of
 * berth.db, module "exec"; rows go with their container), created, started,
 * inspected, with events exec_create, exec_start and exec_die (attributes
 * execID and exitCode) in the container's stream. The process is the one
 * `berth-runtime exec` starts: in the container's namespaces and cgroup,
 * with its seccomp, capabilities and cwd checks (src/runtime); the engine
 * starts it, records it and waits for it. The CLI and the API server are
 * front ends: flags or a request in, these calls, output out.
 */
#include "base/error.h"
#include "engine/attach.h"
#include "engine/engine.h"

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/**
 * Docker's exec create body: Cmd (required, non-empty), Env ("K=V"),
 * WorkingDir, User, Tty, Privileged, AttachStdin/Stdout/Stderr, DetachKeys.
 * The container must be running: "Container <id> is not running", "…is
 * paused, unpause the container before exec" (-EBUSY). *ret_id: 64 hex.
 */
int berth_engine_exec_create(berth_engine *e, const char *container, const json_t *config,
                             char **ret_id, berth_error *err);

typedef struct {
        int stdin_fd, stdout_fd, stderr_fd; /* the process's stdio (a terminal for Tty) */
        bool detach;                        /* start it and return (its exit is not waited) */
} berth_exec_start_opts;

/**
 * Start an exec once (a second start is -EALREADY, "exec … is already
 * running" or has run). Without detach, waits for the process: *ret_code is
 * its exit code (128+N for a signal), recorded with exec_die. The exec's user
 * is resolved against the container's /etc/passwd and /etc/group here.
 */
int berth_engine_exec_start(berth_engine *e, const char *exec_id, const berth_exec_start_opts *o,
                            int *ret_code, berth_error *err);

/**
 * berth_engine_exec_create and berth_engine_exec_start at once, for a
 * caller that starts what it creates (the CLI's exec without a terminal):
 * the same record, events (exec_create, exec_start, exec_die), process and
 * errors, with one read of the container, and the record and its first two
 * events written in one transaction while the runtime starts the process
 * (nobody else knows the new id yet) instead of two before it.
 */
int berth_engine_exec_run(berth_engine *e, const char *container, const json_t *config,
                          const berth_exec_start_opts *o, int *ret_code, berth_error *err);

/**
 * Start an exec with a terminal (Tty) as an attach stream (attach.h): the
 * PTY master is the handle's, the caller reads the process's output from it
 * and writes its input (through the detach keys) and resizes it; the exit
 * frame comes once the process has exited and its exit is recorded. Only
 * o->detach_keys and o->in are read. Closing the handle before the exit
 * detaches: the exec runs on (recorded "detached", its PTY held by a process
 * of its own until it ends), as under Docker. -EINVAL for an exec without
 * Tty (berth_engine_exec_start gives it the caller's fds instead), and
 * berth_engine_exec_start's errors.
 */
int berth_engine_exec_start_attach(berth_engine *e, const char *exec_id, const berth_attach_opts *o,
                                   berth_attach **ret, berth_error *err);

/**
 * Resize the terminal of a running exec (Docker's exec resize): one this
 * process attached to (berth_engine_exec_start_attach), or one left running
 * detached. -ENOENT "No such exec instance", -EINVAL when it has no terminal
 * or does not run.
 */
int berth_engine_exec_resize(berth_engine *e, const char *exec_id, unsigned rows, unsigned cols,
                             berth_error *err);

/** Docker's exec inspect object (ID, Running, ExitCode, ProcessConfig, OpenStdin, …, Pid,
 * ContainerID), or NULL: -ENOENT "No such exec instance: <id>". */
json_t *berth_engine_exec_inspect(berth_engine *e, const char *exec_id, berth_error *err);

/** The exec table (berth_engine_open() calls it). */
int berth_execs_migrate(berth_db *db, berth_error *err);
