/* SPDX-License-Identifier: Apache-2.0 */
/* `start`: mount, config.json, and a berth-monitor of its own for the container. */
#include "engine/engine-internal.h"
#include "base/detach.h"
#include "base/fs.h"
#include "base/units.h"
#include "engine/container-policy.h"
#include "engine/monitor-conf.h"
#include "engine/monitor-proto.h"
#include "engine/network-internal.h"
#include "specgen/specgen.h"
#include "image/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Docker's "max-size" (e.g. "10m") and "max-file" log options. */
static int log_options(const json_t *hc, int64_t *max_size, int *max_file, berth_error *err)
{
        json_t *lc = json_object_get(json_object_get(hc, "LogConfig"), "Config");
        const char *ms = json_string_value(json_object_get(lc, "max-size"));
        const char *mf = json_string_value(json_object_get(lc, "max-file"));
        *max_size = 0;
        *max_file = 1;
        if (ms && *ms) {
                char *end;
                double v = strtod(ms, &end);
                int64_t mul = 1;
                switch (*end) {
                case 'k':
                case 'K':
                        mul = 1024;
                        end++;
                        break;
                case 'm':
                case 'M':
                        mul = 1024 * 1024;
                        end++;
                        break;
                case 'g':
                case 'G':
                        mul = 1024LL * 1024 * 1024;
                        end++;
                        break;
                }
                if (*end == 'b' || *end == 'B')
                        end++;
                if (end == ms || *end || v <= 0)
                        return berth_errx(err, EINVAL, "invalid max-size log option: %s", ms);
                *max_size = (int64_t)(v * (double)mul);
        }
        if (mf && *mf) {
                long long n;
                if (berth_parse_i64(mf, &n) < 0 || n < 1 || n > 1000)
                        return berth_errx(err, EINVAL, "invalid max-file log option: %s", mf);
                if (*max_size == 0 && n > 1)
                        return berth_errx(err, EINVAL, "max-file cannot be set without max-size");
                *max_file = (int)n;
        }
        return 0;
}

static int write_monitor_config(berth_engine *e, const berth_container *c, const char *dir,
                                const char *forwards, berth_error *err)
{
        json_t *body = c->body, *hc = json_object_get(body, "HostConfig");
        berth_monitor_conf m = {0};
        if (log_options(hc, &m.log_max_size, &m.log_max_file, err) < 0)
                return -EINVAL;
        json_t *rp = json_object_get(hc, "RestartPolicy");
        const char *rname = json_string_value(json_object_get(rp, "Name"));
        _cleanup_free_ char *berth = berth_program_path("berth", "BERTH_BIN");
        _cleanup_free_ char *helper =
            berth_program_path("berth-monitor-helper", "BERTH_MONITOR_HELPER");
        _cleanup_free_ char *log = berth_engine_log_path(e, c->id);
        m.id = c->id;
        m.name = c->name;
        m.image = c->image_name;
        m.dir = (char *)dir;
        m.root = e->root;
        m.runroot = e->runroot;
        m.berth = berth;
        m.helper = helper;
        m.tty = json_is_true(json_object_get(body, "Tty"));
        m.open_stdin = json_is_true(json_object_get(body, "OpenStdin"));
        m.stdin_once = json_is_true(json_object_get(body, "StdinOnce"));
        m.auto_remove = json_is_true(json_object_get(hc, "AutoRemove"));
        m.log_path = log;
        m.restart = (char *)(rname && *rname ? rname : "no");
        m.restart_max = (int)json_integer_value(json_object_get(rp, "MaximumRetryCount"));
        _cleanup_free_ char *test_json = berth_container_healthcheck(body, &m.health);
        m.health_test = test_json;
        m.forwards = (char *)forwards;
        return berth_monitor_conf_save(&m, err);
}

static int write_spec(berth_engine *e, const berth_container *c, const char *dir, const char *netns,
                      berth_error *err)
{
        _cleanup_json_ json_t *image = berth_engine_image_config(e, c->image_id, err);
        if (image == NULL)
                return -EIO;
        _cleanup_free_ char *rootfs = berth_xasprintf("%s/merged", dir);
        _cleanup_free_ char *init = berth_program_path("berth-init", "BERTH_INIT");
        _cleanup_free_ char *hostname = berth_xasprintf("%s/hostname", dir);
        _cleanup_free_ char *hosts = berth_xasprintf("%s/hosts", dir);
        _cleanup_free_ char *resolv = berth_xasprintf("%s/resolv.conf", dir);
        berth_specgen_input in = {.id = c->id,
                                  .rootfs = rootfs,
                                  .image = image,
                                  .body = c->body,
                                  .mounts = c->mounts,
                                  .init_path = init,
                                  .hostname_path = hostname,
                                  .hosts_path = hosts,
                                  .resolv_path = resolv,
                                  .netns_path = netns,
                                  .unchecked = true};
        _cleanup_free_ char *path = berth_xasprintf("%s/config.json", dir);
        return berth_specgen_write(&in, path, err);
}

