"""Linear-probe top-1 against the pretraining budget, one point per finished run.

Each RUN_DIR is a `simclr pretrain` output folder evaluated by `simclr probe --out RUN_DIR/probe.json`.
The budget of a run is its number of epochs (each run has its own warmup + cosine schedule).
Runs are grouped into one line per encoder width setting (`widths` in RUN_DIR/encoder.json).
A run's training minutes (sum of the epoch records' seconds in metrics.jsonl) are printed, not
plotted, because runs made on a shared machine are not comparable in time. Baselines found in
any probe.json are drawn as horizontal lines: raw pixels once, random init once per widths.

Usage: plot-budget.py OUT_PNG RUN_DIR... (run by Scripts/plot-budget.sh).
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_run(run):
    epochs, seconds = 0, 0.0
    with open(os.path.join(run, "metrics.jsonl")) as f:
        for line in f:
            record = json.loads(line)
            if record.get("kind") == "epoch":
                epochs += 1
                seconds += record["seconds"]
    with open(os.path.join(run, "probe.json")) as f:
        report = json.load(f)
    scores = {e["name"]: 100 * e["linear"]["top1"] for e in report["evaluations"]}
    if "encoder" not in scores:
        sys.exit(f"{run}/probe.json: no 'encoder' evaluation (run simclr probe --encoder ...)")
    with open(os.path.join(run, "encoder.json")) as f:
        widths = "-".join(str(w) for w in json.load(f)["widths"])
    return widths, epochs, seconds / 60, scores


def main(out_path, runs):
    series, baselines = {}, {}
    for run in runs:
        widths, epochs, minutes, scores = read_run(run)
        series.setdefault(widths, []).append((epochs, minutes, scores["encoder"]))
        if "raw-pixels" in scores:
            baselines[("raw-pixels", "raw-pixels")] = scores["raw-pixels"]
        if "random-init" in scores:
            baselines[("random-init", f"random-init {widths}")] = scores["random-init"]
    fig, ax = plt.subplots(figsize=(7, 4))
    colors = ["tab:blue", "tab:green", "tab:purple", "tab:orange"]
    points = []
    for index, (widths, line) in enumerate(sorted(series.items())):
        line.sort()
        points += line
        ax.plot([p[0] for p in line], [p[2] for p in line], "o-", color=colors[index % len(colors)],
                label=f"SimCLR encoder {widths} (linear probe)")
        for epochs, minutes, top1 in line:
            print(f"{widths}, {epochs} epoch(s): top-1 {top1:.2f}%, {minutes:.1f} min of training")
            ax.annotate(f"{top1:.2f}%", (epochs, top1), textcoords="offset points",
                        xytext=(0, 8), ha="center", fontsize=8)
    styles = {"raw-pixels": ("tab:gray", "--"), "random-init": ("tab:red", ":")}
    for (name, label), top1 in sorted(baselines.items()):
        ax.axhline(top1, color=styles[name][0], ls=styles[name][1], lw=1, label=f"{label} {top1:.1f}%")
    ax.set_xlabel("pretraining epochs (each point: its own run and cosine schedule)")
    ax.set_ylabel("Fashion-MNIST test top-1 (%)")
    ax.set_xscale("log", base=2)
    ticks = sorted({p[0] for p in points})
    ax.set_xticks(ticks, [str(t) for t in ticks])
    low = min([p[2] for p in points] + list(baselines.values()))
    high = max(p[2] for p in points)
    ax.set_ylim(low - 1.5, high + 2.5)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Linear-probe accuracy per pretraining budget")
    fig.tight_layout()
    fig.savefig(out_path, dpi=110)
    print(f"wrote {out_path}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: plot-budget.py OUT_PNG RUN_DIR...")
    main(sys.argv[1], sys.argv[2:])
