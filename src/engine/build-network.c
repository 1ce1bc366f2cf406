/* SPDX-License-Identifier: Apache-2.0 */
/* A build's RUN steps on the default bridge (build.h's berth_build_net_ops): a step joins it
 * as a container does, by its step id, without a container record; its liveness is its
 * snapshot's lock (network-release.c's sweep). */
#include "engine/network-internal.h"
#include "base/cleanup-json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
        berth_build_net_ops ops;
        berth_engine *given; /* the creator's engine, for its own process */
        pid_t pid;           /* the process that opened own (a stage's child opens its own) */
        berth_engine *own;
        char *root, *runroot;
} build_net;

/* The engine of this process: the given one in its creator, one of its own in a stage's
 * child (a database handle does not cross a fork). */
static berth_engine *engine_of(build_net *n, berth_error *err)
{
        if (n->given && n->pid == getpid())
                return n->given;
        if (n->own == NULL || n->pid != getpid()) {
                n->own = NULL; /* the parent's, if any: not ours to close */
                n->given = NULL;
                if (berth_engine_open(n->root, n->runroot, &n->own, err) < 0)
                        return NULL;
                n->pid = getpid();
        }
        return n->own;
}

static int step_join(void *userdata, const char *step_id, const char *hostname, const char *etc_dir,
                     char **ret_netns, berth_error *err)
{
        berth_engine *e = engine_of(userdata, err);
        if (e == NULL)
                return -err->code;
        _cleanup_json_ json_t *body = json_pack("{s:s, s:{s:s}}", "Hostname", hostname,
                                                "HostConfig", "NetworkMode", "bridge");
        berth_container c = {.id = (char *)step_id, .name = (char *)step_id, .body = body};
        engine_net_info info = {0};
        int r = engine_net_start(e, &c, &info, err);
        if (r < 0)
                return berth_wrap(err, "cannot join the default bridge");
        if ((r = engine_write_etc_files(etc_dir, step_id, body, &info, err)) < 0) {
                berth_error ignore = {0};
                berth_network_release(berth_engine_db(e), e->root, e->runroot, step_id, &ignore);
                engine_net_info_clear(&info);
                return r;
        }
        *ret_netns = TAKE_PTR(info.sandbox);
        engine_net_info_clear(&info);
        return 0;
}

static void step_leave(void *userdata, const char *step_id)
{
        berth_error err = {0};
        berth_engine *e = engine_of(userdata, &err);
        if (e)
                berth_network_release(berth_engine_db(e), e->root, e->runroot, step_id, &err);
}

static void steps_sweep(void *userdata)
{
        berth_error err = {0};
        berth_engine *e = engine_of(userdata, &err);
        if (e)
                engine_net_sweep_build_steps(e);
}

berth_build_net_ops *berth_engine_build_net_new(berth_engine *e)
{
        if (e == NULL)
                return NULL;
        build_net *n = berth_xmalloc0(sizeof(*n));
        n->ops = (berth_build_net_ops){
            .join = step_join, .leave = step_leave, .sweep = steps_sweep, .userdata = n};
        n->given = e;
        n->pid = getpid();
        n->root = berth_xstrdup(e->root);
        n->runroot = berth_xstrdup(e->runroot);
        return &n->ops;
}

void berth_engine_build_net_free(berth_build_net_ops *ops)
{
        if (ops == NULL)
                return;
        build_net *n = ops->userdata;
        if (n->pid == getpid() && n->own)
                berth_engine_close(n->own);
        free(n->root);
        free(n->runroot);
        free(n);
}
