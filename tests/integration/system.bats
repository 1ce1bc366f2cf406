#!/usr/bin/env bats
# berth system df, image prune and system check on a throwaway BERTH_ROOT:
# shared layers counted once, dangling and unused images pruned, and every
# kind of crash leftover found, reported and repaired.

load helpers

setup() {
  setup_image_test
  mkdir -p "$WORK/small/etc"
  head -c 300000 /dev/urandom >"$WORK/small/etc/data"
  tar -C "$WORK/small" -cf "$WORK/small.tar" .
}

teardown() { teardown_image_test; }

# the SIZE column of `berth images` for one repository
images_size() {
  berth images "$1" | awk 'NR == 2 { print $NF }'
}

# a pid no process has (beyond pid_max)
DEAD_PID=999999999

@test "system df: two images sharing a layer count it once" {
  berth import "$WORK/busybox.tar" a >/dev/null
  berth import "$WORK/busybox.tar" b >/dev/null
  [ "$(berth images -q | wc -l)" -eq 2 ]
  [ "$(ls "$BERTH_ROOT/layers" | grep -v '^\.' | grep -v '^l$' | wc -l)" -eq 1 ]
  size=$(images_size a)
  [[ "$size" =~ ^[0-9.]+MB$ ]]
  run berth system df
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^TYPE\ +TOTAL\ +ACTIVE\ +SIZE\ +RECLAIMABLE$ ]]
  [[ "${lines[1]}" =~ ^Images\ +2\ +0\ +${size}\ +${size}\ \(100%\)$ ]]
  [[ "${lines[2]}" =~ ^Containers\ +0\ +0\ +0B\ +0B$ ]]
  [[ "${lines[3]}" =~ ^Local\ Volumes\ +0\ +0\ +0B\ +0B$ ]]
  [[ "${lines[4]}" =~ ^Build\ Cache\ +0\ +0\ +0B\ +0B$ ]]
  # a third image with a layer of its own adds that layer only
  berth import "$WORK/small.tar" c >/dev/null
  run berth system df
  [[ "${lines[1]}" =~ ^Images\ +3\ +0\  ]]
  [[ ! "${lines[1]}" =~ \ ${size}\  ]]

  run berth system df -v
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Images space usage:" ]
  [[ "${lines[1]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE\ +SHARED\ SIZE\ +UNIQUE\ SIZE\ +CONTAINERS$ ]]
  [[ "$output" =~ (^|$'\n')a\ +latest\ +[0-9a-f]{12}\ +.*\ ago\ +${size}\ +${size}\ +0B\ +0 ]]
  [[ "$output" =~ (^|$'\n')b\ +latest\ +[0-9a-f]{12}\ +.*\ ago\ +${size}\ +${size}\ +0B\ +0 ]]
  [[ "$output" =~ (^|$'\n')c\ +latest\ +[0-9a-f]{12}\ +.*\ ago\ +([0-9.]+kB)\ +0B\ +([0-9.]+kB)\ +0 ]]
  [ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[3]}" ]
}

@test "image prune removes a dangling image and reports the space" {
  berth import "$WORK/busybox.tar" keep >/dev/null
  id=$(berth import "$WORK/small.tar")
  run berth images
  [[ "$output" == *"<none>"* ]]
  run berth image prune -f
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted Images:" ]
  [ "${lines[1]}" = "deleted: $id" ]
  [[ "${lines[-1]}" =~ ^Total\ reclaimed\ space:\ 30[0-9.]*kB$ ]]
  [ "$(berth images -q | wc -l)" -eq 1 ]
  [[ "$(berth images)" == *keep* ]]
  # nothing dangling left: nothing to do
  run berth image prune -f
  [ "$status" -eq 0 ]
  [ "$output" = "Total reclaimed space: 0B" ]
}

@test "image prune --filter: label, label! and until choose what goes; a bad filter asks nothing" {
  a=$(berth import -c 'LABEL tier=a' "$WORK/small.tar")
  b=$(berth import -c 'LABEL tier=b' "$WORK/small.tar")
  old=$(berth import -c 'LABEL tier=old' "$WORK/small.tar")
  run berth image prune -f --filter label=tier=a
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "deleted: $a" ]
  [ "$(berth images -q | wc -l)" -eq 2 ]
  run berth image prune -f --filter 'label!=tier=b' --filter until=2000-01-01T00:00:00Z
  [ "$status" -eq 0 ]
  [ "$output" = "Total reclaimed space: 0B" ] # nothing is older than 2000
  run berth image prune -f --filter 'label!=tier=b'
  [ "${lines[1]}" = "deleted: $old" ]
  [ "$(berth images -q)" = "${b:7:12}" ]
  run berth image prune -f --filter nonsense=1
  [ "$status" -ne 0 ]
  [[ "$output" == *"invalid filter 'nonsense'"* ]]
  run berth image prune --filter tier
  [ "$status" -eq 125 ]
  [[ "$output" == *"bad format of filter (expected name=value)"* ]]
  [ "$(berth images -q)" = "${b:7:12}" ]
}

