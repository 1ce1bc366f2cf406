#!/usr/bin/env bats
# Containers on networks (issue 12): eth0 with its address, routes and MTU on a
# bridge made on demand; traffic between containers of one network and none
# between networks; published ports from the host, from "another host" (a
# network namespace this suite makes, joined to the host by a veth pair) and
# not through 127.0.0.1 from it; host, none and container: modes; leases; and
# nothing left after stop, rm or a kill. Traffic goes only to 127.0.0.1 and to
# the namespaces and containers made here.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  setup_engine_test
  import_net_image -c 'EXPOSE 80/tcp' -c 'EXPOSE 53/udp'
  SFX=$(berth_net_suffix "$BERTH_ROOT")
  REMOTE=""
}

teardown() {
  [ -n "$REMOTE" ] && { ip netns del "$REMOTE" 2>/dev/null; ip link del "${REMOTE}h" 2>/dev/null; }
  [ -n "${PARENT:-}" ] && ip link del "$PARENT" 2>/dev/null
  remove_berth_containers
  teardown_engine_test
}

# An HTTP server in a container: busybox httpd on port 80, serving /www.
httpd_args() { echo img httpd -f -p 80 -h /www; }

# fetch ADDR PORT: an HTTP GET from the host (curl), its body on stdout.
fetch() { curl -s --max-time 3 "http://$1:$2/"; }

# ctr_fetch CONTAINER ADDR: an HTTP GET from inside a container (busybox nc; its wget
# crashes when static).
ctr_fetch() {
  berth exec "$1" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 nc $2 80"
}

ip_of() { berth inspect "$1" | jq -r --arg n "$2" '.[0].NetworkSettings.Networks[$n].IPAddress'; }

# How many veths are in this root's bridges, on the host.
veths_of() { ip -o link show master "$1" 2>/dev/null | wc -l; }

@test "run on the default bridge: eth0 with an address of the pool, the default route, the MTU, lo up" {
  run berth run --rm img sh -c 'ip -o addr show eth0; ip route; cat /sys/class/net/eth0/mtu; ip -o link show lo'
  [ "$status" -eq 0 ]
  [[ "$output" =~ inet\ (172\.(1[7-9]|2[0-9]|3[01])|192\.168)\.[0-9]+\.[0-9]+/ ]]
  [[ "$output" == *"default via "* ]]
  [[ "$output" == *1500* ]]
  [[ "$output" == *"lo: <LOOPBACK,UP,LOWER_UP>"* ]]
  # the bridge went with its last container, and so did the firewall table
  wait_until 5 bash -c "! ip link show berth0$SFX >/dev/null 2>&1"
  wait_until 5 bash -c "! nft list table inet berth$SFX >/dev/null 2>&1"
  [ -z "$(ls "$BERTH_RUNROOT/netns" 2>/dev/null)" ]
  ! grep -qF " $BERTH_RUNROOT/" /proc/self/mountinfo
}

@test "inspect: NetworkSettings while running (address, gateway, MAC, sandbox); /etc/hosts names the address" {
  berth run -d --name c1 img sleep 300
  run berth inspect c1
  [ "$status" -eq 0 ]
  local ns ip gw mac
  ns=$(jq '.[0].NetworkSettings' <<<"$output")
  ip=$(jq -r '.Networks.bridge.IPAddress' <<<"$ns")
  gw=$(jq -r '.Networks.bridge.Gateway' <<<"$ns")
  mac=$(jq -r '.Networks.bridge.MacAddress' <<<"$ns")
  [ "$(jq -r '.IPAddress' <<<"$ns")" = "$ip" ]
  [[ "$ip" =~ ^[0-9.]+$ ]]
  [ "$(jq -r '.Networks.bridge.IPPrefixLen' <<<"$ns")" -gt 0 ]
  [ "$(jq -r '.Networks.bridge.NetworkID' <<<"$ns")" = "$(berth network inspect -f '{{.Id}}' bridge)" ]
  [[ "$(jq -r '.SandboxKey' <<<"$ns")" == "$BERTH_RUNROOT/netns/"* ]]
  # Docker's MAC: 02:42 and the address
  [ "$mac" = "$(printf '02:42:%02x:%02x:%02x:%02x' ${ip//./ })" ]
  [ "$(berth exec c1 cat /sys/class/net/eth0/address)" = "$mac" ]
  run berth exec c1 cat /etc/hosts
  [[ "$output" == *"$ip"$'\t'* ]]
  # the network shows it; the gateway answers from the container
  [[ "$(berth network inspect bridge | jq -r '.[0].Containers[].IPv4Address')" == "$ip/"* ]]
  berth exec c1 ping -c 1 -W 2 "$gw"
  # stopped: no address any more, the lease is free
  berth stop -t 0 c1
  [ "$(ip_of c1 bridge)" = "" ]
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT count(*) FROM network_leases')" -eq 0 ]
  [ "$(berth inspect -f '{{.NetworkSettings.SandboxKey}}' c1)" = "" ]
}

