/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth_specgen(): the container's config.json from the image config and
 * the create body, as Docker makes it. This file merges the body with the
 * image (command, env, user, working dir), picks the namespaces and puts
 * the parts together; the parts live in specgen-*.c and seccomp-*.c.
 */
#include "specgen-internal.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "oci/spec.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_SHM_SIZE (64LL << 20)
#define INIT_IN_CTR      "/sbin/docker-init"

typedef struct {
        char **entrypoint, **cmd, **env;
        const char *user, *workdir, *hostname, *domainname;
        bool tty;
} merged_config;

static void merged_clear(merged_config *c)
{
        berth_strv_free(c->entrypoint);
        berth_strv_free(c->cmd);
        berth_strv_free(c->env);
        c->entrypoint = c->cmd = c->env = NULL;
}

static size_t env_key_len(const char *e)
{
        return strcspn(e, "=");
}

static bool same_key(const char *a, const char *b)
{
        size_t n = env_key_len(a);
        return n == env_key_len(b) && strncmp(a, b, n) == 0;
}

/* The body's Config over the image's, as Docker's create merges them. */
static int merge_config(const json_t *body, const json_t *image, merged_config *c, berth_error *err)
{
        _cleanup_strv_ char **ep = NULL, **cmd = NULL, **env = NULL, **img_ep = NULL,
                            **img_cmd = NULL, **img_env = NULL;
        const char *img_user = NULL, *img_wd = NULL;
        int r;

        *c = (merged_config){0};
        if ((r = sg_get_strv(body, "", "Entrypoint", &ep, err)) < 0 ||
            (r = sg_get_strv(body, "", "Cmd", &cmd, err)) < 0 ||
            (r = sg_get_strv(body, "", "Env", &env, err)) < 0 ||
            (r = sg_get_str(body, "", "User", &c->user, err)) < 0 ||
            (r = sg_get_str(body, "", "WorkingDir", &c->workdir, err)) < 0 ||
            (r = sg_get_str(body, "", "Hostname", &c->hostname, err)) < 0 ||
            (r = sg_get_str(body, "", "Domainname", &c->domainname, err)) < 0 ||
            (r = sg_get_bool(body, "", "Tty", &c->tty, err)) < 0)
                return r;
        if ((r = sg_get_strv(image, "image config", "Entrypoint", &img_ep, err)) < 0 ||
            (r = sg_get_strv(image, "image config", "Cmd", &img_cmd, err)) < 0 ||
            (r = sg_get_strv(image, "image config", "Env", &img_env, err)) < 0 ||
            (r = sg_get_str(image, "image config", "User", &img_user, err)) < 0 ||
            (r = sg_get_str(image, "image config", "WorkingDir", &img_wd, err)) < 0)
                return r;

        if (c->user == NULL || c->user[0] == '\0')
                c->user = img_user;
        if (c->workdir == NULL || c->workdir[0] == '\0')
                c->workdir = img_wd;

        /* The image's env fills in what the body does not set. */
        c->env = berth_strv_dup(env);
        STRV_FOREACH (ie, img_env) {
                bool found = false;
                STRV_FOREACH (e, env)
                        found |= same_key(*ie, *e);
                if (!found)
                        berth_strv_push(&c->env, *ie);
        }

        /* A body Entrypoint (even an empty one) drops the image's Cmd too. */
        if (berth_strv_length(ep) == 0) {
                if (berth_strv_length(cmd) == 0) {
                        berth_strv_free(cmd);
                        cmd = TAKE_PTR(img_cmd);
                }
                if (ep == NULL)
                        ep = TAKE_PTR(img_ep);
        }
        /* --entrypoint "" sends [""]: no entrypoint at all. */
        if (berth_strv_length(ep) == 1 && ep[0][0] == '\0') {
                berth_strv_free(ep);
                ep = NULL;
        }
        if (berth_strv_length(ep) == 0 && berth_strv_length(cmd) == 0) {
                merged_clear(c);
                return berth_errx(err, EINVAL, "no command specified");
        }
        c->entrypoint = TAKE_PTR(ep);
        c->cmd = TAKE_PTR(cmd);
        return 0;
}

