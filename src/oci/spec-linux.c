/* SPDX-License-Identifier: Apache-2.0 */
/* linux: namespaces, id mappings, devices, sysctl, propagation, personality, time offsets. */
#include "spec-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>

static int parse_namespaces(json_t *obj, const char *base, oci_linux *l, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX], fp[OCI_PATH_MAX];
        json_t *arr = NULL;
        int r = oci_get_arr(obj, base, "namespaces", false, &arr, err);
        if (r <= 0)
                return r;
        oci_path(p, base, "namespaces");
        size_t n = json_array_size(arr);
        l->namespaces = berth_xmalloc0((n ? n : 1) * sizeof(oci_namespace));
        bool seen[OCI_NS_COUNT] = {false};
        for (size_t i = 0; i < n; i++) {
                json_t *el = json_array_get(arr, i);
                oci_namespace *ns = &l->namespaces[i];
                l->n_namespaces = i + 1;
                _cleanup_free_ char *type = NULL, *path = NULL;
                oci_path_i(ep, p, i);
                if ((r = oci_want_object(el, ep, err)) < 0 ||
                    (r = oci_get_str(el, ep, "type", true, &type, err)) < 0 ||
                    (r = oci_get_str(el, ep, "path", false, &path, err)) < 0)
                        return r;
                int t = -1;
                for (int k = 0; k < OCI_NS_COUNT; k++)
                        if (strcmp(berth_oci_ns_name(k), type) == 0)
                                t = k;
                if (t < 0)
                        return berth_errx(err, EINVAL, "%s: unknown namespace type '%s'",
                                          oci_path(fp, ep, "type"), type);
                if (seen[t])
                        return berth_errx(err, EINVAL, "%s: duplicate namespace type '%s'",
                                          oci_path(fp, ep, "type"), type);
                seen[t] = true;
                ns->type = (enum oci_ns_type)t;
                if (path && (r = oci_abs_path(path, oci_path(fp, ep, "path"), &ns->path, err)) < 0)
                        return r;
        }
        return 0;
}

static int parse_id_mappings(json_t *obj, const char *base, const char *key, oci_id_mapping **ret,
                             size_t *ret_n, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX], fp[OCI_PATH_MAX];
        json_t *arr = NULL;
        int r = oci_get_arr(obj, base, key, false, &arr, err);
        if (r <= 0)
                return r;
        oci_path(p, base, key);
        size_t n = json_array_size(arr);
        oci_id_mapping *m = *ret = berth_xmalloc0((n ? n : 1) * sizeof(oci_id_mapping));
        for (size_t i = 0; i < n; i++) {
                json_t *el = json_array_get(arr, i);
                *ret_n = i + 1;
                oci_path_i(ep, p, i);
                if ((r = oci_want_object(el, ep, err)) < 0 ||
                    (r = oci_get_u32(el, ep, "containerID", true, &m[i].container_id, err)) < 0 ||
                    (r = oci_get_u32(el, ep, "hostID", true, &m[i].host_id, err)) < 0 ||
                    (r = oci_get_u32(el, ep, "size", true, &m[i].size, err)) < 0)
                        return r;
                if (m[i].size == 0)
                        return berth_errx(err, EINVAL, "%s: must be a positive integer",
                                          oci_path(fp, ep, "size"));
                if ((uint64_t)m[i].container_id + m[i].size > (uint64_t)UINT32_MAX + 1 ||
                    (uint64_t)m[i].host_id + m[i].size > (uint64_t)UINT32_MAX + 1)
                        return berth_errx(err, ERANGE, "%s: range overflows 32-bit ids", ep);
                for (size_t j = 0; j < i; j++)
                        if (m[i].container_id < (uint64_t)m[j].container_id + m[j].size &&
                            m[j].container_id < (uint64_t)m[i].container_id + m[i].size)
                                return berth_errx(err, EINVAL,
                                                  "%s: containerID range overlaps %s[%zu]", ep, p,
                                                  j);
        }
        return 0;
}

