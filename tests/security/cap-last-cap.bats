#!/usr/bin/env bats
# Capabilities widened by a fake cap_last_cap.
#
# The runtime reads /proc/sys/kernel/cap_last_cap after pivot_root, from the
# container's own mount tree, and drops bounding capabilities (and builds
# the other sets) only up to that number. A mount at /proc/sys/kernel that
# holds cap_last_cap=0 (an image's VOLUME, a -v volume or host directory, a
# --tmpfs the container fills itself, a bundle's mount) leaves the bounding
# set whole, and root's execve() then gains all of it. Each test reads the
# capability sets of the process as a user would (/proc/self/status) and
# wants Docker's default 14 (or the bundle's own 3) exactly — or a refusal
# that names /proc/sys/kernel.

load helpers

# Docker's default capabilities: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID
# SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
DEFAULT_CAPS=00000000a80425fb
# berth-runtime spec's: AUDIT_WRITE KILL NET_BIND_SERVICE.
SPEC_CAPS=0000000020000420

setup_file() {
  sec_setup_file
  local fs=$WORK/cap-rootfs
  cp -a "$(busybox_rootfs)" "$fs"
  mkdir -p "$fs/proc/sys/kernel"
  echo 0 >"$fs/proc/sys/kernel/cap_last_cap"
  tar -C "$fs" -cf "$WORK/cap.tar" .
  berth import -c 'VOLUME /proc/sys/kernel' -c 'CMD ["sh", "-c", "grep Cap /proc/self/status; exec sleep 1000"]' \
    "$WORK/cap.tar" capimg >/dev/null
  image_add_healthcheck capimg capimg-hc '["CMD-SHELL", "grep Cap /proc/self/status"]'
  berth import -c 'CMD ["sh"]' "$WORK/attack.tar" plain >/dev/null
  mkdir -p "$WORK/fake-kernel"
  echo 0 >"$WORK/fake-kernel/cap_last_cap"
}

teardown_file() {
  sec_teardown_file
}

setup() {
  sec_rt_root
}

teardown() {
  rt_remove_all
  sec_remove_containers
  berth volume rm -f fakek >/dev/null 2>&1 || true
  rm -rf "$RT_ROOT" "$WORK/bundle" "$WORK/r2.out"
}

# caps_are WANT TEXT: TEXT (grep Cap /proc/self/status) shows exactly WANT as
# the permitted, effective and bounding sets, and nothing inheritable or ambient.
caps_are() {
  local want=$1 text=$2 set
  echo "$text"
  for set in CapPrm CapEff CapBnd; do
    [[ "$text" =~ $set:[[:space:]]*$want ]] || {
      echo "$set is not $want"
      return 1
    }
  done
  [[ "$text" =~ CapInh:[[:space:]]*0000000000000000 ]]
  [[ "$text" =~ CapAmb:[[:space:]]*0000000000000000 ]]
}

# After `run`: refused naming /proc/sys/kernel, or it ran with exactly WANT.
caps_or_refused() {
  if [ "$status" -ne 0 ]; then
    refused_clearly /proc/sys/kernel
  else
    caps_are "$1" "$output"
  fi
}

@test "run: an image's VOLUME /proc/sys/kernel holding cap_last_cap=0 does not widen the capabilities" {
  run berth run --rm capimg grep Cap /proc/self/status
  caps_or_refused $DEFAULT_CAPS
}

@test "run -d and exec: neither the first process nor an exec gets more than the default capabilities" {
  run berth run -d --name capc capimg
  if [ "$status" -ne 0 ]; then
    refused_clearly /proc/sys/kernel
  else
    wait_log capc CapBnd
    run berth logs capc
    caps_are $DEFAULT_CAPS "$output"
    run berth exec capc grep Cap /proc/self/status
    caps_are $DEFAULT_CAPS "$output"
  fi
  # The container writes the fake value itself, into a tmpfs it was given
  # there, before someone execs into it.
  run berth run -d --name tmpk --tmpfs /proc/sys/kernel plain sleep 1000
  if [ "$status" -ne 0 ]; then
    refused_clearly /proc/sys/kernel
  else
    berth exec tmpk sh -c 'echo 0 >/proc/sys/kernel/cap_last_cap' || true
    run berth exec tmpk grep Cap /proc/self/status
    caps_are $DEFAULT_CAPS "$output"
  fi
}

