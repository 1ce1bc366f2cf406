# Real registries for the pull/push suites: Debian's docker-registry
# (distribution 2.8), started by the test on 127.0.0.1 with a free port and a
# storage dir of its own, and stopped again by pid.
#
#   start_registry DIR [auth|tls|auth+tls]
#       DIR/config.yml, DIR/data, DIR/registry.log (access log included);
#       sets REG_PORT, REG_PID, REG (127.0.0.1:PORT). auth: htpasswd with
#       user "alice", password "s3cret" (DIR/htpasswd); tls: a self-signed
#       certificate for 127.0.0.1 (DIR/cert.pem, DIR/key.pem).
#   stop_registry PID
#   start_slow_proxy TARGET_PORT BYTES_PER_SECOND
#       sets PROXY_PORT, PROXY_PID: a TCP proxy that passes bytes at that rate,
#       so a transfer can be interrupted half way.
#   registry_requests DIR PATTERN   how many access-log lines match PATTERN

REGISTRY_BIN=${REGISTRY_BIN:-/usr/bin/docker-registry}
SLOW_PROXY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/slow-proxy.py"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A bcrypt htpasswd line: htpasswd -B (apache2-utils), else the regclient-cli test helper's
# (crypt(3)), else Python's crypt ($2b$).
htpasswd_line() {
  local user=$1 pass=$2
  if command -v htpasswd >/dev/null; then
    htpasswd -Bbn "$user" "$pass" | head -n 1
  elif [ -x "${BERTH_BUILD:-}/tests/unit/regclient-cli" ]; then
    "$BERTH_BUILD/tests/unit/regclient-cli" htpasswd "$user" "$pass"
  else
    /usr/bin/python3 -W ignore -c 'import crypt, sys; print(sys.argv[1] + ":" + crypt.crypt(sys.argv[2], crypt.mksalt(crypt.METHOD_BLOWFISH)))' "$user" "$pass"
  fi
}

start_registry() {
  local dir=$1 mode=${2:-} scheme=http i
  [ -x "$REGISTRY_BIN" ] || skip "docker-registry is not installed"
  mkdir -p "$dir/data"
  REG_PORT=$(free_port)
  {
    echo "version: 0.1"
    echo "log:"
    echo "  level: info"
    echo "storage:"
    echo "  filesystem:"
    echo "    rootdirectory: $dir/data"
    echo "  delete:"
    echo "    enabled: true"
    echo "http:"
    echo "  addr: 127.0.0.1:$REG_PORT"
    if [[ "$mode" == *tls* ]]; then
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1" \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
      echo "  tls:"
      echo "    certificate: $dir/cert.pem"
      echo "    key: $dir/key.pem"
      scheme=https
    fi
    if [[ "$mode" == *auth* ]]; then
      htpasswd_line alice s3cret >"$dir/htpasswd"
      echo "auth:"
      echo "  htpasswd:"
      echo "    realm: berth-test"
      echo "    path: $dir/htpasswd"
    fi
  } >"$dir/config.yml"
  "$REGISTRY_BIN" serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  REG_PID=$!
  REG="127.0.0.1:$REG_PORT"
  export REG_PORT REG_PID REG
  for i in $(seq 100); do
    # 200, or 401 with auth: it answers
    if curl -sk -o /dev/null -w '%{http_code}' "$scheme://$REG/v2/" 2>/dev/null | grep -qE '200|401'; then
      return 0
    fi
    kill -0 "$REG_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "docker-registry did not start:" >&2
  cat "$dir/registry.log" >&2
  return 1
}

stop_registry() {
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  true
}

start_slow_proxy() {
  local target=$1 rate=$2 i
  PROXY_PORT=$(free_port)
  python3 "$SLOW_PROXY" "$PROXY_PORT" "$target" "$rate" >"$BATS_TEST_TMPDIR/proxy.log" 2>&1 &
  PROXY_PID=$!
  export PROXY_PORT PROXY_PID
  for i in $(seq 50); do
    grep -q ready "$BATS_TEST_TMPDIR/proxy.log" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

registry_requests() {
  grep -cE "$2" "$1/registry.log" || true
}
