#!/usr/bin/env bash
# Eval-mode feature extraction, side by side with PyTorch: `simclr bench --only eval` (default
# resnet-mini, 28x28x1, batch 512, h only) then Scripts/bench-eval-torch.py (the same model in
# PyTorch, model.eval() + torch.no_grad(), same batch) back to back, ROUNDS times, each round
# printing both figures and their ratio. On a shared machine compare ratios, not absolute figures.
# Python: Scripts/python-venv.sh torch (installs torch into .venv-torch/, git-ignored, when missing).
# Usage: Scripts/bench-eval.sh [ROUNDS] [THREADS]   (defaults 3 and 2)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
threads=${2:-2}
python=$(Scripts/python-venv.sh torch torch)
swift build -c release >/dev/null
for round in $(seq "$rounds"); do
    ours=$(.build/release/simclr bench --only eval --threads "$threads")
    theirs=$(OMP_NUM_THREADS=$threads "$python" Scripts/bench-eval-torch.py --threads "$threads" --batch 512)
    "$python" - "$round" "$ours" "$theirs" <<'EOF'
import json, sys
round_, ours, theirs = sys.argv[1], json.loads(sys.argv[2])["eval_28x28x1_batch512"], json.loads(sys.argv[3])
print(f"round {round_}: simclr {ours['images_per_second']:.0f} images/s (layer by layer {ours['layerwise_images_per_second']:.0f}), "
      f"torch {theirs['images_per_second']:.0f} (contiguous {theirs['images_per_second_contiguous']:.0f}, "
      f"channels-last {theirs['images_per_second_channels_last']:.0f}), "
      f"ratio {ours['images_per_second'] / theirs['images_per_second']:.2f}, sgemm peak {ours['sgemm_peak_gflops']:.0f} GFLOP/s")
EOF
done
