#!/usr/bin/env bats
# Ports published on [::1], which the kernel cannot DNAT (an answer de-NATed to ::1 that comes
# in on a bridge is dropped): the container's berth-monitor holds the socket and forwards
# (cmd/berth-monitor/forward.c). And hairpin: a container reaching its own published port
# through the host's address on its bridge. Traffic only to ::1, 127.0.0.1 and the addresses
# of the containers and bridges made here.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  setup_engine_test
  import_net_image
}

teardown() {
  remove_berth_containers
  teardown_engine_test
}

httpd_args() { echo img httpd -f -p 80 -h /www; }

# Whether something listens on [::1]:PORT over TCP.
held6() { ss -Htln "sport = :$1" | grep -qF '[::1]'; }

# The pid of a container's berth-monitor.
monitor_of() { pgrep -f "berth-monitor --sync-fd 3 .*$(berth inspect -f '{{.Id}}' "$1")" | head -1; }

@test "-p [::1]:H:80 answers from the host over IPv6 (the monitor forwards), is held while it runs and free after" {
  berth run -d --name web -p '[::1]:18680:80' $(httpd_args)
  held6 18680
  [[ "$(curl -s --max-time 3 -g 'http://[::1]:18680/')" == *"hello from the container"* ]]
  # several at once, and a bigger body both ways (splice through the pipes)
  head -c 300000 /dev/urandom | base64 -w0 >"$WORK/rootfs/www/big"
  berth cp "$WORK/rootfs/www/big" web:/www/big
  local i
  for i in 1 2 3 4; do curl -s --max-time 5 -g -o "$WORK/got$i" 'http://[::1]:18680/big' & done
  wait
  for i in 1 2 3 4; do cmp "$WORK/got$i" "$WORK/rootfs/www/big"; done
  run berth port web 80
  [[ "$output" == *"[::1]:18680"* ]]
  # nothing of it in the kernel's table: it would catch the connection before the monitor
  run ! bash -c "nft list table inet berth$(berth_net_suffix "$BERTH_ROOT") | grep -F 18680"
  # the listening socket is the monitor's, not the container's
  local mon
  mon=$(monitor_of web)
  [ -n "$mon" ]
  ss -Htlnp "sport = :18680" | grep -q "pid=$mon,"
  # a second container on the same port: Docker's error, and nothing of it left running
  run berth run -d --name web2 -p '[::1]:18680:80' $(httpd_args)
  [ "$status" -ne 0 ]
  [[ "$output" == *"port is already allocated"* ]]
  run berth inspect -f '{{.State.Running}}' web2
  [ "$output" != "true" ]
  # stopped: the port is free (the monitor is gone), and taken again by the next start
  berth stop -t 1 web
  run ! held6 18680
  run ! curl -s --max-time 2 -g 'http://[::1]:18680/'
  berth start web
  wait_until 5 held6 18680
  [[ "$(curl -s --max-time 3 -g 'http://[::1]:18680/')" == *"hello from the container"* ]]
  berth rm -f web
  run ! held6 18680
  # the second one now can
  berth rm -f web2
  berth run -d --name web3 -p '[::1]:18680:80' $(httpd_args)
  [[ "$(curl -s --max-time 3 -g 'http://[::1]:18680/')" == *"hello from the container"* ]]
}

@test "a port of the host taken on [::1] is refused; udp on [::1] answers; the container sees no socket of the monitor" {
  python3 -c 'import socket,time,sys; s=socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("::1", 18690)); s.listen(); open(sys.argv[1],"w").close(); time.sleep(30)' "$WORK/listening" &
  local lp=$!
  wait_until 5 test -e "$WORK/listening"
  run berth run -d --name taken -p '[::1]:18690:80' $(httpd_args)
  kill "$lp"
  [ "$status" -ne 0 ]
  [[ "$output" == *"port is already allocated"* ]]
  berth run -d --name udp1 -p '[::1]:18653:53/udp' img udp-echo 53
  run udp_ping ::1 18653
  [ "$output" = "echo: ping over udp" ]
  # the monitor's sockets are in none of the container's processes (the sockets are
  # O_CLOEXEC: the helper, so the container, never has them)
  local mon inodes pid
  mon=$(monitor_of udp1)
  inodes=$(find /proc/"$mon"/fd -lname 'socket:*' -printf '%l\n')
  [ -n "$inodes" ]
  berth exec -d udp1 sleep 30
  local n=0 sandbox
  sandbox=$(stat -L -c %i "$(berth inspect -f '{{.NetworkSettings.SandboxKey}}' udp1)")
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$(stat -L -c %i /proc/$pid/ns/net 2>/dev/null)" = "$sandbox" ] || continue
    n=$((n + 1))
    run ! bash -c "find /proc/$pid/fd -lname 'socket:*' -printf '%l\\n' 2>/dev/null | grep -xF '$inodes'"
  done
  [ "$n" -ge 2 ]
}

@test "hairpin: a container reaches its own published port through the host's address on its bridge" {
  berth run -d --name hp -p 18681:80 $(httpd_args)
  local gw
  gw=$(berth inspect hp | jq -r '.[0].NetworkSettings.Gateway')
  [ -n "$gw" ] && [ "$gw" != null ]
  # the veth on the bridge is in hairpin mode
  local sfx
  sfx=$(berth_net_suffix "$BERTH_ROOT")
  run bash -c "bridge -d link show master berth0$sfx"
  [[ "$output" == *"hairpin on"* ]]
  run berth exec hp sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 nc $gw 18681"
  [[ "$output" == *"hello from the container"* ]]
}

@test "a restart by policy keeps the [::1] socket (the same monitor holds it) and it answers again" {
  berth run -d --name rs --restart always -p '[::1]:18685:80' img \
    sh -c 'timeout 2 httpd -f -p 80 -h /www; exit 3'
  [[ "$(curl -s --max-time 3 -g 'http://[::1]:18685/')" == *"hello from the container"* ]]
  local mon
  mon=$(monitor_of rs)
  wait_until 15 bash -c "[ \"\$($BERTH_BUILD/cmd/berth/berth inspect -f '{{.RestartCount}}' rs)\" -ge 1 ]"
  held6 18685
  [ "$(monitor_of rs)" = "$mon" ]
  ss -Htlnp "sport = :18685" | grep -q "pid=$mon,"
  wait_until 5 bash -c "curl -s --max-time 1 -g 'http://[::1]:18685/' | grep -q 'hello from the container'"
  berth rm -f rs
  run ! held6 18685
}

@test "a port published on every address of an IPv6 network answers on [::1] too (forwarded), on the host's other IPv6 addresses (DNAT) and on 127.0.0.1" {
  berth network create --ipv6 --subnet fd99:7::/64 --subnet 10.237.7.0/24 v6net
  berth run -d --name web6 --network v6net -p 18688:80 $(httpd_args)
  run berth port web6 80
  [[ "$output" == *"[::]:18688"* ]]
  # ::1 is not DNATed (its answer would be dropped on the bridge and the client would hang):
  # the monitor holds [::1]:18688 and forwards it
  held6 18688
  ss -Htlnp "sport = :18688" | grep -q "pid=$(monitor_of web6),"
  [[ "$(curl -s --max-time 3 -g 'http://[::1]:18688/')" == *"hello from the container"* ]]
  [[ "$(curl -s --max-time 3 -g 'http://[fd99:7::1]:18688/')" == *"hello from the container"* ]]
  [[ "$(curl -s --max-time 3 http://127.0.0.1:18688/)" == *"hello from the container"* ]]
  berth rm -f web6
  run ! held6 18688
  berth network rm v6net
}
