/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User, groups and the five capability sets of the container's process.
 *
 * Sequence (as runc does it):
 *   1. drop the bounding set (needs CAP_SETPCAP in the effective set, which
 *      a change of uid away from 0 clears, so this comes first);
 *   2. setgroups, setresgid, setresuid with PR_SET_KEEPCAPS so the permitted
 *      set survives the change of uid; umask;
 *   3. capset permitted/effective/inheritable;
 *   4. clear the ambient set and raise each ambient capability.
 */
#include "runtime/security.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT           47
#define PR_CAP_AMBIENT_RAISE     2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

int berth_cap_from_name(const char *name)
{
        cap_value_t v;

        if (name == NULL || strncasecmp(name, "CAP_", 4) != 0 || name[4] == '\0')
                return -1;
        /* libcap also takes bare numbers; a name in a config must be a name. */
        if (cap_from_name(name, &v) < 0 || v < 0)
                return -1;
        return (int)v;
}

static void cap_cleanup(cap_t *c)
{
        if (*c)
                cap_free(*c);
}

/* Highest capability number the running kernel knows, from the kernel itself
 * (PR_CAPBSET_READ says EINVAL past it), never from /proc/sys/kernel/
 * cap_last_cap: after pivot_root that file is whatever the container's tree
 * holds there, and a fake 0 would leave every capability above it in the
 * bounding set. */
static int last_cap(void)
{
        static int known = -1;
        if (known >= 0)
                return known;
        int n = 0;
        while (n < 63 && prctl(PR_CAPBSET_READ, n + 1, 0, 0, 0) >= 0)
                n++;
        known = n;
        return n;
}

/* The names of v as a bit mask; names the kernel does not know are skipped. */
static uint64_t caps_mask(char *const *v, int last)
{
        uint64_t m = 0;

        STRV_FOREACH (s, (char **)v) {
                int c = berth_cap_from_name(*s);
                if (c >= 0 && c <= last)
                        m |= UINT64_C(1) << c;
        }
        return m;
}

static int drop_bounding(uint64_t keep, int last, berth_error *err)
{
        for (int c = 0; c <= last; c++) {
                if (keep & (UINT64_C(1) << c))
                        continue;
                if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 0)
                        continue; /* already gone */
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
                        if (errno == EINVAL)
                                continue; /* unknown to this kernel */
                        return berth_err(err, errno,
                                         "cannot drop capability %d from the bounding set", c);
                }
        }
        return 0;
}

/* Whether this process has cap in its effective set (capget: the kernel's
 * word, not a file of the container's). */
static bool has_effective(cap_value_t cap)
{
        _cleanup_(cap_cleanup) cap_t c = cap_get_proc();
        cap_flag_value_t v = CAP_CLEAR;
        return c && cap_get_flag(c, cap, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET;
}

static int apply_user(const oci_user *u, berth_error *err)
{
        /* Always called, even with no gids: the host's groups must go. EPERM
         * with CAP_SETGID in hand means a user namespace whose setgroups is
         * "deny": its groups are fixed, and unmapped ones are nobody's. */
        if (setgroups(u->n_additional_gids, (const gid_t *)u->additional_gids) < 0) {
                int e = errno;
                if (!(e == EPERM && has_effective(CAP_SETGID)))
                        return berth_err(err, e, "cannot set additional gids");
        }
        if (setresgid(u->gid, u->gid, u->gid) < 0)
                return berth_err(err, errno, "cannot set gid to %u", u->gid);
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return berth_err(err, errno, "cannot set keep-caps");
        if (setresuid(u->uid, u->uid, u->uid) < 0)
                return berth_err(err, errno, "cannot set uid to %u", u->uid);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return berth_err(err, errno, "cannot clear keep-caps");
        if (u->umask.set)
                umask((mode_t)(u->umask.v & 07777));
        return 0;
}

static int set_caps(uint64_t eff, uint64_t prm, uint64_t inh, int last, berth_error *err)
{
        _cleanup_(cap_cleanup) cap_t c = cap_init();

        if (c == NULL)
                return berth_err(err, errno, "cannot allocate capability state");
        for (int i = 0; i <= last; i++) {
                cap_value_t v = i;
                uint64_t bit = UINT64_C(1) << i;
                if ((eff & bit) && cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0)
                        return berth_err(err, errno, "cannot build effective set");
                if ((prm & bit) && cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET) < 0)
                        return berth_err(err, errno, "cannot build permitted set");
                if ((inh & bit) && cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET) < 0)
                        return berth_err(err, errno, "cannot build inheritable set");
        }
        if (cap_set_proc(c) < 0)
                return berth_err(err, errno, "cannot set capabilities");
        return 0;
}

static int set_ambient(char *const *ambient, uint64_t prm, uint64_t inh, int last, berth_error *err)
{
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
                if (errno == EINVAL)
                        return 0; /* kernel without ambient capabilities (< 4.3) */
                return berth_err(err, errno, "cannot clear ambient capabilities");
        }
        STRV_FOREACH (s, (char **)ambient) {
                int c = berth_cap_from_name(*s);
                if (c < 0 || c > last)
                        continue;
                uint64_t bit = UINT64_C(1) << c;
                /* The kernel refuses one not in both sets; runc only warns. */
                if (!(prm & bit) || !(inh & bit))
                        continue;
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) {
                        if (errno == EINVAL || errno == EPERM)
                                continue;
                        return berth_err(err, errno, "cannot raise ambient capability %s", *s);
                }
        }
        return 0;
}

int berth_user_and_caps_apply(const oci_user *user, const oci_caps *caps, berth_error *err)
{
        static const oci_caps none = {0};
        int last = last_cap();
        int r;

        if (caps == NULL)
                caps = &none;

        uint64_t bnd = caps_mask(caps->bounding, last);
        uint64_t eff = caps_mask(caps->effective, last);
        uint64_t prm = caps_mask(caps->permitted, last);
        uint64_t inh = caps_mask(caps->inheritable, last);

        r = drop_bounding(bnd, last, err);
        if (r < 0)
                return r;
        if (user) {
                r = apply_user(user, err);
                if (r < 0)
                        return r;
        }
        r = set_caps(eff, prm, inh, last, err);
        if (r < 0)
                return r;
        return set_ambient(caps->ambient, prm, inh, last, err);
}
