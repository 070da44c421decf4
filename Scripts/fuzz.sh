#!/usr/bin/env bash
# libFuzzer targets for the readers of outside files (issue 19, family 6): PNG decoding,
# safetensors, checkpoints, IDX headers and encoder.json. Builds the library with coverage
# instrumentation (-sanitize=fuzzer, plus AddressSanitizer unless SANITIZE=none), links one
# binary per target from Scripts/fuzz/FuzzTarget.swift, seeds each corpus from the shared
# fixtures (and the mini dataset), and runs each target for SECONDS seconds (default 30).
#
#   Scripts/fuzz.sh                 # every target, 30 s each
#   SECONDS_PER_TARGET=3600 TARGETS="png idx" Scripts/fuzz.sh
#
# Findings (crash-*, leak-*, timeout-* files) go to .build-fuzz/findings/<target>/; the script
# exits non-zero if any target found one.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${SECONDS_PER_TARGET:-30}
TARGETS=${TARGETS:-"png safetensors checkpoint idx encoder-json"}
SANITIZE=${SANITIZE:-address}
FIXTURES=${SIMCLR_FIXTURES:-../shared/fixtures}
SCRATCH=.build-fuzz
flags=(-Xswiftc -sanitize=fuzzer -Xcc -fsanitize=fuzzer-no-link)
if [ "$SANITIZE" != none ]; then flags+=(-Xswiftc "-sanitize=$SANITIZE" -Xcc "-fsanitize=$SANITIZE"); fi

echo "== building the library with coverage instrumentation (${SANITIZE} sanitizer)"
mkdir -p "$SCRATCH"
swift build -c release --scratch-path "$SCRATCH" --target SimCLR "${flags[@]}" >"$SCRATCH/build.log" 2>&1 \
    || { grep -E "error" "$SCRATCH/build.log" | head -20; echo "fuzz.sh: the instrumented build failed (log: $SCRATCH/build.log)" >&2; exit 1; }
BIN=$SCRATCH/release
objects=$(find "$BIN/SimCLR.build" "$BIN/CPNGShim.build" -name '*.o')
libs=$(pkg-config --libs openblas libpng zlib)
# SimCLR's swiftmodule names its C modules: point the compiler at their module maps.
modulemaps=()
for map in "$BIN/CPNGShim.build/module.modulemap" Sources/COpenBLAS/module.modulemap Sources/CLibPNG/module.modulemap Sources/CZlib/module.modulemap; do
    modulemaps+=(-Xcc "-fmodule-map-file=$map")
done

for target in $TARGETS; do
    define=FUZZ_$(echo "$target" | tr 'a-z-' 'A-Z_')
    exe=$SCRATCH/fuzz-$target
    echo "== linking $exe"
    sanitize_flag=()
    if [ "$SANITIZE" != none ]; then sanitize_flag=(-sanitize="$SANITIZE"); fi
    swiftc -O -parse-as-library -sanitize=fuzzer "${sanitize_flag[@]}" -D "$define" \
        -I "$BIN/Modules" -I Sources/CPNGShim/include "${modulemaps[@]}" \
        Scripts/fuzz/FuzzTarget.swift $objects $libs -o "$exe" 2>&1 | grep -E "error" || true
    corpus=$SCRATCH/corpus/$target
    mkdir -p "$corpus" "$SCRATCH/findings/$target"
    # Seeds (a failing copy or a SIGPIPE from head is no reason to stop).
    case $target in
        png) { find "$FIXTURES/png-edge" "$FIXTURES/pngsuite" -name '*.png'; find datasets/fashion-mnist-mini -name '*.png' | head -20; } \
                 | while read -r f; do cp "$f" "$corpus/$(echo "$f" | tr / _ | sed "s/^[._]*//")"; done || true ;;
        safetensors) find "$FIXTURES" -name '*.safetensors' -size -8192k | while read -r f; do cp "$f" "$corpus/$(echo "$f" | tr / _ | sed "s/^[._]*//")"; done || true ;;
        checkpoint) find "$FIXTURES/encoder" -name 'weights.safetensors' | while read -r f; do cp "$f" "$corpus/$(echo "$f" | tr / _ | sed "s/^[._]*//")"; done || true
                    find runs -name 'checkpoint.safetensors' -size -8192k 2>/dev/null | while read -r f; do cp "$f" "$corpus/$(echo "$f" | tr / _ | sed "s/^[._]*//")"; done || true ;;
        idx) printf '\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x02\x01\x02\x03\x04' > "$corpus/tiny3"
             printf '\x00\x00\x08\x01\x00\x00\x00\x02\x05\x07' > "$corpus/tiny1" ;;
        encoder-json) find "$FIXTURES" runs -name '*.json' -size -256k 2>/dev/null | while read -r f; do cp "$f" "$corpus/$(echo "$f" | tr / _ | sed "s/^[._]*//")"; done || true
                      echo '{"widths":[32,64,128],"input_channels":1,"image_size":28,"projection_dim":128,"normalization":{"mean":[0.28],"std":[0.35]},"training":{"seed":0}}' > "$corpus/default.json" ;;
    esac
    echo "== fuzzing $target for ${SECONDS_PER_TARGET} s ($(ls "$corpus" | wc -l) seeds)"
    ASAN_OPTIONS=detect_leaks=0 "$exe" "$corpus" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=4096 -max_len=262144 \
        -artifact_prefix="$SCRATCH/findings/$target/" -print_final_stats=1 2>&1 | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY)" || true
done
found=$(find "$SCRATCH/findings" -type f | wc -l)
echo "== findings: $found (in $SCRATCH/findings)"
[ "$found" -eq 0 ]
