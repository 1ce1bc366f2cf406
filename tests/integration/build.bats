#!/usr/bin/env bats
# berth build, end to end: a Dockerfile and a context to an image, as a user
# runs it (stages, --target, ARG and --build-arg, RUN in its forms, metadata,
# ONBUILD, scratch, the legacy builder's output, -q, --iidfile, --label,
# stdin), and what a failure leaves: nothing.

load helpers
load registry-helpers
bats_require_minimum_version 1.5.0

setup() {
  setup_build_test
}

teardown() {
  [ -n "${REG_PID:-}" ] && stop_registry "$REG_PID"
  remove_berth_containers
  teardown_image_test
}

# nothing_left: no step snapshot, mount or runtime state stays behind (RUN --mount's
# caches stay, as they should).
nothing_left() {
  [ -z "$(ls -A "$BERTH_ROOT/build" 2>/dev/null | grep -vx cache)" ]
  [ "$(mounts_under_root)" -eq 0 ]
  [ -z "$(ls "$BERTH_RUNROOT/runtime" 2>/dev/null | grep -v '^\.')" ]
}

@test "build: ENV, WORKDIR, ARG with --build-arg, RUN shell, exec and heredoc forms, CMD; the image runs" {
  dockerfile 'ARG BASE=busybox
FROM $BASE AS app
ENV GREETING=hello
WORKDIR /app
ARG WHO=world
RUN echo "$GREETING $WHO from $(pwd)" > msg
RUN ["/bin/sh", "-c", "echo exec form >> /app/msg"]
RUN <<EOF
echo "a heredoc script" >> /app/msg
EOF
CMD ["cat", "/app/msg"]'
  run berth build -t app:1 --build-arg WHO=berth "$CTX"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "Step 1/9 : ARG BASE=busybox" ]]
  [[ "${lines[1]}" == "Step 2/9 : FROM \$BASE AS app" ]]
  [[ "$output" == *"Step 6/9 : RUN echo \"\$GREETING \$WHO from \$(pwd)\" > msg"* ]]
  [[ "$output" == *"Successfully built "* ]]
  [[ "${lines[-1]}" == "Successfully tagged app:1" ]]
  run berth run --rm app:1
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "hello berth from /app" ]
  [ "${lines[1]}" = "exec form" ]
  [ "${lines[2]}" = "a heredoc script" ]
  # the config as docker's: Env, WorkingDir, Cmd; the build argument is not kept
  run berth image inspect -f '{{json .Config.Env}} {{.Config.WorkingDir}} {{json .Config.Cmd}}' app:1
  [[ "$output" == *'"GREETING=hello"'* ]]
  [[ "$output" != *WHO* ]]
  [[ "$output" == *' /app ["cat","/app/msg"]' ]]
  # the history: the legacy builder's entries, RUN with its build argument
  run berth history --no-trunc app:1
  [[ "$output" == *"/bin/sh -c #(nop)  CMD [\"cat\" \"/app/msg\"]"* ]]
  [[ "$output" == *"|1 WHO=berth /bin/sh -c echo \"\$GREETING \$WHO from \$(pwd)\" > msg"* ]]
  [[ "$output" == *"/bin/sh -c #(nop) WORKDIR /app"* ]]
  [[ "$output" == *"/bin/sh -c #(nop)  ENV GREETING=hello"* ]]
  nothing_left
}

@test "build: a build argument no ARG takes is warned about; ARG defaults, global ARGs in a stage" {
  dockerfile 'ARG V=global
FROM busybox
ARG V
ARG W=default-w
RUN echo "V=$V W=$W" > /out'
  run berth build -t args --build-arg NOPE=1 "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *"[Warning] One or more build-args [NOPE] were not consumed"* ]]
  run berth run --rm args cat /out
  [ "$output" = "V=global W=default-w" ]
  run berth build -t args2 --build-arg V=given --build-arg W=w2 "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" != *Warning* ]]
  run berth run --rm args2 cat /out
  [ "$output" = "V=given W=w2" ]
}

