#!/usr/bin/env bash
# Plots a pretraining run's loss curve (and positive-pair top-1) from its metrics.jsonl.
# Installs matplotlib into .venv-plots/ (git-ignored).
# Usage: Scripts/plot-metrics.sh RUN_DIR [OUT.png]     (default OUT: RUN_DIR/loss-curve.png)
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:?usage: Scripts/plot-metrics.sh RUN_DIR [OUT.png]}
out=${2:-$run/loss-curve.png}
if [ ! -x .venv-plots/bin/python ]; then python3 -m venv .venv-plots; fi
.venv-plots/bin/python -c "import matplotlib" 2>/dev/null || .venv-plots/bin/pip install --quiet matplotlib
exec .venv-plots/bin/python Scripts/plot-metrics.py "$run/metrics.jsonl" "$out"
