#!/usr/bin/env bats
# The registry client (src/registry/client.h) through tests/helpers/regclient-cli, against
# real docker-registry instances on 127.0.0.1 (plain http, htpasswd Basic, TLS with a CA
# made here, TLS with client certificates, token auth with a token service of ours) and
# against python servers that redirect to other hosts or misbehave on purpose
# (registry-fake.py). Every process started here is stopped by its pid, and the temp dir
# removed. Needs no root.

load helpers
bats_require_minimum_version 1.5.0

CLI="$BERTH_BUILD/tests/unit/regclient-cli"
FAKE="$BATS_TEST_DIRNAME/registry-fake.py"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {
  local i
  for i in $(seq 100); do
    (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on $1" >&2
  return 1
}

# start NAME CMD...: in the background, its pid kept for teardown_file
start() {
  local name=$1
  shift
  "$@" >"$T/$name.log" 2>&1 3>&- &
  echo $! >>"$T/pids"
}

# registry NAME PORT EXTRA-YAML: a docker-registry with its own storage
registry() {
  local name=$1 port=$2 extra=$3
  mkdir -p "$T/$name"
  cat >"$T/$name/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $T/$name/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: berth-test-secret
$extra
EOF
  start "$name" docker-registry serve "$T/$name/config.yml"
}

setup_file() {
  command -v docker-registry >/dev/null || skip "docker-registry is not installed"
  command -v openssl >/dev/null || skip "openssl is not installed"
  command -v python3 >/dev/null || skip "python3 is not installed"
  T=$(mktemp -d /tmp/berth-regclient.XXXXXX)
  export T
  : >"$T/pids"

  # a CA, a server certificate for 127.0.0.1/localhost, a client certificate
  local s="-subj"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$T/ca.key" -out "$T/ca.crt" \
    $s /CN=berth-test-ca 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$T/server.key" -out "$T/server.csr" \
    $s /CN=127.0.0.1 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$T/san.ext"
  openssl x509 -req -in "$T/server.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" \
    -CAcreateserial -days 2 -extfile "$T/san.ext" -out "$T/server.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$T/client.key" -out "$T/client.csr" \
    $s /CN=berth-client 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$T/client.ext"
  openssl x509 -req -in "$T/client.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" \
    -CAcreateserial -days 2 -extfile "$T/client.ext" -out "$T/client.crt" 2>/dev/null
  # the token service's signing key; its certificate is the registry's root bundle
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$T/token.key" \
    -out "$T/token.crt" $s /CN=berth-test-token 2>/dev/null

  "$CLI" htpasswd alice secret >"$T/htpasswd"

  PLAIN=127.0.0.1:$(free_port)
  registry plain "${PLAIN#*:}" ""
  BASIC=127.0.0.1:$(free_port)
  registry basic "${BASIC#*:}" "auth:
  htpasswd:
    realm: berth-test
    path: $T/htpasswd"
  TLS=127.0.0.1:$(free_port)
  registry tls "${TLS#*:}" "  tls:
    certificate: $T/server.crt
    key: $T/server.key"
  MTLS=127.0.0.1:$(free_port)
  registry mtls "${MTLS#*:}" "  tls:
    certificate: $T/server.crt
    key: $T/server.key
    clientcas:
      - $T/ca.crt"
  TOKEN_PORT=$(free_port)
  TOKENREG=127.0.0.1:$(free_port)
  registry token "${TOKENREG#*:}" "auth:
  token:
    realm: http://127.0.0.1:$TOKEN_PORT/token
    service: berth-test-registry
    issuer: berth-test-issuer
    rootcertbundle: $T/token.crt"
  start tokensvc python3 "$FAKE" token "$TOKEN_PORT" "$T/token-requests.log" \
    "$T/token.key" "$T/token.crt" berth-test-issuer
  BAD=127.0.0.1:$(free_port)
  start bad python3 "$FAKE" bad "${BAD#*:}" "$T/bad-requests.log"
  REDIR_A=$(free_port)
  REDIR_B=$(free_port)
  start redirect python3 "$FAKE" redirect "$REDIR_A" "$REDIR_B" "$T/redirect.log"

  local p
  for p in "${PLAIN#*:}" "${BASIC#*:}" "${TLS#*:}" "${MTLS#*:}" "${TOKENREG#*:}" \
    "$TOKEN_PORT" "${BAD#*:}" "$REDIR_A" "$REDIR_B"; do
    wait_port "$p"
  done

  # certs dirs as docker lays them out: <dir>/<host:port>/{ca.crt,client.cert,client.key}
  mkdir -p "$T/certs.d/$TLS" "$T/certs.d/$MTLS" "$T/certs-noclient.d/$MTLS" "$T/no-certs.d"
  cp "$T/ca.crt" "$T/certs.d/$TLS/ca.crt"
  cp "$T/ca.crt" "$T/certs.d/$MTLS/ca.crt"
  cp "$T/client.crt" "$T/certs.d/$MTLS/client.cert"
  cp "$T/client.key" "$T/certs.d/$MTLS/client.key"
  cp "$T/ca.crt" "$T/certs-noclient.d/$MTLS/ca.crt"

  export PLAIN BASIC TLS MTLS TOKENREG TOKEN_PORT BAD REDIR_A REDIR_B
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  local pid
  if [ -f "$T/pids" ]; then
    for pid in $(cat "$T/pids"); do kill "$pid" 2>/dev/null || true; done
    for pid in $(cat "$T/pids"); do
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    done
  fi
  rm -rf "$T"
}

setup() {
  W=$(mktemp -d "$T/work.XXXXXX")
  # no credentials from the environment unless a test puts them there
  export BERTH_AUTH_FILE="$W/auth.json" HOME="$W/home"
  unset REGISTRY_AUTH_FILE DOCKER_CONFIG XDG_RUNTIME_DIR
}

cli() {
  "$CLI" --certs-dir "$T/no-certs.d" "$@"
}

sha() {
  echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"
}

# push_image HOST REPO TAG [CLI OPTIONS...]: a config, a layer and a manifest; sets
# LAYER, LAYER_DIGEST and MANIFEST_DIGEST
push_image() {
  local host=$1 repo=$2 tag=$3
  shift 3
  head -c 300000 /dev/urandom >"$W/layer"
  printf '{"architecture":"amd64","os":"linux"}' >"$W/config"
  LAYER=$W/layer
  LAYER_DIGEST=$(sha "$W/layer")
  local cfg
  cfg=$(sha "$W/config")
  cli "$@" "$host" put-blob "$repo" "$W/layer" >/dev/null
  cli "$@" "$host" put-blob "$repo" "$W/config" >/dev/null
  cat >"$W/manifest.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"$cfg","size":$(stat -c %s "$W/config")},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"$LAYER_DIGEST","size":300000}]}
EOF
  MANIFEST_DIGEST=$(cli "$@" "$host" put-manifest "$repo" "$tag" \
    application/vnd.oci.image.manifest.v1+json "$W/manifest.json")
}

# --- plain http ------------------------------------------------------------

@test "insecure plain-http registry: ping falls back to http; without --insecure a clear error" {
  run cli --insecure "$PLAIN" ping
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  run cli "$PLAIN" ping
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot reach registry $PLAIN: TLS handshake failed"* ]]
  [[ "$output" == *"must be marked insecure"* ]]
}

@test "blob: monolithic upload, HEAD, GET back the same bytes; absent blob" {
  head -c 1000000 /dev/urandom >"$W/blob"
  local d
  d=$(sha "$W/blob")
  run cli --insecure "$PLAIN" put-blob app "$W/blob"
  [ "$status" -eq 0 ]
  [ "$output" = "$d uploaded" ]
  run cli --insecure "$PLAIN" exists app "$d"
  [ "$output" = "present 1000000" ]
  run cli --insecure "$PLAIN" get-blob app "$d" 1000000 "$W/out"
  [ "$status" -eq 0 ]
  cmp "$W/blob" "$W/out"
  run cli --insecure "$PLAIN" get-blob app "$d" -1 "$W/out2"
  [ "$status" -eq 0 ]
  cmp "$W/blob" "$W/out2"
  echo other >"$W/other"
  run cli --insecure "$PLAIN" exists app "$(sha "$W/other")"
  [ "$output" = absent ]
  run cli --insecure "$PLAIN" get-blob app "$(sha "$W/other")" -1 "$W/out3"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot fetch blob $(sha "$W/other") from $PLAIN/app: 404 blob unknown"* ]]
}

@test "blob: chunked upload (PATCH with Content-Range, Location each time), odd last chunk" {
  head -c 250001 /dev/urandom >"$W/blob"
  local d
  d=$(sha "$W/blob")
  run cli --insecure --chunk 100000 "$PLAIN" put-blob chunked "$W/blob"
  [ "$status" -eq 0 ]
  [ "$output" = "$d uploaded" ]
  run cli --insecure "$PLAIN" get-blob chunked "$d" 250001 "$W/out"
  [ "$status" -eq 0 ]
  cmp "$W/blob" "$W/out"
}

@test "blob: upload from a pipe, monolithic and chunked" {
  head -c 200000 /dev/urandom >"$W/blob"
  local d
  d=$(sha "$W/blob")
  run cli --insecure --stdin "$PLAIN" put-blob piped "$W/blob" <"$W/blob"
  [ "$status" -eq 0 ]
  cat "$W/blob" | cli --insecure --stdin --chunk 65536 "$PLAIN" put-blob piped2 "$W/blob"
  run cli --insecure "$PLAIN" get-blob piped2 "$d" 200000 "$W/out"
  [ "$status" -eq 0 ]
  cmp "$W/blob" "$W/out"
  run cli --insecure "$PLAIN" exists piped "$d"
  [ "$output" = "present 200000" ]
}

@test "blob: cross-repository mount (201), and a mount the registry cannot do becomes an upload" {
  head -c 5000 /dev/urandom >"$W/blob"
  local d
  d=$(sha "$W/blob")
  cli --insecure "$PLAIN" put-blob mount-src "$W/blob"
  run cli --insecure --from mount-src "$PLAIN" put-blob mount-dst "$W/blob"
  [ "$status" -eq 0 ]
  [ "$output" = "$d mounted" ]
  run cli --insecure "$PLAIN" exists mount-dst "$d"
  [ "$output" = "present 5000" ]
  run cli --insecure --from nowhere "$PLAIN" put-blob mount-dst2 "$W/blob"
  [ "$status" -eq 0 ]
  [ "$output" = "$d uploaded" ]
  run cli --insecure --chunk 1000 --from nowhere "$PLAIN" put-blob mount-dst3 "$W/blob"
  [ "$output" = "$d uploaded" ]
  run cli --insecure "$PLAIN" get-blob mount-dst3 "$d" 5000 "$W/out"
  cmp "$W/blob" "$W/out"
}

@test "blob: a wrong digest is refused by the registry, with its message" {
  head -c 1000 /dev/urandom >"$W/blob"
  echo other >"$W/other"
  run cli --insecure --digest "$(sha "$W/other")" "$PLAIN" put-blob wrong "$W/blob"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot push blob $(sha "$W/other") to $PLAIN/wrong: 400 provided digest did not match uploaded content"* ]]
  run cli --insecure "$PLAIN" exists wrong "$(sha "$W/other")"
  [ "$output" = absent ]
}

@test "manifests: put by tag, get by tag and digest, HEAD, tags list, 404 in the registry's words" {
  push_image "$PLAIN" shop/app v1 --insecure
  [ "$MANIFEST_DIGEST" = "$(sha "$W/manifest.json")" ]
  cli --insecure "$PLAIN" put-manifest shop/app v2 application/vnd.oci.image.manifest.v1+json \
    "$W/manifest.json"
  run cli --insecure "$PLAIN" get-manifest shop/app v1 "$W/got.json"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "digest $MANIFEST_DIGEST" ]
  [ "${lines[1]}" = "type application/vnd.oci.image.manifest.v1+json" ]
  cmp "$W/manifest.json" "$W/got.json"
  run cli --insecure "$PLAIN" get-manifest shop/app "$MANIFEST_DIGEST"
  [ "${lines[0]}" = "digest $MANIFEST_DIGEST" ]
  run cli --insecure "$PLAIN" head-manifest shop/app v2
  [ "${lines[0]}" = "digest $MANIFEST_DIGEST" ]
  [ "${lines[2]}" = "size $(stat -c %s "$W/manifest.json")" ]
  run cli --insecure "$PLAIN" tags shop/app
  [ "$output" = "$(printf 'v1\nv2')" ]
  run cli --insecure "$PLAIN" get-manifest shop/app nope
  [ "$status" -eq 1 ]
  [ "$output" = "regclient-cli: cannot fetch manifest $PLAIN/shop/app:nope: 404 manifest unknown" ]
  run cli --insecure "$PLAIN" tags nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot list tags of $PLAIN/nosuch: 404 repository name not known to registry"* ]]
}

