# The two commands a newcomer needs: `make demo` and `make test`.
# Everything else is here for developers and CI.
.PHONY: all deps configure build test demo bench fuzz asan tsan tsan-engine format clean

JOBS ?= $(shell nproc)

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	cmake --preset release

build: configure
	cmake --build --preset release -j $(JOBS)

test: build
	ctest --preset release -j $(JOBS)

bench: build
	scripts/bench.sh

demo: configure
	cmake --build --preset release -j $(JOBS) --target salvo-cli
	build/apps/salvo demo

asan: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

tsan: deps
	cmake --preset tsan
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -j $(JOBS)

# ThreadSanitizer on the engine's suites only (CI): threading, cancellation, retries, proxies,
# hostile servers and the 10,000-request load, without building the rest under TSan.
tsan-engine: deps
	cmake --preset tsan
	cmake --build --preset tsan -j $(JOBS) --target http_tests hostile_tests
	ctest --preset tsan -j $(JOBS) -R '^(http_tests|hostile_tests)\.'

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build build-debug build-asan build-tsan

# libFuzzer targets with clang into build-fuzz/, each for FUZZ_SECONDS (default 60).
fuzz:
	scripts/fuzz.sh
