/* SPDX-License-Identifier: Apache-2.0 */
/* `system df`, `system check`, `info`. */
#include "cli.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "base/units.h"
#include "engine/info.h"
#include "format.h"
#include "image/check.h"
#include "image/reference.h"
#include "image/usage.h"

#include "base/cleanup-json.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void size_str(int64_t bytes, char *buf, size_t n)
{
        berth_human_size(bytes, buf, n);
}

/* docker's RECLAIMABLE: "1.2MB (50%)", or just the size when the total is 0. */
static void reclaim_str(int64_t reclaim, int64_t total, char *buf, size_t n)
{
        char s[32];
        size_str(reclaim, s, sizeof(s));
        if (total > 0)
                snprintf(buf, n, "%s (%" PRId64 "%%)", s, reclaim * 100 / total);
        else
                snprintf(buf, n, "%s", s);
}

static void print_images_verbose(const berth_disk_usage *u)
{
        printf("Images space usage:\n\n");
        cli_table *t = cli_table_new(8);
        const char *head[] = {"REPOSITORY", "TAG",         "IMAGE ID",    "CREATED",
                              "SIZE",       "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"};
        cli_table_row(t, head);
        time_t now = time(NULL);
        for (size_t i = 0; i < u->n_images; i++) {
                const berth_image_usage *iu = &u->images[i];
                char id[16], created[64], size[32], shared[32], unique[32], cont[32];
                snprintf(id, sizeof(id), "%.12s", berth_digest_hex(&iu->s.rec.id));
                int64_t ts = berth_parse_rfc3339(iu->s.rec.created);
                if (ts < 0) {
                        snprintf(created, sizeof(created), "N/A");
                } else {
                        berth_human_duration(now - ts, created, sizeof(created) - 4);
                        strcat(created, " ago");
                }
                size_str(iu->size, size, sizeof(size));
                size_str(iu->shared, shared, sizeof(shared));
                size_str(iu->unique, unique, sizeof(unique));
                snprintf(cont, sizeof(cont), "%" PRId64, iu->containers);
                size_t nt = berth_strv_length(iu->s.tags);
                for (size_t k = 0; k < (nt ? nt : 1); k++) {
                        _cleanup_free_ char *repo = NULL;
                        const char *tag = "<none>";
                        berth_ref ref = {0};
                        if (nt && berth_ref_parse(iu->s.tags[k], &ref, NULL) == 0) {
                                repo = berth_ref_repository(&ref);
                                tag = ref.tag ? ref.tag : "<none>";
                        }
                        const char *row[] = {
                            repo ? repo : "<none>", tag, id, created, size, shared, unique, cont};
                        cli_table_row(t, row);
                        berth_ref_clear(&ref);
                }
        }
        cli_table_print(t);
        cli_table_free(t);
        printf("\nContainers space usage:\n\n");
        t = cli_table_new(7);
        const char *chead[] = {"CONTAINER ID", "IMAGE",   "COMMAND", "LOCAL VOLUMES",
                               "SIZE",         "CREATED", "STATUS"};
        cli_table_row(t, chead);
        for (size_t i = 0; i < u->n_snapshots; i++) {
                const berth_snapshot_usage *s = &u->snapshots[i];
                const char *slash = strrchr(s->dir, '/');
                char cid[16], img[16], size[32];
                snprintf(cid, sizeof(cid), "%.12s", slash ? slash + 1 : s->dir);
                snprintf(img, sizeof(img), "%.12s", berth_digest_hex(&s->image));
                size_str(s->size, size, sizeof(size));
                const char *row[] = {cid, img, "", "0", size, "", s->mounted ? "Up" : "Created"};
                cli_table_row(t, row);
        }
        cli_table_print(t);
        cli_table_free(t);
        printf("\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\n\n"
               "Build cache usage: 0B\n\n"
               "CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n");
}

