/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What one stream between two processes of this machine carries, by the ways the kernel
 * has (issue 12's "2× docker's proxy through 127.0.0.1" is measured against these):
 *
 *   tcp-ceiling unix SECONDS            an AF_UNIX stream pair
 *   tcp-ceiling tcp SECONDS             a TCP connection over 127.0.0.1
 *   tcp-ceiling sockmap SECONDS CG2     the same TCP connection, each side's sendmsg put
 *                                       straight into the other's receive queue by a BPF
 *                                       sk_msg program (sockhash filled by a sock_ops program
 *                                       attached to a new cgroup v2 directory under CG2, which
 *                                       this process joins for the run and leaves, removing it)
 *   tcp-ceiling sockmap-splice BYTES CG2  as sockmap, BYTES sent, the receiver reading with
 *                                       splice(2) into a pipe (as Go's io.Copy between two TCP
 *                                       connections, haproxy and many proxies do)
 *
 * Prints "NAME Gbit/s" (the receiver's count; every byte checked against the pattern sent),
 * or for sockmap-splice "sockmap-splice got N of M bytes". A benchmark's probe, not berth's
 * code: its BPF is written out by hand here because nothing else of berth needs it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define INSN(c, d, s, o, i)                                                                        \
        ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDXW(d, s, o) INSN(BPF_LDX | BPF_W | BPF_MEM, d, s, o, 0)
#define STXW(d, s, o) INSN(BPF_STX | BPF_W | BPF_MEM, d, s, o, 0)
#define MOV(d, s)     INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOVI(d, i)    INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADDI(d, i)    INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define BE32(d)       INSN(BPF_ALU | BPF_END | BPF_TO_BE, d, 0, 0, 32)
#define JEQI(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JNEI(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define CALL(f)       INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT          INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LDMAP(d, fd)                                                                               \
        INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)

static void die(const char *what)
{
        fprintf(stderr, "tcp-ceiling: %s: %s\n", what, strerror(errno));
        exit(1);
}

static double now(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* the stream is the 64-bit numbers 0, 1, 2 … (little-endian): cheap to make and check at the
 * speeds measured here */
static unsigned char pattern(long off)
{
        return (unsigned char)((uint64_t)(off / 8) >> (8 * (off % 8)));
}

static void fill(unsigned char *buf, size_t n, long off)
{
        size_t i = 0;
        for (; i < n && (off + (long)i) % 8; i++)
                buf[i] = pattern(off + (long)i);
        for (; i + 8 <= n; i += 8) {
                uint64_t w = (uint64_t)(off + (long)i) / 8;
                memcpy(buf + i, &w, 8);
        }
        for (; i < n; i++)
                buf[i] = pattern(off + (long)i);
}

static long differ(const unsigned char *buf, size_t n, long off)
{
        long bad = 0;
        size_t i = 0;
        for (; i < n && (off + (long)i) % 8; i++)
                bad += buf[i] != pattern(off + (long)i);
        for (; i + 8 <= n; i += 8) {
                uint64_t w;
                memcpy(&w, buf + i, 8);
                bad += w != (uint64_t)(off + (long)i) / 8;
        }
        for (; i < n; i++)
                bad += buf[i] != pattern(off + (long)i);
        return bad;
}

static long sys_bpf(int cmd, union bpf_attr *a)
{
        return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static int prog_load(int type, int attach, const struct bpf_insn *p, size_t n)
{
        static char log[65536];
        union bpf_attr a = {.prog_type = type,
                            .insns = (unsigned long)p,
                            .insn_cnt = (unsigned)n,
                            .license = (unsigned long)"GPL",
                            .log_buf = (unsigned long)log,
                            .log_size = sizeof(log),
                            .log_level = 1,
                            .expected_attach_type = attach};
        int fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
        if (fd < 0) {
                fprintf(stderr, "%s\n", log);
                die("BPF_PROG_LOAD");
        }
        return fd;
}

/*
 * The sockhash's key is a socket's own (local address, remote address, local port, remote
 * port); sock_ops puts each established IPv4 socket of the cgroup in under it, sk_msg looks
 * its peer up under the key with the two sides swapped and redirects to the peer's receive
 * queue (BPF_F_INGRESS). Ports: local host order, remote network order in both contexts.
 */
static void sockmap_attach(int cgroup)
{
        union bpf_attr a = {
            .map_type = BPF_MAP_TYPE_SOCKHASH, .key_size = 16, .value_size = 4, .max_entries = 64};
        int map = (int)sys_bpf(BPF_MAP_CREATE, &a);
        if (map < 0)
                die("BPF_MAP_CREATE");
        const struct bpf_insn ops[] = {MOV(6, 1),
                                       LDXW(2, 6, offsetof(struct bpf_sock_ops, op)),
                                       JEQI(2, BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB, 1),
                                       JNEI(2, BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB, 18),
                                       LDXW(2, 6, offsetof(struct bpf_sock_ops, family)),
                                       JNEI(2, AF_INET, 16),
                                       LDXW(2, 6, offsetof(struct bpf_sock_ops, local_ip4)),
                                       STXW(10, 2, -16),
                                       LDXW(2, 6, offsetof(struct bpf_sock_ops, remote_ip4)),
                                       STXW(10, 2, -12),
                                       LDXW(2, 6, offsetof(struct bpf_sock_ops, local_port)),
                                       STXW(10, 2, -8),
                                       LDXW(2, 6, offsetof(struct bpf_sock_ops, remote_port)),
                                       BE32(2),
                                       STXW(10, 2, -4),
                                       MOV(1, 6),
                                       LDMAP(2, map),
                                       MOV(3, 10),
                                       ADDI(3, -16),
                                       MOVI(4, BPF_ANY),
                                       CALL(BPF_FUNC_sock_hash_update),
                                       MOVI(0, 1),
                                       EXIT};
        const struct bpf_insn msg[] = {
            MOV(6, 1), LDXW(2, 6, offsetof(struct sk_msg_md, remote_ip4)), STXW(10, 2, -16),
            LDXW(2, 6, offsetof(struct sk_msg_md, local_ip4)), STXW(10, 2, -12),
            LDXW(2, 6, offsetof(struct sk_msg_md, remote_port)), BE32(2), STXW(10, 2, -8),
            LDXW(2, 6, offsetof(struct sk_msg_md, local_port)), STXW(10, 2, -4), MOV(1, 6),
            LDMAP(2, map), MOV(3, 10), ADDI(3, -16), MOVI(4, BPF_F_INGRESS),
            CALL(BPF_FUNC_msg_redirect_hash),
            /* no peer: pass (the kernel carries it as TCP) */
            MOVI(0, SK_PASS), EXIT};
        int pops = prog_load(BPF_PROG_TYPE_SOCK_OPS, 0, ops, sizeof(ops) / sizeof(ops[0]));
        int pmsg =
            prog_load(BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, msg, sizeof(msg) / sizeof(msg[0]));
        a = (union bpf_attr){
            .target_fd = map, .attach_bpf_fd = pmsg, .attach_type = BPF_SK_MSG_VERDICT};
        if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
                die("attach sk_msg");
        a = (union bpf_attr){
            .target_fd = cgroup, .attach_bpf_fd = pops, .attach_type = BPF_CGROUP_SOCK_OPS};
        if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
                die("attach sock_ops");
}

static void tcp_pair(int sv[2])
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t al = sizeof(a);
        int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
            getsockname(l, (struct sockaddr *)&a, &al) < 0 || listen(l, 1) < 0)
                die("listen on 127.0.0.1");
        sv[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sv[0] < 0 || connect(sv[0], (struct sockaddr *)&a, sizeof(a)) < 0)
                die("connect to 127.0.0.1");
        if ((sv[1] = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0)
                die("accept");
        close(l);
}

/* The writer (a child) sends the pattern for `seconds`, or `bytes` of it; the reader counts
 * and checks. Returns the bytes received in *got, the seconds taken. */
static double stream(int sv[2], double seconds, long bytes, int use_splice, long *got)
{
        static unsigned char buf[131072];
        pid_t pid = fork();
        if (pid < 0)
                die("fork");
        if (pid == 0) {
                close(sv[1]);
                long off = 0;
                double t0 = now();
                while (bytes ? off < bytes : now() - t0 < seconds) {
                        size_t n = sizeof(buf);
                        if (bytes && n > (size_t)(bytes - off))
                                n = (size_t)(bytes - off);
                        fill(buf, n, off);
                        ssize_t w = write(sv[0], buf, n);
                        if (w <= 0)
                                _exit(1);
                        off += w;
                }
                _exit(0);
        }
        close(sv[0]);
        int p[2];
        if (pipe(p) < 0)
                die("pipe");
        long off = 0, bad = 0;
        double t0 = now();
        for (;;) {
                ssize_t n;
                if (use_splice) {
                        n = splice(sv[1], NULL, p[1], NULL, sizeof(buf), 0);
                        if (n > 0)
                                n = read(p[0], buf, (size_t)n);
                } else {
                        n = read(sv[1], buf, sizeof(buf));
                }
                if (n <= 0)
                        break;
                bad += differ(buf, (size_t)n, off);
                off += n;
        }
        double dt = now() - t0;
        close(sv[1]);
        close(p[0]);
        close(p[1]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        if (bad) {
                fprintf(stderr, "tcp-ceiling: %ld words differ from what was sent\n", bad);
                exit(1);
        }
        *got = off;
        return dt;
}

static void cgroup_write(const char *dir, const char *what)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, what, strlen(what)) < 0)
                die(path);
        close(fd);
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: tcp-ceiling unix|tcp SECONDS | sockmap SECONDS CG2 | "
                                "sockmap-splice BYTES CG2\n");
                return 2;
        }
        const char *mode = argv[1];
        int sockmap = strncmp(mode, "sockmap", 7) == 0,
            use_splice = strcmp(mode, "sockmap-splice") == 0;
        char cg[4096] = "", back[4096] = "";
        if (sockmap) {
                if (argc < 4)
                        return 2;
                /* where this process is now (to go back to), then a cgroup of its own */
                FILE *f = fopen("/proc/self/cgroup", "re");
                char line[4096];
                while (f && fgets(line, sizeof(line), f))
                        if (strncmp(line, "0::", 3) == 0) {
                                line[strcspn(line, "\n")] = '\0';
                                snprintf(back, sizeof(back), "%s%s", argv[3], line + 3);
                        }
                if (f)
                        fclose(f);
                snprintf(cg, sizeof(cg), "%s/tcp-ceiling-%d", argv[3], getpid());
                if (mkdir(cg, 0755) < 0)
                        die(cg);
                int cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (cgfd < 0)
                        die(cg);
                sockmap_attach(cgfd);
                close(cgfd);
                cgroup_write(cg, "0");
        }
        int sv[2];
        long got = 0;
        if (strcmp(mode, "unix") == 0) {
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                        die("socketpair");
        } else {
                tcp_pair(sv);
        }
        double dt = stream(sv, use_splice ? 0 : atof(argv[2]), use_splice ? atol(argv[2]) : 0,
                           use_splice, &got);
        if (sockmap) {
                cgroup_write(back, "0");
                if (rmdir(cg) < 0)
                        die(cg);
        }
        if (use_splice)
                printf("%s got %ld of %s bytes\n", mode, got, argv[2]);
        else
                printf("%s %.2f\n", mode, (double)got * 8 / dt / 1e9);
        return 0;
}
