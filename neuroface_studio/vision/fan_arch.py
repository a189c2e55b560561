"""The FAN family: face-alignment's 2D-FAN layout with stacks, width and input size as parameters.

A copy of the layout of ``face_alignment/models/fan.py`` (face-alignment 1.5.0, BSD-3-Clause,
Adrian Bulat): the same modules (:class:`ConvBlock`, :class:`HourGlass`, :class:`FAN`), the same
forward pass and the same state-dict names, so the official 4 x 256 @ 256 weights load into
``FAN(4)`` unchanged and give identical outputs. What is new:

* ``width`` (official 256): the channels of the hourglasses; the stem scales with it
  (conv1 width/4, conv2 width/2, conv3 width/2, conv4 width), so width 256 is the official stem.
  A multiple of 16 (a ConvBlock splits its output into halves and quarters).
* ``input_size`` (official 256): the side of the square input crop. The stem keeps the same
  stride structure (conv1 stride 2, then a 2 x 2 average pool), so the heatmaps are
  ``input_size / 4`` px; the 4-level hourglass needs that to be divisible by 16, so the input
  is a multiple of 64.

The input size cannot be read off the weights (convolutions take any size), so a FAN whose input
is not 256 px carries it in its state dict as the extra entry ``input_size`` (an int64 scalar
buffer); the official size has no such entry, which keeps the official state dict exactly
face-alignment's. ``FanSpec.from_state`` infers stacks and width from the weights' shapes and
reads ``input_size`` (256 when absent).

torch is imported by the module: import it lazily (only when a FAN is built).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

OFFICIAL_WIDTH = 256
OFFICIAL_INPUT = 256
N_POINTS = 68
HOURGLASS_DEPTH = 4
STRIDE = 4  #: input px per heatmap px
INPUT_SIZE_KEY = "input_size"  #: state-dict entry of a non-256 input size


@dataclass(frozen=True)
class FanSpec:
    """Stacks (hourglass modules), width (channels) and input size (px) of a FAN."""

    num_modules: int = 4
    width: int = OFFICIAL_WIDTH
    input_size: int = OFFICIAL_INPUT

    @property
    def heatmap_size(self) -> int:
        return self.input_size // STRIDE

    @property
    def official_layout(self) -> bool:
        return self.width == OFFICIAL_WIDTH and self.input_size == OFFICIAL_INPUT

    def label(self) -> str:
        """``"4 x 256 @ 256"``."""
        return f"{self.num_modules} x {self.width} @ {self.input_size}"

    def check(self) -> "FanSpec":
        if not 1 <= self.num_modules <= 8:
            raise ValueError(f"a FAN has 1 to 8 stacks (hourglasses), got {self.num_modules}")
        if self.width < 16 or self.width % 16:
            raise ValueError(f"FAN width must be a multiple of 16 (at least 16), got {self.width}")
        if self.input_size < 64 or self.input_size % 64 or self.input_size > 1024:
            raise ValueError(f"FAN input size must be a multiple of 64 between 64 and 1024 px, got {self.input_size}")
        return self

    @classmethod
    def from_state(cls, state) -> "FanSpec":
        """The spec of a FAN state dict: stacks from the highest ``m<i>.`` key, width from ``l0.weight``
        (68 x width x 1 x 1), input size from the ``input_size`` entry (256 when absent).
        Raises KeyError/ValueError when the dictionary does not look like a FAN at all."""
        import re

        stacks = {int(m.group(1)) for k in state if (m := re.match(r"m(\d+)\.", k))}
        if not stacks:
            raise KeyError("no hourglass weights (keys m0., m1., ...)")
        head = state.get("l0.weight")
        if head is None or head.ndim != 4:
            raise KeyError("no heatmap layer l0.weight")
        size = state.get(INPUT_SIZE_KEY)
        input_size = OFFICIAL_INPUT if size is None else int(size.reshape(-1)[0].item()) if size.numel() == 1 else -1
        return cls(max(stacks) + 1, int(head.shape[1]), input_size)


def conv3x3(in_planes, out_planes, strd=1, padding=1, bias=False):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=strd, padding=padding, bias=bias)


class ConvBlock(nn.Module):
    """face-alignment's residual block: three 3x3 convs (out/2, out/4, out/4) concatenated."""

    def __init__(self, in_planes, out_planes):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = conv3x3(in_planes, int(out_planes / 2))
        self.bn2 = nn.BatchNorm2d(int(out_planes / 2))
        self.conv2 = conv3x3(int(out_planes / 2), int(out_planes / 4))
        self.bn3 = nn.BatchNorm2d(int(out_planes / 4))
        self.conv3 = conv3x3(int(out_planes / 4), int(out_planes / 4))
        if in_planes != out_planes:
            self.downsample = nn.Sequential(nn.BatchNorm2d(in_planes), nn.ReLU(True),
                                            nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=1, bias=False))
        else:
            self.downsample = None

    def forward(self, x):
        residual = x
        out1 = self.conv1(F.relu(self.bn1(x), True))
        out2 = self.conv2(F.relu(self.bn2(out1), True))
        out3 = self.conv3(F.relu(self.bn3(out2), True))
        out3 = torch.cat((out1, out2, out3), 1)
        if self.downsample is not None:
            residual = self.downsample(residual)
        out3 += residual
        return out3


