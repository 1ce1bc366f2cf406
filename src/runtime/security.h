/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
/* gnu11 predefines "linux" as 1, which breaks oci_spec's "linux" member. */
#undef linux
#include "oci/spec.h"

#include <stdbool.h>

/**
 * What the container's own process gets applied to it in its last steps
 * before exec: user and groups, capabilities, rlimits, no_new_privs,
 * seccomp, personality. These run inside the container (after pivot_root)
 * in the calling process; they do not fork.
 *
 * Order used by the runtime, as in runc:
 *   berth_rlimits_apply()            (while still privileged)
 *   berth_seccomp_compile()          (may be done early, before pivot_root)
 *   if !no_new_privileges: berth_seccomp_install()   (needs CAP_SYS_ADMIN)
 *   berth_user_and_caps_apply()      (setgroups/setgid/setuid keeping caps,
 *                                     then the five capability sets)
 *   if no_new_privileges: prctl(PR_SET_NO_NEW_PRIVS) + berth_seccomp_install()
 *   execve()
 */

/** setrlimit each entry; EPERM names the limit. */
int berth_rlimits_apply(const oci_rlimit *r, size_t n, berth_error *err);

/** "RLIMIT_NOFILE" for RLIMIT_NOFILE, NULL for a number it does not know. */
const char *berth_rlimit_name(int resource);

/**
 * setgroups(additional gids) (skipped where setgroups is denied), setresgid,
 * setresuid with PR_SET_KEEPCAPS so capabilities survive, umask if set, then
 * capabilities: drop from the bounding set everything not in caps->bounding,
 * set permitted/effective/inheritable with capset, raise each ambient cap.
 * caps NULL: all capabilities are dropped (as a config with no
 * "capabilities" asks). Names the kernel does not know are skipped.
 */
int berth_user_and_caps_apply(const oci_user *user, const oci_caps *caps, berth_error *err);

/** Capability number for "CAP_SYS_ADMIN", or -1. */
int berth_cap_from_name(const char *name);

typedef struct berth_seccomp berth_seccomp;

/**
 * Build the filter from the config: every action (kill, kill_process,
 * kill_thread, trap, errno with errnoRet (default EPERM), trace, allow,
 * log, notify), argument filters (several args on the same index become
 * separate rules), architectures, flags (SECCOMP_FILTER_FLAG_LOG,
 * _SPEC_ALLOW, _WAIT_KILLABLE_RECV where supported). Unknown syscall names
 * are skipped (as runc does); an unknown action or architecture is an error.
 */
int berth_seccomp_compile(const oci_seccomp *s, berth_seccomp **ret, berth_error *err);
/**
 * Load the filter into the calling process. If the config asks for a
 * listener (SCMP_ACT_NOTIFY), *ret_notify_fd receives the notify fd, else -1.
 * The fd (O_CLOEXEC) belongs to the caller, who sends it to listenerPath.
 * Can be called after pivot_root: it reads no files.
 */
int berth_seccomp_install(berth_seccomp *sc, int *ret_notify_fd, berth_error *err);
void berth_seccomp_free(berth_seccomp *sc);
/**
 * berth_seccomp_compile(), through a cache of compiled programs in cache_dir
 * (NULL: no cache): a profile seen before loads as its BPF program, without
 * libseccomp. Filters with a notify rule always compile.
 */
int berth_seccomp_prepare(const oci_seccomp *s, const char *cache_dir, berth_seccomp **ret,
                          berth_error *err);
/** Whether a compiled filter has an SCMP_ACT_NOTIFY rule (so install yields a listener fd). */
bool berth_seccomp_has_notify(const berth_seccomp *sc);

/** personality(2) for the config's domain (LINUX or LINUX32). */
int berth_personality_apply(unsigned long persona, berth_error *err);
