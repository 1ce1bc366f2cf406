/* SPDX-License-Identifier: Apache-2.0 */
/* `create`: the container through the runtime library, then the "running" record. */
#include "helper.h"
#include "base/cleanup-json.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "engine/containers.h"
#include "engine/health-record.h"
#include "runtime/runtime.h"

#include <errno.h>
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

/* A restart the user cancelled while it waited (stop, kill, rm): the record says the
 * user stopped it, or is no longer restarting. It stays exited. */
static int cancelled(berth_db *db, const berth_monitor_conf *c, berth_error *err)
{
        berth_container rec;
        int r = berth_container_get(db, c->id, &rec, err);
        if (r < 0)
                return r;
        bool cancel = rec.manual_stop || rec.state != BERTH_STATE_RESTARTING;
        berth_container_clear(&rec);
        if (!cancel)
                return 0;
        berth_container_set_status(db, c->id, BERTH_STATE_EXITED, NULL);
        return berth_errx(err, ECANCELED, "the restart was cancelled: the container was stopped");
}

/* One transaction: the monitor, running, the healthcheck starting over (its log kept), the
 * event. *stopped: the user stopped it (a restart racing a stop: it is killed right away). */
static int record_start(berth_db *db, const berth_monitor_conf *c, pid_t pid, bool restarted,
                        bool *stopped, berth_error *err)
{
        pid_t monitor = getppid();
        berth_container rec;
        int r = berth_db_begin(db, err);
        if (r < 0)
                return r;
        if ((r = berth_container_get(db, c->id, &rec, err)) < 0) {
                berth_db_rollback(db);
                return r;
        }
        *stopped = restarted && rec.manual_stop;
        _cleanup_json_ json_t *health = c->health_test ? berth_health_started(rec.health) : NULL;
        berth_container_clear(&rec);
        if ((r = berth_container_set_monitor(db, c->id, monitor, berth_pid_start_time(monitor),
                                             err)) < 0 ||
            (r = berth_container_set_running(db, c->id, pid, restarted, err)) < 0 ||
            (r = berth_container_set_health(db, c->id, health, err)) < 0) {
                berth_db_rollback(db);
                return r;
        }
        helper_event(db, c, "start", NULL, NULL);
        return berth_db_commit(db, err);
}

typedef struct {
        const berth_monitor_conf *c;
        berth_db *db;
        berth_error err;
        int r;
} db_opening;

/* berth.db opened while the container's init sets its root up (berth_rt_create_opts'
 * while_init): the open's ~2 ms are off a run's path */
static void open_db(void *arg)
{
        db_opening *d = arg;
        if (d->db == NULL)
                d->r = helper_open_db(d->c, &d->db, &d->err);
}

int helper_create(const berth_monitor_conf *c, const char *console, bool restarted)
{
        berth_error err = {0};
        _cleanup_free_ char *root = helper_rt_root(c);
        _cleanup_free_ char *pidfile = berth_xasprintf("%s/monitor/%s.pid", c->runroot, c->id);
        berth_rt_ctx ctx = {.root = root};
        db_opening d = {.c = c};
        /* a restart asks first whether the user cancelled it while it waited */
        if (restarted &&
            ((d.r = helper_open_db(c, &d.db, &err)) < 0 || cancelled(d.db, c, &err) < 0)) {
                berth_db_close(d.db);
                return fail(&err);
        }
        berth_rt_delete(&ctx, c->id, true, NULL); /* what a crash may have left */
        berth_rt_create_opts o = {.id = c->id,
                                  .bundle = c->dir,
                                  .pid_file = pidfile,
                                  .while_init = open_db,
                                  .while_init_arg = &d};
        if (strcmp(console, "-") != 0) {
                o.has_console_fd = true;
                o.console_fd = atoi(console);
        }
        int r = berth_rt_create(&ctx, &o, &err);
        if (r >= 0 && d.db == NULL) {
                /* no record could say it runs: it does not */
                if (d.r < 0)
                        err = d.err;
                r = d.r < 0 ? d.r : berth_errx(&err, EIO, "berth.db was not opened");
                berth_rt_delete(&ctx, c->id, true, NULL);
        }
        if (r >= 0 && (r = berth_rt_start(&ctx, c->id, &err)) < 0)
                berth_rt_delete(&ctx, c->id, true, NULL);
        berth_db *db = d.db;
        _cleanup_free_ char *pidtxt = NULL;
        if (r < 0 || berth_read_file(pidfile, &pidtxt, NULL, &err) < 0) {
                berth_db_close(db);
                return fail(&err);
        }
        bool stopped = false;
        /* one transaction: the start is on the path of every run (the monitor
         * answers the CLI once we are done) */
        if (record_start(db, c, atoi(pidtxt), restarted, &stopped, &err) < 0) {
                /* the container runs but cannot be recorded: stop it rather than lie */
                berth_rt_kill(&ctx, c->id, SIGKILL, true, NULL);
                berth_db_close(db);
                return fail(&err);
        }
        berth_db_close(db);
        if (stopped) /* its exit is recorded, and not restarted: the user stopped it */
                berth_rt_kill(&ctx, c->id, SIGKILL, true, NULL);
        return 0;
}
