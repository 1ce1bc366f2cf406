#!/usr/bin/env bats
# berth-runtime as an OCI runtime: real namespaces, mounts and cgroups.

load helpers

setup() { setup_runtime_test; }
teardown() {
  # the propagation tests' host mounts go before the bundle they live in
  if [ -n "${PROP_DIR:-}" ] && mountpoint -q "$PROP_DIR"; then
    umount -R "$PROP_DIR" || umount -R -l "$PROP_DIR"
  fi
  teardown_runtime_test
}

# prop_source: PROP_SRC, a tmpfs marked rshared, on a shared tmpfs that
# stands for a host's shared mount (systemd makes / shared), both under a
# private tmpfs of their own so that nothing made here reaches any other mount.
prop_source() {
  PROP_DIR="$BUNDLE/prop"
  mkdir -p "$PROP_DIR"
  mount -t tmpfs -o size=1m berth-prop "$PROP_DIR"
  mount --make-private "$PROP_DIR"
  mkdir "$PROP_DIR/host"
  mount -t tmpfs -o size=1m berth-prop-host "$PROP_DIR/host"
  mount --make-shared "$PROP_DIR/host"
  PROP_SRC="$PROP_DIR/host/src"
  mkdir "$PROP_SRC"
  mount -t tmpfs -o size=1m berth-prop-src "$PROP_SRC"
  mount --make-rshared "$PROP_SRC"
  mkdir "$PROP_SRC/from-host" "$PROP_SRC/from-container"
}

# prop_container PROPAGATION [ROOTFS-PROPAGATION]: a container with
# $PROP_SRC bound on /mnt/prop with ["rbind", PROPAGATION], running.
prop_container() {
  make_bundle "$BUNDLE" sleep 1000
  local root=""
  [ -z "${2:-}" ] || root="| .linux.rootfsPropagation = \"$2\""
  # CAP_SYS_ADMIN to mount inside, as critest's privileged container has
  config_edit "$BUNDLE" ".process.capabilities |= map_values(. + [\"CAP_SYS_ADMIN\"]) | .mounts += [{\"destination\": \"/mnt/prop\", \"type\": \"bind\", \"source\": \"$PROP_SRC\", \"options\": [\"rbind\", \"$1\"]}] $root"
  rt create --bundle "$BUNDLE" "$ID"
  rt start "$ID"
}

# host_has MOUNTPOINT / container_has MOUNTPOINT: is it in that mount table?
host_has() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }
container_has() { rt exec "$ID" awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }

# Both directions through the bind, then every mount made undone.
prop_check() {
  local want_out=$1 want_in=$2
  # the runtime let go of the host's mounts without unmounting any of them
  host_has "$PROP_SRC"
  rt exec "$ID" mount -t tmpfs -o size=1m inner /mnt/prop/from-container
  mount -t tmpfs -o size=1m outer "$PROP_SRC/from-host"
  if [ "$want_out" = yes ]; then
    host_has "$PROP_SRC/from-container"
    rt exec "$ID" touch /mnt/prop/from-container/made-inside
    [ -e "$PROP_SRC/from-container/made-inside" ]
  else
    ! host_has "$PROP_SRC/from-container"
  fi
  if [ "$want_in" = yes ]; then
    container_has /mnt/prop/from-host
    touch "$PROP_SRC/from-host/made-outside"
    rt exec "$ID" test -e /mnt/prop/from-host/made-outside
  else
    ! container_has /mnt/prop/from-host
  fi
  umount "$PROP_SRC/from-host"
  ! container_has /mnt/prop/from-host
  if [ "$want_out" = yes ]; then
    # an unmount inside goes out the same way
    rt exec "$ID" umount /mnt/prop/from-container
    ! host_has "$PROP_SRC/from-container"
  fi
}

@test "run: the container has its own hostname and is pid 1" {
  make_bundle "$BUNDLE" sh -c 'hostname; echo pid=$$; cat /proc/1/cmdline | tr "\0" " "'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "berth-test" ]
  [ "${lines[1]}" = "pid=1" ]
  [[ "${lines[2]}" == "sh -c "* ]]
}

@test "run: the exit status passes through and the container is deleted" {
  make_bundle "$BUNDLE" sh -c 'exit 42'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 42 ]
  run rt state "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"does not exist"* ]]
}

@test "create, start, state, kill, delete follow the runtime spec's lifecycle" {
  make_bundle "$BUNDLE" sleep 1000
  config_edit "$BUNDLE" '.annotations = {"org.example/key": "a \"quoted\" value"}'
  rt create --bundle "$BUNDLE" --pid-file "$BUNDLE/pid" "$ID"
  run rt state "$ID"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .status)" = created ]
  [ "$(echo "$output" | jq -r '.annotations["org.example/key"]')" = 'a "quoted" value' ]
  pid=$(echo "$output" | jq -r .pid)
  [ "$pid" = "$(cat "$BUNDLE/pid")" ]
  [ "$(echo "$output" | jq -r .bundle)" = "$(realpath "$BUNDLE")" ]
  # created: the user process has not run yet; init waits
  [ "$(cat /proc/$pid/comm)" != sleep ]
  rt start "$ID"
  [ "$(rt state "$ID" | jq -r .status)" = running ]
  sleep 0.1
  [ "$(cat /proc/$pid/comm)" = sleep ]
  run rt start "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"it is running"* ]]
  run rt delete "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"running"* ]]
  rt kill "$ID" KILL
  for i in $(seq 50); do [ "$(rt state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.05; done
  [ "$(rt state "$ID" | jq -r .status)" = stopped ]
  rt delete "$ID"
  [ -z "$(cgroup_dirs_of "$ID")" ]
  [ ! -e "$RT_ROOT/$ID" ]
}

