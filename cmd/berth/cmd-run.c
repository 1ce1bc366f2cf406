/* SPDX-License-Identifier: Apache-2.0 */
/* `run`, `create`, `start`, `attach`. */
#include "cli.h"
#include "runflags.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "engine/container-policy.h"
#include "image/reference.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
        berth_cli *cli;
        const char *id;
} proxy_ctx;

static void proxy_signal(int sig, void *userdata)
{
        proxy_ctx *p = userdata;
        berth_error err = {0};
        berth_engine *e = cli_engine(p->cli, &err);
        if (e)
                berth_engine_kill(e, p->id, sig, &err);
}

/* Start c with us attached from its first byte, then pump it: 1 and *ret_code when it exited,
 * 0 when the user detached (docker run and start -a say nothing then), -1 when it did not
 * start (said; *ret_code the exit code run gives for it). */
static int start_attached(berth_cli *cli, berth_engine *e, const berth_container *c,
                          const berth_attach_opts *ao, bool sig_proxy, int *ret_code)
{
        berth_error err = {0};
        berth_attach *h = NULL;
        int rc = berth_engine_start_attach(e, c->id, ao, &h, &err);
        if (rc < 0) {
                if (rc == -EALREADY) {
                        fprintf(stderr, "berth: container %s is already running\n", c->name);
                        return 1;
                }
                fprintf(stderr, "berth: %s\n", err.msg);
                *ret_code = berth_engine_start_error_code(err.msg);
                return -1;
        }
        proxy_ctx px = {.cli = cli, .id = c->id};
        cli_attach_opts o = {.sig_proxy = sig_proxy && !berth_attach_tty(h),
                             .on_signal = proxy_signal,
                             .userdata = &px};
        int code = 0;
        int r = cli_attach_loop(h, &o, &code);
        berth_attach_close(h);
        if (r == 0)
                return 0; /* detached */
        if (r < 0) {
                /* the monitor went away without a word: ask the record */
                if (berth_engine_wait(e, c->id, NULL, &code, &err) < 0)
                        return cli_error(&err);
        }
        *ret_code = code;
        return 1;
}

static int write_cidfile(const char *path, const char *id)
{
        berth_error err = {0};
        if (access(path, F_OK) == 0) {
                fprintf(stderr,
                        "berth: container ID file found, make sure the other container "
                        "isn't running or delete %s\n",
                        path);
                return -1;
        }
        if (berth_write_file_replace(path, id, strlen(id), 0644, &err) < 0) {
                cli_error(&err);
                return -1;
        }
        return 0;
}

/*
 * --pull: "always" pulls, "missing" (docker's default) pulls an image not in
 * the store, after docker's "Unable to find image 'busybox:latest' locally";
 * the progress goes to stderr (stdout is the container's). -1 when the pull
 * failed (said on stderr, as docker says it).
 */
static int pull_for_run(berth_cli *cli, const berth_run_flags *f, const char *cmd)
{
        const char *image = json_string_value(json_object_get(f->body, "Image"));
        const char *policy = f->pull ? f->pull : "missing";
        berth_error err = {0};
        if (image == NULL || strcmp(policy, "never") == 0)
                return 0;
        if (strcmp(policy, "missing") == 0) {
                berth_images *im = cli_images(cli, &err);
                berth_digest id;
                if (im == NULL || berth_images_resolve(im, image, &id, &err) == 0 ||
                    err.code != ENOENT)
                        return 0; /* there, or an error the create will report */
                berth_ref ref = {0};
                if (berth_ref_parse(image, &ref, NULL) < 0)
                        return 0; /* not a name: the create says so */
                _cleanup_free_ char *fam = berth_ref_familiar(&ref);
                berth_ref_clear(&ref);
                fprintf(stderr, "Unable to find image '%s' locally\n", fam);
        }
        if (cli_pull_image(cli, image, f->platform, f->quiet, stderr, &err) < 0) {
                fprintf(stderr, "berth: %s.\nSee 'berth %s --help'.\n", err.msg, cmd);
                return -1;
        }
        return 0;
}

