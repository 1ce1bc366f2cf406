#!/usr/bin/env bats
# make deb: the Debian package builds, holds the programs, units, man pages and
# completions, and its berth runs a container where the package is unpacked
# (dpkg-deb -x into a temp dir: this suite never dpkg -i's into the machine it
# runs on). lintian, when installed, reports no errors.

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

@test "package: lintian reports no errors" {
  command -v lintian >/dev/null || skip "lintian is not installed"
  run lintian "$DEB"
  echo "$output"
  ! grep -q '^E:' <<<"$output"
}
