#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs the main job on real data.
# (Grows with the project: today it imports Fashion-MNIST as PNG folders, summarises the
# dataset, and prints the benchmark figures.)
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build -c release
Scripts/prepare-fashion-mnist.sh
.build/release/simclr bench --only sgemm,png
