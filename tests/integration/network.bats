#!/usr/bin/env bats
# berth network create|ls|inspect|rm|prune: the records, IPAM and docker's
# output and messages. (Links, addresses in containers, DNS and published
# ports come with the drivers: docs/NETWORKS.md.)

load helpers
bats_require_minimum_version 1.5.0

setup() { setup_engine_test; }
teardown() { teardown_engine_test; }

@test "network ls: bridge, host and none are there from the start, as docker's columns" {
  run berth network ls
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^"NETWORK ID"\ +"NAME"\ +"DRIVER"\ +"SCOPE"$ ]]
  [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ +bridge\ +bridge\ +local$ ]]
  [[ "${lines[2]}" =~ ^[0-9a-f]{12}\ +host\ +host\ +local$ ]]
  [[ "${lines[3]}" =~ ^[0-9a-f]{12}\ +none\ +null\ +local$ ]]
  [ "${#lines[@]}" -eq 4 ]
  # the default bridge is berth0 (docker0 is docker's) for the default root; another root's
  # (this test's) has a suffix of its own, so that two stores never share one
  run berth network inspect -f '{{index .Options "com.docker.network.bridge.name"}} {{.Driver}}' bridge
  [[ "$output" =~ ^berth0-[0-9a-f]{8}\ bridge$ ]]
  # the ids stay: a second command sees the same ones
  [ "$(berth network ls -q)" = "$(berth network ls -q)" ]
}

@test "network create: a pool subnet, or the subnet, gateway, range, aux addresses, options and labels given" {
  run berth network create web
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  local id=$output
  run berth network inspect web
  [ "$status" -eq 0 ]
  [ "$(jq -r '.[0].Id' <<<"$output")" = "$id" ]
  [ "$(jq -r '.[0].Driver + " " + .[0].Scope + " " + .[0].IPAM.Driver' <<<"$output")" = "bridge local default" ]
  # a pool the default bridge does not use
  local sub bsub
  sub=$(jq -r '.[0].IPAM.Config[0].Subnet' <<<"$output")
  bsub=$(berth network inspect -f '{{json .IPAM.Config}}' bridge | jq -r '.[0].Subnet')
  [[ "$sub" =~ ^(172\.(1[7-9]|2[0-9]|3[01])\.0\.0/16|192\.168\.[0-9]+\.0/20)$ ]]
  [ "$sub" != "$bsub" ]
  [ "$(jq -r '.[0].IPAM.Config[0].Gateway' <<<"$output")" = "${sub%.0/*}.1" ]
  [ "$(jq -c '.[0].Containers' <<<"$output")" = "{}" ]
  run berth network create --subnet 10.77.0.0/24 --gateway 10.77.0.254 --ip-range 10.77.0.128/25 \
    --aux-address router=10.77.0.5 --internal --attachable --label team=a --label solo \
    -o com.docker.network.driver.mtu=1400 -o com.docker.network.bridge.name=berthtest0 app
  [ "$status" -eq 0 ]
  run berth network inspect app
  [ "$(jq -c '.[0].IPAM.Config' <<<"$output")" = '[{"Subnet":"10.77.0.0/24","IPRange":"10.77.0.128/25","Gateway":"10.77.0.254","AuxiliaryAddresses":{"router":"10.77.0.5"}}]' ]
  [ "$(jq -c '[.[0].Internal, .[0].Attachable, .[0].EnableIPv6]' <<<"$output")" = "[true,true,false]" ]
  [ "$(jq -c '.[0].Labels' <<<"$output")" = '{"team":"a","solo":""}' ]
  [ "$(jq -r '.[0].Options["com.docker.network.driver.mtu"]' <<<"$output")" = 1400 ]
  # IPv6 beside a pool's IPv4 subnet
  run berth network create --ipv6 --subnet fd00:77::/64 six
  [ "$status" -eq 0 ]
  [ "$(berth network inspect -f '{{json .IPAM.Config}}' six | jq -r '.[1].Subnet + " " + .[1].Gateway')" = "fd00:77::/64 fd00:77::1" ]
  [ "$(berth network inspect -f '{{.EnableIPv6}}' six)" = true ]
}