@test "kill accepts signal names and numbers, --all signals every process" {
  make_bundle "$BUNDLE" sh -c 'trap "echo got-usr1 > /tmp/sig" USR1; sleep 1000 & wait; sleep 1000 & wait'
  rt create --bundle "$BUNDLE" "$ID"
  rt start "$ID"
  sleep 0.2
  rt kill "$ID" SIGUSR1
  rt kill "$ID" 10
  run rt kill "$ID" NOSUCHSIG
  [ "$status" -ne 0 ]
  [[ "$output" == *"unknown signal"* ]]
  rt kill --all "$ID" KILL
  for i in $(seq 50); do [ "$(rt state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.05; done
  [ "$(rt state "$ID" | jq -r .status)" = stopped ]
}

@test "memory, pids and cpu limits land in the cgroup and the container sees them" {
  make_bundle "$BUNDLE" sh -c "$CG_IN_CONTAINER_LIMITS"
  config_edit "$BUNDLE" '.linux.resources = {"memory": {"limit": 33554432}, "pids": {"limit": 20}, "cpu": {"quota": 50000, "period": 100000}}'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 33554432 ]
  [ "${lines[1]}" = 20 ]
}

@test "zero cpu shares and blkio weight mean unset, as docker sends them" {
  # the kernel's defaults: cpu.shares 1024 on v1, cpu.weight 100 on v2
  make_bundle "$BUNDLE" sh -c 'cat /sys/fs/cgroup/cpu.weight 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.shares'
  config_edit "$BUNDLE" '.linux.resources = {"cpu": {"shares": 0}, "blockIO": {"weight": 0, "leafWeight": 0}}'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  if cgroup_v2_host; then [ "${lines[0]}" = 100 ]; else [ "${lines[0]}" = 1024 ]; fi
}

@test "create refuses a missing or non-executable binary, in runc's words" {
  make_bundle "$BUNDLE" /no/such/binary
  run rt create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"exec: '/no/such/binary': no such file or directory"* ]]
  config_edit "$BUNDLE" '.process.args = ["/etc/passwd"]'
  run rt create --bundle "$BUNDLE" "$ID-b"
  [ "$status" -ne 0 ]
  [[ "$output" == *"exec: '/etc/passwd': permission denied"* ]]
  config_edit "$BUNDLE" '.process.args = ["nosuch"]'
  run rt create --bundle "$BUNDLE" "$ID-c"
  [ "$status" -ne 0 ]
  [[ "$output" == *"executable file not found in \$PATH"* ]]
}

@test "a fork bomb stops at the pids limit" {
  # only shell builtins after the loop: fork fails once the limit is reached
  make_bundle "$BUNDLE" sh -c '(i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done) 2>/dev/null; read n < /sys/fs/cgroup/pids.current || read n < /sys/fs/cgroup/pids/pids.current; echo current=$n'
  config_edit "$BUNDLE" '.linux.resources = {"pids": {"limit": 10}}'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  n=$(echo "$output" | grep -o 'current=[0-9]*' | cut -d= -f2)
  [ "$n" -ge 5 ]
  [ "$n" -le 10 ]
}

@test "update changes limits of a running container" {
  make_bundle "$BUNDLE" sleep 1000
  config_edit "$BUNDLE" '.linux.resources = {"memory": {"limit": 33554432}}'
  rt create --bundle "$BUNDLE" "$ID"
  rt start "$ID"
  rt update --memory 64m --pids-limit 30 "$ID"
  pid=$(rt state "$ID" | jq -r .pid)
  [ "$(cgroup_read "$pid" memory memory.limit_in_bytes memory.max)" = 67108864 ]
  [ "$(cgroup_read "$pid" pids pids.max pids.max)" = 30 ]
}

@test "the init and an exec'd process are in the container's cgroup in every hierarchy" {
  make_bundle "$BUNDLE" sleep 1000
  rt create --bundle "$BUNDLE" "$ID"
  cg=$(jq -r .cgroup_path "$RT_ROOT/$ID/state.json")
  pid=$(rt state "$ID" | jq -r .pid)
  # one line per hierarchy (v1 controllers, name=systemd, the cgroup2 one; only
  # that one on a pure v2 host): all ours
  if cgroup_v2_host; then [ "$(grep -c . /proc/$pid/cgroup)" -eq 1 ]; else [ "$(grep -c . /proc/$pid/cgroup)" -ge 2 ]; fi
  run grep -v ":$cg\$" <(berth_cgroups "$pid")
  [ -z "$output" ]
  rt start "$ID"
  rt exec -d --pid-file "$BUNDLE/exec.pid" "$ID" sleep 999
  epid=$(cat "$BUNDLE/exec.pid")
  [ "$(cat /proc/$epid/comm)" = sleep ]
  run grep -v ":$cg\$" <(berth_cgroups "$epid")
  [ -z "$output" ]
  rt kill "$ID" KILL
}

