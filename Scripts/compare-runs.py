#!/usr/bin/env python3
"""Compares two simclr run folders (standard library only): per-step losses of metrics.jsonl and
every tensor of checkpoint.safetensors (weights, BatchNorm buffers, optimizer state).

Usage: compare-runs.py REFERENCE OTHER [--steps K --loss-tol T] [--tensor-tol T] [--prefix P] [--skip NAME]...
Tensor differences are max |a - b| / max |a| per tensor ("relative to scale"). --skip leaves out
a tensor that is zero in exact arithmetic (the gradient of a bias that BatchNorm follows): it
holds only rounding noise, which its own scale would call a 100% difference. Exits 1 when a
figure is over its tolerance, printing every figure it measured."""
import argparse, json, struct, sys
from array import array


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    base = 8 + length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        values = array("f")
        values.frombytes(data[base + start:base + end])
        tensors[name] = values
    return tensors


def step_losses(folder):
    with open(folder + "/metrics.jsonl") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r["loss"] for r in records if r["kind"] == "step"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reference")
    parser.add_argument("other")
    parser.add_argument("--steps", type=int, default=0, help="compare the losses of the first K steps")
    parser.add_argument("--loss-tol", type=float, default=1e-5)
    parser.add_argument("--tensor-tol", type=float, default=None, help="compare checkpoint tensors")
    parser.add_argument("--prefix", default="", help="only tensors whose name starts with this")
    parser.add_argument("--skip", action="append", default=[], help="leave out this tensor (repeatable)")
    args = parser.parse_args()
    failures = []
    if args.steps:
        a, b = step_losses(args.reference), step_losses(args.other)
        if len(a) != len(b):
            failures.append(f"step counts differ: {len(a)} vs {len(b)}")
        worst = max(abs(x - y) / abs(x) for x, y in zip(a[:args.steps], b[:args.steps]))
        print(f"losses of the first {args.steps} steps: max relative difference {worst:.3g} (tolerance {args.loss_tol:g})")
        if worst > args.loss_tol:
            failures.append(f"loss difference {worst:.3g} > {args.loss_tol:g}")
    if args.tensor_tol is not None:
        a = read_safetensors(args.reference + "/checkpoint.safetensors")
        b = read_safetensors(args.other + "/checkpoint.safetensors")
        if sorted(a) != sorted(b):
            failures.append("the checkpoints hold other tensors")
        worst, worst_name = 0.0, ""
        for name in sorted(a):
            if not name.startswith(args.prefix) or name not in b or name in args.skip:
                continue
            scale = max(abs(v) for v in a[name]) or 1.0
            difference = max(abs(x - y) for x, y in zip(a[name], b[name])) / scale
            if difference > worst:
                worst, worst_name = difference, name
        print(f"checkpoint tensors '{args.prefix}*': max difference relative to scale {worst:.3g} ({worst_name}; tolerance {args.tensor_tol:g})")
        if worst > args.tensor_tol:
            failures.append(f"tensor {worst_name} differs by {worst:.3g} > {args.tensor_tol:g}")
    if failures:
        print("FAIL: " + "; ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