@test "create+start and restart: the (re)started process has the default capabilities" {
  run berth create --name capc capimg grep Cap /proc/self/status
  if [ "$status" -ne 0 ]; then
    refused_clearly /proc/sys/kernel
    return
  fi
  run berth start -a capc
  caps_or_refused $DEFAULT_CAPS
  [ "$status" -eq 0 ] || return 0
  run berth restart capc
  if [ "$status" -ne 0 ]; then
    refused_clearly /proc/sys/kernel
    return
  fi
  berth wait capc >/dev/null
  # the second run's lines
  run bash -c "'$BERTH_BUILD/cmd/berth/berth' logs capc | tail -n 5"
  caps_are $DEFAULT_CAPS "$output"
}

@test "healthcheck: an image's HEALTHCHECK and a --health-cmd run with the default capabilities" {
  local c
  run berth run -d --name hc capimg-hc
  [ "$status" -eq 0 ] || refused_clearly /proc/sys/kernel
  run berth run -d --name hc-cmd --health-cmd 'grep Cap /proc/self/status' --health-interval 100ms capimg
  [ "$status" -eq 0 ] || refused_clearly /proc/sys/kernel
  for c in hc hc-cmd; do
    berth inspect "$c" >/dev/null 2>&1 || continue
    local i
    for i in $(seq 100); do
      [ "$(health_runs "$c")" -ge 1 ] && break
      sleep 0.1
    done
    run berth inspect "$c"
    caps_are $DEFAULT_CAPS "$(echo "$output" | jq -r '.[0].State.Health.Log[0].Output')"
  done
}

@test "run -v: a volume or host directory with cap_last_cap=0 at /proc/sys/kernel does not widen the capabilities" {
  berth run --rm -v fakek:/data plain sh -c 'echo 0 >/data/cap_last_cap'
  run berth run --rm -v fakek:/proc/sys/kernel plain grep Cap /proc/self/status
  caps_or_refused $DEFAULT_CAPS
  run berth run --rm -v "$WORK/fake-kernel:/proc/sys/kernel" plain grep Cap /proc/self/status
  caps_or_refused $DEFAULT_CAPS
  run berth run --rm --mount "type=bind,source=$WORK/fake-kernel,target=/proc/sys/kernel,readonly" plain grep Cap /proc/self/status
  caps_or_refused $DEFAULT_CAPS
  # the files are still the test's own
  [ "$(cat "$WORK/fake-kernel/cap_last_cap")" = 0 ]
}

@test "berth-runtime run, create+start and exec: a bundle mounting a fake /proc/sys/kernel keeps its 3 capabilities" {
  attack_bundle "$WORK/bundle" grep Cap /proc/self/status
  config_edit "$WORK/bundle" ".mounts += [{destination: \"/proc/sys/kernel\", type: \"bind\", source: \"$WORK/fake-kernel\", options: [\"rbind\", \"ro\"]}]"
  run bash -c "cd '$WORK/bundle' && '$RUNTIME' --root '$RT_ROOT' run r1"
  caps_or_refused $SPEC_CAPS
  config_edit "$WORK/bundle" '.process.args = ["sleep", "1000"]'
  # (the init keeps create's stdout: a file, not run's pipe)
  run bash -c "cd '$WORK/bundle' && '$RUNTIME' --root '$RT_ROOT' create r2 >'$WORK/r2.out' 2>&1"
  output=$(cat "$WORK/r2.out")
  if [ "$status" -ne 0 ]; then
    refused_clearly /proc/sys/kernel
    return
  fi
  rt start r2
  run rt exec r2 grep Cap /proc/self/status
  caps_are $SPEC_CAPS "$output"
  run rt exec r2 grep Cap /proc/1/status
  caps_are $SPEC_CAPS "$output"
}
