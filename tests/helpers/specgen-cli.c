/* SPDX-License-Identifier: Apache-2.0 */
/*
 * specgen-cli: print the config.json berth_specgen() makes, for the bats
 * suites.
 *
 *   specgen-cli [--id ID] [--init PATH] [--mounts FILE] [--hostname-file P]
 *               [--hosts-file P] [--resolv-file P] [--cgroup-parent P]
 *               BODY.json IMAGE.json|- ROOTFS
 *
 * BODY.json is a Docker Engine API create body, IMAGE.json an image
 * config's "config" object ("-": none), FILE an inspect-shaped Mounts
 * array. Errors go to stderr with exit status 1.
 */
#include "base/cleanup.h"
#include "specgen/specgen.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *load(const char *path)
{
        json_error_t e;
        json_t *j = json_load_file(path, 0, &e);
        if (j == NULL) {
                fprintf(stderr, "specgen-cli: %s: %s (line %d)\n", path, e.text, e.line);
                exit(1);
        }
        return j;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
            {"id", required_argument, NULL, 'i'},
            {"init", required_argument, NULL, 'I'},
            {"mounts", required_argument, NULL, 'm'},
            {"hostname-file", required_argument, NULL, 'n'},
            {"hosts-file", required_argument, NULL, 'h'},
            {"resolv-file", required_argument, NULL, 'r'},
            {"cgroup-parent", required_argument, NULL, 'c'},
            {NULL, 0, NULL, 0},
        };
        berth_specgen_input in = {
            .id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};
        json_t *mounts = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'i':
                        in.id = optarg;
                        break;
                case 'I':
                        in.init_path = optarg;
                        break;
                case 'm':
                        mounts = load(optarg);
                        break;
                case 'n':
                        in.hostname_path = optarg;
                        break;
                case 'h':
                        in.hosts_path = optarg;
                        break;
                case 'r':
                        in.resolv_path = optarg;
                        break;
                case 'c':
                        in.cgroup_parent = optarg;
                        break;
                default:
                        return 2;
                }
        }
        if (argc - optind != 3) {
                fprintf(stderr, "usage: specgen-cli [options] BODY.json IMAGE.json|- ROOTFS\n");
                return 2;
        }
        json_t *body = load(argv[optind]);
        json_t *image = strcmp(argv[optind + 1], "-") == 0 ? NULL : load(argv[optind + 1]);
        in.body = body;
        in.image = image;
        in.mounts = mounts;
        in.rootfs = argv[optind + 2];

        berth_error err = {0};
        json_t *spec = berth_specgen(&in, &err);
        json_decref(body);
        json_decref(image);
        json_decref(mounts);
        if (spec == NULL) {
                fprintf(stderr, "specgen-cli: %s\n", err.msg);
                return 1;
        }
        _cleanup_free_ char *text = json_dumps(spec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(spec);
        if (text == NULL)
                return 1;
        printf("%s\n", text);
        return 0;
}
