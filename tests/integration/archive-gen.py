#!/usr/bin/env python3
"""Write a docker-archive or an OCI layout tar from layer tars, good or broken on purpose.

  archive-gen.py docker|oci OUT --layer L.tar [--layer L2.tar ...] [--tag NAME:TAG ...] [FAULT]

Faults (one at a time):
  --bad-diff-id      the config's last diff id is another layer's digest
  --missing-layer    manifest.json / the manifest names a layer that is not in the tar
  --escape-path      manifest.json's first layer is '../<hex>/layer.tar'
  --bad-blob         (oci) a layer blob's content does not match its name
  --gzip-layers      layers gzip-compressed inside the archive (not a fault)
  --dup-symlink      (docker) a second image sharing the layers, its layer.tar a symlink
  --docker25         (docker) as docker >= 25 writes: an OCI layout, and manifest.json
                     pointing into blobs/sha256/ (index.json names the image
                     "<tag>-from-index", so a test can tell which file was read)
"""
import argparse
import gzip
import hashlib
import io
import json
import platform
import tarfile

ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def sha(b):
    return hashlib.sha256(b).hexdigest()


def add(t, name, data):
    i = tarfile.TarInfo(name)
    i.size = len(data)
    i.mode = 0o644
    t.addfile(i, io.BytesIO(data))


def add_symlink(t, name, target):
    i = tarfile.TarInfo(name)
    i.type = tarfile.SYMTYPE
    i.linkname = target
    t.addfile(i)


def config(diff_ids, cmd):
    return json.dumps({
        "architecture": ARCH, "os": "linux",
        "created": "2024-01-02T03:04:05Z",
        "config": {"Cmd": cmd, "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in diff_ids]},
        "history": [{"created": "2024-01-02T03:04:05Z", "created_by": "archive-gen"}
                    for _ in diff_ids],
    }, sort_keys=True).encode()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["docker", "oci"])
    p.add_argument("out")
    p.add_argument("--layer", action="append", default=[])
    p.add_argument("--tag", action="append", default=[])
    for f in ["bad-diff-id", "missing-layer", "escape-path", "bad-blob", "gzip-layers",
              "dup-symlink", "docker25"]:
        p.add_argument("--" + f, action="store_true")
    a = p.parse_args()

    raw = [open(f, "rb").read() for f in a.layer]
    diff_ids = [sha(b) for b in raw]
    stored = [gzip.compress(b, mtime=0) if a.gzip_layers else b for b in raw]
    cfg_ids = list(diff_ids)
    if a.bad_diff_id:
        cfg_ids[-1] = sha(b"not this layer")
    cfg = config(cfg_ids, ["sh"])
    t = tarfile.open(a.out, "w", format=tarfile.PAX_FORMAT)

    if a.kind == "docker" and a.docker25:
        add(t, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        for b in stored:
            add(t, "blobs/sha256/" + sha(b), b)
        add(t, "blobs/sha256/" + sha(cfg), cfg)
        man = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": "sha256:" + sha(cfg), "size": len(cfg)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": "sha256:" + sha(b), "size": len(b)} for b in stored]}).encode()
        add(t, "blobs/sha256/" + sha(man), man)
        idx = [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": "sha256:" + sha(man), "size": len(man),
                "annotations": {"io.containerd.image.name": tag + "-from-index"}}
               for tag in a.tag]
        add(t, "index.json", json.dumps({"schemaVersion": 2, "manifests": idx}).encode())
        add(t, "manifest.json", json.dumps([{
            "Config": "blobs/sha256/" + sha(cfg), "RepoTags": a.tag or None,
            "Layers": ["blobs/sha256/" + sha(b) for b in stored]}]).encode())
    elif a.kind == "docker":
        dirs = [sha(("%d" % i).encode() + d.encode()) for i, d in enumerate(diff_ids)]
        for i, (d, b) in enumerate(zip(dirs, stored)):
            if a.missing_layer and i == len(dirs) - 1:
                continue
            add(t, d + "/VERSION", b"1.0")
            add(t, d + "/json", json.dumps({"id": d}).encode())
            add(t, d + "/layer.tar", b)
        add(t, sha(cfg) + ".json", cfg)
        layers = [d + "/layer.tar" for d in dirs]
        if a.escape_path:
            layers[0] = "../" + layers[0]
        man = [{"Config": sha(cfg) + ".json", "RepoTags": a.tag or None, "Layers": layers}]
        if a.dup_symlink:
            cfg2 = config(cfg_ids, ["echo", "second"])
            add(t, sha(cfg2) + ".json", cfg2)
            dirs2 = [sha(b"second" + d.encode()) for d in dirs]
            for d, d1 in zip(dirs2, dirs):
                add_symlink(t, d + "/layer.tar", "../" + d1 + "/layer.tar")
            man.append({"Config": sha(cfg2) + ".json", "RepoTags": ["second:latest"],
                        "Layers": [d + "/layer.tar" for d in dirs2]})
        add(t, "manifest.json", json.dumps(man).encode())
    else:
        add(t, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        mt = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if a.gzip_layers else "")
        descs = []
        for i, b in enumerate(stored):
            descs.append({"mediaType": mt, "digest": "sha256:" + sha(b), "size": len(b)})
            if a.missing_layer and i == len(stored) - 1:
                continue
            if a.bad_blob and i == len(stored) - 1:
                b = b[:-1] + bytes([b[-1] ^ 1])
            add(t, "blobs/sha256/" + sha(stored[i]), b)
        add(t, "blobs/sha256/" + sha(cfg), cfg)
        man = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": "sha256:" + sha(cfg), "size": len(cfg)},
            "layers": descs}).encode()
        add(t, "blobs/sha256/" + sha(man), man)
        entries = []
        for tag in a.tag or [None]:
            e = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                 "digest": "sha256:" + sha(man), "size": len(man)}
            if tag:
                e["annotations"] = {"org.opencontainers.image.ref.name": tag}
            entries.append(e)
        add(t, "index.json", json.dumps({"schemaVersion": 2, "manifests": entries}).encode())
    t.close()
    print("sha256:" + sha(cfg))


main()
