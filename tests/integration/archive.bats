#!/usr/bin/env bats
# berth save and load on a throwaway BERTH_ROOT: docker-archive and
# oci-archive round trips, shared layers, idempotence, compressed archives,
# and bad archives leaving the store exactly as it was.

load helpers

setup() {
  setup_image_test
  GEN="$BATS_TEST_DIRNAME/archive-gen.py"
  export GEN
}
teardown() { teardown_image_test; }


layer_dirs() {
  ls "$BERTH_ROOT/layers" | grep -v '^\.' || true
}

# two small layers: the second deletes a file of the first (a whiteout) and adds one
make_layers() {
  mkdir -p "$WORK/l1/etc" "$WORK/l2"
  echo one >"$WORK/l1/etc/a"
  echo gone >"$WORK/l1/k"
  echo two >"$WORK/l2/b"
  : >"$WORK/l2/.wh.k"
  tar -C "$WORK/l1" -cf "$WORK/l1.tar" .
  tar -C "$WORK/l2" -cf "$WORK/l2.tar" .
}

@test "docker-archive round trip with -o: same id, tags and layers after rmi and load" {
  id=$(berth import "$WORK/busybox.tar" busybox:1.0)
  berth tag busybox:1.0 mine/box:v2
  before=$(store_state)
  layers=$(layer_dirs)
  inspect=$(berth image inspect busybox:1.0 | jq -c '.[0] | {Id, RootFS, Config, Os, Architecture}')
  run berth save -o "$WORK/out.tar" busybox:1.0 mine/box:v2
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  # what docker 20.10 writes
  tar -tf "$WORK/out.tar" | sort >"$WORK/members"
  grep -qx manifest.json "$WORK/members"
  grep -qx repositories "$WORK/members"
  grep -qx "${id#sha256:}.json" "$WORK/members"
  [ "$(grep -c '^[0-9a-f]\{64\}/layer.tar$' "$WORK/members")" -eq 1 ]
  [ "$(tar -xOf "$WORK/out.tar" manifest.json | jq -r '.[0].RepoTags | join(",")')" = "busybox:1.0,mine/box:v2" ]
  [ "$(tar -xOf "$WORK/out.tar" repositories | jq -r '.busybox["1.0"]')" = "$(tar -xOf "$WORK/out.tar" manifest.json | jq -r '.[0].Layers[0] | split("/")[0]')" ]
  # the layer.tar is the layer: its digest is the diff id
  layer=$(tar -xOf "$WORK/out.tar" manifest.json | jq -r '.[0].Layers[0]')
  [ "sha256:$(tar -xOf "$WORK/out.tar" "$layer" | sha256sum | cut -d' ' -f1)" = "$(echo "$inspect" | jq -r '.RootFS.Layers[0]')" ]

  berth rmi -f "$id" >/dev/null
  [ -z "$(layer_dirs)" ]
  run berth load -i "$WORK/out.tar"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Loaded image: busybox:1.0" ]
  [ "${lines[1]}" = "Loaded image: mine/box:v2" ]
  [ "$(berth images --no-trunc -q | sort -u)" = "$id" ]
  [ "$(layer_dirs)" = "$layers" ]
  [ "$(berth image inspect mine/box:v2 | jq -c '.[0] | {Id, RootFS, Config, Os, Architecture}')" = "$inspect" ]
  # the same blobs, layers and metadata as the import made
  [ "$(store_state)" = "$before" ]
}

