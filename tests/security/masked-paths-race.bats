#!/usr/bin/env bats
# Masked paths bound from a path the container controls, and device set-up
# following symlinks (CVE-2025-31133 / CVE-2025-52565 class).
#
# The victim's /dev is a volume that a second, running container also has
# mounted (attack/devrace.c runs there). Masking binds "/dev/null" by path
# after pivot_root, so when the second container swaps a symlink to a
# /proc/sys file in for the node the runtime just made, the victim's masked
# /proc files (/proc/keys, /proc/timer_list ...) become that sysctl, and
# writable: the victim writes it and the host's value changes. Device set-up
# itself ends with an fchmodat() that follows symlinks, before pivot_root:
# a symlink to a host file swapped in at the right moment makes the host
# file mode 0666.
#
# The sysctl is kernel.printk_ratelimit (seconds between rate-limited kernel
# messages: harmless to change for a moment, global, not namespaced). Its
# value is read first and written back after every test whatever happened.
# Exec and healthchecks set up no devices and mask nothing: not reached.

load helpers

SYSCTL=/proc/sys/kernel/printk_ratelimit
MASKED="/proc/interrupts /proc/keys /proc/timer_list /proc/kcore /proc/latency_stats /proc/sched_debug /proc/timer_stats"

setup_file() {
  sec_setup_file
  [ -w "$SYSCTL" ] || skip "$SYSCTL is not writable here"
  SYSCTL_ORIG=$(cat "$SYSCTL")
  SYSCTL_NEW=4242
  [ "$SYSCTL_ORIG" != 4242 ] || SYSCTL_NEW=4243
  export SYSCTL_ORIG SYSCTL_NEW
  # What the victim runs: write the new value into every masked file it has.
  WRITE_MASKED="for f in $MASKED; do [ -e \$f ] && { echo $SYSCTL_NEW >\$f; } 2>&1; done; echo wrote"
  export WRITE_MASKED
  berth import -c 'CMD ["sh"]' "$WORK/attack.tar" plain >/dev/null
}

teardown_file() {
  sysctl_restore
  sec_teardown_file
}

sysctl_restore() {
  if [ -n "${SYSCTL_ORIG:-}" ] && [ "$(cat "$SYSCTL")" != "$SYSCTL_ORIG" ]; then
    echo "$SYSCTL_ORIG" >"$SYSCTL"
  fi
  true
}

setup() {
  canary_reset
  RT_ROOT=$WORK/rt-root
  DEVDIR=$WORK/devdir
  mkdir -p "$RT_ROOT" "$DEVDIR"
  export RT_ROOT DEVDIR
}

teardown() {
  sysctl_restore
  rt_remove_all
  sec_remove_containers
  berth volume rm -f devvol >/dev/null 2>&1 || true
  ! mountpoint -q "$DEVDIR" || umount "$DEVDIR"
  rm -rf "$RT_ROOT" "$DEVDIR" "$WORK/bundle" "$WORK/rt.out"
}

# The host's sysctl still has its value (restored at once if not, then fail).
sysctl_intact() {
  local v
  v=$(cat "$SYSCTL")
  if [ "$v" != "$SYSCTL_ORIG" ]; then
    echo "$SYSCTL_ORIG" >"$SYSCTL"
    echo "the host's $SYSCTL became $v (was $SYSCTL_ORIG)"
    return 1
  fi
}

# start_racer MODE SOURCE TARGET: the second container, SOURCE (a volume or a
# host directory) at /shared, running devrace MODE on it.
start_racer() {
  berth run -d --name racer -v "$2:/shared" plain /attack/devrace "$1" /shared "$3" >/dev/null
  wait_log racer watching
}

# attempts N CHECK CMD...: run CMD N times; after each, CHECK the host.
attempts() {
  local n=$1 check=$2 i
  shift 2
  for i in $(seq "$n"); do
    try "$@"
    echo "attempt $i: status $status: $output"
    $check
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
  berth rm "$id" >/dev/null
}

create_start() {
  local id
  id=$(berth create "$@" 2>&1) || {
    echo "$id"
    return 1
  }
  berth start -a "$id" 2>&1
  local rc=$?
  berth rm "$id" >/dev/null
  return $rc
}

restart_attempt() {
  berth restart victim 2>&1 || return 1
  berth wait victim >/dev/null
}

# A bundle whose /dev is the host directory DEVDIR (shared with the racer).
dev_bundle() {
  attack_bundle "$WORK/bundle" sh -c "$1"
  config_edit "$WORK/bundle" "(.mounts[] | select(.destination == \"/dev\")) |= {destination: \"/dev\", type: \"bind\", source: \"$DEVDIR\", options: [\"rbind\", \"rw\"]}"
}

# On the unfixed code the racer (mask) won 27 of 30 starts over the three
# tests below: the victim's /proc/interrupts, /proc/keys and /proc/timer_list
# were the host's sysctl, and its write changed the host's value.
@test "run and run -d: masked /proc files bound from a swapped /dev/null do not reach the host's sysctl" {
  berth volume create devvol >/dev/null
  start_racer mask devvol "$SYSCTL"
  attempts 5 sysctl_intact berth run --rm -v devvol:/dev plain sh -c "$WRITE_MASKED"
  attempts 5 sysctl_intact run_detached -v devvol:/dev plain sh -c "$WRITE_MASKED"
}

@test "create+start and restart: masked /proc files bound from a swapped /dev/null do not reach the host's sysctl" {
  berth volume create devvol >/dev/null
  start_racer mask devvol "$SYSCTL"
  attempts 5 sysctl_intact create_start -v devvol:/dev plain sh -c "$WRITE_MASKED"
  berth create --name victim -v devvol:/dev plain sh -c "$WRITE_MASKED" >/dev/null
  attempts 5 sysctl_intact restart_attempt
}

@test "berth-runtime run and create+start: masked /proc files bound from a swapped /dev/null do not reach the host's sysctl" {
  chmod 755 "$DEVDIR"
  start_racer mask "$DEVDIR" "$SYSCTL"
  dev_bundle "$WRITE_MASKED"
  attempts 5 sysctl_intact rt_run_attempt
  attempts 5 sysctl_intact rt_create_start_attempt
}

# The chmod race is blind and wins a start now and then. It does best on a
# tmpfs (the kind of /dev Docker gives), where its renames are quick. On the
# unfixed code it chmodded the host canary 0666 in 13 of 20 runs, 5 of 10
# create+starts, 2 of 10 restarts and 17 of 40 berth-runtime runs (on an
# ext4 volume: about 1 start in 7).
@test "device set-up: a symlink to a host file swapped in for a new node is never chmodded (run, create+start, restart)" {
  berth volume create --opt type=tmpfs --opt device=tmpfs devvol >/dev/null
  start_racer chmod devvol "$CANARY"
  attempts 10 canary_intact berth run --rm -v devvol:/dev plain true
  attempts 10 canary_intact create_start -v devvol:/dev plain true
  berth create --name victim -v devvol:/dev plain true >/dev/null
  attempts 10 canary_intact restart_attempt
}

@test "device set-up: a symlink to a host file swapped in for a new node is never chmodded (berth-runtime run)" {
  mount -t tmpfs -o size=1m,mode=755 berth-sec-dev "$DEVDIR"
  start_racer chmod "$DEVDIR" "$CANARY"
  dev_bundle true
  attempts 20 canary_intact rt_run_attempt
}
