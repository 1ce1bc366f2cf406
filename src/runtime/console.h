/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "oci/spec.h"

/**
 * Make a PTY for the container's process, from inside the container (its
 * /dev/pts): send the master to sock (the --console-socket connection)
 * with SCM_RIGHTS, make the slave the controlling terminal and stdio of the
 * calling process (which must be able to setsid), and when bind_console is
 * set, bind the slave over /dev/console.
 */
int berth_console_setup(int sock, const oci_process *p, bool bind_console, berth_error *err);
/**
 * The two halves of berth_console_setup(), for a process that makes the PTY
 * and then a child that takes it (exec: stage 1 makes it, stage 2 is the
 * process): berth_console_open() makes the PTY, sends the master and returns
 * the slave; berth_console_take() makes it the controlling terminal and
 * stdio of the caller (after setsid) and closes it.
 */
int berth_console_open(int sock, const oci_process *p, bool bind_console, berth_error *err);
int berth_console_take(int slave, berth_error *err);

/** Connect to a unix socket path (SOCK_STREAM); returns the fd. */
int berth_unix_connect(const char *path, berth_error *err);
