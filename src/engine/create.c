/* SPDX-License-Identifier: Apache-2.0 */
/* `create`: a record, a snapshot, the container's files and its volumes. */
#include "engine/engine-internal.h"
#include "engine/network-internal.h"
#include "base/fs.h"
#include "base/units.h"
#include "image/snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool empty_array(const json_t *a)
{
        return a == NULL || json_is_null(a) || (json_is_array(a) && json_array_size(a) == 0);
}

static void merge_env(json_t *out, const json_t *image_env, const json_t *body_env)
{
        json_t *env = json_array();
        size_t i;
        json_t *v;
        json_array_foreach (image_env, i, v)
                json_array_append(env, v);
        json_array_foreach (body_env, i, v) {
                const char *s = json_string_value(v);
                if (s == NULL)
                        continue;
                size_t klen = strcspn(s, "=");
                size_t j;
                json_t *w;
                bool replaced = false;
                json_array_foreach (env, j, w) {
                        const char *t = json_string_value(w);
                        if (t && strncmp(t, s, klen) == 0 && (t[klen] == '=' || t[klen] == '\0')) {
                                json_array_set(env, j, v);
                                replaced = true;
                                break;
                        }
                }
                if (!replaced)
                        json_array_append(env, v);
        }
        json_object_set_new(out, "Env", env);
}

static void merge_object(json_t *out, const char *key, const json_t *image, const json_t *body)
{
        json_t *o = json_object();
        if (json_is_object(image))
                json_object_update(o, (json_t *)image);
        if (json_is_object(body))
                json_object_update(o, (json_t *)body);
        json_object_set_new(out, key, o);
}

json_t *engine_merge_config(const json_t *body, const json_t *image)
{
        json_t *out = json_deep_copy(body);
        if (!json_is_object(image))
                return out;
        merge_env(out, json_object_get(image, "Env"), json_object_get(body, "Env"));
        json_t *ep = json_object_get(body, "Entrypoint");
        if (empty_array(ep)) {
                if (empty_array(json_object_get(body, "Cmd")))
                        json_object_set(out, "Cmd", json_object_get(image, "Cmd"));
                if (ep == NULL || json_is_null(ep))
                        json_object_set(out, "Entrypoint", json_object_get(image, "Entrypoint"));
        }
        static const char *const strings[] = {"WorkingDir", "User", "StopSignal"};
        for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
                const char *b = json_string_value(json_object_get(body, strings[i]));
                json_t *iv = json_object_get(image, strings[i]);
                if ((b == NULL || *b == '\0') && json_is_string(iv))
                        json_object_set(out, strings[i], iv);
        }
        merge_object(out, "Labels", json_object_get(image, "Labels"),
                     json_object_get(body, "Labels"));
        merge_object(out, "ExposedPorts", json_object_get(image, "ExposedPorts"),
                     json_object_get(body, "ExposedPorts"));
        merge_object(out, "Volumes", json_object_get(image, "Volumes"),
                     json_object_get(body, "Volumes"));
        if (!json_is_object(json_object_get(body, "Healthcheck")) &&
            json_is_object(json_object_get(image, "Healthcheck")))
                json_object_set(out, "Healthcheck", json_object_get(image, "Healthcheck"));
        if (json_object_get(body, "StopTimeout") == NULL &&
            json_object_get(image, "StopTimeout") != NULL)
                json_object_set(out, "StopTimeout", json_object_get(image, "StopTimeout"));
        return out;
}

