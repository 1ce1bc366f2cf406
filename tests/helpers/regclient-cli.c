/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry client's API on the command line, for tests/integration/registry-client.bats:
 *
 *   regclient-cli [OPTIONS] HOST ping
 *   regclient-cli [OPTIONS] HOST get-manifest REPO REF [OUT]     (prints digest, type, size)
 *   regclient-cli [OPTIONS] HOST head-manifest REPO REF
 *   regclient-cli [OPTIONS] HOST put-manifest REPO REF TYPE FILE (prints the digest)
 *   regclient-cli [OPTIONS] HOST exists REPO DIGEST              (prints "present SIZE"/"absent")
 *   regclient-cli [OPTIONS] HOST get-blob REPO DIGEST SIZE OUT   (SIZE -1: unknown)
 *   regclient-cli [OPTIONS] HOST put-blob REPO FILE              (prints digest, mounted/uploaded)
 *   regclient-cli [OPTIONS] HOST tags REPO
 *   regclient-cli [OPTIONS] HOST repeat N get-manifest REPO REF  (N fetches on one handle)
 *   regclient-cli [OPTIONS] HOST parallel N REPO DIGEST SIZE     (N threads, a handle each)
 *   regclient-cli htpasswd USER PASS                             (a bcrypt htpasswd line)
 *   regclient-cli auth-set HOST USER PASS | auth-get HOST | auth-rm HOST
 *
 * OPTIONS: --user U --pass P --insecure --no-verify --certs-dir D --stall S --max N
 *          --chunk N --from REPO --stdin (put-blob reads the blob from a pipe)
 *          --digest D (put-blob claims D instead of the file's digest)
 */
#include "base/digest.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "registry/auth.h"
#include "registry/client.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_fd(const void *data, size_t len, void *userdata)
{
        int fd = *(int *)userdata;
        return berth_write_all(fd, data, len) < 0 ? -errno : 0;
}

static int get_manifest(berth_registry *r, const char *repo, const char *ref, size_t max,
                        const char *out, bool head, berth_error *err)
{
        char *body = NULL, *mt = NULL;
        size_t len = 0;
        berth_digest d;
        int k =
            berth_registry_get_manifest(r, repo, ref, max, head ? NULL : &body, &len, &mt, &d, err);
        if (k < 0)
                return k;
        printf("digest %s\ntype %s\nsize %zu\n", d.s, mt, len);
        if (out && berth_write_file(out, body, len, O_CREAT, err) < 0)
                k = -1;
        free(body);
        free(mt);
        return k;
}

typedef struct {
        const char *host, *repo;
        const berth_registry_opts *o;
        berth_digest d;
        int64_t size;
        berth_hasher *h;
        int rc;
        berth_error err;
} par_job;

static int hash_chunk(const void *data, size_t len, void *userdata)
{
        berth_hasher_update(((par_job *)userdata)->h, data, len);
        return 0;
}

static void *par_run(void *arg)
{
        par_job *j = arg;
        berth_registry *r = NULL;
        j->h = berth_hasher_new();
        j->rc = berth_registry_open(j->host, j->o, &r, &j->err);
        for (int i = 0; i < 3 && j->rc == 0; i++)
                j->rc = berth_registry_get_blob(r, j->repo, &j->d, j->size, hash_chunk, NULL, j,
                                                &j->err);
        berth_registry_close(r);
        return NULL;
}

/* N threads, each with its own handle, fetching the same blob three times. */
static int parallel(const char *host, const berth_registry_opts *o, int n, const char *repo,
                    const char *digest, int64_t size, berth_error *err)
{
        par_job jobs[64];
        pthread_t th[64];
        if (n < 1 || n > 64)
                return berth_errx(err, EINVAL, "1 to 64 threads");
        for (int i = 0; i < n; i++) {
                jobs[i] = (par_job){.host = host, .repo = repo, .o = o, .size = size};
                if (berth_digest_parse(digest, &jobs[i].d, err) < 0)
                        return -EINVAL;
        }
        for (int i = 0; i < n; i++)
                pthread_create(&th[i], NULL, par_run, &jobs[i]);
        int k = 0;
        for (int i = 0; i < n; i++) {
                pthread_join(th[i], NULL);
                berth_hasher_free(jobs[i].h);
                if (jobs[i].rc < 0 && k == 0) {
                        *err = jobs[i].err;
                        k = jobs[i].rc;
                }
        }
        if (k == 0)
                printf("%d threads ok\n", n);
        return k;
}

static int usage(void)
{
        fprintf(stderr, "usage: regclient-cli [OPTIONS] HOST COMMAND ARGS… (see the source)\n");
        return 2;
}

int main(int argc, char **argv)
{
        berth_registry_opts o = {0};
        size_t max = 0, chunk = 0;
        const char *from = NULL, *digest = NULL;
        bool from_stdin = false;
        int i = 1;
        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                const char *a = argv[i];
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (strcmp(a, "--insecure") == 0)
                        o.insecure = true;
                else if (strcmp(a, "--no-verify") == 0)
                        o.tls_no_verify = true;
                else if (strcmp(a, "--stdin") == 0)
                        from_stdin = true;
                else if (v == NULL)
                        return usage();
                else if (strcmp(a, "--user") == 0)
                        o.username = v, i++;
                else if (strcmp(a, "--pass") == 0)
                        o.password = v, i++;
                else if (strcmp(a, "--certs-dir") == 0)
                        o.certs_dirs = v, i++;
                else if (strcmp(a, "--stall") == 0)
                        o.stall_timeout_s = atoi(v), i++;
                else if (strcmp(a, "--max") == 0)
                        max = strtoul(v, NULL, 10), i++;
                else if (strcmp(a, "--chunk") == 0)
                        chunk = strtoul(v, NULL, 10), i++;
                else if (strcmp(a, "--from") == 0)
                        from = v, i++;
                else if (strcmp(a, "--digest") == 0)
                        digest = v, i++;
                else
                        return usage();
        }
        if (argc - i < 1)
                return usage();
        berth_error err = {0};
        int k = 0;
        char **a = argv + i;
        int n = argc - i;

        if (strcmp(a[0], "htpasswd") == 0 && n == 3) {
                const char *salt = crypt_gensalt("$2b$", 5, NULL, 0);
                const char *h = salt ? crypt(a[2], salt) : NULL;
                if (h == NULL || h[0] != '$') {
                        fprintf(stderr, "regclient-cli: crypt: %s\n", strerror(errno));
                        return 1;
                }
                printf("%s:%s\n", a[1], h);
                return 0;
        }
        if (strcmp(a[0], "auth-set") == 0 && n == 4) {
                k = berth_auth_set(a[1], a[2], a[3], &err);
        } else if (strcmp(a[0], "auth-get") == 0 && n == 2) {
                char *u = NULL, *p = NULL;
                k = berth_auth_get(a[1], &u, &p, &err);
                if (k == 0)
                        printf("%s %s\n", u, p);
                else if (k == -ENOENT)
                        snprintf(err.msg, sizeof(err.msg), "no credentials for %s", a[1]);
                free(u);
                free(p);
        } else if (strcmp(a[0], "auth-rm") == 0 && n == 2) {
                k = berth_auth_remove(a[1], &err);
        }
        if (strncmp(a[0], "auth-", 5) == 0) {
                if (k < 0)
                        fprintf(stderr, "regclient-cli: %s\n", err.msg);
                return k < 0 ? 1 : 0;
        }

        if (n < 2)
                return usage();
        const char *host = a[0];
        const char *cmd = a[1];
        a += 2;
        n -= 2;
        if (strcmp(cmd, "parallel") == 0 && n == 4) {
                k = parallel(host, &o, atoi(a[0]), a[1], a[2], strtoll(a[3], NULL, 10), &err);
                if (k < 0)
                        fprintf(stderr, "regclient-cli: %s\n", err.msg);
                return k < 0 ? 1 : 0;
        }
        berth_registry *r = NULL;
        if (berth_registry_open(host, &o, &r, &err) < 0) {
                fprintf(stderr, "regclient-cli: %s\n", err.msg);
                return 1;
        }
        int repeat = 1;
        if (strcmp(cmd, "repeat") == 0 && n >= 2) {
                repeat = atoi(a[0]);
                cmd = a[1];
                a += 2;
                n -= 2;
        }
        for (int round = 0; round < repeat && k >= 0; round++) {
                if (strcmp(cmd, "ping") == 0 && n == 0) {
                        k = berth_registry_ping(r, &err);
                        if (k == 0)
                                printf("ok\n");
                } else if (strcmp(cmd, "get-manifest") == 0 && (n == 2 || n == 3)) {
                        k = get_manifest(r, a[0], a[1], max, n == 3 ? a[2] : NULL, false, &err);
                } else if (strcmp(cmd, "head-manifest") == 0 && n == 2) {
                        k = get_manifest(r, a[0], a[1], max, NULL, true, &err);
                } else if (strcmp(cmd, "put-manifest") == 0 && n == 4) {
                        char *body = NULL;
                        size_t len = 0;
                        berth_digest d;
                        k = berth_read_file(a[3], &body, &len, &err);
                        if (k == 0)
                                k = berth_registry_put_manifest(r, a[0], a[1], a[2], body, len, &d,
                                                                &err);
                        if (k == 0)
                                printf("%s\n", d.s);
                        free(body);
                } else if (strcmp(cmd, "exists") == 0 && n == 2) {
                        berth_digest d;
                        int64_t size = -1;
                        k = berth_digest_parse(a[1], &d, &err);
                        if (k == 0)
                                k = berth_registry_blob_exists(r, a[0], &d, &size, &err);
                        if (k == 1)
                                printf("present %" PRId64 "\n", size);
                        else if (k == 0)
                                printf("absent\n");
                } else if (strcmp(cmd, "get-blob") == 0 && n == 4) {
                        berth_digest d;
                        int fd = open(a[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                        k = fd < 0 ? berth_err(&err, errno, "cannot create %s", a[3])
                                   : berth_digest_parse(a[1], &d, &err);
                        if (k == 0)
                                k = berth_registry_get_blob(r, a[0], &d, strtoll(a[2], NULL, 10),
                                                            write_fd, NULL, &fd, &err);
                        if (fd >= 0)
                                close(fd);
                        if (k == 0)
                                printf("ok\n");
                } else if (strcmp(cmd, "put-blob") == 0 && n == 2) {
                        berth_digest d;
                        uint64_t size = 0;
                        int fd = open(a[1], O_RDONLY | O_CLOEXEC);
                        k = fd < 0 ? berth_err(&err, errno, "cannot open %s", a[1])
                                   : berth_digest_fd(fd, &d, &size, &err);
                        bool mounted = false;
                        if (k == 0 && digest)
                                k = berth_digest_parse(digest, &d, &err);
                        if (k == 0 && from_stdin) {
                                /* the same bytes, from a pipe: no seeking, no retries */
                                close(fd);
                                fd = dup(0);
                        } else if (k == 0) {
                                lseek(fd, 0, SEEK_SET);
                        }
                        if (k == 0)
                                k = berth_registry_put_blob(r, a[0], &d, (int64_t)size, fd, from,
                                                            chunk, NULL, NULL, &mounted, &err);
                        if (fd >= 0)
                                close(fd);
                        if (k == 0)
                                printf("%s %s\n", d.s, mounted ? "mounted" : "uploaded");
                } else if (strcmp(cmd, "tags") == 0 && n == 1) {
                        char **tags = NULL;
                        k = berth_registry_list_tags(r, a[0], &tags, &err);
                        for (char **t = tags; t && *t; t++)
                                printf("%s\n", *t);
                        berth_strv_free(tags);
                } else {
                        berth_registry_close(r);
                        return usage();
                }
        }
        if (k < 0)
                fprintf(stderr, "regclient-cli: %s\n", err.msg);
        berth_registry_close(r);
        return k < 0 ? 1 : 0;
}
