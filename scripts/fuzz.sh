#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, libraries instrumented for coverage)
# into build-fuzz/ and runs each for FUZZ_SECONDS (default 60). Crashes land in
# build-fuzz/crashes/<target>/; the working corpus in build-fuzz/corpus/<target>/ starts from the
# seeds in tests/fuzz/corpus/<target>/ (add a crash there to keep it as a regression test).
#   FUZZ_SECONDS=600 FUZZ_TARGETS="manifest url" scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-"retry_after manifest platform_json url"}
build=build-fuzz
jobs=${JOBS:-$(nproc)}

scripts/install-deps.sh clang libclang-rt-14-dev
cxx=$(command -v clang++-14 || command -v clang++)
cc=$(command -v clang-14 || command -v clang)

# Sanitizers through the flags rather than SALVO_SANITIZE: clang 14 cannot compile coroutines
# with -fsanitize=function (part of "undefined"): "Cannot represent a difference across sections".
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=function -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DSALVO_SANITIZE= -DSALVO_BUILD_TESTS=OFF -DSALVO_FUZZ=ON >/dev/null
cmake --build "$build" -j "$jobs" --target $(printf 'fuzz_%s ' $targets)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in $targets; do
    mkdir -p "$build/corpus/$t" "$build/crashes/$t"
    echo "fuzz: $t for ${seconds}s" >&2
    if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/crashes/$t/" \
        "$build/corpus/$t" "tests/fuzz/corpus/$t" 2>"$build/fuzz-$t.log"; then
        echo "fuzz: $t FOUND A CRASH (see $build/fuzz-$t.log, $build/crashes/$t/)" >&2
        status=1
    fi
    grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)|^#[0-9]+.*DONE' \
        "$build/fuzz-$t.log" | sed "s/^/fuzz: $t: /" >&2 || true
done
exit $status
