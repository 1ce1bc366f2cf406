/* SPDX-License-Identifier: Apache-2.0 */
/* Sysctls: the host's (/proc/sys, as the caller's namespace sees it) and a link's IPv6 settings in
 * the namespace of a handle (its /proc/sys/net/ipv6/conf, opened there when the handle was). */
#include "net/net.h"
#include "base/cleanup.h"
#include "nl-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* value written to the open sysctl fd, unless it reads so already (no write, no change event) */
static int put(int fd, const char *value)
{
        char cur[64];
        ssize_t n = pread(fd, cur, sizeof(cur) - 1, 0);
        size_t vlen = strlen(value);
        if (n > 0 && (size_t)n == vlen + 1 && memcmp(cur, value, vlen) == 0 && cur[vlen] == '\n')
                return 0;
        return pwrite(fd, value, vlen, 0) < 0 ? -errno : 0;
}

int berth_net_sysctl_set(const char *key, const char *value, berth_error *err)
{
        char path[256];
        if (snprintf(path, sizeof(path), "/proc/sys/%s", key) >= (int)sizeof(path) ||
            strstr(key, ".."))
                return berth_errx(err, EINVAL, "invalid sysctl %s", key);
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return berth_err(err, errno, "cannot open %s", path);
        int r = put(fd, value);
        return r < 0 ? berth_err(err, -r, "cannot write %s", path) : 0;
}

int berth_net_ipv6_conf_open(void)
{
        return open("/proc/sys/net/ipv6/conf", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

bool berth_net_ipv6_conf_missing(const berth_net *nl)
{
        return nl->conf6 < 0;
}

int berth_net_link_ipv6_set(berth_net *nl, const char *ifname, const char *key, const char *value,
                            berth_error *err)
{
        int r = berth_net_name_check(ifname, err);
        if (r < 0)
                return r;
        if (strchr(key, '/') || strstr(key, ".."))
                return berth_errx(err, EINVAL, "invalid IPv6 setting %s", key);
        if (nl->conf6 < 0)
                return berth_errx(err, ENOENT, "cannot set %s of link '%s': no IPv6 in this kernel",
                                  key, ifname);
        char rel[64];
        snprintf(rel, sizeof(rel), "%s/%s", ifname, key);
        _cleanup_close_ int fd = openat(nl->conf6, rel, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || (r = put(fd, value)) < 0)
                return berth_err(err, fd < 0 ? errno : -r, "cannot set %s of link '%s' to %s", key,
                                 ifname, value);
        return 0;
}
