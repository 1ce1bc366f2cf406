#!/usr/bin/env bats
# The config.json berth_specgen() makes, run by berth-runtime on a busybox
# rootfs and checked from inside the container: what `docker run` users see.

load helpers
bats_require_minimum_version 1.5.0

SPECGEN="$BERTH_BUILD/tests/unit/specgen-cli"
INIT="$BERTH_BUILD/cmd/berth-init/berth-init"

setup() {
  setup_runtime_test
  mkdir -p "$BUNDLE/rootfs"
  cp -a "$(busybox_rootfs)/." "$BUNDLE/rootfs/"
  cat >>"$BUNDLE/rootfs/etc/passwd" <<'EOF'
app:x:1000:1000:app:/home/app:/bin/sh
EOF
  cat >>"$BUNDLE/rootfs/etc/group" <<'EOF'
audio:x:29:app
app:x:1000:
EOF
}
teardown() { teardown_runtime_test; }

# gen BODY-JSON [specgen-cli options…]: $BUNDLE/config.json for that create body.
gen() {
  local body=$1
  shift
  printf '%s\n' "$body" >"$BUNDLE/body.json"
  "$SPECGEN" --id "$ID" "$@" "$BUNDLE/body.json" - "$BUNDLE/rootfs" >"$BUNDLE/config.json"
}

# cmd WORD…: a JSON array of the words.
cmd() {
  jq -nc '$ARGS.positional' --args -- "$@"
}

# status_of FIELD: FIELD's value in the container's /proc/self/status (in $output).
status_of() {
  printf '%s\n' "$output" | awk -v f="$1:" '$1 == f { print $2 }'
}

@test "default run: docker's capabilities, the seccomp filter, no no_new_privs" {
  gen "{\"Cmd\": $(cmd cat /proc/self/status)}"
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "$(status_of CapEff)" = 00000000a80425fb ]
  [ "$(status_of CapBnd)" = 00000000a80425fb ]
  [ "$(status_of CapInh)" = 0000000000000000 ]
  [ "$(status_of Seccomp)" = 2 ]
  [ "$(status_of NoNewPrivs)" = 0 ]
}

@test "busybox's everyday commands work under the default profile" {
  gen "{\"Cmd\": $(cmd sh -c '
    set -e
    ls / >/dev/null
    ps >/dev/null
    id
    date >/dev/null
    sleep 0.1
    mkdir -p /tmp/a/b
    echo hello >/tmp/a/b/f
    cat /tmp/a/b/f
    ln -s f /tmp/a/b/l && readlink /tmp/a/b/l
    chmod 600 /tmp/a/b/f && chown 1000:1000 /tmp/a/b/f
    wget --help 2>&1 | head -1 | cut -c1-7
    echo x | gzip | gunzip
    hostname
    sh -c "exit 0" &
    wait
    chroot / true
    nslookup -h >/dev/null 2>&1 || true
    echo done')}"
  run rt run --bundle "$BUNDLE" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "uid=0(root) gid=0(root) groups=0(root)" ]
  [ "${lines[1]}" = hello ]
  [ "${lines[2]}" = f ]
  [ "${lines[3]}" = BusyBox ]
  [ "${lines[4]}" = x ]
  [ "${lines[5]}" = "${ID:0:12}" ]
  [ "${lines[6]}" = done ]
}

@test "unshare and mount are refused; with CAP_SYS_ADMIN the profile lets them through" {
  gen "{\"Cmd\": $(cmd sh -c 'mkdir -p /tmp/m; unshare -m true; echo unshare=$?; mount -t tmpfs none /tmp/m; echo mount=$?')}"
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" == *"unshare=1"* ]]
  [[ "$output" == *"mount=1"* ]]
  [[ "$output" == *"Operation not permitted"* ]]
  gen "{\"Cmd\": $(cmd sh -c 'mkdir -p /tmp/m; unshare -m true; echo unshare=$?; mount -t tmpfs none /tmp/m; echo mount=$?'), \"HostConfig\": {\"CapAdd\": [\"SYS_ADMIN\"]}}"
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" == *"unshare=0"* ]]
  [[ "$output" == *"mount=0"* ]]
}

