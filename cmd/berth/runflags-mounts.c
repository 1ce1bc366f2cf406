/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run flags about storage and devices: -v/--volume (HostConfig.Binds and
 * Config.Volumes), --mount (HostConfig.Mounts), --tmpfs, --volumes-from,
 * --device and --device-cgroup-rule. The checks are docker's, client and
 * daemon side alike (moby's volume/mounts Linux parser), so that a bad spec
 * fails here, before anything is created, with the words docker uses.
 */
#include "runflags-int.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "base/units.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define V(id)   (st->v[(id)])
#define SET(id) (st->v[(id)].set)

/* ---- mount modes: "ro,z,rshared,nocopy" ---- */

static bool is_propagation(const char *o)
{
        static const char *const modes[] = {"private", "rprivate", "slave",
                                            "rslave",  "shared",   "rshared"};
        for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
                if (strcmp(o, modes[i]) == 0)
                        return true;
        return false;
}

/* At most one of each: ro|rw, z|Z, a propagation, nocopy, consistent|cached|delegated. */
static bool valid_mount_mode(const char *mode)
{
        if (*mode == '\0')
                return true;
        int rw = 0, label = 0, prop = 0, copy = 0, consistency = 0;
        _cleanup_free_ char *m = berth_xstrdup(mode);
        for (char *o = m, *next; o; o = next) {
                next = strchr(o, ',');
                if (next)
                        *next++ = '\0';
                if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0)
                        rw++;
                else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0)
                        label++;
                else if (is_propagation(o))
                        prop++;
                else if (strcmp(o, "nocopy") == 0)
                        copy++;
                else if (strcmp(o, "consistent") == 0 || strcmp(o, "cached") == 0 ||
                         strcmp(o, "delegated") == 0)
                        consistency++;
                else
                        return false;
        }
        return rw <= 1 && label <= 1 && prop <= 1 && copy <= 1 && consistency <= 1;
}

static bool mode_has(const char *mode, bool (*pred)(const char *))
{
        _cleanup_free_ char *m = berth_xstrdup(mode);
        char *save = NULL;
        for (char *o = strtok_r(m, ",", &save); o; o = strtok_r(NULL, ",", &save))
                if (pred(o))
                        return true;
        return false;
}

static bool is_ro(const char *o)
{
        return strcmp(o, "ro") == 0;
}

static bool is_nocopy(const char *o)
{
        return strcmp(o, "nocopy") == 0;
}

/* Split at the first max-1 colons (Go's strings.SplitN); the parts point into copy. */
static size_t split_n(char *copy, char sep, size_t max, char **parts)
{
        size_t n = 0;
        for (char *p = copy; p && n < max; n++) {
                parts[n] = p;
                p = n + 1 < max ? strchr(p, sep) : NULL;
                if (p)
                        *p++ = '\0';
        }
        return n;
}

/* The destination checks every mount gets: not "/", absolute. NULL when fine. */
static char *check_destination(const char *target)
{
        _cleanup_free_ char *slashed = berth_xstrdup(target);
        for (char *p = slashed; *p; p++)
                if (*p == '\\')
                        *p = '/';
        _cleanup_free_ char *clean = rf_path_clean(slashed);
        if (strcmp(clean, "/") == 0)
                return berth_xstrdup("invalid specification: destination can't be '/'");
        if (slashed[0] != '/')
                return berth_xasprintf("invalid mount path: '%s' mount path must be absolute",
                                       slashed);
        return NULL;
}

/*
 * moby's ParseMountRaw for a -v spec, [source:]destination[:mode], without
 * looking at the host: the daemon's words, for the daemon would refuse it.
 */
