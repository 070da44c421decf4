"""The unseen-class metric-learning recipe of Scripts/metric-learning-benchmark.sh in PyTorch +
pytorch-metric-learning (PML), for a side-by-side comparison with `simclr pretrain --supervision
labels` (issue 16, section 5). Run by Scripts/metric-learning-torch.sh, which installs the packages.

Recipe (each choice the one of the `simclr` row; differences are listed in docs/metric-learning.md):

* Data: ImageFolder PNGs (datasets/fashion-mnist/{train,test}/NN-name/*.png); training on the
  training images of classes 0-4, batches from PML's `MPerClassSampler(m=50, batch_size=250)`
  with 30,000 images per epoch (120 steps), two augmented views per image (500 views per step),
  the labels of each view being its image's class.
* Views: the `fashion-mnist` preset of Sources/SimCLR/Augment/AugmentationConfig+Presets.swift with
  torchvision.transforms.v2: RandomResizedCrop(28, scale=(0.2, 1), ratio=(3/4, 4/3),
  antialias=True), RandomHorizontalFlip(0.5), RandomApply([ColorJitter(0.4, 0.4, 0.4, 0.1)],
  p=0.8), Normalize(0.2860, 0.3530). Grayscale p=0.2 and saturation/hue are the identity on one
  channel, in both tools; blur is off in the preset.
* Model: Scripts/resnet_mini.py (widths 32-64-128) with torchvision's ResNet initialisation and
  the projection head Linear(D, D) + BN1d + ReLU + Linear(D, 128) (PyTorch default Linear init).
  The loss is on z (head output); retrieval uses h (encoder output), as `simclr retrieval`.
* Losses (PML): `SupConLoss(temperature=0.1)`; `TripletMarginLoss(margin=0.2, reducer=MeanReducer())`
  on the triplets of `BatchHardMiner()` (L2-normalised Euclidean distance); `ContrastiveLoss(
  pos_margin=0, neg_margin=1, reducer=MeanReducer())` with both hinge terms squared (a subclass:
  PML's own terms are not squared), which is the seed's mean over similar pairs of D^2 plus mean
  over dissimilar pairs of max(0, 1 - D)^2 on L2-normalised z.
* Optimizer: LARS exactly as Sources/SimCLR/Optim/MomentumSGD.swift (SimCLR's tf2 LARS with
  classic momentum 0.9, trust coefficient 0.001, weight decay 1e-6; BatchNorm parameters and
  biases without decay or adaptation), peak learning rate 0.075*sqrt(250), linear warmup over a
  tenth of the run then cosine decay to 0, per step (`LearningRateSchedule`).
* Evaluation: PML's AccuracyCalculator (precision_at_1, r_precision, mean_average_precision_at_r)
  with exact kNN (CustomKNN over CosineSimilarity, i.e. cosine of L2-normalised h, encoder in eval
  mode), leave-one-out on the test images of classes 5-9 and, separately, of all ten classes.
* Speed: torch.set_num_threads(THREADS); every step is timed (augmentation, and the model step:
  forward, loss, backward, optimizer); images/s and views/s are over the steps after the first 3.

Usage: metric-learning-torch.py --check-fixtures ../shared/fixtures/metric-learning/metric.json
       metric-learning-torch.py --loss supcon|triplet-batch-hard|contrastive [--epochs 3]
                                [--data datasets/fashion-mnist] [--out DIR] [--threads 2]
                                [--max-steps K]   (K steps only: a speed measurement, no evaluation)
Writes DIR/report.json (and DIR/encoder.safetensors with `simclr`'s tensor names); prints a summary.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from PIL import Image
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resnet_mini import ResNetMini  # noqa: E402

MEAN, STD = 0.2860, 0.3530


def load_folder(root, classes):
    """uint8 images [N, 28, 28] and int64 labels of the class folders of ROOT whose index (the
    position in the sorted listing, the ImageFolder label) is in CLASSES; cached beside the run."""
    names = sorted(d for d in os.listdir(root) if not d.startswith(".") and os.path.isdir(os.path.join(root, d)))
    images, labels = [], []
    for label, name in enumerate(names):
        if label not in classes:
            continue
        folder = os.path.join(root, name)
        files = sorted(f for f in os.listdir(folder) if f.lower().endswith(".png") and not f.startswith("."))
        for f in files:
            images.append(np.asarray(Image.open(os.path.join(folder, f)).convert("L"), dtype=np.uint8))
            labels.append(label)
    return np.stack(images), np.asarray(labels, dtype=np.int64)


def cached_folder(root, classes, cache):
    if os.path.exists(cache):
        data = np.load(cache)
        return data["images"], data["labels"]
    images, labels = load_folder(root, classes)
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    np.savez(cache, images=images, labels=labels)
    return images, labels


class ProjectionHead(nn.Module):
    """Linear(D, D) + BN1d + ReLU + Linear(D, P), the names of `simclr`'s head.* tensors."""

    def __init__(self, dimension, projection):
        super().__init__()
        self.fc1 = nn.Linear(dimension, dimension)
        self.bn = nn.BatchNorm1d(dimension)
        self.fc2 = nn.Linear(dimension, projection)

    def forward(self, h):
        return self.fc2(torch.relu(self.bn(self.fc1(h))))


