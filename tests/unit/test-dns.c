/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-dns's message code (src/net/dns*.c): names on the wire and as text,
 * compression (and its loops), queries in, answers out (A, AAAA, PTR, TC),
 * malformed queries, the names file and resolv.conf.
 */
#include "net/dns.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint16_t get16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

/* A query for name (text) of type, id 0x1234, RD; its length. */
static size_t make_query(uint8_t *buf, const char *name, uint16_t type)
{
        static const uint8_t hdr[12] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
        memcpy(buf, hdr, 12);
        size_t wl;
        if (berth_dns_name_from_text(name, strlen(name), buf + 12, &wl) < 0)
                return 0;
        buf[12 + wl] = (uint8_t)(type >> 8);
        buf[13 + wl] = (uint8_t)type;
        buf[14 + wl] = 0;
        buf[15 + wl] = 1;
        return 16 + wl;
}

/* The text of the wire name at off of msg (following pointers), or "(bad)". */
static const char *name_at(const uint8_t *msg, size_t len, size_t *off)
{
        static char text[1100];
        uint8_t wire[BERTH_DNS_NAME_MAX];
        size_t wl;
        if (berth_dns_name_read(msg, len, off, wire, &wl) < 0 ||
            berth_dns_name_to_text(wire, wl, text, sizeof(text)) < 0)
                return "(bad)";
        return text;
}

static void test_names_text(void)
{
        uint8_t w[BERTH_DNS_NAME_MAX];
        size_t wl;
        char t[1100];
        ok(berth_dns_name_from_text("Web.Example.", 12, w, &wl) == 0 && wl == 13 &&
               memcmp(w, "\3Web\7Example\0", 13) == 0,
           "a name with a trailing dot to the wire, case kept");
        ok(berth_dns_name_to_text(w, wl, t, sizeof(t)) == 0 && strcmp(t, "Web.Example") == 0,
           "and back to text");
        ok(berth_dns_name_from_text("", 0, w, &wl) == 0 && wl == 1 && w[0] == 0,
           "\"\" is the root");
        ok(berth_dns_name_from_text(".", 1, w, &wl) == 0 && wl == 1, "\".\" is the root");
        ok(berth_dns_name_to_text(w, wl, t, sizeof(t)) == 0 && strcmp(t, ".") == 0,
           "the root as text is \".\"");
        is_int(berth_dns_name_from_text("a..b", 4, w, &wl), -EINVAL, "an empty label is refused");
        is_int(berth_dns_name_from_text(".a", 2, w, &wl), -EINVAL, "a leading dot is refused");
        is_int(berth_dns_name_from_text("a..", 3, w, &wl), -EINVAL,
               "two trailing dots are refused");
        char l64[65];
        memset(l64, 'x', 64);
        l64[64] = '\0';
        is_int(berth_dns_name_from_text(l64, 64, w, &wl), -EINVAL, "a label of 64 is refused");
        ok(berth_dns_name_from_text(l64, 63, w, &wl) == 0 && wl == 65, "a label of 63 is taken");
        /* 4 labels of 63: 4 * 64 + 1 = 257 bytes on the wire */
        char big[300];
        snprintf(big, sizeof(big), "%.63s.%.63s.%.63s.%.63s", l64, l64, l64, l64);
        is_int(berth_dns_name_from_text(big, strlen(big), w, &wl), -EINVAL,
               "a name over 255 bytes on the wire is refused");
        snprintf(big, sizeof(big), "%.63s.%.63s.%.63s.%.61s", l64, l64, l64, l64);
        ok(berth_dns_name_from_text(big, strlen(big), w, &wl) == 0 && wl == 255,
           "a name of exactly 255 bytes is taken");
        const uint8_t odd[] = {3, 'a', '.', 0x07, 1, '\\', 0};
        ok(berth_dns_name_to_text(odd, sizeof(odd), t, sizeof(t)) == 0 &&
               strcmp(t, "a\\.\\007.\\\\") == 0,
           "dots, backslashes and control bytes in labels are escaped (%s)", t);
        ok(berth_dns_name_to_text(w, wl, t, 10) == -ENAMETOOLONG, "a small buffer is refused");
        ok(berth_dns_name_equal((const uint8_t *)"\3WeB\0", 5, (const uint8_t *)"\3web\0", 5),
           "names compare without case");
        ok(!berth_dns_name_equal((const uint8_t *)"\3wec\0", 5, (const uint8_t *)"\3web\0", 5),
           "different names differ");
}

