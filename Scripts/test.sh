#!/usr/bin/env bash
# Sets up a fresh Debian machine (apt packages) and runs the whole test suite.
# Usage: Scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
export OPENBLAS_NUM_THREADS=2
# Release build (numeric tests run on optimised code) with -enable-testing for @testable
# imports, in its own build folder so it does not thrash the plain release build of main.sh.
swift test -c release -Xswiftc -enable-testing --scratch-path .build-test
# Interoperability: the exported weights load with Python's safetensors package (own venv).
Scripts/check-export.sh
# PyTorch: classifier.safetensors in Scripts/resnet_mini.py + nn.Linear gives `simclr classify`'s
# logits. Only when torch is importable already ($TORCH_PYTHON, .venv-torch or python3; torch is a
# large download); SIMCLR_TORCH_CHECK=1 makes Scripts/check-torch-classifier.sh install it, =0 skips.
torch_python=
for candidate in ${TORCH_PYTHON:-} .venv-torch/bin/python python3; do
    if "$candidate" -c "import torch, safetensors, numpy, PIL" 2>/dev/null; then torch_python=$candidate; break; fi
done
if [ "${SIMCLR_TORCH_CHECK:-}" != 0 ] && { [ -n "$torch_python" ] || [ "${SIMCLR_TORCH_CHECK:-}" = 1 ]; }; then
    env ${torch_python:+TORCH_PYTHON=$torch_python} Scripts/check-torch-classifier.sh
else
    echo "skipped Scripts/check-torch-classifier.sh (PyTorch not importable, or SIMCLR_TORCH_CHECK=0; SIMCLR_TORCH_CHECK=1 installs it)"
fi
# Data-parallel runs over Open MPI (mpirun -np 2, 3) against the one-process run.
Scripts/test-mpi.sh
# libFuzzer targets (PNG, safetensors, checkpoint, IDX, encoder.json) under AddressSanitizer,
# seeded from the fixtures, a short while each (FUZZ_SECONDS=0 skips; longer runs: Scripts/fuzz.sh).
if [ "${FUZZ_SECONDS:-10}" != 0 ]; then SECONDS_PER_TARGET=${FUZZ_SECONDS:-10} Scripts/fuzz.sh; fi