@test "an exec'd process's cgroup namespace is rooted at the container's cgroup" {
  make_bundle "$BUNDLE" sleep 1000
  rt create --bundle "$BUNDLE" "$ID"
  rt start "$ID"
  # "0::/" on cgroup v2 (docker and podman's view); ":/" in every hierarchy on v1
  run rt exec "$ID" cat /proc/1/cgroup /proc/self/cgroup
  [ "$status" -eq 0 ]
  [ -n "$output" ]
  run grep -v ':/$' <<<"$output"
  [ -z "$output" ]
  if cgroup_v2_host; then
    run rt exec "$ID" cat /proc/self/cgroup
    [ "$output" = "0::/" ]
  fi
}

@test "the default capabilities are the only ones, inheritable and ambient empty" {
  make_bundle "$BUNDLE" grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  # runc spec's defaults: AUDIT_WRITE(29) KILL(5) NET_BIND_SERVICE(10)
  [[ "$output" == *"CapInh:	0000000000000000"* ]]
  [[ "$output" == *"CapPrm:	0000000020000420"* ]]
  [[ "$output" == *"CapEff:	0000000020000420"* ]]
  [[ "$output" == *"CapBnd:	0000000020000420"* ]]
  [[ "$output" == *"CapAmb:	0000000000000000"* ]]
}

@test "seccomp: a filter with errnoRet is in force (mode 2) and returns that errno" {
  make_bundle "$BUNDLE" sh -c 'grep Seccomp: /proc/self/status; mkdir /tmp/x 2>&1; echo rc=$?'
  config_edit "$BUNDLE" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Seccomp:	2"* ]]
  [[ "$output" == *"Permission denied"* ]]
  [[ "$output" == *"rc=1"* ]]
}

@test "user namespace: the container sees its uid map and is root inside" {
  make_bundle "$BUNDLE" sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u'
  chown -R 100000:100000 "$BUNDLE/rootfs"
  chmod 755 "$BUNDLE"  # the mapped root must be able to reach its rootfs
  config_edit "$BUNDLE" '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^\ +0\ +100000\ +65536$ ]]
  [[ "${lines[1]}" =~ ^\ +0\ +100000\ +65536$ ]]
  [ "${lines[2]}" = 0 ]
}

@test "masked and read-only paths, read-only root" {
  make_bundle "$BUNDLE" sh -c 'wc -c < /proc/keys; ls /sys/firmware | wc -l; { echo 1 > /proc/sys/kernel/domainname; } 2>/dev/null || echo ro-sys; touch /newfile 2>/dev/null || echo ro-root'
  config_edit "$BUNDLE" '.root.readonly = true'
  [ -e /proc/keys ] || skip "this kernel has no /proc/keys to mask"
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 0 ]
  [ "${lines[2]}" = ro-sys ]
  [ "${lines[3]}" = ro-root ]
}

@test "mounts: tmpfs with options, bind with ro, and /dev has the default nodes" {
  mkdir -p "$BUNDLE/share"
  echo from-host >"$BUNDLE/share/file"
  make_bundle "$BUNDLE" sh -c 'grep " /data " /proc/self/mounts; cat /mnt/share/file; { echo x > /mnt/share/y; } 2>/dev/null || echo ro-bind; ls /dev | tr "\n" " "'
  config_edit "$BUNDLE" ".mounts += [{\"destination\": \"/data\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\", \"size=1m\", \"mode=700\"]}, {\"destination\": \"/mnt/share\", \"type\": \"bind\", \"source\": \"$BUNDLE/share\", \"options\": [\"rbind\", \"ro\"]}]"
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "tmpfs /data tmpfs rw,nosuid,"*"size=1024k,mode=700"* ]]
  [ "${lines[1]}" = from-host ]
  [ "${lines[2]}" = ro-bind ]
  for d in null zero full random urandom tty ptmx pts shm fd stdin stdout stderr; do
    [[ " ${lines[3]} " == *" $d "* ]]
  done
  [ ! -e "$BUNDLE/share/y" ]
}

@test "a mount destination through a symlink stays inside the rootfs" {
  make_bundle "$BUNDLE" sh -c 'grep -c " /etc/berth-escape " /proc/self/mounts'
  ln -s /etc "$BUNDLE/rootfs/hostetc"
  config_edit "$BUNDLE" '.mounts += [{"destination": "/hostetc/berth-escape", "type": "tmpfs", "source": "tmpfs"}]'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1 ]
  [ ! -e /etc/berth-escape ]
  [ -d "$BUNDLE/rootfs/etc/berth-escape" ]
}

@test "no fd of the runtime leaks into the container" {
  make_bundle "$BUNDLE" sh -c 'ls /proc/self/fd | tr "\n" " "'
  run rt run --bundle "$BUNDLE" "$ID" 7>/dev/null 8</etc/hostname
  [ "$status" -eq 0 ]
  [ "$output" = "0 1 2 3 " ]
}

@test "--preserve-fds passes fds 3.. to the container" {
  make_bundle "$BUNDLE" sh -c 'cat <&3'
  echo preserved >"$BUNDLE/in"
  run rt run --preserve-fds 1 --bundle "$BUNDLE" "$ID" 3<"$BUNDLE/in"
  [ "$status" -eq 0 ]
  [ "$output" = preserved ]
}

