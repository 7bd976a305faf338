"""The frozen full-width network that runs generated weights, for a network of your own.

``neumeta.method.engine.TargetNetwork`` swaps the generated tensors into the full-width network for one forward
pass; convolutions take their channel counts from the tensors. A depthwise convolution also needs its group
count to follow the width, so here each generated depthwise convolution's ``groups`` is set for the call and
restored after.
"""
import contextlib

import torch.nn as nn

from neumeta.method.engine import TargetNetwork


class NetworkTarget(TargetNetwork):
    def __init__(self, spec, folded_state_dict):
        super().__init__(spec, folded_state_dict)
        self.depthwise = {f"{name}.weight": m for name, m in self.net.named_modules()
                          if isinstance(m, nn.Conv2d) and m.groups > 1 and m.groups == m.in_channels == m.out_channels
                          and f"{name}.weight" in spec.names}

    def forward(self, x, generated):
        with self._groups_of(generated):
            return super().forward(x, generated)

    @contextlib.contextmanager
    def _groups_of(self, generated):
        before = {key: m.groups for key, m in self.depthwise.items()}
        try:
            for key, m in self.depthwise.items():
                m.groups = generated[key].shape[0]
            yield
        finally:
            for key, m in self.depthwise.items():
                m.groups = before[key]
