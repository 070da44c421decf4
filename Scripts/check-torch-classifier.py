"""Checks that PyTorch, loading classifier.safetensors into Scripts/resnet_mini.py plus a
torch.nn.Linear, computes the same logits as `simclr classify --with-logits` (eval mode; max
relative difference printed; fails above 1e-4 or on any other predicted class).

Usage: check-torch-classifier.py MODEL_DIR DATA_DIR PREDICTIONS.csv   (run by check-torch-classifier.sh)
"""
import csv
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resnet_mini import ResNetMini, load_exported, load_images  # noqa: E402


class Classifier(torch.nn.Module):
    """ResNetMini encoder + Linear(D, K), with the names of classifier.safetensors
    (encoder.stem.conv.weight, ..., fc.weight [K, D], fc.bias [K])."""

    def __init__(self, widths, in_channels, classes):
        super().__init__()
        self.encoder = ResNetMini(tuple(widths), in_channels)
        self.fc = torch.nn.Linear(widths[2], classes)

    def forward(self, x):
        return self.fc(self.encoder(x))


def load_classifier(model_dir):
    with open(os.path.join(model_dir, "classifier.json")) as f:
        meta = json.load(f)
    model = Classifier(meta["widths"], meta["input_channels"], meta["num_classes"])
    state = load_file(os.path.join(model_dir, "classifier.safetensors"))
    load_exported(model, state, os.path.join(model_dir, "classifier.safetensors"))
    return model.eval(), meta


def main(model_dir, data_dir, predictions):
    model, meta = load_classifier(model_dir)
    with open(predictions, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    names = meta["class_names"]
    logit_columns = [header.index("logit_" + n) for n in names]
    files = [r[0] for r in rows]
    expected = np.array([[float(r[c]) for c in logit_columns] for r in rows], dtype=np.float32)
    x = load_images(data_dir, files, meta)
    with torch.no_grad():
        logits = model(x).numpy()
    relative = np.abs(logits - expected).max() / np.abs(expected).max()
    print(f"PyTorch logits {list(logits.shape)} vs simclr classify: max |difference| / max |logit| = {relative:.2e}")
    predicted = [names[i] for i in logits.argmax(axis=1)]
    disagree = sum(p != r[1] for p, r in zip(predicted, rows))
    print(f"predicted classes differing: {disagree} of {len(rows)}")
    if relative > 1e-4 or disagree:
        sys.exit("FAIL: PyTorch and simclr classify disagree")
    print("ok: classifier.safetensors loads into ResNetMini + nn.Linear and gives simclr classify's logits")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: check-torch-classifier.py MODEL_DIR DATA_DIR PREDICTIONS.csv")
    main(*sys.argv[1:])
