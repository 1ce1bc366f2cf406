#!/usr/bin/env python3
"""fs-list.py ARCHIVE: the filesystem of the image in a docker-archive (what
`docker save` and `berth save` write), its layers applied in order with their
whiteouts, one line a path, sorted, mtimes left out:

    path type mode uid:gid size link-target content-sha256

type is d (directory), f (file), l (symlink), c/b (device), p (fifo); a hard
link is listed as the file it links (f, with its content). With --layers,
prints the number of layers instead."""
import hashlib
import json
import sys
import tarfile


def norm(name):
    name = name.strip("/")
    while name.startswith("./"):
        name = name[2:]
    return "/" + name if name not in ("", ".") else "/"


def main():
    layers_only = "--layers" in sys.argv
    path = [a for a in sys.argv[1:] if not a.startswith("--")][0]
    outer = tarfile.open(path)
    manifest = json.load(outer.extractfile("manifest.json"))
    layers = manifest[0]["Layers"]
    if layers_only:
        print(len(layers))
        return
    fs = {}
    for lname in layers:
        member = outer.getmember(lname)
        while member.issym():  # docker 20.10 links repeated layer.tar files
            target = member.linkname
            base = lname.rsplit("/", 1)[0]
            lname = _resolve(base, target)
            member = outer.getmember(lname)
        layer = tarfile.open(fileobj=outer.extractfile(member))
        entries = []
        opaque = []
        whiteouts = []
        for m in layer:
            p = norm(m.name)
            base = p.rsplit("/", 1)[1]
            parent = p.rsplit("/", 1)[0] or "/"
            if base == ".wh..wh..opq":
                opaque.append(parent)
                continue
            if base.startswith(".wh."):
                whiteouts.append((parent.rstrip("/") + "/" + base[4:]).replace("//", "/"))
                continue
            if m.isdir():
                t, data = "d", None
            elif m.issym():
                t, data = "l", None
            elif m.islnk():
                t = "f"
                data = layer.extractfile(m).read() if layer.extractfile(m) else None
                if data is None:
                    data = fs.get(norm(m.linkname), {}).get("data", b"")
            elif m.isfile():
                t, data = "f", layer.extractfile(m).read()
            elif m.ischr():
                t, data = "c", None
            elif m.isblk():
                t, data = "b", None
            elif m.isfifo():
                t, data = "p", None
            else:
                t, data = "?", None
            entries.append((p, {"t": t, "mode": m.mode, "uid": m.uid, "gid": m.gid,
                                "size": len(data) if data is not None else 0,
                                "link": m.linkname if m.issym() else "",
                                "data": data}))
        for d in opaque:
            for k in [k for k in fs if k.startswith(d.rstrip("/") + "/")]:
                del fs[k]
        for w in whiteouts:
            for k in [k for k in fs if k == w or k.startswith(w + "/")]:
                del fs[k]
        for p, e in entries:
            old = fs.get(p)
            if old and old["t"] == "d" and e["t"] != "d":
                for k in [k for k in fs if k.startswith(p + "/")]:
                    del fs[k]
            fs[p] = e
    for p in sorted(fs):
        e = fs[p]
        h = hashlib.sha256(e["data"]).hexdigest()[:16] if e["data"] is not None else "-"
        print(f'{p} {e["t"]} {e["mode"]:04o} {e["uid"]}:{e["gid"]} {e["size"]} {e["link"] or "-"} {h}')


def _resolve(base, target):
    parts = base.split("/") + target.split("/")
    out = []
    for x in parts:
        if x in ("", "."):
            continue
        if x == "..":
            if out:
                out.pop()
        else:
            out.append(x)
    return "/".join(out)


if __name__ == "__main__":
    main()