static int check_volume_spec(const char *raw, berth_error *err)
{
        char *parts[4] = {0};
        _cleanup_free_ char *copy = berth_xstrdup(raw);
        size_t n = split_n(copy, ':', 4, parts);
        if (*parts[0] == '\0' || n == 4 || (n == 2 && valid_mount_mode(parts[1])))
                return berth_errx(err, EINVAL, "invalid volume specification: '%s'", raw);
        const char *source = n >= 2 ? parts[0] : "";
        const char *target = n >= 2 ? parts[1] : parts[0];
        const char *mode = n == 3 ? parts[2] : "";
        if (!valid_mount_mode(mode))
                return berth_errx(err, EINVAL, "invalid mode: %s", mode);
        bool bind = source[0] == '/';
        const char *type = bind ? "bind" : "volume";
        _cleanup_free_ char *why = check_destination(target);
        if (why == NULL && bind && mode_has(mode, is_nocopy))
                why = berth_xstrdup("field VolumeOptions must not be specified");
        if (why == NULL && !bind && mode_has(mode, is_propagation))
                why = berth_xstrdup("field BindOptions must not be specified");
        if (why == NULL && !bind && *source == '\0' && mode_has(mode, is_ro))
                why = berth_xstrdup("must not set ReadOnly mode when using anonymous volumes");
        if (why)
                return berth_errx(err, EINVAL,
                                  "invalid volume specification: '%s': invalid mount config for "
                                  "type \"%s\": %s",
                                  raw, type, why);
        return 0;
}

/*
 * The CLI's first look at a -v spec (its volumespec parser): sections
 * between colons, none empty, at most three. *ret_source: the first
 * section when there are two or more.
 */
static int split_volume(const char *spec, char **ret_source, berth_error *err)
{
        size_t len = strlen(spec);
        *ret_source = NULL;
        if (len == 0)
                return berth_errx(err, EINVAL, "invalid empty volume spec");
        if (len <= 2)
                return 0;
        size_t sections = 0;
        for (const char *p = spec;; sections++) {
                const char *end = strchr(p, ':');
                size_t l = end ? (size_t)(end - p) : strlen(p);
                if (l == 0)
                        return berth_errx(err, EINVAL,
                                          "invalid spec: %s: empty section between colons", spec);
                if (sections == 2 && end)
                        return berth_errx(err, EINVAL, "invalid spec: %s: too many colons", spec);
                if (sections == 0 && end)
                        *ret_source = strndup(p, l);
                if (end == NULL)
                        break;
                p = end + 1;
        }
        return 0;
}

static int build_volumes(rf_state *st, json_t *body, json_t *hc, berth_error *err)
{
        if (!SET(RF_VOLUME))
                return 0;
        json_t *binds = json_array(), *volumes = json_object();
        char **list = V(RF_VOLUME).list;
        for (size_t i = 0; list && list[i]; i++) {
                const char *spec = list[i];
                bool dup = false;
                for (size_t j = 0; j < i; j++)
                        dup = dup || strcmp(list[j], spec) == 0;
                if (dup)
                        continue;
                _cleanup_free_ char *source = NULL, *bind = NULL;
                int r = split_volume(spec, &source, err);
                if (r == 0 && source && source[0] == '.') {
                        /* a relative host path is taken from here */
                        _cleanup_free_ char *abs = rf_path_abs(source);
                        bind = berth_xasprintf("%s%s", abs, spec + strlen(source));
                } else if (r == 0 && source) {
                        bind = berth_xstrdup(spec);
                }
                if (r == 0)
                        r = check_volume_spec(bind ? bind : spec, err);
                if (r < 0) {
                        json_decref(binds);
                        json_decref(volumes);
                        return rf_flag_wrap(err, RF_VOLUME, spec);
                }
                if (bind)
                        json_array_append_new(binds, json_string(bind));
                else
                        json_object_set_new(volumes, spec, json_object());
        }
        if (json_array_size(binds))
                json_object_set_new(hc, "Binds", binds);
        else
                json_decref(binds);
        if (json_object_size(volumes))
                json_object_set_new(body, "Volumes", volumes);
        else
                json_decref(volumes);
        return 0;
}

