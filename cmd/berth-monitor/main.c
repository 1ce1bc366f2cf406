/* SPDX-License-Identifier: Apache-2.0 */
/* berth-monitor: the supervisor of one container (see monitor.h). */
#include "monitor.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "engine/events.h"
#include "engine/monitor-proto.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

int64_t monitor_now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static char *jstr(json_t *o, const char *k)
{
        const char *s = json_string_value(json_object_get(o, k));
        return s ? berth_xstrdup(s) : NULL;
}

void monitor_event(berth_db *db, const monitor_config *c, const char *action, const char *key,
                   const char *value)
{
        json_t *a = json_pack("{s:s, s:s}", "image", c->image ? c->image : "", "name",
                              c->name ? c->name : "");
        if (key)
                json_object_set_new(a, key, json_string(value));
        berth_event_record(db, "container", action, c->id, a, NULL);
        json_decref(a);
}

int monitor_config_load(const char *dir, monitor_config *ret)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/monitor.json", dir);
        json_t *j = json_load_file(path, 0, NULL);
        if (j == NULL)
                return -EINVAL;
        monitor_config *c = ret;
        memset(c, 0, sizeof(*c));
        c->dir = berth_xstrdup(dir);
        c->id = jstr(j, "id");
        c->root = jstr(j, "root");
        c->runroot = jstr(j, "runroot");
        c->berth = jstr(j, "berth");
        c->name = jstr(j, "name");
        c->image = jstr(j, "image");
        c->log_path = jstr(j, "log_path");
        c->tty = json_is_true(json_object_get(j, "tty"));
        c->open_stdin = json_is_true(json_object_get(j, "open_stdin"));
        c->stdin_once = json_is_true(json_object_get(j, "stdin_once"));
        c->auto_remove = json_is_true(json_object_get(j, "auto_remove"));
        c->log_max_size = json_integer_value(json_object_get(j, "log_max_size"));
        c->log_max_file = (int)json_integer_value(json_object_get(j, "log_max_file"));
        if (c->log_max_file < 1)
                c->log_max_file = 1;
        c->restart_name = jstr(j, "restart");
        if (c->restart_name == NULL)
                c->restart_name = berth_xstrdup("no");
        c->restart_max = (int)json_integer_value(json_object_get(j, "restart_max"));
        json_t *h = json_object_get(j, "health");
        if (json_is_object(h) && json_array_size(json_object_get(h, "test")) > 0) {
                c->health_test = json_incref(json_object_get(h, "test"));
                c->health_interval_ns = json_integer_value(json_object_get(h, "interval"));
                c->health_timeout_ns = json_integer_value(json_object_get(h, "timeout"));
                c->health_start_period_ns = json_integer_value(json_object_get(h, "start_period"));
                c->health_retries = (int)json_integer_value(json_object_get(h, "retries"));
        }
        json_decref(j);
        if (c->id == NULL || c->root == NULL || c->runroot == NULL || c->log_path == NULL)
                return -EINVAL;
        return 0;
}

static void sync_say(int fd, const char *msg)
{
        if (fd >= 0) {
                (void)berth_write_all(fd, msg, strlen(msg));
                close(fd);
        }
}

static int setup_stdio(monitor *m)
{
        m->out[0] = m->out[1] = m->errp[0] = m->errp[1] = m->in[0] = m->in[1] = -1;
        m->master = -1;
        if (m->cfg.tty)
                return 0;
        if (pipe2(m->out, O_CLOEXEC) < 0 || pipe2(m->errp, O_CLOEXEC) < 0)
                return -errno;
        fcntl(m->out[0], F_SETFL, O_NONBLOCK);
        fcntl(m->errp[0], F_SETFL, O_NONBLOCK);
        if (m->cfg.open_stdin) {
                if (pipe2(m->in, O_CLOEXEC) < 0)
                        return -errno;
                fcntl(m->in[1], F_SETFL, O_NONBLOCK);
        }
        return 0;
}

