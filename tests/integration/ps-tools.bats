#!/usr/bin/env bats
# The container tools around ps: top (a container's processes and only
# them), stats (docker's columns, memory without cache against the limit,
# CPU % from two samples, pids, formats, live mode), port (PortBindings as
# docker prints them), container prune and system prune (what goes and what
# stays), the `container` command group, and bad input.

load helpers

setup() {
  setup_image_test
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  export BERTH_RUNROOT
  berth import -c 'CMD ["sh"]' "$WORK/busybox.tar" img >/dev/null
  HOST_SLEEP=
}

teardown() {
  [ -n "${HOST_SLEEP:-}" ] && kill "$HOST_SLEEP" 2>/dev/null
  remove_berth_containers
  teardown_image_test
}

# Wait until `berth exec C test -e FILE` succeeds (the container did its setup).
wait_file() {
  local i
  for i in $(seq 100); do
    berth exec "$1" test -e "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# "40.55MiB" → bytes
to_bytes() {
  awk -v s="$1" 'BEGIN {
    n = s + 0; u = s; sub(/^[0-9.]+/, "", u)
    m["B"] = 1; m["KiB"] = 1024; m["MiB"] = 1048576; m["GiB"] = 1073741824
    printf "%.0f\n", n * m[u] }'
}

@test "top: docker's columns, the container's processes with their host PIDs and commands, no host process" {
  berth run -d --name tp img sh -c 'sleep 1001 & sleep 1002 & touch /tmp/up; wait' >/dev/null
  wait_file tp /tmp/up
  sleep 1003 &
  HOST_SLEEP=$!
  run berth top tp
  [ "$status" -eq 0 ]
  [ "$(echo "${lines[0]}" | tr -s ' ')" = "UID PID PPID C STIME TTY TIME CMD" ]
  # docker's top writer: columns at least 20 wide
  [[ "${lines[0]}" == "UID                 PID                 PPID"* ]]
  [ "${#lines[@]}" -eq 4 ]
  init=$(berth inspect -f '{{.State.Pid}}' tp)
  # every PID shown is a process whose command line is the CMD shown, the init one first
  for i in 1 2 3; do
    pid=$(echo "${lines[$i]}" | awk '{print $2}')
    cmd=$(echo "${lines[$i]}" | awk '{for (i = 8; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : "")}')
    [ "$(tr '\0' ' ' </proc/"$pid"/cmdline | sed 's/ $//')" = "$cmd" ]
    [ "$(echo "${lines[$i]}" | awk '{print $1}')" = root ]
  done
  [ "$(echo "${lines[1]}" | awk '{print $2}')" = "$init" ]
  [[ "$output" == *"sleep 1001"* ]]
  [[ "$output" == *"sleep 1002"* ]]
  # the children's PPID is the init
  [ "$(echo "${lines[2]}" | awk '{print $3}')" = "$init" ]
  [[ "$output" != *"sleep 1003"* ]]
  [[ "$output" != *" $HOST_SLEEP "* ]]
}

@test "top with ps options: the host's ps, only the container's rows" {
  berth run -d --name tp img sh -c 'sleep 1001 & touch /tmp/up; wait' >/dev/null
  wait_file tp /tmp/up
  sleep 1003 &
  HOST_SLEEP=$!
  run berth top tp -o pid,comm
  [ "$status" -eq 0 ]
  [ "$(echo "${lines[0]}" | tr -s ' ')" = "PID COMMAND" ]
  [ "${#lines[@]}" -eq 3 ]
  [ "$(echo "${lines[1]}" | awk '{print $1}')" = "$(berth inspect -f '{{.State.Pid}}' tp)" ]
  [ "$(echo "$output" | awk 'NR > 1 {print $2}' | sort | tr '\n' ' ')" = "sh sleep " ]
  [[ "$output" != *"$HOST_SLEEP"* ]]
  # an option that does not go with -q (docker retries without it)
  run berth top tp -ef
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 3 ]
  [[ "$output" != *"sleep 1003"* ]]
  run berth container top tp -o pid
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 3 ]
}

