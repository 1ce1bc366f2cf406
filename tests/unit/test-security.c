/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Each check forks a child that applies one thing to itself and reports
 * back through a pipe (text) and its exit status; the parent asserts.
 */
#include "base/cleanup.h"
#include "base/error.h"
#include "base/strutil.h"
#include "runtime/security.h"
#include "base/fs.h"
#include "tap.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <dirent.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static bool is_root;

/* ---- fork helper ------------------------------------------------------ */

typedef int (*child_fn)(int out, void *arg);

struct child_result {
        int status;     /* from waitpid */
        char out[8192]; /* what the child wrote */
};

/* Write a formatted line to fd from a child (no stdio buffers shared). */
__attribute__((format(printf, 2, 3))) static void say(int fd, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n > 0)
                (void)!write(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void run_child(child_fn fn, void *arg, struct child_result *res)
{
        int p[2];
        memset(res, 0, sizeof(*res));
        if (pipe2(p, O_CLOEXEC) < 0)
                abort();
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                close(p[0]);
                /* A process killed by seccomp must not leave a core behind. */
                struct rlimit rl = {0, 0};
                setrlimit(RLIMIT_CORE, &rl);
                _exit(fn(p[1], arg));
        }
        close(p[1]);
        size_t len = 0;
        ssize_t n;
        while (len < sizeof(res->out) - 1 &&
               (n = read(p[0], res->out + len, sizeof(res->out) - 1 - len)) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                len += (size_t)n;
        }
        res->out[len] = '\0';
        close(p[0]);
        while (waitpid(pid, &res->status, 0) < 0 && errno == EINTR)
                ;
}

