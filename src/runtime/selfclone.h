/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/**
 * Re-exec the running binary from a sealed memfd copy, unless it already
 * runs from one. A process in a container can then reach only that copy
 * through /proc/<pid>/exe (the CVE-2019-5736 class): the host's binary is
 * never exposed. Returns only on failure (negative errno) or when already
 * sealed (0).
 */
int berth_selfclone_ensure(char **argv);
