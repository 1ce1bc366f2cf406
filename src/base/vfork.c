/* SPDX-License-Identifier: Apache-2.0 */
/* A vfork that runs a function, with clone3's flags (vfork.h). */
#include "base/vfork.h"

#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

pid_t berth_vfork_call(unsigned long long flags, int cgroup_fd, void (*fn)(void *), void *arg)
{
#if defined(__x86_64__) && defined(SYS_clone3)
        struct clone_args a;
        memset(&a, 0, sizeof(a));
        a.flags = flags | CLONE_VM | CLONE_VFORK;
        a.exit_signal = SIGCHLD;
        a.cgroup = cgroup_fd >= 0 ? (unsigned long long)cgroup_fd : 0;
        long ret = SYS_clone3;
        /* The child starts with our registers and stack pointer: it moves below our frame and
         * the red zone (128 bytes) under it, aligns the stack for a call, and calls fn; it never
         * comes back here, so the stack above it, ours, is as we left it when we go on. */
        __asm__ volatile("syscall\n\t"
                         "test %%rax, %%rax\n\t"
                         "jnz 1f\n\t"
                         "sub $256, %%rsp\n\t"
                         "and $-16, %%rsp\n\t"
                         "mov %[arg], %%rdi\n\t"
                         "call *%[fn]\n\t"
                         "mov $127, %%edi\n\t"
                         "mov %[nr_exit], %%eax\n\t"
                         "syscall\n\t"
                         "ud2\n"
                         "1:"
                         : "+a"(ret)
                         : "D"(&a),
                           "S"(sizeof(a)), [fn] "r"(fn), [arg] "r"(arg), [nr_exit] "i"(SYS_exit)
                         : "rcx", "r11", "memory", "cc");
        if (ret < 0) {
                errno = (int)-ret;
                return -1;
        }
        return (pid_t)ret;
#else
        (void)flags;
        (void)cgroup_fd;
        (void)fn;
        (void)arg;
        errno = ENOSYS;
        return -1;
#endif
}

pid_t berth_vfork_or_fork(void (*fn)(void *), void *arg)
{
        pid_t p = berth_vfork_call(0, -1, fn, arg);
        if (p < 0) {
                p = fork();
                if (p == 0) {
                        fn(arg);
                        _exit(127);
                }
        }
        return p;
}
