#!/usr/bin/env bats
# The builder's COPY and ADD step (src/build/step-copy.c) on its own, through
# `build-step-cli copy` until `berth build` drives it: Docker's destination
# rules, --chown/--chmod, ADD's archive extraction, heredoc files, --from an
# image; hostile contexts, archives and base images that try to write on the
# host; a failed step leaves the store as it was.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  setup_build_step_test
  printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n' >"$WORK/rootfs/etc/passwd"
  printf 'root:x:0:\napp:x:1001:\ngrp:x:2000:\n' >"$WORK/rootfs/etc/group"
  tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
  berth import -c 'CMD ["sh"]' -c 'WORKDIR /w' "$WORK/busybox.tar" img >/dev/null
  CTX="$WORK/ctx"
  mkdir -p "$CTX/dir/sub"
  printf 'A\n' >"$CTX/a.txt"
  printf 'B\n' >"$CTX/b.txt"
  printf 'C\n' >"$CTX/dir/sub/c.txt"
  printf '#!/bin/sh\n' >"$CTX/dir/x.sh"
  chmod 0755 "$CTX/dir/x.sh"
  chmod 0750 "$CTX/dir"
  ln -s /etc "$CTX/dir/etclink"
  touch -h -d @1000000000 "$CTX/a.txt" "$CTX/dir/sub/c.txt" "$CTX/dir/etclink"
  chown 4321:4321 "$CTX/b.txt"
  CANARY=$(mktemp -d /tmp/berth-canary.XXXXXX)
  printf 'canary\n' >"$CANARY/file"
  chmod 0640 "$CANARY/file"
}

teardown() {
  remove_berth_containers
  [ -n "${CANARY:-}" ] && rm -rf "$CANARY"
  teardown_image_test
}

# copy [OPTION...] DEST SRC... on img from $CTX; the new image id in $IMG.
copy() {
  copy_on img "$@"
}

copy_on() {
  local base=$1 opts=()
  shift
  while [[ "${1:-}" == --* ]]; do
    opts+=("$1")
    shift
  done
  run "$STEP" copy "$BERTH_ROOT" "$base" "${opts[@]}" "$CTX" "$@"
  IMG=$(echo "$output" | sed -n 's/^image //p')
}

in_img() {
  run berth run --rm "$IMG" sh -c "$1"
}

canary_intact() {
  [ "$(ls -A "$CANARY")" = file ]
  [ "$(cat "$CANARY/file")" = canary ]
  [ "$(stat -c %a "$CANARY/file")" = 640 ]
}

nothing_left() {
  [ -z "$(ls -A "$BERTH_ROOT/build")" ]
  [ "$(mounts_under_root)" -eq 0 ]
}

@test "COPY: a file to a new path, parents made 0755 root-owned, mtime kept; a history entry" {
  copy /new/dir/file a.txt
  [ "$status" -eq 0 ]
  [[ "$IMG" == sha256:* ]]
  in_img 'cat /new/dir/file; stat -c "%a %u:%g %Y" /new/dir/file /new/dir /new'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = A ]
  [ "${lines[1]}" = "644 0:0 1000000000" ]
  [[ "${lines[2]}" == "755 0:0 "* ]]
  [[ "${lines[3]}" == "755 0:0 "* ]]
  run berth history --no-trunc "$IMG"
  [[ "${lines[1]}" == *"#(nop) COPY a.txt in /new/dir/file"* ]]
  nothing_left
}

