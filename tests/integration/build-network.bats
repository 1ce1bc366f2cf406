#!/usr/bin/env bats
# RUN steps on the default bridge (as docker build's): a namespace of the step's own with
# an address leased for the step and let go when it ends, /etc files as a container's;
# none and host as before; nothing left after a build, a failed build or a killed one;
# the host's 127.0.0.0/8 unreachable. Traffic goes only to 127.0.0.1 and to the
# containers and bridge this suite makes.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  setup_build_test
  cp -a "$(busybox_rootfs)" "$WORK/rootfs"
  mkdir -p "$WORK/rootfs/www"
  echo "hello from the container" >"$WORK/rootfs/www/index.html"
  tar -C "$WORK/rootfs" -cf "$WORK/img.tar" .
  berth import -c 'CMD ["sh"]' "$WORK/img.tar" img >/dev/null
  SFX=$(berth_net_suffix "$BERTH_ROOT")
  HOST_PID=""
  TEST_NS=""
}

teardown() {
  [ -n "$HOST_PID" ] && kill "$HOST_PID" 2>/dev/null
  # a namespace of the test's own (and its veth), even when the test failed halfway
  if [ -n "$TEST_NS" ]; then
    ip netns del "$TEST_NS" 2>/dev/null || true
    ip link del "${TEST_NS}h" 2>/dev/null || true
  fi
  remove_berth_containers
  teardown_engine_test
}

ip_of() { berth inspect "$1" | jq -r '.[0].NetworkSettings.Networks.bridge.IPAddress'; }

# nothing of a step's network is left: no lease, endpoint or row, no namespace, no veth on
# the bridge (and the bridge and table gone when no container is on it: none_running).
no_step_network_left() {
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT count(*) FROM network_leases WHERE container LIKE 'build-%'")" -eq 0 ]
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT count(*) FROM network_endpoints WHERE container LIKE 'build-%'")" -eq 0 ]
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT count(*) FROM container_networks WHERE container LIKE 'build-%'")" -eq 0 ]
  [ -z "$(ls "$BERTH_RUNROOT/netns" 2>/dev/null | grep '^build-')" ]
  ! grep -qF " $BERTH_RUNROOT/netns/build-" /proc/self/mountinfo
}
none_running() {
  wait_until 5 bash -c "! ip link show berth0$SFX >/dev/null 2>&1"
  wait_until 5 bash -c "! nft list table inet berth$SFX >/dev/null 2>&1"
}

@test "RUN on the default bridge: eth0 with a leased address, the default route, /etc files as a container's; the lease goes with the step" {
  dockerfile 'FROM img
RUN ip -o -4 addr show eth0 > /addr; ip route > /route; cat /etc/hosts > /hosts; cat /etc/resolv.conf > /resolv; hostname > /hn; ls /sys/class/net > /links'
  run berth build -q -t out "$CTX"
  [ "$status" -eq 0 ]
  run berth run --rm --network none out sh -c 'cat /addr /route /links; echo ---; cat /hosts; echo ---; cat /hn'
  [ "$status" -eq 0 ]
  [[ "$output" =~ inet\ (172\.(1[7-9]|2[0-9]|3[01])|192\.168)\.[0-9]+\.[0-9]+/ ]]
  [[ "$output" == *"default via "* ]]
  [[ "$output" == *eth0* ]]
  # /etc/hosts: Docker's defaults and the step's address under its hostname
  local addr hn
  addr=$(grep -oE 'inet [0-9.]+' <<<"$output" | head -1 | cut -d' ' -f2)
  hn=$(tail -1 <<<"$output")
  [[ "$output" == *"127.0.0.1	localhost"* ]]
  [[ "$output" == *"ff02::2	ip6-allrouters"* ]]
  [[ "$output" == *"$addr	$hn"* ]]
  # no loopback name server (the step cannot reach the host's)
  run berth run --rm --network none out cat /resolv
  [[ "$output" != *"nameserver 127."* ]]
  # the step's files are no part of the layer
  run berth run --rm --network none out sh -c 'cat /etc/hosts'
  [[ "$output" != *"$addr"* ]]
  no_step_network_left
  none_running
}

