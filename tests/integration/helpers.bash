# Shared setup for berth's bats suites. Each test file gets throwaway state
# and bundle dirs; every container, cgroup and mount made is removed again.

BERTH_BUILD=${BERTH_BUILD:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build}
RUNTIME="$BERTH_BUILD/cmd/berth-runtime/berth-runtime"
RECVTTY="$BERTH_BUILD/tests/unit/recvtty"

# A busybox rootfs, made once per machine from Debian's busybox-static.
busybox_rootfs() {
  local dir=${BERTH_TEST_CACHE:-/var/tmp/berth-test-cache}/busybox-rootfs
  if [ ! -x "$dir/bin/busybox" ]; then
    local tmp="$dir.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"/{bin,etc,proc,sys,dev,tmp,root,var}
    cp /bin/busybox "$tmp/bin/busybox"
    local a
    for a in $("$tmp/bin/busybox" --list); do
      [ "$a" = busybox ] || ln -sf busybox "$tmp/bin/$a"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$tmp/etc/passwd"
    echo 'root:x:0:' >"$tmp/etc/group"
    chmod 1777 "$tmp/tmp"
    rm -rf "$dir"
    mv "$tmp" "$dir"
  fi
  echo "$dir"
}

# make_bundle DIR ARGS...: a bundle whose rootfs is a copy of the shared
# busybox rootfs (or of $BUNDLE_ROOTFS) and whose config comes from
# `berth-runtime spec`, with terminal off.
make_bundle() {
  local b=$1 src=${BUNDLE_ROOTFS:-}
  shift
  [ -n "$src" ] || src=$(busybox_rootfs)
  mkdir -p "$b/rootfs"
  cp -a "$src/." "$b/rootfs/"
  (cd "$b" && "$RUNTIME" spec)
  local args
  args=$(jq -nc '$ARGS.positional' --args -- "$@")
  config_edit "$b" ".process.terminal = false | .process.args = $args | .hostname = \"berth-test\""
}

# config_edit BUNDLE JQ-FILTER
config_edit() {
  local f="$1/config.json"
  jq "$2" "$f" >"$f.new" && mv "$f.new" "$f"
}

rt() {
  "$RUNTIME" --root "$RT_ROOT" "$@"
}

setup_runtime_test() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  RT_ROOT=$(mktemp -d /tmp/berth-rt-root.XXXXXX)
  BUNDLE=$(mktemp -d /tmp/berth-bundle.XXXXXX)
  ID="bt-$$-${BATS_TEST_NUMBER}"
  export RT_ROOT BUNDLE ID
  # berth's parent cgroup (/berth) is left alone if it was there before us.
  BERTH_CG_PREEXISTED=0
  [ -d /sys/fs/cgroup/memory/berth ] || [ -d /sys/fs/cgroup/berth ] && BERTH_CG_PREEXISTED=1
  export BERTH_CG_PREEXISTED
}