@test "COPY: destination rules (relative to WORKDIR, trailing /, existing directory, several sources)" {
  copy . a.txt
  [ "$status" -eq 0 ]
  in_img 'cat /w/a.txt'
  [ "$output" = A ]

  copy /bin a.txt # an existing directory: the file lands inside
  [ "$status" -eq 0 ]
  in_img 'cat /bin/a.txt; test -x /bin/busybox && echo kept'
  [ "${lines[0]}" = A ]
  [ "${lines[1]}" = kept ]

  copy /multi/ a.txt b.txt
  [ "$status" -eq 0 ]
  in_img 'cat /multi/a.txt /multi/b.txt; stat -c %u:%g /multi/b.txt'
  [ "$output" = "$(printf 'A\nB\n0:0')" ]

  copy /globs/ '*.txt'
  [ "$status" -eq 0 ]
  in_img 'ls /globs'
  [ "$output" = "$(printf 'a.txt\nb.txt')" ]

  copy /one '[a].txt' # a wildcard with one match may name a file
  [ "$status" -eq 0 ]
  in_img 'cat /one'
  [ "$output" = A ]

  local before
  before=$(store_state)
  copy /notadir a.txt b.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"When using COPY with more than one source file, the destination must be a directory and end with a /"* ]]
  copy /notadir '*.txt'
  [ "$status" -eq 1 ]
  [[ "$output" == *"must be a directory and end with a /"* ]]
  [ "$(store_state)" = "$before" ]
  nothing_left
}

@test "COPY: a directory copies its contents; symlinks stay links (a link to /etc is copied, never followed)" {
  copy /app dir
  [ "$status" -eq 0 ]
  in_img 'cd /app && ls -A; stat -c "%a %u:%g" /app x.sh sub/c.txt; readlink etclink; stat -c %Y sub/c.txt; test -f /app/etclink/passwd || echo not-followed'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = etclink ]
  [ "${lines[1]}" = sub ]
  [ "${lines[2]}" = x.sh ]
  [ "${lines[3]}" = "755 0:0" ] # a new directory for the contents: docker's 0755, root's
  [ "${lines[4]}" = "755 0:0" ]
  [ "${lines[5]}" = "644 0:0" ]
  [ "${lines[6]}" = /etc ]
  [ "${lines[7]}" = 1000000000 ]
  # the link is the context's, its target is resolved only inside the image
  [ "$(ls -A "$WORK/rootfs/etc" | wc -l)" -gt 0 ]

  # into an existing directory: merged, which keeps its own mode
  copy /bin/ dir
  [ "$status" -eq 0 ]
  in_img 'stat -c %a /bin; cat /bin/sub/c.txt; test -x /bin/busybox && echo kept'
  [ "${lines[0]}" = 755 ]
  [ "${lines[1]}" = C ]
  [ "${lines[2]}" = kept ]
}

@test "COPY --chown by name and by id, --chmod, SOURCE_DATE_EPOCH clamps mtimes" {
  copy --chown=app /owned/f a.txt
  [ "$status" -eq 0 ]
  in_img 'stat -c %u:%g /owned/f /owned'
  [ "$output" = "$(printf '1000:1001\n1000:1001')" ]

  copy --chown=app:grp /o2/ a.txt dir
  [ "$status" -eq 0 ]
  in_img 'stat -c %u:%g /o2/a.txt /o2/sub /o2/sub/c.txt; stat -c "%u:%g %N" /o2/etclink'
  [ "$output" = "$(printf "1000:2000\n1000:2000\n1000:2000\n1000:2000 '/o2/etclink' -> '/etc'")" ]

  copy --chown=42 /o3 a.txt
  [ "$status" -eq 0 ]
  in_img 'stat -c %u:%g /o3'
  [ "$output" = 42:42 ]

  copy --chown=7:grp /o4 a.txt
  [ "$status" -eq 0 ]
  in_img 'stat -c %u:%g /o4'
  [ "$output" = 7:2000 ]

  copy --chmod=0640 /m/ a.txt dir
  [ "$status" -eq 0 ]
  in_img 'stat -c %a /m/a.txt /m/x.sh /m/sub'
  [ "$output" = "$(printf '640\n640\n640')" ]

  copy --epoch=500 /e/ a.txt b.txt
  [ "$status" -eq 0 ]
  in_img 'stat -c %Y /e/a.txt /e/b.txt'
  [ "$output" = "$(printf '500\n500')" ]

  local before
  before=$(store_state)
  copy --chown=nosuch /x a.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"unable to find user nosuch: no matching entries in passwd file"* ]]
  copy --chown=app:nogroup /x a.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"unable to find group nogroup"* ]]
  copy --chmod=u+x /x a.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid chmod parameter: 'u+x'"* ]]
  [ "$(store_state)" = "$before" ]
  nothing_left
}

