#!/usr/bin/env bats
# berth volume create/ls/inspect/rm/prune on a throwaway BERTH_ROOT, checked as
# a docker user would check them; volumes with options really mounted; copy-up
# and crash leftovers through the library (tests/helpers/volume-tool); bad
# input leaves the store as it was.

load helpers
bats_require_minimum_version 1.5.0

VOLTOOL="$BERTH_BUILD/tests/unit/volume-tool"

setup() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  BERTH_ROOT=$(mktemp -d /tmp/berth-root.XXXXXX)
  WORK=$(mktemp -d /tmp/berth-work.XXXXXX)
  export BERTH_ROOT WORK
}

# Every mount under a path, deepest first.
mounts_under() {
  awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo |
    awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-
}

teardown() {
  local m
  # Unmount what the tests mounted before anything is removed: rm -rf must not
  # reach into a bind of a host directory.
  for d in "${BERTH_ROOT:-}" "${WORK:-}"; do
    [ -n "$d" ] || continue
    for m in $(mounts_under "$d"); do umount -l "$m" 2>/dev/null || true; done
  done
  teardown_image_test
}

# Rows and files of the volume store, to compare before and after bad input.
volume_state() {
  (cd "$BERTH_ROOT/volumes" && find . | sort)
  sqlite3 "$BERTH_ROOT/berth.db" 'SELECT name, created, labels, options, anonymous, copied_up, removing FROM volumes ORDER BY name; SELECT volume, container_id FROM volume_users ORDER BY 1, 2;'
}

@test "volume create prints the name; ls shows docker's columns" {
  run berth volume create myvol
  [ "$status" -eq 0 ]
  [ "$output" = myvol ]
  run berth volume ls
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
  [ "${lines[1]}" = "local     myvol" ]
  [ "${#lines[@]}" -eq 2 ]
  [ -d "$BERTH_ROOT/volumes/myvol/_data" ]
  [ "$(stat -c %a "$BERTH_ROOT/volumes")" = 701 ]
  [ "$(stat -c %a "$BERTH_ROOT/volumes/myvol")" = 755 ]
  [ "$(stat -c '%a %U' "$BERTH_ROOT/volumes/myvol/_data")" = "755 root" ]
}

@test "volume ls with no volumes prints the header only" {
  run berth volume ls
  [ "$status" -eq 0 ]
  [ "$output" = "DRIVER    VOLUME NAME" ]
  run berth volume ls -q
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "volume create without a name makes 64 hex characters; create is idempotent" {
  run berth volume create
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  gen=$output
  [ -d "$BERTH_ROOT/volumes/$gen/_data" ]
  berth volume create --label a=1 same
  run berth volume create --label b=2 same
  [ "$status" -eq 0 ]
  [ "$output" = same ]
  [ "$(berth volume ls -q | grep -c '^same$')" -eq 1 ]
  # the first create's labels stay, as in docker
  [ "$(berth volume inspect same | jq -c '.[0].Labels')" = '{"a":"1"}' ]
  # a generated name is not an anonymous volume (docker volume create)
  [ "$(berth volume inspect "$gen" | jq -c '.[0].Labels')" = '{}' ]
}

@test "volume ls -q, --format and docker's name order" {
  for v in vol10 vol2 beta alpha; do berth volume create "$v" >/dev/null; done
  run berth volume ls -q
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'alpha\nbeta\nvol2\nvol10')" ]
  run berth volume ls --format '{{.Name}}'
  [ "$output" = "$(printf 'alpha\nbeta\nvol2\nvol10')" ]
  run berth volume ls --format '{{.Driver}}:{{.Name}}:{{.Scope}}:{{.Mountpoint}}'
  [ "${lines[0]}" = "local:alpha:local:$BERTH_ROOT/volumes/alpha/_data" ]
  run berth volume ls --format 'table {{.Name}}\t{{.Driver}}'
  [ "${lines[0]}" = "VOLUME NAME   DRIVER" ]
  [ "${lines[1]}" = "alpha         local" ]
  [ "${lines[4]}" = "vol10         local" ]
  run berth volume ls --format '{{json .}}'
  [ "$(echo "${lines[0]}" | jq -r '.Name + " " + .Driver + " " + .Links + " " + .Size')" = "alpha local N/A N/A" ]
  # a custom format wins over -q, as in docker
  run berth volume ls -q --format '{{.Name}}!'
  [ "${lines[0]}" = 'alpha!' ]
  run berth volume ls --format '{{.Nope}}'
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "berth: template: can't evaluate field Nope"* ]]
}