static bool exited_ok(const struct child_result *r)
{
        return WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

/* The first line of s, for a test name (TAP names are one line). */
static const char *line1(const char *s)
{
        static char buf[256];
        size_t n = strcspn(s, "\n");
        if (n >= sizeof(buf))
                n = sizeof(buf) - 1;
        memcpy(buf, s, n);
        buf[n] = '\0';
        return buf;
}

static void skip(const char *name, const char *why)
{
        tap_count++;
        printf("ok %d - %s # skip %s\n", tap_count, name, why);
}

/* ---- seccomp ---------------------------------------------------------- */

static int notify_sock = -1;

static char **names(const char *a, const char *b)
{
        static char *v[8][3];
        static int i;
        char **n = v[i++ % 8];
        n[0] = (char *)a;
        n[1] = (char *)b;
        n[2] = NULL;
        return n;
}

struct sc_case {
        oci_seccomp s;
        int (*probe)(int out, int notify_fd);
        const char *cache_dir; /* through berth_seccomp_prepare() when set */
};

static int sc_child(int out, void *arg)
{
        struct sc_case *c = arg;
        berth_error err = {0};
        berth_seccomp *sc = NULL;
        int fd = -1;
        /* Without CAP_SYS_ADMIN the kernel takes a filter only under no_new_privs. */
        if (!is_root && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return 5;
        int r = c->cache_dir ? berth_seccomp_prepare(&c->s, c->cache_dir, &sc, &err)
                             : berth_seccomp_compile(&c->s, &sc, &err);
        if (r < 0 || berth_seccomp_install(sc, &fd, &err) < 0) {
                say(out, "error: %s", err.msg);
                return 2;
        }
        berth_seccomp_free(sc);
        return c->probe(out, fd);
}

static int probe_mkdir(int out, int fd)
{
        long r = syscall(SYS_mkdirat, AT_FDCWD, "/tmp/berth-seccomp-never", 0700);
        int e1 = r < 0 ? errno : 0;
        r = mkdir("/tmp/berth-seccomp-never", 0700);
        int e2 = r < 0 ? errno : 0;
        say(out, "%d %d", e1, e2);
        return 0;
}

static int probe_getppid(int out, int fd)
{
        long r = syscall(SYS_getppid);
        say(out, "%ld %d", r, r < 0 ? errno : 0);
        return 0;
}

static int probe_personality(int out, int fd)
{
        long q = syscall(SYS_personality, 0xffffffffUL);
        int eq = q < 0 ? errno : 0;
        long s = syscall(SYS_personality, (unsigned long)PER_LINUX32);
        int es = s < 0 ? errno : 0;
        long l = syscall(SYS_personality, (unsigned long)PER_LINUX);
        int el = l < 0 ? errno : 0;
        say(out, "%d %d %d", eq, es, el);
        return 0;
}

/* socket(domain, type): "0" when allowed, else the errno. */
static int try_socket(int domain, int type)
{
        int s = socket(domain, type | SOCK_CLOEXEC, 0);
        if (s < 0)
                return errno;
        close(s);
        return 0;
}

static int probe_sockets(int out, int fd)
{
        say(out, "%d %d %d %d", try_socket(AF_UNIX, SOCK_STREAM), try_socket(AF_UNIX, SOCK_DGRAM),
            try_socket(AF_INET, SOCK_DGRAM), try_socket(AF_INET6, SOCK_DGRAM));
        return 0;
}

static volatile sig_atomic_t trapped_nr = -1;
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
        trapped_nr = si->si_syscall;
}

static int probe_trap(int out, int fd)
{
        syscall(SYS_getppid);
        say(out, "%d", (int)trapped_nr);
        return 0;
}

static int probe_notify(int out, int fd)
{
        /* Hand the listener to the answering helper, then make the call. */
        say(out, "fd %d\n", fd);
        if (fd < 0)
                return 3;
        struct msghdr msg = {0};
        char data = 'x';
        struct iovec iov = {.iov_base = &data, .iov_len = 1};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = u.buf;
        msg.msg_controllen = sizeof(u.buf);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        if (sendmsg(notify_sock, &msg, 0) < 0)
                return 4;
        close(fd);
        long r = syscall(SYS_getppid); /* answered by the parent */
        say(out, "ret %ld\n", r);
        return 0;
}

static oci_seccomp_syscall rule(char **n, enum oci_seccomp_action a, bool has_ret, uint64_t ret)
{
        return (oci_seccomp_syscall){
            .names = n, .action = a, .errno_ret = {.set = has_ret, .v = ret}};
}

static void sc_run(struct sc_case *c, struct child_result *res)
{
        run_child(sc_child, c, res);
}

static void test_seccomp_errno(void)
{
        oci_seccomp_syscall calls[] = {
            rule(names("mkdirat", "mkdir"), OCI_SECCOMP_ERRNO, true, 38),
        };
        struct sc_case c = {.s = {.default_action = OCI_SECCOMP_ALLOW,
                                  .syscalls = calls,
                                  .n_syscalls = ARRAY_SIZE(calls)},
                            .probe = probe_mkdir};
        struct child_result res;
        sc_run(&c, &res);
        ok(exited_ok(&res), "seccomp errno: child ran (%s)", line1(res.out));
        is_str(res.out, "38 38", "seccomp errnoRet 38 on mkdirat and mkdir");
}

static int count_files(const char *dir, char *first, size_t firstsz)
{
        DIR *d = opendir(dir);
        int n = 0;
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL)
                if (de->d_name[0] != '.') {
                        if (n++ == 0 && first)
                                snprintf(first, firstsz, "%s/%s", dir, de->d_name);
                }
        if (d)
                closedir(d);
        return n;
}