@test "build: only the stages the target needs are built; --target stops at a stage" {
  dockerfile 'FROM busybox AS base
RUN echo base > /base
FROM busybox AS never
RUN echo never-built; exit 1
FROM base AS final
RUN cat /base > /final'
  run berth build -t multi "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" != *never-built* ]]
  [[ "$output" == *"Step 4/4 : RUN cat /base > /final"* ]]
  run berth run --rm multi cat /final
  [ "$output" = base ]
  run berth build -t tgt --target base "$CTX"
  [ "$status" -eq 0 ]
  run berth run --rm tgt sh -c 'cat /base; test -e /final || echo no-final'
  [ "${lines[0]}" = base ]
  [ "${lines[1]}" = no-final ]
  run berth build --target nope "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"failed to reach build target nope in Dockerfile"* ]]
}

@test "build: FROM scratch with metadata only is an image without layers" {
  dockerfile 'FROM scratch
ENV PATH=/bin
LABEL org.example=yes
EXPOSE 80/tcp 53/udp
VOLUME /data
STOPSIGNAL SIGINT
USER 1000:1000'
  run berth build -q "$CTX"
  [ "$status" -eq 0 ]
  id=$output
  [[ "$id" == sha256:* ]]
  run berth image inspect -f '{{len .RootFS.Layers}} {{.Config.User}} {{.Config.StopSignal}} {{json .Config.ExposedPorts}} {{json .Config.Volumes}} {{json .Config.Labels}}' "$id"
  [ "$output" = '0 1000:1000 SIGINT {"53/udp":{},"80/tcp":{}} {"/data":{}} {"org.example":"yes"}' ]
}

@test "build: ONBUILD triggers of the base run first and are not inherited" {
  dockerfile 'FROM busybox
ONBUILD RUN echo triggered > /trigger
ONBUILD ENV FROM_TRIGGER=1'
  berth build -q -t parent "$CTX" >/dev/null
  dockerfile 'FROM parent
RUN cat /trigger'
  run berth build -t child "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *"# Executing 2 build triggers"* ]]
  [[ "$output" == *triggered* ]]
  run berth image inspect -f '{{json .Config.OnBuild}} {{json .Config.Env}}' child
  [[ "$output" == "null "*FROM_TRIGGER=1* ]] || [[ "$output" == "[] "*FROM_TRIGGER=1* ]]
}

@test "build: -q prints only the id, --iidfile holds it, --label is set, -t repeated" {
  dockerfile 'FROM busybox
RUN echo quiet-output'
  run --separate-stderr berth build -q --iidfile "$WORK/iid" --label team=core --label x=1 -t a -t b:2 "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  [[ "$stderr" != *quiet-output* ]]
  [ "$(cat "$WORK/iid")" = "$output" ]
  run berth image inspect -f '{{.Config.Labels.team}} {{.Config.Labels.x}}' b:2
  [ "$output" = "core 1" ]
  [ "$(berth image inspect -f '{{.Id}}' a)" = "$(cat "$WORK/iid")" ]
}

@test "build: a failing RUN shows its output and docker's error; no tag, snapshot, mount or process is left" {
  dockerfile 'FROM busybox
RUN echo made > /x
RUN echo about to fail; exit 3'
  run berth build -t failed "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"about to fail"* ]]
  [[ "$output" == *"The command '/bin/sh -c echo about to fail; exit 3' returned a non-zero code: 3"* ]]
  run berth image inspect failed
  [ "$status" -ne 0 ]
  nothing_left
  # quiet: the failing step's output is still shown
  run berth build -q "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"about to fail"* ]]
  nothing_left
}

@test "build: a broken Dockerfile is refused before any step runs, naming the line" {
  dockerfile 'FROM busybox
RUN echo ran > /should-not
RUNN oops'
  local before
  before=$(store_state)
  run berth build "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Dockerfile:3:1: unknown instruction: RUNN"* ]]
  [[ "$output" != *Step* ]]
  [ "$(store_state)" = "$before" ]
  run berth build "$WORK/missing-dir"
  [ "$status" -eq 1 ]
  [[ "$output" == *"unable to prepare context: path \"$WORK/missing-dir\" not found"* ]]
  run berth build
  [ "$status" -eq 125 ]
  [[ "$output" == *'"build" requires exactly 1 argument.'* ]]
  dockerfile 'FROM busybox'
  run berth build --platform linux/s390x "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"platform linux/s390x is not the host's"* ]]
}

