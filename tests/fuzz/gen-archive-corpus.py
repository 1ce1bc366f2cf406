#!/usr/bin/env python3
"""Write the seed corpus of fuzz-archive into tests/fuzz/corpus/fuzz-archive/.

  gen-archive-corpus.py [--berth BUILD/cmd/berth/berth]

Small archives of every form `berth load` reads, made with
tests/integration/archive-gen.py: docker-archive (plain, gzip layers, a
layer.tar symlinked between two images, docker >= 25's OCI layout), OCI
layout, compressed outer tars, the faults archive-gen knows, and truncated
copies. Their first layer is the fuzz target's base layer, byte for byte
(see base_layer() in fuzz-archive.c), so loads reach the paths for blobs
and layers that are already stored. With --berth, also what `berth save`
writes (both formats) for an image of those layers.
"""
import argparse
import bz2
import gzip
import io
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "integration", "archive-gen.py")
OUT = os.path.join(HERE, "corpus", "fuzz-archive")


def ustar_header(name, size):
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"00000000000\0"
    h[156:157] = b"0"
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b" " * 8
    h[148:155] = b"%06o\0" % sum(h)
    return bytes(h)


def base_layer():
    """The same 2048 bytes as base_layer() in fuzz-archive.c."""
    data = b"the base layer\n"
    out = ustar_header("base", len(data)) + data
    return out + bytes(2048 - len(out))


def second_layer():
    """A layer on top: a whiteout of the base file and a file of its own."""
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in [(".wh.base", b""), ("etc/two", b"two\n")]:
            i = tarfile.TarInfo(name)
            i.size = len(data)
            i.mtime = 0
            t.addfile(i, io.BytesIO(data))
    return b.getvalue()


def gen(tmp, kind, name, layers, *flags, tags=("fuzz/img:1",)):
    out = os.path.join(tmp, name)
    args = [sys.executable, GEN, kind, out]
    for l in layers:
        args += ["--layer", l]
    for t in tags:
        args += ["--tag", t]
    subprocess.run(args + list(flags), check=True, stdout=subprocess.DEVNULL)
    return open(out, "rb").read()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--berth", help="a berth binary, for `berth save` seeds")
    a = p.parse_args()
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp()
    try:
        l1 = os.path.join(tmp, "l1.tar")
        l2 = os.path.join(tmp, "l2.tar")
        open(l1, "wb").write(base_layer())
        open(l2, "wb").write(second_layer())
        seeds = {
            "docker-base.tar": gen(tmp, "docker", "a", [l1]),
            "docker-two.tar": gen(tmp, "docker", "b", [l1, l2]),
            "docker-gzip-layers.tar": gen(tmp, "docker", "c", [l1, l2], "--gzip-layers"),
            "docker-symlink.tar": gen(tmp, "docker", "d", [l1, l2], "--dup-symlink"),
            "docker25.tar": gen(tmp, "docker", "e", [l1, l2], "--docker25"),
            "docker-untagged.tar": gen(tmp, "docker", "f", [l1], tags=()),
            "oci-two.tar": gen(tmp, "oci", "g", [l1, l2]),
            "oci-gzip-layers.tar": gen(tmp, "oci", "h", [l1, l2], "--gzip-layers"),
            "oci-untagged.tar": gen(tmp, "oci", "i", [l1], tags=()),
            "bad-diff-id.tar": gen(tmp, "docker", "j", [l1, l2], "--bad-diff-id"),
            "missing-layer.tar": gen(tmp, "oci", "k", [l1, l2], "--missing-layer"),
            "escape-path.tar": gen(tmp, "docker", "l", [l1], "--escape-path"),
            "bad-blob.tar": gen(tmp, "oci", "m", [l1, l2], "--bad-blob"),
        }
        two = seeds["docker-two.tar"]
        seeds["docker-two.tar.gz"] = gzip.compress(two, mtime=0)
        seeds["docker-two.tar.xz"] = lzma.compress(two)
        seeds["oci-two.tar.bz2"] = bz2.compress(seeds["oci-two.tar"])
        if shutil.which("zstd"):
            seeds["oci-two.tar.zst"] = subprocess.run(
                ["zstd", "-q", "-c"], input=seeds["oci-two.tar"], check=True,
                stdout=subprocess.PIPE).stdout
        seeds["truncated-header.tar"] = two[:700]
        seeds["truncated-member.tar"] = two[:3000]
        seeds["truncated-oci.tar"] = seeds["oci-two.tar"][:5000]
        seeds["truncated.tar.gz"] = seeds["docker-two.tar.gz"][:400]
        if a.berth:
            root = os.path.join(tmp, "root")
            env = dict(os.environ, BERTH_ROOT=root)
            subprocess.run([a.berth, "import", l1, "saved:1"], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            for fmt in ["docker", "oci"]:
                out = os.path.join(tmp, "save-" + fmt)
                subprocess.run([a.berth, "save", "--format", fmt, "-o", out, "saved:1"],
                               env=env, check=True)
                seeds["berth-save-%s.tar" % fmt] = open(out, "rb").read()
        for name, data in sorted(seeds.items()):
            with open(os.path.join(OUT, name), "wb") as f:
                f.write(data)
            print("%-28s %6d bytes" % (name, len(data)))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
