#!/usr/bin/env bats
# berth build against docker's own builders (dockerd 20.10 on its own
# containerd, both started here): the legacy builder (DOCKER_BUILDKIT=0) is
# the oracle, BuildKit (DOCKER_BUILDKIT=1, 20.10's built-in) where it says
# something else. Each Dockerfile of tests/compat/build/<name>/ is built by
# all three from one busybox image imported into both stores; the image
# configs, the history and the image filesystems (every layer applied, with
# its whiteouts: paths, types, modes, owners, sizes, link targets, contents)
# are compared, and so are cache hits and misses. docs/BUILD.md lists every
# difference found and why.

bats_require_minimum_version 1.5.0
load compat-helpers

DOCKER=/usr/bin/docker # Debian's 20.10 CLI: the one with both builders here
CASES=$BATS_TEST_DIRNAME/build
CFG='.[0].Config | {Env, Cmd, Entrypoint, WorkingDir, User, Labels, ExposedPorts, Volumes,
  Healthcheck, StopSignal, OnBuild, Shell}
  | with_entries(if .value == null or .value == [] or .value == {} or .value == "" then .value = null else . end)'

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  command -v dockerd >/dev/null && command -v containerd >/dev/null && [ -x "$DOCKER" ] ||
    skip "dockerd, containerd and Debian's docker CLI are needed"
  compat_setup_dir
  compat_cgroups_note "$DOCKER_CG_PARENT"
  compat_start_containerd
  compat_start_dockerd
  BERTH_ROOT="$COMPAT_TMP/berth-root"
  BERTH_RUNROOT="$COMPAT_TMP/berth-run"
  mkdir -p "$BERTH_ROOT" "$BERTH_RUNROOT"
  export BERTH_ROOT BERTH_RUNROOT
  tar -C "$(busybox_rootfs)" -cf "$COMPAT_TMP/busybox.tar" .
  $DOCKER import -c 'CMD ["sh"]' "$COMPAT_TMP/busybox.tar" busybox >/dev/null
  berth import -c 'CMD ["sh"]' "$COMPAT_TMP/busybox.tar" busybox >/dev/null
}

teardown_file() {
  compat_teardown
}

setup() {
  WORK=$(mktemp -d "$COMPAT_TMP/work.XXXXXX")
}

teardown() {
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
  true
}

# context NAME: a copy of the case's context in $WORK/NAME, its prep.sh run.
context() {
  rm -rf "${WORK:?}/$1"
  cp -a "$CASES/$1" "$WORK/$1"
  if [ -f "$WORK/$1/prep.sh" ]; then
    (cd "$WORK/$1" && sh prep.sh && rm prep.sh)
  fi
}

# build_three NAME [BUILD ARGS...]: NAME built by the legacy builder
# (d-NAME), BuildKit (k-NAME) and berth (b-NAME); for each, NAME.X.cfg (the
# config), NAME.X.hist (history, newest first, COPY/ADD hashes stripped, the
# base image's entry left out) and NAME.X.fs (the filesystem) in $WORK.
build_three() {
  local n=$1 x id nbase
  shift
  context "$n"
  DOCKER_BUILDKIT=0 $DOCKER build --network none -q -t "d-$n" "$@" "$WORK/$n" >"$WORK/$n.d.out" 2>&1 ||
    { cat "$WORK/$n.d.out"; return 1; }
  DOCKER_BUILDKIT=1 $DOCKER build --network none -q -t "k-$n" "$@" "$WORK/$n" >"$WORK/$n.k.out" 2>&1 ||
    { cat "$WORK/$n.k.out"; return 1; }
  berth build -q -t "b-$n" "$@" "$WORK/$n" >"$WORK/$n.b.out" 2>&1 ||
    { cat "$WORK/$n.b.out"; return 1; }
  nbase=$($DOCKER history -q busybox | wc -l)
  for x in d k; do
    $DOCKER image inspect "$x-$n" | jq -S "$CFG" >"$WORK/$n.$x.cfg"
    $DOCKER history --no-trunc --format '{{.CreatedBy}}' "$x-$n" | head -n "-$nbase" |
      sed -E 's/(file|dir|multi):[0-9a-f]{64}/\1:H/g' >"$WORK/$n.$x.hist"
    $DOCKER save -o "$WORK/$n.$x.tar" "$x-$n"
  done
  berth image inspect "b-$n" | jq -S "$CFG" >"$WORK/$n.b.cfg"
  id=$(berth image inspect -f '{{.Id}}' "b-$n")
  jq -r '.history | reverse | .[].created_by // ""' "$BERTH_ROOT/blobs/sha256/${id#sha256:}" |
    head -n "-$nbase" | sed -E 's/(file|dir|multi):[0-9a-f]{64}/\1:H/g' >"$WORK/$n.b.hist"
  berth save -o "$WORK/$n.b.tar" "b-$n"
  for x in d k b; do
    # docker writes the file type into the tar mode; keep the permission bits
    python3 "$CASES/fs-list.py" "$WORK/$n.$x.tar" | awk '{ $3 = substr($3, length($3) - 3) } 1' \
      >"$WORK/$n.$x.fs"
  done
}

