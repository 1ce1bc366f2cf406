/* SPDX-License-Identifier: Apache-2.0 */
/* pull, push, login, logout. */
#include "cli.h"
#include "progress.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "image/reference.h"
#include "registry/auth.h"
#include "registry/pull.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

enum { OPT_TLS_VERIFY = 1000, OPT_PLATFORM, OPT_PASSWORD_STDIN, OPT_IGNORED };

/* --tls-verify[=true|false]; -1 on a bad value. */
static int parse_tls_verify(const char *cmd, const char *arg, bool *ret)
{
        if (arg == NULL || strcmp(arg, "true") == 0 || strcmp(arg, "1") == 0)
                *ret = true;
        else if (strcmp(arg, "false") == 0 || strcmp(arg, "0") == 0)
                *ret = false;
        else {
                cli_usage(cmd, "invalid argument \"%s\" for \"--tls-verify\" flag", arg);
                return -1;
        }
        return 0;
}

/* The options every transfer of this CLI uses; free with transfer_opts_clear(). */
static void transfer_opts_init(berth_transfer_opts *o, bool tls_verify, cli_progress *p)
{
        *o = (berth_transfer_opts){.progress = cli_progress_event, .userdata = p};
        o->insecure_registries = berth_insecure_registries();
        o->mirrors = berth_registry_mirrors();
        if (!tls_verify) {
                o->registry.tls_no_verify = true;
                o->registry.insecure = true;
        }
}

static void transfer_opts_clear(berth_transfer_opts *o)
{
        berth_strv_free(o->insecure_registries);
        o->insecure_registries = NULL;
        berth_strv_free(o->mirrors);
        o->mirrors = NULL;
}

typedef int (*transfer_fn)(berth_images *im, const char *name, const berth_transfer_opts *o,
                           berth_digest *ret, berth_error *err);

/* One pull or push of name as this CLI does them: docker's progress on out (quiet: none),
 * the insecure registries and mirrors configured, --tls-verify, --platform, --all-tags. */
static int transfer(berth_cli *cli, transfer_fn fn, const char *name, FILE *out, bool quiet,
                    bool tls_verify, const char *platform, bool all_tags, berth_digest *ret,
                    berth_error *err)
{
        berth_images *im = cli_images(cli, err);
        if (im == NULL)
                return -err->code;
        cli_progress *p = cli_progress_new(out, quiet);
        berth_transfer_opts o;
        transfer_opts_init(&o, tls_verify, p);
        o.platform = platform;
        o.all_tags = all_tags;
        int r = fn(im, name, &o, ret, err);
        transfer_opts_clear(&o);
        cli_progress_free(p);
        return r;
}

int cli_pull_image(berth_cli *cli, const char *name, const char *platform, bool quiet, FILE *out,
                   berth_error *err)
{
        return transfer(cli, berth_pull, name, out, quiet, true, platform, false, NULL, err);
}

/* What docker prints last: the name pulled, in full. */
static char *full_name(const char *name, bool all_tags)
{
        berth_ref ref = {0};
        if (berth_ref_parse(name, &ref, NULL) < 0)
                return berth_xstrdup(name);
        char *s;
        if (all_tags) {
                s = berth_ref_name(&ref);
        } else if (ref.has_digest) {
                _cleanup_free_ char *n = berth_ref_name(&ref);
                s = berth_xasprintf("%s@%s", n, ref.digest.s);
        } else {
                s = berth_ref_string(&ref);
        }
        berth_ref_clear(&ref);
        return s;
}