static int build_tmpfs(rf_state *st, json_t *hc, berth_error *err)
{
        if (!SET(RF_TMPFS))
                return 0;
        json_t *tmpfs = json_object();
        json_object_set_new(hc, "Tmpfs", tmpfs);
        STRV_FOREACH (t, V(RF_TMPFS).list) {
                _cleanup_free_ char *dest = NULL;
                const char *opts = rf_cut(*t, ':', &dest);
                _cleanup_free_ char *why = check_destination(dest);
                if (why)
                        return rf_flag_err(err, RF_TMPFS, *t, "%s", why);
                json_object_set_new(tmpfs, dest, json_string(opts ? opts : ""));
        }
        return 0;
}

static int build_volumes_from(rf_state *st, json_t *hc, berth_error *err)
{
        if (!SET(RF_VOLUMES_FROM))
                return 0;
        STRV_FOREACH (v, V(RF_VOLUMES_FROM).list) {
                if (**v == '\0')
                        return rf_flag_err(err, RF_VOLUMES_FROM, *v,
                                           "volumes-from specification cannot be an empty string");
                _cleanup_free_ char *id = NULL;
                const char *mode = rf_cut(*v, ':', &id);
                if (mode && *mode &&
                    (!valid_mount_mode(mode) || mode_has(mode, is_propagation) ||
                     mode_has(mode, is_nocopy)))
                        return rf_flag_err(err, RF_VOLUMES_FROM, *v, "invalid mode: %s", mode);
        }
        json_object_set_new(hc, "VolumesFrom", rf_strv_json(V(RF_VOLUMES_FROM).list));
        return 0;
}

/* ---- --mount type=…,source=…,target=… ---- */

typedef struct {
        char *type, *source, *target, *consistency;
        bool readonly;
        bool bind, nonrecursive, ro_nonrecursive, ro_force_recursive;
        char *propagation;
        bool vol, nocopy;
        json_t *labels, *driver_opts;
        char *subpath, *driver;
        bool img;
        char *img_subpath;
        bool tmpfs;
        int64_t size;
        uint64_t mode;
} mount_spec;

static void mount_spec_done(mount_spec *m)
{
        free(m->type);
        free(m->source);
        free(m->target);
        free(m->consistency);
        free(m->propagation);
        free(m->subpath);
        free(m->driver);
        free(m->img_subpath);
        json_decref(m->labels);
        json_decref(m->driver_opts);
}

/* One record of Go's encoding/csv: comma-separated fields, "quoted" ones with "" for a quote. */
static int csv_fields(const char *s, char ***ret, berth_error *err)
{
        _cleanup_strv_ char **fields = NULL;
        while (*s == '\n' || (*s == '\r' && s[1] == '\n'))
                s += *s == '\n' ? 1 : 2;
        if (*s == '\0')
                return berth_errx(err, EINVAL, "EOF");
        const char *start = s;
        size_t cap = strlen(s) + 1;
        for (;;) {
                _cleanup_free_ char *field = berth_xmalloc0(cap);
                size_t w = 0;
                if (*s == '"') {
                        for (s++;; s++) {
                                if (*s == '\0')
                                        return berth_errx(
                                            err, EINVAL,
                                            "parse error on line 1, column %zu: "
                                            "extraneous or missing \" in quoted-field",
                                            (size_t)(s - start) + 1);
                                if (*s == '"' && s[1] == '"') {
                                        field[w++] = '"';
                                        s++;
                                } else if (*s == '"') {
                                        s++;
                                        break;
                                } else {
                                        field[w++] = *s;
                                }
                        }
                        if (*s != ',' && *s != '\0' && *s != '\n' && !(*s == '\r' && s[1] == '\n'))
                                return berth_errx(err, EINVAL,
                                                  "parse error on line 1, column %zu: extraneous "
                                                  "or missing \" in quoted-field",
                                                  (size_t)(s - start) + 1);
                } else {
                        for (; *s && *s != ',' && *s != '\n' && !(*s == '\r' && s[1] == '\n');
                             s++) {
                                if (*s == '"')
                                        return berth_errx(err, EINVAL,
                                                          "parse error on line 1, column %zu: bare "
                                                          "\" in non-quoted-field",
                                                          (size_t)(s - start) + 1);
                                field[w++] = *s;
                        }
                }
                berth_strv_push(&fields, field);
                if (*s != ',')
                        break;
                s++;
        }
        *ret = TAKE_PTR(fields);
        return 0;
}

