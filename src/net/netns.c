/* SPDX-License-Identifier: Apache-2.0 */
/* Network namespaces kept by a bind mount (a container's sandbox), made and removed. */
#include "net/net.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/netlink.h>

/* The directory of the namespaces a shared mount of itself: a namespace unmounted here is
 * unmounted too in the copies that mount namespaces made since hold (systemd's private ones,
 * a container being made), so none keeps a namespace (and its links) alive. */
static int dir_shared(const char *dir, berth_error *err)
{
        int r = berth_mkdir_p(dir, 0755, err);
        if (r < 0)
                return r;
        /* a mount point already (our bind of it, made by an earlier call): its mount differs
         * from its parent's. A bind of a directory on itself keeps its device, so only the
         * mount ids tell. */
        struct statx here, up;
        _cleanup_free_ char *parent = berth_xasprintf("%s/..", dir);
        if (statx(AT_FDCWD, dir, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &here) < 0 ||
            statx(AT_FDCWD, parent, 0, STATX_MNT_ID, &up) < 0)
                return berth_err(err, errno, "cannot stat %s", dir);
        if (!(here.stx_mask & STATX_MNT_ID) || !(up.stx_mask & STATX_MNT_ID))
                return berth_errx(err, EOPNOTSUPP, "the kernel does not tell mount ids (5.8+)");
        if (here.stx_mnt_id != up.stx_mnt_id)
                return 0;
        if (mount(dir, dir, NULL, MS_BIND, NULL) < 0)
                return berth_err(err, errno, "cannot bind %s on itself", dir);
        if (mount(NULL, dir, NULL, MS_SHARED, NULL) < 0)
                return berth_err(err, errno, "cannot make %s a shared mount", dir);
        return 0;
}

typedef struct {
        const char *path;
        bool want_socket; /* a NETLINK_ROUTE socket in the new namespace too */
        int sock;
        int conf6; /* with the socket: the new namespace's IPv6 settings (or -1) */
        int errnum;
        const char *what;
} maker;

/* A thread of its own makes the namespace (unshare moves only the calling thread) and binds
 * it on path; the process never leaves its own. */
static void *make_in_thread(void *arg)
{
        maker *m = arg;
        char self[64];
        if (unshare(CLONE_NEWNET) < 0) {
                m->errnum = errno;
                m->what = "cannot create a network namespace";
                return NULL;
        }
        snprintf(self, sizeof(self), "/proc/self/task/%ld/ns/net", (long)syscall(SYS_gettid));
        if (mount(self, m->path, NULL, MS_BIND, NULL) < 0) {
                m->errnum = errno;
                m->what = "cannot bind a network namespace";
                return NULL;
        }
        /* a netlink socket stays in the namespace it was made in, after this thread is gone */
        if (m->want_socket &&
            (m->sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0) {
                m->errnum = errno;
                m->what = "cannot open a netlink socket";
        }
        if (m->want_socket && m->sock >= 0)
                m->conf6 = berth_net_ipv6_conf_open();
        return NULL;
}

static int netns_make(const char *path, maker *m, berth_error *err)
{
        _cleanup_free_ char *dir = berth_xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (slash == NULL || slash == dir)
                return berth_errx(err, EINVAL, "invalid network namespace path %s", path);
        *slash = '\0';
        int r = dir_shared(dir, err);
        if (r < 0)
                return r;
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
        if (fd < 0)
                return berth_err(err, errno, "cannot create %s", path);
        close(fd);
        m->path = path;
        m->sock = -1;
        m->conf6 = -1;
        pthread_t t;
        if ((r = pthread_create(&t, NULL, make_in_thread, m)) != 0) {
                unlink(path);
                return berth_err(err, r, "cannot start a thread for a network namespace");
        }
        pthread_join(t, NULL);
        if (m->what) {
                if (m->sock >= 0)
                        close(m->sock);
                if (m->conf6 >= 0)
                        close(m->conf6);
                berth_netns_remove(path, NULL);
                return berth_err(err, m->errnum, "%s", m->what);
        }
        return 0;
}

int berth_netns_create(const char *path, berth_error *err)
{
        maker m = {0};
        return netns_make(path, &m, err);
}

int berth_netns_create_open(const char *path, berth_net **ret, berth_error *err)
{
        maker m = {.want_socket = true};
        int r = netns_make(path, &m, err);
        if (r < 0)
                return r;
        if ((r = berth_net_open_socket(m.sock, m.conf6, ret, err)) < 0)
                berth_netns_remove(path, NULL);
        return r;
}

int berth_netns_remove(const char *path, berth_error *err)
{
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
                return berth_err(err, errno, "cannot unmount %s", path);
        if (unlink(path) < 0) {
                if (errno != ENOENT)
                        return berth_err(err, errno, "cannot remove %s", path);
                return 0; /* there was none: nothing can have become the last */
        }
        /* the last one gone: the directory's bind of itself too (made again by the next) */
        _cleanup_free_ char *dir = berth_xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                _cleanup_strv_ char **left = fd >= 0 ? berth_dir_names_sorted(fd) : NULL;
                if (left && left[0] == NULL) {
                        umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW);
                        rmdir(dir);
                }
        }
        return 0;
}
