/* SPDX-License-Identifier: Apache-2.0 */
/* Network records in berth.db: create, find, list, remove, prune; the built-in networks. */
#include "engine/network-internal.h"
#include "engine/prune.h"
#include "base/units.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static const berth_db_migration migrations[] = {
    {1, "CREATE TABLE networks ("
        " id TEXT PRIMARY KEY,"
        " name TEXT NOT NULL UNIQUE,"
        " builtin INTEGER NOT NULL DEFAULT 0,"
        " config TEXT NOT NULL);" /* the inspect object, without Containers */
        "CREATE TABLE network_leases ("
        " network TEXT NOT NULL REFERENCES networks(id),"
        " address TEXT NOT NULL,"
        " container TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
        " PRIMARY KEY (network, address));"
        "CREATE INDEX network_leases_container ON network_leases (container);"},
    /* a running container's end of each network it is on (settings: Docker's
     * EndpointSettings; host_link: its veth on the host), and what it holds as a whole:
     * its namespace, its published ports as bound, the addresses they lead to */
    {2, "CREATE TABLE network_endpoints ("
        " container TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
        " network TEXT NOT NULL REFERENCES networks(id),"
        " position INTEGER NOT NULL,"
        " host_link TEXT NOT NULL,"
        " settings TEXT NOT NULL,"
        " PRIMARY KEY (container, network));"
        "CREATE INDEX network_endpoints_network ON network_endpoints (network);"
        "CREATE TABLE container_networks ("
        " container TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,"
        " sandbox TEXT NOT NULL,"
        " ports TEXT NOT NULL,"
        " addr4 TEXT NOT NULL,"
        " addr6 TEXT NOT NULL);"},
    /* a build's RUN step (its id "build-<hex>", no container record) holds an address and
     * links of the default bridge as a container does: the holder is a container or a
     * step; the foreign keys on containers become triggers that keep what they did (no row
     * for a container that is not there, a container's rows go with it) */
    {3, "CREATE TABLE network_leases3 ("
        " network TEXT NOT NULL REFERENCES networks(id),"
        " address TEXT NOT NULL,"
        " container TEXT NOT NULL,"
        " PRIMARY KEY (network, address));"
        "INSERT INTO network_leases3 SELECT network, address, container FROM network_leases;"
        "DROP TABLE network_leases;"
        "ALTER TABLE network_leases3 RENAME TO network_leases;"
        "CREATE INDEX network_leases_container ON network_leases (container);"
        "CREATE TABLE network_endpoints3 ("
        " container TEXT NOT NULL,"
        " network TEXT NOT NULL REFERENCES networks(id),"
        " position INTEGER NOT NULL,"
        " host_link TEXT NOT NULL,"
        " settings TEXT NOT NULL,"
        " PRIMARY KEY (container, network));"
        "INSERT INTO network_endpoints3 SELECT container, network, position, host_link, "
        " settings FROM network_endpoints;"
        "DROP TABLE network_endpoints;"
        "ALTER TABLE network_endpoints3 RENAME TO network_endpoints;"
        "CREATE INDEX network_endpoints_network ON network_endpoints (network);"
        "CREATE TABLE container_networks3 ("
        " container TEXT PRIMARY KEY,"
        " sandbox TEXT NOT NULL,"
        " ports TEXT NOT NULL,"
        " addr4 TEXT NOT NULL,"
        " addr6 TEXT NOT NULL);"
        "INSERT INTO container_networks3 SELECT container, sandbox, ports, addr4, addr6 "
        " FROM container_networks;"
        "DROP TABLE container_networks;"
        "ALTER TABLE container_networks3 RENAME TO container_networks;"
        "CREATE TRIGGER network_leases_holder BEFORE INSERT ON network_leases"
        " WHEN NEW.container NOT LIKE 'build-%'"
        " AND NOT EXISTS (SELECT 1 FROM containers WHERE id = NEW.container)"
        " BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END;"
        "CREATE TRIGGER network_endpoints_holder BEFORE INSERT ON network_endpoints"
        " WHEN NEW.container NOT LIKE 'build-%'"
        " AND NOT EXISTS (SELECT 1 FROM containers WHERE id = NEW.container)"
        " BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END;"
        "CREATE TRIGGER container_networks_holder BEFORE INSERT ON container_networks"
        " WHEN NEW.container NOT LIKE 'build-%'"
        " AND NOT EXISTS (SELECT 1 FROM containers WHERE id = NEW.container)"
        " BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END;"
        "CREATE TRIGGER containers_network_rows AFTER DELETE ON containers BEGIN"
        " DELETE FROM network_leases WHERE container = OLD.id;"
        " DELETE FROM network_endpoints WHERE container = OLD.id;"
        " DELETE FROM container_networks WHERE container = OLD.id; END;"},
};

