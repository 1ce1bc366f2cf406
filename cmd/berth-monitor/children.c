/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's short-lived children: the creator (create + start through the
 * runtime library, from a sealed copy of this binary, then the "running"
 * record) and the recorder (runtime delete, the exit record, the restart
 * decision). berth.db and the runtime's work happen there, so the monitor that
 * stays behind keeps only its loop in memory.
 */
#include "monitor.h"
#include "base/cleanup.h"
#include "base/db.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "engine/containers.h"
#include "engine/monitor-proto.h"
#include "runtime/runtime.h"
#include "runtime/selfclone.h"
#include "runtime/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char *rt_root(const monitor_config *c)
{
        return berth_xasprintf("%s/runtime", c->runroot);
}

static char *pid_path(const monitor_config *c)
{
        return berth_xasprintf("%s/monitor/%s.pid", c->runroot, c->id);
}

static int open_db(const monitor_config *c, berth_db **ret, berth_error *err)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/berth.db", c->root);
        return berth_db_open(path, ret, err);
}

/* ---- the creator: `berth-monitor --create DIR CONSOLE-FD|-` ---- */

int monitor_create_main(int argc, char **argv)
{
        /* argv: --create DIR CONSOLE ; fd 3 takes an error message */
        if (argc < 3)
                return 2;
        berth_error err = {0};
        monitor_config cfg;
        if (monitor_config_load(argv[1], &cfg) < 0) {
                dprintf(3, "cannot read %s/monitor.json", argv[1]);
                return 1;
        }
        _cleanup_free_ char *root = rt_root(&cfg);
        _cleanup_free_ char *pidfile = pid_path(&cfg);
        berth_rt_ctx ctx = {.root = root};
        berth_rt_delete(&ctx, cfg.id, true, NULL); /* what a crash may have left */
        berth_rt_create_opts o = {.id = cfg.id, .bundle = cfg.dir, .pid_file = pidfile};
        if (strcmp(argv[2], "-") != 0) {
                o.has_console_fd = true;
                o.console_fd = atoi(argv[2]);
        }
        int r = berth_rt_create(&ctx, &o, &err);
        if (r >= 0 && (r = berth_rt_start(&ctx, cfg.id, &err)) < 0)
                berth_rt_delete(&ctx, cfg.id, true, NULL);
        if (r < 0) {
                (void)berth_write_all(3, err.msg, strlen(err.msg));
                return 1;
        }
        _cleanup_free_ char *pidtxt = NULL;
        if (berth_read_file(pidfile, &pidtxt, NULL, &err) < 0) {
                (void)berth_write_all(3, err.msg, strlen(err.msg));
                return 1;
        }
        pid_t pid = atoi(pidtxt);
        pid_t monitor = getppid();
        /* a healthcheck starts over with each start */
        _cleanup_(json_decrefp) json_t *health =
            cfg.health_test
                ? json_pack("{s:s, s:i, s:[]}", "Status", "starting", "FailingStreak", 0, "Log")
                : NULL;
        berth_db *db = NULL;
        if (open_db(&cfg, &db, &err) < 0 ||
            berth_container_set_monitor(db, cfg.id, monitor, berth_pid_starttime(monitor), &err) <
                0 ||
            berth_container_set_running(db, cfg.id, pid,
                                        argc > 3 && strcmp(argv[3], "restart") == 0, &err) < 0 ||
            berth_container_set_health(db, cfg.id, health, &err) < 0) {
                /* the container runs but cannot be recorded: stop it rather than lie */
                berth_rt_kill(&ctx, cfg.id, SIGKILL, true, NULL);
                (void)berth_write_all(3, err.msg, strlen(err.msg));
                berth_db_close(db);
                return 1;
        }
        monitor_event(db, &cfg, "start", NULL, NULL);
        berth_db_close(db);
        return 0;
}

