/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <stddef.h>

/**
 * Messages between the runtime and the container's setup processes, over a
 * SOCK_SEQPACKET socketpair: one message per packet, so a dying peer shows
 * as EOF, never as a half message. The child reports failures as
 * SYNC_ERROR with its berth_error text; the parent turns it back into a
 * berth_error.
 */
enum sync_type {
        SYNC_USERNS = 1, /* child → parent: user ns made, write the id maps */
        SYNC_USERNS_DONE,
        SYNC_PID,            /* child → parent: value = the container init's pid */
        SYNC_HOOKS,          /* init → parent: namespaces made, run createRuntime hooks */
        SYNC_GO,             /* parent → child: carry on */
        SYNC_READY,          /* init → parent: all set, waiting on exec.fifo */
        SYNC_ERROR,          /* child → parent: value = errno, text = message */
        SYNC_SECCOMP_NOTIFY, /* init → parent: notify fd follows (SCM_RIGHTS) */
};

struct sync_msg {
        int type;
        int value;
        char text[16384];
};

int sync_send(int fd, int type, int value, const char *text);
/** Receive one message; -EPIPE on EOF. */
int sync_recv(int fd, struct sync_msg *m);
/** Send a message carrying passfd (SCM_RIGHTS). */
int sync_send_fd(int fd, int type, int passfd);
/** Receive one message and the fd it carries, if any (*ret_fd = -1 when none). */
int sync_recv_fd(int fd, struct sync_msg *m, int *ret_fd);
/**
 * Receive a message of the given type. A SYNC_ERROR from the child becomes
 * *err with its text; EOF becomes "the container's init exited during setup".
 */
int sync_expect(int fd, int type, struct sync_msg *m, berth_error *err);
/** Report err to the parent and exit the child. */
_Noreturn void sync_fail(int fd, const berth_error *err);

/** Send/receive one fd with SCM_RIGHTS, with text as the payload. */
int berth_send_fd(int sock, int fd, const char *text);
int berth_recv_fd(int sock, char *text, size_t textsz);
