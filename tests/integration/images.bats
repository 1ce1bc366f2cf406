#!/usr/bin/env bats
# berth's image commands on a throwaway BERTH_ROOT: import, images, tag, rmi,
# image inspect, history — and bad input leaving the store as it was.

load helpers

setup() {
  setup_image_test
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  export BERTH_RUNROOT
}
teardown() {
  remove_berth_containers
  teardown_image_test
}

# A chain made by commits, as docker's legacy builder makes one: img ← step1 ← step2 ← top,
# each adding a file; sets BASE S1 S2 TOP to the image ids; the containers are removed.
commit_chain() {
  BASE=$(berth import -c 'CMD ["sh"]' "$WORK/busybox.tar" img)
  berth run --name c1 img sh -c 'echo a > /a'
  S1=$(berth commit c1 step1)
  berth run --name c2 step1 sh -c 'echo b > /b'
  S2=$(berth commit c2 step2)
  berth run --name c3 step2 sh -c 'echo c > /c'
  TOP=$(berth commit c3 top)
  berth rm c1 c2 c3 >/dev/null
}


@test "import a rootfs tar: the image is listed as docker lists it" {
  run berth import "$WORK/busybox.tar" busybox:1.0
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  id=${output#sha256:}
  run berth images
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
  [[ "${lines[1]}" =~ ^busybox\ +1\.0\ +${id:0:12}\ +(Less\ than\ a\ second|[0-9]+\ seconds?)\ ago\ +[0-9.]+MB$ ]]
  run berth images -q
  [ "$output" = "${id:0:12}" ]
  run berth images --no-trunc -q
  [ "$output" = "sha256:$id" ]
}

@test "import from stdin with --change and --message; inspect and history show them" {
  run bash -c "gzip -c '$WORK/busybox.tar' | '$BERTH_BUILD/cmd/berth/berth' import -c 'CMD [\"sh\", \"-c\", \"echo hi\"]' -c 'ENV A=1 B=two' -c 'WORKDIR /srv' -c 'EXPOSE 8080' -c 'LABEL org.example=yes' -m 'from a test' - app"
  [ "$status" -eq 0 ]
  run berth image inspect app
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.[0].Config.Cmd | join(" ")')" = "sh -c echo hi" ]
  [ "$(echo "$output" | jq -r '.[0].Config.Env | join(",")')" = "A=1,B=two" ]
  [ "$(echo "$output" | jq -r '.[0].Config.WorkingDir')" = /srv ]
  [ "$(echo "$output" | jq -r '.[0].Config.ExposedPorts | keys[0]')" = 8080/tcp ]
  [ "$(echo "$output" | jq -r '.[0].Config.Labels["org.example"]')" = yes ]
  [ "$(echo "$output" | jq -r '.[0].RepoTags[0]')" = app:latest ]
  [ "$(echo "$output" | jq -r '.[0].RootFS.Layers | length')" = 1 ]
  [ "$(echo "$output" | jq -r '.[0].Os')" = linux ]
  run berth history app
  [ "$status" -eq 0 ]
  [[ "$output" == *"from a test"* ]] || [[ "$output" == *"berth import"* ]]
}

@test "a gzip and a plain import of the same tree share one layer" {
  berth import "$WORK/busybox.tar" a
  gzip -c "$WORK/busybox.tar" >"$WORK/busybox.tar.gz"
  berth import "$WORK/busybox.tar.gz" b
  [ "$(ls "$BERTH_ROOT/layers" | grep -v '^\.' | wc -l)" -eq 1 ]
  [ "$(berth images -q | wc -l)" -eq 2 ]
}

@test "tag and rmi follow docker: untag first, delete when the last name goes" {
  id=$(berth import "$WORK/busybox.tar" busybox)
  berth tag busybox localhost:5000/mine:v1
  run berth images
  [[ "$output" == *"localhost:5000/mine"*v1* ]]
  run berth rmi "${id:7:12}"
  [ "$status" -eq 1 ]
  [[ "$output" == *"must be forced"* ]]
  run berth rmi localhost:5000/mine:v1
  [ "$status" -eq 0 ]
  [ "$output" = "Untagged: localhost:5000/mine:v1" ]
  run berth rmi busybox
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Untagged: busybox:latest" ]
  [ "${lines[1]}" = "Deleted: $id" ]
  [ -z "$(berth images -q)" ]
  [ -z "$(ls "$BERTH_ROOT/layers" | grep -v '^\.')" ]
  [ -z "$(ls "$BERTH_ROOT/blobs/sha256")" ]
}

@test "rmi -f of an image with several tags removes them all" {
  id=$(berth import "$WORK/busybox.tar" one)
  berth tag one two
  run berth rmi -f "${id:7:12}"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Untagged: one:latest"* ]]
  [[ "$output" == *"Untagged: two:latest"* ]]
  [[ "$output" == *"Deleted: $id"* ]]
}

@test "bad input: a clear error and the store exactly as it was" {
  berth import "$WORK/busybox.tar" keep >/dev/null
  before=$(store_state)
  head -c 100000 /dev/urandom >"$WORK/garbage"
  run berth import "$WORK/garbage" bad
  [ "$status" -eq 1 ]
  [[ "$output" == berth:* ]]
  head -c 70000 "$WORK/busybox.tar" >"$WORK/truncated.tar"
  run berth import "$WORK/truncated.tar" bad
  [ "$status" -eq 1 ]
  [[ "${output,,}" == *"truncated tar archive"* ]]
  run berth import "$WORK/busybox.tar" 'Bad:Name'
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid reference format"* ]]
  run berth import -c 'RUN rm -rf /' "$WORK/busybox.tar" x
  [ "$status" -eq 1 ]
  [[ "$output" == *"RUN is not a valid change command"* ]]
  run berth import /no/such/file x
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot open '/no/such/file'"* ]]
  run berth tag nope x
  [ "$status" -eq 1 ]
  [[ "$output" == "berth: no such image: nope" ]]
  run berth images --bogus
  [ "$status" -eq 125 ]
  [ "$(store_state)" = "$before" ]
}

@test "a hostile tar is confined to its layer" {
  python3 - "$WORK/evil.tar" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
for name, data in [("../../../tmp/berth-escape-" + str(__import__("os").getpid()), b"x"), ("/abs-file", b"y")]:
    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
i = tarfile.TarInfo("evil"); i.type = tarfile.SYMTYPE; i.linkname = "/"; t.addfile(i)
i = tarfile.TarInfo("evil/berth-through-symlink"); i.size = 1; t.addfile(i, io.BytesIO(b"z"))
t.close()
PY
  run berth import "$WORK/evil.tar" evil
  [ "$status" -eq 0 ]
  [ ! -e /berth-through-symlink ]
  [ ! -e /abs-file ]
  ! ls /tmp/berth-escape-* 2>/dev/null
  layer=$(ls "$BERTH_ROOT/layers" | grep -v '^\.')
  [ -f "$BERTH_ROOT/layers/$layer/diff/abs-file" ]
  [ -f "$BERTH_ROOT/layers/$layer/diff/berth-through-symlink" ]
}

@test "concurrent imports from 6 processes: every image and tag is there" {
  for i in 1 2 3 4 5 6; do
    berth import "$WORK/busybox.tar" "con:$i" >/dev/null &
  done
  wait
  [ "$(berth images | grep -c '^con ')" -eq 6 ]
  [ "$(ls "$BERTH_ROOT/layers" | grep -v '^\.' | wc -l)" -eq 1 ]
}

@test "images --format and filters (dangling, reference, label, before, since)" {
  berth import -c 'LABEL team=a' "$WORK/busybox.tar" app:1 >/dev/null
  berth import "$WORK/busybox.tar" >/dev/null
  berth import "$WORK/busybox.tar" web:2 >/dev/null
  run berth images --format '{{.Repository}}:{{.Tag}}'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'web:2\n<none>:<none>\napp:1')" ]
  run berth images --format 'table {{.Repository}}\t{{.Tag}}'
  [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG$ ]]
  [[ "${lines[1]}" =~ ^web\ +2$ ]]
  run berth images --format '{{json .}}' -f label=team=a
  [ "$(echo "$output" | jq -r .Repository)" = app ]
  [ "$(echo "$output" | jq -r .Tag)" = 1 ]
  run berth images -q -f dangling=true
  [ "$(echo "$output" | wc -l)" -eq 1 ]
  run berth images --format '{{.Repository}}' -f 'reference=w*'
  [ "$output" = web ]
  run berth images --format '{{.Repository}}' web
  [ "$output" = web ]
  berth tag web:2 localhost:5000/web:a
  berth tag web:2 localhost:5000/web:b
  run berth images --format '{{.Tag}}' localhost:5000/web
  [ "$output" = "$(printf 'a\nb')" ]
  run berth images --format '{{.Tag}}' localhost:5000/web:b
  [ "$output" = b ]
  berth rmi localhost:5000/web:a localhost:5000/web:b
  run berth images --format '{{.Repository}}' -f before=web:2
  [ "$output" = "$(printf '<none>\napp')" ]
  run berth images --format '{{.Repository}}' -f since=app:1
  [ "$output" = "$(printf 'web\n<none>')" ]
  run berth images --format '{{.Nope}}'
  [ "$status" -eq 1 ]
  [[ "$output" == *"can't evaluate field Nope"* ]]
  run berth images -f colour=blue
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid filter 'colour'"* ]]
}

