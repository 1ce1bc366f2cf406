#!/usr/bin/env bats
# make deb: the Debian package builds, holds the programs, units, man pages and
# completions, and its berth runs a container where the package is unpacked
# (dpkg-deb -x into a temp dir: this suite never dpkg -i's into the machine it
# runs on). On a fresh Debian (mmdebstrap, in a chroot) apt installs it with
# what it depends on, it runs containers, and dpkg --purge leaves nothing.
# lintian reports no errors.

load helpers

setup_file() {
  command -v dpkg-buildpackage >/dev/null || skip "dpkg-buildpackage is not installed (dpkg-dev)"
  dpkg-query -W -f='${Status}' debhelper 2>/dev/null | grep -q 'install ok installed' ||
    skip "debhelper is not installed (scripts/install-deps)"
  DEB_OUT=$(mktemp -d /tmp/berth-deb.XXXXXX)
  export DEB_OUT
  "$BATS_TEST_DIRNAME/../../scripts/build-deb" "$DEB_OUT/out" >"$DEB_OUT/path"
}

teardown_file() {
  [ -n "${DEB_OUT:-}" ] && rm -rf "$DEB_OUT"
  true
}

setup() {
  setup_image_test
  DEB=$(grep '/berth_.*\.deb$' "$DEB_OUT/path")
}

teardown() { teardown_image_test; }

@test "package: contents" {
  run dpkg-deb -c "$DEB"
  for f in ./usr/bin/berth ./usr/bin/berth-runtime ./usr/libexec/berth/berth-monitor \
    ./usr/libexec/berth/berth-monitor-helper ./usr/libexec/berth/berth-init \
    ./usr/libexec/berth/berth-dns \
    ./usr/lib/systemd/system/berth-restart.service ./usr/share/man/man1/berth-run.1.gz \
    ./usr/share/man/man1/berth-runtime.1.gz ./usr/share/bash-completion/completions/berth; do
    [[ "$output" == *" $f"* ]] || { echo "missing $f"; false; }
  done
  dpkg-deb -f "$DEB" Depends | grep -q libarchive13
}

@test "package: the unpacked berth runs berth run --rm of an imported image" {
  x=$WORK/unpacked
  dpkg-deb -x "$DEB" "$x"
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  export BERTH_RUNROOT
  "$x/usr/bin/berth" import "$WORK/busybox.tar" bb >/dev/null
  run "$x/usr/bin/berth" run --rm bb echo from-package
  rm -rf "$BERTH_RUNROOT"
  [ "$status" -eq 0 ]
  [ "$output" = from-package ]
  [ -z "$("$x/usr/bin/berth" ps -aq)" ]
}

# fresh_files ROOT: every file of a system, but for what apt and dpkg keep of their own
# (their databases, caches and logs) and the mount points of the kernel's file systems.
fresh_files() {
  (cd "$1" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o \
    -path ./tmp -o -path ./var/lib/dpkg -o -path ./var/lib/apt -o -path ./var/cache -o \
    -path ./var/log -o -path ./etc/ld.so.cache \) -prune -o -printf '%y %m %p\n' | sort)
}

@test "package: on a fresh Debian, apt installs it and what it needs; it runs containers; dpkg --purge leaves nothing behind" {
  command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed (scripts/install-deps)"
  local fresh=$DEB_OUT/fresh suite
  suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
  mmdebstrap --variant=apt --mode=root "$suite" "$fresh" >"$DEB_OUT/mmdebstrap.log" 2>&1 ||
    { tail -20 "$DEB_OUT/mmdebstrap.log"; false; }
  fresh_files "$fresh" >"$WORK/before"
  cp "$DEB" "$fresh/var/cache/berth.deb"
  cp "$WORK/busybox.tar" "$fresh/var/cache/busybox.tar"
  # the chroot's own mounts, in a mount namespace of its own that goes with the script;
  # berth with its package's defaults (/var/lib/berth, /run/berth), not the suite's
  cat >"$WORK/in-fresh.sh" <<'SCRIPT'
set -eu
fresh=$1
mount --bind "$fresh" "$fresh" # a system's root is a mount (the runtime sets its propagation)
mount -t proc proc "$fresh/proc"
mount --rbind /sys "$fresh/sys"
mount --rbind /dev "$fresh/dev"
mount -t tmpfs tmpfs "$fresh/run"
mount -t tmpfs tmpfs "$fresh/tmp"
inside() { chroot "$fresh" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
apt_opts="-q -o Acquire::Check-Valid-Until=false -o Acquire::Check-Date=false"
inside apt-get $apt_opts update >/dev/null
inside apt-get $apt_opts install -y --no-install-recommends /var/cache/berth.deb >/dev/null
echo "installed: $(inside dpkg-query -W -f='${Status}' berth)"
inside berth import /var/cache/busybox.tar bb >/dev/null
inside berth run --rm bb echo from-a-fresh-system
inside berth run -d --name keep bb sleep 1000 >/dev/null
echo "running: $(inside berth ps --format '{{.Names}} {{.Status}}')"
ls "$fresh/usr/share/man/man1/berth-run.1.gz"
inside dpkg --purge berth >/dev/null
inside apt-get $apt_opts autoremove --purge -y >/dev/null
echo "after purge: $(inside dpkg-query -W -f='${Status}' berth 2>&1 || true)"
grep -F " $fresh/" /proc/self/mountinfo | awk '{print $5}' | grep -v -E "^$fresh(/(proc|sys|dev|run|tmp)(/.*)?)?$" || true
SCRIPT
  run unshare -m --propagation private sh "$WORK/in-fresh.sh" "$fresh"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"installed: install ok installed"* ]]
  [[ "$output" == *$'\nfrom-a-fresh-system\n'* ]]
  [[ "$output" == *"running: keep Up "* ]]
  [[ "$output" == *"$fresh/usr/share/man/man1/berth-run.1.gz"* ]]
  [[ "$output" == *"after purge: dpkg-query: no packages found matching berth"* ]]
  # no mount of berth's was left in the chroot, no process of the container runs
  [[ "${lines[-1]}" == "after purge: "* ]]
  ! pgrep -f '^sleep 1000$' >/dev/null
  # the system is file for file as it was before the package came
  rm "$fresh/var/cache/berth.deb" "$fresh/var/cache/busybox.tar"
  fresh_files "$fresh" >"$WORK/after"
  diff "$WORK/before" "$WORK/after"
}

@test "package: lintian reports no errors" {
  command -v lintian >/dev/null || skip "lintian is not installed"
  # its scratch files (an ELF database it leaves behind) in the test's own directory
  run env TMPDIR="$WORK" lintian "$DEB"
  echo "$output"
  ! grep -q '^E:' <<<"$output"
}
