/* SPDX-License-Identifier: Apache-2.0 */
/* Capabilities, --security-opt, seccomp choice, masked and read-only paths. */
#include "specgen-internal.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "oci/spec.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Docker's default set (moby's oci/caps defaults), in its order. */
const char *const berth_specgen_default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

/* The highest capability both this kernel and the spec parser know. */
static int last_cap(void)
{
        _cleanup_free_ char *s = NULL;
        berth_error e = {0};
        long long n;
        if (berth_read_file("/proc/sys/kernel/cap_last_cap", &s, NULL, &e) < 0)
                return BERTH_OCI_CAP_LAST;
        s[strcspn(s, "\n")] = '\0';
        if (berth_parse_i64(s, &n) < 0 || n < 0)
                return BERTH_OCI_CAP_LAST;
        return n < BERTH_OCI_CAP_LAST ? (int)n : BERTH_OCI_CAP_LAST;
}

/*
 * The capabilities this environment can give: those in our own effective
 * set (as Docker: a daemon in a restricted container cannot hand out what
 * it lacks), up to the last one both kernel and spec parser know. A caller
 * with no capabilities at all (not root) gets every known one: the runtime
 * will judge.
 */
static uint64_t available_caps(void)
{
        int last = last_cap();
        uint64_t known = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        while (f && fgets(line, sizeof(line), f)) {
                unsigned long long eff;
                if (sscanf(line, "CapEff: %llx", &eff) == 1)
                        return eff & known ? eff & known : known;
        }
        return known;
}

char **berth_specgen_all_caps(void)
{
        char **v = berth_xmalloc0(sizeof(char *));
        uint64_t avail = available_caps();
        for (int c = 0; c <= last_cap(); c++)
                if (avail & (UINT64_C(1) << c))
                        berth_strv_push(&v, berth_oci_cap_name(c));
        return v;
}

/* CapAdd / CapDrop entries as docker normalizes them: "ALL" or "CAP_<UPPER>". */
static int normalize(const json_t *list, const char *where, char ***ret, berth_error *err)
{
        _cleanup_strv_ char **out = berth_xmalloc0(sizeof(char *));
        uint64_t avail = available_caps();
        size_t i;
        json_t *el;
        json_array_foreach (list, i, el) {
                if (!json_is_string(el))
                        return berth_errx(err, EINVAL, "HostConfig.%s[%zu]: expected a string",
                                          where, i);
                const char *s = json_string_value(el);
                _cleanup_free_ char *up = berth_xmalloc0(strlen(s) + 5);
                size_t o = 0;
                if (strcasecmp(s, "ALL") != 0 && strncasecmp(s, "CAP_", 4) != 0) {
                        memcpy(up, "CAP_", 4);
                        o = 4;
                }
                for (const char *p = s; *p; p++)
                        up[o++] = (char)toupper((unsigned char)*p);
                up[o] = '\0';
                if (strcmp(up, "ALL") != 0) {
                        int c = berth_oci_cap_from_name(up);
                        if (c < 0)
                                return berth_errx(err, EINVAL, "unknown capability: \"%s\"", up);
                        if (!(avail & (UINT64_C(1) << c)))
                                return berth_errx(err, EINVAL,
                                                  "capability not supported by your kernel or not "
                                                  "available in the current environment: \"%s\"",
                                                  up);
                }
                sg_strv_add_unique(&out, up);
        }
        *ret = TAKE_PTR(out);
        return 0;
}

int sg_capabilities(const json_t *hc, bool privileged, char ***ret, berth_error *err)
{
        const json_t *add = NULL, *drop = NULL;
        _cleanup_strv_ char **adds = NULL, **drops = NULL;
        int r;

        if (privileged) {
                *ret = berth_specgen_all_caps();
                return 0;
        }
        if ((r = sg_get_array(hc, "HostConfig", "CapAdd", &add, err)) < 0 ||
            (r = sg_get_array(hc, "HostConfig", "CapDrop", &drop, err)) < 0 ||
            (r = normalize(add, "CapAdd", &adds, err)) < 0 ||
            (r = normalize(drop, "CapDrop", &drops, err)) < 0)
                return r;

        char **out = berth_xmalloc0(sizeof(char *));
        if (berth_strv_contains(adds, "ALL")) {
                _cleanup_strv_ char **all = berth_specgen_all_caps();
                STRV_FOREACH (c, all)
                        if (!berth_strv_contains(drops, *c))
                                sg_strv_add_unique(&out, *c);
        } else if (berth_strv_contains(drops, "ALL")) {
                STRV_FOREACH (c, adds)
                        sg_strv_add_unique(&out, *c);
        } else {
                for (size_t i = 0; berth_specgen_default_caps[i]; i++)
                        if (!berth_strv_contains(drops, berth_specgen_default_caps[i]))
                                sg_strv_add_unique(&out, berth_specgen_default_caps[i]);
                STRV_FOREACH (c, adds)
                        sg_strv_add_unique(&out, *c);
        }
        *ret = out;
        return 0;
}