@test "oci-archive round trip on stdout and stdin" {
  id=$(berth import -c 'CMD ["sh"]' "$WORK/busybox.tar" busybox)
  before=$(store_state)
  berth save --format oci busybox >"$WORK/oci.tar"
  tar -xf "$WORK/oci.tar" -C "$WORK" oci-layout index.json
  [ "$(jq -r .imageLayoutVersion "$WORK/oci-layout")" = 1.0.0 ]
  [ "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$WORK/index.json")" = latest ]
  [ "$(jq -r '.manifests[0].annotations["io.containerd.image.name"]' "$WORK/index.json")" = docker.io/library/busybox:latest ]
  man=$(jq -r '.manifests[0].digest' "$WORK/index.json")
  [ "$(tar -xOf "$WORK/oci.tar" "blobs/sha256/${man#sha256:}" | jq -r .config.digest)" = "$id" ]
  # every blob is named by its digest
  for b in $(tar -tf "$WORK/oci.tar" | grep '^blobs/sha256/.'); do
    [ "$(tar -xOf "$WORK/oci.tar" "$b" | sha256sum | cut -d' ' -f1)" = "${b##*/}" ]
  done
  berth rmi busybox >/dev/null
  run berth load <"$WORK/oci.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: busybox:latest" ]
  [ "$(store_state)" = "$before" ]
  run berth image inspect busybox
  [ "$(echo "$output" | jq -r '.[0].Config.Cmd[0]')" = sh ]
}

@test "two images sharing a layer: the archive holds it once, both load back" {
  a=$(berth import "$WORK/busybox.tar" a)
  b=$(berth import -c 'ENV X=1' "$WORK/busybox.tar" b)
  [ "$a" != "$b" ]
  [ "$(layer_dirs | wc -l)" -eq 1 ]
  berth save -o "$WORK/d.tar" a b
  [ "$(tar -tf "$WORK/d.tar" | grep -c '/layer.tar$')" -eq 1 ]
  [ "$(tar -xOf "$WORK/d.tar" manifest.json | jq -r '[.[].Layers[0]] | unique | length')" -eq 1 ]
  berth save --format oci -o "$WORK/o.tar" a b
  # one layer, two configs, two manifests
  [ "$(tar -tf "$WORK/o.tar" | grep -c '^blobs/sha256/.')" -eq 5 ]
  for f in d o; do
    berth rmi a b >/dev/null
    [ -z "$(berth images -q)" ]
    run berth load -i "$WORK/$f.tar"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Loaded image: a:latest"* ]]
    [[ "$output" == *"Loaded image: b:latest"* ]]
    [ "$(berth images --no-trunc -q | sort | tr '\n' ' ')" = "$(printf '%s\n' "$a" "$b" | sort | tr '\n' ' ')" ]
    [ "$(layer_dirs | wc -l)" -eq 1 ]
  done
}

@test "loading the same archive twice changes nothing the second time" {
  berth import "$WORK/busybox.tar" busybox >/dev/null
  berth save -o "$WORK/d.tar" busybox
  berth save --format oci -o "$WORK/o.tar" busybox
  berth rmi busybox >/dev/null
  berth load -i "$WORK/d.tar" >/dev/null
  once=$(store_state)
  added=$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT added FROM images')
  run berth load -i "$WORK/d.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: busybox:latest" ]
  run berth load -i "$WORK/o.tar"
  [ "$status" -eq 0 ]
  [ "$(store_state)" = "$once" ]
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT added FROM images')" = "$added" ]
  [ -z "$(ls -A "$BERTH_ROOT/tmp")" ]
}

@test "gzip and zstd compressed archives load" {
  id=$(berth import "$WORK/busybox.tar" busybox)
  berth save busybox | gzip -c >"$WORK/d.tar.gz"
  berth save --format oci busybox | zstd -q -c >"$WORK/o.tar.zst"
  berth rmi busybox >/dev/null
  run berth load -i "$WORK/d.tar.gz"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: busybox:latest" ]
  [ "$(berth images --no-trunc -q)" = "$id" ]
  berth rmi busybox >/dev/null
  run berth load <"$WORK/o.tar.zst"
  [ "$status" -eq 0 ]
  [ "$(berth images --no-trunc -q)" = "$id" ]
}