@test "image prune -a removes every image no container uses" {
  berth import "$WORK/busybox.tar" one >/dev/null
  berth tag one two
  berth import "$WORK/small.tar" three >/dev/null
  run berth image prune -a -f
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted Images:" ]
  [[ "$output" == *"untagged: one:latest"* ]]
  [[ "$output" == *"untagged: two:latest"* ]]
  [[ "$output" == *"untagged: three:latest"* ]]
  [ "$(echo "$output" | grep -c '^deleted: sha256:')" -ge 2 ]
  [[ "${lines[-1]}" =~ ^Total\ reclaimed\ space:\ [0-9.]+MB$ ]]
  [ -z "$(berth images -q)" ]
  [ -z "$(ls "$BERTH_ROOT/blobs/sha256")" ]
  [ -z "$(ls "$BERTH_ROOT/layers" | grep -v '^\.' | grep -v '^l$')" ]
}

@test "image prune without -f asks, and no answer is no" {
  id=$(berth import "$WORK/small.tar")
  run berth image prune </dev/null
  [ "$status" -eq 1 ]
  [[ "$output" == *"WARNING! This will remove all dangling images."* ]]
  [[ "$output" == *"Are you sure you want to continue? [y/N]"* ]]
  [[ "$output" == *"cancelled"* ]]
  [ "$(berth images -q --no-trunc)" = "$id" ]
  run bash -c "echo n | '$BERTH_BUILD/cmd/berth/berth' image prune -a"
  [ "$status" -eq 1 ]
  [[ "$output" == *"without at least one container associated to them"* ]]
  [ "$(berth images -q --no-trunc)" = "$id" ]
  run bash -c "echo y | '$BERTH_BUILD/cmd/berth/berth' image prune"
  [ "$status" -eq 0 ]
  [[ "$output" == *"deleted: $id"* ]]
  [ -z "$(berth images -q)" ]
}

