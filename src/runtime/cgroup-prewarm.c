/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Moving a process between cgroups takes a global lock (cgroup_threadgroup_rwsem)
 * whose first writer after a quiet spell waits out an RCU grace period —
 * around 10 ms here, a third of a container start. Writers that come while
 * the lock is still "warm" (within a grace period or two of the last one)
 * do not wait. So a start warms it early: a thread writes our own pid into
 * the cgroup we are already in (no move happens) while the rest of the
 * start goes on; by the time the runtime moves the container's first
 * process, the wait has already passed.
 */
#include "runtime/cgroup.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *warm(void *arg)
{
        char *path = arg;
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                char pid[32];
                int n = snprintf(pid, sizeof(pid), "%d", (int)getpid());
                (void)!write(fd, pid, (size_t)n);
                close(fd);
        }
        free(path);
        return NULL;
}

/* Our own cgroup.procs in the first hierarchy of /proc/self/cgroup that has a path. */
static char *own_procs_file(void)
{
        FILE *f = fopen("/proc/self/cgroup", "re");
        if (f == NULL)
                return NULL;
        char line[1024];
        char *out = NULL;
        while (out == NULL && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                char *c1 = strchr(line, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (c2 == NULL)
                        continue;
                *c2 = '\0';
                const char *ctrls = c1 + 1, *path = c2 + 1;
                if (*ctrls == '\0') /* the v2 entry "0::/path" */
                        out = berth_xasprintf("/sys/fs/cgroup/%s/cgroup.procs", path);
                else if (strncmp(ctrls, "name=", 5) != 0) {
                        /* a v1 controller; comounts ("cpu,cpuacct") have their own dir name */
                        out = berth_xasprintf("/sys/fs/cgroup/%s%s/cgroup.procs", ctrls, path);
                }
                if (out && access(out, W_OK) < 0) {
                        free(out);
                        out = NULL;
                }
        }
        fclose(f);
        return out;
}

void berth_cgroup_prewarm(void)
{
        char *path = own_procs_file();
        if (path == NULL)
                return;
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&a, 64 * 1024);
        if (pthread_create(&t, &a, warm, path) != 0)
                free(path);
        pthread_attr_destroy(&a);
}
