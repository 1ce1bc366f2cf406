#!/usr/bin/env bats
# The builder's RUN step (src/build/step-run.c) on its own, through
# build-step-cli until `berth build` drives it: a snapshot of the base image,
# berth-runtime run with a specgen config, the changes committed as a new
# image; a failing command leaves the store, the mounts and the runtime as
# they were.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  setup_build_step_test
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$WORK/rootfs/etc/passwd"
  tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
  berth import -c 'CMD ["sh"]' "$WORK/busybox.tar" img >/dev/null
}

teardown() {
  remove_berth_containers
  teardown_image_test
}

step() {
  "$STEP" "$BERTH_ROOT" "$BERTH_RUNROOT" "$@"
}

@test "RUN: the command's output streams, its changes become a new image with a history entry" {
  run step img none /bin/sh -c 'echo built > /made; mkdir -p /d/e; rm /bin/vi; echo running'
  [ "$status" -eq 0 ]
  [[ "$output" == *running* ]]
  local id
  id=$(echo "$output" | sed -n 's/^image //p')
  [[ "$id" == sha256:* ]]
  run berth run --rm "$id" sh -c 'cat /made; test -d /d/e && echo dir; test -e /bin/vi || echo gone'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = built ]
  [ "${lines[1]}" = dir ]
  [ "${lines[2]}" = gone ]
  run berth history --no-trunc "$id"
  [[ "${lines[1]}" == *"/bin/sh -c echo built > /made; mkdir -p /d/e; rm /bin/vi; echo running"* ]]
  # the base image is untouched
  run berth run --rm img sh -c 'test -e /made || test -e /bin/vi && echo base-intact'
  [ "$output" = base-intact ]
  [ -z "$(ls -A "$BERTH_ROOT/build")" ]
  [ "$(mounts_under_root)" -eq 0 ]
}

@test "RUN: a failing command is docker's error with its exit code; nothing is left" {
  local before
  before=$(store_state)
  run step img none /bin/sh -c 'echo partial > /x; exit 7'
  [ "$status" -eq 7 ]
  [[ "$output" == *"The command '/bin/sh -c echo partial > /x; exit 7' returned a non-zero code: 7"* ]]
  [ "$(store_state)" = "$before" ]
  [ -z "$(ls -A "$BERTH_ROOT/build")" ]
  [ "$(mounts_under_root)" -eq 0 ]
  [ -z "$(ls "$BERTH_RUNROOT/runtime" 2>/dev/null)" ] # no runtime state left (but its cache)
  run step img none /nonexistent
  [ "$status" -ne 0 ]
  [ "$(store_state)" = "$before" ]
}

@test "RUN: the image's Env, WorkingDir and User apply, never its entrypoint" {
  berth import -c 'ENV GREETING=hi' -c 'WORKDIR /tmp' -c 'USER nobody' \
    -c 'ENTRYPOINT ["/bin/false"]' "$WORK/busybox.tar" cfgimg >/dev/null
  run step cfgimg none /bin/sh -c 'echo "$GREETING $(pwd) $(id -u)"'
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "hi /tmp 65534" ]]
}

@test "RUN: confined as a container is — default capabilities, read-only /proc/sys, its own network" {
  run step img none /bin/sh -c 'grep CapBnd /proc/self/status; echo 1 > /proc/sys/kernel/domainname || echo ro; ls /sys/class/net'
  [ "$status" -eq 0 ]
  [[ "$output" == *"CapBnd:	00000000a80425fb"* ]]
  [[ "$output" == *ro* ]]
  [[ "$output" == *$'\nlo\nimage sha256:'* ]] # only lo
  # with the host's network it sees the host's interfaces, but still not its files
  run step img host /bin/sh -c 'ls /sys/class/net | wc -l; cat /etc/hostname'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" -eq "$(ls /sys/class/net | wc -l)" ]
  [ "${lines[1]}" != "$(hostname)" ]
}
