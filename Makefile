# The README's two commands: `make demo` and `make check`. Both install what
# they need from Debian's packages, build, and are safe to run again.
BUILD ?= build
MESON_FLAGS ?=
# make install: where (PREFIX) and under which staging root (DESTDIR).
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all deps build check check-vm vm v1 demo unit integration security compat format format-check bench clean install deb

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_FLAGS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

check: deps build format-check
	@tests/run-all $(BUILD)

unit: build
	@tests/run-all --only unit $(BUILD)

integration: build
	@tests/run-all --only integration $(BUILD)

security: build
	@tests/run-all --only security $(BUILD)

compat: build
	@tests/run-all --only compat $(BUILD)

# the pure cgroup v2 lane in a qemu guest: `vm` is the part `make check` runs,
# `check-vm` the whole runtime, container, volume and image suites
vm: build
	@tests/run-all --only vm $(BUILD)

check-vm: deps build
	@tests/run-all --only vm-all $(BUILD)

# the cgroup v1-only layout: the same tests with every cgroup2 mount removed (unshare -m)
v1: build
	@tests/run-all --only v1 $(BUILD)

demo: deps build
	@scripts/demo $(BUILD)

bench: deps build
	@bench/run-all $(BUILD)

format:
	@{ git ls-files '*.c' '*.h'; git ls-files --others --exclude-standard '*.c' '*.h'; } | sort -u | xargs -r clang-format -i

format-check:
	@scripts/format-check

# The programs (berth, berth-runtime in PREFIX/bin; berth-monitor, berth-monitor-helper,
# berth-init in PREFIX/libexec/berth), berth-restart.service, man pages and completions:
# meson's install, with the prefix set on the build dir first.
install: $(BUILD)/build.ninja
	meson configure $(BUILD) -Dprefix=$(PREFIX)
	DESTDIR="$(DESTDIR)" meson install -C $(BUILD)

# A Debian package (debian/, debhelper) in $(BUILD)/deb/.
deb:
	@scripts/build-deb $(BUILD)/deb

clean:
	rm -rf $(BUILD)
