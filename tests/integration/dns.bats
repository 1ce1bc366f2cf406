#!/usr/bin/env bats
# berth-dns, the resolver of a user-defined network (cmd/berth-dns, src/net/dns*.c;
# docs/NETWORKS.md, "Names: berth-dns"), for real: on loopback addresses of its own
# (127.53.N.x, a port of this run's own in BERTH_DNS_PORT) and, in the last test, on a
# bridge's addresses in network namespaces this suite makes, port 53. Queries go only
# to 127.0.0.0/8 and into those namespaces; every process is ended by its pid.

load helpers

DNS="$BERTH_BUILD/cmd/berth-dns/berth-dns"
ENSURE="$BERTH_BUILD/tests/unit/dns-ensure"
DNSQ="$BATS_TEST_DIRNAME/../helpers/dnsq.py"

setup() {
  command -v python3 >/dev/null || skip "python3 is not installed"
  WORK=$(mktemp -d /tmp/berth-dns.XXXXXX)
  NET=$WORK/net UP=$WORK/up
  mkdir -p "$NET" "$UP"
  # ours, the upstream, an address where nothing listens, one that never answers
  A=127.53.$BATS_TEST_NUMBER.1 B=127.53.$BATS_TEST_NUMBER.2
  C=127.53.$BATS_TEST_NUMBER.3 D=127.53.$BATS_TEST_NUMBER.4
  export BERTH_DNS_PORT=$((20000 + RANDOM % 20000))
  : >"$WORK/no-resolv"
  PIDS=()
  NSES=()
}