@test "top: stopped, missing, renamed PID column, bad ps option, bad flag, no argument" {
  berth create --name stopped img true >/dev/null
  id=$(berth inspect -f '{{.Id}}' stopped)
  run berth top stopped
  [ "$status" -eq 1 ]
  [ "$output" = "berth: container $id is not running" ]
  run berth top nosuch
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"nosuch"* ]]
  berth run -d --name tp img sleep 1000 >/dev/null
  run berth top tp -o user=PID
  [ "$status" -eq 1 ]
  [ "$output" = 'berth: specifying "user=PID" is not allowed' ]
  run berth top tp --no-such-ps-option
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "berth: ps: "* ]]
  run berth top --bogus tp
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "berth top: unknown flag: --bogus" ]
  run berth top
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = 'berth top: "berth top" requires at least 1 argument.' ]
}

@test "stats --no-stream: columns, memory without cache against the --memory limit" {
  berth run -d --name hog --memory 64m img sh -c 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=30 2>/dev/null; touch /tmp/up; sleep 1000' >/dev/null
  berth run -d --name idle img sleep 1000 >/dev/null
  wait_file hog /tmp/up
  run berth stats --no-stream
  [ "$status" -eq 0 ]
  [ "$(echo "${lines[0]}" | tr -s ' ')" = "CONTAINER ID NAME CPU % MEM USAGE / LIMIT MEM % NET I/O BLOCK I/O PIDS" ]
  [ "${#lines[@]}" -eq 3 ]
  hogid=$(berth inspect -f '{{.Id}}' hog)
  [[ "$output" == *"${hogid:0:12}   hog "* ]]
  usage=$(berth stats --no-stream --format '{{.MemUsage}}' hog)
  used=$(to_bytes "${usage%% / *}")
  [ "${usage##* / }" = 64MiB ]
  # the 30 MiB of tmpfs count (not reclaimable), and stay under the limit
  [ "$used" -ge $((30 * 1048576)) ]
  [ "$used" -le $((64 * 1048576)) ]
  perc=$(berth stats --no-stream --format '{{.MemPerc}}' hog)
  awk -v p="${perc%\%}" 'BEGIN { exit !(p >= 45 && p <= 100) }'
  # no limit: the host's memory
  usage=$(berth stats --no-stream --format '{{.MemUsage}}' idle)
  host=$(awk '/^MemTotal:/ {print $2 * 1024}' /proc/meminfo)
  limit=$(to_bytes "${usage##* / }")
  awk -v a="$limit" -v b="$host" 'BEGIN { exit !(a > b * 0.99 && a < b * 1.01) }'
  [ "$(to_bytes "${usage%% / *}")" -lt $((10 * 1048576)) ]
}

@test "stats: CPU % near 100 for a busy loop, near 0 for a sleeper; PIDS counted" {
  berth run -d --name busy img sh -c 'while :; do :; done' >/dev/null
  berth run -d --name sleeper img sh -c 'sleep 1000 & sleep 1000 & wait' >/dev/null
  sleep 0.5
  run berth stats --no-stream --format '{{.Name}} {{.CPUPerc}} {{.PIDs}}' busy sleeper
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  busy=$(echo "${lines[0]}" | awk '{print $2}')
  sleeper=$(echo "${lines[1]}" | awk '{print $2}')
  # the machine is shared: one busy loop gets between a quarter of a cpu and a bit over one
  awk -v p="${busy%\%}" 'BEGIN { exit !(p >= 25 && p <= 130) }'
  awk -v p="${sleeper%\%}" 'BEGIN { exit !(p < 5) }'
  [ "$(echo "${lines[0]}" | awk '{print $3}')" = 1 ]
  [ "$(echo "${lines[1]}" | awk '{print $3}')" = 3 ]
}

@test "stats: --format templates, table, json, --no-trunc, -a, named stopped container" {
  berth run -d --name up img sleep 1000 >/dev/null
  berth create --name made img true >/dev/null
  id=$(berth inspect -f '{{.Id}}' up)
  run berth stats --no-stream --format 'table {{.Name}}\t{{.PIDs}}'
  [ "$status" -eq 0 ]
  [ "$(echo "${lines[0]}" | tr -s ' ')" = "NAME PIDS" ]
  [ "$(echo "${lines[1]}" | tr -s ' ')" = "up 1" ]
  [ "${#lines[@]}" -eq 2 ]
  run berth stats --no-stream --format '{{json .}}' up
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '[keys[]] | join(",")')" = "BlockIO,CPUPerc,Container,ID,MemPerc,MemUsage,Name,NetIO,PIDs" ]
  [ "$(echo "$output" | jq -r .Container)" = up ]
  [ "$(echo "$output" | jq -r .ID)" = "${id:0:12}" ]
  [ "$(echo "$output" | jq -r .PIDs)" = 1 ]
  run berth stats --no-stream --no-trunc --format '{{.ID}}'
  [ "$output" = "$id" ]
  # -a lists the container that never ran, with zeros
  run berth stats --no-stream -a --format '{{.Name}}|{{.MemUsage}}|{{.PIDs}}'
  [ "${#lines[@]}" -eq 2 ]
  [[ "$output" == *"made|0B / 0B|0"* ]]
  run berth stats --no-stream --format '{{.Name}} {{.CPUPerc}} {{.NetIO}} {{.BlockIO}}' made
  [ "$output" = "made 0.00% 0B / 0B 0B / 0B" ]
  run berth container stats --no-stream --format '{{.Name}}' up
  [ "$output" = up ]
}