@test "volume ls --format {{.Labels}} joins them" {
  berth volume create --label b=2 --label a=1 --label flag lab >/dev/null
  run berth volume ls --format '{{.Name}} {{.Labels}}'
  [ "$status" -eq 0 ]
  [ "$output" = "lab a=1,b=2,flag=" ]
}

@test "volume ls filters: dangling, name, label, driver" {
  berth volume create --label env=prod --label tier web >/dev/null
  berth volume create --label env=dev db >/dev/null
  berth volume create webcache >/dev/null
  "$VOLTOOL" use db c0ffee
  run berth volume ls -q -f dangling=true
  [ "$output" = "$(printf 'web\nwebcache')" ]
  run berth volume ls -q -f dangling=false
  [ "$output" = db ]
  run berth volume ls -q -f dangling=1
  [ "$output" = "$(printf 'web\nwebcache')" ]
  run berth volume ls -q -f name=web
  [ "$output" = "$(printf 'web\nwebcache')" ]
  run berth volume ls -q -f name='^web$'
  [ "$output" = web ]
  run berth volume ls -q -f label=env
  [ "$output" = "$(printf 'db\nweb')" ]
  run berth volume ls -q -f label=env=prod
  [ "$output" = web ]
  run berth volume ls -q -f label=env=prod -f label=tier
  [ "$output" = web ]
  run berth volume ls -q -f label=env=prod -f label=nope
  [ -z "$output" ]
  run berth volume ls -q -f driver=local -f name=db
  [ "$output" = db ]
  run berth volume ls -q -f driver=nfs
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run berth volume ls -f dangling=maybe
  [ "$status" -eq 1 ]
  [ "$output" = "berth: invalid filter 'dangling=maybe'" ]
  run berth volume ls -f colour=red
  [ "$status" -eq 1 ]
  [ "$output" = "berth: invalid filter 'colour'" ]
  run berth volume ls -f dangling
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"bad format of filter (expected name=value)" ]]
}

@test "volume inspect: docker's JSON, -f, and a missing volume" {
  berth volume create --label com.example=yes -o type=tmpfs -o device=tmpfs -o o=size=64m data >/dev/null
  run berth volume inspect data
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq length)" -eq 1 ]
  [ "$(echo "$output" | jq -r '.[0].Name')" = data ]
  [ "$(echo "$output" | jq -r '.[0].Driver')" = local ]
  [ "$(echo "$output" | jq -r '.[0].Scope')" = local ]
  [ "$(echo "$output" | jq -r '.[0].Mountpoint')" = "$BERTH_ROOT/volumes/data/_data" ]
  [ "$(echo "$output" | jq -c '.[0].Labels')" = '{"com.example":"yes"}' ]
  [ "$(echo "$output" | jq -c '.[0].Options')" = '{"device":"tmpfs","o":"size=64m","type":"tmpfs"}' ]
  created=$(echo "$output" | jq -r '.[0].CreatedAt')
  [[ "$created" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})$ ]]
  # keys in docker's order, 4-space indent
  [ "$(echo "$output" | jq -r '.[0] | keys_unsorted | join(",")')" = "CreatedAt,Driver,Labels,Mountpoint,Name,Options,Scope" ]
  [ "${lines[1]}" = "    {" ]
  run berth volume inspect -f '{{.Mountpoint}}' data
  [ "$output" = "$BERTH_ROOT/volumes/data/_data" ]
  run berth volume inspect --format '{{.Name}} {{index .Labels "com.example"}} {{json .Options}}' data
  [ "$output" = 'data yes {"device":"tmpfs","o":"size=64m","type":"tmpfs"}' ]
  berth volume create other >/dev/null
  run --separate-stderr berth volume inspect data nosuch other
  [ "$status" -eq 1 ]
  [ "$stderr" = "berth: no such volume: nosuch" ]
  [ "$(echo "$output" | jq -r '.[].Name' | tr '\n' ' ')" = "data other " ]
  run --separate-stderr berth volume inspect nosuch
  [ "$status" -eq 1 ]
  [ "$output" = "[]" ]
  run berth volume inspect
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *'"volume inspect" requires at least 1 argument.' ]]
}

