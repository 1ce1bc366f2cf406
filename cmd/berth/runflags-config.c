/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Config side of the create body (attach, env, labels, command,
 * healthcheck) and the HostConfig fields that are neither mounts, network
 * nor resources (namespaces, restart policy, logging, security, caps…).
 */
#include "runflags-int.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V(id)   (st->v[(id)])
#define SET(id) (st->v[(id)].set)

/* ---- checks of single values (Config side) ---- */

int rf_check_attach(rf_state *st, const char *value, char **ret, berth_error *err)
{
        static const char *const streams[] = {"stdin", "stdout", "stderr"};
        for (size_t i = 0; i < ARRAY_SIZE(streams); i++)
                if (strcasecmp(value, streams[i]) == 0) {
                        *ret = berth_xstrdup(streams[i]);
                        return 0;
                }
        return berth_errx(err, EINVAL, "valid streams are STDIN, STDOUT and STDERR");
}

int rf_check_env(rf_state *st, const char *value, char **ret, berth_error *err)
{
        _cleanup_free_ char *key = NULL;
        const char *val = rf_cut(value, '=', &key);
        if (*key == '\0')
                return berth_errx(err, EINVAL, "invalid environment variable: %s", value);
        if (val) {
                *ret = berth_xstrdup(value);
                return 0;
        }
        /* KEY alone: our value, or nothing at all when we have none. */
        const char *ours = getenv(key);
        *ret = ours ? berth_xasprintf("%s=%s", key, ours) : NULL;
        return 0;
}

int rf_check_label(rf_state *st, const char *value, char **ret, berth_error *err)
{
        _cleanup_free_ char *key = NULL;
        rf_cut(value, '=', &key);
        const char *k = key + strspn(key, " \t");
        if (*k == '\0')
                return berth_errx(err, EINVAL, "invalid label '%s': empty name", value);
        if (strpbrk(k, " \t"))
                return berth_errx(err, EINVAL, "label '%s' contains whitespaces", k);
        *ret = berth_xstrdup(value);
        return 0;
}

/* ---- env and label files ---- */

