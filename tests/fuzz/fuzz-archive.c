/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz `load`: the input is an archive (docker-archive or oci-archive, plain
 * or compressed), loaded into a throwaway BERTH_ROOT that already holds one
 * image (the seeds share its layer, so the paths for blobs and layers that
 * are already there are reached too). Whatever happens:
 *   - a failed load says why, and leaves the store as it was: the same
 *     blobs, layer dirs and rows, nothing left in tmp/ or layers/.tmp-*;
 *   - a load that succeeds leaves a store that `system check` finds whole.
 * After a success the root is made afresh for the next input.
 *
 * The root lives in /dev/shm when there is one (blobs and layers are
 * fsynced; on tmpfs that costs nothing), else in /tmp.
 */
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/check.h"
#include "image/image-archive.h"
#include "image/images.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *berth_fuzz_target_name = "fuzz-archive";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *root;
static berth_images *im;
static char *baseline; /* the store's state before each load */

/*
 * The base image's layer: a ustar with one file, "base", built byte for byte
 * as tests/fuzz/gen-archive-corpus.py builds it (the seeds carry the same
 * layer, so they share its blob and its layer dir with the base image).
 */
#define BASE_FILE    "base"
#define BASE_CONTENT "the base layer\n"

static void ustar_header(unsigned char h[512], const char *name, size_t size)
{
        memset(h, 0, 512);
        snprintf((char *)h, 100, "%s", name);
        memcpy(h + 100, "0000644", 8);
        memcpy(h + 108, "0000000", 8);
        memcpy(h + 116, "0000000", 8);
        snprintf((char *)h + 124, 12, "%011zo", size);
        memcpy(h + 136, "00000000000", 12);
        h[156] = '0';
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
        memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (int i = 0; i < 512; i++)
                sum += h[i];
        snprintf((char *)h + 148, 8, "%06o", sum);
}

/* "base" + its data + the two zero blocks that end a tar: 2048 bytes. */
static size_t base_layer(unsigned char buf[2048])
{
        memset(buf, 0, 2048);
        ustar_header(buf, BASE_FILE, strlen(BASE_CONTENT));
        memcpy(buf + 512, BASE_CONTENT, strlen(BASE_CONTENT));
        return 2048;
}

static void append(char **s, size_t *len, const char *text)
{
        size_t n = strlen(text);
        *s = berth_xrealloc(*s, *len + n + 1);
        memcpy(*s + *len, text, n + 1);
        *len += n;
}

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in root/sub, sorted, one a line after "sub:". */
static void list_dir(const char *sub, char **s, size_t *len)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/%s", root, sub);
        char **names = NULL;
        size_t n = 0;
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                names = berth_xrealloc(names, (n + 1) * sizeof(*names));
                names[n++] = berth_xstrdup(de->d_name);
        }
        if (d)
                closedir(d);
        if (n)
                qsort(names, n, sizeof(*names), by_name);
        append(s, len, sub);
        append(s, len, ":\n");
        for (size_t i = 0; i < n; i++) {
                append(s, len, names[i]);
                append(s, len, "\n");
                free(names[i]);
        }
        free(names);
}

struct dump {
        char **s;
        size_t *len;
};

static int dump_row(void *ctx, int n, char **vals, char **cols)
{
        struct dump *d = ctx;
        (void)cols;
        for (int i = 0; i < n; i++) {
                append(d->s, d->len, vals[i] ? vals[i] : "NULL");
                append(d->s, d->len, i + 1 < n ? "|" : "\n");
        }
        return 0;
}

/* Everything a load may change: blobs, layer dirs (and their temp dirs), temp files, rows. */
static char *store_state(void)
{
        static const char *const queries[] = {
            "SELECT id, manifest, top_layer, created, size FROM images ORDER BY id",
            "SELECT image, idx, chain_id, diff_id, blob FROM image_layers ORDER BY image, idx",
            "SELECT name, image FROM tags ORDER BY name",
            "SELECT name, image FROM repo_digests ORDER BY name, image",
        };
        char *s = NULL;
        size_t len = 0;
        append(&s, &len, "");
        list_dir("blobs/sha256", &s, &len);
        list_dir("layers", &s, &len);
        list_dir("tmp", &s, &len);
        struct dump d = {&s, &len};
        sqlite3 *h = berth_db_handle(berth_images_db(im));
        for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
                append(&s, &len, "--\n");
                if (sqlite3_exec(h, queries[i], dump_row, &d, NULL) != SQLITE_OK) {
                        fprintf(stderr, "fuzz-archive: %s: %s\n", queries[i], sqlite3_errmsg(h));
                        abort();
                }
        }
        return s;
}

