/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"
#include "strutil.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = STDERR_FILENO;
static bool log_json;
static enum berth_log_level log_level = BERTH_LOG_WARN;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int berth_log_setup(const char *path, bool json, enum berth_log_level level)
{
        log_json = json;
        log_level = level;
        if (path == NULL || path[0] == '\0')
                return 0;
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return -1;
        if (log_fd != STDERR_FILENO)
                close(log_fd);
        log_fd = fd;
        return 0;
}

bool berth_log_to_file(void)
{
        return log_fd != STDERR_FILENO;
}

void berth_log(enum berth_log_level level, const char *fmt, ...)
{
        if (level > log_level)
                return;
        char msg[4096];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        char line[9000];
        int n;
        if (log_json) {
                char esc[8400];
                char ts[64];
                struct timespec now;
                struct tm tm;
                clock_gettime(CLOCK_REALTIME, &now);
                gmtime_r(&now.tv_sec, &tm);
                strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
                berth_json_escape(msg, esc, sizeof(esc));
                n = snprintf(line, sizeof(line),
                             "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s.%09ldZ\"}\n",
                             level_names[level], esc, ts, now.tv_nsec);
        } else if (log_fd == STDERR_FILENO && level == BERTH_LOG_ERROR) {
                n = snprintf(line, sizeof(line), "%s\n", msg);
        } else if (log_fd == STDERR_FILENO) {
                n = snprintf(line, sizeof(line), "%s: %s\n", level_names[level], msg);
        } else {
                n = snprintf(line, sizeof(line), "level=%s msg=\"%s\"\n", level_names[level], msg);
        }
        if (n > 0) {
                size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
                ssize_t w = write(log_fd, line, len);
                (void)w;
        }
}
