#!/usr/bin/env bash
# berth against itself at another commit: `run --rm busybox true`, `exec
# c true` in a running container and `berth-runtime run` of a bundle (runc's
# default config: masked paths, devices, seccomp-less), both builds
# alternating in one hyperfine run — for changes that must cost nothing (e.g. the breakout fixes: "no
# slower than now, within noise").
#   bench/against-ref.sh REF      (default REF: HEAD~1)
# Both are stripped release builds; each gets its own root, runroot, image
# and cgroup parent, all removed on exit. Run as root. Prints medians (ms).
source "$(dirname "$0")/lib.sh"

REF=${1:-HEAD~1}
ROUNDS=${ROUNDS:-10}
RUNS=${RUNS:-10}

bench_build
NEW_BUILD=$BENCH_BUILD
TMP=$(mktemp -d /tmp/berth-against.XXXXXX)
OLD_SRC="$TMP/src"
OLD_BUILD="$TMP/build"
cleanup() {
  local b
  for b in old new; do
    [ -x "$TMP/$b.berth" ] || continue
    "$TMP/$b.berth" --root "$TMP/$b-root" --runroot "$TMP/$b-run" rm -f "bench-$b" >/dev/null 2>&1
  done
  git -C "$TOP" worktree remove --force "$OLD_SRC" >/dev/null 2>&1
  for b in old new; do
    [ -d "/sys/fs/cgroup/unified/bench-ref-$b" ] && rmdir "/sys/fs/cgroup/unified/bench-ref-$b"
    for h in /sys/fs/cgroup/*/bench-ref-$b; do [ -d "$h" ] && rmdir "$h"; done
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

git -C "$TOP" worktree add --detach "$OLD_SRC" "$REF" >/dev/null 2>&1
meson setup "$OLD_BUILD" "$OLD_SRC" -Dbuildtype=release -Dstrip=true >/dev/null
ninja -C "$OLD_BUILD" >/dev/null
echo "old: $(git -C "$TOP" rev-parse --short "$REF")  new: $(git -C "$TOP" rev-parse --short HEAD)$(git -C "$TOP" diff --quiet || echo '+changes')"

bench_bundle "$TMP/bundle"
BERTH_BUILD=$NEW_BUILD
rootfs=$(busybox_rootfs)
cmds=()
for b in old new; do
  build=$NEW_BUILD
  [ $b = old ] && build=$OLD_BUILD
  # The helpers the CLI finds beside itself: keep each build's own.
  ln -sf "$build/cmd/berth/berth" "$TMP/$b.berth"
  c="$build/cmd/berth/berth --root $TMP/$b-root --runroot $TMP/$b-run"
  tar -C "$rootfs" -c . | $c import -c 'CMD ["sh"]' - busybox >/dev/null
  $c run -d --name "bench-$b" --network none --cgroup-parent "/bench-ref-$b" busybox sleep 3600 >/dev/null
  cmds+=("run-$b" "$c run --rm --network none --cgroup-parent /bench-ref-$b busybox true")
  cmds+=("exec-$b" "$c exec bench-$b true")
  cmds+=("runtime-$b" "$build/cmd/berth-runtime/berth-runtime --root $TMP/$b-rt run --bundle $TMP/bundle rt-$b")
done
echo "name median_ms mean_ms n"
alternate "$ROUNDS" "$RUNS" "${cmds[@]}"
