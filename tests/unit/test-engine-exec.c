/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec through the engine's calls, as the CLI and the API server make them:
 * a real container (busybox-static, the build's runtime and monitor), exec
 * records created, started, inspected and refused with Docker's words, and
 * their events (exec_create, exec_start, exec_die) in order. Needs root.
 */
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "engine/exec.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The build's programs, next to this test's directory (build/tests/unit → build/cmd/X/X). */
static void use_build_programs(void)
{
        static const char *progs[][2] = {{"berth-runtime", "BERTH_RUNTIME"},
                                         {"berth-monitor", "BERTH_MONITOR"},
                                         {"berth-monitor-helper", "BERTH_MONITOR_HELPER"},
                                         {"berth-init", "BERTH_INIT"}};
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0)
                return;
        self[n] = '\0';
        char *dir = dirname(self);
        for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
                _cleanup_free_ char *p =
                    berth_xasprintf("%s/../../cmd/%s/%s", dir, progs[i][0], progs[i][0]);
                if (getenv(progs[i][1]) == NULL && access(p, X_OK) == 0)
                        setenv(progs[i][1], p, 1);
        }
}

/* Run an exec (start or run) with stdout and stderr into one pipe: its code, output in out. */
typedef struct {
        berth_engine *e;
        const char *exec_id;   /* start this one… */
        const char *container; /* …or run config in this one */
        json_t *config;
} exec_call;

static int call(const exec_call *c, int *code, char *out, size_t outsz, berth_error *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        berth_exec_start_opts o = {.stdin_fd = null, .stdout_fd = p[1], .stderr_fd = p[1]};
        int r = c->exec_id ? berth_engine_exec_start(c->e, c->exec_id, &o, code, err)
                           : berth_engine_exec_run(c->e, c->container, c->config, &o, code, err);
        close(p[1]);
        close(null);
        ssize_t len = berth_read_all(p[0], out, outsz - 1);
        out[len > 0 ? len : 0] = '\0';
        close(p[0]);
        return r;
}

typedef struct {
        const char *exec_id;
        char actions[512];
        char die_code[16];
} seen_events;

static bool collect(const berth_event *ev, void *userdata)
{
        seen_events *s = userdata;
        const char *x = json_string_value(json_object_get(ev->attributes, "execID"));
        if (strncmp(ev->action, "exec_", 5) != 0 || x == NULL || strcmp(x, s->exec_id) != 0)
                return true;
        size_t n = strlen(s->actions);
        snprintf(s->actions + n, sizeof(s->actions) - n, "%s%s", n ? "|" : "", ev->action);
        if (strcmp(ev->action, "exec_die") == 0)
                snprintf(s->die_code, sizeof(s->die_code), "%s",
                         json_string_value(json_object_get(ev->attributes, "exitCode")));
        return true;
}

