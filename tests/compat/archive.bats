#!/usr/bin/env bats
# Images moved between berth and real peers as tars: docker save/load
# (dockerd 20.10 on its own containerd, both started here), skopeo and umoci.

bats_require_minimum_version 1.5.0
load compat-helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  command -v dockerd >/dev/null && command -v containerd >/dev/null ||
    skip "dockerd and containerd are not installed"
  compat_setup_dir
  compat_cgroups_note "$DOCKER_CG_PARENT"
  compat_start_containerd
  compat_start_dockerd
  tar -C "$(busybox_rootfs)" -cf "$COMPAT_TMP/busybox.tar" .
  docker import "$COMPAT_TMP/busybox.tar" dockerbox:1 >/dev/null
  # the same tree under another config: docker 20.10 saves its layer.tar as
  # a symlink to the first image's
  docker import -c 'ENV SECOND=1' "$COMPAT_TMP/busybox.tar" dockerbox:2 >/dev/null
}

teardown_file() {
  compat_teardown
}

setup() {
  BERTH_ROOT=$(mktemp -d "$COMPAT_TMP/berth-root.XXXXXX")
  BERTH_RUNROOT=$(mktemp -d "$COMPAT_TMP/berth-run.XXXXXX")
  WORK=$(mktemp -d "$COMPAT_TMP/work.XXXXXX")
  export BERTH_ROOT BERTH_RUNROOT WORK
}

teardown() {
  remove_berth_containers
  [ -n "${BERTH_ROOT:-}" ] && rm -rf "$BERTH_ROOT"
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
  true
}

# berth_id NAME: the image id NAME resolves to
berth_id() {
  berth image inspect "$1" | jq -r '.[0].Id'
}

@test "docker save → berth load: docker's image id, tags and a layer that unpacks" {
  docker save -o "$WORK/d.tar" dockerbox:1 dockerbox:2
  run berth load -i "$WORK/d.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image: dockerbox:1"* ]]
  [[ "$output" == *"Loaded image: dockerbox:2"* ]]
  for t in 1 2; do
    [ "$(berth_id dockerbox:$t)" = "$(docker images --no-trunc -q dockerbox:$t)" ]
  done
  run berth images
  [[ "$output" == *dockerbox*1* ]]
  # one tree, one layer, however docker linked its layer.tar files
  layers=$(ls "$BERTH_ROOT/layers" | grep -v '^\.')
  [ "$(echo "$layers" | wc -l)" -eq 1 ]
  [ -x "$BERTH_ROOT/layers/$layers/diff/bin/busybox" ]
  [ "$(berth image inspect dockerbox:2 | jq -r '.[0].Config.Env[0]')" = SECOND=1 ]
}

@test "a two-layer docker image (docker commit, with a whiteout) goes docker → berth → docker" {
  docker run --name layered --network none dockerbox:1 sh -c 'echo made >/made; rm /bin/vi'
  docker commit -c 'CMD ["cat", "/made"]' layered multi:1 >/dev/null
  docker rm layered >/dev/null
  id=$(docker images --no-trunc -q multi:1)
  docker save -o "$WORK/m.tar" multi:1
  run berth load -i "$WORK/m.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: multi:1" ]
  [ "$(berth_id multi:1)" = "$id" ]
  [ "$(berth image inspect multi:1 | jq '.[0].RootFS.Layers | length')" -eq 2 ]
  top=$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT top_layer FROM images WHERE id = '$id'")
  [ -c "$BERTH_ROOT/layers/${top#sha256:}/diff/bin/vi" ]
  [ "$(cat "$BERTH_ROOT/layers/${top#sha256:}/diff/made")" = made ]
  # the docker-saved image runs in berth, with docker's whiteout honoured
  run berth run --rm multi:1
  [ "$status" -eq 0 ]
  [ "$output" = made ]
  run berth run --rm multi:1 ls /bin/vi
  [ "$status" -ne 0 ]
  # back into docker from berth: the same image, and it runs
  docker rmi multi:1 >/dev/null
  berth save multi:1 | docker load >/dev/null
  [ "$(docker images --no-trunc -q multi:1)" = "$id" ]
  run docker run --rm --network none multi:1
  [ "$status" -eq 0 ]
  [ "$output" = made ]
  run docker run --rm --network none multi:1 ls /bin/vi
  [ "$status" -ne 0 ]
  docker rmi multi:1 >/dev/null
}

@test "berth save → docker load → docker run" {
  berth import "$COMPAT_TMP/busybox.tar" berthbox:saved >/dev/null
  id=$(berth_id berthbox:saved)
  berth save -o "$WORK/b.tar" berthbox:saved
  run docker load -i "$WORK/b.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image: berthbox:saved"* ]]
  [ "$(docker images --no-trunc -q berthbox:saved)" = "$id" ]
  run docker run --rm --network none berthbox:saved sh -c 'echo hi'
  [ "$status" -eq 0 ]
  [ "$output" = hi ]
  docker rmi berthbox:saved >/dev/null
}

