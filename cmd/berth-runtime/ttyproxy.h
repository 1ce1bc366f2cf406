/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

/**
 * A terminal for a foreground `run` or `exec` without --console-socket, as
 * runc gives: a proxy process receives the container's PTY master over a
 * socketpair and copies between it and our stdin/stdout (stdin set raw when
 * it is a terminal, window size passed on, SIGWINCH followed).
 *
 * tty_proxy_start() returns the socket end to hand to the runtime as its
 * console fd; tty_proxy_finish() closes it and waits for the proxy, which
 * ends when the container's side of the PTY closes.
 */
int tty_proxy_start(pid_t *ret_pid);
void tty_proxy_finish(int sock, pid_t pid);