static void test_compression(void)
{
        /* header, then "\3www\7example\3com\0" at 12, then names pointing back */
        uint8_t m[128] = {0};
        size_t n = 12;
        memcpy(m + n, "\3www\7example\3com\0", 17);
        n += 17;
        size_t ptr_full = n; /* a pointer to the whole name */
        m[n++] = 0xc0;
        m[n++] = 12;
        size_t ptr_part = n; /* "mail" + pointer to "example.com" (at 16) */
        memcpy(m + n, "\4mail\xc0\x10", 7);
        n += 7;
        size_t off = ptr_full;
        is_str(name_at(m, n, &off), "www.example.com", "a pointer to an earlier name is followed");
        is_int(off, ptr_full + 2, "and the offset moves past the pointer only");
        off = ptr_part;
        is_str(name_at(m, n, &off), "mail.example.com", "labels then a pointer");
        is_int(off, ptr_part + 7, "the offset ends after the pointer");
        /* a pointer to itself, one forward, and a loop of two */
        uint8_t self[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 12};
        off = 12;
        is_str(name_at(self, sizeof(self), &off), "(bad)", "a pointer to itself is refused");
        uint8_t fwd[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 14, 1, 'a', 0};
        off = 12;
        is_str(name_at(fwd, sizeof(fwd), &off), "(bad)", "a forward pointer is refused");
        /* 12: "a" then pointer to 16; 16: "b" then pointer to 12: b's pointer goes back, but
         * not before the sequence that began at 16 reached from 12 */
        uint8_t loop[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 16, 1, 'b', 0xc0, 12};
        off = 12;
        is_str(name_at(loop, sizeof(loop), &off), "(bad)", "a loop through two names is refused");
        off = 16;
        is_str(name_at(loop, sizeof(loop), &off), "(bad)", "from either end");
        uint8_t cut[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 'a', 'b'};
        off = 12;
        is_str(name_at(cut, sizeof(cut), &off), "(bad)", "a label past the end is refused");
        uint8_t half[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0};
        off = 12;
        is_str(name_at(half, sizeof(half), &off), "(bad)", "half a pointer is refused");
        uint8_t ext[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0};
        off = 12;
        is_str(name_at(ext, sizeof(ext), &off), "(bad)", "the extended label types are refused");
        /* a name that grows past 255 through pointers: 63-byte labels, each pointing back to
         * the one before it */
        uint8_t lng[12 + 65 + 4 * 66] = {0};
        size_t p = 12, prev = 0;
        for (int i = 0; i < 5; i++) {
                lng[p] = 63;
                memset(lng + p + 1, 'x', 63);
                if (i == 0) {
                        lng[p + 64] = 0;
                        prev = p;
                        p += 65;
                        continue;
                }
                lng[p + 64] = (uint8_t)(0xc0 | prev >> 8);
                lng[p + 65] = (uint8_t)prev;
                prev = p;
                p += 66;
        }
        off = 12 + 65 + 66; /* three labels: 193 bytes, fine */
        ok(strlen(name_at(lng, p, &off)) == 3 * 63 + 2, "three 63-byte labels through pointers");
        off = prev;
        is_str(name_at(lng, p, &off), "(bad)", "five: over 255 bytes, refused");
}