@test "network create: what dockerd refuses is refused with its words, and nothing is made" {
  berth network create --subnet 10.231.10.0/24 taken >/dev/null
  local before
  before=$(berth network ls -q --no-trunc | sort)
  run berth network create taken
  [ "$status" -eq 1 ]
  [ "$output" = "berth: network with name taken already exists" ]
  run berth network create --subnet 10.231.0.0/16 wide
  [ "$output" = "berth: Pool overlaps with other one on this address space" ]
  run berth network create --subnet 10.9.0.1/16 x
  [ "$output" = "berth: invalid subnet 10.9.0.1/16: it should be 10.9.0.0/16" ]
  run berth network create --subnet 10.9.0.0/33 x
  [ "$output" = "berth: invalid CIDR address: 10.9.0.0/33" ]
  run berth network create --gateway 10.1.1.1 x
  [ "$output" = "berth: every ip-range or gateway must have a corresponding subnet" ]
  run berth network create --subnet 10.9.0.0/24 --gateway 10.1.1.1 x
  [ "$output" = "berth: no matching subnet for gateway 10.1.1.1" ]
  run berth network create --subnet 10.9.0.0/24 --ip-range 10.9.1.0/25 x
  [ "$output" = "berth: no matching subnet for range 10.9.1.0/25" ]
  run berth network create --subnet 10.9.0.0/24 --aux-address a=10.9.9.9 x
  [ "$output" = "berth: no matching subnet for aux-address 10.9.9.9" ]
  run berth network create --subnet 10.9.0.0/24 --gateway 10.9.0.1 --gateway 10.9.0.2 x
  [ "$output" = "berth: cannot configure multiple gateways (10.9.0.1, 10.9.0.2) for the same subnet (10.9.0.0/24)" ]
  run berth network create --subnet fd00:1::/64 x
  [ "$output" = "berth: IPv6 subnet fd00:1::/64 given to a network without --ipv6" ]
  run berth network create -d host x
  [ "$output" = 'berth: only one instance of "host" network is allowed' ]
  run berth network create -d overlay x
  [[ "$output" == 'berth: plugin "overlay" not found'* ]]
  run berth network create 'bad/name'
  [[ "$output" == 'berth: invalid network name "bad/name"'* ]]
  run berth network create -o com.docker.network.driver.mtu=9 x
  [ "$output" = "berth: invalid MTU 9: it must be 68 to 65535" ]
  run berth network create -o com.docker.network.bridge.name=waytoolongforalinkname x
  [ "$output" = 'berth: invalid bridge name "waytoolongforalinkname"' ]
  run berth network create -o novalue x
  [ "$status" -eq 125 ]
  run berth network create
  [ "$status" -eq 125 ]
  [[ "$output" == *'"network create" requires exactly 1 argument.'* ]]
  [ "$(berth network ls -q --no-trunc | sort)" = "$before" ]
}

@test "network create: the same name from two commands at once makes one network" {
  local i
  for i in 1 2 3 4; do berth network create race >/dev/null 2>&1 & done
  wait
  [ "$(berth network ls --filter name=race -q | wc -l)" -eq 1 ]
  # and the built-in ones were made once, by whichever command came first
  [ "$(berth network ls --filter type=builtin -q | wc -l)" -eq 3 ]
}

@test "network ls: filters as docker's (driver, id, label, name, type, dangling), -q, --no-trunc, --format" {
  berth network create --label env=prod front >/dev/null
  local id
  id=$(berth network create -d bridge back)
  run berth network ls --filter type=custom --format '{{.Name}}'
  [ "$output" = "$(printf 'back\nfront')" ]
  run berth network ls --filter type=builtin --format '{{.Name}}'
  [ "$output" = "$(printf 'bridge\nhost\nnone')" ]
  run berth network ls --filter label=env=prod --format '{{.Name}} {{.Labels}}'
  [ "$output" = "front env=prod" ]
  run berth network ls --filter name=ron -q
  [ "$output" = "$(berth network inspect -f '{{.Id}}' front | cut -c1-12)" ]
  run berth network ls --filter "id=${id:0:6}" --no-trunc -q
  [ "$output" = "$id" ]
  run berth network ls --filter driver=null --format '{{.Name}}'
  [ "$output" = none ]
  run berth network ls --filter dangling=true --format '{{.Name}}'
  [ "$output" = "$(printf 'back\nfront')" ]
  # two values of one key: either; two keys: both
  run berth network ls --filter name=front --filter name=back --format '{{.Name}}'
  [ "$output" = "$(printf 'back\nfront')" ]
  run berth network ls --filter name=front --filter driver=null -q
  [ -z "$output" ]
  run berth network ls --filter bogus=1
  [ "$status" -ne 0 ]
  [ "$output" = "berth: invalid filter 'bogus'" ]
  run berth network ls --filter type=other
  [ "$output" = "berth: invalid filter: 'type'='other'" ]
  run berth network ls --format '{{.Nope}}'
  [ "$status" -ne 0 ]
  run berth network ls --format 'table {{.Name}}\t{{.IPv6}}\t{{.Internal}}'
  [[ "${lines[0]}" =~ ^NAME\ +IPV6\ +INTERNAL$ ]]
}

@test "network inspect: several at once, by name, id or prefix; a missing one is docker's error" {
  local id
  id=$(berth network create one)
  berth network create two >/dev/null
  run berth network inspect one "${id:0:8}" two
  [ "$status" -eq 0 ]
  [ "$(jq -r '.[].Name' <<<"$output" | tr '\n' ' ')" = "one one two " ]
  run berth network inspect -f '{{.Name}} {{.Scope}}' "$id"
  [ "$output" = "one local" ]
  run berth network inspect one nope
  [ "$status" -eq 1 ]
  [[ "$output" == *"berth: Error: No such network: nope"* ]]
  run berth network inspect
  [ "$status" -eq 125 ]
}

