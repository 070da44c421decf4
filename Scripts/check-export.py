"""Checks `simclr export` output with the `safetensors` package; run by Scripts/check-export.sh.

Usage: check-export.py CHECKPOINT RUN_DIR ENCODER_DIR WITH_HEAD_DIR
(RUN_DIR holds the encoder.safetensors that `simclr pretrain` wrote at the end of training.)
"""
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def expected_shapes(manifest, with_head):
    """DESIGN.md "Exported weights": PyTorch state_dict names and shapes (conv weights OIHW)."""
    w1, w2, w3 = manifest["widths"]
    c = manifest["input_channels"]
    d, p = manifest["representation_dim"], manifest["projection_dim"]
    assert d == w3, f"representation_dim {d} != widths[2] {w3}"

    def bn(prefix, n):
        return {f"{prefix}.{k}": [n] for k in ("weight", "bias", "running_mean", "running_var")}

    shapes = {"stem.conv.weight": [w1, c, 3, 3], **bn("stem.bn", w1)}
    for layer, (cin, cout) in {"layer1": (w1, w1), "layer2": (w1, w2), "layer3": (w2, w3)}.items():
        shapes[f"{layer}.conv1.weight"] = [cout, cin, 3, 3]
        shapes.update(bn(f"{layer}.bn1", cout))
        shapes[f"{layer}.conv2.weight"] = [cout, cout, 3, 3]
        shapes.update(bn(f"{layer}.bn2", cout))
        if layer != "layer1":  # stride 2: shape changes, conv1x1 + BN shortcut
            shapes[f"{layer}.shortcut.conv.weight"] = [cout, cin, 1, 1]
            shapes.update(bn(f"{layer}.shortcut.bn", cout))
    if with_head:
        shapes.update({"head.fc1.weight": [d, d], "head.fc1.bias": [d], **bn("head.bn", d),
                       "head.fc2.weight": [p, d], "head.fc2.bias": [p]})
    return shapes


def check(folder, checkpoint, with_head):
    manifest = json.load(open(f"{folder}/encoder.json"))
    assert manifest["architecture"] == "resnet-mini"
    assert manifest["includes_head"] == with_head
    assert len(manifest["normalization"]["mean"]) in (1, manifest["input_channels"])
    path = f"{folder}/encoder.safetensors"
    with safe_open(path, framework="numpy") as f:
        assert f.metadata() == {"format": "pt"}, f.metadata()
    tensors = load_file(path)
    expected = expected_shapes(manifest, with_head)
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    assert not missing and not extra, f"{path}: missing {missing}, unexpected {extra}"
    for name, shape in expected.items():
        t = tensors[name]
        assert list(t.shape) == shape, f"{name}: shape {list(t.shape)}, expected {shape}"
        assert t.dtype == np.float32, f"{name}: dtype {t.dtype}"
        assert np.all(np.isfinite(t)), f"{name}: non-finite values"
        assert np.array_equal(t, checkpoint[name]), f"{name}: differs from the checkpoint"
        if name.endswith("running_var"):
            assert np.all(t > 0), f"{name}: non-positive running variance"
    print(f"ok: {path}: {len(tensors)} tensors, names/shapes as DESIGN.md, values equal to the checkpoint")


def main():
    checkpoint_path, run_dir, encoder_dir, head_dir = sys.argv[1:5]
    checkpoint = load_file(checkpoint_path)
    with safe_open(checkpoint_path, framework="numpy") as f:
        meta = f.metadata()
    for key in ("step", "epoch", "rng_state", "arguments", "architecture", "checksum"):
        assert key in meta, f"checkpoint metadata lacks {key}"
    optimizer = [n for n in checkpoint if n.startswith("optimizer.")]
    assert optimizer, "checkpoint has no optimizer state"
    print(f"ok: {checkpoint_path}: step {meta['step']}, epoch {meta['epoch']}, "
          f"{len(checkpoint) - len(optimizer)} model + {len(optimizer)} optimizer tensors")
    check(run_dir, checkpoint, with_head=False)
    check(encoder_dir, checkpoint, with_head=False)
    check(head_dir, checkpoint, with_head=True)


if __name__ == "__main__":
    main()
