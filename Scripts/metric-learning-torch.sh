#!/usr/bin/env bash
# The unseen-class recipe of Scripts/metric-learning-benchmark.sh in PyTorch + pytorch-metric-
# learning, side by side with `simclr` (issue 16, section 5; Scripts/metric-learning-torch.py
# says what is matched and how). Python: Scripts/python-venv.sh torch (CPU torch, torchvision,
# pytorch-metric-learning, numpy, pillow and safetensors into .venv-torch/, git-ignored).
#
# Usage: Scripts/metric-learning-torch.sh [train]   train and evaluate each row (env ROWS, EPOCHS)
#        Scripts/metric-learning-torch.sh speed     step speed of both tools, back to back, on
#            the same recipe (batch 250 = 5 classes x 50, 500 views per step): SPEED_STEPS steps
#            of `simclr pretrain` then of PyTorch, for each of supcon and triplet batch-hard,
#            ROUNDS times (alternating, so that a change of machine load hits both)
# Env: EPOCHS=3 THREADS=2 ROWS="supcon triplet-batch-hard contrastive" OUT=runs/metric-learning-torch
#      SPEED_STEPS=12 ROUNDS=2
# Writes OUT/<row>/report.json, OUT/table.md (train) or OUT/speed.md (speed); prints the table.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-train}
epochs=${EPOCHS:-3}
threads=${THREADS:-2}
rows=${ROWS:-supcon triplet-batch-hard contrastive}
out=${OUT:-runs/metric-learning-torch}
python=$(Scripts/python-venv.sh torch torch torchvision pytorch-metric-learning numpy pillow safetensors)
Scripts/install-deps.sh
if [ -d datasets/fashion-mnist/test ]; then swift build -c release >/dev/null; else Scripts/prepare-fashion-mnist.sh >/dev/null; fi
data=datasets/fashion-mnist
mkdir -p "$out"
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"

if [ "$mode" = train ]; then
    # The three PML losses against simclr's known answers (loss and gradient, float64).
    "$python" Scripts/metric-learning-torch.py --check-fixtures ../shared/fixtures/metric-learning/metric.json
    for row in $rows; do
        [ -f "$out/$row/report.json" ] && grep -q unseen_5_9 "$out/$row/report.json" && continue
        "$python" Scripts/metric-learning-torch.py --loss "$row" --epochs "$epochs" --threads "$threads" \
            --data "$data" --out "$out/$row" --cache "$out/cache"
    done
    "$python" - "$out" "$epochs" "$machine" $rows <<'PY'
import json, sys
out, epochs, machine, rows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
lines = [f"PyTorch + pytorch-metric-learning, {epochs} epochs on Fashion-MNIST training classes 0–4; "
         f"AccuracyCalculator leave-one-out, cosine on h ({machine}).", "",
         "| row | unseen 5–9: P@1 | R-precision | MAP@R | all 10: P@1 | MAP@R | training time | views/s (model step) |",
         "|---|---|---|---|---|---|---|---|"]
for row in rows:
    r = json.load(open(f"{out}/{row}/report.json"))
    u, a, s = r["unseen_5_9"], r["all_10"], r["speed"]
    t = int(r["train_seconds"])
    lines.append(f"| {row} | {100*u['precision_at_1']:.2f} | {100*u['r_precision']:.2f} | {100*u['mean_average_precision_at_r']:.2f} "
                 f"| {100*a['precision_at_1']:.2f} | {100*a['mean_average_precision_at_r']:.2f} | {t // 60} min {t % 60} s "
                 f"| {s['views_per_second']:.0f} ({s['model_step_views_per_second']:.0f}) |")
v = r["versions"]
lines += ["", f"torch {v['torch']}, torchvision {v['torchvision']}, pytorch-metric-learning {v['pytorch_metric_learning']}, "
          f"Python {v['python']}."]
text = "\n".join(lines) + "\n"
open(f"{out}/table.md", "w").write(text)
print(text)
PY
    exit 0
fi

[ "$mode" = speed ] || { echo "usage: Scripts/metric-learning-torch.sh [train|speed]" >&2; exit 2; }
steps=${SPEED_STEPS:-12}
rounds=${ROUNDS:-2}
# A subset of training classes 0-4 with exactly `steps` batches of 250 per epoch: the first
# 50*steps images of each class (symbolic links), so one epoch of `simclr pretrain` is `steps` steps.
subset=$out/speed-data
if [ ! -d "$subset" ] || [ "$(cat "$subset/.steps" 2>/dev/null)" != "$steps" ]; then
    rm -rf "$subset"
    for c in "$data"/train/0[0-4]-*; do
        mkdir -p "$subset/$(basename "$c")"
        find "$PWD/$c" -name '*.png' | sort >"$subset/.list"
        head -n $((50 * steps)) "$subset/.list" | xargs -d '\n' ln -s -t "$subset/$(basename "$c")"
    done
    rm "$subset/.list"
    echo "$steps" >"$subset/.steps"
fi
ours() {  # ours NAME FLAGS...: views/s of the steps after the first 3, from metrics.jsonl
    local name=$1
    shift
    .build/release/simclr pretrain --data "$subset" --epochs 1 --threads "$threads" --out "$out/speed-simclr-$name" \
        --overwrite --batch-size 250 --samples-per-class 50 --supervision labels "$@" >/dev/null 2>&1
    "$python" - "$out/speed-simclr-$name/metrics.jsonl" <<'PY'
import json, sys
steps = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rates = [s["views_per_second"] for s in steps if s["kind"] == "step"][3:]
print(len(rates) / sum(1 / r for r in rates))  # harmonic mean: total views / total time
PY
}
theirs() {  # theirs ROW: views/s of the steps after the first 3
    "$python" Scripts/metric-learning-torch.py --loss "$1" --max-steps "$steps" --epochs 1 --threads "$threads" \
        --data "$data" --out "$out/speed-torch-$1" --cache "$out/cache" >/dev/null
    "$python" -c "import json,sys; s=json.load(open(sys.argv[1]))['speed']; print(s['views_per_second'], s['model_step_views_per_second'])" \
        "$out/speed-torch-$1/report.json"
}
{
    echo "Step speed, batch 250 (5 classes x 50), 500 views per step, $threads threads, $steps steps per run (first 3 not counted); $machine; $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    echo "| round | recipe | simclr views/s | PyTorch views/s (model step only) | simclr / PyTorch |"
    echo "|---|---|---|---|---|"
    for round in $(seq "$rounds"); do
        for recipe in supcon triplet-batch-hard; do
            if [ "$recipe" = supcon ]; then flags=(--loss ntxent --temperature 0.1); else flags=(--loss triplet --mining batch-hard --margin 0.2); fi
            a=$(ours "$recipe" "${flags[@]}")
            read -r b bm < <(theirs "$recipe")
            printf '| %s | %s | %.0f | %.0f (%.0f) | %.2f |\n' "$round" "$recipe" "$a" "$b" "$bm" "$(echo "$a / $b" | bc -l)"
        done
    done
} | tee "$out/speed.md"
