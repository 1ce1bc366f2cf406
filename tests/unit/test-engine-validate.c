/* SPDX-License-Identifier: Apache-2.0 */
/* Create bodies refused as Docker's daemon refuses them, before anything is made. */
#include "engine/engine-internal.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

static int check(const char *json, berth_error *err)
{
        json_error_t je;
        json_t *body = json_loads(json, 0, &je);
        json_t *mounts = json_array();
        *err = (berth_error){0};
        int r = engine_validate_create(NULL, "/nonexistent/container", body, mounts, NULL, err);
        json_decref(body);
        json_decref(mounts);
        return r;
}

int main(void)
{
        berth_error err;
        ok(check("{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{}}", &err) == 0,
           "a plain body passes: %s", err.msg);
        ok(check("{\"Image\":\"b\",\"Cmd\":[\"true\"],\"User\":\"nobody\",\"HostConfig\":{}}",
                 &err) == 0,
           "the user is resolved at start, as Docker does: %s", err.msg);
        is_int(
            check(
                "{\"Cmd\":[\"true\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"sometimes\"}}}",
                &err),
            -EINVAL, "an unknown restart policy");
        is_str(err.msg,
               "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', "
               "'on-failure', or 'unless-stopped'",
               "docker's words");
        check("{\"Cmd\":[\"true\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"always\","
              "\"MaximumRetryCount\":3}}}",
              &err);
        is_str(err.msg,
               "invalid restart policy: maximum retry count can only be used with 'on-failure'",
               "a retry count without on-failure");
        check("{\"Cmd\":[\"true\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"on-failure\","
              "\"MaximumRetryCount\":-1}}}",
              &err);
        is_str(err.msg, "invalid restart policy: maximum retry count cannot be negative",
               "a negative retry count");
        check("{\"Cmd\":[\"true\"],\"HostConfig\":{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":"
              "\"unless-stopped\"}}}",
              &err);
        is_str(err.msg, "can't create 'AutoRemove' container with restart policy",
               "AutoRemove with a restart policy");
        ok(check("{\"Cmd\":[\"true\"],\"HostConfig\":{\"AutoRemove\":true,\"RestartPolicy\":{"
                 "\"Name\":\"no\"}}}",
                 &err) == 0,
           "AutoRemove with no policy is fine");
        is_int(check("{\"Cmd\":[\"true\"],\"HostConfig\":{\"CapAdd\":[\"CAP_FOO\"]}}", &err),
               -EINVAL, "an unknown capability");
        like(err.msg, "unknown capability: \"CAP_FOO\"", "named");
        is_int(check("{\"Cmd\":[\"true\"],\"HostConfig\":{\"Memory\":1024}}", &err), -EINVAL,
               "too little memory");
        like(err.msg, "minimum memory limit allowed is 6MB", "docker's minimum");
        is_int(check("{\"Cmd\":[\"true\"],\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/etc/"
                     "passwd\",\"PathInContainer\":\"/dev/x\",\"CgroupPermissions\":\"rwm\"}]}}",
                     &err),
               -EINVAL, "a device that is not one");
        /* the default seccomp profile is left out of the check; one given is checked */
        is_int(check("{\"Cmd\":[\"true\"],\"HostConfig\":{\"SecurityOpt\":[\"seccomp={"
                     "\\\"defaultAction\\\":"
                     "\\\"SCMP_ACT_ERRNO\\\",\\\"syscalls\\\":7}\"]}}",
                     &err),
               -EINVAL, "a given seccomp profile that does not parse is refused");
        like(err.msg, "seccomp profile: syscalls: expected an array", "saying why");
        ok(check("{\"Cmd\":[\"true\"],\"HostConfig\":{\"SecurityOpt\":[\"seccomp={"
                 "\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\"}\"]}}",
                 &err) == 0,
           "a given profile that does passes: %s", err.msg);
        return tap_done();
}
