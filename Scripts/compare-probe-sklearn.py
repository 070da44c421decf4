"""Linear probe of swift-simclr vs scikit-learn's LogisticRegression on the same features.

Run through Scripts/compare-probe-sklearn.sh, which installs numpy + scikit-learn into
.venv-interop/ and builds `simclr`. For every feature set it writes float32 [n, D] / int64 [n]
.npy files, runs `simclr probe-features` (our standardisation + L-BFGS) and
StandardScaler + LogisticRegression(C, max_iter=1000) on the same files, and prints both top-1
accuracies and fit times. Target: within 0.3 points, >= 10x faster.

Feature sets:
  pixels      raw Fashion-MNIST pixels / 255, [n, 784]
  random-128  a fixed, seeded random ReLU projection of the pixels to 128 dims (an
              encoder-shaped stand-in: 60,000 x 128)
  embed       the encoder's h from `simclr embed --encoder ENC` on --train-dir and --test-dir
              (ImageFolders); the .npy files are loaded with numpy and their shapes, labels and
              file lists checked before use
"""

import argparse
import gzip
import json
import os
import subprocess
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion_mnist(root, limit):
    xtr = read_idx(os.path.join(root, "train-images-idx3-ubyte.gz"))
    ytr = read_idx(os.path.join(root, "train-labels-idx1-ubyte.gz"))
    xte = read_idx(os.path.join(root, "t10k-images-idx3-ubyte.gz"))
    yte = read_idx(os.path.join(root, "t10k-labels-idx1-ubyte.gz"))
    if limit:
        xtr, ytr = xtr[:limit], ytr[:limit]
    flat = lambda x: (x.reshape(len(x), -1).astype(np.float32) / 255.0)
    return flat(xtr), ytr.astype(np.int64), flat(xte), yte.astype(np.int64)


def random_relu(xtr, xte, dim, seed=0):
    rng = np.random.default_rng(seed)
    projection = rng.standard_normal((xtr.shape[1], dim)).astype(np.float32) / np.sqrt(xtr.shape[1])
    mean = xtr.mean(axis=0)
    f = lambda x: np.maximum((x - mean) @ projection, 0).astype(np.float32)
    return f(xtr), f(xte)


def embed(simclr, encoder, folder, name, work):
    """Runs `simclr embed` and loads its outputs with numpy, checking they fit together."""
    out = os.path.join(work, "embed-" + name + ".npy")
    subprocess.run([simclr, "embed", "--encoder", encoder, "--data", folder, "--out", out], check=True)
    h = np.load(out)
    labels = np.load(out[:-4] + ".labels.npy")
    with open(out[:-4] + ".files.txt") as f:
        files = f.read().splitlines()
    assert h.dtype == np.float32 and h.ndim == 2 and h.flags["C_CONTIGUOUS"], (h.dtype, h.shape)
    assert labels.dtype == np.int64 and labels.shape == (h.shape[0],), labels.shape
    assert len(files) == h.shape[0] and np.isfinite(h).all()
    print(f"numpy loaded {out}: {h.dtype} {h.shape}, labels {labels.shape}, {len(files)} files")
    return h, labels


def run_ours(simclr, work, name, c, threads):
    out = os.path.join(work, name + ".results.json")
    cmd = [simclr, "probe-features", "--name", name, "--c", str(c), "--out", out, "--threads", str(threads)]
    for key in ["train-features", "train-labels", "test-features", "test-labels"]:
        cmd += ["--" + key, os.path.join(work, name + "." + key + ".npy")]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        evaluation = json.load(f)["evaluations"][0]
    fit = evaluation["fit"]
    return evaluation["linear"]["top1"], fit["seconds"], fit["cpuSeconds"], fit["iterations"], fit["stopReason"]


def run_sklearn(xtr, ytr, xte, yte, c):
    start, start_cpu = time.perf_counter(), time.process_time()
    scaler = StandardScaler().fit(xtr)
    model = LogisticRegression(C=c, max_iter=1000).fit(scaler.transform(xtr), ytr)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return model.score(scaler.transform(xte), yte), seconds, cpu, int(np.max(model.n_iter_))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--simclr", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--features", default="random-128,pixels")
    parser.add_argument("--encoder", help="encoder.safetensors for --features embed")
    parser.add_argument("--train-dir", help="training ImageFolder for --features embed")
    parser.add_argument("--test-dir", help="test ImageFolder for --features embed")
    parser.add_argument("--limit", type=int, default=0, help="first N training images only")
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)

    sets = {}
    wanted = args.features.split(",")
    if any(w in ("pixels", "random-128") for w in wanted):
        xtr, ytr, xte, yte = fashion_mnist(args.data, args.limit)
        if "pixels" in wanted:
            sets["pixels"] = (xtr, ytr, xte, yte)
        if "random-128" in wanted:
            rtr, rte = random_relu(xtr, xte, 128)
            sets["random-128"] = (rtr, ytr, rte, yte)
    if "embed" in wanted:
        sets["embed"] = embed(args.simclr, args.encoder, args.train_dir, "train", args.work) \
            + embed(args.simclr, args.encoder, args.test_dir, "test", args.work)

    print("fit time = standardisation + L-BFGS; wall seconds (CPU seconds, all threads); speedup = sklearn / ours")
    print(f"{'features':12} {'n x D':>12} | {'ours top-1':>10} {'sklearn':>8} {'diff':>6} | {'ours s (cpu)':>14} {'iters':>5} {'stop':>19} | {'sklearn s (cpu)':>16} {'iters':>5} | speedup wall (cpu)")
    ok = True
    for name, (xtr, ytr, xte, yte) in sets.items():
        for suffix, array in [("train-features", xtr), ("train-labels", ytr), ("test-features", xte), ("test-labels", yte)]:
            np.save(os.path.join(args.work, name + "." + suffix + ".npy"), array)
        ours, ours_s, ours_cpu, ours_it, stop = run_ours(args.simclr, args.work, name, args.c, args.threads)
        theirs, theirs_s, theirs_cpu, theirs_it = run_sklearn(xtr, ytr, xte, yte, args.c)
        diff = 100 * (ours - theirs)
        ok &= abs(diff) <= 0.3
        print(f"{name:12} {xtr.shape[0]:>6} x {xtr.shape[1]:<4} | {100 * ours:>9.2f}% {100 * theirs:>7.2f}% {diff:>+6.2f} | "
              f"{ours_s:>6.2f} ({ours_cpu:>6.2f}) {ours_it:>5} {stop:>19} | {theirs_s:>7.2f} ({theirs_cpu:>7.2f}) {theirs_it:>5} | "
              f"{theirs_s / ours_s:>5.1f}x ({theirs_cpu / ours_cpu:.1f}x)")
        sys.stdout.flush()
    print("accuracy within 0.3 points: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
