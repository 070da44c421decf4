#!/usr/bin/env bash
# Interoperability check of the exported weights: loads encoder.safetensors (and the checkpoint)
# with Python's `safetensors` package (no torch), checks tensor names and shapes against
# DESIGN.md ("Exported weights", derived from encoder.json), dtype and metadata, and that every
# value equals what the Swift trainer stored in its checkpoint.
# Usage: Scripts/check-export.sh [RUN_DIR]
#   RUN_DIR: a `simclr pretrain --out` folder; default: a one-epoch tiny run on the mini dataset.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(Scripts/python-venv.sh interop safetensors numpy)
swift build -c release
bin=.build/release/simclr
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run=${1:-}
if [ -z "$run" ]; then
    run=$work/run
    "$bin" pretrain --data datasets/fashion-mnist-mini/train --out "$run" --epochs 1 --batch-size 64 \
        --widths 8,16,32 --projection-dim 16
fi
"$bin" export --checkpoint "$run/checkpoint.safetensors" --out "$work/encoder"
"$bin" export --checkpoint "$run/checkpoint.safetensors" --with-head --out "$work/with-head"
"$python" Scripts/check-export.py "$run/checkpoint.safetensors" "$run" "$work/encoder" "$work/with-head"
