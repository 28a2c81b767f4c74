# A thin driver: installs what is missing (apt), configures and builds with CMake, runs ctest.
# The build itself is CMake's.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
APT_PACKAGES := g++ cmake make pkg-config dpkg-dev python3-jsonschema libz3-dev z3 nlohmann-json3-dev libcli11-dev doctest-dev \
                libzstd-dev zlib1g-dev zstd libkdumpfile-dev makedumpfile clang-format chromium qemu-system-x86 \
                busybox-static
# Wanted but not needed: where apt cannot install them, the rest is installed and the tests that
# use them skip (tests/browser/render_test.sh without chromium, capture/boot-e2e and kcore/in-guest
# without QEMU, tests/kdump/ without makedumpfile).
OPTIONAL_APT_PACKAGES := chromium qemu-system-x86 busybox-static makedumpfile
# `make fuzz` only: clang and its libFuzzer/sanitizer runtimes (`make test` never installs them).
FUZZ_APT_PACKAGES := clang libclang-rt-14-dev
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
# `make fuzz-rules`: check against the independent rule oracle on this many random cases, from
# DIFF_SEED (default: a new one each run, printed so a disagreement can be replayed).
DIFF_CASES ?= 2000
DIFF_SEED ?= $(shell date +%s)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_CAPTURE := tests/fixtures/linux-6.1-ptdump-4level-pti

# The kernel `capture --boot` is tested with (capture/boot-e2e): Debian's current amd64 kernel
# package, downloaded once and unpacked into $(BUILD)/kernel (the PTV_TEST_KERNEL default).
KERNEL_DIR = $(BUILD)/kernel

.PHONY: all deps configure build kernel test demo test-sanitize package install-check bench format fuzz-deps fuzz \
        fuzz-rules clean

all: build

# Install only what is missing; a machine that has everything never touches apt.
# $(call install_missing,PACKAGES)
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "ptverify: installing:$$missing"; \
	  $(SUDO) apt-get update -qq || exit 1; \
	  if ! DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; then \
	    needed=""; for p in $$missing; do \
	      case " $(OPTIONAL_APT_PACKAGES) " in *" $$p "*) ;; *) needed="$$needed $$p" ;; esac; \
	    done; \
	    [ "$$needed" != "$$missing" ] || exit 1; \
	    echo "ptverify: installing without the optional $(OPTIONAL_APT_PACKAGES):$$needed"; \
	    [ -z "$$needed" ] || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$needed || exit 1; \
	  fi; \
	fi
endef

deps:
	$(call install_missing,$(APT_PACKAGES))

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# Once: the package linux-image-amd64 depends on (e.g. linux-image-6.1.0-57-amd64), unpacked with
# dpkg-deb (no installation; only boot/ and the qemu_fw_cfg module are kept: the filtered crash-dump
# test loads it so that QEMU's dump carries VMCOREINFO). Without network or
# apt the test skips, visibly.
kernel: configure
	@if ls $(KERNEL_DIR)/boot/vmlinuz-* >/dev/null 2>&1; then :; else \
	  pick() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6/{print $$2; exit}'; }; \
	  pkg=$$(pick); [ -n "$$pkg" ] || { $(SUDO) apt-get update -qq; pkg=$$(pick); }; \
	  mkdir -p $(KERNEL_DIR) && cd $(KERNEL_DIR) && [ -n "$$pkg" ] && \
	  echo "ptverify: downloading $$pkg for the capture --boot test" && \
	  apt-get download -q "$$pkg" && dpkg-deb -x "$$pkg"_*.deb . && mkdir -p modules && \
	  { cp lib/modules/*/kernel/drivers/firmware/qemu_fw_cfg.ko modules/ || true; } && rm -rf "$$pkg"_*.deb lib usr \
	  || echo "ptverify: could not download a kernel: the capture --boot test will be skipped"; \
	fi

test: build kernel
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-sanitize:
	$(MAKE) test BUILD=build-sanitize CMAKE_ARGS="-DPTV_ENABLE_ASAN=ON -DPTV_ENABLE_UBSAN=ON -DCMAKE_BUILD_TYPE=Debug"

# The Debian package (CPack, CMakeLists.txt): $(BUILD)/ptverify_VERSION_amd64.deb.
package: build
	cd $(BUILD) && cpack -G DEB

# What a CI machine does with the package (docs/ci.md): install it with apt (which installs its
# dependencies), then run the installed ptverify, from outside the source tree, on a committed
# fixture with a spec named by name.
install-check: package kernel
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --reinstall ./$(BUILD)/ptverify_*_amd64.deb
	bash tools/install_check.sh /usr/bin/ptverify $(KERNEL_DIR)

fuzz-deps: deps
	$(call install_missing,$(FUZZ_APT_PACKAGES))

# libFuzzer harnesses under ASan + UBSan, FUZZ_SECONDS each (tests/fuzz/run.sh, docs/robustness.md).
fuzz: fuzz-deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPTV_BUILD_FUZZERS=ON
	cmake --build $(FUZZ_BUILD) --target ptv_fuzzers -j $(JOBS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh $(FUZZ_BUILD)
	$(MAKE) fuzz-rules

# The long run of the differential test (tests/verifier/oracle/differential_test.cpp): each case
# that disagrees is saved in $(BUILD)/rule-disagreements/ in the form the regressions folder keeps.
fuzz-rules: build
	@mkdir -p $(BUILD)/rule-disagreements
	@echo "fuzz-rules: $(DIFF_CASES) cases from seed $(DIFF_SEED)"
	PTV_DIFF_CASES=$(DIFF_CASES) PTV_DIFF_SEED=$(DIFF_SEED) PTV_DIFF_SAVE_DISAGREEING=$(BUILD)/rule-disagreements \
	  $(BUILD)/tests/verifier_tests -tc="oracle differential*"

demo: build
	@bash tools/demo.sh $(BUILD)/cli/ptverify

# The benchmarks are built only here (PTV_BUILD_BENCH); bench/run.sh runs them all.
bench:
	$(MAKE) build CMAKE_ARGS="$(CMAKE_ARGS) -DPTV_BUILD_BENCH=ON"
	@bash bench/run.sh $(BUILD)

# Rewrite every C++ file as .clang-format says (clang-format 14); `make test` checks it
# (tests/CMakeLists.txt: format/clang-format).
format: deps
	@bash tools/check_format.sh --fix

clean:
	rm -rf $(BUILD) build-sanitize $(FUZZ_BUILD)