int berth_networks_migrate(berth_db *db, berth_error *err)
{
        return berth_db_migrate(db, "network", migrations, ARRAY_SIZE(migrations), err);
}

/* Docker's network events: the network's id, its name and driver ("type"). */
static void network_event(berth_engine *e, const char *action, const json_t *cfg)
{
        _cleanup_json_ json_t *attrs =
            json_pack("{s:s, s:s}", "name", json_string_value(json_object_get(cfg, "Name")), "type",
                      json_string_value(json_object_get(cfg, "Driver")));
        berth_event_record(berth_engine_db(e), "network", action,
                           json_string_value(json_object_get(cfg, "Id")), attrs, NULL);
}

static json_t *row_config(sqlite3_stmt *st, int col)
{
        json_error_t je;
        return json_loads((const char *)sqlite3_column_text(st, col), 0, &je);
}

int engine_networks_all(berth_engine *e, json_t **ret, berth_error *err)
{
        static const char sql[] = "SELECT config FROM networks ORDER BY name";
        berth_db *db = berth_engine_db(e);
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        json_t *all = json_array();
        int rc;
        while ((rc = berth_db_step(db, st, "reading networks", err)) == SQLITE_ROW) {
                json_t *c = row_config(st, 0);
                if (c)
                        json_array_append_new(all, c);
        }
        sqlite3_reset(st);
        if (rc < 0) {
                json_decref(all);
                return rc;
        }
        *ret = all;
        return 0;
}

static int insert(berth_engine *e, const char *id, const char *name, bool builtin,
                  const json_t *config, berth_error *err)
{
        static const char sql[] =
            "INSERT INTO networks (id, name, builtin, config) VALUES (?, ?, ?, ?)";
        berth_db *db = berth_engine_db(e);
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        _cleanup_free_ char *text = json_dumps(config, JSON_COMPACT);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 3, builtin);
        sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "recording a network", err);
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

static int name_taken(berth_engine *e, const char *name, berth_error *err)
{
        static const char sql[] = "SELECT 1 FROM networks WHERE name = ?";
        berth_db *db = berth_engine_db(e);
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "reading networks", err);
        sqlite3_reset(st);
        return rc < 0 ? rc : rc == SQLITE_ROW;
}

static int new_id(char *id, berth_error *err)
{
        return berth_random_hex(id, 32, err);
}

/* bridge, host and none, each made by the first network command that finds it missing. none
 * is made last: once it is there, all are, and that check is a read; only a missing one takes
 * the write transaction, where each is looked for again (two commands make them once). */
