/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v2 device rules: a BPF_PROG_TYPE_CGROUP_DEVICE program built from
 * the OCI rules, loaded with bpf(2) and attached with BPF_F_ALLOW_MULTI.
 *
 * The program checks the rules last to first (the last matching rule wins,
 * as in v1's devices.allow/deny sequence); no match denies.
 */
#include "runtime/cgroup-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define INSN(c, d, s, o, i)                                                                        \
        ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV_R(d, s)    INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_K(d, k)    INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define AND_K(d, k)    INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, k)
#define RSH_K(d, k)    INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, k)
#define JNE_K(d, k, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, k)
#define EXIT()         INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

struct prog {
        struct bpf_insn *v;
        size_t n;
};

static void emit(struct prog *p, struct bpf_insn i)
{
        p->v = berth_xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
        p->v[p->n++] = i;
}

static int access_mask(const char *access)
{
        int m = 0;
        for (const char *c = access && *access ? access : "rwm"; *c; c++) {
                if (*c == 'r')
                        m |= BPF_DEVCG_ACC_READ;
                else if (*c == 'w')
                        m |= BPF_DEVCG_ACC_WRITE;
                else if (*c == 'm')
                        m |= BPF_DEVCG_ACC_MKNOD;
                else
                        return -1;
        }
        return m;
}

/*
 * Registers: r2 = device type, r3 = access, r4 = major, r5 = minor;
 * r1 scratch after the loads.
 */
static int build(const oci_device_rule *rules, size_t n, struct prog *p, berth_error *err)
{
        emit(p, LDX_W(2, 1, 0)); /* access_type */
        emit(p, LDX_W(4, 1, 4)); /* major */
        emit(p, LDX_W(5, 1, 8)); /* minor */
        emit(p, MOV_R(3, 2));
        emit(p, AND_K(2, 0xffff));
        emit(p, RSH_K(3, 16));
        bool open_end = true; /* false once a rule matches everything: the rest is dead code */
        for (size_t k = n; k > 0 && open_end; k--) {
                const oci_device_rule *r = &rules[k - 1];
                int acc = access_mask(r->access);
                if (acc < 0)
                        return berth_errx(err, EINVAL, "invalid device access '%s'", r->access);
                size_t jumps[4], nj = 0;
                if (r->type == 'c' || r->type == 'b') {
                        jumps[nj++] = p->n;
                        emit(p, JNE_K(2, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK,
                                      0));
                } else if (r->type && r->type != 'a') {
                        return berth_errx(err, EINVAL, "invalid device type '%c'", r->type);
                }
                if (acc != (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)) {
                        /* Every access asked for must be in the rule's set. */
                        emit(p, MOV_R(1, 3));
                        emit(p, AND_K(1, ~acc));
                        jumps[nj++] = p->n;
                        emit(p, JNE_K(1, 0, 0));
                }
                if (r->major >= 0) {
                        jumps[nj++] = p->n;
                        emit(p, JNE_K(4, (int32_t)r->major, 0));
                }
                if (r->minor >= 0) {
                        jumps[nj++] = p->n;
                        emit(p, JNE_K(5, (int32_t)r->minor, 0));
                }
                emit(p, MOV_K(0, r->allow ? 1 : 0));
                emit(p, EXIT());
                for (size_t j = 0; j < nj; j++)
                        p->v[jumps[j]].off = (int16_t)(p->n - jumps[j] - 1);
                open_end = nj > 0;
        }
        if (open_end) {
                emit(p, MOV_K(0, 0));
                emit(p, EXIT());
        }
        return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
        return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* ids of the device programs attached to cgfd now. */
static int query(int cgfd, uint32_t *ids, uint32_t *n)
{
        union bpf_attr a;
        memset(&a, 0, sizeof(a));
        a.query.target_fd = cgfd;
        a.query.attach_type = BPF_CGROUP_DEVICE;
        a.query.prog_ids = (uint64_t)(uintptr_t)ids;
        a.query.prog_cnt = *n;
        if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
                return -errno;
        *n = a.query.prog_cnt;
        return 0;
}

int cg_v2_devices_apply(const char *dir, const oci_device_rule *rules, size_t n, berth_error *err)
{
        struct prog p = {0};
        int r = build(rules, n, &p, err);
        if (r < 0) {
                free(p.v);
                return r;
        }
        _cleanup_close_ int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgfd < 0) {
                free(p.v);
                return berth_err(err, errno, "cannot open cgroup '%s'", dir);
        }
        uint32_t old[64], nold = ARRAY_SIZE(old);
        if (query(cgfd, old, &nold) < 0)
                nold = 0;

        char log[4096] = "";
        union bpf_attr a;
        memset(&a, 0, sizeof(a));
        a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        a.insns = (uint64_t)(uintptr_t)p.v;
        a.insn_cnt = (uint32_t)p.n;
        a.license = (uint64_t)(uintptr_t) "Apache-2.0";
        a.log_buf = (uint64_t)(uintptr_t)log;
        a.log_size = sizeof(log);
        a.log_level = 1;
        _cleanup_close_ int progfd = sys_bpf(BPF_PROG_LOAD, &a);
        if (progfd < 0 && errno == ENOSPC) {
                /* The verifier's log was too small: load again without it. */
                a.log_buf = 0;
                a.log_size = 0;
                a.log_level = 0;
                progfd = sys_bpf(BPF_PROG_LOAD, &a);
        }
        int e = errno;
        free(p.v);
        log[strcspn(log, "\n")] = '\0';
        if (progfd < 0)
                return berth_err(err, e, "cannot load the device filter for '%s'%s%s", dir,
                                 *log ? ": " : "", log);

        memset(&a, 0, sizeof(a));
        a.target_fd = cgfd;
        a.attach_bpf_fd = progfd;
        a.attach_type = BPF_CGROUP_DEVICE;
        a.attach_flags = BPF_F_ALLOW_MULTI;
        if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
                return berth_err(err, errno, "cannot attach the device filter to '%s'", dir);

        /* Now the new rules hold: drop the programs they replace. */
        for (uint32_t i = 0; i < nold; i++) {
                memset(&a, 0, sizeof(a));
                a.prog_id = old[i];
                _cleanup_close_ int ofd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
                if (ofd < 0)
                        continue;
                memset(&a, 0, sizeof(a));
                a.target_fd = cgfd;
                a.attach_bpf_fd = ofd;
                a.attach_type = BPF_CGROUP_DEVICE;
                if (sys_bpf(BPF_PROG_DETACH, &a) < 0)
                        return berth_err(err, errno,
                                         "cannot detach the old device filter %u from '%s'", old[i],
                                         dir);
        }
        return 0;
}