@test "exec runs in the container's namespaces, with its exit status" {
  make_bundle "$BUNDLE" sleep 1000
  rt create --bundle "$BUNDLE" "$ID"
  rt start "$ID"
  run rt exec "$ID" sh -c 'hostname; cat /proc/1/comm; exit 3'
  [ "$status" -eq 3 ]
  # the stages' messages keep their order, however the two run (stage 2 overtaking stage 1's
  # report was "unexpected message 6")
  for i in $(seq 100); do
    rt exec --detach "$ID" true
  done
  [ "${lines[0]}" = berth-test ]
  [ "${lines[1]}" = sleep ]
  run rt exec --env FOO=bar --cwd /tmp "$ID" sh -c 'echo $FOO $(pwd)'
  [ "$output" = "bar /tmp" ]
  run rt exec "$ID" /no/such/binary
  [ "$status" -ne 0 ]
  [[ "$output" == *"/no/such/binary"* ]]
  echo '{"args": ["sh", "-c", "id -u"], "cwd": "/", "user": {"uid": 65534, "gid": 65534}}' >"$BUNDLE/p.json"
  run rt exec --process "$BUNDLE/p.json" "$ID"
  [ "$output" = 65534 ]
  # the process's oomScoreAdj; one out of range is an error before anything runs
  echo '{"args": ["cat", "/proc/self/oom_score_adj"], "cwd": "/", "oomScoreAdj": 321}' >"$BUNDLE/p.json"
  run rt exec --process "$BUNDLE/p.json" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = 321 ]
  echo '{"args": ["touch", "/tmp/oom-ran"], "cwd": "/", "oomScoreAdj": 5000}' >"$BUNDLE/p.json"
  run rt exec --process "$BUNDLE/p.json" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *oomScoreAdj* ]]
  run rt exec "$ID" test -e /tmp/oom-ran
  [ "$status" -ne 0 ]
  # execCPUAffinity: initial is the runtime's before it joins the container's cgroups (then
  # the kernel decides: older ones reset it to the cgroup's CPUs, newer ones keep it), final the
  # process's after it joined them; a bad list runs nothing
  first=$(taskset -pc $$ | sed 's/.*: //; s/[-,].*//')
  all=$(grep Cpus_allowed_list /proc/self/status | cut -f2)
  echo '{"args": ["grep", "Cpus_allowed_list", "/proc/self/status"], "cwd": "/", "execCPUAffinity": {"final": "'"$first"'"}}' >"$BUNDLE/p.json"
  run rt exec --process "$BUNDLE/p.json" "$ID"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | cut -f2)" = "$first" ]
  echo '{"args": ["grep", "Cpus_allowed_list", "/proc/self/status"], "cwd": "/", "execCPUAffinity": {"initial": "'"$first"'"}}' >"$BUNDLE/p.json"
  run rt exec --process "$BUNDLE/p.json" "$ID"
  [ "$status" -eq 0 ]
  got=$(echo "$output" | cut -f2)
  [ "$got" = "$first" ] || [ "$got" = "$all" ]
  echo '{"args": ["grep", "Cpus_allowed_list", "/proc/self/status"], "cwd": "/", "execCPUAffinity": {"initial": "'"$first"'", "final": "'"$all"'"}}' >"$BUNDLE/p.json"
  run rt exec --process "$BUNDLE/p.json" "$ID"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | cut -f2)" = "$all" ]
  echo '{"args": ["touch", "/tmp/cpus-ran"], "cwd": "/", "execCPUAffinity": {"final": "1-0"}}' >"$BUNDLE/p.json"
  run rt exec --process "$BUNDLE/p.json" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"execCPUAffinity.final: not a list of CPUs: '1-0'"* ]]
  run rt exec "$ID" test -e /tmp/cpus-ran
  [ "$status" -ne 0 ]
  rt exec --detach --pid-file "$BUNDLE/exec.pid" "$ID" sleep 500
  p=$(cat "$BUNDLE/exec.pid")
  [ "$(cat /proc/$p/comm)" = sleep ]
  run rt ps --format json "$ID"
  [[ "$output" == *"$p"* ]]
}

@test "pause freezes the container and resume thaws it" {
  make_bundle "$BUNDLE" sleep 1000
  rt create --bundle "$BUNDLE" "$ID"
  rt start "$ID"
  rt pause "$ID"
  [ "$(rt state "$ID" | jq -r .status)" = paused ]
  run rt list
  [[ "$output" == *"$ID"*paused* ]]
  rt resume "$ID"
  [ "$(rt state "$ID" | jq -r .status)" = running ]
  rt delete --force "$ID"
  [ -z "$(cgroup_dirs_of "$ID")" ]
}

@test "hooks run at their points with the state on stdin" {
  make_bundle "$BUNDLE" true
  for h in prestart createRuntime poststart poststop; do
    printf '#!/bin/sh\ncat > %s/%s.json\n' "$BUNDLE" "$h" >"$BUNDLE/$h.sh"
    chmod +x "$BUNDLE/$h.sh"
  done
  config_edit "$BUNDLE" ".hooks = {\"prestart\": [{\"path\": \"$BUNDLE/prestart.sh\"}], \"createRuntime\": [{\"path\": \"$BUNDLE/createRuntime.sh\"}], \"poststart\": [{\"path\": \"$BUNDLE/poststart.sh\"}], \"poststop\": [{\"path\": \"$BUNDLE/poststop.sh\"}]}"
  rt create --bundle "$BUNDLE" "$ID"
  [ "$(jq -r .id "$BUNDLE/createRuntime.json")" = "$ID" ]
  [ "$(jq -r .status "$BUNDLE/createRuntime.json")" = creating ]
  [ "$(jq -r .pid "$BUNDLE/prestart.json")" -gt 0 ]
  [ ! -e "$BUNDLE/poststart.json" ]
  rt start "$ID"
  [ "$(jq -r .status "$BUNDLE/poststart.json")" = running ]
  rt delete --force "$ID"
  [ "$(jq -r .status "$BUNDLE/poststop.json")" = stopped ]
}