static int make_builtin(berth_engine *e, berth_error *err)
{
        int r;
        static const char *const names[][2] = {
            {"bridge", "bridge"}, {"host", "host"}, {"none", "null"}};
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                if ((r = name_taken(e, names[i][0], err)) != 0) {
                        if (r < 0)
                                return r;
                        continue;
                }
                char id[65];
                if ((r = new_id(id, err)) < 0)
                        return r;
                json_t *cfg = NULL;
                if (strcmp(names[i][0], "bridge") == 0) {
                        /* the default bridge: a pool subnet, berth0 (docker0 is docker's;
                         * another root's berth0-<hash>) */
                        char suffix[ENGINE_NET_SUFFIX_LEN];
                        engine_net_suffix(e->root, suffix);
                        char bridge[IFNAMSIZ];
                        snprintf(bridge, sizeof(bridge), "berth0%s", suffix);
                        _cleanup_json_ json_t *body =
                            json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s}}", "Name", "bridge",
                                      "Options", "com.docker.network.bridge.default_bridge", "true",
                                      "com.docker.network.bridge.enable_icc", "true",
                                      "com.docker.network.bridge.enable_ip_masquerade", "true",
                                      "com.docker.network.bridge.host_binding_ipv4", "0.0.0.0",
                                      "com.docker.network.bridge.name", bridge,
                                      "com.docker.network.driver.mtu", "1500");
                        if ((r = engine_network_config(e, body, id, &cfg, err)) < 0)
                                return r;
                } else {
                        _cleanup_free_ char *created = berth_now_rfc3339();
                        cfg = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:n, s:[]}, s:b, "
                                        "s:b, s:b, s:{s:s}, s:b, s:{}, s:{}}",
                                        "Name", names[i][0], "Id", id, "Created", created, "Scope",
                                        "local", "Driver", names[i][1], "EnableIPv6", 0, "IPAM",
                                        "Driver", "default", "Options", "Config", "Internal", 0,
                                        "Attachable", 0, "Ingress", 0, "ConfigFrom", "Network", "",
                                        "ConfigOnly", 0, "Options", "Labels");
                }
                r = insert(e, id, names[i][0], true, cfg, err);
                json_decref(cfg);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int with_networks(berth_engine *e, berth_error *err)
{
        int r = name_taken(e, "none", err);
        if (r != 0)
                return r < 0 ? r : 0;
        berth_db *db = berth_engine_db(e);
        if ((r = berth_db_begin(db, err)) < 0)
                return r;
        if ((r = make_builtin(e, err)) < 0) {
                berth_db_rollback(db);
                return r;
        }
        if ((r = berth_db_commit(db, err)) < 0)
                berth_db_rollback(db);
        return r;
}

int berth_engine_network_create(berth_engine *e, const json_t *body, char **ret_id,
                                berth_error *err)
{
        int r = with_networks(e, err);
        if (r < 0)
                return r;
        char id[65];
        if ((r = new_id(id, err)) < 0)
                return r;
        berth_db *db = berth_engine_db(e);
        if ((r = berth_db_begin(db, err)) < 0)
                return r;
        _cleanup_json_ json_t *cfg = NULL;
        const char *name = json_string_value(json_object_get(body, "Name"));
        if ((r = engine_network_config(e, body, id, &cfg, err)) == 0 &&
            (r = name_taken(e, name, err)) > 0)
                r = berth_errx(err, EEXIST, "network with name %s already exists", name);
        if (r == 0)
                r = insert(e, id, name, false, cfg, err);
        if (r == 0)
                r = berth_db_commit(db, err);
        if (r < 0) {
                berth_db_rollback(db);
                return r;
        }
        network_event(e, "create", cfg);
        *ret_id = berth_xstrdup(id);
        return 0;
}

/* The row of a name, an id or a unique id prefix: *ret_config (owned), *ret_builtin. */
static int find(berth_engine *e, const char *name, json_t **ret_config, bool *ret_builtin,
                berth_error *err)
{
        static const char sql[] =
            "SELECT config, builtin, name = ?1 OR id = ?1 FROM networks WHERE name = ?1 OR "
            "id = ?1 OR (length(?1) > 0 AND substr(id, 1, length(?1)) = ?1) "
            "ORDER BY name = ?1 DESC, id = ?1 DESC LIMIT 2";
        berth_db *db = berth_engine_db(e);
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "reading networks", err);
        json_t *cfg = NULL;
        bool builtin = false, exact = false;
        if (rc == SQLITE_ROW) {
                cfg = row_config(st, 0);
                builtin = sqlite3_column_int(st, 1);
                exact = sqlite3_column_int(st, 2);
                if (!exact && (rc = berth_db_step(db, st, "reading networks", err)) == SQLITE_ROW)
                        rc = berth_errx(err, EINVAL,
                                        "network %s is ambiguous (2 matches found "
                                        "on name)",
                                        name);
        }
        sqlite3_reset(st);
        if (rc < 0 || cfg == NULL) {
                json_decref(cfg);
                return rc < 0 ? rc : berth_errx(err, ENOENT, "network %s not found", name);
        }
        *ret_config = cfg;
        if (ret_builtin)
                *ret_builtin = builtin;
        return 0;
}

