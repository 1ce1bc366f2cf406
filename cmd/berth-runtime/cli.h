/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "runtime/runtime.h"

#include <getopt.h>

/**
 * berth-runtime's commands. Each takes argv after the command name (argv[0]
 * is the command) and returns the process exit code. Errors are printed by
 * cli_fail(): to the --log file (text or json) and to stderr.
 */
typedef int (*cli_cmd)(const berth_rt_ctx *ctx, int argc, char **argv);

int cli_fail(const berth_error *err);
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** The single positional id argument at argv[optind], or NULL after printing usage. */
const char *cli_need_id(const char *cmd, int argc, char **argv);
/** "64m", "1g", "1024" → bytes; -1 for "-1"; <0 on garbage → -EINVAL. */
int cli_parse_size(const char *s, long long *ret);

int cmd_create(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_run(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_start(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_state(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_list(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_kill(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_delete(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_pause(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_resume(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_ps(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_update(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_events(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_exec(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_spec(const berth_rt_ctx *ctx, int argc, char **argv);
int cmd_features(const berth_rt_ctx *ctx, int argc, char **argv);
