/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "base/units.h"
#include "format.h"
#include "engine/filters.h"
#include "oci/image.h"
#include "image/reference.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "docker.io/library/busybox:latest" → ("busybox", "latest") as docker shows them. */
static void split_tag(const char *full, char **repo, char **tag)
{
        berth_ref ref = {0};
        if (berth_ref_parse(full, &ref, NULL) < 0) {
                *repo = berth_xstrdup(full);
                *tag = berth_xstrdup("<none>");
                return;
        }
        *repo = berth_ref_repository(&ref);
        *tag = berth_xstrdup(ref.tag ? ref.tag : "<none>");
        berth_ref_clear(&ref);
}

enum { F_REPO, F_TAG, F_DIGEST, F_ID, F_SINCE, F_AT, F_SIZE, F_COUNT };
static const cli_format_field image_fields[F_COUNT] = {
    {"Repository", "REPOSITORY"},
    {"Tag", "TAG"},
    {"Digest", "DIGEST"},
    {"ID", "IMAGE ID"},
    {"CreatedSince", "CREATED"},
    {"CreatedAt", "CREATED AT"},
    {"Size", "SIZE"},
};

int cmd_images(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {
            {"quiet", no_argument, NULL, 'q'},        {"all", no_argument, NULL, 'a'},
            {"digests", no_argument, NULL, 'd'},      {"no-trunc", no_argument, NULL, 'n'},
            {"filter", required_argument, NULL, 'f'}, {"format", required_argument, NULL, 'F'},
            {"help", no_argument, NULL, 'h'},         {0}};
        bool quiet = false, digests = false, no_trunc = false, all = false;
        const char *format = NULL;
        _cleanup_strv_ char **filter_args = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "qaf:h", o, NULL)) != -1) {
                switch (c) {
                case 'q':
                        quiet = true;
                        break;
                case 'a':
                        all = true;
                        break;
                case 'd':
                        digests = true;
                        break;
                case 'n':
                        no_trunc = true;
                        break;
                case 'f':
                        berth_strv_push(&filter_args, optarg);
                        break;
                case 'F':
                        format = optarg;
                        break;
                case 'h':
                        printf("Usage:  berth images [OPTIONS] [REPOSITORY[:TAG]]\n\n"
                               "List images\n\n"
                               "Options:\n"
                               "  -a, --all             Show all images\n"
                               "      --digests         Show digests\n"
                               "  -f, --filter filter   Filter output based on conditions "
                               "provided (dangling, reference, label, before, since)\n"
                               "      --format string   Pretty-print images using a Go "
                               "template\n"
                               "      --no-trunc        Don't truncate output\n"
                               "  -q, --quiet           Only show image IDs\n");
                        return 0;
                default:
                        return cli_usage("images", "unknown flag");
                }
        }
        berth_error err = {0};
        if (format) {
                char msg[512];
                if (cli_format_check(format, image_fields, F_COUNT, msg, sizeof(msg)) < 0) {
                        berth_errx(&err, EINVAL, "%s", msg);
                        return cli_error(&err);
                }
        }
        berth_images *im = cli_images(cli, &err);
        if (im == NULL)
                return cli_error(&err);
        _cleanup_filters_ berth_filters *filters = berth_filters_new();
        STRV_FOREACH (fa, filter_args) {
                if (strchr(*fa, '=') == NULL) {
                        berth_errx(&err, EINVAL, "bad format of filter (expected name=value): '%s'",
                                   *fa);
                        return cli_error(&err);
                }
                (void)berth_filters_add(filters, *fa, NULL);
        }
        if (berth_engine_image_filters_check(im, filters, &err) < 0)
                return cli_error(&err);
        if (optind < argc) {
                /* "busybox" or "busybox:1.0" as a reference filter, as docker takes it */
                berth_ref ref = {0};
                if (berth_ref_parse(argv[optind], &ref, &err) < 0)
                        return cli_error(&err);
                _cleanup_free_ char *repo = berth_ref_repository(&ref);
                /* a tag is a ':' after the last '/' (not a registry's port) */
                const char *last = strrchr(argv[optind], '/');
                bool has_tag = strchr(last ? last : argv[optind], ':') != NULL;
                _cleanup_free_ char *pat =
                    has_tag ? berth_xasprintf("%s:%s", repo, ref.tag) : berth_xstrdup(repo);
                berth_filters_add_kv(filters, "reference", pat);
                berth_ref_clear(&ref);
        }
        berth_image_summary *v = NULL;
        size_t n = 0;
        if (berth_images_list(im, &v, &n, &err) < 0)
                return cli_error(&err);
        size_t ncols = digests ? 6 : 5;
        cli_table *t = cli_table_new(ncols);
        cli_table *ft = NULL;
        if (format && cli_format_is_table(format)) {
                _cleanup_free_ char *h = cli_format_header(format, image_fields, F_COUNT);
                ft = cli_table_from_line(h);
        }
        const char *head[] = {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"};
        const char *head_d[] = {"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"};
        cli_table_row(t, digests ? head_d : head);
        time_t now = time(NULL);
        _cleanup_strv_ char **seen = NULL;
        for (size_t i = 0; i < n; i++) {
                if (!berth_engine_image_matches(im, filters, &v[i], all))
                        continue;
                char id[80], created[64], size[32];
                snprintf(id, sizeof(id), "%s",
                         no_trunc ? v[i].rec.id.s : berth_digest_hex(&v[i].rec.id));
                if (!no_trunc)
                        id[12] = '\0';
                int64_t ts = berth_parse_rfc3339(v[i].rec.created);
                if (ts < 0) {
                        snprintf(created, sizeof(created), "N/A");
                } else {
                        berth_human_duration(now - ts, created, sizeof(created) - 4);
                        strcat(created, " ago");
                }
                berth_human_size(v[i].rec.size, size, sizeof(size));
                size_t ntags = berth_strv_length(v[i].tags);
                for (size_t k = 0; k < (ntags ? ntags : 1); k++) {
                        _cleanup_free_ char *repo = NULL, *tag = NULL;
                        if (ntags)
                                split_tag(v[i].tags[k], &repo, &tag);
                        else {
                                repo = berth_xstrdup("<none>");
                                tag = berth_xstrdup("<none>");
                        }
                        if (!berth_engine_image_ref_matches(filters, repo, tag))
                                continue;
                        if (quiet) {
                                if (!berth_strv_contains(seen, id)) {
                                        printf("%s\n", id);
                                        berth_strv_push(&seen, id);
                                }
                                continue;
                        }
                        const char *dg = v[i].digests && v[i].digests[0]
                                             ? strchr(v[i].digests[0], '@') + 1
                                             : "<none>";
                        if (format) {
                                const char *vals[F_COUNT] = {
                                    repo, tag, dg, id, created, v[i].rec.created, size};
                                _cleanup_free_ char *line =
                                    cli_format_row(format, image_fields, vals, F_COUNT);
                                if (ft == NULL) {
                                        printf("%s\n", line);
                                        continue;
                                }
                                cli_table_add_line(ft, line);
                                continue;
                        }
                        const char *row[] = {repo, tag, id, created, size};
                        const char *row_d[] = {repo, tag, dg, id, created, size};
                        cli_table_row(t, digests ? row_d : row);
                }
        }
        if (ft)
                cli_table_print(ft);
        else if (!quiet && !format)
                cli_table_print(t);
        cli_table_free(ft);
        cli_table_free(t);
        berth_image_summaries_free(v, n);
        return 0;
}

