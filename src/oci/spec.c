/* SPDX-License-Identifier: Apache-2.0 */
/* config.json: the top level, hooks, checks across sections, load and free. */
#include "spec-internal.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>

static int parse_root(json_t *obj, oci_spec *s, berth_error *err)
{
        json_t *root = NULL;
        int r = oci_get_obj(obj, "", "root", true, &root, err);
        if (r < 0)
                return r;
        if ((r = oci_get_str(root, "root", "path", true, &s->root_path, err)) < 0 ||
            (r = oci_get_bool(root, "root", "readonly", &s->root_readonly, err)) < 0)
                return r;
        if (s->root_path[0] == '\0')
                return berth_errx(err, EINVAL, "root.path: must not be empty");
        return 0;
}

static int parse_mounts(json_t *obj, oci_spec *s, berth_error *err)
{
        char ep[OCI_PATH_MAX];
        json_t *arr = NULL;
        int r = oci_get_arr(obj, "", "mounts", false, &arr, err);
        if (r <= 0)
                return r;
        size_t n = json_array_size(arr);
        s->mounts = berth_xmalloc0((n ? n : 1) * sizeof(oci_mount));
        s->n_mounts = n;
        for (size_t i = 0; i < n; i++) {
                r = oci_parse_mount(json_array_get(arr, i), oci_path_i(ep, "mounts", i),
                                    &s->mounts[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_hook_list(json_t *arr, const char *base, oci_hook *hooks, berth_error *err)
{
        char ep[OCI_PATH_MAX], fp[OCI_PATH_MAX];
        for (size_t i = 0; i < json_array_size(arr); i++) {
                json_t *el = json_array_get(arr, i);
                oci_hook *h = &hooks[i];
                _cleanup_free_ char *path = NULL;
                int r;
                oci_path_i(ep, base, i);
                if ((r = oci_want_object(el, ep, err)) < 0 ||
                    (r = oci_get_str(el, ep, "path", true, &path, err)) < 0 ||
                    (r = oci_abs_path(path, oci_path(fp, ep, "path"), &h->path, err)) < 0 ||
                    (r = oci_get_strv(el, ep, "args", false, &h->args, err)) < 0 ||
                    (r = oci_get_strv(el, ep, "env", false, &h->env, err)) < 0 ||
                    (r = oci_get_opt_i64(el, ep, "timeout", INT64_MIN, INT64_MAX, &h->timeout,
                                         err)) < 0)
                        return r;
                if (h->timeout.set && h->timeout.v <= 0)
                        return berth_errx(err, EINVAL,
                                          "%s: must be a positive number of seconds, got %lld",
                                          oci_path(fp, ep, "timeout"), (long long)h->timeout.v);
        }
        return 0;
}

static int parse_hooks(json_t *obj, oci_spec *s, berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *hooks = NULL;
        int r = oci_get_obj(obj, "", "hooks", false, &hooks, err);
        if (r <= 0)
                return r;
        for (int k = 0; k < OCI_HOOK_COUNT; k++) {
                json_t *arr = NULL;
                if ((r = oci_get_arr(hooks, "hooks", oci_hook_names[k], false, &arr, err)) < 0)
                        return r;
                if (r == 0)
                        continue;
                size_t n = json_array_size(arr);
                s->hooks[k] = berth_xmalloc0((n ? n : 1) * sizeof(oci_hook));
                s->n_hooks[k] = n;
                r = parse_hook_list(arr, oci_path(p, "hooks", oci_hook_names[k]), s->hooks[k], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* What needs two sections at once. */
static int check_across(oci_spec *s, berth_error *err)
{
        oci_linux *l = s->linux;
        const oci_namespace *user = berth_oci_spec_namespace(s, OCI_NS_USER);
        const oci_namespace *uts = berth_oci_spec_namespace(s, OCI_NS_UTS);

        if (l && (l->n_uid_mappings || l->n_gid_mappings) && user == NULL)
                return berth_errx(err, EINVAL,
                                  "linux.%s: id mappings need a user namespace in "
                                  "linux.namespaces",
                                  l->n_uid_mappings ? "uidMappings" : "gidMappings");
        if (user && user->path == NULL && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0))
                return berth_errx(err, EINVAL,
                                  "linux.%s: a new user namespace needs uid and gid mappings",
                                  l->n_uid_mappings == 0 ? "uidMappings" : "gidMappings");
        if (s->hostname && s->hostname[0] && uts == NULL)
                return berth_errx(err, EINVAL,
                                  "hostname: setting it needs a uts namespace in "
                                  "linux.namespaces");
        if (s->domainname && s->domainname[0] && uts == NULL)
                return berth_errx(err, EINVAL,
                                  "domainname: setting it needs a uts namespace in "
                                  "linux.namespaces");
        if (l && (l->time_monotonic.set || l->time_boottime.set)) {
                const oci_namespace *t = berth_oci_spec_namespace(s, OCI_NS_TIME);
                if (t == NULL || t->path)
                        return berth_errx(err, EINVAL,
                                          "linux.timeOffsets: needs a new time namespace in "
                                          "linux.namespaces");
        }
        return 0;
}

static int parse_spec(json_t *v, oci_spec *s, berth_error *err)
{
        int r = oci_want_object(v, "config", err);
        if (r < 0)
                return r;
        if ((r = oci_get_str(v, "", "ociVersion", true, &s->oci_version, err)) < 0)
                return r;
        if (s->oci_version[0] == '\0')
                return berth_errx(err, EINVAL, "ociVersion: must not be empty");
        /* The major version is what decides compatibility. */
        if (strncmp(s->oci_version, "1.", 2) != 0 && strcmp(s->oci_version, "1") != 0)
                return berth_errx(err, EINVAL, "ociVersion: unsupported version '%s' (want 1.x)",
                                  s->oci_version);
        if ((r = parse_root(v, s, err)) < 0 || (r = parse_mounts(v, s, err)) < 0)
                return r;

        json_t *o = NULL;
        if ((r = oci_get_obj(v, "", "process", false, &o, err)) < 0)
                return r;
        if (r > 0) {
                s->process = berth_xmalloc0(sizeof(*s->process));
                if ((r = oci_parse_process(o, "process", s->process, err)) < 0)
                        return r;
        }
        if ((r = oci_get_str(v, "", "hostname", false, &s->hostname, err)) < 0 ||
            (r = oci_get_str(v, "", "domainname", false, &s->domainname, err)) < 0 ||
            (r = parse_hooks(v, s, err)) < 0 ||
            (r = oci_get_kv(v, "", "annotations", &s->annotations, &s->n_annotations, err)) < 0 ||
            (r = oci_get_obj(v, "", "linux", false, &o, err)) < 0)
                return r;
        if (r > 0) {
                s->linux = berth_xmalloc0(sizeof(*s->linux));
                if ((r = oci_parse_linux(o, "linux", s->linux, err)) < 0)
                        return r;
        }
        return check_across(s, err);
}

oci_spec *berth_oci_spec_parse_json(json_t *root, berth_error *err)
{
        oci_spec *s = berth_xmalloc0(sizeof(*s));
        if (parse_spec(root, s, err) < 0) {
                berth_oci_spec_free(s);
                return NULL;
        }
        return s;
}

oci_spec *berth_oci_spec_parse(const char *json, size_t len, berth_error *err)
{
        json_t *root = oci_json_load(json, len, err);
        if (root == NULL)
                return NULL;
        oci_spec *s = berth_oci_spec_parse_json(root, err);
        json_decref(root);
        return s;
}

oci_spec *berth_oci_spec_load(const char *path, berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (berth_read_file(path, &text, &len, err) < 0)
                return NULL;
        oci_spec *s = berth_oci_spec_parse(text, len, err);
        if (s == NULL)
                berth_wrap(err, "%s", path);
        return s;
}

void berth_oci_spec_free(oci_spec *s)
{
        if (s == NULL)
                return;
        free(s->oci_version);
        free(s->root_path);
        for (size_t i = 0; i < s->n_mounts; i++)
                oci_mount_clear(&s->mounts[i]);
        free(s->mounts);
        berth_oci_process_free(s->process);
        free(s->hostname);
        free(s->domainname);
        for (int k = 0; k < OCI_HOOK_COUNT; k++) {
                for (size_t i = 0; i < s->n_hooks[k]; i++) {
                        free(s->hooks[k][i].path);
                        berth_strv_free(s->hooks[k][i].args);
                        berth_strv_free(s->hooks[k][i].env);
                }
                free(s->hooks[k]);
        }
        oci_kv_free(s->annotations, s->n_annotations);
        oci_linux_free(s->linux);
        free(s);
}

const oci_namespace *berth_oci_spec_namespace(const oci_spec *s, enum oci_ns_type t)
{
        if (s == NULL || s->linux == NULL)
                return NULL;
        for (size_t i = 0; i < s->linux->n_namespaces; i++)
                if (s->linux->namespaces[i].type == t)
                        return &s->linux->namespaces[i];
        return NULL;
}