class Model(nn.Module):
    def __init__(self, widths=(32, 64, 128), projection=128):
        super().__init__()
        self.encoder = ResNetMini(widths, 1)
        self.head = ProjectionHead(widths[2], projection)
        for m in self.encoder.modules():  # torchvision ResNet initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        h = self.encoder(x)
        return h, self.head(h)


class LARS(torch.optim.Optimizer):
    """SimCLR's LARS (tf2/lars_optimizer.py, classic momentum), as MomentumSGD's `.lars` rule:
    d = g + wd*w, r = eta*|w|/|d| (1 if a norm is 0, and 1 for excluded parameters),
    v = m*v + lr*r*d, w -= v. Groups with `exclude=True` get no decay and no adaptation."""

    def __init__(self, groups, lr, momentum=0.9, weight_decay=1e-6, eta=0.001):
        super().__init__(groups, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, eta=eta, exclude=False))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            exclude = group["exclude"]
            decay = 0.0 if exclude else group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                d = p.grad.add(p, alpha=decay) if decay else p.grad.clone()
                ratio = 1.0
                if not exclude:
                    w_norm, d_norm = torch.linalg.vector_norm(p).item(), torch.linalg.vector_norm(d).item()
                    if w_norm > 0 and d_norm > 0:
                        ratio = group["eta"] * w_norm / d_norm
                state = self.state[p]
                if "momentum" not in state:
                    state["momentum"] = torch.zeros_like(p)
                v = state["momentum"]
                v.mul_(group["momentum"]).add_(d, alpha=group["lr"] * ratio)
                p.sub_(v)


def learning_rate(step, peak, warmup, total):
    """`LearningRateSchedule`: linear warmup from 0, then cosine decay to 0."""
    if step < warmup:
        return peak * step / warmup
    decay = total - warmup
    if decay <= 0:
        return peak
    return peak * 0.5 * (1 + math.cos(math.pi * min(step - warmup, decay) / decay))


def make_loss(name):
    """The PML loss of row NAME and its miner (or None)."""
    from pytorch_metric_learning import losses, miners, reducers

    if name == "supcon":
        return losses.SupConLoss(temperature=0.1), None
    if name == "triplet-batch-hard":
        return losses.TripletMarginLoss(margin=0.2, reducer=reducers.MeanReducer()), miners.BatchHardMiner()
    if name == "contrastive":

        class SquaredContrastiveLoss(losses.ContrastiveLoss):
            """Hadsell et al.'s squared hinges: D^2 for similar pairs, max(0, m - D)^2 for dissimilar."""

            def pos_calc(self, pos_pair_dist, margin):
                return super().pos_calc(pos_pair_dist, margin) ** 2

            def neg_calc(self, neg_pair_dist, margin):
                return super().neg_calc(neg_pair_dist, margin) ** 2

        return SquaredContrastiveLoss(pos_margin=0, neg_margin=1, reducer=reducers.MeanReducer()), None
    raise SystemExit(f"unknown loss {name!r}: supcon, triplet-batch-hard or contrastive")


