/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine as a long-running, threaded server uses it: 8 threads, each with
 * its own engine handle on one store, creating, inspecting, listing and
 * removing containers at once. Every call succeeds and the store ends empty.
 */
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "engine/engine.h"
#include "tap.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 8
#define ROUNDS  10

static const char *root, *runroot;

typedef struct {
        int n;
        int failures;
        char msg[4096];
} worker;

static void *work(void *arg)
{
        worker *w = arg;
        berth_error err = {0};
        berth_engine *e = NULL;
        if (berth_engine_open(root, runroot, &e, &err) < 0) {
                w->failures++;
                snprintf(w->msg, sizeof(w->msg), "open: %s", err.msg);
                return NULL;
        }
        json_t *body = json_pack("{s:s, s:[s]}", "Image", "img", "Cmd", "true");
        for (int i = 0; i < ROUNDS; i++) {
                char name[64];
                snprintf(name, sizeof(name), "t%d-%d", w->n, i);
                char *id = NULL;
                berth_container *v = NULL;
                size_t n = 0;
                json_t *ins = NULL;
                if (berth_engine_create(e, name, body, &id, &err) < 0 ||
                    (ins = berth_engine_inspect(e, name, &err)) == NULL ||
                    berth_engine_list(e, &v, &n, &err) < 0 ||
                    berth_engine_remove(e, name, false, true, &err) < 0) {
                        w->failures++;
                        snprintf(w->msg, sizeof(w->msg), "%s: %s", name, err.msg);
                }
                json_decref(ins);
                berth_containers_free(v, n);
                free(id);
                err = (berth_error){0};
        }
        json_decref(body);
        berth_engine_close(e);
        return NULL;
}

int main(void)
{
        char rt[] = "/tmp/berth-threads-XXXXXX", rr[] = "/tmp/berth-threads-run-XXXXXX";
        root = mkdtemp(rt);
        runroot = mkdtemp(rr);
        berth_error err = {0};
        /* an image: a one-file rootfs tar made here */
        _cleanup_free_ char *tree = berth_xasprintf("%s/tree", root);
        _cleanup_free_ char *tarp = berth_xasprintf("%s/img.tar", root);
        _cleanup_free_ char *cmd =
            berth_xasprintf("mkdir -p %s/etc && echo x > %s/etc/hostname && tar -C %s -cf %s .",
                            tree, tree, tree, tarp);
        ok(system(cmd) == 0, "a rootfs tar");
        berth_engine *e = NULL;
        ok(berth_engine_open(root, runroot, &e, &err) == 0, "open: %s", err.msg);
        int fd = open(tarp, O_RDONLY | O_CLOEXEC);
        berth_digest id;
        ok(berth_images_import(berth_engine_images(e), fd, "img", NULL, NULL, &id, &err) == 0,
           "import: %s", err.msg);
        close(fd);

        pthread_t t[THREADS];
        worker w[THREADS];
        for (int i = 0; i < THREADS; i++) {
                w[i] = (worker){.n = i};
                pthread_create(&t[i], NULL, work, &w[i]);
        }
        int failures = 0;
        for (int i = 0; i < THREADS; i++) {
                pthread_join(t[i], NULL);
                failures += w[i].failures;
                if (w[i].failures)
                        printf("# thread %d: %s\n", i, w[i].msg);
        }
        is_int(failures, 0, "%d threads × %d create/inspect/list/remove: none fails", THREADS,
               ROUNDS);
        berth_container *v = NULL;
        size_t n = 0;
        ok(berth_engine_list(e, &v, &n, &err) == 0 && n == 0, "and nothing is left (%zu)", n);
        berth_containers_free(v, n);
        berth_engine_close(e);
        berth_rm_rf(root, NULL);
        berth_rm_rf(runroot, NULL);
        return tap_done();
}