@test "stats: live mode appends a table every second off a terminal, redraws on one" {
  berth run -d --name up img sleep 1000 >/dev/null
  run timeout 3.6 "$BERTH_BUILD/cmd/berth/berth" stats up
  [ "$status" -eq 124 ]
  [ "$(echo "$output" | grep -c '^CONTAINER ID')" -ge 2 ]
  [[ "$output" != *$'\033'* ]]
  command -v script >/dev/null || skip "script(1) missing"
  run script -qec "timeout 2.6 '$BERTH_BUILD/cmd/berth/berth' stats up" /dev/null
  [[ "$output" == *$'\033[H'*"CONTAINER ID"*$'\033[K'*$'\033[J'* ]]
}

@test "stats: missing container, bad format, bad flag" {
  run berth stats --no-stream nosuch
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *nosuch* ]]
  run berth stats --no-stream --format '{{.Nope}}'
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"Nope"* ]]
  run berth stats --bogus
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "berth stats: unknown flag: --bogus" ]
  run berth stats -x
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "berth stats: unknown shorthand flag: 'x' in -x" ]
  run berth stats --format
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "berth stats: flag needs an argument: --format" ]
}

@test "port: bindings as docker prints them, one port, none, and errors" {
  # the ports as bound while it runs; a container not running has none
  berth create --name idle -p 8080:80 img true >/dev/null
  run berth port idle
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  berth run -d --name web -p 8080:80 -p 127.0.0.1:9000:9000/udp -p 8443:443 img sleep 300 >/dev/null
  run berth port web
  [ "$status" -eq 0 ]
  # docker's natural order: 80 before 443 before 9000
  [ "$output" = $'80/tcp -> 0.0.0.0:8080\n443/tcp -> 0.0.0.0:8443\n9000/udp -> 127.0.0.1:9000' ]
  run berth port web 80
  [ "$output" = "0.0.0.0:8080" ]
  run berth port web 80/tcp
  [ "$output" = "0.0.0.0:8080" ]
  run berth port web 9000/udp
  [ "$output" = "127.0.0.1:9000" ]
  run berth port web 81
  [ "$status" -eq 1 ]
  [ "$output" = "Error: No public port '81/tcp' published for web" ]
  run berth port web 9000
  [ "$status" -eq 1 ]
  [ "$output" = "Error: No public port '9000/tcp' published for web" ]
  run berth port web abc
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  berth run -d --name plain img sleep 300 >/dev/null
  run berth port plain
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run berth container port web 443
  [ "$output" = "0.0.0.0:8443" ]
  run berth port nosuch
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  run berth port web 80 81
  [ "$status" -eq 125 ]
  run berth port
  [ "$status" -eq 125 ]
  run berth port --bogus web
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "berth port: unknown flag: --bogus" ]
}

@test "container prune: only stopped containers go, their ids printed; prompt, filters" {
  berth run -d --name running img sleep 1000 >/dev/null
  berth run --name exited img true
  berth create --name created img true >/dev/null
  berth create --name labelled --label keep=yes img true >/dev/null
  exited=$(berth inspect -f '{{.Id}}' exited)
  created=$(berth inspect -f '{{.Id}}' created)
  # answering no removes nothing
  run bash -c "echo n | '$BERTH_BUILD/cmd/berth/berth' container prune"
  [ "$status" -eq 1 ]
  [[ "$output" == *"WARNING! This will remove all stopped containers."* ]]
  [[ "$output" == *"Are you sure you want to continue? [y/N]"* ]]
  [ "$(berth ps -aq | wc -l)" -eq 4 ]
  # until: all of them are younger than an hour
  run berth container prune -f --filter until=1h
  [ "$status" -eq 0 ]
  [ "$output" = "Total reclaimed space: 0B" ]
  [ "$(berth ps -aq | wc -l)" -eq 4 ]
  run berth container prune -f --filter 'label!=keep'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted Containers:" ]
  [ "$(printf '%s\n' "${lines[@]:1:2}" | sort)" = "$(printf '%s\n' "$exited" "$created" | sort)" ]
  [ "${lines[3]}" = "Total reclaimed space: 0B" ]
  [ "$(berth ps -a --format '{{.Names}}' | sort | tr '\n' ' ')" = "labelled running " ]
  labelled=$(berth inspect -f '{{.Id}}' labelled)
  run bash -c "echo y | '$BERTH_BUILD/cmd/berth/berth' container prune"
  [ "$status" -eq 0 ]
  [[ "$output" == *$'Deleted Containers:\n'"$labelled"$'\n\nTotal reclaimed space: 0B'* ]]
  [ "$(berth ps -a --format '{{.Names}}')" = running ]
  [ "$(berth inspect -f '{{.State.Status}}' running)" = running ]
}

