#!/usr/bin/env bats
# pull, push, login and logout against a real registry (Debian's
# docker-registry, distribution 2.8) on 127.0.0.1: round trips into a fresh
# root, what a pull of an image already there costs, pulls killed half way,
# registries that die mid-push, digests, tags, platforms, credentials, TLS,
# and `run` pulling what is missing.

load helpers
load registry-helpers
bats_require_minimum_version 1.5.0

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  REG_DIR=$(mktemp -d /tmp/berth-reg.XXXXXX)
  start_registry "$REG_DIR"
  echo "$REG_PID" >"$REG_DIR/pid"
  export REG_DIR
}

teardown_file() {
  [ -n "${REG_DIR:-}" ] || return 0
  stop_registry "$(cat "$REG_DIR/pid" 2>/dev/null)"
  rm -rf "$REG_DIR"
}

setup() {
  setup_image_test
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  ROOT2=$(mktemp -d /tmp/berth-root2.XXXXXX)
  export BERTH_RUNROOT ROOT2
  # credentials of this test only
  export BERTH_AUTH_FILE="$WORK/auth.json"
  # a repository of this test only, in the file's registry
  REPO="$REG/t$BATS_TEST_NUMBER"
  EXTRA_PIDS=""
  berth import -c 'CMD ["sh"]' "$WORK/busybox.tar" bb >/dev/null
}

teardown() {
  local p m
  for p in $EXTRA_PIDS; do
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  for r in "$BERTH_ROOT" "$ROOT2"; do
    [ -n "$r" ] && [ -d "$r" ] || continue
    for c in $(BERTH_ROOT=$r berth ps -aq --no-trunc 2>/dev/null); do
      BERTH_ROOT=$r berth rm -f "$c" >/dev/null 2>&1
    done
    grep -F " $r/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null; done
  done
  [ -n "${ROOT2:-}" ] && rm -rf "$ROOT2"
  [ -n "${BERTH_RUNROOT:-}" ] && rm -rf "$BERTH_RUNROOT"
  teardown_image_test
}

# berth on the second, fresh root
berth2() {
  BERTH_ROOT=$ROOT2 "$BERTH_BUILD/cmd/berth/berth" "$@"
}

# make_multi TAG: busybox, a small layer, a 50 MB random one and another small one, gzip
# compressed, loaded into $BERTH_ROOT as TAG.
make_multi() {
  local d="$WORK/multi"
  mkdir -p "$d/a" "$d/b" "$d/c"
  echo one >"$d/a/one"
  head -c 50000000 /dev/urandom >"$d/b/big"
  echo three >"$d/c/three"
  for x in a b c; do tar -C "$d/$x" -cf "$d/$x.tar" .; done
  python3 "$BATS_TEST_DIRNAME/archive-gen.py" oci "$d/multi.tar" --gzip-layers \
    --layer "$WORK/busybox.tar" --layer "$d/a.tar" --layer "$d/b.tar" --layer "$d/c.tar" --tag "$1"
  berth load -i "$d/multi.tar" >/dev/null
  rm -rf "$d"
}

@test "push, then pull into a fresh root and run it" {
  berth tag bb "$REPO/bb:1"
  run berth push "$REPO/bb:1"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "The push refers to repository [$REPO/bb]" ]
  [[ "$output" == *": Pushed"* ]]
  [[ "${lines[-1]}" =~ ^1:\ digest:\ (sha256:[0-9a-f]{64})\ size:\ [0-9]+$ ]]
  digest=${BASH_REMATCH[1]}
  # the registry has what was pushed, under that digest
  [ "$(curl -sI -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$REG/v2/t$BATS_TEST_NUMBER/bb/manifests/1" | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}')" = "$digest" ]

  run berth2 pull "$REPO/bb:1"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "1: Pulling from t$BATS_TEST_NUMBER/bb" ]
  [[ "$output" == *": Pull complete"* ]]
  [[ "$output" == *"Digest: $digest"* ]]
  [[ "$output" == *"Status: Downloaded newer image for $REPO/bb:1"* ]]
  [ "${lines[-1]}" = "$REPO/bb:1" ]
  # the same image (id), with its repo digest, and it runs
  [ "$(berth2 image inspect "$REPO/bb:1" | jq -r '.[0].Id')" = "$(berth image inspect bb | jq -r '.[0].Id')" ]
  [ "$(berth2 image inspect "$REPO/bb:1" | jq -r '.[0].RepoDigests[0]')" = "$REPO/bb@$digest" ]
  run berth2 run --rm "$REPO/bb:1" sh -c 'echo hello from $(hostname | wc -c) && ls /bin/busybox'
  [ "$status" -eq 0 ]
  [[ "$output" == *"hello from"* ]]
  # a push records the repo digest on the pushed image too, as docker does
  [[ "$(berth image inspect bb | jq -r '.[0].RepoDigests[]')" == *"$REPO/bb@$digest"* ]]
  run berth2 system check
  [ "$status" -eq 0 ]
}

