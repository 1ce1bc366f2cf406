/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/**
 * Numbers as the docker CLI prints them (its go-units package):
 * sizes in decimal units with 3 significant digits ("4.26MB", "724kB",
 * "0B"), durations in words ("Less than a second", "About a minute",
 * "3 weeks").
 */
void berth_human_size(int64_t bytes, char *buf, size_t bufsz);
void berth_human_duration(int64_t seconds, char *buf, size_t bufsz);
/** "2026-11-24T12:00:00.123Z" (RFC 3339) → unix seconds; -1 on garbage. */
int64_t berth_parse_rfc3339(const char *s);