int cmd_pull(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"all-tags", no_argument, NULL, 'a'},
            {"quiet", no_argument, NULL, 'q'},
            {"platform", required_argument, NULL, OPT_PLATFORM},
            {"tls-verify", optional_argument, NULL, OPT_TLS_VERIFY},
            {"disable-content-trust", optional_argument, NULL, OPT_IGNORED},
            {"help", no_argument, NULL, 'h'},
            {0}};
        bool all = false, quiet = false, tls_verify = true;
        const char *platform = getenv("DOCKER_DEFAULT_PLATFORM");
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":aqh", opts, NULL)) != -1) {
                switch (c) {
                case 'a':
                        all = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case OPT_PLATFORM:
                        platform = optarg;
                        break;
                case OPT_TLS_VERIFY:
                        if (parse_tls_verify("pull", optarg, &tls_verify) < 0)
                                return 125;
                        break;
                case OPT_IGNORED:
                        break;
                case 'h':
                        printf("Usage:  berth pull [OPTIONS] NAME[:TAG|@DIGEST]\n\n"
                               "Download an image from a registry\n\n"
                               "Options:\n"
                               "  -a, --all-tags            Download all tagged images in the "
                               "repository\n"
                               "      --platform string     Set platform if server is "
                               "multi-platform capable\n"
                               "  -q, --quiet               Suppress verbose output\n"
                               "      --tls-verify[=bool]   Require HTTPS and verify "
                               "certificates (default true)\n");
                        return 0;
                default:
                        return cli_bad_flag("pull", argv, c);
                }
        }
        if (argc - optind != 1)
                return cli_usage("pull", "\"pull\" requires exactly 1 argument.");
        const char *name = argv[optind];
        berth_error err = {0};
        if (transfer(cli, berth_pull, name, stdout, quiet, tls_verify,
                     platform && *platform ? platform : NULL, all, NULL, &err) < 0)
                return cli_error(&err);
        _cleanup_free_ char *full = full_name(name, all);
        printf("%s\n", full);
        return 0;
}

int cmd_push(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"quiet", no_argument, NULL, 'q'},
            {"tls-verify", optional_argument, NULL, OPT_TLS_VERIFY},
            {"disable-content-trust", optional_argument, NULL, OPT_IGNORED},
            {"help", no_argument, NULL, 'h'},
            {0}};
        bool quiet = false, tls_verify = true;
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
                switch (c) {
                case 'q':
                        quiet = true;
                        break;
                case OPT_TLS_VERIFY:
                        if (parse_tls_verify("push", optarg, &tls_verify) < 0)
                                return 125;
                        break;
                case OPT_IGNORED:
                        break;
                case 'h':
                        printf("Usage:  berth push [OPTIONS] NAME[:TAG]\n\n"
                               "Upload an image to a registry\n\n"
                               "Options:\n"
                               "  -q, --quiet               Suppress verbose output\n"
                               "      --tls-verify[=bool]   Require HTTPS and verify "
                               "certificates (default true)\n");
                        return 0;
                default:
                        return cli_bad_flag("push", argv, c);
                }
        }
        if (argc - optind != 1)
                return cli_usage("push", "\"push\" requires exactly 1 argument.");
        const char *name = argv[optind];
        berth_error err = {0};
        berth_digest d;
        if (transfer(cli, berth_push, name, stdout, quiet, tls_verify, NULL, false, &d, &err) < 0)
                return cli_error(&err);
        if (quiet) {
                _cleanup_free_ char *full = full_name(name, false);
                printf("%s\n", full);
        }
        return 0;
}

