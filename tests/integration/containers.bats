#!/usr/bin/env bats
# Containers from images, run by the CLI through the library with a
# berth-monitor each: run/create/start/stop/kill/rm/ps/logs/exec/wait/inspect,
# exit codes, stdio, limits, the CLI dying at any moment, concurrency, and
# bad input leaving nothing behind.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  setup_image_test
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  export BERTH_RUNROOT
  # busybox with a user and a group besides root
  cp -a "$(busybox_rootfs)" "$WORK/rootfs"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n' >"$WORK/rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\napp:x:1000:\nextra:x:2000:app\n' >"$WORK/rootfs/etc/group"
  tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
  berth import -c 'CMD ["sh"]' -c 'ENV FROM_IMAGE=yes' "$WORK/busybox.tar" img >/dev/null
}

teardown() {
  remove_berth_containers
  teardown_image_test
}

@test "run: output and exit codes pass through, --rm leaves nothing" {
  run berth run --rm img sh -c 'echo out; echo err >&2; exit 3'
  [ "$status" -eq 3 ]
  [[ "$output" == *out* ]]
  [[ "$output" == *err* ]]
  run berth ps -aq
  [ -z "$output" ]
  [ "$(mounts_under_root)" -eq 0 ]
  # a create killed before its record leaves only a directory that system check names,
  # and --repair removes once it is old enough not to be a create still running
  for d in "$BERTH_ROOT"/containers/*; do [ -e "$d" ] && touch -d '2 minutes ago' "$d"; done
  berth system check --repair >/dev/null || true
  run berth system check
  [ "$status" -eq 0 ]
  [ -z "$(ls "$BERTH_ROOT/containers")" ]
}

@test "run --rm mounts the container's layer volatile (no syncs, as podman); a kept one's not" {
  run berth run --rm img sh -c 'grep " / / " /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [[ "$output" == *volatile* ]]
  run berth run --name kept img sh -c 'grep " / / " /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [[ "$output" == *lowerdir* ]]
  [[ "$output" != *volatile* ]]
  berth rm kept
  [ "$(mounts_under_root)" -eq 0 ]
}

@test "run: a missing command is 127, a non-executable one 126, as docker" {
  run -127 berth run --rm img /no/such/thing
  [ "$status" -eq 127 ]
  run -126 berth run --rm img /etc/passwd
  [ "$status" -eq 126 ]
  run berth ps -aq
  [ -z "$output" ]
}

@test "run: stdin is piped with -i and closed without it" {
  run bash -c "printf 'hello\nworld\n' | '$BERTH_BUILD/cmd/berth/berth' run -i --rm img sh -c 'wc -l'"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | tr -d ' ')" = 2 ]
  run bash -c "echo hidden | '$BERTH_BUILD/cmd/berth/berth' run --rm img cat"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "run -it: the process gets a terminal" {
  command -v script >/dev/null || skip "script(1) missing"
  run script -qec "'$BERTH_BUILD/cmd/berth/berth' run -it --rm img sh -c 'tty; stty size; exit 5'" /dev/null
  [ "$status" -eq 5 ]
  [[ "$output" == */dev/pts/* ]]
}

@test "run: env, workdir and user come from the image and the flags" {
  berth import -c 'ENV A=image B=image' -c 'WORKDIR /tmp' -c 'USER nobody' -c 'CMD ["sh"]' "$WORK/busybox.tar" img2 >/dev/null
  run berth run --rm img2 sh -c 'echo $A $B; pwd; id -un'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "image image" ]
  [ "${lines[1]}" = "/tmp" ]
  [ "${lines[2]}" = "nobody" ]
  run berth run --rm -e B=flag -e C=new -w /etc -u root img2 sh -c 'echo $A $B $C; pwd; id -u'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "image flag new" ]
  [ "${lines[1]}" = "/etc" ]
  [ "${lines[2]}" = "0" ]
}

@test "run -d, ps, logs, stop, ps -a: the lifecycle as docker shows it" {
  run berth run -d --name web img sh -c 'echo started; trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done'
  [ "$status" -eq 0 ]
  id=$output
  [[ "$id" =~ ^[0-9a-f]{64}$ ]]
  run berth ps
  [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]]
  [[ "${lines[1]}" =~ ^${id:0:12}\ +img\ +\"sh\ -c\ echo\ started\;…\"\ +.*\ ago\ +Up\ .*web$ ]]
  for i in $(seq 50); do berth logs web | grep -q started && break; sleep 0.1; done
  run berth logs web
  [ "$output" = "started" ]
  run berth stop web
  [ "$status" -eq 0 ]
  [ "$output" = "web" ]
  run berth logs web
  [ "${lines[1]}" = "bye" ]
  run berth ps -q
  [ -z "$output" ]
  run berth ps -a
  [[ "${lines[1]}" =~ Exited\ \(0\)\ .*ago ]]
  run berth inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.Name}} {{.State.Running}}' web
  [ "$output" = "exited 0 /web false" ]
  [ "$(mounts_under_root)" -eq 0 ]
}

@test "stop of a process that ignores SIGTERM kills it after --time; exit 137" {
  berth run -d --name stubborn img sh -c 'trap "" TERM; while true; do sleep 0.1; done' >/dev/null
  start=$(date +%s)
  run berth stop -t 1 stubborn
  [ "$status" -eq 0 ]
  [ $(( $(date +%s) - start )) -lt 8 ]
  run berth inspect -f '{{.State.ExitCode}}' stubborn
  [ "$output" = "137" ]
}

@test "start, restart, kill, wait, pause and unpause" {
  run berth create --name c1 img sh -c 'sleep 30'
  [ "$status" -eq 0 ]
  run berth ps -a --format '{{.Names}} {{.Status}}'
  [ "$output" = "c1 Created" ]
  run berth start c1
  [ "$output" = "c1" ]
  run berth pause c1
  [ "$status" -eq 0 ]
  run berth ps --format '{{.Status}}'
  [[ "$output" == *"(Paused)" ]]
  run berth unpause c1
  [ "$status" -eq 0 ]
  pid1=$(berth inspect -f '{{.State.Pid}}' c1)
  run berth restart -t 0 c1
  [ "$status" -eq 0 ]
  pid2=$(berth inspect -f '{{.State.Pid}}' c1)
  [ "$pid1" != "$pid2" ]
  berth kill -s KILL c1
  run berth wait c1
  [ "$output" = "137" ]
  run berth kill c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"is not running"* ]]
}

@test "exec runs in the container with its env; -e, -w, -u, and exit codes" {
  berth run -d --name ex -e X=1 img sleep 30 >/dev/null
  run berth exec ex sh -c 'echo $X $FROM_IMAGE; cat /proc/1/cmdline | tr "\0" " "'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "1 yes" ]
  [ "${lines[1]}" = "sleep 30 " ]
  run berth exec -e Y=2 -w /etc -u nobody ex sh -c 'echo $Y; pwd; id -un; exit 4'
  [ "$status" -eq 4 ]
  [ "${lines[0]}" = 2 ]
  [ "${lines[1]}" = /etc ]
  [ "${lines[2]}" = nobody ]
  run bash -c "echo piped | '$BERTH_BUILD/cmd/berth/berth' exec -i ex cat"
  [ "$output" = piped ]
}

@test "exec sees the container's cgroup as its cgroup namespace's root, as docker's" {
  berth run -d --name cgv img sleep 30 >/dev/null
  # /proc/1/cgroup and /proc/self/cgroup read "0::/" on cgroup v2, and every
  # hierarchy ends in ":/" on v1 or hybrid
  run berth exec cgv cat /proc/1/cgroup /proc/self/cgroup
  [ "$status" -eq 0 ]
  [ -n "$output" ]
  run grep -v ':/$' <<<"$output"
  [ -z "$output" ]
  if cgroup_v2_host; then
    run berth exec cgv cat /proc/self/cgroup
    [ "$output" = "0::/" ]
  fi
}

@test "killing the CLI mid-run, mid-logs -f and mid-exec leaves the container running" {
  "$BERTH_BUILD/cmd/berth/berth" run --name fg img sh -c 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done' >/dev/null 2>&1 &
  cli=$!
  for i in $(seq 50); do [ "$(berth inspect -f '{{.State.Status}}' fg 2>/dev/null)" = running ] && break; sleep 0.1; done
  kill -9 $cli
  wait $cli 2>/dev/null || true
  "$BERTH_BUILD/cmd/berth/berth" logs -f fg >/dev/null &
  lg=$!
  "$BERTH_BUILD/cmd/berth/berth" exec fg sleep 20 &
  ex=$!
  sleep 0.5
  kill -9 $lg $ex
  wait $lg $ex 2>/dev/null || true
  sleep 0.5
  run berth inspect -f '{{.State.Status}}' fg
  [ "$output" = running ]
  n1=$(berth logs fg | wc -l)
  sleep 0.5
  n2=$(berth logs fg | wc -l)
  [ "$n2" -gt "$n1" ]
  run berth stop -t 1 fg
  [ "$status" -eq 0 ]
  run berth inspect -f '{{.State.Status}}' fg
  [ "$output" = exited ]
}

@test "a container whose monitor was killed shows as exited" {
  berth run -d --name orphan img sleep 30 >/dev/null
  mon=$(pgrep -f "berth-monitor.*$BERTH_ROOT/containers/$(berth inspect -f '{{.Id}}' orphan)")
  [ -n "$mon" ]
  kill -9 $mon
  sleep 0.2
  run berth ps -a --format '{{.Names}} {{.State}}'
  [ "$output" = "orphan exited" ]
  run berth rm orphan
  [ "$status" -eq 0 ]
  [ "$(mounts_under_root)" -eq 0 ]
}

@test "memory limit: a hog is OOM-killed and inspect says so; pids limit stops a fork bomb" {
  run berth run --name hog --memory 32m --memory-swap 32m img sh -c 'x=$(head -c 200m /dev/zero | tr "\0" a); echo survived'
  [ "$status" -eq 137 ]
  run berth inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' hog
  [ "$output" = "true 137" ]
  # the bomb's shell dies at the limit; the container lives on in its last process
  id=$(berth run -d --pids-limit 10 img sh -c 'sh -c "while :; do sleep 30 & done" 2>/dev/null; exec sleep 30')
  sleep 1
  [ "$(berth inspect -f '{{.State.Status}}' "$id")" = running ]
  [ "$(cat /sys/fs/cgroup/pids/berth/$id/pids.current 2>/dev/null || cat /sys/fs/cgroup/berth/$id/pids.current)" -le 10 ]
  grep -q 'max [1-9]' /sys/fs/cgroup/pids/berth/$id/pids.events 2>/dev/null || grep -q 'max [1-9]' /sys/fs/cgroup/berth/$id/pids.events
}

@test "restart policy on-failure:2 restarts twice, then stops" {
  berth run -d --name flaky --restart on-failure:2 img sh -c 'exit 1' >/dev/null
  for i in $(seq 100); do
    [ "$(berth inspect -f '{{.State.Status}} {{.RestartCount}}' flaky)" = "exited 2" ] && break
    sleep 0.1
  done
  run berth inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' flaky
  [ "$output" = "exited 2 1" ]
}

@test "restart policy: the back-off doubles; a stop while it waits cancels the restart at once" {
  berth run -d --name loop --restart always img sh -c 'exit 2' >/dev/null
  # restarts after 100, 200, 400, 800, 1600, 3200 ms: the 7th waits 6.4 s
  for i in $(seq 150); do [ "$(berth inspect -f '{{.RestartCount}}' loop)" -ge 6 ] && break; sleep 0.1; done
  [ "$(berth inspect -f '{{.RestartCount}}' loop)" -ge 6 ]
  for i in $(seq 30); do [ "$(berth inspect -f '{{.State.Status}}' loop)" = restarting ] && break; sleep 0.05; done
  count=$(berth inspect -f '{{.RestartCount}}' loop)
  t0=$(date +%s%N)
  berth stop loop >/dev/null
  [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 3000 ]
  run berth inspect -f '{{.State.Status}} {{.State.ExitCode}}' loop
  [ "$output" = "exited 2" ]
  sleep 1
  run berth inspect -f '{{.State.Status}} {{.RestartCount}}' loop
  [ "$output" = "exited $count" ]
}

@test "50 concurrent run -d from 10 processes: 50 containers, unique names, all running" {
  for p in $(seq 10); do
    ( for i in $(seq 5); do "$BERTH_BUILD/cmd/berth/berth" run -d img sleep 60 >/dev/null || echo FAIL; done ) > "$WORK/p$p" 2>&1 &
  done
  wait
  ! grep -q . "$WORK"/p*
  run berth ps -q
  [ "$(echo "$output" | wc -l)" -eq 50 ]
  [ "$(berth ps --format '{{.Names}}' | sort -u | wc -l)" -eq 50 ]
}

@test "bad input: unknown image, bad flag value, name in use, missing bind source — nothing left" {
  before=$(store_state; ls "$BERTH_ROOT/containers" 2>/dev/null || true)
  run berth run --rm nosuchimage true
  [ "$status" -eq 125 ]
  [[ "$output" == *"nosuchimage"* ]]
  run berth run --memory abc img true
  [ "$status" -eq 125 ]
  [[ "$output" == *memory* ]]
  run berth run -v /no/such/dir:/x img true
  [ "$status" -eq 125 ]
  [[ "$output" == *"/no/such/dir"* ]]
  run berth run --cap-add NOPE --rm img true
  [ "$status" -ne 0 ]
  run berth ps -aq
  [ -z "$output" ]
  [ "$before" = "$(store_state; ls "$BERTH_ROOT/containers" 2>/dev/null || true)" ]
  berth create --name taken img true >/dev/null
  run berth create --name taken img true
  [ "$status" -eq 125 ]
  [[ "$output" == *'The container name "/taken" is already in use'* ]]
  [ "$(berth ps -aq | wc -l)" -eq 1 ]
}

@test "volumes: named volume shared and kept after rm; rm -v drops anonymous ones; in-use volume refused" {
  berth run --rm -v data:/data img sh -c 'echo kept > /data/f'
  run berth run --rm -v data:/data img cat /data/f
  [ "$output" = kept ]
  berth create --name holder -v data:/data -v /anon img true >/dev/null
  run berth volume rm data
  [ "$status" -eq 1 ]
  [[ "$output" == *"volume is in use"* ]]
  [ "$(berth volume ls -q | wc -l)" -eq 2 ]
  berth rm -v holder >/dev/null
  run berth volume ls -q
  [ "$output" = data ]
  hostdir=$(mktemp -d "$WORK/bind.XXXX")
  berth run --rm -v "$hostdir:/b" img sh -c 'echo hi > /b/x'
  [ "$(cat "$hostdir/x")" = hi ]
  run berth run --rm -v "$hostdir:/b:ro" img sh -c 'echo no > /b/y'
  [ "$status" -ne 0 ]
  [ ! -e "$hostdir/y" ]
}

@test "--init runs the process under an init that reaps and passes signals" {
  run berth run --rm --init img sh -c 'cat /proc/1/cmdline | tr "\0" " "'
  [ "$status" -eq 0 ]
  [[ "$output" == "/sbin/docker-init -- sh -c"* ]]
}

@test "json-file log rotation with --log-opt max-size/max-file" {
  berth run --name chatty --log-opt max-size=2k --log-opt max-file=2 img sh -c 'for i in $(seq 300); do echo line $i; done'
  id=$(berth inspect -f '{{.Id}}' chatty)
  [ -e "$BERTH_ROOT/containers/$id/$id-json.log.1" ]
  [ ! -e "$BERTH_ROOT/containers/$id/$id-json.log.2" ]
  run berth logs --tail 1 chatty
  [ "$output" = "line 300" ]
}

@test "healthcheck: starting, unhealthy after the retries, healthy once the test passes" {
  berth run -d --name hc --health-cmd 'test -e /tmp/ok' --health-interval 200ms --health-retries 2 img sleep 30 >/dev/null
  run berth inspect -f '{{.State.Health.Status}}' hc
  [ "$output" = starting ] || [ "$output" = unhealthy ]
  for i in $(seq 50); do [ "$(berth inspect -f '{{.State.Health.Status}}' hc)" = unhealthy ] && break; sleep 0.1; done
  run berth inspect -f '{{.State.Health.Status}}' hc
  [ "$output" = unhealthy ]
  run berth ps --format '{{.Status}}'
  [[ "$output" == *"(unhealthy)" ]]
  berth exec hc touch /tmp/ok
  for i in $(seq 50); do [ "$(berth inspect -f '{{.State.Health.Status}}' hc)" = healthy ] && break; sleep 0.1; done
  run berth inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' hc
  [ "$output" = "healthy 0" ]
  run berth events --since 1m --until 0s -f event=health_status --format '{{.Action}}'
  [ "${lines[0]}" = "health_status: unhealthy" ]
  [ "${lines[1]}" = "health_status: healthy" ]
}

@test "events: the lifecycle is recorded in order and streamed to a watcher" {
  "$BERTH_BUILD/cmd/berth/berth" events --until $(( $(date +%s) + 10 )) --format '{{.Action}} {{.Actor.Attributes.name}}' >"$WORK/stream" &
  watcher=$!
  sleep 0.3
  berth run --name ev1 img sh -c 'exit 2' >/dev/null || true
  berth rm ev1 >/dev/null
  run berth events --since 1m --until 0s -f container=ev1 --format '{{.Action}} {{.Actor.Attributes.exitCode}}'
  [ "${lines[0]}" = "create <no value>" ]
  [ "${lines[1]}" = "start <no value>" ]
  [ "${lines[2]}" = "die 2" ]
  [ "${lines[3]}" = "destroy <no value>" ]
  run berth events --since 1m --until 0s -f event=die
  [[ "$output" =~ container\ die\ [0-9a-f]{64}\ \(exitCode=2,\ image=img,\ name=ev1\) ]]
  for i in $(seq 30); do grep -q "destroy ev1" "$WORK/stream" && break; sleep 0.1; done
  kill $watcher 2>/dev/null || true
  wait $watcher 2>/dev/null || true
  grep -q "start ev1" "$WORK/stream"
  grep -q "destroy ev1" "$WORK/stream"
  run berth events --since nonsense
  [ "$status" -eq 125 ]
}

@test "healthcheck start period: failures while starting do not count, probes every start interval, the first after it at its end" {
  berth run -d --name hcs --health-cmd false --health-start-period 3s --health-start-interval 300ms \
    --health-interval 10s --health-retries 1 img sleep 60 >/dev/null
  for i in $(seq 30); do [ "$(berth inspect -f '{{len .State.Health.Log}}' hcs)" -ge 2 ] && break; sleep 0.1; done
  run berth inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{len .State.Health.Log}}' hcs
  [[ "$output" == "starting 0 "[2-9] ]]
  for i in $(seq 100); do [ "$(berth inspect -f '{{.State.Health.Status}}' hcs)" = unhealthy ] && break; sleep 0.1; done
  run berth inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' hcs
  [ "$output" = "unhealthy 1" ]
  [ "$(berth inspect -f '{{len .State.Health.Log}}' hcs)" -le 5 ]
}

@test "after a crash: ps tells the truth, start --all --restart-policy brings back always/unless-stopped" {
  berth run -d --name a1 --restart always img sleep 300 >/dev/null
  berth run -d --name u1 --restart unless-stopped img sleep 300 >/dev/null
  berth run -d --name u2 --restart unless-stopped img sleep 300 >/dev/null
  berth run -d --name n1 img sleep 300 >/dev/null
  berth stop -t 0 u2 >/dev/null
  # the machine goes down hard: every monitor and container process dies, /run is wiped
  ids=$(berth ps -q --no-trunc)
  pids=$(for c in $ids; do berth inspect -f '{{.State.Pid}}' "$c"; done)
  for p in $(pgrep -f "berth-monitor.*$BERTH_ROOT" || true); do kill -9 "$p"; done
  for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
  sleep 0.3
  for c in $ids; do
    umount -l "$BERTH_ROOT/containers/$c/merged" 2>/dev/null || true
    for h in /sys/fs/cgroup/*/berth/$c /sys/fs/cgroup/berth/$c; do [ -d "$h" ] && rmdir "$h" 2>/dev/null; done
  done
  # /run wiped with its mounts (the containers' network namespaces), and the links and
  # firewall table that lived in the kernel gone with the reboot
  grep -F " $BERTH_RUNROOT/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf "${BERTH_RUNROOT:?}"/*
  remove_berth_network_leftovers
  run berth ps -a --format '{{.Names}} {{.State}}'
  [[ "$output" == *"a1 exited"* ]]
  [[ "$output" == *"u1 exited"* ]]
  [[ "$output" == *"n1 exited"* ]]
  run berth ps -q
  [ -z "$output" ]
  run berth start --all --restart-policy
  [ "$status" -eq 0 ]
  [[ "$output" == *a1* ]]
  [[ "$output" == *u1* ]]
  [[ "$output" != *u2* ]]
  [[ "$output" != *n1* ]]
  run berth ps --format '{{.Names}}'
  [ "$(echo "$output" | sort | tr '\n' ' ')" = "a1 u1 " ]
  # back on the network: the bridge made again, each with an address of its own
  [ "$(berth exec a1 ip -o -4 addr show eth0 | wc -l)" -eq 1 ]
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT count(DISTINCT address) FROM network_leases')" -eq 2 ]
  run berth start --all
  [ "$status" -eq 125 ]
}

