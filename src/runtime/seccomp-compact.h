/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <linux/filter.h>
#include <stddef.h>

/*
 * A seccomp program (classic BPF over struct seccomp_data) rewritten to
 * dispatch on the architecture and the syscall number by ranges.
 *
 * libseccomp compares the number against every syscall of the profile one
 * by one (~1250 instructions for Docker's default profile on x86-64), and
 * the kernel checks, converts and JIT-compiles all of them at each attach:
 * ~0.35 ms of every container start and every exec here. Runs of numbers
 * with one outcome become one range, and the same program is a few hundred
 * instructions.
 *
 * The rewrite keeps the program's meaning for every input, by construction:
 * all constants the number and the architecture are compared with cut their
 * 32-bit domains into intervals on which the program takes one path up to
 * its first look at anything else; each cell (architecture interval × number
 * interval) is run once, and ends either in a return (the cell's outcome) or
 * at a load of the instruction pointer or an argument — from there on the
 * original instructions are copied as they are. Programs that do anything
 * else with the number or the architecture (arithmetic, bit tests) or use
 * the X register or scratch memory are not rewritten: -ENOTSUP; nor are
 * those whose cells would take long to run (cells × instructions > 2^28).
 *
 * Returns 0 and a new program in *ret / *ret_n (to free; a small program
 * may come out no smaller: the caller keeps the shorter), or a negative
 * errno: -ENOTSUP (the original is to be used as it is), -EINVAL (not a
 * well-formed program), -E2BIG (longer than a filter may be).
 */
int berth_seccomp_compact(const struct sock_filter *prog, size_t n, struct sock_filter **ret,
                          size_t *ret_n);