/* Compiled filters kept between containers behave exactly as freshly compiled ones. */
static void test_seccomp_cache(void)
{
        char tmpl[] = "/tmp/berth-sccache-XXXXXX";
        char *dir = mkdtemp(tmpl);
        _cleanup_free_ char *cache = berth_xasprintf("%s/cache", dir);
        oci_seccomp_syscall calls[] = {
            rule(names("mkdirat", "mkdir"), OCI_SECCOMP_ERRNO, true, 38),
        };
        struct sc_case c = {.s = {.default_action = OCI_SECCOMP_ALLOW,
                                  .syscalls = calls,
                                  .n_syscalls = ARRAY_SIZE(calls)},
                            .probe = probe_mkdir,
                            .cache_dir = cache};
        struct child_result res;
        sc_run(&c, &res);
        is_str(res.out, "38 38", "seccomp cache: a miss compiles and the filter works");
        char file[512] = "";
        is_int(count_files(cache, file, sizeof(file)), 1, "seccomp cache: the program is kept");
        sc_run(&c, &res);
        is_str(res.out, "38 38", "seccomp cache: a hit loads the same filter");
        calls[0].errno_ret.v = 39;
        sc_run(&c, &res);
        is_str(res.out, "39 39",
               "seccomp cache: another errno is another filter, not the kept one");
        is_int(count_files(cache, NULL, 0), 2, "seccomp cache: kept apart");
        /* a damaged file is never loaded: it only costs a compile */
        int fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC);
        ok(fd >= 0 && write(fd, "garbage", 7) == 7, "seccomp cache: damage a kept program");
        if (fd >= 0)
                close(fd);
        calls[0].errno_ret.v = 38;
        sc_run(&c, &res);
        is_str(res.out, "38 38", "seccomp cache: a damaged file is compiled again");
        berth_rm_rf(dir, NULL);
}

static void test_seccomp_default_errno(void)
{
        oci_seccomp_syscall calls[] = {
            {.names =
                 (char *[]){"write", "exit", "exit_group", "rt_sigreturn", "close", "munmap", NULL},
             .action = OCI_SECCOMP_ALLOW},
        };
        struct sc_case c = {.s = {.default_action = OCI_SECCOMP_ERRNO,
                                  .syscalls = calls,
                                  .n_syscalls = ARRAY_SIZE(calls)},
                            .probe = probe_getppid};
        struct child_result res;
        sc_run(&c, &res);
        ok(exited_ok(&res), "seccomp default errno: child exits through the allow list");
        char want[32];
        snprintf(want, sizeof(want), "-1 %d", EPERM);
        is_str(res.out, want, "seccomp default ERRNO without defaultErrnoRet is EPERM");

        c.s.default_errno_ret = (oci_opt_u64){true, 77};
        sc_run(&c, &res);
        is_str(res.out, "-1 77", "seccomp defaultErrnoRet 77");
}

static void test_seccomp_args(void)
{
        /* personality(PER_LINUX32) refused with EQ, the query 0xffffffff allowed. */
        oci_seccomp_arg eq = {.index = 0, .value = PER_LINUX32, .op = OCI_SECCOMP_OP_EQ};
        oci_seccomp_syscall c1 = rule(names("personality", NULL), OCI_SECCOMP_ERRNO, true, 22);
        c1.args = &eq;
        c1.n_args = 1;
        struct sc_case c = {
            .s = {.default_action = OCI_SECCOMP_ALLOW, .syscalls = &c1, .n_syscalls = 1},
            .probe = probe_personality};
        struct child_result res;
        sc_run(&c, &res);
        is_str(res.out, "0 22 0", "seccomp arg EQ: only personality(PER_LINUX32) refused");

        /* Allowed only when arg0 == 0xffffffff; the default refuses the rest.
         * (Beside an unconditional rule for the same call, libseccomp drops
         * the conditional one: the allow list has to be the default.) */
        oci_seccomp_arg q = {.index = 0, .value = 0xffffffffUL, .op = OCI_SECCOMP_OP_EQ};
        oci_seccomp_syscall allow[] = {
            rule(names("personality", NULL), OCI_SECCOMP_ALLOW, false, 0),
            {.names = (char *[]){"write", "exit", "exit_group", "rt_sigreturn", NULL},
             .action = OCI_SECCOMP_ALLOW},
        };
        allow[0].args = &q;
        allow[0].n_args = 1;
        c.s = (oci_seccomp){.default_action = OCI_SECCOMP_ERRNO,
                            .default_errno_ret = {true, 9},
                            .syscalls = allow,
                            .n_syscalls = 2};
        sc_run(&c, &res);
        is_str(res.out, "0 9 9", "seccomp arg EQ allow rule under an ERRNO default");
        c.s.default_action = OCI_SECCOMP_ALLOW;
        c.s.default_errno_ret = (oci_opt_u64){0};

        /* MASKED_EQ: value is the mask, valueTwo the datum. */
        oci_seccomp_arg m = {
            .index = 1, .value = 0xf, .value_two = SOCK_DGRAM, .op = OCI_SECCOMP_OP_MASKED_EQ};
        oci_seccomp_syscall c2 = rule(names("socket", NULL), OCI_SECCOMP_ERRNO, true, 97);
        c2.args = &m;
        c2.n_args = 1;
        c.s.syscalls = &c2;
        c.s.n_syscalls = 1;
        c.probe = probe_sockets;
        sc_run(&c, &res);
        is_str(res.out, "0 97 97 97", "seccomp MASKED_EQ on socket type (with SOCK_CLOEXEC set)");

        /* Two indices: one rule, conditions ANDed. */
        oci_seccomp_arg and[] = {
            {.index = 0, .value = AF_UNIX, .op = OCI_SECCOMP_OP_EQ},
            {.index = 1, .value = 0xf, .value_two = SOCK_DGRAM, .op = OCI_SECCOMP_OP_MASKED_EQ},
        };
        c2.args = and;
        c2.n_args = 2;
        sc_run(&c, &res);
        is_str(res.out, "0 97 0 0", "seccomp args on two indices are ANDed");

        /* Same index twice: separate rules, ORed. */
        oci_seccomp_arg or [] = {
            {.index = 0, .value = AF_INET, .op = OCI_SECCOMP_OP_EQ},
            {.index = 0, .value = AF_INET6, .op = OCI_SECCOMP_OP_EQ},
        };
        c2.args = or ;
        c2.n_args = 2;
        sc_run(&c, &res);
        is_str(res.out, "0 0 97 97", "seccomp two args on one index become two rules (OR)");
}