@test "a failing hook aborts create and leaves nothing behind" {
  make_bundle "$BUNDLE" true
  config_edit "$BUNDLE" '.hooks = {"createRuntime": [{"path": "/bin/false"}]}'
  run rt create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"createRuntime hook '/bin/false' exited with status 1"* ]]
  [ ! -e "$RT_ROOT/$ID" ]
  [ -z "$(cgroup_dirs_of "$ID")" ]
}

@test "a hook that hangs is killed at its timeout" {
  make_bundle "$BUNDLE" true
  config_edit "$BUNDLE" '.hooks = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "100"], "timeout": 1}]}'
  run rt create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"timed out after 1 s"* ]]
  [ ! -e "$RT_ROOT/$ID" ]
}

@test "run: a SIGTERM while the container is being made waits for its process and goes to it; nothing is left" {
  # no pid namespace: the process is not an init, and SIGTERM's default action ends it
  make_bundle "$BUNDLE" sleep 100
  printf '#!/bin/sh\ntouch %s/hooked\nsleep 1\n' "$BUNDLE" >"$BUNDLE/slow.sh"
  chmod +x "$BUNDLE/slow.sh"
  config_edit "$BUNDLE" ".linux.namespaces |= map(select(.type != \"pid\")) | .hooks = {\"prestart\": [{\"path\": \"$BUNDLE/slow.sh\"}]}"
  "$RUNTIME" --root "$RT_ROOT" run --bundle "$BUNDLE" "$ID" &
  local pid=$! i rc=0
  for i in $(seq 500); do [ -e "$BUNDLE/hooked" ] && break; sleep 0.02; done
  [ -e "$BUNDLE/hooked" ]
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  # the container's process got it (143, as a shell says) and run removed the container
  [ "$rc" -eq 143 ]
  [ ! -e "$RT_ROOT/$ID" ]
  [ -z "$(cgroup_dirs_of "$ID")" ]
  ! pgrep -f "^sleep 100$" >/dev/null
}

@test "kill: a container still being made has no process to signal; nobody else is signalled" {
  # the run is stopped (SIGSTOP) at the moment its state says "creating" without a pid
  make_bundle "$BUNDLE" sleep 100
  local i n pid caught=0 out
  for i in $(seq 100); do
    "$RUNTIME" --root "$RT_ROOT" run --bundle "$BUNDLE" "$ID" >/dev/null 2>&1 &
    pid=$!
    for n in $(seq 2000); do
      kill -STOP "$pid" 2>/dev/null || break
      if grep -q '"pid":0,.*"creating":true' "$RT_ROOT/$ID/state.json" 2>/dev/null; then
        caught=1
        break
      fi
      kill -CONT "$pid"
      grep -q '"pid":[1-9]' "$RT_ROOT/$ID/state.json" 2>/dev/null && break
    done
    if [ "$caught" = 1 ]; then
      # kill(0) would signal the caller's whole process group
      out=$(setsid --wait sh -c "'$RUNTIME' --root '$RT_ROOT' kill '$ID' KILL 2>&1; echo survived \$?")
      kill -CONT "$pid"
    fi
    kill -CONT "$pid" 2>/dev/null || true
    # once it runs, its process goes (run then returns)
    for n in $(seq 500); do grep -q '"pid":[1-9]' "$RT_ROOT/$ID/state.json" 2>/dev/null && break; sleep 0.01; done
    "$RUNTIME" --root "$RT_ROOT" kill "$ID" KILL 2>/dev/null || true
    wait "$pid" || true
    [ "$caught" = 0 ] || break
  done
  echo "caught after $i runs: $out" >&3
  [ "$caught" = 1 ]
  [[ "$out" == *"has no process yet: it is creating"* ]]
  [[ "$out" == *"survived 1" ]]
  [ ! -e "$RT_ROOT/$ID" ]
}

@test "a terminal goes to the console socket" {
  make_bundle "$BUNDLE" sh -c 'tty; test -t 0 && echo stdin-is-tty'
  config_edit "$BUNDLE" '.process.terminal = true'
  "$RECVTTY" "$BUNDLE/tty.sock" >"$BUNDLE/tty.out" 2>/dev/null &
  recv=$!
  for i in $(seq 500); do [ -S "$BUNDLE/tty.sock" ] && break; sleep 0.02; done
  rt run --console-socket "$BUNDLE/tty.sock" --bundle "$BUNDLE" "$ID"
  wait $recv
  grep -q '^/dev/pts/0' "$BUNDLE/tty.out"
  grep -q 'stdin-is-tty' "$BUNDLE/tty.out"
}

@test "terminal without --console-socket is refused before anything is made" {
  make_bundle "$BUNDLE" true
  config_edit "$BUNDLE" '.process.terminal = true'
  run rt create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--console-socket is required"* ]]
  [ ! -e "$RT_ROOT/$ID" ]
}

