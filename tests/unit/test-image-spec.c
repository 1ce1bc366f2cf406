/* SPDX-License-Identifier: Apache-2.0 */
#include "base/cleanup.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/strutil.h"
#include "oci/image.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* JSON written with ' for " so that it reads well in C. */
static char *J(const char *s)
{
        char *o = berth_xstrdup(s);
        for (char *c = o; *c; c++)
                if (*c == '\'')
                        *c = '"';
        return o;
}

/* Digests of real busybox / alpine blobs (any 64 lowercase hex would do). */
#define H1 "a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824"
#define H2 "3d24ee258efc3bfe4066a1a9fb83febf6dc0b1548dfe896161533668281c9f4f"
#define H3 "e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f"
#define H4 "b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"
#define H5 "ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736"
#define H6 "9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0"
#define H7 "3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b"
#define H8 "5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270"

/* A Docker v2 schema 2 manifest, as registry-1.docker.io serves it (plus a foreign layer). */
static const char docker_manifest[] =
    "{\n   'schemaVersion': 2,\n"
    "   'mediaType': 'application/vnd.docker.distribution.manifest.v2+json',\n"
    "   'config': {\n"
    "      'mediaType': 'application/vnd.docker.container.image.v1+json',\n"
    "      'size': 1457,\n"
    "      'digest': 'sha256:" H4 "'\n   },\n"
    "   'layers': [\n"
    "      {'mediaType': 'application/vnd.docker.image.rootfs.diff.tar.gzip',"
    "       'size': 2220094, 'digest': 'sha256:" H3 "'},\n"
    "      {'mediaType': 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',"
    "       'size': 1000, 'digest': 'sha256:" H5 "',"
    "       'urls': ['https://example.invalid/layer.tar.gz']}\n"
    "   ]\n}";

/* A Docker manifest list. */
static const char docker_list[] =
    "{'schemaVersion': 2,"
    " 'mediaType': 'application/vnd.docker.distribution.manifest.list.v2+json',"
    " 'manifests': ["
    "  {'mediaType': 'application/vnd.docker.distribution.manifest.v2+json', 'size': 527,"
    "   'digest': 'sha256:" H1 "', 'platform': {'architecture': 'amd64', 'os': 'linux'}},"
    "  {'mediaType': 'application/vnd.docker.distribution.manifest.v2+json', 'size': 527,"
    "   'digest': 'sha256:" H2 "',"
    "   'platform': {'architecture': 'arm', 'os': 'linux', 'variant': 'v5'}},"
    "  {'mediaType': 'application/vnd.docker.distribution.manifest.v2+json', 'size': 528,"
    "   'digest': 'sha256:" H3 "',"
    "   'platform': {'architecture': 'windows-thing', 'os': 'windows',"
    "                'os.version': '10.0.17763.1935', 'os.features': ['win32k']}}]}";

/* An OCI manifest with annotations, a subject, a zstd and a nondistributable layer. */
static const char oci_manifest_doc[] =
    "{'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',"
    " 'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'size': 7023,"
    "            'digest': 'sha256:" H4 "'},"
    " 'layers': ["
    "  {'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip', 'size': 32654,"
    "   'digest': 'sha256:" H1 "'},"
    "  {'mediaType': 'application/vnd.oci.image.layer.v1.tar+zstd', 'size': 16724,"
    "   'digest': 'sha256:" H2 "',"
    "   'annotations': {'org.opencontainers.image.title': 'layer two'}},"
    "  {'mediaType': 'application/vnd.oci.image.layer.v1.tar', 'size': 0,"
    "   'digest': 'sha256:" H3 "'},"
    "  {'mediaType': 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',"
    "   'size': 73109, 'digest': 'sha256:" H5 "',"
    "   'urls': ['https://mirror.example.invalid/a', 'https://mirror.example.invalid/b']}],"
    " 'subject': {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 7682,"
    "             'digest': 'sha256:" H6 "'},"
    " 'annotations': {'org.opencontainers.image.created': '2024-01-31T12:00:00Z',"
    "                 'org.opencontainers.image.source': 'https://example.invalid/src'},"
    " 'somethingNew': {'ignored': true}}";

/* An OCI index as BuildKit pushes it: several platforms plus an attestation. */
static const char oci_index_doc[] =
    "{'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json',"
    " 'manifests': ["
    "  {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 1,"
    "   'digest': 'sha256:" H1 "', 'platform': {'architecture': 'amd64', 'os': 'linux'}},"
    "  {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 2,"
    "   'digest': 'sha256:" H2 "',"
    "   'platform': {'architecture': 'arm', 'os': 'linux', 'variant': 'v6'}},"
    "  {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 3,"
    "   'digest': 'sha256:" H3 "',"
    "   'platform': {'architecture': 'arm', 'os': 'linux', 'variant': 'v7'}},"
    "  {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 4,"
    "   'digest': 'sha256:" H4 "',"
    "   'platform': {'architecture': 'arm64', 'os': 'linux', 'variant': 'v8'}},"
    "  {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 5,"
    "   'digest': 'sha256:" H5 "', 'platform': {'architecture': '386', 'os': 'linux'}},"
    "  {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 6,"
    "   'digest': 'sha256:" H6 "', 'platform': {'architecture': 's390x', 'os': 'linux'}},"
    "  {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 7,"
    "   'digest': 'sha256:" H7 "',"
    "   'platform': {'architecture': 'unknown', 'os': 'unknown'},"
    "   'annotations': {'vnd.docker.reference.digest': 'sha256:" H1 "',"
    "                   'vnd.docker.reference.type': 'attestation-manifest'}}],"
    " 'annotations': {'org.opencontainers.image.ref.name': 'latest'}}";

/* An image config like Docker Hub's busybox, with the fields a Dockerfile adds. */
static const char busybox_config[] =
    "{'architecture':'amd64','config':{'Hostname':'','Domainname':'','User':'nobody',"
    "'AttachStdin':false,'AttachStdout':false,'AttachStderr':false,"
    "'ExposedPorts':{'53/udp':{},'80/tcp':{}},'Tty':false,'OpenStdin':false,'StdinOnce':false,"
    "'Env':['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin','LANG=C.UTF-8'],"
    "'Cmd':['sh'],'Healthcheck':{'Test':['CMD-SHELL','wget -q -O- localhost || exit 1'],"
    "'Interval':30000000000,'Timeout':5000000000,'StartPeriod':1000000000,"
    "'StartInterval':2000000000,'Retries':3},'ArgsEscaped':true,"
    "'Image':'sha256:" H8 "','Volumes':{'/data':{}},'WorkingDir':'/srv','Entrypoint':null,"
    "'OnBuild':null,'Labels':{'maintainer':'someone@example.invalid','org.example.x':''},"
    "'StopSignal':'SIGQUIT','Shell':['/bin/sh','-c']},"
    "'container':'a0c1f0c89c5b3bb0b45cf4d8e3f8f32e3d2e2a2e9b1e8c6f0b0a7c3b2f6c1e9d',"
    "'container_config':{'Hostname':'a0c1f0c89c5b','Cmd':['/bin/sh','-c','#(nop) ','CMD "
    "[\\'sh\\']']},"
    "'created':'2023-07-18T23:19:33.655005962Z','docker_version':'20.10.23',"
    "'history':[{'created':'2023-07-18T23:19:33.538571854Z',"
    "'created_by':'/bin/sh -c #(nop) ADD file:7e9002edaafd4e4579b65c8f0aaabde1 in / '},"
    "{'created':'2023-07-18T23:19:33.655005962Z','created_by':'/bin/sh -c #(nop)  CMD [\\'sh\\']',"
    "'empty_layer':true},{'created':'2023-07-19T10:00:00+02:00','created_by':'COPY x /x',"
    "'author':'me','comment':'buildkit.dockerfile.v0'}],"
    "'os':'linux','rootfs':{'type':'layers','diff_ids':['sha256:" H2 "','sha256:" H7 "']}}";

/* docker save's manifest.json (Docker 25+ writes blobs/sha256/… paths, older ones <id>/layer.tar).
 */
static const char archive_manifest[] =
    "[{'Config':'" H4 ".json','RepoTags':['busybox:latest','busybox:1.36'],"
    "'Layers':['" H1 "/layer.tar','" H2 "/layer.tar']},"
    " {'Config':'blobs/sha256/" H5 "','RepoTags':null,"
    "'Layers':['blobs/sha256/" H6 "'],'Parent':'sha256:" H7 "',"
    "'LayerSources':{'sha256:" H6 "':{'mediaType':'x','size':1,'digest':'sha256:" H6 "'}}}]";

static const char repositories[] = "{'busybox':{'1.36':'" H2 "','latest':'" H2 "'},"
                                   "'alpine':{'3.19':'" H3 "'}}";

/* --- Media types ------------------------------------------------------------------------ */