/*
 * PATH, HOSTNAME and (with a tty) TERM=xterm first, then the container's
 * env replacing those or appended; "NAME" without '=' removes NAME.
 */
static json_t *final_env(char *const *env, const char *hostname, bool tty)
{
        _cleanup_strv_ char **out = NULL;
        _cleanup_free_ char *h = berth_xasprintf("HOSTNAME=%s", hostname ? hostname : "");
        size_t n_defaults;
        berth_strv_push(&out, DEFAULT_PATH);
        berth_strv_push(&out, h);
        if (tty)
                berth_strv_push(&out, "TERM=xterm");
        n_defaults = berth_strv_length(out);

        _cleanup_free_ bool *removed = berth_xmalloc0(n_defaults * sizeof(bool));
        for (size_t i = 0; env && env[i]; i++) {
                bool replaced = false;
                for (size_t d = 0; d < n_defaults; d++) {
                        if (!same_key(out[d], env[i]))
                                continue;
                        if (strchr(env[i], '=') == NULL) {
                                removed[d] = true;
                        } else {
                                free(out[d]);
                                out[d] = berth_xstrdup(env[i]);
                                removed[d] = false;
                        }
                        replaced = true;
                }
                if (!replaced && strchr(env[i], '=') != NULL && env[i][0] != '=')
                        berth_strv_push(&out, env[i]);
        }
        json_t *a = json_array();
        for (size_t i = 0; out[i]; i++)
                if (i >= n_defaults || !removed[i])
                        json_array_append_new(a, json_string(out[i]));
        return a;
}

/* ---- namespaces ------------------------------------------------------------ */

typedef struct {
        bool net, ipc, pid, uts, cgroup; /* a new one of each */
        const char *ipc_mode;
        const char *net_path; /* net: this one, joined */
} ns_choice;

static int unsupported_mode(const char *what, const char *mode, berth_error *err)
{
        return berth_errx(err, EOPNOTSUPP, "%s mode '%s' is not supported", what, mode);
}

static int namespaces(const json_t *hc, ns_choice *ns, berth_error *err)
{
        const char *net = NULL, *ipc = NULL, *pid = NULL, *uts = NULL, *cg = NULL;
        int r;
        if ((r = sg_get_str(hc, "HostConfig", "NetworkMode", &net, err)) < 0 ||
            (r = sg_get_str(hc, "HostConfig", "IpcMode", &ipc, err)) < 0 ||
            (r = sg_get_str(hc, "HostConfig", "PidMode", &pid, err)) < 0 ||
            (r = sg_get_str(hc, "HostConfig", "UTSMode", &uts, err)) < 0 ||
            (r = sg_get_str(hc, "HostConfig", "CgroupnsMode", &cg, err)) < 0)
                return r;
        net = net ? net : "";
        ipc = ipc ? ipc : "";
        pid = pid ? pid : "";
        uts = uts ? uts : "";
        cg = cg ? cg : "";

        /* "none", "default", "bridge" and user networks all get one of their own (made by
         * the engine, given in net_path, or else new); container:<name> the other's */
        if (berth_str_has_prefix(net, "container:") && ns->net_path == NULL)
                return unsupported_mode("network", net, err);
        ns->net = strcmp(net, "host") != 0;

        if (berth_str_has_prefix(ipc, "container:"))
                return unsupported_mode("ipc", ipc, err);
        if (strcmp(ipc, "") && strcmp(ipc, "private") && strcmp(ipc, "shareable") &&
            strcmp(ipc, "host") && strcmp(ipc, "none"))
                return berth_errx(err, EINVAL, "invalid IPC mode: %s", ipc);
        ns->ipc = strcmp(ipc, "host") != 0;
        ns->ipc_mode = ipc;

        if (berth_str_has_prefix(pid, "container:"))
                return unsupported_mode("pid", pid, err);
        if (strcmp(pid, "") && strcmp(pid, "host"))
                return berth_errx(err, EINVAL, "invalid PID mode: %s", pid);
        ns->pid = strcmp(pid, "host") != 0;

        if (strcmp(uts, "") && strcmp(uts, "host"))
                return berth_errx(err, EINVAL, "invalid UTS mode: %s", uts);
        ns->uts = strcmp(uts, "host") != 0;

        if (strcmp(cg, "") && strcmp(cg, "private") && strcmp(cg, "host"))
                return berth_errx(err, EINVAL, "invalid cgroup namespace mode: %s", cg);
        ns->cgroup = strcmp(cg, "host") != 0;
        return 0;
}