@test "attach to a -dit container: input goes in, output comes out, ctrl-p ctrl-q detaches" {
  command -v script >/dev/null || skip "script(1) missing"
  berth run -dit --name att img sh >/dev/null
  run bash -c "(sleep 0.5; printf 'echo hello-\$((40+2))\n'; sleep 0.5; printf '\020\021') | timeout 10 script -qec '$BERTH_BUILD/cmd/berth/berth attach att' /dev/null"
  [ "$status" -eq 0 ]
  [[ "$output" == *hello-42* ]]
  [[ "$output" == *"read escape sequence"* ]]
  run berth inspect -f '{{.State.Status}}' att
  [ "$output" = running ]
  run berth attach att-missing
  [ "$status" -eq 1 ]
}

# ptyrun ROWS COLS CMD...: CMD on a terminal of its own, driven by the script on stdin
# (tests/helpers/ptyrun.py: expect, send, resize, wait).
ptyrun() {
  timeout 90 python3 "$BATS_TEST_DIRNAME/../helpers/ptyrun.py" "$@"
}

# still_running NAME: the container runs (after a detach).
still_running() {
  [ "$("$BERTH_BUILD/cmd/berth/berth" inspect -f '{{.State.Status}}' "$1")" = running ]
}

@test "detach keys: the default and a custom sequence leave the container running; attach again" {
  b="$BERTH_BUILD/cmd/berth/berth"
  berth run -dit --name dk img sh >/dev/null
  run ptyrun 24 80 "$b" attach dk <<'EOF'
send echo one-$((40+2))\r
expect one-42
send \x10\x11
wait
EOF
  [ "$status" -eq 0 ]
  [[ "$output" == *"read escape sequence"* ]]
  still_running dk
  # again, with --detach-keys: ctrl-p ctrl-q is input now, ctrl-x y detaches
  run ptyrun 24 80 "$b" attach --detach-keys=ctrl-x,y dk <<'EOF'
send \x10\x11echo two-$((40+3))\r
expect two-43
send \x18y
wait
EOF
  [ "$status" -eq 0 ]
  [[ "$output" == *"read escape sequence"* ]]
  still_running dk
  # the shell still runs, and answers
  run ptyrun 24 80 "$b" attach dk <<'EOF'
send echo three-$((40+4))\r
expect three-44
send exit 7\r
wait
EOF
  [ "$status" -eq 7 ]
  run berth inspect -f '{{.State.Status}}' dk
  [ "$output" = exited ]
  # a bad sequence: dockerd's message, nothing attached
  berth run -dit --name dk2 img sh >/dev/null
  run berth attach --detach-keys=ctrl-1 dk2
  [ "$status" -eq 1 ]
  [[ "$output" == *"Invalid detach keys (ctrl-1) provided"* ]]
  run berth exec -it --detach-keys=shift-a dk2 true
  [ "$status" -eq 1 ]
  [[ "$output" == *"Invalid detach keys (shift-a) provided"* ]]
}