@test "manifests: a Docker v2 manifest keeps its media type; a manifest that is too big is refused" {
  push_image "$PLAIN" dockerish v1 --insecure
  sed 's/application\/vnd.oci.image.manifest.v1+json/application\/vnd.docker.distribution.manifest.v2+json/; s/application\/vnd.oci.image.config.v1+json/application\/vnd.docker.container.image.v1+json/; s/application\/vnd.oci.image.layer.v1.tar+gzip/application\/vnd.docker.image.rootfs.diff.tar.gzip/' \
    "$W/manifest.json" >"$W/docker.json"
  cli --insecure "$PLAIN" put-manifest dockerish v2 \
    application/vnd.docker.distribution.manifest.v2+json "$W/docker.json"
  run cli --insecure "$PLAIN" get-manifest dockerish v2
  [ "${lines[1]}" = "type application/vnd.docker.distribution.manifest.v2+json" ]
  [ "${lines[0]}" = "digest $(sha "$W/docker.json")" ]
  run cli --insecure --max 100 "$PLAIN" get-manifest dockerish v2
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot fetch manifest $PLAIN/dockerish:v2: response is larger than 100 bytes"* ]]
  # a digest reference must name the content
  run cli --insecure "$PLAIN" put-manifest dockerish "$(sha "$W/manifest.json")" \
    application/vnd.docker.distribution.manifest.v2+json "$W/docker.json"
  [ "$status" -eq 1 ]
  [[ "$output" == *"the manifest's digest is $(sha "$W/docker.json")"* ]]
}