static void test_seccomp_kill_trap(void)
{
        oci_seccomp_syscall k = rule(names("getppid", NULL), OCI_SECCOMP_KILL_PROCESS, false, 0);
        struct sc_case c = {
            .s = {.default_action = OCI_SECCOMP_ALLOW, .syscalls = &k, .n_syscalls = 1},
            .probe = probe_getppid};
        struct child_result res;
        sc_run(&c, &res);
        ok(WIFSIGNALED(res.status) && WTERMSIG(res.status) == SIGSYS,
           "seccomp KILL_PROCESS: child killed by SIGSYS (status 0x%x)", res.status);

        k.action = OCI_SECCOMP_KILL;
        sc_run(&c, &res);
        ok(WIFSIGNALED(res.status) && WTERMSIG(res.status) == SIGSYS,
           "seccomp KILL (thread) of the only thread: SIGSYS (status 0x%x)", res.status);

        k.action = OCI_SECCOMP_TRAP;
        c.probe = probe_trap;
        struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
        struct sigaction old;
        sigaction(SIGSYS, &sa, &old); /* inherited by the child */
        sc_run(&c, &res);
        sigaction(SIGSYS, &old, NULL);
        char want[16];
        snprintf(want, sizeof(want), "%d", (int)SYS_getppid);
        is_str(res.out, want, "seccomp TRAP delivers SIGSYS naming getppid");

        k.action = OCI_SECCOMP_TRACE;
        c.probe = probe_getppid;
        sc_run(&c, &res);
        snprintf(want, sizeof(want), "-1 %d", ENOSYS);
        is_str(res.out, want, "seccomp TRACE without a tracer fails with ENOSYS");

        k.action = OCI_SECCOMP_LOG;
        sc_run(&c, &res);
        snprintf(want, sizeof(want), "%d 0", (int)getpid());
        is_str(res.out, want, "seccomp LOG lets the call through");

        /* ALLOW rule under an ERRNO default; an ALLOW rule under ALLOW is skipped. */
        oci_seccomp_syscall al[] = {
            rule(names("getppid", "write"), OCI_SECCOMP_ALLOW, false, 0),
            rule(names("exit_group", "exit"), OCI_SECCOMP_ALLOW, false, 0),
        };
        c.s.default_action = OCI_SECCOMP_ERRNO;
        c.s.syscalls = al;
        c.s.n_syscalls = 2;
        sc_run(&c, &res);
        is_str(res.out, want, "seccomp ALLOW rule under an ERRNO default");
        c.s.default_action = OCI_SECCOMP_ALLOW;
        sc_run(&c, &res);
        is_str(res.out, want, "seccomp rule repeating the default action is skipped");
}