static int64_t now_ns(void)
{
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(void)
{
        if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0) {
                ok(1, "# SKIP needs root and busybox-static");
                return tap_done();
        }
        use_build_programs();
        char rt[] = "/tmp/berth-exec-XXXXXX", rr[] = "/tmp/berth-exec-run-XXXXXX";
        const char *root = mkdtemp(rt), *runroot = mkdtemp(rr);
        berth_error err = {0};
        /* an image: busybox-static and a passwd with root and nobody */
        _cleanup_free_ char *cmd = berth_xasprintf(
            "set -e; t=%s/tree; mkdir -p $t/bin $t/etc $t/tmp; cp /bin/busybox $t/bin/; "
            "for a in sh sleep true id pwd echo; do ln -s busybox $t/bin/$a; done; "
            "printf 'root:x:0:0::/root:/bin/sh\\nnobody:x:65534:65534::/:/bin/sh\\n' "
            ">$t/etc/passwd; printf 'root:x:0:\\nnogroup:x:65534:\\n' >$t/etc/group; "
            "tar -C $t -cf %s/img.tar .",
            root, root);
        ok(system(cmd) == 0, "a busybox rootfs tar");
        berth_engine *e = NULL;
        ok(berth_engine_open(root, runroot, &e, &err) == 0, "open: %s", err.msg);
        _cleanup_free_ char *tarp = berth_xasprintf("%s/img.tar", root);
        int fd = open(tarp, O_RDONLY | O_CLOEXEC);
        berth_digest img;
        ok(berth_images_import(berth_engine_images(e), fd, "img", NULL, NULL, &img, &err) == 0,
           "import: %s", err.msg);
        close(fd);
        json_t *body = json_pack("{s:s, s:[s,s], s:{s:s}}", "Image", "img", "Cmd", "sleep", "300",
                                 "HostConfig", "NetworkMode", "none");
        char *cid = NULL;
        ok(berth_engine_create(e, "xc", body, &cid, &err) == 0, "create: %s", err.msg);
        json_decref(body);
        int64_t since = now_ns();

        /* refusals */
        json_t *cfg = json_pack("{s:[s]}", "Cmd", "true");
        char *xid = NULL;
        err = (berth_error){0};
        is_int(berth_engine_exec_create(e, "xc", cfg, &xid, &err), -EBUSY,
               "a container that does not run: -EBUSY");
        like(err.msg, "is not running", "with docker's words: %s", err.msg);
        berth_start_opts so = {.attach_fd = -1};
        err = (berth_error){0};
        ok(berth_engine_start(e, "xc", &so, &err) == 0, "start: %s", err.msg);
        json_t *empty = json_pack("{s:[]}", "Cmd");
        err = (berth_error){0};
        is_int(berth_engine_exec_create(e, "xc", empty, &xid, &err), -EINVAL,
               "an empty Cmd: -EINVAL");
        is_str(err.msg, "No exec command specified", "docker's words");
        json_decref(empty);
        json_t *nobody = json_pack("{s:[s], s:s}", "Cmd", "true", "User", "nosuchuser");
        err = (berth_error){0};
        int code = -1;
        char out[512];
        exec_call bad = {.e = e, .container = "xc", .config = nobody};
        ok(call(&bad, &code, out, sizeof(out), &err) < 0, "an unknown user is refused");
        like(err.msg, "nosuchuser", "naming it: %s", err.msg);
        json_decref(nobody);

        /* create, inspect, start, inspect, a second start */
        json_decref(cfg);
        cfg = json_pack("{s:[s,s,s], s:[s]}", "Cmd", "sh", "-c", "echo $FOO; exit 3", "Env",
                        "FOO=bar");
        err = (berth_error){0};
        ok(berth_engine_exec_create(e, "xc", cfg, &xid, &err) == 0 && xid && strlen(xid) == 64,
           "exec create: a 64-hex id: %s", err.msg);
        json_t *ins = berth_engine_exec_inspect(e, xid, &err);
        ok(ins && json_is_false(json_object_get(ins, "Running")) &&
               json_is_null(json_object_get(ins, "ExitCode")),
           "created: not running, no exit code");
        is_str(
            json_string_value(json_object_get(json_object_get(ins, "ProcessConfig"), "entrypoint")),
            "sh", "ProcessConfig.entrypoint");
        is_int((long long)json_array_size(
                   json_object_get(json_object_get(ins, "ProcessConfig"), "arguments")),
               2, "ProcessConfig.arguments: the rest of Cmd");
        is_str(json_string_value(json_object_get(ins, "ContainerID")), cid, "ContainerID");
        json_decref(ins);
        exec_call start = {.e = e, .exec_id = xid};
        err = (berth_error){0};
        ok(call(&start, &code, out, sizeof(out), &err) == 0, "exec start: %s", err.msg);
        is_int(code, 3, "its exit code");
        is_str(out, "bar\n", "its output, with its Env");
        ins = berth_engine_exec_inspect(e, xid, &err);
        ok(ins && json_is_false(json_object_get(ins, "Running")) &&
               json_integer_value(json_object_get(ins, "ExitCode")) == 3,
           "inspect after: not running, ExitCode 3");
        json_decref(ins);
        err = (berth_error){0};
        is_int(call(&start, &code, out, sizeof(out), &err), -EALREADY, "a second start: -EALREADY");

        /* create and start at once (the CLI's exec), with a user and a working directory */
        json_t *run = json_pack("{s:[s,s,s], s:s, s:s}", "Cmd", "sh", "-c", "id -u; pwd", "User",
                                "nobody", "WorkingDir", "/tmp");
        exec_call r1 = {.e = e, .container = "xc", .config = run};
        err = (berth_error){0};
        ok(call(&r1, &code, out, sizeof(out), &err) == 0 && code == 0, "exec run: %s", err.msg);
        is_str(out, "65534\n/tmp\n", "as the user, in the directory");
        json_decref(run);

        /* the events, in order, exec_die with the exit code */
        seen_events ev = {.exec_id = xid};
        err = (berth_error){0};
        ok(berth_engine_events_stream(e, NULL, since, now_ns(), collect, &ev, &err) == 0,
           "events: %s", err.msg);
        is_str(ev.actions, "exec_create: sh -c echo $FOO; exit 3|exec_start|exec_die",
               "exec_create, exec_start, exec_die, each with the execID, in order");
        is_str(ev.die_code, "3", "exec_die's exitCode");

        /* the records go with the container */
        err = (berth_error){0};
        ok(berth_engine_remove(e, "xc", true, true, &err) == 0, "rm -f: %s", err.msg);
        err = (berth_error){0};
        ins = berth_engine_exec_inspect(e, xid, &err);
        ok(ins == NULL && err.code == ENOENT, "the exec's record is gone with it (%s)", err.msg);
        json_decref(ins);
        json_decref(cfg);
        free(xid);
        free(cid);
        berth_engine_close(e);
        berth_rm_rf(root, NULL);
        berth_rm_rf(runroot, NULL);
        return tap_done();
}