@test "berth import killed mid-stream: no image, and the next run cleans its temp file" {
  berth import "$WORK/busybox.tar" keep >/dev/null
  before=$(store_state)
  mkfifo "$WORK/fifo"
  "$BERTH_BUILD/cmd/berth/berth" import - half <"$WORK/fifo" &
  pid=$!
  exec 7>"$WORK/fifo"
  head -c 300000 "$WORK/busybox.tar" >&7
  for i in $(seq 100); do [ -n "$(ls "$BERTH_ROOT/tmp")" ] && break; sleep 0.05; done
  [ -n "$(ls "$BERTH_ROOT/tmp")" ]   # the blob is being written
  kill -9 "$pid"
  wait "$pid" || true
  exec 7>&-
  run berth images --format '{{.Repository}}'
  [ "$output" = keep ]
  [ -z "$(ls "$BERTH_ROOT/tmp")" ]   # the dead writer's temp file was removed on open
  [ "$(store_state)" = "$before" ]
}

@test "commit chains: Parent and history name each step's image; images hides untagged parents" {
  commit_chain
  [ "$(berth image inspect top | jq -r '.[0].Parent')" = "$S2" ]
  [ "$(berth image inspect step1 | jq -r '.[0].Parent')" = "$BASE" ]
  [ "$(berth image inspect img | jq -r '.[0].Parent')" = "" ]
  run berth history -q top
  [ "$output" = "$(printf '%s\n' "${TOP:7:12}" "${S2:7:12}" "${S1:7:12}" "${BASE:7:12}")" ]
  # untagging the middle ones leaves them as intermediate images: their child needs them
  run berth rmi step2
  [ "$status" -eq 0 ]
  [ "$output" = "Untagged: step2:latest" ]
  run berth rmi step1
  [ "$output" = "Untagged: step1:latest" ]
  run berth images --format '{{.Repository}}:{{.Tag}}'
  [ "$output" = "$(printf 'top:latest\nimg:latest')" ]
  run berth images -a --format '{{.Repository}}:{{.Tag}} {{.ID}}'
  [ "$output" = "$(printf 'top:latest %s\n<none>:<none> %s\n<none>:<none> %s\nimg:latest %s' \
    "${TOP:7:12}" "${S2:7:12}" "${S1:7:12}" "${BASE:7:12}")" ]
  run berth images -a -q -f dangling=true
  [ -z "$output" ]
  run berth images -a -q -f dangling=false
  [ "$output" = "$(printf '%s\n%s' "${TOP:7:12}" "${BASE:7:12}")" ]
  [ "$(berth run --rm top cat /a /b /c | tr -d '\n')" = abc ]
}

