/* SPDX-License-Identifier: Apache-2.0 */
/* Media types: what each one is, and what kind of document a manifest is. */
#include "image-internal.h"

#include <string.h>
#include <strings.h>

/* Length of mt without parameters and the blanks before them. */
static size_t mt_len(const char *mt)
{
        size_t n = strcspn(mt, ";");
        while (n > 0 && (mt[n - 1] == ' ' || mt[n - 1] == '\t'))
                n--;
        return n;
}

static const char *skip_blanks(const char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        return s;
}

bool berth_mt_equal(const char *a, const char *b)
{
        if (a == NULL || b == NULL)
                return false;
        a = skip_blanks(a);
        b = skip_blanks(b);
        size_t na = mt_len(a), nb = mt_len(b);
        return na == nb && na > 0 && strncasecmp(a, b, na) == 0;
}

static bool mt_in(const char *mt, const char *const *list)
{
        for (size_t i = 0; list[i]; i++)
                if (berth_mt_equal(mt, list[i]))
                        return true;
        return false;
}

bool berth_mt_is_manifest(const char *mt)
{
        static const char *const l[] = {BERTH_MT_OCI_MANIFEST, BERTH_MT_DOCKER_MANIFEST, NULL};
        return mt_in(mt, l);
}

bool berth_mt_is_index(const char *mt)
{
        static const char *const l[] = {BERTH_MT_OCI_INDEX, BERTH_MT_DOCKER_LIST, NULL};
        return mt_in(mt, l);
}

bool berth_mt_is_config(const char *mt)
{
        static const char *const l[] = {BERTH_MT_OCI_CONFIG, BERTH_MT_DOCKER_CONFIG, NULL};
        return mt_in(mt, l);
}

static bool is_schema1(const char *mt)
{
        static const char *const l[] = {BERTH_MT_DOCKER_SCHEMA1, BERTH_MT_DOCKER_SCHEMA1_JWS, NULL};
        return mt_in(mt, l);
}

static const struct {
        const char *mt;
        enum berth_compression c;
        bool foreign;
} layer_types[] = {
    {BERTH_MT_OCI_LAYER, BERTH_COMPRESSION_NONE, false},
    {BERTH_MT_OCI_LAYER_GZIP, BERTH_COMPRESSION_GZIP, false},
    {BERTH_MT_OCI_LAYER_ZSTD, BERTH_COMPRESSION_ZSTD, false},
    {BERTH_MT_OCI_LAYER_ND, BERTH_COMPRESSION_NONE, true},
    {BERTH_MT_OCI_LAYER_ND_GZIP, BERTH_COMPRESSION_GZIP, true},
    {BERTH_MT_OCI_LAYER_ND_ZSTD, BERTH_COMPRESSION_ZSTD, true},
    {BERTH_MT_DOCKER_LAYER, BERTH_COMPRESSION_NONE, false},
    {BERTH_MT_DOCKER_LAYER_GZIP, BERTH_COMPRESSION_GZIP, false},
    {BERTH_MT_DOCKER_LAYER_ZSTD, BERTH_COMPRESSION_ZSTD, false},
    {BERTH_MT_DOCKER_FOREIGN, BERTH_COMPRESSION_NONE, true},
    {BERTH_MT_DOCKER_FOREIGN_GZIP, BERTH_COMPRESSION_GZIP, true},
};

static int layer_type(const char *mt)
{
        for (size_t i = 0; i < sizeof(layer_types) / sizeof(layer_types[0]); i++)
                if (berth_mt_equal(mt, layer_types[i].mt))
                        return (int)i;
        return -1;
}

bool berth_mt_is_layer(const char *mt)
{
        return layer_type(mt) >= 0;
}

bool berth_mt_is_foreign_layer(const char *mt)
{
        int i = layer_type(mt);
        return i >= 0 && layer_types[i].foreign;
}

enum berth_compression berth_mt_layer_compression(const char *mt)
{
        int i = layer_type(mt);
        return i >= 0 ? layer_types[i].c : BERTH_COMPRESSION_UNKNOWN;
}

static enum oci_manifest_kind kind_of_mt(const char *mt)
{
        if (berth_mt_is_manifest(mt))
                return OCI_KIND_MANIFEST;
        if (berth_mt_is_index(mt))
                return OCI_KIND_INDEX;
        if (is_schema1(mt))
                return OCI_KIND_SCHEMA1;
        return OCI_KIND_UNKNOWN;
}

enum oci_manifest_kind oci_manifest_kind_of(json_t *root, const char *hint)
{
        if (!json_is_object(root))
                return OCI_KIND_UNKNOWN;
        json_t *mt = json_object_get(root, "mediaType");
        json_t *sv = json_object_get(root, "schemaVersion");
        if (json_is_string(mt)) /* it says what it is: unknown when we do not know it */
                return kind_of_mt(json_string_value(mt));
        if (kind_of_mt(hint) != OCI_KIND_UNKNOWN)
                return kind_of_mt(hint);
        if (json_object_get(root, "manifests"))
                return OCI_KIND_INDEX;
        if (json_object_get(root, "fsLayers") ||
            (json_is_integer(sv) && json_integer_value(sv) == 1))
                return OCI_KIND_SCHEMA1;
        if (json_object_get(root, "config") || json_object_get(root, "layers"))
                return OCI_KIND_MANIFEST;
        return OCI_KIND_UNKNOWN;
}

enum oci_manifest_kind oci_mt_kind(const char *mt)
{
        return kind_of_mt(mt);
}

enum oci_manifest_kind berth_oci_manifest_kind(const char *json, size_t len, const char *hint)
{
        berth_error err = {0};
        json_t *root = oci_json_load(json, len, &err);
        if (root == NULL)
                return OCI_KIND_UNKNOWN;
        enum oci_manifest_kind k = oci_manifest_kind_of(root, hint);
        json_decref(root);
        return k;
}
