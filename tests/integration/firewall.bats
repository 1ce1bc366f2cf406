#!/usr/bin/env bats
# berth's nftables table (src/net/firewall.c), for real, in network namespaces
# this suite makes: a "host" with two bridges and a container on each, and a
# "remote" host beside it. Published ports answer from the host and from the
# remote host; one published on 127.0.0.1 only from the host; containers are
# not reachable by their addresses from elsewhere nor from the other network;
# what they send out is masqueraded. The host's own namespace and its ruleset
# are never touched.

load helpers

FW="$BERTH_BUILD/tests/unit/fw-script"

setup() {
  command -v nft >/dev/null || skip "nft is not installed (scripts/install-deps)"
  P=berthfw$$
  H=$P-h C=$P-c D=$P-d R=$P-r
  PIDS=()
  WWW=$(mktemp -d /tmp/berth-fw.XXXXXX)
  echo hello-from-c >"$WWW/index.html"
  for ns in $H $C $D $R; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
  # the host: bridges bfw0 (10.231.5.1/24, container C) and bfw1 (10.231.6.1/24, container D)
  ip -n $H link add name bfw0 type bridge
  ip -n $H link add name bfw1 type bridge
  ip -n $H addr add 10.231.5.1/24 dev bfw0
  ip -n $H addr add 10.231.6.1/24 dev bfw1
  ip -n $H link set bfw0 up
  ip -n $H link set bfw1 up
  local ns br net i
  for ns in C D; do
    if [ $ns = C ]; then br=bfw0 net=5; else br=bfw1 net=6; fi
    ip -n $H link add name "v$ns" type veth peer name eth0 netns "${!ns}"
    ip -n $H link set "v$ns" master $br up
    ip -n "${!ns}" addr add "10.231.$net.2/24" dev eth0
    ip -n "${!ns}" link set eth0 up
    ip -n "${!ns}" route add default via "10.231.$net.1"
  done
  # the remote host on 198.51.100.0/24 (TEST-NET-2), routed through the host
  ip -n $H link add name vR type veth peer name eth0 netns $R
  ip -n $H addr add 198.51.100.1/24 dev vR
  ip -n $H link set vR up
  ip -n $R addr add 198.51.100.2/24 dev eth0
  ip -n $R link set eth0 up
  ip -n $R route add 10.231.0.0/16 via 198.51.100.1
  ip netns exec $H sysctl -qw net.ipv4.ip_forward=1
  ip netns exec $H sysctl -qw net.ipv4.conf.bfw0.route_localnet=1
  ip netns exec $C busybox httpd -f -p 80 -h "$WWW" &
  PIDS+=($!)
  ip netns exec $D busybox httpd -f -p 80 -h "$WWW" &
  PIDS+=($!)
  ip netns exec $R busybox httpd -f -p 80 -h "$WWW" &
  PIDS+=($!)
  # each listens before a test begins (a loaded machine can take a while to start them)
  for ns in $C $D $R; do
    for i in $(seq 100); do ip netns exec "$ns" ss -Hltn | grep -q ':80 ' && break; sleep 0.05; done
  done
}

teardown() {
  local p ns
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  for ns in $H $C $D $R; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$WWW"
}

# get NS URL: the page (curl), or nothing within 2 s
get() { ip netns exec "$1" curl -s --connect-timeout 2 -m 5 "$2" 2>/dev/null || true; }

apply() {
  ip netns exec $H "$FW" berth-test --apply \
    net bfw0 10.231.5.0/24 - - net bfw1 10.231.6.0/24 - - \
    port tcp - 8080 10.231.5.2 80 \
    port tcp 127.0.0.1 8081 10.231.5.2 80 \
    port tcp 198.51.100.1 8082 10.231.5.2 80 "$@"
}

@test "firewall: published ports answer from the host and from another host, in the kernel" {
  apply
  # from the host itself, on loopback and on its other addresses
  [ "$(get $H http://127.0.0.1:8080/)" = hello-from-c ]
  [ "$(get $H http://198.51.100.1:8080/)" = hello-from-c ]
  # from the remote host
  [ "$(get $R http://198.51.100.1:8080/)" = hello-from-c ]
  [ "$(get $R http://198.51.100.1:8082/)" = hello-from-c ]
  # a port published on one address only: not on another of the host's
  [ -z "$(get $H http://10.231.5.1:8082/)" ]
  # no process listens on the host for any of it
  [ -z "$(ip netns exec $H ss -Hltn)" ]
}

@test "firewall: a port published on 127.0.0.1 is the host's alone; containers are not reachable by address" {
  apply
  [ "$(get $H http://127.0.0.1:8081/)" = hello-from-c ]
  # the remote host cannot reach it on the host's address…
  [ -z "$(get $R http://198.51.100.1:8081/)" ]
  # …nor the container by its own address, routed through the host
  [ -z "$(get $R http://10.231.5.2/)" ]
  # without berth's table the route works: the drop above is the table's
  ip netns exec $H "$FW" berth-test --apply
  [ -z "$(ip netns exec $H nft list tables)" ]
  [ "$(get $R http://10.231.5.2/)" = hello-from-c ]
}

@test "firewall: networks are isolated from each other; what a container sends out is masqueraded" {
  apply
  # C and D are on two networks of the host: no way from one to the other
  [ -z "$(get $D http://10.231.5.2/)" ]
  [ -z "$(get $C http://10.231.6.2/)" ]
  # out to the remote host, as the host's address: the remote host has no way back to
  # 10.231/16 but through the host's masquerade
  ip -n $R route del 10.231.0.0/16
  [ "$(get $C http://198.51.100.2/)" = hello-from-c ]
  ip netns exec $H "$FW" berth-test --apply net bfw0 10.231.5.0/24 - internal
  [ -z "$(get $C http://198.51.100.2/)" ]
  ip -n $R route add 10.231.0.0/16 via 198.51.100.1
  # an internal network reaches nothing outside
  ip netns exec $H "$FW" berth-test --apply net bfw0 10.231.5.0/24 - internal net bfw1 10.231.6.0/24 - -
  [ -z "$(get $C http://198.51.100.2/)" ]
  [ "$(get $D http://198.51.100.2/)" = hello-from-c ]
}

