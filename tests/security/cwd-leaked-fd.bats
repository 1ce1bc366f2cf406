#!/usr/bin/env bats
# Working directory through a leaked host fd (CVE-2024-21626 class).
#
# The runtime chdir()s to the process's cwd while host fds (its state
# directory among them) are still open, and never checks that the cwd it
# got is inside the container. A cwd of /proc/self/fd/N, given with -w or
# reached through a symlink the container planted, then starts the process
# in a host directory; ".." climbs to the host's /. Every attempt here uses
# attack/cwd.c, which climbs out and reads, overwrites and chmods the host
# canary when it can; the host is checked byte for byte afterwards.

load helpers

# The fds each attack tries, in turn: the attacker does not know which one
# is a host directory. On the unfixed code the runtime's state directory was
# fd 3 in berth-runtime's create and exec run from a shell (fd 5 under bats,
# which keeps fds 3 and 4 open), fd 4 in the init that the monitor's helper
# creates, fd 5 in the helper's healthcheck exec.
ROTATE_FDS="3 4 5 6 7 8"
POUNCE_FDS="3 4 5 6"

setup_file() {
  sec_setup_file_plain
  # The image's first process replaces its WORKDIR by a symlink to
  # /proc/self/fd/N, N changing every 300 ms, and watches for processes
  # whose cwd is then on the host.
  local rotate
  rotate=$(jq -nc '["/attack/cwd", "rotate", "/work", $c, "300"] + ($f | split(" "))' \
    --arg c "$CANARY" --arg f "$ROTATE_FDS")
  berth import -c 'WORKDIR /work' -c "CMD $rotate" "$WORK/attack.tar" rotator >/dev/null
  image_add_healthcheck rotator rotator-hc "$(jq -nc '["CMD", "/attack/cwd", "here", $c]' --arg c "$CANARY")"
  # Images whose WORKDIR is already such a symlink in the layer.
  local n
  for n in 3 4 5 6; do
    rm -rf "$WORK/attack-rootfs/work"
    ln -s "/proc/self/fd/$n" "$WORK/attack-rootfs/work"
    tar -C "$WORK/attack-rootfs" -cf "$WORK/link.tar" .
    berth import -c 'WORKDIR /work' "$WORK/link.tar" "link$n" >/dev/null
  done
  rm -f "$WORK/attack-rootfs/work" "$WORK/link.tar"
  mkdir "$WORK/attack-rootfs/work"
}

teardown_file() {
  sec_teardown_file
}

setup() {
  canary_reset
  RT_ROOT=$WORK/rt-root
  SHARED=$WORK/shared
  mkdir -p "$RT_ROOT" "$SHARED"
  export RT_ROOT SHARED
}

teardown() {
  rt_remove_all
  sec_remove_containers
  berth volume rm -f shared >/dev/null 2>&1 || true
  rm -rf "$RT_ROOT" "$SHARED" "$WORK"/bundle*
}

# After `run` of one attempt running `/attack/cwd here`: it was refused with
# an error naming WHAT, or it ran and stayed inside; and the host is intact.
attempt_stayed_inside() {
  echo "status $status: $output"
  [[ "$output" != *ESCAPED* ]]
  if [ "$status" -eq 0 ]; then
    [[ "$output" == *"stayed inside"* ]]
  else
    refused_clearly "$1"
  fi
  canary_intact
}

# On the unfixed code -w /proc/self/fd/5 (the state directory, under bats)
# started the process on the host and it changed the canary; the other fds
# were refused ("Not a directory").
@test "exec -w /proc/self/fd/N: refused or started inside the container; host canary intact" {
  berth run -d --name victim plain sleep 1000 >/dev/null
  local n
  for n in 3 4 5 6 7 8 9 10; do
    run berth exec -w "/proc/self/fd/$n" victim /attack/cwd here "$CANARY"
    attempt_stayed_inside "/proc/self/fd/$n"
  done
}

# On the unfixed code the first exec made while the link pointed at the
# state directory's fd started on the host; the image's first process took
# the canary through its cwd.
@test "exec without -w: a WORKDIR the container points at /proc/self/fd/N starts no exec on the host" {
  berth run -d --name victim rotator >/dev/null
  wait_log victim "/work -> /proc/self/fd/3"
  # Someone runs ordinary commands in it while its first process tries each
  # fd in turn and looks at the cwd of everything that appears — for as long
  # as a whole round of the fds takes (an exec refused at once is a few ms:
  # a count of attempts would end before the round does).
  local deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    run berth exec victim sleep 0.2
    [ "$status" -eq 0 ] || refused_clearly /work
    berth logs victim | grep -qE 'cycle done|ESCAPED' && break
  done
  run berth logs victim
  echo "$output"
  [[ "$output" == *"cycle done"* ]] || [[ "$output" == *ESCAPED* ]]
  [[ "$output" != *ESCAPED* ]]
  canary_intact
}

# On the unfixed code the first healthcheck run after the link reached
# fd 5 (the monitor's helper's state directory fd) changed the canary, for
# the image's HEALTHCHECK and for --health-cmd alike.
@test "healthcheck: an image's HEALTHCHECK and a --health-cmd never run in a host directory" {
  berth run -d --name hc rotator-hc >/dev/null
  berth run -d --name hc-cmd --health-cmd 'sleep 0.2' --health-interval 100ms rotator >/dev/null
  local c i
  for c in hc hc-cmd; do
    for i in $(seq 100); do
      berth logs "$c" | grep -qE 'cycle done|ESCAPED' && break
      sleep 0.1
    done
  done
  for c in hc hc-cmd; do
    run berth logs "$c"
    echo "$c: $output"
    [[ "$output" == *"cycle done"* ]] || [[ "$output" == *ESCAPED* ]]
    [[ "$output" != *ESCAPED* ]]
    [ "$(health_runs "$c")" -ge 1 ]
    run berth inspect "$c"
    [[ "$output" != *ESCAPED* ]]
  done
  canary_intact
}

