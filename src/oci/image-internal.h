/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "oci/image.h"
#include "spec-internal.h"

/**
 * Shared by the image-*.c files of src/oci; not part of the module's
 * contract. Parse functions follow spec-internal.h: they take the JSON path
 * of the value, fill a caller-zeroed struct, and on failure leave it partly
 * filled for its *_clear function. JSON builders return a new reference.
 */

/** A descriptor at path (mediaType, digest, size required). */
int oci_parse_descriptor(json_t *v, const char *path, oci_descriptor *d, berth_error *err);
void oci_descriptor_clear(oci_descriptor *d);
/** An array of descriptors obj[key] at base.key into (*ret, *ret_n). */
int oci_get_descriptors(json_t *obj, const char *base, const char *key, bool required,
                        oci_descriptor **ret, size_t *ret_n, berth_error *err);
void oci_descriptors_free(oci_descriptor *d, size_t n);
void oci_descriptor_copy(oci_descriptor *dst, const oci_descriptor *src);
json_t *oci_descriptor_json(const oci_descriptor *d);

/** A digest string at path (wraps berth_digest_parse's message with the path). */
int oci_val_digest(json_t *v, const char *path, berth_digest *ret, berth_error *err);
/** The keys of the object obj[key] (values must be objects, as in {"80/tcp": {}}). */
int oci_get_set(json_t *obj, const char *base, const char *key, char ***ret, berth_error *err);

/** JSON of a string vector (NULL → NULL), of a set ({"k": {}}), of key/values. */
json_t *oci_strv_json(char *const *v);
json_t *oci_set_json(char *const *v);
json_t *oci_kv_json(const oci_kv *kv, size_t n);
/** A JSON string of s; invalid UTF-8 bytes (from a builder's caller) become '?'. */
json_t *oci_json_str(const char *s);
/** obj[key] = v when v is not NULL (steals v). */
void oci_json_set(json_t *obj, const char *key, json_t *v);
/** obj[key] = s when s is not NULL. */
void oci_json_set_str(json_t *obj, const char *key, const char *s);
/** Canonical text of root (compact, sorted keys); drops the reference. */
char *oci_json_dump(json_t *root, size_t *ret_len);
/** A NUL-terminated copy of len bytes. */
char *oci_raw_copy(const char *json, size_t len);

/** berth_oci_manifest_kind() of a loaded document. */
enum oci_manifest_kind oci_manifest_kind_of(json_t *root, const char *hint);
/** The kind a media type names (OCI_KIND_UNKNOWN for NULL or anything else). */
enum oci_manifest_kind oci_mt_kind(const char *mt);
