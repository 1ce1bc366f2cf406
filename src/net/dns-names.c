/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A network's names (DIR/names, "NAME ADDRESS" lines the engine writes) as a
 * table, and the answers it makes (dns.h). Names are kept in lowercase wire
 * form in one pool, so a lookup is a comparison of bytes.
 */
#include "net/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r';
}

/* The next word of line[*i..len) (skipping blanks before it), or NULL. */
static const char *word(const char *line, size_t len, size_t *i, size_t *wlen)
{
        while (*i < len && blank(line[*i]))
                (*i)++;
        size_t start = *i;
        while (*i < len && !blank(line[*i]))
                (*i)++;
        *wlen = *i - start;
        return *wlen ? line + start : NULL;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
        if (need <= *cap)
                return 0;
        size_t ncap = *cap ? *cap : 16;
        while (ncap < need)
                ncap *= 2;
        void *np = realloc(*p, ncap * elem);
        if (np == NULL)
                return -ENOMEM;
        *p = np;
        *cap = ncap;
        return 0;
}

int berth_dns_names_add_line(berth_dns_names *t, const char *line, size_t len)
{
        size_t i = 0, nl, al, rl;
        if (len > BERTH_DNS_LINE_MAX)
                return 0;
        const char *name = word(line, len, &i, &nl);
        if (name == NULL || name[0] == '#')
                return 0;
        const char *addr = word(line, len, &i, &al);
        if (addr == NULL || word(line, len, &i, &rl) != NULL || al >= INET6_ADDRSTRLEN)
                return 0;
        char text[INET6_ADDRSTRLEN];
        memcpy(text, addr, al);
        text[al] = '\0';
        berth_dns_record r = {0};
        if (inet_pton(AF_INET, text, r.addr) == 1)
                r.family = AF_INET;
        else if (inet_pton(AF_INET6, text, r.addr) == 1)
                r.family = AF_INET6;
        else
                return 0;
        uint8_t wire[BERTH_DNS_NAME_MAX];
        size_t wl;
        if (berth_dns_name_from_text(name, nl, wire, &wl) < 0 || wl <= 1)
                return 0;
        for (size_t j = 0; j < wl; j++)
                if (wire[j] >= 'A' && wire[j] <= 'Z')
                        wire[j] = (uint8_t)(wire[j] + 32);
        if (t->n >= BERTH_DNS_RECORDS_MAX)
                return -E2BIG;
        if (grow((void **)&t->recs, &t->cap, t->n + 1, sizeof(*t->recs)) < 0 ||
            grow((void **)&t->pool, &t->pool_cap, t->pool_len + wl, 1) < 0)
                return -ENOMEM;
        r.name_off = (uint32_t)t->pool_len;
        r.name_len = (uint8_t)wl;
        memcpy(t->pool + t->pool_len, wire, wl);
        t->pool_len += wl;
        t->recs[t->n++] = r;
        return 1;
}

int berth_dns_names_parse(berth_dns_names *t, const char *text, size_t len)
{
        size_t i = 0;
        while (i < len) {
                const char *nl = memchr(text + i, '\n', len - i);
                size_t l = nl ? (size_t)(nl - (text + i)) : len - i;
                int r = berth_dns_names_add_line(t, text + i, l);
                if (r == -E2BIG)
                        return 0;
                if (r < 0)
                        return r;
                i += l + 1;
        }
        return 0;
}

int berth_dns_names_read(berth_dns_names *t, int fd)
{
        /* one line at a time through a buffer of a line's size: a longer line is skipped */
        char buf[BERTH_DNS_LINE_MAX + 1];
        size_t have = 0;
        bool skipping = false;
        for (;;) {
                ssize_t r = read(fd, buf + have, sizeof(buf) - have);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                bool eof = r == 0;
                have += (size_t)r;
                size_t start = 0;
                for (;;) {
                        char *nl = memchr(buf + start, '\n', have - start);
                        if (nl == NULL)
                                break;
                        size_t l = (size_t)(nl - (buf + start));
                        int rc = skipping ? 0 : berth_dns_names_add_line(t, buf + start, l);
                        skipping = false;
                        if (rc == -E2BIG)
                                return 0;
                        if (rc < 0)
                                return rc;
                        start += l + 1;
                }
                memmove(buf, buf + start, have - start);
                have -= start;
                if (eof) {
                        if (have > 0 && !skipping) {
                                int rc = berth_dns_names_add_line(t, buf, have);
                                if (rc < 0 && rc != -E2BIG)
                                        return rc;
                        }
                        return 0;
                }
                if (have == sizeof(buf)) { /* a line too long: drop it to its end */
                        skipping = true;
                        have = 0;
                }
        }
}

void berth_dns_names_clear(berth_dns_names *t)
{
        free(t->recs);
        free(t->pool);
        *t = (berth_dns_names){0};
}

static bool rec_named(const berth_dns_names *t, const berth_dns_record *r, const uint8_t *wire,
                      size_t len)
{
        return berth_dns_name_equal(t->pool + r->name_off, r->name_len, wire, len);
}

size_t berth_dns_answer_local(const berth_dns_names *t, const berth_dns_query *q, uint8_t *out,
                              size_t size)
{
        if (q->qclass != BERTH_DNS_CLASS_IN)
                return 0;
        if (q->qtype == BERTH_DNS_TYPE_PTR) {
                int family;
                uint8_t addr[16];
                if (berth_dns_ptr_addr(q->qname, q->qname_len, &family, addr) < 0)
                        return 0;
                size_t alen = family == AF_INET ? 4 : 16;
                for (size_t i = 0; i < t->n; i++) {
                        const berth_dns_record *r = &t->recs[i];
                        if (r->family != family || memcmp(r->addr, addr, alen) != 0)
                                continue;
                        berth_dns_rr rr = {BERTH_DNS_TYPE_PTR, r->name_len, t->pool + r->name_off};
                        return berth_dns_answer_build(q, BERTH_DNS_NOERROR, true, &rr, 1, out,
                                                      size);
                }
                return 0;
        }
        if (q->qtype != BERTH_DNS_TYPE_A && q->qtype != BERTH_DNS_TYPE_AAAA)
                return 0;
        int family = q->qtype == BERTH_DNS_TYPE_A ? AF_INET : AF_INET6;
        uint16_t alen = family == AF_INET ? 4 : 16;
        berth_dns_rr rrs[BERTH_DNS_ADDRS_MAX];
        size_t n = 0;
        bool known = false;
        for (size_t i = 0; i < t->n; i++) {
                const berth_dns_record *r = &t->recs[i];
                if (!rec_named(t, r, q->qname, q->qname_len))
                        continue;
                known = true;
                if (r->family == family && n < sizeof(rrs) / sizeof(rrs[0]))
                        rrs[n++] = (berth_dns_rr){q->qtype, alen, r->addr};
        }
        if (!known)
                return 0;
        return berth_dns_answer_build(q, BERTH_DNS_NOERROR, true, rrs, n, out, size);
}