@test "build: a Dockerfile on stdin, a Dockerfile from elsewhere (-f), a context tar on stdin" {
  run berth build -q - <<<'FROM busybox
RUN echo from-stdin > /where'
  [ "$status" -eq 0 ]
  [ "$(berth run --rm "$output" cat /where)" = from-stdin ]
  mkdir -p "$WORK/elsewhere"
  printf 'FROM busybox\nRUN echo via-f > /where\n' >"$WORK/elsewhere/build.Dockerfile"
  run berth build -q -f "$WORK/elsewhere/build.Dockerfile" "$CTX"
  [ "$status" -eq 0 ]
  [ "$(berth run --rm "$output" cat /where)" = via-f ]
  dockerfile 'FROM busybox
RUN echo from-tar > /where'
  run berth build -q - < <(tar -C "$CTX" -c . | gzip)
  [ "$status" -eq 0 ]
  [ "$(berth run --rm "$output" cat /where)" = from-tar ]
  nothing_left
}

@test "build: RUN is on the default bridge (build-network.bats), has only lo with --network=none, the host's with host" {
  dockerfile 'FROM busybox
RUN ls /sys/class/net | sort | tr "\n" " " > /nets'
  run berth build -q "$CTX"
  [ "$status" -eq 0 ]
  [ "$(berth run --rm "$output" cat /nets)" = "eth0 lo " ]
  run berth build -q --network=none "$CTX"
  [ "$status" -eq 0 ]
  [ "$(berth run --rm "$output" cat /nets)" = "lo " ]
  dockerfile 'FROM busybox
RUN --network=host ls /sys/class/net | wc -l > /nets'
  run berth build -q "$CTX"
  [ "$status" -eq 0 ]
  [ "$(berth run --rm "$output" cat /nets)" = "$(ls /sys/class/net | wc -l)" ]
}

@test "build: the cache — a rebuild is all hits and the same image; a changed ARG or RUN misses from there; --no-cache rebuilds" {
  dockerfile 'FROM busybox
ARG V=1
RUN echo "v=$V" > /v
RUN date +%s%N > /stamp
CMD ["cat", "/v"]'
  local before
  before=$(berth images -a -q --no-trunc)
  run berth build -t c1 "$CTX"
  [ "$status" -eq 0 ]
  local first
  first=$(berth image inspect -f '{{.Id}}' c1)
  run berth build -t c1 "$CTX"
  [ "$status" -eq 0 ]
  [ "$(grep -c -- '---> Using cache' <<<"$output")" -eq 3 ] # both RUNs and the stage's end
  [ "$(berth image inspect -f '{{.Id}}' c1)" = "$first" ]
  # the intermediate images are hidden from images, shown with -a
  run berth images --format '{{.Repository}}'
  [[ "$output" != *"<none>"* ]]
  run berth images -a --format '{{.Repository}}'
  [[ "$output" == *"<none>"* ]]
  # a changed build argument: everything from the first step that sees it runs again
  run berth build -t c2 --build-arg V=2 "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" != *"Using cache"* ]]
  [ "$(berth run --rm c2)" = "v=2" ]
  # --no-cache: a new image even for the same input (the RUN stamps differ)
  run berth build -q --no-cache -t c3 "$CTX"
  [ "$status" -eq 0 ]
  [ "$output" != "$first" ]
  # and removing the tags removes the untagged chains that only they used
  berth rmi c1 c2 c3 >/dev/null
  [ "$(berth images -a -q --no-trunc)" = "$before" ]
}

