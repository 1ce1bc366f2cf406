/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>

/**
 * Docker's detach keys (--detach-keys, DetachKeys): comma-separated items,
 * each one character (that byte), "ctrl-@", "ctrl-a"…"ctrl-z", "ctrl-[",
 * "ctrl-\", "ctrl-]", "ctrl-^", "ctrl-_" (bytes 0–31) or "DEL" (127), as
 * moby/term reads them (case-sensitive). The default is "ctrl-p,ctrl-q".
 *
 * A berth_detach_keys is also the matcher an attach stream runs its stdin
 * through (berth_detach_keys_feed): bytes that may begin the sequence are
 * held back until it is complete (they are dropped: the user detaches) or
 * broken (they go on), as Docker's escape proxy does.
 */
#define BERTH_DETACH_KEYS_MAX     32
#define BERTH_DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"

typedef struct {
        unsigned char seq[BERTH_DETACH_KEYS_MAX];
        size_t len;
        size_t matched; /* how much of seq the input has typed so far */
} berth_detach_keys;

/**
 * Parse spec (NULL or "": the default) into *ret. A bad spec is -EINVAL with
 * dockerd's message "Invalid detach keys (<spec>) provided"; *ret_unknown
 * (optional, caller frees) is then the item that is no key, for the docker
 * CLI's "Unknown character: '<item>'".
 */
int berth_detach_keys_parse(const char *spec, berth_detach_keys *ret, char **ret_unknown,
                            berth_error *err);

/**
 * Run n bytes of input through the matcher: out (room for n +
 * BERTH_DETACH_KEYS_MAX bytes) gets what is to go on to the process,
 * *ret_len its length. True when the sequence has been typed: out then
 * holds what came before it, and what came after it is dropped.
 */
bool berth_detach_keys_feed(berth_detach_keys *k, const void *in, size_t n, void *out,
                            size_t *ret_len);
