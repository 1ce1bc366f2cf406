#!/usr/bin/env bats
# IPv6 router advertisements from a hostile container (CVE-2020-13401's class).
# CAP_NET_RAW is in the default set: a container can put any frame on its
# network. An advertisement to all nodes (ff02::1) with a prefix and a router
# lifetime makes every listener that takes it configure an address in that
# prefix and a default route through the sender: the host on the bridge
# (where it has no IPv6 forwarding, the common case), and the network's
# other containers. berth's bridges take none (accept_ra 0); a container's
# link has IPv6 only on a network that gives it an IPv6 address (Docker's
# rule), and even there takes no advertisement (berth's networks have no
# router but a hostile container).
#
# The attempt is real: the frame (Ethernet, IPv6, ICMPv6 with its checksum) is
# made by hand and sent on a packet socket in the attacker's namespace, as a
# container with CAP_NET_RAW can, whether or not its own link has IPv6.

load ../integration/helpers
bats_require_minimum_version 1.5.0

PREFIX=2001:db8:bad

setup() {
  setup_engine_test
  berth import "$WORK/busybox.tar" img >/dev/null
  # ra.py: three router advertisements for $PREFIX::/64 (autonomous) with a
  # router lifetime, from a made-up link-local source, on eth0 of the
  # namespace it runs in
  cat >"$WORK/ra.py" <<'EOF'
import socket, struct, sys, time
prefix = socket.inet_pton(socket.AF_INET6, sys.argv[1] + "::")
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
mac = s.getsockname()[4]
src = bytes.fromhex("fe80000000000000") + bytes([mac[0] ^ 2]) + mac[1:3] + b"\xff\xfe" + mac[3:6]
dst = socket.inet_pton(socket.AF_INET6, "ff02::1")
# RA: hop limit 64, no flags, router lifetime 60 s; options: source link-layer
# address, prefix information (64 bits, on-link and autonomous, 60 s)
body = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 60, 0, 0)
body += struct.pack("!BB", 1, 1) + mac
body += struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 60, 60, 0) + prefix
pseudo = src + dst + struct.pack("!I", len(body)) + b"\0\0\0\x3a"
data = pseudo + body
total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
while total >> 16:
    total = (total & 0xFFFF) + (total >> 16)
body = body[:2] + struct.pack("!H", ~total & 0xFFFF) + body[4:]
ip6 = struct.pack("!IHBB", 6 << 28, len(body), 58, 255) + src + dst
frame = b"\x33\x33\x00\x00\x00\x01" + mac + b"\x86\xdd" + ip6 + body
for _ in range(3):
    s.send(frame)
    time.sleep(0.2)
EOF
}

teardown() {
  remove_berth_containers
  teardown_engine_test
}

sandbox() { berth inspect -f '{{.NetworkSettings.SandboxKey}}' "$1"; }

# attack NAME: NAME's namespace sends the advertisements
attack() {
  nsenter --net="$(sandbox "$1")" python3 "$WORK/ra.py" "$PREFIX"
  sleep 1 # what takes them has taken them by now (the kernel does it on receipt)
}

@test "a container's router advertisement gives the host no address and no route" {
  berth run -d --name atk img sleep 300
  local br
  br=$(berth network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' bridge)
  [ -n "$br" ]
  # a host without IPv6 forwarding on the bridge (the common case; all.forwarding
  # may be on here): where the kernel would take an advertisement if let
  sysctl -qw "net.ipv6.conf.$br.forwarding=0"
  attack atk
  run ip -6 addr show dev "$br"
  [ "$status" -eq 0 ]
  [[ "$output" != *"$PREFIX"* ]] || { echo "the host took an address: $output"; false; }
  run ip -6 route show dev "$br"
  [ "$status" -eq 0 ]
  [[ "$output" != *default* && "$output" != *"$PREFIX"* ]] || {
    echo "the host took a route: $output"
    false
  }
  [ "$(cat "/proc/sys/net/ipv6/conf/$br/accept_ra")" = 0 ]
}

@test "on an IPv4 network, another container's link has no IPv6 to take an advertisement with" {
  berth network create rnet >/dev/null
  berth run -d --name vic --network rnet img sleep 300
  berth run -d --name atk --network rnet img sleep 300
  attack atk
  run nsenter --net="$(sandbox vic)" ip -6 addr show dev eth0
  [ "$status" -eq 0 ]
  [ -z "$output" ] || { echo "the victim's eth0 has IPv6: $output"; false; }
  run nsenter --net="$(sandbox vic)" ip -6 route show
  [ "$status" -eq 0 ]
  [[ "$output" != *default* && "$output" != *"$PREFIX"* ]] || {
    echo "the victim took a route: $output"
    false
  }
  # lo keeps ::1, and IPv4 between the two still works
  run nsenter --net="$(sandbox vic)" ip -6 addr show dev lo
  [[ "$output" == *"::1/128"* ]]
  berth exec vic ping -c 1 -W 2 atk
}

@test "on an IPv6 network, the containers keep their address and their one default route" {
  berth network create --ipv6 --subnet fd00:bad:7::/64 six >/dev/null
  berth run -d --name vic --network six img sleep 300
  berth run -d --name atk --network six img sleep 300
  attack atk
  run nsenter --net="$(sandbox vic)" ip -6 addr show dev eth0
  [ "$status" -eq 0 ]
  [[ "$output" == *"fd00:bad:7::2/64"* ]]
  [[ "$output" != *"$PREFIX"* ]] || { echo "the victim took an address: $output"; false; }
  run nsenter --net="$(sandbox vic)" ip -6 route show default
  [ "$status" -eq 0 ]
  [ "$output" = "default via fd00:bad:7::1 dev eth0 metric 1024 pref medium" ] || {
    echo "the victim's default routes: $output"
    false
  }
  # IPv6 on the network still works: the victim reaches the attacker's address
  local a6
  a6=$(berth inspect -f '{{.NetworkSettings.Networks.six.GlobalIPv6Address}}' atk)
  [[ "$a6" == fd00:bad:7::* ]]
  berth exec vic ping -6 -c 1 -W 2 "$a6"
}
