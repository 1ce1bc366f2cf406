#!/usr/bin/env bats
# `make demo` shows what the README promises: a busybox container from a
# bundle with its own hostname, pid 1, and a memory limit that holds.

load helpers

@test "the demo runs an isolated, memory-limited busybox container" {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  run "$BATS_TEST_DIRNAME/../../scripts/demo" "$BERTH_BUILD"
  [ "$status" -eq 0 ]
  [[ "$output" == *"hostname inside:    berth-demo"* ]]
  [[ "$output" == *"my pid inside:      1"* ]]
  [[ "$output" == *"memory limit:       67108864 bytes"* ]]
  [[ "$output" == *"exited with status 137 (killed by the OOM killer"* ]]
  [[ "$output" != *"it fit (no limit?)"* ]]
}
