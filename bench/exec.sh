#!/usr/bin/env bash
# `berth exec c true` against `docker exec c true` (dockerd 20.10 on its own
# containerd, both started here in a temp dir and stopped again): one running
# busybox container in each (`sleep 3600`, --network none), the same rootfs
# imported into both; the two commands alternate through every round
# (lib.sh's alternate). Issue 10's target: berth ≤ 1/10 of docker's time.
# EXEC_ROUNDS × EXEC_RUNS runs of each. Run as root.
source "$(dirname "$0")/lib.sh"

EXEC_ROUNDS=${EXEC_ROUNDS:-10}
EXEC_RUNS=${EXEC_RUNS:-10}

bench_with_docker
BERTH_ROOT="$COMPAT_TMP/berth-root"
BERTH_RUNROOT="$COMPAT_TMP/berth-run"
berth_cmd="$BERTH --root $BERTH_ROOT --runroot $BERTH_RUNROOT"
exec_teardown() {
  set +e
  $berth_cmd rm -f bx >/dev/null 2>&1
  compat_teardown
}
trap exec_teardown EXIT

tar -C "$(busybox_rootfs)" -cf "$COMPAT_TMP/busybox.tar" .
$berth_cmd import "$COMPAT_TMP/busybox.tar" busybox >/dev/null
docker import "$COMPAT_TMP/busybox.tar" busybox >/dev/null
$berth_cmd run -d --name bx --network none busybox sleep 3600 >/dev/null
docker run -d --name dx --network none busybox sleep 3600 >/dev/null

echo "## exec c true (ms: median mean n)"
alternate "$EXEC_ROUNDS" "$EXEC_RUNS" berth "$berth_cmd exec bx true" docker "docker exec dx true"
docker rm -f dx >/dev/null
