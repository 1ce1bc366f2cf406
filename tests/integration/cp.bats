#!/usr/bin/env bats
# berth cp (both ways, files, directories, "/.", tar streams, volumes and
# binds, stopped containers, hostile symlinks, docker's errors), export →
# import, diff and commit.

load helpers

setup() {
  setup_image_test
  BERTH_RUNROOT=$(mktemp -d /tmp/berth-run.XXXXXX)
  export BERTH_RUNROOT
  cp -a "$(busybox_rootfs)" "$WORK/rootfs"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n' >"$WORK/rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\napp:x:1000:\n' >"$WORK/rootfs/etc/group"
  mkdir -p "$WORK/rootfs/srv/tree/sub"
  echo image-file >"$WORK/rootfs/srv/tree/a"
  echo image-sub >"$WORK/rootfs/srv/tree/sub/b"
  echo doomed >"$WORK/rootfs/srv/doomed"
  tar -C "$WORK/rootfs" -cf "$WORK/busybox.tar" .
  berth import -c 'CMD ["sh"]' "$WORK/busybox.tar" img >/dev/null
  HOST=$(mktemp -d /tmp/berth-cp-host.XXXXXX)
  export HOST
  ETC_BEFORE=$(etc_state)
  export ETC_BEFORE
}

teardown() {
  remove_berth_containers
  [ -n "${HOST:-}" ] && rm -rf "$HOST"
  teardown_image_test
}

# The host's /etc as names, sizes and times: nothing berth does may change it.
etc_state() {
  find /etc -maxdepth 1 -printf '%p %s %T@\n' 2>/dev/null | sort | md5sum
}

run_c() {
  berth run -d --name "$1" "${@:2}" img sleep 1000 >/dev/null
}

@test "cp to a container: a file into a dir, onto a file, under a new name" {
  run_c ct
  echo one >"$HOST/f"
  berth cp "$HOST/f" ct:/tmp
  berth cp "$HOST/f" ct:/tmp/renamed
  berth exec ct sh -c 'echo old > /tmp/existing'
  berth cp "$HOST/f" ct:/tmp/existing
  run berth exec ct cat /tmp/f /tmp/renamed /tmp/existing
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'one\none\none')" ]
  # a relative host path works too
  (cd "$HOST" && "$BERTH_BUILD/cmd/berth/berth" cp f ct:/rel)
  [ "$(berth exec ct cat /rel)" = one ]
  # a file to "dir/" that does not exist: docker's "no such directory"
  run berth cp "$HOST/f" ct:/nodir/
  [ "$status" -eq 1 ]
  [[ "$output" == *"no such directory"* ]]
}

@test "cp from a container: a file into a dir, onto a file, under a new name" {
  run_c ct
  berth cp ct:/srv/tree/a "$HOST"
  berth cp ct:/srv/tree/a "$HOST/new"
  echo old >"$HOST/old"
  berth cp ct:/srv/tree/a "$HOST/old"
  [ "$(cat "$HOST/a" "$HOST/new" "$HOST/old")" = "$(printf 'image-file\nimage-file\nimage-file')" ]
  run berth cp ct:/srv/tree/a "$HOST/nodir/"
  [ "$status" -eq 1 ]
  run berth cp ct:/srv/tree/a "$HOST/missing/x"
  [ "$status" -eq 1 ]
}

@test "cp directories: copied whole, /. copies the contents, onto a missing path makes it" {
  run_c ct
  # from the container
  berth cp ct:/srv/tree "$HOST"
  [ "$(cat "$HOST/tree/a" "$HOST/tree/sub/b")" = "$(printf 'image-file\nimage-sub')" ]
  mkdir "$HOST/contents"
  berth cp ct:/srv/tree/. "$HOST/contents"
  [ -f "$HOST/contents/a" ] && [ -f "$HOST/contents/sub/b" ] && [ ! -e "$HOST/contents/tree" ]
  berth cp ct:/srv/tree "$HOST/fresh"
  [ -f "$HOST/fresh/sub/b" ]
  # a directory onto an existing file is refused
  echo x >"$HOST/file"
  run berth cp ct:/srv/tree "$HOST/file"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot copy directory"* ]]
  # to the container
  mkdir -p "$HOST/up/deep"
  echo u >"$HOST/up/deep/u"
  berth cp "$HOST/up" ct:/tmp
  berth cp "$HOST/up/." ct:/srv/tree
  berth cp "$HOST/up" ct:/made
  run berth exec ct sh -c 'cat /tmp/up/deep/u /srv/tree/deep/u /made/deep/u; ls /srv/tree'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = u ] && [ "${lines[1]}" = u ] && [ "${lines[2]}" = u ]
  [[ "$output" == *a*deep*sub* ]]
  # a directory never replaces a file in the container
  berth exec ct sh -c 'echo f > /tmp/plain'
  mkdir -p "$HOST/d2/plain"
  run berth cp "$HOST/d2/." ct:/tmp
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot overwrite non-directory"* ]]
}

