/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

/**
 * Numbers as the docker CLI prints them (its go-units package):
 * sizes in decimal units with 3 significant digits ("4.26MB", "724kB",
 * "0B"), durations in words ("Less than a second", "About a minute",
 * "3 weeks").
 */
void berth_human_size(int64_t bytes, char *buf, size_t bufsz);
/** go-units HumanSizeWithPrecision: decimal units with precision significant digits
 * (HumanSize, as prune's "Total reclaimed space" prints, is precision 4: "1.235MB"). */
void berth_human_size_prec(double bytes, int precision, char *buf, size_t bufsz);
/** go-units BytesSize: binary units, 4 significant digits ("1.5MiB", "7.637GiB", "0B"),
 * as `stats` prints memory. */
void berth_bytes_size(double bytes, char *buf, size_t bufsz);
void berth_human_duration(int64_t seconds, char *buf, size_t bufsz);
/** "2026-11-24T12:00:00.123Z" (RFC 3339) → unix seconds; -1 on garbage. */
int64_t berth_parse_rfc3339(const char *s);
/** Now, UTC, as RFC 3339 with nanoseconds ("2026-11-24T12:00:00.123456789Z"); caller frees. */
char *berth_now_rfc3339(void);

/**
 * A Go duration string, as Go's time.ParseDuration reads it and so as
 * docker's --health-interval and friends take it: an optional sign, then
 * one or more decimal numbers each with a unit ("ns", "us", "µs", "μs",
 * "ms", "s", "m", "h"): "1m30s", "500ms", "1.5h", "-2s". A bare "0" is
 * zero. *ret_ns gets nanoseconds. On garbage or overflow: -EINVAL and Go's
 * message in *err: `time: invalid duration "x"`, `time: missing unit in
 * duration "1"`, `time: unknown unit "d" in duration "1d"`.
 */
int berth_parse_go_duration(const char *s, int64_t *ret_ns, berth_error *err);
/** The other way, as Go's Duration.String writes one: "30s", "1m0s", "1h2m3.5s", "500ms",
 * "1.5µs", "0s". bufsz of 32 is always enough. */
void berth_format_go_duration(int64_t ns, char *buf, size_t bufsz);

/**
 * A size as docker's RAMInBytes reads it (--memory, --shm-size, tmpfs-size):
 * a non-negative decimal number, then an optional suffix b, k, m, g, t or p
 * (powers of 1024, any case) with an optional trailing "b" or "ib" ("512m",
 * "1.5g", "2GiB", "1024", "10 MB"). *ret gets bytes (fractions truncated).
 * On garbage: -EINVAL with docker's message (`invalid size: 'abc'`,
 * `invalid suffix: 'x'`, `strconv.ParseFloat: parsing "1.2.3": invalid syntax`).
 */
int berth_parse_ram_bytes(const char *s, int64_t *ret, berth_error *err);
