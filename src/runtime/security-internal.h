/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "runtime/security.h"

#include <stddef.h>

/* seccomp.c ↔ seccomp-cache.c: a filter as a libseccomp context and/or a BPF program. */
int berth_seccomp_export(berth_seccomp *sc, int fd);
/** Take prog (malloc'd) as the program to install. */
void berth_seccomp_set_program(berth_seccomp *sc, char *prog, size_t len);
size_t berth_seccomp_program(const berth_seccomp *sc, const char **ret);
/** A filter that is only a program (from the cache); flags come from s. */
berth_seccomp *berth_seccomp_from_program(char *prog, size_t len, const oci_seccomp *s);
