/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A seccomp profile in Docker's format (what `docker run --security-opt
 * seccomp=profile.json` sends: the file's content) to linux.seccomp.
 *
 * Docker's format is the runtime-spec's plus: "archMap" (a list of
 * {architecture, subArchitectures}; the native one's entry becomes
 * "architectures"), a rule's "name" (one syscall) beside "names", and a
 * rule's "includes" / "excludes" ({caps, arches, minKernel}) that keep or
 * drop the rule for this container.
 */
#include "specgen-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The libseccomp architecture name Docker's "archMap" uses for the native one. */
static const char *native_scmp_arch(void)
{
        static const struct {
                const char *go, *scmp;
        } map[] = {
            {"amd64", "SCMP_ARCH_X86_64"},    {"x86", "SCMP_ARCH_X86"},
            {"arm64", "SCMP_ARCH_AARCH64"},   {"arm", "SCMP_ARCH_ARM"},
            {"ppc64le", "SCMP_ARCH_PPC64LE"}, {"s390x", "SCMP_ARCH_S390X"},
            {"riscv64", "SCMP_ARCH_RISCV64"},
        };
        const char *n = sg_native_arch();
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                if (strcmp(map[i].go, n) == 0)
                        return map[i].scmp;
        return NULL;
}

static bool strv_json_contains(const json_t *arr, const char *s)
{
        size_t i;
        json_t *el;
        json_array_foreach (arr, i, el)
                if (json_is_string(el) && strcmp(json_string_value(el), s) == 0)
                        return true;
        return false;
}

/* "5.8" → true when this kernel is at least that. */
static int min_kernel_ok(const json_t *v, const char *where, bool *ret, berth_error *err)
{
        int ma = 0, mi = 0;
        char extra;
        if (!json_is_string(v) || sscanf(json_string_value(v), "%d.%d%c", &ma, &mi, &extra) != 2 ||
            ma < 0 || mi < 0)
                return berth_errx(err, EINVAL, "%s.minKernel: expected a version like \"5.8\"",
                                  where);
        *ret = sg_kernel_at_least(ma, mi);
        return 0;
}

/*
 * Whether a rule's filter ({caps, arches, minKernel}) matches this
 * container: "includes" needs all of its caps, one of its arches and at
 * least its kernel; "excludes" drops the rule on any cap, any arch, or a
 * kernel at least minKernel.
 */
static int filter_matches(const json_t *f, bool include, char *const *caps, const char *where,
                          bool *ret, berth_error *err)
{
        const json_t *arches = json_object_get(f, "arches");
        const json_t *fcaps = json_object_get(f, "caps");
        const json_t *mk = json_object_get(f, "minKernel");
        const char *arch = sg_native_arch();
        size_t i;
        json_t *el;

        if ((arches && !json_is_null(arches) && !json_is_array(arches)) ||
            (fcaps && !json_is_null(fcaps) && !json_is_array(fcaps)))
                return berth_errx(err, EINVAL, "%s: caps and arches must be arrays", where);
        if (include) {
                bool ok = true;
                if (json_array_size(arches) > 0 && !strv_json_contains(arches, arch))
                        ok = false;
                json_array_foreach (fcaps, i, el)
                        if (!json_is_string(el) ||
                            !berth_strv_contains(caps, json_string_value(el)))
                                ok = false;
                if (ok && mk && !json_is_null(mk)) {
                        int r = min_kernel_ok(mk, where, &ok, err);
                        if (r < 0)
                                return r;
                }
                *ret = ok;
                return 0;
        }
        bool hit = json_array_size(arches) > 0 && strv_json_contains(arches, arch);
        json_array_foreach (fcaps, i, el)
                if (json_is_string(el) && berth_strv_contains(caps, json_string_value(el)))
                        hit = true;
        if (!hit && mk && !json_is_null(mk)) {
                int r = min_kernel_ok(mk, where, &hit, err);
                if (r < 0)
                        return r;
        }
        *ret = hit;
        return 0;
}

/* One docker-format rule to a runtime-spec one, or NULL in *ret when filtered out. */
static int convert_rule(const json_t *in, size_t idx, char *const *caps, json_t **ret,
                        berth_error *err)
{
        char where[64];
        snprintf(where, sizeof(where), "syscalls[%zu]", idx);
        *ret = NULL;
        if (!json_is_object(in))
                return berth_errx(err, EINVAL, "%s: expected an object", where);

        const json_t *name = json_object_get(in, "name");
        const json_t *names = json_object_get(in, "names");
        if (name && !json_is_null(name) && json_array_size(names) > 0)
                return berth_errx(err, EINVAL,
                                  "%s: both 'name' and 'names' are given, use one of them", where);

        static const char *const filters[] = {"includes", "excludes"};
        for (size_t k = 0; k < ARRAY_SIZE(filters); k++) {
                const json_t *f = json_object_get(in, filters[k]);
                if (f == NULL || json_is_null(f))
                        continue;
                char fw[96];
                snprintf(fw, sizeof(fw), "%s.%s", where, filters[k]);
                if (!json_is_object(f))
                        return berth_errx(err, EINVAL, "%s: expected an object", fw);
                bool m = false;
                int r = filter_matches(f, k == 0, caps, fw, &m, err);
                if (r < 0)
                        return r;
                if (m != (k == 0))
                        return 0; /* not for this container */
        }

        json_t *out = json_object();
        const char *key;
        json_t *v;
        json_object_foreach ((json_t *)in, key, v) {
                if (strcmp(key, "names") == 0 || strcmp(key, "action") == 0 ||
                    strcmp(key, "errnoRet") == 0 || strcmp(key, "args") == 0)
                        json_object_set(out, key, v);
        }
        if (name && !json_is_null(name))
                json_object_set_new(out, "names", json_pack("[O]", name));
        *ret = out;
        return 0;
}

int sg_seccomp_from_profile(const char *text, char *const *caps, json_t **ret, berth_error *err)
{
        json_error_t jerr;
        json_t *in = json_loads(text, 0, &jerr);
        if (in == NULL)
                return berth_errx(err, EINVAL, "decoding seccomp profile failed: %s", jerr.text);
        if (!json_is_object(in)) {
                json_decref(in);
                return berth_errx(err, EINVAL,
                                  "decoding seccomp profile failed: expected a JSON object");
        }

        const json_t *def = json_object_get(in, "defaultAction");
        const json_t *syscalls = json_object_get(in, "syscalls");
        const json_t *archs = json_object_get(in, "architectures");
        const json_t *arch_map = json_object_get(in, "archMap");
        int r = 0;

        if ((def == NULL || json_is_null(def) ||
             (json_is_string(def) && json_string_value(def)[0] == '\0')) &&
            json_array_size(syscalls) == 0) {
                json_decref(in);
                *ret = NULL; /* nothing asked: no filter, as Docker does */
                return 0;
        }
        if (json_array_size(archs) > 0 && json_array_size(arch_map) > 0) {
                json_decref(in);
                return berth_errx(err, EINVAL,
                                  "seccomp profile: both 'architectures' and 'archMap' are "
                                  "given, use one of them");
        }
        if (syscalls && !json_is_null(syscalls) && !json_is_array(syscalls)) {
                json_decref(in);
                return berth_errx(err, EINVAL, "seccomp profile: syscalls: expected an array");
        }

        json_t *out = json_object();
        static const char *const copied[] = {"defaultAction", "defaultErrnoRet",
                                             "architectures", "flags",
                                             "listenerPath",  "listenerMetadata"};
        for (size_t i = 0; i < ARRAY_SIZE(copied); i++) {
                json_t *v = json_object_get(in, copied[i]);
                if (v && !json_is_null(v))
                        json_object_set(out, copied[i], v);
        }

        const char *native = native_scmp_arch();
        size_t i;
        json_t *el;
        json_array_foreach (arch_map, i, el) {
                const json_t *a = json_object_get(el, "architecture");
                if (native == NULL || !json_is_string(a) ||
                    strcmp(json_string_value(a), native) != 0)
                        continue;
                json_t *list = json_pack("[O]", a);
                const json_t *subs = json_object_get(el, "subArchitectures");
                size_t j;
                json_t *sub;
                json_array_foreach (subs, j, sub)
                        json_array_append(list, sub);
                json_object_set_new(out, "architectures", list);
                break;
        }

        json_t *rules = json_array();
        json_array_foreach (syscalls, i, el) {
                json_t *rl = NULL;
                r = convert_rule(el, i, caps, &rl, err);
                if (r < 0)
                        break;
                if (rl)
                        json_array_append_new(rules, rl);
        }
        json_object_set_new(out, "syscalls", rules);
        json_decref(in);
        if (r < 0) {
                json_decref(out);
                return berth_wrap(err, "seccomp profile");
        }
        *ret = out;
        return 0;
}
