/* SPDX-License-Identifier: Apache-2.0 */
#include "container.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const status_names[] = {"creating", "created", "running", "paused", "stopped"};

const char *berth_rt_status_name(enum berth_rt_status s)
{
        return s <= BERTH_RT_STOPPED ? status_names[s] : "unknown";
}

void berth_rt_state_clear(berth_rt_state *s)
{
        free(s->id);
        free(s->bundle);
        free(s->rootfs);
        free(s->created);
        free(s->owner);
        free(s->annotations_json);
        free(s->cgroup_path);
        memset(s, 0, sizeof(*s));
}

int container_validate_id(const char *id, berth_error *err)
{
        if (id == NULL || *id == '\0')
                return berth_errx(err, EINVAL, "container id must not be empty");
        if (strlen(id) > 1024)
                return berth_errx(err, EINVAL, "container id is too long");
        if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
                return berth_errx(err, EINVAL, "invalid container id '%s'", id);
        for (const char *p = id; *p; p++) {
                char c = *p;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.' || c == '+'))
                        return berth_errx(err, EINVAL,
                                          "invalid container id '%s': only [a-zA-Z0-9_.+-] allowed",
                                          id);
        }
        return 0;
}

char *container_dir(const berth_rt_ctx *ctx, const char *id)
{
        return berth_xasprintf("%s/%s", ctx->root, id);
}

static char *json_str(json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));
        return s ? berth_xstrdup(s) : NULL;
}

static int load_state(container *c, berth_error *err)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/state.json", c->dir);
        json_error_t jerr;
        json_t *o = json_load_file(path, 0, &jerr);
        if (o == NULL)
                return berth_errx(err, EIO, "cannot load '%s': %s", path, jerr.text);
        c->st.id = json_str(o, "id");
        c->st.pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
        c->pid_start = (unsigned long long)json_integer_value(json_object_get(o, "pid_start"));
        c->st.bundle = json_str(o, "bundle");
        c->st.rootfs = json_str(o, "rootfs");
        c->st.created = json_str(o, "created");
        c->st.owner = json_str(o, "owner");
        c->st.cgroup_path = json_str(o, "cgroup_path");
        c->creating = json_is_true(json_object_get(o, "creating"));
        json_t *a = json_object_get(o, "annotations");
        c->st.annotations_json = a ? json_dumps(a, JSON_COMPACT) : berth_xstrdup("{}");
        json_decref(o);
        if (c->st.id == NULL || c->st.bundle == NULL)
                return berth_errx(err, EIO, "'%s' is incomplete", path);
        return 0;
}

int container_open(const berth_rt_ctx *ctx, const char *id, container *ret, berth_error *err)
{
        int r = container_validate_id(id, err);
        if (r < 0)
                return r;
        container c = {.dir = container_dir(ctx, id), .lock_fd = -1};
        c.lock_fd = open(c.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (c.lock_fd < 0) {
                int e = errno;
                free(c.dir);
                if (e == ENOENT)
                        return berth_errx(err, ENOENT, "container '%s' does not exist", id);
                return berth_err(err, e, "cannot open the state of container '%s'", id);
        }
        if (flock(c.lock_fd, LOCK_EX) < 0) {
                r = berth_err(err, errno, "cannot lock container '%s'", id);
                container_close(&c);
                return r;
        }
        r = load_state(&c, err);
        if (r < 0) {
                container_close(&c);
                return r;
        }
        *ret = c;
        return 0;
}

void container_close(container *c)
{
        if (c->lock_fd >= 0)
                close(c->lock_fd);
        c->lock_fd = -1;
        free(c->dir);
        c->dir = NULL;
        berth_rt_state_clear(&c->st);
}

int container_save(container *c, berth_error *err)
{
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(c->st.id));
        json_object_set_new(o, "pid", json_integer(c->st.pid));
        json_object_set_new(o, "pid_start", json_integer((json_int_t)c->pid_start));
        json_object_set_new(o, "bundle", json_string(c->st.bundle));
        json_object_set_new(o, "rootfs", json_string(c->st.rootfs ? c->st.rootfs : ""));
        json_object_set_new(o, "created", json_string(c->st.created ? c->st.created : ""));
        json_object_set_new(o, "owner", json_string(c->st.owner ? c->st.owner : ""));
        if (c->st.cgroup_path)
                json_object_set_new(o, "cgroup_path", json_string(c->st.cgroup_path));
        if (c->creating)
                json_object_set_new(o, "creating", json_true());
        json_t *a = c->st.annotations_json ? json_loads(c->st.annotations_json, 0, NULL) : NULL;
        json_object_set_new(o, "annotations", a ? a : json_object());
        char *s = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        _cleanup_free_ char *path = berth_xasprintf("%s/state.json", c->dir);
        int r = berth_write_file_replace(path, s, strlen(s), 0600, err);
        free(s);
        return r;
}

