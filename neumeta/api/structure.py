"""Which channels of a network may change width, found from the network itself.

A block's *inner width* is every set of coupled channels (``neumeta.method.channels``) whose layers all lie inside
the block: a residual block's hidden channels, an MLP's hidden layer, a squeeze-and-excitation's squeeze. A set
that also reaches a layer outside the block is tied (by a residual connection, or by the layer after the block) and
keeps its width; so are the network's outputs. Every parameter of a layer that an inner set touches is generated.
Channels that enter or leave a grouped convolution narrow group by group: the group count stays, so their width
is a multiple of it.

The narrower network is the full one with each inner set pruned by torch-pruning, so no builder with a width
argument is needed: the structure comes from the user's model.
"""
import copy
import functools
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch_pruning as tp

from neumeta.method.channels import UnsupportedLayerError, find_channels


@dataclass(frozen=True)
class InnerGroup:
    block: str
    root: str  # the layer whose output channels define the set
    size: int  # channels at full width
    axes: tuple  # the set's ``channels.Axis`` entries
    step: int = 1  # the width is a multiple of this (the group count of a grouped convolution)


def _inside(name, block):
    if isinstance(block, tuple):  # a block given as a set of layers
        return any(_inside(name, part) for part in block)
    return block == "" or name == block or name.startswith(block + ".")


def as_blocks(blocks):
    """``blocks`` as a tuple of hashable blocks: a module name, or a list of layer names that together form one
    block (layers with no module of their own, such as a decoder's ``fc5`` and ``fc6``)."""
    if isinstance(blocks, str) or not blocks:
        raise ValueError(f"blocks must be a list of module names, got {blocks!r}")
    return tuple(tuple(b) if isinstance(b, (list, tuple)) else b for b in blocks)


def check_blocks(model, blocks):
    """One clear error for a block that is not in the model, named twice, or inside another block."""
    known = {n for n, _ in model.named_modules()}
    blocks = as_blocks(blocks)
    if len(set(blocks)) != len(blocks):
        raise ValueError(f"blocks {list(blocks)} name a block twice")
    parts = {b: b if isinstance(b, tuple) else (b,) for b in blocks}
    nested = [(a, b) for a in blocks for b in blocks if a != b and all(_inside(p, a) for p in parts[b])]
    if nested:
        raise ValueError(f"block {nested[0][1]!r} lies inside block {nested[0][0]!r}; name each part of the network "
                         "once (the outer block already holds the inner one's channels)")
    for block in blocks:
        for name in parts[block]:
            if not isinstance(name, str) or name not in known:
                raise ValueError(f"the model has no block {name!r}; blocks are module names such as "
                                 f"{sorted(n for n in known if n.count('.') == 1)[:4]}")
    return blocks


def inner_groups(model, blocks, example_input, width_of=None):
    """The ``InnerGroup``s of each block of ``model`` (BN folded), in the model's order; one clear error for a
    block that is not in the model, one with no inner width, or a layer in one that cannot be resized.
    ``width_of``: the layer whose output channels are its block's width (first in its block); default: the
    block's first inner layer."""
    blocks = check_blocks(model, blocks)
    found = {block: [] for block in blocks}
    for channels in find_channels(model, example_input):
        owner = next((b for b in blocks if all(_inside(n, b) for n, _ in channels.layers)), None)
        if owner is not None and channels.unsupported:
            raise UnsupportedLayerError(f"the channels of layer {channels.root!r} in block {owner!r} pass through "
                                        f"{channels.unsupported}, which the method cannot permute or resize yet; "
                                        "pick a block whose hidden channels do not")
        if channels.fixed or owner is None:
            continue
        for name, is_out in channels.layers:
            if is_out and isinstance(model.get_submodule(name), nn.BatchNorm2d):
                raise UnsupportedLayerError(f"layer {name!r} is a BatchNorm that follows no convolution, so it cannot "
                                            "be folded, and its statistics cannot be generated; keep it out of the blocks")
        found[owner].append(InnerGroup(owner, channels.root, channels.size, channels.axes, channels.conv_groups))
    for block, groups in found.items():
        if not groups:
            raise ValueError(f"block {block!r} has no inner width: each of its channels is tied to a layer outside "
                             "it (a residual connection, or the layer after it); pick a block with hidden channels")
    roots = [g.root for groups in found.values() for g in groups]
    if width_of is not None and width_of not in roots:
        raise ValueError(f"width_of={width_of!r} is not a layer whose outputs are an inner width; choose from {roots}")
    order = {n: i for i, (n, _) in enumerate(model.named_modules())}
    return [g for block in blocks for g in sorted(found[block], key=lambda g: (g.root != width_of, order[g.root]))]