@test "volume rm: prints the names; missing is an error unless -f; in use is refused" {
  berth volume create one >/dev/null
  berth volume create two >/dev/null
  run berth volume rm one two
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'one\ntwo')" ]
  [ ! -e "$BERTH_ROOT/volumes/one" ]
  [ -z "$(berth volume ls -q)" ]
  run berth volume rm nosuch
  [ "$status" -eq 1 ]
  [ "$output" = "berth: no such volume: nosuch" ]
  run berth volume rm -f nosuch
  [ "$status" -eq 0 ]
  [ "$output" = nosuch ]
  berth volume create busy >/dev/null
  cid=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  "$VOLTOOL" use busy "$cid"
  before=$(volume_state)
  run --separate-stderr berth volume rm busy
  [ "$status" -eq 1 ]
  [ "$stderr" = "berth: remove busy: volume is in use - [$cid]" ]
  run --separate-stderr berth volume rm -f busy
  [ "$status" -eq 1 ]
  [ "$stderr" = "berth: remove busy: volume is in use - [$cid]" ]
  [ "$(volume_state)" = "$before" ]
  "$VOLTOOL" release "$cid"
  run berth volume remove busy
  [ "$status" -eq 0 ]
  [ ! -e "$BERTH_ROOT/volumes/busy" ]
}

@test "volume prune asks first; no answer or 'n' keeps everything" {
  berth volume create --label com.docker.volume.anonymous= anon >/dev/null
  before=$(volume_state)
  run --separate-stderr berth volume prune </dev/null
  [ "$status" -eq 1 ]
  [[ "$stderr" == "WARNING! This will remove anonymous local volumes not used by at least one container."$'\n'"Are you sure you want to continue? [y/N] "* ]]
  [[ "$stderr" == *"volume prune has been cancelled" ]]
  run bash -c "echo n | '$BERTH_BUILD/cmd/berth/berth' volume prune -a"
  [ "$status" -eq 1 ]
  [[ "$output" == "WARNING! This will remove all local volumes not used by at least one container."* ]]
  [ "$(volume_state)" = "$before" ]
}

@test "volume prune: anonymous volumes only, reclaimed space as docker counts it" {
  anon=$("$VOLTOOL" anonymous)
  [[ "$anon" =~ ^[0-9a-f]{64}$ ]]
  used=$("$VOLTOOL" anonymous)
  "$VOLTOOL" use "$used" c1
  berth volume create named >/dev/null
  head -c 1200000 /dev/urandom >"$BERTH_ROOT/volumes/$anon/_data/blob"
  ln "$BERTH_ROOT/volumes/$anon/_data/blob" "$BERTH_ROOT/volumes/$anon/_data/again"
  run --separate-stderr bash -c "echo y | '$BERTH_BUILD/cmd/berth/berth' volume prune"
  [ "$status" -eq 0 ]
  # (a blank line before the total; the hard link is counted once)
  [ "$output" = "$(printf 'Deleted Volumes:\n%s\n\nTotal reclaimed space: 1.2MB' "$anon")" ]
  [ ! -e "$BERTH_ROOT/volumes/$anon" ]
  [ "$(berth volume ls -q | sort)" = "$(printf '%s\n' "$used" named | sort)" ]
  # nothing left to prune
  run berth volume prune -f
  [ "$status" -eq 0 ]
  [ "$output" = "Total reclaimed space: 0B" ]
}

@test "volume prune -a: every unused volume; --filter label" {
  berth volume create --label keep=yes kept >/dev/null
  berth volume create --label keep=no gone >/dev/null
  berth volume create busy >/dev/null
  "$VOLTOOL" use busy c1
  run berth volume prune -a -f --filter label=keep=no
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | sed -n 2p)" = gone ]
  run berth volume prune -a -f --filter 'label!=keep'
  [ "$status" -eq 0 ]
  [ "$output" = "Total reclaimed space: 0B" ]
  run berth volume prune --all --force
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'Deleted Volumes:\nkept\n\nTotal reclaimed space: 0B')" ]
  [ "$(berth volume ls -q)" = busy ]
  run berth volume prune -f --filter until=24h
  [ "$status" -eq 1 ]
  [ "$output" = "berth: invalid filter 'until'" ]
  run berth volume prune -f -a --filter all=1
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"conflicting options: cannot specify both --all and --filter all=1" ]]
}