@test "system check: a clean store passes" {
  run berth system check
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  berth import "$WORK/busybox.tar" a >/dev/null
  berth import "$WORK/small.tar" b >/dev/null
  run berth system check
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "system check finds a half-written temp blob" {
  berth import "$WORK/busybox.tar" a >/dev/null
  head -c 5000 "$WORK/busybox.tar" >"$BERTH_ROOT/tmp/$DEAD_PID-0123abcd"
  run berth system check
  [ "$status" -eq 1 ]
  [ "$output" = "leftover temp file 'tmp/$DEAD_PID-0123abcd' (an interrupted blob write)" ]
}

@test "system check finds a layer temp dir" {
  berth import "$WORK/busybox.tar" a >/dev/null
  mkdir -p "$BERTH_ROOT/layers/.tmp-$DEAD_PID-deadbeef/diff/etc"
  run berth system check
  [ "$status" -eq 1 ]
  [ "$output" = "leftover layer dir 'layers/.tmp-$DEAD_PID-deadbeef' (an interrupted unpack or removal)" ]
}

@test "system check finds a blob with no image and a layer dir with no image" {
  berth import "$WORK/busybox.tar" a >/dev/null
  printf orphan >"$WORK/orphan"
  sha=$(sha256sum "$WORK/orphan" | cut -d' ' -f1)
  cp "$WORK/orphan" "$BERTH_ROOT/blobs/sha256/$sha"
  run berth system check
  [ "$status" -eq 1 ]
  [ "$output" = "blob sha256:$sha is used by no image" ]
  rm "$BERTH_ROOT/blobs/sha256/$sha"
  ghost=$(printf ghost | sha256sum | cut -d' ' -f1)
  mkdir -p "$BERTH_ROOT/layers/$ghost/diff"
  run berth system check
  [ "$status" -eq 1 ]
  [ "$output" = "layer dir 'layers/$ghost' is used by no image or snapshot" ]
}

@test "system check finds an image whose config blob is gone, and a corrupted blob" {
  berth import "$WORK/busybox.tar" a >/dev/null
  id=$(berth import "$WORK/busybox.tar" b)
  rm "$BERTH_ROOT/blobs/sha256/${id#sha256:}"
  run berth system check
  [ "$status" -eq 1 ]
  [ "$output" = "image $id: config blob is missing" ]
  berth rmi -f b >/dev/null || true
  sqlite3 "$BERTH_ROOT/berth.db" "DELETE FROM images WHERE id = '$id'"
  berth import "$WORK/small.tar" c >/dev/null
  blob=$(berth image inspect c | jq -r '.[0].RootFS.Layers[0]')
  f="$BERTH_ROOT/blobs/sha256/${blob#sha256:}"
  chmod u+w "$f"
  printf 'X' | dd of="$f" bs=1 seek=700 conv=notrunc 2>/dev/null
  run berth system check
  [ "$status" -eq 1 ]
  [[ "${lines[0]}" == "blob $blob: content does not match its digest" ]]
  [[ "$output" == *"image sha256:"*": layer blob $blob is corrupt"* ]]
}

@test "system check finds a tag that points at no image" {
  berth import "$WORK/busybox.tar" a >/dev/null
  sqlite3 "$BERTH_ROOT/berth.db" "PRAGMA foreign_keys = OFF; INSERT INTO tags (name, image) VALUES ('docker.io/library/ghost:latest', 'sha256:$(printf x | sha256sum | cut -d' ' -f1)')"
  run berth system check
  [ "$status" -eq 1 ]
  [[ "$output" == "tag docker.io/library/ghost:latest points at no image"* ]]
}

@test "system check --repair: every leftover at once, then clean, and the good images work" {
  berth import "$WORK/busybox.tar" good >/dev/null
  berth import "$WORK/small.tar" small >/dev/null
  bad=$(berth import "$WORK/busybox.tar" badcfg)
  corrupt=$(berth import -c 'ENV X=1' "$WORK/small.tar" corrupt)
  # crash leftovers
  head -c 5000 "$WORK/busybox.tar" >"$BERTH_ROOT/tmp/$DEAD_PID-0123abcd"
  mkdir -p "$BERTH_ROOT/layers/.tmp-$DEAD_PID-deadbeef/diff/etc"
  printf orphan >"$WORK/orphan"
  sha=$(sha256sum "$WORK/orphan" | cut -d' ' -f1)
  cp "$WORK/orphan" "$BERTH_ROOT/blobs/sha256/$sha"
  ghost=$(printf ghost | sha256sum | cut -d' ' -f1)
  mkdir -p "$BERTH_ROOT/layers/$ghost/diff"
  rm "$BERTH_ROOT/blobs/sha256/${bad#sha256:}"
  # a corrupted config: its image cannot be trusted
  f="$BERTH_ROOT/blobs/sha256/${corrupt#sha256:}"
  chmod u+w "$f" && printf ' ' >>"$f"
  run berth system check
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -ge 6 ]

  run berth system check --repair
  [ "$status" -eq 0 ]
  [[ "$output" == *"repair: removed 'tmp/$DEAD_PID-0123abcd'"* ]]
  [[ "$output" == *"repair: removed image $bad"* ]]
  [[ "$output" == *"repair: removed image $corrupt"* ]]
  [[ "$output" != *"still:"* ]]

  run berth system check
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ ! -e "$BERTH_ROOT/tmp/$DEAD_PID-0123abcd" ]
  [ ! -e "$BERTH_ROOT/layers/.tmp-$DEAD_PID-deadbeef" ]
  [ ! -e "$BERTH_ROOT/layers/$ghost" ]
  [ ! -e "$BERTH_ROOT/blobs/sha256/$sha" ]
  run berth images
  [ "$status" -eq 0 ]
  [[ "$output" == *good* ]]
  [[ "$output" == *small* ]]
  [[ "$output" != *badcfg* ]]
  [[ "$output" != *corrupt* ]]
  [ "$(berth images -q | wc -l)" -eq 2 ]
  run berth history good
  [ "$status" -eq 0 ]
  [[ "$output" == *"Imported from -"* ]]
  run berth image inspect small
  [ "$status" -eq 0 ]
}

