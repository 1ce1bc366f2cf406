# Shared setup for the compat suites: real containerd (and dockerd) started
# by the test file itself, in a throwaway dir, using berth-runtime as their
# OCI runtime. Nothing touches the system's daemons, sockets or data roots.
#
# Calling sequence (in setup_file / teardown_file):
#   compat_setup_dir            COMPAT_TMP, a short mktemp -d (unix sockets),
#                               DOCKER_CG_PARENT
#   compat_cgroups_note NAME... record which top-level cgroups existed
#   compat_start_containerd     CTD_SOCK, CTD_ROOT, CTD_STATE, CTD_PID
#   compat_start_dockerd        DOCKER_HOST, DOCKER_EXEC_ROOT, DOCKERD_PID
#   ...tests...
#   compat_teardown             stops exactly those daemons (and the shims
#                               they started), unmounts, removes cgroups
#                               and the dir

source "$BATS_TEST_DIRNAME/../integration/helpers.bash"

CTR_NS=berth-test

compat_setup_dir() {
  COMPAT_TMP=$(mktemp -d /tmp/bc.XXXXXX)
  # Fixed paths the daemons use whatever their flags say: the shims'
  # sockets (containerd 1.6 hard-codes /run/containerd/s) and dockerd's
  # plugin socket dir. Those that we make, we remove again (when empty).
  local d
  : >"$COMPAT_TMP/dirs-ours"
  for d in /run/containerd /run/containerd/s /run/containerd/fifo /run/docker /run/docker/plugins; do
    [ -e "$d" ] || echo "$d" >>"$COMPAT_TMP/dirs-ours"
  done
  # dockerd's --cgroup-parent: a name no one else uses.
  DOCKER_CG_PARENT="berth-compat-${COMPAT_TMP##*.}"
  export COMPAT_TMP DOCKER_CG_PARENT
}

# compat_cgroups_note NAME...: the top-level cgroups NAME (in every
# hierarchy) that the daemons may create; those that did not exist yet are
# removed again by compat_teardown.
compat_cgroups_note() {
  local name h
  : >"$COMPAT_TMP/cgroups-ours"
  for name in "$@"; do
    for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
      [ -e "$h/cgroup.procs" ] || [ -e "$h/tasks" ] || continue
      [ -d "$h$name" ] || echo "$h$name" >>"$COMPAT_TMP/cgroups-ours"
    done
  done
}


compat_start_containerd() {
  CTD_SOCK="$COMPAT_TMP/ctd.sock"
  CTD_ROOT="$COMPAT_TMP/ctd-root"
  CTD_STATE="$COMPAT_TMP/ctd-state"
  mkdir -p "$CTD_ROOT" "$CTD_STATE"
  cat >"$COMPAT_TMP/containerd.toml" <<EOF
version = 2
root = "$CTD_ROOT"
state = "$CTD_STATE"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CTD_SOCK"

[ttrpc]
  address = "$CTD_SOCK.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$COMPAT_TMP/ctd-opt"
EOF
  containerd --config "$COMPAT_TMP/containerd.toml" >"$COMPAT_TMP/containerd.log" 2>&1 &
  CTD_PID=$!
  echo "$CTD_PID" >"$COMPAT_TMP/containerd.pid"
  export CTD_SOCK CTD_ROOT CTD_STATE CTD_PID
  if ! wait_until 30 ctr --address "$CTD_SOCK" version; then
    echo "containerd did not answer on $CTD_SOCK:" >&2
    tail -n 30 "$COMPAT_TMP/containerd.log" >&2
    return 1
  fi
}

# ctrb ARGS...: ctr against our containerd, in our namespace.
ctrb() {
  ctr --address "$CTD_SOCK" -n "$CTR_NS" "$@"
}

# dockerd needs containerd (compat_start_containerd first). Tries overlay2,
# then vfs if dockerd cannot start with it. COMPAT_DOCKERD_NET: dockerd's
# network flags (no bridge, no iptables unless set; bench/network.sh gives it
# a bridge of its own).
compat_start_dockerd() {
  DOCKER_EXEC_ROOT="$COMPAT_TMP/dx"
  DOCKER_DATA_ROOT="$COMPAT_TMP/docker-data"
  export DOCKER_HOST="unix://$COMPAT_TMP/docker.sock"
  export DOCKER_EXEC_ROOT DOCKER_DATA_ROOT
  printf '{"deprecated-key-path": "%s"}\n' "$COMPAT_TMP/key.json" >"$COMPAT_TMP/daemon.json"
  local driver
  for driver in overlay2 vfs; do
    dockerd --config-file "$COMPAT_TMP/daemon.json" \
      --data-root "$DOCKER_DATA_ROOT" --exec-root "$DOCKER_EXEC_ROOT" \
      --pidfile "$COMPAT_TMP/dockerd.pid" -H "$DOCKER_HOST" \
      --containerd "$CTD_SOCK" --cgroup-parent "/$DOCKER_CG_PARENT" \
      ${COMPAT_DOCKERD_NET:---iptables=false --ip-masq=false --bridge=none} \
      --default-ulimit nofile=1024:1024 --default-ulimit nproc=1024:1024 \
      --add-runtime "berth=$RUNTIME" --storage-driver "$driver" \
      >"$COMPAT_TMP/dockerd-$driver.log" 2>&1 &
    DOCKERD_PID=$!
    export DOCKERD_PID
    if wait_until 30 docker_answers; then
      DOCKER_DRIVER=$driver
      export DOCKER_DRIVER
      return 0
    fi
    stop_pid "$DOCKERD_PID"
    rm -rf "$DOCKER_DATA_ROOT" "$DOCKER_EXEC_ROOT"
  done
  echo "dockerd did not start:" >&2
  tail -n 30 "$COMPAT_TMP"/dockerd-*.log >&2
  return 1
}