@test "container prune: bad filter, bad flag, arguments — one error each" {
  berth create --name created img true >/dev/null
  run berth container prune -f --filter bogus=1
  [ "$status" -eq 1 ]
  [ "$output" = "berth: invalid filter 'bogus'" ]
  run berth container prune -f --filter until=soon
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  run berth container prune -f --filter until=1h --filter until=2h
  [ "$status" -eq 1 ]
  [ "$output" = "berth: more than one until filter specified" ]
  run berth container prune -f --filter novalue
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"bad format of filter (expected name=value)"* ]]
  run berth container prune --bogus
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "berth container prune: unknown flag: --bogus" ]
  run berth container prune -f extra
  [ "$status" -eq 125 ]
  [ "$(berth ps -aq | wc -l)" -eq 1 ]
}

@test "system prune: stopped containers, dangling images; -a unused images; --volumes anonymous unused volumes" {
  berth import -c 'CMD ["true"]' "$WORK/busybox.tar" other >/dev/null
  dangling=$(berth import -c 'LABEL dangling=yes' "$WORK/busybox.tar")
  berth run -d --name running -v /kept -v named:/named img sleep 1000 >/dev/null
  berth create --name stopped -v /gone img true >/dev/null
  stopped=$(berth inspect -f '{{.Id}}' stopped)
  gone=$(berth inspect stopped | jq -r '.[0].Mounts[] | select(.Destination == "/gone") | .Name')
  [ -n "$gone" ]
  [ "$(berth volume ls -q | wc -l)" -eq 3 ]
  [ "$(berth images -q | wc -l)" -eq 3 ]

  run bash -c "echo n | '$BERTH_BUILD/cmd/berth/berth' system prune --volumes"
  [ "$status" -eq 1 ]
  [[ "$output" == *$'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all anonymous volumes not used by at least one container\n  - all dangling images\n  - all dangling build cache\n\nAre you sure you want to continue? [y/N]'* ]]
  [ "$(berth ps -aq | wc -l)" -eq 2 ]

  run berth system prune -f
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted Containers:" ]
  [ "${lines[1]}" = "$stopped" ]
  [ "${lines[2]}" = "Deleted Images:" ]
  [ "${lines[3]}" = "deleted: $dangling" ]
  [[ "${lines[4]}" == "Total reclaimed space: "* ]]
  [ "$(berth ps -a --format '{{.Names}}')" = running ]
  # volumes stay without --volumes; the tagged unused image stays without -a
  [ "$(berth volume ls -q | wc -l)" -eq 3 ]
  [ "$(berth images --format '{{.Repository}}' | sort | tr '\n' ' ')" = "img other " ]

  run berth system prune -f --volumes
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted Volumes:" ]
  [ "${lines[1]}" = "$gone" ]
  [ "${#lines[@]}" -eq 3 ]
  # the running container's anonymous volume and the named one stay
  [ "$(berth volume ls -q | wc -l)" -eq 2 ]
  berth volume inspect named >/dev/null

  run bash -c "echo y | '$BERTH_BUILD/cmd/berth/berth' system prune -a"
  [ "$status" -eq 0 ]
  [[ "$output" == *"all images without at least one container associated to them"* ]]
  [[ "$output" == *"untagged: other:latest"* ]]
  [ "$(berth images --format '{{.Repository}}')" = img ]
  [ "$(berth inspect -f '{{.State.Status}}' running)" = running ]

  run berth system prune -f
  [ "$status" -eq 0 ]
  [ "$output" = "Total reclaimed space: 0B" ]
}