@test "bad names are refused before anything is sent" {
  run cli --insecure "$PLAIN" get-manifest App v1
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid repository name 'App'"* ]]
  run cli --insecure "$PLAIN" get-manifest app '../x'
  [[ "$output" == *"invalid reference '../x'"* ]]
  run cli --insecure "$PLAIN" tags 'a//b'
  [[ "$output" == *"invalid repository name 'a//b'"* ]]
  run cli --insecure 'bad host/x' ping
  [[ "$output" == *"invalid registry host 'bad host/x'"* ]]
}

# --- htpasswd Basic ----------------------------------------------------------

@test "basic auth: right credentials work, wrong ones and none are unauthorized" {
  run cli --insecure --user alice --pass secret "$BASIC" ping
  [ "$status" -eq 0 ]
  run cli --insecure --user alice --pass wrong "$BASIC" ping
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot reach registry $BASIC: unauthorized: authentication required"* ]]
  run cli --insecure "$BASIC" get-manifest app v1
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot fetch manifest $BASIC/app:v1: unauthorized: authentication required"* ]]
  push_image "$BASIC" app v1 --insecure --user alice --pass secret
  run cli --insecure --user alice --pass secret "$BASIC" get-manifest app v1
  [ "${lines[0]}" = "digest $MANIFEST_DIGEST" ]
  run cli --insecure --user alice --pass secret "$BASIC" get-blob app "$LAYER_DIGEST" 300000 \
    "$W/out"
  [ "$status" -eq 0 ]
  cmp "$LAYER" "$W/out"
}

