#!/usr/bin/env bats
# Images moved between berth and real peers through a real registry
# (docker-registry on 127.0.0.1): berth push → docker pull → docker run,
# docker push → berth pull → berth run (dockerd 20.10 on its own containerd,
# both started here; dockerd treats 127.0.0.0/8 registries as insecure), and
# skopeo copy both ways, also with zstd layers.

bats_require_minimum_version 1.5.0
load compat-helpers
load ../integration/registry-helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  command -v dockerd >/dev/null && command -v containerd >/dev/null ||
    skip "dockerd and containerd are not installed"
  compat_setup_dir
  compat_cgroups_note "$DOCKER_CG_PARENT"
  mkdir -p "$COMPAT_TMP/reg"
  start_registry "$COMPAT_TMP/reg"
  echo "$REG_PID" >"$COMPAT_TMP/reg.pid"
  compat_start_containerd
  compat_start_dockerd
  tar -C "$(busybox_rootfs)" -cf "$COMPAT_TMP/busybox.tar" .
}

teardown_file() {
  [ -n "${COMPAT_TMP:-}" ] && stop_registry "$(cat "$COMPAT_TMP/reg.pid" 2>/dev/null)"
  compat_teardown
}

setup() {
  BERTH_ROOT=$(mktemp -d "$COMPAT_TMP/berth-root.XXXXXX")
  BERTH_RUNROOT=$(mktemp -d "$COMPAT_TMP/berth-run.XXXXXX")
  WORK=$(mktemp -d "$COMPAT_TMP/work.XXXXXX")
  BERTH_AUTH_FILE="$WORK/auth.json"
  export BERTH_ROOT BERTH_RUNROOT WORK BERTH_AUTH_FILE
}

teardown() {
  remove_berth_containers
  [ -n "${BERTH_ROOT:-}" ] && rm -rf "$BERTH_ROOT"
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
  true
}

berth_id() {
  berth image inspect "$1" | jq -r '.[0].Id'
}

@test "berth push → docker pull → docker run: the same image id, and it runs" {
  berth import -c 'CMD ["sh"]' -c 'ENV FROM=berth' "$COMPAT_TMP/busybox.tar" "$REG/b2d:1" >/dev/null
  id=$(berth_id "$REG/b2d:1")
  run berth push "$REG/b2d:1"
  [ "$status" -eq 0 ]
  digest=$(echo "$output" | sed -n 's/^1: digest: \(sha256:[0-9a-f]*\) .*/\1/p')
  run docker pull "$REG/b2d:1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Digest: $digest"* ]]
  [ "$(docker images --no-trunc -q "$REG/b2d:1")" = "$id" ]
  [ "$(docker image inspect "$REG/b2d:1" | jq -r '.[0].RepoDigests[0]')" = "$REG/b2d@$digest" ]
  run docker run --rm --network none "$REG/b2d:1" sh -c 'echo $FROM; ls /bin/busybox'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = berth ]
  docker rmi "$REG/b2d:1" >/dev/null
}

@test "a berth-committed two-layer image (with a whiteout) → docker pull → docker run" {
  berth import -c 'CMD ["sh"]' "$COMPAT_TMP/busybox.tar" base >/dev/null
  berth run --name mk base sh -c 'echo made >/made; rm /bin/vi'
  berth commit -c 'CMD ["cat", "/made"]' mk "$REG/b2d:layered" >/dev/null
  berth rm mk >/dev/null
  run berth push "$REG/b2d:layered"
  [ "$status" -eq 0 ]
  run docker pull "$REG/b2d:layered"
  [ "$status" -eq 0 ]
  [ "$(docker images --no-trunc -q "$REG/b2d:layered")" = "$(berth_id "$REG/b2d:layered")" ]
  run docker run --rm --network none "$REG/b2d:layered"
  [ "$output" = made ]
  run docker run --rm --network none "$REG/b2d:layered" ls /bin/vi
  [ "$status" -ne 0 ]
  docker rmi "$REG/b2d:layered" >/dev/null
}