/* Volumes mounted for the first time get the image's content at their path. */
static int copy_up(berth_engine *e, const berth_container *c, const char *rootfs, berth_error *err)
{
        size_t i;
        json_t *m;
        json_array_foreach (c->mounts, i, m) {
                const char *name = json_string_value(json_object_get(m, "Name"));
                if (name == NULL || !json_is_true(json_object_get(m, "CopyUp")))
                        continue;
                const char *dest = json_string_value(json_object_get(m, "Destination"));
                if (berth_volume_copy_up(berth_engine_volumes(e), name, rootfs, dest, err) < 0)
                        return berth_error_rc(err, -EIO);
        }
        return 0;
}

/* the monitor is nobody's child but its session's (and init's): base/detach.h */
static int spawn_monitor(berth_engine *e, const char *dir, const berth_start_opts *o, char *reply,
                         size_t replysz, berth_error *err)
{
        _cleanup_free_ char *monitor = berth_program_path("berth-monitor", "BERTH_MONITOR");
        int sp[2];
        if (pipe2(sp, O_CLOEXEC) < 0)
                return berth_err(err, errno, "cannot make a pipe");
        int attach = o ? o->attach_fd : -1;
        char streams[16];
        snprintf(streams, sizeof(streams), "%u", o ? o->attach_streams : 0);
        char *const with_attach[] = {"berth-monitor", "--sync-fd", "3",
                                     "--attach-fd",   "4",         "--attach-streams",
                                     streams,         (char *)dir, NULL};
        char *const plain[] = {"berth-monitor", "--sync-fd", "3", (char *)dir, NULL};
        int sr = berth_spawn_detached(monitor, attach >= 0 ? with_attach : plain, sp[1], attach);
        close(sp[1]);
        if (sr < 0) {
                close(sp[0]);
                return berth_err(err, -sr, "cannot start %s", monitor);
        }
        size_t n = 0;
        for (;;) {
                ssize_t r = read(sp[0], reply + n, replysz - 1 - n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                n += (size_t)r;
                if (n + 1 >= replysz)
                        break;
        }
        close(sp[0]);
        reply[n] = '\0';
        if (n > 0 && reply[n - 1] == '\n')
                reply[n - 1] = '\0';
        return 0;
}

/* Docker's exit codes for a start that fails: 127 not found, 126 cannot run, else 125. */
int berth_engine_start_error_code(const char *msg)
{
        if (strstr(msg, "no such file or directory") || strstr(msg, "No such file or directory") ||
            strstr(msg, "executable file not found"))
                return 127;
        if (strstr(msg, "permission denied") || strstr(msg, "Permission denied"))
                return 126;
        return 125;
}

int berth_engine_start(berth_engine *e, const char *name, const berth_start_opts *o,
                       berth_error *err)
{
        berth_container c;
        if (berth_engine_reconcile(e, name, &c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        int rc = 0;
        if (berth_state_live(c.state)) {
                berth_container_clear(&c);
                return -EALREADY;
        }
        if (c.state == BERTH_STATE_REMOVING) {
                berth_errx(err, EINVAL, "container %s is marked for removal and cannot be started",
                           c.name);
                berth_container_clear(&c);
                return -EINVAL;
        }
        _cleanup_free_ char *dir = berth_engine_container_dir(e, c.id);
        _cleanup_free_ char *merged = berth_xasprintf("%s/merged", dir);
        /* not while a copy has the snapshot mounted (and will unmount it) */
        _cleanup_close_ int lock = engine_lock_container(e, c.id);
        if (!berth_snapshot_mounted(dir))
                rc = json_is_true(
                         json_object_get(json_object_get(c.body, "HostConfig"), "AutoRemove"))
                         ? berth_snapshot_mount_volatile(berth_engine_images(e), dir, err)
                         : berth_snapshot_mount(berth_engine_images(e), dir, NULL, err);
        if (rc >= 0)
                rc = copy_up(e, &c, merged, err);
        engine_net_info net = {0};
        bool joined = false;
        if (rc >= 0)
                joined = (rc = engine_net_start(e, &c, &net, err)) >= 0;
        /* resolv.conf follows the host's, as Docker's does at each start */
        if (rc >= 0)
                rc = engine_write_etc_files(dir, c.id, c.body, &net, err);
        if (rc >= 0)
                rc = write_spec(e, &c, dir, net.sandbox, err);
        if (rc >= 0)
                rc = write_monitor_config(e, &c, dir, net.forwards, err);
        engine_net_info_clear(&net);
        char reply[4096] = "";
        if (rc >= 0)
                rc = spawn_monitor(e, dir, o, reply, sizeof(reply), err);
        if (rc >= 0 && strcmp(reply, "ok") != 0) {
                const char *msg = strncmp(reply, "error: ", 7) == 0 ? reply + 7
                                  : *reply                          ? reply
                                                                    : "the monitor died";
                berth_errx(err, EIO, "%s", msg);
                berth_container_set_failed(berth_engine_db(e), c.id,
                                           berth_engine_start_error_code(msg), msg, NULL);
                rc = -EIO;
        }
        if (rc < 0 && joined)
                berth_network_release(berth_engine_db(e), e->root, e->runroot, c.id, NULL);
        if (rc < 0 && rc != -EALREADY)
                berth_snapshot_umount(dir, NULL, NULL);
        berth_container_clear(&c);
        return rc;
}
