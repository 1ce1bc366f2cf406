/* SPDX-License-Identifier: Apache-2.0 */
/* `network connect` and `disconnect`: the container's configuration changed, and a running
 * container's interfaces with it, live (a veth made or deleted in its namespace). */
#include "engine/network-internal.h"
#include "engine/state.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *mode_of(const berth_container *c)
{
        const char *m = json_string_value(
            json_object_get(json_object_get(c->body, "HostConfig"), "NetworkMode"));
        return m && *m ? m : "default";
}

/* Whether the body names the network (by its name, or the default bridge as "default"). */
static bool body_has(const berth_container *c, const char *name)
{
        const char *mode = mode_of(c);
        if (strcmp(mode, name) == 0 ||
            (strcmp(name, "bridge") == 0 && strcmp(mode, "default") == 0))
                return true;
        json_t *eps =
            json_object_get(json_object_get(c->body, "NetworkingConfig"), "EndpointsConfig");
        return json_object_get(eps, name) != NULL;
}

static int mode_refuses(const berth_container *c, berth_error *err)
{
        const char *mode = mode_of(c);
        if (strcmp(mode, "host") == 0)
                return berth_errx(err, EINVAL,
                                  "container cannot be disconnected from host network or "
                                  "connected to host network");
        if (strcmp(mode, "none") == 0)
                return berth_errx(err, EINVAL,
                                  "container cannot be connected to multiple networks with one of "
                                  "the networks in private (none) mode");
        if (berth_str_has_prefix(mode, "container:"))
                return berth_errx(err, EINVAL,
                                  "conflicting options: container type network can't "
                                  "be used with other networks");
        return 0;
}

/* The sandbox (namespace path) and the number of endpoints of a running container. */
static int sandbox_of(berth_db *db, const char *id, char **ret, int *ret_n, berth_error *err)
{
        static const char sql[] = "SELECT sandbox, (SELECT coalesce(max(position) + 1, 0) FROM "
                                  "network_endpoints WHERE "
                                  "container = ?1) FROM container_networks WHERE container = ?1";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "reading a container's networks", err);
        *ret = NULL;
        if (rc == SQLITE_ROW) {
                *ret = berth_xstrdup((const char *)sqlite3_column_text(st, 0));
                *ret_n = sqlite3_column_int(st, 1);
        }
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