@test "build: a cache entry is never reused across a changed HEALTHCHECK, ONBUILD or base image" {
  dockerfile 'FROM busybox
HEALTHCHECK CMD true
RUN echo one > /x'
  berth build -q -t h1 "$CTX" >/dev/null
  dockerfile 'FROM busybox
HEALTHCHECK CMD false
RUN echo one > /x'
  run berth build -t h2 "$CTX"
  [[ "$output" != *"Using cache"* ]]
  [ "$(berth image inspect -f '{{json .Config.Healthcheck.Test}}' h2)" = '["CMD-SHELL","false"]' ]
  dockerfile 'FROM busybox
ONBUILD RUN echo a
RUN echo one > /x'
  berth build -q -t o1 "$CTX" >/dev/null
  dockerfile 'FROM busybox
ONBUILD RUN echo b
RUN echo one > /x'
  run berth build -t o2 "$CTX"
  [[ "$output" != *"Using cache"* ]]
  # the same Dockerfile on a base that changed under its name
  dockerfile 'FROM busybox
RUN cat /etc/base-version 2>/dev/null || echo none'
  berth build -q -t b1 "$CTX" >/dev/null
  printf 'FROM busybox\nRUN echo 2 > /etc/base-version\n' | berth build -q -t busybox - >/dev/null
  run berth build -t b2 "$CTX"
  [[ "$output" != *"Using cache"* ]]
  [[ "$output" == *$'\n2\n'* ]]
}

@test "build: SOURCE_DATE_EPOCH makes two builds on two empty stores the same image" {
  dockerfile 'FROM busybox
ENV A=1
RUN echo data > /data && mkdir -p /d/e && touch /d/e/f
CMD ["sh"]'
  berth save -o "$WORK/base.tar" busybox
  local ids=() i
  for i in 1 2; do
    BERTH_ROOT=$WORK/store$i berth load -i "$WORK/base.tar" >/dev/null
    ids+=("$(BERTH_ROOT=$WORK/store$i SOURCE_DATE_EPOCH=1700000000 berth build -q "$CTX")")
    sleep 1.1 # a different second for every date not clamped
  done
  [[ "${ids[0]}" == sha256:* ]]
  [ "${ids[0]}" = "${ids[1]}" ]
  [ "$(BERTH_ROOT=$WORK/store1 berth image inspect -f '{{.Created}}' "${ids[0]}")" = "2023-11-14T22:13:20Z" ]
  # as a build argument too, and no warning that it was unused
  run --separate-stderr env BERTH_ROOT="$WORK/store2" "$BERTH_BUILD/cmd/berth/berth" build -q --no-cache \
    --build-arg SOURCE_DATE_EPOCH=1700000000 "$CTX"
  [ "$output" = "${ids[0]}" ]
  [ -z "$stderr" ]
  for i in 1 2; do BERTH_ROOT=$WORK/store$i remove_berth_containers; rm -rf "$WORK/store$i"; done
}

@test "build: killed with SIGKILL mid-RUN, the next build removes the step's process, mount and snapshot; Ctrl-C cleans up itself" {
  dockerfile 'FROM busybox
RUN echo started; sleep 300'
  "$BERTH_BUILD/cmd/berth/berth" build "$CTX" >"$WORK/out" 2>&1 &
  local pid=$! i
  # killed once the step's process runs (on a loaded machine that can take a while)
  for i in $(seq 600); do grep -qx started "$WORK/out" && break; sleep 0.1; done
  grep -qx started "$WORK/out"
  kill -9 "$pid"
  wait "$pid" || true
  [ -n "$(ls -A "$BERTH_ROOT/build")" ]
  [ "$(mounts_under_root)" -gt 0 ]
  run berth system check
  [[ "$output" == *"was left by a build that was killed"* ]]
  printf 'FROM busybox\n' | berth build -q - >/dev/null
  nothing_left
  ! pgrep -f "build-.*$BERTH_ROOT" >/dev/null
  # SIGINT to the whole group, as Ctrl-C sends it: while the step's process runs, and as
  # soon as the step begins (while its container is being made)
  local when rc
  for when in '^started$' '^Step 2/2 : '; do
    setsid "$BERTH_BUILD/cmd/berth/berth" build --no-cache "$CTX" >"$WORK/out2" 2>&1 &
    pid=$!
    for i in $(seq 600); do grep -q "$when" "$WORK/out2" && break; sleep 0.01; done
    grep -q "$when" "$WORK/out2"
    kill -INT -- "-$pid"
    rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 130 ]
    nothing_left
    ! pgrep -f "build-.*$BERTH_ROOT" >/dev/null
  done
}

