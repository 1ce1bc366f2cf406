/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * IP address management, as Docker's default IPAM does it: subnets written
 * "10.1.0.0/16" or "fd00::/64", a gateway (the first host address unless
 * given), an optional --ip-range inside the subnet, auxiliary addresses kept
 * out of use, and addresses handed out lowest first. Pure functions over
 * addresses; what is leased where is the caller's (berth.db).
 */
#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct {
        int family;       /* AF_INET or AF_INET6 */
        uint8_t addr[16]; /* network byte order; 4 bytes for AF_INET */
        unsigned len;     /* prefix length */
} berth_prefix;

typedef struct {
        int family;
        uint8_t addr[16];
} berth_ip;

/** "10.1.0.0/16" → *ret. Host bits set are refused with Docker's words ("invalid subnet
 * 10.1.0.1/16: it should be 10.1.0.0/16"); a bad text is -EINVAL. */
int berth_prefix_parse(const char *s, berth_prefix *ret, berth_error *err);
/** "10.1.0.1" or "fd00::1" → *ret; -EINVAL otherwise. */
int berth_ip_parse(const char *s, berth_ip *ret, berth_error *err);
/** Text forms (buf at least 64 bytes). */
const char *berth_prefix_str(const berth_prefix *p, char *buf, size_t n);
const char *berth_ip_str(const berth_ip *ip, char *buf, size_t n);

bool berth_prefix_contains(const berth_prefix *p, const berth_ip *ip);
/** Whether a and b share any address (same family). */
bool berth_prefix_overlaps(const berth_prefix *a, const berth_prefix *b);
bool berth_ip_equal(const berth_ip *a, const berth_ip *b);

/** The subnet's first host address (Docker's default gateway); -ENOSPC when it has none. */
int berth_prefix_first_host(const berth_prefix *p, berth_ip *ret, berth_error *err);

/* Whether an address may be handed out (used by berth_ipam_next). */
typedef bool (*berth_ip_taken_fn)(const berth_ip *ip, void *userdata);

/**
 * The lowest address of range (the subnet, or --ip-range inside it) that is a
 * host address of subnet (not its network address, nor for IPv4 its
 * broadcast), not the gateway, not one of reserved (n), and not taken().
 * -ENOSPC (Docker's "no available addresses on this pool") when none is left.
 */
int berth_ipam_next(const berth_prefix *subnet, const berth_prefix *range, const berth_ip *gateway,
                    const berth_ip *reserved, size_t n, berth_ip_taken_fn taken, void *userdata,
                    berth_ip *ret, berth_error *err);

/**
 * Docker's default address pools, in order: 172.17.0.0/16 … 172.31.0.0/16, then
 * 192.168.0.0/16 cut into /20s. *ret the first that overlaps none of in_use (n: the
 * subnets of other networks, and the host's own addresses and routes); -ENOSPC ("could
 * not find an available, non-overlapping IPv4 address pool") when all do.
 */
int berth_ipam_pool_pick(const berth_prefix *in_use, size_t n, berth_prefix *ret, berth_error *err);

/**
 * Docker's default IPv6 pool (Docker 27 and later): a unique local /48 of this host —
 * fd00::/8 and a 40-bit global ID, the low 40 bits of the first eight bytes of
 * sha256(host_id) (RFC 4193's idea) — cut into /64s. *ret the first /64 that overlaps none
 * of in_use (n); -ENOSPC ("could not find an available, non-overlapping IPv6 address pool")
 * when all 65536 do.
 */
int berth_ipam_pool6_pick(const char *host_id, const berth_prefix *in_use, size_t n,
                          berth_prefix *ret, berth_error *err);

/** The host's IPv4 and IPv6 interface addresses and routes, as prefixes (caller frees). */
int berth_ipam_host_prefixes(berth_prefix **ret, size_t *ret_n, berth_error *err);
