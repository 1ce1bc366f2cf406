#!/usr/bin/env bats
# The caller's stdio through `exec` without a terminal.
#
# berth exec handed the CLI's own fds to the process in the container: the
# user's terminal, or the host file the output was redirected to. Through
# /proc/self/fd/N a process of the container (the image's binaries: the
# attacker's) could then chmod or chown that file (a setuid root file of the
# attacker's bytes), reopen it, or keep the terminal in a child left behind
# and read what the user types after exec returned. Docker's daemon streams an
# exec's stdio; berth now hands on only pipes, sockets and null devices, and
# relays anything else through pipes of its own. Each attempt chmods, chowns
# and reopens what fds 0-2 lead to; the host's files must be as they were.

load helpers

attempt='for f in 0 1 2; do chmod 4777 /proc/self/fd/$f; chown 4242 /proc/self/fd/$f; done 2>/dev/null; readlink /proc/self/fd/1; echo attempted'

# on_terminal [--stdin] berth ARGS...: berth with its stdout and stderr (and stdin with --stdin,
# else /dev/null) on a new pty; prints "CODE MODE-BEFORE MODE-AFTER UID-BEFORE UID-AFTER" of
# the pty, then what it showed (read until EOF: until no process holds the pty).
on_terminal() {
  local stdin=0
  [ "$1" = --stdin ] && { stdin=1; shift; }
  shift # "berth": the build's binary
  python3 - "$stdin" "$BERTH_BUILD/cmd/berth/berth" "$@" <<'PY'
import os, pty, subprocess, sys
stdin, cmd = sys.argv[1] == "1", sys.argv[2:]
m, s = pty.openpty()
before = os.fstat(s)
p = subprocess.run(cmd, stdin=s if stdin else subprocess.DEVNULL, stdout=s, stderr=s)
after = os.fstat(s)
os.close(s)
out = b""
while True:
    try:
        d = os.read(m, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
print(p.returncode, oct(before.st_mode), oct(after.st_mode), before.st_uid, after.st_uid)
print(out.decode(errors="replace"))
PY
}

# after `run on_terminal`: it succeeded, the pty kept its mode and owner, the attempt ran
# and saw a pipe
terminal_untouched() {
  echo "$output"
  [ "$status" -eq 0 ]
  read -r code mode_before mode_after uid_before uid_after <<<"${lines[0]}"
  [ "$code" = 0 ]
  [ "$mode_before" = "$mode_after" ]
  [ "$uid_before" = "$uid_after" ]
  [[ "$output" == *"pipe:["* ]]
  [[ "$output" == *attempted* ]]
}

setup_file() {
  sec_setup_file_plain
}

teardown_file() {
  sec_teardown_file
}

setup() {
  canary_reset
  berth run -d --name target plain sleep 300 >/dev/null
}

teardown() {
  sec_remove_containers
}

@test "exec with its output in a host file: the file keeps its mode and owner, the process saw a pipe" {
  berth exec target sh -c "$attempt" >>"$CANARY"
  # the process's output arrived, and the canary's mode and owner are its own
  grep -q '^pipe:' "$CANARY"
  grep -q '^attempted$' "$CANARY"
  [ "$(stat -c '%a %u' "$CANARY")" = "$CANARY_MODE 0" ]
  # stdin from a host file (-i): the same
  canary_reset
  run berth exec -i target sh -c "cat; $attempt" <"$CANARY"
  [[ "$output" == *"$CANARY_TEXT"* ]]
  [[ "$output" == *attempted* ]]
  canary_intact
}

@test "exec from a terminal: the process holds a pipe, never the user's terminal" {
  # a child left behind that would keep the terminal and read from it after exec returns
  run on_terminal --stdin berth exec target sh -c "$attempt; (sleep 2 </proc/self/fd/1 &) ; true"
  terminal_untouched
  # (the terminal's master read EOF above: no process of the container held its slave)
}

@test "exec -d: the detached process holds none of the caller's fds" {
  exec 7>>"$CANARY"
  berth exec -d target sh -c "$attempt >/tmp/seen 2>&1; ls -l /proc/self/fd >>/tmp/seen" >&7 2>&7
  exec 7>&-
  sleep 1
  run berth exec target cat /tmp/seen
  [[ "$output" == *attempted* ]]
  [[ "$output" != *"$CANARY"* ]]
  canary_intact
}

@test "a Dockerfile's RUN built from a terminal (--progress=plain): the step holds a pipe, the terminal keeps its mode and owner" {
  mkdir -p "$WORK/ctx"
  printf 'FROM plain\nRUN %s\n' "$attempt" >"$WORK/ctx/Dockerfile"
  run on_terminal berth build --no-cache --progress=plain --network=none -t stdio-run "$WORK/ctx"
  terminal_untouched
  rm -rf "$WORK/ctx"
}