static int supervise(const char *dir, int sync_fd, int attach_fd, unsigned attach_streams)
{
        static monitor m;
        char errbuf[2200];
        berth_error err = {0};
        if (monitor_config_load(dir, &m.cfg) < 0) {
                sync_say(sync_fd, "error: cannot read the monitor's configuration\n");
                return 1;
        }
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        prctl(PR_SET_NAME, "berth-monitor");
        signal(SIGPIPE, SIG_IGN);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigprocmask(SIG_BLOCK, &set, NULL);
        m.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

        _cleanup_free_ char *mdir = berth_monitor_dir(m.cfg.runroot);
        if (berth_mkdir_p(mdir, 0700, &err) < 0) {
                snprintf(errbuf, sizeof(errbuf), "error: %s\n", err.msg);
                sync_say(sync_fd, errbuf);
                return 1;
        }
        _cleanup_close_ int mdfd = open(mdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        m.listen_fd = mdfd < 0 ? -1 : berth_unix_listen_at(mdfd, m.cfg.id, &err);
        if (m.listen_fd < 0) {
                snprintf(errbuf, sizeof(errbuf), "error: %s\n", err.msg);
                sync_say(sync_fd, errbuf);
                return 1;
        }
        m.log = berth_jsonlog_open(m.cfg.log_path, m.cfg.log_max_size, m.cfg.log_max_file, &err);
        if (m.log == NULL || setup_stdio(&m) < 0) {
                snprintf(errbuf, sizeof(errbuf), "error: %s\n",
                         m.log ? "cannot make pipes" : err.msg);
                sync_say(sync_fd, errbuf);
                unlinkat(mdfd, m.cfg.id, 0);
                return 1;
        }
        if (attach_fd >= 0)
                monitor_add_client(&m, attach_fd, true, attach_streams);
        m.backoff_ms = 100;
        if (monitor_start_container(&m, false, errbuf, sizeof(errbuf)) < 0) {
                _cleanup_free_ char *msg = berth_xasprintf("error: %s\n", errbuf);
                sync_say(sync_fd, msg);
                unlinkat(mdfd, m.cfg.id, 0);
                monitor_finish(&m);
                return 1;
        }
        sync_say(sync_fd, "ok\n");
        int rc = monitor_loop(&m);
        unlinkat(mdfd, m.cfg.id, 0);
        berth_jsonlog_close(m.log);
        return rc;
}

int main(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "--create") == 0)
                return monitor_create_main(argc - 1, argv + 1);
        if (argc > 1 && strcmp(argv[1], "--health") == 0)
                return monitor_health_main(argc - 1, argv + 1);
        int sync_fd = -1, attach_fd = -1;
        unsigned streams = 0;
        const char *dir = NULL;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--sync-fd") == 0 && i + 1 < argc)
                        sync_fd = atoi(argv[++i]);
                else if (strcmp(argv[i], "--attach-fd") == 0 && i + 1 < argc)
                        attach_fd = atoi(argv[++i]);
                else if (strcmp(argv[i], "--attach-streams") == 0 && i + 1 < argc)
                        streams = (unsigned)atoi(argv[++i]);
                else if (argv[i][0] != '-' && dir == NULL)
                        dir = argv[i];
                else {
                        fprintf(stderr, "berth-monitor: unknown argument %s\n", argv[i]);
                        return 2;
                }
        }
        if (dir == NULL) {
                fprintf(stderr, "usage: berth-monitor [--sync-fd N] [--attach-fd N "
                                "--attach-streams S] CONTAINER-DIR\n"
                                "(started by berth; not meant to be run by hand)\n");
                return 2;
        }
        if (sync_fd >= 0)
                fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
        if (attach_fd >= 0)
                fcntl(attach_fd, F_SETFD, FD_CLOEXEC);
        return supervise(dir, sync_fd, attach_fd, streams);
}
