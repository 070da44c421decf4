#!/usr/bin/env bash
# Loads a run's encoder.safetensors into PyTorch (Scripts/resnet_mini.py) and checks that it
# computes the same h as `simclr embed` on the images of DATA_DIR.
# Python: Scripts/python-venv.sh torch (torch, safetensors, numpy, pillow into .venv-torch/, git-ignored;
# torch is a large download, which is why this check is not part of Scripts/test.sh).
# Usage: Scripts/check-torch-load.sh RUN_DIR [DATA_DIR]   (default DATA_DIR: the mini test set)
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:?usage: Scripts/check-torch-load.sh RUN_DIR [DATA_DIR]}
data=${2:-datasets/fashion-mnist-mini/test}
python=$(Scripts/python-venv.sh torch torch safetensors numpy pillow)
swift build -c release >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.build/release/simclr embed --encoder "$run/encoder.safetensors" --data "$data" --out "$work/emb.npy"
exec "$python" Scripts/check-torch-load.py "$run" "$data" "$work/emb.npy"