@test "a pull of an image that is there fetches only the manifest and says it is up to date" {
  berth tag bb "$REPO/bb:1"
  berth push "$REPO/bb:1" >/dev/null
  berth2 pull "$REPO/bb:1" >/dev/null
  before=$(registry_requests "$REG_DIR" "\"[A-Z]+ /v2/t$BATS_TEST_NUMBER/")
  blobs_before=$(registry_requests "$REG_DIR" "\"GET /v2/t$BATS_TEST_NUMBER/bb/blobs/")
  t0=$(date +%s%N)
  run berth2 pull "$REPO/bb:1"
  t1=$(date +%s%N)
  [ "$status" -eq 0 ]
  [[ "$output" == *"Status: Image is up to date for $REPO/bb:1"* ]]
  [[ "$output" != *"Pull complete"* ]]
  [[ "$output" != *"Pulling fs layer"* ]]
  # one request (the manifest), no blob
  [ "$(registry_requests "$REG_DIR" "\"[A-Z]+ /v2/t$BATS_TEST_NUMBER/")" -eq $((before + 1)) ]
  [ "$(registry_requests "$REG_DIR" "\"GET /v2/t$BATS_TEST_NUMBER/bb/blobs/")" -eq "$blobs_before" ]
  # quick (the bench measures it properly; this only catches a pull that downloads again)
  [ $(((t1 - t0) / 1000000)) -lt 1000 ]
  # the same image under another tag: no download either, but a new name
  berth tag bb "$REPO/bb:2"
  berth push "$REPO/bb:2" >/dev/null
  run berth2 pull "$REPO/bb:2"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Status: Downloaded newer image for $REPO/bb:2"* ]]
  [[ "$output" != *"Pull complete"* ]]
  [ "$(berth2 images -q | sort -u | wc -l)" -eq 1 ]
}

@test "a multi-layer gzip image round trips, layers in parallel, and pushes again as it was pulled" {
  make_multi "$REPO/multi:1"
  run berth push "$REPO/multi:1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | grep -c ': Pushed$')" -eq 4 ]
  pushed=$(echo "$output" | sed -n 's/^1: digest: \(sha256:[0-9a-f]*\) .*/\1/p')
  # the fresh root has the busybox layer unpacked already, from an uncompressed tar: the
  # pull fetches the registry's gzip blob of it anyway (kept for push), checks its diff id,
  # and does not unpack it again
  berth2 import "$WORK/busybox.tar" local >/dev/null
  run berth2 pull "$REPO/multi:1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | grep -c ': Pull complete$')" -eq 4 ]
  [ "$(ls "$ROOT2/layers" | grep -c '^[0-9a-f]\{64\}$')" -eq 4 ]
  run berth2 run --rm "$REPO/multi:1" sh -c 'wc -c </big; cat /one /three'
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | tr -d ' ' | head -1)" = 50000000 ]
  [[ "$output" == *one*three* ]]
  # the blobs were kept as the registry had them: pushing back gives the same digest
  berth2 tag "$REPO/multi:1" "$REPO/again:1"
  run berth2 push "$REPO/again:1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | grep -c ': Mounted from ')" -eq 4 ]
  [[ "${lines[-1]}" == "1: digest: $pushed size: "* ]]
  # pushing again: everything is there
  run berth2 push "$REPO/again:1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | grep -c ': Layer already exists$')" -eq 4 ]
}

