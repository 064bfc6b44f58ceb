# tapebook — build, test, fuzz and benchmark entry points.
#
#   make demo      set up the venv, build the module, replay the bundled stream
#   make test      everything CI runs: C tests (gcc + clang, C11 + C++17),
#                  ASan + UBSan (C and Python), generated-file checks, pytest
#   make fuzz      the long differential fuzz (C and Python, >= 180 suites)
#   make bench     C + Python benchmarks and the report;   make bench-py   Python only
#
# Everything installs what it needs: a venv in .venv from PyPI, clang from
# Debian's packages when it is missing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test
.DELETE_ON_ERROR:
.SECONDARY:

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
BUILD := build
JOBS ?= 2

WARN := -Wall -Wextra -Wpedantic -Werror -Wconversion -Wshadow
CSTD := -std=c11
CXXSTD := -std=c++17
INC := -Icsrc
OPT := -O2
TESTDEFS := -DTB_ENABLE_ASSERTS

CSRC_FILES := $(wildcard csrc/*.h csrc/tapebook/*.h csrc/tapebook/*.inc)

.PHONY: c-match c-ref-std bench-match bench-match-ab bench-match-cg bench-l3-cg c-variants
.PHONY: test demo wheel-test venv clang c-test c-compile c-unit c-fuzz-quick c-alloc asan ubsan \
        asan-c ubsan-c sanitize-c sanitize-py asan-py ubsan-py hotpath-compile py-test lint check-generated gen single-include \
        fuzz fuzz-c fuzz-py fuzz-cov bench bench-c bench-py bench-feeds examples clean

# ---- set-up -------------------------------------------------------------------

$(VENV)/.installed: pyproject.toml setup.py build_ffi.py $(CSRC_FILES) tapebook/_hotpath.c tapebook/_hotl3.inc tapebook/_hotmatch.inc tapebook/_module.c tapebook/_module.h
	@test -x $(VPY) || { echo "== creating $(VENV) with $$($(PYTHON) -V)"; $(PYTHON) -m venv $(VENV); }
	@echo "== upgrading pip in $(VENV)"
	@$(VPY) -m pip install --quiet --upgrade pip
	@echo "== installing tapebook and its test dependencies from PyPI and compiling the C module" \
	      "(about a minute on an idle 2-core machine, far longer under load; the compile is silent)"
	@$(VPY) -m pip install --quiet -e '.[test]'
	@touch $@
	@echo "== $(VENV) is ready"

# A .venv made by another (or a removed) Python is removed first, and a Python < 3.11
# stops with advice; the install then runs in a sub-make, which sees the removal (this
# make has already looked at .venv/.installed).
# make test builds the venv in one of its parallel parts while the C parts compile, and
# every Python part asks for it: the lock makes the first build it and the others wait.
venv:
	@mkdir -p $(BUILD)
	@flock $(BUILD)/.venv.lock $(SHELL) -c \
	  '$(PYTHON) tools/check_venv.py $(VENV) && $(MAKE) --no-print-directory $(VENV)/.installed'

# clang is part of the compile matrix and of the fuzzing; install it if missing.
clang:
	@command -v clang >/dev/null 2>&1 || { \
	  echo "installing clang from Debian's packages"; \
	  (apt-get update -qq && apt-get install -y -qq clang >/dev/null) || \
	  (sudo apt-get update -qq && sudo apt-get install -y -qq clang >/dev/null); }

# ---- generated files ---------------------------------------------------------

gen:
	$(PYTHON) tools/gen_variants.py
	$(PYTHON) tools/gen_crc_tables.py
	$(PYTHON) tools/amalgamate.py

single-include: gen

check-generated:
	$(PYTHON) tools/gen_variants.py --check
	$(PYTHON) tools/gen_crc_tables.py --check
	$(PYTHON) tools/amalgamate.py --check

# ---- C tests --------------------------------------------------------------------

# The small tests (one feature each): built and run with gcc and clang in c-unit. Every
# C test (C_TESTS) is also compiled as C++17 with g++ and clang++ in c-compile, so the
# headers' C++ path is exercised by everything the tests use. A new test of that kind is
# added here only.
SMALL_C_TESTS := test_decimal test_venue_crc test_itch test_itch_run test_itch_run_rows test_olog_run test_tardis_scan test_feed_claimed test_json_scan test_json_sync \
                 test_json_bybit test_json_okx test_json_coinbase test_json_bitstamp test_json_kraken test_l3_ops
C_TESTS := test_unit test_fuzz test_alloc test_custom_variant $(SMALL_C_TESTS) test_l3_unit test_l3_fuzz test_l3_alloc
# the matching engine: unit tests, zero allocations, differential fuzz vs tests/c/ref_match.h;
# its mixed batch (apply_ops) against the same ops as single calls
C_TESTS += test_match test_match_batch
C_TEST_DEPS := $(CSRC_FILES) $(wildcard tests/c/*.h)

$(BUILD)/%/.dir:
	mkdir -p $(dir $@) && touch $@

# $(BUILD)/<cc>/<test>: one binary per compiler
define c_test_rule
$(BUILD)/$(1)/%: tests/c/%.c $(C_TEST_DEPS) | $(BUILD)/$(1)/.dir
	$(1) $(CSTD) $(OPT) $(WARN) $(TESTDEFS) $(INC) -Itests/c $$< -o $$@ -lm
endef
$(foreach cc,gcc clang,$(eval $(call c_test_rule,$(cc))))

# the same tests with the portable bit-scan fallback forced
$(BUILD)/portable/%: tests/c/%.c $(C_TEST_DEPS) | $(BUILD)/portable/.dir
	gcc $(CSTD) $(OPT) $(WARN) $(TESTDEFS) -DTB_FORCE_PORTABLE_BITS $(INC) -Itests/c $< -o $@ -lm

# from the amalgamated single header instead of the split ones
$(BUILD)/single/%: tests/c/%.c $(C_TEST_DEPS) | $(BUILD)/single/.dir
	gcc $(CSTD) $(OPT) $(WARN) $(TESTDEFS) -DTB_TEST_SINGLE_HEADER $(INC) -Itests/c $< -o $@ -lm

# and with the thread guard compiled in, as the Python module uses it
$(BUILD)/guarded/%: tests/c/%.c $(C_TEST_DEPS) | $(BUILD)/guarded/.dir
	gcc $(CSTD) $(OPT) $(WARN) $(TESTDEFS) -DTB_THREAD_GUARD $(INC) -Itests/c $< -o $@ -lm

# Compile matrix: C11 and C++17, gcc and clang, the modular and single header.
c-compile: clang | $(BUILD)/compile/.dir
	gcc   $(CSTD)   $(WARN) $(INC) -c tests/c/compile_check.c   -o $(BUILD)/compile/gcc_c11.o
	gcc   -std=c99  $(WARN) $(INC) -c tests/c/compile_check.c   -o $(BUILD)/compile/gcc_c99.o
	clang $(CSTD)   $(WARN) $(INC) -c tests/c/compile_check.c   -o $(BUILD)/compile/clang_c11.o
	g++   $(CXXSTD) $(WARN) $(INC) -c tests/c/compile_check.cpp -o $(BUILD)/compile/gcc_cxx17.o
	clang++ $(CXXSTD) $(WARN) $(INC) -c tests/c/compile_check.cpp -o $(BUILD)/compile/clang_cxx17.o
	gcc   $(CSTD)   $(WARN) $(INC) -DTB_TEST_SINGLE_HEADER -c tests/c/compile_check.c -o $(BUILD)/compile/gcc_single.o
	g++   $(CXXSTD) $(WARN) $(INC) -DTB_TEST_SINGLE_HEADER -c tests/c/compile_check.cpp -o $(BUILD)/compile/gxx_single.o
	gcc   $(CSTD)   $(WARN) $(INC) -DTB_THREAD_GUARD -DTB_FORCE_PORTABLE_BITS -c tests/c/compile_check.c -o $(BUILD)/compile/gcc_guard.o
	@set -e; for t in $(C_TESTS); do for cxx in g++ clang++; do \
	  echo "$$cxx $(CXXSTD): tests/c/$$t.c"; \
	  $$cxx $(CXXSTD) $(WARN) $(INC) -Itests/c -x c++ -fsyntax-only tests/c/$$t.c; \
	done; done
	@echo "c-compile: C99, C11 and C++17 with gcc and clang: clean"
	@$(MAKE) --no-print-directory hotpath-compile

# The two extensions' own C files, as strictly as the core: tapebook/_module.c
# (the CFFI module's source: the core and the tb_ops tables) and
# tapebook/_hotpath.c (CPython C-API), with gcc and clang.
PYINC = $(shell $(PYTHON) -c "import sysconfig; print(sysconfig.get_paths()['include'])")
hotpath-compile: clang | $(BUILD)/compile/.dir
	@for cc in gcc clang; do \
	  $$cc $(CSTD) $(WARN) -DTB_THREAD_GUARD $(INC) -Itapebook -c tapebook/_module.c -o $(BUILD)/compile/module_$$cc.o && \
	  $$cc $(CSTD) $(WARN) -fPIC -I$(PYINC) $(INC) -c tapebook/_hotpath.c -o $(BUILD)/compile/hotpath_$$cc.o || exit 1; \
	done
	@echo "hotpath-compile: tapebook/_module.c and tapebook/_hotpath.c with gcc and clang: clean"

c-unit: clang $(foreach cc,gcc clang,$(addprefix $(BUILD)/$(cc)/,test_unit test_l3_unit $(SMALL_C_TESTS))) \
        $(BUILD)/gcc/test_custom_variant $(BUILD)/single/test_custom_variant
	$(BUILD)/gcc/test_custom_variant
	$(BUILD)/single/test_custom_variant
	@set -e; for t in test_unit test_l3_unit $(SMALL_C_TESTS); do for cc in gcc clang; do \
	  echo "$(BUILD)/$$cc/$$t"; $(BUILD)/$$cc/$$t; done; done

# the guarded and portable builds unsanitized (make test runs them sanitized, in one build)
c-variants: $(BUILD)/portable/test_unit $(BUILD)/guarded/test_unit $(BUILD)/guarded/test_l3_unit $(BUILD)/guarded/test_match
	$(BUILD)/portable/test_unit
	$(BUILD)/guarded/test_unit
	$(BUILD)/guarded/test_l3_unit
	$(BUILD)/guarded/test_match --profile quick

c-alloc: $(BUILD)/gcc/test_alloc $(BUILD)/gcc/test_l3_alloc
	$(BUILD)/gcc/test_alloc
	$(BUILD)/gcc/test_l3_alloc

c-fuzz-quick: $(BUILD)/gcc/test_fuzz $(BUILD)/gcc/test_l3_fuzz
	$(BUILD)/gcc/test_fuzz --profile quick
	$(BUILD)/gcc/test_l3_fuzz --profile quick

# the committed fuzz seeds as regression inputs (each a bug a fuzzer once missed or found),
# run under ASan + UBSan in make test; `make fuzz-cov` fuzzes from them
FUZZ_SEEDED := itch:corpus_itch tardis_scan:corpus_tardis_scan tardis_run:corpus_tardis_scan json_scan:corpus_json_scan
c-fuzz-seeds: clang | $(BUILD)/fuzz-seeds/.dir
	@for ts in $(FUZZ_SEEDED); do t=$${ts%%:*}; c=$${ts#*:}; \
	  echo "== fuzz seeds: fuzz_$$t on tests/fuzz/$$c"; \
	  clang -g -O1 -fsanitize=fuzzer,address,undefined $(CSTD) $(WARN) $(INC) tests/fuzz/fuzz_$$t.c \
	    -o $(BUILD)/fuzz-seeds/fuzz_$$t || exit 1; \
	  $(BUILD)/fuzz-seeds/fuzz_$$t tests/fuzz/$$c/* > $(BUILD)/fuzz-seeds/fuzz_$$t.log 2>&1 || \
	    { tail -20 $(BUILD)/fuzz-seeds/fuzz_$$t.log; exit 1; }; done

examples: $(BUILD)/examples/embed
$(BUILD)/examples/embed: examples/embed.c $(CSRC_FILES) | $(BUILD)/examples/.dir
	gcc $(CSTD) $(OPT) $(WARN) $(INC) $< -o $@
	$@ >/dev/null

# the matching engine (gcc and clang, quick fuzz profile) and its C++17 compile
c-match: clang $(BUILD)/gcc/test_match $(BUILD)/clang/test_match $(BUILD)/gcc/test_match_batch \
         $(BUILD)/clang/test_match_batch | $(BUILD)/compile/.dir
	$(BUILD)/gcc/test_match --profile quick
	$(BUILD)/clang/test_match --profile quick
	$(BUILD)/gcc/test_match_batch --profile quick
	$(BUILD)/clang/test_match_batch --profile quick
	g++ $(CXXSTD) $(WARN) $(INC) -Itests/c -x c++ -c tests/c/test_match.c -o $(BUILD)/compile/gxx_match.o
	clang++ $(CXXSTD) $(WARN) $(INC) -Itests/c -x c++ -c tests/c/test_match.c -o $(BUILD)/compile/clangxx_match.o
	gcc $(CSTD) -O1 -g $(WARN) -DFUZZ_MATCH_MAIN -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	  $(INC) tests/fuzz/fuzz_match.c -o $(BUILD)/compile/fuzz_match_quick
	$(BUILD)/compile/fuzz_match_quick --random 2000 tests/fuzz/corpus_match/*

# the matching benchmark's std::map + std::list reference (tests/c/ref_match_std.hpp, C++17)
# against the sorted-array reference the fuzz trusts: g++ and clang++, then g++ sanitized
REF_STD_DEPS := tests/c/test_ref_match_std.cpp tests/c/ref_match_std.hpp tests/c/ref_match.h tests/c/tb_test.h \
                csrc/tapebook/tb_match_types.h
c-ref-std: clang $(REF_STD_DEPS) | $(BUILD)/compile/.dir
	g++ $(CXXSTD) $(OPT) $(WARN) $(INC) -Itests/c tests/c/test_ref_match_std.cpp -o $(BUILD)/compile/ref_std_gxx
	clang++ $(CXXSTD) $(OPT) $(WARN) $(INC) -Itests/c tests/c/test_ref_match_std.cpp -o $(BUILD)/compile/ref_std_clangxx
	g++ $(CXXSTD) $(SANC_FLAGS) $(WARN) $(INC) -Itests/c tests/c/test_ref_match_std.cpp -o $(BUILD)/compile/ref_std_san
	$(BUILD)/compile/ref_std_gxx
	$(BUILD)/compile/ref_std_clangxx
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(BUILD)/compile/ref_std_san --profile sanitizer

c-test: c-compile c-unit c-alloc c-fuzz-quick c-fuzz-seeds c-match c-ref-std examples

# ---- sanitizers -------------------------------------------------------------------

ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address
UBSAN_FLAGS := -O1 -g -fsanitize=undefined -fno-sanitize-recover=all
SAN_CC := gcc clang

define san_rule
$(BUILD)/$(1)-$(2)/%: tests/c/%.c $(C_TEST_DEPS) | $(BUILD)/$(1)-$(2)/.dir
	$(2) $(CSTD) $(WARN) $(TESTDEFS) $(3) $(INC) -Itests/c $$< -o $$@ -lm
endef
$(foreach cc,$(SAN_CC),$(eval $(call san_rule,asan,$(cc),$(ASAN_FLAGS))))
$(foreach cc,$(SAN_CC),$(eval $(call san_rule,ubsan,$(cc),$(UBSAN_FLAGS))))
# make test builds each C test once per compiler with both sanitizers (one compile
# and one run instead of two: the C part of CI is mostly compile time);
# make asan / make ubsan keep the separate builds.
SANC_FLAGS := -O1 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
$(foreach cc,$(SAN_CC),$(eval $(call san_rule,sanc,$(cc),$(SANC_FLAGS))))
# The tests that have a thread-guard build (as the Python module uses it) and a
# portable bit-scan build: make test runs them once, under both sanitizers with gcc,
# with -DTB_THREAD_GUARD -DTB_FORCE_PORTABLE_BITS (the plain gcc and clang builds in
# c-unit cover the unguarded builtin configuration): each test_unit compile is close to
# a minute, so one build covers two switches. build/guarded and build/portable keep
# the separate builds for make c-variants.
GUARDED_C_TESTS := test_unit test_l3_unit test_match test_tardis_scan test_itch_run_rows test_feed_claimed
$(eval $(call san_rule,sancg,gcc,$(SANC_FLAGS) -DTB_THREAD_GUARD -DTB_FORCE_PORTABLE_BITS))
sanc_bin = $(if $(and $(filter gcc,$(1)),$(filter $(2),$(GUARDED_C_TESTS))),$(BUILD)/sancg-gcc/$(2),$(BUILD)/sanc-$(1)/$(2))

# CI time: the L2, L3 and matching tests take 20-80 s each to compile with the
# sanitizers (measured, clang, loaded 2-core machine: test_l3_unit 48 s, test_l3_fuzz 51 s,
# test_l3_alloc 48 s, test_match 17 s user time), so make test sanitizes every C test
# with gcc and, with clang, the small ones (their clang builds run unsanitized in
# c-unit / c-match; make asan-c / ubsan-c: all, both compilers). test_match_batch is
# sanitized with both: clang's UBSan alone reports arithmetic on a NULL event buffer.
SANC_GCC_ONLY := test_unit test_fuzz test_alloc test_l3_unit test_l3_fuzz test_l3_alloc test_match
SANC_CLANG_TESTS := $(filter-out $(SANC_GCC_ONLY),$(C_TESTS))
SANC_BINS := $(foreach t,$(C_TESTS),$(call sanc_bin,gcc,$(t))) \
             $(foreach t,$(SANC_CLANG_TESTS),$(call sanc_bin,clang,$(t)))
sanitize-c: clang $(SANC_BINS)
	@for b in $(SANC_BINS); do \
	  echo "== asan+ubsan: $$b"; ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $$b --profile sanitizer; done


asan-c: clang $(foreach cc,$(SAN_CC),$(foreach t,$(C_TESTS),$(BUILD)/asan-$(cc)/$(t)))
	@for cc in $(SAN_CC); do for t in $(C_TESTS); do \
	  echo "== asan/$$cc/$$t"; ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 $(BUILD)/asan-$$cc/$$t --profile sanitizer; done; done

ubsan-c: clang $(foreach cc,$(SAN_CC),$(foreach t,$(C_TESTS),$(BUILD)/ubsan-$(cc)/$(t)))
	@for cc in $(SAN_CC); do for t in $(C_TESTS); do \
	  echo "== ubsan/$$cc/$$t"; UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(BUILD)/ubsan-$$cc/$$t --profile sanitizer; done; done

# Python under the sanitizers: the cffi module rebuilt with the sanitizer into
# build/<san>-py, the runtime preloaded into the interpreter. The dataset tests are left
# out here: they test orchestration (Dask processes, files, retries) over the same C
# calls that the feeds tests already run under the sanitizers; the CLI tests too: each
# starts interpreters (argument handling, help, exit codes) over paths the feeds and log
# tests run in-process. The slowest tests are listed, to see what the run costs.
SAN_PYTESTS := tests/python --ignore=tests/python/dataset --ignore=tests/python/test_cli.py \
  -m "not slow" --hypothesis-profile ci --durations=12
asan-py: venv
	TAPEBOOK_SANITIZE=address $(VPY) tools/build_sanitized.py $(BUILD)/asan-py
	LD_PRELOAD=$$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	  PYTHONPATH=$(BUILD)/asan-py TAPEBOOK_EXPECT_SANITIZED=address \
	  $(VPY) -P -m pytest -q -x -p no:cacheprovider $(SAN_PYTESTS)
	LD_PRELOAD=$$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	  PYTHONPATH=$(BUILD)/asan-py TAPEBOOK_EXPECT_SANITIZED=address $(VPY) -P -m tapebook fuzz --profile quick

ubsan-py: venv
	TAPEBOOK_SANITIZE=undefined $(VPY) tools/build_sanitized.py $(BUILD)/ubsan-py
	LD_PRELOAD=$$(gcc -print-file-name=libubsan.so) UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  PYTHONPATH=$(BUILD)/ubsan-py TAPEBOOK_EXPECT_SANITIZED=undefined \
	  $(VPY) -P -m pytest -q -x -p no:cacheprovider $(SAN_PYTESTS)
	LD_PRELOAD=$$(gcc -print-file-name=libubsan.so) UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  PYTHONPATH=$(BUILD)/ubsan-py TAPEBOOK_EXPECT_SANITIZED=undefined $(VPY) -P -m tapebook fuzz --profile quick

# make test: one module built with both sanitizers, one pytest run (the separate
# asan-py / ubsan-py above are for make asan / make ubsan)
sanitize-py: venv
	TAPEBOOK_SANITIZE=address,undefined $(VPY) tools/build_sanitized.py $(BUILD)/sanitize-py
	LD_PRELOAD=$$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  PYTHONPATH=$(BUILD)/sanitize-py TAPEBOOK_EXPECT_SANITIZED=address,undefined \
	  $(VPY) -P -m pytest -q -x -p no:cacheprovider $(SAN_PYTESTS)
	LD_PRELOAD=$$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  PYTHONPATH=$(BUILD)/sanitize-py TAPEBOOK_EXPECT_SANITIZED=address,undefined \
	  $(VPY) -P -m tapebook fuzz --profile quick

asan: asan-c asan-py
ubsan: ubsan-c ubsan-py

# ---- Python ----------------------------------------------------------------------

lint: venv
	$(VPY) -m ruff check tapebook tests bench tools build_ffi.py setup.py
	$(VPY) -m ruff format --check tapebook tests bench tools build_ffi.py setup.py

# tapebook._hotpath serves the per-call methods of Book, L3Book and MatchingEngine: the
# second run leaves out what never calls them per call (feeds and dataset make batch
# calls; the CLI's subprocesses, the README, generators and packaging have their own paths).
NO_HOTPATH_SKIP := feeds dataset test_cli.py test_readme.py \
                   test_wheel.py test_gen_layers.py test_layers.py test_check_venv.py
py-test: venv
	$(VPY) -m pytest -q tests/python --hypothesis-profile ci --durations=12
	@echo "== the tests again with every per-call method on its Python path (tapebook._hotpath off)"
	TAPEBOOK_NO_HOTPATH=1 $(VPY) -m pytest -q -p no:cacheprovider tests/python \
	  $(addprefix --ignore=tests/python/,$(NO_HOTPATH_SKIP)) -m "not slow" --hypothesis-profile ci
	$(VPY) -m tapebook fuzz --profile quick

# ---- the two commands ----------------------------------------------------------------

# The parts are independent: run them $(JOBS) at a time, each target's output
# kept together (-Otarget) so the log stays readable.
# The longest parts first (sanitize-py builds the venv first, while sanitize-c compiles);
# each part is timed. clang comes first: the C parts share it.
TEST_PARTS := sanitize-py sanitize-c c-test py-test lint check-generated
test: clang
	@$(MAKE) --no-print-directory -j$(JOBS) -Otarget $(addprefix timed-,$(TEST_PARTS))
	@echo "make test: all green"

timed-%:
	@s=$$(date +%s); $(MAKE) --no-print-directory $*; echo "== $* passed in $$(( $$(date +%s) - s )) s"

demo: venv
	$(VPY) -m tapebook demo

# builds a real wheel (compiles the C module: minutes) and checks it works without the checkout
wheel-test: venv
	TAPEBOOK_WHEEL_TEST=1 $(VPY) -m pytest -q tests/python/test_wheel.py

# ---- long runs ------------------------------------------------------------------------

fuzz-c: $(BUILD)/gcc/test_fuzz $(BUILD)/gcc/test_l3_fuzz $(BUILD)/gcc/test_match
	$(BUILD)/gcc/test_fuzz --profile full
	$(BUILD)/gcc/test_l3_fuzz --profile full
	$(BUILD)/gcc/test_match --profile full

fuzz-py: venv
	$(VPY) -m pytest -q tests/python --hypothesis-profile thorough -m "not bench"
	$(VPY) -m tapebook fuzz --profile full

fuzz: fuzz-c fuzz-py

FUZZ_SECONDS ?= 60
# every libFuzzer target and the committed seeds it starts from ("-": none)
FUZZ_TARGETS := book:corpus decode:corpus_decode decimal:corpus_decimal itch:corpus_itch l3:- match:corpus_match \
                tardis_scan:corpus_tardis_scan tardis_run:corpus_tardis_scan json_scan:corpus_json_scan
fuzz-cov: clang | $(BUILD)/fuzz/.dir
	@for ts in $(FUZZ_TARGETS); do t=$${ts%%:*}; c=$${ts#*:}; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  clang -g -O1 -fsanitize=fuzzer,address,undefined $(CSTD) $(WARN) $(INC) tests/fuzz/fuzz_$$t.c \
	    -o $(BUILD)/fuzz/fuzz_$$t || exit 1; \
	  mkdir -p $(BUILD)/fuzz/corpus_$$t; \
	  if [ "$$c" != - ]; then cp -n tests/fuzz/$$c/* $(BUILD)/fuzz/corpus_$$t/ || true; fi; \
	  $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(BUILD)/fuzz/corpus_$$t || exit 1; \
	done

# ---- benchmarks ------------------------------------------------------------------------

BENCH_CFLAGS := -O3 -march=native -DNDEBUG
# numpy's OpenBLAS threads spin beside a replay (~4.5 % of its CPU, measured in stop 23)
# and make single-core numbers jumpy: the Python benchmarks run with one BLAS thread
bench bench-py bench-feeds bench-dataset bench-match bench-config: export OPENBLAS_NUM_THREADS = 1
bench-c: | $(BUILD)/bench/.dir
	gcc -std=c11 $(BENCH_CFLAGS) -DBENCH_CFLAGS='"$(BENCH_CFLAGS)"' $(INC) -Ibench/c bench/c/bench_main.c -o $(BUILD)/bench/bench_c -lm
	mkdir -p bench/out
	$(BUILD)/bench/bench_c --out bench/out/bench_c.json --md bench/out/bench_c.md
	g++ -std=c++17 $(BENCH_CFLAGS) $(INC) bench/c/bench_l3.cpp -o $(BUILD)/bench/bench_l3
	$(BUILD)/bench/bench_l3 --md bench/out/bench_l3.md

# the bench extra's peers (order-book, itch-book, hftbacktest, ...), listed once in
# pyproject.toml, installed once per change of it: not `pip install -e '.[bench]'`, which
# reinstalls tapebook itself and recompiles its C module on every bench run
.PHONY: bench-deps
bench-deps: venv $(VENV)/.bench-installed
$(VENV)/.bench-installed: pyproject.toml tools/extra_requirements.py | venv
	$(VPY) tools/extra_requirements.py bench > $(BUILD)/bench-requirements.txt
	$(VPY) -m pip install --quiet -r $(BUILD)/bench-requirements.txt
	@touch $@

# make bench: the C harness, then the Python benchmarks and the combined report
# (bench/out/report/report.md + charts); make bench-py: the Python side alone
# (bench/out/python/). BENCH_ARGS passes options through, e.g. BENCH_ARGS=--quick.
BENCH_ARGS ?=
bench: bench-c bench-deps
	$(VPY) bench/report.py --c-json bench/out/bench_c.json --out bench/out/report $(BENCH_ARGS)
	$(MAKE) --no-print-directory bench-match
	$(MAKE) --no-print-directory bench-feeds
	$(MAKE) --no-print-directory bench-dataset

# feed replay: end to end on a generated Tardis CSV (+ .gz), time split, RSS, peers
FEED_ROWS ?= 3000000
bench-feeds: bench-deps
	$(VPY) bench/feeds/bench_feeds.py --rows $(FEED_ROWS) --out bench/out/feeds
	$(VPY) bench/feeds/bench_venue_parsers.py --json bench/out/feeds/venues.json
	$(VPY) bench/feeds/bench_itch.py
	$(VPY) bench/feeds/bench_l3_paths.py

# datasets: DATASET_FILES Tardis files x DATASET_ROWS rows (generated once into
# bench/out/dataset/data), serial vs a local Dask cluster, per-task overhead, worker RSS, N-machine model
DATASET_FILES ?= 16
DATASET_ROWS ?= 1000000
# how load_config scales with the number of instruments (time and peak RSS per size)
.PHONY: bench-config
bench-config: venv
	$(VPY) bench/config/config_scale.py 10000 100000

.PHONY: bench-dataset
bench-dataset: venv
	$(VPY) bench/dataset/bench_dataset.py --files $(DATASET_FILES) --rows $(DATASET_ROWS) --out bench/out/dataset

# the matching engine: tapebook vs the reference engine on one seeded flow (bench/c/bench_match.c),
# HDR latency at MATCH_RATE ops/s offered, the PNG and markdown (bench/match/report_match.py),
# then Python submit_many / submit (bench/match/bench_match_py.py)
MATCH_OPS ?= 1000000
MATCH_RATE ?= 1000000
bench-match: bench-deps | $(BUILD)/bench/.dir
	g++ -std=c++17 $(BENCH_CFLAGS) $(INC) -Itests/c -c bench/c/ref_match_std_c.cpp -o $(BUILD)/bench/ref_match_std_c.o
	gcc -std=c11 $(BENCH_CFLAGS) -DBENCH_CFLAGS='"$(BENCH_CFLAGS)"' $(INC) -Ibench/c -Itests/c bench/c/bench_match.c \
	  $(BUILD)/bench/ref_match_std_c.o -o $(BUILD)/bench/bench_match -lstdc++ -lm
	mkdir -p bench/out/match
	$(BUILD)/bench/bench_match --ops $(MATCH_OPS) --rate $(MATCH_RATE) --json bench/out/match/bench_match.json | tee bench/out/match/bench_match.txt
	$(VPY) bench/match/report_match.py bench/out/match/bench_match.json --out bench/out/match
	$(VPY) bench/match/bench_match_py.py --json bench/out/match/bench_match_py.json

# same-process A/B of the matching engine: AB_OLD's csrc (a commit, default main) and this
# tree's, linked into one binary (bench/c/bench_match_ab*.[ch]), in alternating slices of the flow;
# prints new/old ratios and the service time per operation class. AB_ARGS: e.g. --rounds 21
AB_OLD ?= main
AB_ARGS ?=
bench-match-ab: | $(BUILD)/bench/.dir
	rm -rf $(BUILD)/ab-old && mkdir -p $(BUILD)/ab-old
	git archive $(AB_OLD) csrc | tar -x -C $(BUILD)/ab-old
	gcc -std=c11 $(BENCH_CFLAGS) -DAB_SIDE=ab_old -I$(BUILD)/ab-old/csrc -Ibench/c -c bench/c/bench_match_ab_side.c -o $(BUILD)/bench/ab_old.o
	gcc -std=c11 $(BENCH_CFLAGS) -DAB_SIDE=ab_new $(INC) -Ibench/c -c bench/c/bench_match_ab_side.c -o $(BUILD)/bench/ab_new.o
	gcc -std=c11 $(BENCH_CFLAGS) $(INC) -Ibench/c -Itests/c bench/c/bench_match_ab.c $(BUILD)/bench/ab_old.o $(BUILD)/bench/ab_new.o -o $(BUILD)/bench/bench_match_ab -lm
	$(BUILD)/bench/bench_match_ab $(AB_ARGS)

# where the matching engine's instructions go (bench/c/bench_match_cg.c): bench_match's flow,
# one callgrind run per operation class (single calls) and one for apply_ops; instructions,
# conditional branches and simulated mispredicts per operation. CG_OPS: the flow's operations.
CG_OPS ?= 200000
.PHONY: bench-match-cg
bench-match-cg: | $(BUILD)/bench/.dir
	gcc -std=c11 -O3 -march=native -mno-avx512f -DNDEBUG -g $(INC) -Ibench/c -Itests/c bench/c/bench_match_cg.c \
	  -o $(BUILD)/bench/bench_match_cg -lm
	$(BUILD)/bench/bench_match_cg --ops $(CG_OPS) > $(BUILD)/bench/bench_match_cg.txt
	@head -1 $(BUILD)/bench/bench_match_cg.txt
	@for c in passive marketable ioc market cancel modify batch; do \
	  a=; [ $$c = batch ] && a=--batch; \
	  valgrind --tool=callgrind --branch-sim=yes --collect-atstart=no --toggle-collect=cg_$$c \
	    --callgrind-out-file=$(BUILD)/bench/cg.$$c.out $(BUILD)/bench/bench_match_cg --ops $(CG_OPS) $$a 2>&1 \
	  | awk -v c=$$c -v n=$$(awk -v c=$$c '$$1 == "ops" && $$2 == c { print $$3 }' $(BUILD)/bench/bench_match_cg.txt) \
	    '/Collected :/ { printf "%-11s %8d ops  %7.1f instructions/op  %6.1f branches/op  %5.2f mispredicts/op\n", \
	                     c, n, $$4 / n, $$5 / n, $$6 / n }'; \
	done

# what the slowest operations of bench_match's flow do (bench/c/bench_match_tail.c): service
# time per op (rdtsc), per class the slowest 0.1 % beside the mean (fills, levels emptied, window /
# cell map / index changes), takers by fills, bursts. TAIL_OPS: the flow's operations.
TAIL_OPS ?= 1000000
.PHONY: bench-match-tail
bench-match-tail: | $(BUILD)/bench/.dir
	gcc -std=c11 $(BENCH_CFLAGS) -D_POSIX_C_SOURCE=199309L $(WARN) $(INC) -Ibench/c -Itests/c bench/c/bench_match_tail.c \
	  -o $(BUILD)/bench/bench_match_tail -lm
	uptime
	$(BUILD)/bench/bench_match_tail --ops $(TAIL_OPS)

# the ITCH direct path's C call alone over bench_itch.py's file (bench/c/bench_itch_run.c:
# thread CPU ns per record, a checksum of the rows), with the CFFI module's flags;
# ITCH_DAY: realistic (default) or random; BENCH_ARGS: e.g. --reps 20 --n 1024. For
# callgrind: --reps 1.
ITCH_DAY ?= realistic
.PHONY: bench-itch-run
bench-itch-run: venv | $(BUILD)/bench/.dir
	gcc -std=c11 -O3 -DNDEBUG -DTB_THREAD_GUARD -g -D_POSIX_C_SOURCE=199309L $(WARN) $(INC) bench/c/bench_itch_run.c -o $(BUILD)/bench/bench_itch_run
	$(VPY) bench/feeds/bench_itch.py --day $(ITCH_DAY) --write-file $(BUILD)/bench/day-$(ITCH_DAY).itch
	$(BUILD)/bench/bench_itch_run $(BUILD)/bench/day-$(ITCH_DAY).itch $(BENCH_ARGS)

# same-process A/B of the feeds' order log (tb_order_log.h: clear-heavy, top-of-book and
# steady ops through tb_olog_run): AB_OLD's csrc and this tree's linked into one binary
# (bench/c/bench_olog_ab*), alternated round by round. AB_ARGS: e.g. --rounds 11
.PHONY: bench-olog-ab
bench-olog-ab: | $(BUILD)/bench/.dir
	rm -rf $(BUILD)/ab-olog-old && mkdir -p $(BUILD)/ab-olog-old
	git archive $(AB_OLD) csrc | tar -x -C $(BUILD)/ab-olog-old
	gcc -std=c11 $(BENCH_CFLAGS) -DAB_SIDE=ologab_old -I$(BUILD)/ab-olog-old/csrc -Ibench/c -c bench/c/bench_olog_ab_side.c -o $(BUILD)/bench/ologab_old.o
	gcc -std=c11 $(BENCH_CFLAGS) -DAB_SIDE=ologab_new $(INC) -Ibench/c -c bench/c/bench_olog_ab_side.c -o $(BUILD)/bench/ologab_new.o
	gcc -std=c11 $(BENCH_CFLAGS) -D_POSIX_C_SOURCE=199309L -Ibench/c bench/c/bench_olog_ab.c $(BUILD)/bench/ologab_old.o $(BUILD)/bench/ologab_new.o -o $(BUILD)/bench/bench_olog_ab
	$(BUILD)/bench/bench_olog_ab $(AB_ARGS)

# same-process A/B of the Tardis scanner (tb_tardis_scan.h): AB_OLD's csrc and this tree's
# linked into one binary (bench/c/bench_tardis_ab*), over TARDIS_FILE in memory, alternated
# round by round (the file: bench/feeds/bench_feeds.py --rows 1000000). AB_ARGS: e.g. --rounds 9
TARDIS_FILE ?= bench/out/feeds/tardis_1000000.csv
.PHONY: bench-tardis-ab
bench-tardis-ab: | $(BUILD)/bench/.dir
	rm -rf $(BUILD)/ab-tardis-old && mkdir -p $(BUILD)/ab-tardis-old
	git archive $(AB_OLD) csrc | tar -x -C $(BUILD)/ab-tardis-old
	gcc -std=c11 $(BENCH_CFLAGS) $(WARN) -DAB_SIDE=tardisab_old -I$(BUILD)/ab-tardis-old/csrc -Ibench/c -c bench/c/bench_tardis_ab_side.c -o $(BUILD)/bench/tardisab_old.o
	gcc -std=c11 $(BENCH_CFLAGS) $(WARN) -DAB_SIDE=tardisab_new $(INC) -Ibench/c -c bench/c/bench_tardis_ab_side.c -o $(BUILD)/bench/tardisab_new.o
	gcc -std=c11 $(BENCH_CFLAGS) $(WARN) -D_POSIX_C_SOURCE=199309L -Ibench/c bench/c/bench_tardis_ab.c $(BUILD)/bench/tardisab_old.o $(BUILD)/bench/tardisab_new.o -o $(BUILD)/bench/bench_tardis_ab
	$(BUILD)/bench/bench_tardis_ab $(TARDIS_FILE) $(AB_ARGS)

# same-process A/B of the replay loop (tb_feed_run) over TARDIS_FILE, scanned once by this
# tree's scanner: AB_OLD's tb_feed_apply.h and this tree's linked into one binary
# (bench/c/bench_feed_ab*), alternated round by round
.PHONY: bench-feed-ab
bench-feed-ab: | $(BUILD)/bench/.dir
	rm -rf $(BUILD)/ab-feed-old && mkdir -p $(BUILD)/ab-feed-old
	git archive $(AB_OLD) csrc | tar -x -C $(BUILD)/ab-feed-old
	gcc -std=c11 $(BENCH_CFLAGS) $(WARN) -D_POSIX_C_SOURCE=199309L -DTB_THREAD_GUARD -DAB_SIDE=feedab_old -I$(BUILD)/ab-feed-old/csrc -Ibench/c -c bench/c/bench_feed_ab_side.c -o $(BUILD)/bench/feedab_old.o
	gcc -std=c11 $(BENCH_CFLAGS) $(WARN) -D_POSIX_C_SOURCE=199309L -DTB_THREAD_GUARD -DAB_SIDE=feedab_new $(INC) -Ibench/c -c bench/c/bench_feed_ab_side.c -o $(BUILD)/bench/feedab_new.o
	gcc -std=c11 $(BENCH_CFLAGS) $(WARN) $(INC) -Ibench/c bench/c/bench_feed_ab.c $(BUILD)/bench/feedab_old.o $(BUILD)/bench/feedab_new.o -o $(BUILD)/bench/bench_feed_ab
	$(BUILD)/bench/bench_feed_ab $(TARDIS_FILE) $(AB_ARGS)

# same-process A/B of the L3 book (bench_l3's stream, per call and apply_mbo): AB_OLD's csrc
# and this tree's linked into one binary (bench/c/bench_l3_ab*), alternated round by round;
# _GNU_SOURCE as bench_l3.cpp (g++) and the Python module have it: madvise's huge-page hint
.PHONY: bench-l3-ab
bench-l3-ab: | $(BUILD)/bench/.dir
	rm -rf $(BUILD)/ab-l3-old && mkdir -p $(BUILD)/ab-l3-old
	git archive $(AB_OLD) csrc | tar -x -C $(BUILD)/ab-l3-old
	gcc -std=c11 $(BENCH_CFLAGS) -D_GNU_SOURCE -DAB_SIDE=l3ab_old -I$(BUILD)/ab-l3-old/csrc -Ibench/c -c bench/c/bench_l3_ab_side.c -o $(BUILD)/bench/l3ab_old.o
	gcc -std=c11 $(BENCH_CFLAGS) -D_GNU_SOURCE -DAB_SIDE=l3ab_new $(INC) -Ibench/c -c bench/c/bench_l3_ab_side.c -o $(BUILD)/bench/l3ab_new.o
	g++ -std=c++17 $(BENCH_CFLAGS) $(INC) -Ibench/c bench/c/bench_l3_ab.cpp $(BUILD)/bench/l3ab_old.o $(BUILD)/bench/l3ab_new.o -o $(BUILD)/bench/bench_l3_ab
	$(BUILD)/bench/bench_l3_ab $(AB_ARGS)

# where apply_mbo's instructions and mispredicts go (bench/c/bench_l3_cg.cpp): bench_l3_ab's
# streams (touch, uniform), the event rows under callgrind (--toggle-collect=cg_mbo); per row:
# instructions, conditional branches, simulated mispredicts (conditional, indirect), and the
# statuses hash. CG_TREE: the csrc to measure (default this tree's; e.g. an extracted commit).
CG_TREE ?= csrc
CG_EVENTS ?= 200000
.PHONY: bench-l3-cg
bench-l3-cg: | $(BUILD)/bench/.dir
	g++ -std=c++17 -O3 -march=native -mno-avx512f -DNDEBUG -D_GNU_SOURCE -g -I$(CG_TREE) -Ibench/c \
	  bench/c/bench_l3_cg.cpp -o $(BUILD)/bench/bench_l3_cg
	@for s in touch uniform; do \
	  o=$$($(BUILD)/bench/bench_l3_cg --shape $$s --events $(CG_EVENTS)); \
	  valgrind --tool=callgrind --branch-sim=yes --collect-atstart=no --toggle-collect=cg_mbo \
	    --callgrind-out-file=$(BUILD)/bench/cg_l3.$$s.out $(BUILD)/bench/bench_l3_cg --shape $$s --events $(CG_EVENTS) \
	    >/dev/null 2>&1; \
	  grep ^summary $(BUILD)/bench/cg_l3.$$s.out | awk -v s=$$s -v o="$$o" -v n=$(CG_EVENTS) \
	    '{ printf "%-8s %6.1f instructions/row  %5.2f branches/row  %5.3f + %5.3f mispredicts/row  (%s)\n", \
	       s, $$2 / n, ($$3 + $$5) / n, $$4 / n, $$6 / n, o }'; \
	done

bench-py: bench-deps
	$(VPY) bench/report.py --python-only --out bench/out/python $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) tapebook/_tapebook_cffi* .pytest_cache .hypothesis