@test "system check --repair unpacks a vanished layer dir again from its blob" {
  berth import "$WORK/small.tar" small >/dev/null
  layer=$(ls "$BERTH_ROOT/layers" | grep -v '^\.' | grep -v '^l$')
  rm -rf "$BERTH_ROOT/layers/$layer"
  run berth system check
  [ "$status" -eq 1 ]
  [[ "$output" == *"layer dir 'layers/$layer' is missing"* ]]
  run berth system check --repair
  [ "$status" -eq 0 ]
  [[ "$output" == *"repair: unpacked layer sha256:$layer again"* ]]
  cmp "$WORK/small/etc/data" "$BERTH_ROOT/layers/$layer/diff/etc/data"
  run berth system check
  [ "$status" -eq 0 ]
}

@test "gc racing 4 processes of imports and loads: every image whole, check finds nothing" {
  gen="$BATS_TEST_DIRNAME/archive-gen.py"
  for w in 1 2 3 4; do
    for i in $(seq 1 10); do
      for k in imp load; do
        mkdir -p "$WORK/$k$w-$i/etc"
        echo "$k $w $i" >"$WORK/$k$w-$i/etc/id"
        tar -C "$WORK/$k$w-$i" -cf "$WORK/$k$w-$i.tar" .
      done
      python3 "$gen" docker "$WORK/arch$w-$i.tar" --layer "$WORK/load$w-$i.tar" --tag "gcload/w$w:$i" >/dev/null
    done
  done
  # gc in a loop: system check --repair collects whatever no image names
  (
    n=0
    while [ ! -e "$WORK/stop" ]; do
      berth system check --repair >>"$WORK/gc.log" 2>&1 || true
      n=$((n + 1))
    done
    echo "$n" >"$WORK/gc.count"
  ) &
  gc=$!
  pids=()
  for w in 1 2 3 4; do
    (
      for i in $(seq 1 10); do
        berth import "$WORK/imp$w-$i.tar" "gcimport/w$w:$i" >/dev/null || echo "import $w $i failed"
        berth load -i "$WORK/arch$w-$i.tar" >/dev/null || echo "load $w $i failed"
      done
    ) >"$WORK/w$w.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  touch "$WORK/stop"
  wait "$gc"
  grep -v '^repair: removed unused blobs and layers$' "$WORK/gc.log" >"$WORK/found" || true
  cat "$WORK"/w*.log "$WORK/found"
  [ -z "$(cat "$WORK"/w*.log)" ]
  # what the loop found: nothing (a writer's unregistered blobs are not garbage)
  [ ! -s "$WORK/found" ]
  [ "$(cat "$WORK/gc.count")" -gt 0 ]
  [ "$(berth images -q | wc -l)" -eq 80 ]
  run berth system check
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  # each image's own file is in its layer
  for w in 1 2 3 4; do
    for i in 1 5 10; do
      for k in import load; do
        id=$(berth images -q --no-trunc "gc$k/w$w:$i")
        chain=$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT chain_id FROM image_layers WHERE image = '$id'")
        grep -qx "${k%ort} $w $i" "$BERTH_ROOT/layers/${chain#sha256:}/diff/etc/id"
      done
    done
  done
}