@test "rmi of an intermediate image refuses; rmi of the top deletes the untagged chain as docker does" {
  commit_chain
  berth rmi step1 step2 >/dev/null
  for f in "" -f; do
    run berth rmi $f "${S2:7:12}"
    [ "$status" -eq 1 ]
    [ "$output" = "berth: conflict: unable to delete ${S2:7:12} (cannot be forced) - image has dependent child images" ]
  done
  run berth rmi "${BASE:7:12}"
  [[ "$output" == *"(cannot be forced) - image has dependent child images" ]]
  run berth rmi top
  [ "$status" -eq 0 ]
  # docker's lines: each image, then the layer that went with it, up the chain
  [ "${lines[0]}" = "Untagged: top:latest" ]
  [ "${lines[1]}" = "Deleted: $TOP" ]
  [[ "${lines[2]}" =~ ^Deleted:\ sha256:[0-9a-f]{64}$ ]]
  [ "${lines[3]}" = "Deleted: $S2" ]
  [[ "${lines[4]}" =~ ^Deleted:\ sha256:[0-9a-f]{64}$ ]]
  [ "${lines[5]}" = "Deleted: $S1" ]
  [[ "${lines[6]}" =~ ^Deleted:\ sha256:[0-9a-f]{64}$ ]]
  [ "${#lines[@]}" -eq 7 ]
  run berth images -a -q --no-trunc
  [ "$output" = "$BASE" ]
  [ "$(ls "$BERTH_ROOT/layers" | grep -v '^[.l]' | wc -l)" -eq 1 ]
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT count(*) FROM images')" -eq 1 ]
}

