#!/usr/bin/env bash
# Plots linear-probe top-1 against the pretraining budget (epochs), one point per run, one line per widths.
# Each RUN_DIR needs metrics.jsonl (simclr pretrain) and probe.json (simclr probe --out).
# Installs matplotlib into .venv-plots/ (git-ignored).
# Usage: Scripts/plot-budget.sh OUT.png RUN_DIR...
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: Scripts/plot-budget.sh OUT.png RUN_DIR..." >&2; exit 2; }
if [ ! -x .venv-plots/bin/python ]; then python3 -m venv .venv-plots; fi
.venv-plots/bin/python -c "import matplotlib" 2>/dev/null || .venv-plots/bin/pip install --quiet matplotlib
exec .venv-plots/bin/python Scripts/plot-budget.py "$@"
