/* SPDX-License-Identifier: Apache-2.0 */
/* RUN --mount's value, as BuildKit reads it (run-mount.h). */
#include "run-mount.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "base/units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void berth_build_mount_clear(berth_build_mount *m)
{
        free(m->target);
        free(m->source);
        free(m->from);
        free(m->id);
        *m = (berth_build_mount){0};
}

/* "true", "false" or nothing (true). */
static int parse_bool(const char *key, const char *v, bool *ret, berth_error *err)
{
        if (v == NULL || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
                *ret = true;
        else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
                *ret = false;
        else
                return berth_errx(err, EINVAL, "invalid value for %s: %s", key, v);
        return 0;
}

static int parse_num(const char *key, const char *v, int base, unsigned long max,
                     unsigned long *ret, berth_error *err)
{
        char *end = NULL;
        errno = 0;
        unsigned long n = v && *v ? strtoul(v, &end, base) : 0;
        if (v == NULL || *v == '\0' || *end || errno || n > max)
                return berth_errx(err, EINVAL, "invalid value for %s: %s", key, v ? v : "");
        *ret = n;
        return 0;
}

static int set_field(berth_build_mount *m, const char *key, const char *v, bool *ro_set,
                     berth_error *err)
{
        unsigned long n;
        bool b;
        int r = 0;
        if (strcmp(key, "type") == 0) {
                if (v && strcmp(v, "bind") == 0)
                        m->type = BERTH_BUILD_MOUNT_BIND;
                else if (v && strcmp(v, "cache") == 0)
                        m->type = BERTH_BUILD_MOUNT_CACHE;
                else if (v && strcmp(v, "tmpfs") == 0)
                        m->type = BERTH_BUILD_MOUNT_TMPFS;
                else if (v && strcmp(v, "secret") == 0)
                        m->type = BERTH_BUILD_MOUNT_SECRET;
                else if (v && strcmp(v, "ssh") == 0)
                        m->type = BERTH_BUILD_MOUNT_SSH;
                else
                        return berth_errx(err, EINVAL, "unsupported mount type \"%s\"", v ? v : "");
        } else if (!strcmp(key, "target") || !strcmp(key, "dst") || !strcmp(key, "destination")) {
                free(m->target);
                m->target = berth_xstrdup(v ? v : "");
        } else if (!strcmp(key, "source") || !strcmp(key, "src")) {
                free(m->source);
                m->source = berth_xstrdup(v ? v : "");
        } else if (!strcmp(key, "from")) {
                free(m->from);
                m->from = berth_xstrdup(v ? v : "");
        } else if (!strcmp(key, "id")) {
                free(m->id);
                m->id = berth_xstrdup(v ? v : "");
        } else if (!strcmp(key, "ro") || !strcmp(key, "readonly")) {
                r = parse_bool(key, v, &m->readonly, err);
                *ro_set = true;
        } else if (!strcmp(key, "rw") || !strcmp(key, "readwrite")) {
                r = parse_bool(key, v, &b, err);
                m->readonly = !b;
                *ro_set = true;
        } else if (!strcmp(key, "required")) {
                r = parse_bool(key, v, &m->required, err);
        } else if (!strcmp(key, "sharing")) {
                if (v && !strcmp(v, "shared"))
                        m->sharing = BERTH_BUILD_SHARING_SHARED;
                else if (v && !strcmp(v, "private"))
                        m->sharing = BERTH_BUILD_SHARING_PRIVATE;
                else if (v && !strcmp(v, "locked"))
                        m->sharing = BERTH_BUILD_SHARING_LOCKED;
                else
                        return berth_errx(err, EINVAL, "unrecognized sharing mode \"%s\"",
                                          v ? v : "");
        } else if (!strcmp(key, "mode")) {
                if ((r = parse_num(key, v, 8, 07777, &n, err)) == 0)
                        m->mode = (mode_t)n;
        } else if (!strcmp(key, "uid")) {
                if ((r = parse_num(key, v, 10, 0xfffffffe, &n, err)) == 0)
                        m->uid = (uid_t)n;
        } else if (!strcmp(key, "gid")) {
                if ((r = parse_num(key, v, 10, 0xfffffffe, &n, err)) == 0)
                        m->gid = (gid_t)n;
        } else if (!strcmp(key, "size")) {
                int64_t bytes;
                if (v == NULL || berth_parse_ram_bytes(v, &bytes, err) < 0 || bytes < 0)
                        return berth_errx(err, EINVAL, "invalid value for size: %s", v ? v : "");
                m->size = (uint64_t)bytes;
        } else {
                return berth_errx(err, EINVAL, "unexpected key '%s' in '%s%s%s'", key, key,
                                  v ? "=" : "", v ? v : "");
        }
        return r;
}

/* A relative target is relative to the working directory; cleaned either way. */
static char *absolute_target(const char *t, const char *workdir)
{
        _cleanup_free_ char *joined =
            t[0] == '/' ? berth_xstrdup(t)
                        : berth_xasprintf("%s/%s", workdir && *workdir ? workdir : "/", t);
        return berth_path_clean_go(joined, strlen(joined));
}

int berth_build_mount_parse(const char *value, const char *workdir, unsigned n_ssh,
                            berth_build_mount *ret, berth_error *err)
{
        berth_build_mount m = {.mode = 0755};
        bool ro_set = false, mode_set = false;
        _cleanup_free_ char *copy = berth_xstrdup(value);
        char *save = NULL;
        int r = 0;
        for (char *f = strtok_r(copy, ",", &save); f && r == 0; f = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(f, '=');
                if (eq)
                        *eq = '\0';
                mode_set |= strcmp(f, "mode") == 0;
                r = set_field(&m, f, eq ? eq + 1 : NULL, &ro_set, err);
        }
        if (r < 0) {
                berth_build_mount_clear(&m);
                return r;
        }
        if (!ro_set)
                m.readonly = m.type == BERTH_BUILD_MOUNT_BIND;
        if (m.type == BERTH_BUILD_MOUNT_SECRET) {
                if (!mode_set)
                        m.mode = 0400;
                if ((m.id == NULL || !*m.id) && (m.target == NULL || !*m.target)) {
                        berth_build_mount_clear(&m);
                        return berth_errx(err, EINVAL, "secret mount needs an id or a target");
                }
                if (m.id == NULL || !*m.id) {
                        const char *slash = strrchr(m.target, '/');
                        free(m.id);
                        m.id = berth_xstrdup(slash ? slash + 1 : m.target);
                }
                if (m.target == NULL || !*m.target) {
                        free(m.target);
                        m.target = berth_xasprintf("/run/secrets/%s", m.id);
                }
        }
        if (m.type == BERTH_BUILD_MOUNT_SSH) {
                if (!mode_set)
                        m.mode = 0600;
                if (m.id == NULL || !*m.id) {
                        free(m.id);
                        m.id = berth_xstrdup("default");
                }
                if (m.target == NULL || !*m.target) {
                        free(m.target);
                        m.target = berth_xasprintf("/run/buildkit/ssh_agent.%u", n_ssh);
                }
        }
        if (m.target == NULL || !*m.target) {
                berth_build_mount_clear(&m);
                return berth_errx(err, EINVAL, "mount target is required");
        }
        char *t = absolute_target(m.target, workdir);
        free(m.target);
        m.target = t;
        if (strcmp(m.target, "/") == 0) {
                berth_build_mount_clear(&m);
                return berth_errx(err, EINVAL, "a mount cannot be made on /");
        }
        if (m.type == BERTH_BUILD_MOUNT_CACHE && (m.id == NULL || !*m.id)) {
                free(m.id);
                m.id = berth_xstrdup(m.target);
        }
        if (m.type == BERTH_BUILD_MOUNT_BIND && m.source == NULL)
                m.source = berth_xstrdup("/");
        if (m.type != BERTH_BUILD_MOUNT_BIND && (m.source || m.from)) {
                berth_build_mount_clear(&m);
                return berth_errx(err, ENOTSUP,
                                  "source and from are supported only for bind mounts");
        }
        *ret = m;
        return 0;
}
