/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"
#include "ttyproxy.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
        OPT_CONSOLE = 1000,
        OPT_CONSOLE_FD,
        OPT_PID_FILE,
        OPT_PRESERVE,
        OPT_NNP,
        OPT_APPARMOR,
        OPT_LABEL
};

/* Parse "uid[:gid]" into the process JSON's user object. */
static int set_user(json_t *proc, const char *spec)
{
        char *end;
        unsigned long uid = strtoul(spec, &end, 10);
        if (end == spec || (*end != '\0' && *end != ':'))
                return -EINVAL;
        json_t *user = json_object_get(proc, "user");
        if (!json_is_object(user)) {
                user = json_object();
                json_object_set_new(proc, "user", user);
        }
        json_object_set_new(user, "uid", json_integer((json_int_t)uid));
        if (*end == ':') {
                const char *g = end + 1;
                unsigned long gid = strtoul(g, &end, 10);
                if (end == g || *end != '\0')
                        return -EINVAL;
                json_object_set_new(user, "gid", json_integer((json_int_t)gid));
        }
        return 0;
}

static void spec_freep(oci_spec **s)
{
        berth_oci_spec_free(*s);
}

/* The container's config.json, read once: its spec, and the process JSON (from its "process",
 * made for an exec) that the command line changes. */
static json_t *process_from_config(const berth_rt_ctx *ctx, const char *id, oci_spec **ret_spec,
                                   berth_error *err)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/%s/config.json", ctx->root, id);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (berth_read_file(path, &text, &len, NULL) < 0) {
                berth_errx(err, ENOENT, "container '%s' does not exist", id);
                return NULL;
        }
        json_error_t jerr;
        json_t *cfg = json_loadb(text, len, 0, &jerr);
        if (cfg == NULL) {
                berth_errx(err, EINVAL, "%s: invalid JSON: %s", path, jerr.text);
                return NULL;
        }
        oci_spec *spec = berth_oci_spec_parse_json(cfg, err);
        if (spec == NULL) {
                berth_wrap(err, "%s", path);
                json_decref(cfg);
                return NULL;
        }
        json_t *proc = json_incref(json_object_get(cfg, "process"));
        json_decref(cfg);
        if (proc == NULL)
                proc = json_pack("{s:{s:i,s:i},s:s}", "user", "uid", 0, "gid", 0, "cwd", "/");
        json_object_set_new(proc, "terminal", json_false());
        json_object_del(proc, "consoleSize");
        *ret_spec = spec;
        return proc;
}

