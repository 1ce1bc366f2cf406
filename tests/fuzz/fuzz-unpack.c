/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz layer unpacking: the input is a layer (tar, gzip or zstd), unpacked
 * with small limits into a fresh temp dir. Whatever happens, nothing may
 * appear outside that dir: a sentinel dir beside it must stay empty and the
 * temp parent must hold only the two.
 */
#include "base/cleanup.h"
#include "base/fs.h"
#include "image/unpack.h"

#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *berth_fuzz_target_name = "fuzz-unpack";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_entries(const char *dir)
{
        DIR *d = opendir(dir);
        if (d == NULL)
                return -1;
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL)
                n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
        closedir(d);
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char tmpl[] = "/tmp/berth-fuzz-unpack-XXXXXX";
        char *top = mkdtemp(tmpl);
        if (top == NULL)
                abort();
        char dest[64], sentinel[64];
        snprintf(dest, sizeof(dest), "%s/dest", top);
        snprintf(sentinel, sizeof(sentinel), "%s/sentinel", top);
        if (mkdir(dest, 0755) < 0 || mkdir(sentinel, 0755) < 0)
                abort();
        int fd = memfd_create("fuzz", MFD_CLOEXEC);
        if (fd < 0 || write(fd, data, size) != (ssize_t)size)
                abort();
        lseek(fd, 0, SEEK_SET);
        int dfd = open(dest, O_PATH | O_DIRECTORY | O_CLOEXEC);
        berth_unpack_opts o = {.max_bytes = 4 << 20, .max_entries = 2000};
        berth_error err = {0};
        berth_digest diff;
        (void)berth_unpack_tar(fd, dfd, &o, &diff, NULL, &err);
        close(dfd);
        close(fd);
        struct stat st;
        /* the seeds aim at this name (tests/fuzz/corpus/fuzz-unpack) */
        if (count_entries(sentinel) != 0 || count_entries(top) != 2 ||
            lstat("/tmp/berth-fuzz-escape", &st) == 0 || lstat("/berth-fuzz-escape", &st) == 0) {
                fprintf(stderr, "fuzz-unpack: something was written outside %s\n", dest);
                abort();
        }
        if (berth_rm_rf(top, &err) < 0)
                abort();
        return 0;
}