@test "a user network: containers reach each other, not those of another network; --internal reaches nothing outside" {
  berth network create --subnet 10.231.0.0/24 front
  berth network create --subnet 10.232.0.0/24 back
  berth network create --internal --subnet 10.233.0.0/24 inner
  berth run -d --name web --network front $(httpd_args)
  berth run -d --name client --network front img sleep 300
  berth run -d --name other --network back img sleep 300
  berth run -d --name shut --network inner img sleep 300
  local web
  web=$(ip_of web front)
  [[ "$web" == 10.231.0.* ]]
  run ctr_fetch client "$web"
  [[ "$output" == *"hello from the container"* ]]
  # the host reaches its own containers by address
  [[ "$(fetch "$web" 80)" == *"hello from the container"* ]]
  # a published port reached from a container of the same network through the host's
  # address (hairpin: answered the way it went)
  berth run -d --name webp --network front -p 18580:80 $(httpd_args)
  run berth exec client sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 nc 10.231.0.1 18580"
  [[ "$output" == *"hello from the container"* ]]
  berth rm -f webp
  # an address asked for on the default bridge is refused, as dockerd does
  run berth run --rm --ip 172.17.0.99 img true
  [ "$status" -ne 0 ]
  [[ "$output" == *"user specified IP address is supported on user defined networks only"* ]]
  # a hostile alias (a line of the resolver's names file) is refused
  run berth run -d --network front --network-alias $'x 10.9.9.9\nevil' img true
  [ "$status" -ne 0 ]
  [[ "$output" == *"invalid network alias"* ]]
  # another network's container does not
  run ctr_fetch other "$web"
  [[ "$output" != *"hello"* ]]
  # an internal network has no way out of its bridge
  run ctr_fetch shut "$web"
  [[ "$output" != *"hello"* ]]
  # names: the container's, its alias, its short id, from the network's resolver; one started
  # after the client, at once when its run returns; not from another network
  berth run -d --name late --network front --network-alias late-alias img sleep 300
  local late sid
  late=$(ip_of late front)
  sid=$(berth inspect -f '{{.Id}}' late | cut -c1-12)
  for n in late late-alias "$sid"; do
    run berth exec client nslookup "$n"
    [[ "$output" == *"Address: $late"* ]]
  done
  run berth exec client cat /etc/resolv.conf
  [[ "$output" == *"nameserver 10.231.0.1"* ]]
  # libc's resolver too (nc connects by name)
  run berth exec client sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 nc web 80"
  [[ "$output" == *"hello from the container"* ]]
  run berth exec other nslookup web
  [[ "$output" != *"Address: $web"* ]]
  # one resolver per network, small; it goes with the network's last container
  [ "$(pgrep -fc "berth-dns .*$BERTH_RUNROOT/networks/")" -eq 3 ]
  local pid
  pid=$(pgrep -f "berth-dns .*$BERTH_RUNROOT/networks/$(berth network inspect -f '{{.Id}}' front)")
  [ "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")" -lt 1024 ]
  # renamed, it answers to its new name
  berth rename late renamed-late
  run berth exec client nslookup renamed-late
  [[ "$output" == *"Address: $late"* ]]
  berth rename renamed-late late
  # killed, it is replaced by the next command that needs it
  kill -9 "$pid"
  # (dead once its lock is free: what tells the next command that none runs)
  wait_until 5 flock -n "$BERTH_RUNROOT/networks/$(berth network inspect -f '{{.Id}}' front)/dns.lock" true
  berth run -d --name later2 --network front img sleep 300
  run berth exec client nslookup later2
  [[ "$output" == *"Address: $(ip_of later2 front)"* ]]
  # with --ip, the address asked for; a taken one is refused
  berth run -d --name fixed --network front --ip 10.231.0.77 img sleep 300
  [ "$(ip_of fixed front)" = "10.231.0.77" ]
  run berth run -d --name dup --network front --ip 10.231.0.77 img sleep 300
  [ "$status" -ne 0 ]
  [[ "$output" == *"Address already in use"* ]]
  # the resolvers go with the networks' last containers
  for c in web client late later2 fixed other shut; do berth rm -f "$c" >/dev/null; done
  wait_until 5 bash -c "[ \"\$(pgrep -fc 'berth-[d]ns .*$BERTH_RUNROOT/networks/')\" -eq 0 ]"
}