@test "COPY <<EOF: a heredoc is a file of its own name, 0644" {
  run "$STEP" copy "$BERTH_ROOT" img --heredoc=EOF="$(printf 'hello\nworld')" "$CTX" /greet
  [ "$status" -eq 0 ]
  IMG=$(echo "$output" | sed -n 's/^image //p')
  in_img 'cat /greet; echo; stat -c "%a %u:%g" /greet'
  [ "$output" = "$(printf 'hello\nworld\n644 0:0')" ]
  run "$STEP" copy "$BERTH_ROOT" img --heredoc=one=1 --heredoc=two=2 "$CTX" /hd/
  [ "$status" -eq 0 ]
  IMG=$(echo "$output" | sed -n 's/^image //p')
  in_img 'cat /hd/one /hd/two'
  [ "$output" = 12 ]
}

@test "COPY --from an image: its files, through a snapshot that goes afterwards" {
  printf 'from-other\n' >"$WORK/rootfs/etc/other"
  tar -C "$WORK/rootfs" -cf "$WORK/other.tar" .
  berth import "$WORK/other.tar" other >/dev/null
  copy --from=other /got /etc/other
  [ "$status" -eq 0 ]
  in_img 'cat /got'
  [ "$output" = from-other ]
  nothing_left
  run berth rmi other
  [ "$status" -eq 0 ]
}

@test "ADD: local archives (plain, gzip, bzip2, xz, zstd) are extracted by content; other files copied" {
  mkdir -p "$WORK/t/top/in"
  printf 'T\n' >"$WORK/t/top/in/f"
  chown 55:66 "$WORK/t/top/in/f"
  tar -C "$WORK/t" -cf "$CTX/p.tar" top
  gzip -c "$CTX/p.tar" >"$CTX/g.tgz"
  bzip2 -c "$CTX/p.tar" >"$CTX/b.tbz"
  xz -c "$CTX/p.tar" >"$CTX/x.txz"
  zstd -q -c "$CTX/p.tar" >"$CTX/z.data" # the name does not matter, the content does
  local f
  for f in p.tar g.tgz b.tbz x.txz z.data; do
    copy --add /ex/$f $f
    [ "$status" -eq 0 ]
    in_img "cat /ex/$f/top/in/f; stat -c %u:%g /ex/$f/top/in/f"
    [ "$output" = "$(printf 'T\n55:66')" ]
  done
  copy --add --chown=app /exo p.tar
  [ "$status" -eq 0 ]
  in_img 'stat -c %u:%g /exo/top/in/f'
  [ "$output" = 1000:1001 ]
  # not archives: copied as they are
  copy --add /plain a.txt
  [ "$status" -eq 0 ]
  in_img 'cat /plain'
  [ "$output" = A ]
  # COPY never extracts
  copy /notex g.tgz
  [ "$status" -eq 0 ]
  in_img 'test -f /notex && echo file'
  [ "$output" = file ]
  # URLs (downloaded by the driver: build.bats) mixed with files are refused before anything
  # is made
  copy --add /u http://127.0.0.1:1/x.tar g.tgz
  [ "$status" -eq 1 ]
  [[ "$output" == *"ADD of URLs and local files in one instruction is not supported"* ]]
  copy /u https://127.0.0.1:1/x.tar
  [ "$status" -eq 1 ]
  [[ "$output" == *"source can't be a URL for COPY"* ]]
  nothing_left
}