@test "-o type=tmpfs: the volume is a tmpfs when used, unmounted when removed" {
  run berth volume create -o type=tmpfs -o device=tmpfs -o o=size=64m,uid=1000 scratch
  [ "$status" -eq 0 ]
  run "$VOLTOOL" mount scratch
  [ "$status" -eq 0 ]
  [ "$output" = "$BERTH_ROOT/volumes/scratch/_data" ]
  [ "$(stat -f -c %T "$output")" = tmpfs ]
  grep -q " $BERTH_ROOT/volumes/scratch/_data .* tmpfs tmpfs .*size=65536k" /proc/self/mountinfo
  [ "$(stat -c %u "$BERTH_ROOT/volumes/scratch/_data")" = 1000 ]
  # a second use does not stack another mount
  "$VOLTOOL" mount scratch >/dev/null
  [ "$(mounts_under "$BERTH_ROOT/volumes/scratch" | wc -l)" -eq 1 ]
  echo hi >"$BERTH_ROOT/volumes/scratch/_data/f"
  run berth volume rm scratch
  [ "$status" -eq 0 ]
  [ -z "$(mounts_under "$BERTH_ROOT/volumes/scratch")" ]
  [ ! -e "$BERTH_ROOT/volumes/scratch" ]
}

@test "-o type=none,o=bind,device=DIR: the host directory is bound, and kept on rm" {
  mkdir "$WORK/host"
  echo precious >"$WORK/host/file"
  berth volume create -o type=none -o o=bind -o device="$WORK/host" hostdir >/dev/null
  path=$("$VOLTOOL" mount hostdir)
  [ "$(cat "$path/file")" = precious ]
  echo new >"$path/written"
  [ "$(cat "$WORK/host/written")" = new ]
  run berth volume rm hostdir
  [ "$status" -eq 0 ]
  [ "$(cat "$WORK/host/file")" = precious ]
  [ -z "$(mounts_under "$BERTH_ROOT/volumes")" ]
}

@test "bad names, options and flags: one error, docker's exit code, the store unchanged" {
  berth volume create keep >/dev/null
  before=$(volume_state)
  run --separate-stderr berth volume create 'my vol'
  [ "$status" -eq 1 ]
  [ "$stderr" = 'berth: create my vol: "my vol" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path' ]
  [ -z "$output" ]
  run berth volume create ../escape
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  run berth volume create x
  [ "$status" -eq 1 ]
  [ "$output" = "berth: create x: volume name is too short, names should be at least two alphanumeric characters" ]
  run berth volume create -o foo=bar withopt
  [ "$status" -eq 1 ]
  [ "$output" = 'berth: create withopt: invalid option key: "foo"' ]
  run berth volume create -o device=/dev/null withopt
  [ "$status" -eq 1 ]
  [ "$output" = 'berth: create withopt: missing required option: "type"' ]
  run berth volume create -o size=10G withopt
  [ "$status" -eq 1 ]
  [ "$output" = 'berth: create withopt: quota size requested but no quota support' ]
  run berth volume create -d nfs withdrv
  [ "$status" -eq 1 ]
  [ "$output" = 'berth: create withdrv: error looking up volume plugin nfs: plugin "nfs" not found' ]
  run berth volume create --bogus v1
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "berth volume create: unknown flag: --bogus" ]
  run berth volume create -z v1
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "berth volume create: unknown shorthand flag: 'z' in -z" ]
  run berth volume create --label =x v1
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"invalid label '=x': empty name" ]]
  run berth volume create v1 v2
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = 'berth volume create: "volume create" requires at most 1 argument.' ]
  run berth volume ls extra
  [ "$status" -eq 125 ]
  run berth volume ls --format
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "berth volume ls: flag needs an argument: --format" ]
  run berth volume rm
  [ "$status" -eq 125 ]
  run berth volume prune extra
  [ "$status" -eq 125 ]
  run berth volume frobnicate
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "berth: 'volume frobnicate' is not a berth command." ]
  [ "$(volume_state)" = "$before" ]
}

@test "volume --help and berth --help" {
  run berth volume --help
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Usage:  berth volume COMMAND" ]
  for c in create inspect ls prune rm; do [[ "$output" == *"  $c "* ]]; done
  run berth volume create --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"--opt map"* ]]
  run berth --help
  [[ "$output" == *"volume      Manage volumes"* ]]
  run berth volume
  [ "$status" -eq 125 ]
}