@test "cp with -: a tar stream out to stdout and in from stdin" {
  run_c ct
  berth cp ct:/srv/tree - >"$HOST/t.tar"
  run tar -tf "$HOST/t.tar"
  [[ "$output" == *"tree/a"* ]] && [[ "$output" == *"tree/sub/b"* ]]
  mkdir -p "$HOST/src/in"
  echo streamed >"$HOST/src/in/s"
  tar -C "$HOST/src" -cf "$HOST/in.tar" in
  berth cp - ct:/tmp <"$HOST/in.tar"
  [ "$(berth exec ct cat /tmp/in/s)" = streamed ]
  # a compressed stream too, as docker's untar takes it
  tar -C "$HOST/src" -czf "$HOST/in.tgz" in
  berth cp - ct:/srv <"$HOST/in.tgz"
  [ "$(berth exec ct cat /srv/in/s)" = streamed ]
  # the destination of a stream must be a directory
  run berth cp - ct:/srv/tree/a <"$HOST/in.tar"
  [ "$status" -eq 1 ]
  [[ "$output" == *'destination "ct:/srv/tree/a" must be a directory'* ]]
}

@test "cp into and out of a volume and a bind mount goes to their host directories" {
  mkdir -p "$HOST/bind"
  echo from-host >"$HOST/bind/h"
  run_c ct -v vol:/data -v "$HOST/bind:/srv/bind" -v "$HOST/bind:/ro:ro"
  vdir=$(berth volume inspect -f '{{.Mountpoint}}' vol)
  echo payload >"$HOST/p"
  berth cp "$HOST/p" ct:/data/
  [ "$(cat "$vdir/p")" = payload ]
  berth cp "$HOST/p" ct:/srv/bind/p2
  [ "$(cat "$HOST/bind/p2")" = payload ]
  berth cp ct:/srv/bind/h "$HOST/h-out"
  [ "$(cat "$HOST/h-out")" = from-host ]
  # a symlink in the rootfs that leads into the bind mount is followed into it
  berth exec ct ln -s /srv/bind /tobind
  berth cp "$HOST/p" ct:/tobind/p3
  [ "$(cat "$HOST/bind/p3")" = payload ]
  # the whole tree includes what is mounted, as the container sees it
  run bash -c "'$BERTH_BUILD/cmd/berth/berth' cp ct:/ - | tar -t"
  [[ "$output" == *"data/p"* ]] && [[ "$output" == *"srv/bind/h"* ]]
  # a read-only mount is refused
  run berth cp "$HOST/p" ct:/ro/
  [ "$status" -eq 1 ]
  [[ "$output" == *"mounted volume is marked read-only"* ]]
  [ ! -e "$HOST/bind/ro" ] && [ ! -e "$HOST/bind/p" ]
  # a symlink in the volume climbing out of it stays in the container
  berth exec ct ln -s ../../../../../../../.. /data/up
  berth cp "$HOST/p" ct:/data/up/climbed
  [ "$(berth exec ct cat /climbed)" = payload ]
  [ ! -e /climbed ]
}

@test "cp works on a stopped container and unmounts what it mounted" {
  berth create --name ct img sleep 1000 >/dev/null
  echo cold >"$HOST/cold"
  berth cp "$HOST/cold" ct:/tmp/
  [ "$(mounts_under_root)" -eq 0 ]
  berth cp ct:/tmp/cold "$HOST/back"
  [ "$(cat "$HOST/back")" = cold ]
  [ "$(mounts_under_root)" -eq 0 ]
  # and the container starts afterwards and sees it
  berth start ct >/dev/null
  [ "$(berth exec ct cat /tmp/cold)" = cold ]
  berth rm -f ct >/dev/null
  run_c ct2
  berth stop -t 0 ct2 >/dev/null
  berth cp "$HOST/cold" ct2:/
  berth start ct2 >/dev/null
  [ "$(berth exec ct2 cat /cold)" = cold ]
}

