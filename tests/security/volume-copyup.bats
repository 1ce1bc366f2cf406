#!/usr/bin/env bats
# Copy-up into a volume another container shares (src/volume/volume-copy.c).
#
# When is it reachable? berth copies an image's content into a volume at a
# container's start, only while the volume has never been copied into and
# is empty. A container that mounts the volume with `nocopy` leaves it so:
# it can sit in the volume, keep it empty, and watch. When a second
# container from an image with FIFOs and device nodes at the mount point
# starts, berth (on the host, as root) makes those nodes in the volume and
# then sets their owner, mode and times. The watcher (tests/helpers/
# copyup-racer.c, inotify) swaps each node for a symlink to a host file the
# moment it appears. Before the fix, berth's fchmodat(…, 0) followed that
# symlink and made the host file 0666. The host file here must stay as it
# was, byte for byte.

load ../integration/helpers
bats_require_minimum_version 1.5.0

RACER="$BERTH_BUILD/tests/unit/copyup-racer"

# The two images' trees, made once for the file.
setup_file() {
  [ "$(id -u)" -eq 0 ] && [ -x "$RACER" ] || return 0
  local t=$BATS_FILE_TMPDIR
  mkdir "$t/attacker" "$t/victim"
  # the attacker: busybox and the racer
  cp -a "$(busybox_rootfs)/." "$t/attacker/"
  cp "$RACER" "$t/attacker/racer"
  tar -C "$t/attacker" -cf "$t/attacker.tar" .
  # the image whose copy-up is raced: /data/d1../d60, each with 30 files and one node,
  # a FIFO or a char device (/dev/null's numbers), 0666
  cp -a "$(busybox_rootfs)/." "$t/victim/"
  local i
  for i in $(seq 1 60); do
    mkdir -p "$t/victim/data/d$i"
    (cd "$t/victim/data/d$i" && touch $(seq -f 'file%g' 1 30))
    if [ $((i % 2)) -eq 1 ]; then
      mkfifo -m 0666 "$t/victim/data/d$i/node"
    else
      mknod -m 0666 "$t/victim/data/d$i/node" c 1 3
    fi
  done
  tar -C "$t/victim" -cf "$t/victim.tar" .
  rm -rf "$t/attacker" "$t/victim"
}

setup() {
  setup_image_test
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  export BERTH_RUNROOT
  [ -x "$RACER" ] || skip "tests/unit/copyup-racer is not built"
  berth import "$BATS_FILE_TMPDIR/attacker.tar" attacker >/dev/null
  berth import "$BATS_FILE_TMPDIR/victim.tar" nodes >/dev/null
  # the host file the symlinks point at
  CANARY="$WORK/host-canary"
  printf 'host file, mode 0600\n' >"$CANARY"
  chmod 0600 "$CANARY"
  chown 4321:4322 "$CANARY"
  touch -d '2001-02-03 04:05:06' "$CANARY"
  cp -p "$CANARY" "$WORK/canary.orig"
  CANARY_STAT=$(stat -c '%a %u %g %s %Y %i' "$CANARY")
}

teardown() {
  remove_berth_containers
  teardown_image_test
}

# start_racer NAME VOLUME: the attacker in the volume, ready when it says so.
start_racer() {
  berth run -d --name "$1" -v "$2:/data:nocopy" attacker /racer /data node "$CANARY" 30 >/dev/null
  local i
  for i in $(seq 100); do
    berth logs "$1" 2>/dev/null | grep -q '^ready' && return 0
    sleep 0.1
  done
  echo "# the racer never got ready: $(berth logs "$1" 2>&1)"
  return 1
}

@test "a container sharing the volume swaps copy-up's FIFOs and device nodes for symlinks to a host file: the host file is untouched" {
  start_racer racer shared
  run timeout 60 "$BERTH_BUILD/cmd/berth/berth" run --rm -v shared:/data nodes true
  [ "$status" -ne 124 ]
  timeout 40 "$BERTH_BUILD/cmd/berth/berth" wait racer >/dev/null
  swaps=$(berth logs racer | sed -n 's/^swaps //p')
  echo "# the racer swapped $swaps nodes; the start said: $output"
  # the attack ran: nodes were made and swapped while berth worked on them
  [ -n "$swaps" ]
  [ "$swaps" -gt 0 ]
  # the host file: mode, owner, size, mtime, inode and content as they were
  [ "$(stat -c '%a %u %g %s %Y %i' "$CANARY")" = "$CANARY_STAT" ]
  cmp "$CANARY" "$WORK/canary.orig"
  # what the user sees: the start refused because the volume changed under the copy, or (the
  # racer too late for every node) a container that ran
  if [ "$status" -ne 0 ]; then
    [ "$status" -eq 125 ]
    [[ "$output" == *"cannot copy '/data' of the image into volume 'shared'"*"changed while it was copied"* ]]
  fi
  run berth ps -aq --filter name=nodes
  [ -z "$output" ]
}

@test "copy-up makes nodes with the image's exact modes, owners and times, whatever the umask" {
  (umask 077 && berth run --rm -v fresh:/data nodes true)
  run berth run --rm -v fresh:/data nodes stat -c '%a %u %F' /data/d1/node /data/d2/node
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "666 0 fifo" ]
  [ "${lines[1]}" = "666 0 character special file" ]
  [ "$(find "$BERTH_ROOT/volumes/fresh/_data" -name node | wc -l)" -eq 60 ]
  [ "$(find "$BERTH_ROOT/volumes/fresh/_data" -type f | wc -l)" -eq 1800 ]
  [ -z "$(find "$BERTH_ROOT/volumes/fresh/_data" -type l)" ]
}
