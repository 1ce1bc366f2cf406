/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/seccomp-compact.h"

#include "base/strutil.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What the accumulator may hold at an instruction (dataflow; several at once). */
enum { HOLDS_NR = 1, HOLDS_ARCH = 2, HOLDS_OTHER = 4 };

#define OFF_NR   0
#define OFF_ARCH 4
#define DATA_LEN 64 /* sizeof(struct seccomp_data) */
/* cells × instructions, a bound on the steps of running every cell (Docker's profile: ~2e7) */
#define MAX_STEPS (1ULL << 28)

typedef struct {
        uint32_t *v;
        size_t n, cap;
} u32set;

static void set_add(u32set *s, uint32_t x)
{
        if (s->n == s->cap) {
                s->cap = s->cap ? 2 * s->cap : 64;
                s->v = berth_xrealloc(s->v, s->cap * sizeof(*s->v));
        }
        s->v[s->n++] = x;
}

static int cmp_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return x < y ? -1 : x > y;
}

/* Sorted, unique, starting with 0: the starts of the intervals the breakpoints cut. */
static void set_finish(u32set *s)
{
        set_add(s, 0);
        qsort(s->v, s->n, sizeof(*s->v), cmp_u32);
        size_t m = 0;
        for (size_t i = 0; i < s->n; i++)
                if (m == 0 || s->v[i] != s->v[m - 1])
                        s->v[m++] = s->v[i];
        s->n = m;
}

/* Where a comparison with k splits the domain: the first value of each side after the first. */
static void add_breaks(u32set *s, uint16_t code, uint32_t k)
{
        switch (BPF_OP(code)) {
        case BPF_JEQ:
                set_add(s, k);
                if (k != UINT32_MAX)
                        set_add(s, k + 1);
                break;
        case BPF_JGT:
                if (k != UINT32_MAX)
                        set_add(s, k + 1);
                break;
        case BPF_JGE:
                set_add(s, k);
                break;
        }
}

static bool is_alu_k(uint16_t code)
{
        if (BPF_CLASS(code) != BPF_ALU || BPF_SRC(code) != BPF_K)
                return false;
        switch (BPF_OP(code)) {
        case BPF_ADD:
        case BPF_SUB:
        case BPF_MUL:
        case BPF_DIV:
        case BPF_OR:
        case BPF_AND:
        case BPF_LSH:
        case BPF_RSH:
        case BPF_NEG:
        case BPF_MOD:
        case BPF_XOR:
                return true;
        }
        return false;
}

static bool is_cond_k(uint16_t code)
{
        return BPF_CLASS(code) == BPF_JMP && BPF_SRC(code) == BPF_K &&
               (BPF_OP(code) == BPF_JEQ || BPF_OP(code) == BPF_JGT || BPF_OP(code) == BPF_JGE ||
                BPF_OP(code) == BPF_JSET);
}

/* Only what libseccomp writes (and a little more), every jump inside, the end a return. */
static int check(const struct sock_filter *p, size_t n)
{
        if (n == 0 || n > BPF_MAXINSNS || p[n - 1].code != (BPF_RET | BPF_K))
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                uint16_t c = p[i].code;
                if (c == (BPF_LD | BPF_W | BPF_ABS)) {
                        if (p[i].k % 4 || p[i].k >= DATA_LEN)
                                return -EINVAL;
                } else if (c == (BPF_JMP | BPF_JA)) {
                        if (p[i].k >= n - i - 1)
                                return -EINVAL;
                } else if (is_cond_k(c)) {
                        if (p[i].jt >= n - i - 1 || p[i].jf >= n - i - 1)
                                return -EINVAL;
                } else if (is_alu_k(c)) {
                        if ((BPF_OP(c) == BPF_DIV || BPF_OP(c) == BPF_MOD) && p[i].k == 0)
                                return -EINVAL;
                } else if (c != (BPF_RET | BPF_K)) {
                        return -ENOTSUP;
                }
        }
        return 0;
}

static uint32_t alu(uint16_t code, uint32_t a, uint32_t k)
{
        switch (BPF_OP(code)) {
        case BPF_ADD:
                return a + k;
        case BPF_SUB:
                return a - k;
        case BPF_MUL:
                return a * k;
        case BPF_DIV:
                return a / k;
        case BPF_OR:
                return a | k;
        case BPF_AND:
                return a & k;
        case BPF_LSH:
                return k < 32 ? a << k : 0;
        case BPF_RSH:
                return k < 32 ? a >> k : 0;
        case BPF_NEG:
                return -a;
        case BPF_MOD:
                return a % k;
        default:
                return a ^ k;
        }
}