@test "masked paths are empty and /proc/sys is read-only" {
  gen "{\"Cmd\": $(cmd sh -c '
    for f in /proc/kcore /proc/keys /proc/timer_list /proc/interrupts /proc/sched_debug; do
      [ -e $f ] && echo "$f $(cat $f | wc -c)"
    done
    echo "/sys/firmware $(ls /sys/firmware | wc -l)"
    echo 1 >/proc/sys/kernel/panic 2>/dev/null && echo sys-written || echo sys-refused')}"
  run rt run --bundle "$BUNDLE" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"/proc/keys 0"* ]]
  [[ "$output" == *"/proc/timer_list 0"* ]]
  [[ "$output" == *"/sys/firmware 0"* ]]
  [[ "$output" == *sys-refused* ]]
  ! printf '%s\n' "$output" | grep -E '^/proc/[a-z_]+ [1-9]'
}

@test "-u app runs as the rootfs's app user with its groups; --group-add adds more" {
  gen "{\"Cmd\": $(cmd sh -c 'id; grep CapEff /proc/self/status'), \"User\": \"app\", \"HostConfig\": {\"GroupAdd\": [\"4242\"]}}"
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "uid=1000(app) gid=1000(app) groups=29(audio),1000(app),4242" ]
  # a non-root user keeps no capabilities after exec, as with docker
  [[ "${lines[1]}" == *0000000000000000 ]]
}

@test "-u with an unknown name fails before anything runs" {
  printf '{"Cmd": ["id"], "User": "nosuch"}\n' >"$BUNDLE/body.json"
  run "$SPECGEN" --id "$ID" "$BUNDLE/body.json" - "$BUNDLE/rootfs"
  [ "$status" -eq 1 ]
  [[ "$output" == *"unable to find user nosuch: no matching entries in passwd file"* ]]
}

@test "memory, cpu, pids and ulimit limits reach the container" {
  gen "{\"Cmd\": $(cmd sh -c '
    if [ -f /sys/fs/cgroup/memory.max ]; then
      cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; cut -d" " -f1 /sys/fs/cgroup/cpu.max
    else
      cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us
    fi
    ulimit -n; ulimit -Hn
    grep -c . /proc/self/oom_score_adj; cat /proc/self/oom_score_adj'), \"HostConfig\": {\"Memory\": 67108864, \"NanoCpus\": 500000000, \"PidsLimit\": 50, \"OomScoreAdj\": 300, \"Ulimits\": [{\"Name\": \"nofile\", \"Soft\": 512, \"Hard\": 1024}]}}"
  run rt run --bundle "$BUNDLE" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 67108864 ]
  [ "${lines[1]}" = 50 ]
  [ "${lines[2]}" = 50000 ]
  [ "${lines[3]}" = 512 ]
  [ "${lines[4]}" = 1024 ]
  [ "${lines[6]}" = 300 ]
}

@test "--cap-drop ALL --cap-add NET_ADMIN, no-new-privileges" {
  gen "{\"Cmd\": $(cmd cat /proc/self/status), \"HostConfig\": {\"CapDrop\": [\"ALL\"], \"CapAdd\": [\"net_admin\"], \"SecurityOpt\": [\"no-new-privileges\"]}}"
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "$(status_of CapEff)" = 0000000000001000 ]
  [ "$(status_of NoNewPrivs)" = 1 ]
  [ "$(status_of Seccomp)" = 2 ]
}

@test "--privileged: every capability, no seccomp, mount works" {
  gen "{\"Cmd\": $(cmd sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status; mkdir -p /tmp/m && mount -t tmpfs none /tmp/m && echo mounted; [ -c /dev/null ] && echo has-null'), \"HostConfig\": {\"Privileged\": true}}"
  run rt run --bundle "$BUNDLE" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(status_of Seccomp)" = 0 ]
  [ "$(status_of CapEff)" = "$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)" ]
  [[ "$output" == *mounted* ]]
  [[ "$output" == *has-null* ]]
}

