#!/usr/bin/env bash
# Imports Fashion-MNIST (Debian package dataset-fashion-mnist) as PNG folders:
#   datasets/fashion-mnist/{train,test}/<NN-class>/<index>.png   (60,000 + 10,000 images)
# and prints a summary of each split. Skips the import when both splits exist already
# (pass --overwrite to redo it). Assumes Scripts/install-deps.sh has run.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release
out=datasets/fashion-mnist
if [[ -d $out/train && -d $out/test && "${1:-}" != "--overwrite" ]]; then
  echo "$out exists: import skipped (pass --overwrite to redo it)"
else
  .build/release/simclr dataset import-idx --source /usr/share/datasets/fashion-mnist --out "$out" --overwrite
fi
for split in train test; do
  .build/release/simclr dataset inspect "$out/$split" | sed -n '1,13p;/^rejected/p;/^exact duplicate/p'
done
