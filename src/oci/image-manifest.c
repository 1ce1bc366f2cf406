/* SPDX-License-Identifier: Apache-2.0 */
/* Image manifests and indexes (OCI and Docker schema 2): parse, check, emit, free. */
#include "image-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>

static const char *kind_name(enum oci_manifest_kind k)
{
        switch (k) {
        case OCI_KIND_MANIFEST:
                return "an image manifest";
        case OCI_KIND_INDEX:
                return "an image index";
        case OCI_KIND_SCHEMA1:
                return "a schema 1 manifest";
        case OCI_KIND_UNKNOWN:
                break;
        }
        return "not a manifest";
}

/* Refuse a document that is not of kind `want`, saying what it is instead. */
static int check_kind(json_t *root, const char *hint, enum oci_manifest_kind want, berth_error *err)
{
        int r = oci_want_object(root, "manifest", err);
        if (r < 0)
                return r;
        json_t *mt = json_object_get(root, "mediaType");
        if (mt && !json_is_null(mt) && !json_is_string(mt))
                return oci_err_type(err, "mediaType", "a string", mt);
        const char *doc_mt = json_string_value(mt);
        enum oci_manifest_kind k = oci_manifest_kind_of(root, hint);
        if (k == OCI_KIND_SCHEMA1)
                return berth_errx(err, ENOTSUP, "schema 1 manifests are not supported");
        if (k == OCI_KIND_UNKNOWN && doc_mt)
                return berth_errx(err, EINVAL, "mediaType: unknown manifest media type '%s'",
                                  doc_mt);
        if (k == OCI_KIND_UNKNOWN)
                return berth_errx(err, EINVAL, "not %s: it has no mediaType and neither %s",
                                  kind_name(want),
                                  want == OCI_KIND_INDEX ? "manifests" : "config nor layers");
        if (k != want)
                return berth_errx(err, EINVAL, "%s%s is %s, not %s", doc_mt ? "mediaType: " : "",
                                  doc_mt ? doc_mt : "the document", kind_name(k), kind_name(want));
        /* The document says one kind, whoever sent it said the other: refuse the confusion. */
        enum oci_manifest_kind hk = oci_mt_kind(hint);
        if (doc_mt && hk != OCI_KIND_UNKNOWN && hk != k)
                return berth_errx(err, EINVAL, "mediaType: '%s' does not match '%s' (%s)", doc_mt,
                                  hint, kind_name(hk));
        return 0;
}

static int parse_schema_version(json_t *root, int *ret, berth_error *err)
{
        int64_t v = 0;
        json_t *sv = json_object_get(root, "schemaVersion");
        if (sv == NULL || json_is_null(sv))
                return oci_err_missing(err, "schemaVersion");
        if (!json_is_integer(sv))
                return oci_err_type(err, "schemaVersion", "an integer", sv);
        v = json_integer_value(sv);
        if (v != 2)
                return berth_errx(err, EINVAL, "schemaVersion: must be 2, got %lld", (long long)v);
        *ret = 2;
        return 0;
}

static int parse_subject(json_t *root, oci_descriptor **ret, berth_error *err)
{
        json_t *v = NULL;
        int r = oci_get_obj(root, "", "subject", false, &v, err);
        if (r <= 0)
                return r;
        *ret = berth_xmalloc0(sizeof(oci_descriptor));
        return oci_parse_descriptor(v, "subject", *ret, err);
}

static void subject_free(oci_descriptor *d)
{
        oci_descriptor_clear(d);
        free(d);
}

static int parse_manifest(json_t *root, const char *hint, oci_manifest *m, berth_error *err)
{
        char ep[OCI_PATH_MAX];
        json_t *cfg = NULL;
        int r;
        if ((r = check_kind(root, hint, OCI_KIND_MANIFEST, err)) < 0 ||
            (r = parse_schema_version(root, &m->schema_version, err)) < 0 ||
            (r = oci_get_str(root, "", "mediaType", false, &m->media_type, err)) < 0 ||
            (r = oci_get_str(root, "", "artifactType", false, &m->artifact_type, err)) < 0 ||
            (r = oci_get_obj(root, "", "config", true, &cfg, err)) < 0 ||
            (r = oci_parse_descriptor(cfg, "config", &m->config, err)) < 0)
                return r;
        if (!berth_mt_is_config(m->config.media_type))
                return berth_errx(err, EINVAL,
                                  "config.mediaType: '%s' is not an image config (not a "
                                  "container image?)",
                                  m->config.media_type);
        if ((r = oci_get_descriptors(root, "", "layers", true, &m->layers, &m->n_layers, err)) < 0)
                return r;
        if (m->n_layers > BERTH_OCI_MAX_LAYERS)
                return berth_errx(err, E2BIG, "layers: %zu layers, at most %d are supported",
                                  m->n_layers, BERTH_OCI_MAX_LAYERS);
        for (size_t i = 0; i < m->n_layers; i++)
                if (!berth_mt_is_layer(m->layers[i].media_type))
                        return berth_errx(err, ENOTSUP,
                                          "%s.mediaType: unknown layer media type '%s'",
                                          oci_path_i(ep, "layers", i), m->layers[i].media_type);
        if ((r = oci_get_kv(root, "", "annotations", &m->annotations, &m->n_annotations, err)) <
                0 ||
            (r = parse_subject(root, &m->subject, err)) < 0)
                return r;
        return 0;
}