@test "network rm and prune: built-in ones stay, custom ones go, with events; prune asks and filters" {
  berth network create gone >/dev/null
  run berth network rm bridge
  [ "$status" -eq 1 ]
  [ "$output" = "berth: bridge is a pre-defined network and cannot be removed" ]
  run berth network rm gone nope
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = gone ]
  [ "${lines[1]}" = "berth: Error: No such network: nope" ]
  run berth network rm -f nope
  [ "$status" -eq 0 ]
  [ -z "$(berth network ls --filter name=gone -q)" ]
  berth network create --label keep=yes kept >/dev/null
  berth network create old >/dev/null
  # no answer is no
  run berth network prune </dev/null
  [ "$status" -eq 1 ]
  [[ "$output" == *"WARNING! This will remove all custom networks not used by at least one container."* ]]
  [ -n "$(berth network ls --filter name=old -q)" ]
  run berth network prune -f --filter label!=keep=yes
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'Deleted Networks:\nold')" ]
  run berth network prune -f --filter until=1h
  [ -z "$output" ]
  run berth network prune -f
  [ "$output" = "$(printf 'Deleted Networks:\nkept')" ]
  [ "$(berth network ls -q | wc -l)" -eq 3 ]
  run berth network prune -f --filter bogus=1
  [ "$output" = "berth: invalid filter 'bogus'" ]
  # system prune takes them too, after the containers, as docker's
  berth network create sys >/dev/null
  run berth system prune -f
  [[ "$output" == *$'Deleted Networks:\nsys\n'* ]]
  [ "$(berth network ls -q | wc -l)" -eq 3 ]
  run berth events --since 1700000000 --until "$(($(date +%s) + 1))" --filter type=network \
    --format '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}'
  [[ "$output" == *"create gone bridge"* ]]
  [[ "$output" == *"destroy gone bridge"* ]]
  [[ "$output" == *"destroy old bridge"* ]]
}

@test "network create: a pool that overlaps the host's own addresses or routes is passed over" {
  # in a network namespace of the test's own, where 172.17/16 and 172.18.3/24 are in use
  run unshare -n sh -c '
    ip link add name berthv0 type veth peer name berthv1 && ip link set berthv0 up &&
    ip addr add 172.17.0.9/16 dev berthv0 &&
    ip route add 172.18.3.0/24 dev berthv0 &&
    "$0" network inspect -f "{{json .IPAM.Config}}" bridge &&
    "$0" network create n1 >/dev/null &&
    "$0" network inspect -f "{{json .IPAM.Config}}" n1' "$BERTH_BUILD/cmd/berth/berth"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.[0].Subnet' <<<"${lines[0]}")" = "172.19.0.0/16" ]
  [ "$(jq -r '.[0].Subnet' <<<"${lines[1]}")" = "172.20.0.0/16" ]
}

@test "network create --ipv6 without a subnet: a /64 of the host's unique local /48, as docker 27+" {
  berth network create --ipv6 six1 >/dev/null
  berth network create --ipv6 six2 >/dev/null
  # docker's /48: fd00::/8 and the low 40 bits of the first 8 bytes of sha256(the host's id)
  # (the engine's id there, the machine's here)
  local id base
  id=$(cat /etc/machine-id 2>/dev/null || hostname)
  base=$(python3 -c '
import hashlib, ipaddress, sys
g = int.from_bytes(hashlib.sha256(sys.argv[1].encode()).digest()[:8], "big") & (1 << 40) - 1
print(str(ipaddress.IPv6Address((0xFD << 120) | (g << 80))).rstrip(":"))' "$id")
  local s1 s2 g1
  s1=$(berth network inspect six1 | jq -r '.[0].IPAM.Config[1].Subnet')
  s2=$(berth network inspect six2 | jq -r '.[0].IPAM.Config[1].Subnet')
  g1=$(berth network inspect six1 | jq -r '.[0].IPAM.Config[1].Gateway')
  [[ "$s1" == "$base":*/64 && "$s2" == "$base":*/64 ]] || { echo "$base: $s1 $s2"; false; }
  [ "$s1" != "$s2" ]
  [ "$g1" = "${s1%/64}1" ]
  # and IPv4 as always
  [[ "$(berth network inspect six1 | jq -r '.[0].IPAM.Config[0].Subnet')" == 172.*/16 ]]
  berth network rm six1 six2
}

@test "network and volume commands take flags after their arguments, as docker's CLI" {
  berth network create fl -o com.docker.network.driver.mtu=1400 >/dev/null
  [ "$(berth network inspect fl -f '{{index .Options "com.docker.network.driver.mtu"}}')" = 1400 ]
  [ "$(berth network ls --filter name=fl -q | wc -l)" -eq 1 ]
  run berth network rm fl -f
  [ "$output" = fl ]
  berth volume create vfl --label a=b >/dev/null
  [ "$(berth volume inspect vfl -f '{{.Labels.a}}')" = b ]
  run berth volume rm vfl -f
  [ "$output" = vfl ]
}