@test "bad config.json: the error names the field and nothing is left" {
  make_bundle "$BUNDLE" true
  cp "$BUNDLE/config.json" "$BUNDLE/good.json"
  config_edit "$BUNDLE" '.linux.namespaces += [{"type": "foo"}]'
  run rt create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"linux.namespaces"*"foo"* ]]
  cp "$BUNDLE/good.json" "$BUNDLE/config.json"
  config_edit "$BUNDLE" '.process.args = "sh"'
  run rt create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"process.args"* ]]
  echo '{"ociVersion": "1.2.0", "root": ' >"$BUNDLE/config.json"
  run rt create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"JSON"* ]]
  [ ! -e "$RT_ROOT/$ID" ]
  [ -z "$(cgroup_dirs_of "$ID")" ]
}

@test "a missing executable fails create with a clear error, nothing left" {
  make_bundle "$BUNDLE" /bin/no-such-program
  run rt create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"no-such-program"* ]]
  [ ! -e "$RT_ROOT/$ID" ]
  [ -z "$(cgroup_dirs_of "$ID")" ]
  run rt create --bundle "$BUNDLE" "bad/id"
  [ "$status" -ne 0 ]
  [[ "$output" == *"invalid container id"* ]]
}

@test "an id in use is refused" {
  make_bundle "$BUNDLE" sleep 100
  rt create --bundle "$BUNDLE" "$ID"
  run rt create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"already exists"* ]]
  [ "$(rt state "$ID" | jq -r .status)" = created ]
}

@test "the runtime runs sealed: its exe cannot be written, the host binary is untouched" {
  make_bundle "$BUNDLE" true
  # A hook is a child of the runtime: it can see the runtime's exe as a
  # container process joining through exec could, and as root it tries harder.
  printf '#!/bin/sh\nreadlink /proc/$PPID/exe > %s/exe\n{ echo x >> /proc/$PPID/exe; } 2>/dev/null && echo WROTE >> %s/exe\nexit 0\n' "$BUNDLE" "$BUNDLE" >"$BUNDLE/hook.sh"
  chmod +x "$BUNDLE/hook.sh"
  config_edit "$BUNDLE" ".hooks = {\"createRuntime\": [{\"path\": \"$BUNDLE/hook.sh\"}]}"
  before=$(sha256sum "$RUNTIME" | cut -d" " -f1)
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  # its own directory through a read-only overlay that no tree holds — or,
  # where the binary's file system is read-only already (EROFS even for root,
  # as in the VM lane's guest), the binary itself
  exe=$(head -n1 "$BUNDLE/exe")
  if [ "$exe" != /berth-runtime ]; then
    [ "$exe" = "$(readlink -f "$RUNTIME")" ]
    findmnt -no OPTIONS -T "$RUNTIME" | tr , '\n' | grep -qx ro
  fi
  ! grep -q WROTE "$BUNDLE/exe"
  [ "$(sha256sum "$RUNTIME" | cut -d" " -f1)" = "$before" ]
}

@test "time namespace offsets shift the container's monotonic clock" {
  make_bundle "$BUNDLE" cat /proc/uptime
  config_edit "$BUNDLE" '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 86400, "nanosecs": 0}}'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  up=${output%%.*}
  host=$(cut -d. -f1 /proc/uptime)
  [ "$up" -ge $((host + 86000)) ]
}

@test "sysctl and rlimits are applied" {
  make_bundle "$BUNDLE" sh -c 'cat /proc/sys/net/ipv4/ip_forward; ulimit -n'
  config_edit "$BUNDLE" '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256}]'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1 ]
  [ "${lines[1]}" = 256 ]
}

@test "spec writes a config that runs; features describes the runtime" {
  run rt features
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .ociVersionMax)" = 1.2.0 ]
  echo "$output" | jq -e '.linux.namespaces | index("time")'
  run rt spec --bundle "$BUNDLE"
  [ "$status" -eq 0 ]
  run rt spec --bundle "$BUNDLE"
  [ "$status" -ne 0 ]
  [[ "$output" == *"exists"* ]]
}

@test "run and exec with a terminal and no console socket proxy the pty, as runc does" {
  make_bundle "$BUNDLE" sh -c 'tty; read x; echo got=$x; sleep 1000'
  config_edit "$BUNDLE" '.process.terminal = true'
  run timeout 20 script -qec "$RUNTIME --root $RT_ROOT run --detach --bundle $BUNDLE $ID" /dev/null </dev/null
  [ "$status" -ne 0 ]
  [[ "$output" == *"--console-socket is required"* ]]
  config_edit "$BUNDLE" '.process.args = ["sh", "-c", "tty; read x; echo got=$x"]'
  run timeout 20 script -qec "$RUNTIME --root $RT_ROOT run --bundle $BUNDLE $ID" /dev/null <<<"hello"
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"got=hello"* ]]
  config_edit "$BUNDLE" '.process.terminal = false | .process.args = ["sleep", "1000"]'
  rt create --bundle "$BUNDLE" "$ID-x"
  rt start "$ID-x"
  exec 5< <(exec sleep 60) # stdin held open: script turns EOF into ^D on the pty
  holder=$!
  run timeout 20 script -qec "$RUNTIME --root $RT_ROOT exec -t $ID-x sh -c 'tty; test -t 1 && echo out-is-tty'" /dev/null <&5
  exec 5<&-
  kill "$holder"
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/pts/"* ]]
  [[ "$output" == *"out-is-tty"* ]]
}

