#!/usr/bin/env bats
# podman (with conmon) drives berth-runtime: podman --runtime berth-runtime.

load ../integration/helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  PM_DIR=$(mktemp -d /tmp/berth-podman.XXXXXX)
  cat >"$PM_DIR/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  PM_CG_PREEXISTED=0
  [ -d /sys/fs/cgroup/memory/libpod_parent ] && PM_CG_PREEXISTED=1
  export PM_DIR PM_CG_PREEXISTED
  export CONTAINERS_CONF="$PM_DIR/containers.conf"
  tar -C "$(busybox_rootfs)" -c . | pm import - localhost/busybox:berth >/dev/null
}

teardown_file() {
  [ -n "${PM_DIR:-}" ] || return 0
  pm rm -af >/dev/null 2>&1 || true
  pm system reset -f >/dev/null 2>&1 || true
  findmnt -rn -o TARGET | grep "^$PM_DIR" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$PM_DIR"
  # podman's own parent cgroups (conmon's too), if this suite made them
  if [ "${PM_CG_PREEXISTED:-1}" = 0 ]; then
    rmdir /sys/fs/cgroup/*/libpod_parent/conmon /sys/fs/cgroup/*/libpod_parent 2>/dev/null || true
  fi
}

pm() {
  podman --root "$PM_DIR/root" --runroot "$PM_DIR/run" --storage-driver vfs \
    --cgroup-manager cgroupfs --events-backend file "$@"
}

pmrun() {
  pm --runtime "$RUNTIME" run --network none "$@"
}

@test "podman run: output, pid 1 and hostname come from berth-runtime" {
  run pmrun --rm --hostname berthbox localhost/busybox:berth sh -c 'echo hi; echo $$; hostname'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = hi ]
  [ "${lines[1]}" = 1 ]
  [ "${lines[2]}" = berthbox ]
}

@test "podman run: the exit code passes through" {
  run pmrun --rm localhost/busybox:berth sh -c 'exit 42'
  [ "$status" -eq 42 ]
}

@test "podman run -it goes through a pty from the console socket" {
  # stdin held open (not EOF at once): script turns EOF into ^D on the pty
  exec 5< <(exec sleep 60)
  holder=$!
  run timeout 60 script -qec "podman --root $PM_DIR/root --runroot $PM_DIR/run --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --runtime $RUNTIME run --rm -it --network none localhost/busybox:berth sh -c 'tty; echo tty-ok'" /dev/null <&5
  exec 5<&-
  kill "$holder"
  echo "$output"  # shown only when the test fails
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"tty-ok"* ]]
}

@test "podman run -d, exec, kill: the container is berth-runtime's" {
  cid=$(pmrun -d localhost/busybox:berth sleep 1000)
  run pm exec "$cid" sh -c 'echo in-$(hostname); exit 3'
  [ "$status" -eq 3 ]
  [[ "$output" == in-* ]]
  [ "$(pm inspect -f '{{.OCIRuntime}}' "$cid")" = "$RUNTIME" ]
  run pm top "$cid"
  [[ "$output" == *"sleep 1000"* ]]
  pm kill "$cid"
  run pm wait "$cid"
  [ "$output" = 137 ]
  pm rm "$cid"
}

@test "podman run: memory, pids and cpu limits are enforced by berth-runtime" {
  run pmrun --rm --memory 64m --pids-limit 20 --cpus 0.5 localhost/busybox:berth \
    sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 67108864 ]
  [ "${lines[1]}" = 20 ]
  [ "${lines[2]}" = 50000 ]
}

@test "podman stop, pause and unpause work through berth-runtime" {
  cid=$(pmrun -d localhost/busybox:berth sleep 1000)
  pm pause "$cid"
  [ "$(pm inspect -f '{{.State.Status}}' "$cid")" = paused ]
  pm unpause "$cid"
  [ "$(pm inspect -f '{{.State.Status}}' "$cid")" = running ]
  pm stop -t 1 "$cid"
  [ "$(pm inspect -f '{{.State.Status}}' "$cid")" = exited ]
  pm rm "$cid"
}
