#!/usr/bin/env bats
# berth cp against a container that swaps a directory on the copy's path for
# a symlink to a host directory, as fast as it can (CVE-2018-15664: docker
# cp resolved the path, then used it, and the daemon followed the link on
# the host). berth resolves every container path inside the container's root
# (openat2 RESOLVE_IN_ROOT), so at worst the link's target is looked up in
# the container, where the host path does not exist: a copy either reads
# and writes the container's own file or fails; the host canary directory
# is never read or written.

load helpers

setup_file() {
  sec_setup_file_plain
}

teardown_file() {
  sec_teardown_file
}

setup() {
  canary_reset
}

teardown() {
  sec_remove_containers
  rm -rf "$WORK"/out.* "$WORK"/in.*
}

# racer NAME: a container whose /work/dir (holding its own 'canary' file)
# trades places with a symlink to the host's canary directory for 20 s.
racer() {
  berth run -d --name "$1" plain sh -c "
    mkdir -p /work/dir && echo 'the container own file' >/work/dir/canary &&
    ln -s '$HOSTDIR' /work/link && exec /attack/swap /work/dir /work/link 20" >/dev/null
  local i
  for i in $(seq 50); do
    berth exec "$1" test -L /work/link -o -L /work/dir && return 0
    sleep 0.1
  done
  return 1
}

# stop_racer NAME: the swapping stops with the names as they were (swap exits
# on SIGTERM after an even number of exchanges) and the container exits.
stop_racer() {
  berth stop -t 10 "$1" >/dev/null
  [ "$(berth inspect -f '{{.State.ExitCode}}' "$1")" = 0 ]
}

@test "cp out of a container racing a symlink to a host directory never reads the host" {
  racer cpout
  local i got=0 ok=0
  for i in $(seq 150); do
    if berth cp "cpout:/work/dir/canary" "$WORK/out.$i" 2>/dev/null; then
      ok=$((ok + 1))
      if grep -qF "$CANARY_TEXT" "$WORK/out.$i"; then
        echo "copy $i read the host canary"
        got=$((got + 1))
      fi
    fi
    # the same through a tar stream on stdout
    berth cp "cpout:/work/dir" - 2>/dev/null | tar -xOf - 2>/dev/null | grep -qF "$CANARY_TEXT" &&
      { echo "tar copy $i read the host canary"; got=$((got + 1)); }
  done
  echo "# $ok of 150 plain copies succeeded during the race, $got read the host" >&3
  [ "$got" -eq 0 ]
  canary_intact
  # the race was run against copies that do work: with the race stopped
  # (the names as they were), the same copy gives the container's own file
  stop_racer cpout
  berth cp "cpout:/work/dir/canary" "$WORK/out.after"
  [ "$(cat "$WORK/out.after")" = "the container own file" ]
}

@test "cp into a container racing a symlink to a host directory never writes the host" {
  racer cpin
  local i
  printf 'written by berth cp\n' >"$WORK/in.file"
  mkdir -p "$WORK/in.dir" && printf 'written by berth cp\n' >"$WORK/in.dir/canary"
  for i in $(seq 150); do
    berth cp "$WORK/in.file" "cpin:/work/dir/canary" 2>/dev/null || true
    berth cp "$WORK/in.dir/." "cpin:/work/dir/" 2>/dev/null || true
  done
  canary_intact
  # nothing new appeared beside the canary either
  [ "$(ls "$HOSTDIR")" = canary ]
  # and the same copy works: with the race stopped it lands in the container
  stop_racer cpin
  berth cp "$WORK/in.file" "cpin:/work/dir/canary"
  [ "$(berth cp cpin:/work/dir/canary - | tar -xOf -)" = "written by berth cp" ]
  canary_intact
}
