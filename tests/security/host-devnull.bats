#!/usr/bin/env bats
# The host's /dev/null through a container's stdio.
#
# A process that gets no input (run and exec without -i, a healthcheck, a
# build's RUN, berth-runtime run </dev/null) was handed the host's /dev/null
# as its stdin by whoever started it: the monitor, the CLI, the builder, the
# shell. /proc/self/fd/0 then leads to the host's inode, and the container's
# root owns it: `chmod 0 /proc/self/fd/0` broke /dev/null for every
# unprivileged user of the host (apt's _apt among them: found when a probe of
# every syscall in a container left the test machine's /dev/null at mode 000).
# Each attempt here chmods and chowns whatever its fds 0-2 lead to; the host's
# /dev/null must keep its mode and owner. The attempts use mode 0667 and owner
# 4242 (a change that is seen but breaks nobody), and the teardown puts the
# host's /dev/null back whatever happened.

load helpers

attempt='for f in 0 1 2; do chmod 0667 /proc/self/fd/$f; chown 4242:4242 /proc/self/fd/$f; done 2>/dev/null; echo attempted'

setup_file() {
  sec_setup_file_plain
  image_add_healthcheck plain plain-hc "$(jq -nc '["CMD", "sh", "-c", $a]' --arg a "$attempt")"
}

teardown_file() {
  sec_teardown_file
}

setup() {
  sec_rt_root
}

teardown() {
  sec_remove_containers
  rt_remove_all
  rm -rf "$RT_ROOT" "$WORK/bundle" "$WORK/ctx"
  chmod 0666 /dev/null
  chown 0:0 /dev/null
}

logged_attempt() { berth logs "$1" 2>&1 | grep -q attempted; }
healthy() { [ "$(berth inspect -f '{{.State.Health.Status}}' "$1")" = healthy ]; }

# the host's /dev/null as it must stay: a character device 1:3, mode 666, root's
devnull_intact() {
  local now
  now=$(stat -c '%F %t:%T %a %u:%g' /dev/null)
  [ "$now" = "character special file 1:3 666 0:0" ] || {
    echo "the host's /dev/null is now: $now"
    return 1
  }
}

@test "run and run -d without -i: the container's stdin is its own /dev/null, not the host's" {
  run berth run --rm plain sh -c "$attempt"
  [[ "$output" == *attempted* ]]
  devnull_intact
  # and it still is a null device: reads end at once, writes go nowhere
  run berth run --rm plain sh -c 'cat; echo x >/proc/self/fd/0; stat -L -c "%F %t:%T" /proc/self/fd/0'
  [ "$status" -eq 0 ]
  [ "$output" = "character special file 1:3" ]
  berth run -d --name bg plain sh -c "$attempt; sleep 300" >/dev/null
  wait_until 10 logged_attempt bg
  devnull_intact
}

@test "exec and exec -d without -i: the process's stdin is the container's /dev/null" {
  berth run -d --name target plain sleep 300 >/dev/null
  run berth exec target sh -c "$attempt"
  [[ "$output" == *attempted* ]]
  devnull_intact
  berth exec -d target sh -c "$attempt"
  sleep 1
  devnull_intact
}

@test "an image's HEALTHCHECK: its probe's stdio is the container's, not the host's /dev/null" {
  berth run -d --name hc plain-hc sleep 300 >/dev/null
  wait_until 15 healthy hc
  devnull_intact
}

@test "a Dockerfile's RUN: its stdin is the step's own /dev/null" {
  mkdir -p "$WORK/ctx"
  printf 'FROM plain\nRUN %s\n' "$attempt" >"$WORK/ctx/Dockerfile"
  run berth build --no-cache --network none -t devnull-run "$WORK/ctx"
  [ "$status" -eq 0 ]
  devnull_intact
}

@test "berth-runtime run and exec with the host's /dev/null as stdio: the container's own instead" {
  attack_bundle "$WORK/bundle" sh -c "$attempt"
  run bash -c "cd '$WORK/bundle' && '$RUNTIME' --root '$RT_ROOT' run d1 </dev/null"
  [[ "$output" == *attempted* ]]
  devnull_intact
  config_edit "$WORK/bundle" '.process.args = ["sleep", "300"]'
  (cd "$WORK/bundle" && "$RUNTIME" --root "$RT_ROOT" create d2 </dev/null >/dev/null 2>&1)
  rt start d2
  run bash -c "'$RUNTIME' --root '$RT_ROOT' exec d2 sh -c '$attempt' </dev/null 2>/dev/null"
  [[ "$output" == *attempted* ]]
  devnull_intact
}