@test "RUN fetches over HTTP from a container on the default bridge, by its address" {
  berth run -d --name web img httpd -f -p 80 -h /www
  local ip
  ip=$(ip_of web)
  [[ "$ip" =~ ^[0-9.]+$ ]]
  dockerfile "FROM img
RUN printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 nc $ip 80 > /fetched"
  run berth build --no-cache -t out "$CTX"
  [ "$status" -eq 0 ]
  run berth run --rm --network none out cat /fetched
  [[ "$output" == *"hello from the container"* ]]
  no_step_network_left
  # the container is still on the bridge, alone
  [ "$(ip -o link show master "berth0$SFX" | wc -l)" -eq 1 ]
  # and network inspect lists it, not the step
  [ "$(berth network inspect bridge | jq '.[0].Containers | length')" -eq 1 ]
}

@test "RUN --network=none has only lo; --network=host (flag and build flag) the host's; the mode is in the key" {
  dockerfile 'FROM img
RUN --network=none ls /sys/class/net > /none
RUN ls /sys/class/net > /default'
  run berth build -q -t out "$CTX"
  [ "$status" -eq 0 ]
  [ "$(berth run --rm --network none out cat /none)" = "lo" ]
  [ "$(berth run --rm --network none out cat /default | sort | tr '\n' ' ')" = "eth0 lo " ]
  # the build's --network=none: every step without a flag too
  dockerfile 'FROM img
RUN ls /sys/class/net > /default'
  run berth build -q --network none -t out2 "$CTX"
  [ "$status" -eq 0 ]
  [ "$(berth run --rm --network none out2 cat /default)" = "lo" ]
  # a build flag that changes the step's network changes its key: not the same image
  run berth build -q -t out3 "$CTX"
  [ "$status" -eq 0 ]
  [ "$(berth images -q out2)" != "$(berth images -q out3)" ]
  # host: the host's links (berth0 of this root is not there now, lo is)
  dockerfile 'FROM img
RUN --network=host ls /sys/class/net > /host'
  run berth build -q -t out4 "$CTX"
  [ "$status" -eq 0 ]
  [ "$(berth run --rm --network none out4 cat /host)" = "$(ls /sys/class/net)" ]
  no_step_network_left
  none_running
}

@test "a RUN on the bridge cannot reach a server on the host's 127.0.0.1, by 127.0.0.1 nor by the gateway" {
  local port=18097
  mkdir -p "$WORK/www"
  echo "host secret" >"$WORK/www/index.html"
  busybox httpd -f -p "127.0.0.1:$port" -h "$WORK/www" & HOST_PID=$!
  wait_until 5 curl -sf "http://127.0.0.1:$port/"
  dockerfile "FROM img
RUN gw=\$(ip route | awk '/^default/ {print \$3}'); echo \"gw \$gw\"; \\
    for a in 127.0.0.1 \$gw; do printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 nc \$a $port > /got-\$a 2>&1; echo \"\$a \$?\"; done; \\
    cat /got-*; ! grep -q 'host sec''ret' /got-*; \\
    ! ip addr add 10.9.9.9/32 dev eth0 2>/dev/null && echo no-net-admin"
  run berth build --no-cache --progress=plain -t out "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *"gw "[0-9]* ]]
  [[ "$output" == *no-net-admin* ]]
  [[ "$output" != *"host secret"* ]]
  # the same server answers a step on the host's network (it was there to reach)
  dockerfile "FROM img
RUN --network=host printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 nc 127.0.0.1 $port"
  run berth build --no-cache --progress=plain -t out "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *"host secret"* ]]
  no_step_network_left
}

@test "a failed step and a cancelled build leave no network" {
  dockerfile 'FROM img
RUN exit 3'
  run berth build -t out "$CTX"
  [ "$status" -ne 0 ]
  no_step_network_left
  none_running
  dockerfile 'FROM img
RUN sleep 300'
  "$BERTH_BUILD/cmd/berth/berth" build -t out "$CTX" >/dev/null 2>&1 & local p=$!
  wait_until 10 bash -c "ls '$BERTH_RUNROOT/netns' 2>/dev/null | grep -q '^build-'"
  kill -TERM "$p"
  wait "$p" || true
  no_step_network_left
  none_running
}

