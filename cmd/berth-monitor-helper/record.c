/* SPDX-License-Identifier: Apache-2.0 */
/* `record`: an exit and the restart policy's decision, recorded, then told to the monitor. */
#include "helper.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "engine/exit.h"
#include "engine/helper-proto.h"
#include "engine/network.h"

#include <unistd.h>
#include "runtime/runtime.h"

#include <string.h>

int helper_record(const berth_monitor_conf *cfg, berth_exit_facts *f, bool decide)
{
        berth_error err = {0};
        berth_restart_policy p;
        if (!decide || berth_policy_restart_parse(cfg->restart, cfg->restart_max, &p) < 0)
                p = (berth_restart_policy){.mode = BERTH_RESTART_NO};
        _cleanup_free_ char *root = helper_rt_root(cfg);
        berth_rt_ctx ctx = {.root = root};
        berth_db *db = NULL;
        if (helper_open_db(cfg, &db, &err) < 0)
                return 2;
        berth_restart_decision d;
        int r = berth_container_record_exit_policy(db, &ctx, cfg->id, cfg->image, cfg->name, &p, f,
                                                   &d, &err);
        /* stopped for good: what it holds on its networks goes (a restart keeps it: the same
         * namespace is joined again) */
        bool cleanup =
            r == 0 && !d.restart && berth_network_holds(db, cfg->runroot, cfg->id, &err) > 0;
        berth_db_close(db);
        if (r < 0)
                return 2;
        char line[BERTH_HELPER_LINE_MAX];
        berth_helper_format_exit(&d, line, sizeof(line));
        if (berth_write_all(3, line, strlen(line)) < 0)
                return 2;
        if (cleanup && cfg->berth) {
                /* the network code (netlink, nftables) is berth's, not this static program's */
                close(3);
                execl(cfg->berth, "berth", "--root", cfg->root, "--runroot", cfg->runroot,
                      "container", "cleanup", cfg->id, (char *)NULL);
                return 2;
        }
        return 0;
}
