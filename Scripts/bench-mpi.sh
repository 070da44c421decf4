#!/usr/bin/env bash
# K = 2 processes × 1 thread against K = 1 process × 2 threads on the same global batch (256,
# default model, 28×28×1), measured side by side: `simclr bench --only mpi`, alternated ROUNDS
# times (the machine may be shared, so each pair is measured back to back), then the ratio of the
# views/s and the communication share. Usage: Scripts/bench-mpi.sh [ROUNDS]  (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
swift build -c release >/dev/null
bin=$PWD/.build/release/simclr
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for r in $(seq "$rounds"); do
    "$bin" bench --only mpi --threads 2 2>/dev/null >"$work/one-$r.json"
    mpirun --oversubscribe --bind-to none -np 2 "$bin" bench --only mpi --threads 1 2>/dev/null >"$work/two-$r.json"
done
python3 - "$work" "$rounds" <<'PY'
import json, sys
work, rounds = sys.argv[1], int(sys.argv[2])
for r in range(1, rounds + 1):
    one = json.load(open(f"{work}/one-{r}.json"))["mpi"]
    two = json.load(open(f"{work}/two-{r}.json"))["mpi"]
    print(f"round {r}: K=1×2 threads {one['train_views_per_second']:.0f} views/s, "
          f"K=2×1 thread {two['train_views_per_second']:.0f} views/s, "
          f"ratio {two['train_views_per_second'] / one['train_views_per_second']:.2f}; "
          f"communication {100 * two['communication_share_of_step']:.1f}% of the K=2 step "
          f"(gradient all-reduce {two['gradient_allreduce']['bytes'] / 1e6:.2f} MB in "
          f"{1e3 * two['gradient_allreduce']['seconds']:.1f} ms, {two['gradient_allreduce']['bytes_per_second'] / 1e9:.2f} GB/s; "
          f"z all-gather {two['z_allgather']['bytes'] / 1e6:.2f} MB in {1e3 * two['z_allgather']['seconds']:.2f} ms)")
PY