/* A line from stdin without its newline; echo off when it is a terminal and secret. */
static char *read_line(const char *prompt, bool secret)
{
        struct termios old, quiet;
        bool tty = isatty(STDIN_FILENO);
        if (prompt && tty) {
                fputs(prompt, stderr);
                fflush(stderr);
        }
        bool restore = false;
        if (secret && tty && tcgetattr(STDIN_FILENO, &old) == 0) {
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t)ECHO;
                restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t n = getline(&line, &cap, stdin);
        if (restore) {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
                fputc('\n', stderr);
        }
        if (n < 0) {
                free(line);
                return NULL;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
        return line;
}

int cmd_login(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
            {"username", required_argument, NULL, 'u'},
            {"password", required_argument, NULL, 'p'},
            {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
            {"tls-verify", optional_argument, NULL, OPT_TLS_VERIFY},
            {"help", no_argument, NULL, 'h'},
            {0}};
        _cleanup_free_ char *user = NULL, *pass = NULL;
        bool pass_stdin = false, tls_verify = true;
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":u:p:h", opts, NULL)) != -1) {
                switch (c) {
                case 'u':
                        free(user);
                        user = berth_xstrdup(optarg);
                        break;
                case 'p':
                        free(pass);
                        pass = berth_xstrdup(optarg);
                        break;
                case OPT_PASSWORD_STDIN:
                        pass_stdin = true;
                        break;
                case OPT_TLS_VERIFY:
                        if (parse_tls_verify("login", optarg, &tls_verify) < 0)
                                return 125;
                        break;
                case 'h':
                        printf("Usage:  berth login [OPTIONS] [SERVER]\n\n"
                               "Log in to a registry.\n"
                               "If no server is specified, the default is defined by the "
                               "daemon.\n\n"
                               "Options:\n"
                               "  -p, --password string     Password\n"
                               "      --password-stdin      Take the password from stdin\n"
                               "      --tls-verify[=bool]   Require HTTPS and verify "
                               "certificates (default true)\n"
                               "  -u, --username string     Username\n");
                        return 0;
                default:
                        return cli_bad_flag("login", argv, c);
                }
        }
        if (argc - optind > 1)
                return cli_usage("login", "\"login\" requires at most 1 argument.");
        const char *server = optind < argc ? argv[optind] : NULL;
        berth_error err = {0};
        if (pass && pass_stdin)
                return cli_usage("login", "--password and --password-stdin are mutually exclusive");
        if (pass_stdin && user == NULL)
                return cli_usage("login", "Must provide --username with --password-stdin");
        if (pass)
                fprintf(
                    stderr,
                    "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
        _cleanup_free_ char *host = berth_registry_server(server);
        if (user == NULL && pass == NULL && !pass_stdin &&
            berth_auth_get(host, &user, &pass, NULL) == 0) {
                printf("Authenticating with existing credentials...\n");
        } else {
                if (user == NULL) {
                        if (!isatty(STDIN_FILENO)) {
                                fprintf(stderr, "berth: cannot perform an interactive login from a "
                                                "non TTY device\n");
                                return 1;
                        }
                        user = read_line("Username: ", false);
                }
                if (pass == NULL) {
                        if (!pass_stdin && !isatty(STDIN_FILENO)) {
                                fprintf(stderr, "berth: cannot perform an interactive login from a "
                                                "non TTY device\n");
                                return 1;
                        }
                        pass = read_line(pass_stdin ? NULL : "Password: ", !pass_stdin);
                }
        }
        if (user == NULL || *user == '\0') {
                fprintf(stderr, "berth: username is required\n");
                return 1;
        }
        if (pass == NULL || *pass == '\0') {
                fprintf(stderr, "berth: password is required\n");
                return 1;
        }
        berth_transfer_opts o;
        transfer_opts_init(&o, tls_verify, NULL);
        o.progress = NULL;
        int r = berth_login(host, user, pass, &o, &err);
        transfer_opts_clear(&o);
        explicit_bzero(pass, strlen(pass));
        if (r < 0)
                return cli_error(&err);
        _cleanup_free_ char *file = berth_auth_file();
        fprintf(stderr, "WARNING! Your password will be stored unencrypted in %s.\n", file);
        printf("Login Succeeded\n");
        (void)cli;
        return 0;
}

int cmd_logout(berth_cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
                if (c == 'h') {
                        printf("Usage:  berth logout [SERVER]\n\n"
                               "Log out from a registry.\n"
                               "If no server is specified, the default is defined by the "
                               "daemon.\n");
                        return 0;
                }
                return cli_bad_flag("logout", argv, c);
        }
        if (argc - optind > 1)
                return cli_usage("logout", "\"logout\" requires at most 1 argument.");
        _cleanup_free_ char *host = berth_registry_server(optind < argc ? argv[optind] : NULL);
        berth_error err = {0};
        int r = berth_auth_remove(host, &err);
        if (r == -ENOENT) {
                printf("Not logged in to %s\n", host);
                return 0;
        }
        if (r < 0)
                return cli_error(&err);
        printf("Removing login credentials for %s\n", host);
        (void)cli;
        return 0;
}
