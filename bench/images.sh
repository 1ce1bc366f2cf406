#!/usr/bin/env bash
# `berth load` against `docker load` (dockerd 20.10, overlay2, on its own
# containerd, both started here in a temp dir and stopped again) of the same
# docker-archive: one 200 MB layer of random data (so compression gains
# nothing and the work is I/O, hashing and unpacking), as the plain tar that
# `docker save` writes and gzip-compressed. Each run starts from an empty
# store: the image is removed (berth: a fresh root; docker: rmi) in hyperfine's
# --prepare, outside the timing.
source "$(dirname "$0")/lib.sh"

bench_with_docker

B="$COMPAT_TMP/bench"
mkdir -p "$B/tree"
for i in $(seq 200); do
  head -c 1M /dev/urandom >"$B/tree/f$i"
done
tar -C "$B/tree" -cf "$B/layer.tar" .
rm -rf "$B/tree"
docker import "$B/layer.tar" big:1 >/dev/null
docker save -o "$B/big.tar" big:1
gzip -c "$B/big.tar" >"$B/big.tar.gz"
rm -f "$B/layer.tar"
docker rmi big:1 >/dev/null
echo "## archive: $(du -m "$B/big.tar" | cut -f1) MB plain, $(du -m "$B/big.tar.gz" | cut -f1) MB gzip; docker storage driver $DOCKER_DRIVER"

ROOT="$B/berth-root"
reset_berth="sh -c 'rm -rf $ROOT'"
reset_docker="sh -c 'docker rmi -f big:1 >/dev/null 2>&1; true'"
ALTERNATE_OPTS=(--prepare "$reset_berth" --prepare "$reset_docker")

echo "## load of the docker-archive (ms: median mean n)"
alternate 3 3 berth-load "$BERTH --root $ROOT load -i $B/big.tar" \
  docker-load "docker load -q -i $B/big.tar"
echo "## load of the gzip-compressed docker-archive (ms: median mean n)"
alternate 3 3 berth-load "$BERTH --root $ROOT load -i $B/big.tar.gz" \
  docker-load "docker load -q -i $B/big.tar.gz"

rm -rf "$ROOT"
"$BERTH" --root "$ROOT" load -i "$B/big.tar" >/dev/null
docker load -q -i "$B/big.tar" >/dev/null
echo "## save of the image to a file (ms: median mean n)"
ALTERNATE_OPTS=()
alternate 3 3 berth-save-docker "$BERTH --root $ROOT save -o $B/out.tar big:1" \
  berth-save-oci "$BERTH --root $ROOT save --format oci -o $B/out-oci.tar big:1" \
  docker-save "docker save -o $B/out-docker.tar big:1"

# Compressible data (base64 text: gzip and zstd both shrink it to ~3/4), where
# decompression is real work: gzip as docker takes it, and zstd (which docker
# 20.10 cannot load) — issue #3: "zstd faster still".
mkdir -p "$B/text"
for i in $(seq 200); do
  head -c 768K /dev/urandom | base64 -w 76 >"$B/text/f$i"
done
tar -C "$B/text" -cf "$B/tlayer.tar" .
rm -rf "$B/text"
docker import "$B/tlayer.tar" text:1 >/dev/null
docker save -o "$B/text.tar" text:1
docker rmi text:1 >/dev/null
gzip -c "$B/text.tar" >"$B/text.tar.gz"
zstd -q -c "$B/text.tar" >"$B/text.tar.zst"
rm -f "$B/tlayer.tar"
echo "## compressible archive: $(du -m "$B/text.tar" | cut -f1) MB plain, $(du -m "$B/text.tar.gz" | cut -f1) MB gzip, $(du -m "$B/text.tar.zst" | cut -f1) MB zstd"
reset_docker="sh -c 'docker rmi -f text:1 >/dev/null 2>&1; true'"
ALTERNATE_OPTS=(--prepare "$reset_berth" --prepare "$reset_berth" --prepare "$reset_docker")
echo "## load of the compressible archive: berth gzip, berth zstd, docker gzip (ms: median mean n)"
alternate 3 3 berth-load-gzip "$BERTH --root $ROOT load -i $B/text.tar.gz" \
  berth-load-zstd "$BERTH --root $ROOT load -i $B/text.tar.zst" \
  docker-load-gzip "docker load -q -i $B/text.tar.gz"