static void test_ptr(void)
{
        uint8_t w[BERTH_DNS_NAME_MAX], a[16];
        size_t wl;
        int fam;
        const char *v4 = "4.3.2.10.In-Addr.Arpa";
        ok(berth_dns_name_from_text(v4, strlen(v4), w, &wl) == 0 &&
               berth_dns_ptr_addr(w, wl, &fam, a) == 0 && fam == AF_INET &&
               memcmp(a, "\x0a\x02\x03\x04", 4) == 0,
           "in-addr.arpa to an IPv4 address, any case");
        uint8_t back[BERTH_DNS_NAME_MAX];
        size_t bl;
        ok(berth_dns_ptr_name(AF_INET, a, back, &bl) == 0 && berth_dns_name_equal(w, wl, back, bl),
           "and the address's reverse name is the same");
        uint8_t six[16];
        inet_pton(AF_INET6, "fd00:1::2", six);
        ok(berth_dns_ptr_name(AF_INET6, six, w, &wl) == 0 && wl == 32 * 2 + 10 &&
               berth_dns_ptr_addr(w, wl, &fam, a) == 0 && fam == AF_INET6 &&
               memcmp(a, six, 16) == 0,
           "ip6.arpa round trip");
        char t[200];
        berth_dns_name_to_text(w, wl, t, sizeof(t));
        is_str(t, "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa",
               "the ip6.arpa name");
        const char *bad[] = {"3.2.10.in-addr.arpa",       "04.3.2.10.in-addr.arpa",
                             "256.3.2.10.in-addr.arpa",   "a.3.2.10.in-addr.arpa",
                             "4.3.2.10.in-addr.arpa.com", "1.0.ip6.arpa",
                             "4.3.2.1.0.in-addr.arpa",    "in-addr.arpa"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ok(berth_dns_name_from_text(bad[i], strlen(bad[i]), w, &wl) == 0 &&
                       berth_dns_ptr_addr(w, wl, &fam, a) == -EINVAL,
                   "not a reverse name: %s", bad[i]);
}

static void test_query_parse(void)
{
        uint8_t m[300];
        berth_dns_query q;
        size_t n = make_query(m, "Web", BERTH_DNS_TYPE_A);
        ok(berth_dns_query_parse(m, n, &q) == 0 && q.id == 0x1234 && q.qtype == 1 &&
               q.qclass == 1 && q.qname_len == 5 && memcmp(q.qname, "\3Web\0", 5) == 0,
           "a query parses: id, name as sent, type, class");
        is_int(berth_dns_query_parse(m, 11, &q), -1, "shorter than a header: not answered");
        m[2] |= 0x80;
        is_int(berth_dns_query_parse(m, n, &q), -1, "a response is not answered");
        m[2] &= 0x7f;
        m[2] |= 2 << 3; /* opcode STATUS */
        is_int(berth_dns_query_parse(m, n, &q), BERTH_DNS_NOTIMP, "another opcode: NOTIMP");
        m[2] &= (uint8_t) ~(0xf << 3);
        m[5] = 2;
        is_int(berth_dns_query_parse(m, n, &q), BERTH_DNS_FORMERR, "two questions: FORMERR");
        m[5] = 0;
        is_int(berth_dns_query_parse(m, n, &q), BERTH_DNS_FORMERR, "no question: FORMERR");
        m[5] = 1;
        is_int(berth_dns_query_parse(m, n - 1, &q), BERTH_DNS_FORMERR,
               "a question cut short: FORMERR");
        is_int(berth_dns_query_parse(m, 14, &q), BERTH_DNS_FORMERR, "a name cut short: FORMERR");
        uint8_t out[64];
        ok(berth_dns_error_build(&q, BERTH_DNS_FORMERR, out, sizeof(out)) == 12 &&
               get16(out) == 0x1234 && get16(out + 2) == (0x8000 | 0x0100 | 0x0080 | 1) &&
               get16(out + 4) == 0,
           "FORMERR: the id, QR, RD as asked, RA, no question");
        /* a question whose name is a pointer (into the header: before it, so allowed) */
        uint8_t p[] = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x05, 0, 1, 0, 1};
        ok(berth_dns_query_parse(p, sizeof(p), &q) == 0, "a compressed question parses");
}