/* Containers: the endpoints on the network, by container id (Docker's EndpointResource). */
static int add_containers(berth_engine *e, json_t *cfg, berth_error *err)
{
        static const char sql[] =
            "SELECT e.container, c.name, e.settings FROM network_endpoints e JOIN containers c "
            "ON c.id = e.container WHERE e.network = ? ORDER BY e.container";
        berth_db *db = berth_engine_db(e);
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, json_string_value(json_object_get(cfg, "Id")), -1,
                          SQLITE_TRANSIENT);
        json_t *cs = json_object();
        int rc;
        while ((rc = berth_db_step(db, st, "reading endpoints", err)) == SQLITE_ROW) {
                const char *cid = (const char *)sqlite3_column_text(st, 0);
                const char *cname = (const char *)sqlite3_column_text(st, 1);
                json_error_t je;
                _cleanup_json_ json_t *s = row_config(st, 2);
                (void)je;
                char a4[80] = "", a6[80] = "";
                const char *ip4 = json_string_value(json_object_get(s, "IPAddress"));
                const char *ip6 = json_string_value(json_object_get(s, "GlobalIPv6Address"));
                if (ip4 && *ip4)
                        snprintf(a4, sizeof(a4), "%s/%d", ip4,
                                 (int)json_integer_value(json_object_get(s, "IPPrefixLen")));
                if (ip6 && *ip6)
                        snprintf(
                            a6, sizeof(a6), "%s/%d", ip6,
                            (int)json_integer_value(json_object_get(s, "GlobalIPv6PrefixLen")));
                const char *eid = json_string_value(json_object_get(s, "EndpointID"));
                const char *mac = json_string_value(json_object_get(s, "MacAddress"));
                json_object_set_new(cs, cid,
                                    json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name",
                                              cname && *cname == '/' ? cname + 1
                                              : cname                ? cname
                                                                     : "",
                                              "EndpointID", eid ? eid : "", "MacAddress",
                                              mac ? mac : "", "IPv4Address", a4, "IPv6Address",
                                              a6));
        }
        sqlite3_reset(st);
        json_object_set_new(cfg, "Containers", cs);
        return rc < 0 ? rc : 0;
}

int engine_network_lookup(berth_engine *e, const char *name, json_t **ret, berth_error *err)
{
        return find(e, name, ret, NULL, err);
}

int engine_network_find(berth_engine *e, const char *name, json_t **ret, berth_error *err)
{
        int r = with_networks(e, err);
        return r < 0 ? r : find(e, name, ret, NULL, err);
}

int berth_engine_network_inspect(berth_engine *e, const char *name, json_t **ret, berth_error *err)
{
        int r = with_networks(e, err);
        json_t *cfg = NULL;
        if (r == 0)
                r = find(e, name, &cfg, NULL, err);
        if (r == 0 && (r = add_containers(e, cfg, err)) < 0)
                json_decref(cfg);
        if (r == 0)
                *ret = cfg;
        return r;
}

static bool list_match(const berth_filters *f, json_t *n)
{
        const char *id = json_string_value(json_object_get(n, "Id"));
        const char *name = json_string_value(json_object_get(n, "Name"));
        const char *driver = json_string_value(json_object_get(n, "Driver"));
        bool builtin =
            strcmp(name, "bridge") == 0 || strcmp(name, "host") == 0 || strcmp(name, "none") == 0;
        bool ok = berth_filters_match_exact(f, "driver", driver) &&
                  berth_filters_match_prefix(f, "id", id) &&
                  berth_filters_match_exact(f, "scope", "local") &&
                  berth_filters_match_exact(f, "type", builtin ? "builtin" : "custom") &&
                  berth_filters_match_label(f, "label", json_object_get(n, "Labels"));
        if (ok && berth_filters_has(f, "name")) {
                _cleanup_strv_ char **v = berth_filters_get(f, "name");
                bool any = false;
                STRV_FOREACH (s, v)
                        any = any || strstr(name, *s) != NULL;
                ok = any;
        }
        if (ok && berth_filters_has(f, "dangling")) {
                bool empty = json_object_size(json_object_get(n, "Containers")) == 0;
                ok = berth_filters_match_exact(f, "dangling",
                                               empty && !builtin ? "true" : "false") ||
                     berth_filters_match_exact(f, "dangling", empty && !builtin ? "1" : "0");
        }
        return ok;
}

