#!/usr/bin/env bats
# `make demo` shows what the README promises: a busybox image run as
# containers — isolated, memory-limited, detached with a log and exec, stopped.

load helpers

@test "the demo runs an isolated, memory-limited container from an image, then a detached one" {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  run "$BATS_TEST_DIRNAME/../../scripts/demo" "$BERTH_BUILD"
  [ "$status" -eq 0 ]
  [[ "$output" == *"hostname inside:    berth-demo"* ]]
  [[ "$output" == *"my pid inside:      1"* ]]
  [[ "$output" == *"memory limit:       67108864 bytes"* ]]
  [[ "$output" == *"seccomp:            2"* ]]
  [[ "$output" == *"exited with status 137 (killed by the OOM killer"* ]]
  [[ "$output" != *"it fit (no limit?)"* ]]
  [[ "$output" == *"tick "* ]]
  [[ "$output" == *"ticker: Exited"* ]]
  [[ "$output" == *"nothing left running: 0 containers"* ]]
  # the lifecycle: build, run with its page served, push and pull back
  [[ "$output" == *"Successfully tagged webapp:latest"* ]]
  [[ "$output" == *"its page, read from the host: <h1>Hello from a berth-built image</h1> version 2.0"* ]]
  [[ "$output" == *"(healthy)"* ]]
  [[ "$output" == *"and it runs: version 2.0"* ]]
  [[ "$output" == *"cleaned up: 0 containers"* ]]
}