@test "seccomp notify: the fd and the container's state go to the listener, which answers" {
  make_bundle "$BUNDLE" sh -c 'mkdir /tmp/x 2>&1; echo rc=$?; test -d /tmp/x || echo not-created'
  config_edit "$BUNDLE" ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$BUNDLE/agent.sock\", \"listenerMetadata\": \"berth-test-meta\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
  "$SECCOMP_AGENT" "$BUNDLE/agent.sock" "$BUNDLE/agent.state" 38 &
  agent=$!
  # up to 10 s for the agent's socket (slow under emulation), and no waiting on
  # an agent that no runtime will connect to
  for i in $(seq 500); do [ -S "$BUNDLE/agent.sock" ] && break; sleep 0.02; done
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ] || kill $agent
  wait $agent
  [ "$status" -eq 0 ]
  [[ "$output" == *"Function not implemented"* ]]
  [[ "$output" == *"rc=1"* ]]
  [[ "$output" == *"not-created"* ]]
  [ "$(jq -r '.fds[0]' "$BUNDLE/agent.state")" = seccompFd ]
  [ "$(jq -r .metadata "$BUNDLE/agent.state")" = berth-test-meta ]
  [ "$(jq -r .state.id "$BUNDLE/agent.state")" = "$ID" ]
  [ "$(jq -r .pid "$BUNDLE/agent.state")" -gt 0 ]
}

@test "seccomp notify with no listener running: create fails cleanly" {
  make_bundle "$BUNDLE" true
  config_edit "$BUNDLE" ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$BUNDLE/nobody.sock\", \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
  run rt create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"listenerPath"*"nobody.sock"* ]]
  [ ! -e "$RT_ROOT/$ID" ]
  [ -z "$(cgroup_dirs_of "$ID")" ]
}

@test "--no-pivot runs the container with chroot instead of pivot_root" {
  make_bundle "$BUNDLE" sh -c 'hostname; echo $$; ls /'
  run rt run --no-pivot --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = berth-test ]
  [ "${lines[1]}" = 1 ]
  [[ "$output" != *"work"* ]]  # the host's root is not visible
}

@test "domainname, oomScoreAdj and personality are applied" {
  make_bundle "$BUNDLE" sh -c 'cat /proc/sys/kernel/domainname /proc/self/oom_score_adj; uname -m'
  config_edit "$BUNDLE" '.domainname = "berth.example" | .process.oomScoreAdj = 500 | .linux.personality = {"domain": "LINUX32"}'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = berth.example ]
  [ "${lines[1]}" = 500 ]
  [ "${lines[2]}" = i686 ]
}

@test "config devices are created with their numbers and mode, and the device cgroup allows them" {
  make_bundle "$BUNDLE" sh -c 'stat -c "%F %t,%T %a %u" /dev/berth-null; echo x > /dev/berth-null && echo write-ok'
  config_edit "$BUNDLE" '.linux.devices = [{"path": "/dev/berth-null", "type": "c", "major": 1, "minor": 3, "fileMode": 384, "uid": 0, "gid": 0}] | .linux.resources.devices = [{"allow": false, "access": "rwm"}]'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "character special file 1,3 600 0" ]
  [ "${lines[1]}" = write-ok ]
}

@test "the device cgroup denies what the config does not allow" {
  # even with CAP_MKNOD, the device cgroup refuses making (and using) /dev/mem
  make_bundle "$BUNDLE" sh -c 'mknod /dev/mem2 c 1 1 2>/dev/null || echo mknod-denied; echo x > /dev/null && echo null-ok'
  config_edit "$BUNDLE" '.linux.resources.devices = [{"allow": false, "access": "rwm"}] | .process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = mknod-denied ]
  [ "${lines[1]}" = null-ok ]
}

