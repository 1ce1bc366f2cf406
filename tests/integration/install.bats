#!/usr/bin/env bats
# berth as installed software: `berth info`, the completions (from the CLI's
# own flag tables), the man pages (from --help) and `make install` into a
# DESTDIR whose programs find each other.

load helpers

setup() {
  setup_image_test
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  export BERTH_RUNROOT
}

teardown() {
  [ -n "${BERTH_RUNROOT:-}" ] && rm -rf "$BERTH_RUNROOT"
  teardown_image_test
}

@test "info: counts, storage, cgroup version of this host, runtime, root dir" {
  berth import "$WORK/busybox.tar" bb >/dev/null
  berth create --name c1 bb true >/dev/null
  run berth info
  [ "$status" -eq 0 ]
  echo "$output"
  [[ "$output" == *"Containers: 1"* ]]
  [[ "$output" == *" Stopped: 1"* ]]
  [[ "$output" == *"Images: 1"* ]]
  [[ "$output" == *"Storage Driver: overlay2"* ]]
  [[ "$output" == *"Logging Driver: json-file"* ]]
  [[ "$output" == *"Default Runtime: berth-runtime"* ]]
  [[ "$output" == *"Berth Root Dir: $BERTH_ROOT"* ]]
  [[ "$output" == *"Kernel Version: $(uname -r)"* ]]
  # the cgroup version as the host has it
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then want=2; else want=1; fi
  [ "$(berth info -f '{{.CgroupVersion}}')" = "$want" ]
  [ "$(berth info --format '{{.Containers}}')" = 1 ]
  [ "$(berth info --format '{{json .}}' | jq -r .Images)" = 1 ]
  [ "$(berth info --format json | jq -r .NCPU)" = "$(nproc)" ]
  [ "$(berth system info -f '{{.Driver}}')" = overlay2 ]
  run berth info -f '{{.NoSuchField}}'
  [ "$status" -ne 0 ]
  run berth info extra
  [ "$status" -eq 125 ]
}