static void test_seccomp_compile_only(void)
{
        berth_error err = {0};
        berth_seccomp *sc = NULL;
        oci_seccomp_syscall calls[] = {
            rule(names("berth_no_such_syscall", "getppid"), OCI_SECCOMP_ERRNO, false, 0),
        };
        oci_seccomp s = {
            .default_action = OCI_SECCOMP_ALLOW,
            .architectures = (char *[]){"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL},
            .flags = (char *[]){"SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG", NULL},
            .syscalls = calls,
            .n_syscalls = 1};
        int r = berth_seccomp_compile(&s, &sc, &err);
        ok(r == 0 && sc, "seccomp: unknown syscall skipped, x86 arches and flags accepted: %s",
           err.msg);
        ok(!berth_seccomp_has_notify(sc), "no notify rule, no listener");
        berth_seccomp_free(sc);
        sc = NULL;

        s.architectures = (char *[]){"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",     "SCMP_ARCH_PPC64LE",
                                     "SCMP_ARCH_S390X",   "SCMP_ARCH_RISCV64", NULL};
        s.flags = NULL;
        r = berth_seccomp_compile(&s, &sc, &err);
        ok(r == 0, "seccomp: foreign arches accepted: %s", err.msg);
        berth_seccomp_free(sc);
        sc = NULL;

        s.architectures = (char *[]){"SCMP_ARCH_X86_64", "SCMP_ARCH_VAX", NULL};
        r = berth_seccomp_compile(&s, &sc, &err);
        ok(r < 0 && sc == NULL, "seccomp: unknown arch refused");
        is_str(err.msg, "unknown seccomp architecture 'SCMP_ARCH_VAX'",
               "error names the architecture");

        s.architectures = NULL;
        s.flags = (char *[]){"SECCOMP_FILTER_FLAG_BOGUS", NULL};
        r = berth_seccomp_compile(&s, &sc, &err);
        ok(r < 0, "seccomp: unknown flag refused");
        like(err.msg, "SECCOMP_FILTER_FLAG_BOGUS", "error names the flag");

        s.flags = NULL;
        s.default_action = OCI_SECCOMP_NOTIFY;
        r = berth_seccomp_compile(&s, &sc, &err);
        ok(r < 0, "seccomp: NOTIFY as the default action refused (%s)", err.msg);

        s.default_action = OCI_SECCOMP_ALLOW;
        oci_seccomp_arg bad = {.index = 6, .op = OCI_SECCOMP_OP_EQ};
        calls[0].args = &bad;
        calls[0].n_args = 1;
        r = berth_seccomp_compile(&s, &sc, &err);
        ok(r < 0, "seccomp: arg index 6 refused");
        like(err.msg, "index 6", "error names the index");
}

static void test_seccomp_notify(void)
{
        int sp[2];
        ok(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0, "notify socketpair");
        notify_sock = sp[1];
        oci_seccomp_syscall n = rule(names("getppid", NULL), OCI_SECCOMP_NOTIFY, false, 0);
        struct sc_case c = {
            .s = {.default_action = OCI_SECCOMP_ALLOW, .syscalls = &n, .n_syscalls = 1},
            .probe = probe_notify};

        /* Answer in a second child so that run_child() can wait for the first. */
        fflush(stdout);
        pid_t helper = fork();
        if (helper == 0) {
                close(sp[1]);
                char data;
                union {
                        char buf[CMSG_SPACE(sizeof(int))];
                        struct cmsghdr align;
                } u;
                struct iovec iov = {.iov_base = &data, .iov_len = 1};
                struct msghdr msg = {.msg_iov = &iov,
                                     .msg_iovlen = 1,
                                     .msg_control = u.buf,
                                     .msg_controllen = sizeof(u.buf)};
                if (recvmsg(sp[0], &msg, 0) <= 0)
                        _exit(10);
                struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
                if (!cm || cm->cmsg_type != SCM_RIGHTS)
                        _exit(11);
                int fd;
                memcpy(&fd, CMSG_DATA(cm), sizeof(int));
                struct seccomp_notif *req;
                struct seccomp_notif_resp *resp;
                if (seccomp_notify_alloc(&req, &resp) < 0)
                        _exit(12);
                if (seccomp_notify_receive(fd, req) < 0)
                        _exit(13);
                if (req->data.nr != SYS_getppid)
                        _exit(14);
                resp->id = req->id;
                resp->val = 4242;
                resp->error = 0;
                resp->flags = 0;
                if (seccomp_notify_respond(fd, resp) < 0)
                        _exit(15);
                seccomp_notify_free(req, resp);
                _exit(0);
        }
        struct child_result res;
        sc_run(&c, &res);
        close(sp[0]);
        close(sp[1]);
        notify_sock = -1;
        int hs = 0;
        waitpid(helper, &hs, 0);
        ok(exited_ok(&res) && strncmp(res.out, "fd ", 3) == 0 && atoi(res.out + 3) >= 0,
           "seccomp NOTIFY: install returns a listener fd (%s)", line1(res.out));
        ok(WIFEXITED(hs) && WEXITSTATUS(hs) == 0,
           "seccomp NOTIFY: a notification was received and answered (helper status %d)",
           WIFEXITED(hs) ? WEXITSTATUS(hs) : -1);
        like(res.out, "ret 4242", "seccomp NOTIFY: the call returns the listener's answer");
}

/* ---- capabilities, user, groups --------------------------------------- */

struct caps_case {
        oci_user user;
        const oci_caps *caps; /* may be NULL */
};

static int caps_child(int out, void *arg)
{
        struct caps_case *c = arg;
        berth_error err = {0};
        if (berth_user_and_caps_apply(&c->user, c->caps, &err) < 0) {
                say(out, "error: %s\n", err.msg);
                return 2;
        }
        mode_t m = umask(0);
        say(out, "SetUmask:\t%04o\n", (unsigned)m);
        char buf[4096];
        int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (n <= 0)
                return 3;
        (void)!write(out, buf, (size_t)n);
        return 0;
}

/* In a new user namespace whose setgroups is "deny": the gids are skipped, not an error. */
static int setgroups_deny_child(int out, void *arg)
{
        berth_error err = {0};
        if (unshare(CLONE_NEWUSER) < 0)
                return 3;
        int fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "deny", 4) != 4)
                return 4;
        close(fd);
        const char *maps[][2] = {{"/proc/self/uid_map", "0 0 1"}, {"/proc/self/gid_map", "0 0 1"}};
        for (size_t i = 0; i < 2; i++) {
                fd = open(maps[i][0], O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, maps[i][1], strlen(maps[i][1])) < 0)
                        return 5;
                close(fd);
        }
        uint32_t gids[] = {10};
        oci_user u = {.uid = 0, .gid = 0, .additional_gids = gids, .n_additional_gids = 1};
        if (berth_user_and_caps_apply(&u, NULL, &err) < 0) {
                say(out, "error: %s", err.msg);
                return 2;
        }
        say(out, "applied");
        return 0;
}

