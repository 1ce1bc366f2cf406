/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's check of mount destinations (mounts.c): /proc for every mount, /sys for the
 * image's volumes, after lexical cleaning, runc's /proc files allowed. */
#include "base/error.h"
#include "engine/engine.h"
#include "tap.h"

#include <errno.h>
#include <stdbool.h>

static int check(const char *dest, bool image_volume, berth_error *err)
{
        *err = (berth_error){0};
        return berth_engine_check_mount_dest(dest, image_volume, err);
}

static void test_proc(void)
{
        berth_error err;
        static const char *const refused[] = {
            "/proc",
            "/proc/",
            "/proc/sys",
            "/proc/sys/kernel",
            "//proc/sys/",
            "/proc/./sys",
            "/proc/../proc/sys",
            "/x/../proc/sys/kernel",
            "/../proc",
            "/proc/self/fd",
            "/proc/1/root",
            "/proc/sysrq-trigger",
            "/proc/net/dev",
            "/proc/cpuinfo/x",
            "/proc/sys/kernel/core_pattern",
        };
        for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
                is_int(check(refused[i], false, &err), -EINVAL, "'%s' is refused", refused[i]);
                like(err.msg, "invalid mount config: destination \"", "… as a mount config error");
                like(err.msg, refused[i], "… naming the path given: %s", err.msg);
        }
        check("/proc/sys/kernel", false, &err);
        is_str(err.msg, "invalid mount config: destination \"/proc/sys/kernel\" is inside /proc",
               "the message");
        check("/proc", false, &err);
        is_str(err.msg, "invalid mount config: destination \"/proc\" is /proc itself",
               "/proc itself");
        check("/proc/../proc/sys/", false, &err);
        is_str(err.msg,
               "invalid mount config: destination \"/proc/../proc/sys/\" (/proc/sys) is inside "
               "/proc",
               "the cleaned path when it differs");

        static const char *const allowed[] = {
            "/proc/cpuinfo",
            "/proc/diskstats",
            "/proc/meminfo",
            "/proc/stat",
            "/proc/swaps",
            "/proc/uptime",
            "/proc/loadavg",
            "/proc/slabinfo",
            "/proc/sys/kernel/ns_last_pid",
            "/proc/sys/crypto/fips_enabled",
            "//proc/./meminfo/",
        };
        for (size_t i = 0; i < sizeof(allowed) / sizeof(*allowed); i++)
                is_int(check(allowed[i], false, &err), 0, "runc's '%s' is allowed", allowed[i]);

        static const char *const elsewhere[] = {
            "/",           "/data",          "/procfs",   "/proc2/sys",     "/sys",
            "/sys/kernel", "/sys/fs/cgroup", "/srv/proc", "/data/../sys/x",
        };
        for (size_t i = 0; i < sizeof(elsewhere) / sizeof(*elsewhere); i++)
                is_int(check(elsewhere[i], false, &err), 0, "a mount at '%s' is fine",
                       elsewhere[i]);
}

static void test_image_volumes(void)
{
        berth_error err;
        static const char *const refused[] = {
            "/proc",
            "/proc/sys/kernel",
            "/proc/cpuinfo",
            "/sys",
            "/sys/",
            "/sys/kernel",
            "/sys/fs/cgroup",
            "//sys/../sys/module",
            "/proc/sys/kernel/ns_last_pid",
        };
        for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
                is_int(check(refused[i], true, &err), -EINVAL, "image VOLUME '%s' is refused",
                       refused[i]);
                like(err.msg, "invalid mount config: image volume \"", "… naming it: %s", err.msg);
        }
        check("/proc/sys/kernel", true, &err);
        is_str(err.msg, "invalid mount config: image volume \"/proc/sys/kernel\" is inside /proc",
               "the message");
        check("/sys", true, &err);
        is_str(err.msg, "invalid mount config: image volume \"/sys\" is /sys itself",
               "/sys itself");
        static const char *const fine[] = {"/data", "/var/lib/x", "/system", "/srv/sys"};
        for (size_t i = 0; i < sizeof(fine) / sizeof(*fine); i++)
                is_int(check(fine[i], true, &err), 0, "image VOLUME '%s' is fine", fine[i]);
}

int main(void)
{
        test_proc();
        test_image_volumes();
        return tap_done();
}