void sg_security_clear(sg_security *sec)
{
        free(sec->seccomp_profile);
        *sec = (sg_security){.writable_cgroups = -1};
}

/* strconv.ParseBool's spellings. */
static int parse_bool(const char *s, bool *ret)
{
        static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
        for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
                if (strcmp(s, t[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcmp(s, f[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

static int one_opt(const char *opt, sg_security *sec, berth_error *err)
{
        if (strcmp(opt, "no-new-privileges") == 0) {
                sec->no_new_privileges = true;
                return 0;
        }
        if (strcmp(opt, "writable-cgroups") == 0) {
                sec->writable_cgroups = 1;
                return 0;
        }
        if (strcmp(opt, "disable") == 0) /* label=disable's short form: no SELinux here */
                return 0;

        /* "key=value"; the older "key:value" only when there is no '='. */
        const char *sep = strchr(opt, '=');
        if (sep == NULL)
                sep = strchr(opt, ':');
        if (sep == NULL)
                return berth_errx(err, EINVAL, "invalid --security-opt 1: \"%s\"", opt);
        size_t klen = (size_t)(sep - opt);
        const char *v = sep + 1;
        bool b;

        if (klen == 5 && strncmp(opt, "label", 5) == 0)
                return 0; /* SELinux labels: accepted, not applied */
        if (klen == 8 && strncmp(opt, "apparmor", 8) == 0)
                return 0; /* AppArmor profiles: accepted, not applied */
        if (klen == 7 && strncmp(opt, "seccomp", 7) == 0) {
                free(sec->seccomp_profile);
                sec->seccomp_profile = NULL;
                sec->seccomp_unconfined = strcmp(v, "unconfined") == 0;
                if (!sec->seccomp_unconfined && strcmp(v, "builtin") != 0 && v[0] != '\0')
                        sec->seccomp_profile = berth_xstrdup(v);
                return 0;
        }
        if (klen == 17 && strncmp(opt, "no-new-privileges", 17) == 0) {
                if (parse_bool(v, &b) < 0)
                        return berth_errx(err, EINVAL, "invalid --security-opt 2: \"%s\"", opt);
                sec->no_new_privileges = b;
                return 0;
        }
        if (klen == 16 && strncmp(opt, "writable-cgroups", 16) == 0) {
                if (parse_bool(v, &b) < 0)
                        return berth_errx(err, EINVAL, "invalid --security-opt 2: \"%s\"", opt);
                sec->writable_cgroups = b;
                return 0;
        }
        return berth_errx(err, EINVAL, "invalid --security-opt 2: \"%s\"", opt);
}

int sg_security_opts(const json_t *hc, sg_security *sec, berth_error *err)
{
        _cleanup_strv_ char **opts = NULL;
        *sec = (sg_security){.writable_cgroups = -1};
        int r = sg_get_strv(hc, "HostConfig", "SecurityOpt", &opts, err);
        if (r < 0)
                return r;
        STRV_FOREACH (o, opts) {
                r = one_opt(*o, sec, err);
                if (r < 0) {
                        sg_security_clear(sec);
                        return r;
                }
        }
        return 0;
}

int sg_seccomp(const sg_security *sec, bool privileged, char *const *caps, json_t **ret,
               berth_error *err)
{
        *ret = NULL;
        if (sec->seccomp_unconfined)
                return 0;
        if (sec->seccomp_profile)
                return sg_seccomp_from_profile(sec->seccomp_profile, caps, ret, err);
        if (privileged)
                return 0;
        *ret = sg_seccomp_default(caps);
        return 0;
}

json_t *sg_masked_paths(void)
{
        static const char *const fixed[] = {
            "/proc/acpi",
            "/proc/asound",
            "/proc/interrupts",
            "/proc/kcore",
            "/proc/keys",
            "/proc/latency_stats",
            "/proc/sched_debug",
            "/proc/scsi",
            "/proc/timer_list",
            "/proc/timer_stats",
            "/sys/devices/virtual/powercap",
            "/sys/firmware",
        };
        json_t *a = json_array();
        for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
                json_array_append_new(a, json_string(fixed[i]));
        /* Per-CPU thermal throttle counters leak what the host runs
         * (GHSA-6fw5-f8r9-fgfm): masked where the host has them. */
        DIR *d = opendir("/sys/devices/system/cpu");
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
                char p[300], extra;
                unsigned n;
                struct stat st;
                if (sscanf(de->d_name, "cpu%u%c", &n, &extra) != 1)
                        continue;
                snprintf(p, sizeof(p), "/sys/devices/system/cpu/%s/thermal_throttle", de->d_name);
                if (stat(p, &st) == 0)
                        json_array_append_new(a, json_string(p));
        }
        if (d)
                closedir(d);
        return a;
}

json_t *sg_readonly_paths(void)
{
        return json_pack("[s, s, s, s, s]", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                         "/proc/sysrq-trigger");
}