oci_manifest *berth_oci_manifest_parse(const char *json, size_t len, const char *hint,
                                       berth_error *err)
{
        json_t *root = oci_json_load(json, len, err);
        if (root == NULL)
                return NULL;
        oci_manifest *m = berth_xmalloc0(sizeof(*m));
        int r = parse_manifest(root, hint, m, err);
        json_decref(root);
        if (r < 0) {
                berth_oci_manifest_free(m);
                return NULL;
        }
        m->raw = oci_raw_copy(json, len);
        m->raw_len = len;
        return m;
}

void berth_oci_manifest_free(oci_manifest *m)
{
        if (m == NULL)
                return;
        free(m->media_type);
        free(m->artifact_type);
        oci_descriptor_clear(&m->config);
        oci_descriptors_free(m->layers, m->n_layers);
        oci_kv_free(m->annotations, m->n_annotations);
        subject_free(m->subject);
        free(m->raw);
        free(m);
}

static int parse_index(json_t *root, const char *hint, oci_index *ix, berth_error *err)
{
        int r;
        if ((r = check_kind(root, hint, OCI_KIND_INDEX, err)) < 0 ||
            (r = parse_schema_version(root, &ix->schema_version, err)) < 0 ||
            (r = oci_get_str(root, "", "mediaType", false, &ix->media_type, err)) < 0 ||
            (r = oci_get_str(root, "", "artifactType", false, &ix->artifact_type, err)) < 0 ||
            (r = oci_get_descriptors(root, "", "manifests", true, &ix->manifests, &ix->n_manifests,
                                     err)) < 0 ||
            (r = oci_get_kv(root, "", "annotations", &ix->annotations, &ix->n_annotations, err)) <
                0 ||
            (r = parse_subject(root, &ix->subject, err)) < 0)
                return r;
        return 0;
}

oci_index *berth_oci_index_parse(const char *json, size_t len, const char *hint, berth_error *err)
{
        json_t *root = oci_json_load(json, len, err);
        if (root == NULL)
                return NULL;
        oci_index *ix = berth_xmalloc0(sizeof(*ix));
        int r = parse_index(root, hint, ix, err);
        json_decref(root);
        if (r < 0) {
                berth_oci_index_free(ix);
                return NULL;
        }
        ix->raw = oci_raw_copy(json, len);
        ix->raw_len = len;
        return ix;
}

void berth_oci_index_free(oci_index *ix)
{
        if (ix == NULL)
                return;
        free(ix->media_type);
        free(ix->artifact_type);
        oci_descriptors_free(ix->manifests, ix->n_manifests);
        oci_kv_free(ix->annotations, ix->n_annotations);
        subject_free(ix->subject);
        free(ix->raw);
        free(ix);
}

static json_t *descriptors_json(const oci_descriptor *d, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(a, oci_descriptor_json(&d[i]));
        return a;
}

char *berth_oci_manifest_to_json(const oci_manifest *m, size_t *ret_len)
{
        json_t *o = json_object();
        json_object_set_new(o, "schemaVersion", json_integer(m->schema_version));
        oci_json_set_str(o, "mediaType", m->media_type);
        oci_json_set_str(o, "artifactType", m->artifact_type);
        json_object_set_new(o, "config", oci_descriptor_json(&m->config));
        json_object_set_new(o, "layers", descriptors_json(m->layers, m->n_layers));
        oci_json_set(o, "annotations", oci_kv_json(m->annotations, m->n_annotations));
        if (m->subject)
                json_object_set_new(o, "subject", oci_descriptor_json(m->subject));
        return oci_json_dump(o, ret_len);
}

char *berth_oci_index_to_json(const oci_index *ix, size_t *ret_len)
{
        json_t *o = json_object();
        json_object_set_new(o, "schemaVersion", json_integer(ix->schema_version));
        oci_json_set_str(o, "mediaType", ix->media_type);
        oci_json_set_str(o, "artifactType", ix->artifact_type);
        json_object_set_new(o, "manifests", descriptors_json(ix->manifests, ix->n_manifests));
        oci_json_set(o, "annotations", oci_kv_json(ix->annotations, ix->n_annotations));
        if (ix->subject)
                json_object_set_new(o, "subject", oci_descriptor_json(ix->subject));
        return oci_json_dump(o, ret_len);
}

int berth_oci_image_check(const oci_manifest *m, const oci_image_config *c, berth_error *err)
{
        if (m->n_layers != c->n_diff_ids)
                return berth_errx(err, EINVAL,
                                  "rootfs.diff_ids: the config has %zu diff_ids but the manifest "
                                  "has %zu layers",
                                  c->n_diff_ids, m->n_layers);
        return 0;
}