@test "basic auth: credentials come from the auth file when none are given" {
  "$CLI" auth-set "$BASIC" alice secret
  [ "$(stat -c %a "$BERTH_AUTH_FILE")" = 600 ]
  run cli --insecure "$BASIC" ping
  [ "$status" -eq 0 ]
  push_image "$BASIC" fromfile v1 --insecure
  run cli --insecure "$BASIC" tags fromfile
  [ "$output" = v1 ]
  "$CLI" auth-rm "$BASIC"
  run cli --insecure "$BASIC" tags fromfile
  [ "$status" -eq 1 ]
  [[ "$output" == *unauthorized* ]]
  echo '{"auths": ' >"$BERTH_AUTH_FILE"
  run cli --insecure "$BASIC" ping
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot read credentials for $BASIC: bad credentials file $BERTH_AUTH_FILE"* ]]
}

# --- TLS -----------------------------------------------------------------------

@test "tls: trusted through the certs dir's ca.crt, refused without it, accepted unverified" {
  run cli --certs-dir "$T/certs.d" "$TLS" ping
  [ "$status" -eq 0 ]
  run cli "$TLS" ping
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot reach registry $TLS:"*"certificate"* ]]
  run cli --no-verify "$TLS" ping
  [ "$status" -eq 0 ]
  # insecure: TLS first (unchecked), not http
  run cli --insecure "$TLS" ping
  [ "$status" -eq 0 ]
  head -c 70000 /dev/urandom >"$W/blob"
  run cli --certs-dir "$T/certs.d" "$TLS" put-blob secure "$W/blob"
  [ "$output" = "$(sha "$W/blob") uploaded" ]
  run cli --certs-dir "$T/certs.d" "$TLS" get-blob secure "$(sha "$W/blob")" 70000 "$W/out"
  cmp "$W/blob" "$W/out"
  # the certs dirs are searched in order; ours second
  run cli --certs-dir "$T/no-certs.d:$T/certs.d" "$TLS" ping
  [ "$status" -eq 0 ]
}