/* The rows of the container's endpoint on network net_id (the caller's transaction, or none). */
static int forget_endpoint(berth_db *db, const char *cid, const char *net_id, berth_error *err)
{
        static const char *const sql[] = {
            "DELETE FROM network_endpoints WHERE container = ? AND network = ?",
            "DELETE FROM network_leases WHERE container = ? AND network = ?"};
        for (size_t i = 0; i < ARRAY_SIZE(sql); i++) {
                sqlite3_stmt *st = berth_db_prepare(db, sql[i], err);
                if (st == NULL)
                        return -err->code;
                sqlite3_bind_text(st, 1, cid, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(st, 2, net_id, -1, SQLITE_TRANSIENT);
                int rc = berth_db_step(db, st, "forgetting an endpoint", err);
                sqlite3_reset(st);
                if (rc < 0)
                        return rc;
        }
        return 0;
}

/* The container locked (not while a start or a copy holds it) and read again as it is now. */
static int lock_and_reread(berth_engine *e, const char *container, berth_container *c,
                           int *ret_lock, berth_error *err)
{
        *ret_lock = engine_lock_container(e, c->id);
        berth_container_clear(c);
        return berth_engine_get(e, container, c, err);
}

/* The container's new body kept, and Docker's network event (its type the driver). */
static int record_change(berth_engine *e, const berth_container *c, const json_t *body,
                         const engine_netdef *d, const char *action, berth_error *err)
{
        int r = berth_container_set_body(berth_engine_db(e), c->id, body, err);
        if (r == 0) {
                _cleanup_json_ json_t *attrs = json_pack("{s:s, s:s, s:s}", "container", c->id,
                                                         "name", d->name, "type", d->driver);
                berth_event_record(berth_engine_db(e), "network", action, d->id, attrs, NULL);
        }
        return r;
}

/* A running container's new endpoint: recorded, then plumbed into its namespace. */
static int connect_live(berth_engine *e, const berth_container *c, engine_attach *a,
                        berth_error *err)
{
        berth_db *db = berth_engine_db(e);
        _cleanup_free_ char *sandbox = NULL;
        int n = 0;
        int r = sandbox_of(db, c->id, &sandbox, &n, err);
        if (r < 0)
                return r;
        if (sandbox == NULL) /* it runs without networks of its own (none, host) */
                return mode_refuses(c, err) < 0 ? -EINVAL
                                                : berth_errx(err, EINVAL,
                                                             "container %s has no network "
                                                             "namespace to connect",
                                                             c->name);
        if ((r = berth_db_begin(db, err)) < 0)
                return r;
        r = engine_net_endpoint_record(db, c, a, n, err);
        if (r == 0)
                r = berth_db_commit(db, err);
        if (r < 0) {
                berth_db_rollback(db);
                return r;
        }
        _cleanup_close_ int nsfd = open(sandbox, O_RDONLY | O_CLOEXEC);
        _cleanup_net_ berth_net *host = NULL;
        _cleanup_net_ berth_net *ctr = NULL;
        if (nsfd < 0)
                r = berth_err(err, errno, "cannot open %s", sandbox);
        if (r == 0 && (r = berth_net_open(-1, &host, err)) == 0)
                r = berth_net_open(nsfd, &ctr, err);
        if (r == 0)
                r = engine_net_endpoint_plumb(host, ctr, nsfd, a, (size_t)n, err);
        if (r == 0 && !a->had_endpoints)
                r = engine_net_firewall(db, e->root, err);
        if (r == 0 && !a->def.builtin)
                r = engine_net_names_write(db, e->runroot, a->def.id, err);
        return r;
}

int berth_engine_network_connect(berth_engine *e, const char *net, const char *container,
                                 const json_t *epcfg, berth_error *err)
{
        _cleanup_json_ json_t *cfg = NULL;
        berth_container c;
        int r = engine_network_find(e, net, &cfg, err);
        if (r < 0 || (r = berth_engine_reconcile(e, container, &c, err)) < 0)
                return r;
        engine_attach a = {0};
        _cleanup_close_ int clock = -1;
        if ((r = engine_netdef_parse(cfg, &a.def, err)) < 0 ||
            (r = engine_net_aliases_check(epcfg, err)) < 0)
                goto out;
        if (strcmp(a.def.driver, "bridge") != 0 && strcmp(a.def.driver, "macvlan") != 0) {
                r = berth_errx(err, EINVAL, "network %s: its driver %s cannot be connected",
                               a.def.name, a.def.driver);
                goto out;
        }
        if ((r = mode_refuses(&c, err)) < 0)
                goto out;
        if (body_has(&c, a.def.name)) {
                r = berth_errx(err, EEXIST, "endpoint with name %s already exists in network %s",
                               c.name, a.def.name);
                goto out;
        }
        if ((r = lock_and_reread(e, container, &c, &clock, err)) < 0)
                return r;
        json_t *body = json_deep_copy(c.body);
        json_t *nc = json_object_get(body, "NetworkingConfig");
        if (!json_is_object(nc)) {
                nc = json_object();
                json_object_set_new(body, "NetworkingConfig", nc);
        }
        json_t *eps = json_object_get(nc, "EndpointsConfig");
        if (!json_is_object(eps)) {
                eps = json_object();
                json_object_set_new(nc, "EndpointsConfig", eps);
        }
        json_object_set_new(eps, a.def.name,
                            json_is_object(epcfg) ? json_deep_copy(epcfg) : json_object());
        a.epcfg = json_object_get(eps, a.def.name);
        if (c.state == BERTH_STATE_RUNNING || c.state == BERTH_STATE_PAUSED) {
                int lock = engine_net_lock(e->runroot, err);
                r = lock < 0 ? lock : connect_live(e, &c, &a, err);
                if (r < 0 && lock >= 0) { /* what the live part did is undone with the rest */
                        berth_error ignore = {0};
                        forget_endpoint(berth_engine_db(e), c.id, a.def.id, &ignore);
                }
                if (lock >= 0)
                        close(lock);
        }
        if (r == 0)
                r = record_change(e, &c, body, &a.def, "connect", err);
        json_decref(a.settings);
        json_decref(body);
out:
        berth_container_clear(&c);
        return r;
}

/* The default routes through the gateways of the container's first endpoint left. */
static void default_routes_next(berth_db *db, const char *cid, berth_net *ctr)
{
        static const char sql[] = "SELECT position, settings FROM network_endpoints WHERE "
                                  "container = ? ORDER BY position LIMIT 1";
        berth_error err = {0};
        sqlite3_stmt *st = berth_db_prepare(db, sql, &err);
        if (st == NULL)
                return;
        sqlite3_bind_text(st, 1, cid, -1, SQLITE_TRANSIENT);
        if (berth_db_step(db, st, "reading endpoints", &err) == SQLITE_ROW) {
                char ifname[IFNAMSIZ];
                snprintf(ifname, sizeof(ifname), "eth%d", sqlite3_column_int(st, 0));
                json_error_t je;
                _cleanup_json_ json_t *ep =
                    json_loads((const char *)sqlite3_column_text(st, 1), 0, &je);
                static const char *const keys[] = {"Gateway", "IPv6Gateway"};
                for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                        const char *g = json_string_value(json_object_get(ep, keys[i]));
                        berth_net_addr gw;
                        if (g && *g && berth_net_addr_parse(g, &gw, &err) == 0)
                                berth_net_route_add(ctr, NULL, &gw, ifname, &err);
                }
        }
        sqlite3_reset(st);
}

