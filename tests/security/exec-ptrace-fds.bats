#!/usr/bin/env bats
# Host fds reachable while a process joins the container.
#
# The exec stage still holds host fds (the runtime's state directory among
# them) after it has joined the container's pid namespace, until just
# before execve(). A process of the container with CAP_SYS_PTRACE sees it
# appear, stops it (attack/fdsteal.c: PTRACE_SEIZE + PTRACE_INTERRUPT),
# opens its fds through /proc/PID/fd, climbs out of the directory one and
# reads, overwrites and chmods the host canary. The same holds for a new
# container's init while it is set up, when it joins an existing pid
# namespace (berth-runtime with a pid namespace path, as pods share one;
# berth itself has no --pid container:, so its run, create+start and restart
# always make a new pid namespace nobody else can see into).

load helpers

setup_file() {
  sec_setup_file
  local steal
  steal=$(jq -nc '["/attack/fdsteal", $c]' --arg c "$CANARY")
  berth import -c "CMD $steal" "$WORK/attack.tar" stealer >/dev/null
  image_add_healthcheck stealer stealer-hc '["CMD", "sleep", "0.1"]'
  berth import -c 'CMD ["sh"]' "$WORK/attack.tar" plain >/dev/null
}

teardown_file() {
  sec_teardown_file
}

setup() {
  canary_reset
  RT_ROOT=$WORK/rt-root
  mkdir -p "$RT_ROOT"
  export RT_ROOT
}

teardown() {
  rt_remove_all
  sec_remove_containers
  rm -rf "$RT_ROOT" "$WORK"/bundle* "$WORK"/*.out
}

# stolen_nothing TEXT: the watcher's report; it examined at least one
# process that appeared (the attack ran) and got out through none.
stolen_nothing() {
  echo "$1"
  [[ "$1" =~ pid\ [0-9]+: ]] || {
    echo "the watcher saw no process appear"
    return 1
  }
  [[ "$1" != *ESCAPED* ]]
  canary_intact
}

# On the unfixed code every exec's process was caught holding the state
# directory (fd 3 of berth-runtime exec) and the canary was read and changed
# by the first one.
@test "exec: a container with CAP_SYS_PTRACE cannot reach the host fds of an exec joining it" {
  berth run -d --name atk --cap-add SYS_PTRACE stealer >/dev/null
  wait_log atk watching
  local i
  for i in 1 2 3; do
    berth exec atk sleep 0.1
    berth exec -w / -u 0 atk sleep 0.1
  done
  run berth logs atk
  stolen_nothing "$output"
}

@test "healthcheck: a container with CAP_SYS_PTRACE cannot reach the host fds of its HEALTHCHECK's process" {
  berth run -d --name atk --cap-add SYS_PTRACE stealer-hc >/dev/null
  wait_log atk watching
  local i
  for i in $(seq 100); do
    [ "$(health_runs atk)" -ge 3 ] && break
    sleep 0.1
  done
  [ "$(health_runs atk)" -ge 3 ]
  run berth logs atk
  stolen_nothing "$output"
}

# A bundle running the watcher with CAP_SYS_PTRACE, created and started.
rt_stealer() {
  attack_bundle "$WORK/bundle-atk" /attack/fdsteal "$CANARY"
  config_edit "$WORK/bundle-atk" '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
  (cd "$WORK/bundle-atk" && "$RUNTIME" --root "$RT_ROOT" create atk >"$WORK/atk.out" 2>&1)
  rt start atk
  local i
  for i in $(seq 50); do
    grep -q watching "$WORK/atk.out" && return 0
    sleep 0.1
  done
  cat "$WORK/atk.out"
  return 1
}

@test "berth-runtime create+start and exec: a CAP_SYS_PTRACE container cannot reach the host fds of an exec" {
  rt_stealer
  local i
  for i in 1 2 3 4 5; do
    rt exec atk sleep 0.1
  done
  stolen_nothing "$(cat "$WORK/atk.out")"
}

# On the unfixed code the victim's init was caught holding the state
# directory (fd 4) every time.
@test "berth-runtime run and create+start: an init joining a CAP_SYS_PTRACE container's pid namespace leaks no host fd" {
  rt_stealer
  local pid
  pid=$(rt state atk | jq -r .pid)
  attack_bundle "$WORK/bundle-v" sleep 0.1
  config_edit "$WORK/bundle-v" "(.linux.namespaces[] | select(.type == \"pid\")) |= {type: \"pid\", path: \"/proc/$pid/ns/pid\"}"
  run bash -c "cd '$WORK/bundle-v' && '$RUNTIME' --root '$RT_ROOT' run v1"
  echo "run: $status $output"
  (cd "$WORK/bundle-v" && "$RUNTIME" --root "$RT_ROOT" create v2 >"$WORK/v2.out" 2>&1) || true
  rt start v2 || true
  stolen_nothing "$(cat "$WORK/atk.out")"
}