@test "a two-layer image with a whiteout: parent chain, diff ids, and back out" {
  make_layers
  id=$(python3 "$GEN" docker "$WORK/two.tar" --layer "$WORK/l1.tar" --layer "$WORK/l2.tar" --tag two:layers)
  run berth load -i "$WORK/two.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: two:layers" ]
  [ "$(berth images --no-trunc -q)" = "$id" ]
  l1=$(sha256sum "$WORK/l1.tar" | cut -d' ' -f1)
  [ -f "$BERTH_ROOT/layers/$l1/diff/etc/a" ]
  top=$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT top_layer FROM images')
  [ "$(cat "$BERTH_ROOT/layers/${top#sha256:}/parent")" = "sha256:$l1" ]
  [ -c "$BERTH_ROOT/layers/${top#sha256:}/diff/k" ]
  # saved again, the layers are the very tars that came in
  berth save -o "$WORK/again.tar" two:layers
  for i in 0 1; do
    f=$(tar -xOf "$WORK/again.tar" manifest.json | jq -r ".[0].Layers[$i]")
    cmp <(tar -xOf "$WORK/again.tar" "$f") "$WORK/l$((i + 1)).tar"
  done
  [ "$(tar -xOf "$WORK/again.tar" manifest.json | jq -r '.[0].Config')" = "${id#sha256:}.json" ]
}

@test "docker-archive forms: gzip layers, and layer.tar symlinked between images" {
  make_layers
  python3 "$GEN" docker "$WORK/gz.tar" --layer "$WORK/l1.tar" --layer "$WORK/l2.tar" --tag gz:1 --gzip-layers >/dev/null
  run berth load -i "$WORK/gz.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: gz:1" ]
  python3 "$GEN" docker "$WORK/sym.tar" --layer "$WORK/l1.tar" --layer "$WORK/l2.tar" --tag first:1 --dup-symlink >/dev/null
  run berth load -i "$WORK/sym.tar"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Loaded image: first:1" ]
  [ "${lines[1]}" = "Loaded image: second:latest" ]
  [ "$(layer_dirs | wc -l)" -eq 2 ]
  # a gzip layer saved as docker-archive is decompressed: layer.tar is the diff
  berth save -o "$WORK/back.tar" gz:1
  f=$(tar -xOf "$WORK/back.tar" manifest.json | jq -r '.[0].Layers[1]')
  cmp <(tar -xOf "$WORK/back.tar" "$f") "$WORK/l2.tar"
}

@test "a docker >= 25 archive (OCI layout and manifest.json): read through manifest.json" {
  make_layers
  id=$(python3 "$GEN" docker "$WORK/d25.tar" --layer "$WORK/l1.tar" --layer "$WORK/l2.tar" --tag d25:one --docker25)
  tar -tf "$WORK/d25.tar" | grep -qx index.json
  run berth load -i "$WORK/d25.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: d25:one" ]
  [ "$(berth image inspect d25:one | jq -r '.[0].Id')" = "$id" ]
  # the layout's own manifest is not kept: only what the image uses is left
  [ "$(ls "$BERTH_ROOT/blobs/sha256" | wc -l)" -eq 4 ]
}

@test "an untagged image loads by id; a moved tag is reported as docker does" {
  id=$(berth import "$WORK/busybox.tar" busybox)
  berth save -o "$WORK/byid.tar" "${id:7:12}"
  [ "$(tar -xOf "$WORK/byid.tar" manifest.json | jq -r '.[0].RepoTags')" = null ]
  berth save -o "$WORK/tagged.tar" busybox
  berth rmi busybox >/dev/null
  run berth load -i "$WORK/byid.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image ID: $id" ]
  other=$(berth import -c 'ENV X=1' "$WORK/busybox.tar" busybox)
  run berth load -i "$WORK/tagged.tar"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "The image busybox:latest already exists, renaming the old one with ID $other to empty string" ]
  [ "${lines[1]}" = "Loaded image: busybox:latest" ]
  [ "$(berth images --no-trunc -q busybox)" = "$id" ]
}

@test "save: errors, and never a tar on a terminal" {
  berth import "$WORK/busybox.tar" busybox >/dev/null
  run berth save -o "$WORK/x.tar" busybox nope
  [ "$status" -eq 1 ]
  [ "$output" = "berth: no such image: nope" ]
  [ -z "$(ls "$WORK" | grep '^x\.tar')" ]
  run berth save --format zip busybox
  [ "$status" -eq 125 ]
  run berth save
  [ "$status" -eq 125 ]
  run script -qec "$BERTH_BUILD/cmd/berth/berth save busybox" /dev/null
  [ "$status" -eq 1 ]
  [[ "$output" == *"cowardly refusing to save to a terminal. Use the -o flag or redirect"* ]]
  run berth image save -o "$WORK/alias.tar" busybox
  [ "$status" -eq 0 ]
  berth rmi busybox >/dev/null
  run berth image load -q -i "$WORK/alias.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: busybox:latest" ]
}

# bad_load ARCHIVE PATTERN: load fails with one message matching PATTERN, store unchanged
bad_load() {
  local before
  before=$(store_state)
  run berth load -i "$1"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == berth:* ]]
  [[ "$output" == *"$2"* ]]
  [ "$(store_state)" = "$before" ]
  [ -z "$(ls -A "$BERTH_ROOT/tmp")" ]
  [ -z "$(ls -A "$BERTH_ROOT/layers" | grep '^\.')" ]
}