static size_t read_text(int fd, char *buf, size_t sz)
{
        size_t n = 0;
        while (n + 1 < sz) {
                ssize_t r = read(fd, buf + n, sz - 1 - n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                n += (size_t)r;
        }
        buf[n] = '\0';
        return n;
}

int monitor_start_container(monitor *m, bool restarted, char *errbuf, size_t errsz)
{
        int ep[2], cs[2] = {-1, -1};
        if (pipe2(ep, O_CLOEXEC) < 0) {
                snprintf(errbuf, errsz, "cannot make a pipe: %s", strerror(errno));
                return -1;
        }
        if (m->cfg.tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cs) < 0) {
                snprintf(errbuf, errsz, "cannot make a socket pair: %s", strerror(errno));
                close(ep[0]);
                close(ep[1]);
                return -1;
        }
        _cleanup_free_ char *pidfile = pid_path(&m->cfg);
        unlink(pidfile);
        pid_t child = fork();
        if (child < 0) {
                snprintf(errbuf, errsz, "cannot fork: %s", strerror(errno));
                return -1;
        }
        if (child == 0) {
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                signal(SIGPIPE, SIG_DFL);
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (m->cfg.tty) {
                        dup2(null, 0);
                        dup2(null, 1);
                        dup2(null, 2);
                        dup2(cs[1], 4);
                } else {
                        dup2(m->in[0] >= 0 && !m->stdin_closed ? m->in[0] : null, 0);
                        dup2(m->out[1], 1);
                        dup2(m->errp[1], 2);
                }
                dup2(ep[1], 3);
                berth_close_fds_from(m->cfg.tty ? 5 : 4, NULL, 0);
                char *argv[] = {"berth-monitor",
                                "--create",
                                m->cfg.dir,
                                m->cfg.tty ? "4" : "-",
                                restarted ? "restart" : "first",
                                NULL};
                int r = berth_selfclone_ensure(argv);
                if (r == 0) /* already a sealed copy */
                        _exit(monitor_create_main(4, argv + 1));
                dprintf(3, "cannot re-execute the monitor from a sealed copy: %s", strerror(-r));
                _exit(1);
        }
        close(ep[1]);
        if (cs[1] >= 0)
                close(cs[1]);
        if (m->cfg.tty) {
                char text[64];
                int master = berth_recv_fd(cs[0], text, sizeof(text));
                close(cs[0]);
                if (master >= 0) {
                        fcntl(master, F_SETFL, O_NONBLOCK);
                        fcntl(master, F_SETFD, FD_CLOEXEC);
                        m->master = master;
                }
        }
        size_t n = read_text(ep[0], errbuf, errsz);
        close(ep[0]);
        int status = 0;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                ;
        if (n > 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                if (n == 0)
                        snprintf(errbuf, errsz, "the container could not be started");
                if (m->master >= 0) {
                        close(m->master);
                        m->master = -1;
                }
                return -1;
        }
        _cleanup_free_ char *pidtxt = NULL;
        if (berth_read_file(pidfile, &pidtxt, NULL, NULL) < 0) {
                snprintf(errbuf, errsz, "the container's pid file is missing");
                return -1;
        }
        m->pid = atoi(pidtxt);
        m->started_ns = monitor_now_ns();
        if (m->cfg.health_test)
                m->next_health_ns = m->started_ns + m->cfg.health_interval_ns;
        /* the init may have exited (and be waiting, reparented to us) already */
        return 0;
}

/* ---- the recorder ---- */

static bool should_restart(const monitor_config *cfg, const berth_container *c, int code)
{
        if (c->manual_stop)
                return false;
        if (strcmp(cfg->restart_name, "always") == 0 ||
            strcmp(cfg->restart_name, "unless-stopped") == 0)
                return true;
        if (strcmp(cfg->restart_name, "on-failure") == 0)
                return code != 0 && (cfg->restart_max <= 0 || c->restart_count < cfg->restart_max);
        return false;
}

static int record_exit_child(monitor *m, int code)
{
        berth_error err = {0};
        _cleanup_free_ char *root = rt_root(&m->cfg);
        berth_rt_ctx ctx = {.root = root};
        berth_cgroup_stats st = {0};
        bool oom = berth_rt_stats(&ctx, m->cfg.id, &st, NULL) == 0 && st.oom_kill_count > 0;
        berth_rt_delete(&ctx, m->cfg.id, true, NULL);
        berth_db *db = NULL;
        if (open_db(&m->cfg, &db, &err) < 0)
                return 2;
        berth_container c;
        int rc = 0;
        if (berth_container_get(db, m->cfg.id, &c, &err) < 0) {
                berth_db_close(db);
                return 2;
        }
        bool restart = should_restart(&m->cfg, &c, code);
        char codes[16];
        snprintf(codes, sizeof(codes), "%d", code);
        if (oom)
                monitor_event(db, &m->cfg, "oom", NULL, NULL);
        monitor_event(db, &m->cfg, "die", "exitCode", codes);
        if (berth_container_set_exited(db, m->cfg.id, code, oom, NULL, &err) < 0 ||
            (restart && berth_container_set_status(db, m->cfg.id, "restarting", &err) < 0))
                rc = 2;
        berth_container_clear(&c);
        berth_db_close(db);
        return rc < 0 || rc == 2 ? 2 : restart ? 10 : 0;
}

bool monitor_record_exit(monitor *m, int status)
{
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        m->exit_code = code;
        pid_t p = fork();
        if (p == 0)
                _exit(record_exit_child(m, code));
        int st = 0;
        while (p > 0 && waitpid(p, &st, 0) < 0 && errno == EINTR)
                ;
        return p > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 10;
}

void monitor_finish(monitor *m)
{
        _cleanup_free_ char *merged = berth_xasprintf("%s/merged", m->cfg.dir);
        umount2(merged, MNT_DETACH);
        if (!m->cfg.auto_remove || m->cfg.berth == NULL)
                return;
        pid_t p = fork();
        if (p == 0) {
                int null = open("/dev/null", O_RDWR);
                dup2(null, 0);
                dup2(null, 1);
                berth_close_fds_from(3, NULL, 0);
                execl(m->cfg.berth, "berth", "--root", m->cfg.root, "--runroot", m->cfg.runroot,
                      "rm", "--force", m->cfg.id, (char *)NULL);
                _exit(127);
        }
        int st;
        while (p > 0 && waitpid(p, &st, 0) < 0 && errno == EINTR)
                ;
}
