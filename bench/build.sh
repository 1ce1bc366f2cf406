#!/usr/bin/env bash
# `berth build` against docker's legacy builder (dockerd 20.10 on its own
# containerd, both started here in a temp dir and stopped again) and buildah
# (Debian's, in a throwaway storage root, runc as its runtime: crun refuses
# the hybrid cgroups here), all from one busybox image imported locally:
#  - the 5-step Dockerfile of ../shared/reference/peers.md, without cache and
#    fully cached;
#  - a no-change rebuild of a context of 100,000 small files whose
#    Dockerfile copies one directory of it (berth and docker; docker sends the
#    whole context every time, so few runs);
#  - two independent stages that each RUN sleep 1 (berth only).
source "$(dirname "$0")/lib.sh"

bench_with_docker
DOCKER=/usr/bin/docker # Debian's 20.10 CLI: DOCKER_BUILDKIT=0 is its legacy builder
export DOCKER_BUILDKIT=0

B="$COMPAT_TMP/bench"
ROOT="$B/berth-root"
export BERTH_RUNROOT="$B/berth-run"
BUILDAH=(buildah --root "$B/buildah-root" --runroot "$B/buildah-run" --storage-driver overlay)
mkdir -p "$B" "$BERTH_RUNROOT"
tar -C "$(busybox_rootfs)" -cf "$B/busybox.tar" .
$DOCKER import -c 'CMD ["sh"]' "$B/busybox.tar" busybox >/dev/null
$DOCKER save -o "$B/busybox-docker.tar" busybox
"$BERTH" --root "$ROOT" load -i "$B/busybox-docker.tar" >/dev/null
"${BUILDAH[@]}" pull -q "docker-archive:$B/busybox-docker.tar" >/dev/null

# The 5-step build of peers.md.
C="$B/app"
mkdir -p "$C"
echo 'echo app' >"$C/app.sh"
head -c 1000000 /dev/urandom >"$C/data.bin"
cat >"$C/Dockerfile" <<'DF'
FROM busybox
ENV GREETING=hello
WORKDIR /app
COPY app.sh data.bin /app/
RUN chmod +x /app/app.sh && mkdir -p /var/x && echo built > /var/x/marker
RUN for i in 1 2 3; do echo $i >> /var/x/log; done
CMD ["/app/app.sh"]
DF
echo "## 5-step build, no cache (ms: median mean n)"
alternate 3 3 berth-no-cache "$BERTH --root $ROOT build -q --no-cache -t app1 $C" \
  docker-legacy-no-cache "$DOCKER build -q --no-cache -t app1 $C" \
  buildah-no-cache "${BUILDAH[*]} bud -q --runtime runc --layers --no-cache -t app1 $C"
echo "## 5-step build, everything cached (ms: median mean n)"
alternate 3 10 berth-cached "$BERTH --root $ROOT build -q -t app1 $C" \
  docker-legacy-cached "$DOCKER build -q -t app1 $C" \
  buildah-cached "${BUILDAH[*]} bud -q --runtime runc --layers -t app1 $C"

# 100,000 small files; the Dockerfile copies one directory of 1,000 of them.
L="$B/large"
mkdir -p "$L"
for d in $(seq 0 99); do
  mkdir "$L/d$d"
  (cd "$L/d$d" && seq 0 999 | sed 's/^/f/' | xargs touch)
  for f in 0 1 2 3 4 5 6 7 8 9; do echo "$d $f" >"$L/d$d/f$f"; done
done
printf 'FROM busybox\nCOPY d7 /d7\nRUN ls /d7 | wc -l > /count\n' >"$L/Dockerfile"
echo "## context: $(find "$L" -type f | wc -l) files"
"$BERTH" --root "$ROOT" build -q -t large "$L" >/dev/null
$DOCKER build -q -t large "$L" >/dev/null
echo "## no-change rebuild of the 100,000-file context (ms: median mean n)"
ALTERNATE_WARMUP=1 alternate 2 2 berth-large-cached "$BERTH --root $ROOT build -q -t large $L" \
  docker-legacy-large-cached "$DOCKER build -q -t large $L"

# Two independent stages, each a second of work.
P="$B/parallel"
mkdir -p "$P"
cat >"$P/Dockerfile" <<'DF'
FROM busybox AS a
RUN sleep 1 && echo a > /a
FROM busybox AS b
RUN sleep 1 && echo b > /b
FROM busybox
COPY --from=a /a /a
COPY --from=b /b /b
DF
echo "## two independent stages of RUN sleep 1, no cache (ms: median mean n)"
ALTERNATE_WARMUP=1 alternate 1 5 berth-two-stages "$BERTH --root $ROOT build -q --no-cache -t par $P"
