#!/usr/bin/env bats
# A container must not reach the host's loopback services. The bridges have
# route_localnet (a port published on 127.0.0.1 is DNATed out of lo to the
# container), which would also let a container that crafts packets to
# 127.0.0.0/8 (CAP_NET_RAW, in the default set, is enough) have them
# delivered to the host's local-only services (CVE-2020-8558's class, in
# kube-proxy). berth's table drops what a bridge brings in for 127.0.0.0/8
# but answers to the host's own connections.
#
# The attempt is real: the container's namespace is given a route to
# 127.0.0.2 through its gateway (what a hostile container does with a raw
# socket), and a UDP and a TCP service listen on the host's 127.0.0.2.

load ../integration/helpers
bats_require_minimum_version 1.5.0

setup() {
  setup_engine_test
  berth import "$WORK/busybox.tar" img >/dev/null
}

teardown() {
  [ -n "${LP:-}" ] && kill "$LP" 2>/dev/null
  remove_berth_containers
  teardown_engine_test
}

@test "a container's packets to the host's 127.0.0.0/8 are dropped; the host's own connections through a port on 127.0.0.1 still work" {
  python3 -c '
import socket, sys, select
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.2", 18998))
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.2", 18997)); t.listen()
open(sys.argv[1], "w").close()
got = open(sys.argv[2], "w")
while True:
    r, _, _ = select.select([u, t], [], [], 30)
    if not r:
        break
    for s in r:
        if s is u:
            got.write("udp %r\n" % (s.recvfrom(100),))
        else:
            c, a = s.accept(); got.write("tcp %r\n" % (a,)); c.close()
        got.flush()
' "$WORK/ready" "$WORK/got" &
  LP=$!
  wait_until 5 test -e "$WORK/ready"
  berth run -d --name atk -p 127.0.0.1:18996:80 img httpd -f -p 80 -h /
  local sb gw
  sb=$(berth inspect -f '{{.NetworkSettings.SandboxKey}}' atk)
  gw=$(berth inspect atk | jq -r '.[0].NetworkSettings.Networks.bridge.Gateway')
  # the hostile container's route to the host's loopback, through its gateway
  nsenter --net="$sb" sh -c "sysctl -qw net.ipv4.conf.eth0.route_localnet=1 && ip route add 127.0.0.2/32 via $gw dev eth0"
  nsenter --net="$sb" python3 -c '
import socket
for _ in range(3):
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"evil", ("127.0.0.2", 18998))
s = socket.socket(); s.settimeout(2)
try:
    s.connect(("127.0.0.2", 18997))
except OSError:
    pass'
  sleep 0.5
  # nothing came in
  [ ! -s "$WORK/got" ]
  # and the host still reaches the container through its port on 127.0.0.1 (answers come in)
  run curl -s -m 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:18996/
  [ "$output" = 404 ]
}
