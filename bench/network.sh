#!/usr/bin/env bash
# Networks, against docker 20.10 (dockerd + containerd, runc) and podman 4.3
# (CNI bridge plugin) — issue 12's targets:
#  1. `run --rm busybox true` on the default bridge network: at most 5 ms more
#     than the same run with --network none. All three engines, each with
#     --network none and with its bridge, alternating in one hyperfine run.
#     berth twice: "warm" (another container of the same root stays on the
#     bridge, as docker0 is always there) and "cold" (no other container: the
#     run makes the bridge and the nftables table and removes them again).
#  2. a name resolvable within 10 ms of the `run -d` that made it returning:
#     on a user network with container A running, `run -d --network N --name
#     B`, then from the host UDP queries for B to the network's resolver
#     (berth-dns on the gateway, port 53) until one answers; the time from
#     run -d's return to the first answer. Only if the build has berth-dns.
#  3. TCP throughput (iperf3, run from the host into the containers' network
#     namespaces with nsenter): container to container over each engine's
#     bridge against a veth pair made by hand (berth within 10 %), and
#     through a port published on 127.0.0.1 (berth ≥ 2× docker's userland
#     proxy).
#
# dockerd runs with a bridge of its own (made here, `--bridge`) and
# --iptables=false: with --iptables=true it would add its DOCKER* chains to the
# host's iptables filter and nat tables and leave them when it stops. Without
# iptables, a port published on 127.0.0.1 is carried by docker-proxy, which is
# what carries it with iptables too (the DNAT rules do not see loopback
# traffic unless userland-proxy is off). podman gets its own network (its own
# CNI config dir and bridge): the CNI plugins add and remove their per-container
# rules in the host's iptables tables themselves. podman's published ports
# (CNI portmap) are not measured: they leave CNI-HOSTPORT-* chains in the
# host's nat table. berth uses two throwaway roots (its own table and bridge
# names per root). Everything the script makes — containers, bridges,
# namespaces, nftables tables, iperf3 servers (by pid), mounts, cgroups, the
# temp dir — is removed on exit. Traffic stays in 127.0.0.0/8 and in the
# namespaces made here. Run as root. Prints markdown-ready lines.
source "$(dirname "$0")/lib.sh"

NET_ROUNDS=${NET_ROUNDS:-5}
NET_RUNS=${NET_RUNS:-10}
DNS_RUNS=${DNS_RUNS:-30}
IPERF_ROUNDS=${IPERF_ROUNDS:-5}
IPERF_TIME=${IPERF_TIME:-4}
# ENGINES: whose runs section 1 times (e.g. ENGINES=berth for more rounds of it)
ENGINES=${ENGINES:-berth,docker,podman}
# SECTIONS: which of the three to run, e.g. SECTIONS=1,3 (all by default)
SECTIONS=${SECTIONS:-1,2,3}
section() { case ",$SECTIONS," in *",$1,"*) return 0 ;; esac; return 1; }