# same A B: the two files are equal, or the diff is shown.
same() {
  diff -u "$1" "$2"
}

# without PATTERN FILE: FILE without the lines matching PATTERN (ERE), to $FILE.w
without() {
  grep -Ev "$1" "$2" >"$2.w" || true
}

@test "metadata: ENV/ARG/--build-arg, LABEL, EXPOSE, VOLUME, WORKDIR, USER, STOPSIGNAL, HEALTHCHECK, ONBUILD, CMD: config, history, files" {
  build_three meta --build-arg FLAVOUR=spicy
  same "$WORK/meta.d.cfg" "$WORK/meta.b.cfg"
  same "$WORK/meta.d.cfg" "$WORK/meta.k.cfg"
  same "$WORK/meta.d.hist" "$WORK/meta.b.hist"
  # The legacy builder makes VOLUME's directories in the next RUN's layer,
  # BuildKit and berth do not (deliberate); every WORKDIR's directory is made
  # by all three (/srv/app/sub).
  for x in d k b; do without '^/(cache|data|logs) ' "$WORK/meta.$x.fs"; done
  same "$WORK/meta.d.fs.w" "$WORK/meta.b.fs.w"
  grep -q '^/srv/app/sub d 0755 0:0 ' "$WORK/meta.b.fs"
  same "$WORK/meta.k.fs" "$WORK/meta.b.fs"
}

@test "ENTRYPOINT resets an inherited CMD; CMD and ENTRYPOINT in both forms; HEALTHCHECK NONE" {
  build_three entry
  same "$WORK/entry.d.cfg" "$WORK/entry.b.cfg"
  same "$WORK/entry.d.cfg" "$WORK/entry.k.cfg"
  [ "$(jq -c .Cmd "$WORK/entry.b.cfg")" = '["/bin/sh","-c","echo from cmd"]' ]
  same "$WORK/entry.d.hist" "$WORK/entry.b.hist"
  same "$WORK/entry.d.fs" "$WORK/entry.b.fs"
}

@test "SHELL: RUN, CMD and HEALTHCHECK through it; RUN in exec form; STOPSIGNAL, USER uid:gid" {
  build_three shell
  same "$WORK/shell.d.cfg" "$WORK/shell.b.cfg"
  same "$WORK/shell.d.cfg" "$WORK/shell.k.cfg"
  # the "#(nop)" entries after SHELL start with the new shell, in both
  same "$WORK/shell.d.hist" "$WORK/shell.b.hist"
  same "$WORK/shell.d.fs" "$WORK/shell.b.fs"
}

@test "multi-stage: COPY --from by name and index, a whiteout in the final stage" {
  build_three multistage
  same "$WORK/multistage.d.cfg" "$WORK/multistage.b.cfg"
  same "$WORK/multistage.d.hist" "$WORK/multistage.b.hist"
  [ "$(python3 "$CASES/fs-list.py" --layers "$WORK/multistage.d.tar")" = \
    "$(python3 "$CASES/fs-list.py" --layers "$WORK/multistage.b.tar")" ]
  # COPY --from keeps the source stage's owners (1:2 here), as docker does
  same "$WORK/multistage.d.fs" "$WORK/multistage.b.fs"
  grep -q '^/bin/vi ' "$WORK/multistage.d.fs" && return 1
  grep -q '^/bin/vi ' "$WORK/multistage.b.fs" && return 1
  true
}

