/* SPDX-License-Identifier: Apache-2.0 */
/* What the host holds for the networks in use, made from berth.db: the firewall table, the
 * names each network's resolver answers; the lock that orders the commands changing them. */
#include "engine/network-internal.h"
#include "base/fs.h"
#include "net/firewall.h"
#include "net/ipam.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* The default root's names are berth's own ("berth", berth0); another root (a test's, a
 * second store) gets a suffix of its own, so two never share a table or a bridge. */
void engine_net_suffix(const char *root, char out[ENGINE_NET_SUFFIX_LEN])
{
        if (strcmp(root, "/var/lib/berth") == 0) {
                out[0] = '\0';
                return;
        }
        uint32_t h = 2166136261u;
        for (const char *p = root; *p; p++)
                h = (h ^ (uint8_t)*p) * 16777619u;
        snprintf(out, ENGINE_NET_SUFFIX_LEN, "-%08x", h);
}

int engine_net_lock(const char *runroot, berth_error *err)
{
        _cleanup_free_ char *dir = berth_xasprintf("%s/networks", runroot);
        int r = berth_mkdir_p(dir, 0700, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *path = berth_xasprintf("%s/lock", dir);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return berth_err(err, errno, "cannot open %s", path);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR) {
                        r = berth_err(err, errno, "cannot lock %s", path);
                        close(fd);
                        return r;
                }
        return fd;
}

int engine_netdef_parse(const json_t *cfg, engine_netdef *d, berth_error *err)
{
        *d = (engine_netdef){0};
        const char *id = json_string_value(json_object_get(cfg, "Id"));
        const char *name = json_string_value(json_object_get(cfg, "Name"));
        const char *driver = json_string_value(json_object_get(cfg, "Driver"));
        if (id == NULL || name == NULL || driver == NULL)
                return berth_errx(err, EIO, "a network's record is damaged");
        snprintf(d->id, sizeof(d->id), "%s", id);
        snprintf(d->name, sizeof(d->name), "%s", name);
        snprintf(d->driver, sizeof(d->driver), "%s", driver);
        json_t *opts = json_object_get(cfg, "Options");
        const char *br = json_string_value(json_object_get(opts, "com.docker.network.bridge.name"));
        if (br && *br)
                snprintf(d->bridge, sizeof(d->bridge), "%s", br);
        else
                snprintf(d->bridge, sizeof(d->bridge), "br-%.12s", id);
        const char *parent = json_string_value(json_object_get(opts, "parent"));
        if (parent)
                snprintf(d->parent, sizeof(d->parent), "%s", parent);
        const char *mtu = json_string_value(json_object_get(opts, "com.docker.network.driver.mtu"));
        d->mtu = mtu ? (unsigned)strtoul(mtu, NULL, 10) : 0;
        d->internal = json_is_true(json_object_get(cfg, "Internal"));
        d->builtin =
            strcmp(name, "bridge") == 0 || strcmp(name, "host") == 0 || strcmp(name, "none") == 0;
        size_t i;
        json_t *c;
        json_array_foreach (json_object_get(json_object_get(cfg, "IPAM"), "Config"), i, c) {
                const char *s = json_string_value(json_object_get(c, "Subnet"));
                const char *g = json_string_value(json_object_get(c, "Gateway"));
                const char *rg = json_string_value(json_object_get(c, "IPRange"));
                berth_prefix p;
                if (s == NULL || berth_prefix_parse(s, &p, err) < 0)
                        return berth_errx(err, EIO, "network %s has a damaged subnet", name);
                int f = p.family == AF_INET ? 0 : 1;
                if (d->has[f])
                        continue;
                d->has[f] = true;
                d->subnet[f] = p;
                if (g == NULL || berth_ip_parse(g, &d->gateway[f], err) < 0)
                        return berth_errx(err, EIO, "network %s has a damaged gateway", name);
                d->range[f] = p;
                if (rg && *rg && berth_prefix_parse(rg, &d->range[f], err) < 0)
                        return berth_errx(err, EIO, "network %s has a damaged range", name);
                const char *k;
                json_t *v;
                json_object_foreach (json_object_get(c, "AuxiliaryAddresses"), k, v) {
                        berth_ip a;
                        if (json_is_string(v) && d->n_aux < ARRAY_SIZE(d->aux) &&
                            berth_ip_parse(json_string_value(v), &a, err) == 0)
                                d->aux[d->n_aux++] = a;
                }
        }
        return 0;
}

int engine_netdef_get(berth_db *db, const char *net_id, engine_netdef *d, berth_error *err)
{
        static const char sql[] = "SELECT config FROM networks WHERE id = ?";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, net_id, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "reading networks", err);
        json_t *cfg = NULL;
        if (rc == SQLITE_ROW) {
                json_error_t je;
                cfg = json_loads((const char *)sqlite3_column_text(st, 0), 0, &je);
        }
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        if (cfg == NULL)
                return berth_errx(err, ENOENT, "network %s not found", net_id);
        rc = engine_netdef_parse(cfg, d, err);
        json_decref(cfg);
        return rc;
}