def group_widths(groups, width):
    """Each group's width for ``width``: an int is the first group's width and every other group keeps the same
    ratio (rounded to nearest, at least one conv group); a dict gives a width per block (each block's groups follow
    its first); a tuple is one width per group already."""
    if isinstance(width, tuple):
        widths = width
    elif isinstance(width, dict):
        unknown, missing = set(width) - {g.block for g in groups}, {g.block for g in groups} - set(width)
        if unknown or missing:
            raise ValueError(f"widths per block must name every block once: unknown {sorted(map(str, unknown))}, "
                             f"missing {sorted(map(str, missing))}")
        first = {}
        for g in groups:
            first.setdefault(g.block, g.size)
        widths = tuple(_scaled(g, width[g.block], first[g.block]) for g in groups)
    else:
        widths = tuple(_scaled(g, width, groups[0].size) for g in groups)
    bad = [(w, g.size, g.step) for w, g in zip(widths, groups) if not (1 <= w <= g.size and w % g.step == 0)]
    if len(widths) != len(groups) or bad:
        raise ValueError(f"widths {widths} do not fit the blocks' full widths {tuple(g.size for g in groups)} "
                         "(each between 1 and its full width, and a multiple of its grouped convolution's groups "
                         f"{tuple(g.step for g in groups)})")
    return widths


def _scaled(group, width, reference):
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not width >= 1:
        raise ValueError(f"a width must be a number >= 1, got {width!r}")
    if group.size == reference and group.step == 1:
        return int(width) if width == int(width) else math.floor(width + 0.5)
    return group.step * max(1, math.floor(group.size * width / reference / group.step + 0.5))


def _pruned_channels(group, width):
    """The channels a narrowing to ``width`` removes: the last ones, or the last ones of every conv group."""
    if group.step == 1:
        return list(range(width, group.size))
    per, keep = group.size // group.step, width // group.step
    return [j * per + i for j in range(group.step) for i in range(keep, per)]


def narrowed(model, groups, widths, example_input):
    """A copy of ``model`` with each inner group cut to its width (the first channels of each kept)."""
    model = copy.deepcopy(model).eval()
    with torch.enable_grad():  # torch-pruning traces the graph through autograd, even when called under no_grad
        graph = tp.DependencyGraph().build_dependency(model, example_inputs=example_input)
    for group, width in zip(groups, widths):
        if width < group.size:
            root = model.get_submodule(group.root)
            prune = graph.get_pruner_of_module(root).prune_out_channels
            graph.get_pruning_group(root, prune, idxs=_pruned_channels(group, width)).prune()
    return model


@functools.lru_cache(maxsize=1024)
def shapes_at(full_shapes, axes, widths):
    """Generated tensors' shapes at the per-group ``widths``. ``full_shapes``: ((name, shape), ...); ``axes``:
    ((name, ((axis, group index, entries per channel, conv groups or 0), ...)), ...); cached per width."""
    moved = dict(axes)
    out = {}
    for name, shape in full_shapes:
        shape = list(shape)
        for axis, group, per, divided_by in moved.get(name, ()):
            shape[axis] = widths[group] // divided_by if divided_by else widths[group] * per
        out[name] = tuple(shape)
    return out