@test "cp and start at once on a stopped container: every copy lands in the running container" {
  berth create --name ct img sleep 1000 >/dev/null
  echo x >"$HOST/f"
  pids=()
  for i in 1 2 3 4 5 6; do
    berth cp "$HOST/f" "ct:/f$i" &
    pids+=($!)
  done
  berth start ct >/dev/null &
  pids+=($!)
  for p in "${pids[@]}"; do wait "$p"; done
  run berth exec ct sh -c 'cat /f1 /f2 /f3 /f4 /f5 /f6 | wc -l'
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | tr -d ' ')" = 6 ]
  berth stop -t 0 ct >/dev/null
  [ "$(mounts_under_root)" -eq 0 ]
}

@test "cp: a symlink /escape -> / in the container reads and writes the container, not the host" {
  run_c ct
  berth exec ct ln -s / /escape
  # source: the container's /etc/passwd, not the host's
  berth cp ct:/escape/etc/passwd "$HOST/pw"
  grep -q '^app:x:1000' "$HOST/pw"
  ! cmp -s "$HOST/pw" /etc/passwd
  berth cp -L ct:/escape/etc/passwd "$HOST/pw2"
  cmp "$HOST/pw" "$HOST/pw2"
  # destination
  echo evil >"$HOST/evil-$$"
  berth cp "$HOST/evil-$$" ct:/escape/etc/
  berth cp "$HOST/evil-$$" ct:/escape/etc/passwd
  [ ! -e "/etc/evil-$$" ]
  [ "$(berth exec ct cat "/etc/evil-$$")" = evil ]
  [ "$(berth exec ct cat /etc/passwd)" = evil ]
  grep -q '^root:' /etc/passwd
  [ "$(etc_state)" = "$ETC_BEFORE" ]
}

@test "cp: a relative symlink -> ../../../../etc stays in the container both ways" {
  run_c ct
  berth exec ct sh -c 'ln -s ../../../../etc /srv/rel; echo inside > /etc/marker'
  berth cp ct:/srv/rel/marker "$HOST/m"
  [ "$(cat "$HOST/m")" = inside ]
  berth cp ct:/srv/rel/group "$HOST/g"
  [ "$(cat "$HOST/g")" = "$(printf 'root:x:0:\nnogroup:x:65534:\napp:x:1000:')" ]
  echo evil >"$HOST/evil-$$"
  berth cp "$HOST/evil-$$" ct:/srv/rel/
  mkdir -p "$HOST/d/sub"
  berth cp "$HOST/d" ct:/srv/rel/evil-dir-$$
  [ ! -e "/etc/evil-$$" ] && [ ! -e "/etc/evil-dir-$$" ]
  run berth exec ct ls "/etc/evil-$$" "/etc/evil-dir-$$/sub"
  [ "$status" -eq 0 ]
  # a tar stream whose entries go through the link stays inside as well
  mkdir -p "$HOST/s"
  ln -s ../../../../../../etc "$HOST/s/up"
  run bash -c "tar -C '$HOST/s' -cf - up | '$BERTH_BUILD/cmd/berth/berth' cp - ct:/tmp"
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid symlink"* ]]
  printf 'x' >"$HOST/s/x"
  run bash -c "cd '$HOST/s' && tar --transform 's|^x|srv/rel/streamed-$$|' -cf - x | '$BERTH_BUILD/cmd/berth/berth' cp - ct:/"
  [ "$status" -eq 0 ]
  [ ! -e "/etc/streamed-$$" ]
  [ "$(berth exec ct cat "/etc/streamed-$$")" = x ]
  [ "$(etc_state)" = "$ETC_BEFORE" ]
}

