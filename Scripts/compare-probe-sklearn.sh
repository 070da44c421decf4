#!/usr/bin/env bash
# Compares `simclr`'s linear probe with scikit-learn's LogisticRegression(C=1.0, max_iter=1000)
# on the same standardised features: top-1 accuracy (target: within 0.3 points) and fit time
# (target: >= 10x faster). Installs numpy + scikit-learn into .venv-interop/ (git-ignored).
#
# Usage: Scripts/compare-probe-sklearn.sh [--features random-128,pixels] [--limit N] [--c C]
#        Scripts/compare-probe-sklearn.sh --features embed --encoder RUN/encoder.safetensors \
#            --train-dir datasets/fashion-mnist/train --test-dir datasets/fashion-mnist/test
#   (runs `simclr embed` on both folders and loads the .npy files with numpy)
# Data: Fashion-MNIST IDX files from the Debian package dataset-fashion-mnist
#       (/usr/share/datasets/fashion-mnist, installed by Scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
python=$(Scripts/python-venv.sh interop numpy scikit-learn)
swift build -c release >/dev/null
"$python" -c "import numpy, sklearn, sys; print('python', sys.version.split()[0], 'numpy', numpy.__version__, 'scikit-learn', sklearn.__version__)"
exec "$python" Scripts/compare-probe-sklearn.py \
  --simclr .build/release/simclr --work .build/compare-probe "$@"
