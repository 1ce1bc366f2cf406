/* SPDX-License-Identifier: Apache-2.0 */
/* process: args, env, cwd, user, capabilities, rlimits, and process.json alone. */
#include "spec-internal.h"
#include "base/cpulist.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>

static int parse_user(json_t *obj, const char *base, oci_user *u, berth_error *err)
{
        char p[OCI_PATH_MAX], gp[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        json_t *v = NULL;
        int r = oci_get_obj(obj, base, "user", false, &v, err);
        if (r <= 0)
                return r;
        oci_path(p, base, "user");
        if ((r = oci_get_u32(v, p, "uid", false, &u->uid, err)) < 0 ||
            (r = oci_get_u32(v, p, "gid", false, &u->gid, err)) < 0 ||
            (r = oci_get_opt_u64(v, p, "umask", 0777, &u->umask, err)) < 0)
                return r;
        json_t *gids = NULL;
        r = oci_get_arr(v, p, "additionalGids", false, &gids, err);
        if (r <= 0)
                return r;
        oci_path(gp, p, "additionalGids");
        size_t n = json_array_size(gids);
        u->additional_gids = berth_xmalloc0((n ? n : 1) * sizeof(uint32_t));
        for (size_t i = 0; i < n; i++) {
                uint64_t g;
                r = oci_val_u64(json_array_get(gids, i), oci_path_i(ep, gp, i), UINT32_MAX, &g,
                                err);
                if (r < 0)
                        return r;
                u->additional_gids[i] = (uint32_t)g;
                u->n_additional_gids = i + 1;
        }
        return 0;
}

static int parse_caps(json_t *obj, const char *base, oci_process *proc, berth_error *err)
{
        static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
                                           "ambient"};
        char p[OCI_PATH_MAX], sp[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        json_t *v = NULL;
        int r = oci_get_obj(obj, base, "capabilities", false, &v, err);
        if (r <= 0)
                return r;
        proc->has_caps = true;
        oci_path(p, base, "capabilities");
        char ***dst[] = {&proc->caps.bounding, &proc->caps.effective, &proc->caps.inheritable,
                         &proc->caps.permitted, &proc->caps.ambient};
        for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
                r = oci_get_strv(v, p, sets[s], false, dst[s], err);
                if (r < 0)
                        return r;
                oci_path(sp, p, sets[s]);
                for (size_t i = 0; *dst[s] && (*dst[s])[i]; i++)
                        if (berth_oci_cap_from_name((*dst[s])[i]) < 0)
                                return berth_errx(err, EINVAL, "%s: unknown capability '%s'",
                                                  oci_path_i(ep, sp, i), (*dst[s])[i]);
        }
        return 0;
}

static int parse_rlimits(json_t *obj, const char *base, oci_process *proc, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX], fp[OCI_PATH_MAX];
        json_t *arr = NULL;
        int r = oci_get_arr(obj, base, "rlimits", false, &arr, err);
        if (r <= 0)
                return r;
        oci_path(p, base, "rlimits");
        size_t n = json_array_size(arr);
        proc->rlimits = berth_xmalloc0((n ? n : 1) * sizeof(oci_rlimit));
        for (size_t i = 0; i < n; i++) {
                json_t *el = json_array_get(arr, i);
                oci_rlimit *rl = &proc->rlimits[i];
                _cleanup_free_ char *type = NULL;
                oci_path_i(ep, p, i);
                if ((r = oci_want_object(el, ep, err)) < 0 ||
                    (r = oci_get_str(el, ep, "type", true, &type, err)) < 0 ||
                    (r = oci_get_u64(el, ep, "hard", true, UINT64_MAX, &rl->hard, err)) < 0 ||
                    (r = oci_get_u64(el, ep, "soft", true, UINT64_MAX, &rl->soft, err)) < 0)
                        return r;
                rl->resource = oci_rlimit_from_name(type);
                if (rl->resource < 0)
                        return berth_errx(err, EINVAL, "%s: unknown rlimit type '%s'",
                                          oci_path(fp, ep, "type"), type);
                if (rl->soft > rl->hard)
                        return berth_errx(err, EINVAL,
                                          "%s: soft limit %llu is greater than hard limit %llu",
                                          oci_path(fp, ep, "soft"), (unsigned long long)rl->soft,
                                          (unsigned long long)rl->hard);
                for (size_t j = 0; j < i; j++)
                        if (proc->rlimits[j].resource == rl->resource)
                                return berth_errx(err, EINVAL, "%s: duplicate rlimit type '%s'",
                                                  oci_path(fp, ep, "type"), type);
                proc->n_rlimits = i + 1;
        }
        return 0;
}

static int check_env(char **env, const char *base, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        oci_path(p, base, "env");
        for (size_t i = 0; env && env[i]; i++) {
                const char *eq = strchr(env[i], '=');
                if (eq == NULL || eq == env[i])
                        return berth_errx(err, EINVAL, "%s: must be NAME=VALUE, got '%s'",
                                          oci_path_i(ep, p, i), env[i]);
        }
        return 0;
}