@test "build: RUN --mount — bind (read-only, .dockerignore applied), cache kept across builds, tmpfs, secret; nothing of them in the image" {
  echo data >"$CTX/data.txt"
  echo 'API_KEY=1' >"$CTX/.env"
  printf '.env\n' >"$CTX/.dockerignore"
  echo -n 's3cr3t' >"$WORK/tok"
  dockerfile 'FROM busybox
RUN --mount=type=bind,target=/ctx cat /ctx/data.txt; test -e /ctx/.env || echo env-ignored; touch /ctx/x 2>/dev/null || echo ro
RUN --mount=type=cache,target=/cache echo run >> /cache/log; wc -l < /cache/log
RUN --mount=type=tmpfs,target=/t,size=1m echo tmp > /t/f; df -k /t | tail -1 | awk "{print \$2}"
RUN --mount=type=secret,id=tok echo "secret=$(cat /run/secrets/tok)"
RUN echo final > /final'
  run berth build -t mnt --secret "id=tok,src=$WORK/tok" "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *$'data\nenv-ignored\nro\n'* ]]
  [[ "$output" == *"secret=s3cr3t"* ]]
  [[ "$output" == *$'\n1024\n'* ]]
  local runs1
  runs1=$(grep -A1 'Step 3/6' <<<"$output" | tail -1)
  [ "$runs1" -ge 1 ]
  # the cache directory outlives the build: a --no-cache rebuild appends to it
  run berth build --no-cache --secret "id=tok,src=$WORK/tok" "$CTX"
  [ "$(grep -A1 'Step 3/6' <<<"$output" | tail -1)" -eq $((runs1 + 1)) ]
  # nothing the mounts held is in the image
  run berth run --rm mnt sh -c 'ls -A /ctx /cache /t; cat /run/secrets/tok; echo end'
  [[ "$output" != *data.txt* ]]
  [[ "$output" != *log* ]]
  [[ "$output" != *s3cr3t* ]]
  # a changed file under the bind's source misses the cache from that step on
  run berth build --secret "id=tok,src=$WORK/tok" "$CTX"
  [ "$(grep -c 'Using cache' <<<"$output")" -eq 5 ]
  echo changed >"$CTX/data.txt"
  run berth build --secret "id=tok,src=$WORK/tok" "$CTX"
  [[ "$output" == *changed* ]]
  [[ "$(grep -A1 'Step 2/6' <<<"$output" | tail -1)" != *"Using cache"* ]]
  nothing_left
}