@test "detach keys: run -it and start -ai detach silently, the container runs on" {
  b="$BERTH_BUILD/cmd/berth/berth"
  run ptyrun 24 80 "$b" run -it --name rk --detach-keys=ctrl-x,y img sh <<'EOF'
send echo in-$((6*7))\r
expect in-42
send \x18y
wait
EOF
  [ "$status" -eq 0 ]
  [[ "$output" != *"escape sequence"* ]]
  still_running rk
  run ptyrun 24 80 "$b" attach rk <<'EOF'
send echo back-$((6*8))\r
expect back-48
send \x10\x11
wait
EOF
  [ "$status" -eq 0 ]
  berth create -it --name sk img sh >/dev/null
  run ptyrun 24 80 "$b" start -ai sk <<'EOF'
send echo started-$((6*9))\r
expect started-54
send \x10\x11
wait
EOF
  [ "$status" -eq 0 ]
  [[ "$output" != *"escape sequence"* ]]
  still_running sk
}

@test "exec -it: a resize reaches the process; detaching leaves the exec running" {
  b="$BERTH_BUILD/cmd/berth/berth"
  berth run -d --name ex img sleep 300 >/dev/null
  run ptyrun 24 80 "$b" exec -it ex sh <<'EOF'
send stty size\r
expect 24 80
resize 50 132
send stty size\r
expect 50 132
send exit 3\r
wait
EOF
  [ "$status" -eq 3 ]
  [[ "$output" == *"50 132"* ]]
  # ctrl-p ctrl-q: docker's "read escape sequence" and a failure; the exec runs on
  run ptyrun 24 80 "$b" exec -it ex sh -c 'echo started; exec sleep 123' <<'EOF'
expect started
send \x10\x11
wait
EOF
  [ "$status" -eq 1 ]
  [[ "$output" == *"read escape sequence"* ]]
  run berth exec ex ps
  [[ "$output" == *"sleep 123"* ]]
  still_running ex
}

