#!/usr/bin/env bats
# berth as installed software: `berth info`, the completions (from the CLI's
# own flag tables), the man pages (from --help) and `make install` into a
# DESTDIR whose programs find each other.

load helpers

setup() { setup_engine_test; }
teardown() { teardown_engine_test; }

@test "info: counts, storage, cgroup version of this host, runtime, root dir" {
  berth import "$WORK/busybox.tar" bb >/dev/null
  berth create --name c1 bb true >/dev/null
  run berth info
  [ "$status" -eq 0 ]
  echo "$output"
  [[ "$output" == *"Containers: 1"* ]]
  [[ "$output" == *" Stopped: 1"* ]]
  [[ "$output" == *"Images: 1"* ]]
  [[ "$output" == *"Storage Driver: overlay2"* ]]
  [[ "$output" == *"Logging Driver: json-file"* ]]
  [[ "$output" == *"Default Runtime: berth-runtime"* ]]
  [[ "$output" == *"Berth Root Dir: $BERTH_ROOT"* ]]
  [[ "$output" == *"Kernel Version: $(uname -r)"* ]]
  # the cgroup version as the host has it
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then want=2; else want=1; fi
  [ "$(berth info -f '{{.CgroupVersion}}')" = "$want" ]
  [ "$(berth info --format '{{.Containers}}')" = 1 ]
  [ "$(berth info --format '{{json .}}' | jq -r .Images)" = 1 ]
  [ "$(berth info --format json | jq -r .NCPU)" = "$(nproc)" ]
  [ "$(berth system info -f '{{.Driver}}')" = overlay2 ]
  run berth info -f '{{.NoSuchField}}'
  [ "$status" -ne 0 ]
  run berth info extra
  [ "$status" -eq 125 ]
}

# complete WORD...: what the bash completion offers for the last word
complete_bash() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _berth; echo "${COMPREPLY[*]}"' \
    _ "$BERTH_BUILD/completions/berth" "$@"
}

@test "completion bash: commands, subcommands, flags from the tables, names from the store" {
  export PATH="$BERTH_BUILD/cmd/berth:$PATH"
  [ "$(complete_bash berth r)" = "rename restart rm rmi run" ]
  [ "$(complete_bash berth volume "")" = "create inspect ls prune rm" ]
  [ "$(complete_bash berth image r)" = "rm remove" ]
  [ "$(complete_bash berth rm --f)" = "--force" ]
  [ "$(complete_bash berth container rm --vo)" = "--volumes" ]
  # run's flags come from runflags.c's table, --memory-swap too
  [[ " $(complete_bash berth run --memory) " == *" --memory-swap "* ]]
  [[ " $(complete_bash berth --root /x ps --) " == *" --format "* ]]
  berth import "$WORK/busybox.tar" bb >/dev/null
  berth create --name web1 bb true >/dev/null
  berth volume create data1 >/dev/null
  [ "$(complete_bash berth rm w)" = "web1" ]
  [ "$(complete_bash berth run b)" = "bb:latest" ]
  [ "$(complete_bash berth volume rm d)" = "data1" ]
  # a flag's value is not a command or a name
  [ -z "$(complete_bash berth run --name w)" ]
  # what the build installs is what berth prints now
  diff <(berth completion bash) "$BERTH_BUILD/completions/berth"
  berth completion zsh | grep -q '^#compdef berth'
  berth completion fish | grep -q "__berth_is rm' -l force"
  run berth completion tcsh
  [ "$status" -eq 125 ]
}

# complete_zsh LINE / complete_fish LINE: what zsh (typed in a pty, then TAB) and fish
# (complete -C) offer, with the completion the build made
complete_zsh() {
  timeout 30 zsh -f "$BATS_TEST_DIRNAME/comptest.zsh" "$BERTH_BUILD/completions" "$1"
}
complete_fish() {
  fish -c "source '$BERTH_BUILD/completions/berth.fish'; complete -C '$1'" 2>&1 | cut -f1 | tr '\n' ' '
}

@test "completion zsh and fish: run in the shells, commands, flags and names from the store" {
  command -v zsh >/dev/null || skip "zsh is not installed (scripts/install-deps)"
  command -v fish >/dev/null || skip "fish is not installed (scripts/install-deps)"
  export PATH="$BERTH_BUILD/cmd/berth:$PATH"
  berth import "$WORK/busybox.tar" bb >/dev/null
  berth create --name web1 bb true >/dev/null
  # zsh: a list of the commands that start so, with their descriptions; a unique flag or
  # name is put on the line
  run complete_zsh 'berth r'
  [[ "$output" == *"rmi      -- Remove one or more images"* ]]
  [[ "$output" == *"rename "* && "$output" == *"restart "* && "$output" == *"run "* ]]
  [[ "$output" != *"ps "* ]]
  run complete_zsh 'berth rm --f'
  [[ "$output" == *"berth rm --force "* ]]
  run complete_zsh 'berth rm w'
  [[ "$output" == *"berth rm web1 "* ]]
  run complete_zsh 'berth volume '
  [[ "$output" == *"create   inspect  ls       prune    rm"* ]]
  # fish
  [ "$(complete_fish 'berth r')" = "rename restart rm rmi run " ]
  [ "$(complete_fish 'berth rm --f')" = "--force " ]
  [ "$(complete_fish 'berth image r')" = "remove rm " ]
  [ "$(complete_fish 'berth rm w')" = "web1 " ]
  [ "$(complete_fish 'berth run b')" = "bb:latest " ]
}

@test "man pages: one per command from its --help, and they render" {
  [ -f "$BERTH_BUILD/man/berth.1" ]
  [ -f "$BERTH_BUILD/man/berth-runtime.1" ]
  for c in run rm ps volume system info; do
    [ -f "$BERTH_BUILD/man/berth-$c.1" ]
  done
  out=$(MANWIDTH=100 man -l "$BERTH_BUILD/man/berth-run.1" 2>&1)
  [[ "$out" == *"berth-run - Create and run a new container from an image"* ]]
  [[ "$out" == *"--memory-swap"* ]]
  MANWIDTH=100 man -l "$BERTH_BUILD/man/berth-volume.1" | grep -q "VOLUME CREATE: OPTIONS"
  MANWIDTH=100 man -l "$BERTH_BUILD/man/berth-runtime.1" | grep -q "create a container"
}

@test "make install: DESTDIR layout, and the installed berth finds its helpers" {
  top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  dest=$WORK/dest
  # a build dir of its own: the prefix is set on the build dir
  make -C "$top" install BUILD="$WORK/build" PREFIX=/usr DESTDIR="$dest" >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log"; false; }
  for f in usr/bin/berth usr/bin/berth-runtime usr/libexec/berth/berth-monitor \
    usr/libexec/berth/berth-monitor-helper usr/libexec/berth/berth-init usr/libexec/berth/berth-dns \
    usr/lib/systemd/system/berth-restart.service usr/share/man/man1/berth-run.1 \
    usr/share/bash-completion/completions/berth usr/share/zsh/vendor-completions/_berth \
    usr/share/fish/vendor_completions.d/berth.fish; do
    [ -e "$dest/$f" ] || { echo "missing $f"; false; }
  done
  grep -q '^ExecStart=/usr/bin/berth start --all --restart-policy' \
    "$dest/usr/lib/systemd/system/berth-restart.service"
  berth import "$WORK/busybox.tar" bb >/dev/null
  run "$dest/usr/bin/berth" run --rm bb echo from-installed
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = from-installed ]
}
