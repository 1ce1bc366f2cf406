/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Inodes seen, by (st_dev, st_ino), and the size of a tree counting each once. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* (st_dev, st_ino) → a string: hard links in copy-up, inodes counted once in sizes. */
typedef struct {
        dev_t dev;
        ino_t ino;
        char *value; /* owned; may be NULL */
        bool used;
} berth_inode_entry;
typedef struct {
        berth_inode_entry *v;
        size_t cap, n;
} berth_inode_map;
berth_inode_entry *berth_inode_find(berth_inode_map *m, dev_t dev, ino_t ino);
/* Add (dev, ino) with a copy of value (nullable); the entry if it was there already. */
berth_inode_entry *berth_inode_add(berth_inode_map *m, dev_t dev, ino_t ino, const char *value);
void berth_inode_map_clear(berth_inode_map *m);

/* Docker's volume size: apparent sizes of everything but directories, each inode once,
 * without crossing into other filesystems. */
int berth_tree_size(int dfd, uint64_t *ret);
