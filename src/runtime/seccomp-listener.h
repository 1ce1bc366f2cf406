/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "oci/spec.h"
#include "sync.h"

#include <sys/types.h>

/**
 * Wait for the container process's SYNC_READY on the sync socket. If it
 * first sends its seccomp notify fd (SYNC_SECCOMP_NOTIFY, a filter with
 * SCMP_ACT_NOTIFY), hand that fd to the agent at seccomp.listenerPath with
 * the runtime spec's containerProcessState JSON (ociVersion, fds
 * ["seccompFd"], pid, metadata, state) as the message, as runc and crun do.
 */
int berth_wait_ready(int sync_fd, const oci_spec *spec, pid_t pid, const char *state_json,
                     berth_error *err);
