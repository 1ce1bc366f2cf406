/* SPDX-License-Identifier: Apache-2.0 */
/* A container's state: one table of names, its questions, its transitions (state.h). */
#include "state.h"

#include <stddef.h>
#include <string.h>

static const char *const names[] = {
    [BERTH_STATE_CREATED] = "created",   [BERTH_STATE_RUNNING] = "running",
    [BERTH_STATE_PAUSED] = "paused",     [BERTH_STATE_RESTARTING] = "restarting",
    [BERTH_STATE_REMOVING] = "removing", [BERTH_STATE_EXITED] = "exited",
    [BERTH_STATE_DEAD] = "dead",         [BERTH_STATE_UNKNOWN] = "unknown",
};

const char *berth_state_name(berth_state s)
{
        return (unsigned)s <= BERTH_STATE_UNKNOWN ? names[s] : names[BERTH_STATE_UNKNOWN];
}

berth_state berth_state_parse(const char *name)
{
        for (unsigned s = 0; name && s < BERTH_STATE_UNKNOWN; s++)
                if (strcmp(names[s], name) == 0)
                        return (berth_state)s;
        return BERTH_STATE_UNKNOWN;
}

bool berth_state_valid(const char *name)
{
        return berth_state_parse(name) != BERTH_STATE_UNKNOWN;
}

bool berth_state_up(berth_state s)
{
        return s == BERTH_STATE_RUNNING || s == BERTH_STATE_PAUSED;
}

bool berth_state_live(berth_state s)
{
        return berth_state_up(s) || s == BERTH_STATE_RESTARTING;
}

bool berth_state_stopped(berth_state s)
{
        return s == BERTH_STATE_CREATED || s == BERTH_STATE_EXITED || s == BERTH_STATE_DEAD;
}

bool berth_state_may(berth_state from, berth_state to)
{
        switch (to) {
        case BERTH_STATE_RUNNING:
                return from != BERTH_STATE_REMOVING && from != BERTH_STATE_DEAD;
        case BERTH_STATE_PAUSED:
                return from == BERTH_STATE_RUNNING;
        case BERTH_STATE_RESTARTING:
                return from == BERTH_STATE_RUNNING || from == BERTH_STATE_EXITED ||
                       from == BERTH_STATE_RESTARTING;
        case BERTH_STATE_EXITED:
        case BERTH_STATE_CREATED:
                return from != BERTH_STATE_REMOVING && from != BERTH_STATE_DEAD;
        case BERTH_STATE_REMOVING:
                return from != BERTH_STATE_REMOVING;
        case BERTH_STATE_DEAD:
                return true; /* lost, or a removal that failed half-way */
        default:
                return false;
        }
}
