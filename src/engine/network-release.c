/* SPDX-License-Identifier: Apache-2.0 */
/* A container leaves its networks: rows deleted in one transaction, then its veths and
 * namespace, bridges nobody is on, the firewall and names; and the sweep of what a killed
 * command or a lost container left. */
#include "engine/network-internal.h"
#include "engine/state.h"
#include "base/fs.h"
#include "build/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
        char *sandbox;
        bool ports;
        char **nets, **links; /* network ids and host veths, by position */
} held;

static void held_clear(held *h)
{
        free(h->sandbox);
        berth_strv_free(h->nets);
        berth_strv_free(h->links);
}

static int read_held(berth_db *db, const char *id, held *h, berth_error *err)
{
        *h = (held){0};
        static const char q1[] =
            "SELECT sandbox, ports FROM container_networks WHERE container = ?";
        static const char q2[] = "SELECT network, host_link FROM network_endpoints WHERE "
                                 "container = ? ORDER BY position";
        sqlite3_stmt *st = berth_db_prepare(db, q1, err);
        if (st == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "reading a container's networks", err);
        if (rc == SQLITE_ROW) {
                h->sandbox = berth_xstrdup((const char *)sqlite3_column_text(st, 0));
                const char *p = (const char *)sqlite3_column_text(st, 1);
                h->ports = p && strcmp(p, "{}") != 0;
        }
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        if ((st = berth_db_prepare(db, q2, err)) == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        while ((rc = berth_db_step(db, st, "reading endpoints", err)) == SQLITE_ROW) {
                berth_strv_push(&h->nets, (const char *)sqlite3_column_text(st, 0));
                berth_strv_push(&h->links, (const char *)sqlite3_column_text(st, 1));
        }
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

static int forget(berth_db *db, const char *id, berth_error *err)
{
        static const char *const sql[] = {
            "DELETE FROM network_endpoints WHERE container = ?",
            "DELETE FROM network_leases WHERE container = ?",
            "DELETE FROM container_networks WHERE container = ?",
        };
        int r = berth_db_begin(db, err);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(sql); i++) {
                sqlite3_stmt *st = berth_db_prepare(db, sql[i], err);
                if (st == NULL) {
                        r = -err->code;
                        break;
                }
                sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
                r = berth_db_step(db, st, "forgetting a container's networks", err);
                sqlite3_reset(st);
        }
        if (r >= 0)
                r = berth_db_commit(db, err);
        if (r < 0)
                berth_db_rollback(db);
        return r < 0 ? r : 0;
}

int engine_net_release_locked(berth_db *db, const char *root, const char *runroot, const char *id,
                              berth_error *err)
{
        held h;
        int r = read_held(db, id, &h, err);
        _cleanup_free_ char *sandbox = berth_xasprintf("%s/netns/%s", runroot, id);
        if (r == 0)
                r = forget(db, id, err);
        if (r < 0) {
                held_clear(&h);
                return r;
        }
        /* the namespace unmounted is the namespace gone, and its veths with it: the kernel
         * deletes them in the background (a veth deleted here would cost ~20 ms of waiting
         * for the kernel's RCU grace periods) */
        berth_netns_remove(sandbox, NULL);
        if (engine_net_left(db, root, runroot, h.nets, h.ports, err) < 0 && r == 0)
                r = -err->code;
        held_clear(&h);
        return r;
}

int engine_net_left(berth_db *db, const char *root, const char *runroot, char *const *ids, bool fw,
                    berth_error *err)
{
        _cleanup_net_ berth_net *host = NULL;
        berth_error ignore = {0};
        int r = 0;
        for (char *const *n = ids; n && *n; n++) {
                engine_netdef d;
                bool gone = !engine_net_in_use(db, *n);
                if (engine_netdef_get(db, *n, &d, &ignore) < 0 || strcmp(d.driver, "bridge") != 0)
                        continue;
                fw = fw || gone;
                /* the kernel waits ~40-60 ms for a bridge's deletion: the last container's
                 * exit pays it (a link that is not there: -ENODEV, nothing to do) */
                if (gone && (host || berth_net_open(-1, &host, &ignore) == 0))
                        berth_net_link_delete(host, d.bridge, NULL);
                if (d.builtin)
                        continue;
                if (gone)
                        engine_net_names_remove(runroot, *n);
                else if (engine_net_names_write(db, runroot, *n, err) < 0 && r == 0)
                        r = -err->code;
        }
        if (fw && engine_net_firewall(db, root, err) < 0 && r == 0)
                r = -err->code;
        return r;
}

int engine_net_settle(berth_db *db, const char *root, const char *runroot, berth_error *err)
{
        static const char sql[] = "SELECT id FROM networks";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        _cleanup_strv_ char **ids = NULL;
        int rc;
        while ((rc = berth_db_step(db, st, "reading networks", err)) == SQLITE_ROW)
                berth_strv_push(&ids, (const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
        return rc < 0 ? rc : engine_net_left(db, root, runroot, ids, true, err);
}

int berth_network_release(berth_db *db, const char *root, const char *runroot, const char *id,
                          berth_error *err)
{
        int r = berth_network_holds(db, runroot, id, err);
        if (r <= 0)
                return r;
        _cleanup_close_ int lock = engine_net_lock(runroot, err);
        if (lock < 0)
                return lock;
        return engine_net_release_locked(db, root, runroot, id, err);
}

/* A build step's (build-<hex>) life is its snapshot's lock, <root>/build/<hex>.lock, held
 * while the step runs (build/sweep.h): free or gone, its build is dead. */
static bool build_step_alive(berth_engine *e, const char *id)
{
        const char *hex = id + strlen("build-");
        if (strlen(hex) == 0 || strspn(hex, "0123456789abcdef") != strlen(hex))
                return false;
        _cleanup_free_ char *path = berth_xasprintf("%s/build/%s.lock", e->root, hex);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        return fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) < 0;
}

/* A dead step's process may outlive its build: it goes before its address is let go. */
static void release_leftover(berth_engine *e, const char *id, berth_error *err)
{
        if (berth_str_has_prefix(id, "build-"))
                berth_build_runtime_delete(e->rt_root, id);
        engine_net_release_locked(berth_engine_db(e), e->root, e->runroot, id, err);
}

/* Containers that are not running (nor paused, nor waiting to restart), whose monitor is
 * gone, or that have no record, and still hold something on networks; one being started right now
 * has its directory locked and is left out. */
static char **leftovers(berth_engine *e)
{
        static const char sql[] =
            "SELECT n.container, c.status IN ('running', 'paused', 'restarting'), "
            "c.monitor_pid, c.monitor_start FROM container_networks n LEFT JOIN containers c "
            "ON c.id = n.container";
        berth_db *db = berth_engine_db(e);
        berth_error err = {0};
        sqlite3_stmt *st = berth_db_prepare(db, sql, &err);
        if (st == NULL)
                return NULL;
        char **ids = NULL, **out = NULL;
        while (berth_db_step(db, st, "reading containers' networks", &err) == SQLITE_ROW) {
                /* live, with its monitor there: it holds them rightly */
                if (sqlite3_column_int(st, 1) &&
                    berth_pid_alive((pid_t)sqlite3_column_int64(st, 2),
                                    (unsigned long long)sqlite3_column_int64(st, 3)))
                        continue;
                berth_strv_push(&ids, (const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_reset(st);
        STRV_FOREACH (id, ids) {
                if (berth_str_has_prefix(*id, "build-")) { /* a build step's */
                        if (!build_step_alive(e, *id))
                                berth_strv_push(&out, *id);
                        continue;
                }
                _cleanup_free_ char *dir = berth_engine_container_dir(e, *id);
                _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) == 0)
                        berth_strv_push(&out, *id);
        }
        berth_strv_free(ids);
        return out;
}

void engine_net_sweep(berth_engine *e)
{
        _cleanup_strv_ char **ids = leftovers(e);
        berth_error err = {0};
        STRV_FOREACH (id, ids)
                release_leftover(e, *id, &err);
}

void engine_net_sweep_build_steps(berth_engine *e)
{
        _cleanup_strv_ char **ids = leftovers(e);
        if (ids == NULL)
                return;
        berth_error err = {0};
        _cleanup_close_ int lock = engine_net_lock(e->runroot, &err);
        if (lock >= 0)
                engine_net_sweep(e);
}

int engine_net_leftovers(berth_engine *e, char ***problems, char ***actions, bool repair,
                         berth_error *err)
{
        _cleanup_strv_ char **ids = leftovers(e);
        if (ids == NULL)
                return 0;
        int lock = repair ? engine_net_lock(e->runroot, err) : 0;
        if (lock < 0)
                return lock;
        STRV_FOREACH (id, ids) {
                bool step = berth_str_has_prefix(*id, "build-");
                _cleanup_free_ char *p =
                    step ? berth_xasprintf("build step %s of a killed build holds an address and "
                                           "links of the default bridge",
                                           *id)
                         : berth_xasprintf("container %.12s is not running and holds addresses "
                                           "or links of networks",
                                           *id);
                berth_strv_push(problems, p);
                if (step && repair)
                        berth_build_runtime_delete(e->rt_root, *id);
                if (repair && engine_net_release_locked(berth_engine_db(e), e->root, e->runroot,
                                                        *id, err) == 0) {
                        _cleanup_free_ char *a =
                            step ? berth_xasprintf("released the network of build step %s", *id)
                                 : berth_xasprintf("released the networks of container %.12s", *id);
                        berth_strv_push(actions, a);
                }
        }
        if (repair)
                close(lock);
        return 0;
}

int engine_net_container_mode(berth_engine *e, const berth_container *c, const char *other,
                              engine_net_info *info, berth_error *err)
{
        berth_container o;
        int r = berth_engine_get(e, other, &o, err);
        if (r < 0)
                return r;
        if (strcmp(o.id, c->id) == 0)
                r = berth_errx(err, EINVAL, "cannot join own network namespace");
        else if (o.state != BERTH_STATE_RUNNING && o.state != BERTH_STATE_PAUSED)
                r = berth_errx(err, EINVAL,
                               "cannot join network namespace of a non running container: "
                               "container %s is %s",
                               o.name, o.status);
        if (r == 0) {
                _cleanup_free_ char *sandbox = berth_xasprintf("%s/netns/%s", e->runroot, o.id);
                info->sandbox = access(sandbox, F_OK) == 0
                                    ? TAKE_PTR(sandbox)
                                    : berth_xasprintf("/proc/%d/ns/net", (int)o.pid);
        }
        berth_container_clear(&o);
        return r;
}