static int run_or_create(berth_cli *cli, int argc, char **argv, bool is_run)
{
        berth_error err = {0};
        berth_run_flags f = {0};
        if (berth_runflags_parse(argc, argv, is_run, &f, &err) < 0) {
                int r = cli_usage(argv[0], "%s", err.msg);
                berth_run_flags_clear(&f);
                return r;
        }
        if (f.help) {
                berth_runflags_usage(stdout, is_run);
                berth_run_flags_clear(&f);
                return 0;
        }
        int rc = 125;
        berth_container c = {0};
        _cleanup_free_ char *id = NULL;
        if (pull_for_run(cli, &f, argv[0]) < 0)
                goto out;
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL || berth_engine_create(e, f.name, f.body, &id, &err) < 0) {
                fprintf(stderr, "berth: %s.\nSee 'berth %s --help'.\n", err.msg, argv[0]);
                goto out;
        }
        if (f.cidfile && write_cidfile(f.cidfile, id) < 0) {
                berth_engine_remove(e, id, true, true, NULL);
                goto out;
        }
        if (!is_run) {
                printf("%s\n", id);
                rc = 0;
                goto out;
        }
        if (berth_engine_get(e, id, &c, &err) < 0) {
                cli_error(&err);
                goto out;
        }
        if (f.detach) {
                int r = berth_engine_start(e, id, NULL, &err);
                if (r < 0) {
                        fprintf(stderr, "berth: %s\n", err.msg);
                        rc = berth_engine_start_error_code(err.msg);
                        if (f.rm)
                                berth_engine_remove(e, id, true, true, NULL);
                        goto out;
                }
                printf("%s\n", id);
                rc = 0;
                goto out;
        }
        int code = 0;
        /* --rm: we remove it ourselves the moment it exits (the monitor waits for us) */
        berth_attach_opts ao = {.in = json_is_true(json_object_get(c.body, "AttachStdin")),
                                .out = json_is_true(json_object_get(c.body, "AttachStdout")),
                                .err = json_is_true(json_object_get(c.body, "AttachStderr")),
                                .detach_keys = f.detach_keys,
                                .remove = f.rm};
        int r = start_attached(cli, e, &c, &ao, f.sig_proxy, &code);
        if (r < 0) {
                rc = code;
                if (f.rm)
                        berth_engine_remove(e, id, true, true, NULL);
        } else {
                rc = r == 1 ? code : 0;
        }
out:
        berth_container_clear(&c);
        berth_run_flags_clear(&f);
        return rc;
}

int cmd_run(berth_cli *cli, int argc, char **argv)
{
        return run_or_create(cli, argc, argv, true);
}

int cmd_create(berth_cli *cli, int argc, char **argv)
{
        return run_or_create(cli, argc, argv, false);
}

/* `start --all --restart-policy`, at boot: what Docker's daemon restarts when it comes up
 * (berth_container_restart_at_boot: "always" containers, "unless-stopped" ones the user did
 * not stop, "on-failure" ones whose last exit failed and have retries left). */
static int start_by_policy(berth_cli *cli)
{
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        berth_container *v = NULL;
        size_t n = 0;
        if (e == NULL || berth_engine_list(e, &v, &n, &err) < 0)
                return cli_error(&err);
        int rc = 0;
        for (size_t i = n; i-- > 0;) { /* oldest first */
                if (!berth_container_restart_at_boot(&v[i]))
                        continue;
                int r = berth_engine_start(e, v[i].id, NULL, &err);
                if (r < 0 && r != -EALREADY) {
                        fprintf(stderr, "berth: %s: %s\n", v[i].name, err.msg);
                        rc = 1;
                        continue;
                }
                printf("%s\n", v[i].name);
        }
        berth_containers_free(v, n);
        return rc;
}