@test "a pull killed while a big layer downloads leaves no image, and the rerun reuses what was done" {
  make_multi "$REPO/multi:1"
  berth push "$REPO/multi:1" >/dev/null
  # 10 MB/s: the 50 MB layer takes seconds
  start_slow_proxy "$REG_PORT" 10000000
  EXTRA_PIDS="$PROXY_PID"
  slow="127.0.0.1:$PROXY_PORT/t$BATS_TEST_NUMBER/multi:1"
  # the berth process itself (not a subshell running the berth2 function) gets the SIGKILL
  BERTH_ROOT=$ROOT2 "$BERTH_BUILD/cmd/berth/berth" pull "$slow" >"$WORK/pull.log" 2>&1 &
  pid=$!
  # until the big layer is well under way
  for i in $(seq 300); do
    size=$(du -sb "$ROOT2/tmp" 2>/dev/null | cut -f1)
    [ "${size:-0}" -gt 8000000 ] && break
    sleep 0.05
  done
  [ "${size:-0}" -gt 8000000 ]
  kill -KILL "$pid"
  wait "$pid" || true
  [[ "$(cat "$WORK/pull.log")" == *"Pull complete"* ]]          # the small ones were done
  [[ "$(cat "$WORK/pull.log")" != *"Status:"* ]]
  run berth2 images -q
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run berth2 image inspect "$slow"
  [ "$status" -ne 0 ]
  # the rerun: the finished layers are there already, the big one comes again
  run berth2 pull "$slow"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | grep -c ': Already exists$')" -ge 2 ]
  [ "$(echo "$output" | grep -c ': Pull complete$')" -ge 1 ]
  [[ "$output" == *"Status: Downloaded newer image for $slow"* ]]
  run berth2 run --rm "$slow" sh -c 'wc -c </big'
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | tr -d ' ')" = 50000000 ]
  # nothing half-written is left: no temp files, no temp layer dirs, check is clean
  [ -z "$(ls -A "$ROOT2/tmp")" ]
  [ -z "$(ls -A "$ROOT2/layers" | grep '^\.tmp-' || true)" ]
  run berth2 system check
  [ "$status" -eq 0 ]
}

@test "system check --repair during a pull waits for it, and removes nothing the pull made" {
  make_multi "$REPO/multi:1"
  berth push "$REPO/multi:1" >/dev/null
  start_slow_proxy "$REG_PORT" 10000000
  EXTRA_PIDS="$PROXY_PID"
  slow="127.0.0.1:$PROXY_PORT/t$BATS_TEST_NUMBER/multi:1"
  BERTH_ROOT=$ROOT2 "$BERTH_BUILD/cmd/berth/berth" pull "$slow" >"$WORK/pull.log" 2>&1 &
  pull=$!
  # the small layers are done (unpacked, registered nowhere yet), the big one is coming
  for i in $(seq 300); do
    grep -q 'Pull complete' "$WORK/pull.log" && [ "$(du -sb "$ROOT2/tmp" | cut -f1)" -gt 4000000 ] && break
    sleep 0.05
  done
  BERTH_ROOT=$ROOT2 "$BERTH_BUILD/cmd/berth/berth" system check --repair >"$WORK/check.log" 2>&1 &
  check=$!
  wait "$pull"
  pull_end=$(date +%s%N)
  wait "$check" || true
  check_end=$(date +%s%N)
  [[ "$(cat "$WORK/pull.log")" == *"Status: Downloaded newer image"* ]]
  [ "$check_end" -ge "$pull_end" ]
  run berth2 run --rm "$slow" sh -c 'cat /one /three; wc -c </big'
  [ "$status" -eq 0 ]
  [[ "$output" == *one*three*50000000* ]]
  run berth2 system check
  [ "$status" -eq 0 ]
}

@test "a registry that goes away mid-push is a clear error, and the local image is untouched" {
  start_registry "$WORK/reg"
  EXTRA_PIDS="$REG_PID"
  start_slow_proxy "$REG_PORT" 10000000
  EXTRA_PIDS="$EXTRA_PIDS $PROXY_PID"
  make_multi "127.0.0.1:$PROXY_PORT/dies:1"
  before=$(store_state)
  "$BERTH_BUILD/cmd/berth/berth" push "127.0.0.1:$PROXY_PORT/dies:1" >"$WORK/push.log" 2>&1 &
  pid=$!
  # until the upload is under way, then the registry dies
  for i in $(seq 200); do
    grep -q 'PATCH\|PUT /v2/dies/blobs/uploads' "$WORK/reg/registry.log" 2>/dev/null && break
    grep -q 'POST /v2/dies/blobs/uploads' "$WORK/reg/registry.log" 2>/dev/null && break
    sleep 0.05
  done
  sleep 0.5
  kill -KILL "$REG_PID"
  # the push ends (no hang) with an error that says what failed
  for i in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  ! kill -0 "$pid" 2>/dev/null
  run wait "$pid"
  [ "$status" -eq 1 ]
  run cat "$WORK/push.log"
  [[ "$output" == *"berth: cannot push 127.0.0.1:$PROXY_PORT/dies:1: "* ]]
  [[ "$output" != *"digest: sha256"* ]]
  [ "$(store_state)" = "$before" ]
  run berth image inspect "127.0.0.1:$PROXY_PORT/dies:1"
  [ "$status" -eq 0 ]
}

