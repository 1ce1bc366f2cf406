/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What exec.c (records, the runtime's start) shares with exec-tty.c (an exec
 * with a terminal, as an attach stream). */
#include "engine/engine.h"

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct {
        char *id, *container, *state;
        json_t *config;
        pid_t pid;
        unsigned long long pid_start;
        bool has_code;
        int exit_code;
} exec_rec;

/* The fd berth-runtime exec gets its console socket on (--console-fd). */
#define EXEC_CONSOLE_FD 3

/* How berth-runtime exec is run for a start. */
typedef struct {
        int stdin_fd, stdout_fd, stderr_fd; /* its stdio (-1: ours) */
        int console_fd;                     /* -1, or a socket for the PTY master */
        bool detach;                        /* --detach: it leaves once the process runs */
        const char *pid_file;               /* NULL, or --pid-file */
        bool own_session; /* out of the caller's terminal job: its hangup is not the exec's */
} exec_run;

/* exec-stdio.c: the caller's stdio as the process gets it, relayed through pipes of ours where
 * it leads to a host file or terminal (see there). */
typedef struct {
        int child[3]; /* what the runtime gets */
        bool owns_child[3];
        int ours[3];   /* our end of a relaying pipe, or -1 */
        int caller[3]; /* the caller's fd it relays to or from */
        char buf[16384];
        size_t len, off; /* stdin bytes read and not yet written on */
} exec_stdio;
void exec_stdio_init(exec_stdio *s);
/** fds: the caller's stdin, stdout, stderr (-1: none); detach: null devices for all three. */
int exec_stdio_open(exec_stdio *s, const int fds[3], bool detach, berth_error *err);
/** After the runtime is spawned: our copies of its ends closed. */
void exec_stdio_started(exec_stdio *s);
/** Wait for the runtime (pid), relaying meanwhile: its exit code, as exec_wait_runtime. */
int exec_stdio_wait(exec_stdio *s, pid_t pid);
void exec_stdio_close(exec_stdio *s);

int exec_get(berth_engine *e, const char *id, exec_rec *ret, berth_error *err);
void exec_rec_clear(exec_rec *x);
/* <rt_root>/exec-<id>.pid (caller frees). */
char *exec_pid_file(berth_engine *e, const char *exec_id);
/**
 * Start exec_id once: its record read, its container running, its user
 * resolved, the start claimed and recorded (exec_start), berth-runtime exec
 * spawned as how says. *ret_x, *ret_c (clear both) and *ret_pid (the
 * runtime's) on success.
 */
int exec_launch(berth_engine *e, const char *exec_id, const exec_run *how, exec_rec *ret_x,
                berth_container *ret_c, pid_t *ret_pid, berth_error *err);
/* Wait for the runtime: the exec's exit code (128+N for a signal). */
int exec_wait_runtime(pid_t pid);
/* The exit recorded, with exec_die. */
void exec_record_exit(berth_engine *e, const char *exec_id, const berth_container *c, int code);
/* Left running by us: recorded "detached" with the pid from pid_file (removed). */
void exec_record_detached(berth_engine *e, const char *exec_id, const char *pid_file);