/* The value after "Key:\t" in /proc/self/status text, into buf. */
static const char *field(const char *text, const char *key, char *buf, size_t sz)
{
        char pat[64];
        snprintf(pat, sizeof(pat), "\n%s:\t", key);
        const char *p = strstr(text, pat);
        if (p == NULL) {
                if (strncmp(text, pat + 1, strlen(pat + 1)) != 0)
                        return "(missing)";
                p = text - 1;
        }
        p += strlen(pat);
        size_t len = strcspn(p, "\n");
        if (len >= sz)
                len = sz - 1;
        memcpy(buf, p, len);
        buf[len] = '\0';
        /* Groups ends with a space; drop it. */
        while (len > 0 && buf[len - 1] == ' ')
                buf[--len] = '\0';
        return buf;
}

static uint64_t mask_of(const char *const *v)
{
        uint64_t m = 0;
        for (; v && *v; v++)
                if (berth_cap_from_name(*v) >= 0)
                        m |= UINT64_C(1) << berth_cap_from_name(*v);
        return m;
}

static void is_mask(const char *text, const char *key, uint64_t want, const char *name)
{
        char buf[64], w[32];
        snprintf(w, sizeof(w), "%016llx", (unsigned long long)want);
        is_str(field(text, key, buf, sizeof(buf)), w, "%s: %s", name, key);
}

