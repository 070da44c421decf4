#!/usr/bin/env bash
# Plots linear-probe top-1 against the pretraining budget (epochs), one point per run, one line per widths.
# Each RUN_DIR needs metrics.jsonl (simclr pretrain) and probe.json (simclr probe --out).
# Installs matplotlib into .venv-plots/ (git-ignored).
# Usage: Scripts/plot-budget.sh OUT.png RUN_DIR...
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: Scripts/plot-budget.sh OUT.png RUN_DIR..." >&2; exit 2; }
python=$(Scripts/python-venv.sh plots matplotlib)
exec "$python" Scripts/plot-budget.py "$@"