static void test_answers(void)
{
        berth_dns_names t = {0};
        const char *text = "# the network's names\n"
                           "\n"
                           "web 10.88.0.2\n"
                           "web fd00::2\n"
                           "Web.  10.88.0.3\n"
                           "  db\t10.88.0.4  \n"
                           "alias 10.88.0.2\n"
                           "v6only fd00::9\n"
                           "broken\n"
                           "bad 10.88.0.300\n"
                           "too many 10.88.0.5 words\n"
                           "a..b 10.88.0.6\n"
                           "last 10.88.0.7";
        ok(berth_dns_names_parse(&t, text, strlen(text)) == 0 && t.n == 7,
           "the names file: comments, blanks and malformed lines skipped (%zu records)", t.n);
        uint8_t m[300], out[BERTH_DNS_UDP_MAX];
        berth_dns_query q;
        size_t n = make_query(m, "WEB.", BERTH_DNS_TYPE_A);
        berth_dns_query_parse(m, n, &q);
        size_t r = berth_dns_answer_local(&t, &q, out, sizeof(out));
        ok(r > 0 && get16(out) == 0x1234 &&
               get16(out + 2) ==
                   (BERTH_DNS_F_QR | BERTH_DNS_F_AA | BERTH_DNS_F_RD | BERTH_DNS_F_RA) &&
               get16(out + 4) == 1 && get16(out + 6) == 2,
           "A of a known name: NOERROR, AA, both addresses of its two lines");
        ok(memcmp(out + 12, q.qname, q.qname_len) == 0, "the question as asked (WEB)");
        size_t off = 12 + q.qname_len + 4;
        is_str(name_at(out, r, &off), "WEB", "the answer's owner points at the question");
        ok(get16(out + off) == 1 && get16(out + off + 2) == 1 && get16(out + off + 4) == 0 &&
               get16(out + off + 6) == BERTH_DNS_TTL && get16(out + off + 8) == 4 &&
               memcmp(out + off + 10, "\x0a\x58\x00\x02", 4) == 0,
           "A, IN, TTL 600, 10.88.0.2");
        ok(memcmp(out + off + 10 + 4 + 12, "\x0a\x58\x00\x03", 4) == 0, "then 10.88.0.3");
        ok(r == off + 14 + 16, "and nothing more");

        n = make_query(m, "web", BERTH_DNS_TYPE_AAAA);
        berth_dns_query_parse(m, n, &q);
        r = berth_dns_answer_local(&t, &q, out, sizeof(out));
        ok(r > 0 && get16(out + 6) == 1 && get16(out + r - 18) == 16, "AAAA: the IPv6 address");
        n = make_query(m, "db", BERTH_DNS_TYPE_AAAA);
        berth_dns_query_parse(m, n, &q);
        r = berth_dns_answer_local(&t, &q, out, sizeof(out));
        ok(r > 0 && (get16(out + 2) & 0xf) == 0 && get16(out + 6) == 0,
           "AAAA of a name with only IPv4: NOERROR, no answer");
        n = make_query(m, "v6only", BERTH_DNS_TYPE_A);
        berth_dns_query_parse(m, n, &q);
        r = berth_dns_answer_local(&t, &q, out, sizeof(out));
        ok(r > 0 && get16(out + 6) == 0, "A of a name with only IPv6: NOERROR, no answer");
        n = make_query(m, "last", BERTH_DNS_TYPE_A);
        berth_dns_query_parse(m, n, &q);
        ok(berth_dns_answer_local(&t, &q, out, sizeof(out)) > 0,
           "the last line without a newline counts");
        n = make_query(m, "nobody", BERTH_DNS_TYPE_A);
        berth_dns_query_parse(m, n, &q);
        is_int(berth_dns_answer_local(&t, &q, out, sizeof(out)), 0, "an unknown name: forwarded");
        n = make_query(m, "web.example", BERTH_DNS_TYPE_A);
        berth_dns_query_parse(m, n, &q);
        is_int(berth_dns_answer_local(&t, &q, out, sizeof(out)), 0,
               "a longer name ending in a known one: forwarded");
        n = make_query(m, "web", 15);
        berth_dns_query_parse(m, n, &q);
        is_int(berth_dns_answer_local(&t, &q, out, sizeof(out)), 0,
               "MX of a known name: forwarded");
        n = make_query(m, "web", BERTH_DNS_TYPE_A);
        m[n - 1] = 3; /* class CH */
        berth_dns_query_parse(m, n, &q);
        is_int(berth_dns_answer_local(&t, &q, out, sizeof(out)), 0, "class CH: forwarded");

        n = make_query(m, "2.0.88.10.in-addr.arpa", BERTH_DNS_TYPE_PTR);
        berth_dns_query_parse(m, n, &q);
        r = berth_dns_answer_local(&t, &q, out, sizeof(out));
        off = 12 + q.qname_len + 4 + 12;
        ok(r > 0 && get16(out + 6) == 1, "PTR of a known address: one answer");
        is_str(name_at(out, r, &off), "web", "the first line's name for it (web, not alias)");
        uint8_t six[16];
        inet_pton(AF_INET6, "fd00::9", six);
        uint8_t w[BERTH_DNS_NAME_MAX];
        size_t wl;
        berth_dns_ptr_name(AF_INET6, six, w, &wl);
        memcpy(q.qname, w, wl);
        q.qname_len = wl;
        r = berth_dns_answer_local(&t, &q, out, sizeof(out));
        off = 12 + q.qname_len + 4 + 12;
        ok(r > 0 && strcmp(name_at(out, r, &off), "v6only") == 0, "PTR of an IPv6 address");
        n = make_query(m, "9.0.88.10.in-addr.arpa", BERTH_DNS_TYPE_PTR);
        berth_dns_query_parse(m, n, &q);
        is_int(berth_dns_answer_local(&t, &q, out, sizeof(out)), 0,
               "PTR of an unknown address: forwarded");

        n = make_query(m, "web", BERTH_DNS_TYPE_A);
        berth_dns_query_parse(m, n, &q);
        ok(berth_dns_answer_build(&q, BERTH_DNS_SERVFAIL, false, NULL, 0, out, sizeof(out)) == n &&
               (get16(out + 2) & 0xf) == BERTH_DNS_SERVFAIL && !(get16(out + 2) & BERTH_DNS_F_AA),
           "SERVFAIL: the question, no answers, not authoritative");
        berth_dns_names_clear(&t);
}

