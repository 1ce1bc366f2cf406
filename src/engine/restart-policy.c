/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's restart policies, decided from the facts (policy.h). */
#include "engine/policy.h"

#include <errno.h>
#include <string.h>

int berth_policy_restart_parse(const char *name, int max_retries, berth_restart_policy *ret)
{
        static const struct {
                const char *name;
                berth_restart_mode mode;
        } names[] = {
            {"", BERTH_RESTART_NO},
            {"no", BERTH_RESTART_NO},
            {"always", BERTH_RESTART_ALWAYS},
            {"unless-stopped", BERTH_RESTART_UNLESS_STOPPED},
            {"on-failure", BERTH_RESTART_ON_FAILURE},
        };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(name ? name : "", names[i].name) == 0) {
                        ret->mode = names[i].mode;
                        ret->max_retries = max_retries > 0 ? max_retries : 0;
                        return 0;
                }
        return -EINVAL;
}

/* The rule itself, without the cancellation a user's stop brings (at boot there is none). */
static bool wanted(const berth_restart_policy *p, const berth_exit_facts *f)
{
        switch (p->mode) {
        case BERTH_RESTART_ALWAYS:
                return true;
        case BERTH_RESTART_UNLESS_STOPPED:
                return !f->manual_stop;
        case BERTH_RESTART_ON_FAILURE:
                return f->exit_code != 0 &&
                       (p->max_retries == 0 || f->restart_count < p->max_retries);
        default:
                return false;
        }
}

/* The next wait: the first, twice the last (at most the maximum), or the first again
 * after a run long enough. */
static int64_t next_delay(const berth_exit_facts *f)
{
        int64_t last = f->ran_ms >= BERTH_RESTART_RESET_AFTER_MS ? 0 : f->last_delay_ms;
        if (last <= 0)
                return BERTH_RESTART_DELAY_FIRST_MS;
        if (last >= BERTH_RESTART_DELAY_MAX_MS / 2)
                return BERTH_RESTART_DELAY_MAX_MS;
        return last * 2;
}

berth_restart_decision berth_policy_restart(const berth_restart_policy *p,
                                            const berth_exit_facts *f)
{
        berth_restart_decision d = {.restart = false, .delay_ms = f->last_delay_ms};
        if (p->mode == BERTH_RESTART_NO)
                return d;
        d.delay_ms = next_delay(f);
        d.restart = !f->manual_stop && wanted(p, f);
        return d;
}

bool berth_policy_restart_at_boot(const berth_restart_policy *p, const berth_exit_facts *f)
{
        return wanted(p, f);
}
