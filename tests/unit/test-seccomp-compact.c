/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth_seccomp_compact against libseccomp's own programs: Docker's default
 * profile (Docker's capabilities, and all of them), and profiles with every
 * argument comparison, action and several architectures. Both programs run
 * in a BPF interpreter here over every architecture and syscall number the
 * programs compare with (and their neighbours, both ends, and x86-64's and
 * x32's whole tables) with arguments made of the programs' constants: every
 * answer must be the same, and the rewrite much smaller. The kernel takes
 * it and it filters: a denied syscall fails with EPERM, others work.
 */
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "oci/spec.h"
#include "runtime/seccomp-compact.h"
#include "runtime/security-internal.h"
#include "runtime/security.h"
#include "specgen/specgen.h"
#include "tap.h"

#include <errno.h>
#include <stdbool.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A classic BPF interpreter over struct seccomp_data, as the kernel runs a filter. */
static uint32_t run(const struct sock_filter *p, size_t n, const struct seccomp_data *d)
{
        uint32_t a = 0, x = 0, m[BPF_MEMWORDS] = {0};
        const unsigned char *data = (const unsigned char *)d;
        for (size_t pc = 0; pc < n;) {
                const struct sock_filter *f = &p[pc++];
                uint32_t k = f->k, src = BPF_SRC(f->code) == BPF_X ? x : k;
                switch (BPF_CLASS(f->code)) {
                case BPF_LD:
                        if (BPF_MODE(f->code) == BPF_ABS)
                                memcpy(&a, data + k, 4);
                        else if (BPF_MODE(f->code) == BPF_IMM)
                                a = k;
                        else
                                a = m[k];
                        break;
                case BPF_LDX:
                        x = BPF_MODE(f->code) == BPF_IMM ? k : m[k];
                        break;
                case BPF_ST:
                        m[k] = a;
                        break;
                case BPF_STX:
                        m[k] = x;
                        break;
                case BPF_ALU:
                        switch (BPF_OP(f->code)) {
                        case BPF_ADD:
                                a += src;
                                break;
                        case BPF_SUB:
                                a -= src;
                                break;
                        case BPF_MUL:
                                a *= src;
                                break;
                        case BPF_DIV:
                                a = src ? a / src : 0;
                                break;
                        case BPF_OR:
                                a |= src;
                                break;
                        case BPF_AND:
                                a &= src;
                                break;
                        case BPF_LSH:
                                a = src < 32 ? a << src : 0;
                                break;
                        case BPF_RSH:
                                a = src < 32 ? a >> src : 0;
                                break;
                        case BPF_NEG:
                                a = -a;
                                break;
                        case BPF_MOD:
                                a = src ? a % src : 0;
                                break;
                        case BPF_XOR:
                                a ^= src;
                                break;
                        }
                        break;
                case BPF_JMP:
                        if (BPF_OP(f->code) == BPF_JA) {
                                pc += k;
                                break;
                        }
                        bool t = BPF_OP(f->code) == BPF_JEQ   ? a == src
                                 : BPF_OP(f->code) == BPF_JGT ? a > src
                                 : BPF_OP(f->code) == BPF_JGE ? a >= src
                                                              : (a & src) != 0;
                        pc += t ? f->jt : f->jf;
                        break;
                case BPF_RET:
                        return BPF_RVAL(f->code) == BPF_A ? a : k;
                case BPF_MISC:
                        if (BPF_MISCOP(f->code) == BPF_TAX)
                                x = a;
                        else
                                a = x;
                        break;
                }
        }
        return 0xdeadbeef; /* ran off the end */
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

typedef struct {
        uint32_t *v;
        size_t n;
} values;

static void add(values *s, uint32_t x)
{
        s->v = berth_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
        s->v[s->n++] = x;
}

/* Every input worth trying for these two programs; the number of inputs whose answers differ. */
static size_t differences(const struct sock_filter *p, size_t n, const struct sock_filter *q,
                          size_t qn, size_t *tried)
{
        values ks = {0}, arches = {0}, nrs = {0};
        for (size_t i = 0; i < n; i++)
                if (BPF_CLASS(p[i].code) == BPF_JMP && BPF_OP(p[i].code) != BPF_JA)
                        add(&ks, p[i].k);
        const uint32_t known[] = {
            AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, 0, UINT32_MAX};
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
                for (int d = -1; d <= 1; d++)
                        add(&arches, known[i] + (uint32_t)d);
        for (size_t i = 0; i < ks.n; i++)
                for (int d = -1; d <= 1; d++)
                        add(&nrs, ks.v[i] + (uint32_t)d);
        for (uint32_t i = 0; i < 600; i++) {
                add(&nrs, i);
                add(&nrs, 0x40000000 + i);
        }
        add(&nrs, UINT32_MAX);
        for (int i = 0; i < 64; i++)
                add(&nrs, (uint32_t)next_rand());
        size_t diff = 0;
        *tried = 0;
        for (size_t ai = 0; ai < arches.n; ai++)
                for (size_t ni = 0; ni < nrs.n; ni++)
                        for (int t = 0; t < 4; t++) {
                                struct seccomp_data d = {.nr = (int)nrs.v[ni],
                                                         .arch = arches.v[ai],
                                                         .instruction_pointer = next_rand()};
                                for (int j = 0; j < 6; j++) {
                                        uint64_t r = next_rand(), k = ks.n ? ks.v[r % ks.n] : 0;
                                        uint64_t pick[] = {0,     UINT64_MAX, k, k << 32,
                                                           k + 1, k - 1,      r, (uint32_t)r};
                                        d.args[j] = t == 0 ? 0 : pick[(r >> 32) % 8];
                                }
                                (*tried)++;
                                if (run(p, n, &d) != run(q, qn, &d) && diff++ < 3)
                                        printf("# differ: arch %#x nr %#x\n", d.arch,
                                               (unsigned)d.nr);
                        }
        free(ks.v);
        free(arches.v);
        free(nrs.v);
        return diff;
}

/* libseccomp's program for the linux.seccomp of a spec (JSON text). */
static struct sock_filter *program_of(const char *spec_text, size_t *ret_n)
{
        berth_error err = {0};
        oci_spec *s = berth_oci_spec_parse(spec_text, strlen(spec_text), &err);
        if (s == NULL || s->linux == NULL || s->linux->seccomp == NULL) {
                printf("# spec: %s\n", err.msg);
                berth_oci_spec_free(s);
                return NULL;
        }
        berth_seccomp *sc = NULL;
        struct sock_filter *p = NULL;
        if (berth_seccomp_compile(s->linux->seccomp, &sc, &err) < 0) {
                printf("# compile: %s\n", err.msg);
        } else {
                int fd = memfd_create("prog", MFD_CLOEXEC);
                struct stat st;
                if (berth_seccomp_export(sc, fd) == 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
                        p = berth_xmalloc0((size_t)st.st_size);
                        if (pread(fd, p, (size_t)st.st_size, 0) == st.st_size)
                                *ret_n = (size_t)st.st_size / sizeof(*p);
                }
                close(fd);
        }
        berth_seccomp_free(sc);
        berth_oci_spec_free(s);
        return p;
}

/* The spec berth generates for a container with body (Docker's default profile in it). */
static char *default_spec(const char *body)
{
        berth_error err = {0};
        json_t *b = json_loads(body, 0, NULL);
        berth_specgen_input in = {.id = "0123456789ab", .rootfs = "/tmp", .body = b};
        json_t *spec = berth_specgen(&in, &err);
        json_decref(b);
        char *text = spec ? json_dumps(spec, JSON_COMPACT) : NULL;
        json_decref(spec);
        return text;
}

static void check_profile(const char *what, const char *spec_text, bool must_shrink, size_t *ret_n,
                          struct sock_filter **ret_q)
{
        size_t n = 0, qn = 0, tried = 0;
        struct sock_filter *p = spec_text ? program_of(spec_text, &n) : NULL;
        struct sock_filter *q = NULL;
        ok(p != NULL, "%s: libseccomp's program (%zu instructions)", what, n);
        int r = p ? berth_seccomp_compact(p, n, &q, &qn) : -1;
        is_int(r, 0, "%s: rewritten", what);
        if (must_shrink)
                ok(q && qn < n, "%s: %zu instructions instead of %zu", what, qn, n);
        if (q)
                is_int((long long)differences(p, n, q, qn, &tried), 0,
                       "%s: the same answer for all %zu inputs tried", what, tried);
        free(p);
        if (ret_q) {
                *ret_q = q;
                *ret_n = qn;
        } else {
                free(q);
        }
}

static const char hand_profile[] =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"linux\":{\"seccomp\":{"
    "\"defaultAction\":\"SCMP_ACT_ERRNO\","
    "\"defaultErrnoRet\":1,\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\","
    "\"SCMP_ARCH_X32\",\"SCMP_ARCH_AARCH64\"],\"syscalls\":["
    "{\"names\":[\"read\",\"write\",\"close\",\"exit\",\"exit_group\",\"futex\",\"openat\"],"
    "\"action\":\"SCMP_ACT_ALLOW\"},"
    "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
    "\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]},"
    "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
    "\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}]},"
    "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
    "\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
    "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":97,\"args\":[{\"index\":"
    "0,\"value\":40,\"op\":\"SCMP_CMP_EQ\"}]},"
    "{\"names\":[\"mmap\",\"mprotect\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":2,"
    "\"value\":4,\"op\":\"SCMP_CMP_NE\"}]},"
    "{\"names\":[\"lseek\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":2,\"value\":3,"
    "\"op\":\"SCMP_CMP_LT\"}]},"
    "{\"names\":[\"pread64\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":3,\"value\":"
    "1099511627776,\"op\":\"SCMP_CMP_LE\"}]},"
    "{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_KILL_PROCESS\",\"args\":[{\"index\":1,"
    "\"value\":9,\"op\":\"SCMP_CMP_GE\"}]},"
    "{\"names\":[\"tgkill\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":2,\"value\":15,"
    "\"op\":\"SCMP_CMP_GT\"},{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_NE\"}]},"
    "{\"names\":[\"getpid\",\"gettid\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":7},"
    "{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_LOG\"},"
    "{\"names\":[\"reboot\"],\"action\":\"SCMP_ACT_KILL\"},"
    "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_TRAP\"}]}}}";

static const char allow_profile[] =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"linux\":{\"seccomp\":{"
    "\"defaultAction\":\"SCMP_ACT_ALLOW\","
    "\"architectures\":[\"SCMP_ARCH_AARCH64\",\"SCMP_ARCH_ARM\"],\"syscalls\":["
    "{\"names\":[\"reboot\",\"kexec_load\",\"init_module\",\"delete_module\"],\"action\":"
    "\"SCMP_ACT_ERRNO\",\"errnoRet\":1},"
    "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":22,\"args\":[{\"index\":"
    "1,\"value\":3,\"op\":\"SCMP_CMP_EQ\"}]}]}}}";

/* Programs it leaves alone, or refuses. */
static void test_refusals(void)
{
        struct sock_filter *q = NULL;
        size_t qn = 0;
        struct sock_filter jset_nr[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
            BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, 0),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        is_int(berth_seccomp_compact(jset_nr, 4, &q, &qn), -ENOTSUP,
               "a bit test of the number: not rewritten");
        struct sock_filter alu_nr[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), BPF_STMT(BPF_RET | BPF_K, 0),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        is_int(berth_seccomp_compact(alu_nr, 5, &q, &qn), -ENOTSUP,
               "arithmetic on the number: not rewritten");
        struct sock_filter with_x[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
            BPF_STMT(BPF_MISC | BPF_TAX, 0),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        is_int(berth_seccomp_compact(with_x, 3, &q, &qn), -ENOTSUP,
               "the X register: not rewritten");
        struct sock_filter out_of_range[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 5, 0),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        is_int(berth_seccomp_compact(out_of_range, 3, &q, &qn), -EINVAL,
               "a jump past the end: refused");
        struct sock_filter no_ret[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
        };
        is_int(berth_seccomp_compact(no_ret, 1, &q, &qn), -EINVAL, "no return at the end: refused");
        struct sock_filter past_data[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        is_int(berth_seccomp_compact(past_data, 2, &q, &qn), -EINVAL,
               "a load past seccomp_data: refused");
        /* 60 architectures and 3900 numbers compared along one chain: ~3.8e9 steps to run */
        static struct sock_filter slow[3963];
        size_t k = 0;
        slow[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4);
        for (uint32_t i = 0; i < 60; i++)
                slow[k++] =
                    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x1000 + i, 0, 0);
        slow[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
        for (uint32_t i = 0; i < 3900; i++)
                slow[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2 * i, 0, 0);
        slow[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        is_int(berth_seccomp_compact(slow, k, &q, &qn), -ENOTSUP,
               "a program whose cells would take long to run: not rewritten");
        struct sock_filter tiny[] = {
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        ok(berth_seccomp_compact(tiny, 1, &q, &qn) == 0 && qn == 2 &&
               run(q, qn, &(struct seccomp_data){0}) == SECCOMP_RET_ALLOW,
           "a program of one return: a longer one with the same answer (the caller keeps the "
           "shorter)");
        free(q);
}

/* In a child: the rewritten default filter attached; what getpid, unshare and reboot do. */
static void test_kernel(const struct sock_filter *q, size_t qn)
{
        int p[2];
        if (!ok(pipe(p) == 0, "pipe"))
                return;
        pid_t pid = fork();
        if (pid == 0) {
                struct sock_fprog fp = {.len = (unsigned short)qn,
                                        .filter = (struct sock_filter *)q};
                char out[128];
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0) {
                        int n = snprintf(out, sizeof(out), "attach: %s", strerror(errno));
                        _exit(write(p[1], out, (size_t)n) == n ? 1 : 2);
                }
                long me = syscall(SYS_getpid);
                int un = unshare(CLONE_NEWUTS) < 0 ? errno : 0;
                int rb = syscall(SYS_reboot, 0, 0, 0, NULL) < 0 ? errno : 0;
                int n = snprintf(out, sizeof(out), "getpid %s unshare %d reboot %d",
                                 me == getpid() ? "ok" : "bad", un, rb);
                _exit(write(p[1], out, (size_t)n) == n ? 0 : 2);
        }
        close(p[1]);
        char got[128] = "";
        ssize_t n = read(p[0], got, sizeof(got) - 1);
        got[n > 0 ? n : 0] = '\0';
        close(p[0]);
        waitpid(pid, NULL, 0);
        char want[64];
        snprintf(want, sizeof(want), "getpid ok unshare %d reboot %d", EPERM, EPERM);
        is_str(got, want, "the kernel takes it; what it allows works, what it denies fails EPERM");
}

int main(void)
{
        test_refusals();
        _cleanup_free_ char *docker = default_spec("{\"Cmd\":[\"true\"]}");
        struct sock_filter *q = NULL;
        size_t qn = 0;
        check_profile("Docker's default profile", docker, true, &qn, &q);
        _cleanup_free_ char *all =
            default_spec("{\"Cmd\":[\"true\"],\"HostConfig\":{\"CapAdd\":[\"ALL\"]}}");
        check_profile("the default profile with every capability", all, true, NULL, NULL);
        check_profile("a profile of every comparison and action on four architectures",
                      hand_profile, false, NULL, NULL);
        check_profile("an allow-by-default profile for arm", allow_profile, false, NULL, NULL);
        if (q)
                test_kernel(q, qn);
        free(q);
        return tap_done();
}
