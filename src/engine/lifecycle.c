/* SPDX-License-Identifier: Apache-2.0 */
/* get/list (with the truth checked), stop, kill, restart, pause, rename, wait, rm. */
#include "engine/engine-internal.h"
#include "engine/network.h"
#include "engine/network-internal.h"
#include "engine/events.h"
#include "engine/exit.h"
#include "base/fs.h"
#include "base/units.h"
#include "engine/monitor-proto.h"
#include "image/snapshot.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A live record whose monitor is gone: nothing supervises the container any more. */
static bool monitor_lost(const berth_container *c)
{
        return berth_state_live(c->state) && !berth_pid_alive(c->monitor_pid, c->monitor_start);
}

/* What such a record really is, shown without writing anything: exited, with its last known
 * code (255 when none, as Docker reports a lost shim). */
static void view(berth_container *c)
{
        if (!monitor_lost(c))
                return;
        free(c->status);
        c->state = BERTH_STATE_EXITED;
        c->status = berth_xstrdup(berth_state_name(c->state));
        free(c->error);
        c->error = berth_xstrdup("the container's monitor is gone");
        c->exit_code = c->exit_code != 0 ? c->exit_code : 255;
        c->pid = 0;
}

/* Make it so: the container stopped (through the runtime, which checks the pid's identity),
 * its runtime state and mount gone, and recorded exited. */
static int repair(berth_engine *e, berth_container *c, berth_error *err)
{
        berth_rt_kill(&e->rt, c->id, SIGKILL, true, NULL);
        for (int i = 0; i < 100; i++) {
                berth_rt_state st;
                if (berth_rt_state_get(&e->rt, c->id, &st, NULL) < 0)
                        break;
                bool stopped = st.status == BERTH_RT_STOPPED;
                berth_rt_state_clear(&st);
                if (stopped)
                        break;
                usleep(10000);
        }
        berth_rt_delete(&e->rt, c->id, true, NULL);
        _cleanup_free_ char *dir = berth_engine_container_dir(e, c->id);
        berth_snapshot_umount(dir, NULL, NULL);
        berth_network_release(berth_engine_db(e), e->root, e->runroot, c->id, NULL);
        view(c);
        return berth_container_set_exited(berth_engine_db(e), c->id, c->exit_code, c->oom_killed,
                                          c->error, err);
}

int berth_engine_get(berth_engine *e, const char *name, berth_container *ret, berth_error *err)
{
        int rc = berth_container_get(berth_engine_db(e), name, ret, err);
        if (rc == 0)
                view(ret);
        return rc;
}

int berth_engine_list(berth_engine *e, berth_container **ret, size_t *ret_n, berth_error *err)
{
        int rc = berth_container_list(berth_engine_db(e), ret, ret_n, err);
        for (size_t i = 0; rc == 0 && i < *ret_n; i++)
                view(&(*ret)[i]);
        return rc;
}

int berth_engine_reconcile(berth_engine *e, const char *name, berth_container *ret,
                           berth_error *err)
{
        int rc = berth_container_get(berth_engine_db(e), name, ret, err);
        if (rc < 0 || !monitor_lost(ret))
                return rc;
        if ((rc = repair(e, ret, err)) < 0)
                berth_container_clear(ret);
        return rc;
}

int berth_engine_reconcile_all(berth_engine *e, char ***problems, char ***actions, bool do_repair,
                               berth_error *err)
{
        berth_container *v = NULL;
        size_t n = 0;
        int rc = berth_container_list(berth_engine_db(e), &v, &n, err);
        for (size_t i = 0; rc == 0 && i < n; i++) {
                if (!monitor_lost(&v[i]))
                        continue;
                _cleanup_free_ char *p =
                    berth_xasprintf("container %s (%.12s) is %s but its monitor is gone", v[i].name,
                                    v[i].id, v[i].status);
                berth_strv_push(problems, p);
                if (!do_repair)
                        continue;
                berth_error e2 = {0};
                _cleanup_free_ char *a =
                    repair(e, &v[i], &e2) < 0
                        ? berth_xasprintf("cannot stop %s: %s", v[i].name, e2.msg)
                        : berth_xasprintf("stopped %s and recorded it exited", v[i].name);
                berth_strv_push(actions, a);
        }
        berth_containers_free(v, n);
        return rc;
}

