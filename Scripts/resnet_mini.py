"""ResNet-mini in PyTorch, with the parameter names of `simclr`'s encoder.safetensors.

Stem conv3x3(C->w1) + BN + ReLU, then three BasicBlocks (conv3x3-BN-ReLU-conv3x3-BN + shortcut,
ReLU after the add) with widths w1, w2, w3 and strides 1, 2, 2; the shortcut is conv1x1 + BN when
the shape changes (layer2, layer3), identity otherwise (layer1); global average pool gives
h [B, w3]. Layout of torchvision's BasicBlock (He et al. 2016).

    from resnet_mini import load_encoder
    encoder, meta = load_encoder("runs/fashion-mnist")   # eval mode, widths from encoder.json
    h = encoder(x)   # x: [B, C, H, W] float32, pixels/255 normalised with meta["normalization"]

`Scripts/check-torch-load.py` checks that h equals `simclr embed`'s output.
"""
import json
import os

import torch
from torch import nn


class ConvBN(nn.Module):
    def __init__(self, cin, cout, kernel, stride):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = ConvBN(cin, cout, 1, stride) if (stride != 1 or cin != cout) else nn.Identity()

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


class ResNetMini(nn.Module):
    """Input [B, C, H, W] (NCHW, normalised); output h [B, widths[2]]."""

    def __init__(self, widths=(32, 64, 128), in_channels=1):
        super().__init__()
        w1, w2, w3 = widths
        self.stem = ConvBN(in_channels, w1, 3, 1)
        self.layer1 = BasicBlock(w1, w1, 1)
        self.layer2 = BasicBlock(w1, w2, 2)
        self.layer3 = BasicBlock(w2, w3, 2)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        x = self.layer3(self.layer2(self.layer1(x)))
        return x.mean(dim=(2, 3))


def load_encoder(run_dir):
    """ResNetMini in eval mode with RUN_DIR/encoder.safetensors loaded, and encoder.json as a dict."""
    from safetensors.torch import load_file

    with open(os.path.join(run_dir, "encoder.json")) as f:
        meta = json.load(f)
    encoder = ResNetMini(tuple(meta["widths"]), meta["input_channels"])
    state = load_file(os.path.join(run_dir, "encoder.safetensors"))
    state = {k: v for k, v in state.items() if not k.startswith("head.")}
    load_exported(encoder, state, os.path.join(run_dir, "encoder.safetensors"))
    return encoder.eval(), meta


def load_exported(model, state, path):
    """Loads `state` (tensors of an exported .safetensors at `path`) into `model`, every
    parameter and buffer but num_batches_tracked (not exported: it only matters for
    momentum=None BatchNorm); raises ValueError naming the keys that do not fit."""
    missing, unexpected = model.load_state_dict(state, strict=False)
    bad = [k for k in missing if not k.endswith("num_batches_tracked")] + list(unexpected)
    if bad:
        raise ValueError(f"{path} does not fit {type(model).__name__}: {bad}")


def load_images(data_dir, files, meta):
    """The images DATA_DIR/f for f in `files` as the encoder sees them in eval mode:
    [n, C, H, W] float32, pixels/255 normalised with encoder.json's (or classifier.json's)
    normalization, C = meta["input_channels"]."""
    import numpy as np
    from PIL import Image

    mode = "L" if meta["input_channels"] == 1 else "RGB"
    pixels = np.stack([np.asarray(Image.open(os.path.join(data_dir, f)).convert(mode), dtype=np.float32)
                       for f in files])
    if pixels.ndim == 3:
        pixels = pixels[..., None]
    mean = np.array(meta["normalization"]["mean"], dtype=np.float32)
    std = np.array(meta["normalization"]["std"], dtype=np.float32)
    return torch.from_numpy(((pixels / 255 - mean) / std).transpose(0, 3, 1, 2).copy())