teardown() {
  local p ns
  # the ones we started, and any berth_dns_ensure started for our directories
  for p in "${PIDS[@]}" $(pgrep -f -- "--sync-fd 3 $WORK/" || true); do
    kill "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  for ns in "${NSES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$WORK"
}

# names DIR LINE...: DIR/names written as the engine writes it (a temp file, renamed)
names() {
  local dir=$1
  shift
  printf '%s\n' "$@" >"$dir/names.tmp"
  mv "$dir/names.tmp" "$dir/names"
}

# start DIR RESOLV ADDR...: berth-dns in the background, once it said "ok"; its pid in $LAST
start() {
  local dir=$1 resolv=$2 line
  shift 2
  rm -f "$WORK/sync"
  mkfifo "$WORK/sync"
  "$DNS" --sync-fd 3 --resolv-conf "$resolv" "$dir" "$@" 3>"$WORK/sync" </dev/null >/dev/null 2>&1 &
  LAST=$!
  PIDS+=("$LAST")
  read -r line <"$WORK/sync"
  [ "$line" = ok ] || { echo "berth-dns said: $line"; return 1; }
}

# q [--tcp] NAME [TYPE]: ask ours
q() { "$DNSQ" --port "$BERTH_DNS_PORT" --timeout 3 "$A" "$@"; }

# the pid of the berth-dns berth_dns_ensure started for DIR
ensured_pid() { pgrep -f -- "--sync-fd 3 $1 " || true; }

# gone PID: true once PID has ended (within 5 s)
gone() {
  local i
  for i in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
  return 1
}

@test "berth-dns: A, AAAA and PTR of its names, any case, with or without the dot, UDP and TCP" {
  names "$NET" 'web 10.88.0.2' 'web fd00::2' 'alias 10.88.0.2' 'alias 10.88.0.3' 'db 10.88.0.4' \
    '# a comment' 'not-an-address x'
  start "$NET" "$WORK/no-resolv" "$A"
  run q web
  [ "$output" = $'NOERROR aa\nA 10.88.0.2' ]
  run q WEB. AAAA
  [ "$output" = $'NOERROR aa\nAAAA fd00::2' ]
  run q alias
  [ "$output" = $'NOERROR aa\nA 10.88.0.2\nA 10.88.0.3' ]
  # a name without an address of that family: no records, and no error
  run q db AAAA
  [ "$output" = 'NOERROR aa' ]
  run q 2.0.88.10.in-addr.arpa PTR
  [ "$output" = $'NOERROR aa\nPTR web.' ]
  run q 2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa PTR
  [ "$output" = $'NOERROR aa\nPTR web.' ]
  run q --tcp Alias.
  [ "$output" = $'NOERROR aa\nA 10.88.0.2\nA 10.88.0.3' ]
  # a resolver as containers have it
  run busybox nslookup -port="$BERTH_DNS_PORT" web "$A"
  [[ "$output" == *"Address: 10.88.0.2"* ]]
  [[ "$output" == *"Address: fd00::2"* ]]
}

@test "berth-dns: a name written to DIR/names is answered by the very next query, a removed one no more" {
  names "$NET" 'web 10.88.0.2'
  start "$NET" "$WORK/no-resolv" "$A"
  run q late
  [ "$output" = SERVFAIL ] # not ours, and no nameserver to ask
  names "$NET" 'web 10.88.0.2' 'late 10.88.0.5'
  run q late
  [ "$output" = $'NOERROR aa\nA 10.88.0.5' ]
  # the same size, another address
  names "$NET" 'web 10.88.0.2' 'late 10.88.0.6'
  run q late
  [ "$output" = $'NOERROR aa\nA 10.88.0.6' ]
  names "$NET" 'late 10.88.0.6'
  run q web
  [ "$output" = SERVFAIL ]
  run q 2.0.88.10.in-addr.arpa PTR
  [ "$output" = SERVFAIL ]
}

@test "berth-dns: the rest goes to resolv.conf's nameservers (one that refuses skipped, one silent for 2 s), UDP and TCP; resolv.conf is reread" {
  names "$UP" 'outside.example 192.0.2.9'
  start "$UP" "$WORK/no-resolv" "$B"
  names "$NET" 'web 10.88.0.2'
  printf 'search example.com\nnameserver %s\nnameserver %s\n' "$C" "$B" >"$WORK/resolv"
  start "$NET" "$WORK/resolv" "$A"
  run q outside.example
  [ "$output" = $'NOERROR aa\nA 192.0.2.9' ]
  run q --tcp outside.example
  [ "$output" = $'NOERROR aa\nA 192.0.2.9' ]
  # a reverse name of an address that is not ours
  run q 9.2.0.192.in-addr.arpa PTR
  [ "$output" = $'NOERROR aa\nPTR outside.example.' ]
  # ours are still ours
  run q web
  [ "$output" = $'NOERROR aa\nA 10.88.0.2' ]
  # a server that takes the query and never answers: 2 s, then the next
  python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], int(sys.argv[2])))
t = socket.socket(); t.bind((sys.argv[1], int(sys.argv[2]))); t.listen(8)
print("ready", flush=True); time.sleep(120)' "$D" "$BERTH_DNS_PORT" >"$WORK/silent" &
  PIDS+=($!)
  for i in $(seq 100); do grep -q ready "$WORK/silent" && break; sleep 0.05; done
  printf 'nameserver %s\nnameserver %s\n' "$D" "$B" >"$WORK/resolv"
  local t0=$(date +%s%N)
  run "$DNSQ" --port "$BERTH_DNS_PORT" --timeout 8 "$A" outside.example
  [ "$output" = $'NOERROR aa\nA 192.0.2.9' ]
  local ms=$((($(date +%s%N) - t0) / 1000000))
  echo "took $ms ms"
  [ "$ms" -ge 1900 ] && [ "$ms" -lt 5000 ]
  t0=$(date +%s%N)
  run "$DNSQ" --tcp --port "$BERTH_DNS_PORT" --timeout 8 "$A" outside.example
  [ "$output" = $'NOERROR aa\nA 192.0.2.9' ]
  ms=$((($(date +%s%N) - t0) / 1000000))
  echo "tcp took $ms ms"
  [ "$ms" -ge 1900 ] && [ "$ms" -lt 5000 ]
  # none left that answers: SERVFAIL
  printf 'nameserver %s\n' "$C" >"$WORK/resolv"
  run q outside.example
  [ "$output" = SERVFAIL ]
  run q --tcp outside.example
  [ "$output" = SERVFAIL ]
  rm "$WORK/resolv"
  run q outside.example
  [ "$output" = SERVFAIL ]
}