@test "build: builder prune and system prune remove the cache mounts no build uses, never one a running build holds" {
  dockerfile 'FROM busybox
RUN --mount=type=cache,target=/c,id=one dd if=/dev/zero of=/c/blob bs=1k count=64 2>/dev/null; echo one
RUN --mount=type=cache,target=/c,id=two,sharing=locked echo two > /c/f'
  berth build -q "$CTX" >/dev/null
  [ "$(ls "$BERTH_ROOT/build/cache" | wc -l)" -eq 2 ]
  run berth builder prune -f
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted build cache objects:" ]
  [ "$(grep -cE '^[0-9a-f]{64}$' <<<"$output")" -eq 2 ]
  [[ "${lines[-1]}" =~ ^"Total reclaimed space: 6"[0-9.]*kB$ ]]
  [ -z "$(ls -A "$BERTH_ROOT/build/cache")" ]
  # filters are refused before anything goes
  run berth builder prune -f --filter until=1h
  [ "$status" -eq 125 ]
  [[ "$output" == *"filters are not supported by berth's build cache"* ]]
  # without -f it asks, as docker does; no answer is no
  run berth builder prune </dev/null
  [ "$status" -eq 1 ]
  [[ "$output" == *"WARNING! This will remove all dangling build cache."* ]]
  # a build that runs holds its cache mounts: a prune leaves them, system prune too
  dockerfile 'FROM busybox
RUN --mount=type=cache,target=/c,id=busy echo held > /c/f; echo started; sleep 300'
  setsid "$BERTH_BUILD/cmd/berth/berth" build --no-cache "$CTX" >"$WORK/out" 2>&1 &
  local pid=$! i
  for i in $(seq 600); do grep -qx started "$WORK/out" && break; sleep 0.1; done
  grep -qx started "$WORK/out"
  run berth system prune -f
  [ "$status" -eq 0 ]
  [[ "$output" != *"Deleted build cache objects"* ]]
  [ "$(ls "$BERTH_ROOT/build/cache" | wc -l)" -eq 1 ]
  kill -INT -- "-$pid"
  wait "$pid" || true
  run berth system prune -f
  [[ "$output" == *$'Deleted build cache objects:\n'* ]]
  [ -z "$(ls -A "$BERTH_ROOT/build/cache")" ]
  # the cache starts empty again
  dockerfile 'FROM busybox
RUN --mount=type=cache,target=/c,id=one ls -A /c | wc -l'
  run berth build --no-cache "$CTX"
  [[ "$output" == *$'\n0\n'* ]]
}

@test "build: independent stages build side by side; a failing one stops the build and leaves nothing" {
  dockerfile 'FROM busybox AS a
RUN echo a > /a
FROM busybox AS b
RUN echo b > /b
FROM busybox
COPY --from=a /a /a
COPY --from=b /b /b
RUN cat /a /b > /ab'
  run berth build -t par "$CTX"
  [ "$status" -eq 0 ]
  # each stage's lines come whole, numbered as in the file
  [[ "$output" == *$'Step 1/8 : FROM busybox AS a\n ---> '* ]]
  [[ "$output" == *$'Step 3/8 : FROM busybox AS b\n ---> '* ]]
  [ "$(berth run --rm par cat /ab | tr '\n' ' ')" = "a b " ]
  run berth build -t par "$CTX"
  [ "$(grep -c 'Using cache' <<<"$output")" -eq 5 ]
  dockerfile 'FROM busybox AS a
RUN sleep 37
FROM busybox AS b
RUN echo failing; exit 4
FROM busybox
COPY --from=a /etc/passwd /a
COPY --from=b /etc/passwd /b'
  run berth build "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"The command '/bin/sh -c echo failing; exit 4' returned a non-zero code: 4"* ]]
  nothing_left
  # the other stage's process was stopped, not left to run
  ! pgrep -x -f "sleep 37" >/dev/null
}

@test "build: --output writes the final filesystem as a directory or a tar, and tags nothing" {
  dockerfile 'FROM busybox AS build
RUN mkdir -p /out && echo artifact > /out/result && ln -s result /out/link
FROM scratch
COPY --from=build /out/ /'
  run berth build -q -t not-tagged -o "$WORK/dir" "$CTX"
  [ "$status" -eq 0 ]
  [ "$(cat "$WORK/dir/result")" = artifact ]
  [ "$(readlink "$WORK/dir/link")" = result ]
  run berth image inspect not-tagged
  [ "$status" -ne 0 ]
  run berth build -o type=tar,dest="$WORK/out.tar" "$CTX"
  [ "$status" -eq 0 ]
  [ "$(tar -xOf "$WORK/out.tar" ./result)" = artifact ]
  # to stdout: only the tar there, the build's lines on stderr
  berth build -o - "$CTX" 2>"$WORK/err" >"$WORK/stdout.tar"
  [ "$(tar -tf "$WORK/stdout.tar" | sort | tr '\n' ' ')" = "./ ./link ./result " ]
  grep -q 'Step 1/4' "$WORK/err"
  run berth build -o type=oci,dest=x "$CTX"
  [ "$status" -eq 125 ]
  [[ "$output" == *'unsupported output type "oci"'* ]]
  nothing_left
}

