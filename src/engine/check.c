/* SPDX-License-Identifier: Apache-2.0 */
/* `system check` for containers: what an interrupted create or remove left. */
#include "engine/engine-internal.h"
#include "engine/network-internal.h"
#include "base/fs.h"
#include "build/sweep.h"
#include "image/snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* A create in progress in another process has a directory and no record yet, for
 * moments; only older ones are leftovers. */
#define LEFTOVER_AGE 60

static bool is_id(const char *s)
{
        if (strlen(s) != 64)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

int berth_engine_check(berth_engine *e, bool repair, char ***problems, char ***actions,
                       berth_error *err)
{
        berth_db *db = berth_engine_db(e);
        _cleanup_free_ char *cdir = berth_xasprintf("%s/containers", e->root);
        DIR *d = opendir(cdir);
        if (d == NULL && errno != ENOENT)
                return berth_err(err, errno, "cannot read %s", cdir);
        struct dirent *de;
        time_t now = time(NULL);
        while (d && (de = readdir(d)) != NULL) {
                if (!is_id(de->d_name))
                        continue;
                berth_container c;
                int r = berth_container_get(db, de->d_name, &c, NULL);
                if (r == 0) {
                        berth_container_clear(&c);
                        continue;
                }
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                _cleanup_free_ char *p = berth_xasprintf(
                    "container directory %s has no record (an interrupted create)", de->d_name);
                berth_strv_push(problems, p);
                if (!repair || now - st.st_mtime < LEFTOVER_AGE)
                        continue;
                _cleanup_free_ char *dir = berth_xasprintf("%s/%s", cdir, de->d_name);
                berth_error e2 = {0};
                if (berth_snapshot_remove(e->images, dir, &e2) < 0 || berth_rm_rf(dir, &e2) < 0) {
                        _cleanup_free_ char *a =
                            berth_xasprintf("cannot remove %s: %s", dir, e2.msg);
                        berth_strv_push(actions, a);
                        continue;
                }
                berth_volume_release(e->volumes, de->d_name, false, NULL);
                _cleanup_free_ char *a = berth_xasprintf("removed %s", dir);
                berth_strv_push(actions, a);
        }
        if (d)
                closedir(d);

        berth_container *v = NULL;
        size_t n = 0;
        if (berth_container_list(db, &v, &n, err) < 0)
                return berth_error_rc(err, -EIO);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *dir = berth_engine_container_dir(e, v[i].id);
                struct stat st;
                if (stat(dir, &st) == 0 || v[i].state == BERTH_STATE_DEAD)
                        continue;
                _cleanup_free_ char *p = berth_xasprintf(
                    "container %s (%.12s) has no directory: marked dead", v[i].name, v[i].id);
                berth_strv_push(problems, p);
                if (repair &&
                    berth_container_set_status(db, v[i].id, BERTH_STATE_DEAD, NULL) == 0) {
                        _cleanup_free_ char *a =
                            berth_xasprintf("marked %s dead (berth rm removes it)", v[i].name);
                        berth_strv_push(actions, a);
                }
        }
        berth_containers_free(v, n);
        /* live records whose monitor died: the one repair (berth_engine_reconcile) */
        if (berth_engine_reconcile_all(e, problems, actions, repair, err) < 0)
                return berth_error_rc(err, -EIO);
        /* what containers no longer running hold on networks (a killed start or helper) */
        if (engine_net_leftovers(e, problems, actions, repair, err) < 0)
                return berth_error_rc(err, -EIO);
        /* what killed builds left: step snapshots (and their processes), unpacked contexts */
        return berth_build_sweep(e->images, e->root, e->runroot, repair, problems, actions, err);
}