@test "tls: client certificate from client.cert/client.key in the certs dir" {
  run cli --certs-dir "$T/certs.d" "$MTLS" ping
  [ "$status" -eq 0 ]
  run cli --certs-dir "$T/certs-noclient.d" "$MTLS" ping
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot reach registry $MTLS:"* ]]
  mkdir -p "$W/certs.d/$MTLS"
  cp "$T/client.crt" "$W/certs.d/$MTLS/client.cert"
  run cli --certs-dir "$W/certs.d" "$MTLS" ping
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing key $W/certs.d/$MTLS/client.key for client certificate"* ]]
}

# --- token auth ---------------------------------------------------------------

token_requests() {
  cat "$T/token-requests.log" 2>/dev/null | wc -l
}

@test "token auth: push needs a login, anonymous pull works, tokens cached per scope" {
  run cli --insecure "$TOKENREG" ping
  [ "$status" -eq 0 ]
  head -c 1000 /dev/urandom >"$W/blob"
  run cli --insecure "$TOKENREG" put-blob team/app "$W/blob"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot push blob $(sha "$W/blob") to $TOKENREG/team/app: unauthorized: authentication required"* ]]
  push_image "$TOKENREG" team/app v1 --insecure --user alice --pass secret
  run cli --insecure "$TOKENREG" get-manifest team/app v1
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "digest $MANIFEST_DIGEST" ]
  run cli --insecure "$TOKENREG" get-blob team/app "$LAYER_DIGEST" 300000 "$W/out"
  cmp "$LAYER" "$W/out"
  # three fetches on one handle: one token for the pull scope
  local before after
  before=$(token_requests)
  run cli --insecure "$TOKENREG" repeat 3 get-manifest team/app v1
  [ "$status" -eq 0 ]
  after=$(token_requests)
  [ $((after - before)) -eq 1 ]
  tail -n 1 "$T/token-requests.log" | grep -F '"scopes": ["repository:team/app:pull"]'
  tail -n 1 "$T/token-requests.log" | grep -F '"service": "berth-test-registry"'
}