@test "build: on a terminal a compact live view (CACHED steps, times), --progress=plain keeps the step lines" {
  command -v script >/dev/null || skip "script (util-linux) is not installed"
  dockerfile 'FROM busybox
RUN echo one-line-of-output
CMD ["sh"]'
  local b="$BERTH_BUILD/cmd/berth/berth"
  run env TERM=xterm COLUMNS=100 script -qec "$b build -t tty1 $CTX" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *"[+] Building "*"(3/3) FINISHED"* ]]
  [[ "$output" == *" => [2/3] RUN echo one-line-of-output"* ]]
  [[ "$output" == *"Successfully tagged tty1:latest"* ]]
  [[ "$output" != *"Step 1/3"* ]]
  run env TERM=xterm COLUMNS=100 script -qec "$b build -t tty1 $CTX" /dev/null
  [[ "$output" == *" => CACHED [2/3] RUN echo one-line-of-output"* ]]
  run env TERM=xterm script -qec "$b build --progress=plain -t tty1 $CTX" /dev/null
  [[ "$output" == *"Step 2/3 : RUN echo one-line-of-output"* ]]
  # a failing step keeps its last lines on screen, then the error
  dockerfile 'FROM busybox
RUN echo the-last-words; exit 2'
  run env TERM=xterm COLUMNS=100 script -qec "$b build $CTX" /dev/null
  [ "$status" -ne 0 ]
  [[ "$output" == *" => => # the-last-words"* ]]
  [[ "$output" == *"returned a non-zero code: 2"* ]]
}

