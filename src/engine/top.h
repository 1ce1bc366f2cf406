/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "engine/engine.h"

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/**
 * `top`: the processes of a running container. Without ps_args (NULL or
 * empty), Docker's `ps -ef` columns UID PID PPID C STIME TTY TIME CMD,
 * read from the host's /proc for every pid of the container's cgroup
 * (sorted by pid). With ps_args, the host's `ps` runs with them (joined
 * and split on spaces, as Docker passes them) plus "-q<pids>", again
 * without "-q" when ps refuses that, and only the rows whose PID column is
 * one of the container's stay (thread rows with PID "-" follow theirs).
 *
 * Errors: -ENOENT no such container; -EINVAL "container <id> is not
 * running"; -EINVAL for "x=PID" in ps_args (a renamed PID column), ps
 * output without a PID column, or ps failing ("ps: <its first error line>").
 */
typedef struct {
        char **titles; /* NULL-terminated */
        char ***rows;  /* n rows, each NULL-terminated with as many cells as titles */
        size_t n;
} berth_top;

int berth_engine_top(berth_engine *e, const char *name, char *const *ps_args, berth_top *ret,
                     berth_error *err);
void berth_top_clear(berth_top *t);

/**
 * The ps -ef row of one host process as Docker's top shows it, now the
 * current time (for C and STIME), boot_time the host's boot (unix
 * seconds). NULL when the process is gone. Exposed for tests.
 */
char **berth_top_proc_row(pid_t pid, time_t now, time_t boot_time);
/**
 * Docker's parse of ps output: keep rows whose PID is in pids; extra
 * fields beyond the titles are joined into the last column. -EINVAL
 * ("Couldn't find PID field in ps output", "Unexpected pid 'x'").
 */
int berth_top_parse_ps(const char *output, const pid_t *pids, size_t n_pids, berth_top *ret,
                       berth_error *err);