int engine_wait_exit(berth_engine *e, const berth_container *c, int timeout_ms, int *ret_code)
{
        if (ret_code)
                *ret_code = -1;
        berth_error err = {0};
        int fd = berth_monitor_connect(e->runroot, c->id, 0, &err);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (fd >= 0) {
                for (;;) {
                        int left = -1;
                        if (timeout_ms >= 0) {
                                struct timespec t;
                                clock_gettime(CLOCK_MONOTONIC, &t);
                                long el = (t.tv_sec - t0.tv_sec) * 1000 +
                                          (t.tv_nsec - t0.tv_nsec) / 1000000;
                                left = el >= timeout_ms ? 0 : timeout_ms - (int)el;
                        }
                        struct pollfd p = {.fd = fd, .events = POLLIN};
                        int r = poll(&p, 1, left);
                        if (r < 0 && errno == EINTR)
                                continue;
                        if (r == 0) {
                                close(fd);
                                return 0;
                        }
                        int type;
                        char *data = NULL;
                        size_t len;
                        r = berth_frame_read(fd, &type, &data, &len);
                        /* the exit frame says the code: "3", or "3 <unrecorded>" */
                        if (r > 0 && type == BERTH_FRAME_EXIT && ret_code && data && len > 0 &&
                            len < 64) {
                                char num[64];
                                memcpy(num, data, len);
                                num[len] = '\0';
                                *ret_code = atoi(num);
                        }
                        free(data);
                        if (r <= 0 || type == BERTH_FRAME_EXIT) {
                                close(fd);
                                return 1;
                        }
                }
        }
        /* no monitor to ask: watch the runtime's view */
        for (int waited = 0; timeout_ms < 0 || waited < timeout_ms; waited += 20) {
                berth_rt_state st;
                if (berth_rt_state_get(&e->rt, c->id, &st, NULL) < 0)
                        return 1;
                bool stopped = st.status == BERTH_RT_STOPPED;
                berth_rt_state_clear(&st);
                if (stopped)
                        return 1;
                usleep(20000);
        }
        return 0;
}

static int stop_signal(const berth_container *c)
{
        const char *s = json_string_value(json_object_get(c->body, "StopSignal"));
        int sig = s && *s ? berth_rt_signal_parse(s) : -1;
        return sig > 0 ? sig : SIGTERM;
}

/* A container waiting to restart: its monitor cancels the restart now rather than when the
 * back-off ends (the record says the user stopped it already). */
static void cancel_restart(berth_engine *e, const berth_container *c)
{
        int fd = berth_monitor_connect(e->runroot, c->id, 0, NULL);
        if (fd < 0)
                return;
        (void)berth_frame_write(fd, BERTH_FRAME_STOP, NULL, 0);
        close(fd);
}

static int stop_container(berth_engine *e, berth_container *c, int timeout, berth_error *err)
{
        berth_db *db = berth_engine_db(e);
        if (!berth_state_live(c->state))
                return 0;
        if (berth_container_set_manual_stop(db, c->id, true, err) < 0)
                return berth_error_rc(err, -EIO);
        if (c->state == BERTH_STATE_RESTARTING)
                cancel_restart(e, c);
        if (timeout < 0) {
                json_t *t = json_object_get(c->body, "StopTimeout");
                timeout = json_is_integer(t) ? (int)json_integer_value(t) : 10;
        }
        bool paused = c->state == BERTH_STATE_PAUSED;
        if (timeout != 0 && c->state != BERTH_STATE_RESTARTING) {
                char sig[16];
                snprintf(sig, sizeof(sig), "%d", stop_signal(c));
                engine_event(e, c, "kill", "signal", sig);
                berth_rt_kill(&e->rt, c->id, stop_signal(c), false, NULL);
                if (paused)
                        berth_rt_pause(&e->rt, c->id, false, NULL);
                if (engine_wait_exit(e, c, timeout < 0 ? -1 : timeout * 1000, NULL) == 1) {
                        engine_event(e, c, "stop", NULL, NULL);
                        return 0;
                }
        }
        engine_event(e, c, "kill", "signal", "9");
        berth_rt_kill(&e->rt, c->id, SIGKILL, true, NULL);
        if (paused)
                berth_rt_pause(&e->rt, c->id, false, NULL);
        if (engine_wait_exit(e, c, 30000, NULL) == 1) {
                engine_event(e, c, "stop", NULL, NULL);
                return 0;
        }
        return berth_errx(err, ETIMEDOUT, "container %s did not stop", c->name);
}