static int parse_devices(json_t *obj, const char *base, oci_linux *l, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX], fp[OCI_PATH_MAX];
        json_t *arr = NULL;
        int r = oci_get_arr(obj, base, "devices", false, &arr, err);
        if (r <= 0)
                return r;
        oci_path(p, base, "devices");
        size_t n = json_array_size(arr);
        l->devices = berth_xmalloc0((n ? n : 1) * sizeof(oci_device));
        for (size_t i = 0; i < n; i++) {
                json_t *el = json_array_get(arr, i);
                oci_device *d = &l->devices[i];
                l->n_devices = i + 1;
                _cleanup_free_ char *type = NULL, *path = NULL;
                oci_path_i(ep, p, i);
                if ((r = oci_want_object(el, ep, err)) < 0 ||
                    (r = oci_get_str(el, ep, "type", true, &type, err)) < 0)
                        return r;
                if (strlen(type) != 1 || !strchr("cbup", type[0]))
                        return berth_errx(err, EINVAL, "%s: must be one of c, b, u, p, got '%s'",
                                          oci_path(fp, ep, "type"), type);
                d->type = type[0];
                bool need_numbers = d->type != 'p';
                if ((r = oci_get_str(el, ep, "path", true, &path, err)) < 0 ||
                    (r = oci_abs_path(path, oci_path(fp, ep, "path"), &d->path, err)) < 0 ||
                    (r = oci_get_i64(el, ep, "major", need_numbers, 0, INT64_MAX, &d->major, err)) <
                        0 ||
                    (r = oci_get_i64(el, ep, "minor", need_numbers, 0, INT64_MAX, &d->minor, err)) <
                        0 ||
                    (r = oci_get_opt_u64(el, ep, "fileMode", 07777, &d->file_mode, err)) < 0 ||
                    (r = oci_get_opt_u64(el, ep, "uid", UINT32_MAX, &d->uid, err)) < 0 ||
                    (r = oci_get_opt_u64(el, ep, "gid", UINT32_MAX, &d->gid, err)) < 0)
                        return r;
                if (strcmp(d->path, "/") == 0)
                        return berth_errx(err, EINVAL, "%s: must name a file, got '/'",
                                          oci_path(fp, ep, "path"));
        }
        return 0;
}

static int parse_propagation(json_t *obj, const char *base, oci_linux *l, berth_error *err)
{
        static const struct {
                const char *name;
                unsigned long flags;
        } table[] = {
            {"shared", MS_SHARED},
            {"slave", MS_SLAVE},
            {"private", MS_PRIVATE},
            {"unbindable", MS_UNBINDABLE},
            {"rshared", MS_SHARED | MS_REC},
            {"rslave", MS_SLAVE | MS_REC},
            {"rprivate", MS_PRIVATE | MS_REC},
            {"runbindable", MS_UNBINDABLE | MS_REC},
        };
        char p[OCI_PATH_MAX];
        _cleanup_free_ char *v = NULL;
        int r = oci_get_str(obj, base, "rootfsPropagation", false, &v, err);
        if (r <= 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(table); i++)
                if (strcmp(table[i].name, v) == 0) {
                        l->rootfs_propagation = table[i].flags;
                        return 0;
                }
        return berth_errx(err, EINVAL, "%s: unknown propagation '%s'",
                          oci_path(p, base, "rootfsPropagation"), v);
}

static int parse_personality(json_t *obj, const char *base, oci_linux *l, berth_error *err)
{
        char p[OCI_PATH_MAX], fp[OCI_PATH_MAX];
        json_t *v = NULL;
        _cleanup_free_ char *domain = NULL;
        _cleanup_strv_ char **flags = NULL;
        int r = oci_get_obj(obj, base, "personality", false, &v, err);
        if (r <= 0)
                return r;
        oci_path(p, base, "personality");
        if ((r = oci_get_str(v, p, "domain", true, &domain, err)) < 0 ||
            (r = oci_get_strv(v, p, "flags", false, &flags, err)) < 0)
                return r;
        if (strcmp(domain, "LINUX") == 0)
                l->personality = PER_LINUX;
        else if (strcmp(domain, "LINUX32") == 0)
                l->personality = PER_LINUX32;
        else
                return berth_errx(err, EINVAL, "%s: unknown personality domain '%s'",
                                  oci_path(fp, p, "domain"), domain);
        l->has_personality = true;
        return 0;
}

