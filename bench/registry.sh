#!/usr/bin/env bash
# `berth push`/`pull` against `docker push`/`pull` (dockerd 20.10, overlay2, on
# its own containerd, both started here in a temp dir and stopped again)
# through the same local registry (docker-registry on 127.0.0.1), with one
# 200 MB layer of random data:
#   push     into an empty registry each run (it is wiped and restarted in
#            hyperfine's --prepare, outside the timing), so every byte goes
#            up. Each pushes its own image of the same tar, as it stores it:
#            berth the tar as imported, docker gzip-compressing it on the fly.
#   pull     into an empty store each run (berth: a fresh root; docker: rmi),
#            both of the image docker pushed (gzip), and berth also of its own
#            (plain tar).
#   present  a pull of an image that is there: one manifest request.
source "$(dirname "$0")/lib.sh"

bench_build
BERTH="$BENCH_BUILD/cmd/berth/berth"
BERTH_BUILD=$BENCH_BUILD
BATS_TEST_DIRNAME="$TOP/tests/compat"
skip() {
  echo "registry.sh: $*" >&2
  exit 1
}
# shellcheck source=/dev/null
source "$TOP/tests/compat/compat-helpers.bash"
# shellcheck source=/dev/null
source "$TOP/tests/integration/registry-helpers.bash"
set +e # the helpers test commands that may fail
compat_setup_dir
B="$COMPAT_TMP/bench"
mkdir -p "$B/reg"
cleanup() {
  set +e
  [ -f "$B/reg/pid" ] && stop_registry "$(cat "$B/reg/pid")"
  compat_teardown
}
trap cleanup EXIT
compat_cgroups_note "$DOCKER_CG_PARENT"
compat_start_containerd || exit 1
compat_start_dockerd || exit 1
start_registry "$B/reg" || exit 1
echo "$REG_PID" >"$B/reg/pid"
set -e

# The registry wiped and started again on the same port (for --prepare).
cat >"$B/reset-registry" <<EOF
#!/bin/sh
d="$B/reg"
pid=\$(cat "\$d/pid")
kill "\$pid" 2>/dev/null
while kill -0 "\$pid" 2>/dev/null; do sleep 0.02; done
rm -rf "\$d/data"
mkdir -p "\$d/data"
setsid "$REGISTRY_BIN" serve "\$d/config.yml" >>"\$d/registry.log" 2>&1 </dev/null &
echo \$! >"\$d/pid"
i=0
until curl -s -o /dev/null "http://$REG/v2/"; do
  i=\$((i + 1))
  [ \$i -gt 200 ] && exit 1
  sleep 0.02
done
EOF
chmod +x "$B/reset-registry"

mkdir -p "$B/tree"
for i in $(seq 200); do
  head -c 1M /dev/urandom >"$B/tree/f$i"
done
tar -C "$B/tree" -cf "$B/layer.tar" .
rm -rf "$B/tree"
ROOT="$B/berth-root"
ROOT2="$B/berth-pull"
docker import "$B/layer.tar" "$REG/dbig:1" >/dev/null
"$BERTH" --root "$ROOT" import "$B/layer.tar" "$REG/bbig:1" >/dev/null
echo "## layer: $(du -m "$B/layer.tar" | cut -f1) MB of random data; docker storage driver $DOCKER_DRIVER"

echo "## push into an empty registry (ms: median mean n)"
ALTERNATE_OPTS=(--prepare "$B/reset-registry" --prepare "$B/reset-registry")
alternate 3 2 berth-push "$BERTH --root $ROOT push -q $REG/bbig:1" \
  docker-push "docker push -q $REG/dbig:1"

"$B/reset-registry"
"$BERTH" --root "$ROOT" push -q "$REG/bbig:1" >/dev/null
docker push -q "$REG/dbig:1" >/dev/null
docker rmi -f "$REG/dbig:1" >/dev/null
echo "## pull into an empty store (ms: median mean n)"
reset_berth="sh -c 'rm -rf $ROOT2'"
reset_docker="sh -c 'docker rmi -f $REG/dbig:1 >/dev/null 2>&1; true'"
ALTERNATE_OPTS=(--prepare "$reset_berth" --prepare "$reset_docker" --prepare "$reset_berth")
alternate 3 3 berth-pull-docker-image "$BERTH --root $ROOT2 pull -q $REG/dbig:1" \
  docker-pull "docker pull -q $REG/dbig:1" \
  berth-pull-own-image "$BERTH --root $ROOT2 pull -q $REG/bbig:1"

echo "## pull of an image that is there (ms: median mean n)"
rm -rf "$ROOT2"
"$BERTH" --root "$ROOT2" pull -q "$REG/dbig:1" >/dev/null
docker pull -q "$REG/dbig:1" >/dev/null
ALTERNATE_OPTS=()
alternate 3 10 berth-pull-present "$BERTH --root $ROOT2 pull -q $REG/dbig:1" \
  docker-pull-present "docker pull -q $REG/dbig:1"
