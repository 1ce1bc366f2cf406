/* SPDX-License-Identifier: Apache-2.0 */
/* Edits of an image's container config: what import -c, commit --change and a
 * Dockerfile's metadata instructions do to it (image.h). */
#include "image-internal.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

oci_container_config *berth_oci_image_config_edit(oci_image_config *c)
{
        c->has_config = true;
        free(c->raw);
        c->raw = NULL;
        c->raw_len = 0;
        return &c->config;
}

void berth_oci_config_set_env(oci_container_config *cc, const char *key, const char *value)
{
        size_t klen = strlen(key);
        _cleanup_free_ char *kv = berth_xasprintf("%s=%s", key, value);
        for (size_t i = 0; cc->env && cc->env[i]; i++) {
                if (strncmp(cc->env[i], key, klen) == 0 && cc->env[i][klen] == '=') {
                        free(cc->env[i]);
                        cc->env[i] = TAKE_PTR(kv);
                        return;
                }
        }
        berth_strv_push(&cc->env, kv);
}

void berth_oci_config_set_label(oci_container_config *cc, const char *key, const char *value)
{
        for (size_t i = 0; i < cc->n_labels; i++) {
                if (strcmp(cc->labels[i].key, key) == 0) {
                        free(cc->labels[i].value);
                        cc->labels[i].value = berth_xstrdup(value);
                        return;
                }
        }
        cc->labels = berth_xrealloc(cc->labels, (cc->n_labels + 1) * sizeof(oci_kv));
        cc->labels[cc->n_labels].key = berth_xstrdup(key);
        cc->labels[cc->n_labels].value = berth_xstrdup(value);
        cc->n_labels++;
}

void berth_oci_config_add_volume(oci_container_config *cc, const char *path)
{
        if (!berth_strv_contains(cc->volumes, path))
                berth_strv_push(&cc->volumes, path);
}

static int port_number(const char *s, size_t n, long *ret)
{
        if (n == 0 || n > 5)
                return -1;
        long v = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        if (v < 1 || v > 65535)
                return -1;
        *ret = v;
        return 0;
}

int berth_oci_config_expose(oci_container_config *cc, const char *spec, berth_error *err)
{
        const char *slash = strchr(spec, '/');
        const char *proto = slash ? slash + 1 : "tcp";
        size_t plen = slash ? (size_t)(slash - spec) : strlen(spec);
        if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0)
                return berth_errx(err, EINVAL, "invalid proto: %s", proto);
        const char *dash = memchr(spec, '-', plen);
        long lo, hi;
        if (dash ? port_number(spec, (size_t)(dash - spec), &lo) < 0 ||
                       port_number(dash + 1, plen - (size_t)(dash - spec) - 1, &hi) < 0 || hi < lo
                 : port_number(spec, plen, &lo) < 0)
                return berth_errx(err, EINVAL, "invalid containerPort: %.*s", (int)plen, spec);
        if (!dash)
                hi = lo;
        for (long p = lo; p <= hi; p++) {
                _cleanup_free_ char *key = berth_xasprintf("%ld/%s", p, proto);
                if (!berth_strv_contains(cc->exposed_ports, key))
                        berth_strv_push(&cc->exposed_ports, key);
        }
        return 0;
}