enum berth_rt_status container_status(container *c)
{
        if (c->st.pid <= 0)
                return c->creating ? BERTH_RT_CREATING : BERTH_RT_STOPPED;
        unsigned long long start = berth_pid_start_time(c->st.pid);
        if (start == 0 || start != c->pid_start)
                return BERTH_RT_STOPPED;
        if (c->creating)
                return BERTH_RT_CREATING;
        _cleanup_free_ char *fifo = berth_xasprintf("%s/exec.fifo", c->dir);
        if (access(fifo, F_OK) == 0)
                return BERTH_RT_CREATED;
        if (c->st.cgroup_path) {
                berth_cgroup *cg = NULL;
                bool frozen = false;
                if (berth_cgroup_open(c->st.cgroup_path, &cg, NULL) == 0) {
                        if (berth_cgroup_is_frozen(cg, &frozen, NULL) < 0)
                                frozen = false;
                        berth_cgroup_free(cg);
                }
                if (frozen)
                        return BERTH_RT_PAUSED;
        }
        return BERTH_RT_RUNNING;
}

int container_write_pid_file(const char *path, pid_t pid, berth_error *err)
{
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", pid);
        if (berth_write_file_replace(path, buf, (size_t)n, 0644, err) < 0)
                return berth_wrap(err, "cannot write the pid file");
        return 0;
}

oci_spec *container_spec(container *c, berth_error *err)
{
        _cleanup_free_ char *path = berth_xasprintf("%s/config.json", c->dir);
        return berth_oci_spec_load(path, err);
}

int berth_rt_state_get(const berth_rt_ctx *ctx, const char *id, berth_rt_state *ret,
                       berth_error *err)
{
        container c;
        int r = container_open(ctx, id, &c, err);
        if (r < 0)
                return r;
        c.st.status = container_status(&c);
        if (c.st.status == BERTH_RT_STOPPED)
                c.st.pid = 0;
        *ret = c.st;
        memset(&c.st, 0, sizeof(c.st));
        container_close(&c);
        return 0;
}

char *berth_rt_state_json(const berth_rt_state *s)
{
        json_t *o = json_object();
        json_object_set_new(o, "ociVersion", json_string("1.2.0"));
        json_object_set_new(o, "id", json_string(s->id));
        json_object_set_new(o, "pid", json_integer(s->pid));
        json_object_set_new(o, "status", json_string(berth_rt_status_name(s->status)));
        json_object_set_new(o, "bundle", json_string(s->bundle));
        json_object_set_new(o, "rootfs", json_string(s->rootfs ? s->rootfs : ""));
        json_object_set_new(o, "created", json_string(s->created ? s->created : ""));
        json_object_set_new(o, "owner", json_string(s->owner ? s->owner : ""));
        json_t *a = s->annotations_json ? json_loads(s->annotations_json, 0, NULL) : NULL;
        if (a && json_object_size(a) > 0)
                json_object_set_new(o, "annotations", a);
        else
                json_decref(a);
        char *r = json_dumps(o, JSON_INDENT(2));
        json_decref(o);
        return r;
}

static int cmp_state(const void *a, const void *b)
{
        return strcmp(((const berth_rt_state *)a)->id, ((const berth_rt_state *)b)->id);
}

int berth_rt_list(const berth_rt_ctx *ctx, berth_rt_state **ret, size_t *ret_n, berth_error *err)
{
        *ret = NULL;
        *ret_n = 0;
        DIR *d = opendir(ctx->root);
        if (d == NULL) {
                if (errno == ENOENT)
                        return 0;
                return berth_err(err, errno, "cannot list '%s'", ctx->root);
        }
        berth_rt_state *v = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.' || container_validate_id(de->d_name, NULL) < 0)
                        continue;
                berth_rt_state st;
                if (berth_rt_state_get(ctx, de->d_name, &st, NULL) < 0)
                        continue;
                v = berth_xrealloc(v, (n + 1) * sizeof(*v));
                v[n++] = st;
        }
        closedir(d);
        if (n > 1)
                qsort(v, n, sizeof(*v), cmp_state);
        *ret = v;
        *ret_n = n;
        return 0;
}

char *berth_runtime_seccomp_cache(const berth_rt_ctx *ctx)
{
        return berth_xasprintf("%s/.seccomp-cache", ctx->root);
}
