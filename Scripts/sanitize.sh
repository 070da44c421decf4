#!/usr/bin/env bash
# The test suite under sanitizers (issue 19, family 6), each in its own scratch folder so neither
# disturbs the plain builds (.build, .build-test, .build-fuzz):
#
#   1. AddressSanitizer over the whole suite: Swift with -sanitize=address, the C shims (CPNGShim,
#      CMPIShim) with -fsanitize=address,undefined. swiftc has no UndefinedBehaviorSanitizer on
#      Linux ("unsupported option '-sanitize=undefined'"); Swift traps overflow and out-of-bounds
#      by itself (also in release builds), so UBSan covers the C code, where it matters. The
#      ASan runtime carries the UBSan handlers; halt_on_error makes a UBSan report fail the run.
#   2. ThreadSanitizer over the tests of the parallel code: the batch-parallel convolution
#      (BatchTasks / Parallel.forEachTask), BatchNorm and the models built on them, the
#      augmentation thread of ViewBatchLoader, the thread-group communicator of the
#      distributed tests, and the prompt-stop checkpoint thread. OpenBLAS's own pthreads are not
#      instrumented, so TSan cannot see their synchronisation: OPENBLAS_NUM_THREADS=1 keeps
#      BLAS on the calling thread (the library calls BLAS from one thread at a time anyway).
#
# Release builds (-O, as Scripts/test.sh: the numeric tests are too slow unoptimised). Measured on
# the 2-core machine while other builds and a training ran (2026-12-02): ASan build from scratch
# 20-22 min, its 281 tests 66-116 s; TSan build 42 min, its 35 tests 6 min. Rebuilds after a
# change in SimCLR recompile that module (most of the time).
#
#   Scripts/sanitize.sh                # both
#   SANITIZERS=address Scripts/sanitize.sh
#   TSAN_FILTER='Conv2DTests' SANITIZERS=thread Scripts/sanitize.sh
#
# Exits non-zero if a build fails, a test fails, or a sanitizer reports.
set -euo pipefail
cd "$(dirname "$0")/.."
SANITIZERS=${SANITIZERS:-"address thread"}
TSAN_FILTER=${TSAN_FILTER:-"Conv2DTests|ViewBatchTests|ClassBalancedSamplerTests|GlobalBatchNormTests|GatheredViewLossTests|GatheredLabeledLossTests|ProcessAgreementTests|PromptStopCheckpointTests|ModelGradientTests|TrainerTests"}
common=(-c release -Xswiftc -enable-testing)

for sanitizer in $SANITIZERS; do
    case $sanitizer in
        address)
            scratch=.build-asan
            flags=(-Xswiftc -sanitize=address -Xcc -fsanitize=address,undefined -Xcc -fno-sanitize-recover=undefined)
            filter=()
            export OPENBLAS_NUM_THREADS=2
            # LeakSanitizer runs at exit of each test process; the toolchain's own leaks are
            # suppressed (Scripts/sanitizers/lsan.supp says which and why).
            export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
            export LSAN_OPTIONS=suppressions=$PWD/Scripts/sanitizers/lsan.supp:print_suppressions=0
            export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ;;
        thread)
            scratch=.build-tsan
            flags=(-Xswiftc -sanitize=thread -Xcc -fsanitize=thread)
            filter=(--filter "$TSAN_FILTER")
            export OPENBLAS_NUM_THREADS=1
            export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ;;
        *) echo "unknown sanitizer $sanitizer (address, thread)" >&2; exit 2 ;;
    esac
    start=$SECONDS
    echo "== building the tests with the $sanitizer sanitizer in $scratch"
    swift build "${common[@]}" --scratch-path "$scratch" --build-tests "${flags[@]}"
    built=$SECONDS
    echo "== running the tests under the $sanitizer sanitizer"
    swift test "${common[@]}" --scratch-path "$scratch" --skip-build "${flags[@]}" "${filter[@]}"
    echo "== $sanitizer: clean (build $((built - start)) s, tests $((SECONDS - built)) s)"
done