# Refused already on the unfixed code: the working directory is created
# with openat2(RESOLVE_NO_MAGICLINKS) before pivot_root, which fails on the
# magic link (ELOOP) - by accident, not by a check of where the cwd ends up.
@test "run, create+start, berth-runtime: -w /proc/self/fd/N or a WORKDIR symlink to it is refused or stays inside" {
  local n
  for n in 3 4 5 6; do
    run berth run --rm -w "/proc/self/fd/$n" plain /attack/cwd here "$CANARY"
    attempt_stayed_inside "/proc/self/fd/$n"
    run berth run --rm "link$n" /attack/cwd here "$CANARY"
    attempt_stayed_inside /work
    run berth create --name "cs$n" -w "/proc/self/fd/$n" plain /attack/cwd here "$CANARY"
    if [ "$status" -eq 0 ]; then
      run berth start -a "cs$n"
    fi
    attempt_stayed_inside "/proc/self/fd/$n"
    attack_bundle "$WORK/bundle$n" /attack/cwd here "$CANARY"
    config_edit "$WORK/bundle$n" ".process.cwd = \"/proc/self/fd/$n\""
    run bash -c "cd '$WORK/bundle$n' && '$RUNTIME' --root '$RT_ROOT' run rt$n"
    attempt_stayed_inside "/proc/self/fd/$n"
  done
}

# A second container shares the volume holding the victim's working
# directory: when the runtime creates the missing directory (before
# pivot_root) it swaps in a symlink to /proc/self/fd/N, which the runtime's
# later chdir() follows (attack/cwd.c pounce; N rotates over POUNCE_FDS).
start_pouncer() {
  berth run -d --name pouncer -v "$1:/data" plain /attack/cwd pounce /data w $POUNCE_FDS >/dev/null
  wait_log pouncer "waiting for"
}

# Wait until the pouncer has cleared the last attempt's directory and is ready.
wait_armed() {
  local i
  for i in $(seq 50); do
    if [ ! -e "$1/w" ] && [ ! -L "$1/w" ] && [ -L "$1/w.link" ]; then
      return 0
    fi
    sleep 0.1
  done
  echo "the pouncer never re-armed"
  return 1
}

# pounce_attempts DIR CMD...: 8 attempts (2 per fd) of CMD, each checked.
# On the unfixed code about 11 in 12 attempts with the right fd escaped (by
# hand); under bats both attempts with the right fd escaped in every mode:
# fd 4 for berth's run, run -d, create+start and restart, fd 5 for
# berth-runtime's run and create+start.
pounce_attempts() {
  local dir=$1 i
  shift
  for i in $(seq 8); do
    wait_armed "$dir"
    try "$@"
    echo "attempt $i:"
    attempt_stayed_inside /data/w
  done
}

run_detached() {
  local id
  id=$(berth run -d "$@" 2>&1) || {
    echo "$id"
    return 1
  }
  berth wait "$id" >/dev/null
  berth logs "$id" 2>&1
}

create_start() {
  local id
  id=$(berth create "$@" 2>&1) || {
    echo "$id"
    return 1
  }
  berth start -a "$id" 2>&1
}

@test "run and run -d: a working directory swapped for /proc/self/fd/N by another container" {
  berth volume create shared >/dev/null
  start_pouncer shared
  local vol=$BERTH_ROOT/volumes/shared/_data
  pounce_attempts "$vol" berth run --rm -v shared:/data -w /data/w plain /attack/cwd here "$CANARY"
  pounce_attempts "$vol" run_detached -v shared:/data -w /data/w plain /attack/cwd here "$CANARY"
}

@test "create+start: a working directory swapped for /proc/self/fd/N by another container" {
  berth volume create shared >/dev/null
  start_pouncer shared
  pounce_attempts "$BERTH_ROOT/volumes/shared/_data" \
    create_start -v shared:/data -w /data/w plain /attack/cwd here "$CANARY"
}

restart_attempt() {
  berth restart victim 2>&1 || return 1
  berth wait victim >/dev/null
  berth logs victim 2>&1 | tail -n 2
}

@test "restart: the restarted container's working directory is swapped again" {
  berth volume create shared >/dev/null
  start_pouncer shared
  berth create --name victim -v shared:/data -w /data/w plain /attack/cwd here "$CANARY" >/dev/null
  pounce_attempts "$BERTH_ROOT/volumes/shared/_data" restart_attempt
  run berth logs victim
  [[ "$output" != *ESCAPED* ]]
}

@test "berth-runtime run and create+start: a working directory swapped for /proc/self/fd/N" {
  chmod 755 "$SHARED"
  start_pouncer "$SHARED"
  attack_bundle "$WORK/bundle" /attack/cwd here "$CANARY"
  config_edit "$WORK/bundle" ".process.cwd = \"/data/w\" | .mounts += [{destination: \"/data\", type: \"bind\", source: \"$SHARED\", options: [\"rbind\", \"rw\"]}]"
  pounce_attempts "$SHARED" rt_run_attempt
  pounce_attempts "$SHARED" rt_create_start_attempt
}
