/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The attach handle's insides, shared by its two kinds (attach.c: a monitor's
 * frames; exec-tty.c: an exec's PTY master). */
#include "engine/attach.h"
#include "engine/detach-keys.h"

#include <sys/types.h>

typedef struct {
        int (*read)(berth_attach *h, berth_attach_frame *ret, berth_error *err);
        int (*send)(berth_attach *h, const void *data, size_t len, berth_error *err);
        int (*close_stdin)(berth_attach *h, berth_error *err);
        int (*resize)(berth_attach *h, unsigned rows, unsigned cols, berth_error *err);
        void (*detach)(berth_attach *h); /* closing before the end; fd is closed after it */
} attach_ops;

struct berth_attach {
        const attach_ops *ops;
        berth_engine *e;
        int fd;
        bool tty, stdin_on, keys_on, ended;
        berth_detach_keys keys;
        /* a container's stream */
        char *container;
        bool remove;
        /* an exec's */
        char *exec_id, *pid_file;
        pid_t runtime; /* berth-runtime exec, which waits for the process */
};

/** o's detach keys, checked before anything is started or connected: -EINVAL, dockerd's text. */
int attach_check_keys(const berth_attach_opts *o, berth_error *err);
/** A handle of ops on fd (taken), the detach keys parsed from o. */
int attach_new(berth_engine *e, const attach_ops *ops, int fd, bool tty, const berth_attach_opts *o,
               berth_attach **ret, berth_error *err);
