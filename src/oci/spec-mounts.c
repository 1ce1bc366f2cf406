/* SPDX-License-Identifier: Apache-2.0 */
/* mounts[]: destinations and the translation of mount options to MS_* flags. */
#include "spec-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

enum opt_kind {
        OPT_SET,     /* add flag to flags */
        OPT_CLEAR,   /* add flag to clear_flags */
        OPT_PROP,    /* propagation type (flag has MS_REC when recursive) */
        OPT_BIND,    /* bind / rbind */
        OPT_NOOP,    /* accepted, no effect ("defaults") */
        OPT_TMPCOPY, /* tmpcopyup */
        OPT_REFUSED, /* known but not supported here */
};

static const struct {
        const char *name;
        enum opt_kind kind;
        unsigned long flag;
} opt_table[] = {
    {"defaults", OPT_NOOP, 0},
    {"ro", OPT_SET, MS_RDONLY},
    {"rw", OPT_CLEAR, MS_RDONLY},
    {"nosuid", OPT_SET, MS_NOSUID},
    {"suid", OPT_CLEAR, MS_NOSUID},
    {"nodev", OPT_SET, MS_NODEV},
    {"dev", OPT_CLEAR, MS_NODEV},
    {"noexec", OPT_SET, MS_NOEXEC},
    {"exec", OPT_CLEAR, MS_NOEXEC},
    {"sync", OPT_SET, MS_SYNCHRONOUS},
    {"async", OPT_CLEAR, MS_SYNCHRONOUS},
    {"dirsync", OPT_SET, MS_DIRSYNC},
    {"remount", OPT_SET, MS_REMOUNT},
    {"mand", OPT_SET, MS_MANDLOCK},
    {"nomand", OPT_CLEAR, MS_MANDLOCK},
    {"noatime", OPT_SET, MS_NOATIME},
    {"atime", OPT_CLEAR, MS_NOATIME},
    {"nodiratime", OPT_SET, MS_NODIRATIME},
    {"diratime", OPT_CLEAR, MS_NODIRATIME},
    {"relatime", OPT_SET, MS_RELATIME},
    {"norelatime", OPT_CLEAR, MS_RELATIME},
    {"strictatime", OPT_SET, MS_STRICTATIME},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
    {"silent", OPT_SET, MS_SILENT},
    {"loud", OPT_CLEAR, MS_SILENT},
    {"lazytime", OPT_SET, MS_LAZYTIME},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
    {"iversion", OPT_SET, MS_I_VERSION},
    {"noiversion", OPT_CLEAR, MS_I_VERSION},
    {"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
    {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
    {"bind", OPT_BIND, MS_BIND},
    {"rbind", OPT_BIND, MS_BIND | MS_REC},
    {"shared", OPT_PROP, MS_SHARED},
    {"rshared", OPT_PROP, MS_SHARED | MS_REC},
    {"slave", OPT_PROP, MS_SLAVE},
    {"rslave", OPT_PROP, MS_SLAVE | MS_REC},
    {"private", OPT_PROP, MS_PRIVATE},
    {"rprivate", OPT_PROP, MS_PRIVATE | MS_REC},
    {"unbindable", OPT_PROP, MS_UNBINDABLE},
    {"runbindable", OPT_PROP, MS_UNBINDABLE | MS_REC},
    {"tmpcopyup", OPT_TMPCOPY, 0},
    /* Need mount_setattr(2) and MOUNT_ATTR_IDMAP, which oci_mount has no room for. */
    {"idmap", OPT_REFUSED, 0},
    {"ridmap", OPT_REFUSED, 0},
    {"rro", OPT_REFUSED, 0},
    {"rrw", OPT_REFUSED, 0},
    {"rnosuid", OPT_REFUSED, 0},
    {"rsuid", OPT_REFUSED, 0},
    {"rnodev", OPT_REFUSED, 0},
    {"rdev", OPT_REFUSED, 0},
    {"rnoexec", OPT_REFUSED, 0},
    {"rexec", OPT_REFUSED, 0},
    {"rnodiratime", OPT_REFUSED, 0},
    {"rdiratime", OPT_REFUSED, 0},
    {"rrelatime", OPT_REFUSED, 0},
    {"rnorelatime", OPT_REFUSED, 0},
    {"rnoatime", OPT_REFUSED, 0},
    {"ratime", OPT_REFUSED, 0},
    {"rstrictatime", OPT_REFUSED, 0},
    {"rnostrictatime", OPT_REFUSED, 0},
    {"rnosymfollow", OPT_REFUSED, 0},
    {"rsymfollow", OPT_REFUSED, 0},
};

const char *oci_mount_option_name(size_t i)
{
        if (i >= ARRAY_SIZE(opt_table) || opt_table[i].kind == OPT_REFUSED)
                return NULL;
        return opt_table[i].name;
}

size_t oci_mount_option_count(void)
{
        return ARRAY_SIZE(opt_table);
}

static void data_append(char **data, const char *opt)
{
        if (*data == NULL) {
                *data = berth_xstrdup(opt);
                return;
        }
        char *d = berth_xasprintf("%s,%s", *data, opt);
        free(*data);
        *data = d;
}

static int apply_option(oci_mount *m, const char *opt, const char *path, berth_error *err)
{
        for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++) {
                if (strcmp(opt_table[i].name, opt) != 0)
                        continue;
                unsigned long f = opt_table[i].flag;
                switch (opt_table[i].kind) {
                case OPT_SET:
                        m->flags |= f;
                        m->clear_flags &= ~f;
                        break;
                case OPT_CLEAR:
                        m->clear_flags |= f;
                        m->flags &= ~f;
                        break;
                case OPT_PROP:
                        m->propagation = f;
                        m->recursive_propagation = (f & MS_REC) != 0;
                        break;
                case OPT_BIND:
                        m->flags |= f;
                        m->bind = true;
                        if (f & MS_REC)
                                m->rbind = true;
                        break;
                case OPT_TMPCOPY:
                        m->tmpcopyup = true;
                        break;
                case OPT_NOOP:
                        break;
                case OPT_REFUSED:
                        return berth_errx(err, EOPNOTSUPP, "%s: mount option '%s' is not supported",
                                          path, opt);
                }
                return 0;
        }
        if (opt[0] != '\0')
                data_append(&m->data, opt);
        return 0;
}

void oci_mount_clear(oci_mount *m)
{
        if (m == NULL)
                return;
        free(m->destination);
        free(m->type);
        free(m->source);
        berth_strv_free(m->options);
        free(m->data);
        *m = (oci_mount){0};
}

int oci_parse_mount(json_t *v, const char *base, oci_mount *m, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        int r = oci_want_object(v, base, err);
        if (r < 0)
                return r;

        _cleanup_free_ char *dest = NULL;
        r = oci_get_str(v, base, "destination", true, &dest, err);
        if (r < 0)
                return r;
        r = oci_abs_path(dest, oci_path(p, base, "destination"), &m->destination, err);
        if (r < 0)
                return r;
        if ((r = oci_get_str(v, base, "type", false, &m->type, err)) < 0 ||
            (r = oci_get_str(v, base, "source", false, &m->source, err)) < 0 ||
            (r = oci_get_strv(v, base, "options", false, &m->options, err)) < 0)
                return r;

        json_t *um = json_object_get(v, "uidMappings"), *gm = json_object_get(v, "gidMappings");
        if ((um && !json_is_null(um)) || (gm && !json_is_null(gm)))
                return berth_errx(err, EOPNOTSUPP,
                                  "%s: id-mapped mounts (uidMappings/gidMappings) are not "
                                  "supported",
                                  base);

        if (m->type && strcmp(m->type, "bind") == 0) {
                m->bind = true;
                m->flags |= MS_BIND;
        }
        oci_path(p, base, "options");
        for (size_t i = 0; m->options && m->options[i]; i++) {
                r = apply_option(m, m->options[i], oci_path_i(ep, p, i), err);
                if (r < 0)
                        return r;
        }
        return 0;
}
