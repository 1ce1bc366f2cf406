/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/**
 * berth-dns, the name resolver of a user-defined network (docs/NETWORKS.md,
 * "Names: berth-dns"): the DNS messages as pure functions (dns-msg.c), the
 * table of a network's names (dns-names.c), the host's nameservers
 * (dns-resolv.c), and starting the resolver on demand (dns-spawn.c). The
 * server itself, its sockets and loop, is cmd/berth-dns.
 *
 * Everything here reads bytes a container sent: every length is checked
 * before it is read, a name is at most 255 bytes on the wire with labels of
 * 1..63, a compression pointer must point before the name that holds it (no
 * loops, no forward pointers), a query has exactly one question.
 */

#define BERTH_DNS_PORT        53
#define BERTH_DNS_TTL         600
#define BERTH_DNS_HDR_LEN     12
#define BERTH_DNS_NAME_MAX    255   /* a name on the wire, its root byte included */
#define BERTH_DNS_UDP_MAX     512   /* our own answers over UDP (we do not speak EDNS) */
#define BERTH_DNS_QUERY_MAX   4096  /* a longer query is not answered */
#define BERTH_DNS_MSG_MAX     65535 /* a message over TCP (its 2-byte length) */
#define BERTH_DNS_RECORDS_MAX 65536 /* records of a names file; the rest are not read */
#define BERTH_DNS_LINE_MAX    1024  /* a longer line of a names file is skipped */
#define BERTH_DNS_SERVERS_MAX 3     /* nameservers of resolv.conf, as glibc's MAXNS */
#define BERTH_DNS_ADDRS_MAX   256   /* addresses of one name in an answer */

enum {
        BERTH_DNS_TYPE_A = 1,
        BERTH_DNS_TYPE_PTR = 12,
        BERTH_DNS_TYPE_AAAA = 28,
        BERTH_DNS_CLASS_IN = 1,
};

enum {
        BERTH_DNS_NOERROR = 0,
        BERTH_DNS_FORMERR = 1,
        BERTH_DNS_SERVFAIL = 2,
        BERTH_DNS_NXDOMAIN = 3,
        BERTH_DNS_NOTIMP = 4,
        BERTH_DNS_REFUSED = 5,
};

/* header flags (the second 16-bit word) */
#define BERTH_DNS_F_QR 0x8000
#define BERTH_DNS_F_AA 0x0400
#define BERTH_DNS_F_TC 0x0200
#define BERTH_DNS_F_RD 0x0100
#define BERTH_DNS_F_RA 0x0080

/* ---- names on the wire ---- */

/**
 * Read the name at *off of msg (len bytes), following compression pointers
 * (each must point before the label sequence it ends), into out in
 * uncompressed wire form (labels, then the root's 0), its length in
 * *out_len. *off moves past the name where it is (a pointer's 2 bytes).
 * -EBADMSG on anything malformed: a label past the end, a label of 64 or
 * more, the reserved label types, a loop or forward pointer, more than 255
 * bytes.
 */
int berth_dns_name_read(const uint8_t *msg, size_t len, size_t *off,
                        uint8_t out[BERTH_DNS_NAME_MAX], size_t *out_len);

/**
 * "web", "web." or "a.b.c" as a wire name (case kept). -EINVAL for an empty
 * label ("a..b", ".x"), a label over 63 bytes, a name over 255 on the wire;
 * "" and "." are the root. No escapes: a byte is itself.
 */
int berth_dns_name_from_text(const char *text, size_t len, uint8_t out[BERTH_DNS_NAME_MAX],
                             size_t *out_len);

/**
 * A wire name as text ("web.example", "." for the root): '.' and '\\' in a
 * label as "\\." and "\\\\", other bytes outside 0x21..0x7e as "\\DDD".
 * -ENAMETOOLONG if size is too small (4 * 255 + 1 always fits).
 */
int berth_dns_name_to_text(const uint8_t *wire, size_t len, char *out, size_t size);

/** Two wire names equal, ASCII letters of either case alike (as DNS compares). */
bool berth_dns_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/**
 * The address a reverse name stands for: "4.3.2.10.in-addr.arpa" →
 * AF_INET 10.2.3.4, 32 nibbles ".ip6.arpa" → AF_INET6 (either case).
 * -EINVAL for anything else (a partial name, a label that is not a byte or
 * a nibble).
 */
int berth_dns_ptr_addr(const uint8_t *wire, size_t len, int *family, uint8_t addr[16]);

/** The reverse name of an address (family AF_INET or AF_INET6), for tests and tools. */
int berth_dns_ptr_name(int family, const uint8_t *addr, uint8_t out[BERTH_DNS_NAME_MAX],
                       size_t *out_len);

/* ---- messages ---- */

/** The one question of a query, as received. */
typedef struct {
        uint16_t id;
        uint16_t flags;
        uint8_t qname[BERTH_DNS_NAME_MAX]; /* uncompressed wire form, case kept */
        size_t qname_len;
        uint16_t qtype, qclass;
} berth_dns_query;

