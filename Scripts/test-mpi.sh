#!/usr/bin/env bash
# Data-parallel `simclr pretrain` over Open MPI against the one-process run (issue 15), on the
# mini slice and two class-balanced subsets of it, with --threads 1:
#   1. per-step losses of K = 2, 3 equal K = 1's (first 3 steps, 1e-5 relative), one writer;
#   2. gradients after one step (SGD momentum buffers) within 1e-5 relative to each tensor's scale;
#      2b. the same with --supervision labels and class-balanced batches (three losses);
#   3. every checkpoint tensor within 5e-2 relative after a 4-step epoch;
#   4. a K = 2 checkpoint resumes with K = 1 and K = 3 as with K = 2 (losses 1e-5, tensors 1e-3);
#   5. a rank killed with SIGKILL: the others stop within 30 s, the last checkpoint resumes;
#   6. SIGTERM on one rank: every rank stops, one checkpoint, exit status 130;
#   7. Ctrl-C (SIGINT) on mpirun, which kills the ranks 1 s after its SIGTERM, mid-step of the
#      default model: rank 0 still writes the last completed step, and it loads;
#   8. processes started with other images: every one stops with a message, none hangs.
# Why subsets, 5e-2 for 3 and 1e-3 for 4 (one step after the resume): float summation order (and
# nothing else) differs, and now and then moves one ReLU input across zero, which changes the
# gradient below that layer by ~1e-4 of its scale (measured: batch 2000 one step, K = 2 and 3);
# training amplifies such differences fast, and the one-process run is as sensitive (a 1.7e-7 relative change of --lr moves its
# weights by 6e-3 within one mini-slice epoch of batch 256). Section 3's worst tensor, measured
# on 2026-12-03 (AMD EPYC, OpenBLAS Cooperlake kernels) over seeds 0-3 at --lr 0.06 and 0.001:
# 4e-6 to 1.4e-2 (the median tensor ~1e-6), machine-dependent (1e-3 held on the Intel machine
# of 2026-12-02 and failed here); a real difference is of order 1 (the same run with batch 32
# instead of 64: 2.8; another seed: median 1.3).
# Usage: Scripts/test-mpi.sh (after Scripts/install-deps.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
bin=$PWD/.build/release/simclr
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mini=$PWD/datasets/fashion-mnist-mini/train
tiny=(--widths 8,16,16 --projection-dim 16 --threads 1 --optimizer sgd)
# head.fc1.bias: BatchNorm follows fc1, so its gradient (and momentum) is zero in exact arithmetic.
compare() { python3 Scripts/compare-runs.py "$@" --skip optimizer.head.fc1.bias.momentum_buffer; }

