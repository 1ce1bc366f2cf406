#!/usr/bin/env bats
# Mounts on /proc and, for an image's VOLUMEs, /sys: refused by the engine
# at create (src/engine/mounts.c berth_engine_check_mount_dest), so run,
# create and the API refuse alike, with exit code 125 as docker's daemon
# errors, before any volume is made.
#
# Why: a mount over /proc/sys/kernel gives the container (and a runtime that
# reads it while setting the container up) a fake kernel: cap_last_cap "0"
# in an image's copied-up VOLUME /proc/sys/kernel would tell a runtime that
# there is no capability above 0 to drop, and the container would keep the
# whole bounding set. Destinations are compared after lexical cleaning; the
# runtime checks the target it resolves on its own.

load ../integration/helpers
bats_require_minimum_version 1.5.0

setup() {
  setup_image_test
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  export BERTH_RUNROOT
  # busybox whose /proc/sys/kernel carries a fake cap_last_cap, and one with nothing there
  cp -a "$(busybox_rootfs)" "$WORK/rootfs"
  mkdir -p "$WORK/rootfs/proc/sys/kernel" "$WORK/rootfs/sys/kernel/mm"
  echo 0 >"$WORK/rootfs/proc/sys/kernel/cap_last_cap"
  tar -C "$WORK/rootfs" -cf "$WORK/fake.tar" .
  berth import "$WORK/busybox.tar" img >/dev/null
  echo "fake cpuinfo" >"$WORK/cpuinfo"
  HOST_LAST_CAP=$(cat /proc/sys/kernel/cap_last_cap)
  HOST_CAPBND=$(grep '^CapBnd' /proc/1/status)
}

teardown() {
  remove_berth_containers
  teardown_image_test
}

# refused CMD…: CMD fails with 125, the message in $output, and leaves nothing.
refused() {
  run "$BERTH_BUILD/cmd/berth/berth" "$@"
  echo "# $*: $status: $output"
  [ "$status" -eq 125 ]
  [ -z "$(berth ps -aq)" ]
  [ -z "$(berth volume ls -q)" ]
  [ "$(mounts_under_root)" -eq 0 ]
}

nothing_changed_on_the_host() {
  [ "$(cat /proc/sys/kernel/cap_last_cap)" = "$HOST_LAST_CAP" ]
  [ "$(grep '^CapBnd' /proc/1/status)" = "$HOST_CAPBND" ]
}

@test "an image with VOLUME /proc/sys/kernel (a fake cap_last_cap in it) is refused by run and create" {
  berth import -c 'VOLUME /proc/sys/kernel' "$WORK/fake.tar" procvol >/dev/null
  refused run --rm procvol grep CapBnd /proc/self/status
  [[ "$output" == *'invalid mount config: image volume "/proc/sys/kernel" is inside /proc'* ]]
  [[ "$output" != *CapBnd* ]]
  refused create procvol
  [[ "$output" == *'invalid mount config: image volume "/proc/sys/kernel" is inside /proc'* ]]
  refused run -d procvol sleep 100
  nothing_changed_on_the_host
  # the same files without the VOLUME: docker's default bounding set, not the whole one
  berth import "$WORK/fake.tar" novol >/dev/null
  run berth run --rm novol grep CapBnd /proc/self/status
  [ "$status" -eq 0 ]
  [[ "$output" == *00000000a80425fb ]]
}

@test "image VOLUMEs on /proc, /sys or inside them are refused, whatever their spelling; others are made" {
  local v
  for v in /proc /proc/ /sys /sys/kernel/mm //sys/./kernel/../kernel/mm/ /proc/../proc/sys; do
    berth import -c "VOLUME [\"/data\", \"$v\"]" "$WORK/fake.tar" badvol >/dev/null
    refused run --rm badvol true
    [[ "$output" == *"invalid mount config: image volume \"$v\""* ]]
    [[ "$output" == *" is /proc"* || "$output" == *" is inside /proc"* || "$output" == *" is /sys"* || "$output" == *" is inside /sys"* ]]
  done
  berth import -c 'VOLUME ["/data", "/srv/sys", "/procfs"]' "$WORK/fake.tar" okvol >/dev/null
  run berth run --rm okvol sh -c 'grep -c " /data \| /srv/sys \| /procfs " /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [ "$output" = 3 ]
  nothing_changed_on_the_host
}

@test "-v, --mount (bind, volume, tmpfs) and --tmpfs on /proc or inside it are refused, after cleaning" {
  mkdir "$WORK/dir"
  refused run --rm -v "$WORK/dir:/proc/sys/kernel" img true
  [[ "$output" == *'invalid mount config: destination "/proc/sys/kernel" is inside /proc'* ]]
  refused run --rm -v "vol:/proc/../proc/sys" img true
  [[ "$output" == *'invalid mount config: destination "/proc/../proc/sys" (/proc/sys) is inside /proc'* ]]
  refused run --rm -v "//proc/sys/" img true
  [[ "$output" == *'invalid mount config: destination "//proc/sys/" (/proc/sys) is inside /proc'* ]]
  refused run --rm -v "$WORK/dir:/proc" img true
  [[ "$output" == *'invalid mount config: destination "/proc" is /proc itself'* ]]
  refused create --mount "type=bind,src=$WORK/cpuinfo,dst=/proc/sysrq-trigger" img
  [[ "$output" == *'destination "/proc/sysrq-trigger" is inside /proc'* ]]
  refused create --mount "type=volume,dst=/proc/sys/kernel" img
  [[ "$output" == *'destination "/proc/sys/kernel" is inside /proc'* ]]
  refused run --rm --mount "type=tmpfs,dst=/proc/./sys" img true
  [[ "$output" == *'destination "/proc/./sys" (/proc/sys) is inside /proc'* ]]
  refused run --rm --tmpfs /proc/sys/kernel img true
  [[ "$output" == *'invalid mount config: destination "/proc/sys/kernel" is inside /proc'* ]]
  refused create --tmpfs /proc/sys/kernel/ img
  [[ "$output" == *'destination "/proc/sys/kernel/" (/proc/sys/kernel) is inside /proc'* ]]
  # /proc/net/dev is no longer on runc's list
  refused create -v "$WORK/cpuinfo:/proc/net/dev" img
  [[ "$output" == *'destination "/proc/net/dev" is inside /proc'* ]]
  nothing_changed_on_the_host
}

@test "the /proc files runc lets a mount cover are allowed; -v into /sys stays the user's choice" {
  run berth run --rm -v "$WORK/cpuinfo:/proc/cpuinfo:ro" img cat /proc/cpuinfo
  [ "$status" -eq 0 ]
  [ "$output" = "fake cpuinfo" ]
  run berth create --mount "type=bind,src=$WORK/cpuinfo,dst=/proc/meminfo" img true
  [ "$status" -eq 0 ]
  berth rm "$output" >/dev/null
  mkdir "$WORK/sysdir"
  run berth create -v "$WORK/sysdir:/sys/fs/mine" img true
  [ "$status" -eq 0 ]
  berth rm "$output" >/dev/null
}