@test "rmi --no-prune keeps the untagged parent, which is then dangling; a used parent stays" {
  commit_chain
  berth rmi step2 >/dev/null
  run berth rmi --no-prune top
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | grep -c "^Deleted: sha256:")" -eq 2 ] # the image and its layer
  run berth images -q --no-trunc -f dangling=true
  [ "$output" = "$S2" ]
  # a container of the parent keeps it when its last child goes
  berth run --name user step1 true
  run berth rmi step1
  [ "$status" -eq 1 ]
  [[ "$output" == *"is using its referenced image"* ]]
  run berth rmi -f step1
  [ "$output" = "Untagged: step1:latest" ]
  run berth rmi "${S2:7:12}"
  [ "$status" -eq 0 ]
  [[ "$output" != *"Deleted: $S1"* ]]
  run berth images -a -q --no-trunc
  [[ "$output" == *"$S1"* ]]
  berth rm user >/dev/null
  run berth rmi "${S1:7:12}"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted: $S1" ]
}

@test "image prune removes dangling chains and leaves intermediate images with tagged children" {
  commit_chain
  berth rmi step1 step2 >/dev/null
  run berth image prune -f
  [ "$status" -eq 0 ]
  [[ "$output" != *"deleted: $S2"* ]] # the chain's top is tagged: nothing dangles
  [ "$(berth images -a -q | wc -l)" -eq 4 ]
  berth tag top keep
  berth rmi top >/dev/null
  berth run --name c4 keep sh -c 'echo d > /d'
  berth commit c4 last >/dev/null
  berth rm c4 >/dev/null
  berth rmi keep >/dev/null # keep has a child now: it stays, untagged
  berth rmi last >/dev/null # and goes with it, with S2 and S1 (untagged parents)
  [ "$(berth images -a -q --no-trunc)" = "$BASE" ]
  # a dangling image whose parent is untagged: prune takes both
  berth run --name c5 img sh -c 'echo e > /e'
  p=$(berth commit c5 p)
  berth run --name c6 p sh -c 'echo f > /f'
  q=$(berth commit c6)
  berth rm c5 c6 >/dev/null
  berth rmi p >/dev/null
  run berth images -q --no-trunc -f dangling=true
  [ "$output" = "$q" ]
  run berth image prune -f
  [ "$status" -eq 0 ]
  [[ "$output" == *"deleted: $q"* ]]
  [[ "$output" == *"deleted: $p"* ]]
  [[ "$output" =~ Total\ reclaimed\ space:\ [1-9] ]]
  [ "$(berth images -a -q --no-trunc)" = "$BASE" ]
}

@test "image commands take flags after their arguments, as docker's CLI" {
  berth import "$WORK/busybox.tar" img >/dev/null
  mkdir -p "$WORK/ctx"
  printf 'FROM img\nRUN echo built > /built\n' >"$WORK/ctx/Dockerfile"
  run berth build "$WORK/ctx" -t built:1 -q
  [ "$status" -eq 0 ]
  [[ "$output" == sha256:* ]]
  run berth images built -q
  [ "$output" = "$(berth image inspect built:1 -f '{{.Id}}' | cut -c8-19)" ]
  run berth history built:1 -q
  [ "$status" -eq 0 ]
  berth save built:1 -o "$WORK/built.tar"
  [ -s "$WORK/built.tar" ]
  run berth rmi built:1 -f
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "Untagged: built:1" ]]
  run berth load -i "$WORK/built.tar" -q
  [ "$status" -eq 0 ]
  [[ "$output" == *"built:1"* ]]
}
