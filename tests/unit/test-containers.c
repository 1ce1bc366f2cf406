/* SPDX-License-Identifier: Apache-2.0 */
/* Container records: what ps and inspect read, and what several berth processes write. */
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "engine/containers.h"
#include "engine/monitor-proto.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static berth_container rec(const char *id, const char *name)
{
        berth_container c = {.id = (char *)id,
                             .name = (char *)name,
                             .image_id = (char *)"sha256:aaaa",
                             .image_name = (char *)"busybox",
                             .created = (char *)"2026-11-24T10:00:00.000000001Z",
                             .body = json_pack("{s:s, s:[s]}", "Image", "busybox", "Cmd", "sh"),
                             .mounts = json_array()};
        return c;
}

static const char ID1[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char ID2[] = "1122222222222222222222222222222222222222222222222222222222222222";

int main(void)
{
        char tmpl[] = "/tmp/berth-containers-XXXXXX";
        char *dir = mkdtemp(tmpl);
        _cleanup_free_ char *path = berth_xasprintf("%s/berth.db", dir);
        berth_error err = {0};
        berth_db *db = NULL;
        ok(berth_db_open(path, &db, &err) == 0 && berth_containers_migrate(db, &err) == 0,
           "open and migrate: %s", err.msg);

        berth_container a = rec(ID1, "web"), b = rec(ID2, "db");
        ok(berth_container_insert(db, &a, &err) == 0, "insert web");
        ok(berth_container_insert(db, &b, &err) == 0, "insert db");
        berth_container dup = rec(ID1, "other");
        ok(berth_container_insert(db, &dup, &err) < 0, "the same id twice is refused");
        berth_container clash =
            rec("3333333333333333333333333333333333333333333333333333333333333333", "web");
        memset(&err, 0, sizeof(err));
        is_int(berth_container_insert(db, &clash, &err), -EEXIST, "a name in use is refused");
        like(err.msg, "The container name \"/web\" is already in use", "docker's message");

        berth_container got;
        ok(berth_container_get(db, "web", &got, &err) == 0 && strcmp(got.id, ID1) == 0,
           "found by name");
        is_str(json_string_value(json_array_get(json_object_get(got.body, "Cmd"), 0)), "sh",
               "the body comes back");
        is_str(got.status, "created", "a new container is created");
        berth_container_clear(&got);
        ok(berth_container_get(db, "/web", &got, &err) == 0, "a leading slash is ignored");
        berth_container_clear(&got);
        ok(berth_container_get(db, ID2, &got, &err) == 0 && strcmp(got.name, "db") == 0,
           "found by full id");
        berth_container_clear(&got);
        ok(berth_container_get(db, "1122", &got, &err) == 0 && strcmp(got.name, "db") == 0,
           "found by a unique prefix");
        berth_container_clear(&got);
        memset(&err, 0, sizeof(err));
        is_int(berth_container_get(db, "11", &got, &err), -EINVAL, "an ambiguous prefix fails");
        like(err.msg, "multiple containers", "and says so");
        memset(&err, 0, sizeof(err));
        is_int(berth_container_get(db, "nope", &got, &err), -ENOENT, "unknown name");
        like(err.msg, "No such container: nope", "docker's message");

        ok(berth_container_set_running(db, ID1, 4242, false, &err) == 0, "record a start");
        ok(berth_container_get(db, "web", &got, &err) == 0, "read back");
        is_str(got.status, "running", "running");
        is_int(got.pid, 4242, "its pid");
        ok(strncmp(got.started_at, "0001", 4) != 0, "a start time");
        berth_container_clear(&got);
        ok(berth_container_set_exited(db, ID1, 137, true, NULL, &err) == 0, "record an exit");
        ok(berth_container_get(db, "web", &got, &err) == 0, "read back");
        ok(strcmp(got.status, "exited") == 0 && got.exit_code == 137 && got.oom_killed &&
               got.pid == 0,
           "exited, 137, OOM killed, no pid");
        berth_container_clear(&got);
        ok(berth_container_set_restarting(db, ID1, &err) == 0, "a restart policy's decision");
        ok(berth_container_get(db, "web", &got, &err) == 0 && got.restart_count == 1 &&
               strcmp(got.status, "restarting") == 0 && got.exit_code == 137,
           "restarting: counts the restart, keeps the last exit");
        berth_container_clear(&got);
        ok(berth_container_set_running(db, ID1, 4243, true, &err) == 0, "a restart");
        ok(berth_container_get(db, "web", &got, &err) == 0 && got.restart_count == 1 &&
               !got.oom_killed && got.exit_code == 0,
           "keeps the count and clears the last exit");
        berth_container_clear(&got);
        ok(berth_container_set_failed(db, ID2, 127, "exec: no such file", &err) == 0,
           "a start that failed");
        ok(berth_container_get(db, "db", &got, &err) == 0 && strcmp(got.status, "created") == 0 &&
               got.exit_code == 127 && strstr(got.error, "no such file"),
           "a container that never ran stays created, with the error and code");
        berth_container_clear(&got);

        memset(&err, 0, sizeof(err));
        ok(berth_container_rename(db, ID2, "web", &err) < 0, "rename onto a name in use fails");
        ok(berth_container_rename(db, ID2, "bad name", &err) < 0, "rename to a bad name fails");
        ok(berth_container_rename(db, ID2, "db2", &err) == 0, "rename");
        berth_container *v = NULL;
        size_t n = 0;
        ok(berth_container_list(db, &v, &n, &err) == 0 && n == 2, "list has both");
        berth_containers_free(v, n);
        ok(berth_container_delete(db, ID2, &err) == 0, "delete");
        ok(berth_container_get(db, "db2", &got, &err) == -ENOENT, "gone");

        ok(berth_container_name_valid("a1") && berth_container_name_valid("web_1.x-y"),
           "good names");
        ok(!berth_container_name_valid("a") && !berth_container_name_valid("_x") &&
               !berth_container_name_valid("a/b") && !berth_container_name_valid(""),
           "bad names");
        char *r1 = berth_container_random_name(db, &err);
        ok(r1 && strchr(r1, '_') && berth_container_name_valid(r1), "a random name: %s", r1);
        free(r1);

        ok(berth_pid_alive(getpid(), berth_pid_start_time(getpid())), "we are alive");
        ok(!berth_pid_alive(getpid(), berth_pid_start_time(getpid()) + 1),
           "a pid with another start time is not us");

        /* frames */
        int sv[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
        ok(berth_frame_write(sv[0], BERTH_FRAME_STDOUT, "hello", 5) == 0, "write a frame");
        int type = -1;
        char *data = NULL;
        size_t len = 0;
        ok(berth_frame_read(sv[1], &type, &data, &len) == 1 && type == BERTH_FRAME_STDOUT &&
               len == 5 && memcmp(data, "hello", 5) == 0,
           "read it back");
        free(data);
        unsigned char bad[8] = {1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
        (void)!write(sv[0], bad, sizeof(bad));
        ok(berth_frame_read(sv[1], &type, &data, &len) < 0, "an oversized frame is refused");
        close(sv[0]);
        ok(berth_frame_read(sv[1], &type, &data, &len) <= 0, "EOF");
        close(sv[1]);

        json_decref(a.body);
        json_decref(a.mounts);
        json_decref(b.body);
        json_decref(b.mounts);
        json_decref(dup.body);
        json_decref(dup.mounts);
        json_decref(clash.body);
        json_decref(clash.mounts);
        berth_db_close(db);
        berth_rm_rf(dir, NULL);
        return tap_done();
}
