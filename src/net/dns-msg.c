/* SPDX-License-Identifier: Apache-2.0 */
/* DNS messages as pure functions: names on the wire, queries in, answers out (dns.h). */
#include "net/dns.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static uint16_t get16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static uint8_t lower(uint8_t c)
{
        return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

int berth_dns_name_read(const uint8_t *msg, size_t len, size_t *off,
                        uint8_t out[BERTH_DNS_NAME_MAX], size_t *out_len)
{
        size_t p = *off, n = 0, after = 0;
        bool jumped = false;
        /* where the label sequence being read began: a pointer must point before it */
        size_t limit = p;
        for (;;) {
                if (p >= len)
                        return -EBADMSG;
                uint8_t l = msg[p];
                if ((l & 0xc0) == 0xc0) {
                        if (p + 1 >= len)
                                return -EBADMSG;
                        size_t target = (size_t)(l & 0x3f) << 8 | msg[p + 1];
                        if (target >= limit)
                                return -EBADMSG;
                        if (!jumped)
                                after = p + 2;
                        jumped = true;
                        limit = target;
                        p = target;
                        continue;
                }
                if (l & 0xc0) /* 0x40, 0x80: extended and reserved label types */
                        return -EBADMSG;
                if (n + 1 + l > BERTH_DNS_NAME_MAX || p + 1 + l > len)
                        return -EBADMSG;
                memcpy(out + n, msg + p, 1 + (size_t)l);
                n += 1 + (size_t)l;
                p += 1 + (size_t)l;
                if (l == 0)
                        break;
        }
        *off = jumped ? after : p;
        *out_len = n;
        return 0;
}

int berth_dns_name_from_text(const char *text, size_t len, uint8_t out[BERTH_DNS_NAME_MAX],
                             size_t *out_len)
{
        if (len > 0 && text[len - 1] == '.')
                len--;
        size_t n = 0, i = 0;
        while (i < len) {
                const char *dot = memchr(text + i, '.', len - i);
                size_t l = dot ? (size_t)(dot - (text + i)) : len - i;
                if (l == 0 || l > 63 || n + 1 + l + 1 > BERTH_DNS_NAME_MAX)
                        return -EINVAL;
                out[n] = (uint8_t)l;
                memcpy(out + n + 1, text + i, l);
                n += 1 + l;
                i += l + (dot ? 1 : 0);
                if (dot && i == len) /* "a..": the trailing dot went already */
                        return -EINVAL;
        }
        out[n++] = 0;
        *out_len = n;
        return 0;
}

int berth_dns_name_to_text(const uint8_t *wire, size_t len, char *out, size_t size)
{
        size_t w = 0, p = 0;
        if (size < 2)
                return -ENAMETOOLONG;
        while (p < len && wire[p] != 0) {
                size_t l = wire[p++];
                if (p + l > len)
                        return -EINVAL;
                if (w > 0)
                        out[w++] = '.';
                for (size_t i = 0; i < l; i++) {
                        uint8_t c = wire[p + i];
                        if (w + 5 >= size)
                                return -ENAMETOOLONG;
                        if (c == '.' || c == '\\') {
                                out[w++] = '\\';
                                out[w++] = (char)c;
                        } else if (c < 0x21 || c > 0x7e) {
                                out[w++] = '\\';
                                out[w++] = (char)('0' + c / 100);
                                out[w++] = (char)('0' + c / 10 % 10);
                                out[w++] = (char)('0' + c % 10);
                        } else {
                                out[w++] = (char)c;
                        }
                }
                p += l;
                if (w + 2 > size)
                        return -ENAMETOOLONG;
        }
        if (w == 0)
                out[w++] = '.';
        out[w] = '\0';
        return 0;
}

bool berth_dns_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
        if (alen != blen)
                return false;
        /* length bytes are below 64, never letters: one loop compares both */
        for (size_t i = 0; i < alen; i++)
                if (lower(a[i]) != lower(b[i]))
                        return false;
        return true;
}

/* The labels of a wire name, at most max of them, as (start, length) pairs. */
static size_t labels(const uint8_t *wire, size_t len, const uint8_t **lab, uint8_t *lablen,
                     size_t max)
{
        size_t n = 0, p = 0;
        while (p < len && wire[p] != 0) {
                size_t l = wire[p];
                if (n == max || p + 1 + l > len)
                        return max + 1;
                lab[n] = wire + p + 1;
                lablen[n++] = (uint8_t)l;
                p += 1 + l;
        }
        return n;
}

static bool label_is(const uint8_t *lab, uint8_t len, const char *s)
{
        size_t sl = strlen(s);
        if (len != sl)
                return false;
        for (size_t i = 0; i < sl; i++)
                if (lower(lab[i]) != (uint8_t)s[i])
                        return false;
        return true;
}