@test "COPY of files, directories and globs with .dockerignore (! exceptions), --chown, ADD of a local tar.gz, RUN exec form" {
  build_three copy
  same "$WORK/copy.d.cfg" "$WORK/copy.b.cfg"
  # legacy history writes "COPY --chown=app:appfile:…" (its own missing
  # space), and so does berth
  same "$WORK/copy.d.hist" "$WORK/copy.b.hist"
  # a directory's contents copied to a new destination: 0755, root's
  same "$WORK/copy.d.fs" "$WORK/copy.b.fs"
  # what .dockerignore kept out
  ! grep -Eq '^/tree/(debug\.log|dir/x\.md) ' "$WORK/copy.b.fs"
  grep -q '^/tree/keep.log ' "$WORK/copy.b.fs"
  grep -q '^/misc/README.md ' "$WORK/copy.b.fs"
  grep -q '^/unpacked/pkg/sub/b.txt f 0644 5:6 ' "$WORK/copy.b.fs"
}

# cache_hits FILE: the layer steps (RUN, COPY, ADD) a build's output says
# came from the cache, by number. (The legacy builder also says "Using cache"
# for metadata steps, berth does not: it makes no image for them.)
cache_hits() {
  awk '/^Step [0-9]+\//{ split($2, a, "/"); s = a[1]; l = ($4 ~ /^(RUN|COPY|ADD)$/) }
       / ---> Using cache/ && l { printf "%s ", s }' "$1"
}

# rebuild_both NAME: NAME's context ($WORK/NAME) built again by the legacy
# builder and berth; their cache hits in $WORK/NAME.d.hits and .b.hits.
rebuild_both() {
  DOCKER_BUILDKIT=0 $DOCKER build --network none -t "d-$1" "${@:2}" "$WORK/$1" >"$WORK/$1.d.log" 2>&1
  berth build -t "b-$1" "${@:2}" "$WORK/$1" >"$WORK/$1.b.log" 2>&1
  cache_hits "$WORK/$1.d.log" >"$WORK/$1.d.hits"
  cache_hits "$WORK/$1.b.log" >"$WORK/$1.b.hits"
  echo "docker: $(cat "$WORK/$1.d.hits") berth: $(cat "$WORK/$1.b.hits")"
}

@test "cache: hits and misses as the legacy builder's for an edited, a touched, a renamed file, a changed ARG, a reordered .dockerignore" {
  mkdir -p "$WORK/c/src"
  echo one >"$WORK/c/src/a.txt"
  echo two >"$WORK/c/src/b.txt"
  echo other >"$WORK/c/other"
  printf '*.log\nother\n' >"$WORK/c/.dockerignore"
  cat >"$WORK/c/Dockerfile" <<'DF'
FROM busybox
ARG V=1
COPY src/*.txt /g/
RUN echo "$V" > /v
COPY src/a.txt /a
COPY . /all
DF
  rebuild_both c --build-arg V=1
  rebuild_both c --build-arg V=1
  [ "$(cat "$WORK/c.d.hits")" = "3 4 5 6 " ]
  same "$WORK/c.d.hits" "$WORK/c.b.hits"
  # an edited copied file: a miss from its first COPY on
  echo ONE >"$WORK/c/src/a.txt"
  rebuild_both c --build-arg V=1
  same "$WORK/c.d.hits" "$WORK/c.b.hits"
  # touched, unchanged: a hit (content, not mtime)
  touch -d '2001-01-01' "$WORK/c/src/a.txt" "$WORK/c/src/b.txt"
  rebuild_both c --build-arg V=1
  [ "$(cat "$WORK/c.d.hits")" = "3 4 5 6 " ]
  same "$WORK/c.d.hits" "$WORK/c.b.hits"
  # a renamed file under the glob: a miss in berth, as in BuildKit; the
  # legacy builder hits it (its hash of several sources leaves out their
  # names) and leaves /g/b.txt in the image: not followed (docs/BUILD.md)
  mv "$WORK/c/src/b.txt" "$WORK/c/src/c.txt"
  rebuild_both c --build-arg V=1
  [ "$(cat "$WORK/c.b.hits")" = "" ]
  # a changed ARG: a miss from the RUN that sees it on; the COPY before it hits
  rebuild_both c --build-arg V=2
  [ "$(cat "$WORK/c.d.hits")" = "3 " ]
  same "$WORK/c.d.hits" "$WORK/c.b.hits"
  # .dockerignore reordered, the same selection: all hits
  printf 'other\n*.log\n' >"$WORK/c/.dockerignore"
  rebuild_both c --build-arg V=2
  same "$WORK/c.d.hits" "$WORK/c.b.hits"
}
