"""Checks that PyTorch, loading encoder.safetensors into Scripts/resnet_mini.py, computes the same
representation h as `simclr embed` (eval mode, max relative difference printed; fails above 1e-4).

Usage: check-torch-load.py RUN_DIR DATA_DIR EMB.npy   (run by Scripts/check-torch-load.sh)
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resnet_mini import load_encoder, load_images  # noqa: E402


def main(run_dir, data_dir, emb_path):
    encoder, meta = load_encoder(run_dir)
    stem = emb_path[: -len(".npy")]
    with open(stem + ".files.txt") as f:
        files = [line.strip() for line in f if line.strip()]
    x = load_images(data_dir, files, meta)
    with torch.no_grad():
        h = encoder(x).numpy()
    expected = np.load(emb_path)
    if h.shape != expected.shape:
        sys.exit(f"shape {h.shape} from PyTorch, {expected.shape} from simclr embed")
    relative = np.abs(h - expected).max() / np.abs(expected).max()
    print(f"PyTorch h {list(h.shape)} vs simclr embed: max |difference| / max |h| = {relative:.2e}")
    if relative > 1e-4:
        sys.exit("FAIL: PyTorch and simclr disagree")
    print("ok: encoder.safetensors loads into Scripts/resnet_mini.py and gives simclr's h")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: check-torch-load.py RUN_DIR DATA_DIR EMB.npy")
    main(*sys.argv[1:])
