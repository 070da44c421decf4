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
# Data-parallel runs over Open MPI (mpirun -np 2, 3) against the one-process run.
Scripts/test-mpi.sh
