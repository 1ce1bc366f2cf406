/* SPDX-License-Identifier: Apache-2.0 */
/* linux.seccomp: actions, operators, architectures, flags, syscall rules. */
#include "spec-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>

static int get_action(json_t *obj, const char *base, const char *key, enum oci_seccomp_action *ret,
                      berth_error *err)
{
        char p[OCI_PATH_MAX];
        _cleanup_free_ char *name = NULL;
        int r = oci_get_str(obj, base, key, true, &name, err);
        if (r < 0)
                return r;
        int a = oci_seccomp_action_from_name(name);
        if (a < 0)
                return berth_errx(err, EINVAL, "%s: unknown seccomp action '%s'",
                                  oci_path(p, base, key), name);
        *ret = (enum oci_seccomp_action)a;
        return 0;
}

static int parse_args(json_t *obj, const char *base, oci_seccomp_syscall *sc, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX], fp[OCI_PATH_MAX];
        json_t *arr = NULL;
        int r = oci_get_arr(obj, base, "args", false, &arr, err);
        if (r <= 0)
                return r;
        oci_path(p, base, "args");
        size_t n = json_array_size(arr);
        sc->args = berth_xmalloc0((n ? n : 1) * sizeof(oci_seccomp_arg));
        sc->n_args = n;
        for (size_t i = 0; i < n; i++) {
                json_t *el = json_array_get(arr, i);
                oci_seccomp_arg *a = &sc->args[i];
                _cleanup_free_ char *op = NULL;
                oci_path_i(ep, p, i);
                if ((r = oci_want_object(el, ep, err)) < 0 ||
                    (r = oci_get_u32(el, ep, "index", true, &a->index, err)) < 0 ||
                    (r = oci_get_u64(el, ep, "value", true, UINT64_MAX, &a->value, err)) < 0 ||
                    (r = oci_get_u64(el, ep, "valueTwo", false, UINT64_MAX, &a->value_two, err)) <
                        0 ||
                    (r = oci_get_str(el, ep, "op", true, &op, err)) < 0)
                        return r;
                /* A syscall has six arguments. */
                if (a->index > 5)
                        return berth_errx(err, EINVAL, "%s: must be between 0 and 5, got %u",
                                          oci_path(fp, ep, "index"), a->index);
                int o = oci_seccomp_op_from_name(op);
                if (o < 0)
                        return berth_errx(err, EINVAL, "%s: unknown seccomp operator '%s'",
                                          oci_path(fp, ep, "op"), op);
                a->op = (enum oci_seccomp_op)o;
        }
        return 0;
}

static bool takes_errno(enum oci_seccomp_action a)
{
        return a == OCI_SECCOMP_ERRNO || a == OCI_SECCOMP_TRACE;
}

static int parse_syscalls(json_t *obj, const char *base, oci_seccomp *s, bool *notify,
                          berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX], fp[OCI_PATH_MAX];
        json_t *arr = NULL;
        int r = oci_get_arr(obj, base, "syscalls", false, &arr, err);
        if (r <= 0)
                return r;
        oci_path(p, base, "syscalls");
        size_t n = json_array_size(arr);
        s->syscalls = berth_xmalloc0((n ? n : 1) * sizeof(oci_seccomp_syscall));
        s->n_syscalls = n;
        for (size_t i = 0; i < n; i++) {
                json_t *el = json_array_get(arr, i);
                oci_seccomp_syscall *sc = &s->syscalls[i];
                oci_path_i(ep, p, i);
                if ((r = oci_want_object(el, ep, err)) < 0 ||
                    (r = oci_get_strv(el, ep, "names", true, &sc->names, err)) < 0 ||
                    (r = get_action(el, ep, "action", &sc->action, err)) < 0 ||
                    (r = oci_get_opt_u64(el, ep, "errnoRet", UINT32_MAX, &sc->errno_ret, err)) <
                        0 ||
                    (r = parse_args(el, ep, sc, err)) < 0)
                        return r;
                if (sc->names[0] == NULL)
                        return berth_errx(err, EINVAL, "%s: must not be empty",
                                          oci_path(fp, ep, "names"));
                for (size_t j = 0; sc->names[j]; j++)
                        if (sc->names[j][0] == '\0')
                                return berth_errx(err, EINVAL, "%s[%zu]: must not be empty",
                                                  oci_path(fp, ep, "names"), j);
                if (sc->errno_ret.set && !takes_errno(sc->action))
                        return berth_errx(err, EINVAL,
                                          "%s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE",
                                          oci_path(fp, ep, "errnoRet"));
                if (sc->action == OCI_SECCOMP_NOTIFY)
                        *notify = true;
        }
        return 0;
}

static int check_names(char **v, const char *base, const char *key, bool (*known)(const char *),
                       const char *what, berth_error *err)
{
        char p[OCI_PATH_MAX];
        oci_path(p, base, key);
        for (size_t i = 0; v && v[i]; i++)
                if (!known(v[i]))
                        return berth_errx(err, EINVAL, "%s[%zu]: unknown %s '%s'", p, i, what,
                                          v[i]);
        return 0;
}

int oci_parse_seccomp(json_t *v, const char *base, oci_seccomp *s, berth_error *err)
{
        char p[OCI_PATH_MAX];
        bool notify = false;
        int r;
        if ((r = get_action(v, base, "defaultAction", &s->default_action, err)) < 0 ||
            (r = oci_get_opt_u64(v, base, "defaultErrnoRet", UINT32_MAX, &s->default_errno_ret,
                                 err)) < 0 ||
            (r = oci_get_strv(v, base, "architectures", false, &s->architectures, err)) < 0 ||
            (r = check_names(s->architectures, base, "architectures", oci_seccomp_arch_known,
                             "seccomp architecture", err)) < 0 ||
            (r = oci_get_strv(v, base, "flags", false, &s->flags, err)) < 0 ||
            (r = check_names(s->flags, base, "flags", oci_seccomp_flag_known, "seccomp flag",
                             err)) < 0 ||
            (r = oci_get_str(v, base, "listenerPath", false, &s->listener_path, err)) < 0 ||
            (r = oci_get_str(v, base, "listenerMetadata", false, &s->listener_metadata, err)) < 0 ||
            (r = parse_syscalls(v, base, s, &notify, err)) < 0)
                return r;
        if (s->default_errno_ret.set && !takes_errno(s->default_action))
                return berth_errx(err, EINVAL,
                                  "%s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE",
                                  oci_path(p, base, "defaultErrnoRet"));
        if (s->default_action == OCI_SECCOMP_NOTIFY)
                return berth_errx(err, EINVAL, "%s: SCMP_ACT_NOTIFY cannot be the default action",
                                  oci_path(p, base, "defaultAction"));
        if (notify && (s->listener_path == NULL || s->listener_path[0] == '\0'))
                return berth_errx(err, EINVAL, "%s: required when SCMP_ACT_NOTIFY is used",
                                  oci_path(p, base, "listenerPath"));
        return 0;
}

void oci_seccomp_free(oci_seccomp *s)
{
        if (s == NULL)
                return;
        berth_strv_free(s->architectures);
        berth_strv_free(s->flags);
        free(s->listener_path);
        free(s->listener_metadata);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                berth_strv_free(s->syscalls[i].names);
                free(s->syscalls[i].args);
        }
        free(s->syscalls);
        free(s);
}
