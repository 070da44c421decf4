#!/usr/bin/env bash
# The unseen-class protocol of metric learning (issue 16) on Fashion-MNIST: train on classes 0–4
# of the training set, then leave-one-out retrieval on the test images of classes 5–9 (and,
# separately, of all ten classes). Rows: SupCon, triplet batch-hard, pairwise contrastive (all
# with labels), SimCLR on the same images without labels, the main job's self-supervised encoder
# (trained on all 60,000 training images without labels; the row appears once Scripts/main.sh has
# written MAIN_ENCODER), random init, raw pixels.
# Writes runs/metric-learning/{<row>/, table.md}; prints the table.
# Usage: Scripts/metric-learning-benchmark.sh
#   env: EPOCHS=5, THREADS=2, OUT=runs/metric-learning, MAIN_ENCODER=runs/fashion-mnist/encoder.safetensors
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${EPOCHS:-5}
threads=${THREADS:-2}
out=${OUT:-runs/metric-learning}
main_encoder=${MAIN_ENCODER:-runs/fashion-mnist/encoder.safetensors}
Scripts/install-deps.sh
Scripts/prepare-fashion-mnist.sh >/dev/null
bin=.build/release/simclr
data=datasets/fashion-mnist
mkdir -p "$out/seen-train" "$out/unseen-test"
for c in "$data"/train/0[0-4]-*; do ln -sfn "$PWD/$c" "$out/seen-train/$(basename "$c")"; done
for c in "$data"/test/0[5-9]-*; do ln -sfn "$PWD/$c" "$out/unseen-test/$(basename "$c")"; done

# row NAME PRETRAIN-FLAGS...: trains (unless done) and evaluates one row.
row() {
    local name=$1
    shift
    local run=$out/$name
    if [ ! -f "$run/encoder.safetensors" ]; then
        local start=$SECONDS
        "$bin" pretrain --data "$out/seen-train" --epochs "$epochs" --threads "$threads" --out "$run" --overwrite "$@"
        echo $((SECONDS - start)) >"$run/train-seconds"
    fi
    for query in unseen-test test; do
        local q=$out/$query
        [ "$query" = test ] && q=$data/test
        "$bin" retrieval --encoder "$run/encoder.safetensors" --query "$q" --threads "$threads" --out "$run/retrieval-$query.json"
    done
}
row supcon --supervision labels --loss ntxent --temperature 0.1 --batch-size 250 --samples-per-class 50
row triplet-batch-hard --supervision labels --loss triplet --mining batch-hard --margin 0.2 --batch-size 250 --samples-per-class 50
row contrastive --supervision labels --loss contrastive --margin 1.0 --batch-size 250 --samples-per-class 50
row simclr-views
if [ -f "$main_encoder" ]; then
    mkdir -p "$out/simclr-main-job"
    for query in unseen-test test; do
        q=$out/$query
        [ "$query" = test ] && q=$data/test
        "$bin" retrieval --encoder "$main_encoder" --query "$q" --threads "$threads" --out "$out/simclr-main-job/retrieval-$query.json"
    done
fi
mkdir -p "$out/baselines"
for query in unseen-test test; do
    q=$out/$query
    [ "$query" = test ] && q=$data/test
    "$bin" retrieval --baseline random-init --baseline raw-pixels --query "$q" --threads "$threads" --out "$out/baselines/retrieval-$query.json"
done

python3 - "$out" "$epochs" <<'PY'
import json, os, sys
out, epochs = sys.argv[1], sys.argv[2]
names = ["supcon", "triplet-batch-hard", "contrastive", "simclr-views"]
if os.path.exists(f"{out}/simclr-main-job/retrieval-test.json"):
    names.append("simclr-main-job")
lines = [f"Trained {epochs} epochs on Fashion-MNIST training classes 0–4 (30,000 images); leave-one-out retrieval, cosine on h.",
         "", "| row | unseen classes 5–9: P@1 | R@1 | MAP@R | all 10 classes: P@1 | MAP@R | training time |", "|---|---|---|---|---|---|---|"]
def cells(report, row_name=None):
    rows = report["rows"]
    row = rows[0] if row_name is None else next(r for r in rows if r["name"] == row_name)
    m = row["overall"]
    return m["precision_at_1"], m["recall_at_k"]["1"], m["map_at_r"]
for name in names:
    unseen = json.load(open(f"{out}/{name}/retrieval-unseen-test.json"))
    every = json.load(open(f"{out}/{name}/retrieval-test.json"))
    p1, r1, mapr = cells(unseen)
    ap1, _, amapr = cells(every)
    if os.path.exists(f"{out}/{name}/train-seconds"):
        seconds = int(open(f"{out}/{name}/train-seconds").read())
        time = f"{seconds // 60} min {seconds % 60} s"
    else:
        time = "the main job's (all 60,000 training images, no labels)"
    lines.append(f"| {name} | {100*p1:.2f} | {100*r1:.2f} | {100*mapr:.2f} | {100*ap1:.2f} | {100*amapr:.2f} | {time} |")
for baseline in ["random-init", "raw-pixels"]:
    unseen = json.load(open(f"{out}/baselines/retrieval-unseen-test.json"))
    every = json.load(open(f"{out}/baselines/retrieval-test.json"))
    p1, r1, mapr = cells(unseen, baseline)
    ap1, _, amapr = cells(every, baseline)
    lines.append(f"| {baseline} | {100*p1:.2f} | {100*r1:.2f} | {100*mapr:.2f} | {100*ap1:.2f} | {100*amapr:.2f} | — |")
text = "\n".join(lines) + "\n"
open(f"{out}/table.md", "w").write(text)
print(text)
PY
