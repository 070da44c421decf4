#!/usr/bin/env bash
# The semi-supervised table of issue 17 on Fashion-MNIST: with 1%, 10% and 100% of the training
# labels (class-balanced, seed 0), test top-1 of
#   - the main job's encoder fine-tuned end to end (`simclr finetune`),
#   - the same protocol from a random-init encoder (`--baseline from-scratch`),
#   - the L-BFGS linear probe on the frozen encoder with the same labels (`simclr probe --label-fraction`).
# Needs the main job's encoder (Scripts/main.sh): ENCODER=runs/fashion-mnist/encoder.safetensors.
# Writes runs/finetune-benchmark/{<pct>/, probe-<pct>.json, table.md}; prints the table.
# Usage: Scripts/finetune-benchmark.sh
#   env: ENCODER, OUT (runs/finetune-benchmark), EPOCHS_1 (30), EPOCHS_10 (10), EPOCHS_100 (2), BATCH (64)
set -euo pipefail
cd "$(dirname "$0")/.."
encoder=${ENCODER:-runs/fashion-mnist/encoder.safetensors}
out=${OUT:-runs/finetune-benchmark}
batch=${BATCH:-64}
[ -f "$encoder" ] || { echo "no encoder at $encoder: run Scripts/main.sh first (or set ENCODER=...)" >&2; exit 1; }
Scripts/install-deps.sh >/dev/null
swift build -c release >/dev/null
Scripts/prepare-fashion-mnist.sh >/dev/null
bin=.build/release/simclr
data=datasets/fashion-mnist
mkdir -p "$out"
for setting in "1 0.01 ${EPOCHS_1:-30}" "10 0.1 ${EPOCHS_10:-10}" "100 1 ${EPOCHS_100:-2}"; do
    read -r pct fraction epochs <<<"$setting"
    run=$out/$pct
    if [ ! -f "$run/report.json" ]; then
        if [ -f "$run/checkpoint.safetensors" ]; then
            "$bin" finetune --out "$run" --resume
        else
            "$bin" finetune --encoder "$encoder" --train $data/train --test $data/test --label-fraction "$fraction" \
                --epochs "$epochs" --batch-size "$batch" --baseline from-scratch --out "$run"
        fi
    fi
    if [ ! -f "$out/probe-$pct.json" ]; then
        start=$SECONDS
        "$bin" probe --encoder "$encoder" --train $data/train --test $data/test --label-fraction "$fraction" \
            --out "$out/probe-$pct.json"
        echo $((SECONDS - start)) >"$out/probe-$pct.seconds"
    fi
done

python3 - "$out" "$encoder" <<'PY'
import json, sys
out, encoder = sys.argv[1], sys.argv[2]
def minutes(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s"
lines = [f"Encoder: {encoder}. Test set: the 10,000 Fashion-MNIST test images.", "",
         "| labels | fine-tuned (top-1, training) | from scratch (top-1, training) | linear probe on the same labels (top-1, time) | epochs |",
         "|---|---|---|---|---|"]
for pct in ["1", "10", "100"]:
    report = json.load(open(f"{out}/{pct}/report.json"))
    results = {r["name"]: r for r in report["results"]}
    tuned, scratch = results["fine-tuned"], results["from-scratch"]
    probe = json.load(open(f"{out}/probe-{pct}.json"))["evaluations"][0]
    probe_seconds = int(open(f"{out}/probe-{pct}.seconds").read())
    images = sum(report["labelled_per_class"])
    lines.append(
        f"| {pct}% ({images:,} images) | {100 * tuned['test']['top1']:.2f}% ({minutes(tuned['train_seconds'])}) "
        f"| {100 * scratch['test']['top1']:.2f}% ({minutes(scratch['train_seconds'])}) "
        f"| {100 * probe['linear']['top1']:.2f}% ({minutes(probe_seconds)}) | {tuned['epochs']} |")
text = "\n".join(lines) + "\n"
open(f"{out}/table.md", "w").write(text)
print(text)
PY
