/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "oci/spec.h"

#include <jansson.h>

/**
 * Shared by the spec-*.c files of src/oci; not part of the module's contract.
 *
 * Every parse function takes the JSON path of the value it reads ("" for a
 * document root) and names the offending field in *err:
 *   "<path>: <what is wrong>".
 * Getters of a key return 1 when the key is present (and not null), 0 when
 * it is absent (leaving *ret untouched), <0 on error. A JSON null counts as
 * absent. Parse functions fill caller-zeroed structs; on failure the struct
 * may be partly filled and is freed by its *_clear function.
 */

#define OCI_PATH_MAX 512

/** "base.key" (or "key" when base is empty) into buf. */
const char *oci_path(char *buf, const char *base, const char *key);
/** "base[i]" into buf. */
const char *oci_path_i(char *buf, const char *base, size_t i);
/** "object", "array", "string", "integer", "real", "boolean", "null". */
const char *oci_json_type(const json_t *v);

/** Parse text into a JSON document; "invalid JSON at line L column C: …" on error. */
json_t *oci_json_load(const char *json, size_t len, berth_error *err);

int oci_err_type(berth_error *err, const char *path, const char *want, const json_t *v);
int oci_err_missing(berth_error *err, const char *path);

/* Checks of a value at path. */
int oci_want_object(json_t *v, const char *path, berth_error *err);
int oci_want_array(json_t *v, const char *path, berth_error *err);
int oci_val_str(json_t *v, const char *path, char **ret, berth_error *err);
int oci_val_i64(json_t *v, const char *path, int64_t min, int64_t max, int64_t *ret,
                berth_error *err);
int oci_val_u64(json_t *v, const char *path, uint64_t max, uint64_t *ret, berth_error *err);

/* Getters of obj[key], whose path is base.key. */
int oci_get_obj(json_t *obj, const char *base, const char *key, bool required, json_t **ret,
                berth_error *err);
int oci_get_arr(json_t *obj, const char *base, const char *key, bool required, json_t **ret,
                berth_error *err);
int oci_get_str(json_t *obj, const char *base, const char *key, bool required, char **ret,
                berth_error *err);
int oci_get_bool(json_t *obj, const char *base, const char *key, bool *ret, berth_error *err);
int oci_get_i64(json_t *obj, const char *base, const char *key, bool required, int64_t min,
                int64_t max, int64_t *ret, berth_error *err);
int oci_get_u64(json_t *obj, const char *base, const char *key, bool required, uint64_t max,
                uint64_t *ret, berth_error *err);
int oci_get_u32(json_t *obj, const char *base, const char *key, bool required, uint32_t *ret,
                berth_error *err);
int oci_get_opt_i64(json_t *obj, const char *base, const char *key, int64_t min, int64_t max,
                    oci_opt_i64 *ret, berth_error *err);
int oci_get_opt_u64(json_t *obj, const char *base, const char *key, uint64_t max, oci_opt_u64 *ret,
                    berth_error *err);
/** An array of strings, NULL-terminated; an empty array gives an empty (non-NULL) vector. */
int oci_get_strv(json_t *obj, const char *base, const char *key, bool required, char ***ret,
                 berth_error *err);
/** An object of string values ("annotations", "sysctl", "unified"); keys must not be empty. */
int oci_get_kv(json_t *obj, const char *base, const char *key, oci_kv **ret, size_t *ret_n,
               berth_error *err);
void oci_kv_free(oci_kv *kv, size_t n);

/**
 * Lexically clean an absolute path: collapse "//" and ".", resolve ".." —
 * but refuse a ".." that would climb above "/". -EINVAL when not absolute,
 * -EPERM when it escapes.
 */
int oci_clean_path(const char *in, char **ret);
/** oci_clean_path with an error naming path. */
int oci_abs_path(const char *in, const char *path, char **ret, berth_error *err);

/* Name tables (spec-names.c). NULL-terminated lists for features.json. */
extern const char *const oci_cap_names[BERTH_OCI_CAP_LAST + 2];
extern const char *const oci_seccomp_action_names[];
extern const char *const oci_seccomp_op_names[];
extern const char *const oci_seccomp_arch_names[];
extern const char *const oci_seccomp_flag_names[];
extern const char *const oci_hook_names[OCI_HOOK_COUNT + 1];
int oci_rlimit_from_name(const char *name);
int oci_seccomp_action_from_name(const char *name);
int oci_seccomp_op_from_name(const char *name);
bool oci_seccomp_arch_known(const char *name);
bool oci_seccomp_flag_known(const char *name);

/* Sections. */
int oci_parse_process(json_t *v, const char *base, oci_process *p, berth_error *err);
void oci_process_clear(oci_process *p);
int oci_parse_resources(json_t *v, const char *base, oci_resources *r, berth_error *err);
void oci_resources_clear(oci_resources *r);
/** Entry i (< oci_mount_option_count()) of the option table; NULL for a refused one. */
const char *oci_mount_option_name(size_t i);
size_t oci_mount_option_count(void);
int oci_parse_mount(json_t *v, const char *base, oci_mount *m, berth_error *err);
void oci_mount_clear(oci_mount *m);
int oci_parse_seccomp(json_t *v, const char *base, oci_seccomp *s, berth_error *err);
void oci_seccomp_free(oci_seccomp *s);
int oci_parse_linux(json_t *v, const char *base, oci_linux *l, berth_error *err);
void oci_linux_free(oci_linux *l);
