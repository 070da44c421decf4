"""Eval-mode feature extraction speed of ResNet-mini in PyTorch: the PyTorch side of
`simclr bench --only eval` (same model, input and batch), printed as one JSON line.

model.eval() + torch.no_grad(), random-init Scripts/resnet_mini.py (the default widths 32-64-128,
28x28x1), batch 512, best of REPEATS passes over BATCHES batches of N(0, 1) inputs, both memory
formats (contiguous NCHW and channels-last); `images_per_second` is the faster of the two.

Usage: bench-eval-torch.py [--threads 2] [--batch 512] [--batches 4] [--repeats 3]
(run by Scripts/bench-eval.sh, which compares it with simclr's figure back to back)
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resnet_mini import ResNetMini  # noqa: E402


def images_per_second(model, x, batches, repeats):
    """Best of `repeats` timed passes of `batches` forward calls on x, after one warm-up call."""
    with torch.no_grad():
        model(x)
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(batches):
                model(x)
            best = min(best, time.perf_counter() - start)
    return batches * x.shape[0] / best


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--batches", type=int, default=4)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--widths", default="32,64,128")
    p.add_argument("--image-size", type=int, default=28)
    p.add_argument("--channels", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = ResNetMini(tuple(int(w) for w in args.widths.split(",")), args.channels).eval()
    x = torch.randn(args.batch, args.channels, args.image_size, args.image_size)
    contiguous = images_per_second(model, x, args.batches, args.repeats)
    model_cl = model.to(memory_format=torch.channels_last)
    channels_last = images_per_second(model_cl, x.contiguous(memory_format=torch.channels_last), args.batches, args.repeats)
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "batch": args.batch,
        "images_per_second_contiguous": round(contiguous, 1), "images_per_second_channels_last": round(channels_last, 1),
        "images_per_second": round(max(contiguous, channels_last), 1),
    }))


if __name__ == "__main__":
    main()
