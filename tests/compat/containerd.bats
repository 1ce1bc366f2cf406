#!/usr/bin/env bats
# Real containerd 1.6 (containerd-shim-runc-v2) runs containers with
# berth-runtime: `ctr run --runc-binary berth-runtime`.

load compat-helpers

IMG=docker.io/library/busybox:berth

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  command -v containerd >/dev/null && command -v ctr >/dev/null ||
    skip "containerd is not installed"
  compat_setup_dir
  # ctr's default cgroupsPath is /<namespace>/<id>
  compat_cgroups_note "$CTR_NS"
  compat_start_containerd
  mkdir -p "$COMPAT_TMP/runc-root" "$COMPAT_TMP/fifo"
  oci_busybox_archive "$COMPAT_TMP/busybox.tar" "$IMG"
  ctrb image import "$COMPAT_TMP/busybox.tar" >/dev/null
  rm -f "$COMPAT_TMP/busybox.tar"
}

teardown_file() {
  compat_teardown
}

# crun_ ARGS...: `ctr run` with berth-runtime, its state under our dir.
crun_() {
  ctrb run --runc-binary "$RUNTIME" --runc-root "$COMPAT_TMP/runc-root" \
    --fifo-dir "$COMPAT_TMP/fifo" "$@"
}

# task_status ID: RUNNING, PAUSED, STOPPED, ... from `ctr task ls`.
task_status() {
  ctrb task ls | awk -v id="$1" '$1 == id { print $3 }'
}

@test "image import: the hand-made OCI layout is an image containerd knows" {
  run ctrb image ls -q
  [ "$status" -eq 0 ]
  [[ "$output" == *"$IMG"* ]]
}

@test "ctr run: output, pid 1, own namespaces" {
  run crun_ --rm "$IMG" id1 sh -c 'echo hi; hostname; echo $$; for n in pid uts mnt; do readlink /proc/self/ns/$n; done'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = hi ]
  # ctr sets no hostname: the container's own UTS namespace starts with the host's
  [ "${lines[1]}" = "$(hostname)" ]
  [ "${lines[2]}" = 1 ]
  [ "${lines[3]}" != "$(readlink /proc/self/ns/pid)" ]
  [ "${lines[4]}" != "$(readlink /proc/self/ns/uts)" ]
  [ "${lines[5]}" != "$(readlink /proc/self/ns/mnt)" ]
  # --rm: nothing left
  run ctrb container ls -q
  [[ "$output" != *id1* ]]
}

@test "ctr run: the exit status passes through" {
  run crun_ --rm "$IMG" id2 sh -c 'exit 42'
  [ "$status" -eq 42 ]
  run crun_ --rm "$IMG" id2b true
  [ "$status" -eq 0 ]
}

@test "ctr run: a missing binary fails with the runtime's message" {
  run crun_ --rm "$IMG" id2c /no/such/binary
  [ "$status" -ne 0 ]
  # the shim reads berth-runtime's --log json for the error text
  [[ "$output" == *"/no/such/binary"*"no such file or directory"* ]]
  ctrb container delete id2c 2>/dev/null || true
}

@test "ctr run -t: the process runs on a pty" {
  run timeout 60 script -qec "ctr --address $CTD_SOCK -n $CTR_NS run --rm -t --runc-binary $RUNTIME --runc-root $COMPAT_TMP/runc-root --fifo-dir $COMPAT_TMP/fifo $IMG id3 sh -c 'tty; echo tty-ok'" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"tty-ok"* ]]
}

@test "ctr run -d, task exec, ps, kill, ls STOPPED, delete" {
  crun_ -d "$IMG" id4 sleep 1000
  [ "$(task_status id4)" = RUNNING ]
  pid=$(ctrb task ls | awk '$1 == "id4" { print $2 }')
  [ "$(tr '\0' ' ' </proc/$pid/cmdline)" = "sleep 1000 " ]

  run ctrb task exec --exec-id e1 id4 sh -c 'echo in-exec; echo $$; exit 5'
  [ "$status" -eq 5 ]
  [ "${lines[0]}" = in-exec ]
  [ "${lines[1]}" != 1 ]

  run ctrb task ps id4
  [ "$status" -eq 0 ]
  [[ "$output" == *"$pid"* ]]

  ctrb task kill -s SIGKILL id4
  for i in $(seq 50); do [ "$(task_status id4)" = STOPPED ] && break; sleep 0.1; done
  [ "$(task_status id4)" = STOPPED ]
  [ ! -d "/proc/$pid" ] || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]

  run ctrb task delete id4
  [ "$status" -eq 0 ]
  [[ "$output" == *137* ]]
  [ -z "$(task_status id4)" ]
  ctrb container delete id4
  run ctrb container ls -q
  [[ "$output" != *id4* ]]
  [ ! -e "$COMPAT_TMP/runc-root/$CTR_NS/id4" ]
}

