#!/usr/bin/env bash
# Sets up a fresh Debian machine (apt packages) and runs the whole test suite.
# Usage: Scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
export OPENBLAS_NUM_THREADS=2
# Release build: the numeric tests run on optimised code; -enable-testing keeps @testable imports.
swift build -c release -Xswiftc -enable-testing
swift test -c release -Xswiftc -enable-testing --parallel