@test "cp: a symlink as the last component is copied as the link; -L and a trailing / follow it" {
  run_c ct
  berth exec ct sh -c 'ln -s /srv/tree/a /srv/link; ln -s /srv/tree /srv/dirlink'
  berth cp ct:/srv/link "$HOST/l"
  [ -L "$HOST/l" ]
  [ "$(readlink "$HOST/l")" = /srv/tree/a ]
  berth cp -L ct:/srv/link "$HOST/l2"
  [ ! -L "$HOST/l2" ] && [ "$(cat "$HOST/l2")" = image-file ]
  # -L keeps the link's name
  mkdir "$HOST/in"
  berth cp -L ct:/srv/link "$HOST/in"
  [ "$(cat "$HOST/in/link")" = image-file ]
  berth cp ct:/srv/dirlink/ "$HOST/dl"
  [ -f "$HOST/dl/sub/b" ]
  # to the container: a host symlink goes as a link, with -L as its target
  echo target >"$HOST/t"
  ln -s "$HOST/t" "$HOST/hl"
  berth cp "$HOST/hl" ct:/tmp/
  [ "$(berth exec ct readlink /tmp/hl)" = "$HOST/t" ]
  berth cp -L "$HOST/hl" ct:/tmp/followed
  [ "$(berth exec ct cat /tmp/followed)" = target ]
  # a destination that is a symlink to a directory is followed
  berth cp "$HOST/t" ct:/srv/dirlink
  [ "$(berth exec ct cat /srv/tree/t)" = target ]
}

@test "cp: a missing container or path is docker's error, exit 1" {
  run_c ct
  run berth cp nosuch:/etc/passwd "$HOST"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Error: No such container:path: nosuch:/etc/passwd"* ]]
  run berth cp ct:/no/such/file "$HOST"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Error: No such container:path: ct:/no/such/file"* ]]
  run berth cp ct:/no/such/file -
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such container:path: ct:/no/such/file"* ]]
  echo x >"$HOST/x"
  run berth cp "$HOST/x" nosuch:/tmp
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such container:path: nosuch:"* ]]
  run berth cp "$HOST/x" ct:/no/such/dir/x
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such container:path: ct:/no/such/dir"* ]]
  run berth cp "$HOST/missing" ct:/tmp
  [ "$status" -eq 1 ]
  [[ "$output" == *"no such file or directory"* || "$output" == *"No such file or directory"* ]]
  run berth cp ct:/a ct:/b
  [ "$status" -eq 1 ]
  [[ "$output" == *"copying between containers is not supported"* ]]
  run berth cp "$HOST/x" "$HOST/y"
  [ "$status" -eq 1 ]
  [[ "$output" == *"must specify at least one container source"* ]]
  run berth cp onlyone
  [ "$status" -eq 125 ]
}

@test "cp -a: owners become the container user's; without it they come from the tar" {
  berth run -d --name ct -u app img sleep 1000 >/dev/null
  echo o >"$HOST/owned"
  chown 4321:4321 "$HOST/owned"
  berth cp "$HOST/owned" ct:/tmp/plain
  berth cp -a "$HOST/owned" ct:/tmp/archived
  [ "$(berth exec ct stat -c %u:%g /tmp/plain)" = 4321:4321 ]
  [ "$(berth exec ct stat -c %u:%g /tmp/archived)" = 1000:1000 ]
  # from the container, files belong to whoever runs berth
  berth exec ct sh -c 'echo z > /tmp/mine'
  berth cp ct:/tmp/mine "$HOST/mine"
  [ "$(stat -c %u "$HOST/mine")" = "$(id -u)" ]
}

