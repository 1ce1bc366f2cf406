#!/usr/bin/env bats
# The container's /etc/passwd and /etc/group, read by berth on the host to
# resolve `run -u NAME` and `exec -u NAME` (src/base/fs.c
# berth_read_file_in_root, used by src/engine/specgen-user.c, which
# `exec -u` goes through too). They are the container's: an image can ship
# them as a FIFO or a device node, and a running container can turn them
# into one (as root it may mknod). Before the fix `exec -u` opened them
# blocking: a FIFO hung it, a char device like /dev/zero made it read
# forever. Each attempt here must fail within seconds with an error that
# names the file.

load ../integration/helpers
bats_require_minimum_version 1.5.0

setup() {
  setup_image_test
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  export BERTH_RUNROOT
  BERTH_BIN="$BERTH_BUILD/cmd/berth/berth"
  cp -a "$(busybox_rootfs)" "$WORK/rootfs"
  printf 'root:x:0:0:root:/root:/bin/sh\nsomeone:x:1000:1000::/:/bin/sh\n' >"$WORK/rootfs/etc/passwd"
  printf 'root:x:0:\nsomegroup:x:1000:\n' >"$WORK/rootfs/etc/group"
  tar -C "$WORK/rootfs" -cf "$WORK/users.tar" .
  berth import -c 'CMD ["sh"]' "$WORK/users.tar" users >/dev/null
}

teardown() {
  remove_berth_containers
  teardown_image_test
}

# image_with NAME SETUP…: the users image with SETUP run in a copy of its tree.
image_with() {
  local name=$1
  shift
  rm -rf "$WORK/$name"
  cp -a "$WORK/rootfs" "$WORK/$name"
  (cd "$WORK/$name" && "$@")
  tar -C "$WORK/$name" -cf "$WORK/$name.tar" .
  berth import -c 'CMD ["sh"]' "$WORK/$name.tar" "$name" >/dev/null
}

fifo_passwd() { rm etc/passwd && mkfifo etc/passwd; }
zero_passwd() { rm etc/passwd && ln -s /dev/zero etc/passwd && mknod -m 666 dev/zero c 1 5; }
dangling_zero_passwd() { rm etc/passwd && ln -s /dev/zero etc/passwd && rm -f dev/zero; }

# A running container, from the users image, that can exec as someone.
running() {
  berth run -d --name "$1" users sleep 300 >/dev/null
  run berth exec -u someone "$1" id -u
  [ "$status" -eq 0 ]
  [ "$output" = 1000 ]
}

@test "run -u NAME: an image whose /etc/passwd is a FIFO fails at once, naming the file" {
  image_with fifoimg fifo_passwd
  run timeout 10 "$BERTH_BIN" run --rm -u someone fifoimg id
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot read the container's /etc/passwd: '/etc/passwd' is not a regular file"* ]]
  run berth ps -aq
  [ -z "$output" ]
}

@test "run -u NAME: /etc/passwd a symlink to the image's /dev/zero char device fails at once" {
  image_with zeroimg zero_passwd
  [ -c "$WORK/zeroimg/dev/zero" ]
  run timeout 10 "$BERTH_BIN" run --rm -u someone zeroimg id
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot read the container's /etc/passwd: '/etc/passwd' is not a regular file"* ]]
}

@test "run -u NAME: /etc/passwd a symlink to /dev/zero resolves in the image, not on the host" {
  image_with danglingimg dangling_zero_passwd
  run timeout 10 "$BERTH_BIN" run --rm -u someone danglingimg id
  [ "$status" -eq 125 ]
  [[ "$output" == *"unable to find user someone: no matching entries in passwd file"* ]]
}

@test "exec -u NAME: the container makes its /etc/passwd a FIFO: exec fails at once, naming it" {
  running fifo
  berth exec fifo sh -c 'rm /etc/passwd && mkfifo /etc/passwd'
  run timeout 10 "$BERTH_BIN" exec -u someone fifo id
  [ "$status" -ne 124 ]
  [ "$status" -ne 0 ]
  [[ "$output" == *"cannot read the container's /etc/passwd: '/etc/passwd' is not a regular file"* ]]
  # a numeric user reads the file too (its entry gives the group): refused the same
  run timeout 10 "$BERTH_BIN" exec -u 1000 fifo id
  [ "$status" -ne 124 ]
  [[ "$output" == *"'/etc/passwd' is not a regular file"* ]]
  # exec without -u needs no lookup and still works (with a command that reads no passwd)
  run timeout 10 "$BERTH_BIN" exec fifo sh -c 'echo still here'
  [ "$status" -eq 0 ]
  [ "$output" = "still here" ]
}

@test "exec -u NAME: the container makes its /etc/passwd a char device (/dev/zero's numbers): refused at once" {
  running chardev
  berth exec chardev sh -c 'rm /etc/passwd && mknod /etc/passwd c 1 5'
  run timeout 10 "$BERTH_BIN" exec -u someone chardev id
  [ "$status" -ne 124 ]
  [ "$status" -ne 0 ]
  [[ "$output" == *"cannot read the container's /etc/passwd: '/etc/passwd' is not a regular file"* ]]
}

@test "exec -u NAME: the container links its /etc/passwd to /dev/zero: resolved in its root, no such user" {
  running zerolink
  berth exec zerolink sh -c 'ln -sf /dev/zero /etc/passwd'
  run timeout 10 "$BERTH_BIN" exec -u someone zerolink id
  [ "$status" -ne 124 ]
  [ "$status" -ne 0 ]
  [[ "$output" == *"unable to find user someone: no matching entries in passwd file"* ]]
}

@test "exec -u NAME:GROUP: a FIFO /etc/group is refused at once too" {
  running fifogroup
  berth exec fifogroup sh -c 'rm /etc/group && mkfifo /etc/group'
  run timeout 10 "$BERTH_BIN" exec -u someone:somegroup fifogroup id
  [ "$status" -ne 124 ]
  [ "$status" -ne 0 ]
  [[ "$output" == *"cannot read the container's /etc/group: '/etc/group' is not a regular file"* ]]
}

@test "exec -u NAME: a 17 MiB /etc/passwd is refused, not read whole" {
  running big
  berth exec big sh -c 'dd if=/dev/zero of=/etc/passwd bs=1M seek=17 count=0 2>/dev/null'
  run timeout 10 "$BERTH_BIN" exec -u someone big id
  [ "$status" -ne 124 ]
  [ "$status" -ne 0 ]
  [[ "$output" == *"'/etc/passwd' is larger than 16777216 bytes"* ]]
}
