#!/usr/bin/env bash
# Plots a pretraining run's loss curve (and positive-pair top-1) from its metrics.jsonl.
# Installs matplotlib into .venv-plots/ (git-ignored).
# Usage: Scripts/plot-metrics.sh RUN_DIR [OUT.png]     (default OUT: RUN_DIR/loss-curve.png)
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:?usage: Scripts/plot-metrics.sh RUN_DIR [OUT.png]}
out=${2:-$run/loss-curve.png}
python=$(Scripts/python-venv.sh plots matplotlib)
exec "$python" Scripts/plot-metrics.py "$run/metrics.jsonl" "$out"