bench_build
BERTH_BUILD=$BENCH_BUILD
BATS_TEST_DIRNAME="$TOP/tests/compat"
# shellcheck source=/dev/null
source "$TOP/tests/compat/compat-helpers.bash"
set +e # the helpers test commands that may fail
compat_setup_dir
SUFFIX=${COMPAT_TMP##*.}
BERTH_CG="bench-berth-$SUFFIX"
PODMAN_CG="bench-podman-$SUFFIX"
compat_cgroups_note "$DOCKER_CG_PARENT" "$BERTH_CG" "$PODMAN_CG"
SHARED_CG=()
for h in /sys/fs/cgroup/*/; do
  for d in libpod_parent/conmon libpod_parent berth; do
    [ -d "$h$d" ] || SHARED_CG+=("$h$d")
  done
done

# free_net24 A B: the first 10.A.x.0/24 (x from B up) no host route overlaps.
free_net24() {
  local x
  for x in $(seq "$2" 250); do
    ip -4 route show | grep -q "^10\.$1\.$x\." || { echo "10.$1.$x"; return; }
  done
}
# free_port: a TCP port nothing listens on (127.0.0.1), from 20000 up.
free_port() {
  local p
  for p in $(seq $((20000 + RANDOM % 20000)) 45000); do
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}
net_pid() { echo "/proc/$1/ns/net"; }

# --- berth: a warm root and a cold one ------------------------------------
BERTH_BIN="$BENCH_BUILD/cmd/berth/berth"
BW_ROOT="$COMPAT_TMP/bw-root" BW_RUN="$COMPAT_TMP/bw-run"
BC_ROOT="$COMPAT_TMP/bc-root" BC_RUN="$COMPAT_TMP/bc-run"
bw="$BERTH_BIN --root $BW_ROOT --runroot $BW_RUN"
bc="$BERTH_BIN --root $BC_ROOT --runroot $BC_RUN"
brun_opts="--cgroup-parent /$BERTH_CG"

# --- podman ------------------------------------------------------------------
bench_podman_setup
PNET="bnet-$SUFFIX"
PODMAN_BRIDGE=""

# --- docker: a bridge of its own ------------------------------------------
DBR="bd-$SUFFIX"
DNET=$(free_net24 213 10)
COMPAT_DOCKERD_NET="--bridge=$DBR --iptables=false --ip-masq=false"

PIDS=()         # iperf3 servers (and anything else started here), by pid
HAND_NS=()      # namespace files made here (bind mounts)
HAND_LINKS=()   # links made here in the host's namespace

bench_teardown() {
  set +e
  local p m c f sfx root br
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for root in "$BW_ROOT" "$BC_ROOT"; do
    [ -d "$root" ] || continue
    local b="$BERTH_BIN --root $root --runroot ${root%-root}-run"
    for c in $($b ps -aq --no-trunc 2>/dev/null); do $b rm -f "$c" >/dev/null 2>&1; done
    for p in $(pgrep -f "berth-(monitor|dns).* ($root|${root%-root}-run)/"); do kill -KILL "$p"; done
    # bridges and the table, if berth left them (only this root's names)
    sfx=$(berth_net_suffix "$root")
    ip link del "berth0$sfx" 2>/dev/null
    if [ -f "$root/berth.db" ]; then
      for br in $(sqlite3 "$root/berth.db" "SELECT coalesce(json_extract(config, '\$.Options.\"com.docker.network.bridge.name\"'), 'br-' || substr(id, 1, 12)) FROM networks WHERE json_extract(config, '\$.Driver') = 'bridge' AND name != 'bridge'" 2>/dev/null); do
        ip link del "$br" 2>/dev/null
      done
    fi
    nft delete table inet "berth$sfx" 2>/dev/null
  done
  if [ -d "$PODT/root" ]; then
    $podman_cmd rm -a -f -t 0 >/dev/null 2>&1
    $podman_cmd network rm -f "$PNET" >/dev/null 2>&1
    $podman_cmd rmi -a -f >/dev/null 2>&1
    for p in $(pgrep -f "conmon .*$PODT/"); do kill -KILL "$p"; done
    [ -n "$PODMAN_BRIDGE" ] && ip link del "$PODMAN_BRIDGE" 2>/dev/null
    rm -rf "/var/lib/cni/networks/$PNET"
  fi
  for l in "${HAND_LINKS[@]}"; do ip link del "$l" 2>/dev/null; done
  for f in "${HAND_NS[@]}"; do umount "$f" 2>/dev/null; done
  for m in $(findmnt -rn -o TARGET | grep -F "$COMPAT_TMP/" | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  compat_teardown # dockerd, containerd, shims, mounts, our cgroups, the dir
  ip link del "$DBR" 2>/dev/null
  for c in "${SHARED_CG[@]}"; do
    [ -d "$c" ] && rmdir "$c" 2>/dev/null
  done
}
trap bench_teardown EXIT
trap 'exit 130' INT TERM

# dockerd's bridge, then the daemons
ip link add "$DBR" type bridge || exit 1
ip addr add "$DNET.1/24" dev "$DBR" && ip link set "$DBR" up || exit 1
compat_start_containerd || exit 1
compat_start_dockerd || exit 1

# podman's network: its own CNI config; remember the bridge it makes
PNETS=$(free_net24 214 10)
$podman_cmd network create --subnet "$PNETS.0/24" "$PNET" >/dev/null || exit 1
PODMAN_BRIDGE=$($podman_cmd network inspect "$PNET" | jq -r '.[0].network_interface // .[0].plugins[0].bridge // empty')
if ip link show "$PODMAN_BRIDGE" >/dev/null 2>&1; then
  echo "podman's bridge $PODMAN_BRIDGE exists already: not ours to remove" >&2
  PODMAN_BRIDGE_PRE=1
fi

# The same busybox rootfs, imported into each engine.
tar -C "$(busybox_rootfs)" -cf "$COMPAT_TMP/busybox.tar" .
$bw import "$COMPAT_TMP/busybox.tar" busybox >/dev/null || exit 1
$bc import "$COMPAT_TMP/busybox.tar" busybox >/dev/null || exit 1
docker import "$COMPAT_TMP/busybox.tar" busybox >/dev/null || exit 1
if [ -d /var/lib/containers ]; then
  unshare -m sh -c 'mount -t tmpfs tmpfs /var/lib/containers && exec "$@"' sh \
    $podman_cmd import -q "$COMPAT_TMP/busybox.tar" busybox >/dev/null || exit 1
else
  $podman_cmd import -q "$COMPAT_TMP/busybox.tar" busybox >/dev/null || exit 1
  rm -rf /var/lib/containers
fi

# The warm root's bridge network is made (and its bridge up) before the cold
# root makes its own, so the two get different subnets.
$bw run -d --name keep $brun_opts busybox sleep 3600 >/dev/null || exit 1
$bc network ls >/dev/null || exit 1
# The commands of section 1; each must work before anything is timed.
declare -A RUN=(
  [berth-none]="$bw run --rm --network none $brun_opts busybox true"
  [berth-bridge-warm]="$bw run --rm $brun_opts busybox true"
  [berth-bridge-cold]="$bc run --rm $brun_opts busybox true"
  [docker-none]="docker run --rm --network none busybox true"
  [docker-bridge]="docker run --rm busybox true"
  [podman-none]="$podman_cmd run --rm --network none --cgroup-parent /$PODMAN_CG busybox true"
  [podman-bridge]="$podman_cmd run --rm --network $PNET --cgroup-parent /$PODMAN_CG busybox true"
)
for k in "${!RUN[@]}"; do
  ${RUN[$k]} || { echo "$k: cannot run a container" >&2; exit 1; }
done
# podman's bridge is there now (CNI makes it with the first container)
if [ -z "${PODMAN_BRIDGE_PRE:-}" ] && ! ip link show "$PODMAN_BRIDGE" >/dev/null 2>&1; then
  PODMAN_BRIDGE="" # never made: nothing of ours to remove
fi

set -e
echo "# $(date -u +%F), $(nproc) cores, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg);" \
  "docker $(dockerd --version | awk '{print $3}' | tr -d ,) ($DOCKER_DRIVER, --iptables=false, userland proxy)," \
  "podman $(podman --version | awk '{print $3}') (CNI), runc $(runc --version | awk 'NR==1{print $3}')"

OUT=$COMPAT_TMP/out
mkdir -p "$OUT"

# --- 1. run --rm: bridge against none ------------------------------------
if section 1; then
echo "## 1. run --rm busybox true, --network none and the default bridge ($NET_ROUNDS rounds x $NET_RUNS runs; ms: median mean n)"
echo "(berth warm: a container of the same root stays on its bridge; cold: the run makes and removes the bridge and table)"
args=()
for k in berth-none berth-bridge-warm berth-bridge-cold docker-none docker-bridge podman-none podman-bridge; do
  case ",$ENGINES," in *",${k%%-*},"*) args+=("$k" "${RUN[$k]}") ;; esac
done
alternate "$NET_ROUNDS" "$NET_RUNS" "${args[@]}" | tee "$OUT/run"
# the difference of the medians and of the means
awk '{m[$1] = $2; a[$1] = $3}
  function d(e, x) {
    if ((e "-none") in m && x in m)
      printf "- %s: %s adds %.2f ms (medians), %.2f ms (means)%s\n", e, x, m[x] - m[e "-none"], a[x] - a[e "-none"],
        (x == "berth-bridge-warm" ? "; target <= 5: " ((m[x] - m[e "-none"] <= 5) ? "met" : "not met") : "")
  }
  END {
    d("berth", "berth-bridge-warm"); d("berth", "berth-bridge-cold")
    d("docker", "docker-bridge"); d("podman", "podman-bridge")
  }' "$OUT/run"
fi
$bw rm -f keep >/dev/null

# --- 2. a name resolvable after run -d -------------------------------------
if section 2; then
if [ ! -x "$BENCH_BUILD/cmd/berth-dns/berth-dns" ]; then
  echo "## 2. name resolution after run -d: skipped (no berth-dns in $BENCH_BUILD)"
else
  BNETS=$(free_net24 215 10)
  $bw network create --subnet "$BNETS.0/24" "bn-$SUFFIX" >/dev/null
  GW=$($bw network inspect "bn-$SUFFIX" | jq -r '.[0].IPAM.Config[0].Gateway // empty')
  [ -n "$GW" ] || GW="$BNETS.1"
  NAMES="$BW_RUN/networks/$($bw network inspect "bn-$SUFFIX" | jq -r '.[0].Id')/names"
  $bw run -d --name dns-a --network "bn-$SUFFIX" $brun_opts busybox sleep 3600 >/dev/null
  cat >"$OUT/dnsq.py" <<'PY'
# dnsq.py GW NET NAMES RUNS BERTH...: RUNS times, `BERTH run -d --network NET
# --name nbI busybox sleep 3600`, then A queries for nbI to GW:53 (a fresh id
# every 5 ms until one has an answer); prints run -d's time and the time from
# its return to the first answer. Also the resolver's own round trip, for the
# name of a container that was already there (dns-a). A name the resolver
# does not know it forwards to the host's nameservers: so no query is sent
# before the name is in NAMES (berth-dns's names file, which the engine
# writes before run -d returns; how late it was is printed too), and none at
# all if NAMES never shows up.
import os, random, socket, statistics, struct, subprocess, sys, time

gw, net, names_path, runs, berth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]

def in_names(name, deadline=2.0):
    t0 = time.monotonic()
    reads = 0
    while time.monotonic() - t0 < deadline:
        reads += 1
        try:
            with open(names_path) as f:
                if any(l.split()[:1] == [name] for l in f):
                    return time.monotonic() - t0, reads
        except FileNotFoundError:
            pass
        time.sleep(0.0002)
    return None, reads

if in_names("dns-a")[0] is None:
    print("- %s has no dns-a: the engine writes names elsewhere; not measured "
          "(no query sent: the resolver would forward it to the host's nameservers)" % names_path)
    sys.exit(0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((gw, 53))

def ask(name, deadline=2.0):
    """Seconds to the first answer with records, and the queries sent; None if none."""
    t0 = time.monotonic()
    sent = 0
    while time.monotonic() - t0 < deadline:
        qid = random.randrange(65536)
        q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
        q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
        q += struct.pack(">HH", 1, 1)
        try:
            s.send(q)
        except ConnectionRefusedError:
            time.sleep(0.0005)
            continue
        sent += 1
        end = time.monotonic() + 0.005
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                r = s.recv(4096)
            except socket.timeout:
                break
            except ConnectionRefusedError:
                time.sleep(0.0005)
                break
            if len(r) < 12:
                continue
            rid, flags, _, an = struct.unpack(">HHHH", r[:8])
            if rid != qid:
                continue  # an answer to an earlier query
            if flags & 0xF == 0 and an > 0:
                return time.monotonic() - t0, sent
            time.sleep(0.0005)
            break  # NXDOMAIN, SERVFAIL, no records yet: ask again
    return None, sent

def stats(xs):
    xs = sorted(xs)
    return "median %.2f mean %.2f min %.2f max %.2f n %d" % (
        statistics.median(xs) * 1000, statistics.mean(xs) * 1000, xs[0] * 1000, xs[-1] * 1000, len(xs))

base = []
for _ in range(runs):
    t, _n = ask("dns-a")
    if t is not None:
        base.append(t)
runt, rest, extra, missed, lates = [], [], [], 0, []
for i in range(runs):
    name = "nb%d" % i
    t0 = time.monotonic()
    subprocess.run(berth + ["run", "-d", "--network", net, "--name", name] +
                   ["busybox", "sleep", "3600"], stdout=subprocess.DEVNULL, check=True)
    t1 = time.monotonic()
    late, reads = in_names(name)
    t, n = ask(name) if late is not None else (None, 0)
    if late is not None and reads > 1:
        lates.append(late)
    t2 = time.monotonic()
    runt.append(t1 - t0)
    if t is None:
        missed += 1
    else:
        rest.append(t2 - t1)
        extra.append(n - 1)
    subprocess.run(berth + ["rm", "-f", name], stdout=subprocess.DEVNULL, check=True)
print("- resolver round trip, a name already there (dns-a): " + (stats(base) if base else "no answer"))
print("- run -d --network %s: %s" % (net, stats(runt)))
if rest:
    print("- run -d returned -> first answer for the new name: " + stats(rest))
    print("  (queries before the one answered: max %d; target: <= 10 ms: %s)" % (
        max(extra), "met" if max(rest) <= 0.010 else ("median met, max not" if statistics.median(rest) <= 0.010 else "not met")))
print("- no answer within 2 s: %d of %d" % (missed, runs))
if lates:
    print("- the name was not in the names file yet when run -d returned: %d of %d times (%s)" % (
        len(lates), runs, stats(lates)))
PY
  echo "## 2. a name resolvable after run -d returns ($DNS_RUNS runs; ms)"
  # only to a resolver bound to the gateway's address itself (not a host
  # resolver on *:53 that would forward the queries off the machine)
  bound=""
  for _ in $(seq 20); do
    bound=$(ss -Hunl "src $GW and sport = :53")
    [ -z "$bound" ] || break
    sleep 0.1
  done
  if [ -z "$bound" ]; then
    echo "- nothing listens on $GW:53 (UDP) with dns-a running: not measured"
  else
    python3 "$OUT/dnsq.py" "$GW" "bn-$SUFFIX" "$NAMES" "$DNS_RUNS" $bw
  fi
  $bw rm -f dns-a >/dev/null
  $bw network rm "bn-$SUFFIX" >/dev/null
fi
fi

# --- 3. TCP throughput ---------------------------------------------------------
if section 3; then
# iperf3 server in a namespace (FILE), started here, killed by pid on exit
serve() {
  nsenter --net="$1" iperf3 -s -p "${2:-5201}" >/dev/null 2>&1 &
  PIDS+=($!)
  disown $!
}
# gbits NAME NSFILE|- ADDR PORT: one iperf3 client run, Gbit/s received (to $OUT/tp)
gbits() {
  local pre=()
  [ "$2" = - ] || pre=(nsenter --net="$2")
  "${pre[@]}" iperf3 -c "$3" -p "$4" -t "$IPERF_TIME" -O 1 -J 2>/dev/null |
    jq -r --arg n "$1" '"\($n) \(.end.sum_received.bits_per_second / 1e9)"' >>"$OUT/tp" || true
}

# a veth pair made by hand, between two namespaces of our own
NS=$COMPAT_TMP/ns
mkdir -p "$NS"
for n in va vb ha hb hh; do : >"$NS/$n"; unshare --net="$NS/$n" true; HAND_NS+=("$NS/$n"); done
nsenter --net="$NS/va" ip link add eth0 type veth peer name peer0
nsenter --net="$NS/va" ip link set peer0 netns "$NS/vb"
nsenter --net="$NS/vb" ip link set peer0 name eth0
for n in va vb; do nsenter --net="$NS/$n" ip link set lo up; done
nsenter --net="$NS/va" ip addr add 10.9.9.1/24 dev eth0
nsenter --net="$NS/vb" ip addr add 10.9.9.2/24 dev eth0
for n in va vb; do nsenter --net="$NS/$n" ip link set eth0 up; done
serve "$NS/va"
# and a bridge made by hand (in a namespace of its own, no firewall): two veths on it
nsenter --net="$NS/hh" ip link add br0 type bridge
nsenter --net="$NS/hh" ip link set br0 up
i=1
for n in ha hb; do
  nsenter --net="$NS/hh" ip link add "v$n" type veth peer name eth0 netns "$NS/$n"
  nsenter --net="$NS/hh" ip link set "v$n" master br0 up
  nsenter --net="$NS/$n" ip addr add "10.9.8.$i/24" dev eth0
  nsenter --net="$NS/$n" ip link set eth0 up
  nsenter --net="$NS/$n" ip link set lo up
  i=$((i + 1))
done
serve "$NS/ha"
# and the host's own loopback, no container at all: what one TCP connection carries here
LPORT=$(free_port)
iperf3 -s -B 127.0.0.1 -p "$LPORT" >/dev/null 2>&1 &
PIDS+=($!)
disown $!

# two containers on each engine's bridge: the server in one, the client in the other
$bw run -d --name tpa $brun_opts busybox sleep 3600 >/dev/null
$bw run -d --name tpb $brun_opts busybox sleep 3600 >/dev/null
docker run -d --name tpa busybox sleep 3600 >/dev/null
docker run -d --name tpb busybox sleep 3600 >/dev/null
$podman_cmd run -d --name tpa --network "$PNET" --cgroup-parent "/$PODMAN_CG" busybox sleep 3600 >/dev/null
$podman_cmd run -d --name tpb --network "$PNET" --cgroup-parent "/$PODMAN_CG" busybox sleep 3600 >/dev/null
# and one with a port published on 127.0.0.1 (berth: nftables DNAT; docker: docker-proxy)
BPORT=$(free_port)
$bw run -d --name tpp -p "127.0.0.1:$BPORT:5201" $brun_opts busybox sleep 3600 >/dev/null
DPORT=$(free_port)
while [ "$DPORT" = "$BPORT" ]; do DPORT=$(free_port); done
docker run -d --name tpp -p "127.0.0.1:$DPORT:5201" busybox sleep 3600 >/dev/null
declare -A TPNS TPIP
for e in berth docker podman; do
  case $e in berth) c="$bw" ;; docker) c=docker ;; podman) c="$podman_cmd" ;; esac
  for n in tpa tpb tpp; do
    [ "$e" != podman ] || [ "$n" != tpp ] || continue
    TPNS[$e,$n]=$(net_pid "$($c inspect "$n" | jq -r '.[0].State.Pid')")
    TPIP[$e,$n]=$($c inspect "$n" | jq -r '[.[0].NetworkSettings.Networks[].IPAddress][0]')
  done
  serve "${TPNS[$e,tpa]}"
  [ "$e" = podman ] || serve "${TPNS[$e,tpp]}"
done
sleep 1
echo "## 3. TCP throughput, iperf3 -t $IPERF_TIME -O 1, one stream, $IPERF_ROUNDS alternating rounds (Gbit/s: median mean n)"
echo "(addresses: berth ${TPIP[berth,tpa]}, docker ${TPIP[docker,tpa]}, podman ${TPIP[podman,tpa]}; ports on 127.0.0.1: berth $BPORT, docker $DPORT)"
: >"$OUT/tp"
for _ in $(seq "$IPERF_ROUNDS"); do
  gbits veth-by-hand "$NS/vb" 10.9.9.1 5201
  gbits loopback-by-hand - 127.0.0.1 "$LPORT"
  gbits bridge-by-hand "$NS/hb" 10.9.8.1 5201
  gbits berth-bridge "${TPNS[berth,tpb]}" "${TPIP[berth,tpa]}" 5201
  gbits docker-bridge "${TPNS[docker,tpb]}" "${TPIP[docker,tpa]}" 5201
  gbits podman-bridge "${TPNS[podman,tpb]}" "${TPIP[podman,tpa]}" 5201
  gbits berth-127.0.0.1-port - 127.0.0.1 "$BPORT"
  gbits docker-127.0.0.1-port - 127.0.0.1 "$DPORT"
done
for n in veth-by-hand loopback-by-hand bridge-by-hand berth-bridge docker-bridge podman-bridge berth-127.0.0.1-port docker-127.0.0.1-port; do
  awk -v n="$n" '$1 == n {print $2}' "$OUT/tp" | sort -g |
    awk -v n="$n" '{a[NR] = $1; s += $1} END {if (NR) printf "%s %.2f %.2f %d\n", n, (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2), s / NR, NR; else print n " - - 0"}'
done | tee "$OUT/tps"
awk '{m[$1] = $2}
  END {
    if (m["veth-by-hand"] > 0) printf "- berth bridge / veth pair by hand = %.2f (target >= 0.90: %s); / bridge by hand = %.2f\n",
      m["berth-bridge"] / m["veth-by-hand"], (m["berth-bridge"] / m["veth-by-hand"] >= 0.9 ? "met" : "not met"),
      m["berth-bridge"] / m["bridge-by-hand"]
    if (m["docker-127.0.0.1-port"] > 0) printf "- berth / docker through a port on 127.0.0.1 = %.2f (target >= 2: %s)\n",
      m["berth-127.0.0.1-port"] / m["docker-127.0.0.1-port"], (m["berth-127.0.0.1-port"] / m["docker-127.0.0.1-port"] >= 2 ? "met" : "not met")
    if (m["loopback-by-hand"] > 0 && m["docker-127.0.0.1-port"] > 0) printf "- TCP over the host loopback by hand / docker through a port on 127.0.0.1 = %.2f (the most a TCP connection carries here); berth / loopback by hand = %.2f\n",
      m["loopback-by-hand"] / m["docker-127.0.0.1-port"], m["berth-127.0.0.1-port"] / m["loopback-by-hand"]
  }' "$OUT/tps"
fi
echo "# done $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