@test "--volumes-from shares a container's volumes; --read-only root; --network none and host" {
  berth create --name src -v shared:/shared img true >/dev/null
  berth run --rm -v shared:/shared img sh -c 'echo from-src > /shared/f'
  run berth run --rm --volumes-from src:ro img sh -c 'cat /shared/f; echo x > /shared/g'
  [[ "$output" == *from-src* ]]
  [ "$status" -ne 0 ]
  run berth run --rm --read-only img sh -c 'touch /x'
  [ "$status" -ne 0 ]
  run berth run --rm --read-only --tmpfs /scratch img sh -c 'touch /scratch/x && echo ok'
  [ "$output" = ok ]
  run berth run --rm --network none img sh -c 'ls /sys/class/net'
  [ "$output" = lo ]
  run berth run --rm --network host img hostname
  [ "$output" = "$(hostname)" ]
}

@test "the CLI SIGKILLed at random points of run -d: every container is whole and removable" {
  for i in $(seq 12); do
    "$BERTH_BUILD/cmd/berth/berth" run -d img sleep 60 >/dev/null 2>&1 &
    cli=$!
    sleep "0.0$((i % 10))$((RANDOM % 10))"
    kill -9 $cli 2>/dev/null || true
    wait $cli 2>/dev/null || true
  done
  sleep 0.5
  run berth ps -a --format '{{.State}}'
  [ "$status" -eq 0 ]
  for s in $output; do [ "$s" = running ] || [ "$s" = created ]; done
  # a created one starts; then everything goes
  for c in $(berth ps -aq -f status=created); do berth start "$c" >/dev/null; done
  [ "$(berth ps -aq | wc -l)" -eq "$(berth ps -q | wc -l)" ]
  for c in $(berth ps -aq); do berth rm -f "$c" >/dev/null; done
  run berth ps -aq
  [ -z "$output" ]
  [ "$(mounts_under_root)" -eq 0 ]
  # a create killed before its record leaves only a directory that system check names,
  # and --repair removes once it is old enough not to be a create still running
  for d in "$BERTH_ROOT"/containers/*; do [ -e "$d" ] && touch -d '2 minutes ago' "$d"; done
  berth system check --repair >/dev/null || true
  run berth system check
  [ "$status" -eq 0 ]
  [ -z "$(ls "$BERTH_ROOT/containers")" ]
}

@test "system check finds what an interrupted create or remove left, and --repair clears it" {
  id=$(berth create img true)
  # an interrupted create: a directory and a snapshot, no record
  sqlite3 "$BERTH_ROOT/berth.db" "DELETE FROM containers WHERE id = '$id'"
  run berth system check
  [ "$status" -eq 1 ]
  [[ "$output" == *"container directory $id has no record"* ]]
  # too recent to be a leftover for sure: kept
  berth system check --repair >/dev/null || true
  [ -d "$BERTH_ROOT/containers/$id" ]
  touch -d '2 minutes ago' "$BERTH_ROOT/containers/$id"
  run berth system check --repair
  [[ "$output" == *"repair: removed $BERTH_ROOT/containers/$id"* ]]
  [ ! -e "$BERTH_ROOT/containers/$id" ]
  run berth rmi img
  [ "$status" -eq 0 ]
  berth import -c 'CMD ["sh"]' "$WORK/busybox.tar" img >/dev/null
  # a record whose directory is gone: dead, and rm takes it
  id2=$(berth create --name lost img true)
  rm -rf "$BERTH_ROOT/containers/$id2"
  run berth system check --repair
  [[ "$output" == *"container lost"*"has no directory"* ]]
  run berth ps -a --format '{{.Names}} {{.State}}'
  [ "$output" = "lost dead" ]
  run berth rm lost
  [ "$status" -eq 0 ]
  run berth system check
  [ "$status" -eq 0 ]
}

@test "logs: -t, --tail, --since/--until, -f ends with the container; stderr stays stderr; exec -d and -t" {
  berth run --name lg img sh -c 'echo one; echo two >&2; sleep 1.2; echo three' >/dev/null 2>&1
  run berth logs --tail 1 lg
  [ "$output" = three ]
  run bash -c "'$BERTH_BUILD/cmd/berth/berth' logs lg 2>/dev/null"
  [ "$output" = "$(printf 'one\nthree')" ]
  run berth logs -t lg
  [[ "${lines[0]}" =~ ^20[0-9-]+T[0-9:.]+Z\ one$ ]]
  run berth logs --since 2026-01-01T00:00:00Z --until "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" lg
  [ "${#lines[@]}" -eq 3 ]
  run berth logs --until 2000-01-01T00:00:00Z lg
  [ -z "$output" ]
  berth run -d --name lf img sh -c 'for i in 1 2 3; do echo n$i; sleep 0.2; done' >/dev/null
  run timeout 10 "$BERTH_BUILD/cmd/berth/berth" logs -f lf
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'n1\nn2\nn3')" ]
  berth run -d --name ed img sleep 30 >/dev/null
  berth exec -d ed sh -c 'sleep 0.3; echo later > /tmp/d'
  sleep 1
  run berth exec ed cat /tmp/d
  [ "$output" = later ]
  run script -qec "'$BERTH_BUILD/cmd/berth/berth' exec -it ed tty" /dev/null
  [[ "$output" == */dev/pts/* ]]
}

# run_rm_bg NAME CMD...: `berth run --rm --name NAME img CMD…` in the background
# ($cli its pid), once its container runs.
run_rm_bg() {
  local name=$1
  shift
  "$BERTH_BUILD/cmd/berth/berth" run --rm --name "$name" img "$@" >/dev/null 2>&1 &
  cli=$!
  for i in $(seq 50); do [ "$(berth inspect -f '{{.State.Status}}' "$name" 2>/dev/null)" = running ] && break; sleep 0.05; done
}

# gone_after_kill NAME: SIGKILL $cli; NAME is then removed, and no mount is left.
gone_after_kill() {
  kill -9 $cli
  wait $cli 2>/dev/null || true
  for i in $(seq 60); do berth inspect "$1" >/dev/null 2>&1 || break; sleep 0.1; done
  run berth inspect "$1"
  [ "$status" -ne 0 ]
  [ "$(mounts_under_root)" -eq 0 ]
}

@test "run --rm whose CLI was killed: the monitor still removes the container once it exits" {
  run_rm_bg rr sleep 1
  gone_after_kill rr
}

@test "run --rm whose CLI dies after the exit, before its record: the monitor records and removes" {
  since=$(date +%s)
  run_rm_bg rk sh -c 'sleep 1; exit 4'
  # stopped, the CLI is still the client that is to record the exit and remove
  kill -STOP $cli
  sleep 1.5
  gone_after_kill rk
  run berth events --since "$since" --until "$(($(date +%s) + 1))" --filter container=rk --format '{{.Action}} {{index .Actor.Attributes "exitCode"}}'
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | awk '{print $1}' | tr '\n' ' ')" = "create start die destroy " ]
  [[ "$output" == *"die 4"* ]]
}

@test "ps --filter before= and since=: created before or after the container named, as docker's" {
  berth create --name first img true >/dev/null
  berth create --name second img true >/dev/null
  berth create --name third img true >/dev/null
  run berth ps -a --filter since=first --format '{{.Names}}'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'third\nsecond')" ]
  run berth ps -a --filter before=third --format '{{.Names}}'
  [ "$output" = "$(printf 'second\nfirst')" ]
  run berth ps -a --filter since=first --filter before=third --format '{{.Names}}'
  [ "$output" = second ]
  # created containers are not running: without -a nothing shows
  run berth ps --filter since=first -q
  [ -z "$output" ]
  run berth ps -a --filter since=nope
  [ "$status" -ne 0 ]
  [[ "$output" == *"No such container: nope"* ]]
}

@test "a container whose monitor died: reading shows it exited and changes nothing; the commands that change it repair it first" {
  berth run -d --name lost img sleep 300 >/dev/null
  local pid mon
  pid=$(berth inspect -f '{{.State.Pid}}' lost)
  mon=$(pgrep -f "berth-monitor.*$BERTH_ROOT/containers/$(berth inspect -f '{{.Id}}' lost)")
  kill -9 "$mon"
  sleep 0.2
  # ps, inspect and logs see the truth, but do not act on it
  run berth ps -a --format '{{.Names}} {{.State}}'
  [ "$output" = "lost exited" ]
  [ "$(berth inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' lost)" = \
    "exited 255 the container's monitor is gone" ]
  berth logs lost >/dev/null
  kill -0 "$pid" # the process still runs: reading killed nothing
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT status FROM containers WHERE name = 'lost'")" = running ]
  run berth system check
  [[ "$output" == *"container lost ("*") is running but its monitor is gone"* ]]
  kill -0 "$pid"
  # a command that changes the container repairs it first: stopped, recorded, unmounted
  berth stop lost >/dev/null
  ! kill -0 "$pid" 2>/dev/null
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT status FROM containers WHERE name = 'lost'")" = exited ]
  ! grep -qF "$BERTH_ROOT/containers/$(berth inspect -f '{{.Id}}' lost)/merged" /proc/self/mountinfo
  berth rm lost >/dev/null
}

@test "exec goes through the engine's records: exec_create/exec_start/exec_die events, --privileged, -d, refusals" {
  berth run -d --name xr img sleep 300 >/dev/null
  run berth exec xr sh -c 'exit 7'
  [ "$status" -eq 7 ]
  run berth events --since 1m --until 0s --filter container=xr --format '{{.Action}}'
  [[ "$output" == *$'exec_create: sh -c exit 7\nexec_start\nexec_die'* ]]
  run berth events --since 1m --until 0s --filter event=exec_die --format '{{.Actor.Attributes.exitCode}}'
  [ "$output" = 7 ]
  # --privileged: every capability the engine holds, not the container's set
  [ "$(berth exec xr grep CapEff /proc/self/status)" = "$(printf 'CapEff:\t00000000a80425fb')" ]
  [ "$(berth exec --privileged xr grep CapEff /proc/self/status)" = "$(grep CapEff /proc/self/status)" ]
  # -d returns at once, the process runs on
  berth exec -d xr sh -c 'sleep 1; touch /tmp/done'
  [ "$(berth exec xr sh -c 'test -e /tmp/done && echo early || echo running')" = running ]
  # stopped or paused containers are refused with docker's words
  berth pause xr >/dev/null
  run berth exec xr true
  [ "$status" -ne 0 ]
  [[ "$output" == *"is paused, unpause the container before exec"* ]]
  berth unpause xr >/dev/null
  berth stop -t 0 xr >/dev/null
  run berth exec xr true
  [[ "$output" == *"is not running"* ]]
  # the records go with the container
  berth rm xr >/dev/null
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT count(*) FROM execs')" -eq 0 ]
}

@test "wait --condition: not-running returns the exit code; removed returns once an --rm container is gone" {
  berth run -d --rm --name wr img sh -c 'sleep 0.5; exit 3' >/dev/null
  run berth wait --condition removed wr
  [ "$status" -eq 0 ]
  [ "$output" = 3 ]
  run berth ps -a -q --filter name=wr
  [ -z "$output" ]
  berth run -d --name wn img sh -c 'exit 4' >/dev/null
  run berth wait --condition not-running wn
  [ "$output" = 4 ]
  run berth wait --condition sometime wn
  [ "$status" -ne 0 ]
  [[ "$output" == *'invalid condition: "sometime"'* ]]
}

@test "a running container's monitor keeps berth.db's WAL index: commands use it, none rebuilds it; the database stays whole" {
  berth run -d --name keeper img sleep 300 >/dev/null
  mon=$(pgrep -f "berth-monitor.*$BERTH_ROOT/containers/$(berth inspect -f '{{.Id}}' keeper)")
  [ -n "$mon" ]
  # the monitor's shared lock on the -shm file's dead man switch byte (128), on that file's inode
  ino=$(stat -c %i "$BERTH_ROOT/berth.db-shm")
  grep -E "POSIX +ADVISORY +READ +$mon +[0-9a-f]+:[0-9a-f]+:$ino +128 +128" /proc/locks
  # a command that comes now finds another holder and keeps the index (SQLite's first
  # connection would truncate the -shm file to rebuild it)
  run strace -f -e trace=ftruncate "$BERTH_BUILD/cmd/berth/berth" exec keeper true
  [ "$status" -eq 0 ]
  [[ "$output" != *"ftruncate"*"berth.db-shm"* ]]
  [[ "$output" != *"ftruncate("*", 3)"* ]]
  # writes through the kept index, from many commands, and the database is whole
  local i
  for i in $(seq 1 30); do berth exec keeper true; done
  berth rename keeper keeper2
  run sqlite3 "$BERTH_ROOT/berth.db" "PRAGMA integrity_check"
  [ "$output" = "ok" ]
  [ "$(berth ps --format '{{.Names}}')" = "keeper2" ]
  # once no container runs, the next command rebuilds it again (and nothing breaks)
  berth rm -f keeper2 >/dev/null
  ! grep -qE "POSIX +ADVISORY +READ +$mon " /proc/locks
  run berth ps -a -q
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "flags may follow the arguments, as docker's CLI takes them; run, exec, top and commit stop at theirs" {
  berth run --name fa img sh -c 'echo one; echo two'
  run berth logs fa --tail 1
  [ "$status" -eq 0 ]
  [ "$output" = two ]
  run berth inspect fa -f '{{.Name}}'
  [ "$output" = /fa ]
  run berth container inspect fa --format '{{.State.ExitCode}}'
  [ "$output" = 0 ]
  run berth ps -a --format '{{.Names}}' --filter name=fa
  [ "$output" = fa ]
  # what follows the image (run) or the container (exec, top) is the command's
  run berth run --rm img echo -n -e 'a\tb'
  [ "$output" = "$(printf 'a\tb')" ]
  berth run -d --name fb img sleep 300
  run berth exec fb echo -n -e 'c\td'
  [ "$output" = "$(printf 'c\td')" ]
  run berth top fb -o pid,comm
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *PID*COMMAND* ]]
  # commit and tag take no flag after their arguments either (docker's "accepts at most 2
  # arguments"): -p after them is an argument
  run berth commit fb shot -p
  [ "$status" -ne 0 ]
  run berth stop fb -t 1
  [ "$status" -eq 0 ]
  [ "$output" = fb ]
  run berth rm fa fb -f
  [ "$status" -eq 0 ]
  [ -z "$(berth ps -aq)" ]
  # an unknown flag after the arguments is still an error
  run berth rm fa --nope
  [ "$status" -ne 0 ]
  [[ "$output" == *"unknown flag"* ]]
}

@test "update: limits change in a running container's cgroups, the restart policy from its next exit, docker's refusals" {
  berth run -d --name up img sleep 300
  local pid
  pid=$(berth inspect -f '{{.State.Pid}}' up)
  run berth update --memory 64m --memory-swap 128m --pids-limit 50 --cpus 0.5 up
  [ "$status" -eq 0 ]
  [ "$output" = up ]
  [ "$(cgroup_read "$pid" memory memory.limit_in_bytes memory.max)" = 67108864 ]
  [ "$(cgroup_read "$pid" pids pids.max pids.max)" = 50 ]
  if cgroup_v2_host; then
    [ "$(cgroup_read "$pid" cpu x cpu.max)" = "50000 100000" ]
  else
    [ "$(cgroup_read "$pid" cpu cpu.cfs_quota_us x)" = 50000 ]
  fi
  [ "$(berth inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}' up)" = "67108864 134217728 50 500000000" ]
  # the restart policy: the container's process killed outside berth comes back
  berth update --restart always up
  [ "$(berth inspect -f '{{.HostConfig.RestartPolicy.Name}}' up)" = always ]
  kill -9 "$pid"
  wait_until 15 sh -c "[ \"\$($BERTH_BUILD/cmd/berth/berth inspect -f '{{.RestartCount}} {{.State.Status}}' up)\" = '1 running' ]"
  # a stopped container: the record changes, the next start applies it
  berth stop -t 1 up >/dev/null
  berth update -m 48m up
  berth start up
  pid=$(berth inspect -f '{{.State.Pid}}' up)
  [ "$(cgroup_read "$pid" memory memory.limit_in_bytes memory.max)" = 50331648 ]
  # docker's refusals, nothing changed by them
  run berth update up
  [ "$status" -ne 0 ]
  [[ "$output" == *"you must provide one or more flags"* ]]
  run berth update -m 1m up
  [[ "$output" == *"minimum memory limit allowed is 6MB"* ]]
  run berth update -m 512m up
  [[ "$output" == *"Memory limit should be smaller than already set memoryswap limit"* ]]
  run berth update --restart bogus up
  [[ "$output" == *"unknown policy 'bogus'"* ]]
  run berth update --cpu-quota 20000 up
  [ "$output" = "berth: Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set" ]
  run berth update -m 32m nosuch
  [ "$status" -ne 0 ]
  [[ "$output" == *"No such container: nosuch"* ]]
  [ "$(berth inspect -f '{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}' up)" = "50331648 always" ]
  run berth events --since 1m --until 0s --filter event=update --format '{{.Actor.Attributes.name}}'
  [ "${lines[0]}" = up ]
  berth run --rm -d --name auto img sleep 300
  run berth update --restart always auto
  [[ "$output" == *"Restart policy cannot be updated because AutoRemove is enabled"* ]]
}