@test "ctr task pause and resume" {
  crun_ -d "$IMG" id6 sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done'
  pid=$(ctrb task ls | awk '$1 == "id6" { print $2 }')
  ctrb task pause id6
  [ "$(task_status id6)" = PAUSED ]
  [ "$(cat "/sys/fs/cgroup/freezer/$CTR_NS/id6/freezer.state")" = FROZEN ]
  a=$(cat "/proc/$pid/root/tmp/count")
  sleep 0.5
  [ "$(cat "/proc/$pid/root/tmp/count")" = "$a" ]
  ctrb task resume id6
  [ "$(task_status id6)" = RUNNING ]
  sleep 0.5
  [ "$(cat "/proc/$pid/root/tmp/count")" -gt "$a" ]
  ctrb task kill -s SIGKILL id6
  for i in $(seq 50); do [ "$(task_status id6)" = STOPPED ] && break; sleep 0.1; done
  ctrb task delete id6
  ctrb container delete id6
}

@test "limits: --memory-limit lands in the container's cgroup and is enforced" {
  crun_ -d --memory-limit 67108864 "$IMG" id5 sh -c 'grep memory /proc/self/cgroup; sleep 1000'
  pid=$(ctrb task ls | awk '$1 == "id5" { print $2 }')
  # ctr mounts no /sys/fs/cgroup inside: read the container's own cgroup
  # from the host, at the path the container reports for itself
  cg=$(awk -F: '$2 == "memory" { print $3 }' /proc/$pid/cgroup)
  [ "$cg" = "/$CTR_NS/id5" ]
  [ "$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")" = 67108864 ]
  # and the container sees itself in it
  run ctrb task exec --exec-id m1 id5 sh -c 'grep memory /proc/self/cgroup'
  [[ "$output" == *":memory:$cg" ]]
  ctrb task kill -s SIGKILL id5
  for i in $(seq 50); do [ "$(task_status id5)" = STOPPED ] && break; sleep 0.1; done
  ctrb task delete id5
  ctrb container delete id5
  [ ! -d "/sys/fs/cgroup/memory$cg" ]
}

@test "limits: a process past --memory-limit is OOM-killed" {
  # 100 MB in a shell variable does not fit in 64 MiB (no swap here; with
  # swap the memsw limit is unset, so only check when there is none)
  if [ "$(awk '/SwapTotal/ { print $2 }' /proc/meminfo)" != 0 ]; then
    skip "the host has swap: a 64 MiB limit does not stop a 100 MB process"
  fi
  run crun_ --rm --memory-limit 67108864 "$IMG" id5b sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived ${#x}'
  [ "$status" -eq 137 ]
  [[ "$output" != *survived* ]]
  # and 10 MB does
  run crun_ --rm --memory-limit 67108864 "$IMG" id5c sh -c 'x=$(head -c 10000000 /dev/zero | tr "\0" a); echo survived ${#x}'
  [ "$status" -eq 0 ]
  [ "$output" = "survived 10000000" ]
}

@test "the runtime really is berth-runtime, with its state under --runc-root" {
  crun_ -d "$IMG" id7 sleep 1000
  pid=$(ctrb task ls | awk '$1 == "id7" { print $2 }')
  # the binary containerd was given is berth-runtime, not a runc stand-in
  [[ "$("$RUNTIME" --version)" == "berth-runtime version "* ]]
  # the shim passes --root <runc-root>/<namespace>
  [ -d "$COMPAT_TMP/runc-root/$CTR_NS/id7" ]
  run "$RUNTIME" --root "$COMPAT_TMP/runc-root/$CTR_NS" state id7
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .status)" = running ]
  [ "$(echo "$output" | jq -r .pid)" = "$pid" ]
  # and the state file there is berth's (runc's has no pid_start)
  jq -e 'has("pid_start") and .id == "id7"' "$COMPAT_TMP/runc-root/$CTR_NS/id7/state.json"
  # containerd records the binary it was given (in protobuf runc options)
  run ctrb container info id7
  [ "$(echo "$output" | jq -r .Runtime.Name)" = io.containerd.runc.v2 ]
  echo "$output" | jq -r .Runtime.Options.value | base64 -d | grep -qaF "$RUNTIME"
  ctrb task kill -s SIGKILL id7
  for i in $(seq 50); do [ "$(task_status id7)" = STOPPED ] && break; sleep 0.1; done
  ctrb task delete id7
  ctrb container delete id7
  [ ! -e "$COMPAT_TMP/runc-root/$CTR_NS/id7" ]
}
