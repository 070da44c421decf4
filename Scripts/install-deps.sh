#!/usr/bin/env bash
# Installs the Debian packages swift-simclr builds and runs with (idempotent).
#   libopenblas-dev   cblas_sgemm (OpenBLAS)
#   libpng-dev        PNG decoding and writing (libpng 1.6)
#   zlib1g-dev        gzip IDX files (and libpng's CRC check)
#   pkg-config        lets SwiftPM find them
#   libopenmpi-dev openmpi-bin   Open MPI: data-parallel `mpirun -np K simclr pretrain` (and its tests)
#   dataset-fashion-mnist   the real benchmark data (IDX files under /usr/share/datasets)
set -euo pipefail
packages=(libopenblas-dev libpng-dev zlib1g-dev pkg-config libopenmpi-dev openmpi-bin dataset-fashion-mnist "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