@test "token auth: wrong password, access_token with issued_at, ping checks credentials" {
  run cli --insecure --user alice --pass wrong "$TOKENREG" get-manifest team/app v1
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot get a token from http://127.0.0.1:$TOKEN_PORT/token for alice: unauthorized: incorrect username or password"* ]]
  run cli --insecure --user alice --pass wrong "$TOKENREG" ping
  [ "$status" -eq 1 ]
  [[ "$output" == *"incorrect username or password"* ]]
  run cli --insecure --user bob --pass hunter2 "$TOKENREG" ping
  [ "$status" -eq 0 ]
  push_image "$TOKENREG" bobs/app v1 --insecure --user bob --pass hunter2
  run cli --insecure --user bob --pass hunter2 "$TOKENREG" tags bobs/app
  [ "$output" = v1 ]
  # a mount asks for both repositories' scopes
  head -c 3000 /dev/urandom >"$W/blob"
  cli --insecure --user bob --pass hunter2 "$TOKENREG" put-blob bobs/app "$W/blob"
  run cli --insecure --user bob --pass hunter2 --from bobs/app "$TOKENREG" put-blob bobs/other \
    "$W/blob"
  [ "$output" = "$(sha "$W/blob") mounted" ]
  grep -F '"repository:bobs/other:pull,push", "repository:bobs/app:pull"' \
    "$T/token-requests.log"
}

@test "token auth: eight threads, a handle each, download at once" {
  push_image "$TOKENREG" para/app v1 --insecure --user alice --pass secret
  run cli --insecure --user alice --pass secret "$TOKENREG" parallel 8 para/app "$LAYER_DIGEST" \
    300000
  [ "$status" -eq 0 ]
  [ "$output" = "8 threads ok" ]
  run cli --insecure "$TOKENREG" parallel 8 para/app "$(sha "$W/manifest.json")" 1
  [ "$status" -eq 1 ]
  [[ "$output" == *"404 blob unknown"* ]]
}

# --- redirects ------------------------------------------------------------------

redirect_log() {
  python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    print(r["port"], r["host"], r["path"].split("?")[0].split("/")[1], r["authorization"])' \
    "$T/redirect.log"
}

@test "redirect to another port: the blob arrives, our Authorization does not go along" {
  : >"$T/redirect.log"
  printf 'blob bytes behind a redirect\n' >"$W/expect"
  rm -f "$T/redirect.log.where"
  run cli --user alice --pass secret --insecure "127.0.0.1:$REDIR_A" get-blob basic-app \
    "$(sha "$W/expect")" -1 "$W/out"
  [ "$status" -eq 0 ]
  cmp "$W/expect" "$W/out"
  run redirect_log
  # the registry got Basic; the storage on the other port got nothing
  [[ "$output" == *"$REDIR_A 127.0.0.1:$REDIR_A v2 Basic "* ]]
  [[ "$output" == *"$REDIR_B 127.0.0.1:$REDIR_B storage None"* ]]
  [[ "$output" != *"$REDIR_B 127.0.0.1:$REDIR_B storage Basic"* ]]
}