@test "berth-dns: one per network: a second says ok and ends while the first holds DIR/dns.lock" {
  names "$NET" 'web 10.88.0.2'
  start "$NET" "$WORK/no-resolv" "$A"
  local first=$LAST
  run "$DNS" --sync-fd 3 "$NET" "$A" 3>"$WORK/second"
  [ "$status" -eq 0 ]
  [ "$(cat "$WORK/second")" = ok ]
  # berth_dns_ensure sees the lock and starts nothing
  run "$ENSURE" "$DNS" "$NET" "$A"
  [ "$output" = ok ]
  [ -z "$(ensured_pid "$NET")" ]
  kill -0 "$first"
  run q web
  [ "$output" = $'NOERROR aa\nA 10.88.0.2' ]
  # one that cannot bind says so and exits 1
  mkdir "$WORK/other"
  run "$DNS" --sync-fd 3 "$WORK/other" "$A" 3>"$WORK/third"
  [ "$status" -eq 1 ]
  [[ "$(cat "$WORK/third")" == "error: cannot listen on $A port $BERTH_DNS_PORT (udp): Address already in use" ]]
  run "$ENSURE" "$DNS" "$WORK/other" "$A"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot listen on $A"*"Address already in use" ]]
}

@test "berth-dns: started on demand it is a session of its own that outlives its caller; killed, the next call starts another" {
  names "$NET" 'web 10.88.0.2'
  # an fd the caller has open must not stay open in berth-dns
  run bash -c 'exec 7>"$1/leak"; "$2" "$3" "$4" "$5"' _ "$WORK" "$ENSURE" "$DNS" "$NET" "$A"
  [ "$output" = ok ]
  local pid
  pid=$(ensured_pid "$NET")
  [ -n "$pid" ]
  # not in our session, not our child (forked twice, the middle one gone)
  [ "$(ps -o sid= -p "$pid")" != "$(ps -o sid= -p $$)" ]
  [ "$(ps -o ppid= -p "$pid" | tr -d ' ')" != $$ ]
  ! ls -l "/proc/$pid/fd" | grep -q leak
  [ "$(readlink "/proc/$pid/fd/0")" = /dev/null ]
  run q web
  [ "$output" = $'NOERROR aa\nA 10.88.0.2' ]
  run "$ENSURE" "$DNS" "$NET" "$A"
  [ "$output" = ok ]
  [ "$(ensured_pid "$NET")" = "$pid" ]
  kill -9 "$pid"
  gone "$pid"
  run "$ENSURE" "$DNS" "$NET" "$A"
  [ "$output" = ok ]
  local again
  again=$(ensured_pid "$NET")
  [ -n "$again" ] && [ "$again" != "$pid" ]
  run q web
  [ "$output" = $'NOERROR aa\nA 10.88.0.2' ]
}

@test "berth-dns: five callers at once: one runs, and each caller's query right after its ok is answered" {
  names "$NET" 'web 10.88.0.2'
  local i p callers=()
  for i in 1 2 3 4 5; do
    (
      out=$("$ENSURE" "$DNS" "$NET" "$A")
      [ "$out" = ok ] || { echo "$out" >"$WORK/q$i"; exit 1; }
      q web >"$WORK/q$i"
    ) &
    callers+=($!)
  done
  for p in "${callers[@]}"; do wait "$p" || true; done
  for i in 1 2 3 4 5; do
    echo "caller $i: $(cat "$WORK/q$i")"
    [ "$(cat "$WORK/q$i")" = $'NOERROR aa\nA 10.88.0.2' ]
  done
  [ "$(ensured_pid "$NET" | wc -l)" -eq 1 ]
}