bool engine_net_in_use(berth_db *db, const char *net_id)
{
        static const char sql[] = "SELECT 1 FROM network_endpoints WHERE network = ? LIMIT 1";
        berth_error err = {0};
        sqlite3_stmt *st = berth_db_prepare(db, sql, &err);
        if (st == NULL)
                return true; /* unknown: as if it were (nothing is taken away) */
        sqlite3_bind_text(st, 1, net_id, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "reading endpoints", &err);
        sqlite3_reset(st);
        return rc != SQLITE_DONE;
}

/* ---- the firewall ---- */

typedef struct {
        berth_fw_network *nets;
        size_t n;
        engine_netdef *defs;
        berth_fw_port *ports;
        size_t np;
        char **strs; /* what the entries point into */
} fw_state;

static const char *keep(fw_state *s, char *str)
{
        berth_strv_push(&s->strs, str);
        free(str);
        return s->strs[berth_strv_length(s->strs) - 1];
}

static int fw_networks(berth_db *db, fw_state *s, berth_error *err)
{
        static const char sql[] = "SELECT DISTINCT network FROM network_endpoints ORDER BY network";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        int rc;
        _cleanup_strv_ char **ids = NULL;
        while ((rc = berth_db_step(db, st, "reading endpoints", err)) == SQLITE_ROW)
                berth_strv_push(&ids, (const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        size_t n = berth_strv_length(ids);
        s->defs = calloc(n ? n : 1, sizeof(*s->defs));
        s->nets = calloc(n ? n : 1, sizeof(*s->nets));
        if (s->defs == NULL || s->nets == NULL)
                abort();
        for (size_t i = 0; i < n; i++) {
                engine_netdef *d = &s->defs[s->n];
                if ((rc = engine_netdef_get(db, ids[i], d, err)) < 0)
                        return rc;
                if (strcmp(d->driver, "bridge") != 0)
                        continue;
                berth_fw_network *f = &s->nets[s->n++];
                char buf[64];
                f->bridge = d->bridge;
                f->internal = d->internal;
                if (d->has[0])
                        f->subnet4 = keep(
                            s, berth_xstrdup(berth_prefix_str(&d->subnet[0], buf, sizeof(buf))));
                if (d->has[1])
                        f->subnet6 = keep(
                            s, berth_xstrdup(berth_prefix_str(&d->subnet[1], buf, sizeof(buf))));
        }
        return 0;
}

static void fw_port_add(fw_state *s, const char *proto, const char *host_ip, unsigned host_port,
                        const char *addr, unsigned port)
{
        s->ports = berth_xrealloc(s->ports, (s->np + 1) * sizeof(*s->ports));
        s->ports[s->np++] = (berth_fw_port){.proto = keep(s, berth_xstrdup(proto)),
                                            .host_ip = keep(s, berth_xstrdup(host_ip)),
                                            .host_port = (uint16_t)host_port,
                                            .addr = keep(s, berth_xstrdup(addr)),
                                            .port = (uint16_t)port};
}

static int fw_ports(berth_db *db, fw_state *s, berth_error *err)
{
        static const char sql[] = "SELECT ports, addr4, addr6 FROM container_networks "
                                  "WHERE ports != '{}' ORDER BY container";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        int rc;
        while ((rc = berth_db_step(db, st, "reading published ports", err)) == SQLITE_ROW) {
                json_error_t je;
                _cleanup_json_ json_t *ports =
                    json_loads((const char *)sqlite3_column_text(st, 0), 0, &je);
                const char *a4 = (const char *)sqlite3_column_text(st, 1);
                const char *a6 = (const char *)sqlite3_column_text(st, 2);
                const char *key;
                json_t *list;
                json_object_foreach (ports, key, list) {
                        unsigned port = (unsigned)strtoul(key, NULL, 10);
                        const char *slash = strchr(key, '/');
                        const char *proto = slash ? slash + 1 : "tcp";
                        size_t i;
                        json_t *b;
                        json_array_foreach (list, i, b) {
                                const char *hip = json_string_value(json_object_get(b, "HostIp"));
                                const char *hp = json_string_value(json_object_get(b, "HostPort"));
                                unsigned hport = hp ? (unsigned)strtoul(hp, NULL, 10) : 0;
                                bool v6 = hip && strchr(hip, ':');
                                const char *to = v6 ? a6 : a4;
                                if (to == NULL || *to == '\0' || hport == 0)
                                        continue;
                                /* [::1]: berth-monitor forwards it (network-ports.c) */
                                if (engine_net_ip_is_lo6(hip))
                                        continue;
                                /* "::" and "0.0.0.0" are any address of their family */
                                bool any = hip == NULL || strcmp(hip, "0.0.0.0") == 0 ||
                                           strcmp(hip, "::") == 0;
                                fw_port_add(s, proto, any ? "" : hip, hport, to, port);
                        }
                }
        }
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

bool engine_net_table_missing(const char *root)
{
        char suffix[ENGINE_NET_SUFFIX_LEN];
        engine_net_suffix(root, suffix);
        char table[32];
        snprintf(table, sizeof(table), "berth%s", suffix);
        berth_error ignore = {0};
        return berth_fw_table_exists(table, &ignore) == 0;
}

int engine_net_firewall(berth_db *db, const char *root, berth_error *err)
{
        fw_state s = {0};
        char suffix[ENGINE_NET_SUFFIX_LEN];
        engine_net_suffix(root, suffix);
        _cleanup_free_ char *table = berth_xasprintf("berth%s", suffix);
        _cleanup_free_ char *script = NULL;
        int r = fw_networks(db, &s, err);
        if (r == 0)
                r = fw_ports(db, &s, err);
        if (r == 0)
                r = berth_fw_script(table, s.nets, s.n, s.ports, s.np, &script, err);
        if (r == 0)
                r = berth_fw_run(script, false, err);
        free(s.nets);
        free(s.defs);
        free(s.ports);
        berth_strv_free(s.strs);
        return r < 0 ? berth_wrap(err, "cannot set up the firewall") : 0;
}

/* ---- names ---- */

int engine_net_names_write(berth_db *db, const char *runroot, const char *net_id, berth_error *err)
{
        static const char sql[] =
            "SELECT e.container, c.name, e.settings FROM network_endpoints e JOIN containers c "
            "ON c.id = e.container WHERE e.network = ? ORDER BY e.container";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, net_id, -1, SQLITE_TRANSIENT);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        int rc;
        while ((rc = berth_db_step(db, st, "reading endpoints", err)) == SQLITE_ROW) {
                const char *cid = (const char *)sqlite3_column_text(st, 0);
                const char *cname = (const char *)sqlite3_column_text(st, 1);
                json_error_t je;
                _cleanup_json_ json_t *ep =
                    json_loads((const char *)sqlite3_column_text(st, 2), 0, &je);
                const char *addrs[2] = {
                    json_string_value(json_object_get(ep, "IPAddress")),
                    json_string_value(json_object_get(ep, "GlobalIPv6Address"))};
                for (int a = 0; a < 2; a++) {
                        if (addrs[a] == NULL || *addrs[a] == '\0')
                                continue;
                        fprintf(f, "%s %s\n%.12s %s\n", cname && *cname == '/' ? cname + 1 : cname,
                                addrs[a], cid, addrs[a]);
                        size_t i;
                        json_t *al;
                        json_array_foreach (json_object_get(ep, "Aliases"), i, al)
                                if (json_is_string(al))
                                        fprintf(f, "%s %s\n", json_string_value(al), addrs[a]);
                }
        }
        sqlite3_reset(st);
        fclose(f);
        _cleanup_free_ char *owned = text;
        if (rc < 0)
                return rc;
        _cleanup_free_ char *dir = berth_xasprintf("%s/networks/%s", runroot, net_id);
        _cleanup_free_ char *path = berth_xasprintf("%s/names", dir);
        int r = berth_mkdir_p(dir, 0755, err);
        if (r == 0)
                r = berth_write_file_replace(path, text, len, 0644, err);
        return r;
}

int engine_net_names_remove(const char *runroot, const char *net_id)
{
        _cleanup_free_ char *dir = berth_xasprintf("%s/networks/%s", runroot, net_id);
        return berth_rm_rf(dir, NULL);
}

int engine_net_renamed(berth_engine *e, const char *id, berth_error *err)
{
        static const char sql[] =
            "SELECT DISTINCT network FROM network_endpoints WHERE container = ?";
        berth_db *db = berth_engine_db(e);
        if (berth_network_holds(db, e->runroot, id, err) <= 0)
                return 0;
        _cleanup_close_ int lock = engine_net_lock(e->runroot, err);
        if (lock < 0)
                return lock;
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        _cleanup_strv_ char **nets = NULL;
        int rc;
        while ((rc = berth_db_step(db, st, "reading endpoints", err)) == SQLITE_ROW)
                berth_strv_push(&nets, (const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
        STRV_FOREACH (n, nets) {
                engine_netdef d;
                if (rc >= 0 && engine_netdef_get(db, *n, &d, err) == 0 && !d.builtin &&
                    strcmp(d.driver, "bridge") == 0)
                        rc = engine_net_names_write(db, e->runroot, *n, err);
        }
        return rc < 0 ? rc : 0;
}