static void test_cap_names(void)
{
        is_int(berth_cap_from_name("CAP_CHOWN"), 0, "cap_from_name CAP_CHOWN");
        is_int(berth_cap_from_name("CAP_SYS_ADMIN"), 21, "cap_from_name CAP_SYS_ADMIN");
        is_int(berth_cap_from_name("CAP_NET_BIND_SERVICE"), 10,
               "cap_from_name CAP_NET_BIND_SERVICE");
        is_int(berth_cap_from_name("CAP_NOPE"), -1, "cap_from_name of an unknown name");
        is_int(berth_cap_from_name("12"), -1, "cap_from_name refuses bare numbers");
        is_int(berth_cap_from_name(""), -1, "cap_from_name of an empty name");
}

static void test_caps(void)
{
        const char *t = "caps and user";
        if (!is_root) {
                for (int i = 0; i < 19; i++)
                        skip(t, "not root");
                return;
        }
        const char *bnd[] = {"CAP_CHOWN", "CAP_KILL", "CAP_BERTH_UNKNOWN", NULL};
        const char *kill[] = {"CAP_KILL", NULL};
        oci_caps caps = {.bounding = (char **)bnd,
                         .effective = (char **)kill,
                         .permitted = (char **)kill,
                         .ambient = (char **)kill /* not inheritable: skipped */};
        uint32_t gids[] = {10, 20};
        struct caps_case c = {.user = {.uid = 1000,
                                       .gid = 1000,
                                       .additional_gids = gids,
                                       .n_additional_gids = 2,
                                       .umask = {true, 027}},
                              .caps = &caps};
        struct child_result res;
        char buf[256];
        run_child(caps_child, &c, &res);
        ok(exited_ok(&res), "caps: child applied user and caps (%s)", line1(res.out));
        is_mask(res.out, "CapBnd", mask_of(bnd), "caps {CHOWN,KILL}");
        is_mask(res.out, "CapEff", mask_of(kill), "caps {KILL}");
        is_mask(res.out, "CapPrm", mask_of(kill), "caps {KILL}");
        is_mask(res.out, "CapInh", 0, "caps none");
        is_mask(res.out, "CapAmb", 0, "caps ambient not in inheritable");
        is_str(field(res.out, "Uid", buf, sizeof(buf)), "1000\t1000\t1000\t1000", "user: Uid");
        is_str(field(res.out, "Gid", buf, sizeof(buf)), "1000\t1000\t1000\t1000", "user: Gid");
        is_str(field(res.out, "Groups", buf, sizeof(buf)), "10 20", "user: additional gids");
        is_str(field(res.out, "SetUmask", buf, sizeof(buf)), "0027", "user: umask applied");

        /* No capabilities at all: every set empty, even for uid 0. */
        struct caps_case none = {.user = {.uid = 0, .gid = 0}, .caps = NULL};
        run_child(caps_child, &none, &res);
        ok(exited_ok(&res), "caps NULL: child ran (%s)", line1(res.out));
        is_mask(res.out, "CapBnd", 0, "caps NULL");
        is_mask(res.out, "CapEff", 0, "caps NULL");
        is_mask(res.out, "CapPrm", 0, "caps NULL");
        is_str(field(res.out, "Groups", buf, sizeof(buf)), "",
               "no additional gids: host groups gone");

        /* Ambient: in permitted and inheritable, it is raised. */
        const char *nbs[] = {"CAP_NET_BIND_SERVICE", NULL};
        oci_caps amb = {.bounding = (char **)nbs,
                        .effective = (char **)nbs,
                        .permitted = (char **)nbs,
                        .inheritable = (char **)nbs,
                        .ambient = (char **)nbs};
        struct caps_case a = {.user = {.uid = 1000, .gid = 1000}, .caps = &amb};
        run_child(caps_child, &a, &res);
        ok(exited_ok(&res), "ambient: child ran (%s)", line1(res.out));
        is_mask(res.out, "CapAmb", UINT64_C(1) << 10, "ambient CAP_NET_BIND_SERVICE");
        is_mask(res.out, "CapInh", UINT64_C(1) << 10, "ambient CAP_NET_BIND_SERVICE");

        run_child(setgroups_deny_child, NULL, &res);
        ok(exited_ok(&res) && strcmp(res.out, "applied") == 0,
           "setgroups \"deny\" in a user namespace: gids skipped (%s, status 0x%x)", line1(res.out),
           res.status);
}