static json_t *namespaces_json(const ns_choice *ns)
{
        json_t *a = json_array();
        json_array_append_new(a, json_pack("{s:s}", "type", "mount"));
        if (ns->net && ns->net_path)
                json_array_append_new(
                    a, json_pack("{s:s, s:s}", "type", "network", "path", ns->net_path));
        else if (ns->net)
                json_array_append_new(a, json_pack("{s:s}", "type", "network"));
        if (ns->uts)
                json_array_append_new(a, json_pack("{s:s}", "type", "uts"));
        if (ns->pid)
                json_array_append_new(a, json_pack("{s:s}", "type", "pid"));
        if (ns->ipc)
                json_array_append_new(a, json_pack("{s:s}", "type", "ipc"));
        if (ns->cgroup)
                json_array_append_new(a, json_pack("{s:s}", "type", "cgroup"));
        return a;
}

/* ---- sysctls ----------------------------------------------------------------- */

static bool host_has_sysctl(const char *key)
{
        char p[PATH_MAX];
        struct stat st;
        snprintf(p, sizeof(p), "/proc/sys/%s", key);
        for (char *c = p + strlen("/proc/sys/"); *c; c++)
                if (*c == '.')
                        *c = '/';
        return stat(p, &st) == 0;
}

/* Only sysctls of a namespace the container has its own of can be set. */
static int check_sysctl(const char *key, const ns_choice *ns, berth_error *err)
{
        static const char *const ipc_keys[] = {
            "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
            "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
        bool ipc = berth_str_has_prefix(key, "fs.mqueue.");
        for (size_t i = 0; i < ARRAY_SIZE(ipc_keys); i++)
                ipc |= strcmp(key, ipc_keys[i]) == 0;
        if (ipc) {
                if (!ns->ipc)
                        return berth_errx(err, EINVAL,
                                          "sysctl \"%s\" is not allowed in the host's ipc "
                                          "namespace",
                                          key);
                return 0;
        }
        if (berth_str_has_prefix(key, "net.")) {
                if (!ns->net)
                        return berth_errx(err, EINVAL,
                                          "sysctl \"%s\" is not allowed in the host's network "
                                          "namespace",
                                          key);
                return 0;
        }
        if (strcmp(key, "kernel.domainname") == 0) {
                if (!ns->uts)
                        return berth_errx(err, EINVAL,
                                          "sysctl \"%s\" is not allowed in the host's uts "
                                          "namespace",
                                          key);
                return 0;
        }
        return berth_errx(err, EINVAL, "sysctl \"%s\" is not allowed", key);
}

static int sysctls(const json_t *hc, const ns_choice *ns, json_t **ret, berth_error *err)
{
        const json_t *user = NULL;
        int r = sg_get_object(hc, "HostConfig", "Sysctls", &user, err);
        if (r < 0)
                return r;
        json_t *s = json_object();
        /* Docker's defaults for a network namespace of its own: ping without
         * CAP_NET_RAW and binding low ports without CAP_NET_BIND_SERVICE. */
        if (ns->net) {
                if (host_has_sysctl("net.ipv4.ping_group_range"))
                        json_object_set_new(s, "net.ipv4.ping_group_range",
                                            json_string("0 2147483647"));
                if (host_has_sysctl("net.ipv4.ip_unprivileged_port_start"))
                        json_object_set_new(s, "net.ipv4.ip_unprivileged_port_start",
                                            json_string("0"));
        }
        const char *key;
        json_t *v;
        json_object_foreach ((json_t *)user, key, v) {
                _cleanup_free_ char *k = berth_xstrdup(key);
                for (char *c = k; *c; c++)
                        if (*c == '/')
                                *c = '.';
                if (!json_is_string(v)) {
                        json_decref(s);
                        return berth_errx(err, EINVAL, "HostConfig.Sysctls[%s]: expected a string",
                                          key);
                }
                if ((r = check_sysctl(k, ns, err)) < 0) {
                        json_decref(s);
                        return r;
                }
                json_object_set(s, k, v);
        }
        *ret = s;
        return 0;
}

/* ---- the whole config ------------------------------------------------------- */

static int process_json(const berth_specgen_input *in, const json_t *hc, const merged_config *c,
                        const char *hostname, bool init, char *const *caps, const sg_security *sec,
                        json_t **ret, berth_error *err)
{
        _cleanup_strv_ char **args = NULL;
        json_t *user = NULL, *rlimits = NULL;
        const json_t *group_add = NULL, *console = NULL;
        int64_t oom;
        int r;

        if ((r = sg_get_int(hc, "HostConfig", "OomScoreAdj", &oom, err)) < 0 ||
            (r = sg_get_array(hc, "HostConfig", "GroupAdd", &group_add, err)) < 0 ||
            (r = sg_get_array(hc, "HostConfig", "ConsoleSize", &console, err)) < 0)
                return r;
        if (oom < -1000 || oom > 1000)
                return berth_errx(err, EINVAL,
                                  "invalid value %lld, range for oom score adj is [-1000, 1000]",
                                  (long long)oom);

        const char *wd = c->workdir && c->workdir[0] ? c->workdir : "/";
        if (wd[0] != '/')
                return berth_errx(err, EINVAL,
                                  "the working directory '%s' is invalid, it needs to be an "
                                  "absolute path",
                                  wd);

        if (init) {
                berth_strv_push(&args, INIT_IN_CTR);
                berth_strv_push(&args, "--");
        }
        STRV_FOREACH (a, c->entrypoint)
                berth_strv_push(&args, *a);
        STRV_FOREACH (a, c->cmd)
                berth_strv_push(&args, *a);

        if (in->no_user)
                user = json_pack("{s:i, s:i}", "uid", 0, "gid", 0);
        else if ((r = berth_specgen_user(in->rootfs, c->user, group_add, &user, err)) < 0)
                return r;
        if ((r = sg_rlimits(hc, &rlimits, err)) < 0) {
                json_decref(user);
                return r;
        }

        json_t *p = json_object();
        json_object_set_new(p, "terminal", json_boolean(c->tty));
        if (c->tty && json_array_size(console) == 2) {
                json_int_t h = json_integer_value(json_array_get(console, 0));
                json_int_t w = json_integer_value(json_array_get(console, 1));
                if (h > 0 && w > 0 && h <= UINT32_MAX && w <= UINT32_MAX)
                        json_object_set_new(p, "consoleSize",
                                            json_pack("{s:I, s:I}", "height", h, "width", w));
        }
        json_object_set_new(p, "user", user);
        json_object_set_new(p, "args", sg_strv_json(args));
        json_object_set_new(p, "env", final_env(c->env, hostname, c->tty));
        json_object_set_new(p, "cwd", json_string(wd));
        json_object_set_new(p, "capabilities",
                            json_pack("{s:o, s:o, s:o}", "bounding", sg_strv_json(caps),
                                      "effective", sg_strv_json(caps), "permitted",
                                      sg_strv_json(caps)));
        if (rlimits)
                json_object_set_new(p, "rlimits", rlimits);
        if (sec->no_new_privileges)
                json_object_set_new(p, "noNewPrivileges", json_true());
        json_object_set_new(p, "oomScoreAdj", json_integer(oom));
        *ret = p;
        return 0;
}

static char *cgroups_path(const berth_specgen_input *in, const json_t *hc, berth_error *err)
{
        const char *parent = in->cgroup_parent;
        if (parent == NULL || parent[0] == '\0') {
                if (sg_get_str(hc, "HostConfig", "CgroupParent", &parent, err) < 0)
                        return NULL;
        }
        if (parent == NULL || parent[0] == '\0')
                parent = "/berth";
        size_t n = strlen(parent);
        while (n > 1 && parent[n - 1] == '/')
                n--;
        return berth_xasprintf("%s%.*s/%s", parent[0] == '/' ? "" : "/", (int)n, parent, in->id);
}

static int check_input(const berth_specgen_input *in, berth_error *err)
{
        if (in == NULL || in->id == NULL || in->id[0] == '\0')
                return berth_errx(err, EINVAL, "no container id");
        if (strchr(in->id, '/') || strcmp(in->id, ".") == 0 || strcmp(in->id, "..") == 0)
                return berth_errx(err, EINVAL, "invalid container id '%s'", in->id);
        if (in->rootfs == NULL || in->rootfs[0] != '/')
                return berth_errx(err, EINVAL, "rootfs '%s' is not an absolute path",
                                  in->rootfs ? in->rootfs : "");
        if (in->body && !json_is_object(in->body))
                return berth_errx(err, EINVAL, "the create body is not a JSON object");
        if (in->image && !json_is_object(in->image) && !json_is_null(in->image))
                return berth_errx(err, EINVAL, "the image config is not a JSON object");
        return 0;
}

/* The generated config must be one the runtime takes. */
static int validate(json_t *spec, berth_error *err)
{
        _cleanup_free_ char *text = json_dumps(spec, JSON_COMPACT);
        if (text == NULL)
                return berth_errx(err, ENOMEM, "cannot serialize the container config");
        oci_spec *s = berth_oci_spec_parse(text, strlen(text), err);
        if (s == NULL)
                return berth_wrap(err, "invalid container config");
        berth_oci_spec_free(s);
        return 0;
}

json_t *berth_specgen(const berth_specgen_input *in, berth_error *err)
{
        _cleanup_strv_ char **caps = NULL;
        _cleanup_free_ char *cg_path = NULL;
        merged_config c = {0};
        sg_security sec = {.writable_cgroups = -1};
        ns_choice ns = {.net_path = in->netns_path};
        json_t *spec = NULL, *linux_obj = NULL, *empty = json_object();
        const json_t *hc = NULL;
        bool privileged, readonly, init;
        int64_t shm;
        int r;

        if (check_input(in, err) < 0)
                goto fail;
        const json_t *body = in->body ? in->body : empty;
        const json_t *image = json_is_object(in->image) ? in->image : empty;
        if (sg_get_object(body, "", "HostConfig", &hc, err) < 0)
                goto fail;
        hc = hc ? hc : empty;

        if (sg_get_bool(hc, "HostConfig", "Privileged", &privileged, err) < 0 ||
            sg_get_bool(hc, "HostConfig", "ReadonlyRootfs", &readonly, err) < 0 ||
            sg_get_bool(hc, "HostConfig", "Init", &init, err) < 0 ||
            sg_get_int(hc, "HostConfig", "ShmSize", &shm, err) < 0)
                goto fail;
        if (shm < 0) {
                berth_errx(err, EINVAL, "SHM size can not be less than 0");
                goto fail;
        }
        if (merge_config(body, image, &c, err) < 0 ||
            sg_capabilities(hc, privileged, &caps, err) < 0 ||
            sg_security_opts(hc, &sec, err) < 0 || namespaces(hc, &ns, err) < 0)
                goto fail;

        /* --init only makes sense as the pid namespace's first process. */
        init = init && ns.pid;
        if (init && (in->init_path == NULL || in->init_path[0] != '/')) {
                berth_errx(err, ENOENT, "--init: no init binary (berth-init) to run");
                goto fail;
        }

        /* The hostname: the body's, the host's with --network host, else the id's start. */
        char hostname[HOST_NAME_MAX + 1] = "";
        if (c.hostname && c.hostname[0])
                snprintf(hostname, sizeof(hostname), "%s", c.hostname);
        else if (!ns.net && gethostname(hostname, sizeof(hostname)) == 0)
                hostname[sizeof(hostname) - 1] = '\0';
        else
                snprintf(hostname, sizeof(hostname), "%.12s", in->id);

        spec = json_object();
        json_object_set_new(spec, "ociVersion", json_string("1.0.2"));
        json_t *process = NULL;
        if (process_json(in, hc, &c, hostname, init, caps, &sec, &process, err) < 0)
                goto fail;
        json_object_set_new(spec, "process", process);
        json_object_set_new(spec, "root",
                            json_pack("{s:s, s:b}", "path", in->rootfs, "readonly", readonly));
        if (ns.uts) {
                json_object_set_new(spec, "hostname", json_string(hostname));
                if (c.domainname && c.domainname[0])
                        json_object_set_new(spec, "domainname", json_string(c.domainname));
        }

        linux_obj = json_object();
        json_object_set_new(linux_obj, "namespaces", namespaces_json(&ns));
        if ((cg_path = cgroups_path(in, hc, err)) == NULL)
                goto fail;
        json_object_set_new(linux_obj, "cgroupsPath", json_string(cg_path));
        if (sg_resources(hc, privileged, linux_obj, err) < 0)
                goto fail;

        json_t *sysctl = NULL;
        if (sysctls(hc, &ns, &sysctl, err) < 0)
                goto fail;
        if (json_object_size(sysctl))
                json_object_set_new(linux_obj, "sysctl", sysctl);
        else
                json_decref(sysctl);

        json_t *seccomp = NULL;
        /* the default profile is ours, the same for every container: a check leaves it out */
        bool default_profile = !sec.seccomp_unconfined && !sec.seccomp_profile && !privileged;
        if (!(in->no_default_seccomp && default_profile) &&
            sg_seccomp(&sec, privileged, caps, &seccomp, err) < 0)
                goto fail;
        if (seccomp)
                json_object_set_new(linux_obj, "seccomp", seccomp);

        if (!privileged) {
                const json_t *masked = NULL, *ro = NULL;
                if (sg_get_array(hc, "HostConfig", "MaskedPaths", &masked, err) < 0 ||
                    sg_get_array(hc, "HostConfig", "ReadonlyPaths", &ro, err) < 0)
                        goto fail;
                json_object_set_new(linux_obj, "maskedPaths",
                                    masked ? json_deep_copy(masked) : sg_masked_paths());
                json_object_set_new(linux_obj, "readonlyPaths",
                                    ro ? json_deep_copy(ro) : sg_readonly_paths());
        }

        sg_mount_opts mo = {
            .in = in,
            .hc = hc,
            .privileged = privileged,
            .readonly_rootfs = readonly,
            .init = init,
            .writable_cgroups = sec.writable_cgroups,
            .ipc_mode = ns.ipc_mode,
            .shm_size = shm > 0 ? shm : DEFAULT_SHM_SIZE,
        };
        json_t *mounts = NULL;
        if (sg_mounts(&mo, linux_obj, &mounts, err) < 0)
                goto fail;
        json_object_set_new(spec, "mounts", mounts);
        json_object_set_new(spec, "linux", TAKE_PTR(linux_obj));

        const json_t *annotations = NULL;
        if (sg_get_object(hc, "HostConfig", "Annotations", &annotations, err) < 0)
                goto fail;
        if (json_object_size(annotations))
                json_object_set_new(spec, "annotations", json_deep_copy(annotations));

        if (!in->unchecked && (r = validate(spec, err)) < 0)
                goto fail;
        merged_clear(&c);
        sg_security_clear(&sec);
        json_decref(empty);
        return spec;
fail:
        merged_clear(&c);
        sg_security_clear(&sec);
        json_decref(linux_obj);
        json_decref(spec);
        json_decref(empty);
        return NULL;
}

int berth_specgen_write(const berth_specgen_input *in, const char *path, berth_error *err)
{
        json_t *spec = berth_specgen(in, err);
        if (spec == NULL)
                return -err->code;
        _cleanup_free_ char *text = json_dumps(spec, JSON_COMPACT);
        json_decref(spec);
        if (text == NULL)
                return berth_errx(err, ENOMEM, "cannot write '%s': out of memory", path);
        return berth_write_file_replace(path, text, strlen(text), 0600, err);
}