@test "--read-only with a --tmpfs, binds rw and ro, a device" {
  mkdir -p "$BUNDLE/vol-rw" "$BUNDLE/vol-ro"
  echo from-host >"$BUNDLE/vol-ro/f"
  printf '[{"Type": "bind", "Source": "%s", "Destination": "/rw", "RW": true},
           {"Type": "volume", "Source": "%s", "Destination": "/ro", "RW": false}]\n' \
    "$BUNDLE/vol-rw" "$BUNDLE/vol-ro" >"$BUNDLE/mounts.json"
  gen "{\"Cmd\": $(cmd sh -c '
    touch /x 2>/dev/null && echo root-written || echo root-refused
    echo t >/run/t && echo run-written
    grep " /run " /proc/mounts | cut -d" " -f3,4
    echo w >/rw/f && echo rw-written
    cat /ro/f; (echo z >/ro/f) 2>/dev/null && echo ro-written || echo ro-refused
    echo data >/dev/mynull && echo dev-written'), \"HostConfig\": {\"ReadonlyRootfs\": true, \"Tmpfs\": {\"/run\": \"size=1m\"}, \"Devices\": [{\"PathOnHost\": \"/dev/null\", \"PathInContainer\": \"/dev/mynull\", \"CgroupPermissions\": \"rwm\"}]}}" \
    --mounts "$BUNDLE/mounts.json"
  run rt run --bundle "$BUNDLE" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = root-refused ]
  [ "${lines[1]}" = run-written ]
  [[ "${lines[2]}" == "tmpfs rw,nosuid,nodev,noexec"* ]]
  [ "${lines[3]}" = rw-written ]
  [ "${lines[4]}" = from-host ]
  [ "${lines[5]}" = ro-refused ]
  [ "${lines[6]}" = dev-written ]
  [ "$(cat "$BUNDLE/vol-rw/f")" = w ]
}

@test "--network none has only lo; --network host shares the host's" {
  gen "{\"Cmd\": $(cmd ls /sys/class/net), \"HostConfig\": {\"NetworkMode\": \"none\"}}"
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = lo ]
  gen "{\"Cmd\": $(cmd readlink /proc/self/ns/net), \"HostConfig\": {\"NetworkMode\": \"host\"}}"
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = "$(readlink /proc/self/ns/net)" ]
}

@test "--init: pid 1 is berth-init and the exit code passes through" {
  gen "{\"Cmd\": $(cmd sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; exit 42'), \"HostConfig\": {\"Init\": true}}" --init "$INIT"
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 42 ]
  [ "${lines[0]}" = "/sbin/docker-init -- sh -c cat /proc/1/cmdline | tr \"\\0\" \" \"; echo; exit 42 " ]
  gen "{\"Cmd\": [\"/no/such/cmd\"], \"HostConfig\": {\"Init\": true}}" --init "$INIT"
  run -127 rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 127 ]
  [[ "$output" == *"berth-init: cannot run '/no/such/cmd'"* ]]
}

@test "--init forwards SIGTERM to the command: killed by it, 128+15" {
  gen "{\"Cmd\": [\"sleep\", \"100\"], \"HostConfig\": {\"Init\": true}}" --init "$INIT"
  rt run --bundle "$BUNDLE" "$ID" &
  local runner=$!
  for i in $(seq 50); do [ "$(rt state "$ID" 2>/dev/null | jq -r .status)" = running ] && break; sleep 0.1; done
  sleep 0.2
  rt kill "$ID" TERM
  local st=0
  wait "$runner" || st=$?
  [ "$st" -eq 143 ]
}

@test "--init forwards signals a command handles" {
  gen "{\"Cmd\": $(cmd sh -c 'trap "exit 7" USR1; while :; do sleep 0.1; done'), \"HostConfig\": {\"Init\": true}}" --init "$INIT"
  rt run --bundle "$BUNDLE" "$ID" &
  local runner=$!
  for i in $(seq 50); do [ "$(rt state "$ID" 2>/dev/null | jq -r .status)" = running ] && break; sleep 0.1; done
  sleep 0.3
  rt kill "$ID" USR1
  local st=0
  wait "$runner" || st=$?
  [ "$st" -eq 7 ]
}

# An orphan's parent exits at once; the orphan ends 0.2 s later. Whoever is
# pid 1 must reap it, or it stays a zombie.
zombies_after_orphan() {
  gen "{\"Cmd\": $(cmd sh -c '(sleep 0.2 &); exec sleep 100'), \"HostConfig\": {\"Init\": $1}}" --init "$INIT"
  rt create --bundle "$BUNDLE" "$ID"
  rt start "$ID"
  sleep 1
  run rt exec "$ID" sh -c 'grep -l "^State:.*Z" /proc/[0-9]*/status | wc -l'
  rt kill "$ID" KILL
  for i in $(seq 50); do [ "$(rt state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.05; done
  rt delete "$ID"
}

@test "--init reaps an orphaned zombie (and without it the zombie stays)" {
  zombies_after_orphan true
  [ "$status" -eq 0 ]
  [ "$output" = 0 ]
  zombies_after_orphan false
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]
}
