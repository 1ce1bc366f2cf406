#!/usr/bin/env bash
# `berth images` with 500 images (issue #3: under 50 ms). The 500 images
# are real imports of a busybox rootfs under 500 tags (they share one layer,
# as images built on one base do). Measured, never asserted.
source "$(dirname "$0")/lib.sh"
bench_build
BERTH="$BENCH_BUILD/cmd/berth/berth"
root=$(mktemp -d /tmp/berth-bench-root.XXXXXX)
work=$(mktemp -d /tmp/berth-bench-work.XXXXXX)
trap 'rm -rf "$root" "$work"' EXIT
BERTH_BUILD=$BENCH_BUILD
source "$TOP/tests/integration/helpers.bash"
tar -C "$(busybox_rootfs)" -cf "$work/rootfs.tar" .
for i in $(seq 500); do
  "$BERTH" --root "$root" import "$work/rootfs.tar" "bench/app$i:v$i" >/dev/null
done
echo "images in the store: $("$BERTH" --root "$root" images -q | wc -l)"
echo "## berth images, 500 images (ms: median mean n)"
alternate 5 20 "berth images" "$BERTH --root $root images" \
  "berth images -q" "$BERTH --root $root images -q"