@test "redirect: a Bearer token is not forwarded to another host, nor to another host name" {
  : >"$T/redirect.log"
  printf 'blob bytes behind a redirect\n' >"$W/expect"
  rm -f "$T/redirect.log.where"
  run cli --insecure "127.0.0.1:$REDIR_A" get-blob bearer-app "$(sha "$W/expect")" -1 "$W/out"
  [ "$status" -eq 0 ]
  cmp "$W/expect" "$W/out"
  echo localhost >"$T/redirect.log.where"
  run cli --insecure "127.0.0.1:$REDIR_A" get-blob bearer-app "$(sha "$W/expect")" -1 "$W/out2"
  [ "$status" -eq 0 ]
  cmp "$W/expect" "$W/out2"
  run redirect_log
  [[ "$output" == *"$REDIR_A 127.0.0.1:$REDIR_A v2 Bearer tok123"* ]]
  [[ "$output" == *"$REDIR_B 127.0.0.1:$REDIR_B storage None"* ]]
  [[ "$output" == *"$REDIR_A localhost:$REDIR_A storage None"* ]]
  [[ "$output" != *"storage Bearer"* ]]
}

@test "redirect within the registry's own origin keeps the credentials" {
  : >"$T/redirect.log"
  printf 'blob bytes behind a redirect\n' >"$W/expect"
  echo same-host >"$T/redirect.log.where"
  run cli --user alice --pass secret --insecure "127.0.0.1:$REDIR_A" get-blob basic-app \
    "$(sha "$W/expect")" -1 "$W/out"
  rm -f "$T/redirect.log.where"
  [ "$status" -eq 0 ]
  cmp "$W/expect" "$W/out"
  run redirect_log
  [[ "$output" == *"$REDIR_A 127.0.0.1:$REDIR_A storage Basic "* ]]
}

# --- a registry that misbehaves ---------------------------------------------------

good_digest() {
  printf 'the right bytes\n' >"$W/good"
  sha "$W/good"
}

@test "bad registry: a blob whose bytes do not match its digest" {
  run cli --insecure "$BAD" get-blob corrupt "$(good_digest)" -1 "$W/out"
  [ "$status" -eq 1 ]
  [[ "$output" == *"blob $(good_digest) from $BAD/corrupt is corrupt: digest mismatch (got sha256:"* ]]
  run cli --insecure "$BAD" get-blob good "$(good_digest)" 16 "$W/out"
  [ "$status" -eq 0 ]
  cmp "$W/good" "$W/out"
}

@test "bad registry: a truncated blob, a blob longer than expected" {
  run cli --insecure "$BAD" get-blob truncated "$(good_digest)" -1 "$W/out"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot fetch blob $(good_digest) from $BAD/truncated: connection closed early"* ]]
  run cli --insecure "$BAD" get-blob long "$(good_digest)" 16 "$W/out"
  [ "$status" -eq 1 ]
  [[ "$output" == *"blob $(good_digest) from $BAD/long is corrupt: longer than the 16 bytes expected"* ]]
  run cli --insecure "$BAD" get-blob long "$(good_digest)" -1 "$W/out"
  [ "$status" -eq 1 ]
  [[ "$output" == *"is corrupt: digest mismatch"* ]]
  run cli --insecure "$BAD" get-blob good "$(good_digest)" 20 "$W/out"
  [ "$status" -eq 1 ]
  [[ "$output" == *"is corrupt: 16 bytes, expected 20"* ]]
}

@test "a download that breaks off is resumed with Range (206), or read again when the server sends 200" {
  python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 400)' >"$W/flaky"
  run cli --insecure "$BAD" get-blob flaky "$(sha "$W/flaky")" 102400 "$W/out"
  [ "$status" -eq 0 ]
  cmp "$W/flaky" "$W/out"
  grep -F '"range": "bytes=51200-"' "$T/bad-requests.log"
  run cli --insecure "$BAD" get-blob flaky200 "$(sha "$W/flaky")" -1 "$W/out2"
  [ "$status" -eq 0 ]
  cmp "$W/flaky" "$W/out2"
}

