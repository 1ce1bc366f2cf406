/* SPDX-License-Identifier: Apache-2.0 */
/* Inodes seen, by (st_dev, st_ino), and the size of a tree counting each once (inode-map.h). */
#include "inode-map.h"
#include "fs.h"
#include "strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t hash_inode(dev_t dev, ino_t ino)
{
        uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ULL ^ (uint64_t)dev * 0xC2B2AE3D27D4EB4FULL;
        return (size_t)(h ^ (h >> 29));
}

berth_inode_entry *berth_inode_find(berth_inode_map *m, dev_t dev, ino_t ino)
{
        if (m->cap == 0)
                return NULL;
        for (size_t i = hash_inode(dev, ino) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
                if (!m->v[i].used)
                        return NULL;
                if (m->v[i].dev == dev && m->v[i].ino == ino)
                        return &m->v[i];
        }
}

berth_inode_entry *berth_inode_add(berth_inode_map *m, dev_t dev, ino_t ino, const char *value)
{
        berth_inode_entry *e = berth_inode_find(m, dev, ino);
        if (e)
                return e;
        if ((m->n + 1) * 2 > m->cap) {
                berth_inode_map bigger = {.cap = m->cap ? m->cap * 2 : 64};
                bigger.v = berth_xmalloc0(bigger.cap * sizeof(*bigger.v));
                for (size_t i = 0; i < m->cap; i++) {
                        if (!m->v[i].used)
                                continue;
                        size_t j = hash_inode(m->v[i].dev, m->v[i].ino) & (bigger.cap - 1);
                        while (bigger.v[j].used)
                                j = (j + 1) & (bigger.cap - 1);
                        bigger.v[j] = m->v[i];
                }
                bigger.n = m->n;
                free(m->v);
                *m = bigger;
        }
        size_t i = hash_inode(dev, ino) & (m->cap - 1);
        while (m->v[i].used)
                i = (i + 1) & (m->cap - 1);
        m->v[i] = (berth_inode_entry){
            .dev = dev, .ino = ino, .value = value ? berth_xstrdup(value) : NULL, .used = true};
        m->n++;
        return &m->v[i];
}

void berth_inode_map_clear(berth_inode_map *m)
{
        for (size_t i = 0; i < m->cap; i++)
                free(m->v[i].value);
        free(m->v);
        memset(m, 0, sizeof(*m));
}

static int tree_size(int dfd, dev_t dev, berth_inode_map *seen, uint64_t *total, int depth)
{
        if (depth > 4096)
                return -ELOOP;
        DIR *d = berth_dir_reopen(dfd);
        if (d == NULL)
                return -errno;
        struct dirent *de;
        int r = 0;
        while (r == 0 && (de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (st.st_dev != dev)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        int sub = openat(dirfd(d), de->d_name,
                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0)
                                continue;
                        r = tree_size(sub, dev, seen, total, depth + 1);
                        close(sub);
                        continue;
                }
                if (st.st_size <= 0 || berth_inode_find(seen, st.st_dev, st.st_ino))
                        continue;
                berth_inode_add(seen, st.st_dev, st.st_ino, NULL);
                *total += (uint64_t)st.st_size;
        }
        closedir(d);
        return r;
}

int berth_tree_size(int dfd, uint64_t *ret)
{
        struct stat st;
        if (fstat(dfd, &st) < 0)
                return -errno;
        berth_inode_map seen = {0};
        uint64_t total = 0;
        int r = tree_size(dfd, st.st_dev, &seen, &total, 0);
        berth_inode_map_clear(&seen);
        if (r < 0)
                return r;
        *ret = total;
        return 0;
}