static int hexval(uint8_t c)
{
        c = lower(c);
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

int berth_dns_ptr_addr(const uint8_t *wire, size_t len, int *family, uint8_t addr[16])
{
        const uint8_t *lab[34];
        uint8_t ll[34];
        size_t n = labels(wire, len, lab, ll, 34);
        if (n == 6 && label_is(lab[4], ll[4], "in-addr") && label_is(lab[5], ll[5], "arpa")) {
                for (size_t i = 0; i < 4; i++) {
                        /* 0..255 in decimal, no leading zero but "0" itself */
                        if (ll[i] == 0 || ll[i] > 3 || (ll[i] > 1 && lab[i][0] == '0'))
                                return -EINVAL;
                        unsigned v = 0;
                        for (size_t j = 0; j < ll[i]; j++) {
                                if (lab[i][j] < '0' || lab[i][j] > '9')
                                        return -EINVAL;
                                v = v * 10 + (unsigned)(lab[i][j] - '0');
                        }
                        if (v > 255)
                                return -EINVAL;
                        addr[3 - i] = (uint8_t)v;
                }
                *family = AF_INET;
                return 0;
        }
        if (n == 34 && label_is(lab[32], ll[32], "ip6") && label_is(lab[33], ll[33], "arpa")) {
                uint8_t a[16] = {0};
                for (size_t i = 0; i < 32; i++) {
                        int v = ll[i] == 1 ? hexval(lab[i][0]) : -1;
                        if (v < 0)
                                return -EINVAL;
                        /* the first label is the last nibble */
                        size_t nib = 31 - i;
                        a[nib / 2] |= (uint8_t)(nib % 2 ? v : v << 4);
                }
                memcpy(addr, a, 16);
                *family = AF_INET6;
                return 0;
        }
        return -EINVAL;
}

int berth_dns_ptr_name(int family, const uint8_t *addr, uint8_t out[BERTH_DNS_NAME_MAX],
                       size_t *out_len)
{
        static const char hex[] = "0123456789abcdef";
        size_t n = 0;
        if (family == AF_INET) {
                for (int i = 3; i >= 0; i--) {
                        uint8_t v = addr[i], l = 0, *lab = out + n + 1;
                        if (v >= 100)
                                lab[l++] = (uint8_t)('0' + v / 100);
                        if (v >= 10)
                                lab[l++] = (uint8_t)('0' + v / 10 % 10);
                        lab[l++] = (uint8_t)('0' + v % 10);
                        out[n] = l;
                        n += 1 + (size_t)l;
                }
                memcpy(out + n, "\7in-addr\4arpa", 14);
                n += 14;
        } else if (family == AF_INET6) {
                for (int i = 31; i >= 0; i--) {
                        out[n++] = 1;
                        out[n++] = (uint8_t)hex[i % 2 ? addr[i / 2] & 0xf : addr[i / 2] >> 4];
                }
                memcpy(out + n, "\3ip6\4arpa", 10);
                n += 10;
        } else {
                return -EAFNOSUPPORT;
        }
        *out_len = n;
        return 0;
}

int berth_dns_query_parse(const uint8_t *msg, size_t len, berth_dns_query *q)
{
        memset(q, 0, sizeof(*q));
        if (len < BERTH_DNS_HDR_LEN)
                return -1;
        q->id = get16(msg);
        q->flags = get16(msg + 2);
        if (q->flags & BERTH_DNS_F_QR)
                return -1;
        if ((q->flags >> 11 & 0xf) != 0)
                return BERTH_DNS_NOTIMP;
        if (get16(msg + 4) != 1)
                return BERTH_DNS_FORMERR;
        size_t off = BERTH_DNS_HDR_LEN;
        if (berth_dns_name_read(msg, len, &off, q->qname, &q->qname_len) < 0 || off + 4 > len)
                return BERTH_DNS_FORMERR;
        q->qtype = get16(msg + off);
        q->qclass = get16(msg + off + 2);
        return 0;
}

/* The header of an answer to q. */
static void header(const berth_dns_query *q, int rcode, bool aa, uint8_t *out)
{
        memset(out, 0, BERTH_DNS_HDR_LEN);
        put16(out, q->id);
        uint16_t f = BERTH_DNS_F_QR | BERTH_DNS_F_RA | (q->flags & (0xf << 11)) |
                     (q->flags & BERTH_DNS_F_RD) | (uint16_t)(rcode & 0xf);
        if (aa)
                f |= BERTH_DNS_F_AA;
        put16(out + 2, f);
}

size_t berth_dns_error_build(const berth_dns_query *q, int rcode, uint8_t *out, size_t size)
{
        if (size < BERTH_DNS_HDR_LEN)
                return 0;
        header(q, rcode, false, out);
        return BERTH_DNS_HDR_LEN;
}

size_t berth_dns_answer_build(const berth_dns_query *q, int rcode, bool authoritative,
                              const berth_dns_rr *rrs, size_t n, uint8_t *out, size_t size)
{
        size_t w = BERTH_DNS_HDR_LEN + q->qname_len + 4;
        if (size < w || q->qname_len == 0 || q->qname_len > BERTH_DNS_NAME_MAX)
                return 0;
        header(q, rcode, authoritative, out);
        put16(out + 4, 1);
        memcpy(out + BERTH_DNS_HDR_LEN, q->qname, q->qname_len);
        put16(out + BERTH_DNS_HDR_LEN + q->qname_len, q->qtype);
        put16(out + BERTH_DNS_HDR_LEN + q->qname_len + 2, q->qclass);
        size_t an = 0;
        for (; an < n && an < 0xffff; an++) {
                size_t need = 2 + 2 + 2 + 4 + 2 + (size_t)rrs[an].rdlen;
                if (w + need > size) {
                        put16(out + 2, get16(out + 2) | BERTH_DNS_F_TC);
                        break;
                }
                put16(out + w, 0xc000 | BERTH_DNS_HDR_LEN); /* the question's name */
                put16(out + w + 2, rrs[an].type);
                put16(out + w + 4, BERTH_DNS_CLASS_IN);
                put16(out + w + 6, BERTH_DNS_TTL >> 16);
                put16(out + w + 8, BERTH_DNS_TTL & 0xffff);
                put16(out + w + 10, rrs[an].rdlen);
                memcpy(out + w + 12, rrs[an].rdata, rrs[an].rdlen);
                w += need;
        }
        put16(out + 6, (uint16_t)an);
        return w;
}
