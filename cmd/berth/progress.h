/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "registry/pull.h"

#include <stdbool.h>
#include <stdio.h>

/**
 * Pull and push progress printed as docker prints it, for
 * berth_transfer_opts.progress (userdata: the cli_progress). On a terminal
 * (out is a tty and $TERM is not "dumb") each layer keeps one line, redrawn
 * in place with a bar while bytes move; otherwise every state change is a
 * plain "<id>: <status>" line and byte counts are not printed. quiet: nothing.
 */
typedef struct cli_progress cli_progress;

cli_progress *cli_progress_new(FILE *out, bool quiet);
void cli_progress_event(const berth_progress_event *ev, void *userdata);
void cli_progress_free(cli_progress *p);
