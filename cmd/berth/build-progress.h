/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/**
 * `build`'s compact live view on a terminal (build-progress.c): start it, give
 * berth_build() the returned fd as its out_fd, finish it when the build ends.
 */
typedef struct cli_build_progress cli_build_progress;

/** out is a terminal (and TERM is not "dumb"). */
bool cli_build_progress_wanted(FILE *out);
/** NULL when it cannot start (then print the plain lines). */
cli_build_progress *cli_build_progress_start(FILE *out, int *ret_fd);
/** Close the pipe, draw the last state (a failed build keeps its step's last lines). */
void cli_build_progress_finish(cli_build_progress *p, bool failed);