/* execCPUAffinity: two CPU lists, each optional ("" as absent, as the spec says) */
static int parse_exec_cpus(json_t *v, const char *base, oci_process *proc, berth_error *err)
{
        char p[OCI_PATH_MAX];
        json_t *a = NULL;
        int r = oci_get_obj(v, base, "execCPUAffinity", false, &a, err);
        if (r <= 0)
                return r;
        oci_path(p, base, "execCPUAffinity");
        const char *keys[] = {"initial", "final"};
        char **dst[] = {&proc->exec_cpus_initial, &proc->exec_cpus_final};
        for (size_t i = 0; i < 2; i++) {
                if ((r = oci_get_str(a, p, keys[i], false, dst[i], err)) < 0)
                        return r;
                cpu_set_t set;
                if (*dst[i] && **dst[i] == '\0') {
                        free(*dst[i]);
                        *dst[i] = NULL;
                } else if (*dst[i] && berth_cpulist_parse(*dst[i], &set) < 0) {
                        char q[OCI_PATH_MAX];
                        return berth_errx(err, EINVAL, "%s: not a list of CPUs: '%s'",
                                          oci_path(q, p, keys[i]), *dst[i]);
                }
        }
        return 0;
}

int oci_parse_process(json_t *v, const char *base, oci_process *proc, berth_error *err)
{
        char p[OCI_PATH_MAX];
        int r = oci_want_object(v, base[0] ? base : "process", err);
        if (r < 0)
                return r;

        if ((r = oci_get_bool(v, base, "terminal", &proc->terminal, err)) < 0)
                return r;
        json_t *cs = NULL;
        if ((r = oci_get_obj(v, base, "consoleSize", false, &cs, err)) < 0)
                return r;
        if (r > 0) {
                oci_path(p, base, "consoleSize");
                if ((r = oci_get_u32(cs, p, "height", true, &proc->console_height, err)) < 0 ||
                    (r = oci_get_u32(cs, p, "width", true, &proc->console_width, err)) < 0)
                        return r;
                proc->has_console_size = true;
        }
        if ((r = parse_user(v, base, &proc->user, err)) < 0)
                return r;

        json_t *args = json_object_get(v, "args");
        bool good = json_is_array(args) && json_array_size(args) > 0;
        for (size_t i = 0; good && i < json_array_size(args); i++)
                good = json_is_string(json_array_get(args, i));
        if (!good)
                return berth_errx(err, EINVAL, "%s: must be a non-empty array of strings",
                                  oci_path(p, base, "args"));
        if ((r = oci_get_strv(v, base, "args", true, &proc->args, err)) < 0)
                return r;
        if ((r = oci_get_strv(v, base, "env", false, &proc->env, err)) < 0 ||
            (r = check_env(proc->env, base, err)) < 0)
                return r;

        _cleanup_free_ char *cwd = NULL;
        if ((r = oci_get_str(v, base, "cwd", true, &cwd, err)) < 0 ||
            (r = oci_abs_path(cwd, oci_path(p, base, "cwd"), &proc->cwd, err)) < 0)
                return r;

        if ((r = parse_caps(v, base, proc, err)) < 0 || (r = parse_rlimits(v, base, proc, err)) < 0)
                return r;
        if ((r = oci_get_bool(v, base, "noNewPrivileges", &proc->no_new_privileges, err)) < 0 ||
            (r = oci_get_opt_i64(v, base, "oomScoreAdj", -1000, 1000, &proc->oom_score_adj, err)) <
                0 ||
            (r = oci_get_str(v, base, "apparmorProfile", false, &proc->apparmor_profile, err)) <
                0 ||
            (r = oci_get_str(v, base, "selinuxLabel", false, &proc->selinux_label, err)) < 0)
                return r;
        return parse_exec_cpus(v, base, proc, err);
}

void oci_process_clear(oci_process *p)
{
        if (p == NULL)
                return;
        free(p->user.additional_gids);
        berth_strv_free(p->args);
        berth_strv_free(p->env);
        free(p->cwd);
        berth_strv_free(p->caps.bounding);
        berth_strv_free(p->caps.effective);
        berth_strv_free(p->caps.inheritable);
        berth_strv_free(p->caps.permitted);
        berth_strv_free(p->caps.ambient);
        free(p->rlimits);
        free(p->exec_cpus_initial);
        free(p->exec_cpus_final);
        free(p->apparmor_profile);
        free(p->selinux_label);
        *p = (oci_process){0};
}

oci_process *berth_oci_process_parse_json(json_t *root, berth_error *err)
{
        oci_process *p = berth_xmalloc0(sizeof(*p));
        if (oci_parse_process(root, "", p, err) < 0) {
                berth_oci_process_free(p);
                return NULL;
        }
        return p;
}

oci_process *berth_oci_process_parse(const char *json, size_t len, berth_error *err)
{
        json_t *root = oci_json_load(json, len, err);
        if (root == NULL)
                return NULL;
        oci_process *p = berth_oci_process_parse_json(root, err);
        json_decref(root);
        return p;
}

void berth_oci_process_free(oci_process *p)
{
        oci_process_clear(p);
        free(p);
}
