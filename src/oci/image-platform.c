/* SPDX-License-Identifier: Apache-2.0 */
/* Platforms: the host's, and which entry of an index runs on it. */
#include "image-internal.h"

#include "base/strutil.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

void berth_oci_arch_from_machine(const char *machine, const char **ret_arch,
                                 const char **ret_variant)
{
        static const struct {
                const char *machine, *arch, *variant;
        } map[] = {
            {"x86_64", "amd64", NULL},
            {"amd64", "amd64", NULL},
            {"aarch64", "arm64", "v8"},
            {"arm64", "arm64", "v8"},
            {"armv8l", "arm", "v7"}, /* 32-bit userland on a 64-bit core */
            {"armv7l", "arm", "v7"},
            {"armv7", "arm", "v7"},
            {"armv6l", "arm", "v6"},
            {"armv5tel", "arm", "v5"},
            {"armv5tejl", "arm", "v5"},
            {"i386", "386", NULL},
            {"i486", "386", NULL},
            {"i586", "386", NULL},
            {"i686", "386", NULL},
            {"ppc64le", "ppc64le", NULL},
            {"ppc64", "ppc64", NULL},
            {"s390x", "s390x", NULL},
            {"riscv64", "riscv64", NULL},
            {"mips64", "mips64le", NULL},
            {"loongarch64", "loong64", NULL},
        };
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
                if (strcmp(machine, map[i].machine) == 0) {
                        *ret_arch = map[i].arch;
                        *ret_variant = map[i].variant;
                        return;
                }
        *ret_arch = machine;
        *ret_variant = NULL;
}

void berth_host_platform(const char **ret_os, const char **ret_arch, const char **ret_variant)
{
        static struct utsname u;
        /* uname(2) fails only on a bad pointer. */
        if (u.machine[0] == '\0' && uname(&u) < 0)
                abort();
        *ret_os = "linux";
        berth_oci_arch_from_machine(u.machine, ret_arch, ret_variant);
}

/* A platform as containerd normalises it: arch in Go's names, variant "" for the default. */
typedef struct {
        const char *arch;
        char variant[16];
} norm_platform;

static void normalise(const char *arch, const char *variant, norm_platform *n)
{
        const char *v = variant ? variant : "";
        const char *a = arch, *mv = NULL;
        /* Names that are not Go's: "x86_64", "aarch64", "armhf", "i686", … */
        if (strcmp(arch, "x86-64") == 0 || strcmp(arch, "armhf") == 0 ||
            strcmp(arch, "armel") == 0) {
                a = strcmp(arch, "x86-64") == 0 ? "amd64" : "arm";
                mv = strcmp(arch, "armhf") == 0 ? "v7" : strcmp(arch, "armel") == 0 ? "v6" : NULL;
        } else {
                berth_oci_arch_from_machine(arch, &a, &mv);
        }
        if (v[0] == '\0' && mv)
                v = mv;
        n->arch = a;
        /* "7" is "v7", as some indexes write it. */
        if (v[0] >= '0' && v[0] <= '9')
                snprintf(n->variant, sizeof(n->variant), "v%s", v);
        else
                snprintf(n->variant, sizeof(n->variant), "%s", v);
        if (strcmp(a, "arm64") == 0 &&
            (strcmp(n->variant, "v8") == 0 || strcmp(n->variant, "v8.0") == 0))
                n->variant[0] = '\0';
        else if (strcmp(a, "amd64") == 0 && strcmp(n->variant, "v1") == 0)
                n->variant[0] = '\0';
        else if (strcmp(a, "arm") == 0 && n->variant[0] == '\0')
                snprintf(n->variant, sizeof(n->variant), "v7");
}

/* The N of "vN" (an empty variant is level def), or -1. */
static int level(const char *v, int def)
{
        if (v[0] == '\0')
                return def;
        if (v[0] != 'v' || v[1] < '1' || v[1] > '9' || v[2] != '\0')
                return -1;
        return v[1] - '0';
}

/* How well an entry of (arch, variant) suits a host of want: <0 not at all, higher is closer. */
static int score(const norm_platform *have, const norm_platform *want)
{
        if (strcmp(have->arch, want->arch) != 0)
                return -1;
        if (strcmp(have->variant, want->variant) == 0)
                return 100;
        /* Hosts run older variants of arm and amd64 (arm v7 runs v6 and v5, amd64 v3 runs v2, v1).
         */
        if (strcmp(want->arch, "arm") == 0 || strcmp(want->arch, "amd64") == 0) {
                int def = strcmp(want->arch, "amd64") == 0 ? 1 : 7;
                int h = level(have->variant, def), w = level(want->variant, def);
                if (h > 0 && w > 0 && h <= w && (def == 1 || h >= 5))
                        return 100 - (w - h);
                return -1;
        }
        /* Elsewhere an entry without a variant is for every variant. */
        return have->variant[0] == '\0' ? 50 : -1;
}

static void append(char *buf, size_t size, const char *s)
{
        size_t n = strlen(buf);
        if (n < size)
                snprintf(buf + n, size - n, "%s", s);
}

static bool str_eq(const char *a, const char *b)
{
        return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Whether an entry before i has the same platform as entry i. */
static bool seen_before(const oci_index *ix, size_t i)
{
        const oci_platform *p = ix->manifests[i].platform;
        for (size_t j = 0; j < i; j++) {
                const oci_platform *q = ix->manifests[j].platform;
                if (q && str_eq(p->os, q->os) && str_eq(p->architecture, q->architecture) &&
                    str_eq(p->variant, q->variant))
                        return true;
        }
        return false;
}

const oci_descriptor *berth_oci_index_select(const oci_index *ix, const char *os, const char *arch,
                                             const char *variant, berth_error *err)
{
        norm_platform want;
        normalise(arch, variant, &want);
        const oci_descriptor *best = NULL;
        int best_score = -1;
        for (size_t i = 0; i < ix->n_manifests; i++) {
                const oci_descriptor *d = &ix->manifests[i];
                const oci_platform *p = d->platform;
                if (p == NULL ||
                    (!berth_mt_is_manifest(d->media_type) && !berth_mt_is_index(d->media_type)))
                        continue;
                if (strcmp(p->os, os) != 0)
                        continue;
                norm_platform have;
                normalise(p->architecture, p->variant, &have);
                int s = score(&have, &want);
                if (s > best_score) {
                        best = d;
                        best_score = s;
                }
        }
        if (best)
                return best;

        /* Say what there is: "linux/arm64/v8, linux/s390x" (attestations' unknown/unknown left
         * out). */
        char have[1024] = "";
        for (size_t i = 0; i < ix->n_manifests; i++) {
                const oci_platform *p = ix->manifests[i].platform;
                if (p == NULL || strcmp(p->os, "unknown") == 0 || seen_before(ix, i))
                        continue;
                if (have[0])
                        append(have, sizeof(have), ", ");
                append(have, sizeof(have), p->os);
                append(have, sizeof(have), "/");
                append(have, sizeof(have), p->architecture);
                if (p->variant && p->variant[0]) {
                        append(have, sizeof(have), "/");
                        append(have, sizeof(have), p->variant);
                }
        }
        berth_errx(err, ENOENT, "no %s/%s%s%s image in the index (it has: %s)", os, arch,
                   variant && variant[0] ? "/" : "", variant ? variant : "",
                   have[0] ? have : "no platforms");
        return NULL;
}