@test "digest pinning: name@sha256 pulls that manifest, sets no tag, and runs by digest" {
  berth tag bb "$REPO/bb:1"
  digest=$(berth push "$REPO/bb:1" | sed -n 's/^1: digest: \(sha256:[0-9a-f]*\) .*/\1/p')
  [ -n "$digest" ]
  # the tag moves on in the registry: the digest still names the first image
  berth import -c 'CMD ["echo", "second"]' "$WORK/busybox.tar" "$REPO/bb:1" >/dev/null
  berth push "$REPO/bb:1" >/dev/null
  run berth2 pull "$REPO/bb@$digest"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Digest: $digest"* ]]
  [[ "$output" == *"Status: Downloaded newer image for $REPO/bb@$digest"* ]]
  [ "${lines[-1]}" = "$REPO/bb@$digest" ]
  [ "$(berth2 images --format '{{.Tag}}')" = "<none>" ]
  [ "$(berth2 image inspect "$REPO/bb@$digest" | jq -r '.[0].Id')" = "$(berth image inspect bb | jq -r '.[0].Id')" ]
  run berth2 run --rm "$REPO/bb@$digest" echo pinned
  [ "$status" -eq 0 ]
  [ "$output" = pinned ]
  # a digest the registry does not have
  run berth2 pull "$REPO/bb@sha256:$(printf '%064d' 0)"
  [ "$status" -eq 1 ]
  [[ "$output" == *"manifest unknown"* ]]
}

@test "pull --all-tags pulls every tag of the repository" {
  berth tag bb "$REPO/all:1"
  berth tag bb "$REPO/all:same-as-1"
  berth import -c 'CMD ["echo", "two"]' "$WORK/busybox.tar" "$REPO/all:2" >/dev/null
  for t in 1 same-as-1 2; do berth push "$REPO/all:$t" >/dev/null; done
  run berth2 pull -a "$REPO/all"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | grep -c 'Pulling from')" -eq 3 ]
  [[ "$output" == *"Status: Downloaded newer image for $REPO/all"* ]]
  [ "${lines[-1]}" = "$REPO/all" ]
  [ "$(berth2 images --format '{{.Tag}}' | sort | tr '\n' ' ')" = "1 2 same-as-1 " ]
  [ "$(berth2 images -q | sort -u | wc -l)" -eq 2 ]
  run berth2 pull --all-tags "$REPO/all"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Status: Image is up to date for $REPO/all"* ]]
  run berth2 pull -a "$REPO/all:1"
  [ "$status" -eq 1 ]
  [[ "$output" == *"tag can't be used with --all-tags/-a"* ]]
}

