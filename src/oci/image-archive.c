/* SPDX-License-Identifier: Apache-2.0 */
/* docker-archive (docker save / load): manifest.json and the legacy repositories file. */
#include "image-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <string.h>

/* A path inside the archive: relative, not empty, no ".." component. */
static int check_member(const char *s, const char *path, berth_error *err)
{
        if (s[0] == '\0')
                return berth_errx(err, EINVAL, "%s: must not be empty", path);
        if (s[0] == '/')
                return berth_errx(err, EINVAL, "%s: path '%s' leaves the archive", path, s);
        for (const char *c = s; *c;) {
                size_t n = strcspn(c, "/");
                if (n == 2 && c[0] == '.' && c[1] == '.')
                        return berth_errx(err, EINVAL, "%s: path '%s' leaves the archive", path, s);
                c += n;
                while (*c == '/')
                        c++;
        }
        return 0;
}

static void entry_clear(docker_archive_entry *e)
{
        free(e->config);
        berth_strv_free(e->repo_tags);
        berth_strv_free(e->layers);
        free(e->parent);
}

static int parse_entry(json_t *v, const char *base, docker_archive_entry *e, berth_error *err)
{
        char p[OCI_PATH_MAX], ep[OCI_PATH_MAX];
        int r;
        if ((r = oci_want_object(v, base, err)) < 0 ||
            (r = oci_get_str(v, base, "Config", true, &e->config, err)) < 0 ||
            (r = check_member(e->config, oci_path(p, base, "Config"), err)) < 0 ||
            (r = oci_get_strv(v, base, "RepoTags", false, &e->repo_tags, err)) < 0 ||
            (r = oci_get_strv(v, base, "Layers", true, &e->layers, err)) < 0 ||
            (r = oci_get_str(v, base, "Parent", false, &e->parent, err)) < 0)
                return r;
        if (berth_strv_length(e->layers) > BERTH_OCI_MAX_LAYERS)
                return berth_errx(err, E2BIG, "%s: %zu layers, at most %d are supported",
                                  oci_path(p, base, "Layers"), berth_strv_length(e->layers),
                                  BERTH_OCI_MAX_LAYERS);
        oci_path(p, base, "Layers");
        for (size_t i = 0; e->layers[i]; i++)
                if ((r = check_member(e->layers[i], oci_path_i(ep, p, i), err)) < 0)
                        return r;
        oci_path(p, base, "RepoTags");
        for (size_t i = 0; e->repo_tags && e->repo_tags[i]; i++)
                if (e->repo_tags[i][0] == '\0')
                        return berth_errx(err, EINVAL, "%s: must not be empty",
                                          oci_path_i(ep, p, i));
        return 0;
}

docker_archive_manifest *berth_docker_archive_manifest_parse(const char *json, size_t len,
                                                             berth_error *err)
{
        char ep[OCI_PATH_MAX];
        json_t *root = oci_json_load(json, len, err);
        if (root == NULL)
                return NULL;
        docker_archive_manifest *m = berth_xmalloc0(sizeof(*m));
        int r = oci_want_array(root, "manifest.json", err);
        if (r == 0 && json_array_size(root) > BERTH_OCI_MAX_LAYERS * 20)
                r = berth_errx(err, E2BIG, "manifest.json: too many images (%zu)",
                               json_array_size(root));
        if (r == 0) {
                size_t n = json_array_size(root);
                m->entries = berth_xmalloc0((n ? n : 1) * sizeof(docker_archive_entry));
                m->n_entries = n;
                for (size_t i = 0; i < n && r == 0; i++)
                        r = parse_entry(json_array_get(root, i), oci_path_i(ep, "", i),
                                        &m->entries[i], err);
        }
        json_decref(root);
        if (r < 0) {
                berth_docker_archive_manifest_free(m);
                return NULL;
        }
        return m;
}

void berth_docker_archive_manifest_free(docker_archive_manifest *m)
{
        if (m == NULL)
                return;
        for (size_t i = 0; m->entries && i < m->n_entries; i++)
                entry_clear(&m->entries[i]);
        free(m->entries);
        free(m);
}