@test "berth-dns: removing DIR/names ends it, so does removing DIR; SIGTERM too" {
  names "$NET" 'web 10.88.0.2'
  start "$NET" "$WORK/no-resolv" "$A"
  local pid=$LAST
  # renaming another file over it (the engine's write) does not
  names "$NET" 'web 10.88.0.3'
  sleep 0.2
  kill -0 "$pid"
  rm "$NET/names"
  gone "$pid"
  wait "$pid" || false
  start "$NET" "$WORK/no-resolv" "$A"
  pid=$LAST
  rm -rf "$NET"
  gone "$pid"
  mkdir "$NET"
  start "$NET" "$WORK/no-resolv" "$A"
  pid=$LAST
  kill -TERM "$pid"
  gone "$pid"
}

@test "berth-dns: garbage, malformed queries, loops, floods and idle TCP clients do not stop it" {
  names "$NET" 'web 10.88.0.2'
  start "$NET" "$WORK/no-resolv" "$A"
  local pid=$LAST
  # two questions: FORMERR, the id and RD kept, no question echoed
  run "$DNSQ" --raw --port "$BERTH_DNS_PORT" "$A" 123401000002000000000000
  [ "$output" = 123481810000000000000000 ]
  # a name that points to itself: FORMERR
  run "$DNSQ" --raw --port "$BERTH_DNS_PORT" "$A" 12340100000100000000000003616263c00c00010001
  [ "$output" = 123481810000000000000000 ]
  # another opcode: NOTIMP
  run "$DNSQ" --raw --port "$BERTH_DNS_PORT" "$A" 123429000001000000000000037765620000010001
  [ "$output" = 1234a9840000000000000000 ]
  # a response is never answered (two resolvers must not bounce a packet forever)
  run "$DNSQ" --raw --timeout 1 --port "$BERTH_DNS_PORT" "$A" 123481800001000000000000037765620000010001
  [ "$output" = "no answer" ]
  # random datagrams, short and long, and TCP clients that stall or lie about lengths
  python3 - "$A" "$BERTH_DNS_PORT" <<'EOF'
import os, random, socket, struct, sys, time
addr = (sys.argv[1], int(sys.argv[2]))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    n = random.choice([0, 1, 11, 12, 13, 17, 40, 300, 511, 512, 513, 1500, 5000, 65000])
    u.sendto(os.urandom(n), addr)
    if i % 500 == 0:
        time.sleep(0.01)
# a valid header and random rest
for i in range(2000):
    u.sendto(struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + os.urandom(random.randrange(40)), addr)
idle = []
for i in range(20):  # more than it keeps: the idlest make room
    s = socket.create_connection(addr)
    idle.append(s)
half = socket.create_connection(addr)
half.sendall(b"\xff\xff" + b"x" * 100)  # says 65535, too long for a query
tiny = socket.create_connection(addr)
tiny.sendall(b"\x00\x03abc")  # shorter than a header
slow = socket.create_connection(addr)
slow.sendall(b"\x00\x20\x12")  # then nothing more
for s in (half, tiny):
    s.settimeout(3)
    try:
        assert s.recv(10) == b"", "a bad length closes the connection"
    except ConnectionResetError:
        pass  # closed with what we sent unread
# with all that open, a real client over TCP is answered at once
q = struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + b"\x03web\x00\x00\x01\x00\x01"
t0 = time.time()
c = socket.create_connection(addr)
c.settimeout(3)
c.sendall(struct.pack("!H", len(q)) + q + struct.pack("!H", len(q)) + q)  # two in a row
data = b""
while len(data) < 2 * (2 + len(q) + 16):
    chunk = c.recv(4096)
    assert chunk, "closed"
    data += chunk
assert data[2:4] == b"\x42\x42" and data.endswith(b"\x0a\x58\x00\x02"), data.hex()
assert time.time() - t0 < 2, "slow"
EOF
  run q web
  [ "$output" = $'NOERROR aa\nA 10.88.0.2' ]
  run q --tcp web
  [ "$output" = $'NOERROR aa\nA 10.88.0.2' ]
  kill -0 "$pid"
}

