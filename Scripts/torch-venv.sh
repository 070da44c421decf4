#!/usr/bin/env bash
# Prints the path of a Python that has the PyPI packages given, for the scripts that check or
# measure against PyTorch: $TORCH_PYTHON when set, else .venv-torch/bin/python (git-ignored),
# made and filled when a package is missing. torch and torchvision come from PyTorch's CPU wheel
# index when it is reachable, else from PyPI (whose plain `torch` is the large CUDA build, unless
# pip's find-links holds a local CPU wheel). Progress goes to stderr.
# Usage: python=$(Scripts/torch-venv.sh torch torchvision numpy pillow)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${TORCH_PYTHON:-}" ]; then
    python=$TORCH_PYTHON
    [ -x "$python" ] || { echo "TORCH_PYTHON=$python is not an executable Python" >&2; exit 1; }
else
    python=.venv-torch/bin/python
    [ -x "$python" ] || python3 -m venv .venv-torch >&2
fi
if ! "$python" -c 'import importlib.metadata as m, sys
for p in sys.argv[1:]: m.version(p)' "$@" 2>/dev/null; then
    echo "installing into $(dirname "$(dirname "$python")"): $*" >&2
    pip=("$python" -m pip install --quiet --disable-pip-version-check)
    wheels=()
    for p in "$@"; do case $p in torch | torchvision) wheels+=("$p") ;; esac; done
    if ((${#wheels[@]})); then
        "${pip[@]}" --index-url https://download.pytorch.org/whl/cpu "${wheels[@]}" >&2 2>/dev/null \
            || echo "the CPU wheel index is not reachable: ${wheels[*]} from PyPI" >&2
    fi
    "${pip[@]}" "$@" >&2
fi
echo "$python"
