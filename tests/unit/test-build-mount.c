/* SPDX-License-Identifier: Apache-2.0 */
/* RUN --mount's value as BuildKit reads it: types, keys, defaults, errors. */
#include "build/run-mount.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

static int parse(const char *v, const char *wd, berth_build_mount *m, berth_error *err)
{
        *err = (berth_error){0};
        return berth_build_mount_parse(v, wd, 1, m, err);
}

int main(void)
{
        berth_error err = {0};
        berth_build_mount m;

        ok(parse("target=/src", "/app", &m, &err) == 0, "bind is the default type: %s", err.msg);
        ok(m.type == BERTH_BUILD_MOUNT_BIND && m.readonly && strcmp(m.source, "/") == 0 &&
               m.from == NULL,
           "bind: read-only, the context's root");
        berth_build_mount_clear(&m);

        ok(parse("type=bind,src=sub/dir,dst=rel/../t,rw,from=builder", "/app", &m, &err) == 0,
           "bind with aliases");
        is_str(m.target, "/app/t", "a relative target is under the working directory, cleaned");
        ok(!m.readonly && strcmp(m.source, "sub/dir") == 0 && strcmp(m.from, "builder") == 0,
           "rw, source, from");
        berth_build_mount_clear(&m);

        ok(parse("type=cache,target=/root/.cache,sharing=locked,mode=0700,uid=1000,gid=1000", NULL,
                 &m, &err) == 0,
           "cache");
        ok(m.type == BERTH_BUILD_MOUNT_CACHE && !m.readonly &&
               m.sharing == BERTH_BUILD_SHARING_LOCKED && m.mode == 0700 && m.uid == 1000 &&
               m.gid == 1000,
           "cache: writable, locked, mode and owner");
        is_str(m.id, "/root/.cache", "a cache's id defaults to its target");
        berth_build_mount_clear(&m);

        ok(parse("type=tmpfs,target=/t,size=64m", NULL, &m, &err) == 0 &&
               m.size == 64u * 1024 * 1024,
           "tmpfs with a size");
        berth_build_mount_clear(&m);

        ok(parse("type=secret,id=npmrc", NULL, &m, &err) == 0, "a secret by id");
        ok(strcmp(m.target, "/run/secrets/npmrc") == 0 && m.mode == 0400 && !m.required,
           "its target and mode by default, optional");
        berth_build_mount_clear(&m);
        ok(parse("type=secret,target=/etc/tok,required", NULL, &m, &err) == 0 &&
               strcmp(m.id, "tok") == 0 && m.required,
           "a secret's id from its target's name; required as a bare key");
        berth_build_mount_clear(&m);

        ok(parse("type=ssh", NULL, &m, &err) == 0 && m.type == BERTH_BUILD_MOUNT_SSH &&
               strcmp(m.id, "default") == 0 && strcmp(m.target, "/run/buildkit/ssh_agent.1") == 0 &&
               m.mode == 0600,
           "ssh: id default, the n-th agent socket's target");
        berth_build_mount_clear(&m);
        ok(parse("type=nfs,target=/x", NULL, &m, &err) == -EINVAL &&
               strstr(err.msg, "unsupported mount type \"nfs\""),
           "an unknown type: %s", err.msg);
        ok(parse("type=cache", NULL, &m, &err) == -EINVAL &&
               strstr(err.msg, "mount target is required"),
           "no target: %s", err.msg);
        ok(parse("target=/x,bogus=1", NULL, &m, &err) == -EINVAL &&
               strstr(err.msg, "unexpected key 'bogus'"),
           "an unknown key: %s", err.msg);
        ok(parse("type=cache,target=/x,mode=999", NULL, &m, &err) == -EINVAL,
           "a mode that is not octal");
        ok(parse("type=cache,target=/x,sharing=sometimes", NULL, &m, &err) == -EINVAL,
           "an unknown sharing mode");
        ok(parse("type=cache,target=../..", "/", &m, &err) == -EINVAL &&
               strstr(err.msg, "cannot be made on /"),
           "a target that cleans to / is refused: %s", err.msg);
        ok(parse("type=tmpfs,target=/x,from=img", NULL, &m, &err) == -ENOTSUP,
           "from is only for binds");
        return tap_done();
}