int berth_engine_network_list(berth_engine *e, const berth_filters *f, json_t **ret,
                              berth_error *err)
{
        static const char *const keys[] = {"driver", "id",   "label",    "name",
                                           "scope",  "type", "dangling", NULL};
        int r = berth_filters_check(f, keys, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **types = berth_filters_get(f, "type");
        STRV_FOREACH (t, types)
                if (strcmp(*t, "builtin") != 0 && strcmp(*t, "custom") != 0)
                        return berth_errx(err, EINVAL, "invalid filter: 'type'='%s'", *t);
        json_t *all = NULL;
        if ((r = with_networks(e, err)) < 0 || (r = engine_networks_all(e, &all, err)) < 0)
                return r;
        json_t *out = json_array();
        size_t i;
        json_t *n;
        json_array_foreach (all, i, n) {
                if (add_containers(e, n, err) < 0)
                        continue;
                if (list_match(f, n))
                        json_array_append(out, n);
        }
        json_decref(all);
        *ret = out;
        return 0;
}

static int delete_row(berth_engine *e, const char *id, berth_error *err)
{
        static const char sql[] = "DELETE FROM networks WHERE id = ? AND builtin = 0 AND NOT "
                                  "EXISTS (SELECT 1 FROM network_endpoints WHERE network = ?)";
        berth_db *db = berth_engine_db(e);
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "removing a network", err);
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        return sqlite3_changes(berth_db_handle(db)) == 1 ? 0 : -EBUSY;
}

int berth_engine_network_remove(berth_engine *e, const char *name, berth_error *err)
{
        _cleanup_json_ json_t *cfg = NULL;
        bool builtin = false;
        int r = with_networks(e, err);
        if (r == 0)
                r = find(e, name, &cfg, &builtin, err);
        if (r < 0)
                return r;
        const char *nname = json_string_value(json_object_get(cfg, "Name"));
        const char *id = json_string_value(json_object_get(cfg, "Id"));
        if (builtin)
                return berth_errx(err, EPERM, "%s is a pre-defined network and cannot be removed",
                                  nname);
        if (delete_row(e, id, err) == -EBUSY)
                return berth_errx(err, EBUSY,
                                  "error while removing network: network %s id %s has active "
                                  "endpoints",
                                  nname, id);
        network_event(e, "destroy", cfg);
        return 0;
}

int berth_engine_network_prune(berth_engine *e, const berth_prune_filters *f, char ***ret_names,
                               berth_error *err)
{
        json_t *all = NULL;
        int r = with_networks(e, err);
        if (r == 0)
                r = engine_networks_all(e, &all, err);
        if (r < 0)
                return r;
        char **names = berth_xmalloc0(sizeof(char *));
        size_t i;
        json_t *n;
        json_array_foreach (all, i, n) {
                const char *name = json_string_value(json_object_get(n, "Name"));
                const char *id = json_string_value(json_object_get(n, "Id"));
                if (!berth_prune_created_before(f,
                                                json_string_value(json_object_get(n, "Created"))) ||
                    !berth_prune_labels_match(f, json_object_get(n, "Labels")))
                        continue;
                berth_error ignore = {0};
                if (delete_row(e, id, &ignore) == 0) {
                        berth_strv_push(&names, name);
                        network_event(e, "destroy", n);
                }
        }
        json_decref(all);
        *ret_names = names;
        return 0;
}