static bool utf8_valid(const unsigned char *s, size_t n)
{
        for (size_t i = 0; i < n;) {
                unsigned char c = s[i];
                size_t len;
                uint32_t cp;
                if (c < 0x80) {
                        i++;
                        continue;
                } else if ((c & 0xe0) == 0xc0) {
                        len = 2;
                        cp = c & 0x1f;
                } else if ((c & 0xf0) == 0xe0) {
                        len = 3;
                        cp = c & 0x0f;
                } else if ((c & 0xf8) == 0xf0) {
                        len = 4;
                        cp = c & 0x07;
                } else {
                        return false;
                }
                if (i + len > n)
                        return false;
                for (size_t j = 1; j < len; j++) {
                        if ((s[i + j] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (s[i + j] & 0x3f);
                }
                if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                i += len;
        }
        return true;
}

/* Go's errors read "open x: no such file or directory": strerror, first letter small. */
static char *go_errno(int e)
{
        char *s = berth_xstrdup(strerror(e));
        if (s[0] >= 'A' && s[0] <= 'Z')
                s[0] = (char)(s[0] - 'A' + 'a');
        return s;
}

/*
 * docker's key/value file (--env-file, --label-file): UTF-8, a BOM dropped,
 * leading blanks dropped, '#' lines and empty lines skipped, "KEY=VALUE"
 * kept as is (trailing blanks are part of the value), "KEY" alone looked up
 * in our environment (lookup) or dropped.
 */
static int read_kv_file(const char *path, bool lookup, char ***list, berth_error *err)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (f == NULL) {
                _cleanup_free_ char *why = go_errno(errno);
                return berth_errx(err, errno, "open %s: %s", path, why);
        }
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        for (unsigned lineno = 1; (n = getline(&line, &cap, f)) >= 0; lineno++) {
                if (n > 0 && line[n - 1] == '\n')
                        line[--n] = '\0';
                if (n > 0 && line[n - 1] == '\r')
                        line[--n] = '\0';
                if (!utf8_valid((unsigned char *)line, (size_t)n))
                        return berth_errx(err, EINVAL,
                                          "invalid env file (%s): invalid utf8 bytes at line %u",
                                          path, lineno);
                char *l = line;
                if (lineno == 1 && berth_str_has_prefix(l, "\xef\xbb\xbf"))
                        l += 3;
                l += strspn(l, " \t\n\v\f\r");
                if (*l == '\0' || *l == '#')
                        continue;
                _cleanup_free_ char *key = NULL;
                const char *val = rf_cut(l, '=', &key);
                if (*key == '\0')
                        return berth_errx(err, EINVAL,
                                          "invalid env file (%s): no variable name on line '%s'",
                                          path, l);
                if (strpbrk(key, " \t"))
                        return berth_errx(
                            err, EINVAL,
                            "invalid env file (%s): variable '%s' contains whitespaces", path, key);
                if (val) {
                        berth_strv_push(list, l);
                } else if (lookup && getenv(key)) {
                        _cleanup_free_ char *kv = berth_xasprintf("%s=%s", key, getenv(key));
                        berth_strv_push(list, kv);
                }
        }
        return 0;
}

/* ---- the Config side ---- */

static void set_str(json_t *o, const char *key, rf_state *st, enum rf_id id)
{
        if (SET(id))
                json_object_set_new(o, key, json_string(V(id).str ? V(id).str : ""));
}

static void set_list(json_t *o, const char *key, rf_state *st, enum rf_id id)
{
        if (SET(id))
                json_object_set_new(o, key, rf_strv_json(V(id).list));
}

static void set_bool(json_t *o, const char *key, rf_state *st, enum rf_id id)
{
        if (SET(id))
                json_object_set_new(o, key, json_boolean(V(id).num));
}

int rf_build_env_labels(rf_state *st, json_t *body, berth_error *err)
{
        _cleanup_strv_ char **env = NULL;
        STRV_FOREACH (path, V(RF_ENV_FILE).list)
                if (read_kv_file(*path, true, &env, err) < 0)
                        return berth_wrap(err, "--env-file");
        STRV_FOREACH (e, V(RF_ENV).list)
                berth_strv_push(&env, *e);
        if (env)
                json_object_set_new(body, "Env", rf_strv_json(env));

        _cleanup_strv_ char **labels = NULL;
        STRV_FOREACH (path, V(RF_LABEL_FILE).list)
                if (read_kv_file(*path, false, &labels, err) < 0)
                        return berth_wrap(err, "--label-file");
        STRV_FOREACH (l, V(RF_LABEL).list)
                berth_strv_push(&labels, *l);
        if (SET(RF_LABEL) || SET(RF_LABEL_FILE)) {
                json_t *m = json_object();
                STRV_FOREACH (l, labels) {
                        _cleanup_free_ char *k = NULL;
                        const char *v = rf_cut(*l, '=', &k);
                        json_object_set_new(m, k, json_string(v ? v : ""));
                }
                json_object_set_new(body, "Labels", m);
        }
        return 0;
}

int rf_build_healthcheck(rf_state *st, json_t *body, berth_error *err)
{
        static const struct {
                enum rf_id id;
                const char *key, *flag;
        } durations[] = {
            {RF_HEALTH_INTERVAL, "Interval", "--health-interval"},
            {RF_HEALTH_TIMEOUT, "Timeout", "--health-timeout"},
            {RF_HEALTH_START_PERIOD, "StartPeriod", "--health-start-period"},
            {RF_HEALTH_START_INTERVAL, "StartInterval", "--health-start-interval"},
        };
        const char *cmd = V(RF_HEALTH_CMD).str;
        bool have = (cmd && *cmd) || V(RF_HEALTH_RETRIES).num != 0;
        for (size_t i = 0; i < ARRAY_SIZE(durations); i++)
                have = have || V(durations[i].id).num != 0;
        if (V(RF_NO_HEALTHCHECK).num) {
                if (have)
                        return berth_errx(err, EINVAL,
                                          "--no-healthcheck conflicts with --health-* options");
                json_object_set_new(body, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
                return 0;
        }
        if (!have)
                return 0;
        json_t *h = json_object();
        json_object_set_new(body, "Healthcheck", h);
        if (cmd && *cmd)
                json_object_set_new(h, "Test", json_pack("[ss]", "CMD-SHELL", cmd));
        for (size_t i = 0; i < ARRAY_SIZE(durations); i++) {
                int64_t ns = V(durations[i].id).num;
                if (ns < 0)
                        return berth_errx(err, EINVAL, "%s cannot be negative", durations[i].flag);
                if (ns)
                        json_object_set_new(h, durations[i].key, json_integer(ns));
        }
        if (V(RF_HEALTH_RETRIES).num < 0)
                return berth_errx(err, EINVAL, "--health-retries cannot be negative");
        if (V(RF_HEALTH_RETRIES).num)
                json_object_set_new(h, "Retries", json_integer(V(RF_HEALTH_RETRIES).num));
        return 0;
}

int rf_build_config(rf_state *st, json_t *body, const char *image, char **cmd, bool is_run,
                    berth_error *err)
{
        bool in = false, out = false, errs = false;
        STRV_FOREACH (a, V(RF_ATTACH).list) {
                in = in || strcmp(*a, "stdin") == 0;
                out = out || strcmp(*a, "stdout") == 0;
                errs = errs || strcmp(*a, "stderr") == 0;
        }
        bool open_stdin = V(RF_INTERACTIVE).num;
        if (open_stdin)
                in = true;
        if (V(RF_ATTACH).list == NULL)
                out = errs = true;
        bool stdin_once = open_stdin && in;
        if (is_run && V(RF_DETACH).num) {
                if (V(RF_ATTACH).list)
                        return berth_errx(
                            err, EINVAL,
                            "conflicting options: cannot specify both --attach and --detach");
                in = out = errs = stdin_once = false;
        }
        set_str(body, "Hostname", st, RF_HOSTNAME);
        set_str(body, "Domainname", st, RF_DOMAINNAME);
        set_str(body, "User", st, RF_USER);
        json_object_set_new(body, "AttachStdin", json_boolean(in));
        json_object_set_new(body, "AttachStdout", json_boolean(out));
        json_object_set_new(body, "AttachStderr", json_boolean(errs));
        json_object_set_new(body, "Tty", json_boolean(V(RF_TTY).num));
        json_object_set_new(body, "OpenStdin", json_boolean(open_stdin));
        json_object_set_new(body, "StdinOnce", json_boolean(stdin_once));
        if (cmd && *cmd)
                json_object_set_new(body, "Cmd", rf_strv_json(cmd));
        json_object_set_new(body, "Image", json_string(image));
        if (SET(RF_WORKDIR) && V(RF_WORKDIR).str[0]) {
                if (V(RF_WORKDIR).str[0] != '/')
                        return rf_flag_err(err, RF_WORKDIR, V(RF_WORKDIR).str,
                                           "the working directory '%s' is invalid, it needs to be "
                                           "an absolute path",
                                           V(RF_WORKDIR).str);
                set_str(body, "WorkingDir", st, RF_WORKDIR);
        }
        if (SET(RF_ENTRYPOINT))
                json_object_set_new(body, "Entrypoint", json_pack("[s]", V(RF_ENTRYPOINT).str));
        if (SET(RF_STOP_SIGNAL) && V(RF_STOP_SIGNAL).str[0])
                set_str(body, "StopSignal", st, RF_STOP_SIGNAL);
        if (SET(RF_STOP_TIMEOUT))
                json_object_set_new(body, "StopTimeout", json_integer(V(RF_STOP_TIMEOUT).num));
        return 0;
}

/* ---- the rest of HostConfig ---- */

static int build_restart(rf_state *st, json_t *hc, berth_error *err)
{
        const char *policy = SET(RF_RESTART) ? V(RF_RESTART).str : "no";
        _cleanup_free_ char *name = NULL;
        const char *count = rf_cut(policy, ':', &name);
        int64_t max = 0;
        if (count && *name == '\0')
                return rf_flag_err(
                    err, RF_RESTART, policy,
                    "invalid restart policy format: no policy provided before colon");
        if (count && *count) {
                berth_error ignored = {0};
                if (rf_parse_int(count, 10, 64, &max, &ignored) < 0)
                        return rf_flag_err(err, RF_RESTART, policy,
                                           "invalid restart policy format: maximum retry count "
                                           "must be an integer");
        }
        if (strcmp(name, "on-failure") == 0) {
                if (max < 0)
                        return rf_flag_err(
                            err, RF_RESTART, policy,
                            "invalid restart policy: maximum retry count cannot be negative");
        } else if (strcmp(name, "no") == 0 || strcmp(name, "always") == 0 ||
                   strcmp(name, "unless-stopped") == 0) {
                if (max != 0)
                        return rf_flag_err(err, RF_RESTART, policy,
                                           "invalid restart policy: maximum retry count can only "
                                           "be used with 'on-failure'%s",
                                           max < 0 ? " and cannot be negative" : "");
        } else if (*name) {
                return rf_flag_err(err, RF_RESTART, policy,
                                   "invalid restart policy: unknown policy '%s'; use one of 'no', "
                                   "'always', 'on-failure', or 'unless-stopped'",
                                   name);
        }
        json_object_set_new(
            hc, "RestartPolicy",
            json_pack("{s:s,s:I}", "Name", name, "MaximumRetryCount", (json_int_t)max));
        if (V(RF_RM).num && *name && strcmp(name, "no") != 0)
                return berth_errx(err, EINVAL,
                                  "conflicting options: cannot specify both --restart and --rm");
        return 0;
}

static int build_logging(rf_state *st, json_t *hc, berth_error *err)
{
        if (!SET(RF_LOG_DRIVER) && !SET(RF_LOG_OPT))
                return 0;
        const char *driver = V(RF_LOG_DRIVER).str ? V(RF_LOG_DRIVER).str : "";
        if (strcmp(driver, "none") == 0 && V(RF_LOG_OPT).list)
                return berth_errx(err, EINVAL, "invalid logging opts for driver none");
        json_t *config = json_object();
        STRV_FOREACH (o, V(RF_LOG_OPT).list) {
                _cleanup_free_ char *k = NULL;
                const char *v = rf_cut(*o, '=', &k);
                json_object_set_new(config, k, json_string(v ? v : ""));
        }
        json_object_set_new(hc, "LogConfig",
                            json_pack("{s:s,s:o}", "Type", driver, "Config", config));
        return 0;
}

/* "seccomp=<file>": docker sends the profile itself, compacted. */
static int seccomp_profile(const char *path, char **ret, berth_error *err)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (f == NULL) {
                _cleanup_free_ char *why = go_errno(errno);
                return berth_errx(err, errno, "opening seccomp profile (%s) failed: open %s: %s",
                                  path, path, why);
        }
        json_error_t jerr;
        json_t *j = json_loadf(f, JSON_DECODE_ANY, &jerr);
        if (j == NULL)
                return berth_errx(err, EINVAL,
                                  "compacting json for seccomp profile (%s) failed: %s", path,
                                  jerr.text);
        char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(j);
        *ret = berth_xasprintf("seccomp=%s", s);
        free(s);
        return 0;
}

static int build_security(rf_state *st, json_t *hc, berth_error *err)
{
        if (!SET(RF_SECURITY_OPT))
                return 0;
        json_t *opts = json_array();
        json_object_set_new(hc, "SecurityOpt", opts);
        STRV_FOREACH (o, V(RF_SECURITY_OPT).list) {
                _cleanup_free_ char *k = NULL;
                const char *v = rf_cut(*o, '=', &k);
                if (v == NULL && strcmp(k, "no-new-privileges") != 0) {
                        free(k);
                        v = rf_cut(*o, ':', &k);
                }
                if ((v == NULL || *v == '\0') && strcmp(k, "no-new-privileges") != 0) {
                        _cleanup_free_ char *q = rf_quote(*o);
                        return berth_errx(err, EINVAL, "invalid --security-opt: %s", q);
                }
                if (strcmp(*o, "systempaths=unconfined") == 0) {
                        json_object_set_new(hc, "MaskedPaths", json_array());
                        json_object_set_new(hc, "ReadonlyPaths", json_array());
                        continue;
                }
                if (strcmp(k, "seccomp") == 0 && strcmp(v, "builtin") != 0 &&
                    strcmp(v, "unconfined") != 0) {
                        _cleanup_free_ char *profile = NULL;
                        if (seccomp_profile(v, &profile, err) < 0)
                                return -EINVAL;
                        json_array_append_new(opts, json_string(profile));
                        continue;
                }
                json_array_append_new(opts, json_string(*o));
        }
        return 0;
}

static int build_namespaces(rf_state *st, json_t *hc, berth_error *err)
{
        const char *pid = V(RF_PID).str, *uts = V(RF_UTS).str, *userns = V(RF_USERNS).str;
        const char *cgroupns = V(RF_CGROUPNS).str;
        if (pid && *pid && strcmp(pid, "host") != 0 &&
            !(berth_str_has_prefix(pid, "container:") && pid[10]))
                return berth_errx(err, EINVAL, "--pid: invalid PID mode");
        if (uts && *uts && strcmp(uts, "host") != 0)
                return berth_errx(err, EINVAL, "--uts: invalid UTS mode");
        if (userns && *userns && strcmp(userns, "host") != 0)
                return berth_errx(err, EINVAL, "--userns: invalid USER mode");
        if (cgroupns && *cgroupns && strcmp(cgroupns, "host") != 0 &&
            strcmp(cgroupns, "private") != 0)
                return berth_errx(err, EINVAL, "--cgroupns: invalid CGROUP mode");
        set_str(hc, "IpcMode", st, RF_IPC);
        set_str(hc, "PidMode", st, RF_PID);
        set_str(hc, "UTSMode", st, RF_UTS);
        set_str(hc, "UsernsMode", st, RF_USERNS);
        set_str(hc, "CgroupnsMode", st, RF_CGROUPNS);
        return 0;
}

static void build_host_misc(rf_state *st, json_t *hc)
{
        json_object_set_new(hc, "AutoRemove", json_boolean(V(RF_RM).num));
        set_str(hc, "ContainerIDFile", st, RF_CIDFILE);
        set_list(hc, "CapAdd", st, RF_CAP_ADD);
        set_list(hc, "CapDrop", st, RF_CAP_DROP);
        set_list(hc, "GroupAdd", st, RF_GROUP_ADD);
        set_bool(hc, "Privileged", st, RF_PRIVILEGED);
        set_bool(hc, "ReadonlyRootfs", st, RF_READ_ONLY);
        set_bool(hc, "Init", st, RF_INIT);
        if (SET(RF_RUNTIME) && V(RF_RUNTIME).str[0])
                set_str(hc, "Runtime", st, RF_RUNTIME);
        set_str(hc, "VolumeDriver", st, RF_VOLUME_DRIVER);
        if (st->sysctls)
                json_object_set(hc, "Sysctls", st->sysctls);
}

int rf_build_host(rf_state *st, json_t *hc, berth_error *err)
{
        int r = build_namespaces(st, hc, err);
        if (r == 0)
                r = build_restart(st, hc, err);
        if (r == 0)
                r = build_logging(st, hc, err);
        if (r == 0)
                r = build_security(st, hc, err);
        if (r == 0)
                build_host_misc(st, hc);
        return r;
}