teardown_runtime_test() {
  local id
  if [ -n "${RT_ROOT:-}" ] && [ -d "$RT_ROOT" ]; then
    for id in $(ls "$RT_ROOT" 2>/dev/null); do
      rt delete --force "$id" >/dev/null 2>&1 || true
    done
    rm -rf "$RT_ROOT"
  fi
  [ -n "${BUNDLE:-}" ] && rm -rf "$BUNDLE"
  if [ "${BERTH_CG_PREEXISTED:-1}" = 0 ]; then
    rmdir /sys/fs/cgroup/*/berth /sys/fs/cgroup/berth 2>/dev/null || true
  fi
  true
}

# cgroup_v2_host: true on a pure cgroup v2 host (only cgroup2, at /sys/fs/cgroup)
cgroup_v2_host() {
  [ -f /sys/fs/cgroup/cgroup.controllers ]
}

# berth_cgroups PID: the lines of /proc/PID/cgroup of the hierarchies berth uses: all but
# the unified one ("0::") where no cgroup2 is mounted (a v1-only layout: the kernel lists
# it anyway, and nothing there is berth's).
berth_cgroups() {
  if grep -q ' - cgroup2 ' /proc/self/mountinfo; then
    cat "/proc/$1/cgroup"
  else
    grep -v '^0::' "/proc/$1/cgroup"
  fi
}

# cgroup_dir PID CONTROLLER: the host directory that holds CONTROLLER's files
# for PID's cgroup, asked of /proc/PID/cgroup: the cgroup2 path on a pure v2
# host, the controller's v1 hierarchy on a v1 or hybrid one.
cgroup_dir() {
  local pid=$1 ctrl=$2
  if cgroup_v2_host; then
    echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
  else
    echo "/sys/fs/cgroup/$ctrl$(awk -F: -v c="$ctrl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) { print $3; exit } }' "/proc/$pid/cgroup")"
  fi
}

# cgroup_read PID CONTROLLER V1FILE V2FILE: one of PID's cgroup files, by its
# name in the layout this host has (memory memory.limit_in_bytes memory.max).
cgroup_read() {
  local d
  d=$(cgroup_dir "$1" "$2")
  if cgroup_v2_host; then cat "$d/$4"; else cat "$d/$3"; fi
}

# cgroup_root_of CONTROLLER: where CONTROLLER's hierarchy is mounted
cgroup_root_of() {
  if cgroup_v2_host; then echo /sys/fs/cgroup; else echo "/sys/fs/cgroup/$1"; fi
}

# In a container that mounts its own cgroup view at /sys/fs/cgroup: a shell
# snippet that prints its memory limit, pids limit and cpu quota (v1 or v2).
CG_IN_CONTAINER_LIMITS='if [ -f /sys/fs/cgroup/memory.max ]; then cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; cut -d" " -f1 /sys/fs/cgroup/cpu.max; else cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us; fi'

# Every cgroup directory berth made for id, in any hierarchy.
cgroup_dirs_of() {
  find /sys/fs/cgroup -maxdepth 4 -type d -name "$1" 2>/dev/null
}
SECCOMP_AGENT="$BERTH_BUILD/tests/unit/seccomp-agent"

# For the image suites: a throwaway BERTH_ROOT and WORK dir, and a busybox
# rootfs tar at $WORK/busybox.tar.
setup_image_test() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  BERTH_ROOT=$(mktemp -d /tmp/berth-root.XXXXXX)
  WORK=$(mktemp -d /tmp/berth-work.XXXXXX)
  export BERTH_ROOT WORK
  tar -C "$(busybox_rootfs)" -cf "$WORK/busybox.tar" .
}

# The builder's step suites (build-step-cli): setup_image_test, a runroot for
# berth-runtime, $STEP, and a copy of the busybox rootfs in $WORK/rootfs to edit
# before it is imported.
setup_build_step_test() {
  setup_image_test
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  export BERTH_RUNROOT
  export BERTH_RUNTIME="$BERTH_BUILD/cmd/berth-runtime/berth-runtime"
  STEP="$BERTH_BUILD/tests/unit/build-step-cli"
  cp -a "$(busybox_rootfs)" "$WORK/rootfs"
}

# For the `berth build` suites: the image roots, a BERTH_RUNROOT, a busybox
# image and an empty context directory CTX, whose Dockerfile dockerfile() writes.
setup_build_test() {
  setup_image_test
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  export BERTH_RUNROOT
  berth import -c 'CMD ["sh"]' "$WORK/busybox.tar" busybox >/dev/null
  CTX=$WORK/ctx
  mkdir -p "$CTX"
}

# For suites that need a store and a run root of their own (no container made).
setup_engine_test() {
  setup_image_test
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  export BERTH_RUNROOT
}

teardown_engine_test() {
  remove_berth_runroot
  [ -n "${BERTH_ROOT:-}" ] && remove_berth_network_leftovers
  teardown_image_test
}

# dockerfile TEXT: the build context's Dockerfile.
dockerfile() {
  printf '%s\n' "$1" >"$CTX/Dockerfile"
}

teardown_image_test() {
  [ -n "${BERTH_ROOT:-}" ] && rm -rf "$BERTH_ROOT"
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
  true
}

berth() {
  "$BERTH_BUILD/cmd/berth/berth" "$@"
}

# wait_until SECONDS CMD...: retry CMD every 0.2 s until it succeeds.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# Everything in the store (files and database rows), to compare before and
# after something that must leave it as it was. Not layers/l/: the short links
# a layer's first overlay mount makes on kernels without "lowerdir+" (before
# 6.8, as Debian 12's 6.1) belong to the layer and go with it.
store_state() {
  (cd "$BERTH_ROOT" && find blobs layers -mindepth 2 -maxdepth 2 -not -path 'layers/l/*' | sort)
  sqlite3 "$BERTH_ROOT/berth.db" 'SELECT id, manifest, top_layer FROM images ORDER BY id; SELECT name, image FROM tags ORDER BY name; SELECT image, idx, chain_id, diff_id, blob FROM image_layers ORDER BY image, idx;'
}

# Remove every container of this BERTH_ROOT, then make sure nothing of ours
# stays mounted or running (a test that failed half-way may leave both),
# and remove BERTH_RUNROOT.
remove_berth_containers() {
  if [ -n "${BERTH_ROOT:-}" ] && [ -x "$BERTH_BUILD/cmd/berth/berth" ]; then
    for c in $(berth ps -aq --no-trunc 2>/dev/null); do berth rm -f "$c" >/dev/null 2>&1; done
  fi
  if [ -n "${BERTH_ROOT:-}" ]; then
    grep -F " $BERTH_ROOT/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null || true; done
    for p in $(pgrep -f "berth-monitor.*$BERTH_ROOT" || true); do kill -9 "$p" 2>/dev/null; done
    remove_berth_network_leftovers
  fi
  remove_berth_runroot
}

# BERTH_RUNROOT removed, with the network namespaces a failed test left mounted there (and
# the netns directory's bind of itself).
remove_berth_runroot() {
  if [ -n "${BERTH_RUNROOT:-}" ]; then
    grep -F " $BERTH_RUNROOT/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null || true; done
    umount -l "$BERTH_RUNROOT/netns" 2>/dev/null || true
    rm -rf "$BERTH_RUNROOT"
  fi
  true
}

# The suffix berth gives the names of a root's bridge and table (engine_net_suffix):
# "-" and the FNV-1a hash of the root's path, in hex.
berth_net_suffix() {
  python3 -c 'import sys
h = 2166136261
for b in sys.argv[1].encode():
    h = ((h ^ b) * 16777619) & 0xffffffff
print("-%08x" % h)' "$1"
}

# This root's default bridge, its networks' bridges and its table, if a failed test left
# them (berth removes them with the last container on them). Only names this root made.
remove_berth_network_leftovers() {
  local sfx
  sfx=$(berth_net_suffix "$BERTH_ROOT")
  ip link del "berth0$sfx" 2>/dev/null || true
  if [ -f "$BERTH_ROOT/berth.db" ]; then
    local br
    for br in $(sqlite3 "$BERTH_ROOT/berth.db" "SELECT coalesce(json_extract(config, '\$.Options.\"com.docker.network.bridge.name\"'), 'br-' || substr(id, 1, 12)) FROM networks WHERE json_extract(config, '\$.Driver') = 'bridge' AND name != 'bridge'" 2>/dev/null); do
      ip link del "$br" 2>/dev/null || true
    done
  fi
  nft delete table inet "berth$sfx" 2>/dev/null || true
  true
}

# How many mounts there are under BERTH_ROOT.
mounts_under_root() {
  grep -cF " $BERTH_ROOT/" /proc/self/mountinfo || true
}

# import_net_image [IMPORT-FLAGS...]: the image "img" of the network suites, busybox with
# udp-echo in /bin and /www/index.html saying "hello from the container"; flags go to
# `berth import` after its CMD (e.g. -c 'EXPOSE 80/tcp').
import_net_image() {
  cp -a "$(busybox_rootfs)" "$WORK/rootfs"
  cp "$BERTH_BUILD/tests/unit/udp-echo" "$WORK/rootfs/bin/"
  mkdir -p "$WORK/rootfs/www"
  echo "hello from the container" >"$WORK/rootfs/www/index.html"
  tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
  berth import -c 'CMD ["sh"]' "$@" "$WORK/busybox.tar" img >/dev/null
}

# udp_ping ADDR PORT: a datagram to ADDR:PORT (IPv4 or IPv6), tried up to 5 times a second
# apart; prints the first answer.
udp_ping() {
  python3 -c 'import socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for _ in range(5):
    s.sendto(b"ping over udp", (addr, port))
    try:
        print(s.recv(100).decode()); break
    except socket.timeout:
        pass' "$1" "$2"
}
