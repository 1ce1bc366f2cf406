#!/usr/bin/env bats
# Real dockerd 20.10 (on its own containerd) runs containers with
# berth-runtime: `docker run --runtime berth`.

bats_require_minimum_version 1.5.0
load compat-helpers

IMG=busybox:berth

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  command -v dockerd >/dev/null && command -v containerd >/dev/null ||
    skip "dockerd and containerd are not installed"
  compat_setup_dir
  compat_cgroups_note "$DOCKER_CG_PARENT"
  compat_start_containerd
  compat_start_dockerd
  tar -C "$(busybox_rootfs)" -c . | docker import - "$IMG" >/dev/null
}

teardown_file() {
  compat_teardown
}

# drun ARGS...: docker run with berth, no network.
drun() {
  docker run --runtime berth --network none "$@"
}

# wait_status ID STATUS: until docker inspect says STATUS (10 s at most).
wait_status() {
  wait_until 10 test "$(docker inspect -f '{{.State.Status}}' "$1")" = "$2"
}

@test "docker run: output, pid 1 and the hostname" {
  run drun --rm "$IMG" sh -c 'echo hi; echo $$; hostname; cat /proc/1/cmdline | tr "\0" " "'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = hi ]
  [ "${lines[1]}" = 1 ]
  # docker names the host after the container id's first 12 digits
  [[ "${lines[2]}" =~ ^[0-9a-f]{12}$ ]]
  [ "${lines[2]}" != "$(hostname)" ]
  [[ "${lines[3]}" == "sh -c "* ]]

  run drun --rm --hostname foo "$IMG" hostname
  [ "$status" -eq 0 ]
  [ "$output" = foo ]
}

@test "docker run: the hostname is the container id of a named container" {
  drun -d --name hostcheck "$IMG" sleep 1000
  id=$(docker inspect -f '{{.Id}}' hostcheck)
  run docker exec hostcheck hostname
  [ "$status" -eq 0 ]
  [ "$output" = "${id:0:12}" ]
  docker rm -f hostcheck
}

@test "docker run: the exit code passes through" {
  run drun --rm "$IMG" sh -c 'exit 42'
  [ "$status" -eq 42 ]
  # a command that cannot be run: docker's own 127
  run -127 drun --rm "$IMG" /no/such/binary
  [ "$status" -eq 127 ]
}

@test "docker run -it: the process runs on a pty" {
  run timeout 60 script -qec "docker run --rm -it --runtime berth --network none $IMG sh -c 'tty; stty size; echo tty-ok'" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"tty-ok"* ]]
  # input typed on the terminal reaches the container's shell
  run timeout 60 script -qec "docker run --rm -i --runtime berth --network none $IMG sh -c 'read x; echo got-\$x'" /dev/null <<<"typed"
  [ "$status" -eq 0 ]
  [[ "$output" == *"got-typed"* ]]
}

@test "docker run without -t: no terminal" {
  run drun --rm "$IMG" sh -c 'tty; true'
  [ "$status" -eq 0 ]
  [ "$output" = "not a tty" ]
}

@test "docker run -d, exec, top, ps, kill, rm" {
  id=$(drun -d "$IMG" sleep 1000)
  [ -n "$id" ]
  wait_status "$id" running

  run docker exec "$id" sh -c 'echo in-exec $$; exit 3'
  [ "$status" -eq 3 ]
  [[ "$output" == "in-exec "* ]]
  [ "$output" != "in-exec 1" ]

  run docker exec "$id" sh -c 'tr "\0" " " </proc/1/cmdline'
  [ "$status" -eq 0 ]
  [ "$output" = "sleep 1000 " ]

  run docker top "$id"
  [ "$status" -eq 0 ]
  [[ "$output" == *"sleep 1000"* ]]
  run docker ps -q --no-trunc
  [[ "$output" == *"$id"* ]]

  docker kill "$id"
  wait_status "$id" exited
  [ "$(docker inspect -f '{{.State.ExitCode}}' "$id")" = 137 ]
  run docker ps -q --no-trunc
  [[ "$output" != *"$id"* ]]

  docker rm "$id"
  run docker inspect "$id"
  [ "$status" -ne 0 ]
}

@test "docker exec -it: a pty for the exec'd process" {
  id=$(drun -d "$IMG" sleep 1000)
  run timeout 60 script -qec "docker exec -it $id sh -c 'tty; echo exec-tty-ok'" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/pts/"* ]]
  [[ "$output" == *"exec-tty-ok"* ]]
  docker rm -f "$id"
}

