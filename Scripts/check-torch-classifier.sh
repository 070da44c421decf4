#!/usr/bin/env bash
# Loads a `simclr finetune` classifier.safetensors into PyTorch (Scripts/resnet_mini.py + a
# torch.nn.Linear) and checks that it computes the same logits as `simclr classify` on the images
# of DATA_DIR. Without MODEL_DIR it first fine-tunes a tiny model on the mini dataset.
# Python: Scripts/python-venv.sh torch ($TORCH_PYTHON, else .venv-torch/ filled with torch, safetensors,
# numpy, pillow when missing; torch is a large download). Scripts/test.sh runs this check
# only when PyTorch is already importable (SIMCLR_TORCH_CHECK=0 skips it, =1 forces it).
# Usage: Scripts/check-torch-classifier.sh [MODEL_DIR [DATA_DIR]]   (default DATA_DIR: the mini test set)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-}
data=${2:-datasets/fashion-mnist-mini/test}
python=$(Scripts/python-venv.sh torch torch safetensors numpy pillow)
swift build -c release >/dev/null
bin=.build/release/simclr
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$model" ]; then
    "$bin" pretrain --data datasets/fashion-mnist-mini/train --out "$work/pretrain" --epochs 1 --batch-size 64 \
        --widths 8,16,32 --projection-dim 16 >/dev/null
    model=$work/finetune
    "$bin" finetune --encoder "$work/pretrain/encoder.safetensors" --train datasets/fashion-mnist-mini/train \
        --test "$data" --label-fraction 0.1 --epochs 2 --batch-size 32 --out "$model" >/dev/null
fi
"$bin" classify --model "$model" --data "$data" --out "$work/predictions.csv" --with-logits
exec "$python" Scripts/check-torch-classifier.py "$model" "$data" "$work/predictions.csv"