@test "export → import gives the same files back; a terminal is refused" {
  run_c ct -v vol:/data
  berth exec ct sh -c 'echo added > /srv/added; rm /srv/doomed; echo v > /data/v; ln -s tree/a /srv/sl; mkdir /srv/emptydir'
  berth export ct >"$HOST/c.tar"
  berth export -o "$HOST/c2.tar" ct
  cmp "$HOST/c.tar" "$HOST/c2.tar"
  run tar -tf "$HOST/c.tar"
  [[ "$output" == *"srv/added"* ]]
  [[ "$output" != *"srv/doomed"* ]]
  [[ "$output" != *"data/v"* ]] # volumes are not exported
  berth import "$HOST/c.tar" exported >/dev/null
  berth create --name et exported sh >/dev/null
  berth export et >"$HOST/e.tar"
  mkdir "$HOST/x1" "$HOST/x2"
  tar -C "$HOST/x1" -xf "$HOST/c.tar"
  tar -C "$HOST/x2" -xf "$HOST/e.tar"
  (cd "$HOST/x1" && find . -printf '%p %y %m %s %l\n' | sort) >"$HOST/l1"
  (cd "$HOST/x2" && find . -printf '%p %y %m %s %l\n' | sort) >"$HOST/l2"
  diff "$HOST/l1" "$HOST/l2"
  diff -r "$HOST/x1" "$HOST/x2"
  [ "$(berth run --rm exported cat /srv/added)" = added ]
  command -v script >/dev/null || skip "script(1) missing"
  run script -qec "'$BERTH_BUILD/cmd/berth/berth' export ct" /dev/null
  [ "$status" -ne 0 ]
  [[ "$output" == *"cowardly refusing to save to a terminal. Use the -o flag or redirect"* ]]
}

@test "diff lists added, changed and deleted paths" {
  run_c ct
  berth exec ct sh -c 'echo n > /srv/new; rm /srv/doomed; echo more >> /srv/tree/a; mkdir -p /srv/nd/x'
  run berth diff ct
  [ "$status" -eq 0 ]
  [[ "$output" == *"C /srv"* ]]
  [[ "$output" == *"A /srv/new"* ]]
  [[ "$output" == *"D /srv/doomed"* ]]
  [[ "$output" == *"C /srv/tree/a"* ]]
  [[ "$output" == *"A /srv/nd/x"* ]]
  # C /srv comes before its children
  [ "$(echo "$output" | grep -n '^C /srv$' | cut -d: -f1)" -lt "$(echo "$output" | grep -n '^A /srv/new$' | cut -d: -f1)" ]
  run berth diff nosuch
  [ "$status" -eq 1 ]
}

@test "commit: the new image runs with the change; -c, -m and -a show in inspect and history" {
  run_c ct -e FROM_RUN=yes --expose 8080 --expose 53/udp -v /data --stop-signal SIGUSR1
  berth exec ct sh -c 'echo committed > /srv/c; rm /srv/doomed'
  run berth commit -m "my message" -a "Some One <one@example.com>" -c 'CMD ["cat", "/srv/c"]' ct snap:v1
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  id=$output
  # a running container is paused for the commit and running again after
  [ "$(berth inspect -f '{{.State.Status}}' ct)" = running ]
  [ "$(berth run --rm snap:v1)" = committed ]
  run berth run --rm snap:v1 sh -c 'ls /srv; echo $FROM_RUN'
  [[ "$output" != *doomed* ]]
  [[ "$output" == *yes* ]]
  berth image inspect snap:v1 >"$HOST/i.json"
  [ "$(jq -r '.[0].Id' "$HOST/i.json")" = "$id" ]
  [ "$(jq -r '.[0].Author' "$HOST/i.json")" = "Some One <one@example.com>" ]
  [ "$(jq -c '.[0].Config.Cmd' "$HOST/i.json")" = '["cat","/srv/c"]' ]
  [ "$(jq -r '.[0].Comment' "$HOST/i.json")" = "my message" ]
  # the container's ports, volumes and stop signal carry over, as docker's commit does
  [ "$(jq -c '.[0].Config.ExposedPorts | keys' "$HOST/i.json")" = '["53/udp","8080/tcp"]' ]
  [ "$(jq -c '.[0].Config.Volumes | keys' "$HOST/i.json")" = '["/data"]' ]
  [ "$(jq -r '.[0].Config.StopSignal' "$HOST/i.json")" = SIGUSR1 ]
  run berth history snap:v1
  [[ "$output" == *"my message"* ]]
  # without a name, and with --pause=false, on a stopped container
  berth stop -t 0 ct >/dev/null
  run berth commit --pause=false ct
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256: ]]
  [ "$(berth run --rm "${output#sha256:}" cat /srv/c)" = committed ]
  # the container's own command is the new image's when no CMD is given
  berth run --name cmdc img sh -c 'echo from-cmd > /cmdfile; cat /cmdfile' >/dev/null
  berth commit cmdc cmdimg >/dev/null
  [ "$(berth run --rm cmdimg)" = from-cmd ]
  run berth commit nosuch
  [ "$status" -eq 1 ]
}
