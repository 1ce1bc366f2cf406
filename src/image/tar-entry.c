/* SPDX-License-Identifier: Apache-2.0 */
#include "image/tar-entry.h"
#include "base/strutil.h"

#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

struct berth_tar_link {
        dev_t dev;
        ino_t ino;
        char *name;
};

void berth_tar_links_clear(berth_tar_links *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i].name);
        free(l->v);
        *l = (berth_tar_links){0};
}

int berth_tar_entry_set_type(struct archive_entry *e, const struct stat *st,
                             const char *symlink_target, berth_tar_links *links, const char *name)
{
        archive_entry_set_size(e, 0);
        switch (st->st_mode & S_IFMT) {
        case S_IFDIR:
                archive_entry_set_filetype(e, AE_IFDIR);
                return 0;
        case S_IFLNK:
                archive_entry_set_filetype(e, AE_IFLNK);
                archive_entry_set_symlink(e, symlink_target);
                return 0;
        case S_IFREG:
                archive_entry_set_filetype(e, AE_IFREG);
                if (st->st_nlink > 1) {
                        for (size_t i = 0; i < links->n; i++)
                                if (links->v[i].dev == st->st_dev &&
                                    links->v[i].ino == st->st_ino) {
                                        archive_entry_set_hardlink(e, links->v[i].name);
                                        return 1;
                                }
                        links->v = berth_xrealloc(links->v, (links->n + 1) * sizeof(*links->v));
                        links->v[links->n++] =
                            (struct berth_tar_link){st->st_dev, st->st_ino, berth_xstrdup(name)};
                }
                archive_entry_set_size(e, st->st_size);
                return 0;
        case S_IFCHR:
        case S_IFBLK:
                archive_entry_set_filetype(e, S_ISCHR(st->st_mode) ? AE_IFCHR : AE_IFBLK);
                archive_entry_set_rdevmajor(e, major(st->st_rdev));
                archive_entry_set_rdevminor(e, minor(st->st_rdev));
                return 0;
        case S_IFIFO:
                archive_entry_set_filetype(e, AE_IFIFO);
                return 0;
        default:
                return -EINVAL;
        }
}

void berth_tar_entry_times(struct archive_entry *e, struct timespec ts[2])
{
        ts[1].tv_sec = archive_entry_mtime(e);
        ts[1].tv_nsec = archive_entry_mtime_nsec(e);
        if (archive_entry_atime_is_set(e)) {
                ts[0].tv_sec = archive_entry_atime(e);
                ts[0].tv_nsec = archive_entry_atime_nsec(e);
        } else {
                ts[0] = ts[1];
        }
}