static void test_truncation(void)
{
        berth_dns_names t = {0};
        char line[64];
        for (int i = 0; i < 100; i++) {
                snprintf(line, sizeof(line), "many 10.1.%d.%d", i / 250, i % 250 + 1);
                berth_dns_names_add_line(&t, line, strlen(line));
        }
        uint8_t m[300], out[BERTH_DNS_MSG_MAX];
        berth_dns_query q;
        size_t n = make_query(m, "many", BERTH_DNS_TYPE_A);
        berth_dns_query_parse(m, n, &q);
        size_t r = berth_dns_answer_local(&t, &q, out, BERTH_DNS_UDP_MAX);
        /* 12 + 10 of question, 16 per record: 30 fit in 512 */
        ok(r <= BERTH_DNS_UDP_MAX && (get16(out + 2) & BERTH_DNS_F_TC) && get16(out + 6) == 30,
           "100 addresses over UDP: 30 fit, TC (%zu bytes, %u answers)", r, get16(out + 6));
        r = berth_dns_answer_local(&t, &q, out, sizeof(out));
        ok(!(get16(out + 2) & BERTH_DNS_F_TC) && get16(out + 6) == 100, "over TCP all 100, no TC");
        ok(berth_dns_answer_build(&q, 0, true, NULL, 0, out, 12 + q.qname_len + 3) == 0,
           "no room for the question: nothing");
        berth_dns_names_clear(&t);
}

