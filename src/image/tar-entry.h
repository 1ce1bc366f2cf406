/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

struct archive_entry;

/**
 * A file's type in a tar entry, the same for every tar berth writes (layers
 * by pack.c, cp and export by engine/cp-tar.c).
 */

/** e's access and modification times for utimensat (atime = mtime when the tar has none). */
void berth_tar_entry_times(struct archive_entry *e, struct timespec ts[2]);

/** The files with more than one link seen so far in one tar: (dev, ino) → first name. */
typedef struct {
        struct berth_tar_link *v;
        size_t n;
} berth_tar_links;

void berth_tar_links_clear(berth_tar_links *l);

/**
 * Set e's file type from st, with what goes with it: the size of a regular
 * file, the numbers of a device, symlink_target for a symlink (read by the
 * caller). A regular file with other links that links has seen before
 * becomes a hard link to its first name (no data follows: returns 1); one
 * not seen yet is remembered as name. 0 otherwise, -EINVAL for a type a tar
 * cannot hold (sockets are the caller's to skip).
 */
int berth_tar_entry_set_type(struct archive_entry *e, const struct stat *st,
                             const char *symlink_target, berth_tar_links *links, const char *name);