static bool cond(uint16_t code, uint32_t a, uint32_t k)
{
        switch (BPF_OP(code)) {
        case BPF_JEQ:
                return a == k;
        case BPF_JGT:
                return a > k;
        case BPF_JGE:
                return a >= k;
        default:
                return (a & k) != 0;
        }
}

/* A cell's outcome: a return value, or the pc of the first look at anything but the number and
 * the architecture (from there, the original code). */
typedef struct {
        bool sub;
        uint32_t v;
} outcome;

static outcome run_cell(const struct sock_filter *p, uint32_t arch, uint32_t nr)
{
        uint32_t a = 0;
        for (size_t pc = 0;;) {
                const struct sock_filter *f = &p[pc];
                if (f->code == (BPF_LD | BPF_W | BPF_ABS)) {
                        if (f->k != OFF_NR && f->k != OFF_ARCH)
                                return (outcome){true, (uint32_t)pc};
                        a = f->k == OFF_NR ? nr : arch;
                        pc++;
                } else if (f->code == (BPF_RET | BPF_K)) {
                        return (outcome){false, f->k};
                } else if (f->code == (BPF_JMP | BPF_JA)) {
                        pc += 1 + f->k;
                } else if (is_cond_k(f->code)) {
                        pc += 1 + (cond(f->code, a, f->k) ? f->jt : f->jf);
                } else {
                        a = alu(f->code, a, f->k);
                        pc++;
                }
        }
}

/* The comparisons the number and the architecture meet; -ENOTSUP for anything else done with
 * them. */
static int find_breaks(const struct sock_filter *p, size_t n, u32set *nr, u32set *arch)
{
        uint8_t *in = berth_xmalloc0(n);
        in[0] = HOLDS_OTHER;
        int r = 0;
        for (size_t pc = 0; pc < n && r == 0; pc++) {
                uint8_t h = in[pc];
                const struct sock_filter *f = &p[pc];
                if (h == 0)
                        continue; /* never reached */
                if (f->code == (BPF_LD | BPF_W | BPF_ABS)) {
                        in[pc + 1] |= f->k == OFF_NR     ? HOLDS_NR
                                      : f->k == OFF_ARCH ? HOLDS_ARCH
                                                         : HOLDS_OTHER;
                } else if (f->code == (BPF_JMP | BPF_JA)) {
                        in[pc + 1 + f->k] |= h;
                } else if (is_cond_k(f->code)) {
                        if (BPF_OP(f->code) == BPF_JSET && (h & (HOLDS_NR | HOLDS_ARCH)))
                                r = -ENOTSUP;
                        if (h & HOLDS_NR)
                                add_breaks(nr, f->code, f->k);
                        if (h & HOLDS_ARCH)
                                add_breaks(arch, f->code, f->k);
                        in[pc + 1 + f->jt] |= h;
                        in[pc + 1 + f->jf] |= h;
                } else if (is_alu_k(f->code)) {
                        if (h & (HOLDS_NR | HOLDS_ARCH))
                                r = -ENOTSUP;
                        in[pc + 1] |= HOLDS_OTHER;
                }
        }
        free(in);
        return r;
}

/* Code being laid out: instructions, and the `ja`s that wait for where the copied code lands. */
typedef struct {
        struct sock_filter *v;
        size_t n, cap;
        struct fixup {
                size_t at;      /* the ja */
                uint32_t to_pc; /* the original instruction it goes to */
        } * fix;
        size_t nfix, capfix;
} code;

static void emit(code *c, struct sock_filter f)
{
        if (c->n == c->cap) {
                c->cap = c->cap ? 2 * c->cap : 256;
                c->v = berth_xrealloc(c->v, c->cap * sizeof(*c->v));
        }
        c->v[c->n++] = f;
}

static void add_fixup(code *c, size_t at, uint32_t to_pc)
{
        if (c->nfix == c->capfix) {
                c->capfix = c->capfix ? 2 * c->capfix : 32;
                c->fix = berth_xrealloc(c->fix, c->capfix * sizeof(*c->fix));
        }
        c->fix[c->nfix++] = (struct fixup){at, to_pc};
}

static void emit_ja_to(code *c, uint32_t to_pc)
{
        add_fixup(c, c->n, to_pc);
        emit(c, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0));
}