@test "createContainer runs in the container's mount namespace, startContainer inside the container" {
  make_bundle "$BUNDLE" sh -c 'cat /dev/shm/started'
  printf '#!/bin/sh\ngrep -q " %s " /proc/self/mountinfo && echo in-container-mntns > %s/cc.out\n' "$(realpath "$BUNDLE")/rootfs" "$BUNDLE" >"$BUNDLE/cc.sh"
  chmod +x "$BUNDLE/cc.sh"
  printf '#!/bin/sh\nstate=$(cat); echo "started $state" > /dev/shm/started\n' >"$BUNDLE/rootfs/sc.sh"
  chmod +x "$BUNDLE/rootfs/sc.sh"
  config_edit "$BUNDLE" ".hooks = {\"createContainer\": [{\"path\": \"$BUNDLE/cc.sh\"}], \"startContainer\": [{\"path\": \"/sc.sh\"}]}"
  run rt run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" == "started {"* ]]
  [[ "$output" == *"\"id\": \"$ID\""* ]]
  [[ "$output" == *"\"status\": \"created\""* ]]
  [ "$(cat "$BUNDLE/cc.out")" = in-container-mntns ]
}

@test "exec joins a container with its own user namespace" {
  make_bundle "$BUNDLE" sleep 1000
  chown -R 100000:100000 "$BUNDLE/rootfs"
  chmod 755 "$BUNDLE"
  config_edit "$BUNDLE" '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  rt create --bundle "$BUNDLE" "$ID"
  rt start "$ID"
  run rt exec "$ID" sh -c 'id -u; cat /proc/self/uid_map'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [[ "${lines[1]}" =~ ^\ +0\ +100000\ +65536$ ]]
}

@test "--log-format json writes runc-style JSON errors to the --log file" {
  make_bundle "$BUNDLE" /bin/no-such-program
  run "$RUNTIME" --root "$RT_ROOT" --log "$BUNDLE/log.json" --log-format json create --bundle "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  [ "$(jq -r .level "$BUNDLE/log.json")" = error ]
  [[ "$(jq -r .msg "$BUNDLE/log.json")" == *no-such-program* ]]
  jq -e '.time | test("^[0-9]{4}-")' "$BUNDLE/log.json"
  [[ "$output" == *no-such-program* ]]
}

@test "mount propagation and rootfsPropagation are applied" {
  # a shared mount of our own as the source, so propagation has something to show
  mkdir -p "$BUNDLE/src"
  mount --bind "$BUNDLE/src" "$BUNDLE/src"
  mount --make-shared "$BUNDLE/src"
  make_bundle "$BUNDLE" sh -c 'cat /proc/self/mountinfo'
  config_edit "$BUNDLE" ".linux.rootfsPropagation = \"shared\" | .root.readonly = false | .mounts += [{\"destination\": \"/mnt/slave\", \"type\": \"bind\", \"source\": \"$BUNDLE/src\", \"options\": [\"bind\", \"slave\"]}, {\"destination\": \"/mnt/private\", \"type\": \"bind\", \"source\": \"$BUNDLE/src\", \"options\": [\"bind\", \"private\"]}]"
  run rt run --bundle "$BUNDLE" "$ID"
  umount "$BUNDLE/src"
  [ "$status" -eq 0 ]
  root=$(echo "$output" | awk '$5 == "/"')
  slave=$(echo "$output" | awk '$5 == "/mnt/slave"')
  private=$(echo "$output" | awk '$5 == "/mnt/private"')
  [[ "$root" == *" shared:"* ]]
  [[ "$slave" == *" master:"* ]]
  [[ "$slave" != *" shared:"* ]]
  [[ "$private" != *" master:"* ]]
  [[ "$private" != *" shared:"* ]]
}

@test "an rshared bind propagates mounts both ways (rootfsPropagation rshared, as containerd sets)" {
  prop_source
  prop_container rshared rshared
  prop_check yes yes
}

@test "an rshared bind propagates mounts both ways (rootfsPropagation shared, as docker and berth set)" {
  prop_source
  prop_container rshared shared
  prop_check yes yes
}

@test "an rslave bind sees the host's mounts and keeps its own" {
  prop_source
  prop_container rslave rslave
  prop_check no yes
}

@test "an rprivate bind sees neither side's new mounts" {
  prop_source
  prop_container rprivate
  prop_check no no
}

@test "a custom cgroupsPath, cpusets and intelRdt (ignored here) work; events --stats reports usage" {
  make_bundle "$BUNDLE" sleep 1000
  config_edit "$BUNDLE" ".linux.cgroupsPath = \"/berth-test-custom/$ID\" | .linux.intelRdt = {\"closID\": \"x\"} | .linux.resources = {\"cpu\": {\"cpus\": \"0\"}, \"memory\": {\"limit\": 67108864}}"
  rt create --bundle "$BUNDLE" "$ID"
  rt start "$ID"
  [ -d "$(cgroup_root_of memory)/berth-test-custom/$ID" ]
  [ "$(cat "$(cgroup_root_of cpuset)/berth-test-custom/$ID/cpuset.cpus")" = 0 ]
  run rt exec "$ID" cat /proc/self/status
  [[ "$output" == *"Cpus_allowed_list:	0"* ]]
  run rt events --stats "$ID"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .type)" = stats ]
  [ "$(echo "$output" | jq -r .data.memory.usage.limit)" = 67108864 ]
  [ "$(echo "$output" | jq -r .data.memory.usage.usage)" -gt 0 ]
  [ "$(echo "$output" | jq -r .data.pids.current)" -ge 1 ]
  rt delete --force "$ID"
  [ ! -e "$(cgroup_root_of memory)/berth-test-custom/$ID" ]
  rmdir /sys/fs/cgroup/*/berth-test-custom 2>/dev/null || rmdir /sys/fs/cgroup/berth-test-custom
}

@test "a runtime killed mid-create leaves a stopped container that delete --force removes whole" {
  make_bundle "$BUNDLE" sleep 1000
  config_edit "$BUNDLE" '.hooks = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "30"]}]}'
  "$RUNTIME" --root "$RT_ROOT" create --bundle "$BUNDLE" "$ID" &
  rtpid=$!
  for i in $(seq 100); do [ -n "$(jq -r '.pid // 0' "$RT_ROOT/$ID/state.json" 2>/dev/null | grep -v '^0$')" ] && break; sleep 0.05; done
  init=$(jq -r .pid "$RT_ROOT/$ID/state.json")
  [ "$init" -gt 0 ]
  for i in $(seq 100); do hook=$(pgrep -P "$rtpid" -x sleep) && break; sleep 0.05; done
  [ -n "$hook" ]
  kill -9 "$rtpid"
  wait "$rtpid" || true
  kill -9 "$hook"   # the hook we made the runtime start, by its pid
  for i in $(seq 100); do kill -0 "$init" 2>/dev/null || break; sleep 0.05; done
  ! kill -0 "$init" 2>/dev/null   # the init saw its runtime go and exited
  [ "$(rt state "$ID" | jq -r .status)" = stopped ]
  rt delete --force "$ID"
  [ ! -e "$RT_ROOT/$ID" ]
  [ -z "$(cgroup_dirs_of "$ID")" ]
}