@test "berth save --format oci → skopeo inspect: the layers and berth's image id" {
  command -v skopeo >/dev/null || skip "skopeo is not installed"
  berth import -c 'CMD ["sh"]' "$COMPAT_TMP/busybox.tar" ocibox:1 >/dev/null
  id=$(berth_id ocibox:1)
  diff=$(berth image inspect ocibox:1 | jq -r '.[0].RootFS.Layers[0]')
  berth save --format oci -o "$WORK/o.tar" ocibox:1
  run skopeo inspect "oci-archive:$WORK/o.tar"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.Layers | length')" -eq 1 ]
  # the imported layer is stored as it came (uncompressed): its digest is the diff id
  [ "$(echo "$output" | jq -r '.Layers[0]')" = "$diff" ]
  [ "$(echo "$output" | jq -r '.Os')" = linux ]
  run skopeo inspect --raw "oci-archive:$WORK/o.tar"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .config.digest)" = "$id" ]
  run skopeo inspect --config "oci-archive:$WORK/o.tar"
  [ "$(echo "$output" | jq -r '.config.Cmd[0]')" = sh ]
}

@test "umoci unpack of berth's OCI layout gives a rootfs with bin/busybox" {
  command -v umoci >/dev/null || skip "umoci is not installed"
  berth import "$COMPAT_TMP/busybox.tar" ocibox:v1 >/dev/null
  berth save --format oci -o "$WORK/o.tar" ocibox:v1
  mkdir "$WORK/layout"
  tar -C "$WORK/layout" -xf "$WORK/o.tar"
  run umoci unpack --image "$WORK/layout:v1" "$WORK/bundle"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -x "$WORK/bundle/rootfs/bin/busybox" ]
  [ -L "$WORK/bundle/rootfs/bin/sh" ]
  [ -f "$WORK/bundle/config.json" ]
  run umoci ls --layout "$WORK/layout"
  [ "$output" = v1 ]
}

@test "skopeo copy docker-archive → oci-archive: berth loads what skopeo writes" {
  command -v skopeo >/dev/null || skip "skopeo is not installed"
  docker save -o "$WORK/d.tar" dockerbox:1
  # skopeo rewrites the config in OCI form and gzips the layer: another image id,
  # the same layer
  skopeo copy -q "docker-archive:$WORK/d.tar" "oci-archive:$WORK/s.tar:skopeo/box:copied"
  run berth load -i "$WORK/s.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: skopeo/box:copied" ]
  [ "$(berth_id skopeo/box:copied)" = "$(skopeo inspect --raw "oci-archive:$WORK/s.tar" | jq -r .config.digest)" ]
  [ "$(berth image inspect skopeo/box:copied | jq -c .[0].RootFS.Layers)" = "$(docker image inspect dockerbox:1 | jq -c .[0].RootFS.Layers)" ]
  [ "$(skopeo inspect --raw "oci-archive:$WORK/s.tar" | jq -r '.layers[0].mediaType')" = application/vnd.oci.image.layer.v1.tar+gzip ]
  # and skopeo's docker-archive of berth's OCI archive loads too
  berth save --format oci -o "$WORK/o.tar" skopeo/box:copied
  berth rmi skopeo/box:copied >/dev/null
  skopeo copy -q "oci-archive:$WORK/o.tar" "docker-archive:$WORK/sd.tar:again:1"
  run berth load -i "$WORK/sd.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: again:1" ]
  [ "$(berth_id again:1)" = "$(skopeo inspect --raw "docker-archive:$WORK/sd.tar" | jq -r .config.digest)" ]
  [ -z "$(ls -A "$BERTH_ROOT/tmp")" ]
}

@test "a gzip-compressed docker save loads" {
  docker save dockerbox:1 | gzip -c >"$WORK/d.tar.gz"
  run berth load -i "$WORK/d.tar.gz"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: dockerbox:1" ]
  [ "$(berth_id dockerbox:1)" = "$(docker images --no-trunc -q dockerbox:1)" ]
}