@test "an index: the entry for this platform is pulled, --platform picks another" {
  arch=$(uname -m)
  case $arch in x86_64) arch=amd64 other=arm64 ;; aarch64) arch=arm64 other=amd64 ;; *) skip "arch $arch" ;; esac
  berth tag bb "$REPO/idx:native"
  berth push "$REPO/idx:native" >/dev/null
  base="http://$REG/v2/t$BATS_TEST_NUMBER/idx"
  native=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$base/manifests/native")
  layer=$(echo "$native" | jq -c '.layers[0]')
  diff=$(echo "$native" | jq -r '.layers[0].digest') # an uncompressed layer: its digest is its diff id
  # the other platform's image: the same layer under another config
  cfg=$(jq -cn --arg a "$other" --arg d "$diff" '{architecture: $a, os: "linux", config: {Cmd: ["sh"]}, rootfs: {type: "layers", diff_ids: [$d]}}')
  printf '%s' "$cfg" >"$WORK/cfg"
  cdig="sha256:$(sha256sum "$WORK/cfg" | cut -d' ' -f1)"
  loc=$(curl -s -D - -o /dev/null -X POST "$base/blobs/uploads/" | tr -d '\r' | awk -F': ' 'tolower($1) == "location" {print $2}')
  case $loc in http*) ;; *) loc="http://$REG$loc" ;; esac
  curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$WORK/cfg" "$loc&digest=$cdig" >/dev/null
  man=$(jq -cn --arg c "$cdig" --argjson s "$(stat -c %s "$WORK/cfg")" --argjson l "$layer" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $s}, layers: [$l]}')
  printf '%s' "$man" >"$WORK/man"
  curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary @"$WORK/man" "$base/manifests/other" >/dev/null
  printf '%s' "$native" >"$WORK/native"
  ix=$(jq -cn --arg n "sha256:$(sha256sum "$WORK/native" | cut -d' ' -f1)" --argjson ns "$(stat -c %s "$WORK/native")" \
    --arg o "sha256:$(sha256sum "$WORK/man" | cut -d' ' -f1)" --argjson os "$(stat -c %s "$WORK/man")" \
    --arg a "$arch" --arg b "$other" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [
      {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $o, size: $os, platform: {os: "linux", architecture: $b}},
      {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $n, size: $ns, platform: {os: "linux", architecture: $a}}]}')
  printf '%s' "$ix" >"$WORK/ix"
  curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' --data-binary @"$WORK/ix" "$base/manifests/multi" >/dev/null
  ixdig="sha256:$(sha256sum "$WORK/ix" | cut -d' ' -f1)"

  run berth2 pull "$REPO/idx:multi"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Digest: $ixdig"* ]]
  [ "$(berth2 image inspect "$REPO/idx:multi" | jq -r '.[0].Id')" = "$(berth image inspect bb | jq -r '.[0].Id')" ]
  # the repo digest is the index's, as docker records it
  [ "$(berth2 image inspect "$REPO/idx:multi" | jq -r '.[0].RepoDigests[0]')" = "$REPO/idx@$ixdig" ]
  run berth2 pull --platform "linux/$other" "$REPO/idx:multi"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Downloaded newer image"* ]]
  [[ "$output" == *"Already exists"* ]] # the shared layer
  [ "$(berth2 image inspect "$REPO/idx:multi" | jq -r '.[0].Architecture')" = "$other" ]
  [ "$(berth2 image inspect "$REPO/idx:multi" | jq -r '.[0].Id')" = "$cdig" ]
  run berth2 pull --platform linux/s390x "$REPO/idx:multi"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no linux/s390x image in the index"* ]]
  run berth2 pull --platform nonsense "$REPO/idx:multi"
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid platform 'nonsense'"* ]]
}

@test "login and logout with htpasswd Basic auth: checked before it is saved, file mode 0600" {
  start_registry "$WORK/reg" auth
  EXTRA_PIDS="$REG_PID"
  berth tag bb "$REG/secret:1"
  run berth push "$REG/secret:1"
  [ "$status" -eq 1 ]
  [[ "$output" == *"unauthorized: authentication required"* ]]
  # a wrong password is refused, and nothing is written
  run bash -c "echo wrong | '$BERTH_BUILD/cmd/berth/berth' login -u alice --password-stdin $REG"
  [ "$status" -eq 1 ]
  [[ "$output" == *"unauthorized"* ]]
  [[ "$output" != *"Login Succeeded"* ]]
  [ ! -e "$BERTH_AUTH_FILE" ] || [ "$(jq -r --arg h "$REG" '.auths[$h] // "none"' "$BERTH_AUTH_FILE")" = none ]
  run bash -c "echo s3cret | '$BERTH_BUILD/cmd/berth/berth' login -u alice --password-stdin $REG"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Login Succeeded"* ]]
  [ "$(stat -c %a "$BERTH_AUTH_FILE")" = 600 ]
  [ "$(jq -r --arg h "$REG" '.auths[$h].auth' "$BERTH_AUTH_FILE" | base64 -d)" = "alice:s3cret" ]
  # with credentials stored: push and pull work
  run berth push "$REG/secret:1"
  [ "$status" -eq 0 ]
  run berth2 pull "$REG/secret:1"
  [ "$status" -eq 0 ]
  # -p works too (with docker's warning), and login again with what is stored
  run berth login -u alice -p s3cret "http://$REG/"
  [ "$status" -eq 0 ]
  [[ "$output" == *"WARNING! Using --password via the CLI is insecure"* ]]
  run berth login "$REG" </dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *"Authenticating with existing credentials"* ]]
  run berth logout "$REG"
  [ "$status" -eq 0 ]
  [ "$output" = "Removing login credentials for $REG" ]
  [ "$(jq -r --arg h "$REG" '.auths[$h] // "gone"' "$BERTH_AUTH_FILE")" = gone ]
  run berth logout "$REG"
  [ "$status" -eq 0 ]
  [ "$output" = "Not logged in to $REG" ]
  berth2 rmi "$REG/secret:1" >/dev/null
  run berth2 pull "$REG/secret:1"
  [ "$status" -eq 1 ]
  [[ "$output" == *"unauthorized"* ]]
  # no terminal, no user: refused rather than hanging on a prompt
  run berth login "$REG" </dev/null
  [ "$status" -eq 1 ]
  [[ "$output" == *"non TTY"* ]]
}