@test "docker push → berth pull → berth run: docker's manifest and gzip layers, docker's id" {
  docker import -c 'CMD ["sh"]' "$COMPAT_TMP/busybox.tar" "$REG/d2b:base" >/dev/null
  printf 'FROM %s\nRUN echo built >/built && rm /bin/vi\nENV BUILT=yes\nCMD ["cat", "/built"]\n' \
    "$REG/d2b:base" >"$WORK/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "$REG/d2b:1" "$WORK" >/dev/null
  id=$(docker images --no-trunc -q "$REG/d2b:1")
  run docker push "$REG/d2b:1"
  [ "$status" -eq 0 ]
  digest=$(echo "$output" | sed -n 's/^1: digest: \(sha256:[0-9a-f]*\) .*/\1/p')
  [ -n "$digest" ]
  run berth pull "$REG/d2b:1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | grep -c ': Pull complete$')" -eq 2 ]
  [[ "$output" == *"Digest: $digest"* ]]
  [ "$(berth_id "$REG/d2b:1")" = "$id" ]
  [ "$(berth image inspect "$REG/d2b:1" | jq -r '.[0].RepoDigests[0]')" = "$REG/d2b@$digest" ]
  run berth run --rm "$REG/d2b:1"
  [ "$status" -eq 0 ]
  [ "$output" = built ]
  run berth run --rm "$REG/d2b:1" sh -c 'echo $BUILT; ls /bin/vi'
  [ "$status" -ne 0 ]
  [ "${lines[0]}" = yes ]
  # and back: berth pushes docker's image under another name, docker pulls the same digest
  berth tag "$REG/d2b:1" "$REG/d2b-again:1"
  run berth push "$REG/d2b-again:1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | grep -c ': Mounted from d2b$')" -eq 2 ]
  [[ "${lines[-1]}" == "1: digest: $digest size: "* ]]
  docker rmi "$REG/d2b:1" "$REG/d2b:base" >/dev/null
  run docker pull "$REG/d2b-again:1"
  [ "$status" -eq 0 ]
  [ "$(docker images --no-trunc -q "$REG/d2b-again:1")" = "$id" ]
  docker rmi "$REG/d2b-again:1" >/dev/null
}

@test "skopeo copy oci-archive → registry → berth pull → berth run" {
  command -v skopeo >/dev/null || skip "skopeo is not installed"
  oci_busybox_archive "$WORK/o.tar" skopeobox
  run skopeo copy --dest-tls-verify=false "oci-archive:$WORK/o.tar" "docker://$REG/s2b:1"
  [ "$status" -eq 0 ]
  run berth pull "$REG/s2b:1"
  [ "$status" -eq 0 ]
  [ "$(berth_id "$REG/s2b:1")" = "$(skopeo inspect --tls-verify=false --raw "docker://$REG/s2b:1" | jq -r .config.digest)" ]
  run berth run --rm "$REG/s2b:1" echo from-skopeo
  [ "$status" -eq 0 ]
  [ "$output" = from-skopeo ]
}

@test "skopeo copy with zstd layers → berth pull → berth run" {
  command -v skopeo >/dev/null || skip "skopeo is not installed"
  # a layer of its own: skopeo's blob info cache would reuse a gzip copy of a known one
  cp -a "$(busybox_rootfs)" "$WORK/rootfs"
  head -c 64 /dev/urandom | base64 >"$WORK/rootfs/unique"
  tar -C "$WORK/rootfs" --numeric-owner -cf "$WORK/layer.tar" .
  python3 "$BATS_TEST_DIRNAME/../integration/archive-gen.py" oci "$WORK/o.tar" \
    --layer "$WORK/layer.tar" --tag zbox:1
  run skopeo copy --dest-tls-verify=false --dest-compress-format zstd \
    "oci-archive:$WORK/o.tar" "docker://$REG/zstd:1"
  [ "$status" -eq 0 ]
  mt=$(skopeo inspect --tls-verify=false --raw "docker://$REG/zstd:1" | jq -r '.layers[0].mediaType')
  [[ "$mt" == *zstd* ]]
  run berth pull "$REG/zstd:1"
  [ "$status" -eq 0 ]
  run berth run --rm "$REG/zstd:1" echo from-zstd
  [ "$status" -eq 0 ]
  [ "$output" = from-zstd ]
}

@test "berth push → skopeo copy → an OCI layout skopeo verified, berth's ids and layers" {
  command -v skopeo >/dev/null || skip "skopeo is not installed"
  berth import -c 'CMD ["sh"]' "$COMPAT_TMP/busybox.tar" "$REG/b2s:1" >/dev/null
  id=$(berth_id "$REG/b2s:1")
  diff=$(berth image inspect "$REG/b2s:1" | jq -r '.[0].RootFS.Layers[0]')
  berth push "$REG/b2s:1" >/dev/null
  run skopeo inspect --tls-verify=false "docker://$REG/b2s:1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.Layers[0]')" = "$diff" ]
  run skopeo copy --src-tls-verify=false "docker://$REG/b2s:1" "oci:$WORK/layout:b2s"
  [ "$status" -eq 0 ]
  m=$(jq -r '.manifests[0].digest' "$WORK/layout/index.json")
  [ "$(jq -r .config.digest "$WORK/layout/blobs/sha256/${m#sha256:}")" = "$id" ]
  # and skopeo copies it registry to registry; berth pulls the copy
  run skopeo copy --src-tls-verify=false --dest-tls-verify=false \
    "docker://$REG/b2s:1" "docker://$REG/b2s-copy:1"
  [ "$status" -eq 0 ]
  berth rmi "$REG/b2s:1" >/dev/null
  run berth pull "$REG/b2s-copy:1"
  [ "$status" -eq 0 ]
  [ "$(berth_id "$REG/b2s-copy:1")" = "$id" ]
}