class HourGlass(nn.Module):
    def __init__(self, num_modules, depth, num_features):
        super().__init__()
        self.num_modules = num_modules
        self.depth = depth
        self.features = num_features
        self._generate_network(self.depth)

    def _generate_network(self, level):
        self.add_module('b1_' + str(level), ConvBlock(self.features, self.features))
        self.add_module('b2_' + str(level), ConvBlock(self.features, self.features))
        if level > 1:
            self._generate_network(level - 1)
        else:
            self.add_module('b2_plus_' + str(level), ConvBlock(self.features, self.features))
        self.add_module('b3_' + str(level), ConvBlock(self.features, self.features))

    def _forward(self, level, inp):
        up1 = self._modules['b1_' + str(level)](inp)
        low1 = self._modules['b2_' + str(level)](F.avg_pool2d(inp, 2, stride=2))
        if level > 1:
            low2 = self._forward(level - 1, low1)
        else:
            low2 = self._modules['b2_plus_' + str(level)](low1)
        low3 = self._modules['b3_' + str(level)](low2)
        up2 = F.interpolate(low3, scale_factor=2, mode='nearest')
        return up1 + up2

    def forward(self, x):
        return self._forward(self.depth, x)


class FAN(nn.Module):
    """``forward(x (B, 3, input, input)) -> [heatmaps (B, 68, input/4, input/4)] * num_modules``."""

    def __init__(self, num_modules=1, width=OFFICIAL_WIDTH, input_size=OFFICIAL_INPUT):
        super().__init__()
        spec = FanSpec(int(num_modules), int(width), int(input_size)).check()
        self.spec = spec
        self.num_modules = spec.num_modules
        w = spec.width  # read sizes from ``self.spec`` (the ``input_size`` name is the state-dict buffer's)
        if not spec.input_size == OFFICIAL_INPUT:
            self.register_buffer(INPUT_SIZE_KEY, torch.tensor(spec.input_size, dtype=torch.int64))

        # Base part
        self.conv1 = nn.Conv2d(3, w // 4, kernel_size=7, stride=2, padding=3)
        self.bn1 = nn.BatchNorm2d(w // 4)
        self.conv2 = ConvBlock(w // 4, w // 2)
        self.conv3 = ConvBlock(w // 2, w // 2)
        self.conv4 = ConvBlock(w // 2, w)

        # Stacking part
        for hg_module in range(self.num_modules):
            self.add_module('m' + str(hg_module), HourGlass(1, HOURGLASS_DEPTH, w))
            self.add_module('top_m_' + str(hg_module), ConvBlock(w, w))
            self.add_module('conv_last' + str(hg_module), nn.Conv2d(w, w, kernel_size=1, stride=1, padding=0))
            self.add_module('bn_end' + str(hg_module), nn.BatchNorm2d(w))
            self.add_module('l' + str(hg_module), nn.Conv2d(w, N_POINTS, kernel_size=1, stride=1, padding=0))
            if hg_module < self.num_modules - 1:
                self.add_module('bl' + str(hg_module), nn.Conv2d(w, w, kernel_size=1, stride=1, padding=0))
                self.add_module('al' + str(hg_module), nn.Conv2d(N_POINTS, w, kernel_size=1, stride=1, padding=0))

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)), True)
        x = F.avg_pool2d(self.conv2(x), 2, stride=2)
        x = self.conv3(x)
        x = self.conv4(x)
        previous = x
        outputs = []
        for i in range(self.num_modules):
            ll = self._modules['top_m_' + str(i)](self._modules['m' + str(i)](previous))
            ll = F.relu(self._modules['bn_end' + str(i)](self._modules['conv_last' + str(i)](ll)), True)
            tmp_out = self._modules['l' + str(i)](ll)
            outputs.append(tmp_out)
            if i < self.num_modules - 1:
                previous = previous + self._modules['bl' + str(i)](ll) + self._modules['al' + str(i)](tmp_out)
        return outputs
