/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth.db's WAL index kept valid between berth commands. SQLite's first connection to a
 * database (no other process has its -shm file's "dead man switch" byte locked) throws the
 * WAL index away and rebuilds it from the WAL — every berth command is such a first
 * connection, and paid ~1 ms for it (reading up to the checkpoint's 64 frames). While a
 * process holds a shared lock on that byte, SQLite's openers know another is alive and use
 * the index as it is (the protocol of SQLite's unix VFS, https://sqlite.org/walformat.html:
 * the DMS lock at byte 128 of the -shm file). Monitors live as long as their containers, so
 * each holds that lock: the index is rebuilt only by the first command after no container
 * ran. It is the lock of an idle reader: SQLite's own checks of the index (its header's
 * checksums, the WAL's salts) go on as with any other connection. A failure only costs the
 * rebuild, so nothing here is an error.
 */
#include "monitor.h"
#include "base/strutil.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define SQLITE_SHM_DMS 128 /* the byte of the unix VFS's dead man switch in the -shm file */

void monitor_db_hold(const char *root)
{
        if (root == NULL)
                return;
        char *path = berth_xasprintf("%s/berth.db-shm", root);
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        free(path);
        if (fd < 0)
                return;
        struct flock l = {
            .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = SQLITE_SHM_DMS, .l_len = 1};
        if (fcntl(fd, F_SETLK, &l) < 0)
                close(fd);
        /* else kept (and locked) until the monitor exits */
}