/* /etc/hostname, /etc/hosts and /etc/resolv.conf of the container, in its dir. */
int engine_write_etc_files(const char *dir, const char *id, const json_t *body,
                           const engine_net_info *ni, berth_error *err)
{
        const char *hn = json_string_value(json_object_get(body, "Hostname"));
        char shortid[13];
        snprintf(shortid, sizeof(shortid), "%s", id);
        if (hn == NULL || *hn == '\0')
                hn = shortid;
        json_t *hc = json_object_get(body, "HostConfig");
        const char *net = json_string_value(json_object_get(hc, "NetworkMode"));
        bool host_net = net && strcmp(net, "host") == 0;
        char hostbuf[256] = "";
        if (host_net)
                gethostname(hostbuf, sizeof(hostbuf) - 1);
        _cleanup_free_ char *hostname = berth_xasprintf("%s\n", host_net ? hostbuf : hn);
        _cleanup_free_ char *p1 = berth_xasprintf("%s/hostname", dir);
        if (berth_write_file_update(p1, hostname, strlen(hostname), 0644, err) < 0)
                return berth_error_rc(err, -EIO);

        _cleanup_free_ char *hosts = NULL;
        if (host_net && berth_read_file("/etc/hosts", &hosts, NULL, NULL) == 0) {
                /* the host's file, as Docker copies it */
        } else {
                free(hosts);
                hosts = berth_xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
                                        "ip6-loopback\nfe00::0\tip6-localnet\nff00::0\t"
                                        "ip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\t"
                                        "ip6-allrouters\n");
        }
        /* its own addresses, under its hostname (Docker's line) */
        STRV_FOREACH (a, ni ? ni->addresses : NULL) {
                char *n = berth_xasprintf("%s%s\t%s\n", hosts, *a, hn);
                free(hosts);
                hosts = n;
        }
        json_t *extra = json_object_get(hc, "ExtraHosts");
        size_t i;
        json_t *v;
        json_array_foreach (extra, i, v) {
                const char *s = json_string_value(v);
                const char *sep = s ? strchr(s, ':') : NULL;
                if (sep == NULL)
                        continue;
                /* Docker's host-gateway: an address of the host the container reaches, its
                 * network's gateway (on the host's own network, the host's loopback) */
                const char *ip = sep + 1;
                if (strcmp(ip, "host-gateway") == 0)
                        ip = ni && ni->gateway ? ni->gateway : "127.0.0.1";
                char *n = berth_xasprintf("%s%s\t%.*s\n", hosts, ip, (int)(sep - s), s);
                free(hosts);
                hosts = n;
        }
        _cleanup_free_ char *p2 = berth_xasprintf("%s/hosts", dir);
        if (berth_write_file_update(p2, hosts, strlen(hosts), 0644, err) < 0)
                return berth_error_rc(err, -EIO);

        /* resolv.conf: the host's, without loopback name servers a container cannot reach
         * (kept on the host network), and with --dns/--dns-search/--dns-option applied */
        _cleanup_free_ char *host_resolv = NULL;
        berth_read_file("/etc/resolv.conf", &host_resolv, NULL, NULL);
        json_t *dns = json_object_get(hc, "Dns"), *search = json_object_get(hc, "DnsSearch"),
               *opts = json_object_get(hc, "DnsOptions");
        /* on a user-defined network its resolver answers (and asks the host's for the rest) */
        bool resolver = ni && ni->nameserver && json_array_size(dns) == 0;
        char *out =
            resolver ? berth_xasprintf("nameserver %s\n", ni->nameserver) : berth_xstrdup("");
        if (host_resolv) {
                char *save = NULL;
                for (char *line = strtok_r(host_resolv, "\n", &save); line;
                     line = strtok_r(NULL, "\n", &save)) {
                        bool ns = strncmp(line, "nameserver", 10) == 0;
                        if (ns && (json_array_size(dns) > 0 || resolver))
                                continue;
                        if (ns && !host_net && (strstr(line, " 127.") || strstr(line, " ::1")))
                                continue;
                        if (strncmp(line, "search", 6) == 0 && json_array_size(search) > 0)
                                continue;
                        if (strncmp(line, "options", 7) == 0 && json_array_size(opts) > 0)
                                continue;
                        char *n = berth_xasprintf("%s%s\n", out, line);
                        free(out);
                        out = n;
                }
        }
        json_array_foreach (dns, i, v) {
                char *n = berth_xasprintf("%snameserver %s\n", out, json_string_value(v));
                free(out);
                out = n;
        }
        const char *kw[] = {"search", "options"};
        json_t *lists[] = {search, opts};
        for (int k = 0; k < 2; k++) {
                if (json_array_size(lists[k]) == 0)
                        continue;
                char *n = berth_xasprintf("%s%s", out, kw[k]);
                free(out);
                out = n;
                json_array_foreach (lists[k], i, v) {
                        n = berth_xasprintf("%s %s", out, json_string_value(v));
                        free(out);
                        out = n;
                }
                n = berth_xasprintf("%s\n", out);
                free(out);
                out = n;
        }
        _cleanup_free_ char *p3 = berth_xasprintf("%s/resolv.conf", dir);
        int rc = berth_write_file_update(p3, out, strlen(out), 0644, err);
        free(out);
        return rc < 0 ? -EIO : 0;
}

