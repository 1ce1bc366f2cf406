#!/usr/bin/env bash
# What one stream between two processes of this machine can carry (issue 12's
# port target is measured against it): an AF_UNIX pair, a TCP connection over
# 127.0.0.1, and that connection with each sendmsg put straight into the
# peer's receive queue by BPF (sockmap, sk_msg); then whether a receiver that
# reads with splice(2) gets what was sent while the sockmap carries it.
# tcp-ceiling.c says how. Run as root (BPF, a cgroup v2 directory of its own,
# removed again). Prints markdown-ready lines.
source "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-6}
SECONDS_EACH=${SECONDS_EACH:-3}
CG2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
[ -n "$CG2" ] || { echo "no cgroup v2 mount: the sockmap cannot be measured" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -Wall -o "$tmp/tcp-ceiling" "$BENCH_DIR/tcp-ceiling.c"
echo "# $(date -u +%F), $(nproc) cores, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## one stream, ${SECONDS_EACH} s each, $ROUNDS alternating rounds (Gbit/s: median mean n)"
for _ in $(seq "$ROUNDS"); do
  "$tmp/tcp-ceiling" unix "$SECONDS_EACH"
  "$tmp/tcp-ceiling" tcp "$SECONDS_EACH"
  "$tmp/tcp-ceiling" sockmap "$SECONDS_EACH" "$CG2"
done | sort -k1,1 -k2g | awk '{v[$1] = v[$1] " " $2} END {for (k in v) {n = split(substr(v[k], 2), a, " "); s = 0; for (i = 1; i <= n; i++) s += a[i]; printf "%s %.2f %.2f %d\n", k, (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2), s / n, n}}' | sort
echo "## a receiver reading with splice(2) while the sockmap carries the stream"
timeout 30 "$tmp/tcp-ceiling" sockmap-splice 10000000 "$CG2" || echo "sockmap-splice: no answer in 30 s"
