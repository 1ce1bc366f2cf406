/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz berth-dns's message code (src/net/dns*.c) with what a container may
 * send: the input as a query, answered from a fixed table of names (every
 * answer fits its buffer, parses back as a response to that query, with its
 * question as asked); every offset of it read as a possibly compressed name
 * (never more than 255 bytes, and its text form fits); a reverse name that
 * parses gives the address whose reverse name it is; the same bytes as a
 * names file and as a resolv.conf.
 */
#include "net/dns.h"

#include <stdlib.h>
#include <string.h>

const char *berth_fuzz_target_name = "fuzz-dns";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char names_text[] = "web 10.88.0.2\nweb fd00::2\nalias 10.88.0.2\n"
                                 "db 10.88.0.3\nv6 fd00::3\n2.0.88.10.in-addr.arpa 10.88.0.9\n";

static uint16_t get16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void check_answer(const berth_dns_query *q, const uint8_t *out, size_t n, size_t size)
{
        if (n == 0)
                return;
        if (n > size || n < BERTH_DNS_HDR_LEN || get16(out) != q->id ||
            !(get16(out + 2) & BERTH_DNS_F_QR))
                abort();
        if (get16(out + 4) == 0)
                return; /* FORMERR, NOTIMP: a header alone */
        size_t off = BERTH_DNS_HDR_LEN;
        uint8_t w[BERTH_DNS_NAME_MAX];
        size_t wl;
        if (berth_dns_name_read(out, n, &off, w, &wl) < 0 || wl != q->qname_len ||
            memcmp(w, q->qname, wl) != 0)
                abort();
        /* every answer record's owner and data are in bounds */
        off += 4;
        for (unsigned i = 0; i < get16(out + 6); i++) {
                if (berth_dns_name_read(out, n, &off, w, &wl) < 0 || off + 10 > n)
                        abort();
                size_t rdlen = get16(out + off + 8);
                off += 10 + rdlen;
                if (off > n)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static berth_dns_names table;
        if (table.n == 0 && berth_dns_names_parse(&table, names_text, strlen(names_text)) < 0)
                abort();
        if (size > BERTH_DNS_MSG_MAX)
                return 0;

        berth_dns_query q;
        uint8_t out[BERTH_DNS_UDP_MAX];
        int rc = berth_dns_query_parse(data, size, &q);
        if (rc > 0)
                check_answer(&q, out, berth_dns_error_build(&q, rc, out, sizeof(out)), sizeof(out));
        if (rc == 0) {
                if (q.qname_len == 0 || q.qname_len > BERTH_DNS_NAME_MAX)
                        abort();
                check_answer(&q, out, berth_dns_answer_local(&table, &q, out, sizeof(out)),
                             sizeof(out));
                check_answer(&q, out,
                             berth_dns_answer_build(&q, BERTH_DNS_SERVFAIL, false, NULL, 0, out,
                                                    sizeof(out)),
                             sizeof(out));
                int family;
                uint8_t addr[16], w[BERTH_DNS_NAME_MAX];
                size_t wl;
                if (berth_dns_ptr_addr(q.qname, q.qname_len, &family, addr) == 0 &&
                    (berth_dns_ptr_name(family, addr, w, &wl) < 0 ||
                     !berth_dns_name_equal(w, wl, q.qname, q.qname_len)))
                        abort();
        }

        /* every offset as a name */
        for (size_t off0 = 0; off0 < size && off0 < 512; off0++) {
                size_t off = off0, wl;
                uint8_t w[BERTH_DNS_NAME_MAX];
                char text[4 * BERTH_DNS_NAME_MAX + 1];
                if (berth_dns_name_read(data, size, &off, w, &wl) < 0)
                        continue;
                if (wl == 0 || wl > BERTH_DNS_NAME_MAX || off > size || off <= off0 ||
                    berth_dns_name_to_text(w, wl, text, sizeof(text)) < 0)
                        abort();
        }

        /* the bytes as a names file and as a resolv.conf */
        berth_dns_names t = {0};
        if (berth_dns_names_parse(&t, (const char *)data, size) < 0)
                abort();
        for (size_t i = 0; i < t.n; i++)
                if (t.recs[i].name_len < 2 || t.recs[i].name_off + t.recs[i].name_len > t.pool_len)
                        abort();
        berth_dns_names_clear(&t);
        berth_dns_server s[BERTH_DNS_SERVERS_MAX];
        if (berth_dns_resolv_parse((const char *)data, size, 53, s) > BERTH_DNS_SERVERS_MAX)
                abort();
        return 0;
}
