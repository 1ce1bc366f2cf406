/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by the files of the image service (images.c, check.c) only. */
#include "images.h"

/** berth_images_gc() for a caller that already holds the collect lock. */
int images_gc_locked(berth_images *im, uint64_t *ret_freed, berth_error *err);