static void append(code *c, code *tail)
{
        for (size_t i = 0; i < tail->nfix; i++)
                add_fixup(c, tail->fix[i].at + c->n, tail->fix[i].to_pc);
        for (size_t i = 0; i < tail->n; i++)
                emit(c, tail->v[i]);
        free(tail->v);
        free(tail->fix);
        *tail = (code){0};
}

static void emit_outcome(code *c, outcome o)
{
        if (o.sub)
                emit_ja_to(c, o.v);
        else
                emit(c, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, o.v));
}

/* One interval of a domain and what follows in it: an outcome, or (for an architecture) the
 * dispatch on the number, items[first, first + count) of the number's list. */
typedef struct {
        uint32_t start;
        outcome o;
        size_t first, count;
} item;

static void emit_leaf(code *c, const item *it, const item *nr_items);

static bool same_outcome(outcome a, outcome b)
{
        return a.sub == b.sub && a.v == b.v;
}

#define CHUNK 64 /* leaves of a search emitted with one pool of outcomes: every jump < 256 */

typedef struct {
        const item *items;
        struct {
                uint32_t k;
                int left, right; /* a node's index, or -1 - the leaf's pool index */
        } node[CHUNK - 1];
        size_t n_node;
        outcome pool[CHUNK];
        size_t n_pool;
} chunk;

static int chunk_build(chunk *ch, size_t lo, size_t hi)
{
        if (lo == hi) {
                size_t j = 0;
                while (j < ch->n_pool && !same_outcome(ch->pool[j], ch->items[lo].o))
                        j++;
                if (j == ch->n_pool)
                        ch->pool[ch->n_pool++] = ch->items[lo].o;
                return -1 - (int)j;
        }
        size_t at = ch->n_node++, mid = lo + (hi - lo + 1) / 2;
        ch->node[at].k = ch->items[mid].start - 1;
        ch->node[at].left = chunk_build(ch, lo, mid - 1);
        ch->node[at].right = chunk_build(ch, mid, hi);
        return (int)at;
}

/* A search over at most CHUNK outcomes: its nodes in pre-order (a left node is the next one),
 * then each distinct outcome once, every leaf a jump to its outcome. */
static void emit_chunk(code *c, const item *items, size_t lo, size_t hi)
{
        chunk ch = {.items = items};
        chunk_build(&ch, lo, hi);
        for (size_t i = 0; i < ch.n_node; i++) {
                int to[2] = {ch.node[i].right, ch.node[i].left};
                uint8_t off[2];
                for (int b = 0; b < 2; b++)
                        off[b] = (uint8_t)((to[b] >= 0 ? (size_t)to[b]
                                                       : ch.n_node + (size_t)(-1 - to[b])) -
                                           i - 1);
                emit(c, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, ch.node[i].k,
                                                     off[0], off[1]));
        }
        for (size_t j = 0; j < ch.n_pool; j++)
                emit_outcome(c, ch.pool[j]);
}

/* A binary search over items[lo, hi] of the value in the accumulator (the number's items, whose
 * leaves are outcomes, when nr_items is NULL). */
static void emit_tree(code *c, const item *items, size_t lo, size_t hi, const item *nr_items)
{
        if (lo == hi) {
                emit_leaf(c, &items[lo], nr_items);
                return;
        }
        if (nr_items == NULL && hi - lo < CHUNK) {
                emit_chunk(c, items, lo, hi);
                return;
        }
        size_t mid = lo + (hi - lo + 1) / 2;
        code left = {0}, right = {0};
        emit_tree(&left, items, lo, mid - 1, nr_items);
        emit_tree(&right, items, mid, hi, nr_items);
        uint32_t k = items[mid].start - 1; /* > k: the upper half */
        if (left.n <= 255) {
                emit(c, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, k, (uint8_t)left.n,
                                                     0));
        } else {
                emit(c, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, k, 0, 1));
                emit(c, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, (uint32_t)left.n, 0, 0));
        }
        append(c, &left);
        append(c, &right);
}

static void emit_leaf(code *c, const item *it, const item *nr_items)
{
        if (it->count == 0) {
                emit_outcome(c, it->o);
                return;
        }
        emit(c, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_NR));
        emit_tree(c, nr_items + it->first, 0, it->count - 1, NULL);
}

/* Whether two architecture intervals lead to the same thing: one outcome, or the same
 * dispatch on the number. */
static bool same_dispatch(const item *a, const item *b, const item *nr_items)
{
        if (a->count != b->count)
                return false;
        if (a->count == 0)
                return same_outcome(a->o, b->o);
        for (size_t k = 0; k < a->count; k++) {
                const item *x = &nr_items[a->first + k], *y = &nr_items[b->first + k];
                if (x->start != y->start || !same_outcome(x->o, y->o))
                        return false;
        }
        return true;
}

