/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the image-spec parsers: the input is tried as a manifest, an index, an
 * image config, a docker-archive manifest.json and repositories file. What
 * parses is emitted, parsed again and emitted again: the second parse must
 * succeed and both emissions be the same bytes (canonical output is stable).
 */
#include "oci/image.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *berth_fuzz_target_name = "fuzz-image-spec";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_die(char *a, char *b)
{
        if (a == NULL || b == NULL || strcmp(a, b) != 0)
                abort();
        free(a);
        free(b);
}

static void manifest(const char *text, size_t size, const char *hint)
{
        berth_error err = {0};
        oci_manifest *m = berth_oci_manifest_parse(text, size, hint, &err);
        if (m == NULL)
                return;
        if (m->raw_len != size || memcmp(m->raw, text, size) != 0)
                abort();
        for (size_t i = 0; i < m->n_layers; i++)
                (void)berth_mt_layer_compression(m->layers[i].media_type);
        size_t len;
        char *j = berth_oci_manifest_to_json(m, &len);
        oci_manifest *m2 = berth_oci_manifest_parse(j, len, NULL, &err);
        if (m2 == NULL)
                abort();
        same_or_die(j, berth_oci_manifest_to_json(m2, NULL));
        berth_oci_manifest_free(m2);
        berth_oci_manifest_free(m);
}

static void index_(const char *text, size_t size, const char *hint)
{
        berth_error err = {0};
        oci_index *ix = berth_oci_index_parse(text, size, hint, &err);
        if (ix == NULL)
                return;
        (void)berth_oci_index_select(ix, "linux", "amd64", NULL, &err);
        (void)berth_oci_index_select(ix, "linux", "arm", "v6", &err);
        (void)berth_oci_index_select(ix, "linux", "arm64", "v8", &err);
        size_t len;
        char *j = berth_oci_index_to_json(ix, &len);
        oci_index *ix2 = berth_oci_index_parse(j, len, NULL, &err);
        if (ix2 == NULL)
                abort();
        same_or_die(j, berth_oci_index_to_json(ix2, NULL));
        berth_oci_index_free(ix2);
        berth_oci_index_free(ix);
}

static void config(const char *text, size_t size)
{
        berth_error err = {0};
        oci_image_config *c = berth_oci_image_config_parse(text, size, &err);
        if (c == NULL)
                return;
        size_t len;
        char *j = berth_oci_image_config_to_json(c, &len);
        oci_image_config *c2 = berth_oci_image_config_parse(j, len, &err);
        if (c2 == NULL)
                abort();
        same_or_die(j, berth_oci_image_config_to_json(c2, NULL));
        oci_image_config *d = berth_oci_image_config_dup(c2);
        same_or_die(berth_oci_image_config_to_json(d, NULL),
                    berth_oci_image_config_to_json(c, NULL));
        berth_oci_image_config_free(d);
        berth_oci_image_config_free(c2);
        berth_oci_image_config_free(c);
}

static void archive(const char *text, size_t size)
{
        berth_error err = {0};
        docker_archive_manifest *m = berth_docker_archive_manifest_parse(text, size, &err);
        if (m) {
                size_t len;
                char *j = berth_docker_archive_manifest_to_json(m, &len);
                docker_archive_manifest *m2 = berth_docker_archive_manifest_parse(j, len, &err);
                if (m2 == NULL)
                        abort();
                same_or_die(j, berth_docker_archive_manifest_to_json(m2, NULL));
                berth_docker_archive_manifest_free(m2);
                berth_docker_archive_manifest_free(m);
        }
        docker_archive_repositories *r = berth_docker_archive_repositories_parse(text, size, &err);
        if (r) {
                size_t len;
                char *j = berth_docker_archive_repositories_to_json(r, &len);
                docker_archive_repositories *r2 =
                    berth_docker_archive_repositories_parse(j, len, &err);
                if (r2 == NULL)
                        abort();
                same_or_die(j, berth_docker_archive_repositories_to_json(r2, NULL));
                berth_docker_archive_repositories_free(r2);
                berth_docker_archive_repositories_free(r);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *)data;
        (void)berth_oci_manifest_kind(text, size, NULL);
        manifest(text, size, NULL);
        manifest(text, size, BERTH_MT_OCI_MANIFEST);
        manifest(text, size, BERTH_MT_DOCKER_LIST);
        index_(text, size, NULL);
        index_(text, size, BERTH_MT_OCI_INDEX);
        config(text, size);
        archive(text, size);

        /* The input as a time, NUL-terminated. */
        char buf[64];
        size_t n = size < sizeof(buf) - 1 ? size : sizeof(buf) - 1;
        memcpy(buf, data, n);
        buf[n] = '\0';
        int64_t sec;
        int32_t nsec;
        /* Offsets can move 0000-01-01 and 9999-12-31 out of four-digit years. */
        if (berth_rfc3339_parse(buf, &sec, &nsec) == 0 && sec >= -62167219200LL &&
            sec <= 253402300799LL) {
                char out[64];
                berth_rfc3339_format(sec, nsec, out, sizeof(out));
                int64_t sec2;
                int32_t nsec2;
                if (berth_rfc3339_parse(out, &sec2, &nsec2) < 0 || sec2 != sec || nsec2 != nsec)
                        abort();
        }
        return 0;
}