static void test_media_types(void)
{
        ok(berth_mt_is_manifest(BERTH_MT_OCI_MANIFEST), "OCI manifest is a manifest");
        ok(berth_mt_is_manifest(BERTH_MT_DOCKER_MANIFEST), "Docker v2 manifest is a manifest");
        ok(!berth_mt_is_manifest(BERTH_MT_DOCKER_SCHEMA1), "schema 1 is not");
        ok(!berth_mt_is_manifest(BERTH_MT_OCI_INDEX), "an index is not a manifest");
        ok(berth_mt_is_index(BERTH_MT_OCI_INDEX) && berth_mt_is_index(BERTH_MT_DOCKER_LIST),
           "OCI index and Docker list are indexes");
        ok(!berth_mt_is_index(BERTH_MT_OCI_MANIFEST), "a manifest is not an index");
        ok(berth_mt_is_config(BERTH_MT_OCI_CONFIG) && berth_mt_is_config(BERTH_MT_DOCKER_CONFIG),
           "both config types");
        ok(!berth_mt_is_config(BERTH_MT_OCI_EMPTY), "the empty descriptor is no image config");
        ok(berth_mt_is_manifest("application/vnd.docker.distribution.manifest.v2+json; "
                                "charset=utf-8"),
           "a Content-Type's parameters are ignored");
        ok(berth_mt_is_index("Application/VND.OCI.Image.Index.v1+JSON"), "case is ignored");
        ok(!berth_mt_is_manifest("application/vnd.oci.image.manifest.v1+jsonx"),
           "a longer type is another type");
        ok(!berth_mt_is_manifest(NULL) && !berth_mt_is_layer(NULL) && !berth_mt_is_manifest(""),
           "NULL and empty are nothing");

        static const struct {
                const char *mt;
                enum berth_compression c;
                bool foreign;
        } layers[] = {
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
        for (size_t i = 0; i < ARRAY_SIZE(layers); i++) {
                ok(berth_mt_is_layer(layers[i].mt), "%s is a layer", layers[i].mt);
                is_int(berth_mt_layer_compression(layers[i].mt), layers[i].c, "  its compression");
                is_int(berth_mt_is_foreign_layer(layers[i].mt), layers[i].foreign,
                       "  foreign or not");
        }
        is_int(berth_mt_layer_compression("application/vnd.oci.image.layer.v1.tar+lz4"),
               BERTH_COMPRESSION_UNKNOWN, "unknown compression");
        is_int(berth_mt_layer_compression(BERTH_MT_OCI_CONFIG), BERTH_COMPRESSION_UNKNOWN,
               "a config has no layer compression");
        ok(!berth_mt_is_layer("application/vnd.oci.image.layer.v1.tar+gzip+encrypted"),
           "encrypted layers are not known");
}

static enum oci_manifest_kind kind(const char *sq, const char *hint)
{
        _cleanup_free_ char *j = J(sq);
        return berth_oci_manifest_kind(j, strlen(j), hint);
}

static void test_kind(void)
{
        is_int(kind(docker_manifest, NULL), OCI_KIND_MANIFEST, "Docker manifest by mediaType");
        is_int(kind(docker_list, NULL), OCI_KIND_INDEX, "Docker list by mediaType");
        is_int(kind(oci_manifest_doc, BERTH_MT_OCI_INDEX), OCI_KIND_MANIFEST,
               "the document's mediaType wins over the hint");
        is_int(kind("{'schemaVersion': 2, 'manifests': []}", BERTH_MT_OCI_MANIFEST),
               OCI_KIND_MANIFEST, "without mediaType the hint decides");
        is_int(kind("{'schemaVersion': 2, 'manifests': []}", NULL), OCI_KIND_INDEX,
               "then the shape: manifests");
        is_int(kind("{'schemaVersion': 2, 'config': {}, 'layers': []}", "text/plain"),
               OCI_KIND_MANIFEST, "shape: config and layers (an unknown hint is no hint)");
        is_int(kind("{'schemaVersion': 1, 'name': 'x', 'tag': 'y'}", NULL), OCI_KIND_SCHEMA1,
               "schemaVersion 1");
        is_int(kind("{'name': 'x', 'fsLayers': [], 'history': []}", NULL), OCI_KIND_SCHEMA1,
               "fsLayers");
        is_int(kind("{'schemaVersion': 2}", BERTH_MT_DOCKER_SCHEMA1_JWS), OCI_KIND_SCHEMA1,
               "schema 1 by hint");
        is_int(kind("{'mediaType': 'application/vnd.docker.distribution.manifest.v1+json'}", NULL),
               OCI_KIND_SCHEMA1, "schema 1 by mediaType");
        is_int(kind("{'mediaType': 'application/x-foo', 'layers': []}", NULL), OCI_KIND_UNKNOWN,
               "an unknown mediaType is unknown, whatever the shape");
        is_int(kind("{'schemaVersion': 2}", NULL), OCI_KIND_UNKNOWN, "no clue: unknown");
        is_int(kind("[1, 2]", BERTH_MT_OCI_MANIFEST), OCI_KIND_UNKNOWN, "not an object");
        is_int(berth_oci_manifest_kind("{", 1, BERTH_MT_OCI_MANIFEST), OCI_KIND_UNKNOWN,
               "invalid JSON");
        is_int(berth_oci_manifest_kind(NULL, 0, NULL), OCI_KIND_UNKNOWN, "no input");
}

/* --- Manifests -------------------------------------------------------------------------- */

static oci_manifest *manifest(const char *sq, const char *hint, berth_error *err)
{
        _cleanup_free_ char *j = J(sq);
        return berth_oci_manifest_parse(j, strlen(j), hint, err);
}

static oci_index *index_(const char *sq, const char *hint, berth_error *err)
{
        _cleanup_free_ char *j = J(sq);
        return berth_oci_index_parse(j, strlen(j), hint, err);
}

static void test_docker_manifest(void)
{
        berth_error err = {0};
        _cleanup_free_ char *text = J(docker_manifest);
        oci_manifest *m = berth_oci_manifest_parse(text, strlen(text), NULL, &err);
        ok(m != NULL, "Docker v2 manifest parses: %s", err.msg);
        if (m == NULL)
                return;
        is_int(m->schema_version, 2, "schemaVersion");
        is_str(m->media_type, BERTH_MT_DOCKER_MANIFEST, "mediaType");
        is_str(m->config.media_type, BERTH_MT_DOCKER_CONFIG, "config.mediaType");
        is_str(m->config.digest.s, "sha256:" H4, "config.digest");
        is_int(m->config.size, 1457, "config.size");
        ok(m->config.platform == NULL && m->config.urls == NULL, "config has no platform, urls");
        is_int(m->n_layers, 2, "two layers");
        is_str(m->layers[0].media_type, BERTH_MT_DOCKER_LAYER_GZIP, "layers[0].mediaType");
        is_str(m->layers[0].digest.s, "sha256:" H3, "layers[0].digest");
        is_int(m->layers[0].size, 2220094, "layers[0].size");
        ok(berth_mt_is_foreign_layer(m->layers[1].media_type), "layers[1] is foreign");
        ok(m->layers[1].urls && berth_strv_length(m->layers[1].urls) == 1 &&
               strcmp(m->layers[1].urls[0], "https://example.invalid/layer.tar.gz") == 0,
           "layers[1].urls");
        ok(m->subject == NULL && m->annotations == NULL, "no subject, no annotations");
        ok(m->raw_len == strlen(text) && memcmp(m->raw, text, m->raw_len) == 0,
           "raw holds the bytes parsed, whitespace and all");
        berth_oci_manifest_free(m);

        m = berth_oci_manifest_parse(text, strlen(text), BERTH_MT_DOCKER_MANIFEST, &err);
        ok(m != NULL, "parses with a matching hint");
        berth_oci_manifest_free(m);
        m = berth_oci_manifest_parse(text, strlen(text), BERTH_MT_OCI_MANIFEST, &err);
        ok(m != NULL, "an OCI manifest hint for a Docker manifest is the same kind");
        berth_oci_manifest_free(m);
}

static void test_oci_manifest(void)
{
        berth_error err = {0};
        oci_manifest *m = manifest(oci_manifest_doc, BERTH_MT_OCI_MANIFEST, &err);
        ok(m != NULL, "OCI manifest parses: %s", err.msg);
        if (m == NULL)
                return;
        is_str(m->media_type, BERTH_MT_OCI_MANIFEST, "mediaType");
        is_str(m->config.media_type, BERTH_MT_OCI_CONFIG, "config.mediaType");
        is_int(m->config.size, 7023, "config.size");
        is_int(m->n_layers, 4, "four layers");
        is_int(berth_mt_layer_compression(m->layers[0].media_type), BERTH_COMPRESSION_GZIP,
               "layers[0] gzip");
        is_int(berth_mt_layer_compression(m->layers[1].media_type), BERTH_COMPRESSION_ZSTD,
               "layers[1] zstd");
        is_int(berth_mt_layer_compression(m->layers[2].media_type), BERTH_COMPRESSION_NONE,
               "layers[2] plain tar");
        is_int(m->layers[2].size, 0, "a size of 0 is fine");
        ok(m->layers[1].n_annotations == 1 &&
               strcmp(m->layers[1].annotations[0].key, "org.opencontainers.image.title") == 0 &&
               strcmp(m->layers[1].annotations[0].value, "layer two") == 0,
           "layers[1].annotations");
        is_int(berth_strv_length(m->layers[3].urls), 2, "nondistributable layer urls");
        is_str(m->layers[3].urls[1], "https://mirror.example.invalid/b", "layers[3].urls[1]");
        ok(m->subject != NULL, "subject");
        if (m->subject) {
                is_str(m->subject->digest.s, "sha256:" H6, "subject.digest");
                is_int(m->subject->size, 7682, "subject.size");
        }
        is_int(m->n_annotations, 2, "two annotations");
        is_str(m->annotations[0].key, "org.opencontainers.image.created", "annotation key");
        is_str(m->annotations[0].value, "2024-01-31T12:00:00Z", "annotation value");
        is_str(m->annotations[1].value, "https://example.invalid/src", "second annotation");
        berth_oci_manifest_free(m);

        /* OCI 1.0 manifests may leave mediaType out. */
        m = manifest("{'schemaVersion': 2, 'config': {'mediaType': "
                     "'application/vnd.oci.image.config.v1+json', 'size': 2, 'digest': 'sha256:" H1
                     "'}, 'layers': []}",
                     NULL, &err);
        ok(m != NULL, "a manifest without mediaType and no layers: %s", err.msg);
        ok(m && m->media_type == NULL && m->n_layers == 0, "  mediaType NULL, no layers");
        berth_oci_manifest_free(m);
}

static void test_docker_list(void)
{
        berth_error err = {0};
        oci_index *ix = index_(docker_list, BERTH_MT_DOCKER_LIST, &err);
        ok(ix != NULL, "Docker manifest list parses: %s", err.msg);
        if (ix == NULL)
                return;
        is_int(ix->schema_version, 2, "schemaVersion");
        is_str(ix->media_type, BERTH_MT_DOCKER_LIST, "mediaType");
        is_int(ix->n_manifests, 3, "three entries");
        oci_descriptor *d = &ix->manifests[1];
        is_str(d->media_type, BERTH_MT_DOCKER_MANIFEST, "manifests[1].mediaType");
        is_str(d->digest.s, "sha256:" H2, "manifests[1].digest");
        is_int(d->size, 527, "manifests[1].size");
        ok(d->platform != NULL, "manifests[1].platform");
        is_str(d->platform->architecture, "arm", "  architecture");
        is_str(d->platform->os, "linux", "  os");
        is_str(d->platform->variant, "v5", "  variant");
        ok(ix->manifests[0].platform->variant == NULL, "no variant is NULL");
        oci_platform *w = ix->manifests[2].platform;
        is_str(w->os_version, "10.0.17763.1935", "os.version");
        ok(w->os_features && strcmp(w->os_features[0], "win32k") == 0 && !w->os_features[1],
           "os.features");
        berth_oci_index_free(ix);
}

static void test_oci_index(void)
{
        berth_error err = {0};
        oci_index *ix = index_(oci_index_doc, NULL, &err);
        ok(ix != NULL, "OCI index parses: %s", err.msg);
        if (ix == NULL)
                return;
        is_str(ix->media_type, BERTH_MT_OCI_INDEX, "mediaType");
        is_int(ix->n_manifests, 7, "seven entries");
        is_int(ix->n_annotations, 1, "index annotations");
        is_str(ix->annotations[0].value, "latest", "ref.name");
        is_int(ix->manifests[6].n_annotations, 2, "attestation annotations");
        berth_oci_index_free(ix);
}

/* --- Platform selection ----------------------------------------------------------------- */

static void selects(const oci_index *ix, const char *os, const char *arch, const char *variant,
                    const char *want_hex)
{
        berth_error err = {0};
        const oci_descriptor *d = berth_oci_index_select(ix, os, arch, variant, &err);
        if (!ok(d != NULL && strcmp(d->digest.s + 7, want_hex) == 0, "%s/%s%s%s selects %.8s", os,
                arch, variant ? "/" : "", variant ? variant : "", want_hex))
                printf("#   got %s (%s)\n", d ? d->digest.s : "nothing", err.msg);
}

static void refuses(const oci_index *ix, const char *os, const char *arch, const char *variant,
                    const char *want_msg)
{
        berth_error err = {0};
        const oci_descriptor *d = berth_oci_index_select(ix, os, arch, variant, &err);
        ok(d == NULL, "no match for %s/%s%s%s", os, arch, variant ? "/" : "",
           variant ? variant : "");
        is_str(err.msg, want_msg, "  the error lists what there is");
        is_int(err.code, ENOENT, "  ENOENT");
}

static void test_select(void)
{
        berth_error err = {0};
        oci_index *ix = index_(oci_index_doc, NULL, &err);
        ok(ix != NULL, "index for selection");
        if (ix == NULL)
                return;
        selects(ix, "linux", "amd64", NULL, H1);
        selects(ix, "linux", "x86_64", NULL, H1);
        selects(ix, "linux", "amd64", "v3", H1); /* an amd64 v3 host runs baseline images */
        selects(ix, "linux", "arm", "v7", H3);
        selects(ix, "linux", "arm", NULL, H3); /* arm means arm/v7 */
        selects(ix, "linux", "arm", "v6", H2);
        selects(ix, "linux", "arm", "7", H3);
        selects(ix, "linux", "arm64", NULL, H4);
        selects(ix, "linux", "arm64", "v8", H4);
        selects(ix, "linux", "aarch64", NULL, H4);
        selects(ix, "linux", "386", NULL, H5);
        selects(ix, "linux", "s390x", NULL, H6);
        refuses(ix, "linux", "ppc64le", NULL,
                "no linux/ppc64le image in the index (it has: linux/amd64, linux/arm/v6, "
                "linux/arm/v7, linux/arm64/v8, linux/386, linux/s390x)");
        refuses(ix, "windows", "amd64", NULL,
                "no windows/amd64 image in the index (it has: linux/amd64, linux/arm/v6, "
                "linux/arm/v7, linux/arm64/v8, linux/386, linux/s390x)");
        refuses(ix, "linux", "arm", "v5",
                "no linux/arm/v5 image in the index (it has: linux/amd64, linux/arm/v6, "
                "linux/arm/v7, linux/arm64/v8, linux/386, linux/s390x)");
        selects(ix, "linux", "arm64", "v9", H4); /* a v9 core runs v8 code */
        berth_oci_index_free(ix);

        /* The brief's example; arm64 without variant; duplicates listed once. */
        ix = index_("{'schemaVersion': 2, 'manifests': ["
                    " {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 1,"
                    "  'digest': 'sha256:" H1 "',"
                    "  'platform': {'architecture': 'arm64', 'os': 'linux', 'variant': 'v8'}},"
                    " {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 1,"
                    "  'digest': 'sha256:" H2 "', 'platform': {'architecture': 's390x', 'os': "
                    "'linux'}},"
                    " {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 1,"
                    "  'digest': 'sha256:" H3 "', 'platform': {'architecture': 's390x', 'os': "
                    "'linux'}}]}",
                    NULL, &err);
        ok(ix != NULL, "small index: %s", err.msg);
        if (ix) {
                refuses(ix, "linux", "amd64", NULL,
                        "no linux/amd64 image in the index (it has: linux/arm64/v8, "
                        "linux/s390x)");
                selects(ix, "linux", "s390x", NULL, H2); /* ties go to the first */
        }
        berth_oci_index_free(ix);

        /* Prefer the exact variant wherever it is; arm64 entries without variant. */
        ix = index_("{'schemaVersion': 2, 'manifests': ["
                    " {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 1,"
                    "  'digest': 'sha256:" H1 "'},"
                    " {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 1,"
                    "  'digest': 'sha256:" H2 "',"
                    "  'platform': {'architecture': 'arm', 'os': 'linux', 'variant': 'v5'}},"
                    " {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 1,"
                    "  'digest': 'sha256:" H3 "',"
                    "  'platform': {'architecture': 'arm', 'os': 'linux', 'variant': 'v6'}},"
                    " {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 1,"
                    "  'digest': 'sha256:" H4 "',"
                    "  'platform': {'architecture': 'arm64', 'os': 'linux'}},"
                    " {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 1,"
                    "  'digest': 'sha256:" H5 "',"
                    "  'platform': {'architecture': 'amd64', 'os': 'linux', 'variant': 'v2'}},"
                    " {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 1,"
                    "  'digest': 'sha256:" H6 "',"
                    "  'platform': {'architecture': 'amd64', 'os': 'linux', 'variant': 'v3'}},"
                    " {'mediaType': 'application/vnd.oci.image.config.v1+json', 'size': 1,"
                    "  'digest': 'sha256:" H7 "',"
                    "  'platform': {'architecture': 'riscv64', 'os': 'linux'}}]}",
                    NULL, &err);
        ok(ix != NULL, "variant index: %s", err.msg);
        if (ix) {
                selects(ix, "linux", "arm", "v7", H3); /* v7 runs v6 and v5: the closest */
                selects(ix, "linux", "arm", "v6", H3);
                selects(ix, "linux", "arm", "v5", H2);
                selects(ix, "linux", "arm64", "v8", H4);
                selects(ix, "linux", "arm64", NULL, H4);
                selects(ix, "linux", "amd64", "v3", H6);
                selects(ix, "linux", "amd64", "v4", H6);
                selects(ix, "linux", "amd64", "v2", H5);
                refuses(ix, "linux", "amd64", NULL,
                        "no linux/amd64 image in the index (it has: linux/arm/v5, linux/arm/v6, "
                        "linux/arm64, linux/amd64/v2, linux/amd64/v3, linux/riscv64)");
                refuses(ix, "linux", "riscv64", NULL,
                        "no linux/riscv64 image in the index (it has: linux/arm/v5, "
                        "linux/arm/v6, linux/arm64, linux/amd64/v2, linux/amd64/v3, "
                        "linux/riscv64)");
        }
        berth_oci_index_free(ix);

        ix = index_("{'schemaVersion': 2, 'manifests': []}", NULL, &err);
        ok(ix != NULL, "empty index");
        if (ix)
                refuses(ix, "linux", "amd64", NULL,
                        "no linux/amd64 image in the index (it has: no platforms)");
        berth_oci_index_free(ix);
}

static void test_host_platform(void)
{
        static const struct {
                const char *machine, *arch, *variant;
        } cases[] = {
            {"x86_64", "amd64", NULL},    {"aarch64", "arm64", "v8"}, {"armv7l", "arm", "v7"},
            {"armv6l", "arm", "v6"},      {"i686", "386", NULL},      {"i386", "386", NULL},
            {"ppc64le", "ppc64le", NULL}, {"s390x", "s390x", NULL},   {"riscv64", "riscv64", NULL},
            {"vax", "vax", NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const char *arch = NULL, *variant = "unset";
                berth_oci_arch_from_machine(cases[i].machine, &arch, &variant);
                is_str(arch, cases[i].arch, "uname %s is %s", cases[i].machine, cases[i].arch);
                if (cases[i].variant)
                        is_str(variant, cases[i].variant, "  variant %s", cases[i].variant);
                else
                        ok(variant == NULL, "  no variant");
        }
        struct utsname u;
        uname(&u);
        const char *os, *arch, *variant, *want_arch, *want_variant;
        berth_host_platform(&os, &arch, &variant);
        berth_oci_arch_from_machine(u.machine, &want_arch, &want_variant);
        is_str(os, "linux", "host os");
        is_str(arch, want_arch, "host arch from uname (%s)", u.machine);
#if defined(__x86_64__)
        is_str(arch, "amd64", "this x86_64 build runs on amd64");
#elif defined(__aarch64__)
        is_str(arch, "arm64", "this aarch64 build runs on arm64");
#endif
}

/* --- Image configs ---------------------------------------------------------------------- */

static void test_config(void)
{
        berth_error err = {0};
        _cleanup_free_ char *text = J(busybox_config);
        oci_image_config *c = berth_oci_image_config_parse(text, strlen(text), &err);
        ok(c != NULL, "busybox-like config parses: %s", err.msg);
        if (c == NULL)
                return;
        is_str(c->architecture, "amd64", "architecture");
        is_str(c->os, "linux", "os");
        ok(c->variant == NULL && c->author == NULL, "no variant, no author");
        is_str(c->created, "2023-07-18T23:19:33.655005962Z", "created");
        ok(c->has_config, "has config");
        oci_container_config *cc = &c->config;
        is_str(cc->user, "nobody", "User");
        is_int(berth_strv_length(cc->exposed_ports), 2, "two ExposedPorts");
        ok(berth_strv_contains(cc->exposed_ports, "80/tcp") &&
               berth_strv_contains(cc->exposed_ports, "53/udp"),
           "ExposedPorts keys");
        is_int(berth_strv_length(cc->env), 2, "Env");
        is_str(cc->env[1], "LANG=C.UTF-8", "Env[1]");
        ok(cc->entrypoint == NULL, "Entrypoint null is NULL");
        ok(cc->cmd && strcmp(cc->cmd[0], "sh") == 0 && cc->cmd[1] == NULL, "Cmd");
        ok(cc->volumes && strcmp(cc->volumes[0], "/data") == 0 && cc->volumes[1] == NULL,
           "Volumes");
        is_str(cc->working_dir, "/srv", "WorkingDir");
        is_int(cc->n_labels, 2, "Labels");
        is_str(cc->labels[0].key, "maintainer", "Labels key");
        is_str(cc->labels[1].value, "", "an empty label value");
        is_str(cc->stop_signal, "SIGQUIT", "StopSignal");
        ok(cc->args_escaped, "ArgsEscaped");
        ok(cc->on_build == NULL, "OnBuild null");
        ok(cc->shell && strcmp(cc->shell[1], "-c") == 0, "Shell");
        ok(cc->healthcheck != NULL, "Healthcheck");
        if (cc->healthcheck) {
                oci_healthcheck *h = cc->healthcheck;
                is_int(berth_strv_length(h->test), 2, "Healthcheck.Test");
                is_str(h->test[0], "CMD-SHELL", "Healthcheck.Test[0]");
                is_int(h->interval, 30000000000LL, "Healthcheck.Interval (ns)");
                is_int(h->timeout, 5000000000LL, "Healthcheck.Timeout");
                is_int(h->start_period, 1000000000LL, "Healthcheck.StartPeriod");
                is_int(h->start_interval, 2000000000LL, "Healthcheck.StartInterval");
                is_int(h->retries, 3, "Healthcheck.Retries");
        }
        is_str(c->rootfs_type, "layers", "rootfs.type");
        is_int(c->n_diff_ids, 2, "two diff_ids");
        is_str(c->diff_ids[1].s, "sha256:" H7, "rootfs.diff_ids[1]");
        is_int(c->n_history, 3, "three history entries");
        is_str(c->history[0].created, "2023-07-18T23:19:33.538571854Z", "history[0].created");
        like(c->history[0].created_by, "ADD file:", "history[0].created_by");
        ok(!c->history[0].empty_layer, "history[0] made a layer");
        ok(c->history[1].empty_layer, "history[1].empty_layer");
        is_str(c->history[2].author, "me", "history[2].author");
        is_str(c->history[2].comment, "buildkit.dockerfile.v0", "history[2].comment");

        /* The image id is the digest of the config bytes: raw must be them, exactly. */
        ok(c->raw_len == strlen(text) && memcmp(c->raw, text, c->raw_len) == 0,
           "raw is the config's bytes");
        berth_digest a, b;
        berth_digest_of(text, strlen(text), &a);
        berth_digest_of(c->raw, c->raw_len, &b);
        ok(berth_digest_equal(&a, &b), "the image id from raw is the one from the input");
        _cleanup_free_ char *emitted = berth_oci_image_config_to_json(c, NULL);
        ok(strcmp(emitted, c->raw) != 0 && strstr(emitted, "container_config") == NULL,
           "re-emitting would change the bytes (unknown fields dropped): raw is needed");
        berth_oci_image_config_free(c);

        c = berth_oci_image_config_parse(text, strlen(text) - 1, &err);
        ok(c == NULL, "the given length is honoured (a truncated config is refused)");
        like(err.msg, "invalid JSON", "  invalid JSON");
}

static void test_image_check(void)
{
        berth_error err = {0};
        oci_manifest *m = manifest(docker_manifest, NULL, &err);
        _cleanup_free_ char *text = J(busybox_config);
        oci_image_config *c = berth_oci_image_config_parse(text, strlen(text), &err);
        ok(m && c, "manifest and config for the check");
        if (m && c) {
                ok(berth_oci_image_check(m, c, &err) == 0, "two layers, two diff_ids: fine");
                c->n_diff_ids = 1;
                ok(berth_oci_image_check(m, c, &err) < 0, "two layers, one diff_id: refused");
                is_str(err.msg,
                       "rootfs.diff_ids: the config has 1 diff_ids but the manifest has 2 "
                       "layers",
                       "  says both counts");
                c->n_diff_ids = 2;
        }
        berth_oci_manifest_free(m);
        berth_oci_image_config_free(c);
}

/* --- Emit and round trips --------------------------------------------------------------- */

static void test_manifest_emit(void)
{
        berth_error err = {0};
        /* A small manifest's canonical form, written out: compact, keys sorted. */
        oci_manifest *m = manifest("{ 'layers': [ {'size': 3, 'mediaType': "
                                   "'application/vnd.oci.image.layer.v1.tar+gzip', "
                                   "'digest': 'sha256:" H1 "'} ],"
                                   "  'schemaVersion': 2, 'unknown': 1,"
                                   "  'config': {'size': 2, 'digest': 'sha256:" H2 "',"
                                   "             'mediaType': "
                                   "'application/vnd.oci.image.config.v1+json'},"
                                   "  'mediaType': 'application/vnd.oci.image.manifest.v1+json',"
                                   "  'annotations': {'b': '2', 'a': '1'}}",
                                   NULL, &err);
        ok(m != NULL, "small manifest: %s", err.msg);
        if (m) {
                size_t len = 0;
                _cleanup_free_ char *out = berth_oci_manifest_to_json(m, &len);
                _cleanup_free_ char *want =
                    J("{'annotations':{'a':'1','b':'2'},'config':{'digest':'sha256:" H2 "',"
                      "'mediaType':'application/vnd.oci.image.config.v1+json','size':2},"
                      "'layers':[{'digest':'sha256:" H1 "',"
                      "'mediaType':'application/vnd.oci.image.layer.v1.tar+gzip','size':3}],"
                      "'mediaType':'application/vnd.oci.image.manifest.v1+json',"
                      "'schemaVersion':2}");
                is_str(out, want, "canonical manifest JSON");
                is_int(len, strlen(want), "  its length");
        }
        berth_oci_manifest_free(m);

        const char *docs[] = {docker_manifest, oci_manifest_doc};
        for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
                oci_manifest *a = manifest(docs[i], NULL, &err);
                _cleanup_free_ char *ja = a ? berth_oci_manifest_to_json(a, NULL) : NULL;
                oci_manifest *b = ja ? berth_oci_manifest_parse(ja, strlen(ja), NULL, &err) : NULL;
                ok(b != NULL, "manifest %zu: emit → parse: %s", i, b ? "" : err.msg);
                if (a && b) {
                        _cleanup_free_ char *jb = berth_oci_manifest_to_json(b, NULL);
                        is_str(jb, ja, "  emit is stable (same bytes, same digest)");
                        is_int(b->n_layers, a->n_layers, "  same layer count");
                        is_str(b->layers[b->n_layers - 1].digest.s,
                               a->layers[a->n_layers - 1].digest.s, "  same last layer");
                        ok((a->subject == NULL) == (b->subject == NULL), "  same subject");
                        is_int(berth_strv_length(b->layers[a->n_layers - 1].urls),
                               berth_strv_length(a->layers[a->n_layers - 1].urls), "  same urls");
                }
                berth_oci_manifest_free(a);
                berth_oci_manifest_free(b);
        }

        const char *ixs[] = {docker_list, oci_index_doc};
        for (size_t i = 0; i < ARRAY_SIZE(ixs); i++) {
                oci_index *a = index_(ixs[i], NULL, &err);
                _cleanup_free_ char *ja = a ? berth_oci_index_to_json(a, NULL) : NULL;
                oci_index *b = ja ? berth_oci_index_parse(ja, strlen(ja), NULL, &err) : NULL;
                ok(b != NULL, "index %zu: emit → parse: %s", i, b ? "" : err.msg);
                if (a && b) {
                        _cleanup_free_ char *jb = berth_oci_index_to_json(b, NULL);
                        is_str(jb, ja, "  emit is stable");
                        is_int(b->n_manifests, a->n_manifests, "  same entries");
                        is_str(b->manifests[1].platform->variant, a->manifests[1].platform->variant,
                               "  same variant");
                }
                berth_oci_index_free(a);
                berth_oci_index_free(b);
        }
        oci_index *ix = index_(docker_list, NULL, &err);
        _cleanup_free_ char *j = ix ? berth_oci_index_to_json(ix, NULL) : NULL;
        _cleanup_free_ char *want = J("'platform':{'architecture':'windows-thing',"
                                      "'os':'windows','os.features':['win32k'],"
                                      "'os.version':'10.0.17763.1935'}");
        like(j, want, "platform keys as the spec spells them, sorted");
        berth_oci_index_free(ix);
}

static void test_config_emit(void)
{
        berth_error err = {0};
        _cleanup_free_ char *text = J(busybox_config);
        oci_image_config *a = berth_oci_image_config_parse(text, strlen(text), &err);
        _cleanup_free_ char *ja = a ? berth_oci_image_config_to_json(a, NULL) : NULL;
        oci_image_config *b = ja ? berth_oci_image_config_parse(ja, strlen(ja), &err) : NULL;
        ok(b != NULL, "config: emit → parse: %s", b ? "" : err.msg);
        if (a && b) {
                _cleanup_free_ char *jb = berth_oci_image_config_to_json(b, NULL);
                is_str(jb, ja, "config emit is stable");
                ok(b->config.healthcheck && b->config.healthcheck->start_interval == 2000000000LL,
                   "healthcheck survives");
                ok(b->config.entrypoint == NULL && b->config.cmd && b->config.args_escaped,
                   "Entrypoint, Cmd, ArgsEscaped survive");
                is_int(berth_strv_length(b->config.exposed_ports), 2, "ports survive");
                is_int(b->n_history, 3, "history survives");
                ok(b->history[1].empty_layer && !b->history[2].empty_layer, "empty_layer");
                is_str(b->history[2].created, "2023-07-19T10:00:00+02:00",
                       "times are kept as written");
                is_int(b->config.n_labels, 2, "labels survive");
                is_str(b->diff_ids[0].s, "sha256:" H2, "diff_ids survive");
        }
        _cleanup_free_ char *ports = J("'ExposedPorts':{'53/udp':{},'80/tcp':{}}");
        like(ja, ports, "ExposedPorts emitted as a set of empty objects");
        berth_oci_image_config_free(a);
        berth_oci_image_config_free(b);

        /* Docker tells an empty Cmd from none. */
        _cleanup_free_ char *j2 = J("{'architecture': 'arm64', 'os': 'linux', 'variant': 'v8',"
                                    " 'config': {'Cmd': [], 'Entrypoint': ['/init']},"
                                    " 'rootfs': {'type': 'layers', 'diff_ids': []}}");
        a = berth_oci_image_config_parse(j2, strlen(j2), &err);
        ok(a && a->config.cmd && a->config.cmd[0] == NULL, "an empty Cmd is an empty vector");
        _cleanup_free_ char *out = a ? berth_oci_image_config_to_json(a, NULL) : NULL;
        _cleanup_free_ char *want =
            J("{'architecture':'arm64','config':{'Cmd':[],'Entrypoint':['/init']},'os':'linux',"
              "'rootfs':{'diff_ids':[],'type':'layers'},'variant':'v8'}");
        is_str(out, want, "canonical config JSON keeps the empty Cmd");
        berth_oci_image_config_free(a);
}

static void test_builders(void)
{
        berth_error err = {0};
        oci_image_config *c = berth_oci_image_config_new("linux", "amd64", NULL);
        ok(c && c->raw == NULL, "a new config has no raw bytes");
        berth_digest d1, d2;
        berth_digest_of("layer one", 9, &d1);
        berth_digest_of("layer two", 9, &d2);
        is_int(berth_oci_image_config_set_created(c, "2024-02-01T00:00:00Z"), 0, "set created");
        is_int(berth_oci_image_config_set_created(c, "Feb 1st"), -EINVAL,
               "a created that is not RFC 3339 is refused");
        is_str(c->created, "2024-02-01T00:00:00Z", "  and changes nothing");
        berth_oci_image_config_add_diff_id(c, &d1);
        is_int(berth_oci_image_config_add_history(c, "2024-02-01T00:00:00Z", "berth import", NULL,
                                                  "Imported from -", false),
               0, "history entry");
        berth_oci_image_config_add_diff_id(c, &d2);
        berth_oci_image_config_add_history(c, NULL, "berth commit", "me", NULL, false);
        berth_oci_image_config_add_history(c, NULL, "CMD [\"sh\"]", NULL, NULL, true);
        is_int(berth_oci_image_config_add_history(c, "now", NULL, NULL, NULL, true), -EINVAL,
               "history with a bad time refused");
        is_int(c->n_history, 3, "  and not added");

        size_t len = 0;
        _cleanup_free_ char *j = berth_oci_image_config_to_json(c, &len);
        _cleanup_free_ char *want =
            berth_xasprintf("{\"architecture\":\"amd64\",\"created\":\"2024-02-01T00:00:00Z\","
                            "\"history\":[{\"comment\":\"Imported from -\",\"created\":"
                            "\"2024-02-01T00:00:00Z\",\"created_by\":\"berth import\"},"
                            "{\"author\":\"me\",\"created_by\":\"berth commit\"},"
                            "{\"created_by\":\"CMD [\\\"sh\\\"]\",\"empty_layer\":true}],"
                            "\"os\":\"linux\",\"rootfs\":{\"diff_ids\":[\"%s\",\"%s\"],"
                            "\"type\":\"layers\"}}",
                            d1.s, d2.s);
        is_str(j, want, "built config, canonical");
        is_int(len, strlen(want), "  length");

        oci_image_config *p = berth_oci_image_config_parse(j, len, &err);
        ok(p != NULL, "the built config parses: %s", err.msg);
        if (p) {
                ok(p->raw != NULL, "  with raw");
                berth_oci_image_config_add_diff_id(p, &d1);
                ok(p->raw == NULL && p->raw_len == 0, "a builder drops raw (it no longer fits)");
                is_int(p->n_diff_ids, 3, "  and appends");
        }
        berth_oci_image_config_free(p);

        oci_image_config *d = berth_oci_image_config_dup(c);
        _cleanup_free_ char *jd = berth_oci_image_config_to_json(d, NULL);
        is_str(jd, j, "dup is the same config");
        free(d->history[0].created_by);
        d->history[0].created_by = berth_xstrdup("changed");
        is_str(c->history[0].created_by, "berth import", "  a deep copy");
        berth_oci_image_config_free(d);

        /* Same struct, same bytes: a reproducible image id. */
        _cleanup_free_ char *j2 = berth_oci_image_config_to_json(c, NULL);
        is_str(j2, j, "emitting twice gives the same bytes");

        /* Strings from a builder's caller that are not UTF-8 still make valid JSON. */
        c->author = berth_xstrdup("caf\xe9 \xc3\xa9");
        _cleanup_free_ char *j3 = berth_oci_image_config_to_json(c, NULL);
        oci_image_config *q = berth_oci_image_config_parse(j3, strlen(j3), &err);
        ok(q != NULL, "latin-1 bytes are emitted as valid JSON: %s", err.msg);
        if (q)
                is_str(q->author, "caf? \xc3\xa9", "  bad bytes become '?', good UTF-8 stays");
        berth_oci_image_config_free(q);
        berth_oci_image_config_free(c);
}

/* --- docker-archive --------------------------------------------------------------------- */

static void test_archive(void)
{
        berth_error err = {0};
        _cleanup_free_ char *text = J(archive_manifest);
        docker_archive_manifest *m = berth_docker_archive_manifest_parse(text, strlen(text), &err);
        ok(m != NULL, "docker-archive manifest.json parses: %s", err.msg);
        if (m == NULL)
                return;
        is_int(m->n_entries, 2, "two images");
        docker_archive_entry *e = &m->entries[0];
        is_str(e->config, H4 ".json", "[0].Config");
        is_int(berth_strv_length(e->repo_tags), 2, "[0].RepoTags");
        is_str(e->repo_tags[0], "busybox:latest", "[0].RepoTags[0]");
        is_int(berth_strv_length(e->layers), 2, "[0].Layers");
        is_str(e->layers[1], H2 "/layer.tar", "[0].Layers[1]");
        ok(e->parent == NULL, "[0] has no Parent");
        e = &m->entries[1];
        ok(e->repo_tags == NULL, "[1].RepoTags null (untagged)");
        is_str(e->config, "blobs/sha256/" H5, "[1].Config in OCI layout form");
        is_str(e->parent, "sha256:" H7, "[1].Parent");

        _cleanup_free_ char *j = berth_docker_archive_manifest_to_json(m, NULL);
        _cleanup_free_ char *want =
            J("[{'Config':'" H4 ".json','Layers':['" H1 "/layer.tar','" H2 "/layer.tar'],"
              "'RepoTags':['busybox:latest','busybox:1.36']},"
              "{'Config':'blobs/sha256/" H5 "','Layers':['blobs/sha256/" H6 "'],"
              "'Parent':'sha256:" H7 "','RepoTags':null}]");
        is_str(j, want, "manifest.json emitted as docker save writes it (RepoTags null kept)");
        docker_archive_manifest *m2 = berth_docker_archive_manifest_parse(j, strlen(j), &err);
        ok(m2 && m2->n_entries == 2 && strcmp(m2->entries[0].layers[0], H1 "/layer.tar") == 0,
           "and parses back");
        berth_docker_archive_manifest_free(m2);
        berth_docker_archive_manifest_free(m);

        _cleanup_free_ char *rt = J(repositories);
        docker_archive_repositories *r =
            berth_docker_archive_repositories_parse(rt, strlen(rt), &err);
        ok(r != NULL, "repositories parses: %s", err.msg);
        if (r) {
                is_int(r->n_tags, 3, "three tags");
                is_str(r->tags[0].repo, "busybox", "repo");
                is_str(r->tags[0].tag, "1.36", "tag");
                is_str(r->tags[0].layer, H2, "layer id");
                is_str(r->tags[2].repo, "alpine", "second repo");
                _cleanup_free_ char *rj = berth_docker_archive_repositories_to_json(r, NULL);
                _cleanup_free_ char *rwant =
                    J("{'alpine':{'3.19':'" H3 "'},'busybox':{'1.36':'" H2 "','latest':'" H2 "'}}");
                is_str(rj, rwant, "repositories emitted, canonical");
        }
        berth_docker_archive_repositories_free(r);
}

/* --- Refusals --------------------------------------------------------------------------- */

enum doc { MANIFEST, INDEX, CONFIG, ARCHIVE, REPOS };

static void refuse(enum doc doc, const char *sq, const char *hint, const char *want)
{
        berth_error err = {0};
        _cleanup_free_ char *j = J(sq);
        void *p = NULL;
        switch (doc) {
        case MANIFEST:
                p = berth_oci_manifest_parse(j, strlen(j), hint, &err);
                berth_oci_manifest_free(p);
                break;
        case INDEX:
                p = berth_oci_index_parse(j, strlen(j), hint, &err);
                berth_oci_index_free(p);
                break;
        case CONFIG:
                p = berth_oci_image_config_parse(j, strlen(j), &err);
                berth_oci_image_config_free(p);
                break;
        case ARCHIVE:
                p = berth_docker_archive_manifest_parse(j, strlen(j), &err);
                berth_docker_archive_manifest_free(p);
                break;
        case REPOS:
                p = berth_docker_archive_repositories_parse(j, strlen(j), &err);
                berth_docker_archive_repositories_free(p);
                break;
        }
        ok(p == NULL, "refused: %s", want);
        like(err.msg, want, "  message names it");
        ok(err.code != 0, "  with an error code");
}

#define CFG_DESC                                                                                   \
        "{'mediaType': 'application/vnd.oci.image.config.v1+json', 'size': 1, 'digest': "          \
        "'sha256:" H1 "'}"
#define LAYER(mt) "{'mediaType': '" mt "', 'size': 1, 'digest': 'sha256:" H2 "'}"
#define GZ        "application/vnd.oci.image.layer.v1.tar+gzip"
#define OCI_M(rest)                                                                                \
        "{'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json', " rest "}"
#define CONF(rest) "{'architecture': 'amd64', 'os': 'linux', " rest "}"
#define ROOTFS     "'rootfs': {'type': 'layers', 'diff_ids': ['sha256:" H1 "']}"

static void test_refusals(void)
{
        /* Manifests. */
        refuse(MANIFEST, "{'schemaVersion': 2,", NULL, "invalid JSON at line 1");
        refuse(MANIFEST, "", NULL, "invalid JSON");
        refuse(MANIFEST, "[]", NULL, "manifest: expected an object, got array");
        refuse(MANIFEST,
               "{'schemaVersion': 1, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',"
               " 'config': " CFG_DESC ", 'layers': []}",
               NULL, "schemaVersion: must be 2, got 1");
        refuse(MANIFEST,
               "{'mediaType': 'application/vnd.oci.image.manifest.v1+json',"
               " 'config': " CFG_DESC ", 'layers': []}",
               NULL, "schemaVersion: missing");
        refuse(MANIFEST,
               "{'schemaVersion': '2', 'mediaType': 'application/vnd.oci.image.manifest.v1+json',"
               " 'config': " CFG_DESC ", 'layers': []}",
               NULL, "schemaVersion: expected an integer, got string");
        refuse(MANIFEST,
               OCI_M("'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', "
                     "'size': 1, 'digest': 'sha256:xyz'}, 'layers': []"),
               NULL, "config.digest: invalid digest 'sha256:xyz'");
        refuse(MANIFEST,
               OCI_M("'config': " CFG_DESC ", 'layers': [" LAYER(
                   GZ) ", {'mediaType': '" GZ
                       "', 'size': 1, 'digest': 'md5:d41d8cd98f00b204e9800998ecf8427e'}]"),
               NULL, "layers[1].digest: invalid digest 'md5:");
        refuse(MANIFEST,
               OCI_M("'config': " CFG_DESC ", 'layers': [{'mediaType': '" GZ "', 'size': 1,"
                     " 'digest': 'sha256:" H1 "'}, {'mediaType': '" GZ "', 'size': 1,"
                     " 'digest': 42}]"),
               NULL, "layers[1].digest: expected a string, got integer");
        refuse(MANIFEST,
               OCI_M("'config': " CFG_DESC ", 'layers': [" LAYER(GZ) ", " LAYER(GZ) ", " LAYER(
                   GZ) ", " LAYER("application/vnd.oci.image.layer.v1.tar+lz4") "]"),
               NULL,
               "layers[3].mediaType: unknown layer media type "
               "'application/vnd.oci.image.layer.v1.tar+lz4'");
        refuse(MANIFEST,
               OCI_M("'config': " CFG_DESC ", 'layers': [{'mediaType': '" GZ "', 'size': -1,"
                     " 'digest': 'sha256:" H1 "'}]"),
               NULL, "layers[0].size: must be an integer between 0 and");
        refuse(MANIFEST,
               OCI_M("'config': " CFG_DESC ", 'layers': [{'mediaType': '" GZ "', 'size': 1.5,"
                     " 'digest': 'sha256:" H1 "'}]"),
               NULL, "layers[0].size: expected an integer, got real");
        refuse(MANIFEST,
               OCI_M("'config': " CFG_DESC ", 'layers': [{'mediaType': '" GZ "',"
                     " 'digest': 'sha256:" H1 "'}]"),
               NULL, "layers[0].size: missing");
        refuse(MANIFEST,
               OCI_M("'config': " CFG_DESC ", 'layers': [{'size': 1, 'digest': 'sha256:" H1 "'}]"),
               NULL, "layers[0].mediaType: missing");
        refuse(MANIFEST,
               OCI_M("'config': " CFG_DESC ", 'layers': [{'mediaType': '', "
                     "'size': 1, 'digest': 'sha256:" H1 "'}]"),
               NULL, "layers[0].mediaType: must not be empty");
        refuse(MANIFEST, OCI_M("'layers': []"), NULL, "config: missing");
        refuse(MANIFEST, OCI_M("'config': null, 'layers': []"), NULL, "config: missing");
        refuse(MANIFEST, OCI_M("'config': " CFG_DESC), NULL, "layers: missing");
        refuse(MANIFEST, OCI_M("'config': " CFG_DESC ", 'layers': {}"), NULL,
               "layers: expected an array, got object");
        refuse(MANIFEST, OCI_M("'config': " CFG_DESC ", 'layers': ['x']"), NULL,
               "layers[0]: expected an object, got string");
        refuse(MANIFEST, OCI_M("'config': [], 'layers': []"), NULL,
               "config: expected an object, got array");
        refuse(MANIFEST,
               OCI_M("'config': {'mediaType': 'application/vnd.oci.empty.v1+json', 'size': 2,"
                     " 'digest': 'sha256:" H1 "'}, 'layers': []"),
               NULL,
               "config.mediaType: 'application/vnd.oci.empty.v1+json' is not an image config");
        refuse(MANIFEST, OCI_M("'config': " CFG_DESC ", 'layers': [], 'annotations': {'k': 1}"),
               NULL, "annotations.k: expected a string, got integer");
        refuse(MANIFEST,
               OCI_M("'config': " CFG_DESC
                     ", 'layers': [" LAYER(GZ) "], 'subject': "
                                               "{'mediaType': 'x', 'size': 1}"),
               NULL, "subject.digest: missing");
        refuse(MANIFEST,
               OCI_M("'config': " CFG_DESC ", 'layers': [{'mediaType': '" GZ "', 'size': 1,"
                     " 'digest': 'sha256:" H1 "', 'urls': 'http://x'}]"),
               NULL, "layers[0].urls: expected an array, got string");
        refuse(MANIFEST, "{'schemaVersion': 2, 'mediaType': 42}", NULL,
               "mediaType: expected a string, got integer");
        refuse(MANIFEST, docker_list, NULL,
               "mediaType: application/vnd.docker.distribution.manifest.list.v2+json is an image "
               "index, not an image manifest");
        refuse(MANIFEST, "{'schemaVersion': 2, 'manifests': []}", NULL,
               "the document is an image index, not an image manifest");
        refuse(MANIFEST, oci_manifest_doc, BERTH_MT_DOCKER_LIST,
               "mediaType: 'application/vnd.oci.image.manifest.v1+json' does not match "
               "'application/vnd.docker.distribution.manifest.list.v2+json' (an image index)");
        refuse(MANIFEST,
               "{'schemaVersion': 1, 'name': 'library/busybox', 'tag': 'latest',"
               " 'architecture': 'amd64', 'fsLayers': [{'blobSum': 'sha256:" H1 "'}],"
               " 'history': [{'v1Compatibility': '{}'}]}",
               NULL, "schema 1 manifests are not supported");
        refuse(MANIFEST, "{'schemaVersion': 2, 'config': {}}", BERTH_MT_DOCKER_SCHEMA1_JWS,
               "schema 1 manifests are not supported");
        refuse(MANIFEST, "{'schemaVersion': 2, 'mediaType': 'application/x-foo', 'layers': []}",
               NULL, "mediaType: unknown manifest media type 'application/x-foo'");
        refuse(MANIFEST, "{'schemaVersion': 2}", NULL,
               "not an image manifest: it has no mediaType and neither config nor layers");

        /* Indexes. */
        refuse(INDEX, "{'manifests': [", NULL, "invalid JSON");
        refuse(INDEX, docker_manifest, NULL, "is an image manifest, not an image index");
        refuse(INDEX, "{'schemaVersion': 3, 'manifests': []}", NULL,
               "schemaVersion: must be 2, got 3");
        refuse(INDEX,
               "{'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json'}", NULL,
               "manifests: missing");
        refuse(INDEX,
               "{'schemaVersion': 2, 'manifests': [{'mediaType': 'x', 'size': 1, 'digest': "
               "'sha256:" H1 "', 'platform': {'architecture': 'amd64'}}]}",
               NULL, "manifests[0].platform.os: missing");
        refuse(INDEX,
               "{'schemaVersion': 2, 'manifests': [{'mediaType': 'x', 'size': 1, 'digest': "
               "'sha256:" H1 "'}, {'mediaType': 'x', 'size': 1, 'digest': 'sha256:" H1 "',"
               " 'platform': {'architecture': 'amd64', 'os': 'linux', 'variant': 7}}]}",
               NULL, "manifests[1].platform.variant: expected a string, got integer");
        refuse(INDEX,
               "{'schemaVersion': 2, 'manifests': [{'mediaType': 'x', 'size': 1, 'digest': "
               "'sha256:" H1 "', 'platform': {'architecture': '', 'os': 'linux'}}]}",
               NULL, "manifests[0].platform.architecture: must not be empty");
        refuse(INDEX,
               "{'schemaVersion': 2, 'manifests': [{'mediaType': 'x', 'size': 1, 'digest': "
               "'sha256:" H1 "A'}]}",
               NULL, "manifests[0].digest: invalid digest");

        /* Configs. */
        refuse(CONFIG, "{'architecture': 'amd64'", NULL, "invalid JSON");
        refuse(CONFIG, "'just a string'", NULL, "invalid JSON at line 1 column 15");
        refuse(CONFIG, "[1]", NULL, "image config: expected an object, got array");
        refuse(CONFIG, "{'os': 'linux', " ROOTFS "}", NULL, "architecture: missing");
        refuse(CONFIG, "{'architecture': 'amd64', " ROOTFS "}", NULL, "os: missing");
        refuse(CONFIG, "{'architecture': '', 'os': 'linux', " ROOTFS "}", NULL,
               "architecture: must not be empty");
        refuse(CONFIG, "{'architecture': 64, 'os': 'linux', " ROOTFS "}", NULL,
               "architecture: expected a string, got integer");
        refuse(CONFIG, CONF("'config': {}"), NULL, "rootfs: missing");
        refuse(CONFIG, CONF("'rootfs': {'type': 'layers'}"), NULL, "rootfs.diff_ids: missing");
        refuse(CONFIG, CONF("'rootfs': {'diff_ids': []}"), NULL, "rootfs.type: missing");
        refuse(CONFIG, CONF("'rootfs': {'type': 'tarsum', 'diff_ids': []}"), NULL,
               "rootfs.type: must be 'layers', got 'tarsum'");
        refuse(CONFIG,
               CONF("'rootfs': {'type': 'layers', 'diff_ids': ['sha256:" H1 "', 'sha256:xyz']}"),
               NULL, "rootfs.diff_ids[1]: invalid digest 'sha256:xyz'");
        refuse(CONFIG, CONF("'created': 'yesterday', " ROOTFS), NULL,
               "created: not an RFC 3339 time: 'yesterday'");
        refuse(CONFIG, CONF("'created': '', " ROOTFS), NULL, "created: not an RFC 3339 time");
        refuse(CONFIG,
               CONF(ROOTFS ", 'history': [{'created': '2023-07-18T23:19:33Z'},"
                           " {'created': '2023-02-30T00:00:00Z'}]"),
               NULL, "history[1].created: not an RFC 3339 time: '2023-02-30T00:00:00Z'");
        refuse(CONFIG, CONF(ROOTFS ", 'history': [{'empty_layer': 'yes'}]"), NULL,
               "history[0].empty_layer: expected a boolean, got string");
        refuse(CONFIG, CONF(ROOTFS ", 'history': {}"), NULL,
               "history: expected an array, got object");
        refuse(CONFIG, CONF(ROOTFS ", 'history': [[]]"), NULL,
               "history[0]: expected an object, got array");
        refuse(CONFIG, CONF(ROOTFS ", 'config': []"), NULL,
               "config: expected an object, got array");
        refuse(CONFIG, CONF(ROOTFS ", 'config': {'Env': 'PATH=/bin'}"), NULL,
               "config.Env: expected an array, got string");
        refuse(CONFIG, CONF(ROOTFS ", 'config': {'Env': ['A=1', 2]}"), NULL,
               "config.Env[1]: expected a string, got integer");
        refuse(CONFIG, CONF(ROOTFS ", 'config': {'Cmd': 'sh'}"), NULL,
               "config.Cmd: expected an array, got string");
        refuse(CONFIG, CONF(ROOTFS ", 'config': {'User': 0}"), NULL,
               "config.User: expected a string, got integer");
        refuse(CONFIG, CONF(ROOTFS ", 'config': {'ExposedPorts': {'80/tcp': 1}}"), NULL,
               "config.ExposedPorts.80/tcp: expected an object, got integer");
        refuse(CONFIG, CONF(ROOTFS ", 'config': {'ExposedPorts': ['80/tcp']}"), NULL,
               "config.ExposedPorts: expected an object, got array");
        refuse(CONFIG, CONF(ROOTFS ", 'config': {'Volumes': {'': {}}}"), NULL,
               "config.Volumes: keys must not be empty");
        refuse(CONFIG, CONF(ROOTFS ", 'config': {'Labels': {'a': true}}"), NULL,
               "config.Labels.a: expected a string, got boolean");
        refuse(CONFIG, CONF(ROOTFS ", 'config': {'ArgsEscaped': 1}"), NULL,
               "config.ArgsEscaped: expected a boolean, got integer");
        refuse(CONFIG, CONF(ROOTFS ", 'config': {'Healthcheck': {'Interval': -1}}"), NULL,
               "config.Healthcheck.Interval: must be an integer between 0 and");
        refuse(CONFIG, CONF(ROOTFS ", 'config': {'Healthcheck': {'Retries': 'x'}}"), NULL,
               "config.Healthcheck.Retries: expected an integer, got string");
        refuse(CONFIG, CONF(ROOTFS ", 'config': {'Healthcheck': {'Test': 'CMD true'}}"), NULL,
               "config.Healthcheck.Test: expected an array, got string");
        refuse(CONFIG, CONF(ROOTFS ", 'os.features': 'x'"), NULL,
               "os.features: expected an array, got string");

        /* docker-archive. */
        refuse(ARCHIVE, "{}", NULL, "manifest.json: expected an array, got object");
        refuse(ARCHIVE, "[{'Layers': []}]", NULL, "[0].Config: missing");
        refuse(ARCHIVE, "[{'Config': 'a.json', 'Layers': []}, {'Config': 'b.json'}]", NULL,
               "[1].Layers: missing");
        refuse(ARCHIVE, "[{'Config': 'a.json', 'Layers': ['a/layer.tar', '../../etc/passwd']}]",
               NULL, "[0].Layers[1]: path '../../etc/passwd' leaves the archive");
        refuse(ARCHIVE, "[{'Config': 'a.json', 'Layers': ['x/../../y']}]", NULL,
               "[0].Layers[0]: path 'x/../../y' leaves the archive");
        refuse(ARCHIVE, "[{'Config': '/etc/shadow', 'Layers': []}]", NULL,
               "[0].Config: path '/etc/shadow' leaves the archive");
        refuse(ARCHIVE, "[{'Config': '', 'Layers': []}]", NULL, "[0].Config: must not be empty");
        refuse(ARCHIVE, "[{'Config': 'a.json', 'Layers': [], 'RepoTags': 'busybox'}]", NULL,
               "[0].RepoTags: expected an array, got string");
        refuse(ARCHIVE, "['a.json']", NULL, "[0]: expected an object, got string");
        refuse(REPOS, "[]", NULL, "repositories: expected an object, got array");
        refuse(REPOS, "{'busybox': {'latest': 'xyz'}}", NULL,
               "busybox.latest: 'xyz' is not a layer id");
        refuse(REPOS, "{'busybox': ['latest']}", NULL, "busybox: expected an object, got array");
}

static void test_limits(void)
{
        berth_error err = {0};
        /* 501 diff_ids: more than overlayfs can stack. */
        size_t n = BERTH_OCI_MAX_LAYERS + 1;
        char *buf = berth_xmalloc0(n * 80 + 200);
        strcpy(buf, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                    "\"diff_ids\":[");
        for (size_t i = 0; i < n; i++)
                strcat(strcat(buf, i ? ",\"sha256:" : "\"sha256:"), H1 "\"");
        strcat(buf, "]}}");
        oci_image_config *c = berth_oci_image_config_parse(buf, strlen(buf), &err);
        ok(c == NULL, "501 diff_ids refused");
        like(err.msg, "rootfs.diff_ids: 501 layers, at most 500 are supported", "  says so");
        berth_oci_image_config_free(c);
        /* 500 is fine. */
        char *last = strrchr(buf, ',');
        strcpy(last, "]}}");
        c = berth_oci_image_config_parse(buf, strlen(buf), &err);
        ok(c && c->n_diff_ids == BERTH_OCI_MAX_LAYERS, "500 diff_ids accepted: %s", err.msg);
        berth_oci_image_config_free(c);
        free(buf);
}

/* --- Times ------------------------------------------------------------------------------ */

static void test_times(void)
{
        static const struct {
                const char *text;
                int64_t sec;
                int32_t nsec;
        } good[] = {
            {"1970-01-01T00:00:00Z", 0, 0},
            {"2023-07-18T23:19:33.655005962Z", 1689722373, 655005962},
            {"2023-07-19T01:19:33.5+02:00", 1689722373, 500000000},
            {"2023-07-18t20:19:33-03:00", 1689722373, 0},
            {"2024-02-29T00:00:00Z", 1709164800, 0},
            {"0001-01-01T00:00:00Z", -62135596800LL, 0},
            {"1969-12-31T23:59:59.123456789123Z", -1, 123456789},
        };
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                int64_t s = 0;
                int32_t ns = -1;
                int r = berth_rfc3339_parse(good[i].text, &s, &ns);
                ok(r == 0 && s == good[i].sec && ns == good[i].nsec, "RFC 3339 %s", good[i].text);
                if (r == 0 && (s != good[i].sec || ns != good[i].nsec))
                        printf("#   got %lld.%09d\n", (long long)s, (int)ns);
        }
        static const char *const bad[] = {
            "",
            "yesterday",
            "2023-07-18",
            "2023-07-18T23:19:33",
            "2023-07-18 23:19:33Z",
            "2023-02-29T00:00:00Z",
            "2023-13-01T00:00:00Z",
            "2023-07-18T24:00:00Z",
            "2023-07-18T23:60:00Z",
            "2023-07-18T23:19:60Z",
            "2023-07-18T23:19:33.Z",
            "2023-07-18T23:19:33Z ",
            "2023-07-18T23:19:33+0200",
            "+2023-07-18T23:19:33Z",
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                int64_t s;
                int32_t ns;
                is_int(berth_rfc3339_parse(bad[i], &s, &ns), -EINVAL, "not RFC 3339: '%s'", bad[i]);
        }
        char buf[40];
        is_str(berth_rfc3339_format(1689722373, 655005962, buf, sizeof(buf)),
               "2023-07-18T23:19:33.655005962Z", "format with nanoseconds");
        is_str(berth_rfc3339_format(1689722373, 500000000, buf, sizeof(buf)),
               "2023-07-18T23:19:33.5Z", "trailing zeros trimmed, as Go does");
        is_str(berth_rfc3339_format(0, 0, buf, sizeof(buf)), "1970-01-01T00:00:00Z", "epoch");
        is_str(berth_rfc3339_format(-1, 0, buf, sizeof(buf)), "1969-12-31T23:59:59Z",
               "before the epoch");
        is_str(berth_rfc3339_format(1709164800, 0, buf, sizeof(buf)), "2024-02-29T00:00:00Z",
               "a leap day");
        int64_t s;
        int32_t ns;
        berth_rfc3339_parse(berth_rfc3339_format(4102444799LL, 1, buf, sizeof(buf)), &s, &ns);
        ok(s == 4102444799LL && ns == 1, "format → parse round trip (%s)", buf);
}

int main(void)
{
        test_media_types();
        test_kind();
        test_docker_manifest();
        test_oci_manifest();
        test_docker_list();
        test_oci_index();
        test_select();
        test_host_platform();
        test_config();
        test_image_check();
        test_manifest_emit();
        test_config_emit();
        test_builders();
        test_archive();
        test_refusals();
        test_limits();
        test_times();
        return tap_done();
}