@test "build: ADD of a URL downloads it (mode 0600, its Last-Modified time, never extracted), its content is the cache key" {
  mkdir -p "$WORK/www"
  echo 'served file' >"$WORK/www/hello.txt"
  tar -C "$WORK/www" -czf "$WORK/www/arch.tar.gz" hello.txt
  touch -d '2020-01-02 03:04:05 UTC' "$WORK/www/hello.txt"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  (cd "$WORK/www" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
  local srv=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  dockerfile "FROM busybox
ADD http://127.0.0.1:$port/hello.txt /srv/
ADD http://127.0.0.1:$port/arch.tar.gz /srv/
RUN stat -c '%a %Y' /srv/hello.txt; cat /srv/hello.txt; ls /srv"
  run berth build -t addurl "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *$'600 1577934245\nserved file\narch.tar.gz\nhello.txt'* ]]
  run berth build "$CTX"
  [ "$(grep -c 'Using cache' <<<"$output")" -eq 3 ]
  echo 'changed' >"$WORK/www/hello.txt"
  run berth build "$CTX"
  [[ "$output" == *$'\nchanged\n'* ]]
  dockerfile "FROM busybox
ADD http://127.0.0.1:$port/missing /x"
  run berth build "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"ADD failed: cannot download http://127.0.0.1:$port/missing: HTTP status 404"* ]]
  dockerfile "FROM busybox
COPY http://127.0.0.1:$port/hello.txt /x"
  run berth build "$CTX"
  [[ "$output" == *"source can't be a URL for COPY"* ]]
  kill "$srv"
  wait "$srv" 2>/dev/null || true
  nothing_left
}

@test "build: COPY --exclude leaves out what its patterns match (below the source, ** for any depth), and keys on them" {
  mkdir -p "$CTX/src/sub"
  for f in a.txt b.md sub/c.txt sub/d.md; do echo "$f" >"$CTX/src/$f"; done
  dockerfile 'FROM busybox
COPY --exclude=*.md --exclude=sub/c.txt src/ /dst/
COPY --exclude=**/*.txt src /all/
RUN find /dst /all -type f | sort'
  run berth build -t ex "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *$'/all/b.md\n/all/sub/d.md\n/dst/a.txt\n/dst/sub/d.md\n'* ]]
  # a change only in an excluded file still hits the cache
  echo changed >"$CTX/src/b.md"
  run berth build -t ex "$CTX"
  [[ "$(grep -A1 'Step 2/4' <<<"$output" | tail -1)" == *"Using cache"* ]]
  # excluding everything is no source at all
  dockerfile 'FROM busybox
COPY --exclude=* src/a.txt /x'
  run berth build "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no source files were specified"* ]]
}

@test "build: RUN --mount=type=ssh binds the agent given with --ssh, and sets SSH_AUTH_SOCK" {
  local sock=$WORK/agent.sock
  python3 -c 'import socket, sys, time; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(60)' "$sock" &
  local agent=$!
  for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
  dockerfile 'FROM busybox
RUN --mount=type=ssh test -S "$SSH_AUTH_SOCK" && echo "agent at $SSH_AUTH_SOCK"
RUN --mount=type=ssh,id=deploy,target=/tmp/deploy.sock,required test -S /tmp/deploy.sock && echo deploy-agent
RUN --mount=type=ssh,id=absent echo optional-skipped'
  run berth build --ssh default="$sock" --ssh deploy="$sock" "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *"agent at /run/buildkit/ssh_agent.0"* ]]
  [[ "$output" == *deploy-agent* ]]
  [[ "$output" == *optional-skipped* ]]
  # SSH_AUTH_SOCK from the environment for "default"
  run env SSH_AUTH_SOCK="$sock" "$BERTH_BUILD/cmd/berth/berth" build --no-cache --ssh default --ssh deploy="$sock" "$CTX"
  [ "$status" -eq 0 ]
  # a required agent not given, and a path that is no socket
  run berth build --ssh default="$sock" "$CTX"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no ssh agent deploy was given (berth build --ssh deploy)"* ]]
  run berth build --ssh default="$CTX/Dockerfile" --ssh deploy="$sock" "$CTX"
  [[ "$output" == *"is not a socket"* ]]
  kill "$agent"
  wait "$agent" 2>/dev/null || true
  nothing_left
}

@test "build: --cache-from takes the steps of an image pulled from a registry, without running them" {
  start_registry "$WORK/reg"
  mkdir -p "$CTX/app"
  echo 'v1' >"$CTX/app/file"
  dockerfile 'FROM busybox
ENV MODE=prod
COPY app/ /app/
RUN date +%s%N > /stamp && echo built-""once
RUN echo second > /second
CMD ["cat", "/stamp"]'
  berth build -q -t "$REG/ci/app:latest" "$CTX" >/dev/null
  local stamp
  stamp=$(berth run --rm "$REG/ci/app:latest")
  berth push "$REG/ci/app:latest" >/dev/null
  # a new store, as a CI machine has: only the same base, and the image pulled
  berth save -o "$WORK/base.tar" busybox
  # (the first store goes now: the teardown removes only the one BERTH_ROOT names)
  remove_berth_containers
  rm -rf "$BERTH_ROOT"
  export BERTH_ROOT=$WORK/ci-store
  berth load -i "$WORK/base.tar" >/dev/null
  run berth build -t again --cache-from "$REG/ci/app:latest" "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" != *built-once* ]]
  [ "$(grep -c 'Using cache' <<<"$output")" -eq 3 ] # COPY and both RUNs
  [ "$(berth run --rm again)" = "$stamp" ]
  [ "$(berth image inspect -f '{{json .RootFS.Layers}}' again)" = \
    "$(berth image inspect -f '{{json .RootFS.Layers}}' "$REG/ci/app:latest")" ]
  # a changed file: from that step on, the steps run
  echo 'v2' >"$CTX/app/file"
  run berth build --cache-from "$REG/ci/app:latest" "$CTX"
  [[ "$output" == *built-once* ]]
  # a source that cannot be had is a warning, not a failure
  run berth build --cache-from "$REG/ci/none:latest" "$CTX"
  [ "$status" -eq 0 ]
  [[ "$output" == *"[Warning] cache source $REG/ci/none:latest is not used"* ]]
  remove_berth_containers
}