def make_augmentation():
    """The `fashion-mnist` preset on one [1, 28, 28] float image in [0, 1]."""
    from torchvision.transforms import v2

    return v2.Compose([
        v2.RandomResizedCrop(28, scale=(0.2, 1.0), ratio=(3 / 4, 4 / 3), antialias=True),
        v2.RandomHorizontalFlip(0.5),
        v2.RandomApply([v2.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
        v2.Normalize([MEAN], [STD]),
    ])


def views(images, indices, augment):
    """[2N, 1, 28, 28]: rows i and i+N are two views of image indices[i]."""
    batch = torch.from_numpy(images[indices]).float().div_(255).unsqueeze(1)
    first = [augment(x) for x in batch]
    second = [augment(x) for x in batch]
    return torch.stack(first + second)


@torch.no_grad()
def embed(encoder, images, batch=1000):
    encoder.eval()
    out = []
    for s in range(0, len(images), batch):
        x = torch.from_numpy(images[s:s + batch]).float().div_(255).sub_(MEAN).div_(STD).unsqueeze(1)
        out.append(encoder(x))
    return torch.cat(out)


def evaluate(encoder, images, labels):
    """PML's AccuracyCalculator, leave-one-out (the queries are the reference), exact cosine kNN."""
    from pytorch_metric_learning.distances import CosineSimilarity
    from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
    from pytorch_metric_learning.utils.inference import CustomKNN

    h = embed(encoder, images)
    calculator = AccuracyCalculator(
        include=("precision_at_1", "r_precision", "mean_average_precision_at_r"),
        k="max_bin_count", knn_func=CustomKNN(CosineSimilarity(), batch_size=500))
    t = torch.from_numpy(labels)
    result = calculator.get_accuracy(h, t, h, t, ref_includes_query=True)
    return {k: float(v) for k, v in result.items()}


def state_dict_for_simclr(model):
    """The tensors under `simclr`'s encoder.safetensors names (encoder without prefix, head.*)."""
    state = {}
    for k, v in model.state_dict().items():
        if k.endswith("num_batches_tracked"):
            continue
        state[k[len("encoder."):] if k.startswith("encoder.") else k] = v.detach().contiguous()
    return state


def check_fixtures(path):
    """Checks the three PML losses of `make_loss` (margins and temperature as each case says)
    against the known answers of `simclr`'s losses, ../shared/fixtures/metric-learning/metric.json
    (fixtures README section 7): loss and gradient with respect to z, in float64."""
    from pytorch_metric_learning import distances, losses, miners, reducers

    cases = json.load(open(path))

    def tensor(a):
        return torch.tensor(a["data"], dtype=torch.float64).reshape(a["shape"]) if isinstance(a, dict) else torch.tensor(a)

    def check(kind, case, loss_fn, miner=None):
        z = tensor(case["z"]).requires_grad_(True)
        y = tensor(case["labels"])
        loss = loss_fn(z, y, miner(z, y)) if miner is not None else loss_fn(z, y)
        loss.backward()
        grad = tensor(case["grad_z"])
        ok = abs(loss.item() - case["loss"]) <= 1e-9 * max(1, abs(case["loss"])) and \
            (z.grad - grad).abs().max().item() <= 1e-9 * max(1, grad.abs().max().item())
        print(f"{'ok' if ok else 'MISMATCH'}: {kind} {case['name']}: PML {loss.item():.9f}, simclr fixture {case['loss']:.9f}")
        return ok

    results = [check("supcon", c, losses.SupConLoss(temperature=c["tau"])) for c in cases["supcon"]]
    for c in cases["triplet_batch_hard"]:
        distance = distances.LpDistance(normalize_embeddings=c["normalize"])
        loss_fn = losses.TripletMarginLoss(margin=c["margin"], distance=distance, reducer=reducers.MeanReducer())
        results.append(check("triplet batch-hard", c, loss_fn, miners.BatchHardMiner(distance=distance)))
    for c in cases["contrastive_balanced"]:
        loss_fn, _ = make_loss("contrastive")
        loss_fn.neg_margin = c["margin"]
        loss_fn.distance = distances.LpDistance(normalize_embeddings=c["normalize"])
        results.append(check("contrastive", c, loss_fn))
    if not all(results):
        raise SystemExit("the PML losses do not match simclr's fixtures")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loss")
    parser.add_argument("--data", default="datasets/fashion-mnist")
    parser.add_argument("--out", default=None)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--samples-per-class", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--cache", default="runs/metric-learning-torch/cache")
    parser.add_argument("--check-fixtures", metavar="METRIC_JSON",
                        help="only compare the PML losses with simclr's known answers in METRIC_JSON")
    args = parser.parse_args()
    if args.check_fixtures:
        torch.set_num_threads(args.threads)
        check_fixtures(args.check_fixtures)
        return
    if not args.loss:
        parser.error("--loss supcon|triplet-batch-hard|contrastive is required")
    out = args.out or f"runs/metric-learning-torch/{args.loss}"
    os.makedirs(out, exist_ok=True)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    import pytorch_metric_learning
    import torchvision
    from pytorch_metric_learning.samplers import MPerClassSampler

    images, labels = cached_folder(f"{args.data}/train", set(range(5)), f"{args.cache}/train-0-4.npz")
    steps_per_epoch = len(images) // args.batch_size
    sampler = MPerClassSampler(labels, m=args.samples_per_class, batch_size=args.batch_size,
                               length_before_new_iter=steps_per_epoch * args.batch_size)
    model = Model()
    loss_fn, miner = make_loss(args.loss)
    excluded = [p for n, p in model.named_parameters() if p.ndim == 1]  # BN weights/biases, biases
    adapted = [p for n, p in model.named_parameters() if p.ndim > 1]
    peak = 0.075 * math.sqrt(args.batch_size)
    optimizer = LARS([dict(params=adapted), dict(params=excluded, exclude=True)], lr=peak)
    total = args.epochs * steps_per_epoch
    warmup = min(total, round(args.epochs / 10 * steps_per_epoch))
    augment = make_augmentation()

    step, records, losses = 0, [], []
    started = time.perf_counter()
    model.train()
    for epoch in range(args.epochs):
        order = list(iter(sampler))
        for s in range(steps_per_epoch):
            if args.max_steps is not None and step >= args.max_steps:
                break
            indices = order[s * args.batch_size:(s + 1) * args.batch_size]
            t0 = time.perf_counter()
            x = views(images, indices, augment)
            y = torch.from_numpy(labels[indices]).repeat(2)
            t1 = time.perf_counter()
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, peak, warmup, total)
            _, z = model(x)
            loss = loss_fn(z, y, miner(z, y)) if miner is not None else loss_fn(z, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            t2 = time.perf_counter()
            records.append((t1 - t0, t2 - t1))
            losses.append(loss.item())
            step += 1
            if step % 20 == 0 or step == 1:
                print(f"epoch {epoch + 1} step {step}/{total} loss {losses[-1]:.4f} "
                      f"views/s {2 * args.batch_size / (t2 - t0):.0f} (model step {2 * args.batch_size / (t2 - t1):.0f})",
                      flush=True)
    train_seconds = time.perf_counter() - started

    measured = records[3:] if len(records) > 3 else records
    augment_s = sum(a for a, _ in measured) / len(measured)
    model_s = sum(m for _, m in measured) / len(measured)
    speed = {
        "steps_measured": len(measured),
        "seconds_per_step": augment_s + model_s,
        "augmentation_seconds_per_step": augment_s,
        "model_seconds_per_step": model_s,
        "images_per_second": args.batch_size / (augment_s + model_s),
        "views_per_second": 2 * args.batch_size / (augment_s + model_s),
        "model_step_views_per_second": 2 * args.batch_size / model_s,
        "median_step_views_per_second": 2 * args.batch_size / float(np.median([a + m for a, m in measured])),
    }
    report = {
        "loss": args.loss, "epochs": args.epochs, "steps": step, "batch_size": args.batch_size,
        "samples_per_class": args.samples_per_class, "threads": args.threads,
        "train_seconds": train_seconds, "final_loss": losses[-1] if losses else None, "speed": speed,
        "versions": {"python": sys.version.split()[0], "torch": torch.__version__, "torchvision": torchvision.__version__,
                     "pytorch_metric_learning": pytorch_metric_learning.__version__},
    }
    if args.max_steps is None:
        from safetensors.torch import save_file

        save_file(state_dict_for_simclr(model), f"{out}/encoder.safetensors")
        test_images, test_labels = cached_folder(f"{args.data}/test", set(range(10)), f"{args.cache}/test.npz")
        unseen = test_labels >= 5
        t0 = time.perf_counter()
        report["unseen_5_9"] = evaluate(model.encoder, test_images[unseen], test_labels[unseen])
        report["all_10"] = evaluate(model.encoder, test_images, test_labels)
        report["evaluation_seconds"] = time.perf_counter() - t0
    with open(f"{out}/report.json", "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