static void test_names_file(void)
{
        char path[] = "/tmp/berth-test-dns.XXXXXX";
        int fd = mkstemp(path);
        FILE *f = fdopen(fd, "w");
        fprintf(f, "first 10.0.0.1\n");
        for (int i = 0; i < 3000; i++)
                fputc('x', f);
        fprintf(f, " 10.0.0.9\nafter 10.0.0.2\n");
        for (int i = 0; i < BERTH_DNS_RECORDS_MAX + 10; i++)
                fprintf(f, "n%d 10.%d.%d.%d\n", i, i >> 16, (i >> 8) & 255, i & 255);
        fclose(f);
        berth_dns_names t = {0};
        fd = open(path, O_RDONLY);
        ok(berth_dns_names_read(&t, fd) == 0, "a names file is read");
        close(fd);
        unlink(path);
        is_int(t.n, BERTH_DNS_RECORDS_MAX, "at most 64 Ki records are kept");
        uint8_t m[300], out[512];
        berth_dns_query q;
        size_t n = make_query(m, "after", BERTH_DNS_TYPE_A);
        berth_dns_query_parse(m, n, &q);
        ok(berth_dns_answer_local(&t, &q, out, sizeof(out)) > 0,
           "a line after one of 3000 bytes is read; the long one skipped");
        ok(t.recs[0].family == AF_INET && t.recs[1].name_len == 7, "first, then after (%u)",
           t.recs[1].name_len);
        berth_dns_names_clear(&t);
        ok(t.n == 0 && t.recs == NULL, "cleared");
}

static void test_resolv(void)
{
        const char *text = "# generated\n"
                           "search example.com\n"
                           "nameserver 192.0.2.1\n"
                           "nameserver\tfd00::53 # a comment\n"
                           "nameserver fe80::1%3\n"
                           "nameserver 192.0.2.4\n"
                           "nameservers 192.0.2.5\n";
        berth_dns_server s[BERTH_DNS_SERVERS_MAX];
        size_t n = berth_dns_resolv_parse(text, strlen(text), 53, s);
        is_int(n, 3, "three nameservers at most");
        const struct sockaddr_in *a = (const void *)&s[0].addr;
        const struct sockaddr_in6 *b = (const void *)&s[1].addr, *c = (const void *)&s[2].addr;
        ok(a->sin_family == AF_INET && ntohs(a->sin_port) == 53 &&
               a->sin_addr.s_addr == htonl(0xc0000201),
           "192.0.2.1 port 53");
        ok(b->sin6_family == AF_INET6 && s[1].len == sizeof(*b), "fd00::53");
        ok(c->sin6_scope_id == 3, "fe80::1%%3 with its zone");
        const char *junk = "nameserver\nnameserver nothing\nnameserver 1.2.3.4.5\n";
        is_int(berth_dns_resolv_parse(junk, strlen(junk), 53, s), 0, "garbage gives none");
        is_int(berth_dns_resolv_parse("", 0, 53, s), 0, "an empty file gives none");
}

static void test_ensure_args(void)
{
        berth_error err = {0};
        const char *listen[] = {"127.0.0.1"};
        is_int(berth_dns_ensure("berth-dns", "/tmp", listen, 1, &err), -EINVAL,
               "berth_dns_ensure: a relative program is refused (it runs in /)");
        like(err.msg, "absolute", "and says why");
        is_int(berth_dns_ensure("/bin/false", "tmp", listen, 1, &err), -EINVAL,
               "a relative directory too");
        is_int(berth_dns_ensure("/bin/false", "/tmp", listen, 0, &err), -EINVAL,
               "no address to listen on is refused");
        is_int(berth_dns_ensure("/bin/false", "/nonexistent/berth-dns-test", listen, 1, &err),
               -ENOENT, "a missing directory: ENOENT (%s)", err.msg);
}

int main(void)
{
        test_names_text();
        test_compression();
        test_ptr();
        test_query_parse();
        test_answers();
        test_truncation();
        test_names_file();
        test_resolv();
        test_ensure_args();
        return tap_done();
}