char *berth_docker_archive_manifest_to_json(const docker_archive_manifest *m, size_t *ret_len)
{
        json_t *a = json_array();
        for (size_t i = 0; i < m->n_entries; i++) {
                const docker_archive_entry *e = &m->entries[i];
                json_t *o = json_object();
                oci_json_set_str(o, "Config", e->config);
                /* docker save writes null for an untagged image; docker load reads it. */
                json_t *tags = oci_strv_json(e->repo_tags);
                json_object_set_new(o, "RepoTags", tags ? tags : json_null());
                json_t *layers = oci_strv_json(e->layers);
                json_object_set_new(o, "Layers", layers ? layers : json_array());
                oci_json_set_str(o, "Parent", e->parent);
                json_array_append_new(a, o);
        }
        return oci_json_dump(a, ret_len);
}

static bool is_hex64(const char *s)
{
        size_t n = strlen(s);
        if (n != 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

docker_archive_repositories *berth_docker_archive_repositories_parse(const char *json, size_t len,
                                                                     berth_error *err)
{
        char p[OCI_PATH_MAX], tp[OCI_PATH_MAX];
        json_t *root = oci_json_load(json, len, err);
        if (root == NULL)
                return NULL;
        docker_archive_repositories *rs = berth_xmalloc0(sizeof(*rs));
        int r = oci_want_object(root, "repositories", err);
        const char *repo, *tag;
        json_t *tags, *id;
        if (r == 0)
                json_object_foreach (root, repo, tags) {
                        oci_path(p, "", repo);
                        if (repo[0] == '\0') {
                                r = berth_errx(err, EINVAL, "repositories: keys must not be empty");
                                break;
                        }
                        if ((r = oci_want_object(tags, p, err)) < 0)
                                break;
                        json_object_foreach (tags, tag, id) {
                                oci_path(tp, p, tag);
                                if (tag[0] == '\0') {
                                        r = berth_errx(err, EINVAL, "%s: keys must not be empty",
                                                       p);
                                        break;
                                }
                                if (!json_is_string(id)) {
                                        r = oci_err_type(err, tp, "a string", id);
                                        break;
                                }
                                if (!is_hex64(json_string_value(id))) {
                                        r = berth_errx(err, EINVAL,
                                                       "%s: '%s' is not a layer id (64 hex "
                                                       "characters)",
                                                       tp, json_string_value(id));
                                        break;
                                }
                                rs->tags =
                                    berth_xrealloc(rs->tags, (rs->n_tags + 1) * sizeof(*rs->tags));
                                rs->tags[rs->n_tags++] = (docker_archive_repo_tag){
                                    .repo = berth_xstrdup(repo),
                                    .tag = berth_xstrdup(tag),
                                    .layer = berth_xstrdup(json_string_value(id)),
                                };
                        }
                        if (r < 0)
                                break;
                }
        json_decref(root);
        if (r < 0) {
                berth_docker_archive_repositories_free(rs);
                return NULL;
        }
        return rs;
}

void berth_docker_archive_repositories_free(docker_archive_repositories *r)
{
        if (r == NULL)
                return;
        for (size_t i = 0; i < r->n_tags; i++) {
                free(r->tags[i].repo);
                free(r->tags[i].tag);
                free(r->tags[i].layer);
        }
        free(r->tags);
        free(r);
}

char *berth_docker_archive_repositories_to_json(const docker_archive_repositories *r,
                                                size_t *ret_len)
{
        json_t *o = json_object();
        for (size_t i = 0; i < r->n_tags; i++) {
                json_t *tags = json_object_get(o, r->tags[i].repo);
                if (tags == NULL) {
                        tags = json_object();
                        oci_json_set(o, r->tags[i].repo, tags);
                }
                oci_json_set_str(tags, r->tags[i].tag, r->tags[i].layer);
        }
        return oci_json_dump(o, ret_len);
}