@test "limits: memory, pids and cpu are seen inside; inspect and stop" {
  id=$(drun -d --memory 64m --pids-limit 20 --cpus 0.5 --stop-timeout 1 "$IMG" sleep 1000)
  wait_status "$id" running
  run docker exec "$id" cat /sys/fs/cgroup/memory/memory.limit_in_bytes \
    /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us \
    /sys/fs/cgroup/cpu/cpu.cfs_period_us
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 67108864 ]
  [ "${lines[1]}" = 20 ]
  [ "${lines[2]}" = 50000 ]
  [ "${lines[3]}" = 100000 ]
  # the host side: the cgroup under dockerd's --cgroup-parent
  [ "$(cat "/sys/fs/cgroup/memory/$DOCKER_CG_PARENT/$id/memory.limit_in_bytes")" = 67108864 ]
  [ "$(docker inspect -f '{{.State.Status}} {{.State.Running}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}' "$id")" = \
    "running true 67108864 20 500000000" ]
  [ "$(docker inspect -f '{{.State.Pid}}' "$id")" -gt 0 ]

  # sleep as pid 1 ignores SIGTERM: docker stop must wait 1 s, then kill
  start=$SECONDS
  docker stop "$id"
  [ $((SECONDS - start)) -ge 1 ]
  [ $((SECONDS - start)) -lt 15 ]
  [ "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")" = "exited 137" ]
  docker rm "$id"
  [ ! -d "/sys/fs/cgroup/memory/$DOCKER_CG_PARENT/$id" ]
}

@test "the pids limit holds: forks past it fail" {
  # an inner shell forks 30 sleeps; ash gives up at the first failed fork.
  # The outer shell then uses builtins only.
  run drun --rm --pids-limit 10 "$IMG" sh -c 'sh -c "i=0; while [ \$i -lt 30 ]; do sleep 5 & i=\$((i+1)); done" 2>/tmp/err; read n </sys/fs/cgroup/pids/pids.current; echo procs=$n; read e </tmp/err; echo "err=$e"'
  [ "$status" -eq 0 ]
  [[ "${lines[1]}" == "err="*"can't fork"* ]]
  n=${lines[0]#procs=}
  [ "$n" -ge 2 ]
  [ "$n" -le 10 ]
}

@test "docker stop: SIGTERM reaches a process that handles it" {
  id=$(drun -d --stop-timeout 10 "$IMG" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done')
  wait_status "$id" running
  start=$SECONDS
  docker stop "$id"
  [ $((SECONDS - start)) -lt 5 ]
  [ "$(docker inspect -f '{{.State.ExitCode}}' "$id")" = 7 ]
  docker rm "$id"
}

@test "docker pause and unpause; docker stats" {
  id=$(drun -d "$IMG" sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done')
  wait_status "$id" running
  docker pause "$id"
  [ "$(docker inspect -f '{{.State.Status}} {{.State.Paused}}' "$id")" = "paused true" ]
  [ "$(cat "/sys/fs/cgroup/freezer/$DOCKER_CG_PARENT/$id/freezer.state")" = FROZEN ]
  run docker exec "$id" true
  [ "$status" -ne 0 ]
  # frozen: the counter does not move
  pid=$(docker inspect -f '{{.State.Pid}}' "$id")
  a=$(cat "/proc/$pid/root/tmp/count")
  sleep 0.5
  [ "$(cat "/proc/$pid/root/tmp/count")" = "$a" ]

  docker unpause "$id"
  [ "$(docker inspect -f '{{.State.Status}} {{.State.Paused}}' "$id")" = "running false" ]
  sleep 0.5
  [ "$(docker exec "$id" cat /tmp/count)" -gt "$a" ]

  run timeout 60 docker stats --no-stream --format '{{.ID}} {{.PIDs}} {{.MemUsage}}' "$id"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "${lines[0]}" == "${id:0:12} "* ]]
  # at least the shell runs in it
  read -r _ pids _ <<<"${lines[0]}"
  [ "$pids" -ge 1 ]
  docker rm -f "$id"
}

@test "the runtime really is berth-runtime, with its state under dockerd's exec-root" {
  id=$(drun -d "$IMG" sleep 1000)
  wait_status "$id" running
  [ "$(docker inspect -f '{{.HostConfig.Runtime}}' "$id")" = berth ]
  # the binary the daemon was given is berth-runtime, not a runc stand-in
  [[ "$("$RUNTIME" --version)" == "berth-runtime version "* ]]
  run docker info --format '{{json .Runtimes}}'
  [ "$(echo "$output" | jq -r .berth.path)" = "$RUNTIME" ]

  # the shim passes --root <exec-root>/runtime-<name>/moby; find the dir
  dir=$(dirname "$(find "$DOCKER_EXEC_ROOT" -mindepth 3 -maxdepth 3 -type d -path "*/moby/$id" | head -n1)")
  [ -n "$dir" ] && [ "$dir" != . ]
  # berth-runtime reads its own state there; runc's state would not parse
  run "$RUNTIME" --root "$dir" state "$id"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .status)" = running ]
  [ "$(echo "$output" | jq -r .pid)" = "$(docker inspect -f '{{.State.Pid}}' "$id")" ]
  # and the state file there is berth's (runc's has no pid_start)
  jq -e 'has("pid_start") and .id == "'"$id"'"' "$dir/$id/state.json"
  run "$RUNTIME" --root "$dir" list
  [[ "$output" == *"$id"* ]]

  docker rm -f "$id"
  [ ! -e "$dir/$id" ]
}