# The first N images (by name) of every class of the mini slice, as symbolic links.
subset() {
    local per_class=$1 out=$2
    for class in "$mini"/*/; do
        mkdir -p "$out/$(basename "$class")"
        ls "$class" | sort | head -n "$per_class" | while read -r f; do ln -s "$class$f" "$out/$(basename "$class")/$f"; done
    done
}
subset 7 "$work/d70"    # 70 images: one step of 64
subset 26 "$work/d260"  # 260 images: four steps of 64

# run K OUT ARGS...: simclr pretrain on K processes (K = 1 without mpirun); log in OUT.log.
run() {
    local k=$1 out=$2
    shift 2
    local status=0
    if [ "$k" -eq 1 ]; then
        "$bin" pretrain "$@" --out "$out" >"$out.log" 2>&1 || status=$?
    else
        mpirun --oversubscribe --bind-to none -np "$k" "$bin" pretrain "$@" --out "$out" >"$out.log" 2>&1 || status=$?
    fi
    if [ "$status" -ne 0 ]; then
        echo "FAIL: K=$k run $out exited with $status:"
        tail -20 "$out.log"
        exit 1
    fi
}

echo "== 1. per-step losses, mini slice, batch 256 =="
for k in 1 2 3; do run "$k" "$work/loss$k" --data "$mini" --epochs 1 --batch-size 256 "${tiny[@]}"; done
for k in 2 3; do compare "$work/loss1" "$work/loss$k" --steps 3 --loss-tol 1e-5; done
grep -q "3 processes (MPI), 86/85/85 images per process" "$work/loss3.log" || { echo "FAIL: header"; exit 1; }

echo "== 2. gradients after one step, 70 images, batch 64 =="
for k in 1 2 3; do run "$k" "$work/grad$k" --data "$work/d70" --epochs 1 --batch-size 64 "${tiny[@]}"; done
for k in 2 3; do compare "$work/grad1" "$work/grad$k" --steps 1 --prefix optimizer. --tensor-tol 1e-5; done

echo "== 2b. label supervision: one-step gradients, 70 images, batch 40 of 4 per class =="
# SupCon, pairwise contrastive and semi-hard triplets over the whole batch's labels. Seed 1: with
# seed 0 this tiny setting flips a ReLU input below layer2 (1e-2 in the lower layers' gradients,
# also with today's NT-Xent and the same class-balanced batch, so not the labelled losses).
for loss in ntxent contrastive "triplet --mining semi-hard --margin 0.3"; do
    tag=labels-${loss%% *}
    # shellcheck disable=SC2086
    for k in 1 2 3; do
        run "$k" "$work/$tag$k" --data "$work/d70" --epochs 1 --batch-size 40 --seed 1 --supervision labels \
            --samples-per-class 4 --loss $loss "${tiny[@]}"
    done
    for k in 2 3; do compare "$work/${tag}1" "$work/$tag$k" --steps 1 --prefix optimizer. --tensor-tol 1e-5; done
done

echo "== 3. every tensor after an epoch of 4 steps, 260 images, batch 64 =="
for k in 1 2 3; do run "$k" "$work/epoch$k" --data "$work/d260" --epochs 1 --batch-size 64 "${tiny[@]}"; done
for k in 2 3; do compare "$work/epoch1" "$work/epoch$k" --steps 4 --tensor-tol 5e-2; done

echo "== 4. a K=2 checkpoint (one step on 70 images) resumed for one more step with K=1, 2, 3 =="
run 2 "$work/resume" --data "$work/d70" --epochs 1 --batch-size 64 "${tiny[@]}"
for k in 1 2 3; do
    cp -r "$work/resume" "$work/resume$k"
    run "$k" "$work/resume$k" --resume --epochs 2 --threads 1
done
for k in 1 3; do compare "$work/resume2" "$work/resume$k" --steps 2 --tensor-tol 1e-3; done

# pid_of_rank OUT R: the pid of rank R of the run writing into OUT.
pid_of_rank() {
    local p
    for p in $(pgrep -f "simclr pretrain.*--out $1( |$)"); do
        if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then echo "$p"; return; fi
    done
}

# start_and_signal SIGNAL OUT: starts a 2-process run, sends SIGNAL to rank 1 after its first
# epoch, waits and prints "STATUS SECONDS".
start_and_signal() {
    local signal=$1 out=$2
    mpirun --oversubscribe --bind-to none -np 2 "$bin" pretrain --data "$mini" --epochs 3 --batch-size 64 "${tiny[@]}" \
        --out "$out" >"$out.log" 2>&1 &
    local launcher=$! victim="" i
    for i in $(seq 600); do
        grep -q '"kind":"epoch"' "$out/metrics.jsonl" 2>/dev/null && victim=$(pid_of_rank "$out" 1)
        [ -n "$victim" ] && break
        sleep 0.1
    done
    [ -n "$victim" ] || { echo "FAIL: no rank 1 after the first epoch"; cat "$out.log"; exit 1; }
    local start=$SECONDS status=0
    kill "-$signal" "$victim"
    for i in $(seq 300); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$launcher" 2>/dev/null; then
        echo "FAIL: the run still runs 30 s after $signal on rank 1"
        pkill -9 -f "simclr pretrain.*--out $out" || true
        exit 1
    fi
    wait "$launcher" || status=$?
    echo "$status $((SECONDS - start))"
}

echo "== 5. rank 1 killed (SIGKILL) after the first epoch =="
read -r status seconds < <(start_and_signal KILL "$work/killed")
echo "mpirun exited with $status after ${seconds} s: $(grep -m1 -o 'process rank 1 .*' "$work/killed.log" || true)"
[ "$status" -ne 0 ] || { echo "FAIL: status 0 after a killed rank"; exit 1; }
run 1 "$work/killed" --resume --threads 1
grep -q "resuming at step" "$work/killed.log" || { echo "FAIL: the resumed run did not say where it continued"; cat "$work/killed.log"; exit 1; }
echo "the last checkpoint resumed: $(grep -m1 'resuming at step' "$work/killed.log")"

echo "== 6. SIGTERM on rank 1 =="
read -r status seconds < <(start_and_signal TERM "$work/stopped")
[ "$status" -eq 130 ] || { echo "FAIL: status $status after SIGTERM (want 130)"; cat "$work/stopped.log"; exit 1; }
grep -q "checkpoint at step" "$work/stopped.log" || { echo "FAIL: no checkpoint message"; cat "$work/stopped.log"; exit 1; }
echo "stopped in ${seconds} s: $(grep -m1 'checkpoint at step' "$work/stopped.log")"
run 1 "$work/stopped" --resume --threads 1
echo "== 7. SIGINT on mpirun mid-step (default model) =="
out=$work/interrupted
mpirun --oversubscribe --bind-to none -np 2 "$bin" pretrain --data "$mini" --epochs 1 --threads 1 --out "$out" >"$out.log" 2>&1 &
launcher=$!
for i in $(seq 1200); do grep -q '"step":1,' "$out/metrics.jsonl" 2>/dev/null && break; sleep 0.1; done
kill -INT "$launcher"
wait "$launcher" || true
grep -q "stop requested: checkpoint of step\|checkpoint at step" "$out.log" || { echo "FAIL: no checkpoint after SIGINT"; cat "$out.log"; exit 1; }
"$bin" export --checkpoint "$out/checkpoint.safetensors" --out "$work/interrupted-encoder" >"$work/export.log" 2>&1 || { echo "FAIL: the checkpoint does not load"; cat "$work/export.log"; exit 1; }
echo "$(grep -m1 -o 'stop requested: checkpoint of step [0-9]*\|checkpoint at step [0-9]*' "$out.log"); it loads"
echo "== 8. two processes with other images (MPMD launch) =="
out=$work/mismatch
status=0
timeout 120 mpirun --oversubscribe --bind-to none -np 1 "$bin" pretrain --data "$work/d260" --epochs 1 --batch-size 64 "${tiny[@]}" --out "$out" \
    : -np 1 "$bin" pretrain --data "$work/d70" --epochs 1 --batch-size 64 "${tiny[@]}" --out "$out" >"$out.log" 2>&1 || status=$?
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] || { echo "FAIL: status $status (124: it hung)"; cat "$out.log"; exit 1; }
grep -q "do not train the same run: their training images differ" "$out.log" || { echo "FAIL: no message"; cat "$out.log"; exit 1; }
echo "stopped with: $(grep -m1 -o 'the 2 processes do not train the same run[^.]*' "$out.log")"
echo "MPI checks passed"