@test "ADD of a hostile tar: traversal, absolute links written through, device nodes all stay inside" {
  python3 - "$CTX/evil.tar" "$CANARY" <<'EOF'
import io, sys, tarfile
out, canary = sys.argv[1], sys.argv[2]
t = tarfile.open(out, "w")
def add(name, data=b"pwned\n", **kw):
    i = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(i, k, v)
    if i.type == tarfile.REGTYPE:
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
    else:
        t.addfile(i)
add("../../../../escaped")
add("/abs-escaped")
add("out", type=tarfile.SYMTYPE, linkname=canary)
add("out/file")
add("out/new")
add("root", type=tarfile.SYMTYPE, linkname="/")
add("root" + canary + "/viaroot")
add("up", type=tarfile.SYMTYPE, linkname="../../../../../..")
add("up" + canary + "/viaup")
add("null", type=tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666)
add("sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0, mode=0o600)
add(".wh.keep")
t.close()
EOF
  local before_dev
  before_dev=$(ls -l /dev/null)
  copy --add /x/ evil.tar
  [ "$status" -eq 0 ]
  canary_intact
  [ ! -e /escaped ] && [ ! -e /abs-escaped ]
  [ "$(ls -l /dev/null)" = "$before_dev" ]
  in_img "cd /x && cat escaped abs-escaped && readlink out && cat .${CANARY}/file .${CANARY}/new .${CANARY}/viaroot .${CANARY}/viaup && stat -c '%F %t:%T' null sda"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = pwned ]
  [ "${lines[1]}" = pwned ]
  [ "${lines[2]}" = "$CANARY" ]
  [ "${lines[3]}" = pwned ] # written at /x$CANARY/file: the archive's root is /x
  [ "${lines[6]}" = pwned ]
  [ "${lines[7]}" = "character special file 1:3" ]
  [ "${lines[8]}" = "block special file 8:0" ]

  # a hard link out of the archive is refused, and the failed step leaves nothing
  python3 - "$CTX/hard.tar" <<'EOF'
import sys, tarfile
t = tarfile.open(sys.argv[1], "w")
i = tarfile.TarInfo("pw"); i.type = tarfile.LNKTYPE; i.linkname = "../../etc/passwd"
t.addfile(i)
t.close()
EOF
  local before
  before=$(store_state)
  copy --add /h/ hard.tar
  [ "$status" -eq 1 ]
  [[ "$output" == *"hard link target '../../etc/passwd' is outside the layer"* ]]
  [ "$(store_state)" = "$before" ]
  nothing_left
  canary_intact
}

@test "COPY into a base image whose paths are symlinks to host paths: resolved inside the image, the host untouched" {
  ln -s "$CANARY" "$WORK/rootfs/app"
  ln -s "$CANARY/file" "$WORK/rootfs/etc/conf"
  ln -s /proc/self/fd/3 "$WORK/rootfs/fdlink"
  ln -s /nonexistent-host-dir "$WORK/rootfs/dangling"
  tar -C "$WORK/rootfs" -cf "$WORK/links.tar" .
  berth import "$WORK/links.tar" links >/dev/null
  local before_host
  before_host=$(ls -la /tmp | grep -c berth-canary)

  copy_on links /app/ a.txt # /app -> $CANARY: the image's $CANARY
  [ "$status" -eq 0 ]
  canary_intact
  in_img "cat ${CANARY}/a.txt"
  [ "$output" = A ]

  copy_on links /app/deep/ dir # a directory's contents, through the same link
  [ "$status" -eq 0 ]
  canary_intact
  in_img "cat ${CANARY}/deep/sub/c.txt"
  [ "$output" = C ]

  copy_on links /etc/conf a.txt # a link at the destination is replaced, not written through
  [ "$status" -eq 0 ]
  canary_intact
  in_img 'test -L /etc/conf || cat /etc/conf'
  [ "$output" = A ]

  copy_on links /fdlink/ a.txt # a magic link's path means a directory of the image
  [ "$status" -eq 0 ]
  canary_intact
  [ -n "$(find "$BERTH_ROOT/layers" -path '*/proc/self/fd/3/a.txt')" ]

  copy_on links /dangling/x/ a.txt # a dangling link's target is made inside the image
  [ "$status" -eq 0 ]
  [ ! -e /nonexistent-host-dir ]
  in_img 'cat /nonexistent-host-dir/x/a.txt'
  [ "$output" = A ]
  canary_intact
  nothing_left
}