static void set_on_map(json_t **map, const char *kv)
{
        _cleanup_free_ char *k = NULL;
        const char *v = rf_cut(kv, '=', &k);
        if (*map == NULL)
                *map = json_object();
        if (*k)
                json_object_set_new(*map, k, json_string(v ? v : ""));
}

static void lower(char *s)
{
        for (; *s; s++)
                if (*s >= 'A' && *s <= 'Z')
                        *s = (char)(*s - 'A' + 'a');
}

static bool parse_bool_word(const char *s, bool *ret)
{
        static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
        for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
                if (strcmp(s, yes[i]) == 0)
                        *ret = true;
                else if (strcmp(s, no[i]) == 0)
                        *ret = false;
                else
                        continue;
                return true;
        }
        return false;
}

static void replace(char **dst, const char *s)
{
        free(*dst);
        *dst = berth_xstrdup(s);
}

static int mount_field(mount_spec *m, const char *field, berth_error *err)
{
        _cleanup_free_ char *key = NULL;
        const char *val = rf_cut(field, '=', &key);
        lower(key);
        if (val == NULL) {
                if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0)
                        m->readonly = true;
                else if (strcmp(key, "volume-nocopy") == 0)
                        m->vol = m->nocopy = true;
                else if (strcmp(key, "bind-nonrecursive") == 0)
                        m->bind = m->nonrecursive = true;
                else
                        return berth_errx(err, EINVAL,
                                          "invalid field '%s' must be a key=value pair", field);
                return 0;
        }
        if (strcmp(key, "type") == 0) {
                replace(&m->type, val);
                lower(m->type);
        } else if (strcmp(key, "source") == 0 || strcmp(key, "src") == 0) {
                free(m->source);
                m->source = val[0] == '.' ? rf_path_abs(val) : berth_xstrdup(val);
        } else if (strcmp(key, "target") == 0 || strcmp(key, "dst") == 0 ||
                   strcmp(key, "destination") == 0) {
                replace(&m->target, val);
        } else if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0) {
                if (!parse_bool_word(val, &m->readonly))
                        return berth_errx(err, EINVAL, "invalid value for %s: %s", key, val);
        } else if (strcmp(key, "consistency") == 0) {
                replace(&m->consistency, val);
                lower(m->consistency);
        } else if (strcmp(key, "bind-propagation") == 0) {
                m->bind = true;
                replace(&m->propagation, val);
                lower(m->propagation);
        } else if (strcmp(key, "bind-nonrecursive") == 0) {
                m->bind = true;
                if (!parse_bool_word(val, &m->nonrecursive))
                        return berth_errx(err, EINVAL, "invalid value for %s: %s", key, val);
        } else if (strcmp(key, "bind-recursive") == 0) {
                if (strcmp(val, "disabled") == 0)
                        m->bind = m->nonrecursive = true;
                else if (strcmp(val, "writable") == 0)
                        m->bind = m->ro_nonrecursive = true;
                else if (strcmp(val, "readonly") == 0)
                        m->bind = m->ro_force_recursive = true;
                else if (strcmp(val, "enabled") != 0)
                        return berth_errx(err, EINVAL,
                                          "invalid value for %s: %s (must be \"enabled\", "
                                          "\"disabled\", \"writable\", or \"readonly\")",
                                          key, val);
        } else if (strcmp(key, "volume-subpath") == 0) {
                m->vol = true;
                replace(&m->subpath, val);
        } else if (strcmp(key, "volume-nocopy") == 0) {
                m->vol = true;
                if (!parse_bool_word(val, &m->nocopy))
                        return berth_errx(err, EINVAL, "invalid value for volume-nocopy: %s", val);
        } else if (strcmp(key, "volume-label") == 0) {
                m->vol = true;
                set_on_map(&m->labels, val);
        } else if (strcmp(key, "volume-driver") == 0) {
                m->vol = true;
                replace(&m->driver, val);
        } else if (strcmp(key, "volume-opt") == 0) {
                m->vol = true;
                set_on_map(&m->driver_opts, val);
        } else if (strcmp(key, "image-subpath") == 0) {
                m->img = true;
                replace(&m->img_subpath, val);
        } else if (strcmp(key, "tmpfs-size") == 0) {
                berth_error ignored = {0};
                m->tmpfs = true;
                if (berth_parse_ram_bytes(val, &m->size, &ignored) < 0)
                        return berth_errx(err, EINVAL, "invalid value for %s: %s", key, val);
        } else if (strcmp(key, "tmpfs-mode") == 0) {
                berth_error ignored = {0};
                m->tmpfs = true;
                if (rf_parse_uint(val, 8, 32, &m->mode, &ignored) < 0)
                        return berth_errx(err, EINVAL, "invalid value for %s: %s", key, val);
        } else {
                return berth_errx(err, EINVAL, "unexpected key '%s' in '%s'", key, field);
        }
        return 0;
}