@test "bad registry: a server that stalls mid-body hits the stall timeout" {
  local t0=$SECONDS
  run cli --insecure --stall 2 "$BAD" get-blob stall "$(good_digest)" -1 "$W/out"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot fetch blob $(good_digest) from $BAD/stall: stalled: no data for 2 s"* ]]
  # two tries (the second a Range request), 2 s each
  [ $((SECONDS - t0)) -lt 10 ]
}

@test "bad registry: 401 without a challenge, 404 manifest, too big, wrong digest" {
  run cli --insecure "$BAD" get-manifest nochallenge v1
  [ "$status" -eq 1 ]
  [ "$output" = "regclient-cli: cannot fetch manifest $BAD/nochallenge:v1: unauthorized: authentication required" ]
  run cli --insecure "$BAD" get-manifest missing v1
  [ "$output" = "regclient-cli: cannot fetch manifest $BAD/missing:v1: 404 manifest unknown" ]
  run cli --insecure --max 4096 "$BAD" get-manifest big v1
  [ "$status" -eq 1 ]
  [ "$output" = "regclient-cli: cannot fetch manifest $BAD/big:v1: response is larger than 4096 bytes" ]
  run cli --insecure "$BAD" get-manifest wrongdigest v1
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot fetch manifest $BAD/wrongdigest:v1: digest mismatch: the registry says $(good_digest), the content is sha256:"* ]]
  run cli --insecure "$BAD" get-manifest good v1
  [ "$status" -eq 0 ]
  local d=${lines[0]#digest }
  run cli --insecure "$BAD" get-manifest good "sha256:$(printf '%064d' 0)"
  [ "$status" -eq 1 ]
  [[ "$output" == *"digest mismatch: the content is $d"* ]]
}

@test "bad registry: no Content-Type (type from the body), tags over Link pages" {
  run cli --insecure "$BAD" get-manifest notype v1
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "type application/vnd.oci.image.manifest.v1+json" ]
  run cli --insecure "$BAD" tags pages
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'a\nb\nc\nd\ne')" ]
}

@test "bad registry: a challenge with quoted commas and several schemes picks Bearer's realm" {
  run cli --insecure "$BAD" get-manifest weird v1
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot fetch manifest $BAD/weird:v1: cannot get a token from http://127.0.0.1:1/nope?x=1,2"* ]]
}

@test "manifests are asked for with the four manifest types in Accept" {
  run cli --insecure "$BAD" get-manifest accept v1
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "type application/vnd.oci.image.manifest.v1+json" ]
}

@test "uploads: relative Locations keep their query, chunks carry Content-Range, digest checked" {
  head -c 2500 /dev/urandom >"$W/blob"
  run cli --insecure --chunk 1000 "$BAD" put-blob upl "$W/blob"
  [ "$status" -eq 0 ]
  [ "$output" = "$(sha "$W/blob") uploaded" ]
  run cli --insecure "$BAD" put-blob upl "$W/blob"
  [ "$status" -eq 0 ]
  [ "$output" = "$(sha "$W/blob") uploaded" ]
  grep -F '"range": "2000-2499"' "$T/bad-requests.log"
  echo other >"$W/other"
  run cli --insecure --digest "$(sha "$W/other")" "$BAD" put-blob upl "$W/blob"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot push blob $(sha "$W/other") to $BAD/upl: 400 digest is $(sha "$W/blob")"* ]]
}

@test "nothing listening: a clear connection error" {
  local port
  port=$(free_port)
  run cli --insecure --stall 3 "127.0.0.1:$port" ping
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot reach registry 127.0.0.1:$port: "* ]]
}
