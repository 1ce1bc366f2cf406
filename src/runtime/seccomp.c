/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config's linux.seccomp as a libseccomp filter.
 *
 * Compiling needs no files, so the runtime may do it before pivot_root;
 * installing is one seccomp_load(). no_new_privs is left to the runtime
 * (SCMP_FLTATR_CTL_NNP is off): it sets it itself when the config asks.
 */
#include "runtime/security.h"
#include "security-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct berth_seccomp {
        scmp_filter_ctx ctx; /* NULL for a filter loaded from the cache */
        bool notify;         /* has an SCMP_ACT_NOTIFY rule */
        char *prog;          /* the BPF program, when known */
        size_t prog_len;
        unsigned int flags; /* SECCOMP_FILTER_FLAG_* for installing prog */
};

static unsigned int filter_flags(char **flags)
{
        unsigned int f = 0;
        STRV_FOREACH (x, flags) {
                if (strcmp(*x, "SECCOMP_FILTER_FLAG_LOG") == 0)
                        f |= SECCOMP_FILTER_FLAG_LOG;
#ifdef SECCOMP_FILTER_FLAG_SPEC_ALLOW
                else if (strcmp(*x, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
                        f |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
#endif
        }
        return f;
}

int berth_seccomp_export(berth_seccomp *sc, int fd)
{
        return sc->ctx ? seccomp_export_bpf(sc->ctx, fd) : -EINVAL;
}

void berth_seccomp_set_program(berth_seccomp *sc, char *prog, size_t len)
{
        free(sc->prog);
        sc->prog = prog;
        sc->prog_len = len;
}

size_t berth_seccomp_program(const berth_seccomp *sc, const char **ret)
{
        *ret = sc->prog;
        return sc->prog_len;
}

berth_seccomp *berth_seccomp_from_program(char *prog, size_t len, const oci_seccomp *s)
{
        berth_seccomp *sc = berth_xmalloc0(sizeof(*sc));
        sc->prog = prog;
        sc->prog_len = len;
        sc->flags = filter_flags(s->flags);
        return sc;
}

#define SYSCALL_MAX_ARGS 6

static const char *action_name(enum oci_seccomp_action a)
{
        switch (a) {
        case OCI_SECCOMP_KILL:
                return "SCMP_ACT_KILL";
        case OCI_SECCOMP_KILL_PROCESS:
                return "SCMP_ACT_KILL_PROCESS";
        case OCI_SECCOMP_KILL_THREAD:
                return "SCMP_ACT_KILL_THREAD";
        case OCI_SECCOMP_TRAP:
                return "SCMP_ACT_TRAP";
        case OCI_SECCOMP_ERRNO:
                return "SCMP_ACT_ERRNO";
        case OCI_SECCOMP_TRACE:
                return "SCMP_ACT_TRACE";
        case OCI_SECCOMP_ALLOW:
                return "SCMP_ACT_ALLOW";
        case OCI_SECCOMP_LOG:
                return "SCMP_ACT_LOG";
        case OCI_SECCOMP_NOTIFY:
                return "SCMP_ACT_NOTIFY";
        }
        return "unknown";
}

/* The libseccomp action for a, with ret as the errno (ERRNO, TRACE; EPERM if unset). */
static int to_scmp_action(enum oci_seccomp_action a, oci_opt_u64 ret, uint32_t *out,
                          berth_error *err)
{
        uint64_t data = ret.set ? ret.v : EPERM;

        if ((a == OCI_SECCOMP_ERRNO || a == OCI_SECCOMP_TRACE) && data > 0xffff)
                return berth_errx(err, EINVAL, "errnoRet %llu of %s is out of range",
                                  (unsigned long long)data, action_name(a));
        switch (a) {
        case OCI_SECCOMP_KILL:
                *out = SCMP_ACT_KILL; /* the thread, as in libseccomp and runc */
                return 0;
        case OCI_SECCOMP_KILL_PROCESS:
                *out = SCMP_ACT_KILL_PROCESS;
                return 0;
        case OCI_SECCOMP_KILL_THREAD:
                *out = SCMP_ACT_KILL_THREAD;
                return 0;
        case OCI_SECCOMP_TRAP:
                *out = SCMP_ACT_TRAP;
                return 0;
        case OCI_SECCOMP_ERRNO:
                *out = SCMP_ACT_ERRNO((uint32_t)data);
                return 0;
        case OCI_SECCOMP_TRACE:
                *out = SCMP_ACT_TRACE((uint32_t)data);
                return 0;
        case OCI_SECCOMP_ALLOW:
                *out = SCMP_ACT_ALLOW;
                return 0;
        case OCI_SECCOMP_LOG:
                *out = SCMP_ACT_LOG;
                return 0;
        case OCI_SECCOMP_NOTIFY:
                *out = SCMP_ACT_NOTIFY;
                return 0;
        }
        return berth_errx(err, EINVAL, "unknown seccomp action %d", (int)a);
}

static int to_scmp_op(enum oci_seccomp_op op, enum scmp_compare *out)
{
        switch (op) {
        case OCI_SECCOMP_OP_NE:
                *out = SCMP_CMP_NE;
                return 0;
        case OCI_SECCOMP_OP_LT:
                *out = SCMP_CMP_LT;
                return 0;
        case OCI_SECCOMP_OP_LE:
                *out = SCMP_CMP_LE;
                return 0;
        case OCI_SECCOMP_OP_EQ:
                *out = SCMP_CMP_EQ;
                return 0;
        case OCI_SECCOMP_OP_GE:
                *out = SCMP_CMP_GE;
                return 0;
        case OCI_SECCOMP_OP_GT:
                *out = SCMP_CMP_GT;
                return 0;
        case OCI_SECCOMP_OP_MASKED_EQ:
                *out = SCMP_CMP_MASKED_EQ;
                return 0;
        }
        return -EINVAL;
}

static int add_arch(scmp_filter_ctx ctx, const char *name, berth_error *err)
{
        char lower[64];
        const char *s = name;
        size_t i;

        if (berth_str_has_prefix(s, "SCMP_ARCH_"))
                s += strlen("SCMP_ARCH_");
        for (i = 0; s[i] && i < sizeof(lower) - 1; i++)
                lower[i] = (char)tolower((unsigned char)s[i]);
        lower[i] = '\0';

        uint32_t arch = s[i] == '\0' ? seccomp_arch_resolve_name(lower) : 0;
        if (arch == 0)
                return berth_errx(err, EINVAL, "unknown seccomp architecture '%s'", name);
        int r = seccomp_arch_add(ctx, arch);
        /* EDOM: the other byte order (s390x on x86_64) cannot share a filter
         * with the native one; no such syscall can reach this kernel anyway. */
        if (r < 0 && r != -EEXIST && r != -EDOM)
                return berth_err(err, -r, "cannot add seccomp architecture '%s'", name);
        return 0;
}

static int set_flag(scmp_filter_ctx ctx, const char *flag, berth_error *err)
{
        enum scmp_filter_attr attr;

        if (strcmp(flag, "SECCOMP_FILTER_FLAG_LOG") == 0)
                attr = SCMP_FLTATR_CTL_LOG;
        else if (strcmp(flag, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
                attr = SCMP_FLTATR_CTL_SSB;
        else if (strcmp(flag, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
                attr = SCMP_FLTATR_CTL_TSYNC;
        else if (strcmp(flag, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0) {
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
                attr = SCMP_FLTATR_CTL_WAITKILL;
#else
                return 0; /* this libseccomp (< 2.6) cannot ask for it */
#endif
        } else
                return berth_errx(err, EINVAL, "unknown seccomp flag '%s'", flag);

        int r = seccomp_attr_set(ctx, attr, 1);
        if (r < 0)
                return berth_err(err, -r, "cannot set seccomp flag '%s'", flag);
        return 0;
}

static int add_rules(scmp_filter_ctx ctx, const oci_seccomp_syscall *sc, size_t idx,
                     uint32_t default_act, bool *notify, berth_error *err)
{
        struct scmp_arg_cmp conds[SYSCALL_MAX_ARGS * 4];
        unsigned per_index[SYSCALL_MAX_ARGS] = {0};
        bool separate = false;
        uint32_t act;
        int r;

        r = to_scmp_action(sc->action, sc->errno_ret, &act, err);
        if (r < 0)
                return berth_wrap(err, "syscalls[%zu]", idx);
        /* libseccomp refuses a rule that repeats the default action. */
        if (act == default_act)
                return 0;
        if (sc->n_args > ARRAY_SIZE(conds))
                return berth_errx(err, EINVAL, "syscalls[%zu]: too many args (%zu)", idx,
                                  sc->n_args);
        for (size_t i = 0; i < sc->n_args; i++) {
                const oci_seccomp_arg *a = &sc->args[i];
                enum scmp_compare op;
                if (a->index >= SYSCALL_MAX_ARGS)
                        return berth_errx(err, EINVAL,
                                          "syscalls[%zu].args[%zu]: index %u out of range", idx, i,
                                          a->index);
                if (to_scmp_op(a->op, &op) < 0)
                        return berth_errx(err, EINVAL,
                                          "syscalls[%zu].args[%zu]: unknown operator %d", idx, i,
                                          (int)a->op);
                /* MASKED_EQ: value is the mask, valueTwo the datum (libseccomp's order). */
                conds[i] = (struct scmp_arg_cmp){
                    .arg = a->index, .op = op, .datum_a = a->value, .datum_b = a->value_two};
                if (++per_index[a->index] > 1)
                        separate = true;
        }

        STRV_FOREACH (name, sc->names) {
                int nr = seccomp_syscall_resolve_name(*name);
                if (nr == __NR_SCMP_ERROR)
                        continue; /* unknown here: skipped, as runc does */
                if (separate) {
                        /* Several conditions on one argument can never all hold:
                         * like runc, each becomes a rule of its own (an OR). */
                        for (size_t i = 0; i < sc->n_args; i++) {
                                r = seccomp_rule_add_array(ctx, act, nr, 1, &conds[i]);
                                if (r < 0)
                                        break;
                        }
                } else
                        r = seccomp_rule_add_array(ctx, act, nr, (unsigned)sc->n_args, conds);
                if (r < 0)
                        return berth_err(err, -r, "cannot add seccomp rule for '%s'", *name);
        }
        if (act == SCMP_ACT_NOTIFY)
                *notify = true;
        return 0;
}

int berth_seccomp_compile(const oci_seccomp *s, berth_seccomp **ret, berth_error *err)
{
        uint32_t default_act;
        int r;

        if (s->default_action == OCI_SECCOMP_NOTIFY)
                return berth_errx(err, EINVAL, "SCMP_ACT_NOTIFY cannot be the default action");
        r = to_scmp_action(s->default_action, s->default_errno_ret, &default_act, err);
        if (r < 0)
                return berth_wrap(err, "defaultAction");

        _cleanup_free_ berth_seccomp *sc = berth_xmalloc0(sizeof(*sc));
        sc->ctx = seccomp_init(default_act);
        if (sc->ctx == NULL)
                return berth_errx(err, EINVAL, "cannot create seccomp filter");

        r = seccomp_attr_set(sc->ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0) {
                berth_err(err, -r, "cannot turn off no_new_privs in seccomp filter");
                goto fail;
        }
        /* Plain errnos from seccomp_load() rather than libseccomp's own. */
        (void)seccomp_attr_set(sc->ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
        /* The syscalls as a binary tree instead of a chain: a profile of Docker's size is ~1900
         * instructions either way, but at attach the kernel runs the filter for every syscall
         * number to find the ones always allowed (its action cache), and each syscall the
         * cache misses runs it again — a tree takes a few dozen steps where the chain takes
         * hundreds. */
        (void)seccomp_attr_set(sc->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

        STRV_FOREACH (a, s->architectures) {
                r = add_arch(sc->ctx, *a, err);
                if (r < 0)
                        goto fail;
        }
        STRV_FOREACH (f, s->flags) {
                r = set_flag(sc->ctx, *f, err);
                if (r < 0)
                        goto fail;
        }
        for (size_t i = 0; i < s->n_syscalls; i++) {
                r = add_rules(sc->ctx, &s->syscalls[i], i, default_act, &sc->notify, err);
                if (r < 0)
                        goto fail;
        }
        sc->flags = filter_flags(s->flags);
        *ret = TAKE_PTR(sc);
        return 0;
fail:
        seccomp_release(sc->ctx);
        return r;
}

int berth_seccomp_install(berth_seccomp *sc, int *ret_notify_fd, berth_error *err)
{
        if (sc->prog && !sc->notify) {
                struct sock_fprog fp = {
                    .len = (unsigned short)(sc->prog_len / sizeof(struct sock_filter)),
                    .filter = (struct sock_filter *)sc->prog};
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, sc->flags, &fp) < 0)
                        return berth_err(err, errno, "cannot load seccomp filter");
                if (ret_notify_fd)
                        *ret_notify_fd = -1;
                return 0;
        }
        int r = seccomp_load(sc->ctx);
        if (r < 0)
                return berth_err(err, -r, "cannot load seccomp filter");
        int fd = -1;
        if (sc->notify) {
                fd = seccomp_notify_fd(sc->ctx);
                if (fd < 0)
                        return berth_err(err, fd == -1 ? EBADF : -fd,
                                         "cannot get seccomp listener fd");
        }
        if (ret_notify_fd)
                *ret_notify_fd = fd;
        return 0;
}

bool berth_seccomp_has_notify(const berth_seccomp *sc)
{
        return sc && sc->notify;
}

void berth_seccomp_free(berth_seccomp *sc)
{
        if (sc == NULL)
                return;
        if (sc->ctx)
                seccomp_release(sc->ctx);
        free(sc->prog);
        free(sc);
}
