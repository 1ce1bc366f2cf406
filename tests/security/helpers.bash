# Shared setup for the breakout attempts in tests/security. Each file gets a
# throwaway BERTH_ROOT, BERTH_RUNROOT and WORK dir (made in setup_file), a
# host directory HOSTDIR holding the canary the attacks aim at, and the
# attack programs of attack/*.c compiled static (cached per machine by the
# hash of their sources) and put into images the tests make.

load ../integration/helpers
bats_require_minimum_version 1.5.0

ATTACK_SRC="$BATS_TEST_DIRNAME/attack"
# The canary's bytes and mode: what the host must still have after every attempt.
CANARY_TEXT='berth security canary: a host file no container may read or change'
CANARY_MODE=640

# attack_bin NAME: the static binary of attack/NAME.c (compiled once per machine).
attack_bin() {
  local name=$1 cache=${BERTH_TEST_CACHE:-/var/tmp/berth-test-cache}/security sum
  sum=$(cat "$ATTACK_SRC/$name.c" "$ATTACK_SRC"/*.h | sha256sum | cut -c1-16)
  local bin="$cache/$name-$sum"
  if [ ! -x "$bin" ]; then
    mkdir -p "$cache"
    gcc -static -O2 -Wall -Werror -o "$bin.tmp.$$" "$ATTACK_SRC/$name.c" || return 1
    mv "$bin.tmp.$$" "$bin"
  fi
  echo "$bin"
}

# For setup_file: the roots, the host canary dir, the attack programs in a
# busybox rootfs at $WORK/attack-rootfs and its tar at $WORK/attack.tar.
sec_setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  command -v gcc >/dev/null || skip "gcc missing (scripts/install-deps)"
  [[ "$(gcc -print-file-name=libc.a)" == /* ]] || skip "no static libc for gcc -static (libc6-dev)"
  BERTH_ROOT=$(mktemp -d /tmp/berth-root.XXXXXX)
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  WORK=$(mktemp -d /tmp/berth-work.XXXXXX)
  HOSTDIR=$(mktemp -d /tmp/berth-sec.XXXXXX)
  CANARY=$HOSTDIR/canary
  export BERTH_ROOT BERTH_RUNROOT WORK HOSTDIR CANARY
  local rootfs=$WORK/attack-rootfs p
  cp -a "$(busybox_rootfs)" "$rootfs"
  mkdir -p "$rootfs/attack" "$rootfs/work"
  for p in cwd devrace exesteal fdsteal swap; do
    cp "$(attack_bin "$p")" "$rootfs/attack/$p"
  done
  tar -C "$rootfs" -cf "$WORK/attack.tar" .
}

# sec_setup_file_plain: sec_setup_file, and the attack rootfs as the image "plain".
sec_setup_file_plain() {
  sec_setup_file
  berth import -c 'CMD ["sh"]' "$WORK/attack.tar" plain >/dev/null
}

# sec_rt_root: a fresh $RT_ROOT under $WORK for the berth-runtime attempts.
sec_rt_root() {
  RT_ROOT=$WORK/rt-root
  mkdir -p "$RT_ROOT"
  export RT_ROOT
}

sec_teardown_file() {
  remove_berth_containers
  [ -n "${BERTH_ROOT:-}" ] && rm -rf "$BERTH_ROOT"
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
  [ -n "${HOSTDIR:-}" ] && rm -rf "$HOSTDIR"
  true
}

# For setup: a fresh canary.
canary_reset() {
  rm -f "$CANARY"
  printf '%s\n' "$CANARY_TEXT" >"$CANARY"
  chmod "$CANARY_MODE" "$CANARY"
}

# canary_intact: the host's canary has its bytes and mode, as a user checks.
canary_intact() {
  cmp "$CANARY" <(printf '%s\n' "$CANARY_TEXT") || {
    echo "host canary $CANARY changed: $(head -c 200 "$CANARY")"
    return 1
  }
  [ "$(stat -c %a "$CANARY")" = "$CANARY_MODE" ] || {
    echo "host canary $CANARY has mode $(stat -c %a "$CANARY"), not $CANARY_MODE"
    return 1
  }
}

# For teardown: every container of this file's root goes, with anything of
# theirs still mounted; the roots themselves stay for the next test.
sec_remove_containers() {
  local c
  for c in $(berth ps -aq --no-trunc 2>/dev/null); do berth rm -f "$c" >/dev/null 2>&1; done
  grep -F " $BERTH_ROOT/containers/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  true
}

# For tests that use berth-runtime on bundles: delete every container of $RT_ROOT.
rt_remove_all() {
  local id
  [ -n "${RT_ROOT:-}" ] && [ -d "$RT_ROOT" ] || return 0
  for id in $(ls "$RT_ROOT" 2>/dev/null); do
    [ -d "$RT_ROOT/$id" ] && rt delete --force "$id" >/dev/null 2>&1
  done
  true
}

# attack_bundle DIR ARGS...: a berth-runtime bundle whose rootfs is the
# attack rootfs (busybox and /attack/*).
attack_bundle() {
  BUNDLE_ROOTFS=$WORK/attack-rootfs make_bundle "$@"
}

# rt_run_attempt, rt_create_start_attempt: one berth-runtime run, or create +
# start + wait + delete, of the bundle in $WORK/bundle; its output on stdout.
rt_run_attempt() {
  cd "$WORK/bundle" && "$RUNTIME" --root "$RT_ROOT" run "rt-$RANDOM" 2>&1
}

rt_create_start_attempt() {
  local id=rtc-$RANDOM i
  (cd "$WORK/bundle" && "$RUNTIME" --root "$RT_ROOT" create "$id" >"$WORK/rt.out" 2>&1) || {
    cat "$WORK/rt.out"
    return 1
  }
  rt start "$id" 2>&1 || return 1
  for i in $(seq 50); do
    [ "$(rt state "$id" | jq -r .status)" = stopped ] && break
    sleep 0.1
  done
  rt delete "$id"
  cat "$WORK/rt.out"
}

# image_add_healthcheck SRC DST TEST-JSON [INTERVAL-NS]: DST is SRC with a
# HEALTHCHECK in its config, made the way an image from elsewhere brings
# one: saved, its config edited, loaded again (import -c has no HEALTHCHECK).
image_add_healthcheck() {
  local src=$1 dst=$2 test=$3 interval=${4:-100000000}
  local d cfg h
  d=$(mktemp -d "$WORK/hc.XXXXXX")
  berth save -o "$d/in.tar" "$src" || return 1
  mkdir "$d/x" && tar -C "$d/x" -xf "$d/in.tar" || return 1
  cfg=$(jq -r '.[0].Config' "$d/x/manifest.json")
  jq -c --argjson t "$test" --argjson i "$interval" \
    '.config.Healthcheck = {Test: $t, Interval: $i, Timeout: 10000000000, Retries: 3}' \
    "$d/x/$cfg" >"$d/config.json" || return 1
  h=$(sha256sum "$d/config.json" | cut -d' ' -f1)
  rm -f "$d/x/$cfg" "$d/x/repositories"
  mv "$d/config.json" "$d/x/$h.json"
  jq -c --arg c "$h.json" --arg t "$dst" '.[0].Config = $c | .[0].RepoTags = [$t]' \
    "$d/x/manifest.json" >"$d/m.json" && mv "$d/m.json" "$d/x/manifest.json"
  tar -C "$d/x" -cf "$d/out.tar" . && berth load -i "$d/out.tar" >/dev/null
  local rc=$?
  rm -rf "$d"
  return $rc
}

# wait_log C TEXT [TENTHS]: wait until container C's log has TEXT.
wait_log() {
  local i
  for i in $(seq "${3:-100}"); do
    berth logs "$1" 2>&1 | grep -qF -- "$2" && return 0
    sleep 0.1
  done
  echo "container $1 never logged '$2':"
  berth logs "$1" 2>&1 | tail -20
  return 1
}

# health_runs C: how many healthcheck results C has recorded (at most 5 kept).
health_runs() {
  berth inspect "$1" | jq '.[0].State.Health.Log | length'
}

# try CMD...: as bats' run (output and status), for attempts whose exit code
# may be anything (run warns about 127, which berth uses for ENOENT).
try() {
  status=0
  output=$("$@" 2>&1) || status=$?
}

# refused_clearly WHAT: after `run` or `try`, a non-zero status with an error
# that names WHAT (the path or setting refused).
refused_clearly() {
  [ "$status" -ne 0 ] || return 1
  [[ "$output" == *"$1"* ]] || {
    echo "refused without naming '$1': $output"
    return 1
  }
}
