/* SPDX-License-Identifier: Apache-2.0 */
/* Users and groups of a container, looked up inside its root. */
#include "engine/engine-internal.h"
#include "base/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Field 3 (uid/gid) and 4 (gid, passwd only) of the line of name in a passwd/group file. */
static int lookup(int rootfd, const char *file, const char *name, long *ret_id, long *ret_gid)
{
        int fd = berth_open_in_root(rootfd, file, O_RDONLY, 0, NULL);
        if (fd < 0)
                return -ENOENT;
        FILE *f = fdopen(fd, "re");
        if (f == NULL) {
                close(fd);
                return -ENOENT;
        }
        char line[4096];
        int rc = -ENOENT;
        while (fgets(line, sizeof(line), f)) {
                char *save = NULL;
                char *n = strtok_r(line, ":", &save);
                strtok_r(NULL, ":", &save);
                char *id = strtok_r(NULL, ":", &save);
                char *gid = strtok_r(NULL, ":", &save);
                if (n && id && strcmp(n, name) == 0) {
                        *ret_id = strtol(id, NULL, 10);
                        if (ret_gid)
                                *ret_gid = gid ? strtol(gid, NULL, 10) : 0;
                        rc = 0;
                        break;
                }
        }
        fclose(f);
        return rc;
}

static bool numeric(const char *s)
{
        if (*s == '\0')
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

int berth_engine_resolve_user(berth_engine *e, const berth_container *c, const char *user,
                              char **ret, berth_error *err)
{
        _cleanup_free_ char *u = berth_xstrdup(user);
        char *g = strchr(u, ':');
        if (g)
                *g++ = '\0';
        _cleanup_free_ char *dir = berth_engine_container_dir(e, c->id);
        _cleanup_free_ char *merged = berth_xasprintf("%s/merged", dir);
        _cleanup_close_ int rootfd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
        long uid = 0, gid = 0;
        if (numeric(u)) {
                uid = strtol(u, NULL, 10); /* group 0 unless given, as Docker does */
        } else if (rootfd < 0 || lookup(rootfd, "/etc/passwd", u, &uid, &gid) < 0) {
                return berth_errx(err, ENOENT,
                                  "unable to find user %s: no matching entries in passwd file", u);
        }
        if (g) {
                if (numeric(g))
                        gid = strtol(g, NULL, 10);
                else if (rootfd < 0 || lookup(rootfd, "/etc/group", g, &gid, NULL) < 0)
                        return berth_errx(err, ENOENT,
                                          "unable to find group %s: no matching entries in group "
                                          "file",
                                          g);
        }
        *ret = berth_xasprintf("%ld:%ld", uid, gid);
        return 0;
}
