#!/usr/bin/env bats
# The container's /etc/hostname, /etc/hosts and /etc/resolv.conf are files of
# berth's container directory, bind-mounted in and writable by the container.
# berth rewrites them at each start only when they change, so at a start it
# reads what the container left there. Here a container makes each a 64 GiB
# sparse file and is started again: the start must neither read them whole
# (minutes of zeros, or the CLI's memory) nor fail — each is replaced, a few
# bytes again.

load helpers

setup_file() {
  sec_setup_file_plain
}

teardown_file() {
  sec_teardown_file
}

teardown() {
  sec_remove_containers
}

@test "start: /etc/hosts, hostname and resolv.conf a container made huge are replaced, not read" {
  berth run -d --name big plain sh -c \
    '[ -e /made ] || for f in hosts hostname resolv.conf; do truncate -s 64G /etc/$f && touch /made; done; sleep 1000' \
    >/dev/null
  local id dir f
  id=$(berth inspect -f '{{.Id}}' big)
  dir=$BERTH_ROOT/containers/$id
  wait_until 10 test "$(stat -c %s "$dir/resolv.conf")" -gt 1000000000
  berth stop -t 0 big >/dev/null
  run timeout 30 "$BERTH_BUILD/cmd/berth/berth" start big
  [ "$status" -eq 0 ]
  for f in hosts hostname resolv.conf; do
    [ "$(stat -c %s "$dir/$f")" -lt 65536 ] || {
      echo "$f is still $(stat -c %s "$dir/$f") bytes"
      return 1
    }
  done
  [ "$(berth exec big cat /etc/hostname)" = "${id:0:12}" ]
}
