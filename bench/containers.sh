#!/usr/bin/env bash
# Containers from an image, end to end, against docker 20.10 (dockerd +
# containerd, runc) and podman 4.3 (conmon, runc) — issue 5's targets:
#  1. `run --rm busybox true`: median wall time, berth ≤ 1/8 of each peer;
#  2. N_SEQ containers `run -d` one after the other: total, berth ≤ 1/8 of
#     docker;
#  3. memory of N_IDLE idle containers (`run -d busybox sleep 3600`): the
#     per-container supervisor (berth-monitor < 1 MB; conmon, containerd-shim)
#     and all of it (berth: 200 containers under 300 MB);
#  4. where berth's `run --rm` time goes, phase by phase (perf, if there).
# Every engine gets `--network none` (dockerd runs with --bridge=none) and the
# same busybox rootfs, imported into each. Everything lives in one temp dir:
# containerd and dockerd are started here on their own sockets and roots
# (../tests/compat/compat-helpers.bash), podman gets its own --root/--runroot
# and a containers.conf in $CONTAINERS_CONF; every engine's containers go in a
# cgroup parent of their own. All of it is stopped, unmounted and removed
# again on exit. Run as root. Prints markdown-ready lines.
source "$(dirname "$0")/lib.sh"

N_IDLE=${N_IDLE:-200}
N_SEQ=${N_SEQ:-100}
RUN_ROUNDS=${RUN_ROUNDS:-10}
RUN_RUNS=${RUN_RUNS:-10}
SEQ_ROUNDS=${SEQ_ROUNDS:-3}
# SECTIONS: which of the four below to run, e.g. SECTIONS=1,4 (all by default)
SECTIONS=${SECTIONS:-1,2,3,4}
section() { case ",$SECTIONS," in *",$1,"*) return 0 ;; esac; return 1; }