int cmd_start(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"attach", no_argument, NULL, 'a'},
            {"interactive", no_argument, NULL, 'i'},
            {"detach-keys", required_argument, NULL, 'k'},
            {"all", no_argument, NULL, 'A'},
            {"restart-policy", no_argument, NULL, 'P'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        bool attach = false, interactive = false, all = false, by_policy = false;
        const char *keys = NULL;
        int ch;
        while ((ch = getopt_long(argc, argv, "ai", opts, NULL)) != -1) {
                switch (ch) {
                case 'A':
                        all = true;
                        break;
                case 'P':
                        by_policy = true;
                        break;
                case 'a':
                        attach = true;
                        break;
                case 'i':
                        interactive = true;
                        break;
                case 'k':
                        keys = optarg;
                        break;
                case 'h':
                        printf("Usage:  berth start [OPTIONS] CONTAINER [CONTAINER...]\n\n"
                               "Start one or more stopped containers\n\n"
                               "Options:\n  -a, --attach               Attach STDOUT/STDERR and "
                               "forward signals\n      --detach-keys string   Override the key "
                               "sequence for detaching a container\n  -i, --interactive          "
                               "Attach container's STDIN\n");
                        return 0;
                default:
                        return cli_usage("start", "unknown flag");
                }
        }
        if (all || by_policy) {
                if (!(all && by_policy) || optind < argc)
                        return cli_usage("start", "--all goes with --restart-policy and no names");
                return start_by_policy(cli);
        }
        if (optind >= argc)
                return cli_usage("start", "\"berth start\" requires at least 1 argument.");
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL)
                return cli_error(&err);
        if (attach || interactive) {
                if (argc - optind > 1)
                        return cli_usage("start", "you cannot start and attach multiple "
                                                  "containers at once");
                berth_container c;
                if (berth_engine_get(e, argv[optind], &c, &err) < 0)
                        return cli_error(&err);
                berth_attach_opts ao = {
                    .in = interactive, .out = true, .err = true, .detach_keys = keys};
                int code = 0;
                int r = start_attached(cli, e, &c, &ao, true, &code);
                berth_container_clear(&c);
                return r < 0 ? code : r == 1 ? code : 0;
        }
        int rc = 0;
        for (int i = optind; i < argc; i++) {
                int r = berth_engine_start(e, argv[i], NULL, &err);
                if (r < 0 && r != -EALREADY) {
                        fprintf(stderr, "berth: %s\n", err.msg);
                        rc = 1;
                        continue;
                }
                printf("%s\n", argv[i]);
        }
        return rc;
}

int cmd_attach(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"no-stdin", no_argument, NULL, 'n'},
            {"sig-proxy", optional_argument, NULL, 's'},
            {"detach-keys", required_argument, NULL, 'k'},
            {0},
        };
        bool no_stdin = false, sig_proxy = true;
        const char *keys = NULL;
        int ch;
        while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (ch) {
                case 'n':
                        no_stdin = true;
                        break;
                case 's':
                        sig_proxy = optarg == NULL || strcmp(optarg, "true") == 0;
                        break;
                case 'k':
                        keys = optarg;
                        break;
                default:
                        return cli_usage("attach", "unknown flag");
                }
        }
        if (argc - optind != 1)
                return cli_usage("attach", "\"berth attach\" requires exactly 1 argument.");
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL)
                return cli_error(&err);
        berth_attach_opts ao = {.in = !no_stdin, .out = true, .err = true, .detach_keys = keys};
        berth_attach *h = NULL;
        if (berth_engine_attach_open(e, argv[optind], &ao, &h, &err) < 0)
                return cli_error(&err);
        proxy_ctx px = {.cli = cli, .id = argv[optind]};
        cli_attach_opts o = {.sig_proxy = sig_proxy && !berth_attach_tty(h),
                             .on_signal = proxy_signal,
                             .userdata = &px};
        int code = 0;
        int r = cli_attach_loop(h, &o, &code);
        berth_attach_close(h);
        if (r == 0)
                fprintf(stderr, "read escape sequence\n");
        return r == 1 ? code : 0;
}
