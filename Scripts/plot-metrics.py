"""Loss curve of a `simclr pretrain` run: NT-Xent loss and positive-pair top-1 per step.

Usage: plot-metrics.py METRICS_JSONL OUT_PNG (run by Scripts/plot-metrics.sh).
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(metrics_path, out_path):
    steps, losses, top1 = [], [], []
    epochs = []
    with open(metrics_path) as f:
        for line in f:
            record = json.loads(line)
            if record.get("kind") == "step":
                steps.append(record["step"])
                losses.append(record["loss"])
                top1.append(100 * record["positive_top1"])
            elif record.get("kind") == "epoch":
                epochs.append(record)
    if not steps:
        sys.exit(f"{metrics_path}: no step records")
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, losses, lw=0.8, color="tab:blue", label="NT-Xent loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss", color="tab:blue")
    twin = ax.twinx()
    twin.plot(steps, top1, lw=0.8, color="tab:orange", label="positive-pair top-1 (%)")
    twin.set_ylabel("positive-pair top-1 in batch (%)", color="tab:orange")
    per_epoch = len(steps) / max(1, len(epochs))
    for k in range(1, len(epochs)):
        ax.axvline(k * per_epoch, color="gray", lw=0.5, ls=":")
    ax.set_title(f"SimCLR pretraining ({len(epochs)} epochs, {len(steps)} steps)")
    fig.tight_layout()
    fig.savefig(out_path, dpi=110)
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