@test "libcurl and libarchive load when a command needs them: without them, only those commands fail" {
  berth import "$WORK/busybox.tar" a >/dev/null
  # a directory searched first, whose libraries are not libraries
  for lib in libcurl.so.4 libarchive.so.13; do
    mkdir -p "$WORK/no-$lib"
    : >"$WORK/no-$lib/$lib"
  done
  nolibs="$WORK/no-libcurl.so.4:$WORK/no-libarchive.so.13"
  # commands that need neither do not notice
  run env LD_LIBRARY_PATH="$nolibs" "$BERTH_BUILD/cmd/berth/berth" images
  [ "$status" -eq 0 ]
  [[ "$output" == *a* ]]
  run env LD_LIBRARY_PATH="$nolibs" "$BERTH_BUILD/cmd/berth/berth" run --rm a echo still
  [ "$status" -eq 0 ]
  [ "$output" = still ]
  # those that do fail with one message naming the library, and change nothing
  before=$(store_state)
  run env LD_LIBRARY_PATH="$WORK/no-libcurl.so.4" "$BERTH_BUILD/cmd/berth/berth" pull 127.0.0.1:9/nothing
  [ "$status" -eq 1 ]
  [[ "$output" == "berth: "*"libcurl.so.4 is needed for registries but cannot be loaded"* ]]
  [ "${#lines[@]}" -eq 1 ]
  run env LD_LIBRARY_PATH="$WORK/no-libarchive.so.13" "$BERTH_BUILD/cmd/berth/berth" import "$WORK/small.tar" c
  [ "$status" -eq 1 ]
  [[ "$output" == "berth: "*"libarchive.so.13 is needed for tar archives but cannot be loaded"* ]]
  [ "${#lines[@]}" -eq 1 ]
  run env LD_LIBRARY_PATH="$WORK/no-libarchive.so.13" "$BERTH_BUILD/cmd/berth/berth" save a -o "$WORK/a.tar"
  [ "$status" -eq 1 ]
  [[ "$output" == *"libarchive.so.13 is needed"* ]]
  [ "$(store_state)" = "$before" ]
  [ -z "$(ls "$BERTH_ROOT/tmp")" ]
  # and with them, the same commands work
  berth import "$WORK/small.tar" c >/dev/null
}

@test "version: docker's Client and Server sections, and --format over them" {
  run berth version
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Client:" ]
  [[ "$output" == *"Server: berth Engine"* && "$output" == *"Kernel Version:   $(uname -r)"* ]]
  # the check scripts make before they use docker: the server's version
  run berth version --format '{{.Server.Version}}'
  [ "$status" -eq 0 ]
  [ "$output" = "$(berth version --format '{{.Client.Version}}')" ]
  [ -n "$output" ]
  run berth version -f json
  [ "$(echo "$output" | jq -r '.Server.Components[0].Name + " " + .Server.MinAPIVersion')" = "Engine 1.24" ]
  run berth version --format '{{.Nope}}'
  [ "$status" -ne 0 ]
  [[ "$output" == *"can't evaluate field Nope"* ]]
}
