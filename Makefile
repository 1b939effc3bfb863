# Makefile: developer and CI entry points (setup, build, test, demo, bench, lint, clean).
#
#   make setup   Debian packages (as root), .venv, scmforge installed into it (scripts/setup.sh)
#   make build   the C++ tree in build/cpp: Release, CLI and GoogleTest, no Python extension
#   make test    build + C++ tests + pytest + C++ tests under ASan/UBSan (build/asan)
#   make demo    build + scripts/demo.sh
#   make bench   every bench/*.py --quick (installs requirements-bench.txt first)
#   make lint    clang-format --dry-run over the C++ sources, clang-tidy over src/ and cli/
#   make format  clang-format -i over the same files
#   make clean   removes build/ (keeps .venv)
#
# JOBS (default 2) sets the build parallelism. ccache is used when installed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
.PHONY: setup build configure asan test test-cpp test-python test-asan demo bench lint \
        format-check tidy format clean

JOBS ?= 2
VENV := $(CURDIR)/.venv
PYTHON := $(VENV)/bin/python
BUILD_DIR := build/cpp
ASAN_DIR := build/asan
export PATH := $(VENV)/bin:$(PATH)
export CMAKE_BUILD_PARALLEL_LEVEL := $(JOBS)
# Make's default CXX is g++; exporting it makes build/cpp, build/asan and the pip build
# (scripts/setup.sh) call the compiler by the same name, so ccache shares their objects.
export CXX

# Sanitizer runtime options: fail on the first report, with a stack trace.
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=0:check_initialization_order=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1

FORMAT_DIRS := include src cli python/src tests/cpp fuzz
FORMAT_FILES = $(shell find $(FORMAT_DIRS) -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) 2>/dev/null | LC_ALL=C sort)
TIDY_FILES = $(shell find src cli -type f -name '*.cpp' 2>/dev/null | LC_ALL=C sort)

# $(call cmake_configure,DIR,ARGS): configures DIR with Ninja when available (on first
# configure only: CMake cannot switch generators) and ccache as the compiler launcher if present.
define cmake_configure
	gen=(); \
	if [[ ! -f $(1)/CMakeCache.txt ]] && command -v ninja >/dev/null; then gen=(-G Ninja); fi; \
	launcher=$$(command -v ccache || true); \
	cmake -S . -B $(1) "$${gen[@]}" --log-level=WARNING \
	  -DCMAKE_CXX_COMPILER_LAUNCHER="$$launcher" $(2)
endef

setup:
	scripts/setup.sh

configure: setup
	@$(call cmake_configure,$(BUILD_DIR),-DCMAKE_BUILD_TYPE=Release \
	  -DSCMFORGE_BUILD_TESTS=ON -DSCMFORGE_BUILD_CLI=ON -DSCMFORGE_BUILD_PYTHON=OFF)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Debug with -O1: assertions on, fast enough for the statistical tests.
asan: setup
	@$(call cmake_configure,$(ASAN_DIR),-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
	  -DSCMFORGE_SANITIZE=ON -DSCMFORGE_BUILD_TESTS=ON -DSCMFORGE_BUILD_CLI=ON \
	  -DSCMFORGE_BUILD_PYTHON=OFF)
	cmake --build $(ASAN_DIR) -j $(JOBS)

test: test-cpp test-python test-asan

# GoogleTest's per-test RUN/OK and per-suite lines are dropped; failures and the summary stay.
GTEST_FILTER_OUTPUT := { grep -v -E '^(\[ +(RUN|OK) +\]|\[-+\]) |^$$' || true; }

test-cpp: build
	@echo "== C++ tests ($(BUILD_DIR))"
	cd $(BUILD_DIR) && ./scmforge_tests --gtest_color=no | $(GTEST_FILTER_OUTPUT)

# pytest exits 5 when it collects no test: that is not a failure while tests/python is empty.
test-python: setup
	@echo "== Python tests"
	@rc=0; $(PYTHON) -m pytest -q tests/python || rc=$$?; \
	if [[ $$rc == 5 ]]; then echo "pytest: no Python tests collected"; exit 0; fi; exit $$rc

test-asan: asan
	@echo "== C++ tests under ASan + UBSan ($(ASAN_DIR))"
	cd $(ASAN_DIR) && ./scmforge_tests --gtest_color=no 2>&1 | $(GTEST_FILTER_OUTPUT)

demo: build
	SCMFORGE_BUILD_DIR=$(CURDIR)/$(BUILD_DIR) bash scripts/demo.sh

bench:
	scripts/setup.sh --bench
	@shopt -s nullglob; scripts=(bench/[!_]*.py); \
	if (( $${#scripts[@]} == 0 )); then echo "no benchmarks in bench/"; exit 0; fi; \
	for script in "$${scripts[@]}"; do echo "== $$script --quick"; $(PYTHON) "$$script" --quick; done

lint: format-check tidy

format-check:
	@echo "== clang-format ($(words $(FORMAT_FILES)) files)"
	@clang-format --dry-run --Werror $(FORMAT_FILES)

# clang-tidy reads build/cpp/compile_commands.json; only configuring is needed, not building.
# Its "N warnings generated" chatter (from suppressed third-party headers) is filtered out.
tidy:
	@$(call cmake_configure,$(BUILD_DIR),-DCMAKE_BUILD_TYPE=Release \
	  -DSCMFORGE_BUILD_TESTS=ON -DSCMFORGE_BUILD_CLI=ON -DSCMFORGE_BUILD_PYTHON=OFF)
	@echo "== clang-tidy ($(words $(TIDY_FILES)) files)"
	@printf '%s\n' $(TIDY_FILES) | \
	  xargs -P $(JOBS) -n 2 clang-tidy -p $(BUILD_DIR) --quiet 2>&1 | \
	  { grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$$' || true; }

format:
	clang-format -i $(FORMAT_FILES)

clean:
	rm -rf build