@test "published ports: -p 127.0.0.1:H:80, a random host port, udp, berth port, -P; a port in use is refused" {
  berth run -d --name web -p 127.0.0.1:18080:80 -p 18081:80 -p 80 $(httpd_args)
  [[ "$(fetch 127.0.0.1 18080)" == *"hello from the container"* ]]
  [[ "$(fetch 127.0.0.1 18081)" == *"hello from the container"* ]]
  run berth port web
  [ "$status" -eq 0 ]
  [[ "$output" == *"80/tcp -> 127.0.0.1:18080"* ]]
  [[ "$output" == *"80/tcp -> 0.0.0.0:18081"* ]]
  local rnd
  rnd=$(berth port web 80 | grep -v ':1808[01]$' | head -1)
  rnd=${rnd##*:}
  [ "$rnd" -gt 1024 ]
  [[ "$(fetch 127.0.0.1 "$rnd")" == *"hello from the container"* ]]
  # the same port again: Docker's error, and nothing of the second container left running
  run berth run -d --name web2 -p 18081:80 $(httpd_args)
  [ "$status" -ne 0 ]
  [[ "$output" == *"port is already allocated"* ]]
  # a port a process of the host holds
  python3 -c 'import socket,time,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 18090)); s.listen(); open(sys.argv[1],"w").close(); time.sleep(30)' "$WORK/listening" &
  local lp=$!
  wait_until 5 test -e "$WORK/listening"
  run berth run -d --name web3 -p 127.0.0.1:18090:80 $(httpd_args)
  kill "$lp"
  [ "$status" -ne 0 ]
  [[ "$output" == *"port is already allocated"* ]]
  # udp: a datagram goes in through the port and its answer comes back
  berth run -d --name udp1 -p 127.0.0.1:18053:53/udp img udp-echo 53
  run udp_ping 127.0.0.1 18053
  [ "$output" = "echo: ping over udp" ]
  # -P: the image's EXPOSE, each on a random port
  berth run -d --name all -P $(httpd_args)
  run berth port all
  [[ "$output" == *"80/tcp -> 0.0.0.0:"* ]]
  [[ "$output" == *"53/udp -> 0.0.0.0:"* ]]
  local p80
  p80=$(berth port all 80/tcp | head -1)
  [[ "$(fetch 127.0.0.1 "${p80##*:}")" == *"hello from the container"* ]]
  # stopped, the ports are free again
  berth rm -f web
  ! fetch 127.0.0.1 18080
  berth run -d --name again -p 18081:80 $(httpd_args)
  [[ "$(fetch 127.0.0.1 18081)" == *"hello from the container"* ]]
}

@test "another host: reaches a port published on every address, not one published on 127.0.0.1, nor a container's address" {
  REMOTE=berthrm$$
  ip netns add "$REMOTE"
  ip link add "${REMOTE}h" type veth peer name eth0 netns "$REMOTE"
  ip addr add 10.239.$((RANDOM % 200)).1/30 dev "${REMOTE}h" 2>/dev/null || true
  local hostaddr
  hostaddr=$(ip -o -4 addr show "${REMOTE}h" | awk '{print $4}' | cut -d/ -f1)
  local base=${hostaddr%.1}
  ip link set "${REMOTE}h" up
  ip -n "$REMOTE" addr add "$base.2/30" dev eth0
  ip -n "$REMOTE" link set eth0 up
  ip -n "$REMOTE" link set lo up
  ip -n "$REMOTE" route add default via "$hostaddr"
  berth run -d --name web -p 18180:80 -p 127.0.0.1:18181:80 $(httpd_args)
  local cip
  cip=$(ip_of web bridge)
  run ip netns exec "$REMOTE" curl -s --max-time 3 "http://$hostaddr:18180/"
  [[ "$output" == *"hello from the container"* ]]
  run ip netns exec "$REMOTE" curl -s --max-time 3 "http://$hostaddr:18181/"
  [[ "$output" != *"hello"* ]]
  run ip netns exec "$REMOTE" curl -s --max-time 3 "http://$cip:80/"
  [[ "$output" != *"hello"* ]]
  # the host itself still reaches both
  [[ "$(fetch 127.0.0.1 18181)" == *"hello from the container"* ]]
}

@test "--network host sees the host's links; none has only lo; container: shares the other's stack" {
  # a link of the test's own, made for this: the host's other links may come and go meanwhile
  # (the kernel deletes a gone namespace's veths in the background)
  # (a veth pair, shown as NAME@PEER: this kernel may have no dummy links)
  local dummy="bhn$$"
  ip link add "$dummy" type veth peer name "${dummy}p"
  run berth run --rm --network host img ip -o link
  ip link del "$dummy"
  [ "$status" -eq 0 ]
  [[ "$output" == *": $dummy@"* ]]
  [[ "$output" == *": lo: "* ]]
  run berth run --rm --network none img ip -o link
  [ "$status" -eq 0 ]
  [ "$(wc -l <<<"$output")" -eq 1 ]
  [[ "$output" == *"lo: <LOOPBACK,UP,LOWER_UP>"* ]]
  berth run -d --name base img sleep 300
  run berth run --rm --network container:base img cat /sys/class/net/eth0/address
  [ "$status" -eq 0 ]
  [ "$output" = "$(berth exec base cat /sys/class/net/eth0/address)" ]
  run berth run --rm --network container:nosuch img true
  [ "$status" -ne 0 ]
  [[ "$output" == *"No such container: nosuch"* ]]
  run berth run --rm --network nosuchnet img true
  [ "$status" -ne 0 ]
  [[ "$output" == *"network nosuchnet not found"* ]]
}

@test "100 containers on one bridge: distinct addresses; stop and start keep the leases consistent; a deleted table comes back" {
  berth network create --subnet 10.234.0.0/24 many
  local i
  for i in $(seq 1 100); do berth run -d --network many --name "m$i" img sleep 600 >/dev/null; done
  run sqlite3 "$BERTH_ROOT/berth.db" "SELECT count(DISTINCT address), count(*) FROM network_leases"
  [ "$output" = "100|100" ]
  [ "$(veths_of "br-$(berth network inspect -f '{{.Id}}' many | cut -c1-12)")" -eq 100 ]
  for i in $(seq 1 50); do berth stop -t 0 "m$i" >/dev/null; done
  run sqlite3 "$BERTH_ROOT/berth.db" "SELECT count(DISTINCT address), count(*) FROM network_leases"
  [ "$output" = "50|50" ]
  for i in $(seq 1 50); do berth start "m$i" >/dev/null; done
  run sqlite3 "$BERTH_ROOT/berth.db" "SELECT count(DISTINCT address), count(*) FROM network_leases"
  [ "$output" = "100|100" ]
  # what inspect says is what the leases say
  [ "$(for i in $(seq 1 100); do ip_of "m$i" many; done | sort -u | wc -l)" -eq 100 ]
  # a firewall reload (ufw, firewalld) drops berth's table: network reload brings it back
  berth run -d --name pub --network many -p 127.0.0.1:18280:80 $(httpd_args)
  [[ "$(fetch 127.0.0.1 18280)" == *"hello"* ]]
  nft delete table inet "berth$SFX"
  ! fetch 127.0.0.1 18280
  berth network reload
  [[ "$(fetch 127.0.0.1 18280)" == *"hello"* ]]
  # and so does the next container start
  nft delete table inet "berth$SFX"
  ! fetch 127.0.0.1 18280
  berth run -d --name m101 --network many img sleep 600
  [[ "$(fetch 127.0.0.1 18280)" == *"hello"* ]]
  berth rm -f m101
  # everything removed: no lease, no veth, no namespace, no table
  for i in $(seq 1 100); do berth rm -f "m$i" >/dev/null; done
  berth rm -f pub
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT count(*) FROM network_leases')" -eq 0 ]
  [ -z "$(ls "$BERTH_RUNROOT/netns" 2>/dev/null)" ]
  wait_until 5 bash -c "! nft list table inet berth$SFX >/dev/null 2>&1"
}

@test "a start killed halfway leaves what the next command sweeps; rm of a running container leaves nothing" {
  berth network create --subnet 10.235.0.0/24 k
  berth create --name victim --network k img sleep 300
  # SIGKILL the start at many points of its network set-up
  local i
  for i in 1 2 3 4 5 6 7 8; do
    "$BERTH_BUILD/cmd/berth/berth" start victim & local p=$!
    sleep "0.00$i"
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    berth rm -f victim >/dev/null 2>&1 || true
    berth create --name victim --network k img sleep 300 >/dev/null
  done
  berth rm -f victim
  berth system check --repair >/dev/null || true
  berth run -d --name survivor --network k img sleep 300
  berth rm -f survivor
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT count(*) FROM network_leases')" -eq 0 ]
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT count(*) FROM container_networks')" -eq 0 ]
  [ -z "$(ls "$BERTH_RUNROOT/netns" 2>/dev/null)" ]
  wait_until 5 bash -c "! ip link show br-$(berth network inspect -f '{{.Id}}' k | cut -c1-12) >/dev/null 2>&1"
}

@test "network connect and disconnect: a running container's interfaces change live, a stopped one's at its start" {
  berth network create --subnet 10.236.0.0/24 side
  berth run -d --name web --network side $(httpd_args)
  berth run -d --name c1 img sleep 300
  run ctr_fetch c1 "$(ip_of web side)"
  [[ "$output" != *"hello"* ]]
  berth network connect --alias other-name side c1
  run berth exec c1 ip -o -4 addr show eth1
  [[ "$output" == *"10.236.0."* ]]
  run ctr_fetch c1 "$(ip_of web side)"
  [[ "$output" == *"hello from the container"* ]]
  [ "$(berth inspect c1 | jq -r '.[0].NetworkSettings.Networks | keys | join(" ")')" = "bridge side" ]
  [ "$(berth inspect c1 | jq -r '.[0].NetworkSettings.Networks.side.Aliases | join(" ")')" = "other-name" ]
  run berth network connect side c1
  [ "$status" -ne 0 ]
  [[ "$output" == *"endpoint with name c1 already exists in network side"* ]]
  berth network disconnect side c1
  run berth exec c1 ip -o link show eth1
  [ "$status" -ne 0 ]
  run berth network disconnect side c1
  [[ "$output" == *"is not connected to network side"* ]]
  berth network disconnect -f side c1
  # a network with a container on it cannot go; once it is off, it can
  run berth network rm side
  [ "$status" -ne 0 ]
  # disconnected from the network of its default route, the next one has it
  berth network connect side c1
  berth network disconnect bridge c1
  run berth exec c1 ip route
  [[ "$output" == *"default via 10.236.0.1"* ]]
  # a stopped container: connected now, on it at its next start
  berth create --name later img sleep 300
  berth network connect side later
  berth start later
  run berth exec later ip -o -4 addr
  [[ "$output" == *"10.236.0."* ]]
  # host and none refuse, as docker's do
  berth run -d --name hn --network host img sleep 300
  run berth network connect side hn
  [ "$status" -ne 0 ]
  [[ "$output" == *"host network"* ]]
  berth run -d --name nn --network none img sleep 300
  run berth network connect side nn
  [ "$status" -ne 0 ]
  [[ "$output" == *"private (none) mode"* ]]
}

@test "IPv6 network: an address of the IPv6 subnet, the v6 default route, a port published over IPv6" {
  berth network create --ipv6 --subnet 10.237.0.0/24 --subnet fd00:237::/64 six
  berth run -d --name web --network six -p 18480:80 $(httpd_args)
  run berth exec web ip -o -6 addr show eth0 scope global
  [[ "$output" == *"fd00:237::"* ]]
  run berth exec web ip -6 route
  [[ "$output" == *"default via fd00:237::1"* ]]
  local ip6
  ip6=$(berth inspect web | jq -r '.[0].NetworkSettings.Networks.six.GlobalIPv6Address')
  [[ "$ip6" == fd00:237::* ]]
  run berth port web 80
  [[ "$output" == *"0.0.0.0:18480"* ]]
  [[ "$output" == *"[::]:18480"* ]]
  # over IPv6 to the host's address on the network, and straight to the container
  [[ "$(curl -s --max-time 3 "http://[fd00:237::1]:18480/")" == *"hello from the container"* ]]
  [[ "$(curl -s --max-time 3 "http://[$ip6]:80/")" == *"hello from the container"* ]]
}

@test "a restart by policy keeps the container's address; --add-host host-gateway is its gateway" {
  berth network create --subnet 10.238.0.0/24 rp
  berth run -d --name rs --network rp --restart always --add-host gw:host-gateway img sh -c 'sleep 1; exit 3'
  local ip
  ip=$(ip_of rs rp)
  [[ "$ip" == 10.238.0.* ]]
  run berth exec rs cat /etc/hosts
  [[ "$output" == *"10.238.0.1"$'\t'"gw"* ]]
  wait_until 15 bash -c "[ \"\$($BERTH_BUILD/cmd/berth/berth inspect -f '{{.RestartCount}}' rs)\" -ge 1 ]"
  wait_until 5 bash -c "[ \"\$($BERTH_BUILD/cmd/berth/berth inspect -f '{{.State.Status}}' rs)\" = running ]"
  [ "$(ip_of rs rp)" = "$ip" ]
  run berth exec rs ip -o -4 addr show eth0
  [[ "$output" == *"$ip/24"* ]]
  berth rm -f rs
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT count(*) FROM network_leases')" -eq 0 ]
}

@test "macvlan: containers on a parent link (a dummy link, or a veth end where the kernel has none) reach each other" {
  PARENT=bmv$$
  if ! ip link add "$PARENT" type dummy 2>/dev/null; then
    ip link add "$PARENT" type veth peer name "${PARENT}p"
    ip link set "${PARENT}p" up
  fi
  ip link set "$PARENT" up
  run berth network create -d macvlan --subnet 10.246.0.0/24 mv
  [ "$status" -ne 0 ]
  [[ "$output" == *"-o parent=<link>"* ]]
  run berth network create -d macvlan --subnet 10.246.0.0/24 -o parent=nosuch0 mv
  [ "$status" -ne 0 ]
  [[ "$output" == *"parent interface was not found on the host: nosuch0"* ]]
  berth network create -d macvlan --subnet 10.246.0.0/24 -o parent="$PARENT" mv
  berth run -d --name web --network mv $(httpd_args)
  berth run -d --name client --network mv img sleep 300
  run nsenter --net="$(berth inspect -f '{{.NetworkSettings.SandboxKey}}' web)" ip -d link show eth0
  [[ "$output" == *"macvlan mode bridge"* ]]
  [[ "$(ip_of web mv)" == 10.246.0.* ]]
  run ctr_fetch client "$(ip_of web mv)"
  [[ "$output" == *"hello from the container"* ]]
  berth rm -f web client
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT count(*) FROM network_leases')" -eq 0 ]
  # no namespace left (the macvlans went with them; none was ever on the host's side)
  [ -z "$(ls "$BERTH_RUNROOT/netns" 2>/dev/null)" ]
  ip link del "$PARENT"
}

@test "docker's documented inspect templates: a container's address and its published port" {
  berth network create tnet >/dev/null
  berth run -d --name tw --network tnet -p 127.0.0.1:18089:80 $(httpd_args)
  # https://docs.docker.com/reference/cli/docker/inspect/ — "get an instance's IP address"
  run berth inspect --format='{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' tw
  [ "$status" -eq 0 ]
  [ "$output" = "$(ip_of tw tnet)" ]
  # "get a subsection": the host port a container port is published on
  run berth inspect --format='{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}' tw
  [ "$output" = 18089 ]
  [[ "$(fetch 127.0.0.1 "$output")" == *"hello from the container"* ]]
  # every published port (53/udp is exposed by the image, not published: no bindings)
  run berth inspect -f '{{range $p, $c := .NetworkSettings.Ports}}{{with $c}}{{$p}}={{(index $c 0).HostIp}}:{{(index $c 0).HostPort}} {{end}}{{end}}' tw
  [ "$output" = "80/tcp=127.0.0.1:18089 " ]
  run berth inspect -f '{{if .State.Running}}{{.Name}} runs{{end}} on {{join (split "a b" " ") "+"}}' tw
  [ "$output" = "/tw runs on a+b" ]
}