/* ---- rlimits and personality ------------------------------------------ */

static int rlimit_child(int out, void *arg)
{
        berth_error err = {0};
        oci_rlimit r = {.resource = RLIMIT_NOFILE, .soft = 512, .hard = 1024};
        if (berth_rlimits_apply(&r, 1, &err) < 0) {
                say(out, "error: %s", err.msg);
                return 2;
        }
        struct rlimit got;
        getrlimit(RLIMIT_NOFILE, &got);
        say(out, "%llu/%llu\n", (unsigned long long)got.rlim_cur, (unsigned long long)got.rlim_max);

        /* Without CAP_SYS_RESOURCE the hard limit cannot go up. */
        cap_t c = cap_get_proc();
        cap_value_t v = CAP_SYS_RESOURCE;
        cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
        cap_set_proc(c);
        cap_free(c);
        oci_rlimit big = {.resource = RLIMIT_NOFILE, .soft = 1048576, .hard = 1048576};
        if (berth_rlimits_apply(&big, 1, &err) == 0)
                return 3;
        say(out, "%s", err.msg);
        return 0;
}

static int persona_child(int out, void *arg)
{
        berth_error err = {0};
        if (berth_personality_apply(PER_LINUX32, &err) < 0) {
                say(out, "error: %s", err.msg);
                return 2;
        }
        struct utsname u;
        uname(&u);
        say(out, "%s", u.machine);
        return 0;
}

static void test_rlimits(void)
{
        struct child_result res;
        is_str(berth_rlimit_name(RLIMIT_NOFILE), "RLIMIT_NOFILE", "rlimit name");
        ok(berth_rlimit_name(999) == NULL, "rlimit name of an unknown number");
        if (!is_root) {
                skip("rlimits", "not root");
                skip("rlimits", "not root");
        } else {
                run_child(rlimit_child, NULL, &res);
                ok(exited_ok(&res) && strncmp(res.out, "512/1024\n", 9) == 0,
                   "RLIMIT_NOFILE 512/1024 seen by getrlimit (%s)", line1(res.out));
                const char *msg = strchr(res.out, '\n');
                is_str(msg ? msg + 1 : NULL,
                       "cannot set RLIMIT_NOFILE to 1048576/1048576: Operation not permitted",
                       "raising the hard limit without CAP_SYS_RESOURCE names the limit");
        }

#if defined(__x86_64__)
        run_child(persona_child, NULL, &res);
        is_str(res.out, "i686", "personality LINUX32: uname says i686");
#else
        skip("personality LINUX32", "not x86_64");
#endif
}

int main(void)
{
        is_root = geteuid() == 0;
        test_seccomp_compile_only();
        test_seccomp_errno();
        test_seccomp_cache();
        test_seccomp_default_errno();
        test_seccomp_args();
        test_seccomp_kill_trap();
        test_seccomp_notify();
        test_cap_names();
        test_caps();
        test_rlimits();
        return tap_done();
}
