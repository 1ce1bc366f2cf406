#!/usr/bin/env bash
# berth-runtime against crun and runc (issue #2's targets):
#  1. `run` of /bin/true in a busybox bundle: median wall time;
#  2. 100 sequential create+start+delete: total;
#  3. peak RSS of the runtime process during `create`.
# All inside one prepared mount namespace (see ../shared/reference/peers.md).
source "$(dirname "$0")/lib.sh"

if [ "${1:-}" != --inside ]; then
  bench_build
  BUNDLE=$(mktemp -d /tmp/berth-bench.XXXXXX)
  bench_bundle "$BUNDLE/b"
  export RUNTIME BUNDLE
  in_crun_ns "$0" --inside
  rc=$?
  rm -rf "$BUNDLE"
  exit $rc
fi

cd "$BUNDLE/b"
mkdir -p "$BUNDLE/roots/berth" "$BUNDLE/roots/crun" "$BUNDLE/roots/runc"
berth="$RUNTIME --root $BUNDLE/roots/berth"
crun="crun --root $BUNDLE/roots/crun"
runc="runc --root $BUNDLE/roots/runc"

echo "## run /bin/true (ms: median mean n)"
alternate 10 20 berth-runtime "$berth run b1" crun "$crun run c1" runc "$runc run r1"

for r in berth crun runc; do
  cat >"$BUNDLE/loop-$r.sh" <<LOOP
#!/bin/sh
for i in \$(seq 100); do
  ${!r} create c\$i </dev/null >/dev/null 2>&1 && ${!r} start c\$i && ${!r} delete --force c\$i || exit 1
done
LOOP
  chmod +x "$BUNDLE/loop-$r.sh"
done
echo "## 100 x create+start+delete (ms: median mean n)"
alternate 3 1 berth-runtime "$BUNDLE/loop-berth.sh" crun "$BUNDLE/loop-crun.sh" runc "$BUNDLE/loop-runc.sh"

echo "## peak RSS of create (KiB: median of 20)"
for r in berth crun runc; do
  for i in $(seq 20); do
    # time writes to a file: the created init keeps our stdio open
    /usr/bin/time -o "$BUNDLE/rss" -f %M ${!r} create m$i </dev/null >/dev/null 2>&1
    cat "$BUNDLE/rss"
    ${!r} delete --force m$i
  done | sort -n | awk -v n="$r" '{a[NR]=$1} END {print n, a[int((NR+1)/2)]}'
done
