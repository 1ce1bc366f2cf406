/* SPDX-License-Identifier: Apache-2.0 */
/* berth-monitor: the supervisor of one container (see monitor.h). */
#include "monitor.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
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
        if (berth_monitor_conf_load(dir, &m.cfg, &err) < 0) {
                snprintf(errbuf, sizeof(errbuf), "error: %s\n", err.msg);
                sync_say(sync_fd, errbuf);
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
        /* the ports published on [::1] are held from before the start to the monitor's end */
        if (monitor_forward_open(m.cfg.forwards, errbuf + 7, sizeof(errbuf) - 8) < 0) {
                memcpy(errbuf, "error: ", 7);
                strcat(errbuf, "\n");
                sync_say(sync_fd, errbuf);
                unlinkat(mdfd, m.cfg.id, 0);
                return 1;
        }
        monitor_db_hold(m.cfg.root);
        if (attach_fd >= 0)
                monitor_add_client(&m, attach_fd, true, attach_streams);
        m.health_fd = -1;
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