@test "system prune: filters in the warning, until refused with --volumes, bad input" {
  berth create --name ca --label team=x img true >/dev/null
  berth create --name cb img true >/dev/null
  run bash -c "echo n | '$BERTH_BUILD/cmd/berth/berth' system prune --filter label=team=x"
  [ "$status" -eq 1 ]
  [[ "$output" == *$'  - all dangling images\n  - all dangling build cache\n\n  Items to be pruned will be filtered with:\n  - label=team=x\n\nAre you sure'* ]]
  run berth system prune -f --filter label=team=x
  [ "$status" -eq 0 ]
  [ "$(berth ps -a --format '{{.Names}}')" = cb ]
  run berth system prune -f --volumes --filter until=1h
  [ "$status" -eq 1 ]
  [ "$output" = 'berth: ERROR: The "until" filter is not supported with "--volumes"' ]
  run berth system prune -f --filter bogus=1
  [ "$status" -eq 1 ]
  [ "$output" = "berth: invalid filter 'bogus'" ]
  run berth system prune --bogus
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "berth system prune: unknown flag: --bogus" ]
  run berth system prune -f extra
  [ "$status" -eq 125 ]
  [ "$(berth ps -a --format '{{.Names}}')" = cb ]
}

@test "container group: docker's container verbs map to berth's" {
  berth container create --name cc img sleep 1000 >/dev/null
  berth container start cc >/dev/null
  [ "$(berth container ls --format '{{.Names}}')" = cc ]
  [ "$(berth container list -q | wc -l)" -eq 1 ]
  [ "$(berth container inspect -f '{{.Name}}' cc)" = /cc ]
  berth container pause cc >/dev/null
  [ "$(berth container ps --format '{{.State}}')" = paused ]
  berth container unpause cc >/dev/null
  berth container rename cc dd >/dev/null
  run berth container exec dd echo hi
  [ "$output" = hi ]
  berth container stop -t 0 dd >/dev/null
  run berth container wait dd
  [ "$status" -eq 0 ]
  berth container rm dd >/dev/null
  [ -z "$(berth container ls -aq)" ]
  run berth container nope
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "berth: 'container nope' is not a berth command." ]
  run berth container
  [ "$status" -eq 125 ]
}

@test "ps and images --format take Go's templates: printf, if, functions, the table header through them" {
  berth run -d --name fmt1 --label tier=web img sleep 300
  berth create --name fmt2 img true >/dev/null
  run berth ps -a --format '{{printf "%-6s|" .Names}}{{if eq .State "running"}}up{{else}}{{.State}}{{end}}'
  [ "$status" -eq 0 ]
  [[ "$output" == *"fmt1  |up"* && "$output" == *"fmt2  |created"* ]]
  run berth ps --format 'table {{upper .Names}}\t{{.Labels}}'
  [ "${lines[0]}" = "NAMES     LABELS" ]
  [[ "${lines[1]}" == "FMT1"*"tier=web" ]]
  run berth ps --format '{{json .}}'
  [ "$(echo "$output" | jq -r .Names)" = fmt1 ]
  run berth images --format '{{.Repository}}{{with .Tag}}:{{.}}{{end}}'
  [ "$output" = img:latest ]
  # docker's .Label method, as compose users ask for a service
  run berth ps --format '{{.Names}}={{.Label "tier"}}'
  [ "$output" = fmt1=web ]
  run berth ps --format 'table {{.Names}}\t{{.Label "tier"}}'
  [ "${lines[0]}" = "NAMES     TIER" ]
  run berth ps --format '{{.Nope}}'
  [ "$status" -ne 0 ]
  [[ "$output" == *"can't evaluate field Nope"* ]]
}

@test "ps -s and inspect -s: the writable layer's bytes and, with the image's, the virtual size" {
  berth run --name sz img sh -c 'printf 123456789 > /nine'
  local img_size rw root
  img_size=$(berth image inspect img -f '{{.Size}}')
  run berth inspect -s sz -f '{{.SizeRw}} {{.SizeRootFs}}'
  [ "$status" -eq 0 ]
  read -r rw root <<<"$output"
  [ "$rw" -ge 9 ] && [ "$rw" -lt 4096 ]
  [ "$root" -eq $((rw + img_size)) ]
  run berth ps -a -s --format '{{.Size}}'
  [[ "$output" =~ ^[0-9]+B\ \(virtual\ [0-9.]+[kMG]?B\)$ ]] || { echo "$output"; false; }
}