@test "a TLS registry on loopback: pull and push over https (unverified, as docker does for loopback)" {
  start_registry "$WORK/reg" auth+tls
  EXTRA_PIDS="$REG_PID"
  run bash -c "echo s3cret | '$BERTH_BUILD/cmd/berth/berth' login -u alice --password-stdin $REG"
  [ "$status" -eq 0 ]
  berth tag bb "$REG/tls:1"
  run berth push --tls-verify=false "$REG/tls:1"
  [ "$status" -eq 0 ]
  run berth2 pull "$REG/tls:1"
  [ "$status" -eq 0 ]
  run berth2 run --rm "$REG/tls:1" echo over-tls
  [ "$output" = over-tls ]
  # it was https: plain http to that port gets nothing useful
  run curl -s -o /dev/null -w '%{http_code}' "http://$REG/v2/"
  [ "$output" = 400 ]
}

@test "run and create pull a missing image (--pull missing, always, never)" {
  berth tag bb "$REPO/run:1"
  berth push "$REPO/run:1" >/dev/null
  run berth2 run --pull never --rm "$REPO/run:1" echo hi
  [ "$status" -eq 125 ]
  [[ "$output" == *"no such image"* ]]
  run --separate-stderr berth2 run --rm "$REPO/run:1" echo hi
  [ "$status" -eq 0 ]
  [ "$output" = hi ]
  [[ "$stderr" == *"Unable to find image '$REPO/run:1' locally"* ]]
  [[ "$stderr" == *"Status: Downloaded newer image for $REPO/run:1"* ]]
  # present: no pull at all
  run --separate-stderr berth2 run --rm "$REPO/run:1" echo again
  [ "$output" = again ]
  [ -z "$stderr" ]
  run --separate-stderr berth2 run --pull always --rm "$REPO/run:1" echo always
  [ "$output" = always ]
  [[ "$stderr" == *"Image is up to date for $REPO/run:1"* ]]
  # create pulls too; -q pulls quietly
  berth2 rmi -f "$REPO/run:1" >/dev/null
  run --separate-stderr berth2 create -q "$REPO/run:1" echo hi
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"Unable to find image"* ]]
  [[ "$stderr" != *"Pulling from"* ]]
  # a name the registry does not have: docker's words, exit 125, nothing made
  run berth2 run --rm "$REPO/nothere:1" true
  [ "$status" -eq 125 ]
  [[ "$output" == *"Unable to find image '$REPO/nothere:1' locally"* ]]
  [[ "$output" == *"manifest unknown"* ]]
}

@test "two pulls of the same image at once both succeed, with one copy" {
  make_multi "$REPO/multi:1"
  berth push "$REPO/multi:1" >/dev/null
  BERTH_ROOT=$ROOT2 "$BERTH_BUILD/cmd/berth/berth" pull "$REPO/multi:1" >"$WORK/p1" 2>&1 &
  p1=$!
  BERTH_ROOT=$ROOT2 "$BERTH_BUILD/cmd/berth/berth" pull "$REPO/multi:1" >"$WORK/p2" 2>&1 &
  p2=$!
  wait "$p1"
  wait "$p2"
  [ "$(berth2 images -q | wc -l)" -eq 1 ]
  [ "$(ls "$ROOT2/layers" | grep -c '^[0-9a-f]\{64\}$')" -eq 4 ]
  run berth2 system check
  [ "$status" -eq 0 ]
}

