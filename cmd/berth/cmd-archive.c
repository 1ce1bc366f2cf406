/* SPDX-License-Identifier: Apache-2.0 */
/* `berth save` and `berth load` (images), `berth export` (a container's filesystem). */
#include "cli.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "engine/cp.h"
#include "image/image-archive.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_refuse_terminal(const char *output, berth_error *err)
{
        if (output == NULL && isatty(STDOUT_FILENO))
                return berth_errx(err, EINVAL,
                                  "cowardly refusing to save to a terminal. Use the -o flag or "
                                  "redirect");
        return 0;
}

int cli_write_tar(const char *output, cli_tar_writer write, void *arg, berth_error *err)
{
        if (output == NULL)
                return write(STDOUT_FILENO, arg, err);
        /* a temp file beside it, renamed over it once whole: never half a tar there */
        _cleanup_free_ char *tmp = berth_xasprintf("%s.tmp-XXXXXX", output);
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot create a temp file for '%s'", output);
        mode_t mask = umask(0);
        umask(mask);
        int r = write(fd, arg, err);
        if (r == 0 && fchmod(fd, 0666 & ~mask) < 0)
                r = berth_err(err, errno, "cannot chmod '%s'", tmp);
        if (r == 0 && fsync(fd) < 0)
                r = berth_err(err, errno, "cannot write '%s'", tmp);
        if (r == 0 && rename(tmp, output) < 0)
                r = berth_err(err, errno, "cannot rename '%s' to '%s'", tmp, output);
        if (r < 0)
                unlink(tmp);
        return r;
}

struct save_args {
        berth_images *im;
        char *const *names;
        enum berth_archive_format fmt;
};

static int save_to(int fd, void *arg, berth_error *err)
{
        struct save_args *a = arg;
        return berth_images_save(a->im, a->names, a->fmt, fd, err);
}

int cmd_save(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {{"output", required_argument, NULL, 'o'},
                                          {"format", required_argument, NULL, 'f'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        const char *output = NULL;
        enum berth_archive_format fmt = BERTH_ARCHIVE_DOCKER;
        int c;
        while ((c = getopt_long(argc, argv, "o:h", o, NULL)) != -1) {
                switch (c) {
                case 'o':
                        output = optarg;
                        break;
                case 'f':
                        if (strcmp(optarg, "docker") == 0 || strcmp(optarg, "docker-archive") == 0)
                                fmt = BERTH_ARCHIVE_DOCKER;
                        else if (strcmp(optarg, "oci") == 0 || strcmp(optarg, "oci-archive") == 0)
                                fmt = BERTH_ARCHIVE_OCI;
                        else
                                return cli_usage(
                                    "save", "invalid --format '%s': want docker or oci", optarg);
                        break;
                case 'h':
                        printf("Usage:  berth save [OPTIONS] IMAGE [IMAGE...]\n\n"
                               "Save one or more images to a tar archive (streamed to STDOUT by "
                               "default)\n\n"
                               "Options:\n"
                               "      --format string   docker (docker-archive, the default) "
                               "or oci (oci-archive)\n"
                               "  -o, --output string   Write to a file, instead of STDOUT\n");
                        return 0;
                default:
                        return cli_usage("save", "unknown flag");
                }
        }
        if (optind >= argc)
                return cli_usage("save", "\"save\" requires at least 1 argument.");
        berth_error err = {0};
        if (cli_refuse_terminal(output, &err) < 0)
                return cli_error(&err);
        berth_images *im = cli_images(cli, &err);
        if (im == NULL)
                return cli_error(&err);
        struct save_args a = {im, argv + optind, fmt};
        return cli_write_tar(output, save_to, &a, &err) < 0 ? cli_error(&err) : 0;
}

int cmd_load(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {{"input", required_argument, NULL, 'i'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        const char *input = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "i:qh", o, NULL)) != -1) {
                switch (c) {
                case 'i':
                        input = optarg;
                        break;
                case 'q':
                        break; /* there is no progress output to suppress */
                case 'h':
                        printf("Usage:  berth load [OPTIONS]\n\n"
                               "Load an image from a tar archive or STDIN\n\n"
                               "Options:\n"
                               "  -i, --input string   Read from tar archive file, instead of "
                               "STDIN\n"
                               "  -q, --quiet          Suppress the load output\n");
                        return 0;
                default:
                        return cli_usage("load", "unknown flag");
                }
        }
        if (optind < argc)
                return cli_usage("load", "\"load\" accepts no arguments.");
        berth_error err = {0};
        _cleanup_close_ int fd = -1;
        if (input) {
                fd = open(input, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        berth_err(&err, errno, "cannot open '%s'", input);
                        return cli_error(&err);
                }
        } else {
                if (isatty(STDIN_FILENO)) {
                        berth_errx(&err, EINVAL, "requested load from stdin, but stdin is empty");
                        return cli_error(&err);
                }
                fd = dup(STDIN_FILENO);
        }
        berth_images *im = cli_images(cli, &err);
        if (im == NULL)
                return cli_error(&err);
        _cleanup_strv_ char **lines = NULL;
        if (berth_images_load(im, fd, &lines, &err) < 0)
                return cli_error(&err);
        STRV_FOREACH (l, lines)
                printf("%s\n", *l);
        return 0;
}

struct export_args {
        berth_engine *e;
        const char *name;
};

static int export_to(int fd, void *arg, berth_error *err)
{
        struct export_args *a = arg;
        return berth_engine_export(a->e, a->name, fd, err);
}

int cmd_export(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {
            {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'}, {0}};
        const char *output = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "o:h", o, NULL)) != -1) {
                switch (c) {
                case 'o':
                        output = optarg;
                        break;
                case 'h':
                        printf("Usage:  berth export [OPTIONS] CONTAINER\n\n"
                               "Export a container's filesystem as a tar archive\n\n"
                               "Options:\n"
                               "  -o, --output string   Write to a file, instead of STDOUT\n");
                        return 0;
                default:
                        return cli_usage("export", "unknown flag");
                }
        }
        if (argc - optind != 1)
                return cli_usage("export", "\"export\" requires exactly 1 argument.");
        berth_error err = {0};
        if (cli_refuse_terminal(output, &err) < 0)
                return cli_error(&err);
        berth_engine *e = cli_engine(cli, &err);
        if (e == NULL)
                return cli_error(&err);
        signal(SIGPIPE, SIG_IGN);
        struct export_args a = {e, argv[optind]};
        return cli_write_tar(output, export_to, &a, &err) < 0 ? cli_error(&err) : 0;
}