/* What the daemon checks of a mount before it creates anything (not the host's files). */
static char *mount_config_problem(const mount_spec *m)
{
        char *why = check_destination(m->target);
        if (why)
                return why;
        const char *src = m->source ? m->source : "";
        if (strcmp(m->type, "bind") == 0) {
                if (*src == '\0')
                        return berth_xstrdup("field Source must not be empty");
                if (m->propagation && *m->propagation && !is_propagation(m->propagation))
                        return berth_xasprintf("invalid propagation mode: %s", m->propagation);
                if (src[0] != '/')
                        return berth_xasprintf(
                            "invalid mount path: '%s' mount path must be absolute", src);
        } else if (strcmp(m->type, "volume") == 0) {
                if (m->subpath && *m->subpath && *src == '\0')
                        return berth_xstrdup("must not set Subpath when using anonymous volumes");
                if (m->subpath && *m->subpath && !rf_path_is_local(m->subpath))
                        return berth_xstrdup("subpath must be a relative path within the volume");
                if (m->readonly && *src == '\0')
                        return berth_xstrdup(
                            "must not set ReadOnly mode when using anonymous volumes");
        } else if (strcmp(m->type, "tmpfs") == 0) {
                if (*src)
                        return berth_xstrdup("field Source must not be specified");
        } else if (strcmp(m->type, "image") == 0) {
                if (*src == '\0')
                        return berth_xstrdup("field Source must not be empty");
                if (m->img_subpath && *m->img_subpath && !rf_path_is_local(m->img_subpath))
                        return berth_xstrdup("subpath must be a relative path within the volume");
        } else {
                return berth_xstrdup("mount type unknown");
        }
        return NULL;
}

static json_t *mount_json(const mount_spec *m)
{
        json_t *j = json_pack("{s:s}", "Type", m->type);
        if (m->source && *m->source)
                json_object_set_new(j, "Source", json_string(m->source));
        json_object_set_new(j, "Target", json_string(m->target));
        if (m->readonly)
                json_object_set_new(j, "ReadOnly", json_true());
        if (m->consistency && *m->consistency)
                json_object_set_new(j, "Consistency", json_string(m->consistency));
        if (m->bind) {
                json_t *b = json_object();
                if (m->propagation && *m->propagation)
                        json_object_set_new(b, "Propagation", json_string(m->propagation));
                if (m->nonrecursive)
                        json_object_set_new(b, "NonRecursive", json_true());
                if (m->ro_nonrecursive)
                        json_object_set_new(b, "ReadOnlyNonRecursive", json_true());
                if (m->ro_force_recursive)
                        json_object_set_new(b, "ReadOnlyForceRecursive", json_true());
                json_object_set_new(j, "BindOptions", b);
        }
        if (m->vol) {
                json_t *v = json_object(), *d = json_object();
                if (m->nocopy)
                        json_object_set_new(v, "NoCopy", json_true());
                if (m->labels && json_object_size(m->labels))
                        json_object_set(v, "Labels", m->labels);
                if (m->subpath && *m->subpath)
                        json_object_set_new(v, "Subpath", json_string(m->subpath));
                if (m->driver && *m->driver)
                        json_object_set_new(d, "Name", json_string(m->driver));
                if (m->driver_opts && json_object_size(m->driver_opts))
                        json_object_set(d, "Options", m->driver_opts);
                json_object_set_new(v, "DriverConfig", d);
                json_object_set_new(j, "VolumeOptions", v);
        }
        if (m->img) {
                json_t *i = json_object();
                if (m->img_subpath && *m->img_subpath)
                        json_object_set_new(i, "Subpath", json_string(m->img_subpath));
                json_object_set_new(j, "ImageOptions", i);
        }
        if (m->tmpfs) {
                json_t *t = json_object();
                if (m->size)
                        json_object_set_new(t, "SizeBytes", json_integer(m->size));
                if (m->mode)
                        json_object_set_new(t, "Mode", json_integer((json_int_t)m->mode));
                json_object_set_new(j, "TmpfsOptions", t);
        }
        return j;
}