@test "a corrupted blob in the registry is refused and leaves nothing" {
  make_multi "$REPO/multi:1"
  berth push "$REPO/multi:1" >/dev/null
  # the 50 MB layer's data, one byte changed, in the registry's own storage
  big=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/t$BATS_TEST_NUMBER/multi/manifests/1" | jq -r '.layers | max_by(.size) | .digest')
  hex=${big#sha256:}
  data="$REG_DIR/data/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
  [ -f "$data" ]
  cp "$data" "$WORK/saved"
  printf 'X' | dd of="$data" bs=1 seek=1000000 conv=notrunc status=none
  run berth2 pull "$REPO/multi:1"
  cp "$WORK/saved" "$data"
  [ "$status" -eq 1 ]
  [[ "$output" == *"$big"* ]]
  [[ "$output" == *"digest mismatch"* || "$output" == *"corrupt"* || "$output" == *"diff id"* ]]
  [ -z "$(berth2 images -q)" ]
  [ ! -e "$ROOT2/blobs/sha256/$hex" ]
  [ -z "$(ls -A "$ROOT2/tmp")" ]
  # with the blob mended, the pull completes
  run berth2 pull "$REPO/multi:1"
  [ "$status" -eq 0 ]
}

@test "bad input: one clear error, exit 1 (125 for usage), nothing stored" {
  run berth pull "$REPO/none:1"
  [ "$status" -eq 1 ]
  [[ "${lines[-1]}" == "berth: cannot pull $REPO/none:1: "*"manifest unknown"* ]]
  run berth push "$REPO/notlocal:1"
  [ "$status" -eq 1 ]
  [[ "$output" == *"an image does not exist locally with the tag: $REPO/notlocal"* ]]
  run berth push "$REPO/bb@sha256:$(printf '%064d' 0)"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot push a digest reference"* ]]
  run berth pull 'Not/A/Name'
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid reference format"* ]]
  port=$(free_port)
  run berth pull "127.0.0.1:$port/x:1"
  [ "$status" -eq 1 ]
  [[ "$output" == *"127.0.0.1:$port"* ]]
  run berth pull
  [ "$status" -eq 125 ]
  [[ "$output" == *'"pull" requires exactly 1 argument.'* ]]
  run berth pull --bogus x
  [ "$status" -eq 125 ]
  [[ "$output" == *"unknown flag: --bogus"* ]]
  run berth push --tls-verify=maybe x
  [ "$status" -eq 125 ]
  [ "$(berth images -q | wc -l)" -eq 1 ]
}

@test "a mirror for docker.io: busybox comes from it (in a network namespace that has only loopback)" {
  # Inside its own network namespace nothing but 127.0.0.1 exists, so should the
  # mirror not be used, no request can leave for docker.io.
  cat >"$WORK/mirror.sh" <<'SCRIPT'
set -e
skip() { echo "skip: $*"; exit 3; }
source "$BATS_TEST_DIRNAME/registry-helpers.bash"
ip link set lo up
start_registry "$WORK/mreg"
trap 'stop_registry "$REG_PID"' EXIT
B="$BERTH_BUILD/cmd/berth/berth"
"$B" tag bb "$REG/library/busybox:latest"
"$B" push -q "$REG/library/busybox:latest" >/dev/null
BERTH_REGISTRY_MIRRORS="$REG" BERTH_ROOT=$ROOT2 "$B" pull -q busybox
BERTH_ROOT=$ROOT2 "$B" images --format 'have {{.Repository}}:{{.Tag}}'
grep -c 'GET /v2/library/busybox/blobs/' "$WORK/mreg/registry.log" | sed 's/^/blob requests: /'
if BERTH_ROOT=$ROOT2 "$B" pull -q busybox:absent 2>"$WORK/err"; then echo "pulled without a mirror?"; fi
echo "without the mirror: $(head -c 200 "$WORK/err")"
exit 0
SCRIPT
  export BATS_TEST_DIRNAME WORK ROOT2 BERTH_BUILD
  run unshare -n bash "$WORK/mirror.sh"
  [ "$status" -eq 0 ]
  [[ "$output" == *"docker.io/library/busybox:latest"* ]]
  [[ "$output" == *"have busybox:latest"* ]]
  [[ "$output" == *"blob requests: "[1-9]* ]]
  [[ "$output" == *"without the mirror: "*"busybox"* ]]
  [[ "$output" != *"pulled without a mirror"* ]]
}
