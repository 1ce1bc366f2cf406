/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compiled seccomp filters, kept between containers. Turning a profile of
 * several hundred syscalls for three architectures into BPF takes libseccomp
 * tens of milliseconds — most of a container's start. The program depends
 * only on the config's seccomp section and libseccomp's version, so it is
 * compiled once and kept in <cache dir>/<hash>.bpf, a file that holds the
 * whole canonical description it was made from (compared byte for byte on
 * load: a hash collision can only cost a compile, never load the wrong
 * filter) followed by the program. Filters with a notify rule are not kept
 * (libseccomp must hand out their listener fd).
 */
#include "runtime/security.h"
#include "security-internal.h"
#include "runtime/seccomp-compact.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MAGIC "berth-seccomp-bpf-3\n" /* 2: the binary tree layout; 3: compacted (ranges) */

typedef struct {
        char *s;
        size_t len, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
        if (b->len + n > b->cap) {
                b->cap = (b->len + n) * 2 + 256;
                b->s = berth_xrealloc(b->s, b->cap);
        }
        memcpy(b->s + b->len, p, n);
        b->len += n;
}

static void put_u64(buf *b, uint64_t v)
{
        put(b, &v, sizeof(v));
}

static void put_str(buf *b, const char *s)
{
        put_u64(b, s ? strlen(s) : UINT64_MAX);
        if (s)
                put(b, s, strlen(s));
}

static void put_strv(buf *b, char **v)
{
        put_u64(b, berth_strv_length(v));
        STRV_FOREACH (x, v)
                put_str(b, *x);
}

/* Everything the program depends on, in one unambiguous byte string. */
static void describe(const oci_seccomp *s, buf *b)
{
        const struct scmp_version *ver = seccomp_version();
        struct utsname u;
        uname(&u);
        put_str(b, u.machine);
        put_u64(b, ver ? ver->major : 0);
        put_u64(b, ver ? ver->minor : 0);
        put_u64(b, ver ? ver->micro : 0);
        put_u64(b, s->default_action);
        put_u64(b, s->default_errno_ret.set);
        put_u64(b, s->default_errno_ret.v);
        put_strv(b, s->architectures);
        put_strv(b, s->flags);
        put_u64(b, s->n_syscalls);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const oci_seccomp_syscall *sc = &s->syscalls[i];
                put_strv(b, sc->names);
                put_u64(b, sc->action);
                put_u64(b, sc->errno_ret.set);
                put_u64(b, sc->errno_ret.v);
                put_u64(b, sc->n_args);
                for (size_t k = 0; k < sc->n_args; k++) {
                        put_u64(b, sc->args[k].index);
                        put_u64(b, sc->args[k].value);
                        put_u64(b, sc->args[k].value_two);
                        put_u64(b, sc->args[k].op);
                }
        }
}

static uint64_t fnv1a(const char *s, size_t n, uint64_t h)
{
        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char)s[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static bool has_notify(const oci_seccomp *s)
{
        for (size_t i = 0; i < s->n_syscalls; i++)
                if (s->syscalls[i].action == OCI_SECCOMP_NOTIFY)
                        return true;
        return false;
}

/* The program of a compiled context, through a memfd (libseccomp exports to an fd). */
static int export_bpf(berth_seccomp *sc, berth_error *err)
{
        _cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot make a memfd");
        int r = berth_seccomp_export(sc, fd);
        if (r < 0)
                return berth_err(err, -r, "cannot export the seccomp filter");
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter))
                return berth_errx(err, EINVAL, "libseccomp exported no program");
        char *p = berth_xmalloc0((size_t)st.st_size);
        if (pread(fd, p, (size_t)st.st_size, 0) != st.st_size) {
                free(p);
                return berth_err(err, errno, "cannot read the seccomp program");
        }
        /* dispatched by ranges where it can be (seccomp-compact.h): the same filter, a fraction
         * of the instructions for the kernel to check and compile at each attach */
        struct sock_filter *small = NULL;
        size_t n_small = 0;
        if (berth_seccomp_compact((const struct sock_filter *)p,
                                  (size_t)st.st_size / sizeof(struct sock_filter), &small,
                                  &n_small) == 0 &&
            n_small * sizeof(struct sock_filter) < (size_t)st.st_size) {
                free(p);
                p = (char *)small;
                st.st_size = (off_t)(n_small * sizeof(struct sock_filter));
        } else {
                free(small);
        }
        berth_seccomp_set_program(sc, p, (size_t)st.st_size);
        return 0;
}

int berth_seccomp_prepare(const oci_seccomp *s, const char *cache_dir, berth_seccomp **ret,
                          berth_error *err)
{
        if (cache_dir == NULL || has_notify(s))
                return berth_seccomp_compile(s, ret, err);
        buf d = {0};
        put(&d, MAGIC, strlen(MAGIC));
        describe(s, &d);
        _cleanup_free_ char *desc = d.s;
        char name[64];
        snprintf(name, sizeof(name), "%016llx%016llx.bpf",
                 (unsigned long long)fnv1a(desc, d.len, 0xcbf29ce484222325ULL),
                 (unsigned long long)fnv1a(desc, d.len, 0x84222325cbf29ce4ULL));
        _cleanup_free_ char *path = berth_xasprintf("%s/%s", cache_dir, name);
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        if (berth_read_file(path, &data, &len, NULL) == 0 && len > d.len &&
            memcmp(data, desc, d.len) == 0 && (len - d.len) % sizeof(struct sock_filter) == 0) {
                char *prog = berth_xmalloc0(len - d.len);
                memcpy(prog, data + d.len, len - d.len);
                *ret = berth_seccomp_from_program(prog, len - d.len, s);
                return 0;
        }
        berth_seccomp *sc = NULL;
        int r = berth_seccomp_compile(s, &sc, err);
        if (r < 0)
                return r;
        if (export_bpf(sc, NULL) == 0) {
                /* keep it for the next container; a cache we cannot write costs only time */
                const char *prog;
                size_t plen = berth_seccomp_program(sc, &prog);
                buf f = {0};
                put(&f, desc, d.len);
                put(&f, prog, plen);
                if (berth_mkdir_p(cache_dir, 0700, NULL) == 0)
                        berth_write_file_atomic(path, f.s, f.len, 0600, NULL);
                free(f.s);
        }
        *ret = sc;
        return 0;
}