@test "berth-dns: under 1 MiB resident with 100 names, after answering UDP and TCP" {
  local lines=() i
  for i in $(seq 1 50); do lines+=("container-$i 10.88.1.$i" "container-$i fd00::1:$i"); done
  names "$NET" "${lines[@]}"
  start "$NET" "$WORK/no-resolv" "$A"
  for i in 1 17 50; do
    run q container-$i
    [ "$output" = $'NOERROR aa\nA 10.88.1.'$i ]
  done
  run q --tcp container-7 AAAA
  [ "$output" = $'NOERROR aa\nAAAA fd00::1:7' ]
  run q nobody # forwarded: none to ask
  [ "$output" = SERVFAIL ]
  local rss
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$LAST/status")
  echo "VmRSS: $rss kB"
  [ "$rss" -lt 1024 ]
}

@test "berth-dns: on a bridge's addresses in a namespace, port 53, IPv4 and IPv6: a container resolves by name" {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  unset BERTH_DNS_PORT
  local H=berthdns$$-h K=berthdns$$-c
  NSES=("$H" "$K")
  ip netns add "$H"
  ip netns add "$K"
  ip -n "$H" link set lo up
  ip -n "$K" link set lo up
  names "$NET" 'web 10.231.53.2' 'web fd00:53::2' 'db 10.231.53.3'
  # started before the bridge has its addresses (IP_FREEBIND), as the engine may
  run ip netns exec "$H" "$ENSURE" "$DNS" "$NET" 10.231.53.1 fd00:53::1
  [ "$output" = ok ]
  [ -n "$(ensured_pid "$NET")" ]
  ip -n "$H" link add name bdns0 type bridge
  ip -n "$H" addr add 10.231.53.1/24 dev bdns0
  ip -n "$H" addr add fd00:53::1/64 dev bdns0 nodad
  ip -n "$H" link set bdns0 up
  ip -n "$H" link add name vdns type veth peer name eth0 netns "$K"
  ip -n "$H" link set vdns master bdns0 up
  ip -n "$K" addr add 10.231.53.2/24 dev eth0
  ip -n "$K" addr add fd00:53::2/64 dev eth0 nodad
  ip -n "$K" link set eth0 up
  run ip netns exec "$K" busybox nslookup web 10.231.53.1
  echo "$output"
  [[ "$output" == *"Address: 10.231.53.2"* ]]
  [[ "$output" == *"Address: fd00:53::2"* ]]
  run ip netns exec "$K" "$DNSQ" --timeout 3 fd00:53::1 db
  [ "$output" = $'NOERROR aa\nA 10.231.53.3' ]
  run ip netns exec "$K" "$DNSQ" --tcp --timeout 3 fd00:53::1 WEB AAAA
  [ "$output" = $'NOERROR aa\nAAAA fd00:53::2' ]
  # a container started after it: answered by the next query
  names "$NET" 'web 10.231.53.2' 'web fd00:53::2' 'db 10.231.53.3' 'late 10.231.53.4'
  run ip netns exec "$K" "$DNSQ" --timeout 3 10.231.53.1 late
  [ "$output" = $'NOERROR aa\nA 10.231.53.4' ]
  run ip netns exec "$K" "$DNSQ" --timeout 3 10.231.53.1 3.53.231.10.in-addr.arpa PTR
  [ "$output" = $'NOERROR aa\nPTR db.' ]
  # the host's side sees nothing of it: it listens in the namespace only
  ! ss -Hlun | grep -q '10.231.53.1:53 '
}
