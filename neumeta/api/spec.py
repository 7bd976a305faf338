"""What NeuMeta generates for a network of your own, derived from its structure.

``NetworkSpec`` answers what the INR and the trainer ask of a ``GenerationSpec`` (``neumeta.method.spec``): the
generated parameter names in a fixed order, the full and training widths, each tensor's fan-in and shapes at a
width, and the BN-folded network at a width. The names and shapes come from the blocks' inner channel groups
(``structure``), so the network needs no builder with a width argument.
"""
import copy

import torch.nn as nn

from neumeta.api.structure import as_blocks, group_widths, inner_groups, narrowed, shapes_at


NARROWED_KEPT = 8


class NetworkSpec:
    """``folded``: the BN-folded (and permuted) full-width network; ``blocks``: the module names whose inner width
    changes (or lists of layer names, each list one block); ``train_widths``: (lo, hi) of the first block's first
    inner group, inclusive; ``width_of``: the layer whose outputs are that first group (default: the first in order)."""

    def __init__(self, folded, blocks, train_widths, example_input, width_of=None):
        self.folded, self.blocks, self.example_input = copy.deepcopy(folded).eval(), as_blocks(blocks), example_input
        self.groups = inner_groups(self.folded, self.blocks, example_input, width_of)
        self.full_width = self.groups[0].size
        self.train_widths = _checked_range(train_widths, self.full_width, self.groups[0].step)
        params = dict(self.folded.named_parameters())
        layers = {a.name.rpartition(".")[0] for g in self.groups for a in g.axes}
        self.names = tuple(n for n in params if n.rpartition(".")[0] in layers)
        self.transposed = tuple(n for n in self.names if n.endswith(".weight") and
                                isinstance(self.folded.get_submodule(n.rpartition(".")[0]), nn.ConvTranspose2d))
        self._full_shapes = tuple((n, tuple(params[n].shape)) for n in self.names)
        moved = {}
        for index, group in enumerate(self.groups):
            for a in group.axes:
                if a.name in params:  # BN statistics are buffers: never generated
                    moved.setdefault(a.name, []).append((a.axis, index, a.per, group.step if a.within_groups else 0))
        self._axes = tuple((n, tuple(a)) for n, a in moved.items())
        self.arch = type(folded).__name__
        self._narrowed = {}

    def fan_in(self, name, shape):
        """The input count a generated tensor's outputs are divided by (1 for biases)."""
        if len(shape) < 2:
            return 1
        return shape[0] if name in self.transposed else shape[1]

    def widths(self, width):
        """One width per inner group (see ``structure.group_widths``)."""
        return group_widths(self.groups, width)

    def shapes(self, width):
        return shapes_at(self._full_shapes, self._axes, self.widths(width))

    def model(self, width, device="cpu"):
        """The BN-folded network at ``width`` (its generated tensors still the full network's first channels).
        Each structure is derived once (torch-pruning's graph costs a tenth of a second) and copied after."""
        widths = self.widths(width)
        if widths not in self._narrowed:
            if len(self._narrowed) >= NARROWED_KEPT:  # a sweep visits each width once: keep the latest few
                self._narrowed.pop(next(iter(self._narrowed)))
            self._narrowed[widths] = narrowed(self.folded, self.groups, widths, self.example_input)
        model = copy.deepcopy(self._narrowed[widths])
        return model.to(device) if str(device) != "meta" else model

    def describe(self):
        """One row per inner group: block, the layer that defines it, full width, and the tensors it resizes."""
        return [{"block": "+".join(g.block) if isinstance(g.block, tuple) else g.block, "layer": g.root, "full_width": g.size,
                 "tensors": sorted({a.name for a in g.axes})} for g in self.groups]


def _checked_range(train_widths, full_width, step):
    try:
        lo, hi = (int(w) for w in train_widths)
    except (TypeError, ValueError):
        raise ValueError(f"widths must be (lowest, highest) training widths, got {train_widths!r}") from None
    if not 1 <= lo <= hi <= full_width or (lo, hi) != tuple(train_widths):
        raise ValueError(f"training widths {tuple(train_widths)} must be whole numbers with 1 <= lowest <= highest "
                         f"<= {full_width} (the first block's full inner width)")
    if lo % step or hi % step:
        raise ValueError(f"training widths {(lo, hi)} must be multiples of {step}: the first block's inner channels "
                         f"enter a grouped convolution with {step} groups, and each group narrows alike")
    return lo, hi