@test "copy-up: the image's files once, into an empty volume, never from outside the rootfs" {
  rfs=$WORK/rootfs
  mkdir -p "$rfs/data/sub" "$rfs/etc"
  echo hello >"$rfs/data/sub/file"
  chown 1234:5678 "$rfs/data/sub/file"
  chmod 0751 "$rfs/data/sub"
  ln -s /etc/shadow "$rfs/data/shadow"
  echo inside >"$rfs/etc/marker"
  ln -s /../../../../etc "$rfs/escape"
  berth volume create vol >/dev/null
  "$VOLTOOL" copy-up vol "$rfs" /data
  mp=$(berth volume inspect -f '{{.Mountpoint}}' vol)
  [ "$(cat "$mp/sub/file")" = hello ]
  [ "$(stat -c '%u:%g' "$mp/sub/file")" = 1234:5678 ]
  [ "$(stat -c %a "$mp/sub")" = 751 ]
  [ "$(readlink "$mp/shadow")" = /etc/shadow ]
  # once: later changes of the image are not copied
  echo later >"$rfs/data/later"
  "$VOLTOOL" copy-up vol "$rfs" /data
  [ ! -e "$mp/later" ]
  # a symlink at the path resolves inside the rootfs, not to the host's /etc
  berth volume create esc >/dev/null
  "$VOLTOOL" copy-up esc "$rfs" /escape
  mp=$(berth volume inspect -f '{{.Mountpoint}}' esc)
  [ "$(cat "$mp/marker")" = inside ]
  [ ! -e "$mp/passwd" ]
  # never into a volume that has something
  berth volume create full >/dev/null
  mp=$(berth volume inspect -f '{{.Mountpoint}}' full)
  echo mine >"$mp/mine"
  "$VOLTOOL" copy-up full "$rfs" /data
  [ ! -e "$mp/sub" ]
  [ "$(cat "$mp/mine")" = mine ]
}

@test "crash leftovers are repaired by the next command" {
  berth volume create lost >/dev/null
  berth volume create gone >/dev/null
  rm -rf "$BERTH_ROOT/volumes/lost"
  mkdir -p "$BERTH_ROOT/volumes/orphan/_data"
  echo x >"$BERTH_ROOT/volumes/orphan/_data/x"
  sqlite3 "$BERTH_ROOT/berth.db" "UPDATE volumes SET removing = 1 WHERE name = 'gone'"
  run berth volume ls -q
  [ "$status" -eq 0 ]
  [ "$output" = lost ]
  [ -d "$BERTH_ROOT/volumes/lost/_data" ]
  [ ! -e "$BERTH_ROOT/volumes/orphan" ]
  [ ! -e "$BERTH_ROOT/volumes/gone" ]
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT count(*) FROM volumes WHERE name = 'gone'")" -eq 0 ]
}

@test "rm -v semantics: releasing a container removes its anonymous volumes only" {
  anon=$("$VOLTOOL" anonymous)
  berth volume create named >/dev/null
  "$VOLTOOL" use "$anon" c1
  "$VOLTOOL" use named c1
  run berth volume rm "$anon"
  [ "$status" -eq 1 ]
  "$VOLTOOL" release c1 rm
  [ "$(berth volume ls -q)" = named ]
  [ ! -e "$BERTH_ROOT/volumes/$anon" ]
}

@test "many berth processes at once keep the store whole" {
  # berth.db made first: its very first opens racing each other is base/db's
  # business (PRAGMA journal_mode can fail with "database is locked").
  berth volume ls >/dev/null
  for p in 1 2 3 4 5 6; do
    (
      for i in 1 2 3 4; do
        berth volume create "p$p-v$i" >/dev/null
        berth volume create shared >/dev/null
      done
      berth volume rm "p$p-v1" "p$p-v2" >/dev/null
      berth volume ls -q >/dev/null
    ) &
  done
  wait
  run berth volume ls -q
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 13 ]
  [ "$(echo "$output" | grep -c '^shared$')" -eq 1 ]
  [ "$(echo "$output" | grep -c -- '-v[12]$')" -eq 0 ]
  # every row has its directory, every directory its row
  [ "$(ls "$BERTH_ROOT/volumes" | sort)" = "$(echo "$output" | sort)" ]
  for v in $output; do [ -d "$BERTH_ROOT/volumes/$v/_data" ]; done
}