static void remove_root(void)
{
        berth_images_close(im);
        im = NULL;
        if (root)
                berth_rm_rf(root, NULL);
        free(root);
        root = NULL;
        free(baseline);
        baseline = NULL;
}

/* Roots of earlier runs whose process is gone (libFuzzer ends without atexit handlers). */
static void remove_stale_roots(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
                int pid = 0;
                if (sscanf(de->d_name, "berth-fuzz-archive-%d-", &pid) != 1 || pid <= 0 ||
                    kill(pid, 0) == 0 || errno != ESRCH)
                        continue;
                _cleanup_free_ char *p = berth_xasprintf("%s/%s", dir, de->d_name);
                berth_rm_rf(p, NULL);
        }
        if (d)
                closedir(d);
}

/* A fresh root holding the base image, tagged base:1. */
static void make_root(void)
{
        static bool cleaned;
        char tmpl[96];
        struct stat st;
        bool shm =
            stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0;
        const char *dir = shm ? "/dev/shm" : "/tmp";
        if (!cleaned) {
                remove_stale_roots(dir);
                cleaned = true;
        }
        snprintf(tmpl, sizeof(tmpl), "%s/berth-fuzz-archive-%d-XXXXXX", dir, (int)getpid());
        if (mkdtemp(tmpl) == NULL)
                abort();
        root = berth_xstrdup(tmpl);
        berth_error err = {0};
        if (berth_images_open(root, &im, &err) < 0) {
                fprintf(stderr, "fuzz-archive: %s\n", err.msg);
                abort();
        }
        unsigned char layer[2048];
        size_t n = base_layer(layer);
        int fd = memfd_create("base", MFD_CLOEXEC);
        berth_digest id;
        if (fd < 0 || write(fd, layer, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0 ||
            berth_images_import(im, fd, "base:1", NULL, NULL, &id, &err) < 0) {
                fprintf(stderr, "fuzz-archive: cannot import the base image: %s\n", err.msg);
                abort();
        }
        close(fd);
        baseline = store_state();
}

static void at_exit(void)
{
        remove_root();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static bool registered;
        if (!registered) {
                atexit(at_exit);
                registered = true;
        }
        if (im == NULL)
                make_root();
        int fd = memfd_create("fuzz", MFD_CLOEXEC);
        if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
                abort();
        berth_error err = {0};
        char **lines = NULL;
        int r = berth_images_load(im, fd, &lines, &err);
        close(fd);
        berth_strv_free(lines);
        if (getenv("BERTH_FUZZ_DEBUG"))
                fprintf(stderr, "fuzz-archive: %s\n", r < 0 ? err.msg : "loaded");
        if (r < 0) {
                _cleanup_free_ char *after = store_state();
                if (err.msg[0] == '\0') {
                        fprintf(stderr, "fuzz-archive: a failed load (%d) said nothing\n", r);
                        abort();
                }
                if (strcmp(after, baseline) != 0) {
                        fprintf(stderr,
                                "fuzz-archive: a failed load (%s) changed the store\n"
                                "before:\n%s\nafter:\n%s\n",
                                err.msg, baseline, after);
                        abort();
                }
                return 0;
        }
        char **problems = NULL;
        if (berth_images_check(im, false, &problems, NULL, &err) < 0) {
                fprintf(stderr, "fuzz-archive: check: %s\n", err.msg);
                abort();
        }
        if (problems && problems[0]) {
                STRV_FOREACH (p, problems)
                        fprintf(stderr, "fuzz-archive: after a load, check: %s\n", *p);
                abort();
        }
        berth_strv_free(problems);
        remove_root(); /* the next input starts from the base image alone */
        return 0;
}
