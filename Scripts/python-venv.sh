#!/usr/bin/env bash
# Prints the path of a Python that has the PyPI packages given, for the scripts in Scripts/ that
# check, measure or plot with Python (simclr itself never needs it): .venv-NAME/bin/python
# (git-ignored), made and filled when a package is missing. For NAME torch, $TORCH_PYTHON when
# set; torch and torchvision come from PyTorch's CPU wheel index when it is reachable, else from
# PyPI (whose plain `torch` is the large CUDA build, unless pip's find-links holds a local CPU
# wheel). Progress goes to stderr.
# Usage: python=$(Scripts/python-venv.sh NAME PACKAGE...)
#   e.g. Scripts/python-venv.sh torch torch torchvision numpy pillow
#        Scripts/python-venv.sh plots matplotlib
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: Scripts/python-venv.sh NAME PACKAGE...}
shift
if [ "$name" = torch ] && [ -n "${TORCH_PYTHON:-}" ]; then
    python=$(command -v "$TORCH_PYTHON") || { echo "TORCH_PYTHON=$TORCH_PYTHON is not an executable Python" >&2; exit 1; }
else
    python=.venv-$name/bin/python
    [ -x "$python" ] || python3 -m venv ".venv-$name" >&2
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