int cmd_exec(const berth_rt_ctx *ctx, int argc, char **argv)
{
        static const struct option o[] = {
            {"process", required_argument, NULL, 'p'},
            {"tty", no_argument, NULL, 't'},
            {"console-socket", required_argument, NULL, OPT_CONSOLE},
            /* berth's: a connected socket we inherit instead of a path (berth's engine) */
            {"console-fd", required_argument, NULL, OPT_CONSOLE_FD},
            {"detach", no_argument, NULL, 'd'},
            {"cwd", required_argument, NULL, 'w'},
            {"env", required_argument, NULL, 'e'},
            {"user", required_argument, NULL, 'u'},
            {"additional-gids", required_argument, NULL, 'g'},
            {"cap", required_argument, NULL, 'c'},
            {"no-new-privs", no_argument, NULL, OPT_NNP},
            {"pid-file", required_argument, NULL, OPT_PID_FILE},
            {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
            {"apparmor", required_argument, NULL, OPT_APPARMOR},
            {"process-label", required_argument, NULL, OPT_LABEL},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        berth_rt_exec_opts eo = {0};
        const char *process_file = NULL, *cwd = NULL, *user = NULL;
        bool tty = false, nnp = false;
        _cleanup_strv_ char **env = NULL, **caps = NULL, **gids = NULL;
        int c;
        while ((c = getopt_long_only(argc, argv, "+p:tdw:e:u:g:c:h", o, NULL)) != -1) {
                switch (c) {
                case 'p':
                        process_file = optarg;
                        break;
                case 't':
                        tty = true;
                        break;
                case OPT_CONSOLE:
                        eo.console_socket = optarg;
                        break;
                case OPT_CONSOLE_FD: {
                        long long n;
                        if (berth_parse_i64(optarg, &n) < 0 || n < 3 || n > 65535)
                                return cli_usage_error("exec", "invalid --console-fd '%s'", optarg);
                        eo.console_fd = (int)n;
                        eo.has_console_fd = true;
                        break;
                }
                case 'd':
                        eo.detach = true;
                        break;
                case 'w':
                        cwd = optarg;
                        break;
                case 'e':
                        berth_strv_push(&env, optarg);
                        break;
                case 'u':
                        user = optarg;
                        break;
                case 'g':
                        berth_strv_push(&gids, optarg);
                        break;
                case 'c':
                        berth_strv_push(&caps, optarg);
                        break;
                case OPT_NNP:
                        nnp = true;
                        break;
                case OPT_PID_FILE:
                        eo.pid_file = optarg;
                        break;
                case OPT_PRESERVE: {
                        long long n;
                        if (berth_parse_i64(optarg, &n) < 0 || n < 0 || n > 4096)
                                return cli_usage_error("exec", "invalid --preserve-fds '%s'",
                                                       optarg);
                        eo.preserve_fds = (int)n;
                        break;
                }
                case OPT_APPARMOR:
                case OPT_LABEL:
                        break;
                case 'h':
                        printf("usage: berth-runtime exec [options] ID [COMMAND [ARG...]]\n"
                               "       berth-runtime exec [options] --process FILE ID\n");
                        return 0;
                default:
                        return cli_usage_error("exec", "unknown option");
                }
        }
        const char *id = cli_need_id("exec", argc, argv);
        if (id == NULL)
                return 1;
        berth_error err = {0};
        json_t *proc;
        _cleanup_(spec_freep) oci_spec *spec = NULL;
        if (process_file) {
                _cleanup_free_ char *text = NULL;
                if (berth_read_file(process_file, &text, NULL, &err) < 0)
                        return cli_fail(&err);
                json_error_t jerr;
                proc = json_loads(text, 0, &jerr);
                if (proc == NULL) {
                        berth_errx(&err, EINVAL, "%s: invalid JSON: %s", process_file, jerr.text);
                        return cli_fail(&err);
                }
        } else {
                if (optind + 1 >= argc)
                        return cli_usage_error("exec", "requires a command or --process");
                proc = process_from_config(ctx, id, &spec, &err);
                if (proc == NULL)
                        return cli_fail(&err);
                json_t *args = json_array();
                for (int i = optind + 1; i < argc; i++)
                        json_array_append_new(args, json_string(argv[i]));
                json_object_set_new(proc, "args", args);
        }
        if (tty)
                json_object_set_new(proc, "terminal", json_true());
        if (cwd)
                json_object_set_new(proc, "cwd", json_string(cwd));
        if (nnp)
                json_object_set_new(proc, "noNewPrivileges", json_true());
        if (env) {
                json_t *e = json_object_get(proc, "env");
                if (!json_is_array(e)) {
                        e = json_array();
                        json_object_set_new(proc, "env", e);
                }
                STRV_FOREACH (v, env)
                        json_array_append_new(e, json_string(*v));
        }
        if (user && set_user(proc, user) < 0) {
                json_decref(proc);
                return cli_usage_error("exec", "invalid --user '%s' (want UID[:GID])", user);
        }
        if (gids) {
                json_t *u = json_object_get(proc, "user");
                json_t *a = json_array();
                STRV_FOREACH (g, gids)
                        json_array_append_new(a, json_integer(strtoll(*g, NULL, 10)));
                if (json_is_object(u))
                        json_object_set_new(u, "additionalGids", a);
                else
                        json_decref(a);
        }
        if (caps) {
                json_t *cs = json_object_get(proc, "capabilities");
                if (!json_is_object(cs)) {
                        cs = json_object();
                        json_object_set_new(proc, "capabilities", cs);
                }
                const char *sets[] = {"bounding", "effective", "permitted"};
                for (size_t i = 0; i < 3; i++) {
                        json_t *a = json_object_get(cs, sets[i]);
                        if (!json_is_array(a)) {
                                a = json_array();
                                json_object_set_new(cs, sets[i], a);
                        }
                        STRV_FOREACH (cap, caps)
                                json_array_append_new(a, json_string(*cap));
                }
        }
        eo.process = berth_oci_process_parse_json(proc, &err);
        json_decref(proc);
        if (eo.process == NULL)
                return cli_fail(&err);
        eo.spec = spec;
        int status = 0;
        pid_t proxy = -1;
        if (eo.process->terminal && !eo.detach && eo.console_socket == NULL && !eo.has_console_fd) {
                eo.console_fd = tty_proxy_start(&proxy);
                if (eo.console_fd < 0) {
                        berth_err(&err, -eo.console_fd, "cannot start the terminal proxy");
                        berth_oci_process_free(eo.process);
                        return cli_fail(&err);
                }
                eo.has_console_fd = true;
        }
        int r = berth_rt_exec(ctx, id, &eo, &status, &err);
        if (proxy > 0)
                tty_proxy_finish(eo.console_fd, proxy);
        berth_oci_process_free(eo.process);
        if (r < 0)
                return cli_fail(&err);
        return status;
}
