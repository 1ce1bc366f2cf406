/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the engine will do with volumes, for the bats suites until `berth run`
 * exists: volume-tool mount NAME | copy-up NAME ROOTFS PATH | use NAME ID |
 * release ID [rm] | anonymous, on $BERTH_ROOT.
 */
#include "base/db.h"
#include "volume/volume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
        const char *root = getenv("BERTH_ROOT");
        if (root == NULL || argc < 2) {
                fprintf(stderr, "usage: BERTH_ROOT=… volume-tool mount|copy-up|use|release|"
                                "anonymous ARGS…\n");
                return 2;
        }
        berth_error err = {0};
        berth_db *db = NULL;
        berth_volumes *vs = NULL;
        char dbpath[4096];
        snprintf(dbpath, sizeof(dbpath), "%s/berth.db", root);
        if (berth_db_open(dbpath, &db, &err) < 0 || berth_volumes_open(db, root, &vs, &err) < 0) {
                fprintf(stderr, "volume-tool: %s\n", err.msg);
                return 1;
        }
        int r = -1;
        const char *cmd = argv[1];
        if (strcmp(cmd, "mount") == 0 && argc == 3) {
                char *path = NULL;
                r = berth_volume_mount(vs, argv[2], &path, &err);
                if (r == 0)
                        printf("%s\n", path);
                free(path);
        } else if (strcmp(cmd, "copy-up") == 0 && argc == 5) {
                r = berth_volume_copy_up(vs, argv[2], argv[3], argv[4], &err);
        } else if (strcmp(cmd, "use") == 0 && argc == 4) {
                r = berth_volume_use(vs, argv[2], argv[3], &err);
        } else if (strcmp(cmd, "release") == 0 && (argc == 3 || argc == 4)) {
                r = berth_volume_release(vs, argv[2], argc == 4, &err);
        } else if (strcmp(cmd, "anonymous") == 0 && argc == 2) {
                berth_volume v;
                r = berth_volume_create(vs, NULL, NULL, NULL, true, &v, NULL, &err);
                if (r == 0)
                        printf("%s\n", v.name);
                if (r == 0)
                        berth_volume_clear(&v);
        } else {
                fprintf(stderr, "volume-tool: bad arguments\n");
                berth_volumes_close(vs);
                berth_db_close(db);
                return 2;
        }
        if (r < 0)
                fprintf(stderr, "volume-tool: %s\n", err.msg);
        berth_volumes_close(vs);
        berth_db_close(db);
        return r < 0 ? 1 : 0;
}
