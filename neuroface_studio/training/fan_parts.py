"""A face-alignment FAN split into a frozen trunk and a trainable head (the last hourglasses).

``trunk(x)`` runs the base convolutions and the first ``n - train_last`` stacks and returns the
tensor the next stack reads (``previous`` in face-alignment's ``FAN.forward``), so it can be
computed once per image and cached; ``head(previous)`` runs the remaining stacks and returns
the last stack's heatmaps and the features they are predicted from (for the regularizers).
Together they compute exactly ``FAN.forward(x)[-1]``.

BatchNorm layers stay in eval mode everywhere (running statistics frozen, as fine-tuning on a
few hundred images with small batches requires); their affine weights in the head still train.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


class SplitFan(torch.nn.Module):
    def __init__(self, fan: torch.nn.Module, train_last: int = 1) -> None:
        super().__init__()
        n = int(fan.num_modules)
        if not 1 <= train_last <= n:
            raise ValueError(f"train_last must be between 1 and {n} (hourglasses of this FAN), got {train_last}")
        self.fan = fan
        self.spec = fan.spec  #: stacks, width, input size of the FAN (vision/fan_arch.py)
        self.start = n - int(train_last)
        for name, p in fan.named_parameters():
            p.requires_grad_(self._in_head(name))
        self.eval()

    def _in_head(self, name: str) -> bool:
        head = name.split(".")[0]
        for prefix in ("top_m_", "conv_last", "bn_end", "bl", "al", "m", "l"):
            if head.startswith(prefix) and head[len(prefix):].isdigit():
                return int(head[len(prefix):]) >= self.start
        return False  # conv1, bn1, conv2..conv4: the base

    def head_parameters(self) -> list[torch.nn.Parameter]:
        return [p for p in self.fan.parameters() if p.requires_grad]

    def train(self, mode: bool = True) -> "SplitFan":  # BatchNorm statistics stay frozen
        return super().train(False)

    def _stack(self, i: int, previous: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        m = self.fan._modules
        ll = m[f"top_m_{i}"](m[f"m{i}"](previous))
        ll = F.relu(m[f"bn_end{i}"](m[f"conv_last{i}"](ll)), True)
        out = m[f"l{i}"](ll)
        if i < self.fan.num_modules - 1:
            previous = previous + m[f"bl{i}"](ll) + m[f"al{i}"](out)
        return previous, ll, out

    def trunk(self, x: torch.Tensor) -> torch.Tensor:
        f = self.fan
        x = F.relu(f.bn1(f.conv1(x)), True)
        x = F.avg_pool2d(f.conv2(x), 2, stride=2)
        previous = f.conv4(f.conv3(x))
        for i in range(self.start):
            previous, _, _ = self._stack(i, previous)
        return previous

    def head(self, previous: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(heatmaps (B, 68, H, H), features (B, width, H, H))`` of the last stack (H = ``spec.heatmap_size``)."""
        ll = out = None
        for i in range(self.start, self.fan.num_modules):
            previous, ll, out = self._stack(i, previous)
        return out, ll

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x))[0]
