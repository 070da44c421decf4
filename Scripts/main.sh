#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs the main job on real data.
# (Grows with the project: today it builds the tool and prints the BLAS figures.)
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build -c release
.build/release/simclr bench --only sgemm
