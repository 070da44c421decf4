#!/usr/bin/env bash
# The main job, on a fresh Debian machine with the Swift toolchain:
#   1. installs the apt packages (OpenBLAS, libpng, zlib, Fashion-MNIST),
#   2. builds simclr in release mode,
#   3. imports Fashion-MNIST as PNG folders (skipped when already there),
#   4. pretrains ResNet-mini (widths 32,64,256 on 16×16 views of the 28×28 images: the tuned
#      Fashion-MNIST recipe, see docs/tuning.md) with SimCLR on the 60,000 training images,
#   5. evaluates it with `simclr probe` on the 10,000 test images (linear probe, kNN,
#      raw-pixel and random-init baselines) and prints the results table.
# About 30 minutes on 2 cores with the defaults (about 26 of them pretraining: 14 epochs at
# ~1100 views/s). Longer: EPOCHS=28 RUN=runs/long Scripts/main.sh
# Interrupted (Ctrl-C)? Run it again: it resumes from the last checkpoint.
# Environment: EPOCHS (default 14), RUN (output folder, default runs/fashion-mnist),
#              BATCH (default 256), WIDTHS (ResNet-mini stage widths, default 32,64,256),
#              VIEW (side of the training views, default 16; the encoder is evaluated on the
#              28×28 images), EXTRA (more `simclr pretrain` flags).
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-14}
RUN=${RUN:-runs/fashion-mnist}
BATCH=${BATCH:-256}
WIDTHS=${WIDTHS:-32,64,256}
VIEW=${VIEW:-16}
EXTRA=${EXTRA:-}
Scripts/install-deps.sh
swift build -c release
Scripts/prepare-fashion-mnist.sh
simclr=.build/release/simclr
data=datasets/fashion-mnist

if [ -f "$RUN/encoder.safetensors" ]; then
  echo "== $RUN/encoder.safetensors exists: pretraining skipped (delete $RUN or set RUN=... to train again)"
elif [ -f "$RUN/checkpoint.safetensors" ]; then
  echo "== resuming the interrupted run in $RUN"
  $simclr pretrain --out "$RUN" --resume --epochs "$EPOCHS"
else
  echo "== pretrain: $EPOCHS epoch(s), batch $BATCH, widths $WIDTHS, ${VIEW}×$VIEW views, into $RUN"
  # shellcheck disable=SC2086
  $simclr pretrain --data $data/train --epochs "$EPOCHS" --batch-size "$BATCH" --widths "$WIDTHS" \
      --view-size "$VIEW" --out "$RUN" $EXTRA
fi

echo "== linear probe on the test set (with kNN and both baselines)"
$simclr probe --encoder "$RUN/encoder.safetensors" --train $data/train --test $data/test \
    --knn --baseline raw-pixels --baseline random-init --out "$RUN/probe.json"
echo "metrics: $RUN/metrics.jsonl   weights: $RUN/encoder.safetensors (+ encoder.json)   report: $RUN/probe.json"