bench_build
BERTH_BUILD=$BENCH_BUILD
BATS_TEST_DIRNAME="$TOP/tests/compat"
# shellcheck source=/dev/null
source "$TOP/tests/compat/compat-helpers.bash"
set +e # the helpers test commands that may fail
compat_setup_dir
SUFFIX=${COMPAT_TMP##*.}
BERTH_CG="bench-berth-$SUFFIX"
PODMAN_CG="bench-podman-$SUFFIX"
# Unique names: removed whole on exit. Shared names (podman's conmon parent,
# berth's default parent): only removed, and only if empty, when they were
# not there before us.
compat_cgroups_note "$DOCKER_CG_PARENT" "$BERTH_CG" "$PODMAN_CG"
SHARED_CG=()
for h in /sys/fs/cgroup/*/; do
  for d in libpod_parent/conmon libpod_parent berth; do
    [ -d "$h$d" ] || SHARED_CG+=("$h$d")
  done
done

# --- berth ---------------------------------------------------------------
BERTH_ROOT="$COMPAT_TMP/berth-root"
BERTH_RUNROOT="$COMPAT_TMP/berth-run"
export BERTH_ROOT BERTH_RUNROOT
BERTH_BIN="$BENCH_BUILD/cmd/berth/berth"
berth_cmd="$BERTH_BIN --root $BERTH_ROOT --runroot $BERTH_RUNROOT"
berth_run="$berth_cmd run --network none --cgroup-parent /$BERTH_CG"

# --- podman --------------------------------------------------------------
bench_podman_setup
podman_run="$podman_cmd run --network none --cgroup-parent /$PODMAN_CG"

# --- docker --------------------------------------------------------------
docker_run="docker run --network none"

# Removes every container of one engine (ours only: our roots, our daemon).
rm_berth() {
  local ids
  ids=$($berth_cmd ps -aq --no-trunc 2>/dev/null)
  [ -z "$ids" ] || $berth_cmd rm -f $ids >/dev/null 2>&1
}
rm_docker() {
  local ids
  ids=$(docker ps -aq 2>/dev/null)
  [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1
}
rm_podman() {
  $podman_cmd rm -a -f -t 0 >/dev/null 2>&1
}

bench_teardown() {
  set +e
  local p m c
  trap - EXIT INT TERM
  if [ -d "$BERTH_ROOT" ]; then
    rm_berth
    for p in $(pgrep -f "berth-monitor.* $BERTH_ROOT/"); do kill -KILL "$p"; done
  fi
  if [ -d "$PODT/root" ]; then
    rm_podman
    $podman_cmd rmi -a -f >/dev/null 2>&1
    for p in $(pgrep -f "conmon .*$PODT/"); do kill -KILL "$p"; done
  fi
  for m in $(findmnt -rn -o TARGET | grep -F "$COMPAT_TMP/" | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  compat_teardown # dockerd, containerd, shims, mounts, our cgroups, the dir
  for c in "${SHARED_CG[@]}"; do
    [ -d "$c" ] && rmdir "$c" 2>/dev/null
  done
}
trap bench_teardown EXIT
trap 'exit 130' INT TERM

compat_start_containerd || exit 1
compat_start_dockerd || exit 1

# The same busybox rootfs, imported into each engine.
tar -C "$(busybox_rootfs)" -cf "$COMPAT_TMP/busybox.tar" .
$berth_cmd import "$COMPAT_TMP/busybox.tar" busybox >/dev/null || exit 1
docker import "$COMPAT_TMP/busybox.tar" busybox >/dev/null || exit 1
# podman's import writes a blob-info cache under /var/lib/containers whatever
# --root says: give it a throwaway one in a private mount namespace.
if [ -d /var/lib/containers ]; then
  unshare -m sh -c 'mount -t tmpfs tmpfs /var/lib/containers && exec "$@"' sh \
    $podman_cmd import -q "$COMPAT_TMP/busybox.tar" busybox >/dev/null || exit 1
else
  $podman_cmd import -q "$COMPAT_TMP/busybox.tar" busybox >/dev/null || exit 1
  rm -rf /var/lib/containers
fi
for e in berth docker podman; do
  r="${e}_run"
  ${!r} --rm busybox true || { echo "$e cannot run a container" >&2; exit 1; }
done

set -e
echo "# $(date -u +%F), $(nproc) cores, kernel $(uname -r); docker $(dockerd --version | awk '{print $3}' | tr -d ,)" \
  "($DOCKER_DRIVER), podman $(podman --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}'); --network none everywhere"

# ratio NAME_A NAME_B FILE TARGET: "A/B = x (target ≤ TARGET: met|not met)"
ratio() {
  awk -v a="$1" -v b="$2" -v t="$4" '
    $1 == a {x = $2} $1 == b {y = $2}
    END {r = x / y; printf "- %s / %s = %.3f (%.1fx faster; target <= %.3f: %s)\n", a, b, r, y / x, t, (r <= t ? "met" : "not met")}' "$3"
}

OUT=$COMPAT_TMP/out
mkdir -p "$OUT"

# --- 1. run --rm -----------------------------------------------------------
if section 1; then
echo "## 1. run --rm busybox true (ms: median mean n)"
alternate "$RUN_ROUNDS" "$RUN_RUNS" \
  berth "$berth_run --rm busybox true" \
  docker "$docker_run --rm busybox true" \
  podman "$podman_run --rm busybox true" | tee "$OUT/run"
ratio berth docker "$OUT/run" 0.125
ratio berth podman "$OUT/run" 0.125

fi
# --- 2. N_SEQ x run -d, one after the other ---------------------------------
if section 2; then
for e in berth docker podman; do
  r="${e}_run"
  cat >"$COMPAT_TMP/seq-$e.sh" <<LOOP
#!/bin/sh
for i in \$(seq $N_SEQ); do
  ${!r} -d busybox sleep 3600 >/dev/null || exit 1
done
LOOP
  chmod +x "$COMPAT_TMP/seq-$e.sh"
done
echo "## 2. $N_SEQ x run -d busybox sleep 3600, in a row (ms: median mean n)"
# each loop starts with none of its engine's containers (removed outside the timing)
ALTERNATE_OPTS=(
  --prepare "sh -c 'ids=\$($berth_cmd ps -aq --no-trunc); [ -z \"\$ids\" ] || $berth_cmd rm -f \$ids >/dev/null'"
  --prepare "sh -c 'ids=\$(docker ps -aq); [ -z \"\$ids\" ] || docker rm -f \$ids >/dev/null'"
  --prepare "sh -c '$podman_cmd rm -a -f -t 0 >/dev/null'")
alternate "$SEQ_ROUNDS" 1 berth "$COMPAT_TMP/seq-berth.sh" docker "$COMPAT_TMP/seq-docker.sh" \
  podman "$COMPAT_TMP/seq-podman.sh" | tee "$OUT/seq"
ALTERNATE_OPTS=()
ratio berth docker "$OUT/seq" 0.125
ratio berth podman "$OUT/seq" 0.125
rm_berth
rm_docker
rm_podman

fi
# --- 3. memory of N_IDLE idle containers -----------------------------------
if section 3; then
kib() { awk -v k="$1" '$1 == k":" {print $2}' "$2"; }
mem_available() { kib MemAvailable /proc/meminfo; }
# cg_mem CGROUP FILE: a memory cgroup file (v1 name) in KiB; v2: memory.current
# for usage, nothing for kmem. CGROUP is a path from the hierarchy's root.
cg_mem() {
  local v1="/sys/fs/cgroup/memory$1/$2" v2="/sys/fs/cgroup$1/memory.current"
  if [ -r "$v1" ]; then
    echo $(($(cat "$v1") / 1024))
  elif [ "$2" = memory.usage_in_bytes ] && [ -r "$v2" ]; then
    echo $(($(cat "$v2") / 1024))
  else
    echo 0
  fi
}
# The memory cgroup this script runs in: the supervisors and daemons started
# here are charged to it, with the page cache and kernel objects they make.
OWN_CG=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
[ -n "$OWN_CG" ] || OWN_CG=$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)
smaps() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null; }
uss() { awk '$1 == "Private_Clean:" || $1 == "Private_Dirty:" {s += $2} END {print s + 0}' "/proc/$1/smaps_rollup" 2>/dev/null; }
med() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)] + 0}'; }
sum() { awk '{s += $1} END {print s + 0}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.2f MiB", k / 1024}'; }
supervisors() {
  case $1 in
  berth) pgrep -f "berth-monitor.* $BERTH_ROOT/" ;;
  docker) our_shims | sort -u ;;
  podman) pgrep -f "conmon .*$PODT/" ;;
  esac
}
declare -A M
echo "## 3. memory of $N_IDLE idle containers (run -d busybox sleep 3600), one engine at a time"
for e in berth docker podman; do
  r="${e}_run"
  case $e in
  berth) cg="/$BERTH_CG" daemons="" ;;
  docker) cg="/$DOCKER_CG_PARENT" daemons="$DOCKERD_PID $CTD_PID" ;;
  podman) cg="/$PODMAN_CG" daemons="" ;;
  esac
  sleep 2
  avail0=$(mem_available)
  own0=$(cg_mem "$OWN_CG" memory.usage_in_bytes)
  ownk0=$(cg_mem "$OWN_CG" memory.kmem.usage_in_bytes)
  d0=$(for p in $daemons; do smaps "$p" Pss; done | sum)
  t0=$(date +%s.%N)
  for i in $(seq "$N_IDLE"); do
    ${!r} -d busybox sleep 3600 >/dev/null
  done
  t1=$(date +%s.%N)
  sleep 5
  sup=$(supervisors $e)
  n=$(echo "$sup" | grep -c .)
  [ "$n" -eq "$N_IDLE" ] || echo "warning: $n supervisors of $e for $N_IDLE containers" >&2
  ctr=$(for p in $sup; do pgrep -P "$p"; done)
  M[$e,n]=$n
  M[$e,rss]=$(for p in $sup; do smaps "$p" Rss; done | med)
  M[$e,pss]=$(for p in $sup; do smaps "$p" Pss; done | med)
  M[$e,uss]=$(for p in $sup; do uss "$p"; done | med)
  M[$e,psssum]=$(for p in $sup; do smaps "$p" Pss; done | sum)
  M[$e,ctr]=$(for p in $ctr; do smaps "$p" Pss; done | sum)
  M[$e,cg]=$(cg_mem "$cg" memory.usage_in_bytes)
  M[$e,cgk]=$(cg_mem "$cg" memory.kmem.usage_in_bytes)
  M[$e,daemons]=$(($(for p in $daemons; do smaps "$p" Pss; done | sum) - d0))
  M[$e,own]=$(($(cg_mem "$OWN_CG" memory.usage_in_bytes) - own0))
  M[$e,ownk]=$(($(cg_mem "$OWN_CG" memory.kmem.usage_in_bytes) - ownk0))
  M[$e,total]=$((M[$e,own] + M[$e,cg]))
  M[$e,avail]=$((avail0 - $(mem_available)))
  M[$e,time]=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f s", b - a}')
  rm_$e
done
row() {
  local label=$1 key=$2 fmt=${3:-mib} e line="| $1 |"
  for e in berth docker podman; do
    if [ "$fmt" = mib ]; then line+=" $(mib "${M[$e,$key]}") |"; else line+=" ${M[$e,$key]} |"; fi
  done
  echo "$line"
}
echo "| per engine, $N_IDLE idle containers | berth (berth-monitor) | docker (containerd-shim-runc-v2) | podman (conmon) |"
echo "|---|---|---|---|"
row "supervisors found" n raw
row "supervisor VmRSS, median" rss
row "supervisor Pss, median" pss
row "supervisor private (USS), median" uss
row "supervisors' Pss, sum" psssum
row "containers' processes (sleep) Pss, sum" ctr
row "containers' cgroup parent: usage (podman puts its conmons there too)" cg
row "… of which kernel (kmem)" cgk
row "daemons' Pss growth (dockerd + containerd)" daemons
row "this script's cgroup growth (berth-monitors; shims, dockerd, containerd; page cache, kernel objects)" own
row "… of which kernel (kmem)" ownk
row "**total: script's cgroup growth + containers' cgroups**" total
row "MemAvailable drop (whole machine, noisy)" avail
row "time to start them one after the other" time raw

fi
# --- 4. where berth's `run --rm` time goes ---------------------------------
if section 4; then
# perf's scheduler and syscall tracepoints on the process tree only (not
# system-wide); tracing costs a few ms per run, so the total is above the
# figure of section 1.
if command -v perf >/dev/null; then
  echo "## 4. berth run --rm busybox true, phase by phase (perf record, 30 runs 50 ms apart)"
  perf record -q -o "$OUT/perf.data" \
    -e sched:sched_process_exec,sched:sched_process_fork,sched:sched_process_exit \
    -e syscalls:sys_enter_unshare,syscalls:sys_enter_pivot_root \
    -- sh -c "for i in \$(seq 30); do $berth_run --rm busybox true; sleep 0.05; done" >/dev/null 2>&1
  perf script -i "$OUT/perf.data" 2>/dev/null | perl "$TOP/bench/run-phases.pl"
fi
fi
