/* SPDX-License-Identifier: Apache-2.0 */
/* berth-monitor-helper: see helper.h. */
#include "helper.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "engine/events.h"
#include "runtime/selfclone.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int helper_open_db(const berth_monitor_conf *c, berth_db **ret, berth_error *err)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/berth.db", c->root);
        return berth_db_open(path, ret, err);
}

void helper_event(berth_db *db, const berth_monitor_conf *c, const char *action, const char *key,
                  const char *value)
{
        berth_container_event(db, c->id, c->image, c->name, action, key, value);
}

char *helper_rt_root(const berth_monitor_conf *c)
{
        return berth_xasprintf("%s/runtime", c->runroot);
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: berth-monitor-helper create|record|health DIR …\n"
                                "(run by berth-monitor; not meant to be run by hand)\n");
                return 2;
        }
        const char *mode = argv[1];
        bool enters = strcmp(mode, "create") == 0 || strcmp(mode, "health") == 0;
        if (enters) {
                int r = berth_selfclone_ensure(argv);
                if (r < 0) {
                        dprintf(3, "cannot re-execute from a sealed copy: %s", strerror(-r));
                        return 1;
                }
        }
        berth_error err = {0};
        berth_monitor_conf c;
        if (berth_monitor_conf_load(argv[2], &c, &err) < 0) {
                dprintf(3, "%s", err.msg);
                return strcmp(mode, "record") == 0 ? 2 : 1;
        }
        /* fd 3 is the monitor's pipe (helper-proto.h): nothing we run may keep it open */
        if (strcmp(mode, "create") != 0)
                fcntl(3, F_SETFD, FD_CLOEXEC);
        int rc;
        if (strcmp(mode, "create") == 0 && argc >= 5)
                rc = helper_create(&c, argv[3], strcmp(argv[4], "restart") == 0);
        else if (strcmp(mode, "record") == 0 && argc >= 4) {
                /* without RAN-MS and LAST-DELAY-MS: a monitor started by an older berth,
                 * which restarts on exit code 10 only; record the exit, and no restart */
                bool decide = argc >= 6;
                berth_exit_facts f = {.exit_code = atoi(argv[3]),
                                      .ran_ms = decide ? strtoll(argv[4], NULL, 10) : 0,
                                      .last_delay_ms = decide ? strtoll(argv[5], NULL, 10) : 0};
                rc = helper_record(&c, &f, decide);
        } else if (strcmp(mode, "health") == 0 && argc >= 4)
                rc = helper_health(&c, strtoll(argv[3], NULL, 10));
        else
                rc = 2;
        berth_monitor_conf_clear(&c);
        return rc;
}
