/* SPDX-License-Identifier: Apache-2.0 */
/* monitor.conf: key=value lines between the engine and the monitor. */
#include "engine/monitor-conf.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_STR, T_BOOL, T_I64, T_INT } kind;

#define FIELD(k, t, m)                                                                             \
        {                                                                                          \
                k, t, offsetof(berth_monitor_conf, m)                                              \
        }
static const struct {
        const char *key;
        kind t;
        size_t off;
} fields[] = {
    FIELD("id", T_STR, id),
    FIELD("name", T_STR, name),
    FIELD("image", T_STR, image),
    FIELD("root", T_STR, root),
    FIELD("runroot", T_STR, runroot),
    FIELD("berth", T_STR, berth),
    FIELD("helper", T_STR, helper),
    FIELD("tty", T_BOOL, tty),
    FIELD("open_stdin", T_BOOL, open_stdin),
    FIELD("stdin_once", T_BOOL, stdin_once),
    FIELD("auto_remove", T_BOOL, auto_remove),
    FIELD("log_path", T_STR, log_path),
    FIELD("log_max_size", T_I64, log_max_size),
    FIELD("log_max_file", T_INT, log_max_file),
    FIELD("restart", T_STR, restart),
    FIELD("restart_max", T_INT, restart_max),
    FIELD("health_test", T_STR, health_test),
    FIELD("forwards", T_STR, forwards),
    FIELD("health_interval_ns", T_I64, health.interval_ns),
    FIELD("health_timeout_ns", T_I64, health.timeout_ns),
    FIELD("health_start_period_ns", T_I64, health.start_period_ns),
    FIELD("health_start_interval_ns", T_I64, health.start_interval_ns),
    FIELD("health_retries", T_INT, health.retries),
};

void berth_monitor_conf_clear(berth_monitor_conf *c)
{
        if (c == NULL)
                return;
        free(c->dir);
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
                if (fields[i].t == T_STR)
                        free(*(char **)((char *)c + fields[i].off));
        memset(c, 0, sizeof(*c));
}

int berth_monitor_conf_load(const char *dir, berth_monitor_conf *ret, berth_error *err)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/monitor.conf", dir);
        _cleanup_free_ char *text = NULL;
        if (berth_read_file(path, &text, NULL, err) < 0)
                return -err->code;
        berth_monitor_conf c = {0};
        c.dir = berth_xstrdup(dir);
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *eq = strchr(line, '=');
                if (eq == NULL)
                        continue;
                *eq = '\0';
                const char *v = eq + 1;
                for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
                        if (strcmp(fields[i].key, line) != 0)
                                continue;
                        void *p = (char *)&c + fields[i].off;
                        switch (fields[i].t) {
                        case T_STR:
                                free(*(char **)p);
                                *(char **)p = berth_xstrdup(v);
                                break;
                        case T_BOOL:
                                *(bool *)p = strcmp(v, "1") == 0;
                                break;
                        case T_I64:
                                *(int64_t *)p = strtoll(v, NULL, 10);
                                break;
                        case T_INT:
                                *(int *)p = (int)strtol(v, NULL, 10);
                                break;
                        }
                }
        }
        if (c.id == NULL || c.root == NULL || c.runroot == NULL || c.log_path == NULL) {
                berth_monitor_conf_clear(&c);
                return berth_errx(err, EINVAL, "%s lacks a required key", path);
        }
        if (c.restart == NULL)
                c.restart = berth_xstrdup("no");
        if (c.log_max_file < 1)
                c.log_max_file = 1;
        *ret = c;
        return 0;
}

int berth_monitor_conf_save(const berth_monitor_conf *c, berth_error *err)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        if (f == NULL)
                return berth_err(err, errno, "out of memory");
        int rc = 0;
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
                const void *p = (const char *)c + fields[i].off;
                switch (fields[i].t) {
                case T_STR: {
                        const char *s = *(char *const *)p;
                        if (s == NULL)
                                break;
                        if (strchr(s, '\n'))
                                rc = berth_errx(err, EINVAL, "%s has a newline", fields[i].key);
                        fprintf(f, "%s=%s\n", fields[i].key, s);
                        break;
                }
                case T_BOOL:
                        fprintf(f, "%s=%d\n", fields[i].key, *(const bool *)p ? 1 : 0);
                        break;
                case T_I64:
                        fprintf(f, "%s=%lld\n", fields[i].key, (long long)*(const int64_t *)p);
                        break;
                case T_INT:
                        fprintf(f, "%s=%d\n", fields[i].key, *(const int *)p);
                        break;
                }
        }
        fclose(f);
        if (rc == 0) {
                _cleanup_free_ char *path = berth_xasprintf("%s/monitor.conf", c->dir);
                rc = berth_write_file_replace(path, out, len, 0600, err);
        }
        free(out);
        return rc;
}
