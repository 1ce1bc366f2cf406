/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_import(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {{"change", required_argument, NULL, 'c'},
                                          {"message", required_argument, NULL, 'm'},
                                          {"platform", required_argument, NULL, 'p'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        _cleanup_strv_ char **changes = NULL;
        const char *message = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "c:m:h", o, NULL)) != -1) {
                switch (c) {
                case 'c':
                        berth_strv_push(&changes, optarg);
                        break;
                case 'm':
                        message = optarg;
                        break;
                case 'p':
                        break;
                case 'h':
                        printf("Usage:  berth import [OPTIONS] file|- [REPOSITORY[:TAG]]\n\n"
                               "Import the contents from a tarball to create a filesystem image\n\n"
                               "Options:\n"
                               "  -c, --change list       Apply Dockerfile instruction to the "
                               "created image\n"
                               "  -m, --message string    Set commit message for imported "
                               "image\n");
                        return 0;
                default:
                        return cli_usage("import", "unknown flag");
                }
        }
        if (optind >= argc || argc - optind > 2)
                return cli_usage("import", "\"import\" requires 1 or 2 arguments.");
        const char *src = argv[optind];
        const char *tag = optind + 1 < argc ? argv[optind + 1] : NULL;
        berth_error err = {0};
        if (strstr(src, "://")) {
                berth_errx(&err, ENOTSUP, "importing from a URL is not supported: '%s'", src);
                return cli_error(&err);
        }
        _cleanup_close_ int fd = -1;
        if (strcmp(src, "-") == 0) {
                fd = dup(STDIN_FILENO);
        } else {
                fd = open(src, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        berth_err(&err, errno, "cannot open '%s'", src);
                        return cli_error(&err);
                }
        }
        berth_images *im = cli_images(cli, &err);
        if (im == NULL)
                return cli_error(&err);
        berth_digest id;
        if (berth_images_import(im, fd, tag, changes, message, &id, &err) < 0)
                return cli_error(&err);
        printf("%s\n", id.s);
        return 0;
}
