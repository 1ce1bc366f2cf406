/* SPDX-License-Identifier: Apache-2.0 */
/* Process attributes set with one call each: rlimits and personality. */
#include "runtime/security.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/personality.h>
#include <sys/resource.h>

static const char *const rlimit_names[] = {
    [RLIMIT_CPU] = "RLIMIT_CPU",           [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
    [RLIMIT_DATA] = "RLIMIT_DATA",         [RLIMIT_STACK] = "RLIMIT_STACK",
    [RLIMIT_CORE] = "RLIMIT_CORE",         [RLIMIT_RSS] = "RLIMIT_RSS",
    [RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
    [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
    [RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
    [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
    [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

const char *berth_rlimit_name(int resource)
{
        if (resource < 0 || (size_t)resource >= sizeof(rlimit_names) / sizeof(rlimit_names[0]) ||
            rlimit_names[resource] == NULL)
                return NULL;
        return rlimit_names[resource];
}

/* "unlimited" for RLIM_INFINITY, else the number, into buf. */
static const char *limit_str(uint64_t v, char buf[static 24])
{
        if (v == (uint64_t)RLIM_INFINITY)
                return "unlimited";
        snprintf(buf, 24, "%" PRIu64, v);
        return buf;
}

int berth_rlimits_apply(const oci_rlimit *r, size_t n, berth_error *err)
{
        for (size_t i = 0; i < n; i++) {
                struct rlimit rl = {.rlim_cur = r[i].soft, .rlim_max = r[i].hard};
                if (setrlimit(r[i].resource, &rl) == 0)
                        continue;
                int e = errno;
                char num[24], sbuf[24], hbuf[24];
                const char *name = berth_rlimit_name(r[i].resource);
                if (name == NULL) {
                        snprintf(num, sizeof(num), "rlimit %d", r[i].resource);
                        name = num;
                }
                return berth_err(err, e, "cannot set %s to %s/%s", name, limit_str(r[i].soft, sbuf),
                                 limit_str(r[i].hard, hbuf));
        }
        return 0;
}

int berth_personality_apply(unsigned long persona, berth_error *err)
{
        if (personality(persona) < 0)
                return berth_err(err, errno, "cannot set personality to 0x%lx", persona);
        return 0;
}