/* A running container's endpoint on network id taken away: its eth<position> deleted in its
 * namespace (its host end goes with it), the rows, and a bridge no one is on any more. */
static int disconnect_live(berth_engine *e, const berth_container *c, const engine_netdef *d,
                           berth_error *err)
{
        berth_db *db = berth_engine_db(e);
        static const char q[] = "SELECT position FROM network_endpoints WHERE container = ? AND "
                                "network = ?";
        sqlite3_stmt *st = berth_db_prepare(db, q, err);
        if (st == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, d->id, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "reading endpoints", err);
        int position = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        if (position < 0)
                return 0; /* not on it now */
        _cleanup_free_ char *sandbox = NULL;
        int n = 0;
        int r = sandbox_of(db, c->id, &sandbox, &n, err);
        if (r < 0)
                return r;
        if ((r = berth_db_begin(db, err)) < 0)
                return r;
        r = forget_endpoint(db, c->id, d->id, err);
        if (r == 0)
                r = berth_db_commit(db, err);
        if (r < 0) {
                berth_db_rollback(db);
                return r;
        }
        if (sandbox) {
                _cleanup_close_ int nsfd = open(sandbox, O_RDONLY | O_CLOEXEC);
                _cleanup_net_ berth_net *ctr = NULL;
                char ifname[IFNAMSIZ];
                snprintf(ifname, sizeof(ifname), "eth%d", position);
                if (nsfd >= 0 && berth_net_open(nsfd, &ctr, err) == 0) {
                        berth_net_link_delete(ctr, ifname, NULL);
                        /* it had the default routes: the next network has them now */
                        if (position == 0)
                                default_routes_next(db, c->id, ctr);
                }
        }
        char *ids[] = {(char *)d->id, NULL};
        return engine_net_left(db, e->root, e->runroot, ids, false, err);
}

int berth_engine_network_disconnect(berth_engine *e, const char *net, const char *container,
                                    bool force, berth_error *err)
{
        _cleanup_json_ json_t *cfg = NULL;
        berth_container c;
        int r = engine_network_find(e, net, &cfg, err);
        if (r < 0 || (r = berth_engine_reconcile(e, container, &c, err)) < 0)
                return r;
        engine_netdef d;
        _cleanup_close_ int clock = -1;
        if ((r = engine_netdef_parse(cfg, &d, err)) < 0)
                goto out;
        if (strcmp(mode_of(&c), "host") == 0 || strcmp(d.name, "host") == 0) {
                r = mode_refuses(&c, err) < 0 ? -EINVAL
                                              : berth_errx(err, EINVAL,
                                                           "container cannot be disconnected "
                                                           "from host network or connected to "
                                                           "host network");
                goto out;
        }
        if (!body_has(&c, d.name)) {
                if (!force)
                        r = berth_errx(err, EINVAL, "container %s is not connected to network %s",
                                       c.name, d.name);
                goto out;
        }
        if ((r = lock_and_reread(e, container, &c, &clock, err)) < 0)
                return r;
        json_t *body = json_deep_copy(c.body);
        json_t *hc = json_object_get(body, "HostConfig");
        json_t *eps = json_object_get(json_object_get(body, "NetworkingConfig"), "EndpointsConfig");
        json_object_del(eps, d.name);
        const char *mode = mode_of(&c);
        if (strcmp(mode, d.name) == 0 ||
            (strcmp(d.name, "bridge") == 0 && strcmp(mode, "default") == 0)) {
                /* its first network gone: the next one it is on, or none */
                json_object_del(eps, mode);
                void *it = json_object_iter(eps);
                json_object_set_new(hc, "NetworkMode",
                                    json_string(it ? json_object_iter_key(it) : "none"));
        }
        if (c.state == BERTH_STATE_RUNNING || c.state == BERTH_STATE_PAUSED) {
                int lock = engine_net_lock(e->runroot, err);
                r = lock < 0 ? lock : disconnect_live(e, &c, &d, err);
                if (lock >= 0)
                        close(lock);
        }
        if (r == 0)
                r = record_change(e, &c, body, &d, "disconnect", err);
        json_decref(body);
out:
        berth_container_clear(&c);
        return r;
}