/* Every instruction reachable from the marked ones. */
static void mark_reachable(const struct sock_filter *p, size_t n, bool *mark)
{
        for (size_t pc = 0; pc < n; pc++) {
                if (!mark[pc])
                        continue;
                const struct sock_filter *f = &p[pc];
                if (f->code == (BPF_JMP | BPF_JA))
                        mark[pc + 1 + f->k] = true;
                else if (is_cond_k(f->code))
                        mark[pc + 1 + f->jt] = mark[pc + 1 + f->jf] = true;
                else if (f->code != (BPF_RET | BPF_K))
                        mark[pc + 1] = true;
        }
}

int berth_seccomp_compact(const struct sock_filter *p, size_t n, struct sock_filter **ret,
                          size_t *ret_n)
{
        int r = check(p, n);
        if (r < 0)
                return r;
        u32set nrb = {0}, archb = {0};
        item *arch_items = NULL, *nr_items = NULL;
        size_t n_arch = 0, n_nr = 0;
        bool *mark = NULL;
        size_t *where = NULL;
        code c = {0};
        if ((r = find_breaks(p, n, &nrb, &archb)) < 0)
                goto out;
        set_finish(&nrb);
        set_finish(&archb);
        /* a profile (a request's, say) whose cells would take long to run: left as it is */
        if ((uint64_t)archb.n * nrb.n * n > MAX_STEPS) {
                r = -ENOTSUP;
                goto out;
        }

        /* every cell once; runs of one outcome merged, per architecture interval, then runs of
         * architecture intervals with the same dispatch */
        arch_items = berth_xmalloc0(archb.n * sizeof(*arch_items));
        nr_items = berth_xmalloc0(archb.n * nrb.n * sizeof(*nr_items));
        for (size_t i = 0; i < archb.n; i++) {
                size_t first = n_nr;
                for (size_t j = 0; j < nrb.n; j++) {
                        outcome o = run_cell(p, archb.v[i], nrb.v[j]);
                        if (n_nr > first && same_outcome(nr_items[n_nr - 1].o, o))
                                continue;
                        nr_items[n_nr++] = (item){.start = nrb.v[j], .o = o};
                }
                item it = {.start = archb.v[i], .first = first, .count = n_nr - first};
                if (it.count == 1) { /* the number does not matter here */
                        it.o = nr_items[first].o;
                        it.count = 0;
                        n_nr = first;
                }
                if (n_arch > 0 && same_dispatch(&arch_items[n_arch - 1], &it, nr_items)) {
                        n_nr = first;
                        continue;
                }
                arch_items[n_arch++] = it;
        }

        /* the dispatch, then the original code from each cell that looks further */
        emit(&c, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_ARCH));
        emit_tree(&c, arch_items, 0, n_arch - 1, nr_items);
        mark = berth_xmalloc0(n * sizeof(*mark));
        where = berth_xmalloc0(n * sizeof(*where));
        for (size_t i = 0; i < c.nfix; i++)
                mark[c.fix[i].to_pc] = true;
        mark_reachable(p, n, mark);
        size_t base = c.n;
        for (size_t pc = 0, m = base; pc < n; pc++)
                if (mark[pc])
                        where[pc] = m++;
        for (size_t pc = 0; pc < n; pc++) {
                if (!mark[pc])
                        continue;
                struct sock_filter f = p[pc];
                size_t at = where[pc];
                if (f.code == (BPF_JMP | BPF_JA))
                        f.k = (uint32_t)(where[pc + 1 + f.k] - at - 1);
                else if (is_cond_k(f.code)) {
                        /* a subset kept in order: no jump grows */
                        f.jt = (uint8_t)(where[pc + 1 + f.jt] - at - 1);
                        f.jf = (uint8_t)(where[pc + 1 + f.jf] - at - 1);
                }
                emit(&c, f);
        }
        for (size_t i = 0; i < c.nfix; i++)
                c.v[c.fix[i].at].k = (uint32_t)(where[c.fix[i].to_pc] - c.fix[i].at - 1);
        if (c.n > BPF_MAXINSNS) {
                r = -E2BIG;
                goto out;
        }
        *ret = c.v;
        *ret_n = c.n;
        c.v = NULL;
        r = 0;
out:
        free(c.v);
        free(c.fix);
        free(mark);
        free(where);
        free(arch_items);
        free(nr_items);
        free(nrb.v);
        free(archb.v);
        return r;
}
