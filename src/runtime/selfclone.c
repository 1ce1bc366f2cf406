/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/selfclone.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

int berth_selfclone_ensure(char **argv)
{
        int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return -errno;
        int seals = fcntl(self, F_GET_SEALS);
        if (seals >= 0 && (seals & SEALS) == SEALS) {
                close(self);
                return 0; /* already running from a sealed copy */
        }
        struct stat st;
        int mfd = memfd_create(program_invocation_short_name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0 || fstat(self, &st) < 0)
                goto fail;
        off_t off = 0;
        while (off < st.st_size) {
                ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        goto fail;
        }
        if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
                goto fail;
        close(self);
        fexecve(mfd, argv, environ);
        int e = errno;
        close(mfd);
        return -e;
fail:
        e = errno;
        close(self);
        if (mfd >= 0)
                close(mfd);
        return -e;
}