static int system_df(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {
            {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'}, {0}};
        bool verbose = false;
        int c;
        while ((c = getopt_long(argc, argv, "vh", o, NULL)) != -1) {
                if (c == 'v')
                        verbose = true;
                else if (c == 'h') {
                        printf("Usage:  berth system df [OPTIONS]\n\n"
                               "Show berth disk usage\n\n"
                               "Options:\n"
                               "  -v, --verbose   Show detailed information on space usage\n");
                        return 0;
                } else
                        return cli_bad_flag("system df", argv, c);
        }
        if (optind < argc)
                return cli_usage("system df", "\"system df\" accepts no arguments.");
        berth_error err = {0};
        berth_images *im = cli_images(cli, &err);
        berth_disk_usage u = {0};
        if (im == NULL || berth_images_disk_usage(im, &u, &err) < 0)
                return cli_error(&err);
        if (verbose) {
                print_images_verbose(&u);
                berth_disk_usage_clear(&u);
                return 0;
        }
        int64_t csize = 0, creclaim = 0, cactive = 0;
        for (size_t i = 0; i < u.n_snapshots; i++) {
                csize += u.snapshots[i].size;
                if (u.snapshots[i].mounted)
                        cactive++;
                else
                        creclaim += u.snapshots[i].size;
        }
        cli_table *t = cli_table_new(5);
        const char *head[] = {"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"};
        cli_table_row(t, head);
        char tot[32], act[32], size[32], rec[64];
        snprintf(tot, sizeof(tot), "%zu", u.n_images);
        snprintf(act, sizeof(act), "%" PRId64, u.images_active);
        size_str(u.layers_size, size, sizeof(size));
        reclaim_str(u.layers_reclaimable, u.layers_size, rec, sizeof(rec));
        const char *r1[] = {"Images", tot, act, size, rec};
        cli_table_row(t, r1);
        snprintf(tot, sizeof(tot), "%zu", u.n_snapshots);
        snprintf(act, sizeof(act), "%" PRId64, cactive);
        size_str(csize, size, sizeof(size));
        reclaim_str(creclaim, csize, rec, sizeof(rec));
        const char *r2[] = {"Containers", tot, act, size, rec};
        cli_table_row(t, r2);
        const char *r3[] = {"Local Volumes", "0", "0", "0B", "0B"};
        cli_table_row(t, r3);
        const char *r4[] = {"Build Cache", "0", "0", "0B", "0B"};
        cli_table_row(t, r4);
        cli_table_print(t);
        cli_table_free(t);
        berth_disk_usage_clear(&u);
        return 0;
}

static int system_check(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {
            {"repair", no_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'}, {0}};
        bool repair = false;
        int c;
        while ((c = getopt_long(argc, argv, "h", o, NULL)) != -1) {
                if (c == 'r')
                        repair = true;
                else if (c == 'h') {
                        printf("Usage:  berth system check [OPTIONS]\n\n"
                               "Verify every blob, image, tag and snapshot of the store\n\n"
                               "Options:\n"
                               "      --repair   Remove what a crash left and what cannot be "
                               "made whole\n");
                        return 0;
                } else
                        return cli_bad_flag("system check", argv, c);
        }
        if (optind < argc)
                return cli_usage("system check", "\"system check\" accepts no arguments.");
        /* Its own engine (and images handle): a normal open would quietly remove the
         * leftovers we report, and the container check needs the engine too. */
        berth_error err = {0};
        berth_engine *e = NULL;
        if (berth_engine_open_flags(cli->root, cli->runroot, BERTH_IMAGES_KEEP_LEFTOVERS, &e,
                                    &err) < 0)
                return cli_error(&err);
        berth_images *im = berth_engine_images(e);
        _cleanup_strv_ char **problems = NULL, **actions = NULL;
        int r = berth_images_check(im, repair, &problems, &actions, &err);
        if (r == 0) {
                STRV_FOREACH (p, problems)
                        printf("%s\n", *p);
                STRV_FOREACH (a, actions)
                        printf("repair: %s\n", *a);
        }
        if (r == 0 && repair && berth_strv_length(problems) > 0) {
                berth_strv_free(problems);
                problems = NULL;
                r = berth_images_check(im, false, &problems, NULL, &err);
                STRV_FOREACH (p, problems)
                        printf("still: %s\n", *p);
        }
        if (r < 0) {
                berth_engine_close(e);
                return cli_error(&err);
        }
        /* containers */
        _cleanup_strv_ char **cproblems = NULL, **cactions = NULL;
        if (berth_engine_check(e, repair, &cproblems, &cactions, &err) < 0) {
                berth_engine_close(e);
                return cli_error(&err);
        }
        STRV_FOREACH (p, cproblems)
                printf("%s\n", *p);
        STRV_FOREACH (a, cactions)
                printf("repair: %s\n", *a);
        if (repair && cproblems) {
                berth_strv_free(cproblems);
                cproblems = NULL;
                berth_strv_free(cactions);
                cactions = NULL;
                if (berth_engine_check(e, false, &cproblems, &cactions, &err) < 0) {
                        berth_engine_close(e);
                        return cli_error(&err);
                }
                STRV_FOREACH (p, cproblems)
                        printf("still: %s\n", *p);
        }
        berth_engine_close(e);
        return berth_strv_length(problems) + berth_strv_length(cproblems) > 0 ? 1 : 0;
}

static const char *jstr(const json_t *o, const char *k)
{
        const char *v = json_string_value(json_object_get(o, k));
        return v ? v : "";
}

static json_int_t jint(const json_t *o, const char *k)
{
        return json_integer_value(json_object_get(o, k));
}

/* docker info's text, for what berth has. */
static void print_info(const json_t *in)
{
        printf("Containers: %" JSON_INTEGER_FORMAT "\n", jint(in, "Containers"));
        printf(" Running: %" JSON_INTEGER_FORMAT "\n", jint(in, "ContainersRunning"));
        printf(" Paused: %" JSON_INTEGER_FORMAT "\n", jint(in, "ContainersPaused"));
        printf(" Stopped: %" JSON_INTEGER_FORMAT "\n", jint(in, "ContainersStopped"));
        printf("Images: %" JSON_INTEGER_FORMAT "\n", jint(in, "Images"));
        printf("Server Version: %s\n", jstr(in, "ServerVersion"));
        printf("Storage Driver: %s\n", jstr(in, "Driver"));
        size_t i;
        json_t *kv;
        json_array_foreach (json_object_get(in, "DriverStatus"), i, kv)
                printf(" %s: %s\n", json_string_value(json_array_get(kv, 0)),
                       json_string_value(json_array_get(kv, 1)));
        printf("Logging Driver: %s\n", jstr(in, "LoggingDriver"));
        printf("Cgroup Driver: %s\n", jstr(in, "CgroupDriver"));
        printf("Cgroup Version: %s (%s)\n", jstr(in, "CgroupVersion"), jstr(in, "CgroupLayout"));
        printf("Runtimes:");
        const char *name;
        json_t *rt;
        json_object_foreach (json_object_get(in, "Runtimes"), name, rt)
                printf(" %s", name);
        printf("\nDefault Runtime: %s\n", jstr(in, "DefaultRuntime"));
        printf("Security Options:\n");
        json_t *opt;
        json_array_foreach (json_object_get(in, "SecurityOptions"), i, opt) {
                /* "name=seccomp,profile=default" → " seccomp\n  Profile: default" */
                _cleanup_free_ char *copy = berth_xstrdup(json_string_value(opt));
                char *save = NULL;
                for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
                        const char *eq = strchr(p, '=');
                        if (eq == NULL)
                                continue;
                        if (strncmp(p, "name=", 5) == 0)
                                printf(" %s\n", eq + 1);
                        else
                                printf("  %c%.*s: %s\n", toupper((unsigned char)*p),
                                       (int)(eq - p - 1), p + 1, eq + 1);
                }
        }
        printf("Kernel Version: %s\n", jstr(in, "KernelVersion"));
        printf("Operating System: %s\n", jstr(in, "OperatingSystem"));
        printf("OSType: %s\n", jstr(in, "OSType"));
        printf("Architecture: %s\n", jstr(in, "Architecture"));
        printf("CPUs: %" JSON_INTEGER_FORMAT "\n", jint(in, "NCPU"));
        char mem[32];
        berth_bytes_size((double)jint(in, "MemTotal"), mem, sizeof(mem));
        printf("Total Memory: %s\n", mem);
        printf("Name: %s\n", jstr(in, "Name"));
        printf("Berth Root Dir: %s\n", jstr(in, "DockerRootDir"));
        printf("Berth Run Root: %s\n", jstr(in, "RunRoot"));
}

int cmd_info(berth_cli *cli, int argc, char **argv)
{
        static const struct option o[] = {
            {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
        const char *format = NULL;
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":f:h", o, NULL)) != -1) {
                switch (c) {
                case 'f':
                        format = optarg;
                        break;
                case 'h':
                        printf("Usage:  berth info [OPTIONS]\n\n"
                               "Display system-wide information\n\n"
                               "Options:\n"
                               "  -f, --format string   Format output using a custom template: "
                               "'json' or a Go template\n");
                        return 0;
                default:
                        return cli_bad_flag("info", argv, c);
                }
        }
        if (optind < argc)
                return cli_usage("info", "\"info\" accepts no arguments.");
        berth_error err = {0};
        berth_engine *e = cli_engine(cli, &err);
        _cleanup_json_ json_t *in = e ? berth_engine_info(e, &err) : NULL;
        if (in == NULL)
                return cli_error(&err);
        if (format == NULL) {
                print_info(in);
                return 0;
        }
        char msg[256];
        _cleanup_free_ char *out = strcmp(format, "json") == 0
                                       ? cli_format_json("{{json .}}", in, msg, sizeof(msg))
                                       : cli_format_json(format, in, msg, sizeof(msg));
        if (out == NULL) {
                fprintf(stderr, "berth: template: %s\n", msg);
                return 1;
        }
        printf("%s\n", out);
        return 0;
}

int cmd_system(berth_cli *cli, int argc, char **argv)
{
        static const cli_sub subs[] = {{"check", system_check},
                                       {"df", system_df},
                                       {"info", cmd_info},
                                       {"prune", cmd_system_prune}};
        return cli_group_run(cli, "system",
                             "Usage:  berth system COMMAND\n\n"
                             "Manage berth\n\n"
                             "Commands:\n"
                             "  check   Verify the store and repair what a crash left\n"
                             "  df      Show berth disk usage\n"
                             "  info    Display system-wide information\n"
                             "  prune   Remove unused data\n",
                             subs, ARRAY_SIZE(subs), argc, argv);
}

/* y/Y/yes from stdin; EOF (no one to ask) is no. */
bool cli_confirm(const char *warning)
{
        fprintf(stderr, "%s\nAre you sure you want to continue? [y/N] ", warning);
        fflush(stderr);
        char line[64];
        if (fgets(line, sizeof(line), stdin) == NULL) {
                fprintf(stderr, "\n");
                return false;
        }
        line[strcspn(line, "\r\n")] = '\0';
        return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}
