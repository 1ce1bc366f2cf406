/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sched.h>
#include <stddef.h>

/**
 * A list of CPUs as the kernel and the OCI spec write it ("0-3,7": numbers and ranges, comma
 * separated) into *ret. -EINVAL for anything else (empty, a reversed range, a number past
 * CPU_SETSIZE).
 */
int berth_cpulist_parse(const char *s, cpu_set_t *ret);

/** set as such a list into buf ("" for no CPU); -ENOSPC if it does not fit in n. */
int berth_cpulist_format(const cpu_set_t *set, char *buf, size_t n);