docker_answers() {
  kill -0 "$DOCKERD_PID" && docker version --format '{{.Server.Version}}'
}

# stop_pid PID: SIGTERM, wait up to 20 s, then SIGKILL.
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null
  sleep 0.2
}

# The shims our containerd started: they name our socket on their command
# line (-address ...). Lists their pids.
our_shims() {
  local p
  for p in $(pgrep -x containerd-shim 2>/dev/null; pgrep -f containerd-shim-runc-v2 2>/dev/null); do
    tr '\0' ' ' </proc/$p/cmdline 2>/dev/null | grep -qF -- "-address $CTD_SOCK " && echo "$p"
  done
}

compat_teardown() {
  [ -n "${COMPAT_TMP:-}" ] && [ -d "$COMPAT_TMP" ] || return 0
  local id t p m c
  if [ -n "${DOCKERD_PID:-}" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    for id in $(docker ps -aq 2>/dev/null); do
      timeout 30 docker rm -f "$id" >/dev/null 2>&1
    done
    stop_pid "$DOCKERD_PID"
  fi
  if [ -n "${CTD_PID:-}" ] && kill -0 "$CTD_PID" 2>/dev/null; then
    for t in $(ctrb task ls -q 2>/dev/null); do
      timeout 30 ctrb task kill -s SIGKILL "$t" >/dev/null 2>&1
      timeout 30 ctrb task delete -f "$t" >/dev/null 2>&1
    done
    for id in $(ctrb container ls -q 2>/dev/null); do
      timeout 30 ctrb container delete "$id" >/dev/null 2>&1
    done
    for p in $(our_shims); do stop_pid "$p"; done
    stop_pid "$CTD_PID"
  fi
  for p in $(our_shims); do stop_pid "$p"; done
  # Mounts left under our dir, deepest first.
  for m in $(findmnt -rn -o TARGET | grep -F "$COMPAT_TMP/" | sort -r); do
    umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  # Cgroups the daemons made that did not exist before us.
  if [ -f "$COMPAT_TMP/cgroups-ours" ]; then
    while read -r c; do
      [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
    done <"$COMPAT_TMP/cgroups-ours"
  fi
  [ -f "$COMPAT_TMP/dirs-ours" ] && tac "$COMPAT_TMP/dirs-ours" | xargs -r rmdir 2>/dev/null
  rm -rf "$COMPAT_TMP"
}

# oci_busybox_archive FILE REF: an OCI image layout tar holding the busybox
# rootfs as a single uncompressed layer, named REF (for `ctr image import`).
oci_busybox_archive() {
  local out=$1 ref=$2 d layer cfg man ldig cdig mdig arch
  d=$(mktemp -d "$COMPAT_TMP/oci.XXXXXX")
  mkdir -p "$d/blobs/sha256"
  tar -C "$(busybox_rootfs)" --numeric-owner -cf "$d/layer.tar" .
  ldig=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
  mv "$d/layer.tar" "$d/blobs/sha256/$ldig"
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
  esac
  cfg=$(jq -cn --arg a "$arch" --arg l "sha256:$ldig" \
    '{architecture: $a, os: "linux", config: {Cmd: ["sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}, rootfs: {type: "layers", diff_ids: [$l]}}')
  printf '%s' "$cfg" >"$d/cfg"
  cdig=$(sha256sum "$d/cfg" | cut -d' ' -f1)
  mv "$d/cfg" "$d/blobs/sha256/$cdig"
  man=$(jq -cn --arg c "sha256:$cdig" --argjson cs "$(stat -c %s "$d/blobs/sha256/$cdig")" \
    --arg l "sha256:$ldig" --argjson ls "$(stat -c %s "$d/blobs/sha256/$ldig")" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}')
  printf '%s' "$man" >"$d/man"
  mdig=$(sha256sum "$d/man" | cut -d' ' -f1)
  mv "$d/man" "$d/blobs/sha256/$mdig"
  jq -n --arg m "sha256:$mdig" --argjson ms "$(stat -c %s "$d/blobs/sha256/$mdig")" \
    --arg a "$arch" --arg r "$ref" \
    '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: $m, size: $ms, platform: {architecture: $a, os: "linux"},
      annotations: {"io.containerd.image.name": $r, "org.opencontainers.image.ref.name": $r}}]}' \
    >"$d/index.json"
  echo '{"imageLayoutVersion": "1.0.0"}' >"$d/oci-layout"
  tar -C "$d" -cf "$out" oci-layout index.json blobs
  rm -rf "$d"
}