int berth_engine_create(berth_engine *e, const char *name, const json_t *body, char **ret_id,
                        berth_error *err)
{
        berth_db *db = berth_engine_db(e);
        if (!json_is_object(body))
                return berth_errx(err, EINVAL, "the container configuration is not an object");
        const char *image = json_string_value(json_object_get(body, "Image"));
        if (image == NULL || *image == '\0')
                return berth_errx(err, EINVAL, "no image given");
        if (name && *name == '/')
                name++;
        if (name && *name && !berth_container_name_valid(name))
                return berth_errx(err, EINVAL,
                                  "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
                                  "are allowed",
                                  name);
        berth_digest image_id;
        if (berth_images_resolve(e->images, image, &image_id, err) < 0)
                return berth_error_rc(err, -ENOENT);
        _cleanup_json_ json_t *image_cfg = berth_engine_image_config(e, image_id.s, err);
        if (image_cfg == NULL)
                return -EIO;
        _cleanup_json_ json_t *merged = engine_merge_config(body, image_cfg);
        if (!json_is_object(json_object_get(merged, "HostConfig")))
                json_object_set_new(merged, "HostConfig", json_object());

        _cleanup_free_ char *id = berth_xmalloc0(65);
        if (berth_random_hex(id, 32, err) < 0)
                return berth_error_rc(err, -EIO);
        _cleanup_free_ char *chosen = NULL;
        if (name && *name)
                chosen = berth_xstrdup(name);
        else if ((chosen = berth_container_random_name(db, err)) == NULL)
                return -EIO;
        _cleanup_free_ char *created = berth_now_rfc3339();
        _cleanup_strv_ char **made = NULL;
        _cleanup_json_ json_t *mounts = engine_resolve_mounts(e, merged, image_cfg, &made, err);
        if (mounts == NULL)
                return -EINVAL;
        berth_container rec = {.id = id,
                               .name = chosen,
                               .image_id = image_id.s,
                               .image_name = (char *)image,
                               .created = created,
                               .body = merged,
                               .mounts = mounts};
        /* Everything first, the record last: a container exists (for ps, start, rm) only
         * once it is whole. A create killed before that leaves a directory and a snapshot
         * row without a record, which berth_engine_sweep() removes. */
        _cleanup_free_ char *dir = berth_engine_container_dir(e, id);
        int rc = engine_validate_create(e, dir, merged, mounts, image_cfg, err);
        if (rc < 0) {
                STRV_FOREACH (v, made)
                        berth_volume_remove(e->volumes, *v, true, NULL);
                return rc;
        }
        rc = berth_snapshot_create(e->images, &image_id, dir, err);
        if (rc >= 0)
                rc = engine_write_etc_files(dir, id, merged, NULL, err);
        size_t i;
        json_t *m;
        json_array_foreach (mounts, i, m) {
                const char *vn = json_string_value(json_object_get(m, "Name"));
                if (rc >= 0 && vn)
                        rc = berth_volume_use(e->volumes, vn, id, err);
        }
        if (rc >= 0)
                rc = berth_container_insert(db, &rec, err);
        if (rc < 0) {
                berth_snapshot_remove(e->images, dir, NULL);
                berth_rm_rf(dir, NULL);
                berth_volume_release(e->volumes, id, false, NULL);
                STRV_FOREACH (v, made)
                        berth_volume_remove(e->volumes, *v, true, NULL);
                return rc;
        }
        engine_event(e, &rec, "create", NULL, NULL);
        *ret_id = TAKE_PTR(id);
        return 0;
}
