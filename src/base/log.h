/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

/**
 * Logging for programs (main() and request boundaries), never for library
 * code: libraries return berth_error instead.
 *
 * berth_log_setup() picks the destination (a file, or stderr when path is
 * NULL) and the format: text ("level=error msg=...") or json
 * ({"level":"error","msg":"...","time":"..."}), the format runc's callers
 * (containerd, podman) parse from --log files.
 */
enum berth_log_level {
        BERTH_LOG_ERROR = 0,
        BERTH_LOG_WARN,
        BERTH_LOG_INFO,
        BERTH_LOG_DEBUG,
};

int berth_log_setup(const char *path, bool json, enum berth_log_level level);
void berth_log(enum berth_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** True when logs go to a file rather than stderr. */
bool berth_log_to_file(void);

#define log_error(...) berth_log(BERTH_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  berth_log(BERTH_LOG_WARN, __VA_ARGS__)
#define log_info(...)  berth_log(BERTH_LOG_INFO, __VA_ARGS__)
#define log_debug(...) berth_log(BERTH_LOG_DEBUG, __VA_ARGS__)