@test "a SIGKILLed build's step network is swept by the next build, and by system check --repair" {
  local i n
  for i in 1 2; do
    n="9$$$i" # the step's process, found by its unique argument
    dockerfile "FROM img
RUN sleep $n"
    "$BERTH_BUILD/cmd/berth/berth" build -t out "$CTX" >/dev/null 2>&1 & local p=$!
    wait_until 10 bash -c "[ \"\$(sqlite3 '$BERTH_ROOT/berth.db' \"SELECT count(*) FROM network_leases WHERE container LIKE 'build-%'\")\" -eq 1 ] && ls '$BERTH_RUNROOT/netns' | grep -q '^build-' && pgrep -xf 'sleep $n'"
    kill -9 "$p"
    wait "$p" 2>/dev/null || true
    # the lease of a dead build's step stays until someone sweeps it
    [ "$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT count(*) FROM network_leases WHERE container LIKE 'build-%'")" -eq 1 ]
    if [ "$i" -eq 1 ]; then
      dockerfile 'FROM img
RUN true'
      run berth build --network none --no-cache -t out "$CTX"
      [ "$status" -eq 0 ]
    else
      run berth system check
      [[ "$output" == *"build step build-"* ]]
      run berth system check --repair
      [ "$status" -eq 0 ]
      [[ "$output" == *"released the network of build step build-"* ]]
    fi
    no_step_network_left
    none_running
    ! pgrep -xf "sleep $n"
  done
}

@test "a live step keeps its address while containers start and stop" {
  dockerfile 'FROM img
RUN sleep 4; ip -o -4 addr show eth0 > /addr'
  "$BERTH_BUILD/cmd/berth/berth" build -q -t out "$CTX" >"$WORK/build.out" 2>&1 & local p=$!
  wait_until 10 bash -c "ls '$BERTH_RUNROOT/netns' 2>/dev/null | grep -q '^build-'"
  local lease
  lease=$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT address FROM network_leases WHERE container LIKE 'build-%'")
  [ -n "$lease" ]
  # a start sweeps leftovers: not this one
  berth run --rm img true
  [ "$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT address FROM network_leases WHERE container LIKE 'build-%'")" = "$lease" ]
  run berth system check
  [[ "$output" != *"build step"* ]]
  wait "$p"
  [[ "$(berth run --rm --network none out cat /addr)" == *"$lease/"* ]]
  no_step_network_left
  none_running
}

@test "the host's 127.0.0.0/8 stays closed to the bridge even to a sender that routes it there (what a step with NET_ADMIN could do)" {
  local port=18098 ns="bnet$$" gw pfx
  mkdir -p "$WORK/www"
  echo "host secret" >"$WORK/www/index.html"
  busybox httpd -f -p "127.0.0.1:$port" -h "$WORK/www" & HOST_PID=$!
  wait_until 5 curl -sf "http://127.0.0.1:$port/"
  # a step holds the bridge while a namespace of ours on it tries
  dockerfile 'FROM img
RUN sleep 6'
  "$BERTH_BUILD/cmd/berth/berth" build --no-cache -q -t out "$CTX" >/dev/null 2>&1 & local p=$!
  wait_until 10 ip link show "berth0$SFX"
  gw=$(berth network inspect bridge | jq -r '.[0].IPAM.Config[0].Gateway')
  pfx=$(berth network inspect bridge | jq -r '.[0].IPAM.Config[0].Subnet' | cut -d/ -f2)
  ip netns add "$ns"
  TEST_NS=$ns
  ip link add "${ns}h" type veth peer name eth0 netns "$ns"
  ip link set "${ns}h" master "berth0$SFX" up
  ip -n "$ns" addr add "${gw%.*}.250/$pfx" dev eth0
  ip -n "$ns" link set eth0 up
  ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.eth0.route_localnet=1
  ip -n "$ns" route del local 127.0.0.0/8 dev lo table local 2>/dev/null || true
  ip -n "$ns" route del local 127.0.0.1 dev lo table local 2>/dev/null || true
  ip -n "$ns" route add 127.0.0.0/8 via "$gw" dev eth0
  # the gateway answers it (the path is there) ...
  ip netns exec "$ns" busybox ping -c1 -W2 "$gw" >/dev/null
  # ... and the host's loopback server does not
  run ip netns exec "$ns" curl -s --max-time 3 "http://127.0.0.1:$port/"
  ip netns del "$ns"
  ip link del "${ns}h" 2>/dev/null || true
  [[ "$output" != *"host secret"* ]]
  wait "$p"
  no_step_network_left
}
