# Shared helpers for berth's benchmarks (sourced). Benchmarks are measured,
# never asserted: they print figures for docs/PERFORMANCE.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
# A stripped release build: what users install, not the debug build tests use.
BENCH_BUILD=${BENCH_BUILD:-$TOP/build-bench}

bench_build() {
  if [ ! -f "$BENCH_BUILD/build.ninja" ]; then
    meson setup "$BENCH_BUILD" "$TOP" -Dbuildtype=release -Dstrip=true >/dev/null
  fi
  ninja -C "$BENCH_BUILD" >/dev/null
  RUNTIME="$BENCH_BUILD/cmd/berth-runtime/berth-runtime"
  strip "$RUNTIME" 2>/dev/null || true
}

# bench_bundle DIR: a busybox bundle running `true`, config from `runc spec`
# (the same file for every runtime; ociVersion 1.0.2 so crun 1.8 takes it).
bench_bundle() {
  local b=$1
  rm -rf "$b"
  mkdir -p "$b/rootfs"
  BERTH_BUILD=$BENCH_BUILD
  # shellcheck source=/dev/null
  source "$TOP/tests/integration/helpers.bash"
  cp -a "$(busybox_rootfs)/." "$b/rootfs/"
  (cd "$b" && runc spec)
  jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["true"]' \
    "$b/config.json" >"$b/config.json.new"
  mv "$b/config.json.new" "$b/config.json"
}

# alternate ROUNDS RUNS NAME CMD [NAME CMD ...]
# Runs hyperfine ROUNDS times over all commands (so they alternate through
# the whole measurement and share the machine's noise), pools every run's
# time per command, and prints "NAME median_ms mean_ms n".
# ALTERNATE_WARMUP: warm-up runs per command (2 unless set).
# ALTERNATE_OPTS (an array, optional): more hyperfine options, e.g. one
# --prepare per command to reset state outside the timing.
alternate() {
  local rounds=$1 runs=$2
  shift 2
  local names=() cmds=() tmp
  while [ $# -gt 0 ]; do names+=("$1"); cmds+=("$2"); shift 2; done
  tmp=$(mktemp -d)
  for r in $(seq "$rounds"); do
    hyperfine -N -w "${ALTERNATE_WARMUP:-2}" -r "$runs" ${ALTERNATE_OPTS[@]+"${ALTERNATE_OPTS[@]}"} \
      --export-json "$tmp/$r.json" "${cmds[@]}" >/dev/null 2>&1
  done
  for i in "${!names[@]}"; do
    jq -s --argjson i "$i" --arg n "${names[$i]}" -r '
      [.[].results[$i].times[]] | sort as $t | ($t | length) as $len |
      "\($n) \(($t[($len/2|floor)] * 1000 * 100 | round) / 100) \((($t | add) / $len * 1000 * 100 | round) / 100) \($len)"' \
      "$tmp"/*.json
  done
  rm -rf "$tmp"
}

# Run a command inside one private mount namespace without the hybrid
# cgroup2 mount, so crun 1.8 runs and every runtime sees the same host.
in_crun_ns() {
  unshare -m bash -c 'umount /sys/fs/cgroup/unified && exec "$@"' bash "$@"
}

# bench_with_docker: the bench build's berth in BERTH, and dockerd 20.10 on its
# own containerd, started in a temp dir by the compat suites' helpers and
# stopped when the script exits.
bench_with_docker() {
  bench_build
  BERTH="$BENCH_BUILD/cmd/berth/berth"
  BERTH_BUILD=$BENCH_BUILD
  BATS_TEST_DIRNAME="$TOP/tests/compat"
  # shellcheck source=/dev/null
  source "$TOP/tests/compat/compat-helpers.bash"
  set +e # the helpers test commands that may fail
  compat_setup_dir
  trap 'set +e; compat_teardown' EXIT
  compat_cgroups_note "$DOCKER_CG_PARENT"
  compat_start_containerd || exit 1
  compat_start_dockerd || exit 1
  set -e
}

# podman on a store of its own in $COMPAT_TMP/podman (PODT): runc, cgroupfs, its events and
# CNI networks in there too; sets CONTAINERS_CONF, CONTAINERS_STORAGE_CONF and podman_cmd.
bench_podman_setup() {
  PODT="$COMPAT_TMP/podman"
  mkdir -p "$PODT/net" "$PODT/tmp"
  cat >"$PODT/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODT/events.log"
tmp_dir = "$PODT/tmp"
[network]
network_config_dir = "$PODT/net"
EOF
  cat >"$PODT/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PODT/root"
runroot = "$PODT/runroot"
EOF
  export CONTAINERS_CONF="$PODT/containers.conf" CONTAINERS_STORAGE_CONF="$PODT/storage.conf"
  podman_cmd="podman --root $PODT/root --runroot $PODT/runroot"
}