int cmd_tag(berth_cli *cli, int argc, char **argv)
{
        if (argc == 2 && strcmp(argv[1], "--help") == 0) {
                printf("Usage:  berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n");
                return 0;
        }
        if (argc != 3)
                return cli_usage("tag", "\"tag\" requires exactly 2 arguments.");
        berth_error err = {0};
        berth_images *im = cli_images(cli, &err);
        if (im == NULL || berth_images_tag(im, argv[1], argv[2], &err) < 0)
                return cli_error(&err);
        return 0;
}

int cmd_rmi(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {{"force", no_argument, NULL, 'f'},
                                          {"no-prune", no_argument, NULL, 'p'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
        unsigned flags = 0;
        int c;
        while ((c = getopt_long(argc, argv, "fh", o, NULL)) != -1) {
                if (c == 'f')
                        flags |= BERTH_IMAGES_RM_FORCE;
                else if (c == 'p')
                        flags |= BERTH_IMAGES_RM_NO_PRUNE;
                else if (c == 'h') {
                        printf("Usage:  berth rmi [OPTIONS] IMAGE [IMAGE...]\n\n"
                               "Remove one or more images\n\n"
                               "Options:\n"
                               "  -f, --force      Force removal of the image\n"
                               "      --no-prune   Do not delete untagged parents\n");
                        return 0;
                } else
                        return cli_usage("rmi", "unknown flag");
        }
        if (optind >= argc)
                return cli_usage("rmi", "\"rmi\" requires at least 1 argument.");
        berth_error err = {0};
        berth_images *im = cli_images(cli, &err);
        if (im == NULL)
                return cli_error(&err);
        int rc = 0;
        for (int i = optind; i < argc; i++) {
                char **report = NULL;
                if (berth_images_remove_flags(im, argv[i], flags, &report, NULL, &err) < 0) {
                        rc = cli_error(&err);
                        continue;
                }
                STRV_FOREACH (line, report)
                        printf("%s\n", *line);
                berth_strv_free(report);
        }
        return rc;
}
