#!/usr/bin/env bats
# A Dockerfile and its context are hostile input: each attempt here is made
# for real through `berth build`, and the host stays byte for byte as it was
# (a canary directory outside the context, checked after every build).

load helpers
bats_require_minimum_version 1.5.0

setup() {
  setup_build_test
  HOSTDIR=$(mktemp -d /tmp/berth-h.XXXXXX)
  echo 'host canary' >"$HOSTDIR/canary"
  chmod 640 "$HOSTDIR/canary"
  CANARY_STATE=$(host_state)
}

teardown() {
  remove_berth_containers
  teardown_image_test
  [ -n "${HOSTDIR:-}" ] && rm -rf "$HOSTDIR"
  true
}

host_state() {
  (cd "$HOSTDIR" && find . -printf '%p %y %m %s %U %G\n' | sort && cat canary)
}

host_intact() {
  [ "$(host_state)" = "$CANARY_STATE" ]
  [ "$(mounts_under_root)" -eq 0 ]
  ! grep -qF " $HOSTDIR" /proc/self/mountinfo
}

@test "a context symlink to /etc is copied as a link, never its target" {
  ln -s /etc "$CTX/etc-link"
  ln -s "$HOSTDIR/canary" "$CTX/canary-link"
  dockerfile 'FROM busybox
COPY . /ctx/
RUN readlink /ctx/etc-link; readlink /ctx/canary-link; test -e /ctx/etc-link/shadow || echo no-shadow'
  run berth build "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *$'\n/etc\n'* ]]
  [[ "$output" == *"$HOSTDIR/canary"* ]]
  [[ "$output" == *no-shadow* ]]
  # COPY of the link itself follows it inside the context only: the host's /etc is not there
  dockerfile 'FROM busybox
COPY etc-link/passwd /x'
  run berth build "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"COPY failed"* ]]
  host_intact
}

@test "WORKDIR /proc/self/fd/N cannot put a step's process in a host directory" {
  for n in 3 4 5 6 7 8; do
    dockerfile "FROM busybox
WORKDIR /proc/self/fd/$n
RUN pwd; ls ..; cat ../../../../..$HOSTDIR/canary && echo ESC\"\"APED; echo x > $HOSTDIR/canary"
    run berth build "$CTX"
    [[ "$output" != *ESCAPED* ]]
    [[ "$output" != *"host canary"* ]]
  done
  host_intact
}

@test "RUN --mount=type=cache with a hostile id or target stays in the build's cache and root" {
  dockerfile "FROM busybox
RUN --mount=type=cache,id=../../../../..$HOSTDIR,target=/c ls -la /c; touch /c/made-by-build
RUN --mount=type=cache,target=../../../../..$HOSTDIR echo x > $HOSTDIR/new-file; ls $HOSTDIR"
  run berth build "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" != *canary* ]]
  [ ! -e "$HOSTDIR/made-by-build" ]
  [ ! -e "$HOSTDIR/new-file" ]
  host_intact
}

@test "builder prune of a cache a step filled with links to host paths removes the links, never their targets" {
  # the step plants absolute and relative links (and a directory link) naming host paths in its
  # cache; on the host they would point at the canary directory
  dockerfile "FROM busybox
RUN --mount=type=cache,target=/c ln -s $HOSTDIR /c/dir-link && ln -s $HOSTDIR/canary /c/file-link && mkdir -p /c/d && ln -s ../../../../../../../..$HOSTDIR /c/d/up-link"
  run berth build --no-cache "$CTX"
  [ "$status" -eq 0 ]
  run berth builder prune -f
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "Deleted build cache objects:" ]]
  [ -z "$(ls -A "$BERTH_ROOT/build/cache")" ]
  host_intact
}

@test "RUN --mount=type=bind: a source that is a symlink out of the context, or ../, binds what is inside the context" {
  ln -s "$HOSTDIR" "$CTX/out-link"
  mkdir -p "$CTX/sub"
  dockerfile 'FROM busybox
RUN --mount=type=bind,source=out-link,target=/m ls /m 2>&1; cat /m/canary 2>&1; echo done
RUN --mount=type=bind,source=../../../../../tmp,target=/m2 ls /m2 2>&1 | head -3; echo done2
RUN --mount=type=bind,source=sub,target=/m3,rw echo x > /m3/new 2>&1; echo done3'
  run berth build "$CTX"
  [[ "$output" != *"host canary"* ]]
  [ ! -e "$CTX/sub/new" ]
  host_intact
}

@test "RUN --mount target through an image's symlink to a host path lands inside the step's root" {
  dockerfile "FROM busybox
RUN ln -s $HOSTDIR /hostlink && ln -s / /rootlink"
  berth build -q -t linked "$CTX" >/dev/null
  dockerfile "FROM linked
RUN --mount=type=tmpfs,target=/hostlink/t echo x > /hostlink/t/f; ls -la /hostlink/
RUN --mount=type=cache,target=/rootlink echo should-not-run"
  run berth build "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"is the step's root"* ]]
  [ "$(ls "$HOSTDIR")" = canary ]
  host_intact
}

@test "ADD of a hostile tar (traversal, absolute links written through, device nodes) stays in the image" {
  python3 - "$CTX/evil.tar" "$HOSTDIR" <<'EOF'
import io, sys, tarfile
out, host = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w") as t:
    def add(name, data=b"pwned\n", **kw):
        ti = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(ti, k, v)
        ti.size = len(data) if ti.type == tarfile.REGTYPE else 0
        t.addfile(ti, io.BytesIO(data) if ti.type == tarfile.REGTYPE else None)
    add("../../../../.." + host + "/traversal")
    add(host + "/absolute")
    add("hl", type=tarfile.SYMTYPE, linkname=host)
    add("hl/through-link")
    add("null", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
EOF
  dockerfile 'FROM busybox
ADD evil.tar /x/
RUN find /x | sort'
  run berth build "$CTX"
  [[ "$output" != *ESCAPED* ]]
  [ ! -e "$HOSTDIR/traversal" ]
  [ ! -e "$HOSTDIR/absolute" ]
  [ ! -e "$HOSTDIR/through-link" ]
  host_intact
}

@test "secrets never reach the image, its history or its config" {
  echo -n 'topsecret-value' >"$WORK/tok"
  dockerfile 'FROM busybox
RUN --mount=type=secret,id=tok,required cat /run/secrets/tok > /dev/null; echo used'
  run berth build -q -t sec --secret "id=tok,src=$WORK/tok" "$CTX"
  [ "$status" -eq 0 ]
  berth save -o "$WORK/sec.tar" sec
  ! grep -a -q topsecret-value "$WORK/sec.tar"
  ! grep -r -a -q topsecret-value "$BERTH_ROOT"
  run berth build "$CTX"
  [ "$status" -ne 0 ]
  [[ "$output" == *"secret tok: not found"* ]]
}
