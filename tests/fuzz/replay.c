/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run a fuzz target over its saved corpus without libFuzzer:
 *   <target>-replay DIR   runs every file of DIR/<berth_fuzz_target_name>/
 * and prints TAP. A crash kills the program, so reaching the plan means
 * every input went through.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char *berth_fuzz_target_name;
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_all(const char *path, uint8_t **ret, size_t *ret_len)
{
        FILE *f = fopen(path, "rbe");
        if (f == NULL)
                return -1;
        size_t cap = 4096, len = 0;
        uint8_t *buf = malloc(cap);
        size_t n;
        while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
                len += n;
                if (len == cap) {
                        uint8_t *nb = realloc(buf, cap *= 2);
                        if (nb == NULL)
                                free(buf);
                        buf = nb;
                }
        }
        int bad = ferror(f) || buf == NULL;
        fclose(f);
        if (bad) {
                free(buf);
                return -1;
        }
        *ret = buf;
        *ret_len = len;
        return 0;
}

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
                return 2;
        }
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/%s", argv[1], berth_fuzz_target_name);
        DIR *d = opendir(dir);
        if (d == NULL) {
                printf("not ok 1 - cannot open corpus directory %s\n1..1\n", dir);
                return 1;
        }
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.')
                        continue;
                char **nn = realloc(names, (n + 1) * sizeof(*names));
                if (nn == NULL)
                        abort();
                names = nn;
                names[n++] = strdup(de->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof(*names), by_name);

        int failed = 0;
        for (size_t i = 0; i < n; i++) {
                char path[8192];
                uint8_t *data;
                size_t len;
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                if (read_all(path, &data, &len) < 0) {
                        printf("not ok %zu - %s: cannot read\n", i + 1, names[i]);
                        failed = 1;
                } else {
                        LLVMFuzzerTestOneInput(data, len);
                        free(data);
                        printf("ok %zu - %s\n", i + 1, names[i]);
                }
                fflush(stdout);
                free(names[i]);
        }
        free(names);
        printf("1..%zu\n", n);
        return failed;
}