static int parse_time_offsets(json_t *obj, const char *base, oci_linux *l, berth_error *err)
{
        static const char *const clocks[] = {"monotonic", "boottime"};
        char p[OCI_PATH_MAX], cp[OCI_PATH_MAX];
        json_t *v = NULL;
        int r = oci_get_obj(obj, base, "timeOffsets", false, &v, err);
        if (r <= 0)
                return r;
        oci_path(p, base, "timeOffsets");
        oci_time_offset *dst[] = {&l->time_monotonic, &l->time_boottime};
        for (size_t i = 0; i < ARRAY_SIZE(clocks); i++) {
                json_t *c = NULL;
                if ((r = oci_get_obj(v, p, clocks[i], false, &c, err)) < 0)
                        return r;
                if (r == 0)
                        continue;
                oci_path(cp, p, clocks[i]);
                if ((r = oci_get_i64(c, cp, "secs", false, INT64_MIN, INT64_MAX, &dst[i]->secs,
                                     err)) < 0 ||
                    (r = oci_get_u32(c, cp, "nanosecs", false, &dst[i]->nanosecs, err)) < 0)
                        return r;
                if (dst[i]->nanosecs >= 1000000000)
                        return berth_errx(err, ERANGE, "%s.nanosecs: must be below 1000000000", cp);
                dst[i]->set = true;
        }
        return 0;
}

static int check_paths(char **v, const char *base, const char *key, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        oci_path(p, base, key);
        for (size_t i = 0; v && v[i]; i++)
                if (v[i][0] != '/')
                        return berth_errx(err, EINVAL, "%s: must be an absolute path, got '%s'",
                                          oci_path_i(ep, p, i), v[i]);
        return 0;
}

int oci_parse_linux(json_t *v, const char *base, oci_linux *l, berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *o = NULL;
        int r;
        if ((r = parse_namespaces(v, base, l, err)) < 0 ||
            (r = parse_id_mappings(v, base, "uidMappings", &l->uid_mappings, &l->n_uid_mappings,
                                   err)) < 0 ||
            (r = parse_id_mappings(v, base, "gidMappings", &l->gid_mappings, &l->n_gid_mappings,
                                   err)) < 0 ||
            (r = oci_get_kv(v, base, "sysctl", &l->sysctl, &l->n_sysctl, err)) < 0 ||
            (r = oci_get_obj(v, base, "resources", false, &o, err)) < 0)
                return r;
        if (r > 0) {
                l->has_resources = true;
                if ((r = oci_parse_resources(o, oci_path(p, base, "resources"), &l->resources,
                                             err)) < 0)
                        return r;
        }
        if ((r = oci_get_str(v, base, "cgroupsPath", false, &l->cgroups_path, err)) < 0 ||
            (r = parse_devices(v, base, l, err)) < 0 ||
            (r = oci_get_obj(v, base, "seccomp", false, &o, err)) < 0)
                return r;
        if (r > 0) {
                l->seccomp = berth_xmalloc0(sizeof(*l->seccomp));
                if ((r = oci_parse_seccomp(o, oci_path(p, base, "seccomp"), l->seccomp, err)) < 0)
                        return r;
        }
        if ((r = parse_propagation(v, base, l, err)) < 0 ||
            (r = oci_get_strv(v, base, "maskedPaths", false, &l->masked_paths, err)) < 0 ||
            (r = check_paths(l->masked_paths, base, "maskedPaths", err)) < 0 ||
            (r = oci_get_strv(v, base, "readonlyPaths", false, &l->readonly_paths, err)) < 0 ||
            (r = check_paths(l->readonly_paths, base, "readonlyPaths", err)) < 0 ||
            (r = oci_get_str(v, base, "mountLabel", false, &l->mount_label, err)) < 0 ||
            (r = parse_personality(v, base, l, err)) < 0 ||
            (r = parse_time_offsets(v, base, l, err)) < 0 ||
            (r = oci_get_obj(v, base, "intelRdt", false, &o, err)) < 0)
                return r;
        l->has_intel_rdt = r > 0;
        for (size_t i = 0; i < l->n_sysctl; i++)
                if (l->sysctl[i].key[0] == '\0')
                        return berth_errx(err, EINVAL, "%s: keys must not be empty",
                                          oci_path(p, base, "sysctl"));
        return 0;
}

void oci_linux_free(oci_linux *l)
{
        if (l == NULL)
                return;
        for (size_t i = 0; i < l->n_namespaces; i++)
                free(l->namespaces[i].path);
        free(l->namespaces);
        free(l->uid_mappings);
        free(l->gid_mappings);
        oci_kv_free(l->sysctl, l->n_sysctl);
        oci_resources_clear(&l->resources);
        free(l->cgroups_path);
        for (size_t i = 0; i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        oci_seccomp_free(l->seccomp);
        berth_strv_free(l->masked_paths);
        berth_strv_free(l->readonly_paths);
        free(l->mount_label);
        free(l);
}
