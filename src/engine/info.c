/* SPDX-License-Identifier: Apache-2.0 */
/* `berth info`: what docker info reports that applies to berth, as its JSON. */
#include "engine/info.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "engine/containers.h"
#include "image/images.h"
#include "runtime/cgroup.h"

#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

/* docker's names for the filesystem under its root ("Backing Filesystem"). */
static const char *fs_name(const char *path)
{
        struct statfs st;
        if (statfs(path, &st) < 0)
                return "unknown";
        switch ((unsigned long)st.f_type) {
        case EXT4_SUPER_MAGIC:
                return "extfs";
        case XFS_SUPER_MAGIC:
                return "xfs";
        case BTRFS_SUPER_MAGIC:
                return "btrfs";
        case TMPFS_MAGIC:
                return "tmpfs";
        case OVERLAYFS_SUPER_MAGIC:
                return "overlayfs";
        case 0x2fc12fc1: /* zfs */
                return "zfs";
        default:
                return "unknown";
        }
}

/* PRETTY_NAME from os-release, unquoted. */
static char *os_name(void)
{
        const char *files[] = {"/etc/os-release", "/usr/lib/os-release"};
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                _cleanup_fclose_ FILE *f = fopen(files[i], "re");
                if (f == NULL)
                        continue;
                char line[512];
                while (fgets(line, sizeof(line), f)) {
                        if (strncmp(line, "PRETTY_NAME=", 12) != 0)
                                continue;
                        char *v = line + 12;
                        v[strcspn(v, "\n")] = '\0';
                        size_t n = strlen(v);
                        if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
                                v[n - 1] = '\0';
                                v++;
                        }
                        return berth_xstrdup(v);
                }
        }
        return berth_xstrdup("Linux");
}

static int64_t mem_total(void)
{
        long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
        return pages > 0 && size > 0 ? (int64_t)pages * size : 0;
}

/* Whether the kernel has seccomp filters: /proc/self/status says "Seccomp:". */
static bool have_seccomp(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "Seccomp:", 8) == 0)
                        return true;
        return false;
}

json_t *berth_engine_info(berth_engine *e, berth_error *err)
{
        berth_container *cs = NULL;
        size_t ncs = 0;
        if (berth_engine_list(e, &cs, &ncs, err) < 0)
                return NULL;
        json_int_t running = 0, paused = 0;
        for (size_t i = 0; i < ncs; i++) {
                if (strcmp(cs[i].status, "running") == 0 || strcmp(cs[i].status, "restarting") == 0)
                        running++;
                else if (strcmp(cs[i].status, "paused") == 0)
                        paused++;
        }
        berth_containers_free(cs, ncs);
        berth_image_summary *ims = NULL;
        size_t nims = 0;
        if (berth_images_list(berth_engine_images(e), &ims, &nims, err) < 0)
                return NULL;
        berth_image_summaries_free(ims, nims);

        enum berth_cgroup_mode mode = BERTH_CGROUP_UNIFIED;
        berth_error cgerr = {0};
        const char *layout = "unknown";
        if (berth_cgroup_mode(&mode, &cgerr) == 0)
                layout = mode == BERTH_CGROUP_UNIFIED  ? "unified"
                         : mode == BERTH_CGROUP_HYBRID ? "hybrid"
                                                       : "legacy";
        struct utsname u;
        if (uname(&u) < 0)
                memset(&u, 0, sizeof(u));
        _cleanup_free_ char *os = os_name();
        _cleanup_free_ char *rt = berth_program_path("berth-runtime", "BERTH_RUNTIME");
        json_t *sec = json_array();
        if (have_seccomp())
                json_array_append_new(sec, json_string("name=seccomp,profile=default"));
        if (mode == BERTH_CGROUP_UNIFIED)
                json_array_append_new(sec, json_string("name=cgroupns"));
        const char *root = berth_engine_root(e);
        return json_pack(
            "{s:I, s:I, s:I, s:I, s:I, s:s, s:[[s,s]], s:s, s:s, s:s, s:s, s:{s:{s:s}},"
            " s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:s, s:s, s:s, s:s, s:o}",
            "Containers", (json_int_t)ncs, "ContainersRunning", running, "ContainersPaused", paused,
            "ContainersStopped", (json_int_t)ncs - running - paused, "Images", (json_int_t)nims,
            "Driver", "overlay2", "DriverStatus", "Backing Filesystem", fs_name(root),
            "LoggingDriver", "json-file", "CgroupDriver", "cgroupfs", "CgroupVersion",
            mode == BERTH_CGROUP_UNIFIED ? "2" : "1", "CgroupLayout", layout, "Runtimes",
            "berth-runtime", "path", rt, "DefaultRuntime", "berth-runtime", "KernelVersion",
            u.release, "OperatingSystem", os, "OSType", "linux", "Architecture", u.machine, "NCPU",
            (int)sysconf(_SC_NPROCESSORS_ONLN), "MemTotal", (json_int_t)mem_total(), "Name",
            u.nodename, "ServerVersion", BERTH_VERSION, "DockerRootDir", root, "RunRoot",
            berth_engine_runroot(e), "SecurityOptions", sec);
}
