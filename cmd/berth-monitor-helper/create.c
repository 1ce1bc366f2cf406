/* SPDX-License-Identifier: Apache-2.0 */
/* `create`: the container through the runtime library, then the "running" record. */
#include "helper.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "engine/containers.h"
#include "runtime/runtime.h"

#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const berth_error *err)
{
        (void)berth_write_all(3, err->msg, strlen(err->msg));
        return 1;
}

int helper_create(const berth_monitor_conf *c, const char *console, bool restarted)
{
        berth_error err = {0};
        _cleanup_free_ char *root = helper_rt_root(c);
        _cleanup_free_ char *pidfile = berth_xasprintf("%s/monitor/%s.pid", c->runroot, c->id);
        berth_rt_ctx ctx = {.root = root};
        berth_rt_delete(&ctx, c->id, true, NULL); /* what a crash may have left */
        berth_rt_create_opts o = {.id = c->id, .bundle = c->dir, .pid_file = pidfile};
        if (strcmp(console, "-") != 0) {
                o.has_console_fd = true;
                o.console_fd = atoi(console);
        }
        int r = berth_rt_create(&ctx, &o, &err);
        if (r >= 0 && (r = berth_rt_start(&ctx, c->id, &err)) < 0)
                berth_rt_delete(&ctx, c->id, true, NULL);
        if (r < 0)
                return fail(&err);
        _cleanup_free_ char *pidtxt = NULL;
        if (berth_read_file(pidfile, &pidtxt, NULL, &err) < 0)
                return fail(&err);
        pid_t pid = atoi(pidtxt);
        pid_t monitor = getppid();
        /* a healthcheck starts over with each start */
        _cleanup_(json_decrefp) json_t *health =
            c->health_test
                ? json_pack("{s:s, s:i, s:[]}", "Status", "starting", "FailingStreak", 0, "Log")
                : NULL;
        berth_db *db = NULL;
        /* one transaction: the start is on the path of every run (the monitor
         * answers the CLI once we are done) */
        if (helper_open_db(c, &db, &err) < 0 || berth_db_begin(db, &err) < 0 ||
            berth_container_set_monitor(db, c->id, monitor, berth_pid_start_time(monitor), &err) <
                0 ||
            berth_container_set_running(db, c->id, pid, restarted, &err) < 0 ||
            berth_container_set_health(db, c->id, health, &err) < 0) {
                /* the container runs but cannot be recorded: stop it rather than lie */
                if (db)
                        berth_db_rollback(db);
                berth_rt_kill(&ctx, c->id, SIGKILL, true, NULL);
                berth_db_close(db);
                return fail(&err);
        }
        helper_event(db, c, "start", NULL, NULL);
        if (berth_db_commit(db, &err) < 0) {
                berth_rt_kill(&ctx, c->id, SIGKILL, true, NULL);
                berth_db_close(db);
                return fail(&err);
        }
        berth_db_close(db);
        return 0;
}