int berth_engine_stop(berth_engine *e, const char *name, int timeout, berth_error *err)
{
        berth_container c;
        if (berth_engine_reconcile(e, name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        int rc = stop_container(e, &c, timeout, err);
        berth_container_clear(&c);
        return rc;
}

int berth_engine_kill(berth_engine *e, const char *name, int sig, berth_error *err)
{
        berth_container c;
        if (berth_engine_reconcile(e, name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        int rc = 0;
        if (!berth_state_up(c.state)) {
                rc = berth_errx(err, EINVAL,
                                "Cannot kill container: %s: Container %s is not running", name,
                                c.id);
        } else {
                /* a container the user kills stays down, as with stop */
                if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT)
                        berth_container_set_manual_stop(berth_engine_db(e), c.id, true, NULL);
                rc = berth_rt_kill(&e->rt, c.id, sig, false, err);
                if (rc < 0) {
                        berth_wrap(err, "Cannot kill container: %s", name);
                } else {
                        char s[16];
                        snprintf(s, sizeof(s), "%d", sig);
                        engine_event(e, &c, "kill", "signal", s);
                }
        }
        berth_container_clear(&c);
        return rc;
}

int berth_engine_restart(berth_engine *e, const char *name, int timeout, berth_error *err)
{
        int rc = berth_engine_stop(e, name, timeout, err);
        if (rc < 0)
                return rc;
        rc = berth_engine_start(e, name, NULL, err);
        if (rc == -EALREADY)
                rc = 0;
        berth_container c;
        if (rc >= 0 && berth_container_get(berth_engine_db(e), name, &c, NULL) == 0) {
                engine_event(e, &c, "restart", NULL, NULL);
                berth_container_clear(&c);
        }
        return rc;
}

int berth_engine_pause(berth_engine *e, const char *name, bool pause, berth_error *err)
{
        berth_container c;
        if (berth_engine_reconcile(e, name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        int rc;
        if (pause && c.state != BERTH_STATE_RUNNING)
                rc = berth_errx(err, EINVAL, "Container %s is not running", c.id);
        else if (!pause && c.state != BERTH_STATE_PAUSED)
                rc = berth_errx(err, EINVAL, "Container %s is not paused", c.id);
        else if ((rc = berth_rt_pause(&e->rt, c.id, pause, err)) >= 0 &&
                 (rc = berth_container_set_status(berth_engine_db(e), c.id,
                                                  pause ? BERTH_STATE_PAUSED : BERTH_STATE_RUNNING,
                                                  err)) >= 0)
                engine_event(e, &c, pause ? "pause" : "unpause", NULL, NULL);
        berth_container_clear(&c);
        return rc;
}

int berth_engine_cleanup(berth_engine *e, const char *name, berth_error *err)
{
        berth_container c;
        int r = berth_engine_reconcile(e, name, &c, err);
        if (r < 0)
                return r;
        /* not while a start holds it (what it set up would be taken away): after, as it is
         * then */
        _cleanup_close_ int lock = engine_lock_container(e, c.id);
        berth_container_clear(&c);
        if ((r = berth_engine_get(e, name, &c, err)) < 0)
                return r;
        if (!berth_state_live(c.state))
                r = berth_network_release(berth_engine_db(e), e->root, e->runroot, c.id, err);
        berth_container_clear(&c);
        return r;
}

int berth_engine_rename(berth_engine *e, const char *name, const char *new_name, berth_error *err)
{
        berth_container c;
        if (berth_engine_get(e, name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        const char *n = new_name && new_name[0] == '/' ? new_name + 1 : new_name;
        int rc = berth_container_rename(berth_engine_db(e), c.id, n, err);
        if (rc >= 0) {
                char *old = c.name;
                c.name = berth_xstrdup(n);
                engine_event(e, &c, "rename", "oldName", old);
                free(old);
                /* its networks' resolvers answer the new name from now on */
                berth_error ignore = {0};
                engine_net_renamed(e, c.id, &ignore);
        }
        berth_container_clear(&c);
        return rc;
}

/* The exit code the container's last "die" event recorded since created (ns), -1 if none:
 * what wait says of a container already removed (--rm) when its monitor could not tell. */
static int last_die_code(berth_engine *e, const char *id, int64_t since)
{
        berth_event *v = NULL;
        size_t n = 0;
        int code = -1;
        if (berth_events_read(berth_engine_db(e), 0, since, 0, &v, &n, NULL) < 0)
                return -1;
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i].action, "die") == 0 && strcmp(v[i].actor, id) == 0) {
                        const char *s =
                            json_string_value(json_object_get(v[i].attributes, "exitCode"));
                        if (s)
                                code = atoi(s);
                }
        berth_events_free(v, n);
        return code;
}

int berth_engine_wait(berth_engine *e, const char *name, const char *condition, int *ret_code,
                      berth_error *err)
{
        berth_container c;
        if (berth_engine_get(e, name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        bool removed = condition && strcmp(condition, "removed") == 0;
        if (condition && !removed && strcmp(condition, "not-running") != 0 &&
            strcmp(condition, "next-exit") != 0) {
                berth_container_clear(&c);
                return berth_errx(err, EINVAL, "invalid condition: \"%s\"", condition);
        }
        int told = -1;
        if (berth_state_live(c.state))
                engine_wait_exit(e, &c, -1, &told);
        char *id = berth_xstrdup(c.id);
        int code = c.exit_code;
        int64_t created = berth_parse_rfc3339(c.created);
        berth_container_clear(&c);
        int rc = berth_container_get(berth_engine_db(e), id, &c, NULL);
        if (told >= 0) {
                /* what the monitor said: the record may be gone already (--rm) */
                code = told;
                if (rc >= 0)
                        berth_container_clear(&c);
        } else if (rc >= 0) {
                /* the monitor may not have recorded yet when it went away: seen, not written */
                view(&c);
                code = c.exit_code;
                berth_container_clear(&c);
        } else {
                /* gone already (--rm): its die event says how it ended */
                int d = last_die_code(e, id, created > 0 ? created * 1000000000 : 0);
                code = d >= 0 ? d : code;
        }
        /* removed: until the record is gone, woken by berth.db's changes (at most a tenth of a
         * second between looks: the wake-up may come before the change can be seen) */
        int watch = removed ? engine_db_watch(e) : -1;
        while (removed && berth_container_get(berth_engine_db(e), id, &c, NULL) == 0) {
                berth_container_clear(&c);
                engine_db_wait(watch, 100);
        }
        if (watch >= 0)
                close(watch);
        free(id);
        *ret_code = code;
        return 0;
}

int berth_engine_record_exit(berth_engine *e, const char *name, int code, berth_error *err)
{
        berth_container c;
        if (berth_engine_get(e, name, &c, err) < 0)
                return -err->code;
        int r = berth_container_record_exit(berth_engine_db(e), &e->rt, c.id, c.image_name, c.name,
                                            code, err);
        berth_container_clear(&c);
        return r;
}

int berth_engine_remove(berth_engine *e, const char *name, bool force, bool volumes,
                        berth_error *err)
{
        berth_db *db = berth_engine_db(e);
        berth_container c;
        if (berth_engine_reconcile(e, name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        _cleanup_free_ char *dir = berth_engine_container_dir(e, c.id);
        int rc = 0;
        if (berth_state_live(c.state)) {
                if (!force) {
                        rc = berth_errx(err, EBUSY,
                                        "You cannot remove a %s container %s. Stop the container "
                                        "before attempting removal or force remove",
                                        c.status, c.id);
                        goto out;
                }
                if ((rc = stop_container(e, &c, 0, err)) < 0)
                        goto out;
        }
        /* once and only once: whoever moves it to removing removes it */
        if ((rc = berth_container_set_status(db, c.id, BERTH_STATE_REMOVING, err)) < 0) {
                if (rc == -EALREADY)
                        rc = berth_errx(err, EALREADY,
                                        "removal of container %s is already in progress", name);
                goto out;
        }
        berth_rt_delete(&e->rt, c.id, true, NULL);
        /* what the helper lets go at the exit, unless it was killed before */
        berth_network_release(db, e->root, e->runroot, c.id, NULL);
        if ((rc = berth_snapshot_remove(berth_engine_images(e), dir, err)) < 0 ||
            (rc = berth_rm_rf(dir, err)) < 0) {
                berth_container_set_status(db, c.id, BERTH_STATE_DEAD, NULL);
                goto out;
        }
        if ((rc = berth_db_begin(db, err)) < 0)
                goto out;
        if ((rc = berth_container_delete(db, c.id, err)) < 0) {
                berth_db_rollback(db);
                goto out;
        }
        engine_event(e, &c, "destroy", NULL, NULL);
        if ((rc = berth_db_commit(db, err)) < 0)
                goto out;
        rc = berth_volume_release(berth_engine_volumes(e), c.id, volumes, err);
out:
        berth_container_clear(&c);
        return rc < 0 ? rc : 0;
}
