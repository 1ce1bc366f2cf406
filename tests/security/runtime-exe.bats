#!/usr/bin/env bats
# The runtime's binary overwritten through /proc/PID/exe (CVE-2019-5736).
#
# While an exec joins a container, its process runs the runtime's binary
# inside the container's pid namespace until it execs the command; and a
# container can make the runtime exec the runtime itself, by a command that
# is a script starting "#!/proc/self/exe". A process of the container then
# opens /proc/PID/exe, keeps it (O_PATH), waits until nothing runs the file
# any more and opens it for writing: on runc before 1.0-rc6 that was the
# host's runc, overwritten for whatever ran it next. attack/exesteal.c does
# all of it (with CAP_SYS_PTRACE, so a non-dumpable process is in reach too);
# the runtime's file must not open for writing and its bytes must stay.
# berth's exec spawns the runtime from a read-only mount of its directory;
# berth-runtime run by anyone else re-execs itself from one.

load helpers

setup_file() {
  sec_setup_file
  berth import -c 'CMD ["/attack/exesteal", "/work/log.fifo"]' "$WORK/attack.tar" exestealer >/dev/null
  # the runtime, exec'd by the container, waits opening its log until the watcher reads it
  printf '#!/proc/self/exe --log=/work/log.fifo\n' >"$WORK/evil"
  chmod 755 "$WORK/evil"
}

teardown_file() {
  sec_teardown_file
}

setup() {
  sec_rt_root
  RUNTIME_SUM=$(sha256sum "$RUNTIME" | cut -d' ' -f1)
}

teardown() {
  rt_remove_all
  sec_remove_containers
  rm -rf "$RT_ROOT" "$WORK"/bundle* "$WORK"/*.out
}

# found_nothing_writable TEXT N: the watcher's report; it held the exe of at
# least N processes from outside, opened none of them for writing, and the
# runtime's bytes are what they were.
found_nothing_writable() {
  echo "$1"
  local held
  held=$(grep -c 'holds the exe of a program from outside' <<<"$1" || true)
  [ "$held" -ge "$2" ] || {
    echo "the watcher held $held exe(s) from outside, wanted $2"
    return 1
  }
  [[ "$1" != *ESCAPED* ]]
  [ "$(sha256sum "$RUNTIME" | cut -d' ' -f1)" = "$RUNTIME_SUM" ]
}

# watcher_done CMD...: the watcher's report (CMD's output) says it is done with a process
watcher_done() {
  "$@" 2>&1 | grep -q ': done$'
}

@test "exec: a container that makes the runtime exec itself (#!/proc/self/exe) cannot write its binary" {
  berth run -d --name atk --cap-add SYS_PTRACE -v "$WORK/evil:/evil:ro" exestealer >/dev/null
  wait_log atk watching
  # (a watcher that missed it would leave the runtime waiting on the FIFO)
  try timeout 30 "$BERTH_BUILD/cmd/berth/berth" exec atk /evil
  # the runtime ran as the container's process: its usage error
  [[ "$output" == *"berth-runtime"* ]]
  wait_until 15 watcher_done berth logs atk
  run berth logs atk
  found_nothing_writable "$output" 1
}

@test "berth-runtime exec: a container that makes the runtime exec itself (#!/proc/self/exe) cannot write its binary" {
  attack_bundle "$WORK/bundle-atk" /attack/exesteal /work/log.fifo
  config_edit "$WORK/bundle-atk" '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"]) | .root.readonly = false'
  cp "$WORK/evil" "$WORK/bundle-atk/rootfs/evil"
  (cd "$WORK/bundle-atk" && "$RUNTIME" --root "$RT_ROOT" create atk >"$WORK/atk.out" 2>&1)
  rt start atk
  local i
  for i in $(seq 50); do
    grep -q watching "$WORK/atk.out" && break
    sleep 0.1
  done
  try timeout 30 "$RUNTIME" --root "$RT_ROOT" exec atk /evil
  echo "exec: $status $output"
  wait_until 15 watcher_done cat "$WORK/atk.out"
  found_nothing_writable "$(cat "$WORK/atk.out")" 1
}