@test "firewall: the table is replaced whole and removed when nothing needs it; other tables are never touched" {
  ip netns exec $H nft add table inet someone-else
  ip netns exec $H nft add chain inet someone-else c
  apply
  [ "$(ip netns exec $H nft list table inet berth-test | grep -c '8080 : 10.231.5.2 . 80')" -eq 1 ]
  # a change: the old port is gone, the new one there
  ip netns exec $H "$FW" berth-test --apply net bfw0 10.231.5.0/24 - - port udp - 5353 10.231.5.2 53
  ! ip netns exec $H nft list table inet berth-test | grep -q 8080
  ip netns exec $H nft list table inet berth-test | grep -q '5353 : 10.231.5.2 . 53'
  ip netns exec $H "$FW" berth-test --apply
  ! ip netns exec $H nft list table inet berth-test 2>/dev/null
  ip netns exec $H nft list table inet someone-else | grep -q "chain c"
  # bad input changes nothing
  apply
  run ip netns exec $H "$FW" berth-test --apply net 'bad/name' 10.231.5.0/24 - -
  [ "$status" -ne 0 ]
  run ip netns exec $H "$FW" berth-test --apply net bfw0 10.231.5.0/24 - - port sctp - 1 10.231.5.2 1
  [ "$output" = 'fw-script: invalid protocol "sctp"' ]
  run ip netns exec $H "$FW" berth-test --apply net bfw0 10.231.5.0/24 - - port tcp ::1 1 10.231.5.2 1
  [ "$output" = "fw-script: ::1 and 10.231.5.2 are not of one family" ]
  [ "$(ip netns exec $H nft list table inet berth-test | grep -c '8080 : 10.231.5.2 . 80')" -eq 1 ]
}

# udp_heard NS SECONDS CMD...: the datagrams a listener on NS's port 9999 heard while CMD ran,
# one "source payload" per line
udp_heard() {
  local ns=$1 secs=$2 out
  shift 2
  out=$(mktemp /tmp/berth-fw-udp.XXXXXX)
  ip netns exec "$ns" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 9999))
s.settimeout(0.2)
out = open(sys.argv[1], "w")
print("ready", file=out, flush=True)
end = time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        data, addr = s.recvfrom(100)
        print(addr[0].removeprefix("::ffff:"), data.decode(), file=out, flush=True)
    except socket.timeout:
        pass' "$out" "$secs" &
  local l=$!
  for _ in $(seq 50); do grep -q ready "$out" && break; sleep 0.05; done
  "$@"
  wait "$l"
  grep -v '^ready$' "$out"
  rm -f "$out"
}

# send_from NS SOURCE PAYLOAD: three datagrams to the remote host's port 9999 (its IPv4 or
# IPv6 address, as SOURCE is), from SOURCE
send_from() {
  ip netns exec "$1" python3 -c '
import socket, sys
six = ":" in sys.argv[1]
s = socket.socket(socket.AF_INET6 if six else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
for _ in range(3):
    s.sendto(sys.argv[2].encode(), ("fd00:51::2" if six else "198.51.100.2", 9999))' "$2" "$3"
}

@test "firewall: what a container sends with a forged source address does not leave its network" {
  # IPv6 too: the first network and the remote host get IPv6 addresses
  ip -n $H addr add fd00:231:5::1/64 dev bfw0 nodad
  ip -n $H addr add fd00:51::1/64 dev vR nodad
  ip netns exec $H sysctl -qw net.ipv6.conf.all.forwarding=1
  ip -n $C addr add fd00:231:5::2/64 dev eth0 nodad
  ip -n $C -6 route add default via fd00:231:5::1
  ip -n $R addr add fd00:51::2/64 dev eth0 nodad
  ip netns exec $H "$FW" berth-test --apply \
    net bfw0 10.231.5.0/24 fd00:231:5::/64 - net bfw1 10.231.6.0/24 - -
  # the hostile container gives itself addresses that are not its own: another host's, and
  # one of the other network's (CAP_NET_RAW makes such packets without them, too)
  ip -n $C addr add 10.99.0.5/32 dev eth0
  ip -n $C addr add 10.231.6.9/32 dev eth0
  ip -n $C addr add fd00:99::5/128 dev eth0 nodad
  run udp_heard $R 1.5 sh -c "$(declare -f send_from); send_from $C 10.99.0.5 forged-outside; send_from $C 10.231.6.9 forged-network; send_from $C fd00:99::5 forged-outside6; send_from $C 10.231.5.2 real; send_from $C fd00:231:5::2 real6"
  [ "$status" -eq 0 ]
  # its own addresses go out (as the host's, masqueraded); the forged ones do not
  [[ "$output" == *"198.51.100.1 real"* && "$output" == *"fd00:51::1 real6"* ]] || {
    echo "heard: $output"
    false
  }
  [[ "$output" != *forged* ]] || { echo "heard: $output"; false; }
  # without berth's table the forged source is forwarded as it is: the drop above is the table's
  ip netns exec $H "$FW" berth-test --apply
  run udp_heard $R 1.5 sh -c "$(declare -f send_from); send_from $C 10.99.0.5 forged-outside"
  [[ "$output" == *"10.99.0.5 forged-outside"* ]]
}