int rf_check_mount(rf_state *st, const char *value, char **ret, berth_error *err)
{
        _cleanup_strv_ char **fields = NULL;
        _cleanup_(mount_spec_done) mount_spec m = {.type = berth_xstrdup("volume")};
        if (csv_fields(value, &fields, err) < 0)
                return -EINVAL;
        STRV_FOREACH (f, fields)
                if (mount_field(&m, *f, err) < 0)
                        return -EINVAL;
        if (*m.type == '\0')
                return berth_errx(err, EINVAL, "type is required");
        if (m.target == NULL || *m.target == '\0')
                return berth_errx(err, EINVAL, "target is required");
        static const struct {
                size_t off;
                const char *prefix, *type;
        } mixes[] = {
            {offsetof(mount_spec, vol), "volume", "volume"},
            {offsetof(mount_spec, img), "image", "image"},
            {offsetof(mount_spec, bind), "bind", "bind"},
            {offsetof(mount_spec, tmpfs), "tmpfs", "tmpfs"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(mixes); i++)
                if (*(bool *)((char *)&m + mixes[i].off) && strcmp(m.type, mixes[i].type) != 0)
                        return berth_errx(err, EINVAL,
                                          "cannot mix '%s-*' options with mount type '%s'",
                                          mixes[i].prefix, m.type);
        if (m.ro_nonrecursive && !m.readonly)
                return berth_errx(err, EINVAL,
                                  "option 'bind-recursive=writable' requires 'readonly' to be "
                                  "specified in conjunction");
        if (m.ro_force_recursive && !m.readonly)
                return berth_errx(err, EINVAL,
                                  "option 'bind-recursive=readonly' requires 'readonly' to be "
                                  "specified in conjunction");
        if (m.ro_force_recursive && (m.propagation == NULL || strcmp(m.propagation, "rprivate")))
                return berth_errx(err, EINVAL,
                                  "option 'bind-recursive=readonly' requires "
                                  "'bind-propagation=rprivate' to be specified in conjunction");
        _cleanup_free_ char *why = mount_config_problem(&m);
        if (why)
                return berth_errx(err, EINVAL, "invalid mount config for type \"%s\": %s", m.type,
                                  why);
        if (st->mounts == NULL)
                st->mounts = json_array();
        json_array_append_new(st->mounts, mount_json(&m));
        *ret = NULL;
        return 0;
}

/* ---- devices ---- */

static bool valid_device_mode(const char *mode)
{
        bool seen_r = false, seen_w = false, seen_m = false;
        if (*mode == '\0')
                return false;
        for (; *mode; mode++) {
                bool *seen = *mode == 'r'   ? &seen_r
                             : *mode == 'w' ? &seen_w
                             : *mode == 'm' ? &seen_m
                                            : NULL;
                if (seen == NULL || *seen)
                        return false;
                *seen = true;
        }
        return true;
}

/* The CLI's device check: [host:]container[:mode], the container path absolute; cleaned. */
static int validate_device_path(const char *val, char **ret, berth_error *err)
{
        size_t colons = 0;
        for (const char *p = val; *p; p++)
                colons += *p == ':';
        _cleanup_free_ char *copy = berth_xstrdup(val);
        char *parts[3] = {0};
        size_t n = split_n(copy, ':', 3, parts);
        if (colons > 2 || *parts[0] == '\0')
                return berth_errx(err, EINVAL, "bad format for path: %s", val);
        const char *checked;
        _cleanup_free_ char *clean = NULL;
        if (n == 1) {
                checked = parts[0];
                *ret = rf_path_clean(parts[0]);
        } else if (n == 2 && valid_device_mode(parts[1])) {
                checked = parts[0];
                clean = rf_path_clean(parts[0]);
                *ret = berth_xasprintf("%s:%s", clean, parts[1]);
        } else if (n == 2) {
                checked = parts[1];
                clean = rf_path_clean(parts[1]);
                *ret = berth_xasprintf("%s:%s", parts[0], clean);
        } else {
                if (!valid_device_mode(parts[2]))
                        return berth_errx(err, EINVAL, "bad mode specified: %s", parts[2]);
                checked = parts[1];
                *ret = berth_xstrdup(val);
        }
        if (checked[0] != '/') {
                free(TAKE_PTR(*ret));
                return berth_errx(err, EINVAL, "%s is not an absolute path", checked);
        }
        return 0;
}

/* --device /dev/x[:/dev/y][:rwm] → {"PathOnHost","PathInContainer","CgroupPermissions"}. */
static int parse_device(const char *val, json_t **ret, berth_error *err)
{
        _cleanup_free_ char *valid = NULL;
        if (validate_device_path(val, &valid, err) < 0)
                return -EINVAL;
        char *parts[3] = {0};
        size_t n = split_n(valid, ':', 3, parts);
        const char *src = parts[0], *dst = NULL, *perms = "rwm";
        if (n == 3)
                perms = parts[2];
        if (n >= 2 && valid_device_mode(parts[1]))
                perms = parts[1];
        else if (n >= 2)
                dst = parts[1];
        *ret = json_pack("{s:s,s:s,s:s}", "PathOnHost", src, "PathInContainer",
                         dst && *dst ? dst : src, "CgroupPermissions", perms);
        return 0;
}

int rf_check_device_cgroup_rule(rf_state *st, const char *value, char **ret, berth_error *err)
{
        /* ^[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}$ */
        const char *p = value;
        bool good = (*p == 'a' || *p == 'c' || *p == 'b') && p[1] == ' ';
        p += 2;
        for (int part = 0; good && part < 2; part++) {
                if (*p == '*')
                        p++;
                else if (*p >= '0' && *p <= '9')
                        p += strspn(p, "0123456789");
                else
                        good = false;
                if (good && *p != (part == 0 ? ':' : ' '))
                        good = false;
                p++;
        }
        size_t modes = good ? strspn(p, "rwm") : 0;
        if (!good || modes < 1 || modes > 3 || p[modes] != '\0')
                return berth_errx(err, EINVAL, "invalid device cgroup format '%s'", value);
        *ret = berth_xstrdup(value);
        return 0;
}

int rf_build_mounts(rf_state *st, json_t *body, json_t *hc, berth_error *err)
{
        int r = build_volumes(st, body, hc, err);
        if (r == 0)
                r = build_tmpfs(st, hc, err);
        if (r < 0)
                return r;
        if (SET(RF_DEVICE)) {
                json_t *devices = json_array();
                json_object_set_new(hc, "Devices", devices);
                STRV_FOREACH (d, V(RF_DEVICE).list) {
                        json_t *dev;
                        if (parse_device(*d, &dev, err) < 0)
                                return rf_flag_wrap(err, RF_DEVICE, *d);
                        json_array_append_new(devices, dev);
                }
        }
        if (SET(RF_DEVICE_CGROUP_RULE))
                json_object_set_new(hc, "DeviceCgroupRules",
                                    rf_strv_json(V(RF_DEVICE_CGROUP_RULE).list));
        r = build_volumes_from(st, hc, err);
        if (r < 0)
                return r;
        if (st->mounts)
                json_object_set(hc, "Mounts", st->mounts);
        return 0;
}