@test "bad archives: one clear error, and the store exactly as it was" {
  berth import "$WORK/busybox.tar" keep >/dev/null
  berth save -o "$WORK/good.tar" keep
  make_layers
  head -c 100000 /dev/urandom >"$WORK/garbage"
  bad_load "$WORK/garbage" "cannot read the archive: Unrecognized archive format"
  head -c 700000 "$WORK/good.tar" >"$WORK/truncated.tar"
  bad_load "$WORK/truncated.tar" "Truncated tar archive"
  : >"$WORK/empty"
  bad_load "$WORK/empty" "cannot read the archive"
  tar -cf "$WORK/plain.tar" -C "$WORK" l1
  bad_load "$WORK/plain.tar" "neither manifest.json nor index.json"
  for k in docker oci; do
    python3 "$GEN" $k "$WORK/missing.tar" --layer "$WORK/l1.tar" --layer "$WORK/l2.tar" --tag x:1 --missing-layer >/dev/null
    bad_load "$WORK/missing.tar" "' is not in the archive"
    python3 "$GEN" $k "$WORK/diff.tar" --layer "$WORK/l1.tar" --layer "$WORK/l2.tar" --tag x:1 --bad-diff-id >/dev/null
    bad_load "$WORK/diff.tar" "but the config's rootfs.diff_ids[1] is"
    python3 "$GEN" $k "$WORK/gzdiff.tar" --layer "$WORK/l1.tar" --layer "$WORK/l2.tar" --tag x:1 --bad-diff-id --gzip-layers >/dev/null
    bad_load "$WORK/gzdiff.tar" "diff id mismatch"
  done
  python3 "$GEN" docker "$WORK/escape.tar" --layer "$WORK/l1.tar" --tag x:1 --escape-path >/dev/null
  bad_load "$WORK/escape.tar" "manifest.json: [0].Layers[0]: path '../"
  python3 "$GEN" oci "$WORK/blob.tar" --layer "$WORK/l1.tar" --layer "$WORK/l2.tar" --tag x:1 --bad-blob >/dev/null
  bad_load "$WORK/blob.tar" "blob digest mismatch"
  python3 "$GEN" docker "$WORK/badtag.tar" --layer "$WORK/l1.tar" --tag 'Bad:Name' >/dev/null
  bad_load "$WORK/badtag.tar" "invalid reference format"
  run berth load -i /no/such/file
  [ "$status" -eq 1 ]
  [ "$output" = "berth: cannot open '/no/such/file': No such file or directory" ]
}

@test "a hostile layer: a hard link out of the layer is refused and nothing is left" {
  python3 - "$WORK/evil.tar" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
i = tarfile.TarInfo("ok"); i.size = 1; t.addfile(i, io.BytesIO(b"x"))
i = tarfile.TarInfo("passwd"); i.type = tarfile.LNKTYPE; i.linkname = "../../../../etc/passwd"; t.addfile(i)
t.close()
PY
  python3 "$GEN" docker "$WORK/evil-archive.tar" --layer "$WORK/evil.tar" --tag evil:1 >/dev/null
  berth import "$WORK/busybox.tar" keep >/dev/null
  bad_load "$WORK/evil-archive.tar" "outside the layer"
  # a symlinked parent is confined to the layer
  python3 - "$WORK/sym.tar" <<'PY'
import io, sys, tarfile, os
t = tarfile.open(sys.argv[1], "w")
i = tarfile.TarInfo("evil"); i.type = tarfile.SYMTYPE; i.linkname = "/"; t.addfile(i)
i = tarfile.TarInfo("evil/berth-archive-escape-%d" % os.getpid()); i.size = 1; t.addfile(i, io.BytesIO(b"z"))
t.close()
PY
  python3 "$GEN" oci "$WORK/sym-archive.tar" --layer "$WORK/sym.tar" --tag sym:1 >/dev/null
  run berth load -i "$WORK/sym-archive.tar"
  [ "$status" -eq 0 ]
  ! ls /berth-archive-escape-* 2>/dev/null
  layer=$(sha256sum "$WORK/sym.tar" | cut -d' ' -f1)
  ls "$BERTH_ROOT/layers/$layer/diff/" | grep -q '^berth-archive-escape-'
}