/**
 * Parse a query. 0: *q holds its question. BERTH_DNS_FORMERR or
 * BERTH_DNS_NOTIMP: answer with berth_dns_error_build() (q->id and q->flags
 * are set). -1: not to be answered at all (shorter than a header, or a
 * response: answering those could make two servers bounce a packet forever).
 * FORMERR: a question count other than 1, a malformed name, a question cut
 * short. NOTIMP: an opcode other than QUERY.
 */
int berth_dns_query_parse(const uint8_t *msg, size_t len, berth_dns_query *q);

/** One answer record: its type and its data (A: 4 bytes, AAAA: 16, PTR: a wire name). */
typedef struct {
        uint16_t type;
        uint16_t rdlen;
        const uint8_t *rdata;
} berth_dns_rr;

/**
 * An answer to q into out (size bytes, at least BERTH_DNS_HDR_LEN + the
 * question): the header (q's id, QR, AA when authoritative, RD as asked, RA,
 * rcode), the question as asked, then the records of rrs (owner: a pointer
 * to the question's name, class IN, TTL BERTH_DNS_TTL) as many as fit; when
 * not all fit the answer says TC. Returns its length, 0 if not even the
 * question fits.
 */
size_t berth_dns_answer_build(const berth_dns_query *q, int rcode, bool authoritative,
                              const berth_dns_rr *rrs, size_t n, uint8_t *out, size_t size);

/**
 * An answer with only a header (no question): the query's id, opcode and
 * RD, QR, RA and rcode, all counts 0 (for a FORMERR or NOTIMP, whose
 * question may not parse). Needs 12 bytes of out; returns 12, 0 if size is
 * smaller.
 */
size_t berth_dns_error_build(const berth_dns_query *q, int rcode, uint8_t *out, size_t size);

/* ---- a network's names (DIR/names) ---- */

/** One line of the names file: its name (lowercase wire form, in the pool) and an address. */
typedef struct {
        uint32_t name_off; /* into berth_dns_names.pool */
        uint8_t name_len;
        uint8_t family; /* AF_INET or AF_INET6 */
        uint8_t addr[16];
} berth_dns_record;

typedef struct {
        berth_dns_record *recs;
        size_t n, cap;
        uint8_t *pool;
        size_t pool_len, pool_cap;
} berth_dns_names;

/**
 * Add one line ("NAME ADDRESS", blanks around and between; without its
 * newline). 1: added; 0: skipped (blank, '#' comment, malformed: no
 * address, a bad name or address, anything after the address, longer than
 * BERTH_DNS_LINE_MAX); -E2BIG: the table holds BERTH_DNS_RECORDS_MAX
 * already; -ENOMEM.
 */
int berth_dns_names_add_line(berth_dns_names *t, const char *line, size_t len);
/** The table of a whole text (lines as berth_dns_names_add_line takes them). 0 or -ENOMEM. */
int berth_dns_names_parse(berth_dns_names *t, const char *text, size_t len);
/** Read the names file open at fd (in pieces: its size is not held at once) into t. */
int berth_dns_names_read(berth_dns_names *t, int fd);
/** Empty t (its memory freed). */
void berth_dns_names_clear(berth_dns_names *t);

/**
 * The answer for q if the names of t make one, into out (size bytes):
 * A or AAAA of a known name (every address of its family, up to
 * BERTH_DNS_ADDRS_MAX and what fits; NOERROR without
 * records if it has none of that family), PTR of a known address (the
 * first line's name for it). Returns its length; 0 when q is not ours
 * (an unknown name or address, another type or class): forward it.
 */
size_t berth_dns_answer_local(const berth_dns_names *t, const berth_dns_query *q, uint8_t *out,
                              size_t size);

/* ---- the host's nameservers ---- */

typedef struct {
        struct sockaddr_storage addr;
        socklen_t len;
} berth_dns_server;

/**
 * The nameservers of a resolv.conf text: "nameserver ADDR" lines (IPv4, or
 * IPv6 with an optional %zone), at most BERTH_DNS_SERVERS_MAX, port port,
 * in their order, into out. Returns how many.
 */
size_t berth_dns_resolv_parse(const char *text, size_t len, uint16_t port,
                              berth_dns_server out[BERTH_DNS_SERVERS_MAX]);

/* ---- starting berth-dns ---- */

/**
 * Make sure the resolver of the network whose directory is dir runs:
 * when DIR/dns.lock is held, one does; otherwise start program (a path of
 * berth-dns, berth_program_path("berth-dns", "BERTH_DNS"); it and dir absolute) on
 * listen[0..n) (IPv4 or IPv6 addresses as text)
 * in a session of its own (forked twice: it outlives the caller), and wait
 * for it to say it listens. Two callers at once start two, and one of them
 * ends at once: the lock decides. 0, or -errno with berth-dns's own message.
 */
int berth_dns_ensure(const char *program, const char *dir, const char *const *listen, size_t n,
                     berth_error *err);
